/*
** api.c: the public functions that take a path (walsafe.h documents them).
** Each checks its input first, so bad input gets an error code and a
** message (walsafe_errmsg), never a crash.
*/
#include <string.h>

#include "platform.h"
#include "walsafe_int.h"

/* NULL, empty, too long, before registration: SQLITE_MISUSE with a message.
** Otherwise *pzFull is the parent's full path (sqlite3_free it). */
static int ws_check_path(const char *zFunc, const char *zPath, char **pzFull) {
  sqlite3_vfs *parent = ws_parent();
  int rc;
  *pzFull = 0;
  if (!ws_is_registered() || parent == 0) {
    ws_set_errmsg("%s: walsafe is not registered (call walsafe_register first)", zFunc);
    return SQLITE_MISUSE;
  }
  if (zPath == 0 || zPath[0] == 0) {
    ws_set_errmsg("%s: the path is %s", zFunc, zPath ? "empty" : "NULL");
    return SQLITE_MISUSE;
  }
  if (strlen(zPath) > (size_t)parent->mxPathname) {
    ws_set_errmsg("%s: the path is longer than %d bytes", zFunc, parent->mxPathname);
    return SQLITE_MISUSE;
  }
  rc = ws_full_pathname(zPath, pzFull);
  if (rc != SQLITE_OK) {
    ws_set_errmsg("%s: cannot resolve path %s (%s)", zFunc, zPath, sqlite3_errstr(rc));
    return rc == SQLITE_NOMEM ? rc : SQLITE_CANTOPEN;
  }
  return SQLITE_OK;
}

int walsafe_handle_count(const char *zDbPath) {
  char *zFull = 0;
  ws_db *db;
  int rc = ws_check_path("walsafe_handle_count", zDbPath, &zFull), n = 0;
  if (rc != SQLITE_OK) return -rc;
  db = ws_registry_find(zFull);
  if (db) {
    ws_db_lock(db);
    n = ws_registry_handle_total(db);
    ws_db_unlock(db);
    ws_registry_release(db);
  } else if (!ws_file_exists(zFull)) {
    ws_set_errmsg("walsafe_handle_count: no such database: %s", zFull);
    sqlite3_free(zFull);
    return -SQLITE_NOTFOUND;
  }
  sqlite3_free(zFull);
  ws_clear_errmsg();
  return n;
}

int walsafe_delete_database(const char *zDbPath, int timeoutMs) {
  char *zFull = 0, *zReport = 0;
  size_t nDb;
  int rc = ws_check_path("walsafe_delete_database", zDbPath, &zFull);
  if (rc != SQLITE_OK) return rc;
  if (ws_side_of_path(zFull, &nDb) != 0) {
    /* Its own lock would prove nothing: nobody locks a side file. */
    ws_set_errmsg("walsafe_delete_database: %s is a -wal, -shm or -journal; pass the database", zFull);
    sqlite3_free(zFull);
    return SQLITE_MISUSE;
  }
  if (timeoutMs < 0 || timeoutMs > WALSAFE_MAX_RETRY_MS) {
    ws_set_errmsg("walsafe_delete_database: timeout %d ms is out of range 0..%d", timeoutMs, WALSAFE_MAX_RETRY_MS);
    sqlite3_free(zFull);
    return SQLITE_MISUSE;
  }
  rc = ws_delete_database(zFull, timeoutMs, &zReport);
  if (rc == SQLITE_OK) {
    ws_clear_errmsg();
  } else {
    ws_set_errmsg("%s", zReport ? zReport : sqlite3_errstr(rc));
    if (rc != SQLITE_NOTFOUND) {
      ws_count(WS_C_FAILURES);
      sqlite3_log(SQLITE_WARNING, "walsafe: %s", zReport ? zReport : sqlite3_errstr(rc));
    }
  }
  sqlite3_free(zReport);
  sqlite3_free(zFull);
  return rc;
}

char *walsafe_status(const char *zDbPath) {
  char *zFull = 0, *z;
  ws_db *db = 0;
  if (!ws_is_registered()) {
    ws_set_errmsg("walsafe_status: walsafe is not registered");
    return 0;
  }
  if (zDbPath) {
    if (ws_check_path("walsafe_status", zDbPath, &zFull) != SQLITE_OK) return 0;
    db = ws_registry_find(zFull);
  }
  z = ws_status_text(db);
  ws_registry_release(db);
  sqlite3_free(zFull);
  return z;
}
