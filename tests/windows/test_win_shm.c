/*
** test_win_shm.c: the -shm under a scanner.
**   shm_none  a scanner holds the -shm with share mode NONE while a new
**             connection reads a crashed writer's -wal: through walsafe the
**             read waits the hold out and sees every row; the plain win32
**             VFS fails the read with SQLITE_CANTOPEN
**   shm_read  a scanner holds the -shm sharing only read while a connection
**             (read-write, or read-only so that walsafe's last-close
**             checkpoint runs during the hold) reads and closes: through
**             walsafe, once the hold ends, nothing is left (no -wal, no
**             -shm) and every row is in the database; the plain win32 VFS
**             leaves the -wal with its frames
**
** The crashed writer: a plain win32 connection commits the rows into the
** -wal (no automatic checkpoint) and closes with
** SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, so the rows live only in the -wal and
** the -shm is left behind, as a writer that died leaves them. The next
** connection to open the -shm is the first (it gets the exclusive DMS lock),
** so the win32 VFS truncates it and the wal-index must be recovered from
** the -wal: the situation of a crash.
**
** No test assumes how long a sleep takes: the reader runs in a thread, the
** scanner holds until it is told to let go, and it is told only once the
** reader is seen waiting (walsafe counted a retry) or has finished.
*/
#include <stdio.h>
#include <string.h>

#include "win_support.h"

#define ROWS 5
#define BUDGET_MS 60000 /* generous: the hold is about 1 s */
#define HOLD_MS 1000    /* how long the scanner holds once the reader waits */
#define SHARE_NONE 0
#define SHARE_R FILE_SHARE_READ

typedef struct files {
  char dir[MAX_PATH * 3], db[MAX_PATH * 3], wal[MAX_PATH * 3], shm[MAX_PATH * 3];
} files;

static void files_make(files *f, const char *zTag) {
  tw_scratch_dir(f->dir, sizeof(f->dir), zTag);
  tw_scratch_path(f->db, sizeof(f->db), f->dir, "app.db");
  tw_side_path(f->wal, sizeof(f->wal), f->db, "-wal");
  tw_side_path(f->shm, sizeof(f->shm), f->db, "-shm");
}

/* The table is checkpointed into the database file; the ROWS rows, one
** transaction each, are only in the -wal. */
static void crashed_writer(const files *f) {
  sqlite3 *db = tw_open(f->db, "win32");
  int i, on = 0;
  tw_exec(db, "PRAGMA journal_mode=WAL; CREATE TABLE t(x); PRAGMA wal_checkpoint(TRUNCATE);");
  tw_exec(db, "PRAGMA wal_autocheckpoint=0");
  for (i = 0; i < ROWS; i++)
    tw_exec(db, "INSERT INTO t VALUES ('committed by the crashed writer')");
  ck_assert_int_eq(sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, &on), SQLITE_OK);
  ck_assert_int_eq(on, 1);
  tw_close(db);
  ck_assert_int_gt(tw_file_size(f->wal), 0);
  ck_assert(tw_exists(f->shm));
}

static void expect_rows(const char *zDb, const char *zVfs, int n) {
  sqlite3 *db = tw_open(zDb, zVfs);
  ck_assert_int_eq(tw_query_int(db, "SELECT count(*) FROM t"), n);
  tw_close(db);
}

/* ---- a connection that reads and closes, in its own thread -------------- */

/* No ck_assert in the thread (Check runs without fork): it only records. */
typedef struct reader {
  const char *zDb, *zVfs;
  int flags; /* of sqlite3_open_v2 */
  HANDLE thread;
  int rc;       /* of the open, the prepare or the step */
  int rows;     /* count(*) when rc is SQLITE_OK */
  int close_rc; /* of sqlite3_close */
  char err[256];
  double read_ms; /* tw_now_ms() when the read returned */
} reader;

static DWORD WINAPI reader_main(LPVOID arg) {
  reader *r = arg;
  sqlite3 *db = 0;
  sqlite3_stmt *st = 0;
  r->rc = sqlite3_open_v2(r->zDb, &db, r->flags, r->zVfs);
  if (db) sqlite3_extended_result_codes(db, 1);
  if (r->rc == SQLITE_OK) r->rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &st, 0);
  if (r->rc == SQLITE_OK) {
    r->rc = sqlite3_step(st);
    if (r->rc == SQLITE_ROW) {
      r->rows = sqlite3_column_int(st, 0);
      r->rc = SQLITE_OK;
    }
  }
  r->read_ms = tw_now_ms();
  if (r->rc != SQLITE_OK) snprintf(r->err, sizeof(r->err), "%s", db ? sqlite3_errmsg(db) : sqlite3_errstr(r->rc));
  sqlite3_finalize(st);
  r->close_rc = sqlite3_close(db);
  return 0;
}

static void reader_start(reader *r, const char *zDb, const char *zVfs, int flags) {
  memset(r, 0, sizeof(*r));
  r->zDb = zDb;
  r->zVfs = zVfs;
  r->flags = flags;
  r->rc = -1;
  r->close_rc = -1;
  r->thread = CreateThread(0, 0, reader_main, r, 0, 0);
  ck_assert_ptr_nonnull(r->thread);
}

static int reader_running(const reader *r) { return WaitForSingleObject(r->thread, 0) == WAIT_TIMEOUT; }

static void reader_join(reader *r) {
  ck_assert_uint_eq(WaitForSingleObject(r->thread, 2 * BUDGET_MS + 60000), WAIT_OBJECT_0);
  CloseHandle(r->thread);
  r->thread = 0;
}

static long long retries_now(void) {
  walsafe_counters c;
  ck_assert_int_eq(walsafe_get_counters(&c), SQLITE_OK);
  return c.retries;
}

/* Wait until walsafe has retried something since `before` (the reader is
** waiting the scanner out) or the reader has finished. 1: seen waiting. */
static int reader_seen_waiting(const reader *r, long long before) {
  double deadline = tw_now_ms() + BUDGET_MS;
  for (;;) {
    if (retries_now() > before) return 1;
    if (!reader_running(r)) return 0;
    if (tw_now_ms() > deadline) return 0;
    Sleep(1);
  }
}

/*
** A scanner holds the -shm (share) until told to let go; a connection
** through zVfs reads and closes in a thread meanwhile. The scanner is told
** to let go HOLD_MS after the reader is seen waiting, or as soon as the
** reader has finished. *pWasWaiting: the reader was seen waiting and was
** still running when the scanner was told to let go. Returns when both are
** done; *pRelease is tw_now_ms() just before the scanner was told.
*/
static void read_under_shm_scanner(const files *f, const char *zVfs, int flags, DWORD share, reader *r,
                                   int *pWasWaiting, double *pRelease) {
  tw_scanner s;
  long long before;
  tw_scanner_start(&s, f->shm, share, -1);
  before = retries_now();
  reader_start(r, f->db, zVfs, flags);
  *pWasWaiting = reader_seen_waiting(r, before);
  if (*pWasWaiting) {
    /* The hold: the reader cannot get the -shm read-write meanwhile. */
    WaitForSingleObject(r->thread, HOLD_MS);
    *pWasWaiting = reader_running(r);
  }
  *pRelease = tw_now_ms();
  tw_scanner_release(&s);
  tw_scanner_join(&s);
  reader_join(r);
}

/* ---- shm_none ------------------------------------------------------------ */

START_TEST(walsafe_read_waits_out_a_share_none_hold_of_the_shm_and_sees_every_row) {
  files f;
  reader r;
  int waited;
  double release;
  tw_use_walsafe(BUDGET_MS);
  files_make(&f, "shmnone");
  crashed_writer(&f);
  read_under_shm_scanner(&f, WALSAFE_VFS_NAME, SQLITE_OPEN_READWRITE, SHARE_NONE, &r, &waited, &release);
  printf("walsafe, -shm held with share NONE: read rc=%d (%s) rows=%d, %s, returned %.0f ms after the release\n", r.rc,
         r.err, r.rows, waited ? "waited for the hold" : "did NOT wait", r.read_ms - release);
  ck_assert_msg(r.rc == SQLITE_OK, "the read failed: %d %s", r.rc, r.err);
  ck_assert_msg(waited, "the read returned while the scanner still held the -shm");
  ck_assert_double_ge(r.read_ms, release);
  ck_assert_int_eq(r.rows, ROWS);
  ck_assert_int_eq(r.close_rc, SQLITE_OK);
  /* It was the last close: the frames are in the database, nothing left. */
  ck_assert(!tw_exists(f.wal));
  ck_assert(!tw_exists(f.shm));
  expect_rows(f.db, WALSAFE_VFS_NAME, ROWS);
  tw_scratch_remove(f.dir);
}
END_TEST

/* What the test reproduces: the win32 VFS does not retry opening the -shm,
** and with no open of it possible the read fails. Nothing is lost. */
START_TEST(plain_win32_read_fails_with_cantopen_under_a_share_none_hold_of_the_shm) {
  files f;
  tw_scanner s;
  sqlite3 *db;
  int rc;
  char err[256];
  tw_use_plain();
  files_make(&f, "shmnoneplain");
  crashed_writer(&f);
  tw_scanner_start(&s, f.shm, SHARE_NONE, -1);
  db = tw_open(f.db, "win32");
  rc = sqlite3_exec(db, "SELECT count(*) FROM t", 0, 0, 0);
  snprintf(err, sizeof(err), "%s", sqlite3_errmsg(db));
  sqlite3_close(db);
  tw_scanner_release(&s);
  tw_scanner_join(&s);
  printf("plain win32, -shm held with share NONE: read rc=%d (%s)\n", rc, err);
  ck_assert_int_eq(rc & 0xff, SQLITE_CANTOPEN);
  expect_rows(f.db, "win32", ROWS);
  tw_scratch_remove(f.dir);
}
END_TEST

/* ---- shm_read ------------------------------------------------------------ */

/*
** Loop 0: a read-write connection; it waits the hold out at its read (the
** -shm opens read-write only then), and its own close checkpoints. Loop 1:
** a read-only connection; it reads at once through the read-only -shm and
** closes during the hold, and walsafe's last-close checkpoint on its behalf
** waits the hold out.
*/
START_TEST(walsafe_share_read_hold_of_the_shm_leaves_nothing_once_it_ends) {
  int flags = _i ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  files f;
  reader r;
  int waited;
  double release;
  long long wal, shm;
  tw_use_walsafe(BUDGET_MS);
  files_make(&f, "shmread");
  crashed_writer(&f);
  read_under_shm_scanner(&f, WALSAFE_VFS_NAME, flags, SHARE_R, &r, &waited, &release);
  wal = tw_file_size(f.wal);
  shm = tw_file_size(f.shm);
  printf(
      "walsafe, %s connection, -shm held with share READ: read rc=%d (%s) rows=%d, returned %+.0f ms from the "
      "release, %s; after the release: -wal %lld, -shm %lld\n",
      _i ? "read-only" : "read-write", r.rc, r.err, r.rows, r.read_ms - release,
      waited ? "read and close still running at the release" : "read and close done before the release", wal, shm);
  ck_assert_msg(r.rc == SQLITE_OK, "the read failed: %d %s", r.rc, r.err);
  ck_assert_int_eq(r.rows, ROWS);
  ck_assert_int_eq(r.close_rc, SQLITE_OK);
  ck_assert_msg(wal < 0, "the -wal is left (%lld bytes) after the hold ended", wal);
  ck_assert_msg(shm < 0, "the -shm is left (%lld bytes) after the hold ended", shm);
  if (_i == 0) {
    /* Never the read-only fallback by accident: the read waited. */
    ck_assert_double_ge(r.read_ms, release);
  } else {
    /* Else this loop would not be the close during the hold. */
    ck_assert_double_lt(r.read_ms, release);
  }
  expect_rows(f.db, WALSAFE_VFS_NAME, ROWS);
  tw_scratch_remove(f.dir);
}
END_TEST

/* What the test reproduces: the plain win32 VFS reads through a read-only
** -shm it cannot initialise, cannot checkpoint at the last close, and
** leaves the -wal with the frames (and the -shm) once the hold has ended. */
START_TEST(plain_win32_share_read_hold_of_the_shm_leaves_the_wal_with_frames) {
  files f;
  tw_scanner s;
  sqlite3 *db;
  int rc, rows = -1;
  long long wal, shm;
  tw_use_plain();
  files_make(&f, "shmreadplain");
  crashed_writer(&f);
  tw_scanner_start(&s, f.shm, SHARE_R, -1);
  db = tw_open(f.db, "win32");
  {
    sqlite3_stmt *st = 0;
    rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &st, 0);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
      rows = sqlite3_column_int(st, 0);
      rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  tw_scanner_release(&s);
  tw_scanner_join(&s);
  wal = tw_file_size(f.wal);
  shm = tw_file_size(f.shm);
  printf("plain win32, -shm held with share READ: read rc=%d rows=%d; after the release: -wal %lld, -shm %lld\n", rc,
         rows, wal, shm);
  ck_assert_int_eq(rc, SQLITE_OK);
  ck_assert_int_eq(rows, ROWS);
  ck_assert_msg(wal > 0, "the plain win32 VFS was expected to leave the -wal with frames, -wal: %lld", wal);
  expect_rows(f.db, "win32", ROWS); /* harmless here: the frames are this database's */
  tw_scratch_remove(f.dir);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("win_shm");
  TCase *t = tcase_create("shm_none");
  tcase_add_test(t, walsafe_read_waits_out_a_share_none_hold_of_the_shm_and_sees_every_row);
  tcase_add_test(t, plain_win32_read_fails_with_cantopen_under_a_share_none_hold_of_the_shm);
  suite_add_tcase(s, t);
  t = tcase_create("shm_read");
  tcase_add_loop_test(t, walsafe_share_read_hold_of_the_shm_leaves_nothing_once_it_ends, 0, 2);
  tcase_add_test(t, plain_win32_share_read_hold_of_the_shm_leaves_the_wal_with_frames);
  suite_add_tcase(s, t);
  return s;
}

int main(int argc, char **argv) {
  tw_log_install();
  return tw_run(suite(), argc, argv);
}
