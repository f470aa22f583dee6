/*
** test_cleanup.c: the cleanup after the last close (vfs/cleanup.c). After
** the last connection in this process closes, no -wal and no -shm remain,
** and no committed row is lost; SQLITE_FCNTL_PERSIST_WAL and
** SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE are respected unless the cleanup mode is
** "force"; "off" turns the cleanup off; and a -wal that cannot be deleted
** is emptied, so that it is never replayed onto another database.
** Where the plain unix VFS leaves files behind, the test asserts that too,
** so that the scenario is proven real.
*/
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

/* The read-only last close: a writer adds rows and closes while a
** read-only connection stays open, then the reader closes last. */
static void read_only_closes_last(const char *path, const char *vfs) {
  sqlite3 *rw, *ro;
  ts_make_wal_db(path, vfs, 10);
  rw = ts_open_rw(path, vfs);
  ro = ts_open(path, vfs, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
  ck_assert_int_eq(ts_query_int(ro, "SELECT count(*) FROM t"), 10);
  ts_exec(rw, "INSERT INTO t SELECT x + 10 FROM t");
  ts_close(rw); /* not the last connection: no checkpoint, no delete */
  ts_close(ro); /* the last, and it cannot checkpoint */
}

static void assert_rows(const char *path, const char *vfs, long long rows) {
  sqlite3 *db = ts_open_rw(path, vfs);
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), rows);
  ts_close(db);
}

START_TEST(read_write_close_leaves_no_side_files) {
  const char *path = ts_path("rw.db");
  walsafe_counters before;
  sqlite3 *db;
  ts_make_wal_db(path, "walsafe", 5);
  before = ts_counters();
  db = ts_open_rw(path, "walsafe");
  ts_exec(db, "INSERT INTO t VALUES (6)");
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN | TS_WAL | TS_SHM);
  ts_close(db);
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN);
  ck_assert_int_eq(ts_counters().failures, before.failures);
  assert_rows(path, "walsafe", 6);
}
END_TEST

START_TEST(read_only_last_close_leaves_wal_and_shm_with_the_plain_vfs) {
  const char *path = ts_path("plain.db");
  read_only_closes_last(path, "unix");
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN | TS_WAL | TS_SHM);
  ck_assert_int_gt(ts_file_size(ts_path("plain.db-wal")), 0); /* committed frames */
}
END_TEST

START_TEST(read_only_last_close_leaves_nothing_with_walsafe_and_keeps_every_row) {
  const char *path = ts_path("ws.db");
  walsafe_counters before = ts_counters(), after;
  read_only_closes_last(path, "walsafe");
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN);
  after = ts_counters();
  ck_assert_int_eq(after.cleanups_run, before.cleanups_run + 1);
  ck_assert_int_eq(after.cleanups_done, before.cleanups_done + 1);
  ck_assert_int_eq(after.failures, before.failures);
  /* Read with the plain VFS: the rows are in the database file itself. */
  assert_rows(path, "unix", 20);
  ck_assert_int_eq(ts_counters().files_open, 0);
}
END_TEST

START_TEST(two_connections_closed_in_either_order_leave_no_side_files) {
  int order;
  for (order = 0; order < 2; order++) {
    const char *path = ts_path(order ? "b.db" : "a.db");
    sqlite3 *first, *second;
    ts_make_wal_db(path, "walsafe", 1);
    first = ts_open_rw(path, "walsafe");
    second = ts_open_rw(path, "walsafe");
    ts_exec(first, "INSERT INTO t VALUES (2)");
    ts_exec(second, "INSERT INTO t VALUES (3)");
    ts_close(order ? second : first);
    /* The other connection still uses them: nothing removed. */
    ck_assert_uint_eq(ts_files_left(path), TS_MAIN | TS_WAL | TS_SHM);
    ck_assert_int_eq(ts_query_int(order ? first : second, "SELECT sum(x) FROM t"), 6);
    ts_close(order ? first : second);
    ck_assert_uint_eq(ts_files_left(path), TS_MAIN);
    assert_rows(path, "unix", 3);
  }
}
END_TEST

/* A connection asking for SQLITE_FCNTL_PERSIST_WAL, closed over vfs. */
static void close_with_persist_wal(const char *pathOrUri, const char *vfs) {
  sqlite3 *db = ts_open_rw(pathOrUri, vfs);
  int on = 1;
  ck_assert_int_eq(sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &on), SQLITE_OK);
  ts_exec(db, "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1),(2)");
  ts_close(db);
}

START_TEST(persist_wal_is_respected_by_default) {
  walsafe_counters before = ts_counters();
  close_with_persist_wal(ts_path("plain.db"), "unix");
  close_with_persist_wal(ts_path("ws.db"), "walsafe");
  ck_assert(ts_exists(ts_path("plain.db-wal")));
  ck_assert_uint_eq(ts_files_left(ts_path("ws.db")), ts_files_left(ts_path("plain.db")));
  ck_assert_int_eq(ts_counters().cleanups_skipped, before.cleanups_skipped + 1);
  ck_assert(ts_log_contains(SQLITE_NOTICE, "SQLITE_FCNTL_PERSIST_WAL"));
  assert_rows(ts_path("ws.db"), "walsafe", 2);
}
END_TEST

START_TEST(persist_wal_is_overridden_by_the_cleanup_force_uri_parameter) {
  char *uri = sqlite3_mprintf("file:%s?walsafe_cleanup=force", ts_path("ws.db"));
  close_with_persist_wal(uri, "walsafe");
  sqlite3_free(uri);
  ck_assert_uint_eq(ts_files_left(ts_path("ws.db")), TS_MAIN);
  assert_rows(ts_path("ws.db"), "unix", 2);
}
END_TEST

START_TEST(persist_wal_is_overridden_by_config_cleanup_force) {
  int old = -1;
  ck_assert_int_eq(walsafe_config(WALSAFE_CONFIG_CLEANUP, WALSAFE_CLEANUP_FORCE, &old), SQLITE_OK);
  ck_assert_int_eq(old, WALSAFE_CLEANUP_AUTO);
  close_with_persist_wal(ts_path("ws.db"), "walsafe");
  ck_assert_uint_eq(ts_files_left(ts_path("ws.db")), TS_MAIN);
  assert_rows(ts_path("ws.db"), "unix", 2);
}
END_TEST

/* A connection with SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE adds rows and closes. */
static void close_without_checkpoint(const char *pathOrUri, const char *vfs) {
  sqlite3 *db = ts_open_rw(pathOrUri, vfs);
  int on = -1;
  ck_assert_int_eq(sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, &on), SQLITE_OK);
  ck_assert_int_eq(on, 1);
  ts_exec(db, "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1),(2),(3)");
  ts_close(db);
}

START_TEST(no_checkpoint_on_close_is_respected_by_default) {
  walsafe_counters before = ts_counters();
  close_without_checkpoint(ts_path("plain.db"), "unix");
  close_without_checkpoint(ts_path("ws.db"), "walsafe");
  ck_assert_uint_eq(ts_files_left(ts_path("plain.db")), TS_MAIN | TS_WAL | TS_SHM);
  ck_assert_uint_eq(ts_files_left(ts_path("ws.db")), TS_MAIN | TS_WAL | TS_SHM);
  ck_assert_int_gt(ts_file_size(ts_path("ws.db-wal")), 0);
  ck_assert_int_eq(ts_counters().cleanups_skipped, before.cleanups_skipped + 1);
  ck_assert(ts_log_contains(SQLITE_NOTICE, "no checkpoint on close"));
  assert_rows(ts_path("ws.db"), "walsafe", 3);
}
END_TEST

/* The same in locking_mode=EXCLUSIVE, where the WAL index is in heap memory
** and there is no -shm (and no xShmUnmap) to tell walsafe anything. */
static void close_without_checkpoint_exclusive(const char *path, const char *vfs, int noCheckpoint) {
  sqlite3 *db = ts_open_rw(path, vfs);
  ck_assert_int_eq(sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, noCheckpoint, 0), SQLITE_OK);
  ts_exec(db,
          "PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1),(2)");
  ts_close(db);
}

START_TEST(no_checkpoint_on_close_is_respected_in_exclusive_locking_mode) {
  close_without_checkpoint_exclusive(ts_path("plain.db"), "unix", 1);
  close_without_checkpoint_exclusive(ts_path("ws.db"), "walsafe", 1);
  ck_assert_uint_eq(ts_files_left(ts_path("plain.db")), TS_MAIN | TS_WAL);
  ck_assert_uint_eq(ts_files_left(ts_path("ws.db")), TS_MAIN | TS_WAL);
  ck_assert_int_gt(ts_file_size(ts_path("ws.db-wal")), 0);
  assert_rows(ts_path("ws.db"), "walsafe", 2);
  /* And a normal exclusive-mode close still checkpoints and cleans up. */
  close_without_checkpoint_exclusive(ts_path("ws2.db"), "walsafe", 0);
  ck_assert_uint_eq(ts_files_left(ts_path("ws2.db")), TS_MAIN);
}
END_TEST

START_TEST(no_checkpoint_on_close_is_overridden_by_cleanup_force) {
  char *uri = sqlite3_mprintf("file:%s?walsafe_cleanup=force", ts_path("ws.db"));
  close_without_checkpoint(uri, "walsafe");
  sqlite3_free(uri);
  ck_assert_uint_eq(ts_files_left(ts_path("ws.db")), TS_MAIN);
  assert_rows(ts_path("ws.db"), "unix", 3);
  ck_assert_int_eq(walsafe_config(WALSAFE_CONFIG_CLEANUP, WALSAFE_CLEANUP_FORCE, 0), SQLITE_OK);
  close_without_checkpoint(ts_path("ws2.db"), "walsafe");
  ck_assert_uint_eq(ts_files_left(ts_path("ws2.db")), TS_MAIN);
  assert_rows(ts_path("ws2.db"), "unix", 3);
}
END_TEST

START_TEST(cleanup_off_leaves_what_sqlite_leaves) {
  char *uri = sqlite3_mprintf("file:%s?walsafe_cleanup=off", ts_path("off.db"));
  sqlite3 *rw, *ro;
  ts_make_wal_db(ts_path("off.db"), "unix", 10);
  rw = ts_open_rw(uri, "walsafe");
  ro = ts_open(uri, "walsafe", SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
  ck_assert_int_eq(ts_query_int(ro, "SELECT count(*) FROM t"), 10);
  ts_exec(rw, "INSERT INTO t VALUES (11)");
  ts_close(rw);
  ts_close(ro);
  sqlite3_free(uri);
  ck_assert_uint_eq(ts_files_left(ts_path("off.db")), TS_MAIN | TS_WAL | TS_SHM);
  assert_rows(ts_path("off.db"), "unix", 11);
}
END_TEST

START_TEST(config_cleanup_off_turns_the_last_close_cleanup_off) {
  ck_assert_int_eq(walsafe_config(WALSAFE_CONFIG_CLEANUP, WALSAFE_CLEANUP_OFF, 0), SQLITE_OK);
  read_only_closes_last(ts_path("off.db"), "walsafe");
  ck_assert_uint_eq(ts_files_left(ts_path("off.db")), TS_MAIN | TS_WAL | TS_SHM);
  ck_assert_int_eq(walsafe_config(WALSAFE_CONFIG_CLEANUP, WALSAFE_CLEANUP_AUTO, 0), SQLITE_OK);
  assert_rows(ts_path("off.db"), "walsafe", 20);
  ck_assert_uint_eq(ts_files_left(ts_path("off.db")), TS_MAIN);
}
END_TEST

/* A rollback-mode database "other.db" with 3 rows of 'other'. */
static void make_other_database(void) {
  sqlite3 *db = ts_open_rw(ts_path("other.db"), "unix");
  ts_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES ('other'),('other'),('other')");
  ts_close(db);
}

/* A close whose delete of the -wal keeps failing: the last commit is left
** in the -wal (checkpointed, not deleted). */
static void close_with_failing_wal_delete(const char *path, const char *vfs) {
  sqlite3 *db;
  ts_make_wal_db(path, vfs, 100);
  db = ts_open_rw(path, vfs);
  ts_exec(db, "INSERT INTO t SELECT x + 100 FROM t");
  ts_fault_unlink("-wal", EBUSY, -1);
  ts_close(db);
  ck_assert_int_gt(ts_faults_injected(), 0);
  ts_faults_clear();
}

START_TEST(failed_wal_delete_leaves_a_full_wal_with_the_plain_vfs) {
  close_with_failing_wal_delete(ts_path("plain.db"), "unix");
  ck_assert_int_gt(ts_file_size(ts_path("plain.db-wal")), 0);
}
END_TEST

START_TEST(failed_wal_delete_leaves_an_empty_wal_that_is_never_replayed) {
  const char *path = ts_path("ws.db");
  walsafe_counters before;
  long long walSize;
  sqlite3 *db;
  char *x;
  ck_assert_int_eq(walsafe_config(WALSAFE_CONFIG_RETRY_MS, 60, 0), SQLITE_OK);
  before = ts_counters();
  close_with_failing_wal_delete(path, "walsafe");
  walSize = ts_file_size(ts_path("ws.db-wal"));
  ck_assert_msg(walSize <= 0, "the -wal still holds %lld bytes", walSize);
  ck_assert_int_gt(ts_counters().retry_giveups, before.retry_giveups);
  ck_assert_int_gt(ts_counters().wal_truncated, before.wal_truncated);
  ck_assert(ts_log_contains(SQLITE_WARNING, "-wal"));
  /* Every committed row is in the database file. */
  db = ts_open(path, "unix", SQLITE_OPEN_READONLY);
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 200);
  ts_close(db);
  /* Another database copied over the name stays exactly what it was, even
  ** opened with the plain VFS (no walsafe cleanup at open to help). */
  make_other_database();
  ts_copy_file(ts_path("other.db"), path);
  db = ts_open_rw(path, "unix");
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t WHERE x = 'other'"), 3);
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 3);
  x = ts_query_text(db, "PRAGMA integrity_check");
  ck_assert_str_eq(x, "ok");
  sqlite3_free(x);
  ts_close(db);
}
END_TEST

START_TEST(owed_wal_delete_is_carried_out_at_the_next_open) {
  const char *path = ts_path("ws.db");
  walsafe_counters before;
  sqlite3 *db;
  ck_assert_int_eq(walsafe_config(WALSAFE_CONFIG_RETRY_MS, 40, 0), SQLITE_OK);
  close_with_failing_wal_delete(path, "walsafe");
  ck_assert(ts_exists(ts_path("ws.db-wal")));
  before = ts_counters();
  db = ts_open_rw(path, "walsafe");
  ck_assert(!ts_exists(ts_path("ws.db-wal")));
  ck_assert_int_eq(ts_counters().deferred_done, before.deferred_done + 1);
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 200);
  ts_close(db);
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN);
}
END_TEST

START_TEST(owed_wal_delete_is_carried_out_by_unregister) {
  const char *path = ts_path("ws.db");
  ck_assert_int_eq(walsafe_config(WALSAFE_CONFIG_RETRY_MS, 40, 0), SQLITE_OK);
  close_with_failing_wal_delete(path, "walsafe");
  ck_assert(ts_exists(ts_path("ws.db-wal")));
  ck_assert_int_eq(walsafe_unregister(), SQLITE_OK);
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN);
  ck_assert_int_eq(walsafe_register("unix", 0), SQLITE_OK);
}
END_TEST

/* A walsafe_delete_database that fails (a connection outside walsafe has
** the database) keeps the deletes owed before: they stay in the status and
** are carried out at the next chance. */
START_TEST(owed_deletes_stay_owed_after_a_delete_database_that_fails) {
  const char *path = ts_path("ws.db");
  sqlite3 *plain, *db;
  char *status;
  ck_assert_int_eq(walsafe_config(WALSAFE_CONFIG_RETRY_MS, 40, 0), SQLITE_OK);
  close_with_failing_wal_delete(path, "walsafe");
  ck_assert(ts_exists(ts_path("ws.db-wal")));
  plain = ts_open_rw(path, "unix");
  ck_assert_int_eq(walsafe_delete_database(path, 0), SQLITE_BUSY);
  status = walsafe_status(path);
  ck_assert_ptr_nonnull(status);
  ck_assert_msg(strstr(status, "pending_deletes=wal") != 0, "%s", status);
  sqlite3_free(status);
  ts_close(plain);
  db = ts_open_rw(path, "walsafe"); /* the next chance */
  ck_assert(!ts_exists(ts_path("ws.db-wal")));
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 200);
  ts_close(db);
}
END_TEST

static Suite *cleanup_suite(void) {
  Suite *s = suite_create("cleanup");
  TCase *tc = tcase_create("last_close");
  tcase_add_checked_fixture(tc, ts_setup, ts_teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, read_write_close_leaves_no_side_files);
  tcase_add_test(tc, read_only_last_close_leaves_wal_and_shm_with_the_plain_vfs);
  tcase_add_test(tc, read_only_last_close_leaves_nothing_with_walsafe_and_keeps_every_row);
  tcase_add_test(tc, two_connections_closed_in_either_order_leave_no_side_files);
  tcase_add_test(tc, persist_wal_is_respected_by_default);
  tcase_add_test(tc, persist_wal_is_overridden_by_the_cleanup_force_uri_parameter);
  tcase_add_test(tc, persist_wal_is_overridden_by_config_cleanup_force);
  tcase_add_test(tc, no_checkpoint_on_close_is_respected_by_default);
  tcase_add_test(tc, no_checkpoint_on_close_is_respected_in_exclusive_locking_mode);
  tcase_add_test(tc, no_checkpoint_on_close_is_overridden_by_cleanup_force);
  tcase_add_test(tc, cleanup_off_leaves_what_sqlite_leaves);
  tcase_add_test(tc, config_cleanup_off_turns_the_last_close_cleanup_off);
  tcase_add_test(tc, failed_wal_delete_leaves_a_full_wal_with_the_plain_vfs);
  tcase_add_test(tc, failed_wal_delete_leaves_an_empty_wal_that_is_never_replayed);
  tcase_add_test(tc, owed_wal_delete_is_carried_out_at_the_next_open);
  tcase_add_test(tc, owed_wal_delete_is_carried_out_by_unregister);
  tcase_add_test(tc, owed_deletes_stay_owed_after_a_delete_database_that_fails);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  ts_process_init(1);
  return ts_run(cleanup_suite());
}
