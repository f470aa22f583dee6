/*
** bench_steady.c: figure 1 (steady work) and the workload figure 5 counts
** instructions of.
**
** The database: t(id INTEGER PRIMARY KEY, k INTEGER, v TEXT) with an index
** on k, preloaded with 20,000 rows of 100-byte text (about 3 MB, more than
** SQLite's default 2 MB page cache, so reads do reach the VFS). One round
** of the mixed workload, on a connection opened beforehand:
**   2,000 inserts in transactions of 100
**   4,000 point lookups by id
**     400 range scans over about 50 rows each (by k)
**   1,000 updates of v in transactions of 50
** synchronous=OFF: an fsync costs the same through walsafe (one indirect
** call) and its noise would bury a 1% difference.
** Every round starts from a fresh copy of one preloaded file (built once
** per mode through the parent), so a round is short and its A and B run
** close together in time; A and B get the same seed.
*/
#include "bench_common.h"

#include <stdio.h>

#define STEADY_ROWS 20000
#define STEADY_K_RANGE 1000000
#define STEADY_VALUE_BYTES 100

typedef struct steady_sizes {
  int preload_rows;
  int insert_batches, inserts_per_batch;
  int lookups;
  int scans, scan_width; /* width in k: about 50 rows at 20,000 rows */
  int update_batches, updates_per_batch;
} steady_sizes;

static steady_sizes steady_sizes_for(double scale) {
  steady_sizes z;
  z.preload_rows = STEADY_ROWS;
  z.insert_batches = (int)(20 * scale + 0.5);
  z.inserts_per_batch = 100;
  z.lookups = (int)(4000 * scale + 0.5);
  z.scans = (int)(400 * scale + 0.5);
  z.scan_width = STEADY_K_RANGE / STEADY_ROWS * 50;
  z.update_batches = (int)(20 * scale + 0.5);
  z.updates_per_batch = 50;
  return z;
}

static void steady_value(bench_rng *rng, char *z) {
  int i;
  for (i = 0; i < STEADY_VALUE_BYTES; i++)
    z[i] = (char)('a' + bench_rng_below(rng, 26));
  z[STEADY_VALUE_BYTES] = 0;
}

/* Build the preloaded database at zPath (closed and checkpointed after). */
static void steady_build_template(const char *zPath, const char *zMode, const steady_sizes *z) {
  char zSql[200], zValue[STEADY_VALUE_BYTES + 1];
  sqlite3 *db;
  sqlite3_stmt *ins;
  bench_rng rng;
  int i;
  bench_remove_database(zPath);
  db = bench_open(zPath, BENCH_PARENT_VFS, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  snprintf(zSql, sizeof(zSql), "PRAGMA journal_mode=%s; PRAGMA synchronous=OFF", zMode);
  bench_exec(db, zSql);
  bench_exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v TEXT); CREATE INDEX t_k ON t(k)");
  bench_rng_seed(&rng, 42);
  ins = bench_prepare(db, "INSERT INTO t(k, v) VALUES (?1, ?2)");
  bench_exec(db, "BEGIN");
  for (i = 0; i < z->preload_rows; i++) {
    steady_value(&rng, zValue);
    sqlite3_bind_int64(ins, 1, bench_rng_below(&rng, STEADY_K_RANGE));
    sqlite3_bind_text(ins, 2, zValue, -1, SQLITE_TRANSIENT);
    bench_step_done(ins);
  }
  bench_exec(db, "COMMIT");
  sqlite3_finalize(ins);
  bench_check(sqlite3_close(db), 0, "close");
}

/* A byte copy of the closed template, opened through zVfs. */
static sqlite3 *steady_setup(const char *zPath, const char *zVfs, const char *zTemplate) {
  static char buf[1 << 16];
  FILE *in = fopen(zTemplate, "rb"), *out;
  size_t n;
  sqlite3 *db;
  bench_remove_database(zPath);
  out = fopen(zPath, "wb");
  if (in == 0 || out == 0) bench_fail("cannot copy %s to %s", zTemplate, zPath);
  while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
    if (fwrite(buf, 1, n, out) != n) bench_fail("cannot write %s", zPath);
  }
  fclose(in);
  if (fclose(out) != 0) bench_fail("cannot write %s", zPath);
  db = bench_open(zPath, zVfs, SQLITE_OPEN_READWRITE);
  bench_exec(db, "PRAGMA synchronous=OFF");
  return db;
}

/* The measured region (callgrind toggles collection on this name).
** Returns the number of operations done. */
BENCH_NOINLINE int bench_steady_workload(sqlite3 *db, uint64_t seed, const steady_sizes *z) {
  sqlite3_stmt *ins = bench_prepare(db, "INSERT INTO t(k, v) VALUES (?1, ?2)");
  sqlite3_stmt *get = bench_prepare(db, "SELECT k, v FROM t WHERE id = ?1");
  sqlite3_stmt *scan = bench_prepare(db, "SELECT count(*), sum(length(v)) FROM t WHERE k BETWEEN ?1 AND ?2");
  sqlite3_stmt *upd = bench_prepare(db, "UPDATE t SET v = ?2 WHERE id = ?1");
  char zValue[STEADY_VALUE_BYTES + 1];
  int64_t maxId = z->preload_rows;
  bench_rng rng;
  int b, i, ops = 0;
  bench_rng_seed(&rng, seed);
  for (b = 0; b < z->insert_batches; b++) {
    bench_exec(db, "BEGIN");
    for (i = 0; i < z->inserts_per_batch; i++, ops++) {
      steady_value(&rng, zValue);
      sqlite3_bind_int64(ins, 1, bench_rng_below(&rng, STEADY_K_RANGE));
      sqlite3_bind_text(ins, 2, zValue, -1, SQLITE_TRANSIENT);
      bench_step_done(ins);
      maxId++;
    }
    bench_exec(db, "COMMIT");
  }
  for (i = 0; i < z->lookups; i++, ops++) {
    sqlite3_bind_int64(get, 1, 1 + bench_rng_below(&rng, maxId));
    bench_check(sqlite3_step(get), db, "lookup");
    sqlite3_reset(get);
  }
  for (i = 0; i < z->scans; i++, ops++) {
    int64_t lo = bench_rng_below(&rng, STEADY_K_RANGE);
    sqlite3_bind_int64(scan, 1, lo);
    sqlite3_bind_int64(scan, 2, lo + z->scan_width);
    bench_check(sqlite3_step(scan), db, "scan");
    sqlite3_reset(scan);
  }
  for (b = 0; b < z->update_batches; b++) {
    bench_exec(db, "BEGIN");
    for (i = 0; i < z->updates_per_batch; i++, ops++) {
      steady_value(&rng, zValue);
      sqlite3_bind_int64(upd, 1, 1 + bench_rng_below(&rng, maxId));
      sqlite3_bind_text(upd, 2, zValue, -1, SQLITE_TRANSIENT);
      bench_step_done(upd);
    }
    bench_exec(db, "COMMIT");
  }
  sqlite3_finalize(ins);
  sqlite3_finalize(get);
  sqlite3_finalize(scan);
  sqlite3_finalize(upd);
  return ops;
}

typedef struct steady_ctx {
  char zTemplate[1024];
  steady_sizes sizes;
} steady_ctx;

/* One round on a fresh database: operations per second. */
static bench_sample steady_trial(const bench_settings *s, const char *zVfs, int round, void *pCtx) {
  steady_ctx *c = (steady_ctx *)pCtx;
  char zPath[1024];
  sqlite3 *db;
  bench_stopwatch w;
  bench_sample rate;
  int ops;
  snprintf(zPath, sizeof(zPath), "%s/steady-%s.db", s->dir, zVfs);
  db = steady_setup(zPath, zVfs, c->zTemplate);
  bench_stopwatch_start(&w);
  ops = bench_steady_workload(db, 1000 + (uint64_t)(round + 100), &c->sizes);
  rate = bench_stopwatch_rate(&w, ops);
  sqlite3_close(db);
  bench_remove_database(zPath);
  return rate;
}

void bench_figure_steady(const bench_settings *s, const char *zLabel) {
  static const char *const modes[] = {"WAL", "DELETE"};
  bench_sample aParent[BENCH_MAX_ROUNDS], aWalsafe[BENCH_MAX_ROUNDS];
  size_t m;
  for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
    steady_ctx c;
    char zFig[160];
    c.sizes = steady_sizes_for(s->scale);
    snprintf(c.zTemplate, sizeof(c.zTemplate), "%s/template-%s.db", s->dir, modes[m]);
    steady_build_template(c.zTemplate, modes[m], &c.sizes);
    bench_ab(s, steady_trial, &c, aParent, aWalsafe);
    snprintf(zFig, sizeof(zFig), "1 steady work, %s, %s", modes[m], zLabel);
    bench_ab_row(zFig, aParent, aWalsafe, s->rounds, "ops/CPU-s", BENCH_CLOCK_CPU, BENCH_GOAL_AT_LEAST, 0.99, "≥ 0.99",
                 0);
    bench_remove_database(c.zTemplate);
  }
}

void bench_steady_for_callgrind(const bench_settings *s, const char *zVfs, const char *zMode) {
  steady_sizes z = steady_sizes_for(s->scale);
  char zPath[1024], zTemplate[1024];
  sqlite3 *db;
  int ops;
  snprintf(zPath, sizeof(zPath), "%s/instr-%s.db", s->dir, zVfs);
  snprintf(zTemplate, sizeof(zTemplate), "%s/template-%s.db", s->dir, zMode);
  steady_build_template(zTemplate, zMode, &z);
  db = steady_setup(zPath, zVfs, zTemplate);
  ops = bench_steady_workload(db, 1000, &z);
  sqlite3_close(db);
  bench_remove_database(zPath);
  bench_remove_database(zTemplate);
  fprintf(stderr, "steady workload through %s, %s: %d operations\n", zVfs, zMode, ops);
}
