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
#include <time.h>

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
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  ts_process_init(1);
  return ts_run(faults_suite());
}
