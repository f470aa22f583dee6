# CMake toolchain file: cross-compile for Windows x86_64 with Debian's
# mingw-w64 (gcc-mingw-w64-x86-64), and run the resulting .exe files under
# Wine via scripts/wine-run.sh so that `ctest` works on Linux.
#
#   cmake -S . -B build-mingw \
#     -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake
#
# Optional cache variables:
#   MINGW_TRIPLET   compiler prefix (default x86_64-w64-mingw32)
#   MINGW_SUFFIX    e.g. "-posix" to force the posix-threads gcc variant
#   MINGW_CHECK_PREFIX  where scripts/build-check-mingw.sh installed Check
#                       (added to the find root path; default <repo>/.deps/mingw-check)

set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(MINGW_TRIPLET "x86_64-w64-mingw32" CACHE STRING "mingw-w64 target triplet")
set(MINGW_SUFFIX "" CACHE STRING "compiler name suffix, e.g. -posix or -win32")

set(CMAKE_C_COMPILER   ${MINGW_TRIPLET}-gcc${MINGW_SUFFIX})
set(CMAKE_CXX_COMPILER ${MINGW_TRIPLET}-g++${MINGW_SUFFIX})
set(CMAKE_RC_COMPILER  ${MINGW_TRIPLET}-windres)
set(CMAKE_AR           ${MINGW_TRIPLET}-ar CACHE FILEPATH "archiver")
set(CMAKE_RANLIB       ${MINGW_TRIPLET}-ranlib CACHE FILEPATH "ranlib")

# The toolchain file is read before project(), and again by try_compile();
# CMAKE_CURRENT_LIST_DIR is this file's dir in both cases.
get_filename_component(_walsafe_repo "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(MINGW_CHECK_PREFIX "${_walsafe_repo}/.deps/mingw-check"
    CACHE PATH "Check built for mingw by scripts/build-check-mingw.sh")

# Search target headers/libs only in the mingw sysroot (+ our cross-built
# deps), never in the host's /usr/include or /usr/lib; host programs
# (e.g. python3, node) are still found on the host.
set(CMAKE_FIND_ROOT_PATH /usr/${MINGW_TRIPLET} "${MINGW_CHECK_PREFIX}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# try_compile() needs to see these when it re-reads the toolchain file.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES MINGW_TRIPLET MINGW_SUFFIX MINGW_CHECK_PREFIX)

# add_test()/ctest and try_run() run target binaries through Wine.
set(CMAKE_CROSSCOMPILING_EMULATOR "${_walsafe_repo}/scripts/wine-run.sh"
    CACHE FILEPATH "runs Windows test executables under wine64")
