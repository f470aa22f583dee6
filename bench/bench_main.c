/*
** bench_main.c: walsafe_bench, the benchmark program behind bench/run.sh.
**
**   walsafe_bench [--rounds N] [--warmup N] [--scale X] COMMAND [ARGS]
**
**   info                      SQLite version and build (one line)
**   steady LABEL              figure 1, WAL and DELETE; LABEL names the SQLite
**   churn                     figure 2
**   teardown                  figure 3
**   holds DATAFILE            teardown with the -wal held 0..3000 ms (plot)
**   scale                     figure 4a
**   threads                   figure 4b
**   instr-steady VFS MODE     one steady round, for callgrind (figure 5)
**   instr-churn VFS           one churn round, for callgrind
**
** Result rows (Markdown) go to stdout, details to stderr. Every command works
** in a fresh temporary directory that it removes at the end.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "walsafe.h"

static void usage(void) {
  fprintf(stderr,
          "usage: walsafe_bench [--rounds N] [--warmup N] [--scale X] COMMAND [ARGS]\n"
          "commands: info, steady LABEL, churn, teardown, holds DATAFILE, scale, threads,\n"
          "          instr-steady VFS MODE, instr-churn VFS\n");
  exit(2);
}

int main(int argc, char **argv) {
  bench_settings s;
  char zDir[512];
  const char *zCmd;
  int i = 1, rc;
  s.warmup_rounds = 2;
  s.rounds = 9;
  s.scale = 1.0;
  s.cpu_clock_partial = bench_cpu_clock_is_partial();
  for (; i + 1 < argc && argv[i][0] == '-' && argv[i][1] == '-'; i += 2) {
    if (strcmp(argv[i], "--rounds") == 0)
      s.rounds = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--warmup") == 0)
      s.warmup_rounds = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--scale") == 0)
      s.scale = atof(argv[i + 1]);
    else
      usage();
  }
  if (i >= argc || s.rounds < 1 || s.rounds > BENCH_MAX_ROUNDS || s.warmup_rounds < 0 || s.scale <= 0) usage();
  zCmd = argv[i++];

  rc = walsafe_register(BENCH_PARENT_VFS, 0);
  if (rc != SQLITE_OK) bench_fail("walsafe_register: %s", walsafe_errmsg());
  if (strcmp(zCmd, "info") == 0) {
    printf("SQLite %s (%s), threadsafe=%d\n", sqlite3_libversion(), sqlite3_sourceid(), sqlite3_threadsafe());
    return 0;
  }
  if (bench_make_temp_dir("walsafe-bench", zDir, sizeof(zDir)) != 0) bench_fail("cannot make a temp directory");
  s.dir = zDir;

  if (strcmp(zCmd, "steady") == 0 && i < argc)
    bench_figure_steady(&s, argv[i]);
  else if (strcmp(zCmd, "churn") == 0)
    bench_figure_churn(&s);
  else if (strcmp(zCmd, "teardown") == 0)
    bench_figure_teardown(&s);
  else if (strcmp(zCmd, "holds") == 0 && i < argc)
    bench_teardown_holds(&s, argv[i]);
  else if (strcmp(zCmd, "scale") == 0)
    bench_figure_scale(&s);
  else if (strcmp(zCmd, "threads") == 0)
    bench_figure_threads(&s);
  else if (strcmp(zCmd, "instr-steady") == 0 && i + 1 < argc)
    bench_steady_for_callgrind(&s, argv[i], argv[i + 1]);
  else if (strcmp(zCmd, "instr-churn") == 0 && i < argc)
    bench_churn_for_callgrind(&s, argv[i]);
  else {
    bench_remove_dir(zDir);
    usage();
  }
  bench_remove_dir(zDir);
  return 0;
}
