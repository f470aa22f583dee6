/*
** bench_platform.h: everything the benchmarks need from the operating
** system, behind a few small helpers, so that the benchmark files compile
** unchanged on Linux and on Windows (mingw-w64, run under Wine or natively).
**
**   bench_now_ns()            monotonic clock, nanoseconds
**   bench_cpu_ns()            CPU time of the whole process, nanoseconds
**   bench_sleep_ms(ms)        sleep
**   bench_make_temp_dir()     a fresh private directory under the temp dir
**   bench_remove_dir()        remove that directory and the files in it
**   bench_thread_start/join   one worker thread
**   bench_raise_file_limit()  allow n open files (unix: setrlimit)
**   BENCH_PARENT_VFS          the native VFS walsafe sits over
**   bench_inject_wal_hold()   make deleting any *-wal fail with the
**                             platform's "file in use" error until a
**                             deadline (a stand-in for a virus scanner),
**                             through the parent VFS's xSetSystemCall
**
** The Windows half is written but has only been compile-checked with
** mingw-w64; figure 6 (under Wine) will be the first to run it.
*/
#ifndef BENCH_PLATFORM_H
#define BENCH_PLATFORM_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

/* Callgrind toggles collection on a function name, so the measured
** region must stay a real function. */
#if defined(__GNUC__)
#define BENCH_NOINLINE __attribute__((noinline))
#else
#define BENCH_NOINLINE
#endif

typedef void *(*bench_thread_fn)(void *arg);

#ifdef _WIN32
/* ======================================================================== */
#include <windows.h>

#define BENCH_PARENT_VFS "win32"

static inline int64_t bench_now_ns(void) {
  static LARGE_INTEGER freq;
  LARGE_INTEGER t;
  if (freq.QuadPart == 0) QueryPerformanceFrequency(&freq);
  QueryPerformanceCounter(&t);
  return (int64_t)((double)t.QuadPart * 1e9 / (double)freq.QuadPart);
}

static inline int64_t bench_cpu_ns(void) {
  FILETIME created, exited, kernel, user;
  ULARGE_INTEGER k, u;
  GetProcessTimes(GetCurrentProcess(), &created, &exited, &kernel, &user);
  k.LowPart = kernel.dwLowDateTime;
  k.HighPart = kernel.dwHighDateTime;
  u.LowPart = user.dwLowDateTime;
  u.HighPart = user.dwHighDateTime;
  return (int64_t)(k.QuadPart + u.QuadPart) * 100; /* 100 ns units */
}

static inline void bench_sleep_ms(int ms) { Sleep((DWORD)ms); }

static inline int bench_make_temp_dir(const char *zPrefix, char *zOut, size_t nOut) {
  char zTmp[MAX_PATH];
  DWORD n = GetTempPathA(sizeof(zTmp), zTmp);
  if (n == 0 || n >= sizeof(zTmp)) return -1;
  snprintf(zOut, nOut, "%s%s-%lu-%lu", zTmp, zPrefix, (unsigned long)GetCurrentProcessId(),
           (unsigned long)GetTickCount());
  return CreateDirectoryA(zOut, 0) ? 0 : -1;
}

static inline void bench_remove_dir(const char *zDir) {
  char zPattern[MAX_PATH + 4], zFile[2 * MAX_PATH];
  WIN32_FIND_DATAA fd;
  HANDLE h;
  snprintf(zPattern, sizeof(zPattern), "%s\\*", zDir);
  h = FindFirstFileA(zPattern, &fd);
  if (h != INVALID_HANDLE_VALUE) {
    do {
      if (strcmp(fd.cFileName, ".") == 0 || strcmp(fd.cFileName, "..") == 0) continue;
      snprintf(zFile, sizeof(zFile), "%s\\%s", zDir, fd.cFileName);
      DeleteFileA(zFile);
    } while (FindNextFileA(h, &fd));
    FindClose(h);
  }
  RemoveDirectoryA(zDir);
}

typedef struct bench_thread {
  HANDLE handle;
  bench_thread_fn fn;
  void *arg;
} bench_thread;

static DWORD WINAPI bench_thread_trampoline(LPVOID p) {
  bench_thread *t = (bench_thread *)p;
  t->fn(t->arg);
  return 0;
}
static inline int bench_thread_start(bench_thread *t, bench_thread_fn fn, void *arg) {
  t->fn = fn;
  t->arg = arg;
  t->handle = CreateThread(0, 0, bench_thread_trampoline, t, 0, 0);
  return t->handle ? 0 : -1;
}
static inline void bench_thread_join(bench_thread *t) {
  WaitForSingleObject(t->handle, INFINITE);
  CloseHandle(t->handle);
}

/* The win32 VFS opens files with CreateFileW: no per-process limit. */
static inline int bench_raise_file_limit(long n) {
  (void)n;
  return 0;
}

/* The scanner stand-in: DeleteFileW of a *-wal fails with a sharing
** violation until the deadline. */
static int64_t g_bench_hold_until_ns;
static sqlite3_syscall_ptr g_bench_real_delete;
static BOOL WINAPI bench_held_delete(LPCWSTR zPath) {
  size_t n = wcslen(zPath);
  if (n >= 4 && wcscmp(zPath + n - 4, L"-wal") == 0 && bench_now_ns() < g_bench_hold_until_ns) {
    SetLastError(ERROR_SHARING_VIOLATION);
    return FALSE;
  }
  return ((BOOL(WINAPI *)(LPCWSTR))g_bench_real_delete)(zPath);
}
static inline void bench_inject_wal_hold(sqlite3_vfs *parent, int64_t until_ns) {
  if (g_bench_real_delete == 0) {
    g_bench_real_delete = parent->xGetSystemCall(parent, "DeleteFileW");
    parent->xSetSystemCall(parent, "DeleteFileW", (sqlite3_syscall_ptr)bench_held_delete);
  }
  g_bench_hold_until_ns = until_ns;
}

#else /* ================================================================ */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define BENCH_PARENT_VFS "unix"

static inline int64_t bench_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline int64_t bench_cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline void bench_sleep_ms(int ms) {
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (long)(ms % 1000) * 1000000L;
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

static inline int bench_make_temp_dir(const char *zPrefix, char *zOut, size_t nOut) {
  const char *zTmp = getenv("TMPDIR");
  snprintf(zOut, nOut, "%s/%s-XXXXXX", zTmp && zTmp[0] ? zTmp : "/tmp", zPrefix);
  return mkdtemp(zOut) ? 0 : -1;
}

static inline void bench_remove_dir(const char *zDir) {
  char zFile[1024];
  struct dirent *e;
  DIR *d = opendir(zDir);
  if (d) {
    while ((e = readdir(d)) != 0) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
      snprintf(zFile, sizeof(zFile), "%s/%s", zDir, e->d_name);
      unlink(zFile);
    }
    closedir(d);
  }
  rmdir(zDir);
}

typedef struct bench_thread {
  pthread_t handle;
} bench_thread;

static inline int bench_thread_start(bench_thread *t, bench_thread_fn fn, void *arg) {
  return pthread_create(&t->handle, 0, fn, arg);
}
static inline void bench_thread_join(bench_thread *t) { pthread_join(t->handle, 0); }

/* Raise the soft (and, as root, the hard) limit on open files to n. */
static inline int bench_raise_file_limit(long n) {
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
static inline void bench_inject_wal_hold(sqlite3_vfs *parent, int64_t until_ns) {
  if (g_bench_real_unlink == 0) {
    g_bench_real_unlink = parent->xGetSystemCall(parent, "unlink");
    parent->xSetSystemCall(parent, "unlink", (sqlite3_syscall_ptr)bench_held_unlink);
  }
  g_bench_hold_until_ns = until_ns;
}
#endif /* _WIN32 */

#endif /* BENCH_PLATFORM_H */
