/*
** bench_teardown.c: figure 3 (teardown), and the teardown and close
** latencies with a "scanner" holding the -wal (the plot's data; on Windows,
** figure 6).
**
** The starting point, "work done": a WAL database with two connections
** open, each having committed 500 rows of 100 bytes with automatic
** checkpoints off, so the -wal holds every one of those pages.
** synchronous=NORMAL, the seed's own setting. The clock runs from there
** until the teardown returns; the files left on disk are counted after.
**   plain    parent VFS: close both, then delete the database, -wal, -shm
**            and -journal once each, as an application does by hand
**            (bench_delete_by_hand: one unlink / DeleteFileW).
**   seed     the seed's pattern in C (parent VFS): close both, open a fresh
**            connection, PRAGMA wal_checkpoint(TRUNCATE), close it, sleep
**            50 ms (its gc.collect() has no C equivalent), then for each of
**            the four files robust_unlink: up to 10 tries, 100 ms apart.
**   walsafe  connections through walsafe: close both, then
**            walsafe_delete_database(path, 5000).
** Close latency: from the same start, the first connection closed, then the
** clock runs over the close of the last one (its checkpoint, and SQLite's
** delete of the -wal); the side files are counted after.
**
** plain and seed run with walsafe unregistered: registered, it turns the
** win32 VFS's own retry (~1.4 s) down process-wide, and the plain VFS is
** measured as an application without walsafe has it. (No effect on unix.)
*/
#include "bench_common.h"

#include <stdio.h>

#include "walsafe.h"

#define TEARDOWN_ROWS 500
#define SEED_SLEEP_MS 50
#define SEED_UNLINK_TRIES 10
#define SEED_UNLINK_GAP_MS 100
#define WALSAFE_DELETE_TIMEOUT_MS 5000

enum { TD_PLAIN, TD_SEED, TD_WALSAFE, TD_METHODS };
static const char *const td_names[TD_METHODS] = {"plain", "seed", "walsafe"};

/* Two connections with pending WAL content, through zVfs. */
static void teardown_prepare(const char *zPath, const char *zVfs, sqlite3 **aDb) {
  int c, i;
  bench_remove_database(zPath);
  for (c = 0; c < 2; c++) {
    aDb[c] = bench_open(zPath, zVfs, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    bench_exec(aDb[c],
               "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0;"
               "CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v TEXT)");
  }
  for (c = 0; c < 2; c++) {
    sqlite3_stmt *ins = bench_prepare(aDb[c], "INSERT INTO t(v) VALUES (printf('%0100d', ?1))");
    bench_exec(aDb[c], "BEGIN");
    for (i = 0; i < TEARDOWN_ROWS; i++) {
      sqlite3_bind_int(ins, 1, i);
      bench_step_done(ins);
    }
    bench_exec(aDb[c], "COMMIT");
    sqlite3_finalize(ins);
  }
}

/* walsafe registered (on) or not (off); see the header. */
static void teardown_use_walsafe(int on) {
  int rc = on ? walsafe_register(BENCH_PARENT_VFS, 0) : walsafe_unregister();
  if (rc != SQLITE_OK) bench_fail("walsafe_%sregister: %s", on ? "" : "un", walsafe_errmsg());
}

static const char *const td_suffixes[] = {"-wal", "-shm", "-journal", ""};
#define TD_NFILES ((int)(sizeof(td_suffixes) / sizeof(td_suffixes[0])))

/* robust_unlink of the seed: returns once the file is gone or after the
** last try. */
static void seed_robust_unlink(const char *zName) {
  int i;
  for (i = 0; i < SEED_UNLINK_TRIES; i++) {
    if (bench_delete_by_hand(zName) || !bench_file_exists(zName)) return;
    if (i + 1 < SEED_UNLINK_TRIES) bench_sleep_ms(SEED_UNLINK_GAP_MS);
  }
}

static void seed_teardown(const char *zPath) {
  char zName[1024];
  sqlite3 *fresh = bench_open(zPath, BENCH_PARENT_VFS, SQLITE_OPEN_READWRITE);
  int i;
  /* A failed checkpoint is ignored, as the seed's helper does. */
  sqlite3_exec(fresh, "PRAGMA wal_checkpoint(TRUNCATE)", 0, 0, 0);
  sqlite3_close(fresh);
  bench_sleep_ms(SEED_SLEEP_MS);
  for (i = 0; i < TD_NFILES; i++) {
    snprintf(zName, sizeof(zName), "%s%s", zPath, td_suffixes[i]);
    seed_robust_unlink(zName);
  }
}

static void plain_teardown(const char *zPath) {
  char zName[1024];
  int i;
  for (i = 0; i < TD_NFILES; i++) {
    snprintf(zName, sizeof(zName), "%s%s", zPath, td_suffixes[i]);
    bench_delete_by_hand(zName);
  }
}

/* Starts the hold on the -wal of zPath (none for holdMs 0). */
static void teardown_hold(const char *zPath, int holdMs) {
  char zWal[1040];
  if (holdMs <= 0) return;
  snprintf(zWal, sizeof(zWal), "%s-wal", zPath);
  if (bench_hold_wal_start(zWal, holdMs) != 0) bench_fail("cannot hold %s", zWal);
}

/* One teardown: milliseconds from "work done" to the method's return.
** holdMs > 0: a scanner holds the -wal for that long from the start. */
static double teardown_once(const bench_settings *s, int method, int holdMs, int *pLeft) {
  char zPath[1024];
  sqlite3 *aDb[2];
  int64_t t0, t1;
  snprintf(zPath, sizeof(zPath), "%s/teardown-%s.db", s->dir, td_names[method]);
  if (method != TD_WALSAFE) teardown_use_walsafe(0);
  teardown_prepare(zPath, method == TD_WALSAFE ? BENCH_WALSAFE_VFS : BENCH_PARENT_VFS, aDb);
  teardown_hold(zPath, holdMs);
  t0 = bench_now_ns();
  sqlite3_close(aDb[1]);
  sqlite3_close(aDb[0]);
  switch (method) {
    case TD_PLAIN: plain_teardown(zPath); break;
    case TD_SEED: seed_teardown(zPath); break;
    default: walsafe_delete_database(zPath, WALSAFE_DELETE_TIMEOUT_MS); break;
  }
  t1 = bench_now_ns();
  *pLeft = bench_files_left(zPath);
  if (holdMs > 0) bench_hold_wal_end();
  bench_remove_database(zPath); /* whatever a method left, for the next one */
  if (method != TD_WALSAFE) teardown_use_walsafe(1);
  return (double)(t1 - t0) / 1e6;
}

/* One close of the last connection: milliseconds; *pLeft side files on
** disk right after it, *pWalBytes the -wal's size (-1: none). */
static double close_once(const bench_settings *s, int walsafe, int holdMs, int *pLeft, long long *pWalBytes) {
  char zPath[1024], zName[1040];
  sqlite3 *aDb[2];
  int64_t t0, t1;
  int i;
  snprintf(zPath, sizeof(zPath), "%s/close-%s.db", s->dir, walsafe ? "walsafe" : "plain");
  if (!walsafe) teardown_use_walsafe(0);
  teardown_prepare(zPath, walsafe ? BENCH_WALSAFE_VFS : BENCH_PARENT_VFS, aDb);
  sqlite3_close(aDb[1]);
  teardown_hold(zPath, holdMs);
  t0 = bench_now_ns();
  bench_check(sqlite3_close(aDb[0]), 0, "close");
  t1 = bench_now_ns();
  *pLeft = 0;
  for (i = 0; i < TD_NFILES - 1; i++) {
    snprintf(zName, sizeof(zName), "%s%s", zPath, td_suffixes[i]);
    *pLeft += bench_file_size(zName) >= 0;
  }
  snprintf(zName, sizeof(zName), "%s-wal", zPath);
  *pWalBytes = bench_file_size(zName);
  if (holdMs > 0) bench_hold_wal_end();
  bench_remove_database(zPath);
  if (!walsafe) teardown_use_walsafe(1);
  return (double)(t1 - t0) / 1e6;
}

void bench_figure_teardown(const bench_settings *s) {
  bench_sample a[TD_METHODS][BENCH_MAX_ROUNDS];
  double med[TD_METHODS], noise, ratio;
  int maxLeft[TD_METHODS] = {0, 0, 0};
  char zP[96], zW[96], zRatio[64];
  int r, k;
  for (r = -s->warmup_rounds; r < s->rounds; r++) {
    for (k = 0; k < TD_METHODS; k++) {
      int method = (k + (r < 0 ? 0 : r)) % TD_METHODS, left;
      double ms = teardown_once(s, method, 0, &left);
      if (r < 0) continue;
      a[method][r].wall = a[method][r].cpu = ms; /* judged on the wall clock */
      if (left > maxLeft[method]) maxLeft[method] = left;
    }
  }
  for (k = 0; k < TD_METHODS; k++) {
    med[k] = bench_median_of(a[k], s->rounds, BENCH_CLOCK_WALL);
    fprintf(stderr, "teardown %-8s median %8.2f ms, at most %d of 4 files left\n", td_names[k], med[k], maxLeft[k]);
  }
  snprintf(zW, sizeof(zW), "%.2f ms, %d files left", med[TD_WALSAFE], maxLeft[TD_WALSAFE]);
  snprintf(zP, sizeof(zP), "seed: %.2f ms, %d files left", med[TD_SEED], maxLeft[TD_SEED]);
  ratio = bench_paired_ratio(a[TD_SEED], a[TD_WALSAFE], s->rounds, 1, BENCH_CLOCK_WALL, &noise);
  bench_format_ratio(zRatio, sizeof(zRatio), ratio, noise, 0, 0, 0);
  bench_row("3 teardown: seed's pattern vs walsafe_delete_database (× faster)", zP, zW, ratio, zRatio,
            BENCH_GOAL_AT_LEAST, 20, "≥ 20");
  snprintf(zP, sizeof(zP), "plain: %.2f ms, %d files left", med[TD_PLAIN], maxLeft[TD_PLAIN]);
  ratio = bench_paired_ratio(a[TD_PLAIN], a[TD_WALSAFE], s->rounds, 1, BENCH_CLOCK_WALL, &noise);
  bench_format_ratio(zRatio, sizeof(zRatio), ratio, noise, 0, 0, 0);
  bench_row("3 teardown: plain close + unlink vs walsafe (× faster)", zP, zW, ratio, zRatio, BENCH_GOAL_NONE, 0, "—");
}

/* The plot's data (and on Windows figure 6): per hold time, the median
** over s->rounds tries of each teardown and of the close of the last
** connection, plain and walsafe, with the most files each left. */
void bench_teardown_holds(const bench_settings *s, const char *zDataFile) {
  static const int holds[] = {0, 250, 1000, 3000};
  FILE *out = fopen(zDataFile, "w");
  size_t h;
  int n = s->rounds;
  if (out == 0) bench_fail("cannot write %s", zDataFile);
  fprintf(out, "# teardown and close latency (ms), files left, with the -wal held for hold_ms (%s)\n",
#ifdef _WIN32
          "a thread holding it with CreateFileW, share read+write"
#else
          "unlink of any -wal failing EBUSY"
#endif
  );
  fprintf(out, "# platform: %s VFS, SQLite %s; median of %d tries; *_left: most files left (of 4 for a teardown,\n",
          BENCH_PARENT_VFS, sqlite3_libversion(), n);
  fprintf(out, "# of the 3 side files after a close); *_wal_bytes: largest -wal left by the close (-1: none)\n");
  fprintf(out,
          "# hold_ms plain_ms plain_left seed_ms seed_left walsafe_ms walsafe_left plain_close_ms "
          "plain_close_left plain_close_wal_bytes walsafe_close_ms walsafe_close_left walsafe_close_wal_bytes\n");
  for (h = 0; h < sizeof(holds) / sizeof(holds[0]); h++) {
    double ms[TD_METHODS][BENCH_MAX_ROUNDS], cms[2][BENCH_MAX_ROUNDS];
    int maxLeft[TD_METHODS] = {0, 0, 0}, cLeft[2] = {0, 0}, r, k;
    long long cWal[2] = {-1, -1};
    for (r = 0; r < n; r++) {
      /* The order turns every round, so that no method always comes first. */
      for (k = 0; k < TD_METHODS + 2; k++) {
        int m = (k + r) % (TD_METHODS + 2), left;
        if (m < TD_METHODS) {
          ms[m][r] = teardown_once(s, m, holds[h], &left);
          if (left > maxLeft[m]) maxLeft[m] = left;
        } else {
          long long wal;
          int w = m - TD_METHODS;
          cms[w][r] = close_once(s, w, holds[h], &left, &wal);
          if (left > cLeft[w]) cLeft[w] = left;
          if (wal > cWal[w]) cWal[w] = wal;
        }
      }
    }
    fprintf(out, "%d", holds[h]);
    for (k = 0; k < TD_METHODS; k++) {
      double med = bench_median(ms[k], n);
      fprintf(out, " %.2f %d", med, maxLeft[k]);
      fprintf(stderr, "hold %4d ms: teardown %-8s %8.2f ms, %d files left\n", holds[h], td_names[k], med, maxLeft[k]);
    }
    for (k = 0; k < 2; k++) {
      double med = bench_median(cms[k], n);
      fprintf(out, " %.2f %d %lld", med, cLeft[k], cWal[k]);
      fprintf(stderr, "hold %4d ms: close    %-8s %8.2f ms, %d side files left, -wal %lld bytes\n", holds[h],
              k ? "walsafe" : "plain", med, cLeft[k], cWal[k]);
    }
    fprintf(out, "\n");
    fflush(out);
  }
  fclose(out);
}
