/*
** bench_platform.h: everything the benchmarks need from the operating
** system, behind a few small helpers, so that the benchmark files compile
** unchanged on Linux and on Windows (mingw-w64, run under Wine or natively).
** Answered by bench_platform_unix.c or bench_platform_win32.c.
*/
#ifndef BENCH_PLATFORM_H
#define BENCH_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

/* Callgrind toggles collection on a function name, so the measured
** region must stay a real function. */
#if defined(__GNUC__)
#define BENCH_NOINLINE __attribute__((noinline))
#else
#define BENCH_NOINLINE
#endif

/* The native VFS walsafe sits over. */
#ifdef _WIN32
#define BENCH_PARENT_VFS "win32"
#else
#define BENCH_PARENT_VFS "unix"
#endif

/* Monotonic clock, nanoseconds. */
int64_t bench_now_ns(void);

/* CPU time of the whole process (user + system), nanoseconds. */
int64_t bench_cpu_ns(void);

/*
** 1 when bench_cpu_ns() misses part of the cost, so that the wall clock
** must judge: under Wine, where the wineserver (another process) does much
** of every file call.
*/
int bench_cpu_clock_is_partial(void);

void bench_sleep_ms(int ms);

/* A fresh private directory under the temp dir, named after zPrefix, into
** zOut. 0, or -1 on failure. */
int bench_make_temp_dir(const char *zPrefix, char *zOut, size_t nOut);

/* Remove that directory and the files in it. */
void bench_remove_dir(const char *zDir);

/* One worker thread. */
typedef void *(*bench_thread_fn)(void *arg);
#ifdef _WIN32
typedef struct bench_thread {
  void *handle; /* a HANDLE */
  bench_thread_fn fn;
  void *arg;
} bench_thread;
#else
#include <pthread.h>
typedef struct bench_thread {
  pthread_t handle;
} bench_thread;
#endif
int bench_thread_start(bench_thread *t, bench_thread_fn fn, void *arg); /* 0, or -1 */
void bench_thread_join(bench_thread *t);

/* Allow n open files at once. 0, or -1 if the limit stays lower. */
int bench_raise_file_limit(long n);

/* Bytes in zName, -1 when there is no such file (any size counts). */
long long bench_file_size(const char *zName);

/*
** One file, deleted the way an application does it (os.remove,
** File.Delete): once, no retry. 1: gone.
*/
int bench_delete_by_hand(const char *zName);

/*
** A "scanner" keeps the -wal zWal from being deleted for hold_ms from now.
** Windows: a real one, a thread holding the file open with CreateFileW
** (sharing read and write, not delete, as antivirus does). unix, where an
** open handle never blocks unlink: unlink() of any *-wal fails with EBUSY
** until then, injected through the unix VFS's xSetSystemCall (walsafe sits
** over it). 0, or -1 if the hold could not be set up.
*/
int bench_hold_wal_start(const char *zWal, int hold_ms);
/* Returns once the scanner has let go (Windows); ends the hold at once
** (unix). */
void bench_hold_wal_end(void);

#endif /* BENCH_PLATFORM_H */
