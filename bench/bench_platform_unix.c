/*
** bench_platform_unix.c: the benchmarks' platform helpers for unix-like
** systems (bench_platform.h). _XOPEN_SOURCE=700 comes from
** bench/CMakeLists.txt: clock_gettime, nanosleep, mkdtemp, setrlimit.
*/
#ifndef _WIN32
#include "bench_platform.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

int64_t bench_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t bench_cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void bench_sleep_ms(int ms) {
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (long)(ms % 1000) * 1000000L;
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

int bench_make_temp_dir(const char *zPrefix, char *zOut, size_t nOut) {
  const char *zTmp = getenv("TMPDIR");
  snprintf(zOut, nOut, "%s/%s-XXXXXX", zTmp && zTmp[0] ? zTmp : "/tmp", zPrefix);
  return mkdtemp(zOut) ? 0 : -1;
}

void bench_remove_dir(const char *zDir) {
  DIR *d = opendir(zDir);
  if (d) {
    const struct dirent *e;
    while ((e = readdir(d)) != 0) {
      char zFile[1024];
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
      snprintf(zFile, sizeof(zFile), "%s/%s", zDir, e->d_name);
      unlink(zFile);
    }
    closedir(d);
  }
  rmdir(zDir);
}

int bench_thread_start(bench_thread *t, bench_thread_fn fn, void *arg) {
  return pthread_create(&t->handle, 0, fn, arg);
}
void bench_thread_join(bench_thread *t) { pthread_join(t->handle, 0); }

/* Raise the soft (and, as root, the hard) limit on open files to n. */
int bench_raise_file_limit(long n) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return -1;
  if (rl.rlim_cur >= (rlim_t)n) return 0;
  if (rl.rlim_max < (rlim_t)n) rl.rlim_max = (rlim_t)n; /* works for root only */
  rl.rlim_cur = (rlim_t)n;
  if (setrlimit(RLIMIT_NOFILE, &rl) == 0) return 0;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return -1;
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  return -1;
}

/* The process CPU clock counts the kernel's work for the process. */
int bench_cpu_clock_is_partial(void) { return 0; }

long long bench_file_size(const char *zName) {
  struct stat st;
  return stat(zName, &st) == 0 ? (long long)st.st_size : -1;
}

/* One file, as an application deletes it: one unlink(), made through the
** unix VFS so that the hold below applies to it. 1: gone. */
int bench_delete_by_hand(const char *zName) {
  sqlite3_vfs *parent = sqlite3_vfs_find(BENCH_PARENT_VFS);
  int rc = parent->xDelete(parent, zName, 0);
  return rc == SQLITE_OK || rc == SQLITE_IOERR_DELETE_NOENT;
}

/* The scanner stand-in: unlink of a *-wal fails with EBUSY until the
** deadline. The unix VFS (and so walsafe over it) unlinks through this. */
static int64_t g_bench_hold_until_ns;
static sqlite3_syscall_ptr g_bench_real_unlink;
static int bench_held_unlink(const char *zPath) {
  size_t n = strlen(zPath);
  if (n >= 4 && strcmp(zPath + n - 4, "-wal") == 0 && bench_now_ns() < g_bench_hold_until_ns) {
    errno = EBUSY;
    return -1;
  }
  return ((int (*)(const char *))g_bench_real_unlink)(zPath);
}
int bench_hold_wal_start(const char *zWal, int hold_ms) {
  sqlite3_vfs *parent = sqlite3_vfs_find(BENCH_PARENT_VFS);
  (void)zWal; /* every *-wal: the benchmark has one database at a time */
  if (g_bench_real_unlink == 0) {
    g_bench_real_unlink = parent->xGetSystemCall(parent, "unlink");
    parent->xSetSystemCall(parent, "unlink", (sqlite3_syscall_ptr)bench_held_unlink);
  }
  g_bench_hold_until_ns = bench_now_ns() + (int64_t)hold_ms * 1000000;
  return 0;
}
/* Ends the hold at once: here it is only a deadline, and the files were
** counted before this is called. */
void bench_hold_wal_end(void) { g_bench_hold_until_ns = 0; }
#endif /* !_WIN32 */
