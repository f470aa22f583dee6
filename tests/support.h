/*
** support.h: what every walsafe test suite shares.
**
** Each suite is one Check runner (one area); each test runs against real
** SQLite on real files in a fresh temporary directory that ts_setup()
** creates and ts_teardown() removes. Tests must also pass with CK_FORK=no
** (valgrind), so whatever a test changes in the process (fault injection,
** walsafe_config options, the working directory) is undone in teardown.
*/
#ifndef WALSAFE_TEST_SUPPORT_H
#define WALSAFE_TEST_SUPPORT_H

#include <check.h>
#include <sqlite3.h>

#include "walsafe.h"

/* Bits for ts_files_left(). */
#define TS_MAIN 0x1
#define TS_WAL 0x2
#define TS_SHM 0x4
#define TS_JOURNAL 0x8

/* Call first in main(): installs the SQLITE_CONFIG_LOG capture (it must
** precede sqlite3_initialize) and, if registerWalsafe, registers walsafe
** over "unix". */
void ts_process_init(int registerWalsafe);

/* Run suite s and return main()'s exit status. */
int ts_run(Suite *s);

/* Fixture: a fresh temporary directory; teardown clears faults, restores
** options and the working directory, and removes the directory. */
void ts_setup(void);
void ts_teardown(void);
const char *ts_dir(void);
/* dir/name, in one of several rotating static buffers. */
const char *ts_path(const char *name);

/* Files on disk. */
int ts_exists(const char *path);
long long ts_file_size(const char *path);   /* -1 if missing */
unsigned ts_files_left(const char *dbPath); /* TS_* bits */
void ts_copy_file(const char *from, const char *to);

/* SQLite with assertions. vfs NULL: the default VFS. */
sqlite3 *ts_open(const char *path, const char *vfs, int flags);
sqlite3 *ts_open_rw(const char *path, const char *vfs); /* READWRITE|CREATE|URI */
void ts_exec(sqlite3 *db, const char *sql);
long long ts_query_int(sqlite3 *db, const char *sql);
char *ts_query_text(sqlite3 *db, const char *sql); /* sqlite3_free it */
void ts_close(sqlite3 *db);
/* A WAL database with table t(x) holding rows 1..n; closed. */
void ts_make_wal_db(const char *path, const char *vfs, int n);

walsafe_counters ts_counters(void);

/* ---- captured sqlite3_log lines ---- */
void ts_log_clear(void);
/* Does a captured line have error code errCode (-1: any) and contain z? */
int ts_log_contains(int errCode, const char *z);

/* ---- fault injection through the unix VFS's xSetSystemCall ----
** Calls on a path ending in pathSuffix fail with err, times times
** (-1: until cleared); other calls go to the real system call. For open,
** only read-write opens fail (the ones SQLite falls back from). */
void ts_fault_unlink(const char *pathSuffix, int err, int times);
void ts_fault_open(const char *pathSuffix, int err, int times);
/* anyMode: read-only opens fail too (the fallback SQLite tries next). */
void ts_fault_open_mode(const char *pathSuffix, int err, int times, int anyMode);
void ts_faults_clear(void);
/* Arming a fault clears the one armed before. */
int ts_faults_injected(void); /* failures injected since the last arm */

#endif /* WALSAFE_TEST_SUPPORT_H */
