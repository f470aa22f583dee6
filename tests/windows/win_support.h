/*
** win_support.h: what the Windows suites share. Real files in a scratch
** directory under %TEMP%, "scanners" (threads holding a file open with
** CreateFileW, as antivirus and indexers do), SQLite's log captured, and the
** two setups every scenario runs under: the plain win32 VFS with its native
** retry at SQLite's defaults, or walsafe over it.
*/
#ifndef WALSAFE_TEST_WIN_SUPPORT_H
#define WALSAFE_TEST_WIN_SUPPORT_H

#include <windows.h>

#include <check.h>

#include "sqlite3.h"
#include "walsafe.h"

/* Share modes of the scanners: without and with FILE_SHARE_DELETE. */
#define TW_SHARE_RW (FILE_SHARE_READ | FILE_SHARE_WRITE)
#define TW_SHARE_RWD (FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)

/* Slack allowed over a bound the behaviour itself defines (a delete returning
** within 100 ms of the release), for Wine's wineserver round trips and scheduling with
** two test processes on two cores. Measured: +2..+20 ms alone. */
#define TW_WINE_SLACK_MS 50

double tw_now_ms(void);
int tw_running_under_wine(void);

/* A fresh scratch directory (UTF-8, no trailing separator), and a path in
** it. Each test gets its own; they are left for the OS to clean if a test
** fails, and removed by tw_scratch_remove() otherwise. */
void tw_scratch_dir(char *zOut, int nOut, const char *zTag);
void tw_scratch_path(char *zOut, int nOut, const char *zDir, const char *zName);
void tw_scratch_remove(const char *zDir);

/* Files, by UTF-8 path. tw_file_size: -1 when absent. */
long long tw_file_size(const char *zPath);
int tw_exists(const char *zPath);
void tw_create_empty(const char *zPath);
void tw_copy_file(const char *zFrom, const char *zTo);
int tw_files_equal(const char *zA, const char *zB);
void tw_side_path(char *zOut, int nOut, const char *zDb, const char *zSuffix); /* "" for the db */

/*
** A scanner: a thread that opens zPath with CreateFileW(GENERIC_READ,
** share) and holds it hold_ms (or until tw_scanner_release() when hold_ms<0).
** tw_scanner_start returns once the handle is open (and fails the test if the
** open failed). released_ms is tw_now_ms() right after its CloseHandle.
*/
typedef struct tw_scanner {
  WCHAR path[MAX_PATH * 2];
  DWORD share;
  int hold_ms;
  HANDLE thread, opened, release;
  HANDLE h;
  DWORD open_err;
  volatile double released_ms;
} tw_scanner;
void tw_scanner_start(tw_scanner *s, const char *zPath, DWORD share, int hold_ms);
void tw_scanner_release(tw_scanner *s);
void tw_scanner_join(tw_scanner *s); /* waits for the thread and frees it */

/* SQLite's log: every line is kept; tw_log_count(z) counts lines containing z
** since the last tw_log_reset(). tw_log_clobber(1) makes the callback leave
** GetLastError() at ERROR_PATH_NOT_FOUND, as a logger that opens a file
** might; tw_log_clobbered() counts the times it did. */
void tw_log_install(void); /* first thing in main() */
void tw_log_reset(void);
int tw_log_count(const char *zSubstring);
void tw_log_clobber(int on);
int tw_log_clobbered(void);
void tw_log_dump(void);

/* The setups. tw_use_plain(): walsafe unregistered, so the win32 VFS has its
** own retry (10 x 25 ms more each, ~1.4 s) and nothing else; the test
** checks that. tw_use_walsafe(budget): walsafe registered over win32 (not the
** default), process-wide budget budget_ms. */
void tw_use_plain(void);
void tw_use_walsafe(int budget_ms);
void tw_native_retry(int *pCount, int *pDelayMs);

/* Connections. vfs NULL: the default. */
sqlite3 *tw_open(const char *zPath, const char *zVfs);
void tw_exec(sqlite3 *db, const char *zSql);
int tw_query_int(sqlite3 *db, const char *zSql); /* first column of first row */
/* A WAL database with table t(x) holding n rows, no checkpoint on commit. */
sqlite3 *tw_open_wal_with_rows(const char *zPath, const char *zVfs, int n);
void tw_close(sqlite3 *db);

/* Run the suite's TCase argv[1] (all when absent), no fork; exit status. */
int tw_run(Suite *s, int argc, char **argv);

#endif /* WALSAFE_TEST_WIN_SUPPORT_H */
