/*
** test_win_journal.c: the rollback journal under a scanner. In journal_mode=DELETE, deleting the -journal is the
*commit. A
** scanner holding it longer than the win32 VFS's own retry (~1.4 s) makes a
** plain commit fail; through walsafe the commit waits within the budget,
** and past the budget fails with SQLITE_IOERR_DELETE, never a silent
** success. Reopening proves what was committed is there, and only that.
*/
#include <stdio.h>
#include <string.h>

#include "win_support.h"

typedef struct outcome {
  int rc;      /* extended result of COMMIT */
  double ms;   /* how long COMMIT took */
  int rows;    /* rows after the scanner let go and the database was reopened */
  int journal; /* the -journal still exists after that reopen */
} outcome;

/* One committed row, then a transaction adding a second whose -journal a
** scanner holds hold_ms from before the COMMIT (hold_ms < 0: until the
** COMMIT has returned, however long that takes). zDb may carry URI
** parameters (zFile is the plain name). */
static outcome commit_under_scanner(const char *zUri, const char *zFile, const char *zVfs, int hold_ms) {
  char journal[MAX_PATH * 3];
  outcome o;
  sqlite3 *db = tw_open(zUri, zVfs);
  tw_scanner s;
  double t0;
  tw_side_path(journal, sizeof(journal), zFile, "-journal");
  tw_exec(db, "PRAGMA journal_mode=DELETE; CREATE TABLE t(x); INSERT INTO t VALUES('committed before')");
  tw_exec(db, "BEGIN; INSERT INTO t VALUES('the commit under test')");
  ck_assert(tw_exists(journal));
  tw_scanner_start(&s, journal, TW_SHARE_RW, hold_ms);
  t0 = tw_now_ms();
  sqlite3_exec(db, "COMMIT", 0, 0, 0);
  o.ms = tw_now_ms() - t0;
  o.rc = sqlite3_extended_errcode(db);
  if (hold_ms < 0) tw_scanner_release(&s);
  tw_scanner_join(&s);
  sqlite3_close(db);
  db = tw_open(zUri, zVfs);
  o.rows = tw_query_int(db, "SELECT count(*) FROM t");
  tw_close(db);
  o.journal = tw_exists(journal);
  printf("%s, -journal held %d ms: COMMIT rc=%d (%s) after %.0f ms; reopened: %d row(s), -journal %s\n", zVfs, hold_ms,
         o.rc, sqlite3_errstr(o.rc), o.ms, o.rows, o.journal ? "LEFT" : "gone");
  return o;
}

START_TEST(plain_commit_fails_when_the_scanner_outlasts_the_native_retry) {
  char dir[MAX_PATH * 3], db[MAX_PATH * 3];
  outcome o;
  tw_use_plain();
  tw_scratch_dir(dir, sizeof(dir), "jplain");
  tw_scratch_path(db, sizeof(db), dir, "j.db");
  /* Held until the COMMIT returns: the native retry gives up after its
  ** count of retries, however long its sleeps take on a loaded machine. */
  o = commit_under_scanner(db, db, "win32", -1);
  ck_assert_int_eq(o.rc, SQLITE_IOERR_DELETE);
  ck_assert_int_eq(o.rows, 1); /* the hot journal rolled the failed commit back */
  ck_assert(!o.journal);
  tw_scratch_remove(dir);
}
END_TEST

START_TEST(walsafe_commit_succeeds_when_the_hold_is_within_the_budget) {
  char dir[MAX_PATH * 3], db[MAX_PATH * 3];
  outcome o;
  tw_use_walsafe(3000);
  tw_scratch_dir(dir, sizeof(dir), "jwithin");
  tw_scratch_path(db, sizeof(db), dir, "j.db");
  o = commit_under_scanner(db, db, WALSAFE_VFS_NAME, 2000); /* > native 1.4 s, < 3 s */
  ck_assert_int_eq(o.rc, SQLITE_OK);
  ck_assert_double_ge(o.ms, 1900);
  ck_assert_int_eq(o.rows, 2);
  ck_assert(!o.journal);
  tw_scratch_remove(dir);
}
END_TEST

START_TEST(walsafe_commit_fails_with_ioerr_delete_when_the_hold_outlasts_the_budget) {
  char dir[MAX_PATH * 3], db[MAX_PATH * 3], uri[MAX_PATH * 4];
  outcome o;
  walsafe_counters c0, c1;
  tw_use_walsafe(3000);
  tw_scratch_dir(dir, sizeof(dir), "jbeyond");
  tw_scratch_path(db, sizeof(db), dir, "j.db");
  snprintf(uri, sizeof(uri), "file:///%s?walsafe_retry_ms=500", db);
  {
    char *p;
    for (p = uri; *p; p++)
      if (*p == '\\') *p = '/';
  }
  walsafe_get_counters(&c0);
  o = commit_under_scanner(uri, db, WALSAFE_VFS_NAME, 2500);
  walsafe_get_counters(&c1);
  ck_assert_int_eq(o.rc, SQLITE_IOERR_DELETE);
  ck_assert_double_ge(o.ms, 450);
  ck_assert_double_lt(o.ms, 2500);
  ck_assert_int_eq(o.rows, 1); /* reported failed, and not there: consistent */
  ck_assert(!o.journal);
  ck_assert_int_gt(c1.retry_giveups, c0.retry_giveups);
  ck_assert_int_eq(c1.deletes_deferred, c0.deletes_deferred); /* a journal delete is never deferred */
  tw_scratch_remove(dir);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("win_journal");
  TCase *t = tcase_create("journal");
  tcase_add_test(t, plain_commit_fails_when_the_scanner_outlasts_the_native_retry);
  tcase_add_test(t, walsafe_commit_succeeds_when_the_hold_is_within_the_budget);
  tcase_add_test(t, walsafe_commit_fails_with_ioerr_delete_when_the_hold_outlasts_the_budget);
  suite_add_tcase(s, t);
  return s;
}

int main(int argc, char **argv) {
  tw_log_install();
  return tw_run(suite(), argc, argv);
}
