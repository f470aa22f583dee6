/*
** functions.c: the SQL functions, so that Python, Node and the shell can use
** walsafe without a C binding.
**   walsafe_delete_database(path [, timeout_ms])  1, or an error with the
**       open-handle report; timeout_ms defaults to the retry budget.
**   walsafe_handle_count(path)  handles this process has open on path.
*/
#include "walsafe_int.h"

static const char *ws_text_arg(sqlite3_context *ctx, sqlite3_value *v, const char *zFunc) {
  const char *z = sqlite3_value_type(v) == SQLITE_TEXT ? (const char *)sqlite3_value_text(v) : 0;
  if (z == 0) {
    char *zMsg = sqlite3_mprintf("%s: the path must be text", zFunc);
    sqlite3_result_error(ctx, zMsg ? zMsg : zFunc, -1);
    sqlite3_result_error_code(ctx, SQLITE_MISUSE);
    sqlite3_free(zMsg);
  }
  return z;
}

static void ws_result_failure(sqlite3_context *ctx, int rc) {
  sqlite3_result_error(ctx, walsafe_errmsg(), -1);
  sqlite3_result_error_code(ctx, rc);
}

static void ws_fn_delete_database(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  const char *zPath = ws_text_arg(ctx, argv[0], "walsafe_delete_database");
  int timeout = ws_retry_budget_ms(0), rc;
  if (zPath == 0) return;
  if (argc > 1) {
    if (sqlite3_value_type(argv[1]) != SQLITE_INTEGER || sqlite3_value_int64(argv[1]) < 0 ||
        sqlite3_value_int64(argv[1]) > WALSAFE_MAX_RETRY_MS) {
      sqlite3_result_error(ctx, "walsafe_delete_database: timeout_ms must be an integer in 0..600000", -1);
      sqlite3_result_error_code(ctx, SQLITE_MISUSE);
      return;
    }
    timeout = sqlite3_value_int(argv[1]);
  }
  rc = walsafe_delete_database(zPath, timeout);
  if (rc == SQLITE_OK)
    sqlite3_result_int(ctx, 1);
  else
    ws_result_failure(ctx, rc);
}

static void ws_fn_handle_count(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  const char *zPath = ws_text_arg(ctx, argv[0], "walsafe_handle_count");
  int n;
  (void)argc;
  if (zPath == 0) return;
  n = walsafe_handle_count(zPath);
  if (n >= 0)
    sqlite3_result_int(ctx, n);
  else
    ws_result_failure(ctx, -n);
}

int ws_register_functions(sqlite3 *db) {
  /* Not SQLITE_DETERMINISTIC: they touch files. DIRECTONLY: not from
  ** triggers, views or schema, where untrusted SQL could reach them. */
  const int flags = SQLITE_UTF8 | SQLITE_DIRECTONLY;
  int rc = sqlite3_create_function(db, "walsafe_delete_database", 1, flags, 0, ws_fn_delete_database, 0, 0);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function(db, "walsafe_delete_database", 2, flags, 0, ws_fn_delete_database, 0, 0);
  if (rc == SQLITE_OK) rc = sqlite3_create_function(db, "walsafe_handle_count", 1, flags, 0, ws_fn_handle_count, 0, 0);
  return rc;
}
