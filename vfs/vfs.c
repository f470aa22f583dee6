/*
** vfs.c: the walsafe VFS and its file methods, and nothing else.
**
** Every method has the same shape: unwrap, call the parent's method, do the
** one extra thing walsafe exists for. The extra things are:
**   xOpen     retry transient errors; count the handle in the registry
**   xDelete   retry transient errors; defer, or empty a -wal it cannot
**             delete (cleanup.c decides)
**   xAccess   retry transient errors
**   xClose    uncount the handle; clean up after the last one (cleanup.c,
**             ws_after_close: the one call into a file that calls back
**             into SQLite, and so into this one)
**   xRead / xWrite   retry where walsafe turned the win32 VFS's retry down
**   xShmMap / xShmUnmap   retry a -shm that would not open read-write; count
**             mappings; notice a close that skipped its checkpoint
**   xFileControl   PRAGMA walsafe_status, SQLITE_FCNTL_VFSNAME
** Every other method is one indirect call to the parent. Retries go
** through retry.c; the parent and settings come from base.c.
*/
#include <string.h>

#include "platform.h"
#include "walsafe_int.h"

#define WS_REAL(pFile) (((ws_file *)(pFile))->real)
#define WS_PARENT(pVfs) ((sqlite3_vfs *)(pVfs)->pAppData)

static struct {
  sqlite3_vfs vfs; /* what SQLite sees */
  /* File method tables by the real file's iVersion (1..3), whether it has
  ** shared memory, and whether reads and writes retry (ws_methods_for). */
  sqlite3_io_methods methods[4][2][2];
} g;

/* ---------------------------------------------------------------------------
** File methods
*/
static int ws_close(sqlite3_file *pFile) {
  ws_file *p = (ws_file *)pFile;
  int rc;
  if (p->kind == WS_KIND_MAIN && p->db) {
    /* Read SQLITE_FCNTL_PERSIST_WAL as the connection leaves it: a WAL the
    ** application asked to keep is kept (cleanup.c). */
    int persist = -1;
    int got = p->real->pMethods->xFileControl(p->real, SQLITE_FCNTL_PERSIST_WAL, &persist) == SQLITE_OK;
    ws_db_lock(p->db);
    if (got) p->db->persist_wal = (unsigned char)(persist == 1);
    if (p->ever_exclusive && !p->shm_ever && p->db->saw_wal) {
      /* WAL with its index in heap memory: locking_mode=EXCLUSIVE, and no
      ** xShmUnmap to tell; the close asked for EXCLUSIVE again unless it
      ** skipped its checkpoint. */
      p->db->no_ckpt_on_close = (unsigned char)!p->excl_reasked;
    }
    ws_db_unlock(p->db);
  }
  rc = p->real->pMethods->xClose(p->real);
  if (p->db) ws_after_close(p);
  return rc;
}

/*
** Where walsafe turned the win32 VFS's own retry down (base.c,
** ws_take_over_native_retry), it retries a failed read or write itself, for
** the errors and within the budget the native retry would have covered, so
** a read or write fails no sooner than without walsafe. Reached only on an
** error: a successful read or write stays one call.
*/
static int ws_io_retry_again(ws_file *p, int rc, ws_retry *r) {
  int sys_err = 0;
  if ((rc & 0xff) != SQLITE_IOERR || rc == SQLITE_IOERR_SHORT_READ || !ws_native_retry_taken()) return 0;
  p->real->pMethods->xFileControl(p->real, SQLITE_FCNTL_LAST_ERRNO, &sys_err);
  return ws_retry_again(r, ws_platform_is_transient_io(sys_err), "I/O", p->zName, rc, sys_err);
}

static int ws_read(sqlite3_file *f, void *z, int n, sqlite3_int64 off) {
  ws_file *p = (ws_file *)f;
  ws_retry r = WS_RETRY_LAZY(p->db);
  int rc;
  do
    rc = p->real->pMethods->xRead(p->real, z, n, off);
  while (rc != SQLITE_OK && ws_io_retry_again(p, rc, &r));
  return rc;
}
/* Without a retry to stand in for (every parent but a win32 one whose
** retry walsafe turned down), a read or write is one indirect call: the
** retrying versions above cost about 30 instructions on every call, a
** measurable part of a steady workload (docs/benchmarks.md). */
static int ws_read_direct(sqlite3_file *f, void *z, int n, sqlite3_int64 off) {
  return WS_REAL(f)->pMethods->xRead(WS_REAL(f), z, n, off);
}
static int ws_write_direct(sqlite3_file *f, const void *z, int n, sqlite3_int64 off) {
  return WS_REAL(f)->pMethods->xWrite(WS_REAL(f), z, n, off);
}
static int ws_write(sqlite3_file *f, const void *z, int n, sqlite3_int64 off) {
  ws_file *p = (ws_file *)f;
  ws_retry r = WS_RETRY_LAZY(p->db);
  int rc;
  do
    rc = p->real->pMethods->xWrite(p->real, z, n, off);
  while (rc != SQLITE_OK && ws_io_retry_again(p, rc, &r));
  return rc;
}
static int ws_truncate(sqlite3_file *f, sqlite3_int64 size) {
  return WS_REAL(f)->pMethods->xTruncate(WS_REAL(f), size);
}
static int ws_sync(sqlite3_file *f, int flags) { return WS_REAL(f)->pMethods->xSync(WS_REAL(f), flags); }
static int ws_file_size(sqlite3_file *f, sqlite3_int64 *pSize) {
  return WS_REAL(f)->pMethods->xFileSize(WS_REAL(f), pSize);
}

/*
** During a close in WAL mode SQLite asks for EXCLUSIVE before it checkpoints
** (wal.c, sqlite3WalClose); a close that never asks skipped its checkpoint
** (SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE). In locking_mode=EXCLUSIVE the lock is
** already held, and that ask is the only one that comes while it is held:
** the pager asks only for a level it does not have.
*/
static int ws_lock(sqlite3_file *f, int eLock) {
  ws_file *p = (ws_file *)f;
  int rc;
  if (eLock == SQLITE_LOCK_EXCLUSIVE) {
    p->excl_reasked = p->lock_level == SQLITE_LOCK_EXCLUSIVE;
    p->exclusive_tried = 1;
  }
  rc = p->real->pMethods->xLock(p->real, eLock);
  if (rc == SQLITE_OK) {
    p->lock_level = (unsigned char)eLock;
    if (eLock == SQLITE_LOCK_EXCLUSIVE) p->ever_exclusive = 1;
  }
  return rc;
}
static int ws_unlock(sqlite3_file *f, int eLock) {
  ws_file *p = (ws_file *)f;
  if (eLock < SQLITE_LOCK_EXCLUSIVE) p->exclusive_tried = 0;
  p->lock_level = (unsigned char)eLock;
  return p->real->pMethods->xUnlock(p->real, eLock);
}
static int ws_check_reserved_lock(sqlite3_file *f, int *pResOut) {
  return WS_REAL(f)->pMethods->xCheckReservedLock(WS_REAL(f), pResOut);
}

static int ws_pragma(ws_file *p, char **aArg) {
  if (sqlite3_stricmp(aArg[1], "walsafe_status") != 0) return SQLITE_NOTFOUND;
  if (aArg[2]) {
    aArg[0] = sqlite3_mprintf("PRAGMA walsafe_status takes no value");
    return SQLITE_ERROR;
  }
  aArg[0] = ws_status_text(p->db);
  return aArg[0] ? SQLITE_OK : SQLITE_NOMEM;
}

static int ws_file_control(sqlite3_file *f, int op, void *pArg) {
  ws_file *p = (ws_file *)f;
  int rc;
  if (op == SQLITE_FCNTL_PRAGMA) {
    rc = ws_pragma(p, (char **)pArg);
    if (rc != SQLITE_NOTFOUND) return rc;
  }
  rc = p->real->pMethods->xFileControl(p->real, op, pArg);
  if (op == SQLITE_FCNTL_VFSNAME) {
    /* "walsafe/<what the parent says>", or "walsafe/<parent name>". */
    char *zBelow = rc == SQLITE_OK ? *(char **)pArg : 0;
    char *z = sqlite3_mprintf("%s/%s", WALSAFE_VFS_NAME, zBelow ? zBelow : ws_parent()->zName);
    sqlite3_free(zBelow);
    *(char **)pArg = z;
    rc = z ? SQLITE_OK : SQLITE_NOMEM;
  }
  return rc;
}

static int ws_sector_size(sqlite3_file *f) { return WS_REAL(f)->pMethods->xSectorSize(WS_REAL(f)); }
static int ws_device_characteristics(sqlite3_file *f) {
  return WS_REAL(f)->pMethods->xDeviceCharacteristics(WS_REAL(f));
}

/*
** Did the parent fail to open the -shm read-write for a connection that
** may write, for a reason that may clear? Its answers for that: CANTOPEN or
** IOERR_SHMOPEN (no open worked), READONLY or READONLY_CANTINIT (a
** read-only open worked after the read-write one failed). SQLite takes the
** latter for a read-only -shm and reads, and even checkpoints and deletes
** the -wal, through an index it could not recover: a crashed writer's
** frames are then lost. Waiting is worth it when the failure was a
** sharing error, or the -shm is in fact writable.
*/
static int ws_shm_open_failed(ws_file *p, int rc, int *pSysErr) {
  sqlite3_vfs *parent = ws_parent();
  int writable = 0, n;
  char *zShm;
  if ((rc & 0xff) != SQLITE_CANTOPEN && rc != SQLITE_IOERR_SHMOPEN && (rc & 0xff) != SQLITE_READONLY) return 0;
  if (p->db == 0 || (p->open_flags & SQLITE_OPEN_READONLY)) return 0;
  if (p->zName && sqlite3_uri_boolean(p->zName, "readonly_shm", 0)) return 0;
  /* The parent keeps one -shm state per file per process: with another
  ** connection of ours mapping it, this call did not open it, and what it
  ** got (read-only, say, after a readonly_shm connection) stays so while
  ** that connection lives. */
  ws_db_lock(p->db);
  n = p->db->n_shm;
  ws_db_unlock(p->db);
  if (n > 1) return 0;
  *pSysErr = ws_last_error();
  zShm = ws_side_name(p->db->path, WS_SIDE_SHM);
  if (zShm == 0) return 0;
  if (!ws_platform_is_transient(*pSysErr, zShm) &&
      (parent->xAccess(parent, zShm, SQLITE_ACCESS_READWRITE, &writable) != SQLITE_OK || !writable)) {
    sqlite3_free(zShm);
    return 0;
  }
  sqlite3_free(zShm);
  return 1;
}

/* Count the file's first mapping: from then on the parent holds -shm state
** for it until xShmUnmap or xClose. */
static void ws_shm_count(ws_file *p) {
  p->shm_ever = 1;
  if (p->shm_mapped || p->db == 0) return;
  p->shm_mapped = 1;
  ws_db_lock(p->db);
  p->db->n_shm++;
  p->db->saw_wal = 1;
  ws_db_unlock(p->db);
}

static int ws_shm_map(sqlite3_file *f, int iPg, int pgsz, int bExtend, void volatile **pp) {
  ws_file *p = (ws_file *)f;
  ws_retry r = WS_RETRY_LAZY(p->db);
  int rc, sys_err = 0;
  ws_shm_count(p);
  for (;;) {
    rc = p->real->pMethods->xShmMap(p->real, iPg, pgsz, bExtend, pp);
    /* Only the call that opens the -shm is retried: once a page is mapped
    ** SQLite holds pointers into it, and letting go would pull them away. */
    if (rc == SQLITE_OK || p->shm_live || !ws_shm_open_failed(p, rc, &sys_err)) break;
    p->real->pMethods->xShmUnmap(p->real, 0); /* let go of the half-made state */
    *pp = 0;
    if (!ws_retry_again(&r, 1, "read-write open of the -shm", p->db->path, rc, sys_err)) {
      /* Never the read-only fallback by accident: an error, not READONLY. */
      return (rc & 0xff) == SQLITE_READONLY ? SQLITE_IOERR_SHMOPEN : rc;
    }
  }
  if (rc == SQLITE_OK || (rc & 0xff) == SQLITE_READONLY) p->shm_live = 1;
  if (rc == SQLITE_OK) ws_retry_succeeded(&r);
  return rc;
}
static int ws_shm_lock(sqlite3_file *f, int offset, int n, int flags) {
  return WS_REAL(f)->pMethods->xShmLock(WS_REAL(f), offset, n, flags);
}
static void ws_shm_barrier(sqlite3_file *f) { WS_REAL(f)->pMethods->xShmBarrier(WS_REAL(f)); }
static int ws_shm_unmap(sqlite3_file *f, int deleteFlag) {
  ws_file *p = (ws_file *)f;
  int rc = p->real->pMethods->xShmUnmap(p->real, deleteFlag);
  p->shm_live = 0;
  if (p->db && p->kind == WS_KIND_MAIN) {
    ws_db_lock(p->db);
    /* SQLite unmaps with deleteFlag=0 after a checkpoint attempt that
    ** failed (another connection, read-only) or when it never tried:
    ** only the latter is SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE. An unmap with
    ** nothing mapped is no close: SQLite's error path when the -wal would
    ** not open (wal.c, sqlite3WalOpen). */
    if (p->shm_mapped) {
      p->db->no_ckpt_on_close = (unsigned char)(!deleteFlag && !p->exclusive_tried);
      p->db->n_shm--;
      p->shm_mapped = 0;
    }
    ws_db_unlock(p->db);
  }
  return rc;
}
static int ws_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **pp) {
  return WS_REAL(f)->pMethods->xFetch(WS_REAL(f), off, n, pp);
}
static int ws_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p) {
  return WS_REAL(f)->pMethods->xUnfetch(WS_REAL(f), off, p);
}

static void ws_methods_init(void) {
  static const sqlite3_io_methods full = {
      3,
      ws_close,
      ws_read,
      ws_write,
      ws_truncate,
      ws_sync,
      ws_file_size,
      ws_lock,
      ws_unlock,
      ws_check_reserved_lock,
      ws_file_control,
      ws_sector_size,
      ws_device_characteristics,
      ws_shm_map,
      ws_shm_lock,
      ws_shm_barrier,
      ws_shm_unmap,
      ws_fetch,
      ws_unfetch,
  };
  int v, shm, retrying;
  for (v = 1; v <= 3; v++) {
    for (shm = 0; shm <= 1; shm++) {
      for (retrying = 0; retrying <= 1; retrying++) {
        sqlite3_io_methods *m = &g.methods[v][shm][retrying];
        *m = full;
        m->iVersion = v;
        if (!retrying) {
          m->xRead = ws_read_direct;
          m->xWrite = ws_write_direct;
        }
        if (v < 2 || !shm) {
          m->xShmMap = 0;
          m->xShmLock = 0;
          m->xShmBarrier = 0;
          m->xShmUnmap = 0;
        }
        if (v < 3) {
          m->xFetch = 0;
          m->xUnfetch = 0;
        }
      }
    }
  }
}

/* The table that mirrors what the real file offers. */
static const sqlite3_io_methods *ws_methods_for(const sqlite3_io_methods *real) {
  int v = real->iVersion < 1 ? 1 : real->iVersion > 3 ? 3 : real->iVersion;
  int shm = v >= 2 && real->xShmMap != 0;
  return &g.methods[v][shm][ws_native_retry_taken()];
}

/* ---------------------------------------------------------------------------
** VFS methods
*/
static enum ws_kind ws_kind_of(sqlite3_filename zName, int flags) {
  if (zName == 0) return WS_KIND_OTHER;
  if (flags & SQLITE_OPEN_MAIN_DB) return WS_KIND_MAIN;
  if (flags & SQLITE_OPEN_WAL) return WS_KIND_WAL;
  if (flags & SQLITE_OPEN_MAIN_JOURNAL) return WS_KIND_JOURNAL;
  return WS_KIND_OTHER;
}

/*
** Is the directory of zPath on a network file system? The answer for the
** last directory asked is kept per thread: the registry entry that records
** the warning lives only while the database is open, so without this every
** WAL open would make a statfs() the plain VFS never makes. A directory
** longer than the cache is asked every time.
*/
static int ws_is_network_dir_cached(const char *zPath) {
  static WS_THREAD_LOCAL char zCachedDir[512];
  static WS_THREAD_LOCAL size_t nCachedDir;
  static WS_THREAD_LOCAL int cachedValid, cachedNetwork;
  const char *z, *zEnd = zPath;
  size_t n;
  for (z = zPath; *z; z++) {
    if (*z == '/' || (WS_PLATFORM_BACKSLASH_SEPARATES && *z == '\\')) zEnd = z;
  }
  n = (size_t)(zEnd - zPath);
  if (cachedValid && n == nCachedDir && memcmp(zPath, zCachedDir, n) == 0) return cachedNetwork;
  cachedNetwork = ws_platform_is_network_path(zPath);
  cachedValid = n < sizeof(zCachedDir);
  if (cachedValid) {
    memcpy(zCachedDir, zPath, n);
    nCachedDir = n;
  }
  return cachedNetwork;
}

static void ws_warn_network(ws_db *db) {
  int warn;
  ws_db_lock(db);
  warn = !db->network_warned;
  db->network_warned = 1;
  ws_db_unlock(db);
  if (warn) warn = ws_is_network_dir_cached(db->path);
  if (warn) {
    sqlite3_log(SQLITE_WARNING,
                "walsafe: %s is on a network file system; WAL mode is not safe there "
                "(https://sqlite.org/wal.html)",
                db->path);
  }
}

/* Before the parent's open of a tracked file: the registry entry (+1
** reference, the handle's once it opens), and the chances an open gives. */
static int ws_open_prepare(sqlite3_filename zName, enum ws_kind kind, ws_db **pDb) {
  ws_db *db;
  int rc = SQLITE_OK;
  /* -wal and -journal names come from SQLite's pager, so
  ** sqlite3_filename_database() finds the database they belong to. */
  db = ws_registry_acquire(kind == WS_KIND_MAIN ? zName : sqlite3_filename_database(zName));
  if (db == 0) return SQLITE_NOMEM;
  if (ws_open_refused(db)) {
    sqlite3_log(SQLITE_BUSY, "walsafe: %s is being deleted by walsafe_delete_database", db->path);
    rc = SQLITE_BUSY;
  } else if (kind == WS_KIND_MAIN) {
    ws_run_next_open_hook();
    rc = ws_settings_from_uri(db, zName);
    /* The next open is a chance to remove what a scanner kept us from
    ** deleting before (cleanup.c says why it is safe). */
    if (rc == SQLITE_OK) ws_cleanup_leftovers(db);
  } else if (kind == WS_KIND_WAL) {
    ws_warn_network(db);
  }
  if (rc != SQLITE_OK) {
    ws_registry_release(db);
    return rc;
  }
  *pDb = db;
  return SQLITE_OK;
}

/* The parent's open, retried: a transient failure, and a read-write open
** the parent quietly degraded to read-only, which is settled for (as
** SQLite would) once the budget is spent. */
static int ws_open_parent(ws_file *p, sqlite3_filename zName, enum ws_kind kind, ws_db *db, int flags, int *pOutFlags) {
  sqlite3_vfs *parent = ws_parent();
  ws_retry r = WS_RETRY_LAZY(db);
  int rc, downgraded = 0;
  for (;;) {
    int sys_err;
    rc = parent->xOpen(parent, zName, p->real, flags, pOutFlags);
    if (rc == SQLITE_OK) {
      if (kind == WS_KIND_OTHER || !ws_open_was_downgraded(zName, flags, *pOutFlags, &sys_err)) break;
      if (!downgraded) ws_count(WS_C_OPEN_DOWNGRADES);
      downgraded = 1;
      if (!ws_retry_again(&r, 1, "read-write open", zName, rc, sys_err)) break;
      p->real->pMethods->xClose(p->real);
      p->real->pMethods = 0;
      continue;
    }
    sys_err = ws_last_error();
    if (p->real->pMethods) {
      /* xOpen may leave an object to close even when it fails. */
      p->real->pMethods->xClose(p->real);
      p->real->pMethods = 0;
    }
    if (!ws_retry_again(&r, ws_platform_is_transient(sys_err, zName), "open", zName, rc, sys_err)) break;
  }
  if (rc == SQLITE_OK) ws_retry_succeeded(&r);
  return rc;
}

static int ws_open(sqlite3_vfs *pVfs, sqlite3_filename zName, sqlite3_file *pFile, int flags, int *pOutFlags) {
  ws_file *p = (ws_file *)pFile;
  enum ws_kind kind = ws_kind_of(zName, flags);
  ws_db *db = 0;
  int rc, outFlags = 0;
  (void)pVfs;
  memset(p, 0, sizeof(*p));
  p->real = (sqlite3_file *)&p[1];
  if (kind != WS_KIND_OTHER) {
    rc = ws_open_prepare(zName, kind, &db);
    if (rc != SQLITE_OK) return rc;
  }
  rc = ws_open_parent(p, zName, kind, db, flags, &outFlags);
  if (rc != SQLITE_OK) {
    ws_registry_release(db);
    return rc;
  }
  p->base.pMethods = ws_methods_for(p->real->pMethods);
  p->kind = kind;
  p->open_flags = outFlags ? outFlags : flags;
  p->zName = zName;
  p->opened_ms = ws_platform_now_ms();
  if (db) {
    p->db = db; /* the reference from ws_open_prepare is the handle's */
    ws_db_lock(db);
    ws_registry_attach(db, p);
    ws_db_unlock(db);
  }
  if (pOutFlags) *pOutFlags = outFlags;
  return SQLITE_OK;
}

/* The parent's delete, retried; a delete our own handle is in the way of
** is deferred, a -wal delete that spent the budget handed to cleanup.c.
** Passing SQLite's own delete through needs no rule: SQLite asked. */
static int ws_delete_retrying(const char *zPath, const char *zDb, enum ws_side side, ws_db *db, int dirSync) {
  sqlite3_vfs *parent = ws_parent();
  ws_retry r = WS_RETRY_LAZY(db);
  for (;;) {
    int sys_err, rc = parent->xDelete(parent, zPath, dirSync);
    if (rc == SQLITE_OK) ws_retry_succeeded(&r);
    if (rc == SQLITE_OK || rc == SQLITE_IOERR_DELETE_NOENT) return rc;
    sys_err = ws_last_error();
    if (!ws_platform_is_transient(sys_err, zPath)) return rc;
    /* Our own handle is in the way and will not close while we wait. */
    if (db && ws_defer_delete_if_held(db, side, zPath)) return rc;
    if (ws_retry_again(&r, 1, "delete", zPath, rc, sys_err)) continue;
    if (side == WS_SIDE_WAL && db) {
      ws_wal_delete_gave_up(db, zDb);
    } else {
      /* Deleting a rollback journal is a commit: its failure is returned,
      ** never deferred or hidden. */
      ws_count(WS_C_FAILURES);
    }
    return rc;
  }
}

static int ws_delete(sqlite3_vfs *pVfs, const char *zPath, int dirSync) {
  ws_db *db;
  size_t nDb;
  enum ws_side side;
  int rc;
  char zBuf[WS_NAME_BUF], *zDb;
  (void)pVfs;
  if (zPath == 0) return SQLITE_MISUSE;
  side = ws_side_of_path(zPath, &nDb);
  zDb = ws_name_in(zBuf, sizeof(zBuf), zPath, nDb, "");
  if (zDb == 0) return SQLITE_NOMEM;
  db = ws_registry_find(zDb);
  rc = ws_delete_retrying(zPath, zDb, side, db, dirSync);
  ws_name_done(zDb, zBuf);
  if (db && side == WS_SIDE_WAL && (rc == SQLITE_OK || rc == SQLITE_IOERR_DELETE_NOENT)) {
    /* SQLite deletes a -wal after closing it (wal.c, sqlite3WalClose), so
    ** the last-close cleanup need not look for it again (cleanup.c) where
    ** a delete that succeeded took the name with it. */
    ws_db_lock(db);
    db->wal_deleted = db->n_open[WS_KIND_WAL] == 0 && ws_platform_delete_removes_name();
    ws_db_unlock(db);
  }
  ws_registry_release(db);
  return rc;
}

static int ws_access(sqlite3_vfs *pVfs, const char *zPath, int flags, int *pResOut) {
  sqlite3_vfs *parent = WS_PARENT(pVfs);
  ws_retry r = WS_RETRY_LAZY(0);
  for (;;) {
    int sys_err, rc = parent->xAccess(parent, zPath, flags, pResOut);
    if (rc == SQLITE_OK) {
      ws_retry_succeeded(&r);
      return rc;
    }
    sys_err = ws_last_error();
    if (!ws_retry_again(&r, ws_platform_is_transient(sys_err, zPath), "access check", zPath, rc, sys_err)) return rc;
  }
}

static int ws_vfs_full_pathname(sqlite3_vfs *pVfs, const char *zPath, int nOut, char *zOut) {
  return WS_PARENT(pVfs)->xFullPathname(WS_PARENT(pVfs), zPath, nOut, zOut);
}
static void *ws_dl_open(sqlite3_vfs *pVfs, const char *zPath) {
  return WS_PARENT(pVfs)->xDlOpen(WS_PARENT(pVfs), zPath);
}
static void ws_dl_error(sqlite3_vfs *pVfs, int nByte, char *zErrMsg) {
  WS_PARENT(pVfs)->xDlError(WS_PARENT(pVfs), nByte, zErrMsg);
}
static void (*ws_dl_sym(sqlite3_vfs *pVfs, void *p, const char *zSym))(void) {
  return WS_PARENT(pVfs)->xDlSym(WS_PARENT(pVfs), p, zSym);
}
static void ws_dl_close(sqlite3_vfs *pVfs, void *pHandle) { WS_PARENT(pVfs)->xDlClose(WS_PARENT(pVfs), pHandle); }
static int ws_randomness(sqlite3_vfs *pVfs, int nByte, char *zOut) {
  return WS_PARENT(pVfs)->xRandomness(WS_PARENT(pVfs), nByte, zOut);
}
static int ws_sleep(sqlite3_vfs *pVfs, int us) { return WS_PARENT(pVfs)->xSleep(WS_PARENT(pVfs), us); }
static int ws_current_time(sqlite3_vfs *pVfs, double *pOut) {
  return WS_PARENT(pVfs)->xCurrentTime(WS_PARENT(pVfs), pOut);
}
static int ws_get_last_error(sqlite3_vfs *pVfs, int n, char *z) {
  return WS_PARENT(pVfs)->xGetLastError(WS_PARENT(pVfs), n, z);
}
static int ws_current_time_int64(sqlite3_vfs *pVfs, sqlite3_int64 *pOut) {
  return WS_PARENT(pVfs)->xCurrentTimeInt64(WS_PARENT(pVfs), pOut);
}
static int ws_set_system_call(sqlite3_vfs *pVfs, const char *zName, sqlite3_syscall_ptr p) {
  return WS_PARENT(pVfs)->xSetSystemCall(WS_PARENT(pVfs), zName, p);
}
static sqlite3_syscall_ptr ws_get_system_call(sqlite3_vfs *pVfs, const char *zName) {
  return WS_PARENT(pVfs)->xGetSystemCall(WS_PARENT(pVfs), zName);
}
static const char *ws_next_system_call(sqlite3_vfs *pVfs, const char *zName) {
  return WS_PARENT(pVfs)->xNextSystemCall(WS_PARENT(pVfs), zName);
}

/* Our VFS object mirrors the parent's iVersion and leaves out what it lacks. */
static void ws_vfs_init(sqlite3_vfs *parent) {
  sqlite3_vfs *v = &g.vfs;
  memset(v, 0, sizeof(*v));
  v->iVersion = parent->iVersion < 3 ? parent->iVersion : 3;
  v->szOsFile = (int)sizeof(ws_file) + parent->szOsFile;
  v->mxPathname = parent->mxPathname;
  v->zName = WALSAFE_VFS_NAME;
  v->pAppData = parent;
  v->xOpen = ws_open;
  v->xDelete = ws_delete;
  v->xAccess = ws_access;
  v->xFullPathname = ws_vfs_full_pathname;
  v->xDlOpen = parent->xDlOpen ? ws_dl_open : 0;
  v->xDlError = parent->xDlError ? ws_dl_error : 0;
  v->xDlSym = parent->xDlSym ? ws_dl_sym : 0;
  v->xDlClose = parent->xDlClose ? ws_dl_close : 0;
  v->xRandomness = ws_randomness;
  v->xSleep = ws_sleep;
  v->xCurrentTime = ws_current_time;
  v->xGetLastError = ws_get_last_error;
  if (v->iVersion >= 2) v->xCurrentTimeInt64 = parent->xCurrentTimeInt64 ? ws_current_time_int64 : 0;
  if (v->iVersion >= 3) {
    v->xSetSystemCall = parent->xSetSystemCall ? ws_set_system_call : 0;
    v->xGetSystemCall = parent->xGetSystemCall ? ws_get_system_call : 0;
    v->xNextSystemCall = parent->xNextSystemCall ? ws_next_system_call : 0;
  }
}

/* The VFS object over parent, built afresh (api.c registers it); the
** object registered last, for walsafe_unregister(). */
sqlite3_vfs *ws_vfs_build(sqlite3_vfs *parent) {
  ws_methods_init();
  ws_vfs_init(parent);
  return &g.vfs;
}

sqlite3_vfs *ws_vfs_object(void) { return &g.vfs; }
