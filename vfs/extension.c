/*
** extension.c: the entry points. This file alone knows how walsafe is
** loaded; the rest is plain C that builds static, shared or into an
** amalgamation.
**
**   sqlite3_walsafe_init   loadable extension (libwalsafe.so, walsafe.dll):
**                          registers walsafe as the default VFS, stays
**                          loaded, and gives every later connection the SQL
**                          functions.
**   walsafe_extra_init     -DSQLITE_EXTRA_INIT=walsafe_extra_init.
*/
#include "walsafe_int.h"

#ifdef WALSAFE_EXTENSION
SQLITE_EXTENSION_INIT1
#endif

/* Called for every connection opened after the extension is loaded. */
static int ws_auto_functions(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi) {
  (void)pzErrMsg;
  (void)pApi;
  return ws_register_functions(db);
}

#ifdef _WIN32
__declspec(dllexport)
#endif
    int sqlite3_walsafe_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi) {
  int rc;
#ifdef WALSAFE_EXTENSION
  SQLITE_EXTENSION_INIT2(pApi);
#else
  (void)pApi;
#endif
  rc = walsafe_register(0, 1);
  if (rc == SQLITE_OK && db) rc = ws_register_functions(db);
  if (rc == SQLITE_OK) rc = sqlite3_auto_extension((void (*)(void))ws_auto_functions);
  if (rc != SQLITE_OK) {
    if (pzErrMsg) {
      const char *zWhy = walsafe_errmsg()[0] ? walsafe_errmsg() : sqlite3_errstr(rc);
      *pzErrMsg = sqlite3_mprintf("walsafe: cannot load: %s", zWhy);
    }
    return rc;
  }
  /* The VFS must outlive this connection: keep the library loaded. */
  return SQLITE_OK_LOAD_PERMANENTLY;
}

/* Give every connection opened from now on the SQL functions. */
static void ws_auto_functions_from_now_on(void) {
  int rc = sqlite3_auto_extension((void (*)(void))ws_auto_functions);
  if (rc != SQLITE_OK) {
    ws_count(WS_C_FAILURES);
    sqlite3_log(rc, "walsafe: the SQL functions could not be registered for new connections");
  }
}

int walsafe_extra_init(const char *zUnused) {
  int rc;
  (void)zUnused;
  /* sqlite3_initialize() is running (it calls us last), so the native VFS
  ** is the default now. The SQL functions' auto-extension is registered at
  ** the first database opened through walsafe (before that connection runs
  ** its auto-extensions): registering it here would leave SQLite's heap in
  ** use right after every sqlite3_initialize(), which SQLite's own
  ** memsubsys2.test forbids. sqlite3_shutdown() drops it again. */
  rc = walsafe_register(0, 1);
  if (rc == SQLITE_OK) ws_at_next_database_open(ws_auto_functions_from_now_on);
  return rc;
}
