/*
** fuzz_paths.c: paths given to walsafe_delete_database(),
** walsafe_handle_count() and walsafe_status().
**
** Input: 5 control bytes, then the NAME (a path relative to the iteration
** directory after fz_confine: cut at NUL, no ".." component; '/' allowed,
** so it may name the subdirectory, a symbolic link, a directory...).
**   c0  which files exist first: a rollback database "db", a WAL database
**       "db" with a -wal full of frames and a -shm, a hot "db-journal",
**       "sub/db2" and a link "link" -> "sub", orphan "gone-wal"/"gone-shm",
**       a non-database "notadb" with a -wal and an empty file "empty", a
**       directory "dir.db", an empty "db-wal" and a junk "db-shm".
**   c1  which connection is open during the calls (none; through walsafe:
**       idle rollback, WAL with a read in progress, on NAME itself,
**       locking_mode=EXCLUSIVE, two databases, a write transaction; or
**       through the plain unix VFS), and which calls are made.
**   c2  how NAME is spelled (absolute, "/./", "sub/../", relative to the
**       cwd, through the link, doubled slashes) and the delete timeout
**       (0-5 ms; two values out of range).
**   c3 c4  which of the first eight open() and unlink() calls on the scratch
**       files fail with EBUSY once the files and connections are set up
**       (fz_faults_arm): retries inside walsafe_delete_database().
** Oracles: a file held open through walsafe is never deleted (nor its -wal
** in WAL mode), and walsafe_delete_database() on it never succeeds while
** walsafe_handle_count() sees at least one handle; SQLITE_OK means none of
** the four files is left, SQLITE_NOTFOUND that none was there; no finding
** outside the iteration directory (fz_end).
** A database this process holds open through the plain unix VFS must not be
** deleted either; -DFZ_LENIENT_FOREIGN drops that check, for a tree from
** before walsafe looked for such descriptors.
*/
#define _GNU_SOURCE 1
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sqlite3_vfs *g_unix;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  fz_init();
  FZ_CHECK(walsafe_register(0, 0) == SQLITE_OK, "walsafe_register: %s", walsafe_errmsg());
  g_unix = sqlite3_vfs_find("unix");
  FZ_CHECK(g_unix != 0, "no unix VFS");
  fz_faults_install();
  return 0;
}

/* fz_dir/zRel */
static char *in_dir(const char *zRel) { return sqlite3_mprintf("%s/%s", fz_dir, zRel); }

static void make_db(const char *zRel, int wal, const char *zVfs) {
  char *zPath = in_dir(zRel);
  sqlite3 *db = 0;
  if (sqlite3_open_v2(zPath, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, zVfs) == SQLITE_OK) {
    if (wal) {
      /* A -wal with frames and a -shm stay behind: a crashed writer. */
      sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)0);
      sqlite3_exec(db, "PRAGMA journal_mode=WAL", 0, 0, 0);
    }
    sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS t(x); INSERT INTO t VALUES(randomblob(3000))", 0, 0, 0);
  }
  sqlite3_close(db);
  sqlite3_free(zPath);
}

static void make_file(const char *zRel, const char *zContent, size_t n) {
  char *zPath = in_dir(zRel);
  fz_write_file(zPath, zContent, n);
  sqlite3_free(zPath);
}

static void setup_files(unsigned c0) {
  static const char journal[] = "\xd9\xd5\x05\xf9\x20\xa1\x63\xd7\x00\x00\x00\x01junk junk junk junk";
  static const char junk[] = "this is not a database, and not a -wal either\n";
  char *z;
  if (c0 & 0x01) make_db("db", 0, "unix");
  if (c0 & 0x02) make_db("db", 1, "unix");
  if (c0 & 0x04) make_file("db-journal", journal, sizeof(journal) - 1);
  if (c0 & 0x08) {
    z = in_dir("sub");
    mkdir(z, 0700);
    sqlite3_free(z);
    make_db("sub/db2", 0, "unix");
    z = in_dir("link");
    if (symlink("sub", z) != 0) fz_fail("symlink %s: %s", z, strerror(errno));
    sqlite3_free(z);
  }
  if (c0 & 0x10) {
    make_file("gone-wal", junk, sizeof(junk) - 1);
    make_file("gone-shm", junk, sizeof(junk) - 1);
  }
  if (c0 & 0x20) {
    make_file("notadb", junk, sizeof(junk) - 1);
    make_file("notadb-wal", junk, sizeof(junk) - 1);
    make_file("empty", "", 0);
  }
  if (c0 & 0x40) {
    z = in_dir("dir.db");
    mkdir(z, 0700);
    sqlite3_free(z);
  }
  if ((c0 & 0x80) && !(c0 & 0x02)) {
    make_file("db-wal", "", 0);
    make_file("db-shm", junk, sizeof(junk) - 1);
  }
}

/* The connections open during the calls, and what they promise. */
typedef struct held {
  sqlite3 *db;
  sqlite3_stmt *st; /* a read in progress, or NULL */
  char *zFull;      /* canonical path of its database */
  int walsafe;      /* opened through walsafe */
  int wal;          /* its -wal must stay too */
} held;
#define MAX_HELD 2

static void hold(held *h, const char *zPath, const char *zVfs, const char *zSql, int keepReading, int wal) {
  memset(h, 0, sizeof(*h));
  if (sqlite3_open_v2(zPath, &h->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, zVfs) != SQLITE_OK) {
    sqlite3_close(h->db);
    h->db = 0;
    return;
  }
  if (zSql) sqlite3_exec(h->db, zSql, 0, 0, 0);
  /* Read the schema so the connection has really opened its files. */
  if (sqlite3_exec(h->db, "SELECT count(*) FROM sqlite_schema", 0, 0, 0) != SQLITE_OK) {
    sqlite3_close(h->db);
    h->db = 0;
    return;
  }
  if (keepReading && sqlite3_prepare_v2(h->db, "SELECT * FROM sqlite_schema", -1, &h->st, 0) == SQLITE_OK)
    sqlite3_step(h->st);
  h->zFull = fz_canonical(g_unix, zPath);
  h->walsafe = zVfs && strcmp(zVfs, WALSAFE_VFS_NAME) == 0;
  if (wal) {
    char *zMode = 0;
    fz_run(h->db, "PRAGMA journal_mode", &zMode);
    h->wal = zMode && sqlite3_stricmp(zMode, "wal") == 0;
    sqlite3_free(zMode);
  }
}

static void release(held *h) {
  sqlite3_finalize(h->st);
  FZ_CHECK(sqlite3_close(h->db) == SQLITE_OK, "sqlite3_close: %s", sqlite3_errmsg(h->db));
  sqlite3_free(h->zFull);
  memset(h, 0, sizeof(*h));
}

static int must_survive(const held *h) {
#ifdef FZ_LENIENT_FOREIGN
  return h->db && h->zFull && h->walsafe;
#else
  return h->db && h->zFull;
#endif
}

/* Whatever was called: every database held open is still there. */
static void check_held(const held *hs, const char *zAfter) {
  int i;
  for (i = 0; i < MAX_HELD; i++) {
    const held *h = &hs[i];
    char *zWal;
    if (!must_survive(h)) continue;
    FZ_CHECK(fz_exists(h->zFull), "%s was deleted while open through %s (after %s)", h->zFull,
             h->walsafe ? "walsafe" : "unix", zAfter);
    if (!h->wal) continue;
    zWal = sqlite3_mprintf("%s-wal", h->zFull);
    FZ_CHECK(fz_exists(zWal), "%s was deleted while its WAL connection was open (after %s)", zWal, zAfter);
    sqlite3_free(zWal);
  }
}

/* The held connection (if any) on the database zFull. */
static const held *holder_of(const held *hs, const char *zFull) {
  int i;
  for (i = 0; zFull && i < MAX_HELD; i++) {
    if (must_survive(&hs[i]) && strcmp(hs[i].zFull, zFull) == 0) return &hs[i];
  }
  return 0;
}

static void call_handle_count(const char *zPath, const char *zFull, const held *hs) {
  int n = walsafe_handle_count(zPath);
  const held *h = holder_of(hs, zFull);
  FZ_CHECK(n >= 0 || n == -SQLITE_MISUSE || n == -SQLITE_NOTFOUND || n == -SQLITE_CANTOPEN || n == -SQLITE_NOMEM,
           "walsafe_handle_count(%s) returned %d", zPath, n);
  FZ_CHECK(n < 0 || walsafe_errmsg()[0] == 0, "walsafe_handle_count succeeded but left a message");
  FZ_CHECK(n >= 0 || walsafe_errmsg()[0] != 0, "walsafe_handle_count failed (%d) without a message", n);
  if (h && h->walsafe) {
    FZ_CHECK(n >= 1, "walsafe_handle_count(%s) is %d while %s is open through walsafe", zPath, n, h->zFull);
  }
}

static void call_status(const char *zPath) {
  char *z = walsafe_status(zPath);
  fz_check_status_text(z);
  sqlite3_free(z);
}

static void call_delete(const char *zPath, const char *zFull, int timeout, const held *hs) {
  const held *h = holder_of(hs, zFull);
  const char *zLeft;
  int rc;
  FZ_CHECK(zFull == 0 || fz_inside(zFull), "not confined: %s", zFull);
  rc = walsafe_delete_database(zPath, timeout);
  check_held(hs, "walsafe_delete_database");
  if (rc == SQLITE_OK) {
    FZ_CHECK(h == 0, "walsafe_delete_database(%s) returned SQLITE_OK while %s is open", zPath, h->zFull);
    FZ_CHECK(zFull != 0, "walsafe_delete_database(%s) succeeded on a path the unix VFS cannot resolve", zPath);
    zLeft = fz_any_of_four(zFull);
    FZ_CHECK(zLeft == 0, "walsafe_delete_database(%s) returned SQLITE_OK but %s exists", zPath, zLeft);
  } else {
    FZ_CHECK(walsafe_errmsg()[0] != 0, "walsafe_delete_database(%s) failed (%d) without a message", zPath, rc);
    if (rc == SQLITE_NOTFOUND && zFull) {
      zLeft = fz_any_of_four(zFull);
      FZ_CHECK(zLeft == 0, "walsafe_delete_database(%s) returned SQLITE_NOTFOUND but %s exists", zPath, zLeft);
    }
    if (rc == SQLITE_MISUSE) {
      FZ_CHECK(timeout < 0 || timeout > WALSAFE_MAX_RETRY_MS || zPath[0] == 0 || zFull == 0 ||
                   strlen(zPath) > (size_t)g_unix->mxPathname || strstr(walsafe_errmsg(), "pass the database"),
               "walsafe_delete_database(%s, %d): SQLITE_MISUSE for no documented reason: %s", zPath, timeout,
               walsafe_errmsg());
    }
  }
}

/* The fuzzer's name, spelled the way c2 says, inside the iteration dir. */
static char *spell(const char *zName, unsigned how) {
  switch (how & 7) {
    case 1: return sqlite3_mprintf("%s/./%s", fz_dir, zName);
    case 2: return sqlite3_mprintf("%s/sub/../%s", fz_dir, zName); /* "sub" may not exist */
    case 3: return sqlite3_mprintf("%s/%s", fz_rel_dir, zName);
    case 4: return sqlite3_mprintf("%s/link/../%s", fz_dir, zName);
    case 5: return sqlite3_mprintf("%s//%s", fz_dir, zName);
    case 6: return sqlite3_mprintf("./%s/%s", fz_rel_dir, zName);
    default: return sqlite3_mprintf("%s/%s", fz_dir, zName);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  unsigned c0, c1, c2, c3, c4, ops, t;
  char zName[1101];
  char *zPath, *zFull, *zDb, *zSub;
  held hs[MAX_HELD];
  int timeout, i;

  if (size < 5 || size > 1200) return 0;
  c0 = data[0];
  c1 = data[1];
  c2 = data[2];
  c3 = data[3];
  c4 = data[4];
  ops = c1 >> 3;
  t = (c2 >> 3) & 31;
  timeout = t == 31 ? -1 : t == 30 ? WALSAFE_MAX_RETRY_MS + 1 : (int)(t % 6);
  fz_confine(data + 5, size - 5, zName, sizeof(zName) - 1, 0);

  fz_begin();
  setup_files(c0);
  zPath = spell(zName, c2);
  FZ_CHECK(zPath != 0, "out of memory");
  zDb = in_dir("db");
  zSub = sqlite3_mprintf("%s/link/db2", fz_dir);
  memset(hs, 0, sizeof(hs));
  switch (c1 & 7) {
    case 1: hold(&hs[0], zDb, WALSAFE_VFS_NAME, 0, 0, 0); break;
    case 2:
      hold(&hs[0], zDb, WALSAFE_VFS_NAME,
           "PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS h(x); INSERT INTO h VALUES(1)", 1, 1);
      break;
    case 3: hold(&hs[0], zPath, WALSAFE_VFS_NAME, 0, 0, 0); break;
    case 4: hold(&hs[0], zDb, "unix", 0, 0, 0); break;
    case 5:
      hold(&hs[0], zDb, WALSAFE_VFS_NAME,
           "PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS h(x);"
           "INSERT INTO h VALUES(1)",
           0, 1);
      break;
    case 6:
      hold(&hs[0], zDb, WALSAFE_VFS_NAME, 0, 0, 0);
      hold(&hs[1], zSub, WALSAFE_VFS_NAME, 0, 0, 0);
      break;
    case 7: hold(&hs[0], zDb, WALSAFE_VFS_NAME, "BEGIN IMMEDIATE; CREATE TABLE IF NOT EXISTS h(x)", 0, 0); break;
    default: break;
  }
  /* The name as walsafe will see it (NULL when the unix VFS cannot
  ** resolve it: too long, a loop...). */
  zFull = fz_canonical(g_unix, zPath);
  FZ_CHECK(zFull == 0 || fz_inside(zFull), "the name escaped the iteration directory: %s", zFull);

  fz_faults_arm(c3, c4);
  if (ops & 0x01) call_handle_count(zPath, zFull, hs);
  if (ops & 0x02) call_status(zPath);
  if (ops & 0x10) call_status(0);
  if (ops & 0x04) call_delete(zPath, zFull, timeout, hs);
  check_held(hs, "the calls");
  if (ops & 0x08) {
    /* Everything closed: the same calls again, now free to succeed. */
    for (i = 0; i < MAX_HELD; i++)
      release(&hs[i]);
    call_handle_count(zPath, zFull, hs);
    call_delete(zPath, zFull, timeout, hs);
    call_status(zPath);
  }
  for (i = 0; i < MAX_HELD; i++)
    release(&hs[i]);
  sqlite3_free(zFull);
  sqlite3_free(zPath);
  sqlite3_free(zDb);
  sqlite3_free(zSub);
  fz_end();
  return 0;
}
