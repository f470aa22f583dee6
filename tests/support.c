/*
** support.c: the shared fixture, assertions on SQLite, log capture and
** fault injection of the test suites (support.h says how to use them).
*/
#define _GNU_SOURCE 1 /* mkdtemp, nftw */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char g_dir[PATH_MAX];
static char g_cwd[PATH_MAX];

/* ---------------------------------------------------------------------------
** The log
*/
#define TS_LOG_LINES 256
static pthread_mutex_t g_log_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct {
  int code;
  char text[512];
} g_log[TS_LOG_LINES];
static int g_log_n;

static void ts_log_callback(void *unused, int code, const char *msg) {
  int saved_errno = errno; /* the unix VFS reads errno after it logs */
  (void)unused;
  pthread_mutex_lock(&g_log_mutex);
  if (g_log_n < TS_LOG_LINES) {
    g_log[g_log_n].code = code;
    snprintf(g_log[g_log_n].text, sizeof(g_log[0].text), "%s", msg);
    g_log_n++;
  }
  pthread_mutex_unlock(&g_log_mutex);
  if (getenv("WALSAFE_TEST_VERBOSE")) fprintf(stderr, "sqlite3_log(%d): %s\n", code, msg);
  errno = saved_errno;
}

void ts_log_clear(void) {
  pthread_mutex_lock(&g_log_mutex);
  g_log_n = 0;
  pthread_mutex_unlock(&g_log_mutex);
}

int ts_log_contains(int errCode, const char *z) {
  int i, found = 0;
  pthread_mutex_lock(&g_log_mutex);
  for (i = 0; i < g_log_n && !found; i++) {
    found = (errCode < 0 || (g_log[i].code & 0xff) == errCode) && strstr(g_log[i].text, z) != 0;
  }
  pthread_mutex_unlock(&g_log_mutex);
  return found;
}

void ts_process_init(int registerWalsafe) {
  if (sqlite3_config(SQLITE_CONFIG_LOG, ts_log_callback, (void *)0) != SQLITE_OK) {
    fprintf(stderr, "support: SQLITE_CONFIG_LOG must come before sqlite3_initialize\n");
    exit(2);
  }
  if (getcwd(g_cwd, sizeof(g_cwd)) == 0) g_cwd[0] = 0;
  if (registerWalsafe && walsafe_register("unix", 0) != SQLITE_OK) {
    fprintf(stderr, "support: walsafe_register failed: %s\n", walsafe_errmsg());
    exit(2);
  }
}

int ts_run(Suite *s) {
  SRunner *sr = srunner_create(s);
  int failed;
  printf("SQLite %s (%s)\n", sqlite3_libversion(), sqlite3_sourceid());
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* ---------------------------------------------------------------------------
** The fixture
*/
static int ts_remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

void ts_setup(void) {
  const char *base = getenv("TMPDIR");
  snprintf(g_dir, sizeof(g_dir), "%s/walsafe-test-XXXXXX", base && *base ? base : "/tmp");
  ck_assert_msg(mkdtemp(g_dir) != 0, "mkdtemp: %s", strerror(errno));
  ts_log_clear();
}

void ts_teardown(void) {
  ts_faults_clear();
  if (walsafe_config(WALSAFE_CONFIG_RETRY_MS, WALSAFE_DEFAULT_RETRY_MS, 0) == SQLITE_OK) {
    walsafe_config(WALSAFE_CONFIG_CLEANUP, WALSAFE_CLEANUP_AUTO, 0);
  }
  if (g_cwd[0] && chdir(g_cwd) != 0) perror("chdir");
  if (g_dir[0]) nftw(g_dir, ts_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  g_dir[0] = 0;
}

const char *ts_dir(void) { return g_dir; }

const char *ts_path(const char *name) {
  static char bufs[8][PATH_MAX];
  static atomic_int next;
  char *b = bufs[atomic_fetch_add(&next, 1) & 7];
  int n = snprintf(b, PATH_MAX, "%s/%s", g_dir, name);
  ck_assert_msg(n > 0 && n < PATH_MAX, "path too long: %s/%s", g_dir, name);
  return b;
}

/* ---------------------------------------------------------------------------
** Files
*/
int ts_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

long long ts_file_size(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

unsigned ts_files_left(const char *dbPath) {
  static const struct {
    const char *suffix;
    unsigned bit;
  } files[] = {{"", TS_MAIN}, {"-wal", TS_WAL}, {"-shm", TS_SHM}, {"-journal", TS_JOURNAL}};
  char name[PATH_MAX + 16];
  unsigned left = 0;
  size_t i;
  for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
    snprintf(name, sizeof(name), "%s%s", dbPath, files[i].suffix);
    if (ts_exists(name)) left |= files[i].bit;
  }
  return left;
}

void ts_copy_file(const char *from, const char *to) {
  char buf[8192];
  ssize_t n;
  int in = open(from, O_RDONLY), out;
  ck_assert_msg(in >= 0, "open %s: %s", from, strerror(errno));
  out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ck_assert_msg(out >= 0, "open %s: %s", to, strerror(errno));
  while ((n = read(in, buf, sizeof(buf))) > 0)
    ck_assert(write(out, buf, (size_t)n) == n);
  close(in);
  close(out);
}

/* ---------------------------------------------------------------------------
** SQLite
*/
sqlite3 *ts_open(const char *path, const char *vfs, int flags) {
  sqlite3 *db = 0;
  int rc = sqlite3_open_v2(path, &db, flags, vfs);
  ck_assert_msg(rc == SQLITE_OK, "open %s (vfs %s): %s", path, vfs ? vfs : "default",
                db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  return db;
}

sqlite3 *ts_open_rw(const char *path, const char *vfs) {
  return ts_open(path, vfs, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI);
}

void ts_exec(sqlite3 *db, const char *sql) {
  char *err = 0;
  int rc = sqlite3_exec(db, sql, 0, 0, &err);
  ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, err ? err : sqlite3_errstr(rc));
}

long long ts_query_int(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st = 0;
  long long v;
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, 0);
  ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
  rc = sqlite3_step(st);
  ck_assert_msg(rc == SQLITE_ROW, "%s: %s", sql, sqlite3_errmsg(db));
  v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

char *ts_query_text(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st = 0;
  char *z;
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, 0);
  ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
  rc = sqlite3_step(st);
  ck_assert_msg(rc == SQLITE_ROW, "%s: %s", sql, sqlite3_errmsg(db));
  z = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  return z;
}

void ts_close(sqlite3 *db) {
  int rc = sqlite3_close(db);
  ck_assert_msg(rc == SQLITE_OK, "sqlite3_close: %s", sqlite3_errstr(rc));
}

void ts_make_wal_db(const char *path, const char *vfs, int n) {
  sqlite3 *db = ts_open_rw(path, vfs);
  char *sql = sqlite3_mprintf(
      "PRAGMA journal_mode=WAL; CREATE TABLE t(x);"
      "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<%d)"
      " INSERT INTO t SELECT i FROM c;",
      n);
  ts_exec(db, sql);
  sqlite3_free(sql);
  ts_close(db);
}

walsafe_counters ts_counters(void) {
  walsafe_counters c;
  ck_assert_int_eq(walsafe_get_counters(&c), SQLITE_OK);
  return c;
}

/* ---------------------------------------------------------------------------
** Fault injection
*/
typedef int (*ts_unlink_fn)(const char *);
typedef int (*ts_open_fn)(const char *, int, int);

static struct {
  char suffix[64];
  int err;
  atomic_int remaining; /* -1: forever */
  atomic_int injected;
} g_unlink_fault, g_open_fault;
static ts_unlink_fn g_real_unlink;
static ts_open_fn g_real_open;

static int ts_path_matches(const char *path, const char *suffix) {
  size_t n = strlen(path), k = strlen(suffix);
  return k > 0 && n >= k && strcmp(path + n - k, suffix) == 0;
}

/* One more failure to inject? Counts it. */
static int ts_take_fault(atomic_int *remaining, atomic_int *injected) {
  int r = atomic_load(remaining);
  for (;;) {
    if (r == 0) return 0;
    if (r < 0) break;
    if (atomic_compare_exchange_weak(remaining, &r, r - 1)) break;
  }
  atomic_fetch_add(injected, 1);
  return 1;
}

static int ts_faulty_unlink(const char *path) {
  if (ts_path_matches(path, g_unlink_fault.suffix) &&
      ts_take_fault(&g_unlink_fault.remaining, &g_unlink_fault.injected)) {
    errno = g_unlink_fault.err;
    return -1;
  }
  return g_real_unlink(path);
}

static int g_open_fault_any_mode;

static int ts_faulty_open(const char *path, int flags, int mode) {
  if ((g_open_fault_any_mode || (flags & O_ACCMODE) == O_RDWR) && ts_path_matches(path, g_open_fault.suffix) &&
      ts_take_fault(&g_open_fault.remaining, &g_open_fault.injected)) {
    errno = g_open_fault.err;
    return -1;
  }
  return g_real_open(path, flags, mode);
}

static sqlite3_vfs *ts_unix(void) {
  sqlite3_vfs *v = sqlite3_vfs_find("unix");
  ck_assert_ptr_nonnull(v);
  if (g_real_unlink == 0) {
    /* NULL name: every system call goes back to its default first. */
    v->xSetSystemCall(v, 0, 0);
    g_real_unlink = (ts_unlink_fn)v->xGetSystemCall(v, "unlink");
    g_real_open = (ts_open_fn)v->xGetSystemCall(v, "open");
  }
  return v;
}

void ts_fault_unlink(const char *pathSuffix, int err, int times) {
  sqlite3_vfs *v = ts_unix();
  ts_faults_clear();
  snprintf(g_unlink_fault.suffix, sizeof(g_unlink_fault.suffix), "%s", pathSuffix);
  g_unlink_fault.err = err;
  atomic_store(&g_unlink_fault.remaining, times);
  ck_assert_int_eq(v->xSetSystemCall(v, "unlink", (sqlite3_syscall_ptr)ts_faulty_unlink), SQLITE_OK);
}

void ts_fault_open(const char *pathSuffix, int err, int times) { ts_fault_open_mode(pathSuffix, err, times, 0); }

void ts_fault_open_mode(const char *pathSuffix, int err, int times, int anyMode) {
  sqlite3_vfs *v = ts_unix();
  ts_faults_clear();
  snprintf(g_open_fault.suffix, sizeof(g_open_fault.suffix), "%s", pathSuffix);
  g_open_fault.err = err;
  g_open_fault_any_mode = anyMode;
  atomic_store(&g_open_fault.remaining, times);
  ck_assert_int_eq(v->xSetSystemCall(v, "open", (sqlite3_syscall_ptr)ts_faulty_open), SQLITE_OK);
}

void ts_faults_clear(void) {
  sqlite3_vfs *v = sqlite3_vfs_find("unix");
  atomic_store(&g_unlink_fault.remaining, 0);
  atomic_store(&g_open_fault.remaining, 0);
  atomic_store(&g_unlink_fault.injected, 0);
  atomic_store(&g_open_fault.injected, 0);
  if (v && g_real_unlink) v->xSetSystemCall(v, 0, 0);
}

int ts_faults_injected(void) { return atomic_load(&g_unlink_fault.injected) + atomic_load(&g_open_fault.injected); }
