# Installs the Python package beside the libraries: include(python/install.cmake) from the top-level CMakeLists.
# Default: <prefix>/lib/python3/dist-packages/primod (on Debian's python3 path for the /usr and /usr/local prefixes).
set(PRIMOD_PYTHON_DIR "lib/python3/dist-packages" CACHE STRING
  "Where `cmake --install` puts the primod Python package, relative to the install prefix")
install(DIRECTORY ${CMAKE_CURRENT_LIST_DIR}/primod DESTINATION ${PRIMOD_PYTHON_DIR}
  FILES_MATCHING PATTERN "*.py" PATTERN "__pycache__" EXCLUDE)
# _install.py tells the package where its shared libraries went; written at install time so that
# `cmake --install --prefix X` and DESTDIR staging give the right path.
install(CODE "
  set(_dir \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${PRIMOD_PYTHON_DIR}/primod\")
  file(WRITE \"\${_dir}/_install.py\"
    \"\\\"\\\"\\\"Written by cmake --install: where libprimod.so and libprimod_experiment.so are.\\\"\\\"\\\"\\nLIBDIR = r'\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}'\\n\")
  message(STATUS \"Installing: \${_dir}/_install.py\")
")
