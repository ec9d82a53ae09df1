# The robot twin (SPEC §10): src/twin/ links libsimavr; on by default where simavr's headers and libraries exist.
# Also builds the unchanged firmware ELF (make -C firmware) into the build tree, where `primod twin` finds it.
find_path(PM_SIMAVR_INCLUDE sim_avr.h PATH_SUFFIXES simavr)
find_library(PM_SIMAVR_LIB simavr)
find_library(PM_SIMAVRPARTS_LIB simavrparts)
find_library(PM_ELF_LIB elf)
find_package(Threads)
set(PM_TWIN_DEFAULT OFF)
if(PRIMOD_BUILD_TOOLS AND PM_SIMAVR_INCLUDE AND PM_SIMAVR_LIB AND PM_ELF_LIB AND Threads_FOUND)
  set(PM_TWIN_DEFAULT ON)
endif()
option(PRIMOD_BUILD_TWIN "Build the robot twin (firmware in simavr + simulated world; needs libsimavr-dev, libelf-dev)"
  ${PM_TWIN_DEFAULT})

if(PRIMOD_BUILD_TWIN)
  if(NOT (PRIMOD_BUILD_TOOLS AND PM_SIMAVR_INCLUDE AND PM_SIMAVR_LIB AND PM_ELF_LIB))
    message(FATAL_ERROR "PRIMOD_BUILD_TWIN needs PRIMOD_BUILD_TOOLS and simavr (apt-get install simavr "
      "libsimavr-dev libsimavrparts1 libelf-dev)")
  endif()
  # An installed layer (cmake/install.cmake): libprimod_twin, static and shared, over libprimod_robot (the frame
  # format) and libprimod_experiment (inih, JSON). simavr stays behind twin.h's opaque types: its headers are
  # private, users of the layer need only its shared library (and libelf).
  pkg_check_modules(SIMAVR REQUIRED IMPORTED_TARGET simavr)
  pkg_check_modules(LIBELF REQUIRED IMPORTED_TARGET libelf)
  file(GLOB PM_TWIN_SRC CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/twin/*.c)
  pm_object_lib(pm_twin ${PM_TWIN_SRC})
  # simavr's headers are not written for -Wstrict-prototypes -Werror: SYSTEM keeps their warnings out
  target_include_directories(pm_twin SYSTEM PRIVATE ${SIMAVR_INCLUDE_DIRS})
  target_link_libraries(pm_twin PUBLIC pm_loop pm_sim PkgConfig::INIH)
  # threads as the plain flag (-pthread, or nothing where libc has them): the exported static target then names
  # no Threads::Threads a user's find_package(primod) would have to recreate
  pm_layer_libs(primod_twin pm_twin PkgConfig::SIMAVR PkgConfig::LIBELF PkgConfig::INIH ${CMAKE_THREAD_LIBS_INIT})
  target_link_libraries(primod_twin_static PUBLIC primod_experiment_static primod_robot_static
    PkgConfig::SIMAVR PkgConfig::LIBELF ${CMAKE_THREAD_LIBS_INIT})
  target_link_libraries(primod_twin_shared PUBLIC primod_experiment_shared primod_robot_shared)
  target_include_directories(primod_twin_static INTERFACE $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/src>)
  list(APPEND PRIMOD_LAYERS twin)
  set(PRIMOD_LAYER_twin_PC simavr libelf)
  set(PRIMOD_LAYER_twin_REQUIRES primod-robot primod-experiment)
  target_link_libraries(primod_cli PRIVATE primod_twin_static)
  target_compile_definitions(primod_cli PRIVATE PRIMOD_HAVE_TWIN=1)

  # The firmware exactly as `make -C firmware` builds it for the board, into <build>/twin/ (next to the primod
  # binary, where `primod twin` looks first); installed to share/primod/twin/.
  find_program(PM_AVR_GCC_TWIN avr-gcc)
  find_program(PM_MAKE_TWIN make)
  if(PM_AVR_GCC_TWIN AND PM_MAKE_TWIN)
    add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/twin/primod.elf
      # a fresh MAKEFLAGS: the parent make's jobserver is not passed down to a custom command
      COMMAND ${CMAKE_COMMAND} -E env MAKEFLAGS= ${PM_MAKE_TWIN} -s -C ${PROJECT_SOURCE_DIR}/firmware
        O=${CMAKE_BINARY_DIR}/twin
        ${CMAKE_BINARY_DIR}/twin/primod.elf
      DEPENDS ${PROJECT_SOURCE_DIR}/firmware/main.c ${PROJECT_SOURCE_DIR}/firmware/Makefile
        ${PROJECT_SOURCE_DIR}/src/robot/frame.c ${PROJECT_SOURCE_DIR}/include/primod/frame.h
      COMMENT "firmware ELF for the twin (make -C firmware)")
    add_custom_target(primod_twin_firmware ALL DEPENDS ${CMAKE_BINARY_DIR}/twin/primod.elf)
    install(FILES ${CMAKE_BINARY_DIR}/twin/primod.elf DESTINATION ${CMAKE_INSTALL_DATADIR}/primod/twin)
  else()
    message(STATUS "primod twin: no avr-gcc, so no firmware ELF (primod twin then needs --firmware FILE.elf)")
  endif()
  configure_file(${PROJECT_SOURCE_DIR}/configs/robot.ini ${CMAKE_BINARY_DIR}/twin/robot.ini COPYONLY)
  install(FILES ${PROJECT_SOURCE_DIR}/configs/robot.ini DESTINATION ${CMAKE_INSTALL_DATADIR}/primod/twin)
endif()
