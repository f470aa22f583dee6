/*
** walsafe.h: the public interface of walsafe, a wrapper ("shim") SQLite VFS
** that makes a database and its side files (-wal, -shm, -journal) close and
** delete reliably, on Windows and on flaky mounts.
**
** WHAT IT DOES
**   walsafe registers a VFS named "walsafe" that sits over a native VFS
**   ("unix" or "win32", or any other) and passes every call through, except:
**   - xOpen, xDelete and xAccess retry transient sharing errors (EBUSY,
**     ETXTBSY, EAGAIN on unix; sharing and lock violations on Windows) with
**     a backoff bounded by total wall time (default 3000 ms);
**   - it counts the handles this process has open on each database (main
**     file, -wal, rollback journal, shared-memory mapping), keyed by the
**     database's canonical path, not by how the caller spelled it;
**   - when the last handle on a database in this process closes and no other
**     connection uses it (an EXCLUSIVE lock probe says so), it makes sure no
**     -wal and no -shm are left behind (checkpointing first when the last
**     closer could not), and a -wal that cannot be deleted is made empty
**     first so it can never be replayed onto another database later; while
**     another connection uses the database, its -wal is left exactly as
**     SQLite leaves it;
**   - a -shm that a connection that may write could not open read-write
**     for a transient reason is retried within the budget, and such a
**     connection never gets SQLite's read-only -shm fallback (which can
**     lose a crashed writer's frames): SQLITE_IOERR_SHMOPEN instead;
**   - a delete that SQLite asks for while this process still holds a handle
**     on that file is deferred until that handle closes (never for the
**     rollback journal: deleting it is a commit, so it is retried and its
**     failure is returned).
**   Every cleanup is justified by a lock that walsafe holds or SQLite holds;
**   the comments in vfs/cleanup.c say which.
**   Over win32, the VFS's own per-call retry (~1.4 s) is turned down while
**   walsafe is registered (SQLITE_FCNTL_WIN32_AV_RETRY, process-wide) so
**   that walsafe's wall-time budget governs; walsafe retries reads and
**   writes for the same errors instead. walsafe_unregister() restores it.
**
** HOW TO USE IT
**   C:      walsafe_register(NULL, 0) at start-up, then open with a URI
**           "file:app.db?vfs=walsafe" or sqlite3_open_v2(..., "walsafe").
**           walsafe_register(NULL, 1) makes it the default VFS.
**   SQLITE_EXTRA_INIT: compile your own sqlite3.c with
**           -DSQLITE_EXTRA_INIT=walsafe_extra_init and the walsafe sources;
**           walsafe is then the default VFS with no code change.
**   Extension: load libwalsafe.so / walsafe.dll (entry point
**           sqlite3_walsafe_init); it becomes the default VFS, stays loaded,
**           and adds the SQL functions walsafe_delete_database(path
**           [, timeout_ms]) and walsafe_handle_count(path) to every
**           connection opened afterwards.
**   PRAGMA walsafe_status on a database opened through walsafe returns its
**   handle counts and the process-wide counters as text.
**   SQLITE_FCNTL_VFSNAME reports "walsafe/<parent>".
**
** URI PARAMETERS (on the main database)
**   walsafe_retry_ms=N     retry budget for this database, 0..600000 ms.
**   walsafe_cleanup=MODE   "auto" (default): clean up on last close, but
**                          respect SQLITE_FCNTL_PERSIST_WAL and
**                          SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE; "force": clean
**                          up even then; "off": no last-close cleanup.
**   A bad value makes the open fail with SQLITE_MISUSE and a sqlite3_log line.
**
** ERRORS
**   Functions return SQLite result codes. After a failure, walsafe_errmsg()
**   returns an English message for the calling thread.
**
** THREADS
**   Every function here is thread-safe once SQLite is initialized, provided
**   SQLite itself is built thread-safe (SQLITE_THREADSAFE=1 or 2).
**   walsafe's own state uses its own mutexes (pthreads, or SRW locks on
**   Windows) and the C heap, never SQLite's: it stays valid across
**   sqlite3_shutdown(), also when another mutex implementation or memory
**   allocator is configured before SQLite is initialised again, and it
**   leaves nothing in SQLite's heap. walsafe_unregister() with nothing open
**   gives its memory back.
*/
#ifndef WALSAFE_H
#define WALSAFE_H

#ifdef __cplusplus
extern "C" {
#endif

/* The name walsafe registers under. */
#define WALSAFE_VFS_NAME "walsafe"

/* Default retry budget (total wall time per operation), milliseconds. */
#define WALSAFE_DEFAULT_RETRY_MS 3000
/* Largest accepted retry budget, milliseconds. */
#define WALSAFE_MAX_RETRY_MS 600000

/*
** Register the VFS "walsafe" over the VFS named zParent (NULL: the current
** default VFS). makeDefault!=0 makes walsafe the default VFS.
** Calling it again is harmless: the parent stays what it was (a different
** non-NULL zParent is SQLITE_MISUSE), and makeDefault may change (0 leaves
** the current default alone).
** Returns SQLITE_OK, SQLITE_MISUSE (zParent names walsafe itself or differs
** from the registered parent), SQLITE_ERROR (no VFS named zParent) or the
** error of sqlite3_initialize().
*/
int walsafe_register(const char *zParent, int makeDefault);

/*
** Unregister walsafe. Returns SQLITE_BUSY (and changes nothing) while any
** file is open through it; SQLITE_MISUSE when it is not registered. If
** walsafe was the default VFS, its parent becomes the default again. Side
** files whose deletion was deferred are retried first.
*/
int walsafe_unregister(void);

/*
** For applications that compile the SQLite amalgamation themselves:
**   cc -DSQLITE_EXTRA_INIT=walsafe_extra_init -Iinclude sqlite3.c vfs/(all).c app.c
** SQLite calls this at the end of sqlite3_initialize(); it registers
** walsafe over the native default VFS and makes it the default. The SQL
** functions come to every connection opened from the first database file
** opened through walsafe on (that one included), so that right after
** sqlite3_initialize() SQLite's heap holds nothing of walsafe's.
*/
int walsafe_extra_init(const char *zUnused);

/*
** Remove the database zDbPath and its -wal, -shm and -journal.
** 1. Waits up to timeoutMs for this process's handles on that database to
**    close; if some stay open, returns SQLITE_BUSY and deletes nothing.
** 2. On Linux, if this process holds the database file open outside
**    walsafe (a connection opened before walsafe was the default VFS, a
**    second SQLite, the program's own open()), returns SQLITE_BUSY and
**    deletes nothing; walsafe_errmsg() says so.
** 3. Takes an EXCLUSIVE lock on the database file, creating the file when
**    only side files are left (nothing is ever unlinked without that lock):
**    if another process has it open, returns SQLITE_BUSY and deletes
**    nothing.
** 4. Under the lock, makes a -wal with frames empty first (TRUNCATE
**    checkpoint through a private connection; this also rolls back a hot
**    journal), then deletes the side files, then the database, looking at
**    what is left anew each pass and retrying transient sharing errors
**    until timeoutMs has passed since the call. On Windows a handle outside
**    walsafe makes the delete of the database fail: reported as such.
** Returns SQLITE_OK only when a final look finds none of the four files;
** SQLITE_NOTFOUND when none of them existed; SQLITE_BUSY or the real error
** otherwise, with walsafe_errmsg() saying what is still open (which kind of
** file, how many handles, since when).
** While it works, other threads' opens of that database through walsafe
** fail with SQLITE_BUSY. A path naming a -wal, -shm or -journal is
** SQLITE_MISUSE (pass the database). Limits, on unix: a rollback-mode
** connection in another process that is open but idle, and a WAL
** connection in another process that has opened but not yet read, hold no
** lock and cannot be seen (docs/how-it-works.md).
** timeoutMs is 0..WALSAFE_MAX_RETRY_MS. NULL, empty or too long paths are
** SQLITE_MISUSE; before walsafe_register(), SQLITE_MISUSE.
*/
int walsafe_delete_database(const char *zDbPath, int timeoutMs);

/*
** Number of handles open in this process on the database zDbPath through
** walsafe: main file, -wal and rollback journal handles (a shared-memory
** mapping is reported by walsafe_status() but not counted here). Any
** spelling of the path works (relative, absolute, through a symlink).
** Returns the count (>= 0), or a negated SQLite error code: -SQLITE_MISUSE
** for a NULL, empty or too long path or before registration,
** -SQLITE_NOTFOUND when no such file exists and nothing is open under that
** name.
*/
int walsafe_handle_count(const char *zDbPath);

/*
** The status text that PRAGMA walsafe_status shows, for zDbPath (NULL: only
** the process-wide counters). The caller frees it with sqlite3_free().
** Returns NULL before registration or when out of memory.
*/
char *walsafe_status(const char *zDbPath);

/*
** Every database this process has handles open on through walsafe, as a
** JSON array (for leak reports: which database, what is open, since when):
**   [{"path": "/abs/app.db", "handles": 2, "main": 1, "wal": 1,
**     "journal": 0, "shm": 1, "pending_deletes": [],
**     "files": [{"kind": "main", "mode": "read-write", "open_ms": 1520},
**               {"kind": "wal", "mode": "read-write", "open_ms": 1519}]}]
** "[]" when nothing is open. The caller frees it with sqlite3_free().
** NULL before registration (SQLITE_MISUSE in walsafe_errmsg) or when out
** of memory. SQL: SELECT walsafe_open_databases().
*/
char *walsafe_open_databases(void);

/* Process-wide counters of what walsafe did and failed to do. */
typedef struct walsafe_counters {
  long long files_open;        /* files open through walsafe right now */
  long long databases_tracked; /* registry entries right now */
  long long retries;           /* transient failures that were retried */
  long long retry_successes;   /* operations that succeeded after retrying */
  long long retry_giveups;     /* operations that failed after the budget */
  long long open_downgrades;   /* read-write opens SQLite degraded to
                                  read-only because of a transient error,
                                  reopened read-write by walsafe */
  long long deletes_deferred;  /* deletes recorded until a handle closed */
  long long deferred_done;     /* deferred deletes carried out later */
  long long wal_truncated;     /* -wal files made empty because they could
                                  not be deleted */
  long long cleanups_run;      /* last-close cleanups that found leftovers */
  long long cleanups_done;     /* ... and left no -wal and no -shm */
  long long cleanups_skipped;  /* ... skipped: another connection, persist
                                  WAL, no-checkpoint-on-close, read-only */
  long long failures;          /* cleanups or deletes that failed */
} walsafe_counters;

/* Copy the process-wide counters into *p. SQLITE_MISUSE when p is NULL. */
int walsafe_get_counters(walsafe_counters *p);

/*
** Process-wide options, set with walsafe_config(op, value):
**   WALSAFE_CONFIG_RETRY_MS    retry budget in ms, 0..WALSAFE_MAX_RETRY_MS
**                              (default WALSAFE_DEFAULT_RETRY_MS).
**   WALSAFE_CONFIG_CLEANUP     WALSAFE_CLEANUP_AUTO (default),
**                              WALSAFE_CLEANUP_FORCE or WALSAFE_CLEANUP_OFF;
**                              the walsafe_cleanup URI parameter overrides it
**                              per database.
** A value <0 leaves the option as it is. *pOld (may be NULL) receives the
** value in force before the call. Bad op or value: SQLITE_MISUSE.
** SQL: walsafe_config('retry_ms' [, ms]) and walsafe_config('cleanup'
** [, 'auto'|'force'|'off']) return the value in force before the call
** (an integer, or the mode's name) and set the new one when given.
*/
#define WALSAFE_CONFIG_RETRY_MS 1
#define WALSAFE_CONFIG_CLEANUP 2
#define WALSAFE_CLEANUP_AUTO 0
#define WALSAFE_CLEANUP_FORCE 1
#define WALSAFE_CLEANUP_OFF 2
int walsafe_config(int op, int value, int *pOld);

/*
** The message of the last failed walsafe call on this thread ("" if none).
** Valid until the next walsafe call on this thread.
*/
const char *walsafe_errmsg(void);

/* The loadable-extension entry point (libwalsafe.so, walsafe.dll). */
struct sqlite3;
struct sqlite3_api_routines;
int sqlite3_walsafe_init(struct sqlite3 *db, char **pzErrMsg, const struct sqlite3_api_routines *pApi);

#ifdef __cplusplus
}
#endif
#endif /* WALSAFE_H */
