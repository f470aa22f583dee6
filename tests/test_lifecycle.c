/*
** test_lifecycle.c: walsafe across SQLite's own life cycle. SQLite may be
** shut down and initialised again, with another mutex implementation or
** memory allocator configured in between (SQLite's mutex1.test and
** memsubsys*.test do exactly that); walsafe keeps working, and it leaves
** nothing in SQLite's heap once nothing is open and it is unregistered.
*/
#include <stdlib.h>
#include <string.h>

#include "support.h"

/* ---- a mutex implementation with objects of its own ----
** Each mutex is a wrapper around one of the original implementation's: a
** mutex object from before the switch handed to these methods (or the
** other way round) is a wrong pointer, which ASan, valgrind or a crash
** would show. */
typedef struct wrapped_mutex {
  unsigned magic;
  sqlite3_mutex *inner;
} wrapped_mutex;
#define WRAPPED_MAGIC 0x57a15afeu

static sqlite3_mutex_methods g_orig;
static int g_wrapped_enters;

static int w_init(void) { return g_orig.xMutexInit(); }
static int w_end(void) { return g_orig.xMutexEnd(); }
static sqlite3_mutex *w_alloc(int type) {
  static wrapped_mutex statics[16];
  wrapped_mutex *w;
  sqlite3_mutex *inner = g_orig.xMutexAlloc(type);
  if (inner == 0) return 0;
  if (type > SQLITE_MUTEX_RECURSIVE) {
    w = &statics[type & 15];
  } else {
    w = malloc(sizeof(*w));
    if (w == 0) return 0;
  }
  w->magic = WRAPPED_MAGIC;
  w->inner = inner;
  return (sqlite3_mutex *)w;
}
static wrapped_mutex *w_check(sqlite3_mutex *m) {
  wrapped_mutex *w = (wrapped_mutex *)m;
  if (w->magic != WRAPPED_MAGIC) abort(); /* not one of ours */
  return w;
}
static void w_free(sqlite3_mutex *m) {
  wrapped_mutex *w = w_check(m);
  g_orig.xMutexFree(w->inner);
  w->magic = 0;
  free(w);
}
static void w_enter(sqlite3_mutex *m) {
  g_wrapped_enters++;
  g_orig.xMutexEnter(w_check(m)->inner);
}
static int w_try(sqlite3_mutex *m) { return g_orig.xMutexTry(w_check(m)->inner); }
static void w_leave(sqlite3_mutex *m) { g_orig.xMutexLeave(w_check(m)->inner); }

static const sqlite3_mutex_methods g_wrapped = {w_init, w_end, w_alloc, w_free, w_enter, w_try, w_leave, 0, 0};

/* Open, write in WAL and in rollback mode, close, delete: the whole of
** walsafe's work on one database. */
static void use_walsafe(const char *name) {
  const char *path = ts_path(name);
  sqlite3 *db = ts_open_rw(path, "walsafe");
  ts_exec(db, "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1), (2);");
  ck_assert_int_eq(walsafe_handle_count(path), 2);
  ts_close(db);
  ck_assert_uint_eq(ts_files_left(path), TS_MAIN);
  db = ts_open_rw(path, "walsafe");
  ts_exec(db, "PRAGMA journal_mode=DELETE; INSERT INTO t VALUES (3);");
  ck_assert_int_eq(ts_query_int(db, "SELECT count(*) FROM t"), 3);
  ts_close(db);
  ck_assert_int_eq(walsafe_delete_database(path, 1000), SQLITE_OK);
  ck_assert_uint_eq(ts_files_left(path), 0);
}

START_TEST(walsafe_works_after_a_shutdown_and_a_new_mutex_implementation) {
  use_walsafe("before.db");
  ck_assert_int_eq(sqlite3_shutdown(), SQLITE_OK);
  ck_assert_int_eq(sqlite3_config(SQLITE_CONFIG_GETMUTEX, &g_orig), SQLITE_OK);
  ck_assert_int_eq(sqlite3_config(SQLITE_CONFIG_MUTEX, &g_wrapped), SQLITE_OK);
  ck_assert_int_eq(sqlite3_initialize(), SQLITE_OK);
  g_wrapped_enters = 0;
  use_walsafe("after.db");
  ck_assert_int_gt(g_wrapped_enters, 0); /* SQLite runs on the new mutexes */
  /* Back to the original implementation, for the tests that follow in
  ** this process (CK_FORK=no under valgrind). */
  ck_assert_int_eq(sqlite3_shutdown(), SQLITE_OK);
  ck_assert_int_eq(sqlite3_config(SQLITE_CONFIG_MUTEX, &g_orig), SQLITE_OK);
  ck_assert_int_eq(sqlite3_initialize(), SQLITE_OK);
  use_walsafe("again.db");
}
END_TEST

START_TEST(nothing_stays_in_sqlites_heap_once_walsafe_is_unregistered) {
  sqlite3_int64 before;
  int i;
  ck_assert_int_eq(walsafe_unregister(), SQLITE_OK);
  before = sqlite3_memory_used();
  ck_assert_int_eq(walsafe_register("unix", 0), SQLITE_OK);
  for (i = 0; i < 40; i++) {
    char name[32];
    sqlite3_snprintf(sizeof(name), name, "m%d.db", i);
    use_walsafe(name);
  }
  ck_assert_int_eq(walsafe_unregister(), SQLITE_OK);
  ck_assert_int_eq(sqlite3_memory_used(), before);
  ck_assert_int_eq(walsafe_register("unix", 0), SQLITE_OK);
}
END_TEST

START_TEST(nothing_stays_in_sqlites_heap_after_a_shutdown) {
  use_walsafe("a.db");
  ck_assert_int_eq(sqlite3_shutdown(), SQLITE_OK);
  ck_assert_int_eq(sqlite3_memory_used(), 0);
  ck_assert_int_eq(sqlite3_initialize(), SQLITE_OK);
  use_walsafe("b.db");
}
END_TEST

static Suite *lifecycle_suite(void) {
  Suite *s = suite_create("lifecycle");
  TCase *tc = tcase_create("shutdown");
  tcase_add_checked_fixture(tc, ts_setup, ts_teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, walsafe_works_after_a_shutdown_and_a_new_mutex_implementation);
  tcase_add_test(tc, nothing_stays_in_sqlites_heap_once_walsafe_is_unregistered);
  tcase_add_test(tc, nothing_stays_in_sqlites_heap_after_a_shutdown);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  ts_process_init(1);
  return ts_run(lifecycle_suite());
}
