/*
** vfs.c: the walsafe VFS and its file methods.
**
** Every method has the same shape: unwrap, call the parent's method, do the
** one extra thing walsafe exists for. The extra things are:
**   xOpen     retry transient errors; count the handle in the registry
**   xDelete   retry transient errors; defer, or empty a -wal it cannot delete
**   xAccess   retry transient errors
**   xClose    uncount the handle; clean up after the last one (cleanup.c)
**   xShmMap / xShmUnmap   count shared-memory mappings; notice a close that
**             skipped its checkpoint (SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE)
**   xFileControl   PRAGMA walsafe_status, SQLITE_FCNTL_VFSNAME
** Every other method is one indirect call to the parent.
*/
#include <string.h>

#include "platform.h"
#include "walsafe_int.h"

#define WS_REAL(pFile) (((ws_file *)(pFile))->real)

static int ws_retry_wait_lazily(ws_retry *r, ws_db *db);
static void ws_log_giveup(const char *zOp, const char *zPath, int rc, int sys_err, const ws_retry *r);

static struct {
  sqlite3_vfs vfs;     /* what SQLite sees */
  sqlite3_vfs *parent; /* the VFS underneath */
  int registered;
  int retry_ms;              /* WALSAFE_CONFIG_RETRY_MS */
  int cleanup_mode;          /* WALSAFE_CONFIG_CLEANUP */
  int native_retry_taken;    /* the win32 VFS's own retry is turned down */
  int native_retry_saved[2]; /* its count and delay before, for unregister */
  /* File method tables by the real file's iVersion (1..3) and whether it
  ** has shared memory, so WAL and mmap availability stay as below. */
  sqlite3_io_methods methods[4][2][2];
} g;

/* Guards g's options and native-retry fields and g_next_open (platform.h:
** walsafe's own mutex, valid across sqlite3_shutdown). */
static ws_mutex g_settings_mutex = WS_MUTEX_INIT;
static void (*g_next_open)(void); /* ws_at_next_database_open */

void ws_at_next_database_open(void (*fn)(void)) {
  ws_mutex_enter(&g_settings_mutex);
  g_next_open = fn;
  ws_mutex_leave(&g_settings_mutex);
}

static void ws_run_next_open_hook(void) {
  void (*fn)(void);
  ws_mutex_enter(&g_settings_mutex);
  fn = g_next_open;
  g_next_open = 0;
  ws_mutex_leave(&g_settings_mutex);
  if (fn) fn();
}

/* The parent stays valid after walsafe_unregister() (VFS objects are never
** freed), so a walsafe call racing an unregister still works through it. */
sqlite3_vfs *ws_parent(void) { return g.parent; }
int ws_is_registered(void) { return g.registered; }

/* A per-database setting (URI), or the process-wide one when it has none. */
static int ws_setting(ws_db *db, const int *pPerDb, const int *pGlobal) {
  int v = -1;
  if (db) {
    ws_db_lock(db);
    v = *pPerDb;
    ws_db_unlock(db);
  }
  if (v >= 0) return v;
  ws_mutex_enter(&g_settings_mutex);
  v = *pGlobal;
  ws_mutex_leave(&g_settings_mutex);
  return v;
}

int ws_retry_budget_ms(ws_db *db) { return ws_setting(db, db ? &db->retry_ms : 0, &g.retry_ms); }
int ws_cleanup_mode(ws_db *db) { return ws_setting(db, db ? &db->cleanup_mode : 0, &g.cleanup_mode); }

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
** Where walsafe turned the win32 VFS's own retry down (see
** ws_take_over_native_retry), it retries a failed read or write itself, for
** the errors and within the budget the native retry would have covered, so
** a read or write fails no sooner than without walsafe. Reached only on an
** error: a successful read or write stays one call.
*/
static int ws_io_retry_again(ws_file *p, int rc, ws_retry *r) {
  int taken, sys_err = 0;
  if ((rc & 0xff) != SQLITE_IOERR || rc == SQLITE_IOERR_SHORT_READ) return 0;
  ws_mutex_enter(&g_settings_mutex);
  taken = g.native_retry_taken;
  ws_mutex_leave(&g_settings_mutex);
  if (!taken) return 0;
  p->real->pMethods->xFileControl(p->real, SQLITE_FCNTL_LAST_ERRNO, &sys_err);
  if (!ws_platform_is_transient_io(sys_err)) return 0;
  if (r->deadline_ms == 0) ws_retry_start(r, ws_retry_budget_ms(p->db));
  if (!ws_retry_wait(r)) {
    ws_count(WS_C_RETRY_GIVEUPS);
    sqlite3_log(SQLITE_WARNING, "walsafe: I/O on a file still failing after %d retries (error %d, rc=%d)", r->attempts,
                sys_err, rc);
    return 0;
  }
  ws_count(WS_C_RETRIES);
  return 1;
}

static int ws_read(sqlite3_file *f, void *z, int n, sqlite3_int64 off) {
  ws_file *p = (ws_file *)f;
  ws_retry r = {0, 0};
  int rc;
  do
    rc = p->real->pMethods->xRead(p->real, z, n, off);
  while (rc != SQLITE_OK && ws_io_retry_again(p, rc, &r));
  return rc;
}
/* Without a retry to stand in for (every parent but a win32 one whose
** retry walsafe turned down), a read or write is one indirect call: the
** retrying versions above cost about 30 instructions on every call, a
** measurable part of the steady workload (docs/benchmarks.md, figure 5). */
static int ws_read_direct(sqlite3_file *f, void *z, int n, sqlite3_int64 off) {
  return WS_REAL(f)->pMethods->xRead(WS_REAL(f), z, n, off);
}
static int ws_write_direct(sqlite3_file *f, const void *z, int n, sqlite3_int64 off) {
  return WS_REAL(f)->pMethods->xWrite(WS_REAL(f), z, n, off);
}
static int ws_write(sqlite3_file *f, const void *z, int n, sqlite3_int64 off) {
  ws_file *p = (ws_file *)f;
  ws_retry r = {0, 0};
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
    char *z = sqlite3_mprintf("%s/%s", WALSAFE_VFS_NAME, zBelow ? zBelow : g.parent->zName);
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
  sqlite3_vfs *parent = g.parent;
  int transient = 0, writable = 0, n;
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
  *pSysErr = parent->xGetLastError(parent, 0, 0);
  zShm = sqlite3_mprintf("%s-shm", p->db->path);
  if (zShm == 0) return 0;
  transient = ws_platform_is_transient(*pSysErr, zShm) ||
              (parent->xAccess(parent, zShm, SQLITE_ACCESS_READWRITE, &writable) == SQLITE_OK && writable);
  sqlite3_free(zShm);
  return transient;
}

static int ws_shm_map(sqlite3_file *f, int iPg, int pgsz, int bExtend, void volatile **pp) {
  ws_file *p = (ws_file *)f;
  ws_retry r = {0, 0}; /* started at the first failure */
  int rc, sys_err = 0;
  p->shm_ever = 1;
  if (!p->shm_mapped && p->db) {
    /* Count from the first call: from then on the parent holds -shm state
    ** for this file until xShmUnmap or xClose. */
    p->shm_mapped = 1;
    ws_db_lock(p->db);
    p->db->n_shm++;
    p->db->saw_wal = 1;
    ws_db_unlock(p->db);
  }
  for (;;) {
    rc = p->real->pMethods->xShmMap(p->real, iPg, pgsz, bExtend, pp);
    /* Only the call that opens the -shm is retried: once a page is mapped
    ** SQLite holds pointers into it, and letting go would pull them away. */
    if (rc == SQLITE_OK || p->shm_live || !ws_shm_open_failed(p, rc, &sys_err)) break;
    p->real->pMethods->xShmUnmap(p->real, 0); /* let go of the half-made state */
    *pp = 0;
    if (!ws_retry_wait_lazily(&r, p->db)) {
      ws_log_giveup("read-write open of the -shm", p->db->path, rc, sys_err, &r);
      /* Never the read-only fallback by accident: an error, not READONLY. */
      if ((rc & 0xff) == SQLITE_READONLY) rc = SQLITE_IOERR_SHMOPEN;
      return rc;
    }
    ws_count(WS_C_RETRIES);
  }
  if (rc == SQLITE_OK || (rc & 0xff) == SQLITE_READONLY) p->shm_live = 1;
  if (rc == SQLITE_OK && r.attempts > 0) ws_count(WS_C_RETRY_SUCCESSES);
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
  int retrying;
  ws_mutex_enter(&g_settings_mutex);
  retrying = g.native_retry_taken;
  ws_mutex_leave(&g_settings_mutex);
  return &g.methods[v][shm][retrying];
}

/* ---------------------------------------------------------------------------
** VFS methods
*/

/* Log, count and describe a give-up after the retry budget. */
static void ws_log_giveup(const char *zOp, const char *zPath, int rc, int sys_err, const ws_retry *r) {
  char zErr[128];
  ws_platform_describe_error(sys_err, zErr, (int)sizeof(zErr));
  ws_count(WS_C_RETRY_GIVEUPS);
  sqlite3_log(SQLITE_WARNING, "walsafe: %s of %s still failing after %d retries (%s, rc=%d)", zOp, zPath, r->attempts,
              zErr, rc);
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

static int ws_kind_of(sqlite3_filename zName, int flags) {
  if (zName == 0) return WS_KIND_OTHER;
  if (flags & SQLITE_OPEN_MAIN_DB) return WS_KIND_MAIN;
  if (flags & SQLITE_OPEN_WAL) return WS_KIND_WAL;
  if (flags & SQLITE_OPEN_MAIN_JOURNAL) return WS_KIND_JOURNAL;
  return WS_KIND_OTHER;
}

/*
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

/* At registration, so that every open and delete (walsafe_delete_database
** too) runs under walsafe's budget alone. */
static void ws_take_over_native_retry(void) {
  int saved[2] = {-1, -1}, mine[2] = {1, 1};
  if (ws_native_retry_control(saved) != SQLITE_OK || ws_native_retry_control(mine) != SQLITE_OK) return;
  ws_mutex_enter(&g_settings_mutex);
  g.native_retry_saved[0] = saved[0];
  g.native_retry_saved[1] = saved[1];
  g.native_retry_taken = 1;
  ws_mutex_leave(&g_settings_mutex);
}

/* Give the native retry back (walsafe_unregister). */
static void ws_give_back_native_retry(void) {
  int saved[2];
  if (!g.native_retry_taken) return;
  saved[0] = g.native_retry_saved[0];
  saved[1] = g.native_retry_saved[1];
  if (ws_native_retry_control(saved) == SQLITE_OK) {
    ws_mutex_enter(&g_settings_mutex);
    g.native_retry_taken = 0;
    ws_mutex_leave(&g_settings_mutex);
  }
}

/* Settings from the main database's URI. 0, or SQLITE_MISUSE with a log
** line for a bad value. */
static int ws_apply_uri(ws_db *db, sqlite3_filename zName) {
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
  ws_db_lock(db);
  if (retry >= 0) db->retry_ms = retry;
  if (mode >= 0) db->cleanup_mode = mode;
  ws_db_unlock(db);
  return SQLITE_OK;
}

/*
** Did the parent quietly open read-only a file we asked to open read-write?
** Both native VFSes fall back to read-only when the read-write open fails,
** whatever the reason; if the file is in fact writable, the reason was
** transient and the open is worth retrying.
*/
static int ws_open_was_downgraded(sqlite3_filename zName, int flags, int outFlags, int *pSysErr) {
  int writable = 0;
  if (!(flags & SQLITE_OPEN_READWRITE) || !(outFlags & SQLITE_OPEN_READONLY)) return 0;
  /* The parent's last error is still the failed read-write open's (the
  ** read-only open that followed succeeded): only a transient one is worth
  ** another try. */
  *pSysErr = g.parent->xGetLastError(g.parent, 0, 0);
  if (!ws_platform_is_transient(*pSysErr, zName)) return 0;
  if (g.parent->xAccess(g.parent, zName, SQLITE_ACCESS_READWRITE, &writable) != SQLITE_OK) return 0;
  return writable;
}

/*
** ws_retry_wait for a ws_retry that starts as {0, 0}: the budget is looked
** up, and its clock started, at the first failure. An open or delete that
** succeeds first time (nearly all of them) then takes no lock for it and
** reads no clock.
*/
static int ws_retry_wait_lazily(ws_retry *r, ws_db *db) {
  if (r->deadline_ms == 0) ws_retry_start(r, ws_retry_budget_ms(db));
  return ws_retry_wait(r);
}

/*
** Is the directory of zPath on a network file system? The answer for the
** last directory asked is kept per thread: the registry entry that records
** the warning lives only while the database is open, so without this every
** WAL open would make a statfs() the plain VFS never makes. A hash
** collision could only change whether one log line is written.
*/
static int ws_is_network_dir_cached(const char *zPath) {
  static WS_THREAD_LOCAL unsigned cachedHash;
  static WS_THREAD_LOCAL int cachedValid, cachedNetwork;
  unsigned h = 2166136261u;
  const char *z, *zEnd = zPath;
  for (z = zPath; *z; z++) {
    if (*z == '/' || *z == '\\') zEnd = z;
  }
  for (z = zPath; z < zEnd; z++)
    h = (h ^ (unsigned char)*z) * 16777619u;
  if (!cachedValid || cachedHash != h) {
    cachedNetwork = ws_platform_is_network_path(zPath);
    cachedHash = h;
    cachedValid = 1;
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

static int ws_open(sqlite3_vfs *pVfs, sqlite3_filename zName, sqlite3_file *pFile, int flags, int *pOutFlags) {
  ws_file *p = (ws_file *)pFile;
  sqlite3_vfs *parent = g.parent;
  int kind = ws_kind_of(zName, flags);
  ws_db *db = 0;
  ws_retry r = {0, 0}; /* started at the first failure */
  int rc, outFlags = 0, downgraded = 0;
  (void)pVfs;
  memset(p, 0, sizeof(*p));
  p->real = (sqlite3_file *)&p[1];
  if (kind != WS_KIND_OTHER) {
    /* -wal and -journal names come from SQLite's pager, so
    ** sqlite3_filename_database() finds the database they belong to. */
    db = ws_registry_acquire(kind == WS_KIND_MAIN ? zName : sqlite3_filename_database(zName));
    if (db == 0) return SQLITE_NOMEM;
    if (ws_open_refused(db)) {
      sqlite3_log(SQLITE_BUSY, "walsafe: %s is being deleted by walsafe_delete_database", db->path);
      ws_registry_release(db);
      return SQLITE_BUSY;
    }
    if (kind == WS_KIND_MAIN) {
      ws_run_next_open_hook();
      rc = ws_apply_uri(db, zName);
      if (rc != SQLITE_OK) {
        ws_registry_release(db);
        return rc;
      }
      /* The next open is a chance to remove what a scanner kept us from
      ** deleting before (cleanup.c says why it is safe). */
      ws_cleanup_leftovers(db);
    } else if (kind == WS_KIND_WAL) {
      ws_warn_network(db);
    }
  }
  for (;;) {
    int sys_err;
    rc = parent->xOpen(parent, zName, p->real, flags, &outFlags);
    if (rc == SQLITE_OK) {
      if (kind == WS_KIND_OTHER || !ws_open_was_downgraded(zName, flags, outFlags, &sys_err)) break;
      /* Not what was asked for: retry the read-write open in the budget,
      ** and settle for read-only (as SQLite would) when it is spent. */
      if (!downgraded) ws_count(WS_C_OPEN_DOWNGRADES);
      downgraded = 1;
      if (!ws_retry_wait_lazily(&r, db)) {
        ws_log_giveup("read-write open", zName, rc, sys_err, &r);
        break;
      }
      p->real->pMethods->xClose(p->real);
      p->real->pMethods = 0;
      ws_count(WS_C_RETRIES);
      continue;
    }
    sys_err = parent->xGetLastError(parent, 0, 0);
    if (p->real->pMethods) {
      /* xOpen may leave an object to close even when it fails. */
      p->real->pMethods->xClose(p->real);
      p->real->pMethods = 0;
    }
    if (!ws_platform_is_transient(sys_err, zName)) break;
    if (!ws_retry_wait_lazily(&r, db)) {
      ws_log_giveup("open", zName ? zName : "(temp)", rc, sys_err, &r);
      break;
    }
    ws_count(WS_C_RETRIES);
  }
  if (rc != SQLITE_OK) {
    ws_registry_release(db);
    return rc;
  }
  if (r.attempts > 0) ws_count(WS_C_RETRY_SUCCESSES);
  p->base.pMethods = ws_methods_for(p->real->pMethods);
  p->kind = kind;
  p->open_flags = outFlags ? outFlags : flags;
  p->zName = zName;
  p->opened_ms = ws_platform_now_ms();
  if (db) {
    p->db = db; /* the reference from ws_registry_acquire is the handle's */
    ws_db_lock(db);
    ws_registry_attach(db, p);
    ws_db_unlock(db);
  }
  if (pOutFlags) *pOutFlags = outFlags;
  return SQLITE_OK;
}

/* Which side file zPath names, and the length of its database's path. */
int ws_side_of_path(const char *zPath, size_t *pnDb) {
  static const struct {
    const char *zSuffix;
    int side;
  } sides[] = {{"-wal", WS_SIDE_WAL}, {"-shm", WS_SIDE_SHM}, {"-journal", WS_SIDE_JOURNAL}};
  size_t n = strlen(zPath), i;
  for (i = 0; i < sizeof(sides) / sizeof(sides[0]); i++) {
    size_t k = strlen(sides[i].zSuffix);
    if (n > k && strcmp(zPath + n - k, sides[i].zSuffix) == 0) {
      *pnDb = n - k;
      return sides[i].side;
    }
  }
  *pnDb = n;
  return 0;
}

/* Does this process hold a handle on the side file of db? Caller locks. */
static int ws_holds_side(const ws_db *db, int side) {
  switch (side) {
    case WS_SIDE_WAL: return db->n_open[WS_KIND_WAL] > 0;
    case WS_SIDE_SHM: return db->n_shm > 0;
    case WS_SIDE_JOURNAL: return db->n_open[WS_KIND_JOURNAL] > 0;
    default: return db->n_open[WS_KIND_MAIN] > 0;
  }
}

/* Empty a file through the parent. SQLITE_OK or the parent's error. */
static int ws_empty_file(const char *zDbPath, int kind) {
  sqlite3_file *f = 0;
  int rc = ws_private_open(zDbPath, kind, SQLITE_OPEN_READWRITE, &f);
  if (rc == SQLITE_OK) {
    rc = f->pMethods->xTruncate(f, 0);
    if (rc == SQLITE_OK) rc = f->pMethods->xSync(f, SQLITE_SYNC_NORMAL);
    ws_private_close(f);
  }
  return rc;
}

static int ws_delete(sqlite3_vfs *pVfs, const char *zPath, int dirSync) {
  sqlite3_vfs *parent = g.parent;
  ws_db *db;
  ws_retry r = {0, 0}; /* started at the first failure */
  size_t nDb;
  int side, rc;
  char *zDb;
  (void)pVfs;
  if (zPath == 0) return SQLITE_MISUSE;
  side = ws_side_of_path(zPath, &nDb);
  zDb = sqlite3_mprintf("%.*s", (int)nDb, zPath);
  if (zDb == 0) return SQLITE_NOMEM;
  db = ws_registry_find(zDb);
  for (;;) {
    int held = 0, sys_err;
    rc = parent->xDelete(parent, zPath, dirSync);
    if (rc == SQLITE_OK || rc == SQLITE_IOERR_DELETE_NOENT) break;
    sys_err = parent->xGetLastError(parent, 0, 0);
    if (!ws_platform_is_transient(sys_err, zPath)) break;
    if (db && side != WS_SIDE_JOURNAL) {
      ws_db_lock(db);
      held = ws_holds_side(db, side ? side : WS_SIDE_MAIN);
      if (held) db->pending |= (unsigned)(side ? side : WS_SIDE_MAIN);
      ws_db_unlock(db);
    }
    if (held) {
      /* Our own handle is in the way and will not close while we wait:
      ** record the delete for when it closes (cleanup.c carries it out). */
      ws_count(WS_C_DELETES_DEFERRED);
      sqlite3_log(SQLITE_WARNING, "walsafe: delete of %s deferred until this process closes it", zPath);
      break;
    }
    if (!ws_retry_wait_lazily(&r, db)) {
      ws_log_giveup("delete", zPath, rc, sys_err, &r);
      if (side == WS_SIDE_WAL && db) {
        /* SQLite asks to delete a -wal only when no connection needs it
        ** (wal.c: after a complete checkpoint, under an EXCLUSIVE lock on
        ** the database). Emptying it removes less than was asked, and a
        ** -wal with no frames can never be replayed onto another database.
        ** The delete itself is owed and retried at the next chance. */
        if (ws_empty_file(zDb, WS_KIND_WAL) == SQLITE_OK)
          ws_count(WS_C_WAL_TRUNCATED);
        else
          ws_count(WS_C_FAILURES);
        ws_db_lock(db);
        db->pending |= WS_SIDE_WAL;
        ws_db_unlock(db);
      } else {
        /* Deleting a rollback journal is a commit: its failure is returned,
        ** never deferred or hidden. */
        ws_count(WS_C_FAILURES);
      }
      break;
    }
    ws_count(WS_C_RETRIES);
  }
  if (rc == SQLITE_OK && r.attempts > 0) ws_count(WS_C_RETRY_SUCCESSES);
  if (db && side == WS_SIDE_WAL && (rc == SQLITE_OK || rc == SQLITE_IOERR_DELETE_NOENT)) {
    /* SQLite deletes a -wal after closing it (wal.c, sqlite3WalClose), so
    ** the last-close cleanup need not look for it again (cleanup.c) where
    ** a delete that succeeded took the name with it. */
    ws_db_lock(db);
    db->wal_deleted = db->n_open[WS_KIND_WAL] == 0 && ws_platform_delete_removes_name();
    ws_db_unlock(db);
  }
  ws_registry_release(db);
  sqlite3_free(zDb);
  return rc;
}

static int ws_access(sqlite3_vfs *pVfs, const char *zPath, int flags, int *pResOut) {
  sqlite3_vfs *parent = g.parent;
  ws_retry r;
  int rc;
  (void)pVfs;
  rc = parent->xAccess(parent, zPath, flags, pResOut);
  if (rc == SQLITE_OK) return rc;
  ws_retry_start(&r, ws_retry_budget_ms(0));
  while (rc != SQLITE_OK) {
    int sys_err = parent->xGetLastError(parent, 0, 0);
    if (!ws_platform_is_transient(sys_err, zPath)) break;
    if (!ws_retry_wait(&r)) {
      ws_log_giveup("access check", zPath, rc, sys_err, &r);
      break;
    }
    ws_count(WS_C_RETRIES);
    rc = parent->xAccess(parent, zPath, flags, pResOut);
  }
  if (rc == SQLITE_OK) ws_count(WS_C_RETRY_SUCCESSES);
  return rc;
}

static int ws_full_pathname_m(sqlite3_vfs *pVfs, const char *zPath, int nOut, char *zOut) {
  (void)pVfs;
  return g.parent->xFullPathname(g.parent, zPath, nOut, zOut);
}
static void *ws_dl_open(sqlite3_vfs *pVfs, const char *zPath) {
  (void)pVfs;
  return g.parent->xDlOpen(g.parent, zPath);
}
static void ws_dl_error(sqlite3_vfs *pVfs, int nByte, char *zErrMsg) {
  (void)pVfs;
  g.parent->xDlError(g.parent, nByte, zErrMsg);
}
static void (*ws_dl_sym(sqlite3_vfs *pVfs, void *p, const char *zSym))(void) {
  (void)pVfs;
  return g.parent->xDlSym(g.parent, p, zSym);
}
static void ws_dl_close(sqlite3_vfs *pVfs, void *pHandle) {
  (void)pVfs;
  g.parent->xDlClose(g.parent, pHandle);
}
static int ws_randomness(sqlite3_vfs *pVfs, int nByte, char *zOut) {
  (void)pVfs;
  return g.parent->xRandomness(g.parent, nByte, zOut);
}
static int ws_sleep(sqlite3_vfs *pVfs, int us) {
  (void)pVfs;
  return g.parent->xSleep(g.parent, us);
}
static int ws_current_time(sqlite3_vfs *pVfs, double *pOut) {
  (void)pVfs;
  return g.parent->xCurrentTime(g.parent, pOut);
}
static int ws_get_last_error(sqlite3_vfs *pVfs, int n, char *z) {
  (void)pVfs;
  return g.parent->xGetLastError(g.parent, n, z);
}
static int ws_current_time_int64(sqlite3_vfs *pVfs, sqlite3_int64 *pOut) {
  (void)pVfs;
  return g.parent->xCurrentTimeInt64(g.parent, pOut);
}
static int ws_set_system_call(sqlite3_vfs *pVfs, const char *zName, sqlite3_syscall_ptr p) {
  (void)pVfs;
  return g.parent->xSetSystemCall(g.parent, zName, p);
}
static sqlite3_syscall_ptr ws_get_system_call(sqlite3_vfs *pVfs, const char *zName) {
  (void)pVfs;
  return g.parent->xGetSystemCall(g.parent, zName);
}
static const char *ws_next_system_call(sqlite3_vfs *pVfs, const char *zName) {
  (void)pVfs;
  return g.parent->xNextSystemCall(g.parent, zName);
}

/* Our VFS object mirrors the parent's iVersion and leaves out what it lacks. */
static void ws_vfs_init(sqlite3_vfs *parent) {
  sqlite3_vfs *v = &g.vfs;
  memset(v, 0, sizeof(*v));
  v->iVersion = parent->iVersion < 3 ? parent->iVersion : 3;
  v->szOsFile = (int)sizeof(ws_file) + parent->szOsFile;
  v->mxPathname = parent->mxPathname;
  v->zName = WALSAFE_VFS_NAME;
  v->xOpen = ws_open;
  v->xDelete = ws_delete;
  v->xAccess = ws_access;
  v->xFullPathname = ws_full_pathname_m;
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

/* ---------------------------------------------------------------------------
** Private access to files through the parent, for cleanup and probes.
*/
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

/* The parent's open of a file of zName, retried like ws_open within the
** process-wide budget: a transient failure, or a read-write open the
** parent quietly degraded to read-only (an EXCLUSIVE lock cannot be had on
** that), is tried again. */
static int ws_private_open_retrying(sqlite3_filename zName, int kind, int flags, sqlite3_file *f, int *pOutFlags) {
  sqlite3_vfs *parent = g.parent;
  ws_retry r = {0, 0}; /* started at the first failure */
  const char *zFile = kind == WS_KIND_WAL       ? sqlite3_filename_wal(zName)
                      : kind == WS_KIND_JOURNAL ? sqlite3_filename_journal(zName)
                                                : zName;
  int kindFlag = kind == WS_KIND_WAL       ? SQLITE_OPEN_WAL
                 : kind == WS_KIND_JOURNAL ? SQLITE_OPEN_MAIN_JOURNAL
                                           : SQLITE_OPEN_MAIN_DB;
  for (;;) {
    int rc, sys_err = 0;
    memset(f, 0, (size_t)parent->szOsFile);
    *pOutFlags = 0;
    rc = parent->xOpen(parent, zFile, f, flags | kindFlag, pOutFlags);
    if (rc == SQLITE_OK && !ws_open_was_downgraded(zFile, flags, *pOutFlags, &sys_err)) return rc;
    if (rc != SQLITE_OK) sys_err = parent->xGetLastError(parent, 0, 0);
    if (f->pMethods) f->pMethods->xClose(f);
    f->pMethods = 0;
    if (rc == SQLITE_OK)
      rc = SQLITE_BUSY; /* degraded, and still so when the budget is spent */
    else if (!ws_platform_is_transient(sys_err, zFile))
      return rc;
    if (!ws_retry_wait_lazily(&r, 0)) {
      ws_log_giveup("private open", zFile, rc, sys_err, &r);
      return rc;
    }
    ws_count(WS_C_RETRIES);
  }
}

int ws_private_open(const char *zDbPath, int kind, int flags, sqlite3_file **ppFile) {
  sqlite3_vfs *parent = g.parent;
  sqlite3_file *f;
  sqlite3_filename zName;
  char *zJournal, *zWal;
  int rc, outFlags = 0;
  *ppFile = 0;
  /* The parents read URI parameters from the name, so give them a name
  ** built the way SQLite builds its own. */
  zJournal = sqlite3_mprintf("%s-journal", zDbPath);
  zWal = sqlite3_mprintf("%s-wal", zDbPath);
  zName = (zJournal && zWal) ? sqlite3_create_filename(zDbPath, zJournal, zWal, 0, 0) : 0;
  sqlite3_free(zJournal);
  sqlite3_free(zWal);
  f = sqlite3_malloc(parent->szOsFile + (int)sizeof(sqlite3_filename));
  if (zName == 0 || f == 0) {
    sqlite3_free_filename(zName);
    sqlite3_free(f);
    return SQLITE_NOMEM;
  }
  rc = ws_private_open_retrying(zName, kind, flags, f, &outFlags);
  if (rc != SQLITE_OK) {
    if (f->pMethods) f->pMethods->xClose(f);
    sqlite3_free_filename(zName);
    sqlite3_free(f);
    return rc;
  }
  /* The name must outlive the file: keep it after the parent's object. */
  memcpy((char *)f + parent->szOsFile, &zName, sizeof(zName));
  *ppFile = f;
  return SQLITE_OK;
}

void ws_private_close(sqlite3_file *f) {
  sqlite3_filename zName;
  if (f == 0) return;
  memcpy(&zName, (char *)f + g.parent->szOsFile, sizeof(zName));
  if (f->pMethods) f->pMethods->xClose(f);
  sqlite3_free_filename(zName);
  sqlite3_free(f);
}

/* ---------------------------------------------------------------------------
** Registration
*/
int walsafe_register(const char *zParent, int makeDefault) {
  sqlite3_mutex *m;
  sqlite3_vfs *parent, *existing;
  int rc = ws_sqlite_initialize();
  if (rc != SQLITE_OK) return rc;
  ws_clear_errmsg();
  m = sqlite3_mutex_alloc(SQLITE_MUTEX_STATIC_VFS2);
  sqlite3_mutex_enter(m);
  if (zParent && strcmp(zParent, WALSAFE_VFS_NAME) == 0) {
    ws_set_errmsg("walsafe_register: walsafe cannot be its own parent");
    rc = SQLITE_MISUSE;
  } else if (g.registered) {
    if (zParent && strcmp(zParent, g.parent->zName) != 0) {
      ws_set_errmsg("walsafe_register: already registered over \"%s\", not \"%s\"", g.parent->zName, zParent);
      rc = SQLITE_MISUSE;
    } else if (makeDefault) {
      rc = sqlite3_vfs_register(&g.vfs, 1);
    }
  } else {
    existing = sqlite3_vfs_find(WALSAFE_VFS_NAME);
    parent = sqlite3_vfs_find(zParent);
    if (existing) {
      ws_set_errmsg("walsafe_register: another copy of walsafe is already registered in this process");
      rc = SQLITE_MISUSE;
    } else if (parent == 0) {
      ws_set_errmsg("walsafe_register: no VFS named \"%s\"", zParent ? zParent : "(default)");
      rc = SQLITE_ERROR;
    } else {
      g.parent = parent;
      g.retry_ms = WALSAFE_DEFAULT_RETRY_MS;
      g.cleanup_mode = WALSAFE_CLEANUP_AUTO;
      ws_methods_init();
      ws_vfs_init(parent);
      rc = sqlite3_vfs_register(&g.vfs, makeDefault);
      g.registered = rc == SQLITE_OK;
      if (g.registered && ws_platform_has_native_retry()) ws_take_over_native_retry();
    }
  }
  sqlite3_mutex_leave(m);
  return rc;
}

static void ws_cleanup_pending_entry(ws_db *db) { ws_cleanup_leftovers(db); }

int walsafe_unregister(void) {
  sqlite3_mutex *m;
  long long nOpen;
  int rc = SQLITE_OK;
  if (ws_sqlite_initialize() != SQLITE_OK || !g.registered) {
    ws_set_errmsg("walsafe_unregister: walsafe is not registered");
    return SQLITE_MISUSE;
  }
  ws_clear_errmsg();
  /* Last chance for deletes a scanner held up. */
  ws_registry_each_pending(ws_cleanup_pending_entry);
  m = sqlite3_mutex_alloc(SQLITE_MUTEX_STATIC_VFS2);
  sqlite3_mutex_enter(m);
  nOpen = ws_registry_files_open();
  if (!g.registered) {
    ws_set_errmsg("walsafe_unregister: walsafe is not registered");
    rc = SQLITE_MISUSE;
  } else if (nOpen > 0) {
    ws_set_errmsg("walsafe_unregister: %lld file(s) still open through walsafe", nOpen);
    rc = SQLITE_BUSY;
  } else {
    int wasDefault = sqlite3_vfs_find(0) == &g.vfs;
    rc = sqlite3_vfs_unregister(&g.vfs);
    if (rc == SQLITE_OK) {
      int owed;
      ws_give_back_native_retry();
      g.registered = 0;
      if (wasDefault) rc = sqlite3_vfs_register(g.parent, 1);
      /* Nothing is open: give the registry's memory back. */
      owed = ws_registry_reset();
      if (owed > 0) {
        ws_count(WS_C_FAILURES);
        sqlite3_log(SQLITE_WARNING, "walsafe: unregistered with deletes still owed on %d database(s)", owed);
      }
    }
  }
  sqlite3_mutex_leave(m);
  return rc;
}

int walsafe_config(int op, int value, int *pOld) {
  int rc = SQLITE_OK, *pOpt;
  int hi;
  if (!g.registered) {
    ws_set_errmsg("walsafe_config: walsafe is not registered");
    return SQLITE_MISUSE;
  }
  switch (op) {
    case WALSAFE_CONFIG_RETRY_MS:
      pOpt = &g.retry_ms;
      hi = WALSAFE_MAX_RETRY_MS;
      break;
    case WALSAFE_CONFIG_CLEANUP:
      pOpt = &g.cleanup_mode;
      hi = WALSAFE_CLEANUP_OFF;
      break;
    default: ws_set_errmsg("walsafe_config: unknown option %d", op); return SQLITE_MISUSE;
  }
  if (value > hi) {
    ws_set_errmsg("walsafe_config: value %d out of range 0..%d for option %d", value, hi, op);
    return SQLITE_MISUSE;
  }
  ws_mutex_enter(&g_settings_mutex);
  if (pOld) *pOld = *pOpt;
  if (value >= 0) *pOpt = value;
  ws_mutex_leave(&g_settings_mutex);
  ws_clear_errmsg();
  return rc;
}
