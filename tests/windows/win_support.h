/*
** win_support.h: what the Windows suites share. Real files in a scratch
** directory under %TEMP%, "scanners" (threads holding a file open with
** CreateFileW, as antivirus and indexers do), SQLite's log captured, and the
** two setups every scenario runs under: the plain win32 VFS with its native
** retry at SQLite's defaults, or walsafe over it.
*/
#ifndef WIN_SUPPORT_H
#define WIN_SUPPORT_H

#include <windows.h>

#include <check.h>

#include "sqlite3.h"
#include "walsafe.h"

/* Share modes of the scanners: without and with FILE_SHARE_DELETE. */
#define SHARE_RW (FILE_SHARE_READ | FILE_SHARE_WRITE)
#define SHARE_RWD (FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)

/* Slack allowed over a bound the behaviour itself defines (the 100 ms of
** issue 3, item 6), for Wine's wineserver round trips and scheduling with
** two test processes on two cores. Measured: +2..+20 ms alone. */
#define WINE_SLACK_MS 50

double now_ms(void);
int running_under_wine(void);

/* A fresh scratch directory (UTF-8, no trailing separator), and a path in
** it. Each test gets its own; they are left for the OS to clean if a test
** fails, and removed by scratch_remove() otherwise. */
void scratch_dir(char *zOut, int nOut, const char *zTag);
void scratch_path(char *zOut, int nOut, const char *zDir, const char *zName);
void scratch_remove(const char *zDir);

/* Files, by UTF-8 path. file_size: -1 when absent. */
long long file_size(const char *zPath);
int file_exists(const char *zPath);
void file_create_empty(const char *zPath);
void file_copy(const char *zFrom, const char *zTo);
int files_equal(const char *zA, const char *zB);
void side_path(char *zOut, int nOut, const char *zDb, const char *zSuffix); /* "" for the db */

/*
** A scanner: a thread that opens zPath with CreateFileW(GENERIC_READ,
** share) and holds it hold_ms (or until scanner_release() when hold_ms<0).
** scanner_start returns once the handle is open (and fails the test if the
** open failed). released_ms is now_ms() right after its CloseHandle.
*/
typedef struct scanner {
  WCHAR path[MAX_PATH * 2];
  DWORD share;
  int hold_ms;
  HANDLE thread, opened, release;
  HANDLE h;
  DWORD open_err;
  volatile double released_ms;
} scanner;
void scanner_start(scanner *s, const char *zPath, DWORD share, int hold_ms);
void scanner_release(scanner *s);
void scanner_join(scanner *s); /* waits for the thread and frees it */

/* SQLite's log: every line is kept; log_count(z) counts lines containing z
** since the last log_reset(). log_clobber(1) makes the callback leave
** GetLastError() at ERROR_PATH_NOT_FOUND, as a logger that opens a file
** might; log_clobbered() counts the times it did. */
void log_install(void); /* first thing in main() */
void log_reset(void);
int log_count(const char *zSubstring);
void log_clobber(int on);
int log_clobbered(void);
void log_dump(void);

/* The setups. use_plain(): walsafe unregistered, so the win32 VFS has its
** own retry (10 x 25 ms more each, ~1.4 s) and nothing else; the test
** checks that. use_walsafe(budget): walsafe registered over win32 (not the
** default), process-wide budget budget_ms. */
void use_plain(void);
void use_walsafe(int budget_ms);
void native_retry(int *pCount, int *pDelayMs);

/* Connections. vfs NULL: the default. */
sqlite3 *db_open(const char *zPath, const char *zVfs);
void db_exec(sqlite3 *db, const char *zSql);
int db_int(sqlite3 *db, const char *zSql); /* first column of first row */
/* A WAL database with table t(x) holding n rows, no checkpoint on commit. */
sqlite3 *db_open_wal_with_rows(const char *zPath, const char *zVfs, int n);
void db_close(sqlite3 *db);

/* Run the suite's TCase argv[1] (all when absent), no fork; exit status. */
int run_suite(Suite *s, int argc, char **argv);

#endif /* WIN_SUPPORT_H */
