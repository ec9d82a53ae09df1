# Installs primod like a Debian tool: headers, the core and layer libraries (static + shared), pkg-config modules,
# the CMake package, the CLI, the Python package, one man page per command, and a .deb through CPack.
#
# Layers: the core libprimod is always installed; each name in PRIMOD_LAYERS (set before this file is included)
# is a library built as targets primod_<name>_static / primod_<name>_shared, with PRIMOD_LAYER_<name>_PC naming
# the pkg-config modules its static form needs (each also found in the build as PkgConfig::<PREFIX>, see
# PM_PC_PREFIX below). A new layer appends its name, sets that variable and is then installed, exported as
# primod::<name> / primod::<name>_static, linked by primod.pc and given its own primod-<name>.pc.

# Headers of the core (libprimod alone links them: pkg-config primod-core, CMake primod::primod).
set(PRIMOD_CORE_HEADERS filter.h loop.h net.h quality.h relevance.h rng.h setup.h sim.h status.h version.h)
# For the install test run on an installed tree by scripts/deb-check.sh (tests/install/install_check.cmake).
string(REPLACE ";" "," _pm_core "${PRIMOD_CORE_HEADERS}")
file(WRITE ${CMAKE_BINARY_DIR}/primod-core-headers.txt "${_pm_core}\n")

# pkg-config module -> the prefix the build found it under (pkg_check_modules(<PREFIX> IMPORTED_TARGET ...)).
set(PM_PC_PREFIX_libpng PNG)
set(PM_PC_PREFIX_cairo CAIRO)
set(PM_PC_PREFIX_inih INIH)
set(PM_PC_PREFIX_libv4l2 V4L2)

if(PRIMOD_BUILD_TOOLS)
  # twin.h is left out while the twin is a static part of the CLI only (cmake/twin.cmake), not an installed layer.
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/primod DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} PATTERN twin.h EXCLUDE)
else()
  # A core-only build installs the core's headers and a primod.h that includes just them, so that everything an
  # installed header declares is still in an installed library.
  set(_pm_files "")
  set(_pm_body "")
  foreach(h ${PRIMOD_CORE_HEADERS})
    list(APPEND _pm_files ${PROJECT_SOURCE_DIR}/include/primod/${h})
    string(APPEND _pm_body "#include \"primod/${h}\"\n")
  endforeach()
  file(WRITE ${CMAKE_BINARY_DIR}/core-include/primod/primod.h
    "/* Every installed primod header (a core-only build: libprimod, pkg-config primod-core). */\n"
    "#ifndef PRIMOD_PRIMOD_H\n#define PRIMOD_PRIMOD_H\n\n${_pm_body}\n#endif\n")
  install(FILES ${_pm_files} ${CMAKE_BINARY_DIR}/core-include/primod/primod.h
    DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/primod)
endif()
install(TARGETS primod_static primod_shared EXPORT primodTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

# -l flags of a list of pkg-config modules as found now (pkg-config's --libs, without -L of system dirs).
function(pm_pc_libs out)
  set(flags "")
  foreach(m ${ARGN})
    foreach(l ${${PM_PC_PREFIX_${m}}_LIBRARIES})
      list(APPEND flags -l${l})
    endforeach()
  endforeach()
  list(REMOVE_DUPLICATES flags)
  string(REPLACE ";" " " flags "${flags}")
  set(${out} "${flags}" PARENT_SCOPE)
endfunction()

# The .pc files find their prefix relative to themselves, so a moved install (--prefix, DESTDIR, an extracted
# .deb) still works.
file(RELATIVE_PATH PM_PC_TO_PREFIX /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
string(REGEX REPLACE "/$" "" PM_PC_TO_PREFIX "${PM_PC_TO_PREFIX}")
# pm_write_pc(<module> <description> <requires> <libs> <libs.private>)
function(pm_write_pc module desc requires libs libs_private)
  set(PM_PC_NAME "${module}")
  set(PM_PC_DESC "${desc}")
  set(PM_PC_REQUIRES "${requires}")
  set(PM_PC_LIBS "${libs}")
  set(PM_PC_LIBS_PRIVATE "${libs_private}")
  configure_file(${PROJECT_SOURCE_DIR}/cmake/primod.pc.in ${CMAKE_BINARY_DIR}/pkgconfig/${module}.pc @ONLY)
  install(FILES ${CMAKE_BINARY_DIR}/pkgconfig/${module}.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endfunction()

pm_pc_libs(core_private libpng)
pm_write_pc(primod-core "primod core: network, filters, relevance, closed loop, simulator (libm, libpng)"
  "" "-lprimod" "${core_private} -lm")

# Layers: export, one .pc each; primod.pc links them all (last layer first, so static links resolve).
set(all_libs "-lprimod")
set(all_pc libpng)
# <PREFIX>=<module>=<libraries> for primodConfig.cmake, which recreates PkgConfig::<PREFIX> for the static targets.
function(pm_config_dep out module)
  set(p ${PM_PC_PREFIX_${module}})
  string(REPLACE ";" "," libs "${${p}_LIBRARIES}")
  set(${out} ${${out}} ${p}=${module}=${libs} PARENT_SCOPE)
endfunction()
set(PM_CONFIG_DEPS "")
pm_config_dep(PM_CONFIG_DEPS libpng)
foreach(layer ${PRIMOD_LAYERS})
  set_target_properties(primod_${layer}_shared PROPERTIES EXPORT_NAME ${layer})
  set_target_properties(primod_${layer}_static PROPERTIES EXPORT_NAME ${layer}_static)
  add_library(primod::${layer} ALIAS primod_${layer}_shared)
  add_library(primod::${layer}_static ALIAS primod_${layer}_static)
  install(TARGETS primod_${layer}_static primod_${layer}_shared EXPORT primodTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  pm_pc_libs(layer_private ${PRIMOD_LAYER_${layer}_PC})
  pm_write_pc(primod-${layer} "primod ${layer} layer (libprimod_${layer})" "primod-core = ${PROJECT_VERSION}"
    "-lprimod_${layer}" "${layer_private}")
  set(all_libs "-lprimod_${layer} ${all_libs}")
  list(APPEND all_pc ${PRIMOD_LAYER_${layer}_PC})
  foreach(m ${PRIMOD_LAYER_${layer}_PC})
    pm_config_dep(PM_CONFIG_DEPS ${m})
  endforeach()
endforeach()
pm_pc_libs(all_private ${all_pc})
# System libraries go to Libs.private as plain -l flags rather than Requires.private: a shared-library user then
# needs no -dev package (none of primod's headers includes theirs), and --static still names every one.
pm_write_pc(primod "Closed-loop learning of forward models with Prime and Modulate learning (every installed library)"
  "" "${all_libs}" "${all_private} -lm")

# CMake package: primod::primod (core, shared), primod::primod_static, primod::<layer>[_static].
install(EXPORT primodTargets NAMESPACE primod:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/primod)
include(CMakePackageConfigHelpers)
list(REMOVE_DUPLICATES PM_CONFIG_DEPS)
string(REPLACE ";" " " PM_CONFIG_DEPS "${PM_CONFIG_DEPS}")
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/primodConfig.cmake.in
  ${CMAKE_BINARY_DIR}/primodConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/primod)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/primodConfigVersion.cmake COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_BINARY_DIR}/primodConfig.cmake ${CMAKE_BINARY_DIR}/primodConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/primod)

if(PRIMOD_BUILD_TOOLS)
  # Python package (ctypes over libprimod.so and libprimod_experiment.so) installed beside the libraries.
  include(${PROJECT_SOURCE_DIR}/python/install.cmake)

  # One man page per command, from the --help texts (help2man), regenerated whenever the CLI is rebuilt.
  find_program(HELP2MAN help2man)
  if(HELP2MAN)
    add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/man/primod.1
      COMMAND ${CMAKE_COMMAND} -DPRIMOD=$<TARGET_FILE:primod_cli> -DHELP2MAN=${HELP2MAN}
              -DOUT=${CMAKE_BINARY_DIR}/man -DVERSION=${PROJECT_VERSION} -P ${PROJECT_SOURCE_DIR}/cmake/man.cmake
      DEPENDS primod_cli ${PROJECT_SOURCE_DIR}/cmake/man.cmake
      COMMENT "Man pages (help2man)")
    add_custom_target(primod_man ALL DEPENDS ${CMAKE_BINARY_DIR}/man/primod.1)
    install(DIRECTORY ${CMAKE_BINARY_DIR}/man/ DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 FILES_MATCHING PATTERN "*.1")
  else()
    message(STATUS "help2man not found: no man pages (apt-get install help2man)")
  endif()
endif()

# ---- .deb: `cpack -G DEB` in the build directory ----
set(CPACK_PACKAGE_NAME primod)
set(CPACK_PACKAGE_VENDOR "primod")
set(CPACK_PACKAGE_CONTACT "primod maintainers <primod@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "closed-loop learning of forward models with Prime and Modulate learning")
set(CPACK_PACKAGE_DESCRIPTION "The primod C11 libraries (core, robot, experiment; static and shared), their \
headers, pkg-config and CMake files, the primod command-line tool with its man pages and the Python package.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_PREFIX /usr)   # the prefix cpack installs with (CPACK_SET_DESTDIR below)
# DESTDIR staging, so that install-time paths (the Python package's _install.py) say /usr, not the staging dir.
set(CPACK_SET_DESTDIR ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
# Shared-library dependencies (libcairo2, libinih1, libv4l-0, libpng16-16, libsdl2 ...) come from dpkg-shlibdeps;
# the Python package needs python3, numpy is optional (lists work without it).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "python3")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "python3-numpy, man-db")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "pkgconf, libcairo2-dev, libinih-dev, libv4l-dev, libpng-dev")
set(CPACK_STRIP_FILES OFF)
include(CPack)
