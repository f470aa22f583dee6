/*
** test_win_wal.c: the -wal under a scanner.
**   wal_cleanup   after the last close the -wal is gone or empty, never
**                 with frames; what is left goes at the next chance (next
**                 open, walsafe_delete_database, walsafe_unregister), never
**                 while another connection uses the -wal again
**   stale_replay  the plain win32 VFS replays a stale -wal onto a database
**                 copied to the same name; through walsafe the copy reads
**                 exactly as copied
*/
#include <stdio.h>
#include <string.h>

#include "win_support.h"

typedef struct files {
  char dir[MAX_PATH * 3], db[MAX_PATH * 3], wal[MAX_PATH * 3], shm[MAX_PATH * 3];
} files;

static void files_make(files *f, const char *zTag) {
  tw_scratch_dir(f->dir, sizeof(f->dir), zTag);
  tw_scratch_path(f->db, sizeof(f->db), f->dir, "app.db");
  tw_side_path(f->wal, sizeof(f->wal), f->db, "-wal");
  tw_side_path(f->shm, sizeof(f->shm), f->db, "-shm");
}

/* Close a WAL database of 100 rows through walsafe while a scanner holds
** its -wal (share), hold_ms (<0: until released). Returns the close time. */
static double close_under_scanner(files *f, tw_scanner *s, DWORD share, int hold_ms) {
  sqlite3 *db = tw_open_wal_with_rows(f->db, WALSAFE_VFS_NAME, 100);
  double t0;
  ck_assert_int_gt(tw_file_size(f->wal), 0);
  tw_scanner_start(s, f->wal, share, hold_ms);
  t0 = tw_now_ms();
  tw_close(db);
  return tw_now_ms() - t0;
}

static void expect_rows(const char *zDb, const char *zVfs, int n) {
  sqlite3 *db = tw_open(zDb, zVfs);
  ck_assert_int_eq(tw_query_int(db, "SELECT count(*) FROM t"), n);
  tw_close(db);
}

/* ---- wal_cleanup ---------------------------------------------------------------- */

START_TEST(wal_is_gone_after_close_when_the_scanner_lets_go_within_budget) {
  files f;
  tw_scanner s;
  double ms;
  tw_use_walsafe(3000);
  files_make(&f, "within");
  ms = close_under_scanner(&f, &s, TW_SHARE_RW, 1000);
  tw_scanner_join(&s);
  printf("close with the -wal held 1000 ms (budget 3000): %.0f ms\n", ms);
  ck_assert_double_ge(ms, 900);
  ck_assert(!tw_exists(f.wal));
  ck_assert(!tw_exists(f.shm));
  expect_rows(f.db, WALSAFE_VFS_NAME, 100);
  tw_scratch_remove(f.dir);
}
END_TEST

/* Two share modes x three next chances: loop index = mode * 3 + chance. */
START_TEST(wal_is_empty_after_close_and_removed_at_the_next_chance) {
  static const char *chances[] = {"next open", "walsafe_delete_database", "walsafe_unregister"};
  DWORD share = _i / 3 ? TW_SHARE_RWD : TW_SHARE_RW;
  int chance = _i % 3;
  files f;
  tw_scanner s;
  double ms;
  long long wal;
  tw_use_walsafe(300);
  files_make(&f, "outlast");
  ms = close_under_scanner(&f, &s, share, -1);
  wal = tw_file_size(f.wal);
  printf("share %s, scanner outlasting the budget (300 ms): close %.0f ms, -wal %lld bytes, -shm %s\n",
         share == TW_SHARE_RWD ? "RWD" : "RW", ms, wal, tw_exists(f.shm) ? "left" : "gone");
  ck_assert_msg(wal <= 0, "the -wal must be gone or empty after the last close, has %lld bytes", wal);
  ck_assert(!tw_exists(f.shm));
  tw_scanner_release(&s);
  tw_scanner_join(&s);
  switch (chance) {
    case 0: {
      sqlite3 *db = tw_open(f.db, WALSAFE_VFS_NAME);
      ck_assert_msg(!tw_exists(f.wal), "the next open should remove the empty -wal");
      ck_assert_int_eq(tw_query_int(db, "SELECT count(*) FROM t"), 100);
      tw_close(db);
      break;
    }
    case 1:
      expect_rows(f.db, "win32", 100); /* nothing was lost before deleting */
      ck_assert_int_eq(walsafe_delete_database(f.db, 2000), SQLITE_OK);
      ck_assert(!tw_exists(f.db));
      break;
    default: ck_assert_int_eq(walsafe_unregister(), SQLITE_OK); break;
  }
  printf("  after the scanner let go, %s: -wal %s\n", chances[chance], tw_exists(f.wal) ? "LEFT" : "gone");
  ck_assert(!tw_exists(f.wal));
  ck_assert(!tw_exists(f.shm));
  tw_scratch_remove(f.dir);
}
END_TEST

/*
** The -wal walsafe could only empty is used again by a connection that does
** not go through walsafe (the plain win32 VFS, same process: its locks are
** real file locks all the same) and holds frames that are not checkpointed.
** None of walsafe's next chances may delete or empty it.
*/
START_TEST(a_wal_another_connection_uses_again_is_never_deleted) {
  files f;
  tw_scanner s;
  sqlite3 *other, *db;
  int rc;
  tw_use_walsafe(300);
  files_make(&f, "reuse");
  close_under_scanner(&f, &s, TW_SHARE_RW, -1);
  ck_assert_int_eq(tw_file_size(f.wal), 0);
  other = tw_open(f.db, "win32");
  tw_exec(other, "PRAGMA wal_autocheckpoint=0; INSERT INTO t VALUES('written by the other connection')");
  ck_assert_int_gt(tw_file_size(f.wal), 0);
  tw_scanner_release(&s);
  tw_scanner_join(&s);
  /* Chance 1: the next open (and close) through walsafe. */
  db = tw_open(f.db, WALSAFE_VFS_NAME);
  ck_assert_int_eq(tw_query_int(db, "SELECT count(*) FROM t"), 101);
  tw_close(db);
  ck_assert(tw_exists(f.wal));
  /* Chance 2: walsafe_delete_database refuses: the database is in use. */
  rc = walsafe_delete_database(f.db, 300);
  printf("delete_database while another connection uses it: %d (%s)\n", rc, walsafe_errmsg());
  ck_assert_int_eq(rc, SQLITE_BUSY);
  ck_assert(tw_exists(f.db));
  ck_assert(tw_exists(f.wal));
  /* Chance 3: unregister. */
  ck_assert_int_eq(walsafe_unregister(), SQLITE_OK);
  ck_assert(tw_exists(f.wal));
  /* The other connection still works, and everything it wrote is there. */
  tw_exec(other, "INSERT INTO t VALUES('and again')");
  ck_assert_int_eq(tw_query_int(other, "SELECT count(*) FROM t"), 102);
  tw_close(other);
  tw_use_walsafe(3000);
  expect_rows(f.db, WALSAFE_VFS_NAME, 102);
  ck_assert(!tw_exists(f.wal));
  tw_scratch_remove(f.dir);
}
END_TEST

/* ---- stale_replay ---------------------------------------------------------------- */

/* A database of the same shape, different content: what a restore copies. */
static void make_other_database(const char *zPath) {
  sqlite3 *db = tw_open(zPath, "win32");
  tw_exec(db,
          "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES('copied-1'),('copied-2'),('copied-3');"
          "CREATE TABLE only_in_copy(y)");
  tw_close(db);
}

/* What the database at zDb reads as: "rows=N tables=M first=..." or the
** error it gives. */
static void describe(const char *zDb, const char *zVfs, char *zOut, int nOut) {
  sqlite3 *db = tw_open(zDb, zVfs);
  sqlite3_stmt *st = 0;
  int rc = sqlite3_prepare_v2(db,
                              "SELECT (SELECT count(*) FROM t), (SELECT count(*) FROM sqlite_schema), "
                              "(SELECT min(x) FROM t)",
                              -1, &st, 0);
  if (rc == SQLITE_OK) rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    snprintf(zOut, (size_t)nOut, "rows=%d tables=%d first=%s", sqlite3_column_int(st, 0), sqlite3_column_int(st, 1),
             (const char *)sqlite3_column_text(st, 2));
  } else {
    snprintf(zOut, (size_t)nOut, "error %d: %s", rc, sqlite3_errmsg(db));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
}

static const char *k_as_copied = "rows=3 tables=2 first=copied-1";

START_TEST(plain_win32_replays_a_stale_wal_onto_a_copied_database) {
  files f;
  char copy[MAX_PATH * 3], got[256];
  WCHAR w[MAX_PATH * 3];
  sqlite3 *db;
  tw_scanner s;
  tw_use_plain();
  files_make(&f, "plainreplay");
  tw_scratch_path(copy, sizeof(copy), f.dir, "backup.db");
  make_other_database(copy);
  describe(copy, "win32", got, sizeof(got));
  ck_assert_str_eq(got, k_as_copied);
  db = tw_open_wal_with_rows(f.db, "win32", 100);
  tw_scanner_start(&s, f.wal, TW_SHARE_RW, 2500); /* longer than the native ~1.4 s */
  tw_close(db);
  ck_assert_int_gt(tw_file_size(f.wal), 0); /* the stale -wal, frames and all */
  tw_scanner_join(&s);
  MultiByteToWideChar(CP_UTF8, 0, f.db, -1, w, MAX_PATH * 3);
  ck_assert(DeleteFileW(w));
  tw_copy_file(copy, f.db);
  describe(f.db, "win32", got, sizeof(got));
  printf("plain win32: the copied database reads as \"%s\" (copied: \"%s\")\n", got, k_as_copied);
  ck_assert_str_ne(got, k_as_copied);
  tw_scratch_remove(f.dir);
}
END_TEST

/* Loop 0: the scanner still holds the empty -wal when the copy is opened;
** loop 1: it let go before. */
START_TEST(walsafe_copied_database_reads_exactly_as_copied) {
  files f;
  char copy[MAX_PATH * 3], got[256];
  WCHAR w[MAX_PATH * 3];
  tw_scanner s;
  tw_use_walsafe(300);
  files_make(&f, "wsreplay");
  tw_scratch_path(copy, sizeof(copy), f.dir, "backup.db");
  make_other_database(copy);
  close_under_scanner(&f, &s, TW_SHARE_RW, -1);
  ck_assert_int_eq(tw_file_size(f.wal), 0);
  if (_i == 1) {
    tw_scanner_release(&s);
    tw_scanner_join(&s);
  }
  MultiByteToWideChar(CP_UTF8, 0, f.db, -1, w, MAX_PATH * 3);
  ck_assert(DeleteFileW(w));
  tw_copy_file(copy, f.db);
  describe(f.db, WALSAFE_VFS_NAME, got, sizeof(got));
  printf("walsafe (scanner %s): the copied database reads as \"%s\"\n", _i ? "gone" : "still holding", got);
  ck_assert_str_eq(got, k_as_copied);
  /* Byte for byte: reading it changed nothing. */
  ck_assert(tw_files_equal(f.db, copy));
  if (_i == 0) {
    tw_scanner_release(&s);
    tw_scanner_join(&s);
  }
  describe(f.db, WALSAFE_VFS_NAME, got, sizeof(got));
  ck_assert_str_eq(got, k_as_copied);
  ck_assert(!tw_exists(f.wal));
  tw_scratch_remove(f.dir);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("win_wal");
  TCase *t = tcase_create("wal_cleanup");
  tcase_add_test(t, wal_is_gone_after_close_when_the_scanner_lets_go_within_budget);
  tcase_add_loop_test(t, wal_is_empty_after_close_and_removed_at_the_next_chance, 0, 6);
  tcase_add_test(t, a_wal_another_connection_uses_again_is_never_deleted);
  suite_add_tcase(s, t);
  t = tcase_create("stale_replay");
  tcase_add_test(t, plain_win32_replays_a_stale_wal_onto_a_copied_database);
  tcase_add_loop_test(t, walsafe_copied_database_reads_exactly_as_copied, 0, 2);
  suite_add_tcase(s, t);
  return s;
}

int main(int argc, char **argv) {
  tw_log_install();
  return tw_run(suite(), argc, argv);
}
