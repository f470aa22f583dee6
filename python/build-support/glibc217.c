/*
** glibc217.c: keeps libwalsafe.so for the Python wheel loadable on glibc
** 2.17 (the manylinux2014 promise) when it is built on a newer glibc.
**
** Since glibc 2.33, stat() and fstatat() are real symbols versioned
** GLIBC_2.33 (before, <sys/stat.h> turned them into __xstat calls). Built on
** Debian 12 (glibc 2.36), vfs/platform_unix.c would need GLIBC_2.33. The
** wheel's build (scripts/build-packages.sh) links this object with
**   -Wl,--wrap=stat -Wl,--wrap=fstatat
** so those calls land here and go to the kernel through syscall()
** (GLIBC_2.2.5). On x86_64 the kernel's struct stat is glibc's struct stat,
** so the buffer is filled exactly as glibc would. x86_64 Linux only, like
** the wheel; the source tree and its other builds are unchanged. The
** wheel's guard (python/tools/check_wheels.py) fails the build if any
** symbol newer than GLIBC_2.17 appears again.
*/
#define _GNU_SOURCE 1
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#if !defined(__x86_64__) || !defined(SYS_newfstatat)
#error "glibc217.c is for x86_64 Linux (newfstatat fills glibc's struct stat)"
#endif

int __wrap_fstatat(int dirfd, const char *path, struct stat *buf, int flags) {
  return (int)syscall(SYS_newfstatat, dirfd, path, buf, flags);
}

int __wrap_stat(const char *path, struct stat *buf) { return __wrap_fstatat(AT_FDCWD, path, buf, 0); }
