/*
** base.c: what every other walsafe file stands on. The parent VFS and the
** process-wide settings, the per-database setting lookup, the hook run at
** the next database open, the win32 VFS's native retry control, the
** counters, and walsafe_errmsg(). It calls only the registry (for a
** database's own settings) and the platform layer.
*/
#include <stdarg.h>
#include <string.h>

#include "platform.h"
#include "walsafe_int.h"

static struct {
  sqlite3_vfs *parent;       /* the VFS underneath; kept after unregister */
  int registered;            /* walsafe's VFS is registered with SQLite */
  int retry_ms;              /* WALSAFE_CONFIG_RETRY_MS */
  int cleanup_mode;          /* WALSAFE_CONFIG_CLEANUP */
  int native_retry_taken;    /* the win32 VFS's own retry is turned down */
  int native_retry_saved[2]; /* its count and delay before, for unregister */
  void (*next_open)(void);   /* ws_at_next_database_open */
} g;

/* Guards g's settings, native-retry fields and next_open (platform.h:
** walsafe's own mutex, valid across sqlite3_shutdown). The parent and the
** registered flag change only under SQLite's SQLITE_MUTEX_STATIC_VFS2 in
** api.c, before the VFS is visible and after it is gone. */
static ws_mutex g_settings_mutex = WS_MUTEX_INIT;

/* ---------------------------------------------------------------------------
** The parent and the registration state
*/
/* The parent stays valid after walsafe_unregister() (VFS objects are never
** freed), so a walsafe call racing an unregister still works through it. */
sqlite3_vfs *ws_parent(void) { return g.parent; }
int ws_is_registered(void) { return g.registered; }

void ws_set_registered(sqlite3_vfs *parent, int registered) {
  if (parent) {
    g.parent = parent;
    ws_mutex_enter(&g_settings_mutex);
    g.retry_ms = WALSAFE_DEFAULT_RETRY_MS;
    g.cleanup_mode = WALSAFE_CLEANUP_AUTO;
    ws_mutex_leave(&g_settings_mutex);
  }
  g.registered = registered;
}

int ws_full_pathname(const char *zPath, char **pzFull) {
  sqlite3_vfs *parent = g.parent;
  int n = parent->mxPathname + 1;
  char *z;
  int rc;
  *pzFull = 0;
  z = sqlite3_malloc(n);
  if (z == 0) return SQLITE_NOMEM;
  rc = parent->xFullPathname(parent, zPath, n, z);
  if (rc != SQLITE_OK && rc != SQLITE_OK_SYMLINK) {
    sqlite3_free(z);
    return rc;
  }
  *pzFull = z;
  return SQLITE_OK;
}

/* ---------------------------------------------------------------------------
** Settings
*/
/* A database's settings (its URI) where it has them, else the process-wide
** ones: one lock of each, whatever the caller needs. */
ws_settings ws_settings_of(ws_db *db) {
  ws_settings s = {-1, -1};
  if (db) {
    ws_db_lock(db);
    s.retry_ms = db->retry_ms;
    s.cleanup_mode = db->cleanup_mode;
    ws_db_unlock(db);
  }
  ws_settings_complete(&s);
  return s;
}

/* Fill in what a database's own settings (-1) leave to the process-wide
** ones. */
void ws_settings_complete(ws_settings *s) {
  if (s->retry_ms >= 0 && s->cleanup_mode >= 0) return;
  ws_mutex_enter(&g_settings_mutex);
  if (s->retry_ms < 0) s->retry_ms = g.retry_ms;
  if (s->cleanup_mode < 0) s->cleanup_mode = g.cleanup_mode;
  ws_mutex_leave(&g_settings_mutex);
}

int ws_retry_budget_ms(ws_db *db) { return ws_settings_of(db).retry_ms; }

int ws_setting_swap(int op, int value, int *pOld) {
  int *pOpt = op == WALSAFE_CONFIG_RETRY_MS ? &g.retry_ms : &g.cleanup_mode;
  ws_mutex_enter(&g_settings_mutex);
  if (pOld) *pOld = *pOpt;
  if (value >= 0) *pOpt = value;
  ws_mutex_leave(&g_settings_mutex);
  return SQLITE_OK;
}

/* A URI parameter that must be a whole number in [lo, hi]: 1 ok (or
** absent), 0 bad. */
static int ws_uri_int(const char *zName, const char *zParam, int lo, int hi, int *pOut) {
  const char *z = sqlite3_uri_parameter(zName, zParam);
  long long v = 0;
  if (z == 0) return 1;
  if (*z == 0) return 0;
  for (; *z; z++) {
    if (*z < '0' || *z > '9' || v > hi) return 0;
    v = v * 10 + (*z - '0');
  }
  if (v < lo || v > hi) return 0;
  *pOut = (int)v;
  return 1;
}

static int ws_uri_cleanup_mode(const char *zName, int *pOut) {
  const char *z = sqlite3_uri_parameter(zName, "walsafe_cleanup");
  if (z == 0) return 1;
  if (sqlite3_stricmp(z, "auto") == 0)
    *pOut = WALSAFE_CLEANUP_AUTO;
  else if (sqlite3_stricmp(z, "force") == 0)
    *pOut = WALSAFE_CLEANUP_FORCE;
  else if (sqlite3_stricmp(z, "off") == 0)
    *pOut = WALSAFE_CLEANUP_OFF;
  else
    return 0;
  return 1;
}

int ws_settings_from_uri(ws_db *db, sqlite3_filename zName) {
  int retry = -1, mode = -1;
  if (!ws_uri_int(zName, "walsafe_retry_ms", 0, WALSAFE_MAX_RETRY_MS, &retry)) {
    sqlite3_log(SQLITE_MISUSE, "walsafe: bad URI parameter walsafe_retry_ms=%s for %s (want 0..%d)",
                sqlite3_uri_parameter(zName, "walsafe_retry_ms"), zName, WALSAFE_MAX_RETRY_MS);
    return SQLITE_MISUSE;
  }
  if (!ws_uri_cleanup_mode(zName, &mode)) {
    sqlite3_log(SQLITE_MISUSE, "walsafe: bad URI parameter walsafe_cleanup=%s for %s (want auto, force or off)",
                sqlite3_uri_parameter(zName, "walsafe_cleanup"), zName);
    return SQLITE_MISUSE;
  }
  if (retry < 0 && mode < 0) return SQLITE_OK; /* nearly every open */
  ws_db_lock(db);
  if (retry >= 0) db->retry_ms = retry;
  if (mode >= 0) db->cleanup_mode = mode;
  ws_db_unlock(db);
  return SQLITE_OK;
}

/* ---------------------------------------------------------------------------
** The hook run at the next database open (extension.c uses it)
*/
void ws_at_next_database_open(void (*fn)(void)) {
  ws_mutex_enter(&g_settings_mutex);
  g.next_open = fn;
  ws_mutex_leave(&g_settings_mutex);
}

void ws_run_next_open_hook(void) {
  void (*fn)(void);
  ws_mutex_enter(&g_settings_mutex);
  fn = g.next_open;
  g.next_open = 0;
  ws_mutex_leave(&g_settings_mutex);
  if (fn) fn();
}

/* ---------------------------------------------------------------------------
** The win32 VFS's native retry
**
** The win32 VFS retries a sharing violation inside each call for about
** 1.4 s (winRetryIoerr: 10 retries, 25 ms more each time). Under walsafe's
** own loop the two would add up, and a file released mid-wait would be seen
** up to 250 ms late. So while walsafe is registered, the native retry is
** turned down to 1 retry of 1 ms (SQLITE_FCNTL_WIN32_AV_RETRY, process-wide)
** and walsafe's wall-time budget is the one in force; walsafe_unregister()
** gives the old values back. Parents without that control answer
** SQLITE_NOTFOUND and nothing changes.
*/
static int ws_native_retry_control(int values[2]) {
  /* The control is process-wide, and any file of the parent's carries it:
  ** a temporary one serves. */
  sqlite3_file *f = sqlite3_malloc(g.parent->szOsFile);
  int rc = SQLITE_NOMEM, outFlags = 0;
  if (f == 0) return rc;
  memset(f, 0, (size_t)g.parent->szOsFile);
  rc = g.parent->xOpen(g.parent, 0, f,
                       SQLITE_OPEN_TEMP_JOURNAL | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                           SQLITE_OPEN_DELETEONCLOSE | SQLITE_OPEN_EXCLUSIVE,
                       &outFlags);
  if (rc == SQLITE_OK) rc = f->pMethods->xFileControl(f, SQLITE_FCNTL_WIN32_AV_RETRY, values);
  if (f->pMethods) f->pMethods->xClose(f);
  sqlite3_free(f);
  return rc;
}

void ws_take_over_native_retry(void) {
  int saved[2] = {-1, -1}, mine[2] = {1, 1};
  if (!ws_platform_has_native_retry()) return;
  if (ws_native_retry_control(saved) != SQLITE_OK || ws_native_retry_control(mine) != SQLITE_OK) return;
  ws_mutex_enter(&g_settings_mutex);
  g.native_retry_saved[0] = saved[0];
  g.native_retry_saved[1] = saved[1];
  g.native_retry_taken = 1;
  ws_mutex_leave(&g_settings_mutex);
}

void ws_give_back_native_retry(void) {
  int saved[2], taken;
  ws_mutex_enter(&g_settings_mutex);
  taken = g.native_retry_taken;
  saved[0] = g.native_retry_saved[0];
  saved[1] = g.native_retry_saved[1];
  ws_mutex_leave(&g_settings_mutex);
  if (!taken || ws_native_retry_control(saved) != SQLITE_OK) return;
  ws_mutex_enter(&g_settings_mutex);
  g.native_retry_taken = 0;
  ws_mutex_leave(&g_settings_mutex);
}

int ws_native_retry_taken(void) {
  int taken;
  ws_mutex_enter(&g_settings_mutex);
  taken = g.native_retry_taken;
  ws_mutex_leave(&g_settings_mutex);
  return taken;
}

/* ---------------------------------------------------------------------------
** Counters and walsafe_errmsg()
*/
static ws_mutex g_counter_mutex = WS_MUTEX_INIT;
static long long g_counters[WS_C_COUNT];

/* The message of the last failed call, per thread. */
static WS_THREAD_LOCAL char g_errmsg[1024];

/* Counted events are rare (retries, cleanups, failures), never per I/O. */
void ws_count(enum ws_counter c) {
  ws_mutex_enter(&g_counter_mutex);
  g_counters[c]++;
  ws_mutex_leave(&g_counter_mutex);
}

void ws_counters_read(long long out[WS_C_COUNT]) {
  ws_mutex_enter(&g_counter_mutex);
  memcpy(out, g_counters, sizeof(g_counters));
  ws_mutex_leave(&g_counter_mutex);
}

void ws_set_errmsg(const char *zFormat, ...) {
  va_list ap;
  va_start(ap, zFormat);
  sqlite3_vsnprintf((int)sizeof(g_errmsg), g_errmsg, zFormat, ap);
  va_end(ap);
}

void ws_clear_errmsg(void) { g_errmsg[0] = 0; }

const char *walsafe_errmsg(void) { return g_errmsg; }
