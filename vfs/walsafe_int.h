/*
** walsafe_int.h: what the walsafe source files share and nothing else sees.
**
** The same sources build three ways: the static library (against sqlite3.h),
** the loadable extension (-DWALSAFE_EXTENSION, every SQLite call through the
** sqlite3_api table that extension.c receives) and an application's own
** amalgamation build (-DSQLITE_EXTRA_INIT=walsafe_extra_init).
*/
#ifndef WALSAFE_INT_H
#define WALSAFE_INT_H

#ifdef WALSAFE_EXTENSION
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3
/* An extension is loaded by a connection, so SQLite is initialized, and
** sqlite3_initialize() is not in the extension API. */
#define ws_sqlite_initialize() SQLITE_OK
#else
#include <sqlite3.h>
#define ws_sqlite_initialize() sqlite3_initialize()
#endif

#include <stddef.h>

#include "walsafe.h"

/* The kinds of file walsafe tracks per database. */
enum ws_kind {
  WS_KIND_MAIN = 0,    /* the database file */
  WS_KIND_WAL = 1,     /* its -wal */
  WS_KIND_JOURNAL = 2, /* its rollback -journal */
  WS_KIND_OTHER = 3    /* temp files, statement journals, super-journals */
};
#define WS_KIND_TRACKED 3 /* kinds below this are counted per database */

/* Side files, as bits of ws_db.pending (deletes still owed). */
#define WS_SIDE_WAL 0x1
#define WS_SIDE_SHM 0x2
#define WS_SIDE_JOURNAL 0x4
#define WS_SIDE_MAIN 0x8

typedef struct ws_db ws_db;
typedef struct ws_file ws_file;

/*
** One open file. The parent VFS's file object lives right after it
** (szOsFile = parent->szOsFile + sizeof(ws_file)), so one allocation serves
** both.
*/
struct ws_file {
  sqlite3_file base;
  sqlite3_file *real;            /* the parent's file object, right after this */
  ws_db *db;                     /* registry entry, NULL for WS_KIND_OTHER */
  ws_file *prev, *next;          /* in db->files */
  int kind;                      /* enum ws_kind */
  int open_flags;                /* the flags the parent granted */
  sqlite3_int64 opened_ms;       /* ws_platform_now_ms() at open */
  unsigned char shm_mapped;      /* counted in db->n_shm */
  unsigned char exclusive_tried; /* xLock(EXCLUSIVE) since the last unlock */
  unsigned char lock_level;      /* what the parent granted last */
  unsigned char excl_reasked;    /* EXCLUSIVE asked again while held */
  unsigned char ever_exclusive;  /* EXCLUSIVE was held at some point */
  unsigned char shm_ever;        /* xShmMap was called */
  unsigned char shm_live;        /* a mapping SQLite may hold pointers into */
  sqlite3_filename zName;        /* the name SQLite opened it by (its URI) */
};

/*
** One database, keyed by its canonical path. Fields below "lock" are
** guarded by the registry shard's mutex (ws_db_lock).
*/
struct ws_db {
  ws_db *hash_next;
  unsigned hash;
  int refs;                       /* open handles plus callers working on the entry */
  int n_open[WS_KIND_TRACKED];    /* open handles by kind */
  int n_shm;                      /* files with shared memory mapped */
  ws_file *files;                 /* the open handles, newest first */
  unsigned pending;               /* WS_SIDE_* deletes still owed */
  unsigned char saw_wal;          /* a -wal or shm was used in this life */
  unsigned char wal_deleted;      /* SQLite deleted the -wal through walsafe
                                     after the last -wal handle closed */
  unsigned char cleanup_running;  /* a cleanup or delete is at work */
  unsigned char deleting;         /* walsafe_delete_database owns the entry */
  unsigned char persist_wal;      /* last main close had PERSIST_WAL on */
  unsigned char no_ckpt_on_close; /* last close skipped its checkpoint */
  unsigned char network_warned;   /* the network-path warning was logged */
  int retry_ms;                   /* walsafe_retry_ms URI parameter, -1 if none */
  int cleanup_mode;               /* walsafe_cleanup URI parameter, -1 if none */
  char *path;                     /* the full path SQLite uses (parent's spelling) */
  char key[1];                    /* canonical identity (ws_platform_path_key) */
};

/* ---- global state (vfs.c) ---- */
sqlite3_vfs *ws_parent(void); /* NULL before the first registration */
int ws_is_registered(void);
/* Run fn once, at the next open of a database file through walsafe. */
void ws_at_next_database_open(void (*fn)(void));
int ws_retry_budget_ms(ws_db *db); /* per-database or process-wide */
int ws_cleanup_mode(ws_db *db);
int ws_full_pathname(const char *zPath, char **pzFull); /* sqlite3_malloc'd */
/* Open a file of the database zDbPath through the parent, bypassing the
** registry (flags as for xOpen; kind WS_KIND_MAIN, WS_KIND_WAL or WS_KIND_JOURNAL). The
** caller frees the result with ws_private_close(). */
int ws_private_open(const char *zDbPath, int kind, int flags, sqlite3_file **ppFile);
void ws_private_close(sqlite3_file *pFile);

/* ---- registry (registry.c) ---- */
ws_db *ws_registry_acquire(const char *zFullPath); /* find or create, +1 ref */
ws_db *ws_registry_find(const char *zFullPath);    /* find only, +1 ref */
void ws_registry_release(ws_db *db);               /* -1 ref */
void ws_db_lock(ws_db *db);
void ws_db_unlock(ws_db *db);
void ws_registry_attach(ws_db *db, ws_file *f); /* caller holds the lock */
int ws_registry_detach(ws_db *db, ws_file *f);  /* 1: it was the last */
int ws_registry_handle_total(const ws_db *db);  /* caller holds the lock */
long long ws_registry_files_open(void);
long long ws_registry_databases(void);
/* Call fn on every entry with pending deletes (fn runs without the lock). */
void ws_registry_each_pending(void (*fn)(ws_db *));
/* Call fn on every entry with handles open, under its shard's lock (fn
** must not lock, and does no I/O). */
void ws_registry_each_open(void (*fn)(ws_db *, void *), void *ctx);
int ws_registry_reset(void); /* nothing open: free it all; returns deletes forgotten */

/* ---- retry policy (retry.c) ---- */
typedef struct ws_retry {
  sqlite3_int64 deadline_ms;
  int attempts;
} ws_retry;
void ws_retry_start(ws_retry *r, int budget_ms);
int ws_retry_delay_ms(int attempt, sqlite3_int64 remaining_ms);
int ws_retry_wait(ws_retry *r); /* 1: slept, try again; 0: budget spent */

/* ---- last close and deletes (cleanup.c) ---- */
void ws_after_close(ws_file *f);
int ws_open_refused(ws_db *db);        /* 1: walsafe_delete_database owns db */
void ws_cleanup_leftovers(ws_db *db);  /* pending side files, under a lock */
int ws_file_exists(const char *zPath); /* also when empty; 1 if unsure */
int ws_delete_database(const char *zPath, int timeoutMs, char **pzReport);
char *ws_open_report(ws_db *db); /* caller holds the lock; sqlite3_malloc'd */

/* ---- counters, status and messages (status.c) ---- */
enum ws_counter {
  WS_C_RETRIES,
  WS_C_RETRY_SUCCESSES,
  WS_C_RETRY_GIVEUPS,
  WS_C_OPEN_DOWNGRADES,
  WS_C_DELETES_DEFERRED,
  WS_C_DEFERRED_DONE,
  WS_C_WAL_TRUNCATED,
  WS_C_CLEANUPS_RUN,
  WS_C_CLEANUPS_DONE,
  WS_C_CLEANUPS_SKIPPED,
  WS_C_FAILURES,
  WS_C_COUNT
};
void ws_count(enum ws_counter c);
void ws_counters_read(long long out[WS_C_COUNT]);
void ws_set_errmsg(const char *zFormat, ...);
void ws_clear_errmsg(void);
char *ws_status_text(ws_db *db); /* sqlite3_malloc'd */

/* ---- SQL functions (functions.c) ---- */
int ws_register_functions(sqlite3 *db);

/* Path helpers shared by the VFS and the API. */
int ws_side_of_path(const char *zPath, size_t *pnDb); /* WS_SIDE_* or 0 */

#endif /* WALSAFE_INT_H */
