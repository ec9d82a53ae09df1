# The robot session (src/experiment/robot_session.c) drives the serial link and camera of libprimod_robot: the
# experiment layer links it (static with static, shared with shared) so that its users need nothing more.
if(PRIMOD_BUILD_TOOLS)
  target_link_libraries(pm_experiment PUBLIC pm_robot)
  target_link_libraries(primod_experiment_static PUBLIC primod_robot_static)
  target_link_libraries(primod_experiment_shared PUBLIC primod_robot_shared)
endif()
