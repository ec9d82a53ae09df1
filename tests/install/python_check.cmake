# The Python package's tests against an installed prefix only: `cmake --install` into WORK/prefix (or an existing
# -DPREFIX such as an extracted .deb's usr/), then pytest with PYTHONPATH at the installed package, no
# PRIMOD_LIB_DIR and no source tree on the path, so the package must find the installed libraries by itself.
# cmake -DSRC=<source> -DWORK=<scratch> -DPYTHON=python3 [-DBIN=<build dir> | -DPREFIX=<prefix>] -P python_check.cmake
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
if(NOT PREFIX)
  set(PREFIX ${WORK}/prefix)
  execute_process(COMMAND ${CMAKE_COMMAND} --install ${BIN} --prefix ${PREFIX} RESULT_VARIABLE rc OUTPUT_QUIET)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "cmake --install ${BIN} --prefix ${PREFIX} failed (${rc})")
  endif()
endif()
file(GLOB_RECURSE inits ${PREFIX}/lib/__init__.py)
list(FILTER inits INCLUDE REGEX "/primod/__init__\\.py$")
if(NOT inits)
  message(FATAL_ERROR "no installed Python package under ${PREFIX}/lib")
endif()
list(GET inits 0 init)
get_filename_component(pkg ${init} DIRECTORY)
get_filename_component(pypath ${pkg} DIRECTORY)
# The tests are copied out of the source tree so that nothing there (python/) can be imported instead.
file(COPY ${SRC}/tests/python/ DESTINATION ${WORK}/tests FILES_MATCHING PATTERN "*.py")
set(ENV{PYTHONPATH} ${pypath})
set(ENV{PYTHONDONTWRITEBYTECODE} 1)
set(ENV{PRIMOD_CLI} ${PREFIX}/bin/primod)
set(ENV{PRIMOD_EXPECT_PREFIX} ${PREFIX})   # test_installed.py: the libraries loaded are this prefix's
unset(ENV{PRIMOD_LIB_DIR})
execute_process(COMMAND ${PYTHON} -m pytest -q -p no:cacheprovider ${WORK}/tests
  WORKING_DIRECTORY ${WORK} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pytest against ${PREFIX} failed (${rc})")
endif()
