# Install test: installs the build tree into WORK/prefix (or, with -DPREFIX=DIR, checks an existing install such
# as an extracted .deb's usr/), then, as a user of the installed library would:
#   - checks <primod/primod.h> includes every installed header, and compiles it (and each header alone) as C11 and
#     as C++ with -Wall -Wextra -pedantic -Werror;
#   - generates a program taking the address of every function declared in the installed headers
#     (gen_fn_test.py) and links it shared and static with `pkg-config primod` and with find_package(primod), and
#     the core headers' functions with `pkg-config primod-core` / primod::primod alone; runs each;
#   - builds and runs tests/install/user.c both ways.
# cmake -DSRC=<source> -DWORK=<scratch dir> -DC_COMPILER=cc -DCXX_COMPILER=c++ -DPYTHON=python3
#       [-DBIN=<build dir> | -DPREFIX=<installed prefix>] -DCORE_HEADERS=net.h,status.h,... -P install_check.cmake
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
if(NOT PREFIX)
  set(PREFIX ${WORK}/prefix)
  set(do_install ON)
endif()

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(LAST_OUT "${out}" PARENT_SCOPE)
endfunction()

# Runs a program built against the install and checks it says `expect`.
function(run_expect exe expect)
  run(${exe})
  if(NOT LAST_OUT MATCHES "${expect}")
    message(FATAL_ERROR "${exe} printed: ${LAST_OUT} (expected '${expect}')")
  endif()
  string(STRIP "${LAST_OUT}" said)
  message(STATUS "${exe}: ${said}")
endfunction()

# A program built with the static libraries must not need any libprimod*.so.
function(check_no_primod_so exe)
  run(readelf -d ${exe})
  if(LAST_OUT MATCHES "libprimod")
    message(FATAL_ERROR "${exe} was meant to link primod statically but needs: ${LAST_OUT}")
  endif()
endfunction()

if(do_install)
  run(${CMAKE_COMMAND} --install ${BIN} --prefix ${PREFIX})
endif()
set(inc ${PREFIX}/include)
foreach(f primod/primod.h primod/net.h primod/status.h)
  if(NOT EXISTS ${inc}/${f})
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()

# 1. <primod/primod.h> is complete, and it and every header compile alone as C11 and C++ (extern "C" guards).
file(READ ${inc}/primod/primod.h umbrella)
file(GLOB headers RELATIVE ${inc} ${inc}/primod/*.h)
foreach(h ${headers})
  if(NOT h STREQUAL "primod/primod.h" AND NOT umbrella MATCHES "#include \"${h}\"")
    message(FATAL_ERROR "<primod/primod.h> does not include ${h}")
  endif()
  string(MAKE_C_IDENTIFIER ${h} id)
  file(WRITE ${WORK}/hdr/${id}.c "#include <${h}>\n#include <${h}>\nint main(void) { return 0; }\n")
  file(WRITE ${WORK}/hdr/${id}.cpp "#include <${h}>\n#include <${h}>\nint main() { return 0; }\n")
  run(${C_COMPILER} -std=c11 -Wall -Wextra -pedantic -Werror -I${inc} -c ${WORK}/hdr/${id}.c -o ${WORK}/hdr/${id}.o)
  run(${CXX_COMPILER} -std=c++11 -Wall -Wextra -pedantic -Werror -I${inc} -c ${WORK}/hdr/${id}.cpp
      -o ${WORK}/hdr/${id}.cpp.o)
endforeach()
# C++ linkage: a C++ program calls through primod.h (an unguarded header would leave mangled undefined names).
file(WRITE ${WORK}/cxx_user.cpp
"#include <primod/primod.h>\n#include <cstdio>\n#include <cstring>\n"
"int main() {\n  pm_net_config cfg = pm_net_config();\n  pm_net *net = 0;\n"
"  if (pm_net_create(&cfg, &net) != PM_OK || pm_net_n_outputs(net) != 2) return 1;\n  pm_net_destroy(net);\n"
"  if (std::strcmp(pm_version(), PM_VERSION_STRING) != 0) return 1;\n"
"  std::puts(\"primod C++ user ok\");\n  return 0;\n}\n")

# 2. The address of every declared function: all headers, and the core's alone.
run(${PYTHON} ${SRC}/tests/install/gen_fn_test.py ${C_COMPILER} ${inc} ${WORK}/all_fns.c primod/primod.h)
string(STRIP "${LAST_OUT}" n_all)
set(core_includes "")
string(REPLACE "," ";" CORE_HEADERS "${CORE_HEADERS}")
foreach(h ${CORE_HEADERS})
  list(APPEND core_includes primod/${h})
endforeach()
run(${PYTHON} ${SRC}/tests/install/gen_fn_test.py ${C_COMPILER} ${inc} ${WORK}/core_fns.c ${core_includes})
string(STRIP "${LAST_OUT}" n_core)
message(STATUS "functions declared: ${n_all} in all installed headers, ${n_core} in the core's")

# 3. pkg-config: cc prog.c $(pkg-config --cflags --libs primod), shared and --static.
set(pcdir ${PREFIX}/lib/pkgconfig)
file(GLOB_RECURSE pcs ${PREFIX}/lib/primod.pc)   # lib/pkgconfig or lib/<multiarch>/pkgconfig
if(pcs)
  list(GET pcs 0 pc)
  get_filename_component(pcdir ${pc} DIRECTORY)
endif()
get_filename_component(libdir ${pcdir} DIRECTORY)
# The installed layers (primod-<layer>.pc besides primod-core.pc): their CMake targets are primod::<layer>[_static].
file(GLOB layer_pcs RELATIVE ${pcdir} ${pcdir}/primod-*.pc)
set(layers "")
foreach(f ${layer_pcs})
  string(REGEX REPLACE "^primod-(.*)\\.pc$" "\\1" layer ${f})
  if(NOT layer STREQUAL "core")
    list(APPEND layers ${layer})
  endif()
endforeach()
message(STATUS "installed layers: ${layers}")
if(n_core LESS 50 OR n_core GREATER n_all OR (layers AND NOT n_all GREATER n_core))
  message(FATAL_ERROR "implausible function counts: ${n_all} (all), ${n_core} (core), layers: ${layers}")
endif()
set(ENV{PKG_CONFIG_PATH} ${pcdir})
set(ENV{PKG_CONFIG_LIBDIR} ${pcdir})   # only this install's modules, never a system-wide primod
set(cflags -std=c11 -Wall -Wextra -pedantic -Werror)
function(pc_flags out)
  run(pkg-config ${ARGN})
  string(STRIP "${LAST_OUT}" flags)
  separate_arguments(flags UNIX_COMMAND "${flags}")
  set(${out} ${flags} PARENT_SCOPE)
endfunction()
foreach(mod primod primod-core)
  set(prog ${WORK}/all_fns.c)
  set(expect "${n_all} functions linked")
  if(mod STREQUAL "primod-core")
    set(prog ${WORK}/core_fns.c)
    set(expect "${n_core} functions linked")
  endif()
  pc_flags(shared --cflags --libs ${mod})
  run(${C_COMPILER} ${cflags} ${prog} ${shared} -o ${WORK}/${mod}_shared -Wl,-rpath,${libdir})
  run_expect(${WORK}/${mod}_shared "${expect}")
  # --static: primod's own libraries from their .a (-Bstatic), the system libraries shared as usual.
  pc_flags(static --cflags --libs --static ${mod})
  set(static_flags "")
  foreach(f ${static})
    if(f MATCHES "^-lprimod")
      list(APPEND static_flags -Wl,-Bstatic ${f} -Wl,-Bdynamic)
    else()
      list(APPEND static_flags ${f})
    endif()
  endforeach()
  run(${C_COMPILER} ${cflags} ${prog} ${static_flags} -o ${WORK}/${mod}_static)
  check_no_primod_so(${WORK}/${mod}_static)
  run_expect(${WORK}/${mod}_static "${expect}")
endforeach()
pc_flags(shared --cflags --libs primod)
run(${C_COMPILER} ${cflags} ${SRC}/tests/install/user.c ${shared} -o ${WORK}/user_pc -Wl,-rpath,${libdir})
run_expect(${WORK}/user_pc "primod user ok")
run(${CXX_COMPILER} -std=c++11 -Wall -Wextra -pedantic -Werror ${WORK}/cxx_user.cpp ${shared} -o ${WORK}/cxx_user
    -Wl,-rpath,${libdir})
run_expect(${WORK}/cxx_user "primod C\\+\\+ user ok")

unset(ENV{PKG_CONFIG_PATH})
unset(ENV{PKG_CONFIG_LIBDIR})

# 4. CMake package: find_package(primod) and its targets, shared and static (the project adds C++ for one check).
set(shared_targets "")
set(static_targets "")
foreach(layer ${layers})
  string(APPEND shared_targets " primod::${layer}")
  string(APPEND static_targets " primod::${layer}_static")
endforeach()
file(WRITE ${WORK}/proj/CMakeLists.txt
"cmake_minimum_required(VERSION 3.16)\nproject(user C CXX)\nfind_package(primod REQUIRED)\n"
"set(CMAKE_C_STANDARD 11)\nset(CMAKE_CXX_STANDARD 11)\nadd_compile_options(-Wall -Wextra -pedantic -Werror)\n"
"add_executable(all_shared ${WORK}/all_fns.c)\n"
"target_link_libraries(all_shared PRIVATE ${shared_targets} primod::primod)\n"
"add_executable(all_static ${WORK}/all_fns.c)\n"
"target_link_libraries(all_static PRIVATE ${static_targets} primod::primod_static)\n"
"add_executable(core_shared ${WORK}/core_fns.c)\ntarget_link_libraries(core_shared PRIVATE primod::primod)\n"
"add_executable(core_static ${WORK}/core_fns.c)\ntarget_link_libraries(core_static PRIVATE primod::primod_static)\n"
"add_executable(user ${SRC}/tests/install/user.c)\ntarget_link_libraries(user PRIVATE primod::primod)\n"
"add_executable(cxx_user ${WORK}/cxx_user.cpp)\ntarget_link_libraries(cxx_user PRIVATE primod::primod)\n")
run(${CMAKE_COMMAND} -S ${WORK}/proj -B ${WORK}/proj/build -DCMAKE_PREFIX_PATH=${PREFIX}
    -DCMAKE_C_COMPILER=${C_COMPILER} -DCMAKE_CXX_COMPILER=${CXX_COMPILER})
run(${CMAKE_COMMAND} --build ${WORK}/proj/build)
set(b ${WORK}/proj/build)
run_expect(${b}/all_shared "${n_all} functions linked")
check_no_primod_so(${b}/all_static)
run_expect(${b}/all_static "${n_all} functions linked")
run_expect(${b}/core_shared "${n_core} functions linked")
check_no_primod_so(${b}/core_static)
run_expect(${b}/core_static "${n_core} functions linked")
run_expect(${b}/user "primod user ok")
run_expect(${b}/cxx_user "primod C\\+\\+ user ok")
