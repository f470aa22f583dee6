/*
** delete.c: walsafe_delete_database(). It deletes a database and its side
** files only under rule (A) (cleanup.c): every pass takes the EXCLUSIVE
** lock through the parent, looks again under it, and the call reports
** success only when a final look finds none of the four files.
*/
#include <string.h>

#include "platform.h"
#include "walsafe_int.h"

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

static void ws_unclaim(ws_db *db, int rc) {
  ws_db_lock(db);
  /* Nothing is owed once the files are gone; after a failure, what was
  ** owed stays owed (the next chance tries again, under the lock). */
  if (rc == SQLITE_OK || rc == SQLITE_NOTFOUND) db->pending = 0;
  db->cleanup_running = 0;
  db->deleting = 0;
  ws_deleting_here = 0;
  ws_db_unlock(db);
}

static char *ws_describe_left(const char *zDb, unsigned left, const char *zWhy) {
  sqlite3_str *s = sqlite3_str_new(0);
  sqlite3_str_appendf(s, "walsafe_delete_database(%s): ", zDb);
  ws_append_sides(s, left, WS_PRINT_FILES);
  sqlite3_str_appendf(s, " still on disk: %s", zWhy);
  return sqlite3_str_finish(s);
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

/* How one pass went. */
typedef struct ws_pass {
  int transient, permanent; /* some delete failed, and may / may not clear */
  char *zWhy;               /* why files are left, when known */
} ws_pass;

static void ws_pass_failed(ws_pass *p, int rc, int transient) {
  if (rc == SQLITE_OK) return;
  if (transient)
    p->transient = 1;
  else
    p->permanent = 1;
}

/* Take the lock (creating an absent database file) and refuse when this
** process holds descriptors on the database outside walsafe. */
static int ws_pass_lock(ws_db *db, sqlite3_file **pLock, ws_pass *p) {
  int nFds, rc = ws_lock_database_as(db->path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, pLock);
  if (rc != SQLITE_OK) {
    if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) {
      p->zWhy = sqlite3_mprintf("cannot lock the database file (%s), and without that lock nothing is deleted",
                                sqlite3_errstr(rc));
    }
    return rc;
  }
  nFds = ws_platform_fds_on(db->path) - 1; /* our lock's own */
  if (nFds <= 0) return SQLITE_OK;
  ws_unlock_database(*pLock);
  *pLock = 0;
  p->zWhy = sqlite3_mprintf(
      "this process holds %d descriptor(s) on the database file outside walsafe (a connection not "
      "opened through walsafe, or a file the program opened itself)",
      nFds);
  return SQLITE_BUSY;
}

/* The database file, once its side files are gone (or it is empty, which
** walsafe never leaves behind). Lets go of the lock. */
static void ws_pass_delete_main(ws_db *db, sqlite3_file *lock, int empty, ws_pass *p) {
  int t = 0, rc;
  if (!empty && (p->transient || p->permanent)) {
    ws_unlock_database(lock);
    return;
  }
  if (ws_platform_can_delete_open_file() && !ws_name_still_locked(lock)) {
    ws_unlock_database(lock); /* another file has the name: the next pass */
    return;
  }
  rc = ws_delete_main_with_lock(lock, db->path, empty, &t);
  ws_pass_failed(p, rc, t);
  if (rc != SQLITE_OK && t && !ws_platform_can_delete_open_file()) {
    p->zWhy = sqlite3_mprintf(
        "Windows refused to delete the database file: a handle outside walsafe has it open (a connection "
        "not opened through walsafe, in this or another process, or a scanner)");
  }
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
**     side files go, then the database (ws_delete_main_with_lock). An empty
**     database file (one walsafe created) goes in any case.
** *pLeft: the files on disk afterwards, looked at anew. SQLITE_OK only when
** there are none; SQLITE_BUSY when waiting may help; else the error.
*/
static int ws_delete_pass(ws_db *db, int fold, unsigned *pLeft, char **pzWhy) {
  static const enum ws_side sides[] = {WS_SIDE_WAL, WS_SIDE_SHM, WS_SIDE_JOURNAL};
  ws_pass p = {0, 0, 0};
  sqlite3_file *lock = 0;
  size_t i;
  int t, rc = ws_pass_lock(db, &lock, &p), empty;
  *pzWhy = 0;
  if (rc != SQLITE_OK) {
    *pzWhy = p.zWhy;
    return rc;
  }
  empty = ws_open_file_size(lock) == 0;
  if (fold && !empty && (ws_wal_size(db->path) > 0 || ws_journal_is_hot(db->path))) {
    ws_unlock_database(lock);
    return WS_PASS_FOLD;
  }
  for (i = 0; i < sizeof(sides) / sizeof(sides[0]); i++) {
    rc = ws_delete_once(db->path, sides[i], &t); /* rule (A) */
    ws_pass_failed(&p, rc, t);
  }
  ws_pass_delete_main(db, lock, empty, &p);
  *pzWhy = p.zWhy;
  *pLeft = ws_files_present(db->path);
  if (*pLeft == 0) return SQLITE_OK;
  if (p.permanent) return SQLITE_IOERR_DELETE;
  if (!p.transient && *pzWhy == 0) {
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

/* Passes until none of the four files is left, a failure that waiting
** cannot clear, or the deadline. */
static int ws_delete_passes(ws_db *db, sqlite3_int64 deadline, unsigned left, char **pzReport) {
  int attempt = 0, fold = 1, folded = 0;
  while (left != 0) {
    char *zWhy = 0;
    int rc;
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
      return rc;
    }
    sqlite3_free(zWhy);
    ws_platform_sleep_ms(ws_retry_delay_ms(attempt++, deadline - ws_platform_now_ms()));
  }
  return SQLITE_OK;
}

int ws_delete_database(const char *zFull, int timeoutMs, char **pzReport) {
  sqlite3_int64 deadline = ws_platform_now_ms() + timeoutMs;
  ws_db *db;
  unsigned left;
  int rc;
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
  } else {
    rc = ws_delete_passes(db, deadline, left, pzReport);
  }
  ws_unclaim(db, rc);
  ws_registry_release(db);
  return rc;
}
