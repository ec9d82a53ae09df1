/* placeholder: the loop module is filled in by its issue. */
typedef int pm_loop_placeholder_t;
