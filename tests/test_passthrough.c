/*
** test_passthrough.c: walsafe is transparent. Every journal mode, mmap,
** exclusive locking, URI parameters, temp and read-only databases behave
** through walsafe as they do over the parent VFS, and the file method
** tables mirror the parent's (iVersion, shared memory, mmap), so that what
** the parent cannot do (WAL over unix-none or unix-dotfile) fails the same
** way through walsafe.
*/
#include <stdio.h>
#include <string.h>

#include "support.h"
#include "walsafe_int.h"

/* ---- the same work over two VFSes must leave the same results ---- */

/* Run a small workload in journal mode `mode` over `vfs` and return the
** TS_* bits of the files left after close; *pRows gets the row count seen
** by a fresh connection. */
static unsigned journal_mode_workload(const char *path, const char *vfs, const char *mode, long long *pRows) {
  sqlite3 *db = ts_open_rw(path, vfs);
  char *sql = sqlite3_mprintf("PRAGMA journal_mode=%s", mode);
  char *got = ts_query_text(db, sql);
  ck_assert_str_eq(got, mode);
  sqlite3_free(got);
  sqlite3_free(sql);
  ts_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1),(2),(3)");
  ts_exec(db, "BEGIN; INSERT INTO t VALUES (4); ROLLBACK");
  ts_exec(db, "BEGIN; INSERT INTO t VALUES (5); DELETE FROM t WHERE x=1; COMMIT");
  ts_close(db);
  db = ts_open_rw(path, vfs);
  *pRows = ts_query_int(db, "SELECT count(*) FROM t");
  ck_assert_int_eq(ts_query_int(db, "SELECT sum(x) FROM t"), 2 + 3 + 5);
  ts_close(db);
  return ts_files_left(path);
}

START_TEST(every_rollback_journal_mode_works_and_leaves_what_the_parent_leaves) {
  static const char *modes[] = {"delete", "truncate", "persist", "memory", "off", "wal"};
  size_t i;
  for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
    char a[64], b[64];
    long long rowsPlain = 0, rowsWalsafe = 0;
    unsigned leftPlain, leftWalsafe;
    snprintf(a, sizeof(a), "plain-%s.db", modes[i]);
    snprintf(b, sizeof(b), "walsafe-%s.db", modes[i]);
    leftPlain = journal_mode_workload(ts_path(a), "unix", modes[i], &rowsPlain);
    leftWalsafe = journal_mode_workload(ts_path(b), "walsafe", modes[i], &rowsWalsafe);
    ck_assert_int_eq(rowsWalsafe, 3);
    ck_assert_int_eq(rowsPlain, rowsWalsafe);
    ck_assert_msg(leftPlain == leftWalsafe, "journal_mode=%s: plain leaves %#x, walsafe %#x", modes[i], leftPlain,
                  leftWalsafe);
  }
}
END_TEST

START_TEST(mmap_reads_return_the_same_data) {
  static const char *modes[] = {"WAL", "DELETE"};
  size_t i;
  for (i = 0; i < 2; i++) {
    char name[32], *sql;
    sqlite3 *db;
    snprintf(name, sizeof(name), "mmap-%s.db", modes[i]);
    db = ts_open_rw(ts_path(name), "walsafe");
    sql = sqlite3_mprintf(
        "PRAGMA journal_mode=%s; PRAGMA mmap_size=8000000; CREATE TABLE t(x, y);"
        "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<3000)"
        " INSERT INTO t SELECT i, randomblob(300) FROM c;",
        modes[i]);
    ts_exec(db, sql);
    sqlite3_free(sql);
    ck_assert_int_gt(ts_query_int(db, "PRAGMA mmap_size"), 0);
    ts_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
    ck_assert_int_eq(ts_query_int(db, "SELECT sum(x) FROM t"), 3000LL * 3001 / 2);
    ck_assert_int_eq(ts_query_int(db, "SELECT sum(length(y)) FROM t"), 3000LL * 300);
    ts_exec(db, "UPDATE t SET x = x + 1");
    ck_assert_int_eq(ts_query_int(db, "SELECT sum(x) FROM t"), 3000LL * 3001 / 2 + 3000);
    ts_close(db);
  }
}
END_TEST

START_TEST(exclusive_locking_mode_runs_wal_without_a_shm_file) {
  const char *path = ts_path("excl.db");
  sqlite3 *db = ts_open_rw(path, "walsafe");
  char *mode;
  ts_exec(db, "PRAGMA locking_mode=EXCLUSIVE");
  mode = ts_query_text(db, "PRAGMA journal_mode=WAL");
  ck_assert_str_eq(mode, "wal");
  sqlite3_free(mode);
  ts_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1),(2)");
  ck_assert(ts_exists(ts_path("excl.db-wal")));
  ck_assert(!ts_exists(ts_path("excl.db-shm")));
  ck_assert_int_eq(walsafe_handle_count(path), 2);
  ts_close(db);
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN);
  db = ts_open_rw(path, "walsafe");
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 2);
  ts_close(db);
}
END_TEST

START_TEST(uri_mode_ro_opens_read_only) {
  sqlite3 *db;
  char *uri;
  ts_make_wal_db(ts_path("ro.db"), "walsafe", 4);
  uri = sqlite3_mprintf("file:%s?vfs=walsafe&mode=ro", ts_path("ro.db"));
  db = ts_open(uri, 0, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 4);
  ck_assert_int_eq(sqlite3_exec(db, "INSERT INTO t VALUES (5)", 0, 0, 0), SQLITE_READONLY);
  ck_assert_int_eq(sqlite3_db_readonly(db, "main"), 1);
  ts_close(db);
  sqlite3_free(uri);
  ck_assert_uint_eq(ts_files_left(ts_path("ro.db")), TS_MAIN);
}
END_TEST

START_TEST(uri_immutable_reads_without_locks_or_side_files) {
  sqlite3 *db;
  char *uri;
  ts_make_wal_db(ts_path("imm.db"), "walsafe", 6);
  db = ts_open_rw(ts_path("imm.db"), "walsafe");
  ts_exec(db, "PRAGMA journal_mode=DELETE");
  ts_close(db);
  uri = sqlite3_mprintf("file:%s?vfs=walsafe&immutable=1", ts_path("imm.db"));
  db = ts_open(uri, 0, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 6);
  ck_assert_uint_eq(ts_files_left(ts_path("imm.db")), TS_MAIN);
  ts_close(db);
  sqlite3_free(uri);
}
END_TEST

START_TEST(uri_nolock_works_in_rollback_mode) {
  sqlite3 *db;
  char *uri = sqlite3_mprintf("file:%s?vfs=walsafe&nolock=1", ts_path("nolock.db"));
  db = ts_open(uri, 0, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI);
  ts_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1),(2),(3)");
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 3);
  ts_close(db);
  sqlite3_free(uri);
  ck_assert_uint_eq(ts_files_left(ts_path("nolock.db")), TS_MAIN);
}
END_TEST

START_TEST(uri_cache_shared_connections_see_each_others_writes) {
  sqlite3 *a, *b;
  char *uri = sqlite3_mprintf("file:%s?vfs=walsafe&cache=shared", ts_path("shared.db"));
  a = ts_open(uri, 0, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI);
  b = ts_open(uri, 0, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI);
  ts_exec(a, "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1)");
  ck_assert_int_eq(ts_query_int(b, "SELECT count(*) FROM t"), 1);
  /* One shared pager: one main handle and one -wal handle. */
  ck_assert_int_eq(walsafe_handle_count(ts_path("shared.db")), 2);
  ts_close(a);
  ts_close(b);
  sqlite3_free(uri);
  ck_assert_uint_eq(ts_files_left(ts_path("shared.db")), TS_MAIN);
}
END_TEST

START_TEST(uri_parameters_reach_the_parent_and_walsafe) {
  sqlite3 *db;
  char *uri =
      sqlite3_mprintf("file:%s?vfs=walsafe&walsafe_retry_ms=250&walsafe_cleanup=force&psow=0", ts_path("params.db"));
  char *status;
  db = ts_open(uri, 0, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI);
  ts_exec(db, "CREATE TABLE t(x)");
  status = ts_query_text(db, "PRAGMA walsafe_status");
  ck_assert_ptr_nonnull(strstr(status, "retry_ms=250"));
  ck_assert_ptr_nonnull(strstr(status, "cleanup=force"));
  sqlite3_free(status);
  ts_close(db);
  sqlite3_free(uri);
}
END_TEST

START_TEST(temp_databases_and_temp_files_work) {
  sqlite3 *db = ts_open_rw("", "walsafe");
  ts_exec(db,
          "PRAGMA temp_store=FILE; CREATE TABLE t(x);"
          "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<20000)"
          " INSERT INTO t SELECT random() FROM c;"
          "CREATE TEMP TABLE tt AS SELECT x FROM t ORDER BY x;");
  ck_assert_int_eq(ts_query_int(db, "SELECT count(DISTINCT x) >= 19990 FROM (SELECT x FROM t ORDER BY x)"), 1);
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM tt"), 20000);
  ts_close(db);
  db = ts_open_rw(":memory:", "walsafe");
  ts_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1)");
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 1);
  ts_close(db);
  ck_assert_int_eq(ts_counters().files_open, 0);
}
END_TEST

START_TEST(read_only_open_reads_and_refuses_writes) {
  sqlite3 *db;
  ts_make_wal_db(ts_path("r.db"), "walsafe", 7);
  db = ts_open(ts_path("r.db"), "walsafe", SQLITE_OPEN_READONLY);
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 7);
  ck_assert_int_eq(sqlite3_exec(db, "DELETE FROM t", 0, 0, 0), SQLITE_READONLY);
  ts_close(db);
  ck_assert_int_eq(sqlite3_open_v2(ts_path("absent.db"), &db, SQLITE_OPEN_READONLY, "walsafe"), SQLITE_CANTOPEN);
  sqlite3_close(db);
}
END_TEST

START_TEST(vfsname_reports_walsafe_over_unix) {
  sqlite3 *db = ts_open_rw(ts_path("n.db"), "walsafe");
  char *name = 0;
  ck_assert_int_eq(sqlite3_file_control(db, "main", SQLITE_FCNTL_VFSNAME, &name), SQLITE_OK);
  ck_assert_str_eq(name, "walsafe/unix");
  sqlite3_free(name);
  ts_close(db);
}
END_TEST

START_TEST(databases_move_freely_between_walsafe_and_the_plain_vfs) {
  const char *path = ts_path("x.db");
  sqlite3 *db;
  ts_make_wal_db(path, "walsafe", 10);
  db = ts_open_rw(path, "unix");
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 10);
  ts_exec(db, "INSERT INTO t VALUES (11)");
  ts_close(db);
  db = ts_open_rw(path, "walsafe");
  ck_assert_int_eq(ts_query_int(db, "SELECT sum(x) FROM t"), 66);
  ts_close(db);
}
END_TEST

START_TEST(walsafe_status_pragma_shows_handles_and_counters) {
  const char *path = ts_path("st.db");
  sqlite3 *db;
  char *text, *expected;
  ts_make_wal_db(path, "walsafe", 1);
  db = ts_open_rw(path, "walsafe");
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 1);
  text = ts_query_text(db, "PRAGMA walsafe_status");
  expected = sqlite3_mprintf("database=%s\nhandles=2 main=1 wal=1 journal=0 shm=1\n", path);
  ck_assert_ptr_nonnull(strstr(text, "vfs=walsafe/unix\n"));
  ck_assert_ptr_nonnull(strstr(text, expected));
  ck_assert_ptr_nonnull(strstr(text, "pending_deletes=none"));
  ck_assert_ptr_nonnull(strstr(text, "retry_ms=3000\ncleanup=auto\n"));
  ck_assert_ptr_nonnull(strstr(text, "files_open=2\n"));
  ck_assert_ptr_nonnull(strstr(text, "retry_giveups="));
  ck_assert_ptr_nonnull(strstr(text, "failures="));
  sqlite3_free(expected);
  sqlite3_free(text);
  ck_assert_int_eq(sqlite3_exec(db, "PRAGMA walsafe_status=1", 0, 0, 0), SQLITE_ERROR);
  ck_assert_ptr_nonnull(strstr(sqlite3_errmsg(db), "takes no value"));
  /* Other pragmas still reach SQLite. */
  ck_assert_int_eq(ts_query_int(db, "PRAGMA page_size"), 4096);
  ts_close(db);
}
END_TEST

START_TEST(integrity_check_is_ok_after_heavy_work) {
  static const char *modes[] = {"WAL", "DELETE"};
  size_t i;
  for (i = 0; i < 2; i++) {
    char name[32], *sql, *ok;
    sqlite3 *db;
    int round;
    snprintf(name, sizeof(name), "heavy-%s.db", modes[i]);
    db = ts_open_rw(ts_path(name), "walsafe");
    sql = sqlite3_mprintf(
        "PRAGMA journal_mode=%s; PRAGMA cache_size=50;"
        "CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT, v BLOB); CREATE INDEX tk ON t(k);",
        modes[i]);
    ts_exec(db, sql);
    sqlite3_free(sql);
    for (round = 0; round < 10; round++) {
      ts_exec(db,
              "BEGIN;"
              "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<500)"
              " INSERT INTO t(k, v) SELECT hex(randomblob(8)), randomblob(200 + abs(random()) % 800) FROM c;"
              "UPDATE t SET v = randomblob(100) WHERE id % 7 = 0;"
              "DELETE FROM t WHERE id % 11 = 0;"
              "COMMIT;");
    }
    ts_exec(db, "VACUUM");
    ok = ts_query_text(db, "PRAGMA integrity_check");
    ck_assert_str_eq(ok, "ok");
    sqlite3_free(ok);
    ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 5000 - 5000 / 11);
    ts_close(db);
    ck_assert_uint_eq(ts_files_left(ts_path(name)), TS_MAIN);
  }
}
END_TEST

/* ---- method tables mirror the parent: walsafe re-registered over others ---- */

static void register_over_unix(void) {
  ts_teardown();
  if (walsafe_unregister() != SQLITE_OK) walsafe_unregister(); /* deferred work first */
  ck_assert_int_eq(walsafe_register("unix", 0), SQLITE_OK);
}

static void reregister_over(const char *parent) {
  ck_assert_int_eq(walsafe_unregister(), SQLITE_OK);
  ck_assert_int_eq(walsafe_register(parent, 0), SQLITE_OK);
}

/* Compare the main file's method table through walsafe with the real one
** under it; return what PRAGMA journal_mode=WAL answers over `vfs`. */
static char *wal_answer_and_compare_methods(const char *path, const char *vfs) {
  sqlite3 *db = ts_open_rw(path, vfs);
  char *answer;
  if (strcmp(vfs, "walsafe") == 0) {
    sqlite3_file *f = 0;
    ws_file *wf;
    ck_assert_int_eq(sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &f), SQLITE_OK);
    wf = (ws_file *)f;
    ck_assert_int_eq(f->pMethods->iVersion, wf->real->pMethods->iVersion);
    ck_assert_int_eq(f->pMethods->iVersion >= 2 && f->pMethods->xShmMap != 0,
                     wf->real->pMethods->iVersion >= 2 && wf->real->pMethods->xShmMap != 0);
    ck_assert_int_eq(f->pMethods->iVersion >= 3 && f->pMethods->xFetch != 0,
                     wf->real->pMethods->iVersion >= 3 && wf->real->pMethods->xFetch != 0);
  }
  ts_exec(db, "CREATE TABLE IF NOT EXISTS t(x)");
  answer = ts_query_text(db, "PRAGMA journal_mode=WAL");
  ts_exec(db, "INSERT INTO t VALUES (1)");
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 1);
  ts_close(db);
  return answer;
}

static void check_parent_is_mirrored(const char *parent) {
  char *plain, *shim, *vfsname = 0;
  sqlite3 *db;
  reregister_over(parent);
  plain = wal_answer_and_compare_methods(ts_path("plain.db"), parent);
  shim = wal_answer_and_compare_methods(ts_path("shim.db"), "walsafe");
  ck_assert_str_eq(shim, plain);
  db = ts_open_rw(ts_path("shim.db"), "walsafe");
  ck_assert_int_eq(sqlite3_file_control(db, "main", SQLITE_FCNTL_VFSNAME, &vfsname), SQLITE_OK);
  ck_assert_ptr_nonnull(strstr(vfsname, "walsafe/"));
  sqlite3_free(vfsname);
  ts_close(db);
  sqlite3_free(plain);
  sqlite3_free(shim);
}

START_TEST(over_unix_the_methods_mirror_the_real_file_and_wal_works) {
  char *answer = wal_answer_and_compare_methods(ts_path("u.db"), "walsafe");
  ck_assert_str_eq(answer, "wal");
  sqlite3_free(answer);
}
END_TEST

START_TEST(over_unix_none_wal_fails_exactly_as_on_the_parent) { check_parent_is_mirrored("unix-none"); }
END_TEST

START_TEST(over_unix_dotfile_wal_fails_exactly_as_on_the_parent) { check_parent_is_mirrored("unix-dotfile"); }
END_TEST

static Suite *passthrough_suite(void) {
  Suite *s = suite_create("passthrough");
  TCase *tc = tcase_create("as_over_the_parent");
  TCase *tm = tcase_create("method_tables");
  tcase_add_checked_fixture(tc, ts_setup, ts_teardown);
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, every_rollback_journal_mode_works_and_leaves_what_the_parent_leaves);
  tcase_add_test(tc, mmap_reads_return_the_same_data);
  tcase_add_test(tc, exclusive_locking_mode_runs_wal_without_a_shm_file);
  tcase_add_test(tc, uri_mode_ro_opens_read_only);
  tcase_add_test(tc, uri_immutable_reads_without_locks_or_side_files);
  tcase_add_test(tc, uri_nolock_works_in_rollback_mode);
  tcase_add_test(tc, uri_cache_shared_connections_see_each_others_writes);
  tcase_add_test(tc, uri_parameters_reach_the_parent_and_walsafe);
  tcase_add_test(tc, temp_databases_and_temp_files_work);
  tcase_add_test(tc, read_only_open_reads_and_refuses_writes);
  tcase_add_test(tc, vfsname_reports_walsafe_over_unix);
  tcase_add_test(tc, databases_move_freely_between_walsafe_and_the_plain_vfs);
  tcase_add_test(tc, walsafe_status_pragma_shows_handles_and_counters);
  tcase_add_test(tc, integrity_check_is_ok_after_heavy_work);
  suite_add_tcase(s, tc);
  /* These re-register walsafe over another parent; the teardown puts it
  ** back over "unix" (needed when CK_FORK=no). */
  tcase_add_checked_fixture(tm, ts_setup, register_over_unix);
  tcase_set_timeout(tm, 60);
  tcase_add_test(tm, over_unix_the_methods_mirror_the_real_file_and_wal_works);
  tcase_add_test(tm, over_unix_none_wal_fails_exactly_as_on_the_parent);
  tcase_add_test(tm, over_unix_dotfile_wal_fails_exactly_as_on_the_parent);
  suite_add_tcase(s, tm);
  return s;
}

int main(void) {
  ts_process_init(1);
  return ts_run(passthrough_suite());
}
