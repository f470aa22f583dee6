/*
** test_faults.c: fault injection through the unix VFS's xSetSystemCall
** ("unlink" and "open") under walsafe. Transient errors (EBUSY) are retried
** within the budget and counted; a budget spent is a give-up with a
** SQLITE_WARNING log line; permanent errors (EACCES, ENOENT) come back at
** once; deleting the rollback journal is a commit, so its failure fails the
** commit; a read-write open that SQLite quietly degraded to read-only is
** retried; a delete of a file this process holds open is deferred.
*/
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support.h"

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static sqlite3_vfs *walsafe_vfs(void) {
  sqlite3_vfs *v = sqlite3_vfs_find(WALSAFE_VFS_NAME);
  ck_assert_ptr_nonnull(v);
  return v;
}

/* ---- -wal deletes at close ---- */

START_TEST(wal_delete_failing_with_ebusy_a_few_times_is_retried_and_succeeds) {
  const char *path = ts_path("w.db");
  walsafe_counters before, after;
  sqlite3 *db;
  ts_make_wal_db(path, "walsafe", 10);
  db = ts_open_rw(path, "walsafe");
  ts_exec(db, "INSERT INTO t VALUES (11)");
  before = ts_counters();
  ts_fault_unlink("-wal", EBUSY, 3);
  ts_close(db);
  ck_assert_int_eq(ts_faults_injected(), 3);
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN);
  after = ts_counters();
  ck_assert_int_eq(after.retries, before.retries + 3);
  ck_assert_int_eq(after.retry_successes, before.retry_successes + 1);
  ck_assert_int_eq(after.retry_giveups, before.retry_giveups);
  ck_assert_int_eq(after.failures, before.failures);
}
END_TEST

START_TEST(wal_delete_failing_forever_gives_up_after_the_budget_with_a_warning) {
  const int budget = 80;
  const char *path = ts_path("w.db");
  walsafe_counters before, after;
  long long start, elapsed;
  sqlite3 *db;
  ck_assert_int_eq(walsafe_config(WALSAFE_CONFIG_RETRY_MS, budget, 0), SQLITE_OK);
  ts_make_wal_db(path, "walsafe", 10);
  db = ts_open_rw(path, "walsafe");
  ts_exec(db, "INSERT INTO t VALUES (11)");
  before = ts_counters();
  ts_log_clear();
  ts_fault_unlink("-wal", EBUSY, -1);
  start = now_ms();
  ts_close(db);
  elapsed = now_ms() - start;
  ck_assert_int_ge(elapsed, budget);
  ck_assert_int_lt(elapsed, budget + 2500); /* generous: the budget bounds it */
  after = ts_counters();
  ck_assert_int_ge(after.retry_giveups, before.retry_giveups + 1);
  ck_assert_int_gt(after.retries, before.retries);
  ck_assert(ts_log_contains(SQLITE_WARNING, "still failing after"));
  ck_assert(ts_log_contains(SQLITE_WARNING, "w.db-wal"));
  ck_assert_int_le(ts_file_size(ts_path("w.db-wal")), 0); /* emptied */
  ts_faults_clear();
  db = ts_open_rw(path, "unix");
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 11);
  ts_close(db);
}
END_TEST

START_TEST(uri_retry_budget_applies_to_its_database) {
  const char *path = ts_path("w.db");
  char *uri = sqlite3_mprintf("file:%s?walsafe_retry_ms=50", path);
  walsafe_counters before;
  long long start, elapsed;
  sqlite3 *db;
  char *status;
  ts_make_wal_db(path, "walsafe", 1);
  db = ts_open_rw(uri, "walsafe");
  status = ts_query_text(db, "PRAGMA walsafe_status");
  ck_assert_ptr_nonnull(strstr(status, "retry_ms=50\n"));
  sqlite3_free(status);
  ts_exec(db, "INSERT INTO t VALUES (2)");
  before = ts_counters();
  ts_fault_unlink("-wal", EBUSY, -1);
  start = now_ms();
  ts_close(db);
  elapsed = now_ms() - start;
  /* Spent 50 ms, not the process-wide 3000 ms. */
  ck_assert_int_ge(elapsed, 50);
  ck_assert_int_lt(elapsed, WALSAFE_DEFAULT_RETRY_MS);
  ck_assert_int_ge(ts_counters().retry_giveups, before.retry_giveups + 1);
  sqlite3_free(uri);
}
END_TEST

/* ---- permanent errors ---- */

START_TEST(eacces_and_enoent_on_delete_are_returned_at_once) {
  sqlite3_vfs *vfs = walsafe_vfs();
  const char *path = ts_path("victim.db");
  walsafe_counters before;
  sqlite3 *db = ts_open_rw(path, "unix");
  ts_exec(db, "CREATE TABLE t(x)");
  ts_close(db);
  before = ts_counters();
  ts_fault_unlink("victim.db", EACCES, -1);
  ck_assert_int_eq(vfs->xDelete(vfs, path, 0), SQLITE_IOERR_DELETE);
  ck_assert_int_eq(ts_faults_injected(), 1);
  ts_fault_unlink("victim.db", ENOENT, -1);
  ck_assert_int_eq(vfs->xDelete(vfs, path, 0), SQLITE_IOERR_DELETE_NOENT);
  ck_assert_int_eq(ts_faults_injected(), 1);
  ck_assert_int_eq(ts_counters().retries, before.retries);
  ts_faults_clear();
  ck_assert(ts_exists(path));
  ck_assert_int_eq(vfs->xDelete(vfs, path, 0), SQLITE_OK);
  ck_assert(!ts_exists(path));
}
END_TEST

START_TEST(eacces_on_creating_open_is_returned_at_once) {
  walsafe_counters before = ts_counters();
  sqlite3 *db = 0;
  ts_fault_open("new.db", EACCES, -1);
  ck_assert_int_eq(sqlite3_open_v2(ts_path("new.db"), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, "walsafe"),
                   SQLITE_CANTOPEN);
  sqlite3_close(db);
  ck_assert_int_eq(ts_faults_injected(), 1);
  ck_assert_int_eq(ts_counters().retries, before.retries);
  ck_assert_int_eq(ts_counters().files_open, 0);
}
END_TEST

START_TEST(ebusy_on_creating_open_is_retried_and_succeeds) {
  walsafe_counters before = ts_counters();
  sqlite3 *db;
  /* Each attempt is a read-write open and the unix VFS's read-only
  ** fallback; both fail with EBUSY, twice. */
  ts_fault_open_mode("new.db", EBUSY, 4, 1);
  db = ts_open_rw(ts_path("new.db"), "walsafe");
  ck_assert_int_eq(ts_faults_injected(), 4);
  ts_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1)");
  ts_close(db);
  ck_assert_int_eq(ts_counters().retries, before.retries + 2);
  ck_assert_int_eq(ts_counters().retry_successes, before.retry_successes + 1);
}
END_TEST

/* ---- the rollback journal ---- */

static sqlite3 *rollback_db_with_rows(const char *path) {
  sqlite3 *db = ts_open_rw(path, "walsafe");
  ts_exec(db, "PRAGMA journal_mode=DELETE; CREATE TABLE t(x); INSERT INTO t VALUES (1),(2),(3)");
  return db;
}

START_TEST(journal_delete_failure_fails_the_commit_and_loses_nothing) {
  const char *path = ts_path("j.db");
  walsafe_counters before, after;
  sqlite3 *db = rollback_db_with_rows(path);
  long long rows, newRows;
  char *ok;
  int rc, ext;
  ck_assert_int_eq(walsafe_config(WALSAFE_CONFIG_RETRY_MS, 60, 0), SQLITE_OK);
  before = ts_counters();
  ts_exec(db, "BEGIN; INSERT INTO t VALUES (4),(5)");
  ts_fault_unlink("-journal", EBUSY, -1);
  rc = sqlite3_exec(db, "COMMIT", 0, 0, 0);
  ext = sqlite3_extended_errcode(db);
  ck_assert_int_ne(rc, SQLITE_OK);
  ck_assert_msg(ext == SQLITE_IOERR_DELETE, "COMMIT gave %d (%s)", ext, sqlite3_errmsg(db));
  ck_assert_int_gt(ts_faults_injected(), 1); /* retried, not deferred */
  after = ts_counters();
  ck_assert_int_eq(after.retry_giveups, before.retry_giveups + 1);
  ck_assert_int_eq(after.deletes_deferred, before.deletes_deferred);
  ck_assert_int_ge(after.failures, before.failures + 1);
  ck_assert(ts_log_contains(SQLITE_WARNING, "j.db-journal"));
  ts_faults_clear();
  sqlite3_close(db);
  /* Reopened: the earlier commits are there, the failed one is all or
  ** nothing, the file is sound. */
  db = ts_open_rw(path, "walsafe");
  rows = ts_query_int(db, "SELECT count(*) FROM t");
  newRows = ts_query_int(db, "SELECT count(*) FROM t WHERE x > 3");
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t WHERE x <= 3"), 3);
  ck_assert_msg(newRows == 0 || newRows == 2, "a torn transaction: %lld of 2 rows", newRows);
  ck_assert_int_eq(rows, 3 + newRows);
  ok = ts_query_text(db, "PRAGMA integrity_check");
  ck_assert_str_eq(ok, "ok");
  sqlite3_free(ok);
  ts_exec(db, "INSERT INTO t VALUES (6)");
  ts_close(db);
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN);
}
END_TEST

START_TEST(journal_delete_failing_a_few_times_is_retried_and_the_commit_succeeds) {
  const char *path = ts_path("j.db");
  walsafe_counters before;
  sqlite3 *db = rollback_db_with_rows(path);
  before = ts_counters();
  ts_fault_unlink("-journal", EBUSY, 2);
  ts_exec(db, "INSERT INTO t VALUES (4)");
  ck_assert_int_eq(ts_faults_injected(), 2);
  ck_assert(!ts_exists(ts_path("j.db-journal")));
  ck_assert_int_eq(ts_counters().retry_successes, before.retry_successes + 1);
  ts_close(db);
  db = ts_open_rw(path, "unix");
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 4);
  ts_close(db);
}
END_TEST

START_TEST(journal_delete_with_eacces_fails_the_commit_at_once) {
  const char *path = ts_path("j.db");
  walsafe_counters before;
  sqlite3 *db = rollback_db_with_rows(path);
  int rc;
  before = ts_counters();
  ts_fault_unlink("-journal", EACCES, -1);
  rc = sqlite3_exec(db, "INSERT INTO t VALUES (4)", 0, 0, 0);
  ck_assert_int_ne(rc, SQLITE_OK);
  ck_assert_int_eq(sqlite3_extended_errcode(db), SQLITE_IOERR_DELETE);
  ck_assert_int_eq(ts_faults_injected(), 1);
  ck_assert_int_eq(ts_counters().retries, before.retries);
  ts_faults_clear();
  sqlite3_close(db);
}
END_TEST

/* ---- read-write opens that SQLite degrades to read-only ---- */

START_TEST(open_degraded_to_read_only_by_ebusy_stays_read_only_with_the_plain_vfs) {
  const char *path = ts_path("d.db");
  sqlite3 *db;
  ts_make_wal_db(path, "unix", 1);
  ts_fault_open("d.db", EBUSY, 1);
  db = ts_open(path, "unix", SQLITE_OPEN_READWRITE);
  ck_assert_int_eq(ts_faults_injected(), 1);
  ck_assert_int_eq(sqlite3_db_readonly(db, "main"), 1);
  ck_assert_int_ne(sqlite3_exec(db, "INSERT INTO t VALUES (2)", 0, 0, 0), SQLITE_OK);
  sqlite3_close(db);
}
END_TEST

START_TEST(open_degraded_to_read_only_by_a_permanent_error_is_not_retried) {
  const char *path = ts_path("p.db");
  walsafe_counters before;
  sqlite3 *db;
  ts_make_wal_db(path, "walsafe", 1);
  walsafe_config(WALSAFE_CONFIG_RETRY_MS, 60000, 0);
  before = ts_counters();
  /* The read-write open fails with EACCES, the parent's read-only fallback
  ** succeeds: as over the plain VFS, the connection is read-only at once,
  ** with no retry and no minute-long wait. */
  ts_fault_open("p.db", EACCES, 1);
  db = ts_open(path, "walsafe", SQLITE_OPEN_READWRITE);
  ck_assert_int_eq(ts_faults_injected(), 1);
  ck_assert_int_eq(sqlite3_db_readonly(db, "main"), 1);
  ck_assert_int_eq(ts_counters().retries, before.retries);
  ck_assert_int_eq(ts_counters().open_downgrades, before.open_downgrades);
  ts_close(db);
}
END_TEST

START_TEST(open_degraded_to_read_only_by_ebusy_is_retried_into_a_writable_connection) {
  const char *path = ts_path("d.db");
  walsafe_counters before;
  sqlite3 *db;
  ts_make_wal_db(path, "walsafe", 1);
  before = ts_counters();
  ts_fault_open("d.db", EBUSY, 3);
  db = ts_open(path, "walsafe", SQLITE_OPEN_READWRITE);
  ck_assert_int_eq(ts_faults_injected(), 3);
  ck_assert_int_eq(sqlite3_db_readonly(db, "main"), 0);
  ts_exec(db, "INSERT INTO t VALUES (2)");
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 2);
  /* One open, counted once however many attempts it took. */
  ck_assert_int_eq(ts_counters().open_downgrades, before.open_downgrades + 1);
  ck_assert_int_ge(ts_counters().retries, before.retries + 1);
  ck_assert_int_eq(ts_counters().retry_successes, before.retry_successes + 1);
  ck_assert_int_eq(walsafe_handle_count(path), 2);
  ts_close(db);
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN);
}
END_TEST

START_TEST(open_degraded_for_longer_than_the_budget_settles_for_read_only) {
  const char *path = ts_path("d.db");
  walsafe_counters before;
  sqlite3 *db;
  ts_make_wal_db(path, "walsafe", 1);
  ck_assert_int_eq(walsafe_config(WALSAFE_CONFIG_RETRY_MS, 50, 0), SQLITE_OK);
  before = ts_counters();
  ts_log_clear();
  ts_fault_open("d.db", EBUSY, -1);
  db = ts_open(path, "walsafe", SQLITE_OPEN_READWRITE);
  ck_assert_int_eq(sqlite3_db_readonly(db, "main"), 1);
  ck_assert_int_eq(ts_counters().retry_giveups, before.retry_giveups + 1);
  ck_assert(ts_log_contains(SQLITE_WARNING, "read-write open"));
  ts_faults_clear();
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 1);
  ts_close(db);
  ck_assert_int_eq(ts_counters().files_open, 0);
}
END_TEST

/* ---- deletes of files this process holds open ---- */

START_TEST(delete_of_a_file_held_open_is_deferred_until_it_closes) {
  sqlite3_vfs *vfs = walsafe_vfs();
  const char *path = ts_path("held.db");
  walsafe_counters before, after;
  sqlite3 *db = ts_open_rw(path, "walsafe");
  ts_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1)");
  before = ts_counters();
  ts_fault_unlink("held.db", EBUSY, -1);
  ck_assert_int_ne(vfs->xDelete(vfs, path, 0), SQLITE_OK);
  ck_assert_int_eq(ts_faults_injected(), 1); /* no waiting on our own handle */
  ck_assert(ts_exists(path));
  ck_assert_int_eq(ts_counters().deletes_deferred, before.deletes_deferred + 1);
  ts_faults_clear();
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 1); /* still usable */
  ts_close(db);
  ck_assert(!ts_exists(path));
  after = ts_counters();
  ck_assert_int_eq(after.deferred_done, before.deferred_done + 1);
  ck_assert_int_eq(after.databases_tracked, before.databases_tracked - 1);
}
END_TEST

/* ---- the -shm ---- */

/* A writer in another process commits `rows` rows, one transaction each,
** into the -wal of the WAL database at path and dies without closing: the
** rows live only in the -wal, and the -shm it leaves must be recovered. */
static void crashed_writer(const char *path, int rows, int create) {
  pid_t pid;
  int status = 0;
  pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    sqlite3 *c = 0;
    int ok = sqlite3_open_v2(path, &c, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, "unix") == SQLITE_OK &&
             sqlite3_exec(c, "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;", 0, 0, 0) == SQLITE_OK;
    int i;
    if (ok && create) ok = sqlite3_exec(c, "CREATE TABLE t(x)", 0, 0, 0) == SQLITE_OK;
    for (i = 0; ok && i < rows; i++)
      ok = sqlite3_exec(c, "INSERT INTO t VALUES (1000 + random() % 1000)", 0, 0, 0) == SQLITE_OK;
    _exit(ok ? 0 : 1); /* no close: a crash */
  }
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the writer failed (status %#x)", status);
  ck_assert_int_gt(ts_file_size(ts_path("c.db-wal")), 0);
}

static long long rows_now(const char *path) {
  sqlite3 *db = ts_open(path, "unix", SQLITE_OPEN_READWRITE);
  long long n = ts_query_int(db, "SELECT count(*) FROM t");
  ts_close(db);
  return n;
}

/*
** The -shm's read-write open fails with EBUSY while a read-only one works.
** A connection's read finds no -shm it can open at all and fails; then it
** closes while only the read-write open fails: plain SQLite maps the -shm
** read-only for its checkpoint-on-close, finds no frames in the index it
** could not recover, reports success and deletes the -wal with the crashed
** writer's 5 rows. walsafe never lets a read-write connection fall back to
** a read-only -shm by accident: the rows stay.
*/
START_TEST(a_read_only_shm_fallback_never_costs_the_rows_of_a_crashed_writer) {
  const char *path = ts_path("c.db");
  char *uri = sqlite3_mprintf("file:%s?walsafe_retry_ms=100", path);
  sqlite3 *db;
  crashed_writer(path, 5, 1);
  db = ts_open_rw(uri, "walsafe");
  sqlite3_free(uri);
  ts_fault_open_mode("c.db-shm", EBUSY, -1, 1);
  sqlite3_exec(db, "SELECT count(*) FROM t", 0, 0, 0); /* fails: no -shm at all */
  ts_fault_open("c.db-shm", EBUSY, -1);                /* only read-write opens fail */
  sqlite3_close(db);
  ts_faults_clear();
  ck_assert_int_eq(rows_now(path), 5);
}
END_TEST

START_TEST(shm_open_failing_a_few_times_is_retried_and_the_read_sees_every_row) {
  const char *path = ts_path("c.db");
  walsafe_counters before;
  sqlite3 *db;
  crashed_writer(path, 5, 1);
  db = ts_open_rw(path, "walsafe");
  before = ts_counters();
  ts_fault_open("c.db-shm", EBUSY, 3); /* read-write only: read-only would work */
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 5);
  ck_assert_int_eq(ts_faults_injected(), 3);
  ck_assert_int_ge(ts_counters().retries, before.retries + 3);
  ts_faults_clear();
  ts_exec(db, "INSERT INTO t VALUES (1)"); /* a writable -shm: not the read-only fallback */
  ts_close(db);
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN);
  ck_assert_int_eq(rows_now(path), 6);
}
END_TEST

/*
** When SQLite's open of the -wal fails, its error path unmaps the shared
** memory without a checkpoint (wal.c, sqlite3WalOpen). That is no close:
** it must not pass for one that skipped its checkpoint, or the last close
** keeps a -wal with frames.
*/
START_TEST(a_failed_wal_open_is_not_taken_for_a_close_without_checkpoint) {
  const char *path = ts_path("c.db");
  sqlite3 *ro, *b;
  crashed_writer(path, 5, 1);
  ro = ts_open(path, "walsafe", SQLITE_OPEN_READONLY);
  ck_assert_int_eq(ts_query_int(ro, "SELECT count(*) FROM t"), 5);
  b = ts_open_rw(path, "walsafe");
  ts_close(ro); /* read-only: no checkpoint; b is still open */
  ts_fault_open_mode("c.db-wal", EACCES, -1, 1);
  ck_assert_int_ne(sqlite3_exec(b, "SELECT count(*) FROM t", 0, 0, 0), SQLITE_OK);
  ts_faults_clear();
  ts_close(b); /* the last close: walsafe checkpoints the frames */
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN);
  ck_assert_int_eq(rows_now(path), 5);
}
END_TEST

/*
** SQLite deleted the -wal at a close in this process, and the database
** stayed open here; then another process wrote frames into a new -wal and
** died. The last close here must look at that -wal again, not trust that
** it is gone.
*/
START_TEST(a_wal_another_process_left_after_sqlite_deleted_ours_is_checkpointed_at_the_last_close) {
  const char *path = ts_path("c.db");
  sqlite3 *idle, *a;
  ts_make_wal_db(path, "walsafe", 10);
  idle = ts_open_rw(path, "walsafe"); /* opened, never read: no -wal of its own */
  a = ts_open_rw(path, "walsafe");
  ts_exec(a, "INSERT INTO t VALUES (11)");
  ts_close(a); /* SQLite checkpoints and deletes the -wal */
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN);
  crashed_writer(path, 5, 0);
  ts_close(idle);
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN);
  ck_assert_int_eq(rows_now(path), 16);
}
END_TEST

/* The unix VFS keeps one -shm state per file and process: beside a
** connection that mapped it with readonly_shm=1, a read-write connection
** gets SQLITE_READONLY from xShmMap and reads as plain SQLite does, at
** once, instead of waiting for a -shm that will not change. */
START_TEST(a_read_write_connection_reads_beside_a_readonly_shm_connection) {
  const char *path = ts_path("c.db");
  char *uri;
  sqlite3 *w = ts_open_rw(path, "unix"), *a, *b;
  walsafe_counters before;
  int one = 1;
  ts_exec(w, "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3);");
  ck_assert_int_eq(sqlite3_file_control(w, "main", SQLITE_FCNTL_PERSIST_WAL, &one), SQLITE_OK);
  ts_close(w); /* -wal and -shm kept */
  uri = sqlite3_mprintf("file:%s?readonly_shm=1", path);
  a = ts_open(uri, "walsafe", SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
  sqlite3_free(uri);
  ck_assert_int_eq(ts_query_int(a, "SELECT count(*) FROM t"), 3);
  b = ts_open(path, "walsafe", SQLITE_OPEN_READWRITE);
  before = ts_counters();
  ck_assert_int_eq(ts_query_int(b, "SELECT count(*) FROM t"), 3);
  ck_assert_int_eq(ts_counters().retries, before.retries);
  ts_close(b);
  ts_close(a);
}
END_TEST

/* A last-close checkpoint that fails for a reason waiting cannot clear (the
** database opens only read-only) is not retried: the frames stay, it is
** counted and logged once. */
START_TEST(a_last_close_checkpoint_failing_for_good_is_not_retried) {
  const char *path = ts_path("c.db");
  walsafe_counters before, after;
  sqlite3 *r;
  crashed_writer(path, 5, 1);
  r = ts_open(path, "walsafe", SQLITE_OPEN_READONLY);
  ck_assert_int_eq(ts_query_int(r, "SELECT count(*) FROM t"), 5);
  before = ts_counters();
  ts_fault_open("c.db", EACCES, -1); /* read-write opens of the database */
  ts_close(r);
  after = ts_counters();
  ts_faults_clear();
  ck_assert_int_eq(after.retries, before.retries);
  ck_assert_int_eq(after.failures, before.failures + 1);
  ck_assert_int_gt(ts_file_size(ts_path("c.db-wal")), 0);
  ck_assert_int_eq(rows_now(path), 5);
}
END_TEST

static Suite *faults_suite(void) {
  Suite *s = suite_create("faults");
  TCase *tc = tcase_create("injected");
  tcase_add_checked_fixture(tc, ts_setup, ts_teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, wal_delete_failing_with_ebusy_a_few_times_is_retried_and_succeeds);
  tcase_add_test(tc, wal_delete_failing_forever_gives_up_after_the_budget_with_a_warning);
  tcase_add_test(tc, uri_retry_budget_applies_to_its_database);
  tcase_add_test(tc, eacces_and_enoent_on_delete_are_returned_at_once);
  tcase_add_test(tc, eacces_on_creating_open_is_returned_at_once);
  tcase_add_test(tc, ebusy_on_creating_open_is_retried_and_succeeds);
  tcase_add_test(tc, journal_delete_failure_fails_the_commit_and_loses_nothing);
  tcase_add_test(tc, journal_delete_failing_a_few_times_is_retried_and_the_commit_succeeds);
  tcase_add_test(tc, journal_delete_with_eacces_fails_the_commit_at_once);
  tcase_add_test(tc, open_degraded_to_read_only_by_ebusy_stays_read_only_with_the_plain_vfs);
  tcase_add_test(tc, open_degraded_to_read_only_by_ebusy_is_retried_into_a_writable_connection);
  tcase_add_test(tc, open_degraded_to_read_only_by_a_permanent_error_is_not_retried);
  tcase_add_test(tc, open_degraded_for_longer_than_the_budget_settles_for_read_only);
  tcase_add_test(tc, delete_of_a_file_held_open_is_deferred_until_it_closes);
  tcase_add_test(tc, a_read_only_shm_fallback_never_costs_the_rows_of_a_crashed_writer);
  tcase_add_test(tc, shm_open_failing_a_few_times_is_retried_and_the_read_sees_every_row);
  tcase_add_test(tc, a_failed_wal_open_is_not_taken_for_a_close_without_checkpoint);
  tcase_add_test(tc, a_wal_another_process_left_after_sqlite_deleted_ours_is_checkpointed_at_the_last_close);
  tcase_add_test(tc, a_read_write_connection_reads_beside_a_readonly_shm_connection);
  tcase_add_test(tc, a_last_close_checkpoint_failing_for_good_is_not_retried);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  ts_process_init(1);
  return ts_run(faults_suite());
}
