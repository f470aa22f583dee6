/*
** load_walsafe.c: a Windows program that links SQLite (as Python's
** sqlite3 does) and loads walsafe.dll from where the win_amd64 wheel
** installs it, the way sqlite3.Connection.load_extension(path) does: no
** entry point named, so SQLite derives sqlite3_walsafe_init from the name.
**   load_walsafe.exe <path of walsafe.dll> <scratch directory>
** Prints "ok ..." per check; exits 1 at the first failure.
** Built with mingw against the SQLite amalgamation by
** scripts/run-python-package-tests.sh, run under Wine by
** python/tests/test_wheels.py.
*/
#include <stdio.h>
#include <string.h>
#include <windows.h>

#include "sqlite3.h"

static int fail(const char *what, const char *detail) {
  printf("FAIL %s: %s\n", what, detail ? detail : "");
  return 1;
}

static int exists(const char *path) { return GetFileAttributesA(path) != INVALID_FILE_ATTRIBUTES; }

int main(int argc, char **argv) {
  char db_path[MAX_PATH], side[MAX_PATH + 16], sql[3 * MAX_PATH];
  sqlite3 *mem = 0, *db = 0, *other = 0;
  sqlite3_stmt *st = 0;
  char *err = 0;
  int n;
  if (argc != 3) return fail("usage", "load_walsafe.exe DLL DIR");
  snprintf(db_path, sizeof(db_path), "%s\\wheel.db", argv[2]);
  if (strcmp(sqlite3_vfs_find(0)->zName, "win32") != 0) return fail("default VFS before", sqlite3_vfs_find(0)->zName);
  if (sqlite3_open(":memory:", &mem) != SQLITE_OK) return fail("open :memory:", sqlite3_errmsg(mem));
  sqlite3_enable_load_extension(mem, 1);
  if (sqlite3_load_extension(mem, argv[1], 0, &err) != SQLITE_OK) return fail("load_extension", err);
  sqlite3_close(mem);
  if (strcmp(sqlite3_vfs_find(0)->zName, "walsafe") != 0) return fail("default VFS after", sqlite3_vfs_find(0)->zName);
  printf("ok default VFS is walsafe after loading %s\n", argv[1]);

  if (sqlite3_open(db_path, &db) != SQLITE_OK) return fail("open", sqlite3_errmsg(db));
  if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1);", 0, 0, &err))
    return fail("write", err);
  sqlite3_prepare_v2(db, "PRAGMA walsafe_status", -1, &st, 0);
  if (sqlite3_step(st) != SQLITE_ROW || strncmp((const char *)sqlite3_column_text(st, 0), "vfs=walsafe/win32", 17))
    return fail("PRAGMA walsafe_status", sqlite3_errmsg(db));
  printf("ok vfs=walsafe/win32\n");
  sqlite3_finalize(st);
  sqlite3_prepare_v2(db, "SELECT walsafe_handle_count(?)", -1, &st, 0);
  sqlite3_bind_text(st, 1, db_path, -1, SQLITE_STATIC);
  if (sqlite3_step(st) != SQLITE_ROW || (n = sqlite3_column_int(st, 0)) != 2)
    return fail("handle count", sqlite3_errmsg(db));
  printf("ok walsafe_handle_count = %d\n", n);
  sqlite3_finalize(st);

  sqlite3_open(":memory:", &other);
  snprintf(sql, sizeof(sql), "SELECT walsafe_delete_database('%s', 0)", db_path);
  if (sqlite3_exec(other, sql, 0, 0, &err) == SQLITE_OK) return fail("delete while open", "succeeded");
  if (!strstr(err, "nothing deleted") || !exists(db_path)) return fail("delete while open", err);
  printf("ok walsafe_delete_database with a connection open: %s\n", err);
  sqlite3_free(err);

  sqlite3_close(db);
  snprintf(side, sizeof(side), "%s-wal", db_path);
  if (exists(side)) return fail("after close", "-wal left");
  snprintf(side, sizeof(side), "%s-shm", db_path);
  if (exists(side)) return fail("after close", "-shm left");
  printf("ok no -wal or -shm after close\n");

  snprintf(sql, sizeof(sql), "SELECT walsafe_delete_database('%s', 1000)", db_path);
  sqlite3_prepare_v2(other, sql, -1, &st, 0);
  if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_int(st, 0) != 1) return fail("delete", sqlite3_errmsg(other));
  sqlite3_finalize(st);
  if (exists(db_path)) return fail("delete", "database still there");
  printf("ok walsafe_delete_database = 1, nothing left\n");
  sqlite3_close(other);
  return 0;
}
