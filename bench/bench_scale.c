/*
** bench_scale.c: figure 4a, the cost of one open + read + close of a WAL
** database while 1, 100 or 10,000 other databases are held open in the
** same process, through the same VFS.
**
** The others are empty rollback-mode databases, one file descriptor each
** (a WAL database would hold three), with lookaside memory turned off so
** that 10,000 connections fit in a few hundred MB. Only one VFS's set is
** open at a time: the parent's own per-file state (the unix VFS's list of
** open inodes) is shared with walsafe, which sits over it.
** Each round visits every count and both VFSes; the order alternates.
*/
#include "bench_common.h"

#include <stdio.h>
#include <stdlib.h>

#define SCALE_MAX_OTHERS 10000
#define SCALE_OPENS 1000 /* per measurement */
#define SCALE_FD_HEADROOM 1000

static const int scale_counts[] = {1, 100, SCALE_MAX_OTHERS};
#define SCALE_NCOUNTS ((int)(sizeof(scale_counts) / sizeof(scale_counts[0])))

static sqlite3 **scale_hold(const bench_settings *s, const char *zVfs, int n) {
  sqlite3 **a = (sqlite3 **)malloc(sizeof(sqlite3 *) * (size_t)n);
  char zPath[1024];
  int i;
  if (a == 0) bench_fail("out of memory");
  for (i = 0; i < n; i++) {
    snprintf(zPath, sizeof(zPath), "%s/other-%05d.db", s->dir, i);
    a[i] = bench_open(zPath, zVfs, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    sqlite3_db_config(a[i], SQLITE_DBCONFIG_LOOKASIDE, (void *)0, 0, 0);
  }
  return a;
}

static void scale_release(sqlite3 **a, int n) {
  int i;
  for (i = 0; i < n; i++)
    sqlite3_close(a[i]);
  free(a);
}

/* Microseconds per open + SELECT + close of the target. */
BENCH_NOINLINE static bench_sample scale_measure(const bench_settings *s, const char *zVfs) {
  char zPath[1024];
  int n = (int)(SCALE_OPENS * s->scale + 0.5), i;
  bench_stopwatch w;
  if (n < 1) n = 1;
  snprintf(zPath, sizeof(zPath), "%s/target-%s.db", s->dir, zVfs);
  bench_stopwatch_start(&w);
  for (i = 0; i < n; i++) {
    sqlite3 *db = bench_open(zPath, zVfs, SQLITE_OPEN_READWRITE);
    bench_exec(db, "SELECT count(*) FROM t");
    bench_check(sqlite3_close(db), 0, "close");
  }
  return bench_stopwatch_cost_us(&w, n);
}

void bench_figure_scale(const bench_settings *s) {
  const char *vfses[2] = {BENCH_PARENT_VFS, BENCH_WALSAFE_VFS};
  bench_sample a[2][SCALE_NCOUNTS][BENCH_MAX_ROUNDS];
  double med[2][SCALE_NCOUNTS], medWall[2][SCALE_NCOUNTS];
  int r, c, v;
  if (bench_raise_file_limit(SCALE_MAX_OTHERS + SCALE_FD_HEADROOM) != 0) {
    bench_fail("cannot raise the open-file limit to %d", SCALE_MAX_OTHERS + SCALE_FD_HEADROOM);
  }
  for (v = 0; v < 2; v++) {
    char zPath[1024];
    sqlite3 *db;
    snprintf(zPath, sizeof(zPath), "%s/target-%s.db", s->dir, vfses[v]);
    db = bench_open(zPath, vfses[v], SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    bench_exec(db, "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1)");
    sqlite3_close(db);
  }
  for (r = -s->warmup_rounds; r < s->rounds; r++) {
    for (c = 0; c < SCALE_NCOUNTS; c++) {
      for (v = 0; v < 2; v++) {
        int vfs = (v + r + 2) % 2; /* ABBA over rounds */
        sqlite3 **held = scale_hold(s, vfses[vfs], scale_counts[c]);
        bench_sample us = scale_measure(s, vfses[vfs]);
        scale_release(held, scale_counts[c]);
        if (r >= 0) a[vfs][c][r] = us;
      }
    }
  }
  for (v = 0; v < 2; v++) {
    for (c = 0; c < SCALE_NCOUNTS; c++) {
      med[v][c] = bench_median_of(a[v][c], s->rounds, BENCH_CLOCK_CPU);
      medWall[v][c] = bench_median_of(a[v][c], s->rounds, BENCH_CLOCK_WALL);
    }
  }
  for (c = 0; c < SCALE_NCOUNTS; c++) {
    fprintf(stderr,
            "scale: %5d others open: CPU %s %.1f us (x%.3f of 1 other), walsafe %.1f us (x%.3f), walsafe/%s %.3f;"
            " wall %s %.1f us, walsafe %.1f us (x%.3f)\n",
            scale_counts[c], BENCH_PARENT_VFS, med[0][c], med[0][c] / med[0][0], med[1][c], med[1][c] / med[1][0],
            BENCH_PARENT_VFS, med[1][c] / med[0][c], BENCH_PARENT_VFS, medWall[0][c], medWall[1][c],
            medWall[1][c] / medWall[1][0]);
  }
  for (c = 1; c < SCALE_NCOUNTS; c++) {
    char zFig[128], zP[96], zW[96], zRatio[96];
    snprintf(zFig, sizeof(zFig), "4a open+read+close, %d others open vs 1 (cost ×)", scale_counts[c]);
    snprintf(zP, sizeof(zP), "%.1f µs (1 other: %.1f), ×%.3f", med[0][c], med[0][0], med[0][c] / med[0][0]);
    snprintf(zW, sizeof(zW), "%.1f µs (1 other: %.1f)", med[1][c], med[1][0]);
    snprintf(zRatio, sizeof(zRatio), "%.3f (wall %.3f)", med[1][c] / med[1][0], medWall[1][c] / medWall[1][0]);
    bench_row(zFig, zP, zW, med[1][c] / med[1][0], zRatio, BENCH_GOAL_AT_MOST, 1.10, "walsafe ≤ 1.10");
  }
  {
    /* What walsafe adds on top of its parent, N by N: the per-round ratio
    ** walsafe/parent (both measured in the same round at the same N). */
    double over[SCALE_NCOUNTS], noise[SCALE_NCOUNTS];
    char zW[160], zRatio[64];
    for (c = 0; c < SCALE_NCOUNTS; c++) {
      over[c] = bench_paired_ratio(a[0][c], a[1][c], s->rounds, 0, BENCH_CLOCK_CPU, &noise[c]);
    }
    snprintf(zW, sizeof(zW), "×%.3f ±%.3f / ×%.3f ±%.3f / ×%.3f ±%.3f", over[0], noise[0], over[1], noise[1], over[2],
             noise[2]);
    snprintf(zRatio, sizeof(zRatio), "%.3f", over[SCALE_NCOUNTS - 1] / over[0]);
    bench_row("4a walsafe's cost over the parent's, with 1 / 100 / 10000 others open", "(= 1)", zW,
              over[SCALE_NCOUNTS - 1] / over[0], zRatio, BENCH_GOAL_NONE, 0, "— (10000 vs 1)");
  }
}
