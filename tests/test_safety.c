/*
** test_safety.c: the safety rule of vfs/cleanup.c, one bug at a time. Each
** test here catches a mutant of tests/mutation/mutants.txt (named above
** it) by what the bug would do to real files and real rows: frames another
** connection committed deleted or emptied, a later database at the same
** path deleted, another process's -wal checkpointed under it, an owed
** delete still recorded after walsafe_delete_database said it was done.
*/
#define _GNU_SOURCE 1
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support.h"

/* The canonical path walsafe keys its registry by (the unix VFS's). */
static const char *canonical(const char *path) {
  static char full[PATH_MAX + 1];
  sqlite3_vfs *v = sqlite3_vfs_find("unix");
  ck_assert_int_eq(v->xFullPathname(v, path, (int)sizeof(full), full) & 0xff, SQLITE_OK);
  return full;
}

/* Rows in the database at path, read with the plain VFS (read-write, so
** that its close checkpoints and removes the -wal and -shm as usual). */
static long long rows_in(const char *path) {
  sqlite3 *db = ts_open(path, "unix", SQLITE_OPEN_READWRITE);
  long long n = ts_query_int(db, "SELECT count(*) FROM t");
  ts_close(db);
  return n;
}

/* Does walsafe record a delete it still owes on path? */
static int owes_a_delete(const char *path) {
  char *status = walsafe_status(path);
  int owed;
  ck_assert_ptr_nonnull(status);
  owed = strstr(status, "pending_deletes=") != 0 && strstr(status, "pending_deletes=none") == 0;
  sqlite3_free(status);
  return owed;
}

/* A WAL database of 200 rows whose last walsafe close could not delete the
** -wal (EBUSY past a 40 ms budget): the -wal is emptied, its delete owed. */
static void make_owed_wal_delete(const char *path, const char *wal) {
  sqlite3 *db;
  ck_assert_int_eq(walsafe_config(WALSAFE_CONFIG_RETRY_MS, 40, 0), SQLITE_OK);
  ts_make_wal_db(path, "walsafe", 100);
  db = ts_open_rw(path, "walsafe");
  ts_exec(db, "INSERT INTO t SELECT x + 100 FROM t");
  ts_fault_unlink("-wal", EBUSY, -1);
  ts_close(db);
  ck_assert_int_gt(ts_faults_injected(), 0);
  ts_faults_clear();
  ck_assert_int_eq(ts_file_size(wal), 0);
  ck_assert(owes_a_delete(path));
}

/* A plain-VFS connection (no walsafe, no checkpoint on close) commits 200
** more rows: they live only in the -wal it leaves. */
static void plain_commit_left_in_the_wal(const char *path, const char *wal) {
  sqlite3 *plain = ts_open_rw(path, "unix");
  ck_assert_int_eq(sqlite3_db_config(plain, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, 0), SQLITE_OK);
  ts_exec(plain, "INSERT INTO t SELECT x + 200 FROM t");
  ts_close(plain);
  ck_assert_int_gt(ts_file_size(wal), 0);
}

/* Mutant a-owed-wal-delete-ignores-frames. */
START_TEST(an_owed_wal_delete_carried_out_at_the_next_open_keeps_frames_committed_since) {
  const char *path = ts_path("x.db"), *wal = ts_path("x.db-wal");
  sqlite3 *db;
  make_owed_wal_delete(path, wal);
  plain_commit_left_in_the_wal(path, wal);
  db = ts_open_rw(path, "walsafe"); /* the owed delete's chance */
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 400);
  ts_close(db);
  ck_assert_int_eq(rows_in(path), 400);
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN);
}
END_TEST

/* Mutant unmeasured-wal-taken-for-empty: the owed delete's chance comes
** while the -wal cannot be opened to measure it. */
START_TEST(an_owed_wal_delete_never_takes_a_wal_it_cannot_measure_for_empty) {
  const char *path = ts_path("x.db"), *wal = ts_path("x.db-wal");
  sqlite3 *db;
  make_owed_wal_delete(path, wal);
  plain_commit_left_in_the_wal(path, wal);
  ts_fault_open_mode("x.db-wal", EACCES, 1, 1); /* the first open of the -wal, any mode */
  db = ts_open_rw(path, "walsafe");
  ck_assert_int_eq(ts_faults_injected(), 1);
  ts_faults_clear();
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 400);
  ts_close(db);
  ck_assert_int_eq(rows_in(path), 400);
}
END_TEST

/* Mutant c-giveup-empties-the-wal-of-any-file: a delete of the database
** file (walsafe's xDelete, with an entry that owes a -wal delete) fails
** past the budget while its -wal holds committed frames. */
START_TEST(a_failed_delete_of_the_database_file_never_empties_its_wal) {
  const char *path = ts_path("x.db"), *wal = ts_path("x.db-wal");
  sqlite3_vfs *ws = sqlite3_vfs_find("walsafe");
  long long walSize;
  make_owed_wal_delete(path, wal);
  plain_commit_left_in_the_wal(path, wal);
  walSize = ts_file_size(wal);
  ts_fault_unlink("/x.db", EBUSY, -1);
  ck_assert_int_ne(ws->xDelete(ws, canonical(path), 0), SQLITE_OK);
  ck_assert_int_gt(ts_faults_injected(), 0);
  ts_faults_clear();
  ck_assert(ts_exists(path));
  ck_assert_int_eq(ts_file_size(wal), walSize);
  ck_assert_int_eq(rows_in(path), 400);
}
END_TEST

/* Mutant d-delete-database-leaves-owed-deletes. */
START_TEST(after_walsafe_delete_database_succeeds_nothing_is_owed) {
  const char *path = ts_path("x.db"), *wal = ts_path("x.db-wal");
  sqlite3 *db;
  make_owed_wal_delete(path, wal);
  ck_assert_int_eq(walsafe_delete_database(path, 1000), SQLITE_OK);
  ck_assert_uint_eq(ts_files_left(path), 0);
  ck_assert(!owes_a_delete(path));
  /* A new database at that path starts with nothing owed either. */
  db = ts_open_rw(path, "walsafe");
  ts_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1)");
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 1);
  ts_close(db);
  ck_assert(ts_exists(path));
  ck_assert_int_eq(rows_in(path), 1);
}
END_TEST

/* Mutant delete-database-uses-the-path-as-spelled: a relative spelling
** names the same database as the absolute one it was opened by. */
START_TEST(walsafe_delete_database_by_another_spelling_is_the_same_database) {
  const char *path = ts_path("x.db"), *wal = ts_path("x.db-wal");
  sqlite3 *db;
  ck_assert_int_eq(chdir(ts_dir()), 0); /* teardown goes back */
  db = ts_open_rw(path, "walsafe");
  ts_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1)");
  /* Open here: the report names this process's handle. */
  ck_assert_int_eq(walsafe_delete_database("./x.db", 0), SQLITE_BUSY);
  ck_assert_msg(strstr(walsafe_errmsg(), "1 handle(s) open in this process") != 0, "report: %s", walsafe_errmsg());
  ck_assert(ts_exists(path));
  ts_close(db);
  /* Closed, with a -wal delete owed: deleted, and nothing owed after. */
  ck_assert_int_eq(walsafe_delete_database("./x.db", 1000), SQLITE_OK);
  make_owed_wal_delete(path, wal);
  ck_assert_int_eq(walsafe_delete_database("x.db", 1000), SQLITE_OK);
  ck_assert_uint_eq(ts_files_left(path), 0);
  ck_assert(!owes_a_delete(path));
}
END_TEST

/* Mutant pending-main-delete-never-cleared: a delete of the database file
** deferred while this process had it open is done at that close, and only
** then: the next database made at the path is nobody's to delete. */
START_TEST(a_deferred_delete_of_the_database_is_not_carried_into_a_later_database_at_that_path) {
  const char *path = ts_path("x.db");
  sqlite3_vfs *ws = sqlite3_vfs_find("walsafe");
  sqlite3 *db = ts_open_rw(path, "walsafe");
  ts_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1)");
  ts_fault_unlink("/x.db", EBUSY, -1);
  ck_assert_int_ne(ws->xDelete(ws, canonical(path), 0), SQLITE_OK); /* deferred: our handle holds it */
  ts_faults_clear();
  ck_assert(ts_exists(path));
  ts_close(db);
  ck_assert(!ts_exists(path)); /* carried out at the close */
  ck_assert(!owes_a_delete(path));
  /* A new database at the path, in either journal mode, outlives its close. */
  db = ts_open_rw(path, "walsafe");
  ts_exec(db, "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1), (2)");
  ts_close(db);
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN);
  ck_assert_int_eq(rows_in(path), 2);
  db = ts_open_rw(path, "walsafe");
  ts_exec(db, "PRAGMA journal_mode=DELETE; INSERT INTO t VALUES (3)");
  ts_close(db);
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN);
  ck_assert_int_eq(rows_in(path), 3);
}
END_TEST

/* Mutant wal-deleted-flag-not-reset-by-a-new-wal: SQLite deleted a -wal of
** this database earlier in the life of its registry entry (a connection
** that never read stayed open); that connection then writes through a new
** -wal (locking_mode=EXCLUSIVE: no -shm to tell), whose delete at its close
** fails. The emptied -wal is still owed, and unregister removes it. */
START_TEST(a_wal_whose_delete_fails_after_an_earlier_wal_was_deleted_is_still_owed) {
  const char *path = ts_path("x.db"), *wal = ts_path("x.db-wal");
  sqlite3 *idle, *a;
  ts_make_wal_db(path, "walsafe", 10);
  idle = ts_open_rw(path, "walsafe"); /* opened, never read: no lock, no -wal */
  a = ts_open_rw(path, "walsafe");
  ts_exec(a, "INSERT INTO t VALUES (11)");
  ts_close(a); /* SQLite checkpoints and deletes the -wal */
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN);
  ck_assert_int_eq(walsafe_config(WALSAFE_CONFIG_RETRY_MS, 40, 0), SQLITE_OK);
  ts_exec(idle, "PRAGMA locking_mode=EXCLUSIVE; INSERT INTO t VALUES (12)");
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN | TS_WAL);
  ts_fault_unlink("x.db-wal", EBUSY, -1);
  ts_close(idle);
  ck_assert_int_gt(ts_faults_injected(), 0);
  ts_faults_clear();
  ck_assert_int_eq(ts_file_size(wal), 0);
  ck_assert(owes_a_delete(path));
  ck_assert_int_eq(walsafe_unregister(), SQLITE_OK);
  ck_assert_int_eq(walsafe_register("unix", 0), SQLITE_OK);
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN);
  ck_assert_int_eq(rows_in(path), 12);
}
END_TEST

/* ---- another process ---- */

static struct {
  int to_child[2], from_child[2];
  pid_t pid;
  int fired;
  int (*real_open)(const char *, int, int);
} g_child;

static int child_await(char want) {
  char c = 0;
  return read(g_child.to_child[0], &c, 1) == 1 && c == want;
}
static int child_say(char c) { return write(g_child.from_child[1], &c, 1) == 1; }

/* The other process, with the plain VFS: on 'g', commit 100 rows into the
** WAL database at path and report 'c'. mode 0: close at once without a
** checkpoint, leaving the rows in the -wal; 1: stay open (idle, holding the
** SHARED lock every WAL connection holds) until 'q', then close; 2: the
** same after a checkpoint that empties the -wal. */
static int child_body(const char *path, int mode) {
  sqlite3 *db = 0;
  int ok;
  if (!child_await('g')) return 2;
  ok = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, "unix") == SQLITE_OK &&
       sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, mode == 0, 0) == SQLITE_OK &&
       sqlite3_exec(db,
                    "PRAGMA wal_autocheckpoint=0; BEGIN;"
                    "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<100)"
                    " INSERT INTO t SELECT i + 1000 FROM c; COMMIT;",
                    0, 0, 0) == SQLITE_OK;
  if (ok && mode == 2) ok = sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", 0, 0, 0) == SQLITE_OK;
  if (mode == 0) ok = sqlite3_close(db) == SQLITE_OK && ok;
  ok = child_say(ok ? 'c' : 'n') && ok;
  if (mode != 0) {
    ok = child_await('q') && ok;
    ok = sqlite3_close(db) == SQLITE_OK && ok;
  }
  return ok ? 0 : 1;
}

/* Fork the other process before any system call is hooked. */
static void start_child(const char *path, int mode) {
  ck_assert_int_eq(pipe(g_child.to_child), 0);
  ck_assert_int_eq(pipe(g_child.from_child), 0);
  g_child.pid = fork();
  ck_assert_int_ge(g_child.pid, 0);
  if (g_child.pid == 0) _exit(child_body(path, mode));
  g_child.fired = 0;
}

static void finish_child(void) {
  int status = 0;
  ck_assert_int_eq(waitpid(g_child.pid, &status, 0), g_child.pid);
  ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the other process failed (status %d)", status);
  close(g_child.to_child[0]);
  close(g_child.to_child[1]);
  close(g_child.from_child[0]);
  close(g_child.from_child[1]);
}

/* The first open of the database file itself (walsafe_delete_database's
** lock: its earlier looks only stat) lets the other process commit first. */
static int open_after_a_commit(const char *z, int flags, int mode) {
  size_t n = strlen(z);
  if (!g_child.fired && n > 5 && strcmp(z + n - 5, "/x.db") == 0) {
    char c = 0;
    g_child.fired = 1;
    if (write(g_child.to_child[1], "g", 1) == 1 && read(g_child.from_child[0], &c, 1) == 1 && c == 'c') {
      g_child.fired = 2;
    }
  }
  return g_child.real_open(z, flags, mode);
}

/* Mutants b-delete-looks-for-frames-before-the-lock and
** b-delete-never-rechecks-for-frames: another process commits between
** walsafe_delete_database's first look (no -wal) and its lock, and the
** delete of the -wal then fails: the -wal left must hold no frames, the
** rows must be in the database file. */
START_TEST(a_commit_between_the_first_look_and_the_lock_is_folded_before_a_delete_that_fails) {
  const char *path = ts_path("x.db"), *wal = ts_path("x.db-wal");
  sqlite3_vfs *unixVfs = sqlite3_vfs_find("unix");
  int rc;
  ts_make_wal_db(path, "walsafe", 10);
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN);
  start_child(path, 0);
  ts_fault_unlink("x.db-wal", EACCES, -1);
  g_child.real_open = (int (*)(const char *, int, int))unixVfs->xGetSystemCall(unixVfs, "open");
  ck_assert_int_eq(unixVfs->xSetSystemCall(unixVfs, "open", (sqlite3_syscall_ptr)open_after_a_commit), SQLITE_OK);
  rc = walsafe_delete_database(path, 300);
  ts_faults_clear();
  ck_assert_int_eq(g_child.fired, 2);
  finish_child();
  ck_assert_int_ne(rc, SQLITE_OK);
  ck_assert_int_ne(rc, SQLITE_BUSY);
  ck_assert(ts_exists(path));
  ck_assert_msg(ts_file_size(wal) == 0, "the -wal left holds %lld bytes", ts_file_size(wal));
  ck_assert_int_eq(rows_in(path), 110);
}
END_TEST

/* Mutant checkpoint-skips-the-in-use-probe: at this process's last close,
** another process still has the database open (idle) with frames of its
** own in the -wal: walsafe leaves them, as SQLite does. */
START_TEST(a_wal_another_process_still_uses_is_not_checkpointed_at_this_processs_last_close) {
  const char *path = ts_path("x.db"), *wal = ts_path("x.db-wal");
  long long walSize, dbSize;
  sqlite3 *db;
  char c = 0;
  ts_make_wal_db(path, "walsafe", 10);
  start_child(path, 1);
  ck_assert_int_eq(write(g_child.to_child[1], "g", 1), 1);
  ck_assert_int_eq(read(g_child.from_child[0], &c, 1), 1);
  ck_assert_int_eq(c, 'c');
  walSize = ts_file_size(wal);
  dbSize = ts_file_size(path);
  ck_assert_int_gt(walSize, 0);
  db = ts_open(path, "walsafe", SQLITE_OPEN_READONLY);
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 110);
  ts_close(db);
  db = ts_open_rw(path, "walsafe");
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 110);
  ts_close(db);
  ck_assert_int_eq(ts_file_size(wal), walSize);
  ck_assert_int_eq(ts_file_size(path), dbSize);
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN | TS_WAL | TS_SHM);
  ck_assert_int_eq(write(g_child.to_child[1], "q", 1), 1);
  finish_child();
  ck_assert_int_eq(rows_in(path), 110);
}
END_TEST

/* Mutant in-use-taken-for-a-failure: at this process's last close another
** process has the database open, its -wal empty and its -shm in use. That
** is no failure, and nothing is owed: the files are that process's. */
START_TEST(a_last_close_beside_another_process_is_no_failure_and_owes_nothing) {
  const char *path = ts_path("x.db");
  walsafe_counters before;
  sqlite3 *db;
  char c = 0;
  ts_make_wal_db(path, "walsafe", 10);
  start_child(path, 2);
  ck_assert_int_eq(write(g_child.to_child[1], "g", 1), 1);
  ck_assert_int_eq(read(g_child.from_child[0], &c, 1), 1);
  ck_assert_int_eq(c, 'c');
  ck_assert_int_eq(ts_file_size(ts_path("x.db-wal")), 0);
  before = ts_counters();
  db = ts_open_rw(path, "walsafe");
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 110);
  ts_close(db);
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN | TS_WAL | TS_SHM);
  ck_assert(!owes_a_delete(path));
  ck_assert_int_eq(ts_counters().failures, before.failures);
  ck_assert(!ts_log_contains(SQLITE_WARNING, "still on disk"));
  ck_assert_int_eq(write(g_child.to_child[1], "q", 1), 1);
  finish_child();
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN);
  ck_assert_int_eq(rows_in(path), 110);
}
END_TEST

/* Mutant shm-giveup-returns-readonly: another process has the database
** open (its -shm mapped, frames in its -wal); this process's read-write
** open of the -shm keeps failing with EBUSY past the budget while a
** read-only open would work. The read fails with an I/O error, never the
** read-only fallback; once the -shm opens, every row is there and the
** connection writes. */
START_TEST(a_shm_that_stays_busy_past_the_budget_is_an_error_not_a_read_only_fallback) {
  const char *path = ts_path("x.db");
  char *uri = sqlite3_mprintf("file:%s?walsafe_retry_ms=60", path);
  sqlite3 *db;
  char c = 0;
  int rc;
  ts_make_wal_db(path, "walsafe", 10);
  start_child(path, 1);
  ck_assert_int_eq(write(g_child.to_child[1], "g", 1), 1);
  ck_assert_int_eq(read(g_child.from_child[0], &c, 1), 1);
  ck_assert_int_eq(c, 'c');
  db = ts_open_rw(uri, "walsafe");
  sqlite3_free(uri);
  ts_fault_open("x.db-shm", EBUSY, -1); /* read-write opens only */
  rc = sqlite3_exec(db, "SELECT count(*) FROM t", 0, 0, 0);
  ts_faults_clear();
  ck_assert_msg((rc & 0xff) == SQLITE_IOERR, "the read gave %d (%s)", rc, sqlite3_errmsg(db));
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 110);
  ts_exec(db, "INSERT INTO t VALUES (0)");
  ts_close(db);
  ck_assert_int_eq(write(g_child.to_child[1], "q", 1), 1);
  finish_child();
  ck_assert_int_eq(rows_in(path), 111);
}
END_TEST

/* Mutant hot-journal-never-seen: a crashed writer left a hot journal, and
** the delete of the database then fails: the journal must have been rolled
** back, not deleted, so the database left holds no half-written update. */
START_TEST(a_hot_journal_is_rolled_back_before_a_delete_of_the_database_that_fails) {
  const char *path = ts_path("x.db");
  sqlite3 *db = ts_open_rw(path, "unix");
  pid_t pid;
  int status = 0, rc;
  char *integrity;
  ts_exec(db,
          "PRAGMA journal_mode=DELETE; CREATE TABLE t(x);"
          "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<2000)"
          " INSERT INTO t SELECT replace(hex(zeroblob(250)), '0', 'a') FROM c;");
  ts_close(db);
  pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    /* Spill a big update into the database file, then die. */
    sqlite3 *c = 0;
    int ok =
        sqlite3_open_v2(path, &c, SQLITE_OPEN_READWRITE, "unix") == SQLITE_OK &&
        sqlite3_exec(c, "PRAGMA cache_size=10; BEGIN; UPDATE t SET x = replace(x, 'a', 'b');", 0, 0, 0) == SQLITE_OK;
    _exit(ok ? 0 : 1);
  }
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ck_assert_int_gt(ts_file_size(ts_path("x.db-journal")), 0);
  ts_fault_unlink("/x.db", EACCES, -1);
  rc = walsafe_delete_database(path, 300);
  ts_faults_clear();
  ck_assert_int_ne(rc, SQLITE_OK);
  ck_assert(ts_exists(path));
  db = ts_open(path, "unix", SQLITE_OPEN_READWRITE);
  integrity = ts_query_text(db, "PRAGMA integrity_check");
  ck_assert_str_eq(integrity, "ok");
  sqlite3_free(integrity);
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 2000);
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t WHERE x GLOB '*b*'"), 0);
  ts_close(db);
}
END_TEST

/* Mutant delete-skips-the-final-look: SQLITE_OK only when a look after the
** unlinks finds none of the four files, even when every unlink worked: here
** a -shm appears right after the database is unlinked. */
static int (*g_real_unlink)(const char *);
static int g_appeared;
static int unlink_then_a_shm_appears(const char *z) {
  size_t n = strlen(z);
  int rc = g_real_unlink(z);
  if (!g_appeared && rc == 0 && n > 5 && strcmp(z + n - 5, "/x.db") == 0) {
    char *shm = sqlite3_mprintf("%s-shm", z);
    FILE *f = fopen(shm, "w");
    g_appeared = 1;
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fputs("not empty", f) >= 0, 1);
    fclose(f);
    sqlite3_free(shm);
  }
  return rc;
}

START_TEST(a_file_that_appears_after_unlinks_that_all_worked_is_deleted_too) {
  const char *path = ts_path("x.db");
  sqlite3_vfs *unixVfs = sqlite3_vfs_find("unix");
  int rc;
  ts_make_wal_db(path, "walsafe", 10);
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN);
  g_appeared = 0;
  g_real_unlink = (int (*)(const char *))unixVfs->xGetSystemCall(unixVfs, "unlink");
  ck_assert_int_eq(unixVfs->xSetSystemCall(unixVfs, "unlink", (sqlite3_syscall_ptr)unlink_then_a_shm_appears),
                   SQLITE_OK);
  rc = walsafe_delete_database(path, 2000);
  unixVfs->xSetSystemCall(unixVfs, "unlink", 0);
  ck_assert(g_appeared);
  ck_assert_msg(rc != SQLITE_OK || ts_files_left(path) == 0, "SQLITE_OK with files left: %x", ts_files_left(path));
  ck_assert_int_eq(rc, SQLITE_OK);
  ck_assert_uint_eq(ts_files_left(path), 0);
}
END_TEST

static Suite *safety_suite(void) {
  Suite *s = suite_create("safety");
  TCase *tc = tcase_create("mutants");
  tcase_add_checked_fixture(tc, ts_setup, ts_teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, an_owed_wal_delete_carried_out_at_the_next_open_keeps_frames_committed_since);
  tcase_add_test(tc, an_owed_wal_delete_never_takes_a_wal_it_cannot_measure_for_empty);
  tcase_add_test(tc, a_failed_delete_of_the_database_file_never_empties_its_wal);
  tcase_add_test(tc, after_walsafe_delete_database_succeeds_nothing_is_owed);
  tcase_add_test(tc, walsafe_delete_database_by_another_spelling_is_the_same_database);
  tcase_add_test(tc, a_deferred_delete_of_the_database_is_not_carried_into_a_later_database_at_that_path);
  tcase_add_test(tc, a_wal_whose_delete_fails_after_an_earlier_wal_was_deleted_is_still_owed);
  tcase_add_test(tc, a_commit_between_the_first_look_and_the_lock_is_folded_before_a_delete_that_fails);
  tcase_add_test(tc, a_wal_another_process_still_uses_is_not_checkpointed_at_this_processs_last_close);
  tcase_add_test(tc, a_last_close_beside_another_process_is_no_failure_and_owes_nothing);
  tcase_add_test(tc, a_shm_that_stays_busy_past_the_budget_is_an_error_not_a_read_only_fallback);
  tcase_add_test(tc, a_hot_journal_is_rolled_back_before_a_delete_of_the_database_that_fails);
  tcase_add_test(tc, a_file_that_appears_after_unlinks_that_all_worked_is_deleted_too);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  ts_process_init(1);
  return ts_run(safety_suite());
}
