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

/* A database's files, as bits (ws_db.pending: deletes still owed). The
** table of their suffixes and printed names is in files.c. */
enum ws_side {
  WS_SIDE_WAL = 0x1,
  WS_SIDE_SHM = 0x2,
  WS_SIDE_JOURNAL = 0x4,
  WS_SIDE_MAIN = 0x8 /* the database file itself */
};

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
  enum ws_kind kind;             /* what the file is to its database */
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
int ws_registry_reset(void);               /* nothing open: free it all; returns deletes forgotten */
unsigned ws_hash(const char *z, size_t n); /* of the registry key; exported for its test */

/* ---- global state, settings, counters (base.c) ---- */
sqlite3_vfs *ws_parent(void); /* NULL before the first registration */
int ws_is_registered(void);
/* parent (not NULL): the parent of a new registration, with the default
** settings; registered: the new state. Caller holds STATIC_VFS2. */
void ws_set_registered(sqlite3_vfs *parent, int registered);
int ws_full_pathname(const char *zPath, char **pzFull); /* sqlite3_malloc'd */
typedef struct ws_settings {
  int retry_ms;     /* WALSAFE_CONFIG_RETRY_MS or walsafe_retry_ms */
  int cleanup_mode; /* WALSAFE_CONFIG_CLEANUP or walsafe_cleanup */
} ws_settings;
ws_settings ws_settings_of(ws_db *db);                       /* db's own, else process-wide; db may be NULL */
void ws_settings_complete(ws_settings *s);                   /* -1 fields: the process-wide value */
int ws_retry_budget_ms(ws_db *db);                           /* ws_settings_of(db).retry_ms */
int ws_setting_swap(int op, int value, int *pOld);           /* WALSAFE_CONFIG_*, checked by the caller */
int ws_settings_from_uri(ws_db *db, sqlite3_filename zName); /* SQLITE_MISUSE on a bad value */
/* Run fn once, at the next open of a database file through walsafe. */
void ws_at_next_database_open(void (*fn)(void));
void ws_run_next_open_hook(void);
void ws_take_over_native_retry(void); /* at registration */
void ws_give_back_native_retry(void); /* at unregistration */
int ws_native_retry_taken(void);
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

/* ---- retry policy (retry.c) ---- */
typedef struct ws_retry {
  sqlite3_int64 deadline_ms;
  int attempts;
  int started; /* the budget is looked up at the first wait */
  ws_db *db;   /* whose budget; NULL: the process-wide one */
} ws_retry;
#define WS_RETRY_LAZY(db) \
  { 0, 0, 0, (db) }
void ws_retry_start(ws_retry *r, int budget_ms); /* an explicit budget, from now */
int ws_retry_delay_ms(int attempt, sqlite3_int64 remaining_ms);
int ws_retry_wait(ws_retry *r); /* 1: slept, try again; 0: budget spent */
int ws_last_error(void);        /* the parent's last OS error */
/* After a failed zOp on zPath: when transient and the budget allows, wait,
** count a retry and return 1; else 0, and a give-up after the budget is
** counted and logged. */
int ws_retry_again(ws_retry *r, int transient, const char *zOp, const char *zPath, int rc, int sys_err);
void ws_retry_succeeded(const ws_retry *r); /* counts a success after retries */

/* ---- a database's files (files.c) ---- */
enum ws_side ws_side_of_path(const char *zPath, size_t *pnDb); /* WS_SIDE_MAIN if no side file */
char *ws_side_name(const char *zDb, enum ws_side side);        /* sqlite3_malloc'd */
enum ws_kind ws_kind_of_side(enum ws_side side);
/* The first nDb bytes of zDb, then zSuffix: in zBuf when it fits (the
** common case, no allocation), else sqlite3_malloc'd; NULL when out of
** memory. Give it back with ws_name_done(z, zBuf). */
#define WS_NAME_BUF 512
char *ws_name_in(char *zBuf, size_t nBuf, const char *zDb, size_t nDb, const char *zSuffix);
void ws_name_done(char *z, const char *zBuf);
enum ws_print { WS_PRINT_WORDS, WS_PRINT_JSON, WS_PRINT_FILES };
/* "wal shm" ("none" when empty), "\"wal\", \"shm\"", or "database -wal". */
void ws_append_sides(sqlite3_str *s, unsigned sides, enum ws_print style);
void ws_append_handle_counts(sqlite3_str *s, const ws_db *db); /* caller holds the lock */
const char *ws_kind_name(enum ws_kind kind);
char *ws_open_report(ws_db *db); /* caller holds the lock; sqlite3_malloc'd */
int ws_open_was_downgraded(sqlite3_filename zName, int flags, int outFlags, int *pSysErr);
/* Open a file of the database zDbPath through the parent, bypassing the
** registry (flags as for xOpen; kind WS_KIND_MAIN, WS_KIND_WAL or
** WS_KIND_JOURNAL). The caller frees the result with ws_private_close(). */
int ws_private_open(const char *zDbPath, enum ws_kind kind, int flags, sqlite3_file **ppFile);
void ws_private_close(sqlite3_file *pFile);
int ws_file_exists(const char *zPath); /* also when empty; 1 if unsure */
int ws_side_exists(const char *zDb, enum ws_side side);
unsigned ws_files_present(const char *zDb); /* WS_SIDE_* bits */
int ws_shm_left(const char *zDb);
sqlite3_int64 ws_open_file_size(sqlite3_file *f); /* -1 if unknown */
sqlite3_int64 ws_wal_size(const char *zDb);       /* -1: none */
int ws_journal_is_hot(const char *zDb);
/* The EXCLUSIVE lock of rule (A) through the parent, and its release. */
int ws_lock_database_as(const char *zDb, int flags, sqlite3_file **ppLock);
int ws_lock_database(const char *zDb, sqlite3_file **ppLock);
void ws_unlock_database(sqlite3_file *f);
int ws_database_in_use(const char *zDb); /* 1 in use, 0 not, -1 cannot tell */
/* One delete through the parent (SQLITE_OK also when already gone); the
** caller holds the proof. *pTransient: a failure may clear by waiting. */
int ws_delete_once(const char *zDb, enum ws_side side, int *pTransient);
int ws_empty_file(const char *zDb, enum ws_kind kind); /* the caller holds the proof */

/* ---- last close and owed deletes (cleanup.c) ---- */
void ws_after_close(ws_file *f);      /* the close hook */
void ws_cleanup_leftovers(ws_db *db); /* pending side files, under a lock */
int ws_checkpoint_private(const char *zDb, int busy_ms);
int ws_delete_main_with_lock(sqlite3_file *lock, const char *zDb, int empty, int *pTransient);
int ws_delete_empty_main(sqlite3_file *lock, const char *zDb, int *pTransient);
void ws_wal_delete_gave_up(ws_db *db, const char *zDb);
int ws_defer_delete_if_held(ws_db *db, enum ws_side side, const char *zPath);

/* ---- walsafe_delete_database (delete.c) ---- */
int ws_open_refused(ws_db *db); /* 1: walsafe_delete_database owns db */
int ws_delete_database(const char *zPath, int timeoutMs, char **pzReport);

/* ---- reports (status.c) ---- */
char *ws_status_text(ws_db *db); /* sqlite3_malloc'd */

/* ---- the VFS (vfs.c) ---- */
sqlite3_vfs *ws_vfs_build(sqlite3_vfs *parent);
sqlite3_vfs *ws_vfs_object(void);

/* ---- SQL functions (functions.c) ---- */
int ws_register_functions(sqlite3 *db);

#endif /* WALSAFE_INT_H */
