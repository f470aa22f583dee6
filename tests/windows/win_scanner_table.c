/*
** win_scanner_table.c: not a test. Prints, for the plain win32 VFS and for
** walsafe over it, what each scanner scenario leaves on disk and how long
** the close and the delete take (docs/windows.md records a run under Wine).
**   scripts/wine-run.sh build-win/tests/windows/win_scanner_table.exe
** Close: a WAL database of 100 rows, its last connection closed while a
** scanner holds one file. Delete: the closed database and empty -wal, -shm
** and -journal, removed while a scanner holds one of them; the plain
** column is what an application does by hand (DeleteFileW on each file,
** like File.Delete or os.remove), walsafe's is walsafe_delete_database(5000).
*/
#include <stdio.h>
#include <string.h>

#include "win_support.h"

typedef struct scenario {
  const char *zLabel;
  const char *zSuffix; /* file the scanner holds; NULL: no scanner */
  DWORD share;
  int hold_ms;
} scenario;

static const scenario k_scenarios[] = {
    {"no scanner", 0, 0, 0},
    {"-wal, share RW, 500 ms", "-wal", TW_SHARE_RW, 500},
    {"-wal, share RW, 2000 ms", "-wal", TW_SHARE_RW, 2000},
    {"-wal, share RW, 5000 ms", "-wal", TW_SHARE_RW, 5000},
    {"-wal, share RWD, 2000 ms", "-wal", TW_SHARE_RWD, 2000},
    {"-shm, share RW, 2000 ms", "-shm", TW_SHARE_RW, 2000},
    {"database, share RW, 2000 ms", "", TW_SHARE_RW, 2000},
};

/* The files of zDb on disk: side files only, or with the database too. */
static void leftovers(const char *zDb, int with_db, char *zOut, size_t nOut) {
  char z[MAX_PATH * 3];
  long long n;
  zOut[0] = 0;
  if (with_db && tw_exists(zDb)) snprintf(zOut, nOut, "db ");
  tw_side_path(z, sizeof(z), zDb, "-wal");
  n = tw_file_size(z);
  if (n >= 0) snprintf(zOut + strlen(zOut), nOut - strlen(zOut), "-wal (%lld B) ", n);
  tw_side_path(z, sizeof(z), zDb, "-shm");
  if (tw_exists(z)) snprintf(zOut + strlen(zOut), nOut - strlen(zOut), "-shm ");
  tw_side_path(z, sizeof(z), zDb, "-journal");
  if (tw_exists(z)) snprintf(zOut + strlen(zOut), nOut - strlen(zOut), "-journal ");
  if (!zOut[0]) snprintf(zOut, nOut, "nothing");
}

static void run(const scenario *sc, int walsafe) {
  static const char *sides[] = {"", "-wal", "-shm", "-journal"};
  char dir[MAX_PATH * 3], db[MAX_PATH * 3], held[MAX_PATH * 3], z[MAX_PATH * 3];
  char left_close[128], left_after[128], left_delete[128], del[160];
  const char *zVfs = walsafe ? WALSAFE_VFS_NAME : "win32";
  tw_scanner s;
  sqlite3 *c;
  double t0, close_ms, delete_ms;
  int i;
  if (walsafe)
    tw_use_walsafe(3000);
  else
    tw_use_plain();
  tw_scratch_dir(dir, sizeof(dir), "table");
  tw_scratch_path(db, sizeof(db), dir, "t.db");
  /* Close. */
  c = tw_open_wal_with_rows(db, zVfs, 100);
  if (sc->zSuffix) {
    tw_side_path(held, sizeof(held), db, sc->zSuffix);
    tw_scanner_start(&s, held, sc->share, sc->hold_ms);
  }
  t0 = tw_now_ms();
  tw_close(c);
  close_ms = tw_now_ms() - t0;
  leftovers(db, 0, left_close, sizeof(left_close));
  if (sc->zSuffix) tw_scanner_join(&s);
  leftovers(db, 0, left_after, sizeof(left_after));
  /* Delete, from a clean start with every file present. */
  tw_scratch_remove(dir);
  tw_scratch_dir(dir, sizeof(dir), "table");
  tw_scratch_path(db, sizeof(db), dir, "t.db");
  c = tw_open(db, "win32");
  tw_exec(c, "CREATE TABLE t(x); INSERT INTO t VALUES(1)");
  tw_close(c);
  for (i = 1; i < 4; i++) {
    tw_side_path(z, sizeof(z), db, sides[i]);
    tw_create_empty(z);
  }
  if (sc->zSuffix) {
    tw_side_path(held, sizeof(held), db, sc->zSuffix);
    tw_scanner_start(&s, held, sc->share, sc->hold_ms);
  }
  t0 = tw_now_ms();
  if (walsafe) {
    int rc = walsafe_delete_database(db, 5000);
    snprintf(del, sizeof(del), "%s", rc == SQLITE_OK ? "SQLITE_OK" : sqlite3_errstr(rc));
  } else {
    del[0] = 0;
    for (i = 0; i < 4; i++) {
      WCHAR w[MAX_PATH * 3];
      tw_side_path(z, sizeof(z), db, sides[i]);
      MultiByteToWideChar(CP_UTF8, 0, z, -1, w, MAX_PATH * 3);
      if (!DeleteFileW(w) && GetLastError() != ERROR_FILE_NOT_FOUND) {
        snprintf(del + strlen(del), sizeof(del) - strlen(del), "%s fails (%lu) ", i ? sides[i] : "db",
                 (unsigned long)GetLastError());
      }
    }
    if (!del[0]) snprintf(del, sizeof(del), "all deleted");
  }
  delete_ms = tw_now_ms() - t0;
  leftovers(db, 1, left_delete, sizeof(left_delete));
  if (sc->zSuffix) tw_scanner_join(&s);
  printf("| %s | %s | %.0f | %s | %s | %.0f | %s | %s |\n", sc->zLabel, walsafe ? "walsafe" : "win32", close_ms,
         left_close, left_after, delete_ms, del, left_delete);
  fflush(stdout);
  if (walsafe) walsafe_unregister();
  tw_scratch_remove(dir);
}

/* Run inside a Check test, so that a failed step is reported. */
START_TEST(print_the_table) {
  size_t i;
  printf(
      "| scanner holds | VFS | close ms | side files right after close | ... after the scanner let go | delete ms | "
      "delete result | files right after delete |\n");
  printf("|---|---|---|---|---|---|---|---|\n");
  for (i = 0; i < sizeof(k_scenarios) / sizeof(k_scenarios[0]); i++) {
    run(&k_scenarios[i], 0);
    run(&k_scenarios[i], 1);
  }
}
END_TEST

int main(int argc, char **argv) {
  Suite *s = suite_create("win_scanner_table");
  TCase *t = tcase_create("table");
  tcase_add_test(t, print_the_table);
  suite_add_tcase(s, t);
  tw_log_install();
  return tw_run(s, argc, argv);
}
