/*
** test_delete_database.c: walsafe_delete_database(). It removes the
** database and its -wal, -shm and -journal; waits for this process's
** handles to close; when one stays open, or another process has the
** database open, it deletes nothing and says what is open; a -wal with
** frames is emptied first, so one that cannot be deleted holds nothing.
*/
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support.h"

/* A WAL database whose last connection skipped its checkpoint: main, -wal
** (with the last `rows` rows in frames) and -shm on disk. */
static void make_db_with_wal_frames(const char *path, int rows) {
  sqlite3 *db;
  char *sql;
  ts_make_wal_db(path, "unix", 1);
  db = ts_open_rw(path, "unix");
  ck_assert_int_eq(sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, 0), SQLITE_OK);
  sql = sqlite3_mprintf(
      "WITH RECURSIVE c(i) AS (SELECT 2 UNION ALL SELECT i+1 FROM c WHERE i<%d)"
      " INSERT INTO t SELECT i FROM c",
      rows);
  ts_exec(db, sql);
  sqlite3_free(sql);
  ts_close(db);
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN | TS_WAL | TS_SHM);
  ck_assert_int_gt(ts_file_size(ts_path("x.db-wal")), 0);
}

static void write_zeros(const char *path, int n) {
  char zeros[512] = {0};
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, zeros, (size_t)n), n);
  close(fd);
}

START_TEST(a_side_file_path_is_refused_and_nothing_is_deleted) {
  const char *path = ts_path("x.db");
  make_db_with_wal_frames(path, 20);
  /* Nobody locks a side file, so a lock on it would prove nothing: a live
  ** -wal must never be taken for a database. */
  ck_assert_int_eq(walsafe_delete_database(ts_path("x.db-wal"), 100), SQLITE_MISUSE);
  ck_assert_ptr_nonnull(strstr(walsafe_errmsg(), "pass the database"));
  ck_assert_int_eq(walsafe_delete_database(ts_path("x.db-journal"), 100), SQLITE_MISUSE);
  ck_assert_int_eq(walsafe_delete_database(ts_path("x.db-shm"), 100), SQLITE_MISUSE);
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN | TS_WAL | TS_SHM);
}
END_TEST

/* While walsafe_delete_database() deletes, an open from another thread is
** refused: the deleting thread, inside its unlink of the database, asks a
** second thread to open it and waits for the answer. */
static struct {
  pthread_mutex_t mutex;
  pthread_cond_t cond;
  const char *path;
  int asked, answered, open_rc;
} g_opener = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0};
static int (*g_real_unlink)(const char *);

static void *opener_thread(void *unused) {
  sqlite3 *db = 0;
  (void)unused;
  pthread_mutex_lock(&g_opener.mutex);
  while (!g_opener.asked)
    pthread_cond_wait(&g_opener.cond, &g_opener.mutex);
  pthread_mutex_unlock(&g_opener.mutex);
  g_opener.open_rc = sqlite3_open_v2(g_opener.path, &db, SQLITE_OPEN_READWRITE, "walsafe");
  sqlite3_close(db);
  pthread_mutex_lock(&g_opener.mutex);
  g_opener.answered = 1;
  pthread_cond_broadcast(&g_opener.cond);
  pthread_mutex_unlock(&g_opener.mutex);
  return 0;
}

static int unlink_that_lets_another_thread_open(const char *z) {
  if (strcmp(z, g_opener.path) == 0 && !g_opener.asked) {
    pthread_mutex_lock(&g_opener.mutex);
    g_opener.asked = 1;
    pthread_cond_broadcast(&g_opener.cond);
    while (!g_opener.answered)
      pthread_cond_wait(&g_opener.cond, &g_opener.mutex);
    pthread_mutex_unlock(&g_opener.mutex);
  }
  return g_real_unlink(z);
}

START_TEST(an_open_from_another_thread_during_the_delete_is_refused) {
  const char *path = ts_path("x.db");
  sqlite3_vfs *unixVfs = sqlite3_vfs_find("unix");
  pthread_t t;
  int rc;
  ts_make_wal_db(path, "walsafe", 5);
  g_opener.path = path;
  g_real_unlink = (int (*)(const char *))unixVfs->xGetSystemCall(unixVfs, "unlink");
  ck_assert_int_eq(pthread_create(&t, 0, opener_thread, 0), 0);
  unixVfs->xSetSystemCall(unixVfs, "unlink", (sqlite3_syscall_ptr)unlink_that_lets_another_thread_open);
  rc = walsafe_delete_database(path, 1000);
  unixVfs->xSetSystemCall(unixVfs, "unlink", (sqlite3_syscall_ptr)g_real_unlink);
  pthread_join(t, 0);
  ck_assert_int_eq(g_opener.answered, 1);
  ck_assert_int_eq(g_opener.open_rc, SQLITE_BUSY);
  ck_assert_int_eq(rc, SQLITE_OK);
  ck_assert_uint_eq(ts_files_left(path), 0);
  ck_assert(ts_log_contains(SQLITE_BUSY, "being deleted"));
}
END_TEST

START_TEST(removes_the_database_and_all_three_side_files) {
  const char *path = ts_path("x.db");
  long long tracked = ts_counters().databases_tracked;
  make_db_with_wal_frames(path, 50);
  write_zeros(ts_path("x.db-journal"), 512); /* a journal with no live header */
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN | TS_WAL | TS_SHM | TS_JOURNAL);
  ck_assert_int_eq(walsafe_delete_database(path, 1000), SQLITE_OK);
  ck_assert_uint_eq(ts_files_left(path), 0);
  ck_assert_str_eq(walsafe_errmsg(), "");
  ck_assert_int_eq(ts_counters().databases_tracked, tracked);
}
END_TEST

START_TEST(removes_empty_side_files_too) {
  const char *path = ts_path("x.db");
  sqlite3 *db = ts_open_rw(path, "unix");
  ts_exec(db, "PRAGMA journal_mode=TRUNCATE; CREATE TABLE t(x); INSERT INTO t VALUES (1)");
  ts_close(db);
  ck_assert_int_eq(ts_file_size(ts_path("x.db-journal")), 0); /* TRUNCATE leaves it */
  write_zeros(ts_path("x.db-wal"), 0);
  ck_assert_int_eq(walsafe_delete_database(path, 1000), SQLITE_OK);
  ck_assert_uint_eq(ts_files_left(path), 0);
}
END_TEST

START_TEST(an_empty_database_file_is_deleted_not_reported_missing) {
  const char *path = ts_path("x.db");
  write_zeros(path, 0);
  ck_assert_int_eq(walsafe_delete_database(path, 1000), SQLITE_OK);
  ck_assert_uint_eq(ts_files_left(path), 0);
}
END_TEST

START_TEST(nonexistent_database_is_notfound) {
  ck_assert_int_eq(walsafe_delete_database(ts_path("nothing.db"), 100), SQLITE_NOTFOUND);
  ck_assert_ptr_nonnull(strstr(walsafe_errmsg(), "no such database"));
}
END_TEST

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, 0);
}

static void *close_after_a_while(void *arg) {
  sleep_ms(150);
  sqlite3_close((sqlite3 *)arg);
  return 0;
}

START_TEST(waits_for_this_processs_handles_to_close) {
  const char *path = ts_path("x.db");
  sqlite3 *db;
  pthread_t closer;
  ts_make_wal_db(path, "walsafe", 5);
  db = ts_open_rw(path, "walsafe");
  ts_exec(db, "INSERT INTO t VALUES (6)");
  ck_assert_int_eq(pthread_create(&closer, 0, close_after_a_while, db), 0);
  ck_assert_int_eq(walsafe_delete_database(path, 10000), SQLITE_OK);
  ck_assert_int_eq(pthread_join(closer, 0), 0);
  ck_assert_uint_eq(ts_files_left(path), 0);
  ck_assert_int_eq(ts_counters().files_open, 0);
}
END_TEST

START_TEST(open_handle_means_busy_with_a_report_and_nothing_deleted) {
  const char *path = ts_path("x.db");
  walsafe_counters before;
  const char *msg;
  sqlite3 *db;
  ts_make_wal_db(path, "walsafe", 5);
  db = ts_open_rw(path, "walsafe");
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 5);
  before = ts_counters();
  ck_assert_int_eq(walsafe_delete_database(path, 100), SQLITE_BUSY);
  msg = walsafe_errmsg();
  ck_assert_ptr_nonnull(strstr(msg, "nothing deleted"));
  ck_assert_ptr_nonnull(strstr(msg, "2 handle(s) open"));
  ck_assert_ptr_nonnull(strstr(msg, "main=1 wal=1 journal=0"));
  ck_assert_ptr_nonnull(strstr(msg, "main handle (read-write) open for "));
  ck_assert_ptr_nonnull(strstr(msg, "wal handle"));
  ck_assert_ptr_nonnull(strstr(msg, " ms"));
  ck_assert_int_eq(ts_counters().failures, before.failures + 1);
  ck_assert(ts_log_contains(SQLITE_WARNING, "nothing deleted"));
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN | TS_WAL | TS_SHM);
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 5);
  /* Timeout 0: no waiting at all. */
  ck_assert_int_eq(walsafe_delete_database(path, 0), SQLITE_BUSY);
  ts_close(db);
  ck_assert_int_eq(walsafe_delete_database(path, 0), SQLITE_OK);
  ck_assert_uint_eq(ts_files_left(path), 0);
}
END_TEST

START_TEST(wal_with_frames_is_emptied_before_a_delete_that_fails) {
  const char *path = ts_path("x.db");
  sqlite3 *db;
  int rc;
  make_db_with_wal_frames(path, 300);
  ts_fault_unlink("x.db-wal", EACCES, -1);
  rc = walsafe_delete_database(path, 300);
  ck_assert_int_ne(rc, SQLITE_OK);
  ck_assert_int_ne(rc, SQLITE_BUSY);
  ck_assert_ptr_nonnull(strstr(walsafe_errmsg(), "-wal"));
  ck_assert_int_eq(ts_file_size(ts_path("x.db-wal")), 0);
  ck_assert(ts_exists(path)); /* side files go first: the database stays */
  ts_faults_clear();
  /* Nothing was lost: the frames are in the database file. */
  db = ts_open(path, "unix", SQLITE_OPEN_READONLY);
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 300);
  ts_close(db);
  ck_assert_int_eq(walsafe_delete_database(path, 1000), SQLITE_OK);
  ck_assert_uint_eq(ts_files_left(path), 0);
}
END_TEST

START_TEST(transient_delete_failures_are_retried_within_the_timeout) {
  const char *path = ts_path("x.db");
  make_db_with_wal_frames(path, 10);
  ts_fault_unlink("x.db", EBUSY, 3);
  ck_assert_int_eq(walsafe_delete_database(path, 5000), SQLITE_OK);
  ck_assert_int_eq(ts_faults_injected(), 3);
  ck_assert_uint_eq(ts_files_left(path), 0);
}
END_TEST

/* A child process that opens path, holds a read transaction until the
** parent writes to `go`, checks it still reads `rows`, and exits 0. */
static pid_t spawn_reader(const char *path, int rows, int *pGo) {
  int ready[2], go[2];
  char c;
  pid_t pid;
  ck_assert_int_eq(pipe(ready), 0);
  ck_assert_int_eq(pipe(go), 0);
  pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    sqlite3 *db = 0;
    sqlite3_stmt *st = 0;
    int ok;
    close(ready[0]);
    close(go[1]);
    ok = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, "unix") == SQLITE_OK &&
         sqlite3_exec(db, "BEGIN", 0, 0, 0) == SQLITE_OK &&
         sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &st, 0) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
         sqlite3_column_int(st, 0) == rows;
    sqlite3_reset(st);
    if (write(ready[1], ok ? "1" : "0", 1) != 1) ok = 0;
    if (read(go[0], &c, 1) != 1) ok = 0;
    ok = ok && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == rows;
    sqlite3_finalize(st);
    sqlite3_exec(db, "COMMIT", 0, 0, 0);
    ok = ok && sqlite3_close(db) == SQLITE_OK;
    _exit(ok ? 0 : 1);
  }
  close(ready[1]);
  close(go[0]);
  ck_assert_int_eq(read(ready[0], &c, 1), 1);
  ck_assert_int_eq(c, '1');
  close(ready[0]);
  *pGo = go[1];
  return pid;
}

static void finish_child(pid_t pid, int go) {
  int status = 0;
  ck_assert_int_eq(write(go, "x", 1), 1);
  close(go);
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child failed (status %d)", status);
}

START_TEST(database_open_in_another_process_is_busy_and_nothing_is_deleted) {
  const char *path = ts_path("x.db");
  int go;
  pid_t child;
  ts_make_wal_db(path, "walsafe", 7);
  child = spawn_reader(path, 7, &go);
  ck_assert_int_eq(walsafe_handle_count(path), 0); /* none in this process */
  ck_assert_int_eq(walsafe_delete_database(path, 200), SQLITE_BUSY);
  ck_assert_ptr_nonnull(strstr(walsafe_errmsg(), "another process"));
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN | TS_WAL | TS_SHM);
  finish_child(child, go);
  ck_assert_int_eq(walsafe_delete_database(path, 1000), SQLITE_OK);
  ck_assert_uint_eq(ts_files_left(path), 0);
}
END_TEST

START_TEST(database_with_a_hot_journal_is_rolled_back_and_deleted) {
  const char *path = ts_path("x.db");
  sqlite3 *db = ts_open_rw(path, "unix");
  pid_t pid;
  int status = 0;
  ts_exec(db,
          "PRAGMA journal_mode=DELETE; CREATE TABLE t(x);"
          "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<2000)"
          " INSERT INTO t SELECT randomblob(500) FROM c;");
  ts_close(db);
  pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    /* Spill a big transaction into the database file, then die. */
    sqlite3 *c = 0;
    int ok = sqlite3_open_v2(path, &c, SQLITE_OPEN_READWRITE, "unix") == SQLITE_OK &&
             sqlite3_exec(c, "PRAGMA cache_size=10; BEGIN; UPDATE t SET x = randomblob(500);", 0, 0, 0) == SQLITE_OK;
    _exit(ok ? 0 : 1);
  }
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ck_assert_int_gt(ts_file_size(ts_path("x.db-journal")), 0);
  ck_assert_int_eq(walsafe_delete_database(path, 2000), SQLITE_OK);
  ck_assert_uint_eq(ts_files_left(path), 0);
}
END_TEST

START_TEST(sql_function_deletes_a_closed_database_and_reports_a_busy_one) {
  const char *path = ts_path("x.db");
  sqlite3 *db, *other;
  char *sql, *err = 0;
  ts_make_wal_db(path, "walsafe", 3);
  db = ts_open_rw(ts_path("control.db"), "walsafe");
  ck_assert_int_eq(sqlite3_walsafe_init(db, &err, 0), SQLITE_OK_LOAD_PERMANENTLY);
  other = ts_open_rw(path, "walsafe");
  sql = sqlite3_mprintf("SELECT walsafe_delete_database('%q', 50)", path);
  ck_assert_int_eq(sqlite3_exec(db, sql, 0, 0, 0), SQLITE_BUSY);
  ck_assert_ptr_nonnull(strstr(sqlite3_errmsg(db), "main handle"));
  ts_close(other);
  ck_assert_int_eq(ts_query_int(db, sql), 1);
  ck_assert_uint_eq(ts_files_left(path), 0);
  sqlite3_free(sql);
  ts_close(db);
  sqlite3_reset_auto_extension();
  ck_assert_int_eq(walsafe_register("unix", 0), SQLITE_OK); /* init made it the default */
  ck_assert_int_eq(walsafe_unregister(), SQLITE_OK);
  ck_assert_int_eq(walsafe_register("unix", 0), SQLITE_OK);
}
END_TEST

/* ---- a database created while walsafe_delete_database works ----
** The database file is gone but its -wal and -shm were left behind. The
** first unlink walsafe makes is held until another process has either
** created the database in WAL mode, committed 100 rows and reported it
** ('c'), or found itself waiting for a lock ('b'). Without a lock to prove
** nobody uses the side files, the unlinks would take that process's live
** -wal and -shm, and its committed rows with them. */
static struct {
  int to_child, from_child;
  int fired;
  int (*real_unlink)(const char *);
} g_race;

static long long monotonic_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts); /* one clock for every process */
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int race_busy_handler(void *arg, int n) {
  int *pSaid = arg;
  if (!*pSaid) {
    *pSaid = write(g_race.from_child, "b", 1) == 1;
  }
  sleep_ms(2);
  return n < 5000; /* a bound, so a broken run ends */
}

/* The other process: wait for 'g', create and commit (starting over when
** the database moved under it), report 'c' and the time, wait for 'q'. */
static int race_child(const char *path) {
  int said = 0, attempt, ok = 0;
  char c;
  sqlite3 *db = 0;
  if (read(g_race.to_child, &c, 1) != 1) return 2;
  for (attempt = 0; attempt < 50 && !ok; attempt++) {
    if (db) sqlite3_close(db);
    db = 0;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, "unix") != SQLITE_OK) continue;
    sqlite3_busy_handler(db, race_busy_handler, &said);
    ok = sqlite3_exec(db,
                      "PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS t(x); BEGIN;"
                      "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<100)"
                      " INSERT INTO t SELECT i FROM c; COMMIT;",
                      0, 0, 0) == SQLITE_OK;
  }
  if (ok) {
    long long when = monotonic_ms();
    ok = write(g_race.from_child, "c", 1) == 1 && write(g_race.from_child, &when, sizeof(when)) == sizeof(when);
  }
  if (read(g_race.to_child, &c, 1) != 1) ok = 0; /* the connection stays open until 'q' */
  ok = ok && sqlite3_close(db) == SQLITE_OK;
  return ok ? 0 : 1;
}

static int race_unlink(const char *z) {
  if (!g_race.fired) {
    char c = 0;
    g_race.fired = 1;
    if (write(g_race.to_child, "g", 1) == 1 && read(g_race.from_child, &c, 1) == 1 && c == 'c') g_race.fired = 2;
  }
  return g_race.real_unlink(z);
}

/* Put fn in place of the unix VFS's unlink (g_race.real_unlink is the real
** one), and take it out again. */
static void hook_unlink(int (*fn)(const char *)) {
  sqlite3_vfs *unixVfs = sqlite3_vfs_find("unix");
  g_race.fired = 0;
  g_race.real_unlink = (int (*)(const char *))unixVfs->xGetSystemCall(unixVfs, "unlink");
  ck_assert_int_eq(unixVfs->xSetSystemCall(unixVfs, "unlink", (sqlite3_syscall_ptr)fn), SQLITE_OK);
}

static void unhook_unlink(void) {
  sqlite3_vfs *unixVfs = sqlite3_vfs_find("unix");
  unixVfs->xSetSystemCall(unixVfs, "unlink", 0);
}

/* The other process of a race: body(path) in a child, talking over
** g_race's pipes. Forked before any hook, which the child must not have. */
static pid_t race_fork(int (*body)(const char *), const char *path) {
  int down[2], up[2];
  pid_t pid;
  ck_assert_int_eq(pipe(down), 0);
  ck_assert_int_eq(pipe(up), 0);
  pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    close(down[1]);
    close(up[0]);
    g_race.to_child = down[0];
    g_race.from_child = up[1];
    _exit(body(path));
  }
  close(down[0]);
  close(up[1]);
  g_race.to_child = down[1];
  g_race.from_child = up[0];
  return pid;
}

/* Tell the child to close and exit ('q'), and check it ended well. */
static void race_finish(pid_t pid) {
  int status = 0;
  ck_assert_int_eq(write(g_race.to_child, "q", 1), 1);
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child failed (status %d)", status);
  close(g_race.to_child);
  close(g_race.from_child);
}

START_TEST(a_database_created_during_the_delete_keeps_its_rows_and_is_not_reported_deleted) {
  const char *path = ts_path("x.db");
  int rc;
  long long returned, committed = 0;
  char c = 0;
  pid_t pid;
  sqlite3 *check;
  /* Side files of a database that is gone: an empty -wal, a -shm. */
  write_zeros(ts_path("x.db-wal"), 0);
  write_zeros(ts_path("x.db-shm"), 512);
  ck_assert_uint_eq(ts_files_left(path), TS_WAL | TS_SHM);
  pid = race_fork(race_child, path);
  hook_unlink(race_unlink);
  rc = walsafe_delete_database(path, 2000);
  returned = monotonic_ms();
  unhook_unlink();
  ck_assert_msg(g_race.fired, "walsafe unlinked nothing");
  /* The child's commit: reported to the hook, or still to come. */
  if (g_race.fired != 2) {
    ck_assert_int_eq(read(g_race.from_child, &c, 1), 1);
    ck_assert_int_eq(c, 'c');
  }
  ck_assert_int_eq(read(g_race.from_child, &committed, sizeof(committed)), (int)sizeof(committed));
  /* Every committed row is there for a new connection, and the call did
  ** not report a delete while the database it left existed. */
  check = ts_open(path, "unix", SQLITE_OPEN_READWRITE);
  ck_assert_int_eq(ts_query_int(check, "SELECT count(*) FROM t"), 100);
  {
    char *integrity = ts_query_text(check, "PRAGMA integrity_check");
    ck_assert_str_eq(integrity, "ok");
    sqlite3_free(integrity);
  }
  ts_close(check);
  ck_assert_msg(rc != SQLITE_OK || committed > returned,
                "walsafe_delete_database returned SQLITE_OK although the database it left was committed to %lld ms "
                "before it returned",
                returned - committed);
  race_finish(pid);
}
END_TEST

/* A connection of this process that does not go through walsafe, idle in
** rollback mode: it holds no lock, walsafe counts no handle of its, yet
** deleting the file under it would break its next write. */
START_TEST(a_plain_vfs_connection_of_this_process_makes_the_delete_busy_until_it_closes) {
  const char *path = ts_path("x.db");
  sqlite3 *plain = ts_open_rw(path, "unix");
  ts_exec(plain, "PRAGMA journal_mode=DELETE; CREATE TABLE t(x); INSERT INTO t VALUES(1);");
  ck_assert_int_eq(walsafe_handle_count(path), 0);
  ck_assert_int_eq(walsafe_delete_database(path, 100), SQLITE_BUSY);
  ck_assert_msg(strstr(walsafe_errmsg(), "outside walsafe") != 0, "report: %s", walsafe_errmsg());
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN);
  ts_exec(plain, "INSERT INTO t VALUES(2);"); /* still its database */
  ck_assert_int_eq(ts_query_int(plain, "SELECT count(*) FROM t"), 2);
  ts_close(plain);
  ck_assert_int_eq(walsafe_delete_database(path, 100), SQLITE_OK);
  ck_assert_uint_eq(ts_files_left(path), 0);
}
END_TEST

/* The same through the SQL function, called on that very connection (a
** client that loaded the extension before walsafe was the default VFS). */
START_TEST(the_sql_function_on_a_plain_vfs_connection_refuses_to_delete_its_own_database) {
  const char *path = ts_path("x.db");
  sqlite3 *plain = ts_open_rw(path, "unix");
  char *err = 0, *sql;
  ck_assert_int_eq(sqlite3_walsafe_init(plain, &err, 0), SQLITE_OK_LOAD_PERMANENTLY);
  ts_exec(plain, "CREATE TABLE t(x); INSERT INTO t VALUES(1);");
  sql = sqlite3_mprintf("SELECT walsafe_delete_database('%q', 50)", path);
  ck_assert_int_eq(sqlite3_exec(plain, sql, 0, 0, 0), SQLITE_BUSY);
  ck_assert_msg(strstr(sqlite3_errmsg(plain), "outside walsafe") != 0, "report: %s", sqlite3_errmsg(plain));
  ts_exec(plain, "INSERT INTO t VALUES(2);");
  ck_assert_int_eq(ts_query_int(plain, "SELECT count(*) FROM t"), 2);
  ts_close(plain);
  ck_assert_int_eq(walsafe_delete_database(path, 100), SQLITE_OK);
  ck_assert_uint_eq(ts_files_left(path), 0);
  sqlite3_free(sql);
  sqlite3_reset_auto_extension();
  ck_assert_int_eq(walsafe_register("unix", 0), SQLITE_OK); /* init made it the default */
  ck_assert_int_eq(walsafe_unregister(), SQLITE_OK);
  ck_assert_int_eq(walsafe_register("unix", 0), SQLITE_OK);
}
END_TEST

/* No false refusals: the unix VFS keeps a closed connection's descriptor
** open while another connection of the process holds a lock on the file;
** once that one closes too, the delete goes through. */
START_TEST(descriptors_the_unix_vfs_keeps_after_a_close_do_not_block_a_later_delete) {
  const char *path = ts_path("x.db");
  sqlite3 *reader = ts_open_rw(path, "unix"), *ws;
  ts_exec(reader, "PRAGMA journal_mode=DELETE; CREATE TABLE t(x); INSERT INTO t VALUES(1);");
  ws = ts_open_rw(path, "walsafe");
  ts_exec(reader, "BEGIN; SELECT count(*) FROM t;"); /* holds SHARED */
  ck_assert_int_eq(ts_query_int(ws, "SELECT count(*) FROM t"), 1);
  ts_close(ws); /* its descriptor is kept: the reader holds a lock */
  ck_assert_int_eq(walsafe_delete_database(path, 0), SQLITE_BUSY);
  ts_exec(reader, "COMMIT;");
  ts_close(reader);
  ck_assert_int_eq(walsafe_delete_database(path, 100), SQLITE_OK);
  ck_assert_uint_eq(ts_files_left(path), 0);
}
END_TEST

/* Only a final look at the disk makes the answer SQLITE_OK: a -shm created
** after the first look is deleted too, or reported. The first unlink of the
** database creates a -shm and fails with EBUSY. */
static int appear_unlink(const char *z) {
  size_t n = strlen(z);
  if (!g_race.fired && n > 5 && strcmp(z + n - 5, "/x.db") == 0) {
    char *shm = sqlite3_mprintf("%s-shm", z);
    g_race.fired = 1;
    write_zeros(shm, 512);
    sqlite3_free(shm);
    errno = EBUSY;
    return -1;
  }
  return g_race.real_unlink(z);
}

START_TEST(side_files_that_appear_after_the_first_look_are_deleted_too) {
  const char *path = ts_path("x.db");
  sqlite3 *db = ts_open_rw(path, "unix");
  int rc;
  ts_exec(db, "PRAGMA journal_mode=DELETE; CREATE TABLE t(x);");
  ts_close(db);
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN);
  hook_unlink(appear_unlink);
  rc = walsafe_delete_database(path, 2000);
  unhook_unlink();
  ck_assert(g_race.fired);
  ck_assert_msg(rc != SQLITE_OK || ts_files_left(path) == 0, "SQLITE_OK with files left: %x", ts_files_left(path));
  ck_assert_int_eq(rc, SQLITE_OK);
  ck_assert_uint_eq(ts_files_left(path), 0);
}
END_TEST

/* The same race, with a process that runs journal_mode=MEMORY: SQLite
** never checks that such a database has moved, so a file walsafe created
** to take its lock must be unusable once unlinked. */
static int race_child_memory_journal(const char *path) {
  char c;
  sqlite3 *db = 0;
  int ok, said = 0;
  if (read(g_race.to_child, &c, 1) != 1) return 2;
  ok = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, "unix") == SQLITE_OK;
  sqlite3_busy_handler(db, race_busy_handler, &said);
  ok = ok && sqlite3_exec(db,
                          "PRAGMA journal_mode=MEMORY; CREATE TABLE t(x);"
                          "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<100)"
                          " INSERT INTO t SELECT i FROM c;",
                          0, 0, 0) == SQLITE_OK;
  /* Its answer: 'c' committed, 'e' refused. */
  if (write(g_race.from_child, ok ? "c" : "e", 1) != 1) return 2;
  if (read(g_race.to_child, &c, 1) != 1) return 2;
  sqlite3_close(db);
  return 0;
}

START_TEST(a_memory_journal_connection_on_the_file_walsafe_created_commits_nothing_that_is_lost) {
  const char *path = ts_path("x.db");
  int rc;
  char c = 0;
  pid_t pid;
  write_zeros(ts_path("x.db-shm"), 512);
  pid = race_fork(race_child_memory_journal, path);
  hook_unlink(race_unlink);
  rc = walsafe_delete_database(path, 2000);
  unhook_unlink();
  ck_assert(g_race.fired);
  if (g_race.fired != 2)
    ck_assert_int_eq(read(g_race.from_child, &c, 1), 1);
  else
    c = 'c';
  if (c == 'c') {
    /* It says it committed: then its rows must be in the database. */
    sqlite3 *check = ts_open(path, "unix", SQLITE_OPEN_READWRITE);
    ck_assert_int_eq(ts_query_int(check, "SELECT count(*) FROM t"), 100);
    ts_close(check);
  } else {
    ck_assert_int_eq(c, 'e');
    ck_assert_int_eq(rc, SQLITE_OK);
    ck_assert_uint_eq(ts_files_left(path), 0);
  }
  race_finish(pid);
}
END_TEST

/* A failed delete changes nothing: an empty database file stays empty
** (not rewritten), and a database file walsafe created to take its lock is
** not left behind. */
static int eperm_unlink(const char *z) {
  size_t n = strlen(z);
  if ((n > 9 && strcmp(z + n - 9, "/empty.db") == 0) || (n > 4 && strcmp(z + n - 4, "-shm") == 0)) {
    errno = EPERM;
    return -1;
  }
  return g_race.real_unlink(z);
}

START_TEST(a_failed_delete_leaves_an_empty_database_as_it_was_and_creates_none) {
  write_zeros(ts_path("empty.db"), 0);
  write_zeros(ts_path("gone.db-shm"), 512);
  hook_unlink(eperm_unlink);
  ck_assert_int_ne(walsafe_delete_database(ts_path("empty.db"), 100), SQLITE_OK);
  ck_assert_int_ne(walsafe_delete_database(ts_path("gone.db"), 100), SQLITE_OK);
  unhook_unlink();
  ck_assert_int_eq(ts_file_size(ts_path("empty.db")), 0);
  ck_assert(!ts_exists(ts_path("gone.db")));
  ck_assert(ts_exists(ts_path("gone.db-shm")));
}
END_TEST

/* A -journal whose first byte is zero is no hot journal to SQLite
** (pager.c, hasHotJournal), whatever follows: it is deleted, and the call
** keeps to its timeout. */
START_TEST(a_journal_sqlite_does_not_take_for_hot_is_deleted_within_the_timeout) {
  const char *path = ts_path("x.db");
  unsigned char junk[512];
  sqlite3 *db = ts_open_rw(path, "unix");
  FILE *f;
  ts_exec(db, "PRAGMA journal_mode=DELETE; CREATE TABLE t(x); INSERT INTO t VALUES (1);");
  ts_close(db);
  memset(junk, 0xff, sizeof(junk));
  junk[0] = 0;
  f = fopen(ts_path("x.db-journal"), "wb");
  ck_assert_ptr_nonnull(f);
  ck_assert_uint_eq(fwrite(junk, 1, sizeof(junk), f), sizeof(junk));
  fclose(f);
  ck_assert_int_eq(walsafe_delete_database(path, 500), SQLITE_OK);
  ck_assert_uint_eq(ts_files_left(path), 0);
}
END_TEST

/* A database renamed onto the name while walsafe deletes (its -shm unlink
** does it) is another file: walsafe's lock proves nothing for it, and it is
** not unlinked under that lock. */
static int rename_onto_unlink(const char *z) {
  size_t n = strlen(z);
  if (!g_race.fired && n > 4 && strcmp(z + n - 4, "-shm") == 0) {
    g_race.fired = 1;
    ck_assert_int_eq(rename(ts_path("other.db"), ts_path("x.db")), 0);
  }
  return g_race.real_unlink(z);
}

START_TEST(a_database_renamed_onto_the_name_during_the_delete_is_not_unlinked_under_the_old_lock) {
  const char *path = ts_path("x.db");
  sqlite3 *db = ts_open_rw(ts_path("other.db"), "unix");
  int rc;
  ts_exec(db, "PRAGMA journal_mode=DELETE; CREATE TABLE kept(x); INSERT INTO kept VALUES (42);");
  ts_close(db);
  db = ts_open_rw(path, "unix");
  ts_exec(db, "PRAGMA journal_mode=DELETE; CREATE TABLE t(x);");
  ts_close(db);
  write_zeros(ts_path("x.db-shm"), 512);
  hook_unlink(rename_onto_unlink);
  rc = walsafe_delete_database(path, 0);
  unhook_unlink();
  ck_assert(g_race.fired);
  ck_assert_int_eq(rc, SQLITE_BUSY); /* the database there now is not the one it locked */
  db = ts_open(path, "unix", SQLITE_OPEN_READWRITE);
  ck_assert_int_eq(ts_query_int(db, "SELECT x FROM kept"), 42);
  ts_close(db);
}
END_TEST

/* walsafe_unregister() while a delete is at work (here from inside its
** first unlink) must not pull the parent VFS away under it. */
static int unregister_unlink(const char *z) {
  if (!g_race.fired) {
    g_race.fired = 1;
    ck_assert_int_eq(walsafe_unregister(), SQLITE_OK);
  }
  return g_race.real_unlink(z);
}

START_TEST(an_unregister_during_a_delete_does_not_pull_the_parent_away) {
  const char *path = ts_path("x.db");
  int rc;
  ts_make_wal_db(path, "walsafe", 3);
  hook_unlink(unregister_unlink);
  rc = walsafe_delete_database(path, 1000);
  unhook_unlink();
  ck_assert(g_race.fired);
  ck_assert_int_eq(rc, SQLITE_OK);
  ck_assert_uint_eq(ts_files_left(path), 0);
  ck_assert_int_eq(walsafe_register("unix", 0), SQLITE_OK);
}
END_TEST

/* The lock's own open of the database, degraded to read-only by a
** transient failure of its read-write open (no EXCLUSIVE lock can be had
** on that), is retried within the timeout. */
START_TEST(a_lock_open_degraded_by_ebusy_is_retried_and_the_delete_succeeds) {
  const char *path = ts_path("x.db");
  ts_make_wal_db(path, "walsafe", 3);
  ts_fault_open("x.db", EBUSY, 2); /* read-write opens only: read-only ones work */
  ck_assert_msg(walsafe_delete_database(path, 5000) == SQLITE_OK, "%s", walsafe_errmsg());
  ck_assert_int_eq(ts_faults_injected(), 2);
  ck_assert_uint_eq(ts_files_left(path), 0);
}
END_TEST

static Suite *delete_database_suite(void) {
  Suite *s = suite_create("delete_database");
  TCase *tc = tcase_create("delete");
  tcase_add_checked_fixture(tc, ts_setup, ts_teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, removes_the_database_and_all_three_side_files);
  tcase_add_test(tc, a_side_file_path_is_refused_and_nothing_is_deleted);
  tcase_add_test(tc, an_open_from_another_thread_during_the_delete_is_refused);
  tcase_add_test(tc, removes_empty_side_files_too);
  tcase_add_test(tc, an_empty_database_file_is_deleted_not_reported_missing);
  tcase_add_test(tc, nonexistent_database_is_notfound);
  tcase_add_test(tc, waits_for_this_processs_handles_to_close);
  tcase_add_test(tc, open_handle_means_busy_with_a_report_and_nothing_deleted);
  tcase_add_test(tc, wal_with_frames_is_emptied_before_a_delete_that_fails);
  tcase_add_test(tc, transient_delete_failures_are_retried_within_the_timeout);
  tcase_add_test(tc, database_open_in_another_process_is_busy_and_nothing_is_deleted);
  tcase_add_test(tc, database_with_a_hot_journal_is_rolled_back_and_deleted);
  tcase_add_test(tc, sql_function_deletes_a_closed_database_and_reports_a_busy_one);
  tcase_add_test(tc, a_database_created_during_the_delete_keeps_its_rows_and_is_not_reported_deleted);
  tcase_add_test(tc, a_plain_vfs_connection_of_this_process_makes_the_delete_busy_until_it_closes);
  tcase_add_test(tc, the_sql_function_on_a_plain_vfs_connection_refuses_to_delete_its_own_database);
  tcase_add_test(tc, descriptors_the_unix_vfs_keeps_after_a_close_do_not_block_a_later_delete);
  tcase_add_test(tc, side_files_that_appear_after_the_first_look_are_deleted_too);
  tcase_add_test(tc, a_memory_journal_connection_on_the_file_walsafe_created_commits_nothing_that_is_lost);
  tcase_add_test(tc, a_failed_delete_leaves_an_empty_database_as_it_was_and_creates_none);
  tcase_add_test(tc, a_journal_sqlite_does_not_take_for_hot_is_deleted_within_the_timeout);
  tcase_add_test(tc, a_database_renamed_onto_the_name_during_the_delete_is_not_unlinked_under_the_old_lock);
  tcase_add_test(tc, an_unregister_during_a_delete_does_not_pull_the_parent_away);
  tcase_add_test(tc, a_lock_open_degraded_by_ebusy_is_retried_and_the_delete_succeeds);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  ts_process_init(1);
  return ts_run(delete_database_suite());
}
