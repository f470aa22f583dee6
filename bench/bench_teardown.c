/*
** bench_teardown.c: figure 3 (teardown) and the data behind the teardown
** plot (teardown with the -wal held by a "scanner" for a while).
**
** The starting point, "work done": a WAL database with two connections
** open, each having committed 500 rows of 100 bytes with automatic
** checkpoints off, so the -wal holds every one of those pages.
** synchronous=NORMAL, the seed's own setting. The clock runs from there
** until the teardown returns; the files left on disk are counted after.
**   plain    parent VFS: close both, then delete the database, -wal, -shm
**            and -journal once each.
**   seed     the seed's pattern in C (parent VFS): close both, open a fresh
**            connection, PRAGMA wal_checkpoint(TRUNCATE), close it, sleep
**            50 ms (its gc.collect() has no C equivalent), then for each of
**            the four files robust_unlink: up to 10 tries, 100 ms apart.
**   walsafe  connections through walsafe: close both, then
**            walsafe_delete_database(path, 5000).
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
    bench_exec(aDb[c], "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0;"
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

/* robust_unlink of the seed: returns once the file is gone or after the
** last try. */
static void seed_robust_unlink(const char *zName) {
  sqlite3_vfs *parent = sqlite3_vfs_find(BENCH_PARENT_VFS);
  int i;
  for (i = 0; i < SEED_UNLINK_TRIES; i++) {
    int rc = parent->xDelete(parent, zName, 0);
    if (rc == SQLITE_OK || rc == SQLITE_IOERR_DELETE_NOENT || !bench_file_exists(zName)) return;
    if (i + 1 < SEED_UNLINK_TRIES) bench_sleep_ms(SEED_UNLINK_GAP_MS);
  }
}

static void seed_teardown(const char *zPath) {
  static const char *const suffixes[] = {"-wal", "-shm", "-journal", ""};
  char zName[1024];
  sqlite3 *fresh = bench_open(zPath, BENCH_PARENT_VFS, SQLITE_OPEN_READWRITE);
  size_t i;
  /* A failed checkpoint is ignored, as the seed's helper does. */
  sqlite3_exec(fresh, "PRAGMA wal_checkpoint(TRUNCATE)", 0, 0, 0);
  sqlite3_close(fresh);
  bench_sleep_ms(SEED_SLEEP_MS);
  for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
    snprintf(zName, sizeof(zName), "%s%s", zPath, suffixes[i]);
    seed_robust_unlink(zName);
  }
}

/* One teardown: milliseconds from "work done" to the method's return.
** holdMs > 0: deleting the -wal fails with "in use" for that long. */
static double teardown_once(const bench_settings *s, int method, int holdMs, int *pLeft) {
  char zPath[1024];
  sqlite3 *aDb[2];
  int64_t t0, t1;
  snprintf(zPath, sizeof(zPath), "%s/teardown-%s.db", s->dir, td_names[method]);
  teardown_prepare(zPath, method == TD_WALSAFE ? BENCH_WALSAFE_VFS : BENCH_PARENT_VFS, aDb);
  t0 = bench_now_ns();
  if (holdMs > 0) bench_inject_wal_hold(sqlite3_vfs_find(BENCH_PARENT_VFS), t0 + (int64_t)holdMs * 1000000);
  sqlite3_close(aDb[1]);
  sqlite3_close(aDb[0]);
  switch (method) {
    case TD_PLAIN: bench_remove_database(zPath); break;
    case TD_SEED: seed_teardown(zPath); break;
    default: walsafe_delete_database(zPath, WALSAFE_DELETE_TIMEOUT_MS); break;
  }
  t1 = bench_now_ns();
  if (holdMs > 0) bench_inject_wal_hold(sqlite3_vfs_find(BENCH_PARENT_VFS), 0);
  *pLeft = bench_files_left(zPath);
  bench_remove_database(zPath); /* whatever a method left, for the next one */
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
  bench_row("3 teardown: plain close + unlink vs walsafe (× faster)", zP, zW, ratio, zRatio, BENCH_GOAL_NONE, 0,
            "—");
}

/* The plot's data: per hold time, each method's median latency over three
** tries and the most files it left. */
void bench_teardown_holds(const bench_settings *s, const char *zDataFile) {
  static const int holds[] = {0, 250, 1000, 3000};
  FILE *out = fopen(zDataFile, "w");
  size_t h;
  if (out == 0) bench_fail("cannot write %s", zDataFile);
  fprintf(out, "# teardown latency (ms) and files left (of 4) with the -wal held for hold_ms\n");
  fprintf(out, "# platform: %s VFS, SQLite %s; median of 3 tries\n", BENCH_PARENT_VFS, sqlite3_libversion());
  fprintf(out, "# hold_ms plain_ms plain_left seed_ms seed_left walsafe_ms walsafe_left\n");
  for (h = 0; h < sizeof(holds) / sizeof(holds[0]); h++) {
    fprintf(out, "%d", holds[h]);
    for (int k = 0; k < TD_METHODS; k++) {
      double ms[3];
      int left, maxLeft = 0, t;
      for (t = 0; t < 3; t++) {
        ms[t] = teardown_once(s, k, holds[h], &left);
        if (left > maxLeft) maxLeft = left;
      }
      fprintf(out, " %.2f %d", bench_median(ms, 3), maxLeft);
      fprintf(stderr, "hold %4d ms: %-8s %8.2f ms, %d files left\n", holds[h], td_names[k], ms[1], maxLeft);
    }
    fprintf(out, "\n");
  }
  fclose(out);
}
