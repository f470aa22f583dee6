/*
** test_win_delete.c: walsafe_delete_database on Windows.
**   delete_under_scanner  a scanner holds one of the four files for less
**                         than the timeout: SQLITE_OK once it lets go (also
**                         when it shares delete: the name stays until
**                         then), and no file left
**   delete_busy           a connection still open in this process:
**                         SQLITE_BUSY with the open-handle report, nothing
**                         deleted
*/
#include <stdio.h>
#include <string.h>

#include "win_support.h"

#define HOLD_MS 1000
#define TIMEOUT_MS 5000

static const char *k_suffix[] = {"", "-wal", "-shm", "-journal"};

/* A closed database with rows, and the three side files as leftovers
** (empty: what a scanner-blocked close leaves through walsafe). */
static void make_database_and_leftovers(const char *zDb) {
  char z[MAX_PATH * 3];
  sqlite3 *db = tw_open(zDb, "win32");
  int i;
  tw_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES(1),(2),(3)");
  tw_close(db);
  for (i = 1; i < 4; i++) {
    tw_side_path(z, sizeof(z), zDb, k_suffix[i]);
    tw_create_empty(z);
  }
}

/* Loop index: file (0 db, 1 -wal, 2 -shm, 3 -journal) x share (RW, RWD). */
START_TEST(delete_returns_soon_after_the_scanner_lets_go) {
  int which = _i % 4;
  DWORD share = _i / 4 ? TW_SHARE_RWD : TW_SHARE_RW;
  char dir[MAX_PATH * 3], db[MAX_PATH * 3], held[MAX_PATH * 3], z[MAX_PATH * 3];
  tw_scanner s;
  double t0, t1, after_release;
  int rc, i;
  tw_use_walsafe(3000);
  tw_scratch_dir(dir, sizeof(dir), "del");
  tw_scratch_path(db, sizeof(db), dir, "d.db");
  make_database_and_leftovers(db);
  tw_side_path(held, sizeof(held), db, k_suffix[which]);
  tw_scanner_start(&s, held, share, HOLD_MS);
  t0 = tw_now_ms();
  rc = walsafe_delete_database(db, TIMEOUT_MS);
  t1 = tw_now_ms();
  tw_scanner_join(&s);
  after_release = t1 - s.released_ms;
  printf("delete_database, %s held %d ms with share %s: rc=%d after %.0f ms (%+.0f ms from the release)\n",
         which ? k_suffix[which] : "database", HOLD_MS, share == TW_SHARE_RWD ? "RWD" : "RW", rc, t1 - t0,
         after_release);
  ck_assert_msg(rc == SQLITE_OK, "rc=%d: %s", rc, walsafe_errmsg());
  /* The delete cannot be complete while the handle is open: without
  ** sharing delete it fails; with it, it is pending and the name stays
  ** until the scanner closes, and SQLITE_OK needs a final look that finds
  ** none of the four names. So the call returns after the release (how
  ** soon is measured by bench/, not asserted here: sleeps stretch on a
  ** loaded machine). */
  ck_assert_double_ge(after_release, -1);
  for (i = 0; i < 4; i++) {
    tw_side_path(z, sizeof(z), db, k_suffix[i]);
    ck_assert_msg(!tw_exists(z), "%s left", z);
  }
  tw_scratch_remove(dir);
}
END_TEST

START_TEST(delete_with_a_connection_open_is_busy_and_deletes_nothing) {
  char dir[MAX_PATH * 3], db[MAX_PATH * 3], wal[MAX_PATH * 3], shm[MAX_PATH * 3];
  sqlite3 *c;
  const char *zMsg;
  double t0, t1;
  int rc;
  tw_use_walsafe(3000);
  tw_scratch_dir(dir, sizeof(dir), "busy");
  tw_scratch_path(db, sizeof(db), dir, "b.db");
  tw_side_path(wal, sizeof(wal), db, "-wal");
  tw_side_path(shm, sizeof(shm), db, "-shm");
  c = tw_open_wal_with_rows(db, WALSAFE_VFS_NAME, 10);
  t0 = tw_now_ms();
  rc = walsafe_delete_database(db, 300);
  t1 = tw_now_ms();
  zMsg = walsafe_errmsg();
  printf("delete_database with a connection open: rc=%d after %.0f ms: %s\n", rc, t1 - t0, zMsg);
  ck_assert_int_eq(rc, SQLITE_BUSY);
  ck_assert_double_ge(t1 - t0, 290); /* it waited its timeout for the handles */
  ck_assert_ptr_nonnull(strstr(zMsg, "nothing deleted"));
  ck_assert_ptr_nonnull(strstr(zMsg, "main=1 wal=1"));
  ck_assert_ptr_nonnull(strstr(zMsg, "main handle (read-write) open for"));
  ck_assert(tw_exists(db));
  ck_assert_int_gt(tw_file_size(wal), 0);
  ck_assert(tw_exists(shm));
  ck_assert_int_eq(tw_query_int(c, "SELECT count(*) FROM t"), 10);
  tw_close(c);
  ck_assert_int_eq(walsafe_delete_database(db, 300), SQLITE_OK);
  ck_assert(!tw_exists(db));
  ck_assert(!tw_exists(wal));
  ck_assert(!tw_exists(shm));
  tw_scratch_remove(dir);
}
END_TEST

/* A connection of this process on the plain win32 VFS, idle in rollback
** mode: walsafe counts no handle of its and it holds no lock, but Windows
** refuses to delete the file under its handle (no FILE_SHARE_DELETE), and
** walsafe says so. */
START_TEST(a_plain_win32_connection_makes_the_delete_busy_and_is_named_as_a_handle_outside_walsafe) {
  char dir[MAX_PATH * 3], db[MAX_PATH * 3];
  sqlite3 *plain;
  const char *zMsg;
  int rc;
  tw_use_walsafe(3000);
  tw_scratch_dir(dir, sizeof(dir), "outside");
  tw_scratch_path(db, sizeof(db), dir, "o.db");
  plain = tw_open(db, "win32");
  tw_exec(plain, "PRAGMA journal_mode=DELETE; CREATE TABLE t(x); INSERT INTO t VALUES (1);");
  ck_assert_int_eq(walsafe_handle_count(db), 0);
  rc = walsafe_delete_database(db, 200);
  zMsg = walsafe_errmsg();
  printf("delete_database beside a plain win32 connection: rc=%d: %s\n", rc, zMsg);
  ck_assert_int_eq(rc, SQLITE_BUSY);
  ck_assert_ptr_nonnull(strstr(zMsg, "handle outside walsafe"));
  ck_assert(tw_exists(db));
  tw_exec(plain, "INSERT INTO t VALUES (2);"); /* still its database */
  ck_assert_int_eq(tw_query_int(plain, "SELECT count(*) FROM t"), 2);
  tw_close(plain);
  ck_assert_int_eq(walsafe_delete_database(db, 300), SQLITE_OK);
  ck_assert(!tw_exists(db));
  tw_scratch_remove(dir);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("win_delete");
  TCase *t = tcase_create("delete_under_scanner");
  tcase_add_loop_test(t, delete_returns_soon_after_the_scanner_lets_go, 0, 8);
  suite_add_tcase(s, t);
  t = tcase_create("delete_busy");
  tcase_add_test(t, delete_with_a_connection_open_is_busy_and_deletes_nothing);
  tcase_add_test(t, a_plain_win32_connection_makes_the_delete_busy_and_is_named_as_a_handle_outside_walsafe);
  suite_add_tcase(s, t);
  return s;
}

int main(int argc, char **argv) {
  tw_log_install();
  return tw_run(suite(), argc, argv);
}
