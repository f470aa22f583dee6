/*
** test_multiprocess.c: several processes use one WAL database through
** walsafe. walsafe never harms another process's connection: while one
** holds a read transaction or is writing, another process's last close
** deletes and truncates nothing (the reader keeps its snapshot, the -wal
** stays), row counts prove nothing was lost, and once every process has
** closed no side file remains.
**
** The children are forked while this process has no connection open, and
** each opens its own: no SQLite connection ever crosses a fork.
*/
#define _GNU_SOURCE 1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support.h"

/* ---- a child process driven through two pipes ---- */
typedef struct child {
  pid_t pid;
  int to_child;   /* parent writes: "go on" */
  int from_child; /* parent reads: "done with this step" */
} child;

typedef int (*child_body)(int in, int out, void *arg); /* exit status */

static child start_child(child_body body, void *arg) {
  int down[2], up[2];
  child c;
  ck_assert_int_eq(pipe(down), 0);
  ck_assert_int_eq(pipe(up), 0);
  c.pid = fork();
  ck_assert_int_ge(c.pid, 0);
  if (c.pid == 0) {
    close(down[1]);
    close(up[0]);
    _exit(body(down[0], up[1], arg));
  }
  close(down[0]);
  close(up[1]);
  c.to_child = down[1];
  c.from_child = up[0];
  return c;
}

/* Wait for the child's next step; it reports 'y' (fine) or 'n'. */
static void wait_step(child *c) {
  char ch = 0;
  ck_assert_int_eq(read(c->from_child, &ch, 1), 1);
  ck_assert_msg(ch == 'y', "the child reported a failure");
}

static void go_on(child *c) { ck_assert_int_eq(write(c->to_child, "g", 1), 1); }

static void finish(child *c) {
  int status = 0;
  close(c->to_child);
  close(c->from_child);
  ck_assert_int_eq(waitpid(c->pid, &status, 0), c->pid);
  ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child %d ended with status %#x", (int)c->pid, status);
}

static int report(int out, int ok) { return write(out, ok ? "y" : "n", 1) == 1 && ok; }
static int await_go(int in) {
  char ch;
  return read(in, &ch, 1) == 1;
}

static long long child_count(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st = 0;
  long long n = -1;
  if (sqlite3_prepare_v2(db, sql, -1, &st, 0) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
    n = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  return n;
}

/* ---- several writers ---- */
typedef struct writer_arg {
  const char *path;
  int id;
  int rows;
} writer_arg;

static int writer_body(int in, int out, void *arg) {
  writer_arg *w = arg;
  sqlite3 *db = 0;
  sqlite3_stmt *st = 0;
  int ok, i;
  (void)in;
  ok = sqlite3_open_v2(w->path, &db, SQLITE_OPEN_READWRITE, "walsafe") == SQLITE_OK;
  sqlite3_busy_timeout(db, 20000);
  ok = ok && sqlite3_prepare_v2(db, "INSERT INTO t(who, n) VALUES (?, ?)", -1, &st, 0) == SQLITE_OK;
  for (i = 0; ok && i < w->rows; i++) {
    sqlite3_bind_int(st, 1, w->id);
    sqlite3_bind_int(st, 2, i);
    ok = sqlite3_step(st) == SQLITE_DONE;
    if (!ok) fprintf(stderr, "writer %d: %s\n", w->id, sqlite3_errmsg(db));
    sqlite3_reset(st);
    if (i % 50 == 25) {
      /* Close and reopen now and then: last-close cleanups while others
      ** are still writing. */
      sqlite3_finalize(st);
      ok = sqlite3_close(db) == SQLITE_OK &&
           sqlite3_open_v2(w->path, &db, SQLITE_OPEN_READWRITE, "walsafe") == SQLITE_OK;
      sqlite3_busy_timeout(db, 20000);
      ok = ok && sqlite3_prepare_v2(db, "INSERT INTO t(who, n) VALUES (?, ?)", -1, &st, 0) == SQLITE_OK;
    }
  }
  sqlite3_finalize(st);
  ok = sqlite3_close(db) == SQLITE_OK && ok;
  report(out, ok);
  return ok ? 0 : 1;
}

START_TEST(several_processes_write_through_walsafe_and_nothing_is_lost) {
  enum { NPROC = 4, ROWS = 150 };
  const char *path = ts_path("shared.db");
  writer_arg args[NPROC];
  child kids[NPROC];
  sqlite3 *db = ts_open_rw(path, "walsafe");
  int i;
  ts_exec(db, "PRAGMA journal_mode=WAL; CREATE TABLE t(who INTEGER, n INTEGER)");
  ts_close(db);
  for (i = 0; i < NPROC; i++) {
    args[i].path = path;
    args[i].id = i;
    args[i].rows = ROWS;
    kids[i] = start_child(writer_body, &args[i]);
  }
  for (i = 0; i < NPROC; i++) {
    wait_step(&kids[i]);
    finish(&kids[i]);
  }
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN);
  db = ts_open_rw(path, "unix");
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), NPROC * ROWS);
  for (i = 0; i < NPROC; i++) {
    char *sql = sqlite3_mprintf("SELECT count(DISTINCT n) FROM t WHERE who = %d", i);
    ck_assert_int_eq(ts_query_int(db, sql), ROWS);
    sqlite3_free(sql);
  }
  ts_close(db);
}
END_TEST

/* ---- a reader in another process while this one closes ---- */
typedef struct reader_arg {
  const char *path;
  long long before, after; /* rows in its snapshot, and after it */
} reader_arg;

static int reader_body(int in, int out, void *arg) {
  reader_arg *r = arg;
  sqlite3 *db = 0;
  int ok = sqlite3_open_v2(r->path, &db, SQLITE_OPEN_READWRITE, "walsafe") == SQLITE_OK &&
           sqlite3_exec(db, "BEGIN", 0, 0, 0) == SQLITE_OK && child_count(db, "SELECT count(*) FROM t") == r->before;
  /* Step 1: the read transaction is open. */
  if (!report(out, ok) || !await_go(in)) return 1;
  /* Step 2: the other process wrote and closed; the snapshot holds. */
  ok = child_count(db, "SELECT count(*) FROM t") == r->before && sqlite3_exec(db, "COMMIT", 0, 0, 0) == SQLITE_OK &&
       child_count(db, "SELECT count(*) FROM t") == r->after;
  ok = sqlite3_close(db) == SQLITE_OK && ok;
  report(out, ok);
  return ok ? 0 : 1;
}

START_TEST(reader_in_another_process_keeps_its_snapshot_and_wal_when_this_one_closes) {
  const char *path = ts_path("shared.db");
  reader_arg arg = {0, 100, 300};
  walsafe_counters before;
  sqlite3 *db;
  child reader;
  arg.path = path;
  ts_make_wal_db(path, "walsafe", 100);
  reader = start_child(reader_body, &arg);
  wait_step(&reader);
  before = ts_counters();
  db = ts_open_rw(path, "walsafe");
  ts_exec(db, "INSERT INTO t SELECT x + 100 FROM t; INSERT INTO t SELECT x + 200 FROM t WHERE x <= 100");
  ts_close(db); /* the last close in this process, not in the system */
  /* Nothing of the reader's was deleted or truncated. */
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN | TS_WAL | TS_SHM);
  ck_assert_int_gt(ts_file_size(ts_path("shared.db-wal")), 0);
  ck_assert_int_eq(ts_counters().wal_truncated, before.wal_truncated);
  go_on(&reader);
  wait_step(&reader);
  finish(&reader);
  /* The reader closed last: it cleaned up. */
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN);
  db = ts_open_rw(path, "unix");
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 300);
  ts_close(db);
}
END_TEST

START_TEST(read_only_reader_in_another_process_is_not_disturbed_and_cleans_up_last) {
  /* Like the above, but this process's connection is read-only too, so
  ** walsafe would want to checkpoint on its behalf: it must not. */
  const char *path = ts_path("shared.db");
  reader_arg arg = {0, 100, 150};
  sqlite3 *rw, *ro;
  child reader;
  arg.path = path;
  ts_make_wal_db(path, "walsafe", 100);
  reader = start_child(reader_body, &arg);
  wait_step(&reader);
  rw = ts_open_rw(path, "walsafe");
  ro = ts_open(path, "walsafe", SQLITE_OPEN_READONLY);
  ck_assert_int_eq(ts_query_int(ro, "SELECT count(*) FROM t"), 100);
  ts_exec(rw, "INSERT INTO t SELECT x + 100 FROM t WHERE x <= 50");
  ts_close(rw);
  ts_close(ro);
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN | TS_WAL | TS_SHM);
  ck_assert_int_gt(ts_file_size(ts_path("shared.db-wal")), 0);
  go_on(&reader);
  wait_step(&reader);
  finish(&reader);
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN);
  rw = ts_open_rw(path, "unix");
  ck_assert_int_eq(ts_query_int(rw, "SELECT count(*) FROM t"), 150);
  ts_close(rw);
}
END_TEST

/* ---- an idle connection in another process while this one closes ----
** The other process has read once and holds no transaction: SQLite's own
** close cannot get its EXCLUSIVE lock and leaves the frames to it. walsafe
** must leave the -wal exactly as SQLite does, byte for byte (no private
** checkpoint on the other process's behalf). */
typedef struct idle_arg {
  const char *path;
  const char *vfs;
} idle_arg;

static int idle_body(int in, int out, void *arg) {
  idle_arg *a = arg;
  sqlite3 *db = 0;
  int ok = sqlite3_open_v2(a->path, &db, SQLITE_OPEN_READWRITE, a->vfs) == SQLITE_OK &&
           child_count(db, "SELECT count(*) FROM t") >= 0;
  if (!report(out, ok) || !await_go(in)) return 1;
  ok = sqlite3_close(db) == SQLITE_OK && ok;
  report(out, ok);
  return ok ? 0 : 1;
}

static char *read_whole(const char *path, long long *pn) {
  FILE *f = fopen(path, "rb");
  char *buf;
  long long n = ts_file_size(path);
  ck_assert_ptr_nonnull(f);
  ck_assert_int_gt(n, 0);
  buf = malloc((size_t)n);
  ck_assert_int_eq((long long)fread(buf, 1, (size_t)n, f), n);
  fclose(f);
  *pn = n;
  return buf;
}

/* The -wal after this process's last close, compared with the one before
** it; vfs is this process's VFS. */
static void last_close_beside_an_idle_process(const char *vfs) {
  const char *path = ts_path("shared.db");
  idle_arg arg;
  sqlite3 *db;
  child idle;
  char *before, *after;
  long long nBefore, nAfter;
  arg.path = path;
  arg.vfs = "unix";
  ts_make_wal_db(path, vfs, 10);
  idle = start_child(idle_body, &arg);
  wait_step(&idle);
  db = ts_open_rw(path, vfs);
  ts_exec(db, "INSERT INTO t SELECT x + 10 FROM t");
  before = read_whole(ts_path("shared.db-wal"), &nBefore);
  ts_close(db); /* the last close in this process, not in the system */
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN | TS_WAL | TS_SHM);
  after = read_whole(ts_path("shared.db-wal"), &nAfter);
  ck_assert_int_eq(nAfter, nBefore);
  ck_assert_msg(memcmp(before, after, (size_t)nBefore) == 0, "the -wal changed at this process's last close (%s)", vfs);
  free(before);
  free(after);
  go_on(&idle);
  wait_step(&idle);
  finish(&idle);
  db = ts_open_rw(path, "unix");
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 20);
  ts_close(db);
}

START_TEST(wal_is_left_byte_for_byte_as_plain_sqlite_leaves_it_while_another_process_has_the_database_open) {
  last_close_beside_an_idle_process("unix"); /* what SQLite does */
  ts_teardown();
  ts_setup();
  last_close_beside_an_idle_process("walsafe");
}
END_TEST

/* ---- a writer in another process while this one closes ---- */
static int writer_mid_transaction_body(int in, int out, void *arg) {
  const char *path = arg;
  sqlite3 *db = 0;
  int ok = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, "walsafe") == SQLITE_OK &&
           sqlite3_exec(db,
                        "PRAGMA cache_size=5; BEGIN IMMEDIATE;"
                        "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<2000)"
                        " INSERT INTO t SELECT 1000 + i FROM c;",
                        0, 0, 0) == SQLITE_OK;
  /* Step 1: mid-transaction (small cache: frames already in the -wal). */
  if (!report(out, ok) || !await_go(in)) return 1;
  ok = sqlite3_exec(db, "COMMIT", 0, 0, 0) == SQLITE_OK && child_count(db, "SELECT count(*) FROM t") == 2010;
  ok = sqlite3_close(db) == SQLITE_OK && ok;
  report(out, ok);
  return ok ? 0 : 1;
}

START_TEST(writer_in_another_process_is_not_disturbed_when_this_one_closes) {
  const char *path = ts_path("shared.db");
  sqlite3 *db;
  long long walSize;
  child writer;
  ts_make_wal_db(path, "walsafe", 10);
  writer = start_child(writer_mid_transaction_body, (void *)path);
  wait_step(&writer);
  walSize = ts_file_size(ts_path("shared.db-wal"));
  ck_assert_int_gt(walSize, 0);
  db = ts_open(path, "walsafe", SQLITE_OPEN_READONLY);
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 10); /* not the uncommitted rows */
  ts_close(db);
  db = ts_open_rw(path, "walsafe");
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 10);
  ts_close(db);
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN | TS_WAL | TS_SHM);
  ck_assert_int_ge(ts_file_size(ts_path("shared.db-wal")), walSize);
  go_on(&writer);
  wait_step(&writer);
  finish(&writer);
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN);
  db = ts_open_rw(path, "unix");
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 2010);
  ts_close(db);
}
END_TEST

static Suite *multiprocess_suite(void) {
  Suite *s = suite_create("multiprocess");
  TCase *tc = tcase_create("processes");
  tcase_add_checked_fixture(tc, ts_setup, ts_teardown);
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, several_processes_write_through_walsafe_and_nothing_is_lost);
  tcase_add_test(tc, reader_in_another_process_keeps_its_snapshot_and_wal_when_this_one_closes);
  tcase_add_test(tc, read_only_reader_in_another_process_is_not_disturbed_and_cleans_up_last);
  tcase_add_test(tc, writer_in_another_process_is_not_disturbed_when_this_one_closes);
  tcase_add_test(tc, wal_is_left_byte_for_byte_as_plain_sqlite_leaves_it_while_another_process_has_the_database_open);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  ts_process_init(1);
  return ts_run(multiprocess_suite());
}
