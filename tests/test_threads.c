/*
** test_threads.c: many threads opening, writing and closing the same and
** different databases through walsafe at once, while others read the
** registry (handle counts, status, counters). Every row arrives, no file
** stays open, no side file remains. Built with -DWALSAFE_SANITIZE=thread
** this is the ThreadSanitizer run.
*/
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

enum { NTHREADS = 8, ROUNDS = 25 };

typedef struct worker {
  const char *path;
  int id;
  int failed; /* 0, or the first SQLite error */
  char why[256];
} worker;

static void record_failure(worker *w, sqlite3 *db, int rc, const char *what) {
  if (w->failed) return;
  w->failed = rc ? rc : -1;
  snprintf(w->why, sizeof(w->why), "thread %d: %s: %s (%d)", w->id, what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc),
           db ? sqlite3_extended_errcode(db) : rc);
}

/* A WAL database with an empty table t(who, n). Made before the threads
** start: two connections switching one database into WAL at once get
** SQLITE_BUSY from SQLite without a busy handler, walsafe or not. */
static void make_empty_wal_db(const char *path) {
  sqlite3 *db = ts_open_rw(path, "walsafe");
  ts_exec(db, "PRAGMA journal_mode=WAL; CREATE TABLE t(who, n)");
  ts_close(db);
}

/* ROUNDS times: open, insert one row tagged with the thread's id, close. */
static void *open_write_close(void *arg) {
  worker *w = arg;
  int round;
  for (round = 0; round < ROUNDS && !w->failed; round++) {
    sqlite3 *db = 0;
    char *sql;
    int rc = sqlite3_open_v2(w->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, "walsafe");
    if (rc != SQLITE_OK) {
      record_failure(w, db, rc, "open");
      sqlite3_close(db);
      break;
    }
    sqlite3_busy_timeout(db, 30000);
    sql = sqlite3_mprintf("INSERT INTO t VALUES (%d, %d)", w->id, round);
    rc = sqlite3_exec(db, sql, 0, 0, 0);
    sqlite3_free(sql);
    if (rc != SQLITE_OK) record_failure(w, db, rc, "insert");
    rc = sqlite3_close(db);
    if (rc != SQLITE_OK) record_failure(w, 0, rc, "close");
  }
  return 0;
}

static atomic_int g_stop;

/* Reads the registry while the workers change it. */
static void *observe(void *arg) {
  const char *path = arg;
  while (!atomic_load(&g_stop)) {
    walsafe_counters c;
    char *status = walsafe_status(path);
    int n = walsafe_handle_count(path);
    if (status == 0 || n < -SQLITE_NOTFOUND || walsafe_get_counters(&c) != SQLITE_OK) {
      fprintf(stderr, "observer: status %p count %d\n", (void *)status, n);
      atomic_store(&g_stop, 2);
    }
    sqlite3_free(status);
  }
  return 0;
}

static void run_workers(worker *w, const char *observed) {
  pthread_t threads[NTHREADS], observer;
  int i;
  atomic_store(&g_stop, 0);
  ck_assert_int_eq(pthread_create(&observer, 0, observe, (void *)observed), 0);
  for (i = 0; i < NTHREADS; i++)
    ck_assert_int_eq(pthread_create(&threads[i], 0, open_write_close, &w[i]), 0);
  for (i = 0; i < NTHREADS; i++)
    ck_assert_int_eq(pthread_join(threads[i], 0), 0);
  ck_assert_int_eq(atomic_exchange(&g_stop, 1), 0); /* the observer saw nothing wrong */
  ck_assert_int_eq(pthread_join(observer, 0), 0);
  for (i = 0; i < NTHREADS; i++)
    ck_assert_msg(w[i].failed == 0, "%s", w[i].why);
}

START_TEST(threads_opening_writing_closing_one_database_lose_nothing_and_leave_nothing) {
  const char *path = ts_path("one.db");
  walsafe_counters before = ts_counters(), after;
  worker w[NTHREADS];
  sqlite3 *db;
  int i;
  memset(w, 0, sizeof(w));
  make_empty_wal_db(path);
  for (i = 0; i < NTHREADS; i++) {
    w[i].path = path;
    w[i].id = i;
  }
  run_workers(w, path);
  after = ts_counters();
  ck_assert_int_eq(after.files_open, 0);
  ck_assert_int_eq(after.databases_tracked, before.databases_tracked);
  ck_assert_int_eq(after.failures, before.failures);
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN);
  db = ts_open_rw(path, "unix");
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), NTHREADS * ROUNDS);
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM (SELECT DISTINCT who, n FROM t)"), NTHREADS * ROUNDS);
  ts_close(db);
}
END_TEST

START_TEST(threads_each_with_its_own_database_lose_nothing_and_leave_nothing) {
  static char paths[NTHREADS][64];
  walsafe_counters before = ts_counters(), after;
  worker w[NTHREADS];
  int i;
  memset(w, 0, sizeof(w));
  for (i = 0; i < NTHREADS; i++) {
    char name[32];
    snprintf(name, sizeof(name), "own%d.db", i);
    ck_assert_int_lt(snprintf(paths[i], sizeof(paths[i]), "%s", ts_path(name)), (int)sizeof(paths[i]));
    w[i].path = paths[i];
    w[i].id = i;
    make_empty_wal_db(paths[i]);
  }
  run_workers(w, paths[0]);
  after = ts_counters();
  ck_assert_int_eq(after.files_open, 0);
  ck_assert_int_eq(after.databases_tracked, before.databases_tracked);
  for (i = 0; i < NTHREADS; i++) {
    sqlite3 *db;
    ck_assert_uint_eq(ts_files_left(paths[i]), TS_MAIN);
    db = ts_open_rw(paths[i], "unix");
    ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), ROUNDS);
    ts_close(db);
  }
}
END_TEST

/* Half the threads write through one shared FULLMUTEX connection, the
** others open and close their own, and one deletes a third database. */
typedef struct shared_arg {
  sqlite3 *db;
  int id;
  int failed;
} shared_arg;

static void *write_through_shared_connection(void *arg) {
  shared_arg *s = arg;
  int i;
  for (i = 0; i < ROUNDS && !s->failed; i++) {
    char *sql = sqlite3_mprintf("INSERT INTO t VALUES (%d, %d)", s->id, i);
    if (sqlite3_exec(s->db, sql, 0, 0, 0) != SQLITE_OK) s->failed = 1;
    sqlite3_free(sql);
  }
  return 0;
}

START_TEST(threads_sharing_one_connection_and_deleting_another_database) {
  const char *path = ts_path("shared.db");
  const char *doomed = ts_path("doomed.db");
  shared_arg args[NTHREADS];
  pthread_t threads[NTHREADS];
  sqlite3 *db;
  int i;
  ts_make_wal_db(doomed, "walsafe", 3);
  db = ts_open(path, "walsafe", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX);
  ts_exec(db, "PRAGMA journal_mode=WAL; CREATE TABLE t(who, n)");
  for (i = 0; i < NTHREADS; i++) {
    args[i].db = db;
    args[i].id = i;
    args[i].failed = 0;
    ck_assert_int_eq(pthread_create(&threads[i], 0, write_through_shared_connection, &args[i]), 0);
  }
  ck_assert_int_eq(walsafe_delete_database(doomed, 5000), SQLITE_OK);
  for (i = 0; i < NTHREADS; i++) {
    ck_assert_int_eq(pthread_join(threads[i], 0), 0);
    ck_assert_int_eq(args[i].failed, 0);
  }
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), NTHREADS * ROUNDS);
  ts_close(db);
  ck_assert_uint_eq(ts_files_left(doomed), 0);
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN);
  ck_assert_int_eq(ts_counters().files_open, 0);
}
END_TEST

static Suite *threads_suite(void) {
  Suite *s = suite_create("threads");
  TCase *tc = tcase_create("concurrency");
  tcase_add_checked_fixture(tc, ts_setup, ts_teardown);
  tcase_set_timeout(tc, 240);
  tcase_add_test(tc, threads_opening_writing_closing_one_database_lose_nothing_and_leave_nothing);
  tcase_add_test(tc, threads_each_with_its_own_database_lose_nothing_and_leave_nothing);
  tcase_add_test(tc, threads_sharing_one_connection_and_deleting_another_database);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  ts_process_init(1);
  return ts_run(threads_suite());
}
