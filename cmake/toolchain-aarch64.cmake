# Cross-compiles primod for aarch64 Linux (the robot's Raspberry Pi) on a Debian x86-64 host with multiarch arm64
# -dev packages; tests run under qemu-user. Used by scripts/cross-aarch64.sh:
#   cmake -S . -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(PM_CROSS_TRIPLE aarch64-linux-gnu)

set(CMAKE_C_COMPILER ${PM_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${PM_CROSS_TRIPLE}-g++)

# Debian multiarch: target libraries live in /usr/lib/aarch64-linux-gnu and headers in /usr/include (shared with the
# host, arch-specific ones under /usr/include/aarch64-linux-gnu), so the root is / and the library architecture
# selects the aarch64 directories. Programs (pkg-config, python3) come from the host; libraries, headers and CMake
# packages only from the target paths.
set(CMAKE_FIND_ROOT_PATH /usr/${PM_CROSS_TRIPLE} /)
set(CMAKE_LIBRARY_ARCHITECTURE ${PM_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg_check_modules must see the arm64 .pc files only, never the host's /usr/lib/x86_64-linux-gnu/pkgconfig.
# The architecture-independent /usr/share/pkgconfig stays (e.g. headers-only packages).
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/${PM_CROSS_TRIPLE}/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "")
set(PKG_CONFIG_EXECUTABLE /usr/bin/pkg-config CACHE FILEPATH "host pkg-config, pointed at the target's .pc files")

# ctest runs the target's test programs through qemu. "-L /": the aarch64 loader and libraries are found at their
# multiarch paths under /. With qemu 7.2, "-L /usr/aarch64-linux-gnu" makes every forked child spin forever.
set(CMAKE_CROSSCOMPILING_EMULATOR "qemu-aarch64;-L;/")
