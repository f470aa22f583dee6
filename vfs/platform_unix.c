/*
** platform_unix.c: the platform answers for unix-like systems.
*/
#ifndef _WIN32
#define _GNU_SOURCE 1 /* strerror_r, clock_gettime, statfs */
#include "platform.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#if defined(__linux__)
#include <sys/vfs.h>
#endif

void ws_mutex_enter(ws_mutex *m) { pthread_mutex_lock(m); }
void ws_mutex_leave(ws_mutex *m) { pthread_mutex_unlock(m); }

sqlite3_int64 ws_platform_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (sqlite3_int64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ws_platform_sleep_ms(int ms) {
  struct timespec ts;
  if (ms <= 0) return;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (long)(ms % 1000) * 1000000L;
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

/*
** EBUSY: the file or mount is in use (flaky network and FUSE mounts, files
** held by another program). ETXTBSY: an executable image is being written.
** EAGAIN: a non-blocking resource is momentarily unavailable. Everything
** else (EACCES, EPERM, ENOENT, EROFS, ENOSPC, ...) is permanent.
*/
int ws_platform_is_transient(int sys_err, const char *zPath) {
  (void)zPath;
  return sys_err == EBUSY || sys_err == ETXTBSY || sys_err == EAGAIN;
}

/*
** The unix VFS's xFullPathname already makes the path absolute and resolves
** every symbolic link, so its spelling is the identity; the key is a copy.
*/
int ws_platform_path_key(const char *zFull, char *zKey, int nKey) {
  size_t n = strlen(zFull);
  if (n + 1 > (size_t)nKey) return -1;
  memcpy(zKey, zFull, n + 1);
  return (int)n;
}

int ws_platform_is_network_path(const char *zFull) {
#if defined(__linux__)
  /* Magic numbers from linux/magic.h: NFS, SMB, CIFS, SMB2, 9P, AFS. */
  static const unsigned long network_magics[] = {0x6969UL,     0x517BUL,     0xFF534D42UL,
                                                 0xFE534D42UL, 0x01021997UL, 0x5346414FUL};
  struct statfs sfs;
  char zDir[4096];
  const char *zSlash = strrchr(zFull, '/');
  size_t n = zSlash ? (size_t)(zSlash - zFull) : 0;
  size_t i;
  if (n == 0 || n >= sizeof(zDir)) return 0;
  memcpy(zDir, zFull, n);
  zDir[n] = 0;
  if (statfs(zDir, &sfs) != 0) return 0;
  for (i = 0; i < sizeof(network_magics) / sizeof(network_magics[0]); i++) {
    if ((unsigned long)sfs.f_type == network_magics[i]) return 1;
  }
  return 0;
#else
  (void)zFull;
  return 0;
#endif
}

int ws_platform_fds_on(const char *zFull) {
#if defined(__linux__)
  struct stat target, st;
  struct dirent *e;
  DIR *d;
  int n = 0;
  if (stat(zFull, &target) != 0) return 0;
  d = opendir("/proc/self/fd");
  if (d == 0) return 0;
  while ((e = readdir(d)) != 0) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9' || atoi(e->d_name) == dirfd(d)) continue;
    /* The entry is a link to what the descriptor has open: follow it. */
    if (fstatat(dirfd(d), e->d_name, &st, 0) == 0 && st.st_dev == target.st_dev && st.st_ino == target.st_ino) n++;
  }
  closedir(d);
  return n;
#else
  (void)zFull;
  return 0;
#endif
}

int ws_platform_can_delete_open_file(void) { return 1; }

int ws_platform_delete_removes_name(void) { return 1; }

/* The unix VFS has no native retry to stand in for. */
int ws_platform_is_transient_io(int sys_err) {
  (void)sys_err;
  return 0;
}

int ws_platform_has_native_retry(void) { return 0; }

void ws_platform_describe_error(int sys_err, char *zBuf, int nBuf) {
  if (nBuf <= 0) return;
  sqlite3_snprintf(nBuf, zBuf, "errno %d (%s)", sys_err, strerror(sys_err));
}
#endif /* !_WIN32 */
