/*
** fuzz_sql.c: the SQL functions walsafe_delete_database(path [, timeout])
** and walsafe_handle_count(path), and PRAGMA walsafe_status, called through
** SQL with arguments of every type.
**
** walsafe is loaded the way the extension is (sqlite3_walsafe_init): it is
** the default VFS and every connection gets the functions. Each input runs
** on a connection to "main.db" in the iteration directory, beside a WAL
** database "other.db" left with a -wal and -shm and a rollback "x.db".
** Also walsafe_config(name [, value]) (retry_ms values made 0-5 ms; both
** options put back after each input) and walsafe_open_databases() (JSON
** that names main.db).
** Input: a list of operations (first byte: which; then its arguments). An
** argument is NULL, an integer (small, 64-bit, or a boundary value), a
** real, text, a blob, text with NUL bytes, UTF-16 text or a zeroblob.
** Path arguments of walsafe_delete_database are always a path inside the
** iteration directory, whatever their type (fz_confine on the bytes, the
** directory prepended; UTF-16 is made from those bytes; a NUL only ends a
** path that is confined already); walsafe_handle_count, which deletes
** nothing, also gets raw bytes and values such as "/etc/passwd" or "../..".
** A timeout in 0..600000 (an integer or a whole-number real) becomes 0-5 ms
** so runs stay fast; out-of-range and fractional ones are passed as they are.
** Oracles: main.db, an attached database and a second connection's database
** survive every call while open; a delete that returned 1 left none of the
** four files; walsafe_handle_count() on main.db is at least 1; PRAGMA
** walsafe_status text; nothing outside the iteration directory (fz_end).
*/
#define _GNU_SOURCE 1
#include <math.h>

#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sqlite3_vfs *g_unix;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  char *zErr = 0;
  int rc;
  (void)argc;
  (void)argv;
  fz_init();
  g_unix = sqlite3_vfs_find("unix");
  FZ_CHECK(g_unix != 0, "no unix VFS");
  rc = sqlite3_walsafe_init(0, &zErr, 0);
  FZ_CHECK(rc == SQLITE_OK_LOAD_PERMANENTLY, "sqlite3_walsafe_init: %d %s", rc, zErr ? zErr : "");
  /* walsafe_delete_database(path) waits up to the retry budget: 5 ms. */
  FZ_CHECK(walsafe_config(WALSAFE_CONFIG_RETRY_MS, 5, 0) == SQLITE_OK, "walsafe_config: %s", walsafe_errmsg());
  return 0;
}

/* What an argument slot is for. A timeout or a retry_ms value in
** 0..600000 becomes 0-5 ms (SLOT_TIMEOUT, SLOT_CONFIG). */
enum { SLOT_PATH, SLOT_READ_PATH, SLOT_TIMEOUT, SLOT_CONFIG, SLOT_ANY };

static const char *const known_names[] = {"main.db",     "other.db",       "x.db",     "aux.db",
                                          "main.db-wal", "other.db-shm",   "",         ".",
                                          "nosuch.db",   "sub/../main.db", "./main.db"};
static const char *const raw_paths[] = {"/etc/passwd", "/",       "..",     "../../outside.db",     "/tmp",       "",
                                        ".",           "main.db", "%2e%2e", "file:main.db?mode=ro", "\\..\\..\\x"};
static const sqlite3_int64 special_ints[] = {0,
                                             -1,
                                             1,
                                             5,
                                             WALSAFE_MAX_RETRY_MS,
                                             WALSAFE_MAX_RETRY_MS + 1,
                                             -WALSAFE_MAX_RETRY_MS,
                                             (sqlite3_int64)1 << 31,
                                             ((sqlite3_int64)1 << 32) + 3,
                                             (sqlite3_int64)(~(sqlite3_uint64)0 >> 1),
                                             -(sqlite3_int64)(~(sqlite3_uint64)0 >> 1) - 1};
static const char *const text_timeouts[] = {"3", "-1", "600001", "1e0", "abc", " 5", "0x5"};
static const char *const config_texts[] = {"auto", "force", "off", "FORCE", "Off ", "sometimes", "", "3"};
static const char *const config_names[] = {"retry_ms", "cleanup", "RETRY_MS", "Cleanup", "retry", ""};

/* fz_dir/NAME with NAME from the input, confined. */
static char *confined_path(fz_input *in) {
  char zName[301];
  const uint8_t *p;
  size_t n = fz_bytes(in, fz_byte(in) % 64, &p);
  fz_confine(p, n, zName, sizeof(zName) - 1, 0);
  return sqlite3_mprintf("%s/%s", fz_dir, zName);
}

/* A confined path as UTF-16LE (each byte one code unit: no new '.' or '/'). */
static void bind_utf16(sqlite3_stmt *st, int i, const char *z) {
  size_t n = strlen(z), k;
  unsigned char *w = sqlite3_malloc64(2 * n + 2);
  if (w == 0) return;
  for (k = 0; k < n; k++) {
    w[2 * k] = (unsigned char)z[k];
    w[2 * k + 1] = 0;
  }
  sqlite3_bind_text64(st, i, (const char *)w, 2 * n, sqlite3_free, SQLITE_UTF16LE);
}

static void bind_int_slot(sqlite3_stmt *st, int i, sqlite3_int64 v, int slot) {
  if ((slot == SLOT_TIMEOUT || slot == SLOT_CONFIG) && v >= 0 && v <= WALSAFE_MAX_RETRY_MS) v %= 6;
  sqlite3_bind_int64(st, i, v);
}

/* Read one argument from the input and bind it to parameter i. */
static void bind_arg(sqlite3_stmt *st, int i, fz_input *in, int slot) {
  unsigned kind = fz_byte(in) % 12;
  const uint8_t *p;
  size_t n;
  char *z;
  switch (kind) {
    case 0: sqlite3_bind_null(st, i); break;
    case 1: bind_int_slot(st, i, fz_int64(in), slot); break;
    case 2: bind_int_slot(st, i, (signed char)fz_byte(in), slot); break;
    case 3:
      bind_int_slot(st, i, special_ints[fz_byte(in) % (sizeof(special_ints) / sizeof(special_ints[0]))], slot);
      break;
    case 4: {
      static const double reals[] = {0.0, -0.0, 1.5, -2.0, 3.0, 1e308, -1e308, 600000.0};
      unsigned b = fz_byte(in);
      double d = b < 8 ? reals[b] : b < 16 ? (b & 1 ? -INFINITY : INFINITY) : (double)b / 3.0;
      if (b >= 8 && b < 12) d = NAN;
      /* walsafe takes a whole-number real for a number (85.0 is 85): keep
      ** timeouts and retry_ms at 0-5 ms for those too. */
      if ((slot == SLOT_TIMEOUT || slot == SLOT_CONFIG) && d >= 0 && d <= WALSAFE_MAX_RETRY_MS && d == floor(d))
        d = fmod(d, 6.0);
      sqlite3_bind_double(st, i, d);
      break;
    }
    case 5:
      if (slot == SLOT_TIMEOUT) {
        sqlite3_bind_text(st, i, text_timeouts[fz_byte(in) % (sizeof(text_timeouts) / sizeof(text_timeouts[0]))], -1,
                          SQLITE_STATIC);
      } else if (slot == SLOT_CONFIG) {
        sqlite3_bind_text(st, i, config_texts[fz_byte(in) % (sizeof(config_texts) / sizeof(config_texts[0]))], -1,
                          SQLITE_STATIC);
      } else {
        sqlite3_bind_text(st, i, confined_path(in), -1, sqlite3_free);
      }
      break;
    case 6:
      z = sqlite3_mprintf("%s/%s", fz_dir, known_names[fz_byte(in) % (sizeof(known_names) / sizeof(known_names[0]))]);
      sqlite3_bind_text(st, i, z, -1, sqlite3_free);
      break;
    case 7:
      if (slot == SLOT_TIMEOUT || slot == SLOT_CONFIG || slot == SLOT_ANY) {
        n = fz_bytes(in, fz_byte(in) % 16, &p);
        sqlite3_bind_blob(st, i, p, (int)n, SQLITE_TRANSIENT);
      } else {
        z = confined_path(in);
        sqlite3_bind_blob(st, i, z, (int)strlen(z), sqlite3_free);
      }
      break;
    case 8: {
      /* A confined path, a NUL, then more confined bytes. */
      char *zHead = confined_path(in), *zTail = confined_path(in), *zAll;
      size_t nHead = strlen(zHead), nTail = strlen(zTail) - strlen(fz_dir) - 1;
      zAll = sqlite3_malloc64(nHead + 1 + nTail + 1);
      if (zAll) {
        memcpy(zAll, zHead, nHead + 1);
        memcpy(zAll + nHead + 1, zTail + strlen(fz_dir) + 1, nTail + 1);
        sqlite3_bind_text64(st, i, zAll, nHead + 1 + nTail, sqlite3_free, SQLITE_UTF8);
      }
      sqlite3_free(zHead);
      sqlite3_free(zTail);
      break;
    }
    case 9: sqlite3_bind_zeroblob(st, i, (int)(fz_byte(in) % 64)); break;
    case 10:
      if (slot == SLOT_READ_PATH) {
        /* Raw bytes as UTF-16: anything at all, for a call that deletes nothing. */
        n = fz_bytes(in, fz_byte(in) % 64, &p);
        sqlite3_bind_text64(st, i, (const char *)p, n & ~(size_t)1, SQLITE_TRANSIENT, SQLITE_UTF16LE);
      } else {
        z = confined_path(in);
        bind_utf16(st, i, z);
        sqlite3_free(z);
      }
      break;
    default:
      if (slot == SLOT_READ_PATH) {
        unsigned b = fz_byte(in);
        if (b & 0x80) {
          n = fz_bytes(in, b % 64, &p);
          sqlite3_bind_text(st, i, (const char *)p, (int)n, SQLITE_TRANSIENT);
        } else {
          sqlite3_bind_text(st, i, raw_paths[b % (sizeof(raw_paths) / sizeof(raw_paths[0]))], -1, SQLITE_STATIC);
        }
      } else {
        /* The same dangerous values, made relative to the iteration dir. */
        const char *zRaw = raw_paths[fz_byte(in) % (sizeof(raw_paths) / sizeof(raw_paths[0]))];
        char zName[64];
        fz_confine((const uint8_t *)zRaw, strlen(zRaw), zName, sizeof(zName) - 1, 0);
        sqlite3_bind_text(st, i, sqlite3_mprintf("%s/%s", fz_dir, zName), -1, sqlite3_free);
      }
      break;
  }
}

/* Connections and databases that must survive. */
static sqlite3 *g_db, *g_db2;
static char *g_main, *g_aux, *g_second;
static int g_in_txn;

static void check_survivors(const char *zAfter) {
  FZ_CHECK(fz_exists(g_main), "%s was deleted while open (after %s)", g_main, zAfter);
  FZ_CHECK(g_aux == 0 || fz_exists(g_aux), "attached %s was deleted while attached (after %s)", g_aux, zAfter);
  FZ_CHECK(g_second == 0 || fz_exists(g_second), "%s was deleted while a second connection had it open (after %s)",
           g_second, zAfter);
}

/* A delete that answered 1 (success) removed all four files of its path. */
static void check_deleted(const unsigned char *zPath, const char *zOp) {
  char *zFull;
  const char *zLeft;
  if (zPath == 0) return;
  zFull = fz_canonical(g_unix, (const char *)zPath);
  FZ_CHECK(zFull != 0, "%s deleted %s, which the unix VFS cannot resolve", zOp, zPath);
  FZ_CHECK(fz_inside(zFull), "%s deleted %s outside the iteration directory", zOp, zFull);
  zLeft = fz_any_of_four(zFull);
  FZ_CHECK(zLeft == 0, "%s returned 1 for %s but %s exists", zOp, zPath, zLeft);
  sqlite3_free(zFull);
}

/*
** Run st to its end. Columns (when asked): 0 = a walsafe_delete_database()
** result, 1 = the path it was given (as text); or 0 = a handle count.
*/
#define CHK_DELETE 1
#define CHK_COUNT 2
#define CHK_STATUS 4
#define CHK_COUNT_MAIN 8
#define CHK_CONFIG 16
#define CHK_OPEN_DATABASES 32
static void step_all(sqlite3_stmt *st, int checks, const char *zOp) {
  int rc, rows = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW && rows++ < 64) {
    if ((checks & CHK_DELETE) && sqlite3_column_type(st, 0) == SQLITE_INTEGER) {
      FZ_CHECK(sqlite3_column_int64(st, 0) == 1, "%s returned %lld", zOp, sqlite3_column_int64(st, 0));
      check_deleted(sqlite3_column_text(st, 1), zOp);
    }
    if ((checks & CHK_COUNT) && sqlite3_column_type(st, 0) != SQLITE_NULL) {
      FZ_CHECK(sqlite3_column_type(st, 0) == SQLITE_INTEGER && sqlite3_column_int64(st, 0) >= 0, "%s returned %s", zOp,
               sqlite3_column_text(st, 0));
    }
    if (checks & CHK_COUNT_MAIN) {
      FZ_CHECK(sqlite3_column_int64(st, 0) >= 1, "%s: walsafe_handle_count of the open main.db is %lld", zOp,
               sqlite3_column_int64(st, 0));
    }
    if ((checks & CHK_CONFIG) && sqlite3_column_type(st, 0) == SQLITE_INTEGER) {
      /* retry_ms: only ever set to 0-5 here. */
      FZ_CHECK(sqlite3_column_int64(st, 0) >= 0 && sqlite3_column_int64(st, 0) <= 5, "%s returned %lld", zOp,
               sqlite3_column_int64(st, 0));
    }
    if ((checks & CHK_CONFIG) && sqlite3_column_type(st, 0) == SQLITE_TEXT) {
      const char *z = (const char *)sqlite3_column_text(st, 0);
      FZ_CHECK(strcmp(z, "auto") == 0 || strcmp(z, "force") == 0 || strcmp(z, "off") == 0, "%s returned '%s'", zOp, z);
    }
    if (checks & CHK_OPEN_DATABASES) {
      FZ_CHECK(sqlite3_column_int(st, 0) == 1 && sqlite3_column_int(st, 1) == 1,
               "%s: not JSON (%d) or without the open main.db (%d)", zOp, sqlite3_column_int(st, 0),
               sqlite3_column_int(st, 1));
    }
    if ((checks & CHK_STATUS) && sqlite3_column_type(st, 0) == SQLITE_TEXT) {
      fz_check_status_text((const char *)sqlite3_column_text(st, 0));
    }
  }
  sqlite3_finalize(st);
  check_survivors(zOp);
}

static sqlite3_stmt *prep(const char *zSql) {
  sqlite3_stmt *st = 0;
  if (sqlite3_prepare_v2(g_db, zSql, -1, &st, 0) != SQLITE_OK) {
    sqlite3_finalize(st);
    return 0;
  }
  return st;
}

/* main.db spelled another way. */
static char *main_spelled(unsigned how) {
  switch (how % 6) {
    case 1: return sqlite3_mprintf("%s/./main.db", fz_dir);
    case 2: return sqlite3_mprintf("%s//main.db", fz_dir);
    case 3: return sqlite3_mprintf("%s/main.db", fz_rel_dir);
    case 4: return sqlite3_mprintf("%s/../w/main.db", fz_dir);
    case 5: return sqlite3_mprintf("file:%s/main.db", fz_dir); /* not a URI here: a name */
    default: return sqlite3_mprintf("%s/main.db", fz_dir);
  }
}

static void op(fz_input *in) {
  unsigned which = fz_byte(in) % 20;
  sqlite3_stmt *st = 0;
  char *z = 0;
  switch (which) {
    case 0:
      if ((st = prep("SELECT walsafe_delete_database(?1), CAST(?1 AS TEXT)")) == 0) break;
      bind_arg(st, 1, in, SLOT_PATH);
      step_all(st, CHK_DELETE, "walsafe_delete_database(p)");
      break;
    case 1:
      if ((st = prep("SELECT walsafe_delete_database(?1, ?2), CAST(?1 AS TEXT)")) == 0) break;
      bind_arg(st, 1, in, SLOT_PATH);
      bind_arg(st, 2, in, SLOT_TIMEOUT);
      step_all(st, CHK_DELETE, "walsafe_delete_database(p, t)");
      break;
    case 2:
      if ((st = prep("SELECT walsafe_handle_count(?1)")) == 0) break;
      bind_arg(st, 1, in, SLOT_READ_PATH);
      step_all(st, CHK_COUNT, "walsafe_handle_count(p)");
      break;
    case 3: {
      static const char *const schemas[] = {"", "main.", "temp.", "aux.", "nosuch.", "second."};
      z = sqlite3_mprintf("PRAGMA %swalsafe_status", schemas[fz_byte(in) % 6]);
      if ((st = prep(z)) != 0) step_all(st, CHK_STATUS, "PRAGMA walsafe_status");
      break;
    }
    case 4: {
      /* A value, which the pragma refuses: text, number, or a name. */
      const uint8_t *p;
      size_t n = fz_bytes(in, fz_byte(in) % 32, &p);
      unsigned form = n ? p[0] % 4 : 0;
      char zVal[33];
      memcpy(zVal, p, n);
      zVal[n] = 0;
      if (form == 0)
        z = sqlite3_mprintf("PRAGMA walsafe_status=%Q", zVal);
      else if (form == 1)
        z = sqlite3_mprintf("PRAGMA walsafe_status(%lld)", (long long)(n ? (signed char)p[n - 1] : 0) * 1000003);
      else if (form == 2)
        z = sqlite3_mprintf("PRAGMA main.walsafe_status(\"%w\")", zVal);
      else
        z = sqlite3_mprintf("PRAGMA walsafe_status=-%d", (int)n);
      if ((st = prep(z)) != 0) step_all(st, CHK_STATUS, "PRAGMA walsafe_status=...");
      break;
    }
    case 5:
      /* Every file of this connection: none may be deleted. */
      if ((st = prep("SELECT walsafe_delete_database(file, ?1), file FROM pragma_database_list")) == 0) break;
      bind_arg(st, 1, in, SLOT_TIMEOUT);
      step_all(st, CHK_DELETE, "walsafe_delete_database on pragma_database_list");
      if ((st = prep("SELECT walsafe_handle_count(file) FROM pragma_database_list WHERE file<>''")) == 0) break;
      step_all(st, CHK_COUNT | CHK_COUNT_MAIN, "walsafe_handle_count on pragma_database_list");
      break;
    case 6:
      /* Called for rows of a table being read. */
      if ((st = prep("SELECT walsafe_delete_database(p, ?1), p, walsafe_handle_count(p) FROM t LIMIT 4")) == 0) break;
      bind_arg(st, 1, in, SLOT_TIMEOUT);
      step_all(st, CHK_DELETE, "walsafe_delete_database on rows of t");
      break;
    case 7:
      if ((st = prep("INSERT INTO t VALUES(?1, ?2)")) == 0) break;
      bind_arg(st, 1, in, SLOT_PATH);
      bind_arg(st, 2, in, SLOT_ANY);
      step_all(st, 0, "INSERT");
      break;
    case 8:
      /* Every path stored in t is absolute and confined. */
      z = sqlite3_mprintf("BEGIN IMMEDIATE; INSERT INTO t VALUES('%q/x.db', 1)", fz_dir);
      sqlite3_exec(g_db, g_in_txn ? "COMMIT" : z, 0, 0, 0);
      g_in_txn = !sqlite3_get_autocommit(g_db);
      check_survivors("BEGIN/COMMIT");
      break;
    case 9:
      if (g_aux) {
        if (sqlite3_exec(g_db, "DETACH aux", 0, 0, 0) == SQLITE_OK) {
          sqlite3_free(g_aux);
          g_aux = 0;
        }
      } else if ((st = prep("ATTACH ?1 AS aux")) != 0) {
        char *zPath = confined_path(in);
        sqlite3_bind_text(st, 1, zPath, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_DONE) {
          const char *zFile = sqlite3_db_filename(g_db, "aux");
          if (zFile && zFile[0]) g_aux = sqlite3_mprintf("%s", zFile);
        }
        sqlite3_finalize(st);
        sqlite3_free(zPath);
        check_survivors("ATTACH");
      }
      break;
    case 10:
      sqlite3_exec(g_db, (fz_byte(in) & 1) ? "PRAGMA journal_mode=WAL" : "PRAGMA journal_mode=DELETE", 0, 0, 0);
      check_survivors("PRAGMA journal_mode");
      break;
    case 11: {
      /* The wrong number of arguments: refused at prepare. */
      static const char *const wrong[] = {"SELECT walsafe_delete_database()", "SELECT walsafe_handle_count()",
                                          "SELECT walsafe_delete_database(?1, ?2, ?3)",
                                          "SELECT walsafe_handle_count(?1, ?2)"};
      st = prep(wrong[fz_byte(in) % 4]);
      FZ_CHECK(st == 0, "a call with the wrong number of arguments was accepted");
      break;
    }
    case 12: {
      /* From a trigger or a view, where DIRECTONLY functions are refused. */
      static const char *const indirect[] = {
          ("CREATE TEMP TRIGGER IF NOT EXISTS qt AFTER INSERT ON q BEGIN "
           "SELECT walsafe_delete_database(new.p, new.t); SELECT walsafe_handle_count(new.p); END"),
          "CREATE TRIGGER IF NOT EXISTS tt AFTER INSERT ON t BEGIN SELECT walsafe_delete_database(new.p, 0); END",
          "CREATE VIEW IF NOT EXISTS v AS SELECT walsafe_handle_count(p) AS n FROM t",
          "CREATE TEMP VIEW IF NOT EXISTS tv AS SELECT walsafe_delete_database(p, 0) AS n FROM t"};
      sqlite3_exec(g_db, "CREATE TEMP TABLE IF NOT EXISTS q(p, t)", 0, 0, 0);
      sqlite3_exec(g_db, indirect[fz_byte(in) % 4], 0, 0, 0);
      if ((st = prep("INSERT INTO q VALUES(?1, ?2)")) != 0) {
        bind_arg(st, 1, in, SLOT_PATH);
        bind_arg(st, 2, in, SLOT_TIMEOUT);
        step_all(st, 0, "INSERT INTO q (trigger)");
      }
      if ((st = prep("SELECT n FROM v")) != 0) step_all(st, CHK_COUNT, "SELECT FROM view");
      if ((st = prep("SELECT n FROM tv")) != 0) step_all(st, 0, "SELECT FROM temp view");
      break;
    }
    case 13:
      /* A second connection (walsafe is the default VFS) on a confined path. */
      if (g_db2) {
        FZ_CHECK(sqlite3_close(g_db2) == SQLITE_OK, "close of the second connection failed");
        g_db2 = 0;
        sqlite3_free(g_second);
        g_second = 0;
      } else {
        char *zPath = confined_path(in);
        if (sqlite3_open_v2(zPath, &g_db2, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, 0) == SQLITE_OK &&
            sqlite3_exec(g_db2, "CREATE TABLE IF NOT EXISTS s(x)", 0, 0, 0) == SQLITE_OK) {
          g_second = fz_canonical(g_unix, zPath);
        } else {
          sqlite3_close(g_db2);
          g_db2 = 0;
        }
        sqlite3_free(zPath);
        check_survivors("second open");
      }
      break;
    case 14:
    case 15:
      /* main.db itself, spelled another way: never deleted while open. */
      if ((st = prep(which == 14 ? "SELECT walsafe_delete_database(?1, ?2), ?1" : "SELECT walsafe_handle_count(?1)")) ==
          0)
        break;
      /* Spelling 5 ("file:...") is relative to the cwd: only for the count. */
      z = main_spelled(which == 14 ? fz_byte(in) % 5 : fz_byte(in));
      sqlite3_bind_text(st, 1, z, -1, SQLITE_STATIC);
      if (which == 14) bind_arg(st, 2, in, SLOT_TIMEOUT);
      step_all(st, which == 14 ? CHK_DELETE : CHK_COUNT | (strncmp(z, "file:", 5) ? CHK_COUNT_MAIN : 0),
               which == 14 ? "walsafe_delete_database(main.db)" : "walsafe_handle_count(main.db)");
      break;
    case 16:
      /* The second connection asks about (and tries to delete) main.db. */
      if (g_db2 == 0) break;
      if (sqlite3_prepare_v2(g_db2, "SELECT walsafe_delete_database(?1, 0), ?1", -1, &st, 0) != SQLITE_OK) {
        sqlite3_finalize(st);
        break;
      }
      sqlite3_bind_text(st, 1, g_main, -1, SQLITE_STATIC);
      step_all(st, CHK_DELETE, "walsafe_delete_database(main.db) from the second connection");
      break;
    case 18: {
      /* The process-wide options; the input's end puts them back. */
      unsigned b = fz_byte(in);
      const int nNames = (int)(sizeof(config_names) / sizeof(config_names[0]));
      if ((st = prep((b & 0x80) ? "SELECT walsafe_config(?1, ?2)" : "SELECT walsafe_config(?1)")) == 0) break;
      if ((int)(b & 0x7f) % (nNames + 1) < nNames)
        sqlite3_bind_text(st, 1, config_names[(b & 0x7f) % (nNames + 1)], -1, SQLITE_STATIC);
      else
        bind_arg(st, 1, in, SLOT_ANY);
      if (b & 0x80) bind_arg(st, 2, in, SLOT_CONFIG);
      step_all(st, CHK_CONFIG, "walsafe_config");
      break;
    }
    case 19:
      /* JSON, naming main.db (open all along). */
      if ((st = prep("SELECT json_valid(j), instr(j, ?1) > 0 FROM (SELECT walsafe_open_databases() AS j)")) == 0) break;
      sqlite3_bind_text(st, 1, g_main, -1, SQLITE_STATIC);
      step_all(st, CHK_OPEN_DATABASES, "walsafe_open_databases");
      break;
    default:
      if ((st = prep("SELECT walsafe_handle_count(?1), walsafe_delete_database(?2, ?3), ?2")) == 0) break;
      bind_arg(st, 1, in, SLOT_READ_PATH);
      bind_arg(st, 2, in, SLOT_PATH);
      bind_arg(st, 3, in, SLOT_TIMEOUT);
      step_all(st, 0, "walsafe_handle_count and walsafe_delete_database");
      break;
  }
  sqlite3_free(z);
}

static void make_db(const char *zName, int wal) {
  char *zPath = sqlite3_mprintf("%s/%s", fz_dir, zName);
  sqlite3 *db = 0;
  if (sqlite3_open_v2(zPath, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, "unix") == SQLITE_OK) {
    if (wal) {
      sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)0);
      sqlite3_exec(db, "PRAGMA journal_mode=WAL", 0, 0, 0);
    }
    sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS t(x); INSERT INTO t VALUES(randomblob(2000))", 0, 0, 0);
  }
  sqlite3_close(db);
  sqlite3_free(zPath);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_input in;
  int nOps = 0;
  char *zSql;
  if (size > 1024) return 0;
  in.p = data;
  in.n = size;

  fz_begin();
  make_db("other.db", 1);
  make_db("x.db", 0);
  g_main = sqlite3_mprintf("%s/main.db", fz_dir);
  FZ_CHECK(sqlite3_open_v2(g_main, &g_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, 0) == SQLITE_OK, "cannot open %s",
           g_main);
  zSql = sqlite3_mprintf(
      "CREATE TABLE t(p, q);"
      "INSERT INTO t VALUES('%q/other.db', 0), ('%q/x.db', 1), ('%q/main.db', 2), ('%q/nosuch.db', 3)",
      fz_dir, fz_dir, fz_dir, fz_dir);
  FZ_CHECK(sqlite3_exec(g_db, zSql, 0, 0, 0) == SQLITE_OK, "setup: %s", sqlite3_errmsg(g_db));
  sqlite3_free(zSql);

  while (in.n > 0 && nOps++ < 24)
    op(&in);

  if (g_db2) FZ_CHECK(sqlite3_close(g_db2) == SQLITE_OK, "close of the second connection failed");
  FZ_CHECK(sqlite3_close(g_db) == SQLITE_OK, "sqlite3_close: %s", sqlite3_errmsg(g_db));
  g_db = g_db2 = 0;
  g_in_txn = 0;
  sqlite3_free(g_main);
  sqlite3_free(g_aux);
  sqlite3_free(g_second);
  g_main = g_aux = g_second = 0;
  walsafe_config(WALSAFE_CONFIG_RETRY_MS, 5, 0);
  walsafe_config(WALSAFE_CONFIG_CLEANUP, WALSAFE_CLEANUP_AUTO, 0);
  fz_end();
  return 0;
}
