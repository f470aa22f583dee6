/*
** bench_common.h: what the benchmark figures share: the run settings, a
** seeded random generator, medians, SQLite helpers that exit on failure, and
** the one way results are printed (a Markdown table row per figure).
*/
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdint.h>

#include <sqlite3.h>

#include "bench_platform.h"

/* How many rounds to throw away and to keep. A and B alternate inside every
** round (ABBA order over rounds), so slow drift hits both alike. */
typedef struct bench_settings {
  int warmup_rounds;
  int rounds;
  double scale;          /* multiplies every workload size: 1 = the documented run */
  const char *dir;       /* a private temporary directory */
  int cpu_clock_partial; /* bench_cpu_clock_is_partial(): judge by the wall clock */
} bench_settings;

/* xorshift64*: the same seed gives the same workload to A and to B. */
typedef struct bench_rng {
  uint64_t state;
} bench_rng;
void bench_rng_seed(bench_rng *r, uint64_t seed);
uint64_t bench_rng_next(bench_rng *r);
int64_t bench_rng_below(bench_rng *r, int64_t n); /* 0..n-1 */

/* Statistics over n samples (the array is sorted in place). */
double bench_median(double *a, int n);
/* Half the interquartile range: the noise band printed beside a ratio. */
double bench_half_iqr(double *a, int n);

typedef enum { BENCH_GOAL_AT_LEAST, BENCH_GOAL_AT_MOST, BENCH_GOAL_NONE } bench_goal_kind;

/* SQLite calls that must not fail in a benchmark: print and exit. */
sqlite3 *bench_open(const char *zPath, const char *zVfs, int flags);
void bench_exec(sqlite3 *db, const char *zSql);
sqlite3_stmt *bench_prepare(sqlite3 *db, const char *zSql);
void bench_step_done(sqlite3_stmt *st); /* step to SQLITE_DONE, then reset */
void bench_check(int rc, sqlite3 *db, const char *zWhat);
void bench_fail(const char *zFormat, ...);

/* Delete the database and its side files through the parent VFS (once
** each, ignoring "no such file"); the number of the four still on disk. */
int bench_remove_database(const char *zPath);
int bench_files_left(const char *zPath);
int bench_file_exists(const char *zName); /* zero-byte files count */

/*
** One result row: ratio is judged against goal as goalKind says; zRatio
** is how it is shown (NULL: "%.3f").
*/
void bench_row(const char *zFigure, const char *zParent, const char *zWalsafe, double ratio, const char *zRatio,
               bench_goal_kind goalKind, double goal, const char *zGoalText);

/*
** Every timed region is measured on two clocks. Wall time is what a user
** waits for; the process's CPU time (user + system) is what the work costs,
** and unlike wall time it does not grow while other programs hold the CPU.
** On a shared machine the CPU clock is the steadier judge of single-thread
** work; where waiting is the point (threads, sleeps) the wall clock is.
*/
typedef enum { BENCH_CLOCK_WALL, BENCH_CLOCK_CPU } bench_clock;
typedef struct bench_sample {
  double wall; /* per-second rate (or cost) by the wall clock */
  double cpu;  /* ... by the process's CPU clock */
} bench_sample;
typedef struct bench_stopwatch {
  int64_t wall0, cpu0;
} bench_stopwatch;
void bench_stopwatch_start(bench_stopwatch *w);
bench_sample bench_stopwatch_rate(const bench_stopwatch *w, double count);    /* count per second */
bench_sample bench_stopwatch_cost_us(const bench_stopwatch *w, double count); /* microseconds each */
double bench_sample_get(bench_sample x, bench_clock c);

/*
** The A/B driver: trial(s, vfs, round, ctx) returns one measurement. Runs
** the warm-up rounds, then s->rounds rounds, parent first in even rounds
** and walsafe first in odd ones; fills aParent[] and aWalsafe[].
*/
typedef bench_sample (*bench_trial_fn)(const bench_settings *s, const char *zVfs, int round, void *ctx);
void bench_ab(const bench_settings *s, bench_trial_fn trial, void *ctx, bench_sample *aParent, bench_sample *aWalsafe);
/* Median over rounds of walsafe/parent (or parent/walsafe when invert) on
** clock c, each round's pair taken together; *pNoise gets its half-IQR. */
double bench_paired_ratio(const bench_sample *aParent, const bench_sample *aWalsafe, int n, int invert, bench_clock c,
                          double *pNoise);
/* Median over rounds on clock c. */
double bench_median_of(const bench_sample *a, int n, bench_clock c);
/* "0.998 ±0.004 (wall 0.990 ±0.030)": the judged ratio, then the other. */
void bench_format_ratio(char *zOut, size_t nOut, double ratio, double noise, const char *zOther, double other,
                        double otherNoise);
#define BENCH_MAX_ROUNDS 64

/* The row of an A/B throughput figure: medians on the judged clock, the
** paired ratio on it (goal applied), the other clock's ratio beside it.
** Returns the judged ratio; *pNoise (may be NULL) gets its noise. */
double bench_ab_row(const char *zFigure, const bench_sample *aParent, const bench_sample *aWalsafe, int n,
                    const char *zUnit, bench_clock judged, bench_goal_kind goalKind, double goal, const char *zGoalText,
                    double *pNoise);

/* The figures (bench_steady.c, bench_churn.c, bench_teardown.c,
** bench_scale.c). Each prints its detail to stderr and its rows to stdout. */
void bench_figure_steady(const bench_settings *s, const char *zLabel);
void bench_steady_for_callgrind(const bench_settings *s, const char *zVfs, const char *zMode);
void bench_figure_churn(const bench_settings *s);
void bench_churn_for_callgrind(const bench_settings *s, const char *zVfs);
void bench_figure_teardown(const bench_settings *s);
void bench_teardown_holds(const bench_settings *s, const char *zDataFile);
void bench_figure_scale(const bench_settings *s);
void bench_figure_threads(const bench_settings *s);

/* The VFS names the figures compare. */
#define BENCH_WALSAFE_VFS "walsafe"

#endif /* BENCH_COMMON_H */
