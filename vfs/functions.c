/*
** functions.c: the SQL functions, so that Python, Node and the shell can use
** walsafe without a C binding.
**   walsafe_delete_database(path [, timeout_ms])  1, or an error with the
**       open-handle report; timeout_ms defaults to the retry budget.
**   walsafe_handle_count(path)  handles this process has open on path.
**   walsafe_config(name [, value])  the process-wide option name
**       ('retry_ms' or 'cleanup') in force before the call; sets it when
**       value is given.
**   walsafe_open_databases()  JSON: every database with handles open.
*/
#include "walsafe_int.h"

static const char *ws_text_arg(sqlite3_context *ctx, sqlite3_value *v, const char *zFunc, const char *zWhat) {
  const char *z = sqlite3_value_type(v) == SQLITE_TEXT ? (const char *)sqlite3_value_text(v) : 0;
  if (z == 0) {
    char *zMsg = sqlite3_mprintf("%s: the %s must be text", zFunc, zWhat);
    sqlite3_result_error(ctx, zMsg ? zMsg : zFunc, -1);
    sqlite3_result_error_code(ctx, SQLITE_MISUSE);
    sqlite3_free(zMsg);
  }
  return z;
}

/* A whole number in lo..hi from an SQL value, into *pOut: an integer, or
** a real with no fraction (JavaScript drivers bind every number as a real).
** 0 for anything else. */
static int ws_whole_number(sqlite3_value *v, sqlite3_int64 lo, sqlite3_int64 hi, int *pOut) {
  sqlite3_int64 n;
  if (sqlite3_value_type(v) == SQLITE_INTEGER) {
    n = sqlite3_value_int64(v);
  } else if (sqlite3_value_type(v) == SQLITE_FLOAT) {
    double d = sqlite3_value_double(v);
    if (!(d >= (double)lo && d <= (double)hi)) return 0; /* NaN too */
    n = (sqlite3_int64)d;
    if ((double)n != d) return 0;
  } else {
    return 0;
  }
  if (n < lo || n > hi) return 0;
  *pOut = (int)n;
  return 1;
}

static void ws_result_failure(sqlite3_context *ctx, int rc) {
  sqlite3_result_error(ctx, walsafe_errmsg(), -1);
  sqlite3_result_error_code(ctx, rc);
}

static void ws_fn_delete_database(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  const char *zPath = ws_text_arg(ctx, argv[0], "walsafe_delete_database", "path");
  int timeout = ws_retry_budget_ms(0), rc;
  if (zPath == 0) return;
  if (argc > 1) {
    if (!ws_whole_number(argv[1], 0, WALSAFE_MAX_RETRY_MS, &timeout)) {
      sqlite3_result_error(ctx, "walsafe_delete_database: timeout_ms must be a whole number in 0..600000", -1);
      sqlite3_result_error_code(ctx, SQLITE_MISUSE);
      return;
    }
  }
  rc = walsafe_delete_database(zPath, timeout);
  if (rc == SQLITE_OK)
    sqlite3_result_int(ctx, 1);
  else
    ws_result_failure(ctx, rc);
}

static void ws_fn_handle_count(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  const char *zPath = ws_text_arg(ctx, argv[0], "walsafe_handle_count", "path");
  int n;
  (void)argc;
  if (zPath == 0) return;
  n = walsafe_handle_count(zPath);
  if (n >= 0)
    sqlite3_result_int(ctx, n);
  else
    ws_result_failure(ctx, -n);
}

static void ws_misuse(sqlite3_context *ctx, const char *zMsg) {
  sqlite3_result_error(ctx, zMsg, -1);
  sqlite3_result_error_code(ctx, SQLITE_MISUSE);
}

static const char *const ws_cleanup_names[] = {"auto", "force", "off"}; /* by WALSAFE_CLEANUP_* */

/* The value for option op from an SQL value: >= 0, or -1 after an error. */
static int ws_config_value(sqlite3_context *ctx, int op, sqlite3_value *v) {
  if (op == WALSAFE_CONFIG_RETRY_MS) {
    int ms;
    if (!ws_whole_number(v, 0, WALSAFE_MAX_RETRY_MS, &ms)) {
      ws_misuse(ctx, "walsafe_config: retry_ms must be a whole number in 0..600000");
      return -1;
    }
    return ms;
  } else {
    const char *z = sqlite3_value_type(v) == SQLITE_TEXT ? (const char *)sqlite3_value_text(v) : 0;
    int i;
    for (i = 0; z && i < 3; i++) {
      if (sqlite3_stricmp(z, ws_cleanup_names[i]) == 0) return i;
    }
    ws_misuse(ctx, "walsafe_config: cleanup must be 'auto', 'force' or 'off'");
    return -1;
  }
}

static void ws_fn_config(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  const char *zName = ws_text_arg(ctx, argv[0], "walsafe_config", "option name");
  int op, value = -1, old = 0, rc;
  if (zName == 0) return;
  if (sqlite3_stricmp(zName, "retry_ms") == 0) {
    op = WALSAFE_CONFIG_RETRY_MS;
  } else if (sqlite3_stricmp(zName, "cleanup") == 0) {
    op = WALSAFE_CONFIG_CLEANUP;
  } else {
    ws_misuse(ctx, "walsafe_config: the option is 'retry_ms' or 'cleanup'");
    return;
  }
  if (argc > 1 && (value = ws_config_value(ctx, op, argv[1])) < 0) return;
  rc = walsafe_config(op, value, &old);
  if (rc != SQLITE_OK)
    ws_result_failure(ctx, rc);
  else if (op == WALSAFE_CONFIG_RETRY_MS)
    sqlite3_result_int(ctx, old);
  else
    sqlite3_result_text(ctx, ws_cleanup_names[old], -1, SQLITE_STATIC);
}

static void ws_fn_open_databases(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  char *z = walsafe_open_databases();
  (void)argc;
  (void)argv;
  if (z == 0)
    ws_result_failure(ctx, ws_is_registered() ? SQLITE_NOMEM : SQLITE_MISUSE);
  else
    sqlite3_result_text(ctx, z, -1, sqlite3_free);
}

int ws_register_functions(sqlite3 *db) {
  /* Not SQLITE_DETERMINISTIC: they touch files. DIRECTONLY: not from
  ** triggers, views or schema, where untrusted SQL could reach them. */
  const int flags = SQLITE_UTF8 | SQLITE_DIRECTONLY;
  int rc = sqlite3_create_function(db, "walsafe_delete_database", 1, flags, 0, ws_fn_delete_database, 0, 0);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function(db, "walsafe_delete_database", 2, flags, 0, ws_fn_delete_database, 0, 0);
  if (rc == SQLITE_OK) rc = sqlite3_create_function(db, "walsafe_handle_count", 1, flags, 0, ws_fn_handle_count, 0, 0);
  if (rc == SQLITE_OK) rc = sqlite3_create_function(db, "walsafe_config", 1, flags, 0, ws_fn_config, 0, 0);
  if (rc == SQLITE_OK) rc = sqlite3_create_function(db, "walsafe_config", 2, flags, 0, ws_fn_config, 0, 0);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function(db, "walsafe_open_databases", 0, flags, 0, ws_fn_open_databases, 0, 0);
  return rc;
}
