/*
** test_win_extension.c: walsafe.dll as a loadable extension in a Windows
** program that links SQLite (SQLITE_ENABLE_LOAD_EXTENSION) and not walsafe,
** the way Python's sqlite3 and Microsoft.Data.Sqlite load it.
**   test_win_extension.exe <path of walsafe.dll>
*/
#include <stdio.h>
#include <string.h>

#include "win_support.h"

static char g_dll[MAX_PATH * 3];

START_TEST(walsafe_dll_loads_and_becomes_the_default_vfs) {
  char dir[MAX_PATH * 3], db[MAX_PATH * 3], wal[MAX_PATH * 3], sql[MAX_PATH * 4];
  sqlite3 *mem = 0, *c;
  char *zErr = 0, *zName = 0;
  tw_scanner s;
  int rc;
  ck_assert_ptr_null(sqlite3_vfs_find(WALSAFE_VFS_NAME));
  ck_assert_str_eq(sqlite3_vfs_find(0)->zName, "win32");
  ck_assert_int_eq(sqlite3_open(":memory:", &mem), SQLITE_OK);
  ck_assert_int_eq(sqlite3_enable_load_extension(mem, 1), SQLITE_OK);
  /* No entry point named: SQLite derives sqlite3_walsafe_init from the file
  ** name, as conn.load_extension("walsafe") does. */
  rc = sqlite3_load_extension(mem, g_dll, 0, &zErr);
  ck_assert_msg(rc == SQLITE_OK, "load %s: %s", g_dll, zErr ? zErr : "?");
  ck_assert_ptr_nonnull(sqlite3_vfs_find(WALSAFE_VFS_NAME));
  ck_assert_str_eq(sqlite3_vfs_find(0)->zName, WALSAFE_VFS_NAME);
  /* Loading it again is harmless. */
  ck_assert_int_eq(sqlite3_load_extension(mem, g_dll, "sqlite3_walsafe_init", 0), SQLITE_OK);
  sqlite3_close(mem); /* it stays loaded: SQLITE_OK_LOAD_PERMANENTLY */

  tw_scratch_dir(dir, sizeof(dir), "ext");
  tw_scratch_path(db, sizeof(db), dir, "e.db");
  tw_side_path(wal, sizeof(wal), db, "-wal");
  c = tw_open_wal_with_rows(db, 0, 50); /* the default VFS */
  ck_assert_int_eq(sqlite3_file_control(c, "main", SQLITE_FCNTL_VFSNAME, &zName), SQLITE_OK);
  ck_assert_str_eq(zName, "walsafe/win32");
  sqlite3_free(zName);
  snprintf(sql, sizeof(sql), "SELECT walsafe_handle_count('%s')", db);
  ck_assert_int_eq(tw_query_int(c, sql), 2); /* main + wal, through the SQL function */
  /* Close with a scanner on the -wal for 700 ms (past the native retry's
  ** 1 x 1 ms that walsafe leaves it): walsafe waits it out. */
  tw_scanner_start(&s, wal, TW_SHARE_RW, 700);
  tw_close(c);
  tw_scanner_join(&s);
  ck_assert(!tw_exists(wal));
  c = tw_open(":memory:", 0);
  snprintf(sql, sizeof(sql), "SELECT walsafe_delete_database('%s', 1000)", db);
  ck_assert_int_eq(tw_query_int(c, sql), 1);
  tw_close(c);
  ck_assert(!tw_exists(db));
  tw_scratch_remove(dir);
}
END_TEST

int main(int argc, char **argv) {
  Suite *s = suite_create("win_extension");
  TCase *t = tcase_create("extension");
  char *p;
  if (argc < 2) {
    fprintf(stderr, "usage: %s PATH-OF-walsafe.dll [TCASE]\n", argv[0]);
    return 2;
  }
  /* ctest under Wine passes the Unix path: Wine's Z: drive is /. */
  snprintf(g_dll, sizeof(g_dll), "%s%s", argv[1][0] == '/' ? "Z:" : "", argv[1]);
  for (p = g_dll; *p; p++)
    if (*p == '/') *p = '\\';
  tw_log_install();
  tcase_add_test(t, walsafe_dll_loads_and_becomes_the_default_vfs);
  suite_add_tcase(s, t);
  return tw_run(s, argc - 1, argv + 1);
}
