/*
** bench_churn.c: figure 2 (connection churn) and figure 4b (churn on 1, 2
** and 4 threads, each on its own database).
**
** One churn iteration is the per-request pattern of web apps and test
** suites: open the database (WAL mode), PRAGMA synchronous=OFF, insert one
** row, close. Through walsafe the close includes its last-close cleanup.
*/
#include "bench_common.h"

#include <stdio.h>

#define CHURN_ITERATIONS 2000  /* per round, figure 2 */
#define THREAD_ITERATIONS 1000 /* per thread per round, figure 4b */
#define THREAD_COUNTS_MAX 4

static void churn_create(const char *zPath, const char *zVfs) {
  sqlite3 *db;
  bench_remove_database(zPath);
  db = bench_open(zPath, zVfs, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  bench_exec(db, "PRAGMA journal_mode=WAL; CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
  sqlite3_close(db);
}

/* The measured region of the churn figures (callgrind toggles on it). */
BENCH_NOINLINE void bench_churn_loop(const char *zPath, const char *zVfs, int n) {
  int i;
  for (i = 0; i < n; i++) {
    sqlite3 *db = bench_open(zPath, zVfs, SQLITE_OPEN_READWRITE);
    bench_exec(db, "PRAGMA synchronous=OFF; INSERT INTO t(v) VALUES ('one small write per request')");
    bench_check(sqlite3_close(db), 0, "close");
  }
}

static int churn_iterations(const bench_settings *s, int base) {
  int n = (int)(base * s->scale + 0.5);
  return n > 0 ? n : 1;
}

/* Figure 2: iterations per second on one database per VFS. */
static bench_sample churn_trial(const bench_settings *s, const char *zVfs, int round, void *pCtx) {
  char zPath[1024];
  int n = churn_iterations(s, CHURN_ITERATIONS);
  bench_stopwatch w;
  (void)pCtx;
  snprintf(zPath, sizeof(zPath), "%s/churn-%s.db", s->dir, zVfs);
  if (round == -s->warmup_rounds) churn_create(zPath, zVfs);
  bench_stopwatch_start(&w);
  bench_churn_loop(zPath, zVfs, n);
  return bench_stopwatch_rate(&w, n);
}

void bench_figure_churn(const bench_settings *s) {
  bench_sample aParent[BENCH_MAX_ROUNDS], aWalsafe[BENCH_MAX_ROUNDS];
  char zPath[1024];
  bench_ab(s, churn_trial, 0, aParent, aWalsafe);
  bench_ab_row("2 churn: open, insert, close (WAL)", aParent, aWalsafe, s->rounds,
               s->cpu_clock_partial ? "/s" : "/CPU-s", s->cpu_clock_partial ? BENCH_CLOCK_WALL : BENCH_CLOCK_CPU,
               BENCH_GOAL_AT_LEAST, 0.95, "≥ 0.95", 0);
  snprintf(zPath, sizeof(zPath), "%s/churn-%s.db", s->dir, BENCH_WALSAFE_VFS);
  if (bench_files_left(zPath) != 1) fprintf(stderr, "churn: walsafe left side files behind\n");
}

void bench_churn_for_callgrind(const bench_settings *s, const char *zVfs) {
  char zPath[1024];
  snprintf(zPath, sizeof(zPath), "%s/instr-churn-%s.db", s->dir, zVfs);
  churn_create(zPath, zVfs);
  bench_churn_loop(zPath, zVfs, churn_iterations(s, CHURN_ITERATIONS));
  bench_remove_database(zPath);
}

/* ---- figure 4b ---- */
typedef struct thread_job {
  char zPath[1024];
  const char *zVfs;
  int iterations;
} thread_job;

static void *thread_churn(void *p) {
  thread_job *j = (thread_job *)p;
  bench_churn_loop(j->zPath, j->zVfs, j->iterations);
  return 0;
}

/* All threads' iterations per second, wall clock. */
static bench_sample threads_trial(const bench_settings *s, const char *zVfs, int round, void *pCtx) {
  int nThread = *(int *)pCtx, i;
  thread_job jobs[THREAD_COUNTS_MAX];
  bench_thread threads[THREAD_COUNTS_MAX];
  bench_stopwatch w;
  for (i = 0; i < nThread; i++) {
    snprintf(jobs[i].zPath, sizeof(jobs[i].zPath), "%s/thread%d-%s.db", s->dir, i, zVfs);
    jobs[i].zVfs = zVfs;
    jobs[i].iterations = churn_iterations(s, THREAD_ITERATIONS);
    if (round == -s->warmup_rounds) churn_create(jobs[i].zPath, zVfs);
  }
  bench_stopwatch_start(&w);
  for (i = 0; i < nThread; i++) {
    if (bench_thread_start(&threads[i], thread_churn, &jobs[i]) != 0) bench_fail("cannot start a thread");
  }
  for (i = 0; i < nThread; i++)
    bench_thread_join(&threads[i]);
  return bench_stopwatch_rate(&w, (double)nThread * jobs[0].iterations);
}

void bench_figure_threads(const bench_settings *s) {
  static const int counts[] = {1, 2, 4};
  bench_sample aParent[BENCH_MAX_ROUNDS], aWalsafe[BENCH_MAX_ROUNDS];
  double ratioOne = 0, noiseOne = 0;
  size_t c;
  for (c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
    int nThread = counts[c];
    double noise, band;
    char zFig[128], zGoal[96];
    bench_ab(s, threads_trial, &nThread, aParent, aWalsafe);
    snprintf(zFig, sizeof(zFig), "4b churn on %d thread%s, own databases", nThread, nThread > 1 ? "s" : "");
    if (nThread == 1) {
      ratioOne = bench_ab_row(zFig, aParent, aWalsafe, s->rounds, "/s", BENCH_CLOCK_WALL, BENCH_GOAL_NONE, 0,
                              "reference", &noiseOne);
      continue;
    }
    /* "Does not fall": not below the 1-thread ratio by more than the larger
    ** of the two noise bands (half-IQR of the per-round ratios). Judged on
    ** the wall clock: a lock shows up as waiting, not as CPU time. */
    (void)bench_paired_ratio(aParent, aWalsafe, s->rounds, 0, BENCH_CLOCK_WALL, &noise);
    band = noise > noiseOne ? noise : noiseOne;
    snprintf(zGoal, sizeof(zGoal), "≥ %.3f (1 thread) − %.3f noise", ratioOne, band);
    bench_ab_row(zFig, aParent, aWalsafe, s->rounds, "/s", BENCH_CLOCK_WALL, BENCH_GOAL_AT_LEAST, ratioOne - band,
                 zGoal, 0);
  }
}
