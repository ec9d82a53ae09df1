# Installs the build tree into WORK/prefix and compiles tests/install/user.c against it two ways.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
set(prefix ${WORK}/prefix)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(LAST_OUT "${out}" PARENT_SCOPE)
endfunction()

run(${CMAKE_COMMAND} --install ${BIN} --prefix ${prefix})
foreach(f include/primod/net.h include/primod/status.h)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()

# 1. pkg-config, as the issue asks: cc user.c $(pkg-config --cflags --libs primod)
file(GLOB_RECURSE pcs ${prefix}/*/primod.pc)
list(GET pcs 0 pc)
get_filename_component(pcdir ${pc} DIRECTORY)
set(ENV{PKG_CONFIG_PATH} ${pcdir})
run(pkg-config --cflags --libs primod)
string(STRIP "${LAST_OUT}" flags)
separate_arguments(flags UNIX_COMMAND "${flags}")
run(${C_COMPILER} -std=c11 -Wall -Werror ${SRC}/tests/install/user.c ${flags} -o ${WORK}/user_pc
    -Wl,-rpath,${pcdir}/..)
run(${WORK}/user_pc)
if(NOT LAST_OUT MATCHES "primod user ok")
  message(FATAL_ERROR "user program printed: ${LAST_OUT}")
endif()

# 2. CMake package: find_package(primod) + primod::primod
file(WRITE ${WORK}/proj/CMakeLists.txt
"cmake_minimum_required(VERSION 3.16)\nproject(user C)\nfind_package(primod REQUIRED)\n"
"add_executable(user ${SRC}/tests/install/user.c)\ntarget_link_libraries(user PRIVATE primod::primod)\n")
run(${CMAKE_COMMAND} -S ${WORK}/proj -B ${WORK}/proj/build -DCMAKE_PREFIX_PATH=${prefix})
run(${CMAKE_COMMAND} --build ${WORK}/proj/build)
run(${WORK}/proj/build/user)
if(NOT LAST_OUT MATCHES "primod user ok")
  message(FATAL_ERROR "find_package user program printed: ${LAST_OUT}")
endif()
