/*
** bench_platform_win32.c: the benchmarks' platform helpers for Windows
** (bench_platform.h), built with mingw-w64. Runs under Wine for figure 6
** (bench/run-windows.sh).
*/
#ifdef _WIN32
#include <windows.h>

#include <stdio.h>
#include <string.h>

#include "bench_platform.h"

int64_t bench_now_ns(void) {
  static LARGE_INTEGER freq;
  LARGE_INTEGER t;
  if (freq.QuadPart == 0) QueryPerformanceFrequency(&freq);
  QueryPerformanceCounter(&t);
  return (int64_t)((double)t.QuadPart * 1e9 / (double)freq.QuadPart);
}

int64_t bench_cpu_ns(void) {
  FILETIME created, exited, kernel, user;
  ULARGE_INTEGER k, u;
  GetProcessTimes(GetCurrentProcess(), &created, &exited, &kernel, &user);
  k.LowPart = kernel.dwLowDateTime;
  k.HighPart = kernel.dwHighDateTime;
  u.LowPart = user.dwLowDateTime;
  u.HighPart = user.dwHighDateTime;
  return (int64_t)(k.QuadPart + u.QuadPart) * 100; /* 100 ns units */
}

void bench_sleep_ms(int ms) { Sleep((DWORD)ms); }

int bench_make_temp_dir(const char *zPrefix, char *zOut, size_t nOut) {
  char zTmp[MAX_PATH];
  DWORD n = GetTempPathA(sizeof(zTmp), zTmp);
  if (n == 0 || n >= sizeof(zTmp)) return -1;
  snprintf(zOut, nOut, "%s%s-%lu-%lu", zTmp, zPrefix, (unsigned long)GetCurrentProcessId(),
           (unsigned long)GetTickCount());
  return CreateDirectoryA(zOut, 0) ? 0 : -1;
}

void bench_remove_dir(const char *zDir) {
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

static DWORD WINAPI bench_thread_trampoline(LPVOID p) {
  bench_thread *t = (bench_thread *)p;
  t->fn(t->arg);
  return 0;
}
int bench_thread_start(bench_thread *t, bench_thread_fn fn, void *arg) {
  t->fn = fn;
  t->arg = arg;
  t->handle = CreateThread(0, 0, bench_thread_trampoline, t, 0, 0);
  return t->handle ? 0 : -1;
}
void bench_thread_join(bench_thread *t) {
  WaitForSingleObject(t->handle, INFINITE);
  CloseHandle(t->handle);
}

/* The win32 VFS opens files with CreateFileW: no per-process limit. */
int bench_raise_file_limit(long n) {
  (void)n;
  return 0;
}

/* Under Wine much of every file call runs in the wineserver, another
** process, whose time the process's CPU clock never sees (measured: about
** as much CPU as the benchmark process itself during churn); on Windows that
** work is the kernel's and counted as the process's kernel time. 1: the CPU
** clock misses part of the cost here, so judge by the wall clock. */
int bench_cpu_clock_is_partial(void) {
  HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  return ntdll && GetProcAddress(ntdll, "wine_get_version") != 0;
}

long long bench_file_size(const char *zName) {
  WCHAR w[MAX_PATH * 2];
  WIN32_FILE_ATTRIBUTE_DATA a;
  if (MultiByteToWideChar(CP_UTF8, 0, zName, -1, w, MAX_PATH * 2) <= 0) return -1;
  if (!GetFileAttributesExW(w, GetFileExInfoStandard, &a)) return -1;
  return ((long long)a.nFileSizeHigh << 32) | a.nFileSizeLow;
}

/* One file, as an application deletes it: DeleteFileW once. Not the win32
** VFS's xDelete, which retries for ~1.4 s on its own. 1: gone. */
int bench_delete_by_hand(const char *zName) {
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
int bench_hold_wal_start(const char *zWal, int hold_ms) {
  if (MultiByteToWideChar(CP_UTF8, 0, zWal, -1, g_bench_scanner.path, MAX_PATH * 2) <= 0) return -1;
  g_bench_scanner.hold_ms = hold_ms;
  g_bench_scanner.opened = CreateEventW(0, TRUE, FALSE, 0);
  g_bench_scanner.thread = CreateThread(0, 0, bench_scanner_main, 0, 0, 0);
  if (g_bench_scanner.thread == 0) return -1;
  WaitForSingleObject(g_bench_scanner.opened, INFINITE);
  return g_bench_scanner.ok ? 0 : -1;
}
void bench_hold_wal_end(void) {
  if (g_bench_scanner.thread == 0) return;
  WaitForSingleObject(g_bench_scanner.thread, INFINITE);
  CloseHandle(g_bench_scanner.thread);
  CloseHandle(g_bench_scanner.opened);
  g_bench_scanner.thread = 0;
}
#endif /* _WIN32 */
