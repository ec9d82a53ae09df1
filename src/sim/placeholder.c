/* placeholder: the sim module is filled in by its issue. */
typedef int pm_sim_placeholder_t;
