/* placeholder: the robot layer is filled in by its issue. */
typedef int pm_robot_placeholder_t;
