/*
** api.c: the public functions (walsafe.h documents them): registration,
** walsafe_config(), and the functions that take a path. Each checks its
** input first, so bad input gets an error code and a message
** (walsafe_errmsg), never a crash.
*/
#include <string.h>

#include "platform.h"
#include "walsafe_int.h"

/* ---------------------------------------------------------------------------
** Registration
*/
int walsafe_register(const char *zParent, int makeDefault) {
  sqlite3_mutex *m;
  sqlite3_vfs *parent, *existing;
  int rc = ws_sqlite_initialize();
  if (rc != SQLITE_OK) return rc;
  ws_clear_errmsg();
  m = sqlite3_mutex_alloc(SQLITE_MUTEX_STATIC_VFS2);
  sqlite3_mutex_enter(m);
  if (zParent && strcmp(zParent, WALSAFE_VFS_NAME) == 0) {
    ws_set_errmsg("walsafe_register: walsafe cannot be its own parent");
    rc = SQLITE_MISUSE;
  } else if (ws_is_registered()) {
    if (zParent && strcmp(zParent, ws_parent()->zName) != 0) {
      ws_set_errmsg("walsafe_register: already registered over \"%s\", not \"%s\"", ws_parent()->zName, zParent);
      rc = SQLITE_MISUSE;
    } else if (makeDefault) {
      rc = sqlite3_vfs_register(ws_vfs_object(), 1);
    }
  } else {
    existing = sqlite3_vfs_find(WALSAFE_VFS_NAME);
    parent = sqlite3_vfs_find(zParent);
    if (existing) {
      ws_set_errmsg("walsafe_register: another copy of walsafe is already registered in this process");
      rc = SQLITE_MISUSE;
    } else if (parent == 0) {
      ws_set_errmsg("walsafe_register: no VFS named \"%s\"", zParent ? zParent : "(default)");
      rc = SQLITE_ERROR;
    } else {
      ws_set_registered(parent, 0);
      rc = sqlite3_vfs_register(ws_vfs_build(parent), makeDefault);
      ws_set_registered(0, rc == SQLITE_OK);
      if (rc == SQLITE_OK) ws_take_over_native_retry();
    }
  }
  sqlite3_mutex_leave(m);
  return rc;
}

/* Unregister with nothing open (the caller holds STATIC_VFS2). */
static int ws_unregister_now(void) {
  int wasDefault = sqlite3_vfs_find(0) == ws_vfs_object(), owed;
  int rc = sqlite3_vfs_unregister(ws_vfs_object());
  if (rc != SQLITE_OK) return rc;
  ws_give_back_native_retry();
  ws_set_registered(0, 0);
  if (wasDefault) rc = sqlite3_vfs_register(ws_parent(), 1);
  /* Nothing is open: give the registry's memory back. */
  owed = ws_registry_reset();
  if (owed > 0) {
    ws_count(WS_C_FAILURES);
    sqlite3_log(SQLITE_WARNING, "walsafe: unregistered with deletes still owed on %d database(s)", owed);
  }
  return rc;
}

int walsafe_unregister(void) {
  sqlite3_mutex *m;
  long long nOpen;
  int rc = SQLITE_OK;
  if (ws_sqlite_initialize() != SQLITE_OK || !ws_is_registered()) {
    ws_set_errmsg("walsafe_unregister: walsafe is not registered");
    return SQLITE_MISUSE;
  }
  ws_clear_errmsg();
  /* Last chance for deletes a scanner held up. */
  ws_registry_each_pending(ws_cleanup_leftovers);
  m = sqlite3_mutex_alloc(SQLITE_MUTEX_STATIC_VFS2);
  sqlite3_mutex_enter(m);
  nOpen = ws_registry_files_open();
  if (!ws_is_registered()) {
    ws_set_errmsg("walsafe_unregister: walsafe is not registered");
    rc = SQLITE_MISUSE;
  } else if (nOpen > 0) {
    ws_set_errmsg("walsafe_unregister: %lld file(s) still open through walsafe", nOpen);
    rc = SQLITE_BUSY;
  } else {
    rc = ws_unregister_now();
  }
  sqlite3_mutex_leave(m);
  return rc;
}

int walsafe_config(int op, int value, int *pOld) {
  int hi;
  if (!ws_is_registered()) {
    ws_set_errmsg("walsafe_config: walsafe is not registered");
    return SQLITE_MISUSE;
  }
  switch (op) {
    case WALSAFE_CONFIG_RETRY_MS: hi = WALSAFE_MAX_RETRY_MS; break;
    case WALSAFE_CONFIG_CLEANUP: hi = WALSAFE_CLEANUP_OFF; break;
    default: ws_set_errmsg("walsafe_config: unknown option %d", op); return SQLITE_MISUSE;
  }
  if (value > hi) {
    ws_set_errmsg("walsafe_config: value %d out of range 0..%d for option %d", value, hi, op);
    return SQLITE_MISUSE;
  }
  ws_setting_swap(op, value, pOld);
  ws_clear_errmsg();
  return SQLITE_OK;
}

/* ---------------------------------------------------------------------------
** Functions that take a path
*/
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
  if (ws_side_of_path(zFull, &nDb) != WS_SIDE_MAIN) {
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
