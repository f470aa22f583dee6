/*
** bench_platform.h: everything the benchmarks need from the operating
** system, behind a few small helpers, so that the benchmark files compile
** unchanged on Linux and on Windows (mingw-w64, run under Wine or natively).
**
**   bench_now_ns()            monotonic clock, nanoseconds
**   bench_cpu_ns()            CPU time of the whole process, nanoseconds
**   bench_cpu_clock_is_partial()  1 under Wine (the wineserver's share is
**                             not in it): judge by the wall clock there
**   bench_sleep_ms(ms)        sleep
**   bench_make_temp_dir()     a fresh private directory under the temp dir
**   bench_remove_dir()        remove that directory and the files in it
**   bench_thread_start/join   one worker thread
**   bench_raise_file_limit()  allow n open files (unix: setrlimit)
**   BENCH_PARENT_VFS          the native VFS walsafe sits over
**   bench_hold_wal_start(zWal, ms) / bench_hold_wal_end()
**                             a "scanner" keeps the -wal from being
**                             deleted for ms from now. Windows: a real
**                             one, a thread holding the file open with
**                             CreateFileW (share read and write, not
**                             delete, as antivirus does). unix, where an
**                             open handle never blocks unlink: unlink() of
**                             any *-wal fails with EBUSY until then,
**                             injected through the unix VFS's
**                             xSetSystemCall (walsafe sits over it).
**   bench_file_size(z)        bytes in a file, -1 if there is none
**   bench_delete_by_hand(z)   delete one file the way an application does
**                             (os.remove, File.Delete): once, no retry.
**
** The Windows half runs under Wine (bench/run-windows.sh, figure 6).
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
  char zPattern[MAX_PATH + 4];
  WIN32_FIND_DATAA fd;
  HANDLE h;
  snprintf(zPattern, sizeof(zPattern), "%s\\*", zDir);
  h = FindFirstFileA(zPattern, &fd);
  if (h != INVALID_HANDLE_VALUE) {
    do {
      char zFile[2 * MAX_PATH];
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

/* Under Wine much of every file call runs in the wineserver, another
** process, whose time the process's CPU clock never sees (measured: about
** as much CPU as the benchmark process itself during churn); on Windows that
** work is the kernel's and counted as the process's kernel time. 1: the CPU
** clock misses part of the cost here, so judge by the wall clock. */
static inline int bench_cpu_clock_is_partial(void) {
  HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  return ntdll && GetProcAddress(ntdll, "wine_get_version") != 0;
}

/* Bytes in zName, -1 when there is no such file (any size counts). */
static inline long long bench_file_size(const char *zName) {
  WCHAR w[MAX_PATH * 2];
  WIN32_FILE_ATTRIBUTE_DATA a;
  if (MultiByteToWideChar(CP_UTF8, 0, zName, -1, w, MAX_PATH * 2) <= 0) return -1;
  if (!GetFileAttributesExW(w, GetFileExInfoStandard, &a)) return -1;
  return ((long long)a.nFileSizeHigh << 32) | a.nFileSizeLow;
}

/* One file, as an application deletes it: DeleteFileW once. Not the win32
** VFS's xDelete, which retries for ~1.4 s on its own. 1: gone. */
static inline int bench_delete_by_hand(const char *zName) {
  WCHAR w[MAX_PATH * 2];
  if (MultiByteToWideChar(CP_UTF8, 0, zName, -1, w, MAX_PATH * 2) <= 0) return 0;
  return DeleteFileW(w) || GetLastError() == ERROR_FILE_NOT_FOUND;
}

/* The scanner: opens the -wal as antivirus does (read, sharing read and
** write but not delete, so every DeleteFileW fails with a sharing
** violation), holds it, closes it. */
static struct {
  WCHAR path[MAX_PATH * 2];
  int hold_ms;
  HANDLE thread, opened;
  volatile int ok;
} g_bench_scanner;
static DWORD WINAPI bench_scanner_main(LPVOID unused) {
  HANDLE h = CreateFileW(g_bench_scanner.path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, 0, OPEN_EXISTING,
                         FILE_ATTRIBUTE_NORMAL, 0);
  (void)unused;
  g_bench_scanner.ok = h != INVALID_HANDLE_VALUE;
  SetEvent(g_bench_scanner.opened);
  if (h == INVALID_HANDLE_VALUE) return 0;
  Sleep((DWORD)g_bench_scanner.hold_ms);
  CloseHandle(h);
  return 0;
}
/* 0, or -1 if the -wal could not be opened. */
static inline int bench_hold_wal_start(const char *zWal, int hold_ms) {
  if (MultiByteToWideChar(CP_UTF8, 0, zWal, -1, g_bench_scanner.path, MAX_PATH * 2) <= 0) return -1;
  g_bench_scanner.hold_ms = hold_ms;
  g_bench_scanner.opened = CreateEventW(0, TRUE, FALSE, 0);
  g_bench_scanner.thread = CreateThread(0, 0, bench_scanner_main, 0, 0, 0);
  if (g_bench_scanner.thread == 0) return -1;
  WaitForSingleObject(g_bench_scanner.opened, INFINITE);
  return g_bench_scanner.ok ? 0 : -1;
}
/* Waits until the scanner has let go. */
static inline void bench_hold_wal_end(void) {
  if (g_bench_scanner.thread == 0) return;
  WaitForSingleObject(g_bench_scanner.thread, INFINITE);
  CloseHandle(g_bench_scanner.thread);
  CloseHandle(g_bench_scanner.opened);
  g_bench_scanner.thread = 0;
}

#else /* ================================================================ */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
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

/* The process CPU clock counts the kernel's work for the process. */
static inline int bench_cpu_clock_is_partial(void) { return 0; }

/* Bytes in zName, -1 when there is no such file (any size counts). */
static inline long long bench_file_size(const char *zName) {
  struct stat st;
  return stat(zName, &st) == 0 ? (long long)st.st_size : -1;
}

/* One file, as an application deletes it: one unlink(), made through the
** unix VFS so that the hold below applies to it. 1: gone. */
static inline int bench_delete_by_hand(const char *zName) {
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
static inline int bench_hold_wal_start(const char *zWal, int hold_ms) {
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
static inline void bench_hold_wal_end(void) { g_bench_hold_until_ns = 0; }
#endif /* _WIN32 */

#endif /* BENCH_PLATFORM_H */
