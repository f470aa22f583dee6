/*
** soak.c: the crash soak. It proves that no commit
** acknowledged to the application is ever lost while processes using
** walsafe are killed at random, and shows what plain SQLite does under the
** very same workload.
**
**   walsafe_soak [--mode walsafe|control] [--seconds N] [--workers N]
**                [--checkpoint N] [--faults LIST] [--fault-rate N]
**                [--open-any-mode] [--kill-ms MIN,MAX] [--seed N] [--dir DIR]
**                [--keep]
**
** The parent creates a few shared databases in a fresh directory and starts
** worker processes (this program again, "--worker ..."). Each worker loops
** over random sessions on the shared databases: write sessions (WAL and
** rollback journal modes, a read-only connection opened first and closed
** last), read-only sessions, journal-mode flips on one database, and
** create/write/delete cycles of a scratch database of its own. Every
** session opens and closes its connections, so the last-close cleanup runs
** all the time. Transient EBUSY faults are injected on unlink() and
** read-write open() through the unix VFS's xSetSystemCall. A worker reports
** a row (worker id, seq) to the parent over its pipe only after COMMIT
** returned SQLITE_OK; records are far below PIPE_BUF, so a write() is atomic
** and a killed worker never leaves half a record.
**
** The parent SIGKILLs a random worker at random moments and starts a new
** one. At every checkpoint it SIGKILLs all workers, opens each shared
** database (through walsafe in walsafe mode), runs PRAGMA integrity_check
** and checks that every acknowledged row is there; then it restarts them.
** At the end it stops the workers one after the other (each closes its
** connections and exits), counts the -wal, -shm and -journal left beside
** the shared databases, verifies once more and counts again.
**
** --mode control runs the same workload, faults included, on the plain
** unix VFS: walsafe is not registered, and the scratch databases are
** deleted file by file through the VFS's xDelete. Its figures are
** information; only the walsafe run is judged: it passes when no
** acknowledged row was ever missing and no integrity check failed.
**
** Nothing here depends on how long a sleep lasts: deadlines are read from
** CLOCK_MONOTONIC, and every figure comes from the files on disk.
** docs/soak.md describes the figures.
*/
#define _GNU_SOURCE 1 /* pipe2, mkdtemp, nftw, prctl */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "walsafe.h"

/* ---------------------------------------------------------------------------
** What parent and workers share
*/
#define MAX_WORKERS 32
#define BUSY_TIMEOUT_MS 10000 /* workers' busy timeout */
#define BURST_MAX 4           /* a fault repeats up to this many more calls */
#define SCRATCH_DELETE_MS 3000

enum { JM_WAL, JM_DELETE, JM_MIXED };
#define N_SHARED 4
static const struct {
  const char *name;
  int jm; /* JM_MIXED: created in WAL, workers flip it to DELETE and back */
} g_shared[N_SHARED] = {{"wal-a.db", JM_WAL}, {"wal-b.db", JM_WAL}, {"rollback.db", JM_DELETE}, {"mixed.db", JM_MIXED}};

/* Fault kinds (--faults). open faults hit read-write opens only: the ones
** the unix VFS falls back from to a read-only open. */
#define F_UNLINK 0x1u
#define F_OPEN_MAIN 0x2u
#define F_OPEN_WAL 0x4u
#define F_OPEN_SHM 0x8u
#define F_OPEN_JOURNAL 0x10u
#define F_ALL 0x1fu
#define F_ANY_MODE 0x100u /* --open-any-mode: read-only opens fail too */
#define F_DEFAULT (F_UNLINK | F_OPEN_MAIN | F_OPEN_WAL | F_OPEN_JOURNAL)
static const struct {
  const char *name;
  unsigned bits;
} g_fault_names[] = {{"unlink", F_UNLINK},
                     {"open-main", F_OPEN_MAIN},
                     {"open-wal", F_OPEN_WAL},
                     {"open-shm", F_OPEN_SHM},
                     {"open-journal", F_OPEN_JOURNAL},
                     {"open", F_OPEN_MAIN | F_OPEN_WAL | F_OPEN_SHM | F_OPEN_JOURNAL},
                     {"default", F_DEFAULT},
                     {"all", F_ALL},
                     {"none", 0}};

/* A record from a worker to the parent. */
enum { REC_ACK = 1, REC_ERR, REC_STAT };
#define REC_WORDS 12
typedef struct rec {
  int64_t v[REC_WORDS]; /* v[0]: REC_* */
} rec;
/* REC_ACK: v[1] shared database, v[2] worker id, v[3] seq.
** REC_ERR: v[1] OP_*, v[2] SQLite extended result code.
** REC_STAT: v[1 + ST_*] the worker's figures so far. */
enum {
  ST_RETRIES,
  ST_RETRY_OK,
  ST_GIVEUPS,
  ST_DOWNGRADES,
  ST_CLEANUPS_RUN,
  ST_CLEANUPS_DONE,
  ST_CLEANUPS_SKIPPED,
  ST_WS_FAILURES,
  ST_FAULT_UNLINK,
  ST_FAULT_OPEN,
  ST_COMMITS,
  N_STATS
};
enum {
  OP_OPEN,
  OP_READ,
  OP_BEGIN,
  OP_INSERT,
  OP_COMMIT,
  OP_CLOSE,
  OP_PRAGMA,
  OP_FLIP,
  OP_SCRATCH,
  OP_SCRATCH_DELETE,
  OP_SCRATCH_LEFT,
  N_OPS
};
static const char *const g_op_names[N_OPS] = {"open",
                                              "read",
                                              "begin",
                                              "insert",
                                              "commit",
                                              "close",
                                              "pragma",
                                              "journal-mode flip",
                                              "scratch",
                                              "scratch delete",
                                              "scratch files left after delete OK"};

static uint64_t g_rng;
static uint64_t rnd64(void) { /* splitmix64 */
  uint64_t z = (g_rng += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
static int rnd(int n) { return n <= 1 ? 0 : (int)(rnd64() % (uint64_t)n); }

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleep about ms; however long it really lasts, nothing depends on it. */
static void nap(int ms) {
  struct timespec ts;
  if (ms <= 0) return;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (long)(ms % 1000) * 1000000L;
  nanosleep(&ts, 0);
}

static void db_path(char *buf, size_t n, const char *dir, const char *name) {
  int w = snprintf(buf, n, "%s/%s", dir, name);
  if (w < 0 || (size_t)w >= n) {
    fprintf(stderr, "soak: path too long: %s/%s\n", dir, name);
    exit(2);
  }
}

static const char *code_name(int rc) {
  switch (rc & 0xff) {
    case SQLITE_ERROR: return "ERROR";
    case SQLITE_BUSY: return "BUSY";
    case SQLITE_LOCKED: return "LOCKED";
    case SQLITE_NOMEM: return "NOMEM";
    case SQLITE_READONLY: return "READONLY";
    case SQLITE_IOERR: return "IOERR";
    case SQLITE_CORRUPT: return "CORRUPT";
    case SQLITE_NOTFOUND: return "NOTFOUND";
    case SQLITE_FULL: return "FULL";
    case SQLITE_CANTOPEN: return "CANTOPEN";
    case SQLITE_PROTOCOL: return "PROTOCOL";
    case SQLITE_SCHEMA: return "SCHEMA";
    case SQLITE_MISUSE: return "MISUSE";
    case SQLITE_NOTADB: return "NOTADB";
    default: return "other";
  }
}

/* ===========================================================================
** The worker
*/
static const char *g_dir;
static int g_slot;
static int64_t g_id;
static int g_fd = -1;
static int g_walsafe;
static unsigned g_faults;
static int g_rate;     /* faults per 1000 eligible calls */
static int g_any_mode; /* open faults hit read-only opens too */
static int64_t g_seq;
static int64_t g_commits;
static volatile sig_atomic_t g_stop;
static int g_verbose;

/* ---- fault injection (after tests/support.c) ---- */
typedef int (*unlink_fn)(const char *);
typedef int (*open_fn)(const char *, int, int);
static unlink_fn g_real_unlink;
static open_fn g_real_open;
static int g_burst[2][4]; /* [unlink|open][main|wal|shm|journal] */
static int64_t g_injected_unlink, g_injected_open;
static const unsigned g_open_bits[4] = {F_OPEN_MAIN, F_OPEN_WAL, F_OPEN_SHM, F_OPEN_JOURNAL};

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* 0 main database, 1 -wal, 2 -shm, 3 -journal, -1 anything else. */
static int path_kind(const char *path) {
  if (ends_with(path, "-wal")) return 1;
  if (ends_with(path, "-shm")) return 2;
  if (ends_with(path, "-journal")) return 3;
  if (ends_with(path, ".db")) return 0;
  return -1;
}

static int take_fault(int which, int kind) {
  if (g_burst[which][kind] > 0) {
    g_burst[which][kind]--;
    return 1;
  }
  if (rnd(1000) < g_rate) {
    g_burst[which][kind] = rnd(BURST_MAX + 1);
    return 1;
  }
  return 0;
}

static int faulty_unlink(const char *path) {
  int kind = path_kind(path);
  if (kind >= 0 && (g_faults & F_UNLINK) && take_fault(0, kind)) {
    g_injected_unlink++;
    errno = EBUSY;
    return -1;
  }
  return g_real_unlink(path);
}

static int faulty_open(const char *path, int flags, int mode) {
  int kind = path_kind(path);
  if (kind >= 0 && (g_any_mode || (flags & O_ACCMODE) == O_RDWR) && (g_faults & g_open_bits[kind]) &&
      take_fault(1, kind)) {
    g_injected_open++;
    errno = EBUSY;
    return -1;
  }
  return g_real_open(path, flags, mode);
}

static int install_faults(void) {
  sqlite3_vfs *v = sqlite3_vfs_find("unix");
  if (v == 0 || v->iVersion < 3 || v->xSetSystemCall == 0) return SQLITE_ERROR;
  g_real_unlink = (unlink_fn)v->xGetSystemCall(v, "unlink");
  g_real_open = (open_fn)v->xGetSystemCall(v, "open");
  if (g_real_unlink == 0 || g_real_open == 0) return SQLITE_ERROR;
  if ((g_faults & F_UNLINK) && v->xSetSystemCall(v, "unlink", (sqlite3_syscall_ptr)faulty_unlink) != SQLITE_OK) {
    return SQLITE_ERROR;
  }
  if ((g_faults & ~F_UNLINK) && v->xSetSystemCall(v, "open", (sqlite3_syscall_ptr)faulty_open) != SQLITE_OK) {
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}

/* ---- reports to the parent ---- */
static void send_rec(const rec *r) {
  ssize_t n;
  while ((n = write(g_fd, r, sizeof(*r))) < 0 && errno == EINTR) {
  }
  if (n != (ssize_t)sizeof(*r)) _exit(4); /* the parent is gone */
}

static void report_err(int op, int rc, const char *msg) {
  rec r;
  memset(&r, 0, sizeof(r));
  r.v[0] = REC_ERR;
  r.v[1] = op;
  r.v[2] = rc;
  send_rec(&r);
  if (g_verbose) fprintf(stderr, "soak worker %lld: %s: %d %s\n", (long long)g_id, g_op_names[op], rc, msg ? msg : "");
}

static void send_stats(void) {
  rec r;
  memset(&r, 0, sizeof(r));
  r.v[0] = REC_STAT;
  if (g_walsafe) {
    walsafe_counters c;
    if (walsafe_get_counters(&c) == SQLITE_OK) {
      r.v[1 + ST_RETRIES] = c.retries;
      r.v[1 + ST_RETRY_OK] = c.retry_successes;
      r.v[1 + ST_GIVEUPS] = c.retry_giveups;
      r.v[1 + ST_DOWNGRADES] = c.open_downgrades;
      r.v[1 + ST_CLEANUPS_RUN] = c.cleanups_run;
      r.v[1 + ST_CLEANUPS_DONE] = c.cleanups_done;
      r.v[1 + ST_CLEANUPS_SKIPPED] = c.cleanups_skipped;
      r.v[1 + ST_WS_FAILURES] = c.failures;
    }
  }
  r.v[1 + ST_FAULT_UNLINK] = g_injected_unlink;
  r.v[1 + ST_FAULT_OPEN] = g_injected_open;
  r.v[1 + ST_COMMITS] = g_commits;
  send_rec(&r);
}

/* ---- SQLite, reporting every failure ---- */
static sqlite3 *w_open(const char *path, int flags) {
  sqlite3 *db = 0;
  int rc = sqlite3_open_v2(path, &db, flags, 0);
  if (rc != SQLITE_OK) {
    report_err(OP_OPEN, db ? sqlite3_extended_errcode(db) : rc, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    return 0;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
  return db;
}

static void w_close(sqlite3 *db) {
  int rc = sqlite3_close(db);
  if (rc != SQLITE_OK) {
    report_err(OP_CLOSE, rc, sqlite3_errstr(rc));
    sqlite3_close_v2(db);
  }
}

static int w_exec(sqlite3 *db, const char *sql, int op) {
  int rc = sqlite3_exec(db, sql, 0, 0, 0);
  if (rc != SQLITE_OK) report_err(op, sqlite3_extended_errcode(db), sqlite3_errmsg(db));
  return rc;
}

/* Per-connection settings that vary: how often WAL checkpoints, how hard
** commits sync (neither matters to a process crash, both change timing). */
static void configure(sqlite3 *db) {
  static const int autockpt[] = {1000, 100, 20};
  char sql[128];
  snprintf(sql, sizeof(sql), "PRAGMA synchronous=%s; PRAGMA wal_autocheckpoint=%d", rnd(2) ? "FULL" : "NORMAL",
           autockpt[rnd(3)]);
  w_exec(db, sql, OP_PRAGMA);
}

/* One transaction of 1-3 rows (worker id, seq); acknowledged only after
** COMMIT returned SQLITE_OK. A seq is never reused, whatever happened. */
static void do_txn(sqlite3 *db, int dbi) {
  sqlite3_stmt *st = 0;
  int k = 1 + rnd(3), i, rc;
  int64_t first = g_seq;
  g_seq += k;
  if (w_exec(db, "BEGIN IMMEDIATE", OP_BEGIN) != SQLITE_OK) return;
  rc = sqlite3_prepare_v2(db, "INSERT INTO t(w, s, v) VALUES(?1, ?2, randomblob(?3))", -1, &st, 0);
  for (i = 0; i < k && rc == SQLITE_OK; i++) {
    sqlite3_bind_int64(st, 1, g_id);
    sqlite3_bind_int64(st, 2, first + i);
    sqlite3_bind_int(st, 3, rnd(10) == 0 ? rnd(5000) : rnd(400));
    rc = sqlite3_step(st);
    rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    sqlite3_reset(st);
  }
  if (rc != SQLITE_OK) report_err(OP_INSERT, sqlite3_extended_errcode(db), sqlite3_errmsg(db));
  sqlite3_finalize(st);
  if (rc == SQLITE_OK) rc = w_exec(db, "COMMIT", OP_COMMIT);
  if (rc == SQLITE_OK && sqlite3_get_autocommit(db)) {
    for (i = 0; i < k; i++) {
      rec r;
      memset(&r, 0, sizeof(r));
      r.v[0] = REC_ACK;
      r.v[1] = dbi;
      r.v[2] = g_id;
      r.v[3] = first + i;
      send_rec(&r);
    }
    g_commits++;
    if (g_verbose) {
      fprintf(stderr, "soak worker %lld: committed seq %lld-%lld to %s\n", (long long)g_id, (long long)first,
              (long long)(first + k - 1), g_shared[dbi].name);
    }
  } else if (!sqlite3_get_autocommit(db)) {
    sqlite3_exec(db, "ROLLBACK", 0, 0, 0);
  }
}

/* Read the newest rows. With pHold, the statement is left open after its
** first row, so the connection keeps its read transaction (WAL only: in
** rollback mode it would block this process's own writer). */
static void read_rows(sqlite3 *db, sqlite3_stmt **pHold) {
  sqlite3_stmt *st = 0;
  int rc = sqlite3_prepare_v2(db, "SELECT w, s, length(v) FROM t ORDER BY rowid DESC LIMIT 20", -1, &st, 0);
  if (rc == SQLITE_OK) {
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      if (pHold) {
        *pHold = st;
        return;
      }
    }
    rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
  }
  if (rc != SQLITE_OK) report_err(OP_READ, sqlite3_extended_errcode(db), sqlite3_errmsg(db));
  sqlite3_finalize(st);
}

/* A writer, often with a read-only connection of this process opened
** before it and closed after it (the read-only one closes last). */
static void write_session(int dbi) {
  char path[PATH_MAX];
  sqlite3 *rd = 0, *wr;
  sqlite3_stmt *held = 0;
  db_path(path, sizeof(path), g_dir, g_shared[dbi].name);
  if (rnd(100) < 60) {
    rd = w_open(path, SQLITE_OPEN_READONLY);
    if (rd) read_rows(rd, g_shared[dbi].jm == JM_WAL && rnd(2) ? &held : 0);
  }
  wr = w_open(path, SQLITE_OPEN_READWRITE);
  if (wr) {
    int n = 1 + rnd(8), i;
    configure(wr);
    for (i = 0; i < n && !g_stop; i++) {
      do_txn(wr, dbi);
      if (rnd(4) == 0) nap(rnd(10));
    }
    w_close(wr);
  }
  if (rd) {
    sqlite3_finalize(held);
    if (rnd(2)) read_rows(rd, 0);
    nap(rnd(10));
    w_close(rd);
  }
}

static void read_session(int dbi) {
  char path[PATH_MAX];
  sqlite3 *rd;
  sqlite3_stmt *held = 0;
  db_path(path, sizeof(path), g_dir, g_shared[dbi].name);
  rd = w_open(path, SQLITE_OPEN_READONLY);
  if (rd == 0) return;
  read_rows(rd, g_shared[dbi].jm == JM_WAL && rnd(2) ? &held : 0);
  nap(rnd(30));
  sqlite3_finalize(held);
  w_close(rd);
}

/* Switch the mixed database to the other journal mode (refused while
** another connection uses it in WAL mode), then write to it. */
static void flip_session(void) {
  char path[PATH_MAX];
  sqlite3 *db;
  sqlite3_stmt *st = 0;
  int dbi = N_SHARED - 1, wal = 0, i, n;
  db_path(path, sizeof(path), g_dir, g_shared[dbi].name);
  db = w_open(path, SQLITE_OPEN_READWRITE);
  if (db == 0) return;
  configure(db);
  if (sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, 0) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
    wal = sqlite3_stricmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
  }
  sqlite3_finalize(st);
  w_exec(db, wal ? "PRAGMA journal_mode=DELETE" : "PRAGMA journal_mode=WAL", OP_FLIP);
  n = 1 + rnd(3);
  for (i = 0; i < n && !g_stop; i++)
    do_txn(db, dbi);
  w_close(db);
}

/* Delete the scratch database: walsafe_delete_database, or in control mode
** what an application does without walsafe (each file through xDelete). */
static void scratch_delete(const char *path) {
  static const char *const suffixes[] = {"-wal", "-shm", "-journal", ""};
  char name[PATH_MAX + 16];
  size_t i;
  if (g_walsafe) {
    int rc = walsafe_delete_database(path, SCRATCH_DELETE_MS);
    if (rc != SQLITE_OK && rc != SQLITE_NOTFOUND) {
      report_err(OP_SCRATCH_DELETE, rc, walsafe_errmsg());
      return;
    }
  } else {
    sqlite3_vfs *v = sqlite3_vfs_find(0);
    for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
      int rc;
      snprintf(name, sizeof(name), "%s%s", path, suffixes[i]);
      rc = v->xDelete(v, name, 0);
      if (rc != SQLITE_OK && rc != SQLITE_IOERR_DELETE_NOENT) {
        report_err(OP_SCRATCH_DELETE, rc, name);
        return;
      }
    }
  }
  for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
    struct stat sb;
    snprintf(name, sizeof(name), "%s%s", path, suffixes[i]);
    if (stat(name, &sb) == 0) {
      report_err(OP_SCRATCH_LEFT, SQLITE_ERROR, name);
      return;
    }
  }
}

/* A scratch database of this worker's own: created, written (a read-only
** connection closes last), closed and deleted. */
static void scratch_session(void) {
  char path[PATH_MAX], name[64];
  sqlite3 *db, *rd = 0;
  snprintf(name, sizeof(name), "scratch-%d.db", g_slot);
  db_path(path, sizeof(path), g_dir, name);
  db = w_open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (db == 0) return;
  if (w_exec(db, rnd(2) ? "PRAGMA journal_mode=WAL" : "PRAGMA journal_mode=DELETE", OP_SCRATCH) == SQLITE_OK &&
      w_exec(db, "CREATE TABLE IF NOT EXISTS t(w INTEGER, s INTEGER, v BLOB)", OP_SCRATCH) == SQLITE_OK) {
    int n = 1 + rnd(5), i;
    for (i = 0; i < n; i++)
      w_exec(db, "INSERT INTO t VALUES(0, 0, randomblob(300))", OP_SCRATCH);
    if (rnd(2)) {
      rd = w_open(path, SQLITE_OPEN_READONLY);
      if (rd) read_rows(rd, 0);
    }
  }
  w_close(db);
  if (rd) w_close(rd);
  scratch_delete(path);
}

static void on_sigterm(int sig) {
  (void)sig;
  g_stop = 1;
}

static void worker_log(void *unused, int code, const char *msg) {
  (void)unused;
  fprintf(stderr, "soak worker %lld: sqlite3_log(%d): %s\n", (long long)g_id, code, msg);
}

/* walsafe_soak --worker DIR SLOT ID FD MODE FAULTS RATE SEED PPID */
static int worker_main(int argc, char **argv) {
  struct sigaction sa;
  sigset_t set;
  int iter = 0, rc;
  if (argc != 11) return 2;
  g_dir = argv[2];
  g_slot = atoi(argv[3]);
  g_id = strtoll(argv[4], 0, 10);
  g_fd = atoi(argv[5]);
  g_walsafe = strcmp(argv[6], "walsafe") == 0;
  g_faults = (unsigned)strtoul(argv[7], 0, 10);
  g_any_mode = (g_faults & F_ANY_MODE) != 0;
  g_rate = atoi(argv[8]);
  g_rng = strtoull(argv[9], 0, 10) ^ ((uint64_t)g_id * 0x9E3779B97F4A7C15ull);
  g_seq = 1;
  g_verbose = getenv("SOAK_VERBOSE") != 0;

  /* Die with the parent; the parent may already be gone. */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != (pid_t)atoi(argv[10])) return 3;
  /* SIGTERM asks for a clean stop; it was blocked since the fork, so one
  ** sent early is delivered now. */
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_sigterm;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, 0);
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigprocmask(SIG_UNBLOCK, &set, 0);

  if (g_verbose) sqlite3_config(SQLITE_CONFIG_LOG, worker_log, (void *)0);
  rc = g_walsafe ? walsafe_register(0, 1) : sqlite3_initialize();
  if (rc != SQLITE_OK) {
    fprintf(stderr, "soak worker: initialisation failed: %s\n", g_walsafe ? walsafe_errmsg() : sqlite3_errstr(rc));
    return 2;
  }
  if (install_faults() != SQLITE_OK) {
    fprintf(stderr, "soak worker: cannot inject faults through the unix VFS\n");
    return 2;
  }
  while (!g_stop) {
    int r = rnd(100);
    if (r < 55) {
      write_session(rnd(N_SHARED));
    } else if (r < 78) {
      read_session(rnd(N_SHARED));
    } else if (r < 88) {
      scratch_session();
    } else if (r < 94) {
      flip_session();
    } else {
      nap(rnd(20));
    }
    if (++iter % 8 == 0) send_stats();
  }
  send_stats();
  return 0;
}

/* ===========================================================================
** The parent
*/
typedef struct ack {
  int64_t w, s;
  int lost; /* found missing at some check */
} ack;

typedef struct slot {
  pid_t pid; /* 0: not running */
  int fd;    /* read end of its pipe */
  int64_t id;
  unsigned char buf[sizeof(rec)];
  size_t nbuf;
  int64_t stats[N_STATS]; /* latest REC_STAT of this incarnation */
} slot;

static struct {
  /* options */
  int walsafe;
  double seconds;
  int workers;
  double checkpoint_s;
  unsigned faults;
  int fault_rate;
  int kill_min_ms, kill_max_ms;
  uint64_t seed;
  const char *base;
  int keep;
  int any_mode;
  int stop_timeout_ms;
  /* state */
  char dir[PATH_MAX];
  slot slots[MAX_WORKERS];
  int64_t next_id;
  struct {
    ack *a;
    size_t n, cap;
    int64_t present; /* rows seen at the last check */
  } acks[N_SHARED];
  /* figures */
  int64_t kills, restarts, checkpoint_restarts, unexpected_exits, stop_timeouts, checkpoints;
  int64_t lost, integrity_failures;
  int64_t errs[N_OPS];
  struct {
    int code;
    int64_t n;
  } err_codes[N_OPS][8];
  int64_t stats[N_STATS];
  int64_t verify_ms;
} P;

static void die(const char *msg) {
  fprintf(stderr, "soak: %s\n", msg);
  exit(2);
}

static void on_record(slot *sl, const rec *r) {
  if (r->v[0] == REC_ACK && r->v[1] >= 0 && r->v[1] < N_SHARED) {
    int d = (int)r->v[1];
    if (P.acks[d].n == P.acks[d].cap) {
      size_t cap = P.acks[d].cap ? P.acks[d].cap * 2 : 4096;
      ack *a = realloc(P.acks[d].a, cap * sizeof(ack));
      if (a == 0) die("out of memory");
      P.acks[d].a = a;
      P.acks[d].cap = cap;
    }
    P.acks[d].a[P.acks[d].n].w = r->v[2];
    P.acks[d].a[P.acks[d].n].s = r->v[3];
    P.acks[d].a[P.acks[d].n].lost = 0;
    P.acks[d].n++;
  } else if (r->v[0] == REC_ERR && r->v[1] >= 0 && r->v[1] < N_OPS) {
    int op = (int)r->v[1], code = (int)r->v[2], i;
    P.errs[op]++;
    for (i = 0; i < 8; i++) {
      if (P.err_codes[op][i].n == 0) P.err_codes[op][i].code = code;
      if (P.err_codes[op][i].code == code) {
        P.err_codes[op][i].n++;
        break;
      }
    }
  } else if (r->v[0] == REC_STAT) {
    memcpy(sl->stats, &r->v[1], sizeof(sl->stats));
  }
}

/* Read what the worker sent; 0 at end of file (the worker is gone). */
static int read_slot(slot *sl) {
  unsigned char tmp[64 * sizeof(rec)];
  ssize_t n = read(sl->fd, tmp, sizeof(tmp)), i;
  if (n < 0) return errno == EINTR || errno == EAGAIN ? 1 : 0;
  if (n == 0) return 0;
  for (i = 0; i < n; i++) {
    sl->buf[sl->nbuf++] = tmp[i];
    if (sl->nbuf == sizeof(rec)) {
      rec r;
      memcpy(&r, sl->buf, sizeof(r));
      on_record(sl, &r);
      sl->nbuf = 0;
    }
  }
  return 1;
}

static void start_worker(int i) {
  slot *sl = &P.slots[i];
  int p[2];
  pid_t pid, me = getpid();
  if (pipe2(p, O_CLOEXEC) != 0) die("pipe2 failed");
  sl->id = ++P.next_id;
  pid = fork();
  if (pid < 0) die("fork failed");
  if (pid == 0) {
    char a_slot[16], a_id[32], a_fd[16], a_faults[16], a_rate[16], a_seed[32], a_ppid[16];
    char *argv[12];
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, 0);
    if (fcntl(p[1], F_SETFD, 0) != 0) _exit(127);
    snprintf(a_slot, sizeof(a_slot), "%d", i);
    snprintf(a_id, sizeof(a_id), "%lld", (long long)sl->id);
    snprintf(a_fd, sizeof(a_fd), "%d", p[1]);
    snprintf(a_faults, sizeof(a_faults), "%u", P.faults | (P.any_mode ? F_ANY_MODE : 0));
    snprintf(a_rate, sizeof(a_rate), "%d", P.fault_rate);
    snprintf(a_seed, sizeof(a_seed), "%llu", (unsigned long long)P.seed);
    snprintf(a_ppid, sizeof(a_ppid), "%d", (int)me);
    argv[0] = "walsafe_soak";
    argv[1] = "--worker";
    argv[2] = P.dir;
    argv[3] = a_slot;
    argv[4] = a_id;
    argv[5] = a_fd;
    argv[6] = P.walsafe ? "walsafe" : "control";
    argv[7] = a_faults;
    argv[8] = a_rate;
    argv[9] = a_seed;
    argv[10] = a_ppid;
    argv[11] = 0;
    execv("/proc/self/exe", argv);
    _exit(127);
  }
  close(p[1]);
  sl->pid = pid;
  sl->fd = p[0];
  sl->nbuf = 0;
  memset(sl->stats, 0, sizeof(sl->stats));
}

/* The worker is gone or about to be: read what is left, reap it. */
static void reap(int i, int expected) {
  slot *sl = &P.slots[i];
  int status = 0, k;
  while (read_slot(sl)) {
  }
  close(sl->fd);
  while (waitpid(sl->pid, &status, 0) < 0 && errno == EINTR) {
  }
  for (k = 0; k < N_STATS; k++)
    P.stats[k] += sl->stats[k];
  if (!expected) {
    P.unexpected_exits++;
    if (WIFSIGNALED(status)) {
      fprintf(stderr, "soak: worker %lld died of signal %d\n", (long long)sl->id, WTERMSIG(status));
    } else {
      fprintf(stderr, "soak: worker %lld exited with status %d\n", (long long)sl->id, WEXITSTATUS(status));
    }
    if (P.unexpected_exits > 20) die("workers keep dying: giving up");
  }
  sl->pid = 0;
  sl->fd = -1;
}

/* Read the workers' pipes until `until` (monotonic ms), or until worker
** `waitFor` has exited (returns 1 then). A worker that exits on its own is
** reaped, counted and, if `restart`, started again. */
static int pump(int64_t until, int waitFor, int restart) {
  for (;;) {
    struct pollfd pfd[MAX_WORKERS];
    int idx[MAX_WORKERS], n = 0, i, k;
    int64_t now = now_ms(), wait;
    if (now >= until) return 0;
    for (i = 0; i < P.workers; i++) {
      if (P.slots[i].pid == 0) continue;
      pfd[n].fd = P.slots[i].fd;
      pfd[n].events = POLLIN;
      pfd[n].revents = 0;
      idx[n++] = i;
    }
    if (n == 0) return waitFor < 0 ? 0 : 1;
    wait = until - now;
    if (poll(pfd, (nfds_t)n, (int)(wait > 1000 ? 1000 : wait)) < 0 && errno != EINTR) die("poll failed");
    for (k = 0; k < n; k++) {
      if (pfd[k].revents == 0) continue;
      i = idx[k];
      if (read_slot(&P.slots[i])) continue;
      reap(i, i == waitFor);
      if (i == waitFor) return 1;
      if (restart) {
        start_worker(i);
        P.restarts++;
      }
    }
  }
}

static int cmp_ack(const void *a, const void *b) {
  const ack *x = a, *y = b;
  if (x->w != y->w) return x->w < y->w ? -1 : 1;
  return x->s < y->s ? -1 : x->s > y->s;
}

static void note_missing(int d, ack *a, int64_t *pMissing) {
  if (!a->lost) {
    a->lost = 1;
    P.lost++;
    if (P.lost <= 20) {
      fprintf(stderr, "soak: %s: acknowledged row (worker %lld, seq %lld) is missing\n", g_shared[d].name,
              (long long)a->w, (long long)a->s);
    }
  }
  (*pMissing)++;
}

/* Check one shared database with no worker running: integrity, and every
** acknowledged row present. Returns the acknowledged rows missing now. */
static int64_t verify_db(int d, int *pIntegrityOk) {
  char path[PATH_MAX];
  sqlite3 *db = 0;
  sqlite3_stmt *st = 0;
  int64_t missing = 0, present = 0;
  size_t j = 0;
  int rc, ok = 0;
  ack *a = P.acks[d].a;
  size_t n = P.acks[d].n;
  db_path(path, sizeof(path), P.dir, g_shared[d].name);
  if (n) qsort(a, n, sizeof(ack), cmp_ack);
  rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, 0);
  if (rc == SQLITE_OK) {
    sqlite3_busy_timeout(db, 60000);
    rc = sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, 0);
  }
  if (rc == SQLITE_OK) {
    int rows = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      const char *z = (const char *)sqlite3_column_text(st, 0);
      rows++;
      ok = rows == 1 && z && strcmp(z, "ok") == 0;
      if (!ok && rows <= 5) fprintf(stderr, "soak: %s: integrity_check: %s\n", g_shared[d].name, z ? z : "(null)");
    }
    ok = ok && rc == SQLITE_DONE;
    sqlite3_finalize(st);
    st = 0;
    rc = sqlite3_prepare_v2(db, "SELECT w, s FROM t ORDER BY w, s", -1, &st, 0);
  }
  if (rc == SQLITE_OK) {
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      int64_t w = sqlite3_column_int64(st, 0), s = sqlite3_column_int64(st, 1);
      present++;
      while (j < n && (a[j].w < w || (a[j].w == w && a[j].s < s))) {
        note_missing(d, &a[j], &missing);
        j++;
      }
      if (j < n && a[j].w == w && a[j].s == s) j++;
    }
    if (rc == SQLITE_DONE) {
      rc = SQLITE_OK;
    } else {
      ok = 0;
    }
  }
  if (rc != SQLITE_OK) {
    fprintf(stderr, "soak: %s: %s\n", g_shared[d].name, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    ok = 0;
  }
  sqlite3_finalize(st);
  if (db && sqlite3_close(db) != SQLITE_OK) ok = 0;
  if (rc == SQLITE_OK) {
    for (; j < n; j++)
      note_missing(d, &a[j], &missing);
  }
  if (missing) {
    fprintf(stderr, "soak: %s: %lld acknowledged rows missing\n", g_shared[d].name, (long long)missing);
  }
  P.acks[d].present = present;
  *pIntegrityOk = ok;
  return missing;
}

static void verify_all(const char *label, double at_s) {
  int64_t t0 = now_ms(), missing = 0, acked = 0, present = 0;
  int d, bad = 0;
  for (d = 0; d < N_SHARED; d++) {
    int ok;
    missing += verify_db(d, &ok);
    acked += (int64_t)P.acks[d].n;
    present += P.acks[d].present;
    if (!ok) bad++;
  }
  P.integrity_failures += bad;
  P.verify_ms += now_ms() - t0;
  printf("soak: %s at %.1f s: acknowledged %lld, rows %lld, missing %lld, integrity %s (%.1f s)\n", label, at_s,
         (long long)acked, (long long)present, (long long)missing, bad ? "FAILED" : "ok",
         (double)(now_ms() - t0) / 1000.0);
  fflush(stdout);
}

/* The -wal, -shm and -journal beside the shared databases. */
static int files_left(char *list, size_t n) {
  static const char *const suffixes[] = {"-wal", "-shm", "-journal"};
  int d, k, count = 0;
  size_t used = 0;
  list[0] = 0;
  for (d = 0; d < N_SHARED; d++) {
    for (k = 0; k < 3; k++) {
      char path[PATH_MAX + 16];
      struct stat sb;
      snprintf(path, sizeof(path), "%s/%s%s", P.dir, g_shared[d].name, suffixes[k]);
      if (stat(path, &sb) != 0) continue;
      count++;
      if (used < n) {
        int w = snprintf(list + used, n - used, "%s%s%s (%lld B)", used ? ", " : "", g_shared[d].name, suffixes[k],
                         (long long)sb.st_size);
        if (w > 0) used += (size_t)w;
      }
    }
  }
  return count;
}

static void create_shared(void) {
  int d;
  for (d = 0; d < N_SHARED; d++) {
    char path[PATH_MAX];
    sqlite3 *db = 0;
    char *err = 0;
    const char *sql = g_shared[d].jm == JM_DELETE ? "PRAGMA journal_mode=DELETE" : "PRAGMA journal_mode=WAL";
    db_path(path, sizeof(path), P.dir, g_shared[d].name);
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, 0) != SQLITE_OK ||
        sqlite3_exec(db, sql, 0, 0, &err) != SQLITE_OK ||
        sqlite3_exec(db,
                     "CREATE TABLE t(w INTEGER NOT NULL, s INTEGER NOT NULL, v BLOB,"
                     " PRIMARY KEY(w, s))",
                     0, 0, &err) != SQLITE_OK) {
      fprintf(stderr, "soak: cannot create %s: %s\n", path, err ? err : sqlite3_errmsg(db));
      exit(2);
    }
    if (sqlite3_close(db) != SQLITE_OK) die("cannot close a new database");
  }
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static const char *fault_list(unsigned faults, char *buf, size_t n) {
  size_t i, used = 0;
  buf[0] = 0;
  for (i = 0; i < 5; i++) {
    if (faults & g_fault_names[i].bits) {
      int w = snprintf(buf + used, n - used, "%s%s", used ? "," : "", g_fault_names[i].name);
      if (w > 0 && (size_t)w < n - used) used += (size_t)w;
    }
  }
  if (used == 0) snprintf(buf, n, "none");
  return buf;
}

static unsigned parse_faults(const char *z) {
  unsigned bits = 0;
  char buf[256], *tok, *save = 0;
  snprintf(buf, sizeof(buf), "%s", z);
  for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(0, ",", &save)) {
    size_t i, found = 0;
    for (i = 0; i < sizeof(g_fault_names) / sizeof(g_fault_names[0]); i++) {
      if (strcmp(tok, g_fault_names[i].name) == 0) {
        bits |= g_fault_names[i].bits;
        found = 1;
      }
    }
    if (!found) {
      fprintf(stderr, "soak: unknown fault kind '%s'\n", tok);
      exit(2);
    }
  }
  return bits;
}

static void usage(void) {
  fprintf(stderr,
          "usage: walsafe_soak [--mode walsafe|control] [--seconds N] [--workers N] [--checkpoint N]\n"
          "                    [--faults LIST] [--fault-rate PERMILLE] [--kill-ms MIN,MAX] [--seed N]\n"
          "                    [--open-any-mode] [--dir DIR] [--keep]\n"
          "  --faults: comma-separated unlink, open-main, open-wal, open-shm, open-journal,\n"
          "            open (all four opens), default (unlink,open-main,open-wal,open-journal), all, none\n");
  exit(2);
}

static void print_errors(void) {
  int op, i, any = 0;
  for (op = 0; op < N_OPS; op++) {
    if (P.errs[op] == 0) continue;
    printf("%s%s %lld [", any ? "; " : "soak: worker errors: ", g_op_names[op], (long long)P.errs[op]);
    for (i = 0; i < 8 && P.err_codes[op][i].n; i++) {
      printf("%s%s/%d x%lld", i ? ", " : "", code_name(P.err_codes[op][i].code), P.err_codes[op][i].code,
             (long long)P.err_codes[op][i].n);
    }
    printf("]");
    any = 1;
  }
  printf(any ? "\n" : "soak: worker errors: none\n");
}

int main(int argc, char **argv) {
  int i, left_before, left_after, passed, d;
  int64_t t_start, t_end, next_kill, next_ckpt, acked = 0;
  double elapsed;
  char flist[128], left_list[2048];

  if (argc > 1 && strcmp(argv[1], "--worker") == 0) return worker_main(argc, argv);

  P.walsafe = 1;
  P.seconds = 60;
  P.workers = 4;
  P.checkpoint_s = 10;
  P.faults = F_DEFAULT;
  P.fault_rate = 20;
  P.kill_min_ms = 100;
  P.kill_max_ms = 1000;
  P.seed = (uint64_t)time(0) ^ ((uint64_t)getpid() << 20);
  P.stop_timeout_ms = 120000;
  for (i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : 0;
    if (strcmp(a, "--keep") == 0) {
      P.keep = 1;
      continue;
    }
    if (strcmp(a, "--open-any-mode") == 0) {
      P.any_mode = 1;
      continue;
    }
    if (v == 0) usage();
    i++;
    if (strcmp(a, "--mode") == 0) {
      if (strcmp(v, "walsafe") == 0) {
        P.walsafe = 1;
      } else if (strcmp(v, "control") == 0) {
        P.walsafe = 0;
      } else {
        usage();
      }
    } else if (strcmp(a, "--seconds") == 0) {
      P.seconds = atof(v);
    } else if (strcmp(a, "--workers") == 0) {
      P.workers = atoi(v);
    } else if (strcmp(a, "--checkpoint") == 0) {
      P.checkpoint_s = atof(v);
    } else if (strcmp(a, "--faults") == 0) {
      P.faults = parse_faults(v);
    } else if (strcmp(a, "--fault-rate") == 0) {
      P.fault_rate = atoi(v);
    } else if (strcmp(a, "--kill-ms") == 0) {
      if (sscanf(v, "%d,%d", &P.kill_min_ms, &P.kill_max_ms) != 2) usage();
    } else if (strcmp(a, "--seed") == 0) {
      P.seed = strtoull(v, 0, 10);
    } else if (strcmp(a, "--dir") == 0) {
      P.base = v;
    } else {
      usage();
    }
  }
  if (P.seconds <= 0 || P.workers < 1 || P.workers > MAX_WORKERS || P.checkpoint_s <= 0 || P.fault_rate < 0 ||
      P.fault_rate > 1000 || P.kill_min_ms < 1 || P.kill_max_ms < P.kill_min_ms) {
    usage();
  }
  g_rng = P.seed;
  signal(SIGPIPE, SIG_IGN);

  if (P.base == 0) P.base = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  snprintf(P.dir, sizeof(P.dir), "%s/walsafe-soak-XXXXXX", P.base);
  if (mkdtemp(P.dir) == 0) die("mkdtemp failed");
  if (P.walsafe) {
    if (walsafe_register(0, 1) != SQLITE_OK) die(walsafe_errmsg());
  } else if (sqlite3_initialize() != SQLITE_OK) {
    die("sqlite3_initialize failed");
  }
  printf("soak: mode %s, SQLite %s, seed %llu, directory %s\n",
         P.walsafe ? "walsafe (default VFS, over unix)" : "control (plain unix VFS)", sqlite3_libversion(),
         (unsigned long long)P.seed, P.dir);
  printf(
      "soak: %d workers, %d shared databases (2 WAL, 1 rollback, 1 flipping), %.0f s, checkpoint every %.0f s,"
      " kill every %d-%d ms\n",
      P.workers, N_SHARED, P.seconds, P.checkpoint_s, P.kill_min_ms, P.kill_max_ms);
  printf("soak: faults %s, EBUSY on %d per 1000 calls, then up to %d more in a row; open faults hit %s\n",
         fault_list(P.faults, flist, sizeof(flist)), P.fault_rate, BURST_MAX,
         P.any_mode ? "read-only opens too" : "read-write opens only");
  fflush(stdout);
  create_shared();

  t_start = now_ms();
  t_end = t_start + (int64_t)(P.seconds * 1000);
  for (i = 0; i < P.workers; i++)
    start_worker(i);
  next_kill = t_start + P.kill_min_ms + rnd(P.kill_max_ms - P.kill_min_ms + 1);
  next_ckpt = t_start + (int64_t)(P.checkpoint_s * 1000);
  for (;;) {
    int64_t now = now_ms(), next = next_kill < next_ckpt ? next_kill : next_ckpt;
    if (next > t_end) next = t_end;
    if (now < next) {
      pump(next, -1, 1);
      continue;
    }
    if (now >= t_end) break;
    if (now >= next_ckpt) {
      /* Crash everything, then look at the files. */
      for (i = 0; i < P.workers; i++) {
        if (P.slots[i].pid) kill(P.slots[i].pid, SIGKILL);
      }
      for (i = 0; i < P.workers; i++) {
        if (P.slots[i].pid) {
          reap(i, 1);
          P.kills++;
        }
      }
      P.checkpoints++;
      {
        char label[32];
        snprintf(label, sizeof(label), "checkpoint %lld", (long long)P.checkpoints);
        verify_all(label, (double)(now - t_start) / 1000.0);
      }
      for (i = 0; i < P.workers; i++) {
        start_worker(i);
        P.checkpoint_restarts++;
      }
      next_ckpt = now_ms() + (int64_t)(P.checkpoint_s * 1000);
      next_kill = now_ms() + P.kill_min_ms + rnd(P.kill_max_ms - P.kill_min_ms + 1);
    } else if (now >= next_kill) {
      i = rnd(P.workers);
      if (P.slots[i].pid) {
        kill(P.slots[i].pid, SIGKILL);
        reap(i, 1);
        P.kills++;
      }
      start_worker(i);
      P.restarts++;
      next_kill = now_ms() + P.kill_min_ms + rnd(P.kill_max_ms - P.kill_min_ms + 1);
    }
  }

  /* The final clean close: one worker after the other closes everything and
  ** exits, so the last one closes alone. */
  for (i = 0; i < P.workers; i++) {
    if (P.slots[i].pid == 0) continue;
    kill(P.slots[i].pid, SIGTERM);
    if (!pump(now_ms() + P.stop_timeout_ms, i, 0)) {
      fprintf(stderr, "soak: worker %lld did not stop within %d s: killed\n", (long long)P.slots[i].id,
              P.stop_timeout_ms / 1000);
      kill(P.slots[i].pid, SIGKILL);
      reap(i, 1);
      P.stop_timeouts++;
    }
  }
  elapsed = (double)(now_ms() - t_start) / 1000.0;
  left_before = files_left(left_list, sizeof(left_list));
  printf("soak: after the workers' final clean close: %d files left%s%s\n", left_before, left_before ? ": " : "",
         left_list);
  verify_all("final check", elapsed);
  left_after = files_left(left_list, sizeof(left_list));
  printf("soak: after the final check's own close: %d files left%s%s\n", left_after, left_after ? ": " : "", left_list);

  for (d = 0; d < N_SHARED; d++)
    acked += (int64_t)P.acks[d].n;
  print_errors();
  printf("soak: faults injected (reported by workers): unlink %lld, open %lld\n", (long long)P.stats[ST_FAULT_UNLINK],
         (long long)P.stats[ST_FAULT_OPEN]);
  if (P.walsafe) {
    printf(
        "soak: walsafe counters (reported by workers): retries %lld, succeeded after retry %lld, give-ups %lld,"
        " read-only downgrades undone %lld, cleanups run %lld / done %lld / skipped %lld, failures %lld\n",
        (long long)P.stats[ST_RETRIES], (long long)P.stats[ST_RETRY_OK], (long long)P.stats[ST_GIVEUPS],
        (long long)P.stats[ST_DOWNGRADES], (long long)P.stats[ST_CLEANUPS_RUN], (long long)P.stats[ST_CLEANUPS_DONE],
        (long long)P.stats[ST_CLEANUPS_SKIPPED], (long long)P.stats[ST_WS_FAILURES]);
  }
  if (P.unexpected_exits || P.stop_timeouts) {
    printf("soak: WARNING: %lld workers exited unexpectedly, %lld did not stop when asked\n",
           (long long)P.unexpected_exits, (long long)P.stop_timeouts);
  }
  printf(
      "soak: mode %s, duration %.1f s (verification %.1f s), kills %lld, restarts %lld (+%lld after %lld"
      " checkpoints)\n",
      P.walsafe ? "walsafe" : "control", elapsed, (double)P.verify_ms / 1000.0, (long long)P.kills,
      (long long)P.restarts, (long long)P.checkpoint_restarts, (long long)P.checkpoints);
  printf("soak: commits acknowledged %lld (rows), lost %lld, integrity failures %lld, files left %d\n",
         (long long)acked, (long long)P.lost, (long long)P.integrity_failures, left_before);
  printf(
      "soak-figures mode=%s seconds=%.1f kills=%lld restarts=%lld acked=%lld lost=%lld integrity_failures=%lld"
      " files_left=%d files_left_after_check=%d commit_errors=%lld open_errors=%lld unexpected_exits=%lld\n",
      P.walsafe ? "walsafe" : "control", elapsed, (long long)P.kills, (long long)(P.restarts + P.checkpoint_restarts),
      (long long)acked, (long long)P.lost, (long long)P.integrity_failures, left_before, left_after,
      (long long)(P.errs[OP_BEGIN] + P.errs[OP_COMMIT]), (long long)P.errs[OP_OPEN], (long long)P.unexpected_exits);

  passed = P.lost == 0 && P.integrity_failures == 0 && acked > 0;
  if ((passed || !P.walsafe) && !P.keep) {
    nftw(P.dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  } else {
    printf("soak: files kept in %s\n", P.dir);
  }
  if (!P.walsafe) {
    printf("soak: control run: its figures are information, not judged\n");
    printf("soak: 0 passed, 0 failed\n");
  } else {
    if (acked == 0) printf("soak: no commit was acknowledged: nothing was proven\n");
    printf("soak: %d passed, %d failed\n", passed, !passed);
  }
  for (d = 0; d < N_SHARED; d++)
    free(P.acks[d].a);
  return P.walsafe && !passed ? 1 : 0;
}
