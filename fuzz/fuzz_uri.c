/*
** fuzz_uri.c: URIs carrying walsafe's parameters, opened through walsafe.
**
** Input: 6 control bytes, then "NAME?QUERY".
**   NAME   becomes a file name inside the iteration directory (fz_confine);
**   QUERY  goes into the URI as it is (NUL becomes '&'): walsafe_retry_ms,
**          walsafe_cleanup, vfs=, mode=, immutable=, nolock=, cache=, and
**          anything else.
**   c0     open flags (read-only / read-write / create, mutex, shared
**          cache), whether the VFS argument is "walsafe" or NULL (then the
**          URI's vfs= decides; the default VFS is the plain one), a second
**          connection, and a process-wide walsafe_cleanup for this input.
**   c1     journal mode, and which of a few statements run.
**   c2     close order, PERSIST_WAL, NO_CKPT_ON_CLOSE, an open transaction
**          or statement at close, ATTACH of the same URI, and the API calls
**          on the database's path once every connection is closed.
**   c3     the process-wide cleanup mode, and the delete timeout (0-5 ms).
**   c4 c5  which of the first eight open() and unlink() calls on the
**          scratch files fail with EBUSY (fz_faults_arm), from the first
**          open on: retries, deferred deletes, emptied -wal files.
** Oracles: PRAGMA walsafe_status text, SQLITE_OK from
** walsafe_delete_database() only with none of the four files left, no
** handle counted after the last close (fz_end), nothing outside the
** iteration directory touched.
*/
#define _GNU_SOURCE 1
#include "fuzz_common.h"

#include <ctype.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  fz_init();
  /* Over the default (unix) VFS, which stays the default: vfs=unix in a
  ** URI, or a NULL VFS argument, bypasses walsafe. */
  FZ_CHECK(walsafe_register(0, 0) == SQLITE_OK, "walsafe_register: %s", walsafe_errmsg());
  fz_faults_install();
  return 0;
}

/* fz_dir, percent-encoded where a URI path needs it. */
static void uri_escape(const char *z, sqlite3_str *s) {
  for (; *z; z++) {
    unsigned char c = (unsigned char)*z;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("/-_.~", c))
      sqlite3_str_appendchar(s, 1, (char)c);
    else
      sqlite3_str_appendf(s, "%%%02X", c);
  }
}

static const char *const journal_modes[] = {0,
                                            "PRAGMA journal_mode=WAL",
                                            "PRAGMA journal_mode=DELETE",
                                            "PRAGMA journal_mode=TRUNCATE",
                                            "PRAGMA journal_mode=PERSIST",
                                            "PRAGMA journal_mode=MEMORY",
                                            "PRAGMA journal_mode=OFF",
                                            "PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=WAL"};

static int hex(int c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; }

/*
** Does the query name the parameter "modeof"? SQLite's unix VFS, asked to
** create a main database with modeof= naming a missing file, fails an
** assert() in a debug build and leaks 24 bytes otherwise (SQLite 3.40.1 and
** 3.53.2, plain unix VFS, no walsafe involved), so those inputs are left
** out. A parameter name is a run of the query decoded (%HH, %00 cuts it),
** so looking in the decoded query for "modeof" anywhere finds every
** spelling.
*/
static int names_modeof(const uint8_t *q, size_t n) {
  char z[2048];
  size_t i, k = 0;
  for (i = 0; i < n && k + 1 < sizeof(z); i++) {
    int c = q[i];
    if (c == '%' && i + 2 < n && isxdigit(q[i + 1]) && isxdigit(q[i + 2])) {
      c = hex(q[i + 1]) * 16 + hex(q[i + 2]);
      i += 2;
      if (c == 0) c = '&';
    }
    z[k++] = (char)(c ? c : '&');
  }
  z[k] = 0;
  return strstr(z, "modeof") != 0;
}

/* The statements c1 asks for, on one connection. */
static void run_statements(sqlite3 *db, unsigned c1) {
  char *z = 0;
  if (journal_modes[c1 & 7]) fz_run(db, journal_modes[c1 & 7], 0);
  if (c1 & 0x08) {
    sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS t(x); INSERT INTO t VALUES(randomblob(600))", 0, 0, 0);
  }
  if (c1 & 0x10) fz_run(db, "SELECT count(*) FROM t", 0);
  if (c1 & 0x20) {
    fz_run(db, "PRAGMA walsafe_status", &z);
    fz_check_status_text(z);
    sqlite3_free(z);
  }
  if (c1 & 0x40) fz_run(db, "PRAGMA wal_checkpoint(TRUNCATE)", 0);
  if (c1 & 0x80) {
    int on = 1;
    sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &on);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const int rw_modes[] = {SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, SQLITE_OPEN_READWRITE,
                                 SQLITE_OPEN_READONLY, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE};
  unsigned c0, c1, c2, c3, c4, c5;
  const uint8_t *text, *q;
  size_t nText, nName;
  char zName[301];
  char *zUri = 0, *zPath = 0;
  sqlite3_str *s;
  sqlite3 *db = 0, *db2 = 0;
  sqlite3_stmt *held = 0;
  int flags, old_cleanup = -1, rc;
  const char *zVfs;

  if (size < 6 || size > 2048) return 0;
  c0 = data[0];
  c1 = data[1];
  c2 = data[2];
  c3 = data[3];
  c4 = data[4];
  c5 = data[5];
  text = data + 6;
  nText = size - 6;
  q = memchr(text, '?', nText);
  nName = q ? (size_t)(q - text) : nText;
  fz_confine(text, nName, zName, sizeof(zName) - 1, 1);
  if (q && names_modeof(q + 1, nText - nName - 1)) return 0;

  fz_begin();
  s = sqlite3_str_new(0);
  sqlite3_str_appendall(s, "file:");
  uri_escape(fz_dir, s);
  sqlite3_str_appendf(s, "/%s", zName);
  if (q) {
    size_t i;
    sqlite3_str_appendchar(s, 1, '?');
    for (i = (size_t)(q - text) + 1; i < nText; i++)
      sqlite3_str_appendchar(s, 1, text[i] ? (char)text[i] : '&');
  }
  zUri = sqlite3_str_finish(s);
  FZ_CHECK(zUri != 0, "out of memory");

  flags = SQLITE_OPEN_URI | rw_modes[c0 & 3];
  if (c0 & 0x04) flags |= (c0 & 0x08) ? SQLITE_OPEN_FULLMUTEX : SQLITE_OPEN_NOMUTEX;
  if (c0 & 0x10) flags |= SQLITE_OPEN_SHAREDCACHE;
  zVfs = (c0 & 0x20) ? 0 : WALSAFE_VFS_NAME;
  if (c0 & 0x80) walsafe_config(WALSAFE_CONFIG_CLEANUP, (int)(c3 % 3), &old_cleanup);

  fz_faults_arm(c4, c5);
  rc = sqlite3_open_v2(zUri, &db, flags, zVfs);
  if (rc == SQLITE_OK) {
    const char *zFile = sqlite3_db_filename(db, "main");
    if (zFile && zFile[0]) zPath = sqlite3_mprintf("%s", zFile);
    if (c2 & 0x01) sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)0);
    run_statements(db, c1);
    if (c2 & 0x80) {
      /* The same URI again, attached: a second main-file handle. */
      sqlite3_stmt *st = 0;
      if (sqlite3_prepare_v2(db, "ATTACH ?1 AS aux", -1, &st, 0) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, zUri, -1, SQLITE_STATIC);
        sqlite3_step(st);
      }
      sqlite3_finalize(st);
      fz_run(db, "SELECT count(*) FROM aux.sqlite_schema", 0);
    }
    if (c2 & 0x08) {
      /* A read in progress while the other connection closes. */
      if (sqlite3_prepare_v2(db, "SELECT * FROM sqlite_schema", -1, &held, 0) == SQLITE_OK) sqlite3_step(held);
    }
    if (c2 & 0x40)
      sqlite3_exec(db, "BEGIN IMMEDIATE; CREATE TABLE IF NOT EXISTS u(y); INSERT INTO u VALUES(1)", 0, 0, 0);
  }
  if (c0 & 0x40) {
    /* A second connection: the same URI, or the plain path through walsafe. */
    if ((c2 & 0x04) || zPath == 0)
      rc = sqlite3_open_v2(zUri, &db2, flags, zVfs);
    else
      rc = sqlite3_open_v2(zPath, &db2, SQLITE_OPEN_READWRITE, WALSAFE_VFS_NAME);
    if (rc == SQLITE_OK) run_statements(db2, c1 >> 3);
  }
  if (c2 & 0x02) {
    sqlite3_close(db2);
    db2 = 0;
  }
  if (held && (c3 & 0x80)) {
    /* Closed with its statement still open: a zombie until the finalize. */
    FZ_CHECK(sqlite3_close_v2(db) == SQLITE_OK, "sqlite3_close_v2 failed");
    db = 0;
  }
  sqlite3_finalize(held);
  FZ_CHECK(sqlite3_close(db) == SQLITE_OK, "sqlite3_close: %s", sqlite3_errmsg(db));
  FZ_CHECK(sqlite3_close(db2) == SQLITE_OK, "sqlite3_close (second): %s", sqlite3_errmsg(db2));

  if (zPath && fz_inside(zPath)) {
    if (c2 & 0x10) {
      int n = walsafe_handle_count(zPath);
      FZ_CHECK(n == 0 || n == -SQLITE_NOTFOUND || n == -SQLITE_CANTOPEN || n == -SQLITE_MISUSE,
               "walsafe_handle_count(%s) is %d after every connection closed", zPath, n);
      sqlite3_free(walsafe_status(zPath));
    }
    if (c2 & 0x20) {
      rc = walsafe_delete_database(zPath, (int)((c3 >> 2) % 6));
      if (rc == SQLITE_OK) {
        const char *zLeft = fz_any_of_four(zPath);
        FZ_CHECK(zLeft == 0, "walsafe_delete_database(%s) returned SQLITE_OK but %s exists", zPath, zLeft);
      } else {
        FZ_CHECK(walsafe_errmsg()[0] != 0, "walsafe_delete_database failed (%d) without a message", rc);
      }
    }
  }
  if (old_cleanup >= 0) walsafe_config(WALSAFE_CONFIG_CLEANUP, old_cleanup, 0);
  sqlite3_free(zPath);
  sqlite3_free(zUri);
  fz_end();
  return 0;
}
