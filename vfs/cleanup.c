/*
** cleanup.c: what walsafe does after the last handle on a database closes,
** with the deletes it owes, and for walsafe_delete_database().
**
** THE SAFETY RULE. walsafe deletes or empties a database's side file only
** while one of these holds, and each place below says which:
**   (A) walsafe holds an EXCLUSIVE lock on the database file, taken through
**       the parent VFS. In WAL mode every connection holds a SHARED lock on
**       the database file for as long as it has the -wal and -shm open
**       (pager.c, pager_unlock keeps it), and takes it before it opens them;
**       a rollback-mode writer holds at least SHARED while its journal is
**       live. So with EXCLUSIVE held, no connection in any process is using
**       the side files, and none can start until walsafe lets go. The parent
**       VFS shares lock state between its handles in one process, so
**       connections of this process that do not go through walsafe are
**       covered too while they hold a lock; walsafe_delete_database also
**       looks for their descriptors (ws_platform_fds_on), since a rollback-
**       mode connection holds none while idle. When the database file is
**       absent, walsafe creates it through the parent to take this lock
**       (ws_delete_pass): a connection that would use the side files must
**       open and lock the database first, so it waits.
**   (B) SQLite itself asked for the delete (cleanup of a -wal in vfs.c:
**       SQLite asks only after a complete checkpoint under its own EXCLUSIVE
**       lock, and emptying removes less than deleting).
** A -wal is deleted only when it has no frames (after a checkpoint), so no
** committed transaction is ever thrown away.
*/
#include <string.h>

#include "platform.h"
#include "walsafe_int.h"

/* ---------------------------------------------------------------------------
** Looking at side files through the parent
*/
/* Both native parents answer SQLITE_ACCESS_EXISTS with "no" for a file of
** zero bytes (an empty journal is no journal to SQLite), but an emptied -wal,
** a TRUNCATE-mode -journal or a new database is still a file on disk that
** cleanup must see; so a file the parent can read and write exists too. */
int ws_file_exists(const char *zPath) {
  sqlite3_vfs *parent = ws_parent();
  int res = 0;
  if (parent->xAccess(parent, zPath, SQLITE_ACCESS_EXISTS, &res) != SQLITE_OK) return 1; /* assume yes */
  if (res) return 1;
  if (parent->xAccess(parent, zPath, SQLITE_ACCESS_READWRITE, &res) != SQLITE_OK) return 1;
  return res != 0;
}

static char *ws_side_name(const char *zDb, int side) {
  switch (side) {
    case WS_SIDE_WAL: return sqlite3_mprintf("%s-wal", zDb);
    case WS_SIDE_SHM: return sqlite3_mprintf("%s-shm", zDb);
    case WS_SIDE_JOURNAL: return sqlite3_mprintf("%s-journal", zDb);
    default: return sqlite3_mprintf("%s", zDb);
  }
}

static int ws_side_exists(const char *zDb, int side) {
  char *z = ws_side_name(zDb, side);
  int res = z ? ws_file_exists(z) : 1;
  sqlite3_free(z);
  return res;
}

/* Is a -shm of zDb on disk after its last mapping closed? One stat, not
** ws_file_exists's two: SQLite sizes a -shm as soon as it maps it (3 bytes
** for the unix VFS's DMS lock, 32 KiB for the first page), so a -shm left
** behind by a failed delete is never empty; an empty one can only come
** from a crash between create and resize and holds nothing to replay. */
static int ws_shm_left(const char *zDb) {
  sqlite3_vfs *parent = ws_parent();
  char *z = ws_side_name(zDb, WS_SIDE_SHM);
  int res = 1;
  if (z && parent->xAccess(parent, z, SQLITE_ACCESS_EXISTS, &res) != SQLITE_OK) res = 1;
  sqlite3_free(z);
  return res != 0;
}

/* Bytes in the -wal of zDb: -1 when there is none, and a large number when
** it exists but cannot be measured (so that it is treated as holding data). */
#define WS_SIZE_UNKNOWN ((sqlite3_int64)1 << 62)
static sqlite3_int64 ws_wal_size(const char *zDb) {
  sqlite3_file *f = 0;
  sqlite3_int64 size = WS_SIZE_UNKNOWN;
  if (!ws_side_exists(zDb, WS_SIDE_WAL)) return -1;
  if (ws_private_open(zDb, WS_KIND_WAL, SQLITE_OPEN_READONLY, &f) == SQLITE_OK) {
    if (f->pMethods->xFileSize(f, &size) != SQLITE_OK) size = WS_SIZE_UNKNOWN;
    ws_private_close(f);
  }
  return size;
}

/* Is the -journal of zDb hot? As SQLite decides (pager.c, hasHotJournal):
** it has content and its first byte is not zero (journal_mode=PERSIST
** zeroes the header; TRUNCATE leaves no content). */
static int ws_journal_is_hot(const char *zDb) {
  sqlite3_file *f = 0;
  sqlite3_int64 size = 0;
  unsigned char first = 1;
  if (!ws_side_exists(zDb, WS_SIDE_JOURNAL)) return 0;
  if (ws_private_open(zDb, WS_KIND_JOURNAL, SQLITE_OPEN_READONLY, &f) != SQLITE_OK) return 1;
  if (f->pMethods->xFileSize(f, &size) == SQLITE_OK && size == 0) {
    first = 0;
  } else if (f->pMethods->xRead(f, &first, 1, 0) != SQLITE_OK) {
    first = 1; /* cannot tell: treat as hot */
  }
  ws_private_close(f);
  return first != 0;
}

/* ---------------------------------------------------------------------------
** The EXCLUSIVE lock of rule (A)
*/
static int ws_lock_database_as(const char *zDb, int flags, sqlite3_file **ppLock) {
  sqlite3_file *f = 0;
  int rc = ws_private_open(zDb, WS_KIND_MAIN, flags, &f);
  *ppLock = 0;
  if (rc != SQLITE_OK) return rc;
  rc = f->pMethods->xLock(f, SQLITE_LOCK_SHARED);
  if (rc == SQLITE_OK) rc = f->pMethods->xLock(f, SQLITE_LOCK_EXCLUSIVE);
  if (rc != SQLITE_OK) {
    f->pMethods->xUnlock(f, SQLITE_LOCK_NONE);
    ws_private_close(f);
    return rc == SQLITE_OK ? SQLITE_BUSY : rc;
  }
  *ppLock = f;
  return SQLITE_OK;
}

static int ws_lock_database(const char *zDb, sqlite3_file **ppLock) {
  return ws_lock_database_as(zDb, SQLITE_OPEN_READWRITE, ppLock);
}

static void ws_unlock_database(sqlite3_file *f) {
  if (f == 0) return;
  f->pMethods->xUnlock(f, SQLITE_LOCK_NONE);
  ws_private_close(f);
}

/* Does a connection of any process use the database now? The EXCLUSIVE
** probe of rule (A), let go at once: 1 in use, 0 not, -1 cannot tell. */
static int ws_database_in_use(const char *zDb) {
  sqlite3_file *lock = 0;
  int rc = ws_lock_database(zDb, &lock);
  ws_unlock_database(lock);
  if (rc == SQLITE_OK) return 0;
  return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED ? 1 : -1;
}

/* One delete attempt through the parent: SQLITE_OK also when the file is
** already gone. *pTransient says whether a failure may clear by waiting. */
static int ws_delete_once(const char *zDb, int side, int *pTransient) {
  sqlite3_vfs *parent = ws_parent();
  char *z = ws_side_name(zDb, side);
  int rc;
  *pTransient = 0;
  if (z == 0) return SQLITE_NOMEM;
  rc = parent->xDelete(parent, z, 0);
  if (rc == SQLITE_IOERR_DELETE_NOENT || (rc != SQLITE_OK && !ws_file_exists(z))) rc = SQLITE_OK;
  if (rc != SQLITE_OK) *pTransient = ws_platform_is_transient(parent->xGetLastError(parent, 0, 0), z);
  sqlite3_free(z);
  return rc;
}

/*
** Remove an empty -wal and the -shm of db under rule (A). Each attempt takes
** the lock, tries each file once and lets go; waits (within budget_ms) happen
** with no lock held, so other processes are never kept out during a sleep.
** Returns the WS_SIDE_* bits still on disk.
*/
static unsigned ws_remove_wal_and_shm(ws_db *db, int budget_ms, int *pInUse) {
  unsigned left = 0;
  ws_retry r;
  *pInUse = 0;
  ws_retry_start(&r, budget_ms);
  for (;;) {
    sqlite3_file *lock = 0;
    int transient = 0, t, rc;
    left = 0;
    rc = ws_lock_database(db->path, &lock);
    if (rc != SQLITE_OK) {
      /* Another connection uses the database, or it is gone or read-only:
      ** what is left is theirs to clean up. */
      if (ws_side_exists(db->path, WS_SIDE_WAL)) left |= WS_SIDE_WAL;
      if (ws_side_exists(db->path, WS_SIDE_SHM)) left |= WS_SIDE_SHM;
      *pInUse = rc == SQLITE_BUSY;
      return left;
    }
    /* Rule (A) holds from here to ws_unlock_database(). */
    if (ws_wal_size(db->path) > 0) {
      left |= WS_SIDE_WAL; /* frames: only a checkpoint may retire them */
    } else if (ws_delete_once(db->path, WS_SIDE_WAL, &t) != SQLITE_OK) {
      left |= WS_SIDE_WAL;
      transient |= t;
    }
    if (ws_delete_once(db->path, WS_SIDE_SHM, &t) != SQLITE_OK) {
      left |= WS_SIDE_SHM;
      transient |= t;
    }
    ws_unlock_database(lock);
    if (left == 0 || !transient || !ws_retry_wait(&r)) break;
    ws_count(WS_C_RETRIES);
  }
  return left;
}

/*
** Fold the -wal into the database and roll back a hot journal, with a
** private connection through walsafe (its handles are counted, and its own
** close is SQLite's checkpoint-on-close). The caller has set
** db->cleanup_running, so that connection's close does not recurse here.
** SQLITE_BUSY when another connection keeps the checkpoint from finishing.
*/
static int ws_checkpoint_private(const char *zDb, int busy_ms) {
  sqlite3 *c = 0;
  sqlite3_stmt *st = 0;
  /* PRIVATECACHE: never SQLITE_MUTEX_STATIC_OPEN, which SQLite may hold
  ** while it closes a shared-cache pager (and so calls us). */
  int rc = sqlite3_open_v2(zDb, &c, SQLITE_OPEN_READWRITE | SQLITE_OPEN_PRIVATECACHE, WALSAFE_VFS_NAME);
  if (rc == SQLITE_OK) {
    sqlite3_busy_timeout(c, busy_ms);
    rc = sqlite3_exec(c, "SELECT count(*) FROM sqlite_schema", 0, 0, 0);
  }
  if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(c, "PRAGMA wal_checkpoint(TRUNCATE)", -1, &st, 0);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
      rc = sqlite3_column_int(st, 0) ? SQLITE_BUSY : SQLITE_OK;
    else if (rc == SQLITE_DONE)
      rc = SQLITE_OK;
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_OK && c) {
    sqlite3_log(SQLITE_WARNING, "walsafe: checkpoint of %s failed: %s", zDb,
                sqlite3_errcode(c) == SQLITE_OK ? sqlite3_errstr(rc) : sqlite3_errmsg(c));
  }
  sqlite3_close(c);
  return rc;
}

/*
** Checkpoint the -wal of db on behalf of a last closer that did not (it was
** read-only, or its checkpoint failed): only when no connection of any
** process uses the database (a process that still has it open keeps its
** frames, as SQLite leaves them), and again within the retry budget when
** it fails for a reason that may clear (a -shm or -wal held by a scanner).
** SQLITE_OK: folded; SQLITE_BUSY: in use, left alone; else the failure.
*/
static int ws_checkpoint_unused(ws_db *db) {
  ws_retry r;
  ws_retry_start(&r, ws_retry_budget_ms(db));
  for (;;) {
    int rc;
    if (ws_database_in_use(db->path) == 1) return SQLITE_BUSY;
    rc = ws_checkpoint_private(db->path, 0);
    /* A -shm or -wal held by a scanner is waited out inside the private
    ** connection (it goes through walsafe); here only another connection
    ** in the way may clear. */
    if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) return rc;
    if (!ws_retry_wait(&r)) return rc;
    ws_count(WS_C_RETRIES);
  }
}

/* ---------------------------------------------------------------------------
** After the last close
*/
static void ws_last_close_cleanup(ws_db *db) {
  int mode = ws_cleanup_mode(db), persist_wal, no_ckpt, owed_wal, in_use, wal_deleted, shm;
  sqlite3_int64 wal;
  unsigned left;
  if (mode == WALSAFE_CLEANUP_OFF) return;
  ws_db_lock(db);
  wal_deleted = db->wal_deleted;
  persist_wal = db->persist_wal;
  no_ckpt = db->no_ckpt_on_close;
  owed_wal = (db->pending & WS_SIDE_WAL) != 0;
  ws_db_unlock(db);
  /* When SQLite itself deleted the -wal after its checkpoint-on-close (the
  ** common case), it is gone, and with it the -shm: one look at the -shm
  ** tells. A -shm still there means another process has used the database
  ** since, and may have left a -wal with frames: look at it again. */
  shm = ws_shm_left(db->path);
  wal = wal_deleted && !shm ? -1 : ws_wal_size(db->path);
  if (wal < 0 && !shm) {
    ws_db_lock(db);
    db->pending &= ~(unsigned)(WS_SIDE_WAL | WS_SIDE_SHM);
    ws_db_unlock(db);
    return;
  }
  ws_count(WS_C_CLEANUPS_RUN);
  if (mode == WALSAFE_CLEANUP_AUTO && (persist_wal || no_ckpt)) {
    ws_count(WS_C_CLEANUPS_SKIPPED);
    sqlite3_log(SQLITE_NOTICE, "walsafe: kept the -wal of %s: the last connection asked for %s", db->path,
                persist_wal ? "SQLITE_FCNTL_PERSIST_WAL" : "no checkpoint on close");
    return;
  }
  if (wal > 0) {
    /* The frames may hold committed data: only a checkpoint retires them. */
    int rc = ws_checkpoint_unused(db);
    if (rc == SQLITE_BUSY) {
      ws_count(WS_C_CLEANUPS_SKIPPED);
      sqlite3_log(SQLITE_NOTICE, "walsafe: left the -wal of %s to the connection that still uses it", db->path);
      return;
    }
    if (rc != SQLITE_OK) {
      ws_count(WS_C_CLEANUPS_SKIPPED);
      ws_count(WS_C_FAILURES);
      sqlite3_log(SQLITE_WARNING, "walsafe: left the -wal of %s: it could not be checkpointed (%s)", db->path,
                  sqlite3_errstr(rc));
      return;
    }
  }
  /* A delete that already spent its budget under SQLite's lock gets one
  ** more try here; files SQLite never tried to delete get the full budget. */
  left = ws_remove_wal_and_shm(db, owed_wal ? 0 : ws_retry_budget_ms(db), &in_use);
  if (in_use) {
    /* Not a failure: another connection has the database, and the files
    ** are its own; deletes walsafe already owed stay owed. */
    ws_count(WS_C_CLEANUPS_SKIPPED);
    sqlite3_log(SQLITE_NOTICE, "walsafe: left the -wal/-shm of %s to the connection that still uses it", db->path);
    return;
  }
  ws_db_lock(db);
  if (db->pending & ~left & (WS_SIDE_WAL | WS_SIDE_SHM)) ws_count(WS_C_DEFERRED_DONE);
  db->pending = (db->pending & ~(unsigned)(WS_SIDE_WAL | WS_SIDE_SHM)) | left;
  ws_db_unlock(db);
  if (left == 0) {
    ws_count(WS_C_CLEANUPS_DONE);
  } else {
    ws_count(WS_C_FAILURES);
    sqlite3_log(SQLITE_WARNING,
                "walsafe: after the last close of %s its %s%s still on disk; retried at the next open, "
                "walsafe_delete_database() or walsafe_unregister()",
                db->path, (left & WS_SIDE_WAL) ? "-wal (empty) " : "", (left & WS_SIDE_SHM) ? "-shm " : "");
  }
}

/*
** A delete of the database file itself that came while this process had it
** open. Rule (A): only once no connection in any process has it open, which
** the EXCLUSIVE lock proves; on unix it is deleted under the lock, on
** Windows right after our own handle (which would block it) is closed.
*/
static void ws_run_deferred_main(ws_db *db) {
  sqlite3_file *lock = 0;
  int transient, rc, owed;
  ws_db_lock(db);
  owed = (db->pending & WS_SIDE_MAIN) != 0;
  ws_db_unlock(db);
  if (!owed) return;
  /* Only at the last close of the life it was asked in: a later open may
  ** find another database there (written by another process, or made
  ** anew), which nobody asked to delete. */
  ws_db_lock(db);
  db->pending &= ~(unsigned)WS_SIDE_MAIN;
  ws_db_unlock(db);
  rc = ws_lock_database(db->path, &lock);
  if (rc == SQLITE_OK) {
    rc = SQLITE_ERROR;
    if (ws_platform_can_delete_open_file()) rc = ws_delete_once(db->path, WS_SIDE_MAIN, &transient);
    ws_unlock_database(lock);
    if (rc != SQLITE_OK) rc = ws_delete_once(db->path, WS_SIDE_MAIN, &transient);
  }
  if (rc == SQLITE_OK) {
    ws_count(WS_C_DEFERRED_DONE);
  } else {
    ws_count(WS_C_FAILURES);
    sqlite3_log(SQLITE_WARNING, "walsafe: deferred delete of %s dropped (%s)", db->path,
                rc == SQLITE_BUSY ? "another connection has it open" : sqlite3_errstr(rc));
  }
}

void ws_after_close(ws_file *f) {
  ws_db *db = f->db;
  int run;
  ws_db_lock(db);
  run = ws_registry_detach(db, f) && !db->cleanup_running && (db->saw_wal || db->pending);
  if (run) db->cleanup_running = 1;
  ws_db_unlock(db);
  f->db = 0;
  if (run) {
    ws_last_close_cleanup(db);
    ws_run_deferred_main(db);
    ws_db_lock(db);
    db->cleanup_running = 0;
    ws_db_unlock(db);
  }
  ws_registry_release(db); /* the handle's reference */
}

/* A cheap chance (next open, unregister): one try, no waiting. */
void ws_cleanup_leftovers(ws_db *db) {
  unsigned left, owed;
  int run, in_use = 0;
  ws_db_lock(db);
  run = db->pending && !db->cleanup_running && ws_registry_handle_total(db) == 0 && db->n_shm == 0;
  if (run) db->cleanup_running = 1;
  owed = db->pending & (WS_SIDE_WAL | WS_SIDE_SHM);
  ws_db_unlock(db);
  if (!run) return;
  left = owed ? ws_remove_wal_and_shm(db, 0, &in_use) : 0;
  if (in_use) left = owed; /* in use: still owed, try again later */
  ws_db_lock(db);
  if (owed && !left) ws_count(WS_C_DEFERRED_DONE);
  db->pending = (db->pending & ~(unsigned)(WS_SIDE_WAL | WS_SIDE_SHM)) | left;
  db->cleanup_running = 0;
  ws_db_unlock(db);
}

/* ---------------------------------------------------------------------------
** The open-handle report
*/
static const char *ws_kind_name(int kind) {
  static const char *names[] = {"main", "wal", "journal", "other"};
  return names[kind];
}

char *ws_open_report(ws_db *db) {
  sqlite3_int64 now = ws_platform_now_ms();
  sqlite3_str *s = sqlite3_str_new(0);
  ws_file *f;
  sqlite3_str_appendf(s, "%s: %d handle(s) open in this process (main=%d wal=%d journal=%d, shm mapped by %d)",
                      db->path, ws_registry_handle_total(db), db->n_open[WS_KIND_MAIN], db->n_open[WS_KIND_WAL],
                      db->n_open[WS_KIND_JOURNAL], db->n_shm);
  for (f = db->files; f; f = f->next) {
    sqlite3_str_appendf(s, "; %s handle (%s) open for %lld ms", ws_kind_name(f->kind),
                        (f->open_flags & SQLITE_OPEN_READONLY) ? "read-only" : "read-write",
                        (long long)(now - f->opened_ms));
  }
  if (db->cleanup_running) sqlite3_str_appendf(s, "; a walsafe cleanup is running");
  return sqlite3_str_finish(s);
}

/* ---------------------------------------------------------------------------
** walsafe_delete_database()
*/
static const int ws_sides_in_order[] = {WS_SIDE_WAL, WS_SIDE_SHM, WS_SIDE_JOURNAL};

static unsigned ws_files_present(const char *zDb) {
  unsigned present = 0;
  size_t i;
  for (i = 0; i < sizeof(ws_sides_in_order) / sizeof(ws_sides_in_order[0]); i++) {
    if (ws_side_exists(zDb, ws_sides_in_order[i])) present |= (unsigned)ws_sides_in_order[i];
  }
  if (ws_side_exists(zDb, WS_SIDE_MAIN)) present |= WS_SIDE_MAIN;
  return present;
}

static char *ws_describe_left(const char *zDb, unsigned left, const char *zWhy) {
  sqlite3_str *s = sqlite3_str_new(0);
  sqlite3_str_appendf(s, "walsafe_delete_database(%s):", zDb);
  if (left & WS_SIDE_MAIN) sqlite3_str_appendall(s, " database");
  if (left & WS_SIDE_WAL) sqlite3_str_appendall(s, " -wal");
  if (left & WS_SIDE_SHM) sqlite3_str_appendall(s, " -shm");
  if (left & WS_SIDE_JOURNAL) sqlite3_str_appendall(s, " -journal");
  sqlite3_str_appendf(s, " still on disk: %s", zWhy);
  return sqlite3_str_finish(s);
}

/* The entry walsafe_delete_database() is deleting on this thread: its own
** private checkpoint connection may open it, nobody else may. */
static WS_THREAD_LOCAL ws_db *ws_deleting_here;

int ws_open_refused(ws_db *db) {
  int refused;
  ws_db_lock(db);
  refused = db->deleting && ws_deleting_here != db;
  ws_db_unlock(db);
  return refused;
}

/* Wait (to the deadline) until nothing in this process has db open, then
** claim it (cleanup_running) so no last-close cleanup runs beside us, and
** (deleting) so no new connection opens it while we delete. */
static int ws_claim(ws_db *db, sqlite3_int64 deadline, char **pzReport) {
  for (;;) {
    int busy;
    ws_db_lock(db);
    /* refs > 1: an xOpen has taken the entry and not yet counted its handle. */
    busy = ws_registry_handle_total(db) > 0 || db->n_shm > 0 || db->cleanup_running || db->refs > 1;
    if (!busy) {
      db->cleanup_running = 1;
      db->deleting = 1;
      ws_deleting_here = db;
    } else if (ws_platform_now_ms() >= deadline) {
      char *z = ws_open_report(db);
      *pzReport = sqlite3_mprintf("walsafe_delete_database: nothing deleted: %s", z);
      sqlite3_free(z);
    }
    ws_db_unlock(db);
    if (!busy) return SQLITE_OK;
    if (*pzReport) return SQLITE_BUSY;
    ws_platform_sleep_ms(ws_retry_delay_ms(5, deadline - ws_platform_now_ms()));
  }
}

/* The size of an open file, or -1. */
static sqlite3_int64 ws_open_file_size(sqlite3_file *f) {
  sqlite3_int64 n = -1;
  if (f->pMethods->xFileSize(f, &n) != SQLITE_OK) n = -1;
  return n;
}

/*
** Unlink a database file that holds nothing (walsafe created it to take the
** lock, or found it empty), under the lock (unix). A connection that opened
** it meanwhile and locks it after the unlink would otherwise write into an
** unlinked file while its -wal and -shm live by name (SQLite checks that
** its database has not moved only for a database of at least one page, and
** only when it opens a rollback journal): so first the file gets content
** that is no database, and such a connection fails with SQLITE_NOTADB at
** its first read. If the unlink fails, the file is emptied again.
*/
static int ws_delete_empty_main(sqlite3_file *lock, const char *zDb, int *pTransient) {
  static const char zMarker[] = "walsafe_delete_database: this file is being deleted, it is no database\n";
  int rc = lock->pMethods->xWrite(lock, zMarker, (int)sizeof(zMarker) - 1, 0);
  if (rc == SQLITE_OK) rc = ws_delete_once(zDb, WS_SIDE_MAIN, pTransient);
  if (rc != SQLITE_OK) lock->pMethods->xTruncate(lock, 0); /* as it was */
  return rc;
}

/* Does the database's name still lead to the file we hold locked? A file
** renamed onto the name since is another's: our lock proves nothing for
** it, and the next pass locks it first. (The parent's answer: unix compares
** inodes; win32 cannot rename onto an open file.) */
static int ws_name_still_locked(sqlite3_file *lock) {
  int moved = 0;
  if (lock->pMethods->xFileControl(lock, SQLITE_FCNTL_HAS_MOVED, &moved) != SQLITE_OK) moved = 0;
  return !moved;
}

#define WS_PASS_FOLD 1000 /* ws_delete_pass: frames or a hot journal first */

/*
** One pass of walsafe_delete_database, all under rule (A):
**  1. Take the EXCLUSIVE lock, creating the database file when it is absent
**     (a connection that would use the side files opens and locks it
**     first, so it waits; walsafe never unlinks without the lock).
**  2. Descriptors this process holds on the database outside walsafe (all
**     but our lock's own) make it busy: a connection not opened through
**     walsafe, idle in rollback mode, holds no lock that would show it.
**  3. Look again under the lock: in a database with content, a -wal with
**     frames or a hot journal comes back as WS_PASS_FOLD (unless fold is 0:
**     the caller could not fold a file that is not a database); else the
**     side files go, then the database (unix: still under the lock;
**     Windows: right after our own handle closes, where a handle that
**     slipped in makes the delete fail rather than lose anything, the
**     win32 VFS never sharing delete). An empty database file (one walsafe
**     created) goes in any case, so that walsafe never leaves one behind.
** *pLeft: the files on disk afterwards, looked at anew. SQLITE_OK only when
** there are none; SQLITE_BUSY when waiting may help; else the error.
*/
static int ws_delete_pass(ws_db *db, int fold, unsigned *pLeft, char **pzWhy) {
  static const int sides[] = {WS_SIDE_WAL, WS_SIDE_SHM, WS_SIDE_JOURNAL};
  sqlite3_file *lock = 0;
  size_t i;
  int t, rc, transient = 0, permanent = 0, nFds, empty, unixLike = ws_platform_can_delete_open_file();
  rc = ws_lock_database_as(db->path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &lock);
  if (rc != SQLITE_OK) {
    if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) {
      *pzWhy = sqlite3_mprintf("cannot lock the database file (%s), and without that lock nothing is deleted",
                               sqlite3_errstr(rc));
    }
    return rc;
  }
  nFds = ws_platform_fds_on(db->path) - 1; /* our lock's own */
  if (nFds > 0) {
    ws_unlock_database(lock);
    *pzWhy = sqlite3_mprintf(
        "this process holds %d descriptor(s) on the database file outside walsafe (a connection not "
        "opened through walsafe, or a file the program opened itself)",
        nFds);
    return SQLITE_BUSY;
  }
  empty = ws_open_file_size(lock) == 0;
  if (fold && !empty && (ws_wal_size(db->path) > 0 || ws_journal_is_hot(db->path))) {
    ws_unlock_database(lock);
    return WS_PASS_FOLD;
  }
  for (i = 0; i < sizeof(sides) / sizeof(sides[0]); i++) {
    if (ws_delete_once(db->path, sides[i], &t) == SQLITE_OK) continue; /* rule (A) */
    if (t)
      transient = 1;
    else
      permanent = 1;
  }
  if (unixLike && (empty || (!transient && !permanent)) && ws_name_still_locked(lock)) {
    rc = empty ? ws_delete_empty_main(lock, db->path, &t) : ws_delete_once(db->path, WS_SIDE_MAIN, &t); /* rule (A) */
    if (rc != SQLITE_OK && t) transient = 1;
    if (rc != SQLITE_OK && !t) permanent = 1;
  }
  ws_unlock_database(lock);
  if (!unixLike && (empty || (!transient && !permanent))) {
    /* The OS guarantee: a handle opened since our own closed makes this
    ** delete fail, never lose the file under it (the win32 VFS never
    ** shares delete). */
    if (ws_delete_once(db->path, WS_SIDE_MAIN, &t) != SQLITE_OK) {
      if (t) {
        transient = 1;
        *pzWhy = sqlite3_mprintf(
            "Windows refused to delete the database file: a handle outside walsafe has it open (a connection "
            "not opened through walsafe, in this or another process, or a scanner)");
      } else {
        permanent = 1;
      }
    }
  }
  *pLeft = ws_files_present(db->path);
  if (*pLeft == 0) return SQLITE_OK;
  if (permanent) return SQLITE_IOERR_DELETE;
  if (!transient && *pzWhy == 0) {
    *pzWhy = sqlite3_mprintf("another connection created the database again while it was being deleted");
  }
  return SQLITE_BUSY;
}

/* Fold frames or a hot journal into the database before it is deleted, so
** that a -wal that cannot be deleted holds nothing to replay. */
static int ws_fold(ws_db *db, sqlite3_int64 deadline, int *pFold) {
  sqlite3_int64 remaining = deadline - ws_platform_now_ms();
  int rc = ws_checkpoint_private(db->path, remaining > 0 ? (int)remaining : 0);
  if (rc == SQLITE_NOTADB) {
    *pFold = 0; /* not a database: nothing to fold, delete it as it is */
    rc = SQLITE_OK;
  }
  return rc;
}

int ws_delete_database(const char *zFull, int timeoutMs, char **pzReport) {
  sqlite3_int64 deadline = ws_platform_now_ms() + timeoutMs;
  ws_db *db;
  unsigned left;
  int rc, attempt = 0, fold = 1, folded = 0;
  *pzReport = 0;
  db = ws_registry_acquire(zFull);
  if (db == 0) return SQLITE_NOMEM;
  rc = ws_claim(db, deadline, pzReport);
  if (rc != SQLITE_OK) {
    ws_registry_release(db);
    return rc;
  }
  left = ws_files_present(db->path);
  if (left == 0) {
    rc = SQLITE_NOTFOUND;
    *pzReport = sqlite3_mprintf("walsafe_delete_database(%s): no such database", db->path);
  }
  while (left != 0) {
    char *zWhy = 0;
    /* SQLITE_OK only from a pass whose final look found none of the four. */
    rc = ws_delete_pass(db, fold, &left, &zWhy);
    if (rc == SQLITE_OK) break;
    if (rc == WS_PASS_FOLD) {
      /* Straight to the next pass after a fold, but not after two in a
      ** row: something keeps writing, or folding changes nothing. */
      rc = folded ? SQLITE_BUSY : ws_fold(db, deadline, &fold);
      folded = rc == SQLITE_OK;
      if (folded) continue;
    }
    folded = 0;
    if ((rc & 0xff) == SQLITE_LOCKED) rc = SQLITE_BUSY;
    if ((rc & 0xff) != SQLITE_BUSY || ws_platform_now_ms() >= deadline) {
      const char *zDefault =
          rc == SQLITE_BUSY ? "another process has the database open, or a file is held" : sqlite3_errstr(rc);
      *pzReport = ws_describe_left(db->path, left, zWhy ? zWhy : zDefault);
      sqlite3_free(zWhy);
      break;
    }
    sqlite3_free(zWhy);
    ws_platform_sleep_ms(ws_retry_delay_ms(attempt++, deadline - ws_platform_now_ms()));
  }
  if (left == 0 && rc != SQLITE_NOTFOUND) rc = SQLITE_OK;
  ws_db_lock(db);
  /* Nothing is owed once the files are gone; after a failure, what was
  ** owed stays owed (the next chance tries again, under the lock). */
  if (rc == SQLITE_OK || rc == SQLITE_NOTFOUND) db->pending = 0;
  db->cleanup_running = 0;
  db->deleting = 0;
  ws_deleting_here = 0;
  ws_db_unlock(db);
  ws_registry_release(db);
  return rc;
}
