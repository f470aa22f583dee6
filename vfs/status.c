/*
** status.c: the process-wide counters, the text of PRAGMA walsafe_status,
** and walsafe_errmsg().
*/
#include <stdarg.h>
#include <string.h>

#include "platform.h"
#include "walsafe_int.h"

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

int walsafe_get_counters(walsafe_counters *p) {
  long long c[WS_C_COUNT];
  if (p == 0) {
    ws_set_errmsg("walsafe_get_counters: NULL argument");
    return SQLITE_MISUSE;
  }
  if (!ws_is_registered()) {
    ws_set_errmsg("walsafe_get_counters: walsafe is not registered");
    return SQLITE_MISUSE;
  }
  ws_counters_read(c);
  memset(p, 0, sizeof(*p));
  p->files_open = ws_registry_files_open();
  p->databases_tracked = ws_registry_databases();
  p->retries = c[WS_C_RETRIES];
  p->retry_successes = c[WS_C_RETRY_SUCCESSES];
  p->retry_giveups = c[WS_C_RETRY_GIVEUPS];
  p->open_downgrades = c[WS_C_OPEN_DOWNGRADES];
  p->deletes_deferred = c[WS_C_DELETES_DEFERRED];
  p->deferred_done = c[WS_C_DEFERRED_DONE];
  p->wal_truncated = c[WS_C_WAL_TRUNCATED];
  p->cleanups_run = c[WS_C_CLEANUPS_RUN];
  p->cleanups_done = c[WS_C_CLEANUPS_DONE];
  p->cleanups_skipped = c[WS_C_CLEANUPS_SKIPPED];
  p->failures = c[WS_C_FAILURES];
  ws_clear_errmsg();
  return SQLITE_OK;
}

static const char *ws_mode_name(int mode) {
  return mode == WALSAFE_CLEANUP_FORCE ? "force" : mode == WALSAFE_CLEANUP_OFF ? "off" : "auto";
}

char *ws_status_text(ws_db *db) {
  walsafe_counters c;
  sqlite3_str *s = sqlite3_str_new(0);
  if (walsafe_get_counters(&c) != SQLITE_OK) memset(&c, 0, sizeof(c));
  sqlite3_str_appendf(s, "vfs=walsafe/%s\n", ws_is_registered() && ws_parent() ? ws_parent()->zName : "?");
  if (db) {
    ws_db_lock(db);
    sqlite3_str_appendf(s, "database=%s\nhandles=%d main=%d wal=%d journal=%d shm=%d\n", db->path,
                        ws_registry_handle_total(db), db->n_open[WS_KIND_MAIN], db->n_open[WS_KIND_WAL],
                        db->n_open[WS_KIND_JOURNAL], db->n_shm);
    sqlite3_str_appendf(s, "pending_deletes=%s%s%s%s\n", db->pending ? "" : "none",
                        (db->pending & WS_SIDE_WAL) ? "wal " : "", (db->pending & WS_SIDE_SHM) ? "shm " : "",
                        (db->pending & WS_SIDE_MAIN) ? "main" : "");
    ws_db_unlock(db);
  }
  sqlite3_str_appendf(s, "retry_ms=%d\ncleanup=%s\n", ws_retry_budget_ms(db), ws_mode_name(ws_cleanup_mode(db)));
  sqlite3_str_appendf(s,
                      "files_open=%lld\ndatabases_tracked=%lld\nretries=%lld\nretry_successes=%lld\n"
                      "retry_giveups=%lld\nopen_downgrades=%lld\ndeletes_deferred=%lld\ndeferred_done=%lld\n"
                      "wal_truncated=%lld\ncleanups_run=%lld\ncleanups_done=%lld\ncleanups_skipped=%lld\n"
                      "failures=%lld",
                      c.files_open, c.databases_tracked, c.retries, c.retry_successes, c.retry_giveups,
                      c.open_downgrades, c.deletes_deferred, c.deferred_done, c.wal_truncated, c.cleanups_run,
                      c.cleanups_done, c.cleanups_skipped, c.failures);
  return sqlite3_str_finish(s);
}

/* zText as a JSON string. */
static void ws_json_string(sqlite3_str *s, const char *zText) {
  const unsigned char *z = (const unsigned char *)zText;
  sqlite3_str_appendchar(s, 1, '"');
  for (; *z; z++) {
    if (*z == '"' || *z == '\\')
      sqlite3_str_appendf(s, "\\%c", *z);
    else if (*z < 0x20)
      sqlite3_str_appendf(s, "\\u%04x", *z);
    else
      sqlite3_str_appendchar(s, 1, (char)*z);
  }
  sqlite3_str_appendchar(s, 1, '"');
}

/* Append an item of a JSON list; returns 0 (the next is not the first). */
static int ws_json_item(sqlite3_str *s, int first, const char *zItem) {
  sqlite3_str_appendf(s, "%s%s", first ? "" : ", ", zItem);
  return 0;
}

typedef struct ws_json_ctx {
  sqlite3_str *s;
  sqlite3_int64 now;
  int n;
} ws_json_ctx;

static void ws_json_database(ws_db *db, void *arg) {
  static const char *kinds[] = {"main", "wal", "journal", "other"};
  ws_json_ctx *c = arg;
  sqlite3_str *s = c->s;
  ws_file *f;
  int first = 1;
  sqlite3_str_appendall(s, c->n++ ? ", {\"path\": " : "{\"path\": ");
  ws_json_string(s, db->path);
  sqlite3_str_appendf(s, ", \"handles\": %d, \"main\": %d, \"wal\": %d, \"journal\": %d, \"shm\": %d",
                      ws_registry_handle_total(db), db->n_open[WS_KIND_MAIN], db->n_open[WS_KIND_WAL],
                      db->n_open[WS_KIND_JOURNAL], db->n_shm);
  sqlite3_str_appendall(s, ", \"pending_deletes\": [");
  if (db->pending & WS_SIDE_WAL) first = ws_json_item(s, first, "\"wal\"");
  if (db->pending & WS_SIDE_SHM) first = ws_json_item(s, first, "\"shm\"");
  if (db->pending & WS_SIDE_MAIN) first = ws_json_item(s, first, "\"main\"");
  first = 1;
  sqlite3_str_appendall(s, "], \"files\": [");
  for (f = db->files; f; f = f->next) {
    sqlite3_str_appendf(s, "%s{\"kind\": \"%s\", \"mode\": \"%s\", \"open_ms\": %lld}", first ? "" : ", ",
                        kinds[f->kind], (f->open_flags & SQLITE_OPEN_READONLY) ? "read-only" : "read-write",
                        (long long)(c->now - f->opened_ms));
    first = 0;
  }
  sqlite3_str_appendall(s, "]}");
}

char *walsafe_open_databases(void) {
  ws_json_ctx c;
  char *z;
  if (!ws_is_registered()) {
    ws_set_errmsg("walsafe_open_databases: walsafe is not registered");
    return 0;
  }
  c.s = sqlite3_str_new(0);
  c.now = ws_platform_now_ms();
  c.n = 0;
  sqlite3_str_appendchar(c.s, 1, '[');
  ws_registry_each_open(ws_json_database, &c);
  sqlite3_str_appendchar(c.s, 1, ']');
  z = sqlite3_str_finish(c.s);
  if (z == 0)
    ws_set_errmsg("walsafe_open_databases: out of memory");
  else
    ws_clear_errmsg();
  return z;
}
