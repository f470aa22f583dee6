/*
** files.c: a database's files as walsafe knows them. The one table of side
** files (suffix, kind, printed name), the private access to them through
** the parent that cleanup and probes use (opens, looks, the EXCLUSIVE lock
** of rule (A), single deletes, emptying), and the one formatter of handle
** counts and side-file lists that every report uses.
**
** Nothing here decides whether a delete is safe: each caller does, and
** says by which rule (cleanup.c).
*/
#include <string.h>

#include "platform.h"
#include "walsafe_int.h"

/* ---------------------------------------------------------------------------
** The table of side files
*/
static const struct ws_side_info {
  enum ws_side side;
  const char *zSuffix; /* after the database's name */
  enum ws_kind kind;   /* how SQLite opens it (the -shm: inside xShmMap) */
  const char *zWord;   /* in PRAGMA walsafe_status and JSON */
  const char *zFile;   /* in a report of files left on disk */
} ws_sides[] = {
    /* In the order walsafe deletes them: the database last. */
    {WS_SIDE_WAL, "-wal", WS_KIND_WAL, "wal", "-wal"},
    {WS_SIDE_SHM, "-shm", WS_KIND_OTHER, "shm", "-shm"},
    {WS_SIDE_JOURNAL, "-journal", WS_KIND_JOURNAL, "journal", "-journal"},
    {WS_SIDE_MAIN, "", WS_KIND_MAIN, "main", "database"},
};
#define WS_N_SIDES ((int)(sizeof(ws_sides) / sizeof(ws_sides[0])))

static const struct ws_side_info *ws_side_info(enum ws_side side) {
  int i;
  for (i = 0; i < WS_N_SIDES - 1 && ws_sides[i].side != side; i++) {
  }
  return &ws_sides[i];
}

enum ws_side ws_side_of_path(const char *zPath, size_t *pnDb) {
  size_t n = strlen(zPath);
  int i;
  for (i = 0; i < WS_N_SIDES - 1; i++) {
    size_t k = strlen(ws_sides[i].zSuffix);
    if (n > k && strcmp(zPath + n - k, ws_sides[i].zSuffix) == 0) {
      *pnDb = n - k;
      return ws_sides[i].side;
    }
  }
  *pnDb = n;
  return WS_SIDE_MAIN;
}

char *ws_side_name(const char *zDb, enum ws_side side) {
  return sqlite3_mprintf("%s%s", zDb, ws_side_info(side)->zSuffix);
}

char *ws_name_in(char *zBuf, size_t nBuf, const char *zDb, size_t nDb, const char *zSuffix) {
  size_t nSuffix = strlen(zSuffix);
  if (nDb + nSuffix >= nBuf) return sqlite3_mprintf("%.*s%s", (int)nDb, zDb, zSuffix);
  memcpy(zBuf, zDb, nDb);
  memcpy(zBuf + nDb, zSuffix, nSuffix + 1);
  return zBuf;
}

void ws_name_done(char *z, const char *zBuf) {
  if (z != zBuf) sqlite3_free(z);
}

/* The kind of file a side is opened as (the -shm: WS_KIND_OTHER, since
** the parent opens it inside xShmMap). */
enum ws_kind ws_kind_of_side(enum ws_side side) { return ws_side_info(side)->kind; }

/* Side files that SQLite opens as its own files (-wal, -journal). */
static const char *ws_name_for_kind(sqlite3_filename zName, enum ws_kind kind) {
  if (kind == WS_KIND_WAL) return sqlite3_filename_wal(zName);
  if (kind == WS_KIND_JOURNAL) return sqlite3_filename_journal(zName);
  return zName;
}

static int ws_open_flag_for_kind(enum ws_kind kind) {
  if (kind == WS_KIND_WAL) return SQLITE_OPEN_WAL;
  if (kind == WS_KIND_JOURNAL) return SQLITE_OPEN_MAIN_JOURNAL;
  return SQLITE_OPEN_MAIN_DB;
}

/* ---------------------------------------------------------------------------
** The one formatter
*/
void ws_append_sides(sqlite3_str *s, unsigned sides, enum ws_print style) {
  int i, first = 1;
  for (i = 0; i < WS_N_SIDES; i++) {
    const struct ws_side_info *p = &ws_sides[style == WS_PRINT_FILES ? (i + WS_N_SIDES - 1) % WS_N_SIDES : i];
    if (!(sides & (unsigned)p->side)) continue;
    if (style == WS_PRINT_JSON)
      sqlite3_str_appendf(s, "%s\"%s\"", first ? "" : ", ", p->zWord);
    else
      sqlite3_str_appendf(s, "%s%s", first ? "" : " ", style == WS_PRINT_FILES ? p->zFile : p->zWord);
    first = 0;
  }
  if (first && style == WS_PRINT_WORDS) sqlite3_str_appendall(s, "none");
}

/* "main=1 wal=1 journal=0 shm=1". Caller holds db's lock. */
void ws_append_handle_counts(sqlite3_str *s, const ws_db *db) {
  sqlite3_str_appendf(s, "main=%d wal=%d journal=%d shm=%d", db->n_open[WS_KIND_MAIN], db->n_open[WS_KIND_WAL],
                      db->n_open[WS_KIND_JOURNAL], db->n_shm);
}

const char *ws_kind_name(enum ws_kind kind) {
  static const char *names[] = {"main", "wal", "journal", "other"};
  return names[kind];
}

char *ws_open_report(ws_db *db) {
  sqlite3_int64 now = ws_platform_now_ms();
  sqlite3_str *s = sqlite3_str_new(0);
  ws_file *f;
  sqlite3_str_appendf(s, "%s: %d handle(s) open in this process (", db->path, ws_registry_handle_total(db));
  ws_append_handle_counts(s, db);
  sqlite3_str_appendchar(s, 1, ')');
  for (f = db->files; f; f = f->next) {
    sqlite3_str_appendf(s, "; %s handle (%s) open for %lld ms", ws_kind_name(f->kind),
                        (f->open_flags & SQLITE_OPEN_READONLY) ? "read-only" : "read-write",
                        (long long)(now - f->opened_ms));
  }
  if (db->cleanup_running) sqlite3_str_appendf(s, "; a walsafe cleanup is running");
  return sqlite3_str_finish(s);
}

/* ---------------------------------------------------------------------------
** Private access through the parent
*/
int ws_open_was_downgraded(sqlite3_filename zName, int flags, int outFlags, int *pSysErr) {
  sqlite3_vfs *parent = ws_parent();
  int writable = 0;
  if (!(flags & SQLITE_OPEN_READWRITE) || !(outFlags & SQLITE_OPEN_READONLY)) return 0;
  /* The parent's last error is still the failed read-write open's (the
  ** read-only open that followed succeeded): only a transient one is worth
  ** another try. */
  *pSysErr = ws_last_error();
  if (!ws_platform_is_transient(*pSysErr, zName)) return 0;
  if (parent->xAccess(parent, zName, SQLITE_ACCESS_READWRITE, &writable) != SQLITE_OK) return 0;
  return writable;
}

/* The parent's open of a file of zName, retried like ws_open within the
** process-wide budget: a transient failure, or a read-write open the
** parent quietly degraded to read-only (an EXCLUSIVE lock cannot be had on
** that), is tried again. */
static int ws_private_open_retrying(sqlite3_filename zName, enum ws_kind kind, int flags, sqlite3_file *f) {
  sqlite3_vfs *parent = ws_parent();
  ws_retry r = WS_RETRY_LAZY(0);
  const char *zFile = ws_name_for_kind(zName, kind);
  for (;;) {
    int rc, sys_err = 0, outFlags = 0, transient;
    memset(f, 0, (size_t)parent->szOsFile);
    rc = parent->xOpen(parent, zFile, f, flags | ws_open_flag_for_kind(kind), &outFlags);
    if (rc == SQLITE_OK && !ws_open_was_downgraded(zFile, flags, outFlags, &sys_err)) return rc;
    if (rc != SQLITE_OK) sys_err = ws_last_error();
    if (f->pMethods) f->pMethods->xClose(f);
    f->pMethods = 0;
    /* Degraded to read-only: SQLITE_BUSY, also once the budget is spent. */
    transient = rc == SQLITE_OK || ws_platform_is_transient(sys_err, zFile);
    if (rc == SQLITE_OK) rc = SQLITE_BUSY;
    if (!ws_retry_again(&r, transient, "private open", zFile, rc, sys_err)) return rc;
  }
}

int ws_private_open(const char *zDbPath, enum ws_kind kind, int flags, sqlite3_file **ppFile) {
  sqlite3_vfs *parent = ws_parent();
  sqlite3_file *f;
  sqlite3_filename zName;
  char *zJournal, *zWal;
  int rc;
  *ppFile = 0;
  /* The parents read URI parameters from the name, so give them a name
  ** built the way SQLite builds its own. */
  zJournal = ws_side_name(zDbPath, WS_SIDE_JOURNAL);
  zWal = ws_side_name(zDbPath, WS_SIDE_WAL);
  zName = (zJournal && zWal) ? sqlite3_create_filename(zDbPath, zJournal, zWal, 0, 0) : 0;
  sqlite3_free(zJournal);
  sqlite3_free(zWal);
  f = sqlite3_malloc(parent->szOsFile + (int)sizeof(sqlite3_filename));
  if (zName == 0 || f == 0) {
    sqlite3_free_filename(zName);
    sqlite3_free(f);
    return SQLITE_NOMEM;
  }
  rc = ws_private_open_retrying(zName, kind, flags, f);
  if (rc != SQLITE_OK) {
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
  memcpy(&zName, (char *)f + ws_parent()->szOsFile, sizeof(zName));
  if (f->pMethods) f->pMethods->xClose(f);
  sqlite3_free_filename(zName);
  sqlite3_free(f);
}

/* ---------------------------------------------------------------------------
** Looking at the files
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

int ws_side_exists(const char *zDb, enum ws_side side) {
  char *z = ws_side_name(zDb, side);
  int res = z ? ws_file_exists(z) : 1;
  sqlite3_free(z);
  return res;
}

unsigned ws_files_present(const char *zDb) {
  unsigned present = 0;
  int i;
  for (i = 0; i < WS_N_SIDES; i++) {
    if (ws_side_exists(zDb, ws_sides[i].side)) present |= (unsigned)ws_sides[i].side;
  }
  return present;
}

/* Is a -shm of zDb on disk after its last mapping closed? One stat, not
** ws_file_exists's two: SQLite sizes a -shm as soon as it maps it (3 bytes
** for the unix VFS's DMS lock, 32 KiB for the first page), so a -shm left
** behind by a failed delete is never empty; an empty one can only come
** from a crash between create and resize and holds nothing to replay. */
int ws_shm_left(const char *zDb) {
  sqlite3_vfs *parent = ws_parent();
  char zBuf[WS_NAME_BUF], *z = ws_name_in(zBuf, sizeof(zBuf), zDb, strlen(zDb), ws_side_info(WS_SIDE_SHM)->zSuffix);
  int res = 1;
  if (z && parent->xAccess(parent, z, SQLITE_ACCESS_EXISTS, &res) != SQLITE_OK) res = 1;
  ws_name_done(z, zBuf);
  return res != 0;
}

/* The size of an open file, or -1. */
sqlite3_int64 ws_open_file_size(sqlite3_file *f) {
  sqlite3_int64 n = -1;
  if (f->pMethods->xFileSize(f, &n) != SQLITE_OK) n = -1;
  return n;
}

/* Bytes in the -wal of zDb: -1 when there is none, and a large number when
** it exists but cannot be measured (so that it is treated as holding data). */
#define WS_SIZE_UNKNOWN ((sqlite3_int64)1 << 62)
sqlite3_int64 ws_wal_size(const char *zDb) {
  sqlite3_file *f = 0;
  sqlite3_int64 size = WS_SIZE_UNKNOWN;
  if (!ws_side_exists(zDb, WS_SIDE_WAL)) return -1;
  if (ws_private_open(zDb, WS_KIND_WAL, SQLITE_OPEN_READONLY, &f) == SQLITE_OK) {
    size = ws_open_file_size(f);
    if (size < 0) size = WS_SIZE_UNKNOWN;
    ws_private_close(f);
  }
  return size;
}

/* Is the -journal of zDb hot? As SQLite decides (pager.c, hasHotJournal):
** it has content and its first byte is not zero (journal_mode=PERSIST
** zeroes the header; TRUNCATE leaves no content). */
int ws_journal_is_hot(const char *zDb) {
  sqlite3_file *f = 0;
  unsigned char first = 1;
  if (!ws_side_exists(zDb, WS_SIDE_JOURNAL)) return 0;
  if (ws_private_open(zDb, WS_KIND_JOURNAL, SQLITE_OPEN_READONLY, &f) != SQLITE_OK) return 1;
  if (ws_open_file_size(f) == 0) {
    first = 0;
  } else if (f->pMethods->xRead(f, &first, 1, 0) != SQLITE_OK) {
    first = 1; /* cannot tell: treat as hot */
  }
  ws_private_close(f);
  return first != 0;
}

/* ---------------------------------------------------------------------------
** The EXCLUSIVE lock of rule (A), deletes and emptying
*/
int ws_lock_database_as(const char *zDb, int flags, sqlite3_file **ppLock) {
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

int ws_lock_database(const char *zDb, sqlite3_file **ppLock) {
  return ws_lock_database_as(zDb, SQLITE_OPEN_READWRITE, ppLock);
}

void ws_unlock_database(sqlite3_file *f) {
  if (f == 0) return;
  f->pMethods->xUnlock(f, SQLITE_LOCK_NONE);
  ws_private_close(f);
}

int ws_database_in_use(const char *zDb) {
  sqlite3_file *lock = 0;
  int rc = ws_lock_database(zDb, &lock);
  ws_unlock_database(lock);
  if (rc == SQLITE_OK) return 0;
  return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED ? 1 : -1;
}

int ws_delete_once(const char *zDb, enum ws_side side, int *pTransient) {
  sqlite3_vfs *parent = ws_parent();
  char *z = ws_side_name(zDb, side);
  int rc;
  *pTransient = 0;
  if (z == 0) return SQLITE_NOMEM;
  rc = parent->xDelete(parent, z, 0);
  if (rc == SQLITE_IOERR_DELETE_NOENT || (rc != SQLITE_OK && !ws_file_exists(z))) rc = SQLITE_OK;
  if (rc != SQLITE_OK) *pTransient = ws_platform_is_transient(ws_last_error(), z);
  sqlite3_free(z);
  return rc;
}

int ws_empty_file(const char *zDb, enum ws_kind kind) {
  sqlite3_file *f = 0;
  int rc = ws_private_open(zDb, kind, SQLITE_OPEN_READWRITE, &f);
  if (rc == SQLITE_OK) {
    rc = f->pMethods->xTruncate(f, 0);
    if (rc == SQLITE_OK) rc = f->pMethods->xSync(f, SQLITE_SYNC_NORMAL);
    ws_private_close(f);
  }
  return rc;
}
