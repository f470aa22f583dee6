/*
** cleanup.c: what walsafe does after the last handle on a database closes,
** and with the deletes it owes.
**
** THE SAFETY RULE. walsafe deletes or empties a database's side file only
** while one of these holds, and each place that does says which:
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
**       (delete.c): a connection that would use the side files must open
**       and lock the database first, so it waits.
**   (B) SQLite itself asked for the delete of a -wal (ws_wal_delete_gave_up):
**       SQLite asks only after a complete checkpoint under its own
**       EXCLUSIVE lock, and emptying removes less than deleting.
** A -wal is deleted only when it has no frames (after a checkpoint), so no
** committed transaction is ever thrown away.
*/
#include <string.h>

#include "platform.h"
#include "walsafe_int.h"

/* ---------------------------------------------------------------------------
** Checkpoints on behalf of others
*/
/*
** Fold the -wal into the database and roll back a hot journal, with a
** private connection through walsafe (its handles are counted, and its own
** close is SQLite's checkpoint-on-close). The caller has set
** db->cleanup_running, so that connection's close does not recurse here.
** SQLITE_BUSY when another connection keeps the checkpoint from finishing.
*/
int ws_checkpoint_private(const char *zDb, int busy_ms) {
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
** it fails for a reason that may clear. A -shm or -wal held by a scanner is
** waited out inside the private connection (it goes through walsafe); here
** only another connection in the way may clear.
** SQLITE_OK: folded; SQLITE_BUSY: in use, left alone; else the failure.
*/
static int ws_checkpoint_unused(ws_db *db) {
  ws_retry r;
  /* The budget covers the first attempt too: it may itself wait. */
  ws_retry_start(&r, ws_retry_budget_ms(db));
  for (;;) {
    int rc;
    if (ws_database_in_use(db->path) == 1) return SQLITE_BUSY;
    rc = ws_checkpoint_private(db->path, 0);
    if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) return rc;
    if (!ws_retry_wait(&r)) return rc;
    ws_count(WS_C_RETRIES);
  }
}

/* ---------------------------------------------------------------------------
** Removing an empty -wal and the -shm
*/
/* One attempt under the lock; the WS_SIDE_* bits still on disk. */
static unsigned ws_remove_wal_and_shm_locked(const char *zDb, int *pTransient) {
  unsigned left = 0;
  int t;
  *pTransient = 0;
  /* Both deletes: rule (A), the caller holds the lock. */
  if (ws_wal_size(zDb) > 0) {
    left |= WS_SIDE_WAL; /* frames: only a checkpoint may retire them */
  } else if (ws_delete_once(zDb, WS_SIDE_WAL, &t) != SQLITE_OK) {
    left |= WS_SIDE_WAL;
    *pTransient |= t;
  }
  if (ws_delete_once(zDb, WS_SIDE_SHM, &t) != SQLITE_OK) {
    left |= WS_SIDE_SHM;
    *pTransient |= t;
  }
  return left;
}

/*
** Remove an empty -wal and the -shm of db under rule (A). Each attempt takes
** the lock, tries each file once and lets go; waits (within budget_ms) happen
** with no lock held, so other processes are never kept out during a sleep.
** Returns the WS_SIDE_* bits still on disk; *pInUse: another connection
** has the database, and what is left is its own.
*/
static unsigned ws_remove_wal_and_shm(ws_db *db, int budget_ms, int *pInUse) {
  ws_retry r;
  *pInUse = 0;
  ws_retry_start(&r, budget_ms);
  for (;;) {
    sqlite3_file *lock = 0;
    unsigned left;
    int transient = 0, rc = ws_lock_database(db->path, &lock);
    if (rc != SQLITE_OK) {
      /* In use, gone or read-only: what is left is theirs to clean up. */
      left = (ws_side_exists(db->path, WS_SIDE_WAL) ? (unsigned)WS_SIDE_WAL : 0u) |
             (ws_side_exists(db->path, WS_SIDE_SHM) ? (unsigned)WS_SIDE_SHM : 0u);
      *pInUse = rc == SQLITE_BUSY;
      return left;
    }
    left = ws_remove_wal_and_shm_locked(db->path, &transient);
    ws_unlock_database(lock);
    if (left == 0 || !transient || !ws_retry_wait(&r)) return left;
    ws_count(WS_C_RETRIES);
  }
}

/* ---------------------------------------------------------------------------
** After the last close
*/
/* What the last close left to decide on, read under one lock. */
typedef struct ws_close_state {
  ws_settings settings;
  int wal_deleted, persist_wal, no_ckpt, owed_wal, owed_sides;
} ws_close_state;

static ws_close_state ws_close_state_of(ws_db *db) {
  ws_close_state st;
  ws_db_lock(db);
  st.settings.retry_ms = db->retry_ms;
  st.settings.cleanup_mode = db->cleanup_mode;
  st.wal_deleted = db->wal_deleted;
  st.persist_wal = db->persist_wal;
  st.no_ckpt = db->no_ckpt_on_close;
  st.owed_wal = (db->pending & WS_SIDE_WAL) != 0;
  st.owed_sides = (db->pending & (WS_SIDE_WAL | WS_SIDE_SHM)) != 0;
  ws_db_unlock(db);
  ws_settings_complete(&st.settings);
  return st;
}

static void ws_forget_owed_wal_and_shm(ws_db *db) {
  ws_db_lock(db);
  db->pending &= ~(unsigned)(WS_SIDE_WAL | WS_SIDE_SHM);
  ws_db_unlock(db);
}

/* Record what is still on disk as owed; count and log the outcome. */
static void ws_record_left(ws_db *db, unsigned left) {
  ws_db_lock(db);
  if (db->pending & ~left & (WS_SIDE_WAL | WS_SIDE_SHM)) ws_count(WS_C_DEFERRED_DONE);
  db->pending = (db->pending & ~(unsigned)(WS_SIDE_WAL | WS_SIDE_SHM)) | left;
  ws_db_unlock(db);
  if (left == 0) {
    ws_count(WS_C_CLEANUPS_DONE);
    return;
  }
  ws_count(WS_C_FAILURES);
  sqlite3_log(SQLITE_WARNING,
              "walsafe: after the last close of %s its %s%s still on disk; retried at the next open, "
              "walsafe_delete_database() or walsafe_unregister()",
              db->path, (left & WS_SIDE_WAL) ? "-wal (empty) " : "", (left & WS_SIDE_SHM) ? "-shm " : "");
}

/* A -wal with frames: fold it, or leave it to whoever still uses it. 1 when
** the cleanup goes on to the deletes. */
static int ws_fold_after_close(ws_db *db) {
  int rc = ws_checkpoint_unused(db);
  if (rc == SQLITE_OK) return 1;
  ws_count(WS_C_CLEANUPS_SKIPPED);
  if (rc == SQLITE_BUSY) {
    sqlite3_log(SQLITE_NOTICE, "walsafe: left the -wal of %s to the connection that still uses it", db->path);
  } else {
    ws_count(WS_C_FAILURES);
    sqlite3_log(SQLITE_WARNING, "walsafe: left the -wal of %s: it could not be checkpointed (%s)", db->path,
                sqlite3_errstr(rc));
  }
  return 0;
}

static void ws_last_close_cleanup(ws_db *db) {
  ws_close_state st = ws_close_state_of(db);
  sqlite3_int64 wal;
  unsigned left;
  int shm, in_use;
  if (st.settings.cleanup_mode == WALSAFE_CLEANUP_OFF) return;
  /* When SQLite itself deleted the -wal after its checkpoint-on-close (the
  ** common case), it is gone, and with it the -shm: one look at the -shm
  ** tells. A -shm still there means another process has used the database
  ** since, and may have left a -wal with frames: look at it again. */
  shm = ws_shm_left(db->path);
  wal = st.wal_deleted && !shm ? -1 : ws_wal_size(db->path);
  if (wal < 0 && !shm) {
    if (st.owed_sides) ws_forget_owed_wal_and_shm(db); /* both gone: nothing is owed */
    return;
  }
  ws_count(WS_C_CLEANUPS_RUN);
  if (st.settings.cleanup_mode == WALSAFE_CLEANUP_AUTO && (st.persist_wal || st.no_ckpt)) {
    ws_count(WS_C_CLEANUPS_SKIPPED);
    sqlite3_log(SQLITE_NOTICE, "walsafe: kept the -wal of %s: the last connection asked for %s", db->path,
                st.persist_wal ? "SQLITE_FCNTL_PERSIST_WAL" : "no checkpoint on close");
    return;
  }
  /* The frames may hold committed data: only a checkpoint retires them. */
  if (wal > 0 && !ws_fold_after_close(db)) return;
  /* A delete that already spent its budget under SQLite's lock gets one
  ** more try here; files SQLite never tried to delete get the full budget. */
  left = ws_remove_wal_and_shm(db, st.owed_wal ? 0 : st.settings.retry_ms, &in_use);
  if (in_use) {
    /* Not a failure: another connection has the database, and the files
    ** are its own; deletes walsafe already owed stay owed. */
    ws_count(WS_C_CLEANUPS_SKIPPED);
    sqlite3_log(SQLITE_NOTICE, "walsafe: left the -wal/-shm of %s to the connection that still uses it", db->path);
    return;
  }
  ws_record_left(db, left);
}

/*
** A delete of the database file itself that came while this process had it
** open. Only at the last close of the life it was asked in: a later open may
** find another database there (written by another process, or made anew),
** which nobody asked to delete.
*/
static void ws_run_deferred_main(ws_db *db) {
  sqlite3_file *lock = 0;
  int transient, rc, owed;
  ws_db_lock(db);
  owed = (db->pending & WS_SIDE_MAIN) != 0;
  db->pending &= ~(unsigned)WS_SIDE_MAIN;
  ws_db_unlock(db);
  if (!owed) return;
  rc = ws_lock_database(db->path, &lock);
  if (rc == SQLITE_OK) rc = ws_delete_main_with_lock(lock, db->path, 0, &transient);
  if (rc == SQLITE_OK) {
    ws_count(WS_C_DEFERRED_DONE);
  } else {
    ws_count(WS_C_FAILURES);
    sqlite3_log(SQLITE_WARNING, "walsafe: deferred delete of %s dropped (%s)", db->path,
                rc == SQLITE_BUSY ? "another connection has it open" : sqlite3_errstr(rc));
  }
}

/*
** Delete the database file zDb, whose EXCLUSIVE lock the caller holds in
** lock, and let go of the lock (always). empty: the file holds nothing (see
** ws_delete_empty_main). Where the OS deletes an open file (unix), the
** delete happens under the lock, rule (A). Elsewhere (Windows) it happens
** right after our own handle closes, by the OS guarantee: the win32 VFS
** never opens with FILE_SHARE_DELETE, so a handle that slipped in between
** makes the delete fail instead of losing the file under it.
*/
int ws_delete_main_with_lock(sqlite3_file *lock, const char *zDb, int empty, int *pTransient) {
  int rc;
  *pTransient = 0;
  if (!ws_platform_can_delete_open_file()) {
    ws_unlock_database(lock);
    return ws_delete_once(zDb, WS_SIDE_MAIN, pTransient); /* the OS guarantee */
  }
  rc = empty ? ws_delete_empty_main(lock, zDb, pTransient)
             : ws_delete_once(zDb, WS_SIDE_MAIN, pTransient); /* rule (A) */
  ws_unlock_database(lock);
  return rc;
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
int ws_delete_empty_main(sqlite3_file *lock, const char *zDb, int *pTransient) {
  static const char zMarker[] = "walsafe_delete_database: this file is being deleted, it is no database\n";
  int rc = lock->pMethods->xWrite(lock, zMarker, (int)sizeof(zMarker) - 1, 0);
  if (rc == SQLITE_OK) rc = ws_delete_once(zDb, WS_SIDE_MAIN, pTransient); /* rule (A) */
  if (rc != SQLITE_OK) lock->pMethods->xTruncate(lock, 0);                 /* as it was; rule (A) */
  return rc;
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

/*
** SQLite's delete of the -wal of zDb (SQLite's own spelling, not the
** registry entry's) failed for the whole budget. Rule (B): SQLite
** asks to delete a -wal only when no connection needs it (wal.c: after a
** complete checkpoint, under an EXCLUSIVE lock on the database). Emptying
** it removes less than was asked, and a -wal with no frames can never be
** replayed onto another database. The delete itself is owed and retried at
** the next chance.
*/
void ws_wal_delete_gave_up(ws_db *db, const char *zDb) {
  if (ws_empty_file(zDb, WS_KIND_WAL) == SQLITE_OK) /* rule (B) */
    ws_count(WS_C_WAL_TRUNCATED);
  else
    ws_count(WS_C_FAILURES);
  ws_db_lock(db);
  db->pending |= WS_SIDE_WAL;
  ws_db_unlock(db);
}

/* A delete SQLite asked for while our own handle holds the file (Windows):
** recorded for when it closes, which cleanup carries out. 1 if recorded. */
int ws_defer_delete_if_held(ws_db *db, enum ws_side side, const char *zPath) {
  int held;
  if (side == WS_SIDE_JOURNAL) return 0; /* deleting a journal is a commit: never deferred */
  ws_db_lock(db);
  held = side == WS_SIDE_SHM ? db->n_shm > 0 : db->n_open[ws_kind_of_side(side)] > 0;
  if (held) db->pending |= (unsigned)side;
  ws_db_unlock(db);
  if (held) {
    ws_count(WS_C_DELETES_DEFERRED);
    sqlite3_log(SQLITE_WARNING, "walsafe: delete of %s deferred until this process closes it", zPath);
  }
  return held;
}
