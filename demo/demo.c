/*
** demo.c: the problem with the plain VFS, and walsafe fixing it, on real
** files with real SQLite. Each scene runs twice, over the plain "unix" VFS
** and over "walsafe", and prints what is left on disk.
**
**   1. The last connection to close is read-only: SQLite cannot checkpoint,
**      so the -wal (with committed data in it) and the -shm stay.
**   2. SQLite's delete of the -wal fails for a moment (a scanner; injected
**      here with xSetSystemCall("unlink") returning EBUSY for 300 ms):
**      SQLite ignores the failure and the full -wal stays, ready to be
**      replayed onto whatever database is copied to that name next.
**      Then the old database is deleted and another one copied to its
**      name: over the plain VFS, SQLite replays the stale -wal onto it.
**   3. walsafe_delete_database() on a database that is still open: it
**      deletes nothing and says what is open; after the close it removes
**      all four files.
*/
#define _GNU_SOURCE 1
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "walsafe.h"

static char g_dir[256];

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- a "scanner": unlink fails with EBUSY until g_busy_until ---- */
static long long g_busy_until;
static int (*g_real_unlink)(const char *);
static int busy_unlink(const char *z) {
  if (now_ms() < g_busy_until) {
    errno = EBUSY;
    return -1;
  }
  return g_real_unlink(z);
}

static void check(int rc, sqlite3 *db, const char *what) {
  if (rc != SQLITE_OK) {
    fprintf(stderr, "demo: %s failed: %s\n", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    exit(1);
  }
}

static sqlite3 *open_db(const char *path, const char *vfs, int flags) {
  sqlite3 *db = 0;
  check(sqlite3_open_v2(path, &db, flags, vfs), db, "open");
  return db;
}

static void exec(sqlite3 *db, const char *sql) { check(sqlite3_exec(db, sql, 0, 0, 0), db, sql); }

/* Print which of the four files exist, with sizes. */
static void show_files(const char *label, const char *path) {
  static const char *suffixes[] = {"", "-wal", "-shm", "-journal"};
  char name[512];
  struct stat st;
  int i, any = 0;
  printf("    %-8s left on disk:", label);
  for (i = 1; i < 4; i++) {
    snprintf(name, sizeof(name), "%s%s", path, suffixes[i]);
    if (stat(name, &st) == 0) {
      printf(" %s (%lld bytes)", suffixes[i], (long long)st.st_size);
      any = 1;
    }
  }
  snprintf(name, sizeof(name), "%s", path);
  if (stat(name, &st) != 0) printf(" (database deleted)");
  printf("%s\n", any ? "" : " no side files");
}

static void fresh_db(const char *path, const char *vfs) {
  sqlite3 *db = open_db(path, vfs, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  exec(db, "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (randomblob(5000));");
  sqlite3_close(db);
}

static void scene_read_only_last_close(const char *vfs) {
  char path[300];
  sqlite3 *rw, *ro;
  snprintf(path, sizeof(path), "%s/ro-%s.db", g_dir, vfs);
  fresh_db(path, vfs);
  rw = open_db(path, vfs, SQLITE_OPEN_READWRITE);
  ro = open_db(path, vfs, SQLITE_OPEN_READONLY);
  exec(ro, "SELECT count(*) FROM t");
  exec(rw, "INSERT INTO t VALUES (randomblob(5000))");
  sqlite3_close(rw); /* not the last: no checkpoint */
  sqlite3_close(ro); /* the last, and read-only */
  show_files(vfs, path);
}

/* Replace the database file at path with a copy of another database (as a
** test fixture or an installer would), then read it back. */
static void copy_other_database_over(const char *path, const char *vfs) {
  char other[320], *names = 0;
  sqlite3 *db;
  sqlite3_stmt *st = 0;
  snprintf(other, sizeof(other), "%s.other", path);
  db = open_db(other, "unix", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  exec(db, "CREATE TABLE copied(x); INSERT INTO copied VALUES (1),(2),(3);");
  sqlite3_close(db);
  unlink(path);
  if (rename(other, path) != 0) exit(1);
  db = open_db(path, vfs, SQLITE_OPEN_READWRITE);
  if (sqlite3_prepare_v2(db, "SELECT group_concat(name) FROM sqlite_schema", -1, &st, 0) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
    names = sqlite3_mprintf("%s", sqlite3_column_text(st, 0));
  }
  printf("    %-8s the copy has tables: %s%s\n", vfs, names ? names : "(unreadable)",
         names && strcmp(names, "copied") == 0 ? "  (as copied)" : "  <- the old -wal was replayed onto it");
  sqlite3_finalize(st);
  sqlite3_free(names);
  sqlite3_close(db);
}

static void scene_failed_wal_delete(const char *vfs) {
  char path[300];
  sqlite3 *db;
  snprintf(path, sizeof(path), "%s/busy-%s.db", g_dir, vfs);
  fresh_db(path, vfs);
  db = open_db(path, vfs, SQLITE_OPEN_READWRITE);
  exec(db, "INSERT INTO t VALUES (randomblob(5000))");
  g_busy_until = now_ms() + 300;
  sqlite3_close(db);
  g_busy_until = 0;
  show_files(vfs, path);
  copy_other_database_over(path, vfs);
}

static void scene_delete_busy_database(void) {
  char path[300];
  sqlite3 *db;
  int rc;
  snprintf(path, sizeof(path), "%s/delete-me.db", g_dir);
  fresh_db(path, "walsafe");
  db = open_db(path, "walsafe", SQLITE_OPEN_READWRITE);
  exec(db, "INSERT INTO t VALUES (1)");
  rc = walsafe_delete_database(path, 200);
  printf("    with a connection open: %s\n      %s\n", rc == SQLITE_BUSY ? "SQLITE_BUSY" : sqlite3_errstr(rc),
         walsafe_errmsg());
  show_files("walsafe", path);
  sqlite3_close(db);
  rc = walsafe_delete_database(path, 1000);
  printf("    after sqlite3_close:    %s\n", rc == SQLITE_OK ? "SQLITE_OK" : walsafe_errmsg());
  show_files("walsafe", path);
}

int main(void) {
  sqlite3_vfs *unixVfs;
  snprintf(g_dir, sizeof(g_dir), "/tmp/walsafe-demo-XXXXXX");
  if (mkdtemp(g_dir) == 0) return 1;
  sqlite3_config(SQLITE_CONFIG_LOG, 0, 0);
  check(walsafe_register("unix", 0), 0, "walsafe_register");
  unixVfs = sqlite3_vfs_find("unix");
  g_real_unlink = (int (*)(const char *))unixVfs->xGetSystemCall(unixVfs, "unlink");
  unixVfs->xSetSystemCall(unixVfs, "unlink", (sqlite3_syscall_ptr)busy_unlink);

  printf("walsafe demo, SQLite %s, files in %s\n\n", sqlite3_libversion(), g_dir);
  printf("1. The last connection to close is read-only:\n");
  scene_read_only_last_close("unix");
  scene_read_only_last_close("walsafe");
  printf("\n2. SQLite's delete of the -wal fails for 300 ms (EBUSY), then another database is copied to the name:\n");
  scene_failed_wal_delete("unix");
  scene_failed_wal_delete("walsafe");
  printf("\n3. walsafe_delete_database() on a database that is still open:\n");
  scene_delete_busy_database();
  printf("\n");
  return 0;
}
