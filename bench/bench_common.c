/*
** bench_common.c: helpers every figure uses (bench_common.h).
*/
#include "bench_common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void bench_rng_seed(bench_rng *r, uint64_t seed) { r->state = seed ? seed : 0x9E3779B97F4A7C15ull; }

uint64_t bench_rng_next(bench_rng *r) {
  uint64_t x = r->state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  r->state = x;
  return x * 0x2545F4914F6CDD1Dull;
}

int64_t bench_rng_below(bench_rng *r, int64_t n) { return (int64_t)(bench_rng_next(r) % (uint64_t)n); }

static int bench_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

double bench_median(double *a, int n) {
  if (n <= 0) return 0;
  qsort(a, (size_t)n, sizeof(double), bench_cmp_double);
  return n % 2 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
}

double bench_half_iqr(double *a, int n) {
  if (n < 4) return 0;
  qsort(a, (size_t)n, sizeof(double), bench_cmp_double);
  return (a[(3 * n) / 4] - a[n / 4]) / 2;
}

void bench_fail(const char *zFormat, ...) {
  va_list ap;
  va_start(ap, zFormat);
  fprintf(stderr, "walsafe_bench: ");
  vfprintf(stderr, zFormat, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  exit(1);
}

void bench_check(int rc, sqlite3 *db, const char *zWhat) {
  if (rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) {
    bench_fail("%s: %s", zWhat, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  }
}

sqlite3 *bench_open(const char *zPath, const char *zVfs, int flags) {
  sqlite3 *db = 0;
  int rc = sqlite3_open_v2(zPath, &db, flags, zVfs);
  if (rc != SQLITE_OK) bench_fail("open %s through %s: %s", zPath, zVfs, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  return db;
}

void bench_exec(sqlite3 *db, const char *zSql) { bench_check(sqlite3_exec(db, zSql, 0, 0, 0), db, zSql); }

sqlite3_stmt *bench_prepare(sqlite3 *db, const char *zSql) {
  sqlite3_stmt *st = 0;
  bench_check(sqlite3_prepare_v2(db, zSql, -1, &st, 0), db, zSql);
  return st;
}

void bench_step_done(sqlite3_stmt *st) {
  int rc = sqlite3_step(st);
  if (rc != SQLITE_DONE) bench_check(rc == SQLITE_ROW ? SQLITE_ERROR : rc, sqlite3_db_handle(st), sqlite3_sql(st));
  sqlite3_reset(st);
}

static const char *const bench_suffixes[] = {"-wal", "-shm", "-journal", ""};

int bench_remove_database(const char *zPath) {
  sqlite3_vfs *parent = sqlite3_vfs_find(BENCH_PARENT_VFS);
  char zName[1024];
  size_t i;
  for (i = 0; i < sizeof(bench_suffixes) / sizeof(bench_suffixes[0]); i++) {
    snprintf(zName, sizeof(zName), "%s%s", zPath, bench_suffixes[i]);
    parent->xDelete(parent, zName, 0);
  }
  return bench_files_left(zPath);
}

/* SQLITE_ACCESS_EXISTS says "no" for a file of zero bytes (an emptied
** -wal, say), so a file the parent can read and write exists too. */
int bench_file_exists(const char *zName) {
  sqlite3_vfs *parent = sqlite3_vfs_find(BENCH_PARENT_VFS);
  int exists = 0;
  if (parent->xAccess(parent, zName, SQLITE_ACCESS_EXISTS, &exists) != SQLITE_OK || exists) return 1;
  if (parent->xAccess(parent, zName, SQLITE_ACCESS_READWRITE, &exists) != SQLITE_OK || exists) return 1;
  return 0;
}

int bench_files_left(const char *zPath) {
  char zName[1024];
  size_t i;
  int left = 0;
  for (i = 0; i < sizeof(bench_suffixes) / sizeof(bench_suffixes[0]); i++) {
    snprintf(zName, sizeof(zName), "%s%s", zPath, bench_suffixes[i]);
    left += bench_file_exists(zName);
  }
  return left;
}

void bench_row(const char *zFigure, const char *zParent, const char *zWalsafe, double ratio, const char *zRatio,
               bench_goal_kind goalKind, double goal, const char *zGoalText) {
  const char *zMet = "info";
  char zShown[64];
  if (goalKind == BENCH_GOAL_AT_LEAST) zMet = ratio >= goal ? "met" : "**NOT met**";
  if (goalKind == BENCH_GOAL_AT_MOST) zMet = ratio <= goal ? "met" : "**NOT met**";
  if (zRatio == 0) {
    snprintf(zShown, sizeof(zShown), "%.3f", ratio);
    zRatio = zShown;
  }
  printf("| %s | %s | %s | %s | %s | %s |\n", zFigure, zParent, zWalsafe, zRatio, zGoalText, zMet);
  fflush(stdout);
}

void bench_stopwatch_start(bench_stopwatch *w) {
  w->wall0 = bench_now_ns();
  w->cpu0 = bench_cpu_ns();
}

bench_sample bench_stopwatch_rate(const bench_stopwatch *w, double count) {
  bench_sample x;
  int64_t cpu = bench_cpu_ns() - w->cpu0, wall = bench_now_ns() - w->wall0;
  x.wall = count / ((double)(wall > 0 ? wall : 1) / 1e9);
  x.cpu = count / ((double)(cpu > 0 ? cpu : 1) / 1e9);
  return x;
}

bench_sample bench_stopwatch_cost_us(const bench_stopwatch *w, double count) {
  bench_sample x;
  int64_t cpu = bench_cpu_ns() - w->cpu0, wall = bench_now_ns() - w->wall0;
  x.wall = (double)wall / 1e3 / count;
  x.cpu = (double)cpu / 1e3 / count;
  return x;
}

double bench_sample_get(bench_sample x, bench_clock c) { return c == BENCH_CLOCK_CPU ? x.cpu : x.wall; }

double bench_median_of(const bench_sample *a, int n, bench_clock c) {
  double v[BENCH_MAX_ROUNDS];
  int i;
  for (i = 0; i < n && i < BENCH_MAX_ROUNDS; i++)
    v[i] = bench_sample_get(a[i], c);
  return bench_median(v, i);
}

void bench_format_ratio(char *zOut, size_t nOut, double ratio, double noise, const char *zOther, double other,
                        double otherNoise) {
  if (zOther)
    snprintf(zOut, nOut, "%.3f ±%.3f (%s %.3f ±%.3f)", ratio, noise, zOther, other, otherNoise);
  else
    snprintf(zOut, nOut, "%.3f ±%.3f", ratio, noise);
}

void bench_ab(const bench_settings *s, bench_trial_fn trial, void *ctx, bench_sample *aParent, bench_sample *aWalsafe) {
  int r;
  for (r = -s->warmup_rounds; r < s->rounds; r++) {
    int walsafeFirst = (r & 1) != 0;
    bench_sample first = trial(s, walsafeFirst ? BENCH_WALSAFE_VFS : BENCH_PARENT_VFS, r, ctx);
    bench_sample second = trial(s, walsafeFirst ? BENCH_PARENT_VFS : BENCH_WALSAFE_VFS, r, ctx);
    if (r < 0) continue;
    aParent[r] = walsafeFirst ? second : first;
    aWalsafe[r] = walsafeFirst ? first : second;
  }
}

double bench_paired_ratio(const bench_sample *aParent, const bench_sample *aWalsafe, int n, int invert, bench_clock c,
                          double *pNoise) {
  double ratios[BENCH_MAX_ROUNDS];
  int i;
  for (i = 0; i < n && i < BENCH_MAX_ROUNDS; i++) {
    double p = bench_sample_get(aParent[i], c), w = bench_sample_get(aWalsafe[i], c);
    ratios[i] = invert ? p / w : w / p;
  }
  *pNoise = bench_half_iqr(ratios, i);
  return bench_median(ratios, i);
}

double bench_ab_row(const char *zFigure, const bench_sample *aParent, const bench_sample *aWalsafe, int n,
                    const char *zUnit, bench_clock judged, bench_goal_kind goalKind, double goal, const char *zGoalText,
                    double *pNoise) {
  bench_clock other = judged == BENCH_CLOCK_CPU ? BENCH_CLOCK_WALL : BENCH_CLOCK_CPU;
  double noise, otherNoise;
  double ratio = bench_paired_ratio(aParent, aWalsafe, n, 0, judged, &noise);
  double otherRatio = bench_paired_ratio(aParent, aWalsafe, n, 0, other, &otherNoise);
  char zP[64], zW[64], zRatio[96];
  snprintf(zP, sizeof(zP), "%.0f %s", bench_median_of(aParent, n, judged), zUnit);
  snprintf(zW, sizeof(zW), "%.0f %s", bench_median_of(aWalsafe, n, judged), zUnit);
  bench_format_ratio(zRatio, sizeof(zRatio), ratio, noise, other == BENCH_CLOCK_WALL ? "wall" : "CPU", otherRatio,
                     otherNoise);
  bench_row(zFigure, zP, zW, ratio, zRatio, goalKind, goal, zGoalText);
  if (pNoise) *pNoise = noise;
  return ratio;
}
