/*
** consumer.c: a downstream program that uses an installed walsafe the way a
** C project would: walsafe_register() at start-up, then a URI that names
** the VFS. Exit status 0 only when every check holds.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <walsafe.h>

static int failures;

static void expect(int ok, const char *what) {
  printf("%s %s\n", ok ? "ok  " : "FAIL", what);
  if (!ok) failures++;
}

int main(int argc, char **argv) {
  char uri[4200];
  sqlite3 *db = 0;
  int rc;
  if (argc != 2) {
    fprintf(stderr, "usage: consumer DB_PATH\n");
    return 2;
  }
  const char *path = argv[1];
  printf("SQLite %s\n", sqlite3_libversion());

  rc = walsafe_register(NULL, 0); /* over the default VFS; not the default itself */
  expect(rc == SQLITE_OK, "walsafe_register(NULL, 0)");
  snprintf(uri, sizeof(uri), "file:%s?vfs=walsafe", path);
  rc = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI, NULL);
  expect(rc == SQLITE_OK, "sqlite3_open_v2(\"file:...?vfs=walsafe\")");
  rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1);", 0, 0, 0);
  expect(rc == SQLITE_OK, "write in WAL mode");
  expect(walsafe_handle_count(path) == 2, "walsafe_handle_count is 2 (the database and its -wal)");
  sqlite3_close(db);
  expect(walsafe_handle_count(path) == 0, "walsafe_handle_count is 0 after sqlite3_close");
  rc = walsafe_delete_database(path, 1000);
  expect(rc == SQLITE_OK, "walsafe_delete_database");
  if (rc != SQLITE_OK) printf("     %s\n", walsafe_errmsg());
  printf("%d failure(s)\n", failures);
  return failures ? 1 : 0;
}
