/*
** test_bad_input.c: every API function and SQL function answers bad input
** (NULL, empty, oversize and nonexistent paths, calls before registration,
** double registration, unregister with files open, bad URI parameters, bad
** options) with a clear SQLite error and a message from walsafe_errmsg(),
** and never crashes.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

/* A path longer than any parent's mxPathname. */
static char *oversize_path(void) {
  size_t n = 70000;
  char *z = malloc(n + 1);
  ck_assert_ptr_nonnull(z);
  memset(z, 'a', n);
  z[0] = '/';
  z[n] = 0;
  return z;
}

/* walsafe_errmsg() holds a message that mentions `word`. */
static void assert_errmsg_mentions(const char *word) {
  const char *msg = walsafe_errmsg();
  ck_assert_msg(msg && strstr(msg, word), "walsafe_errmsg() is \"%s\", expected it to mention \"%s\"",
                msg ? msg : "(null)", word);
}

/* ---- before registration ---- */

static void unregistered_setup(void) {
  ts_setup();
  walsafe_unregister(); /* SQLITE_MISUSE when it was not registered: fine */
}

static void unregistered_teardown(void) {
  ts_teardown();
  if (sqlite3_vfs_find(WALSAFE_VFS_NAME) == 0) walsafe_register("unix", 0);
}

START_TEST(every_api_function_before_registration_is_misuse) {
  walsafe_counters c;
  int old = 0;
  ck_assert_int_eq(walsafe_handle_count(ts_path("x.db")), -SQLITE_MISUSE);
  assert_errmsg_mentions("not registered");
  ck_assert_int_eq(walsafe_delete_database(ts_path("x.db"), 100), SQLITE_MISUSE);
  assert_errmsg_mentions("not registered");
  ck_assert_ptr_null(walsafe_status(0));
  assert_errmsg_mentions("not registered");
  ck_assert_ptr_null(walsafe_status(ts_path("x.db")));
  ck_assert_int_eq(walsafe_get_counters(&c), SQLITE_MISUSE);
  assert_errmsg_mentions("not registered");
  ck_assert_int_eq(walsafe_config(WALSAFE_CONFIG_RETRY_MS, 10, &old), SQLITE_MISUSE);
  assert_errmsg_mentions("not registered");
  ck_assert_int_eq(walsafe_unregister(), SQLITE_MISUSE);
  assert_errmsg_mentions("not registered");
}
END_TEST

START_TEST(opening_through_walsafe_before_registration_fails_cleanly) {
  sqlite3 *db = 0;
  ck_assert_int_eq(sqlite3_open_v2(ts_path("x.db"), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, "walsafe"),
                   SQLITE_ERROR);
  ck_assert_ptr_nonnull(strstr(sqlite3_errmsg(db), "no such vfs"));
  sqlite3_close(db);
  ck_assert(!ts_exists(ts_path("x.db")));
}
END_TEST

START_TEST(register_over_a_nonexistent_parent_is_an_error) {
  ck_assert_int_eq(walsafe_register("no-such-vfs", 0), SQLITE_ERROR);
  assert_errmsg_mentions("no-such-vfs");
  ck_assert_ptr_null(sqlite3_vfs_find(WALSAFE_VFS_NAME));
}
END_TEST

START_TEST(register_over_itself_is_misuse) {
  ck_assert_int_eq(walsafe_register(WALSAFE_VFS_NAME, 0), SQLITE_MISUSE);
  assert_errmsg_mentions("own parent");
  ck_assert_ptr_null(sqlite3_vfs_find(WALSAFE_VFS_NAME));
}
END_TEST

/* ---- registration ---- */

START_TEST(registering_again_is_harmless_and_may_change_the_default) {
  sqlite3_vfs *unixVfs = sqlite3_vfs_find("unix");
  sqlite3_vfs *walsafeVfs = sqlite3_vfs_find(WALSAFE_VFS_NAME);
  ck_assert_ptr_nonnull(walsafeVfs);
  ck_assert_int_eq(walsafe_register("unix", 0), SQLITE_OK);
  ck_assert_int_eq(walsafe_register(0, 0), SQLITE_OK);
  ck_assert_ptr_eq(sqlite3_vfs_find(0), unixVfs); /* 0 leaves the default */
  ck_assert_ptr_eq(sqlite3_vfs_find(WALSAFE_VFS_NAME), walsafeVfs);
  ck_assert_int_eq(walsafe_register(0, 1), SQLITE_OK);
  ck_assert_ptr_eq(sqlite3_vfs_find(0), walsafeVfs);
  ck_assert_int_eq(walsafe_register("unix", 0), SQLITE_OK);
  ck_assert_ptr_eq(sqlite3_vfs_find(0), walsafeVfs);
  /* Unregistering the default gives the default back to the parent. */
  ck_assert_int_eq(walsafe_unregister(), SQLITE_OK);
  ck_assert_ptr_eq(sqlite3_vfs_find(0), unixVfs);
  ck_assert_int_eq(walsafe_register("unix", 0), SQLITE_OK);
}
END_TEST

START_TEST(registering_over_a_different_parent_is_misuse) {
  ck_assert_int_eq(walsafe_register("unix-none", 0), SQLITE_MISUSE);
  assert_errmsg_mentions("already registered");
  ck_assert_int_eq(walsafe_register(WALSAFE_VFS_NAME, 0), SQLITE_MISUSE);
}
END_TEST

START_TEST(unregister_with_a_file_open_is_busy_and_changes_nothing) {
  sqlite3 *db = ts_open_rw(ts_path("x.db"), "walsafe");
  ts_exec(db, "CREATE TABLE t(x)");
  ck_assert_int_eq(walsafe_unregister(), SQLITE_BUSY);
  assert_errmsg_mentions("still open");
  ck_assert_ptr_nonnull(sqlite3_vfs_find(WALSAFE_VFS_NAME));
  ts_exec(db, "INSERT INTO t VALUES (1)");
  ts_close(db);
  ck_assert_int_eq(walsafe_unregister(), SQLITE_OK);
  ck_assert_int_eq(walsafe_unregister(), SQLITE_MISUSE); /* twice */
  ck_assert_int_eq(walsafe_register("unix", 0), SQLITE_OK);
}
END_TEST

/* ---- paths ---- */

START_TEST(handle_count_rejects_null_empty_oversize_and_missing_paths) {
  char *big = oversize_path();
  ck_assert_int_eq(walsafe_handle_count(0), -SQLITE_MISUSE);
  assert_errmsg_mentions("NULL");
  ck_assert_int_eq(walsafe_handle_count(""), -SQLITE_MISUSE);
  assert_errmsg_mentions("empty");
  ck_assert_int_eq(walsafe_handle_count(big), -SQLITE_MISUSE);
  assert_errmsg_mentions("longer than");
  ck_assert_int_eq(walsafe_handle_count(ts_path("missing.db")), -SQLITE_NOTFOUND);
  assert_errmsg_mentions("no such database");
  ck_assert_int_eq(walsafe_handle_count(ts_path("no/such/dir/x.db")), -SQLITE_NOTFOUND);
  free(big);
}
END_TEST

START_TEST(delete_database_rejects_null_empty_oversize_and_missing_paths) {
  char *big = oversize_path();
  ck_assert_int_eq(walsafe_delete_database(0, 10), SQLITE_MISUSE);
  assert_errmsg_mentions("NULL");
  ck_assert_int_eq(walsafe_delete_database("", 10), SQLITE_MISUSE);
  assert_errmsg_mentions("empty");
  ck_assert_int_eq(walsafe_delete_database(big, 10), SQLITE_MISUSE);
  assert_errmsg_mentions("longer than");
  ck_assert_int_eq(walsafe_delete_database(ts_path("missing.db"), 10), SQLITE_NOTFOUND);
  assert_errmsg_mentions("no such database");
  ck_assert_int_eq(walsafe_delete_database(ts_path("no/such/dir/x.db"), 10), SQLITE_NOTFOUND);
  free(big);
}
END_TEST

START_TEST(delete_database_rejects_timeouts_out_of_range) {
  sqlite3 *db = ts_open_rw(ts_path("x.db"), "unix");
  ts_exec(db, "CREATE TABLE t(x)");
  ts_close(db);
  ck_assert_int_eq(walsafe_delete_database(ts_path("x.db"), -1), SQLITE_MISUSE);
  assert_errmsg_mentions("out of range");
  ck_assert_int_eq(walsafe_delete_database(ts_path("x.db"), WALSAFE_MAX_RETRY_MS + 1), SQLITE_MISUSE);
  ck_assert(ts_exists(ts_path("x.db")));
  ck_assert_int_eq(walsafe_delete_database(ts_path("x.db"), WALSAFE_MAX_RETRY_MS), SQLITE_OK);
}
END_TEST

START_TEST(status_rejects_bad_paths_and_reports_counters_for_unknown_ones) {
  char *big = oversize_path(), *text;
  ck_assert_ptr_null(walsafe_status(""));
  assert_errmsg_mentions("empty");
  ck_assert_ptr_null(walsafe_status(big));
  assert_errmsg_mentions("longer than");
  text = walsafe_status(ts_path("missing.db"));
  ck_assert_ptr_nonnull(text);
  ck_assert_ptr_null(strstr(text, "database="));
  ck_assert_ptr_nonnull(strstr(text, "files_open="));
  sqlite3_free(text);
  text = walsafe_status(0);
  ck_assert_ptr_nonnull(text);
  ck_assert_ptr_nonnull(strstr(text, "vfs=walsafe/unix"));
  sqlite3_free(text);
  free(big);
}
END_TEST

START_TEST(get_counters_rejects_null) {
  ck_assert_int_eq(walsafe_get_counters(0), SQLITE_MISUSE);
  assert_errmsg_mentions("NULL");
}
END_TEST

START_TEST(errmsg_is_cleared_by_the_next_success) {
  ck_assert_int_eq(walsafe_handle_count(""), -SQLITE_MISUSE);
  ck_assert_str_ne(walsafe_errmsg(), "");
  ck_assert_int_eq(walsafe_config(WALSAFE_CONFIG_RETRY_MS, -1, 0), SQLITE_OK);
  ck_assert_str_eq(walsafe_errmsg(), "");
}
END_TEST

/* ---- options ---- */

START_TEST(config_rejects_unknown_options_and_out_of_range_values) {
  int old = -7;
  ck_assert_int_eq(walsafe_config(0, 1, &old), SQLITE_MISUSE);
  assert_errmsg_mentions("unknown option");
  ck_assert_int_eq(walsafe_config(99, 1, 0), SQLITE_MISUSE);
  ck_assert_int_eq(old, -7); /* untouched on error */
  ck_assert_int_eq(walsafe_config(WALSAFE_CONFIG_RETRY_MS, WALSAFE_MAX_RETRY_MS + 1, 0), SQLITE_MISUSE);
  assert_errmsg_mentions("out of range");
  ck_assert_int_eq(walsafe_config(WALSAFE_CONFIG_CLEANUP, 3, 0), SQLITE_MISUSE);
  /* Still the defaults. */
  ck_assert_int_eq(walsafe_config(WALSAFE_CONFIG_RETRY_MS, -1, &old), SQLITE_OK);
  ck_assert_int_eq(old, WALSAFE_DEFAULT_RETRY_MS);
  ck_assert_int_eq(walsafe_config(WALSAFE_CONFIG_CLEANUP, -1, &old), SQLITE_OK);
  ck_assert_int_eq(old, WALSAFE_CLEANUP_AUTO);
}
END_TEST

START_TEST(config_negative_value_reads_without_changing) {
  int old = -1;
  ck_assert_int_eq(walsafe_config(WALSAFE_CONFIG_RETRY_MS, 1234, 0), SQLITE_OK);
  ck_assert_int_eq(walsafe_config(WALSAFE_CONFIG_RETRY_MS, -5, &old), SQLITE_OK);
  ck_assert_int_eq(old, 1234);
  ck_assert_int_eq(walsafe_config(WALSAFE_CONFIG_RETRY_MS, WALSAFE_MAX_RETRY_MS, &old), SQLITE_OK);
  ck_assert_int_eq(old, 1234);
  ck_assert_int_eq(walsafe_config(WALSAFE_CONFIG_RETRY_MS, 0, &old), SQLITE_OK);
  ck_assert_int_eq(old, WALSAFE_MAX_RETRY_MS);
}
END_TEST

START_TEST(bad_uri_parameter_values_make_the_open_fail_with_misuse) {
  static const char *bad[] = {"walsafe_retry_ms=-1",   "walsafe_retry_ms=abc",    "walsafe_retry_ms=99999999",
                              "walsafe_retry_ms=",     "walsafe_retry_ms=600001", "walsafe_retry_ms=12x",
                              "walsafe_cleanup=maybe", "walsafe_cleanup=",        "walsafe_cleanup=forced"};
  walsafe_counters before = ts_counters();
  size_t i;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char *uri = sqlite3_mprintf("file:%s?%s", ts_path("x.db"), bad[i]);
    sqlite3 *db = 0;
    int rc;
    ts_log_clear();
    rc = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI, "walsafe");
    ck_assert_msg(rc == SQLITE_MISUSE, "%s: open gave %d", bad[i], rc);
    ck_assert_msg(ts_log_contains(SQLITE_MISUSE, "bad URI parameter"), "%s: no log line", bad[i]);
    sqlite3_close(db);
    sqlite3_free(uri);
  }
  ck_assert(!ts_exists(ts_path("x.db")));
  ck_assert_int_eq(ts_counters().files_open, before.files_open);
  ck_assert_int_eq(ts_counters().databases_tracked, before.databases_tracked);
}
END_TEST

START_TEST(uri_parameter_values_at_the_limits_are_accepted) {
  static const char *good[] = {"walsafe_retry_ms=0", "walsafe_retry_ms=600000", "walsafe_cleanup=AUTO",
                               "walsafe_cleanup=off", "walsafe_cleanup=force"};
  size_t i;
  for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
    char *uri = sqlite3_mprintf("file:%s?%s", ts_path("x.db"), good[i]);
    sqlite3 *db = ts_open(uri, "walsafe", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI);
    ts_exec(db, "CREATE TABLE IF NOT EXISTS t(x)");
    ts_close(db);
    sqlite3_free(uri);
  }
}
END_TEST

/* ---- SQL functions ---- */

static sqlite3 *g_fn_db;

static void functions_setup(void) {
  char *err = 0;
  ts_setup();
  g_fn_db = ts_open_rw(ts_path("control.db"), "walsafe");
  ck_assert_int_eq(sqlite3_walsafe_init(g_fn_db, &err, 0), SQLITE_OK_LOAD_PERMANENTLY);
  ck_assert_ptr_null(err);
}

static void functions_teardown(void) {
  sqlite3_close(g_fn_db);
  g_fn_db = 0;
  /* sqlite3_walsafe_init made walsafe the default and added an auto
  ** extension: put the process back as the other tests expect it. */
  sqlite3_reset_auto_extension();
  sqlite3_vfs_register(sqlite3_vfs_find("unix"), 1);
  ts_teardown();
}

/* Run sql on the control connection; it must fail with code rc and a
** message mentioning `word`. */
static void assert_sql_fails(const char *sql, int rc, const char *word) {
  int got = sqlite3_exec(g_fn_db, sql, 0, 0, 0);
  ck_assert_msg(got == rc, "%s: gave %d (%s), expected %d", sql, got, sqlite3_errmsg(g_fn_db), rc);
  ck_assert_msg(strstr(sqlite3_errmsg(g_fn_db), word) != 0, "%s: message \"%s\" lacks \"%s\"", sql,
                sqlite3_errmsg(g_fn_db), word);
}

START_TEST(sql_handle_count_rejects_non_text_empty_oversize_and_missing_paths) {
  char *sql = sqlite3_mprintf("SELECT walsafe_handle_count('/%070000d')", 0);
  assert_sql_fails("SELECT walsafe_handle_count(NULL)", SQLITE_MISUSE, "must be text");
  assert_sql_fails("SELECT walsafe_handle_count(42)", SQLITE_MISUSE, "must be text");
  assert_sql_fails("SELECT walsafe_handle_count(x'00')", SQLITE_MISUSE, "must be text");
  assert_sql_fails("SELECT walsafe_handle_count('')", SQLITE_MISUSE, "empty");
  assert_sql_fails(sql, SQLITE_MISUSE, "longer than");
  assert_sql_fails("SELECT walsafe_handle_count('/no/such/dir/x.db')", SQLITE_NOTFOUND, "no such database");
  sqlite3_free(sql);
  sql = sqlite3_mprintf("SELECT walsafe_handle_count('%q')", ts_path("control.db"));
  ck_assert_int_eq(ts_query_int(g_fn_db, sql), 1);
  sqlite3_free(sql);
}
END_TEST

START_TEST(sql_delete_database_rejects_bad_paths_and_timeouts) {
  assert_sql_fails("SELECT walsafe_delete_database(NULL)", SQLITE_MISUSE, "must be text");
  assert_sql_fails("SELECT walsafe_delete_database(7)", SQLITE_MISUSE, "must be text");
  assert_sql_fails("SELECT walsafe_delete_database('')", SQLITE_MISUSE, "empty");
  assert_sql_fails("SELECT walsafe_delete_database('/no/such/x.db', -1)", SQLITE_MISUSE, "timeout_ms");
  assert_sql_fails("SELECT walsafe_delete_database('/no/such/x.db', 'abc')", SQLITE_MISUSE, "timeout_ms");
  assert_sql_fails("SELECT walsafe_delete_database('/no/such/x.db', 1.5)", SQLITE_MISUSE, "timeout_ms");
  assert_sql_fails("SELECT walsafe_delete_database('/no/such/x.db', 600001)", SQLITE_MISUSE, "timeout_ms");
  assert_sql_fails("SELECT walsafe_delete_database('/no/such/x.db', 10)", SQLITE_NOTFOUND, "no such database");
  assert_sql_fails("SELECT walsafe_delete_database()", SQLITE_ERROR, "wrong number of arguments");
  assert_sql_fails("SELECT walsafe_handle_count('a', 'b')", SQLITE_ERROR, "wrong number of arguments");
}
END_TEST

START_TEST(sql_functions_refuse_to_run_from_views_and_triggers) {
  ts_exec(g_fn_db, "CREATE VIEW v AS SELECT walsafe_handle_count('x') AS n");
  assert_sql_fails("SELECT * FROM v", SQLITE_ERROR, "unsafe use");
}
END_TEST

START_TEST(sql_functions_reach_connections_opened_later) {
  sqlite3 *db = ts_open_rw(ts_path("later.db"), 0); /* walsafe is the default now */
  char *name = 0, *sql;
  ck_assert_int_eq(sqlite3_file_control(db, "main", SQLITE_FCNTL_VFSNAME, &name), SQLITE_OK);
  ck_assert_str_eq(name, "walsafe/unix");
  sqlite3_free(name);
  sql = sqlite3_mprintf("SELECT walsafe_handle_count('%q')", ts_path("later.db"));
  ck_assert_int_eq(ts_query_int(db, sql), 1);
  sqlite3_free(sql);
  ts_close(db);
}
END_TEST

static Suite *bad_input_suite(void) {
  Suite *s = suite_create("bad_input");
  TCase *unreg = tcase_create("before_registration");
  TCase *api = tcase_create("api");
  TCase *sql = tcase_create("sql_functions");
  tcase_add_checked_fixture(unreg, unregistered_setup, unregistered_teardown);
  tcase_add_test(unreg, every_api_function_before_registration_is_misuse);
  tcase_add_test(unreg, opening_through_walsafe_before_registration_fails_cleanly);
  tcase_add_test(unreg, register_over_a_nonexistent_parent_is_an_error);
  tcase_add_test(unreg, register_over_itself_is_misuse);
  suite_add_tcase(s, unreg);
  tcase_add_checked_fixture(api, ts_setup, ts_teardown);
  tcase_set_timeout(api, 30);
  tcase_add_test(api, registering_again_is_harmless_and_may_change_the_default);
  tcase_add_test(api, registering_over_a_different_parent_is_misuse);
  tcase_add_test(api, unregister_with_a_file_open_is_busy_and_changes_nothing);
  tcase_add_test(api, handle_count_rejects_null_empty_oversize_and_missing_paths);
  tcase_add_test(api, delete_database_rejects_null_empty_oversize_and_missing_paths);
  tcase_add_test(api, delete_database_rejects_timeouts_out_of_range);
  tcase_add_test(api, status_rejects_bad_paths_and_reports_counters_for_unknown_ones);
  tcase_add_test(api, get_counters_rejects_null);
  tcase_add_test(api, errmsg_is_cleared_by_the_next_success);
  tcase_add_test(api, config_rejects_unknown_options_and_out_of_range_values);
  tcase_add_test(api, config_negative_value_reads_without_changing);
  tcase_add_test(api, bad_uri_parameter_values_make_the_open_fail_with_misuse);
  tcase_add_test(api, uri_parameter_values_at_the_limits_are_accepted);
  suite_add_tcase(s, api);
  tcase_add_checked_fixture(sql, functions_setup, functions_teardown);
  tcase_add_test(sql, sql_handle_count_rejects_non_text_empty_oversize_and_missing_paths);
  tcase_add_test(sql, sql_delete_database_rejects_bad_paths_and_timeouts);
  tcase_add_test(sql, sql_functions_refuse_to_run_from_views_and_triggers);
  tcase_add_test(sql, sql_functions_reach_connections_opened_later);
  suite_add_tcase(s, sql);
  return s;
}

int main(void) {
  ts_process_init(1);
  return ts_run(bad_input_suite());
}
