# Writes OUT/primod.1 and OUT/primod-<command>.1 for every command `PRIMOD --help` lists, with help2man from each
# --help text (cmake -DPRIMOD=... -DHELP2MAN=... -DOUT=... -DVERSION=... -P man.cmake). A new command gets its page
# without editing this file.
file(REMOVE_RECURSE ${OUT})
file(MAKE_DIRECTORY ${OUT}/bin)
execute_process(COMMAND ${PRIMOD} --help OUTPUT_VARIABLE help RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${PRIMOD} --help failed (${rc})")
endif()

# help2man names the page after the program it runs: a one-line wrapper per command is that program.
function(page name summary)
  set(wrapper ${OUT}/bin/${name})
  string(REGEX REPLACE "^primod-?" "" sub "${name}")
  file(WRITE ${wrapper} "#!/bin/sh\nexec '${PRIMOD}' ${sub} \"$@\"\n")
  file(CHMOD ${wrapper} PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE)
  execute_process(COMMAND ${HELP2MAN} --no-info --section=1 --source=primod --version-string=${VERSION}
                          --name=${summary} --output=${OUT}/${name}.1 ${wrapper}
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0 OR NOT EXISTS ${OUT}/${name}.1)
    message(FATAL_ERROR "help2man ${name} failed (${rc}): ${err}")
  endif()
  # help2man writes the wrapper's path where a page names its own program: keep the command's name only.
  file(READ ${OUT}/${name}.1 text)
  string(REPLACE "${OUT}/bin/" "" text "${text}")
  file(WRITE ${OUT}/${name}.1 "${text}")
endfunction()

page(primod "closed-loop learning of forward models with Prime and Modulate learning")
string(REPLACE "\n" ";" lines "${help}")
set(in_commands OFF)
foreach(line ${lines})
  if(line MATCHES "^commands:")
    set(in_commands ON)
  elseif(in_commands AND line MATCHES "^  ([a-z][a-z0-9_-]*) +(.+)$")
    page(primod-${CMAKE_MATCH_1} "${CMAKE_MATCH_2}")
  endif()
endforeach()
file(REMOVE_RECURSE ${OUT}/bin)
