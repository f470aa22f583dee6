/*
** test_registry.c: the per-database registry and path identity. One entry
** per database whatever the spelling of its path; handles counted by kind
** (main, -wal, rollback journal; shm mappings apart); entries freed when the
** last handle closes.
*/
#define _GNU_SOURCE 1
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support.h"
#include "walsafe_int.h"

/* Does PRAGMA walsafe_status of db contain z? */
static int status_has(sqlite3 *db, const char *z) {
  char *text = ts_query_text(db, "PRAGMA walsafe_status");
  int found = strstr(text, z) != 0;
  if (!found) fprintf(stderr, "walsafe_status lacks \"%s\":\n%s\n", z, text);
  sqlite3_free(text);
  return found;
}

START_TEST(every_spelling_of_a_path_counts_the_same_handles) {
  char abs_path[PATH_MAX], dotdot[PATH_MAX], via_dirlink[PATH_MAX];
  sqlite3 *db;
  snprintf(abs_path, sizeof(abs_path), "%s", ts_path("x.db"));
  snprintf(dotdot, sizeof(dotdot), "%s", ts_path("a/../x.db"));
  snprintf(via_dirlink, sizeof(via_dirlink), "%s", ts_path("dirlink/x.db"));
  ck_assert_int_eq(mkdir(ts_path("a"), 0755), 0);
  ck_assert_int_eq(symlink(abs_path, ts_path("filelink.db")), 0);
  ck_assert_int_eq(symlink(ts_dir(), ts_path("dirlink")), 0);
  ts_make_wal_db(abs_path, "walsafe", 3);
  db = ts_open_rw(abs_path, "walsafe");
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 3); /* opens the -wal */
  ck_assert_int_eq(walsafe_handle_count(abs_path), 2);
  ck_assert_int_eq(walsafe_handle_count(dotdot), 2);
  ck_assert_int_eq(walsafe_handle_count(ts_path("filelink.db")), 2);
  ck_assert_int_eq(walsafe_handle_count(via_dirlink), 2);
  ck_assert_int_eq(walsafe_handle_count(ts_path("./x.db")), 2);
  ck_assert_int_eq(chdir(ts_path("a")), 0);
  ck_assert_int_eq(walsafe_handle_count("../x.db"), 2);
  ck_assert_int_eq(walsafe_handle_count("../filelink.db"), 2);
  ts_close(db);
  ck_assert_int_eq(walsafe_handle_count("../x.db"), 0);
}
END_TEST

START_TEST(opens_under_different_spellings_share_one_entry) {
  const char *abs_path = ts_path("y.db");
  sqlite3 *a, *b, *c;
  long long before;
  ts_make_wal_db(abs_path, "walsafe", 1);
  ck_assert_int_eq(symlink(abs_path, ts_path("ylink.db")), 0);
  ck_assert_int_eq(chdir(ts_dir()), 0);
  before = ts_counters().databases_tracked;
  a = ts_open_rw("y.db", "walsafe");
  b = ts_open_rw(ts_path("ylink.db"), "walsafe");
  c = ts_open_rw("./sub/../y.db", "walsafe"); /* sub does not exist: the
                                                 unix VFS resolves .. textually */
  ck_assert_int_eq(ts_counters().databases_tracked, before + 1);
  ck_assert_int_eq(walsafe_handle_count(abs_path), 3);
  ck_assert(status_has(a, "main=3"));
  ts_close(a);
  ts_close(b);
  ck_assert_int_eq(walsafe_handle_count("y.db"), 1);
  ts_close(c);
  ck_assert_int_eq(ts_counters().databases_tracked, before);
}
END_TEST

START_TEST(wal_mode_counts_main_and_wal_handles_per_connection) {
  const char *path = ts_path("w.db");
  sqlite3 *a, *b;
  ts_make_wal_db(path, "walsafe", 2);
  a = ts_open_rw(path, "walsafe");
  ck_assert_int_eq(walsafe_handle_count(path), 1); /* the -wal opens on first read */
  ck_assert_int_eq(ts_query_int(a, "SELECT count(*) FROM t"), 2);
  b = ts_open_rw(path, "walsafe");
  ck_assert_int_eq(ts_query_int(b, "SELECT count(*) FROM t"), 2);
  ck_assert_int_eq(walsafe_handle_count(path), 4);
  ck_assert(status_has(a, "handles=4 main=2 wal=2 journal=0"));
  ts_close(b);
  ck_assert_int_eq(walsafe_handle_count(path), 2);
  ts_close(a);
  ck_assert_int_eq(walsafe_handle_count(path), 0);
}
END_TEST

START_TEST(shm_mappings_are_reported_but_not_counted_as_handles) {
  const char *path = ts_path("s.db");
  sqlite3 *db;
  ts_make_wal_db(path, "walsafe", 1);
  db = ts_open_rw(path, "walsafe");
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 1);
  ck_assert(status_has(db, "shm=1"));
  ck_assert_int_eq(walsafe_handle_count(path), 2);
  ts_close(db);
}
END_TEST

START_TEST(rollback_journal_is_counted_while_a_write_transaction_has_it_open) {
  const char *path = ts_path("j.db");
  sqlite3 *db = ts_open_rw(path, "walsafe");
  ts_exec(db, "PRAGMA journal_mode=DELETE; CREATE TABLE t(x)");
  ck_assert_int_eq(walsafe_handle_count(path), 1);
  ts_exec(db, "BEGIN; INSERT INTO t VALUES (1)");
  ck_assert_int_eq(walsafe_handle_count(path), 2);
  ck_assert(status_has(db, "main=1 wal=0 journal=1"));
  ts_exec(db, "COMMIT");
  ck_assert_int_eq(walsafe_handle_count(path), 1);
  ts_close(db);
  ck_assert_int_eq(walsafe_handle_count(path), 0);
}
END_TEST

START_TEST(many_databases_get_one_entry_each_and_all_are_freed_after_close) {
  enum { N = 64 };
  sqlite3 *dbs[N];
  walsafe_counters before = ts_counters(), during, after;
  char name[32];
  int i;
  for (i = 0; i < N; i++) {
    snprintf(name, sizeof(name), "m%02d.db", i);
    dbs[i] = ts_open_rw(ts_path(name), "walsafe");
    ts_exec(dbs[i], "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1)");
  }
  during = ts_counters();
  ck_assert_int_eq(during.databases_tracked, before.databases_tracked + N);
  ck_assert_int_eq(during.files_open, before.files_open + 2 * N); /* main + -wal each */
  for (i = 0; i < N; i++) {
    snprintf(name, sizeof(name), "m%02d.db", i);
    ck_assert_int_eq(walsafe_handle_count(ts_path(name)), 2);
  }
  for (i = 0; i < N; i++)
    ts_close(dbs[i]);
  after = ts_counters();
  ck_assert_int_eq(after.databases_tracked, before.databases_tracked);
  ck_assert_int_eq(after.files_open, before.files_open);
  for (i = 0; i < N; i++) {
    snprintf(name, sizeof(name), "m%02d.db", i);
    ck_assert_uint_eq(ts_files_left(ts_path(name)), TS_MAIN);
  }
}
END_TEST

START_TEST(temp_files_and_temp_databases_are_not_tracked) {
  walsafe_counters before = ts_counters();
  sqlite3 *db = ts_open_rw("", "walsafe"); /* a temp database: zName NULL */
  ts_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1)");
  ts_exec(db, "CREATE TEMP TABLE tt(y); INSERT INTO tt SELECT x FROM t");
  ck_assert_int_eq(ts_counters().databases_tracked, before.databases_tracked);
  ts_close(db);
  ck_assert_int_eq(ts_counters().files_open, before.files_open);
}
END_TEST

START_TEST(connections_through_the_plain_vfs_are_not_counted) {
  const char *path = ts_path("plain.db");
  sqlite3 *db;
  ts_make_wal_db(path, "unix", 1);
  db = ts_open_rw(path, "unix");
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 1);
  ck_assert_int_eq(walsafe_handle_count(path), 0);
  ts_close(db);
}
END_TEST

START_TEST(existing_file_never_opened_counts_zero_and_missing_file_is_notfound) {
  const char *path = ts_path("never.db");
  sqlite3 *db = ts_open_rw(path, "unix");
  ts_close(db);
  ck_assert_int_eq(walsafe_handle_count(path), 0);
  ck_assert_int_eq(walsafe_handle_count(ts_path("missing.db")), -SQLITE_NOTFOUND);
  ck_assert_str_ne(walsafe_errmsg(), "");
}
END_TEST

START_TEST(side_file_names_map_to_their_database) {
  size_t n = 0;
  ck_assert_int_eq(ws_side_of_path("/d/x.db-wal", &n), WS_SIDE_WAL);
  ck_assert_uint_eq(n, strlen("/d/x.db"));
  ck_assert_int_eq(ws_side_of_path("/d/x.db-shm", &n), WS_SIDE_SHM);
  ck_assert_uint_eq(n, strlen("/d/x.db"));
  ck_assert_int_eq(ws_side_of_path("/d/x.db-journal", &n), WS_SIDE_JOURNAL);
  ck_assert_uint_eq(n, strlen("/d/x.db"));
  ck_assert_int_eq(ws_side_of_path("/d/x.db", &n), WS_SIDE_MAIN);
  ck_assert_uint_eq(n, strlen("/d/x.db"));
  ck_assert_int_eq(ws_side_of_path("-wal", &n), WS_SIDE_MAIN); /* no database name before it */
}
END_TEST

/* Paths that differ only in their last characters (db-00 .. db-99) must
** spread over the shards (hash & 15) and over a shard's slots (the bits
** above): otherwise every open walks one long chain under one mutex. */
START_TEST(paths_differing_only_at_the_end_spread_over_shards_and_slots) {
  static const char *formats[] = {"/tmp/abcd/db-%02d", "/tmp/abc/db-%02d", "/tmp/a/b/c/test%02d.db", "/x/%06d"};
  size_t f;
  for (f = 0; f < sizeof(formats) / sizeof(formats[0]); f++) {
    int shards[16] = {0}, slots[1024] = {0}, nShards = 0, nSlots = 0, i;
    for (i = 0; i < 100; i++) {
      char z[64];
      unsigned h;
      snprintf(z, sizeof(z), formats[f], i);
      h = ws_hash(z, strlen(z));
      nShards += shards[h & 15]++ == 0;
      nSlots += slots[(h >> 4) & 1023]++ == 0;
    }
    /* 100 random draws: 16 shards are all hit, and about 95 of 1024 slots. */
    ck_assert_msg(nShards >= 14, "%s: %d shards of 16", formats[f], nShards);
    ck_assert_msg(nSlots >= 80, "%s: %d distinct slots of 1024", formats[f], nSlots);
  }
}
END_TEST

START_TEST(registry_entry_lives_while_referenced_and_is_freed_on_last_release) {
  char *full = 0;
  ws_db *a, *b;
  long long before = ts_counters().databases_tracked;
  ck_assert_int_eq(ws_full_pathname(ts_path("unit.db"), &full), SQLITE_OK);
  ck_assert_ptr_null(ws_registry_find(full));
  a = ws_registry_acquire(full);
  ck_assert_ptr_nonnull(a);
  b = ws_registry_find(full);
  ck_assert_ptr_eq(a, b);
  ck_assert_int_eq(ts_counters().databases_tracked, before + 1);
  ws_registry_release(b);
  ck_assert_ptr_eq(ws_registry_find(full), a);
  ws_registry_release(a); /* the find just above */
  ws_registry_release(a);
  ck_assert_ptr_null(ws_registry_find(full));
  ck_assert_int_eq(ts_counters().databases_tracked, before);
  sqlite3_free(full);
}
END_TEST

/* walsafe_open_databases(): which databases, what is open, since when. */
START_TEST(open_databases_lists_every_database_with_handles_and_nothing_after_close) {
  sqlite3 *a = ts_open_rw(ts_path("a \"quoted\".db"), "walsafe"), *b = ts_open_rw(ts_path("b.db"), "walsafe");
  char *json, *expected;
  ts_exec(a, "PRAGMA journal_mode=WAL; CREATE TABLE t(x);");
  ts_exec(b, "CREATE TABLE t(x);");
  json = walsafe_open_databases();
  ck_assert_ptr_nonnull(json);
  ck_assert_int_eq(json[0], '[');
  expected = sqlite3_mprintf("%s/a \\\"quoted\\\".db\", \"handles\": 2, \"main\": 1, \"wal\": 1", ts_dir());
  ck_assert_msg(strstr(json, expected) != 0, "%s\nlacks %s", json, expected);
  sqlite3_free(expected);
  expected = sqlite3_mprintf("%s/b.db\", \"handles\": 1, \"main\": 1, \"wal\": 0", ts_dir());
  ck_assert_msg(strstr(json, expected) != 0, "%s\nlacks %s", json, expected);
  sqlite3_free(expected);
  ck_assert_ptr_nonnull(strstr(json, "{\"kind\": \"wal\", \"mode\": \"read-write\", \"open_ms\": "));
  sqlite3_free(json);
  ts_close(a);
  ts_close(b);
  json = walsafe_open_databases();
  ck_assert_str_eq(json, "[]");
  sqlite3_free(json);
}
END_TEST

/* The process-wide options from SQL, for clients without a C binding. */
START_TEST(walsafe_config_from_sql_returns_the_old_value_and_sets_the_new_one) {
  sqlite3 *db = ts_open_rw(":memory:", "unix");
  int old = 0;
  ck_assert_int_eq(ws_register_functions(db), SQLITE_OK);
  ck_assert_int_eq(ts_query_int(db, "SELECT walsafe_config('retry_ms', 1234)"), WALSAFE_DEFAULT_RETRY_MS);
  ck_assert_int_eq(walsafe_config(WALSAFE_CONFIG_RETRY_MS, -1, &old), SQLITE_OK);
  ck_assert_int_eq(old, 1234);
  ck_assert_int_eq(ts_query_int(db, "SELECT walsafe_config('RETRY_MS')"), 1234);
  {
    char *mode = ts_query_text(db, "SELECT walsafe_config('cleanup', 'force')");
    ck_assert_str_eq(mode, "auto");
    sqlite3_free(mode);
  }
  ck_assert_int_eq(walsafe_config(WALSAFE_CONFIG_CLEANUP, -1, &old), SQLITE_OK);
  ck_assert_int_eq(old, WALSAFE_CLEANUP_FORCE);
  ck_assert_int_eq(sqlite3_exec(db, "SELECT walsafe_config('retry_ms', -5)", 0, 0, 0), SQLITE_MISUSE);
  ck_assert_int_eq(sqlite3_exec(db, "SELECT walsafe_config('retry_ms', '10')", 0, 0, 0), SQLITE_MISUSE);
  /* JavaScript drivers bind every number as a real: a whole one is fine. */
  ck_assert_int_eq(ts_query_int(db, "SELECT walsafe_config('retry_ms', 250.0)"), 1234);
  ck_assert_int_eq(ts_query_int(db, "SELECT walsafe_config('retry_ms')"), 250);
  ck_assert_int_eq(sqlite3_exec(db, "SELECT walsafe_config('retry_ms', 250.5)", 0, 0, 0), SQLITE_MISUSE);
  ck_assert_int_eq(sqlite3_exec(db, "SELECT walsafe_config('retry_ms', 1e300)", 0, 0, 0), SQLITE_MISUSE);
  ck_assert_int_eq(sqlite3_exec(db, "SELECT walsafe_config('cleanup', 'sometimes')", 0, 0, 0), SQLITE_MISUSE);
  ck_assert_int_eq(sqlite3_exec(db, "SELECT walsafe_config('colour', 1)", 0, 0, 0), SQLITE_MISUSE);
  ck_assert_ptr_nonnull(strstr(sqlite3_errmsg(db), "'retry_ms' or 'cleanup'"));
  ck_assert_int_eq(sqlite3_exec(db, "SELECT walsafe_config(NULL)", 0, 0, 0), SQLITE_MISUSE);
  ck_assert_int_eq(ts_query_int(db, "SELECT walsafe_open_databases() = '[]'"), 1);
  ts_close(db);
}
END_TEST

static Suite *registry_suite(void) {
  Suite *s = suite_create("registry");
  TCase *tc = tcase_create("identity_and_counts");
  tcase_add_checked_fixture(tc, ts_setup, ts_teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, every_spelling_of_a_path_counts_the_same_handles);
  tcase_add_test(tc, opens_under_different_spellings_share_one_entry);
  tcase_add_test(tc, wal_mode_counts_main_and_wal_handles_per_connection);
  tcase_add_test(tc, shm_mappings_are_reported_but_not_counted_as_handles);
  tcase_add_test(tc, rollback_journal_is_counted_while_a_write_transaction_has_it_open);
  tcase_add_test(tc, many_databases_get_one_entry_each_and_all_are_freed_after_close);
  tcase_add_test(tc, temp_files_and_temp_databases_are_not_tracked);
  tcase_add_test(tc, connections_through_the_plain_vfs_are_not_counted);
  tcase_add_test(tc, existing_file_never_opened_counts_zero_and_missing_file_is_notfound);
  tcase_add_test(tc, side_file_names_map_to_their_database);
  tcase_add_test(tc, paths_differing_only_at_the_end_spread_over_shards_and_slots);
  tcase_add_test(tc, registry_entry_lives_while_referenced_and_is_freed_on_last_release);
  tcase_add_test(tc, open_databases_lists_every_database_with_handles_and_nothing_after_close);
  tcase_add_test(tc, walsafe_config_from_sql_returns_the_old_value_and_sets_the_new_one);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  ts_process_init(1);
  return ts_run(registry_suite());
}
