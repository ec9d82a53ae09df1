# test_sensor_memory counts the library's allocations by wrapping the allocator at link time (the library's objects
# are linked into the test executable, so their calls go through the wrappers).
if(TARGET test_sensor_memory)
  target_link_options(test_sensor_memory PRIVATE
    -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc -Wl,--wrap=free)
endif()
