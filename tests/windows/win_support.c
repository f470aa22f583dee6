/*
** win_support.c: see win_support.h.
*/
#include "win_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double tw_now_ms(void) {
  LARGE_INTEGER f, c;
  QueryPerformanceFrequency(&f);
  QueryPerformanceCounter(&c);
  return (double)c.QuadPart * 1000.0 / (double)f.QuadPart;
}

int tw_running_under_wine(void) {
  HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  return ntdll && GetProcAddress(ntdll, "wine_get_version") != 0;
}

static void to_wide(const char *z, WCHAR *zOut, int nOut) {
  ck_assert_msg(MultiByteToWideChar(CP_UTF8, 0, z, -1, zOut, nOut) > 0, "bad UTF-8 path %s", z);
}

/* ---- scratch files ------------------------------------------------------ */
void tw_scratch_dir(char *zOut, int nOut, const char *zTag) {
  static LONG seq;
  WCHAR tmp[MAX_PATH], dir[MAX_PATH];
  BOOL created;
  int tries = 0;
  ck_assert_uint_gt(GetTempPathW(MAX_PATH, tmp), 0);
  /* A failed test leaves its directory, and process ids come back (Wine
  ** hands out small ones): a name that exists is an old one, take the next. */
  do {
    _snwprintf(dir, MAX_PATH, L"%lsws-%hs-%lu-%ld", tmp, zTag, (unsigned long)GetCurrentProcessId(),
               (long)InterlockedIncrement(&seq));
    dir[MAX_PATH - 1] = 0;
    created = CreateDirectoryW(dir, 0);
  } while (!created && GetLastError() == ERROR_ALREADY_EXISTS && ++tries < 1000);
  ck_assert_msg(created, "CreateDirectoryW: %lu", (unsigned long)GetLastError());
  ck_assert_int_gt(WideCharToMultiByte(CP_UTF8, 0, dir, -1, zOut, nOut, 0, 0), 0);
}

void tw_scratch_path(char *zOut, int nOut, const char *zDir, const char *zName) {
  ck_assert_int_lt(snprintf(zOut, (size_t)nOut, "%s\\%s", zDir, zName), nOut);
}

void tw_scratch_remove(const char *zDir) {
  WCHAR dir[MAX_PATH * 2], pattern[MAX_PATH * 2];
  WIN32_FIND_DATAW fd;
  HANDLE h;
  to_wide(zDir, dir, MAX_PATH * 2);
  _snwprintf(pattern, MAX_PATH * 2, L"%ls\\*", dir);
  h = FindFirstFileW(pattern, &fd);
  if (h != INVALID_HANDLE_VALUE) {
    do {
      WCHAR f[MAX_PATH * 2];
      if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) continue;
      _snwprintf(f, MAX_PATH * 2, L"%ls\\%ls", dir, fd.cFileName);
      SetFileAttributesW(f, FILE_ATTRIBUTE_NORMAL);
      DeleteFileW(f);
    } while (FindNextFileW(h, &fd));
    FindClose(h);
  }
  RemoveDirectoryW(dir);
}

long long tw_file_size(const char *zPath) {
  WCHAR w[MAX_PATH * 2];
  WIN32_FILE_ATTRIBUTE_DATA a;
  to_wide(zPath, w, MAX_PATH * 2);
  if (!GetFileAttributesExW(w, GetFileExInfoStandard, &a)) return -1;
  return ((long long)a.nFileSizeHigh << 32) | a.nFileSizeLow;
}

int tw_exists(const char *zPath) { return tw_file_size(zPath) >= 0; }

void tw_create_empty(const char *zPath) {
  WCHAR w[MAX_PATH * 2];
  HANDLE h;
  to_wide(zPath, w, MAX_PATH * 2);
  h = CreateFileW(w, GENERIC_WRITE, TW_SHARE_RW, 0, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, 0);
  ck_assert_msg(h != INVALID_HANDLE_VALUE, "create %s: %lu", zPath, (unsigned long)GetLastError());
  CloseHandle(h);
}

void tw_copy_file(const char *zFrom, const char *zTo) {
  WCHAR a[MAX_PATH * 2], b[MAX_PATH * 2];
  to_wide(zFrom, a, MAX_PATH * 2);
  to_wide(zTo, b, MAX_PATH * 2);
  ck_assert_msg(CopyFileW(a, b, FALSE), "CopyFileW %s -> %s: %lu", zFrom, zTo, (unsigned long)GetLastError());
}

static char *read_all(const char *zPath, long long *pn) {
  WCHAR w[MAX_PATH * 2];
  HANDLE h;
  LARGE_INTEGER sz;
  char *buf;
  DWORD got = 0;
  to_wide(zPath, w, MAX_PATH * 2);
  h = CreateFileW(w, GENERIC_READ, TW_SHARE_RWD, 0, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, 0);
  ck_assert_msg(h != INVALID_HANDLE_VALUE, "open %s: %lu", zPath, (unsigned long)GetLastError());
  ck_assert(GetFileSizeEx(h, &sz));
  buf = malloc((size_t)sz.QuadPart + 1);
  ck_assert_ptr_nonnull(buf);
  ck_assert(ReadFile(h, buf, (DWORD)sz.QuadPart, &got, 0) && got == (DWORD)sz.QuadPart);
  CloseHandle(h);
  *pn = sz.QuadPart;
  return buf;
}

int tw_files_equal(const char *zA, const char *zB) {
  long long na, nb;
  char *a = read_all(zA, &na), *b = read_all(zB, &nb);
  int eq = na == nb && memcmp(a, b, (size_t)na) == 0;
  free(a);
  free(b);
  return eq;
}

void tw_side_path(char *zOut, int nOut, const char *zDb, const char *zSuffix) {
  ck_assert_int_lt(snprintf(zOut, (size_t)nOut, "%s%s", zDb, zSuffix), nOut);
}

/* ---- scanners ------------------------------------------------------------ */
static DWORD WINAPI scanner_main(LPVOID arg) {
  tw_scanner *s = arg;
  s->h = CreateFileW(s->path, GENERIC_READ, s->share, 0, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, 0);
  s->open_err = s->h == INVALID_HANDLE_VALUE ? GetLastError() : 0;
  SetEvent(s->opened);
  if (s->h == INVALID_HANDLE_VALUE) return 0;
  WaitForSingleObject(s->release, s->hold_ms < 0 ? INFINITE : (DWORD)s->hold_ms);
  CloseHandle(s->h);
  s->released_ms = tw_now_ms();
  return 0;
}

void tw_scanner_start(tw_scanner *s, const char *zPath, DWORD share, int hold_ms) {
  memset(s, 0, sizeof(*s));
  to_wide(zPath, s->path, MAX_PATH * 2);
  s->share = share;
  s->hold_ms = hold_ms;
  s->opened = CreateEventW(0, TRUE, FALSE, 0);
  s->release = CreateEventW(0, TRUE, FALSE, 0);
  s->thread = CreateThread(0, 0, scanner_main, s, 0, 0);
  ck_assert_ptr_nonnull(s->thread);
  ck_assert_uint_eq(WaitForSingleObject(s->opened, 10000), WAIT_OBJECT_0);
  ck_assert_msg(s->h != INVALID_HANDLE_VALUE, "scanner could not open %s: %lu", zPath, (unsigned long)s->open_err);
}

void tw_scanner_release(tw_scanner *s) { SetEvent(s->release); }

void tw_scanner_join(tw_scanner *s) {
  if (s->thread == 0) return;
  ck_assert_uint_eq(WaitForSingleObject(s->thread, 60000), WAIT_OBJECT_0);
  CloseHandle(s->thread);
  CloseHandle(s->opened);
  CloseHandle(s->release);
  s->thread = 0;
}

/* ---- SQLite's log ---------------------------------------------------------- */
#define LOG_MAX 512
static CRITICAL_SECTION g_log_mutex;
static char *g_log[LOG_MAX];
static int g_nlog;
static volatile LONG g_clobber, g_clobbered;

static void log_callback(void *arg, int code, const char *zMsg) {
  (void)arg;
  EnterCriticalSection(&g_log_mutex);
  if (g_nlog < LOG_MAX) {
    size_t n = strlen(zMsg) + 32;
    g_log[g_nlog] = malloc(n);
    if (g_log[g_nlog]) snprintf(g_log[g_nlog++], n, "(%d) %s", code, zMsg);
  }
  LeaveCriticalSection(&g_log_mutex);
  if (g_clobber) {
    /* What a logger that looks for its configuration file does. */
    (void)GetFileAttributesW(L"C:\\walsafe-no-such-dir\\logger.ini");
    InterlockedIncrement(&g_clobbered);
  }
}

void tw_log_install(void) {
  InitializeCriticalSection(&g_log_mutex);
  sqlite3_config(SQLITE_CONFIG_LOG, log_callback, (void *)0);
}

void tw_log_reset(void) {
  int i;
  EnterCriticalSection(&g_log_mutex);
  for (i = 0; i < g_nlog; i++)
    free(g_log[i]);
  g_nlog = 0;
  LeaveCriticalSection(&g_log_mutex);
  g_clobbered = 0;
}

int tw_log_count(const char *zSubstring) {
  int i, n = 0;
  EnterCriticalSection(&g_log_mutex);
  for (i = 0; i < g_nlog; i++)
    n += strstr(g_log[i], zSubstring) != 0;
  LeaveCriticalSection(&g_log_mutex);
  return n;
}

void tw_log_clobber(int on) { g_clobber = on; }
int tw_log_clobbered(void) { return (int)g_clobbered; }

void tw_log_dump(void) {
  int i;
  EnterCriticalSection(&g_log_mutex);
  for (i = 0; i < g_nlog; i++)
    fprintf(stderr, "  [log] %s\n", g_log[i]);
  LeaveCriticalSection(&g_log_mutex);
}

/* ---- setups ------------------------------------------------------------------ */
void tw_native_retry(int *pCount, int *pDelayMs) {
  int a[2] = {-1, -1};
  /* The setting is process-wide; any file of the win32 VFS reads it. */
  {
    sqlite3_vfs *v = sqlite3_vfs_find("win32");
    sqlite3_file *f = calloc(1, (size_t)v->szOsFile);
    int out = 0;
    ck_assert_int_eq(v->xOpen(v, 0, f,
                              SQLITE_OPEN_TEMP_JOURNAL | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                  SQLITE_OPEN_DELETEONCLOSE | SQLITE_OPEN_EXCLUSIVE,
                              &out),
                     SQLITE_OK);
    ck_assert_int_eq(f->pMethods->xFileControl(f, SQLITE_FCNTL_WIN32_AV_RETRY, a), SQLITE_OK);
    f->pMethods->xClose(f);
    free(f);
  }
  *pCount = a[0];
  *pDelayMs = a[1];
}

#ifndef WS_NO_STATIC_WALSAFE
void tw_use_plain(void) {
  int n, d;
  if (sqlite3_vfs_find(WALSAFE_VFS_NAME)) {
    int rc = walsafe_unregister();
    ck_assert_msg(rc == SQLITE_OK, "walsafe_unregister: %d %s", rc, walsafe_errmsg());
  }
  tw_native_retry(&n, &d);
  ck_assert_msg(n == 10 && d == 25, "the win32 VFS's own retry should be SQLite's default, is %d x %d ms", n, d);
}

void tw_use_walsafe(int budget_ms) {
  int n, d;
  ck_assert_int_eq(walsafe_register("win32", 0), SQLITE_OK);
  /* From registration on, walsafe's wall-time budget governs: the win32
  ** VFS's own retry is down to 1 x 1 ms. */
  tw_native_retry(&n, &d);
  ck_assert_msg(n == 1 && d == 1, "with walsafe registered the native retry should be 1 x 1 ms, is %d x %d ms", n, d);
  ck_assert_int_eq(walsafe_config(WALSAFE_CONFIG_RETRY_MS, budget_ms, 0), SQLITE_OK);
  ck_assert_int_eq(walsafe_config(WALSAFE_CONFIG_CLEANUP, WALSAFE_CLEANUP_AUTO, 0), SQLITE_OK);
}
#endif

/* ---- connections ------------------------------------------------------------- */
sqlite3 *tw_open(const char *zPath, const char *zVfs) {
  sqlite3 *db = 0;
  int rc = sqlite3_open_v2(zPath, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI, zVfs);
  ck_assert_msg(rc == SQLITE_OK, "open %s: %s", zPath, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  sqlite3_extended_result_codes(db, 1);
  return db;
}

void tw_exec(sqlite3 *db, const char *zSql) {
  char *zErr = 0;
  int rc = sqlite3_exec(db, zSql, 0, 0, &zErr);
  ck_assert_msg(rc == SQLITE_OK, "%s: %s (%d)", zSql, zErr ? zErr : "?", rc);
  sqlite3_free(zErr);
}

int tw_query_int(sqlite3 *db, const char *zSql) {
  sqlite3_stmt *st = 0;
  int v;
  ck_assert_msg(sqlite3_prepare_v2(db, zSql, -1, &st, 0) == SQLITE_OK, "%s: %s", zSql, sqlite3_errmsg(db));
  ck_assert_msg(sqlite3_step(st) == SQLITE_ROW, "%s: %s", zSql, sqlite3_errmsg(db));
  v = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  return v;
}

sqlite3 *tw_open_wal_with_rows(const char *zPath, const char *zVfs, int n) {
  sqlite3 *db = tw_open(zPath, zVfs);
  char sql[256];
  ck_assert_int_eq(tw_query_int(db, "SELECT count(*) FROM sqlite_schema"), 0);
  tw_exec(db, "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; CREATE TABLE t(x)");
  snprintf(sql, sizeof(sql),
           "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<%d) "
           "INSERT INTO t SELECT 'row-' || i FROM c",
           n);
  tw_exec(db, sql);
  return db;
}

void tw_close(sqlite3 *db) {
  int rc = sqlite3_close(db);
  ck_assert_msg(rc == SQLITE_OK, "sqlite3_close: %d", rc);
}

int tw_run(Suite *s, int argc, char **argv) {
  SRunner *sr = srunner_create(s);
  int failed;
  srunner_set_fork_status(sr, CK_NOFORK); /* no fork() on Windows */
  srunner_run(sr, 0, argc > 1 ? argv[1] : 0, CK_VERBOSE);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
