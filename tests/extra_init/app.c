/*
** app.c: an application that knows nothing of walsafe. Built from the
** SQLite amalgamation with -DSQLITE_EXTRA_INIT=walsafe_extra_init (see
** README.md), it must get walsafe as its default VFS with no code change:
** its read-only last close leaves no -wal or -shm, and the SQL functions
** are there. Exit status 0 only when all of that holds.
*/
#define _GNU_SOURCE 1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sqlite3.h"

static int failures;

static void expect(int ok, const char *what) {
  printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
  if (!ok) failures++;
}

static int exec(sqlite3 *db, const char *sql) { return sqlite3_exec(db, sql, 0, 0, 0); }

int main(void) {
  char dir[] = "/tmp/walsafe-extra-init-XXXXXX", path[256], side[300];
  sqlite3 *rw = 0, *ro = 0;
  char *vfsname = 0;
  sqlite3_stmt *st = 0;
  if (mkdtemp(dir) == 0) return 2;
  snprintf(path, sizeof(path), "%s/app.db", dir);

  sqlite3_open(path, &rw);
  expect(exec(rw, "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1)") == SQLITE_OK,
         "plain sqlite3_open works");
  sqlite3_file_control(rw, "main", SQLITE_FCNTL_VFSNAME, &vfsname);
  expect(vfsname && strncmp(vfsname, "walsafe/", 8) == 0, "the default VFS is walsafe");
  printf("      SQLITE_FCNTL_VFSNAME = %s\n", vfsname ? vfsname : "(null)");
  sqlite3_free(vfsname);

  sqlite3_open_v2(path, &ro, SQLITE_OPEN_READONLY, 0);
  expect(exec(ro, "SELECT count(*) FROM t") == SQLITE_OK, "a read-only connection reads");
  expect(exec(rw, "INSERT INTO t VALUES (2)") == SQLITE_OK, "the writer writes");
  sqlite3_close(rw);
  sqlite3_close(ro); /* the last closer is read-only */
  snprintf(side, sizeof(side), "%s-wal", path);
  expect(access(side, F_OK) != 0, "no -wal after a read-only last close");
  snprintf(side, sizeof(side), "%s-shm", path);
  expect(access(side, F_OK) != 0, "no -shm after a read-only last close");

  sqlite3_open(path, &rw);
  expect(sqlite3_prepare_v2(rw, "SELECT count(*), walsafe_handle_count(?1) FROM t", -1, &st, 0) == SQLITE_OK,
         "the SQL functions exist");
  sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
  expect(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 2, "both rows are there");
  expect(sqlite3_column_int(st, 1) >= 1, "walsafe counts this connection's handle");
  sqlite3_finalize(st);
  sqlite3_close(rw);

  rw = 0;
  sqlite3_open(":memory:", &rw);
  st = 0;
  sqlite3_prepare_v2(rw, "SELECT walsafe_delete_database(?1)", -1, &st, 0);
  sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
  expect(st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1, "walsafe_delete_database() is 1");
  sqlite3_finalize(st);
  sqlite3_close(rw);
  expect(access(path, F_OK) != 0, "the database is gone");
  rmdir(dir);
  printf("%d failure(s)\n", failures);
  return failures ? 1 : 0;
}
