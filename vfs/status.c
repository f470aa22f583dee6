/*
** status.c: what walsafe tells about itself: walsafe_get_counters(), the
** text of PRAGMA walsafe_status and walsafe_status(), and the JSON of
** walsafe_open_databases(). Handle counts and side-file lists come from
** the one formatter in files.c, so every report reads alike.
*/
#include <string.h>

#include "platform.h"
#include "walsafe_int.h"

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
  ws_settings settings = ws_settings_of(db);
  sqlite3_str *s = sqlite3_str_new(0);
  if (walsafe_get_counters(&c) != SQLITE_OK) memset(&c, 0, sizeof(c));
  sqlite3_str_appendf(s, "vfs=walsafe/%s\n", ws_is_registered() && ws_parent() ? ws_parent()->zName : "?");
  if (db) {
    ws_db_lock(db);
    sqlite3_str_appendf(s, "database=%s\nhandles=%d ", db->path, ws_registry_handle_total(db));
    ws_append_handle_counts(s, db);
    sqlite3_str_appendall(s, "\npending_deletes=");
    ws_append_sides(s, db->pending, WS_PRINT_WORDS);
    sqlite3_str_appendchar(s, 1, '\n');
    ws_db_unlock(db);
  }
  sqlite3_str_appendf(s, "retry_ms=%d\ncleanup=%s\n", settings.retry_ms, ws_mode_name(settings.cleanup_mode));
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

typedef struct ws_json_ctx {
  sqlite3_str *s;
  sqlite3_int64 now;
  int n;
} ws_json_ctx;

static void ws_json_database(ws_db *db, void *arg) {
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
  ws_append_sides(s, db->pending, WS_PRINT_JSON);
  sqlite3_str_appendall(s, "], \"files\": [");
  for (f = db->files; f; f = f->next) {
    sqlite3_str_appendf(s, "%s{\"kind\": \"%s\", \"mode\": \"%s\", \"open_ms\": %lld}", first ? "" : ", ",
                        ws_kind_name(f->kind), (f->open_flags & SQLITE_OPEN_READONLY) ? "read-only" : "read-write",
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
