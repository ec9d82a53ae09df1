/* placeholder: the report layer is filled in by its issue. */
typedef int pm_report_placeholder_t;
