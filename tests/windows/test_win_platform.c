/*
** test_win_platform.c: the platform answers on Windows, on real files with real CreateFileW handles.
**   transient  which failures walsafe waits out, also when GetLastError()
**              was overwritten by the logging between the failure and the
**              question
**   paths      one database under every spelling of its path; -shm mappings
**              counted from xShmMap/xShmUnmap
**   network    UNC classification, and one SQLITE_WARNING per database in
**              WAL mode on a share
*/
#include <stdio.h>
#include <string.h>

#include "platform.h"
#include "win_support.h"

/* ---- transient -------------------------------------------------------------- */

START_TEST(conflict_codes_are_transient_without_looking) {
  ck_assert_int_eq(ws_platform_is_transient(ERROR_SHARING_VIOLATION, 0), 1);
  ck_assert_int_eq(ws_platform_is_transient(ERROR_LOCK_VIOLATION, 0), 1);
  ck_assert_int_eq(ws_platform_is_transient(ERROR_DELETE_PENDING, 0), 1);
  ck_assert_int_eq(ws_platform_is_transient(ERROR_ACCESS_DENIED, 0), 0);
  ck_assert_int_eq(ws_platform_is_transient(ERROR_SUCCESS, 0), 0);
}
END_TEST

START_TEST(held_file_is_transient_whatever_the_error_code_says) {
  char dir[MAX_PATH * 3], f[MAX_PATH * 3];
  tw_scanner s;
  tw_scratch_dir(dir, sizeof(dir), "held");
  tw_scratch_path(f, sizeof(f), dir, "held.db-wal");
  tw_create_empty(f);
  tw_scanner_start(&s, f, TW_SHARE_RW, -1);
  /* The real code, and what the logging may have left instead. */
  ck_assert_int_eq(ws_platform_is_transient(ERROR_SHARING_VIOLATION, f), 1);
  ck_assert_int_eq(ws_platform_is_transient(ERROR_SUCCESS, f), 1);
  ck_assert_int_eq(ws_platform_is_transient(ERROR_PATH_NOT_FOUND, f), 1);
  ck_assert_int_eq(ws_platform_is_transient(ERROR_ACCESS_DENIED, f), 1);
  ck_assert_int_eq(ws_platform_is_transient(317 /* ERROR_MR_MID_NOT_FOUND */, f), 1);
  tw_scanner_release(&s);
  tw_scanner_join(&s);
  tw_scratch_remove(dir);
}
END_TEST

START_TEST(missing_file_and_missing_directory_are_permanent) {
  char dir[MAX_PATH * 3], f[MAX_PATH * 3], g[MAX_PATH * 3];
  tw_scratch_dir(dir, sizeof(dir), "missing");
  tw_scratch_path(f, sizeof(f), dir, "nothing.db");
  tw_scratch_path(g, sizeof(g), dir, "no-such-dir\\nothing.db");
  ck_assert_int_eq(ws_platform_is_transient(ERROR_FILE_NOT_FOUND, f), 0);
  ck_assert_int_eq(ws_platform_is_transient(ERROR_PATH_NOT_FOUND, g), 0);
  ck_assert_int_eq(ws_platform_is_transient(ERROR_ACCESS_DENIED, f), 0);
  ck_assert_int_eq(ws_platform_is_transient(ERROR_SUCCESS, g), 0);
  tw_scratch_remove(dir);
}
END_TEST

START_TEST(read_only_file_and_directory_are_permanent) {
  char dir[MAX_PATH * 3], f[MAX_PATH * 3];
  WCHAR w[MAX_PATH * 3];
  tw_scratch_dir(dir, sizeof(dir), "ro");
  tw_scratch_path(f, sizeof(f), dir, "ro.db-journal");
  tw_create_empty(f);
  MultiByteToWideChar(CP_UTF8, 0, f, -1, w, MAX_PATH * 3);
  ck_assert(SetFileAttributesW(w, FILE_ATTRIBUTE_READONLY));
  /* The denial is real: the delete fails, and keeps failing. */
  {
    BOOL deleted = DeleteFileW(w);
    DWORD err = GetLastError();
    ck_assert(!deleted);
    ck_assert_uint_eq(err, ERROR_ACCESS_DENIED);
  }
  ck_assert_int_eq(ws_platform_is_transient(ERROR_ACCESS_DENIED, f), 0);
  ck_assert_int_eq(ws_platform_is_transient(ERROR_SUCCESS, f), 0);
  ck_assert_int_eq(ws_platform_is_transient(ERROR_ACCESS_DENIED, dir), 0);
  ck_assert(SetFileAttributesW(w, FILE_ATTRIBUTE_NORMAL));
  tw_scratch_remove(dir);
}
END_TEST

START_TEST(full_disk_is_permanent_even_on_a_free_file) {
  char dir[MAX_PATH * 3], f[MAX_PATH * 3];
  tw_scratch_dir(dir, sizeof(dir), "full");
  tw_scratch_path(f, sizeof(f), dir, "full.db");
  tw_create_empty(f);
  ck_assert_int_eq(ws_platform_is_transient(ERROR_DISK_FULL, f), 0);
  ck_assert_int_eq(ws_platform_is_transient(ERROR_HANDLE_DISK_FULL, f), 0);
  ck_assert_int_eq(ws_platform_is_transient(ERROR_WRITE_PROTECT, f), 0);
  /* A free file after any other error: the conflict ended, retry. */
  ck_assert_int_eq(ws_platform_is_transient(ERROR_ACCESS_DENIED, f), 1);
  tw_scratch_remove(dir);
}
END_TEST

/*
** A delete while a scanner that shares delete holds the file: the delete
** succeeds and is pending until the scanner closes. Windows (before POSIX
** delete semantics) then refuses every open with ERROR_ACCESS_DENIED, which
** must count as transient; Wine keeps no pending state (the name opens, and
** even "re-creating" it opens the same pending file). Either way the name
** is gone once the scanner lets go.
*/
START_TEST(access_denied_from_a_pending_delete_is_transient) {
  char dir[MAX_PATH * 3], f[MAX_PATH * 3];
  WCHAR w[MAX_PATH * 3];
  HANDLE h;
  tw_scanner s;
  tw_scratch_dir(dir, sizeof(dir), "pending");
  tw_scratch_path(f, sizeof(f), dir, "p.db-wal");
  tw_create_empty(f);
  MultiByteToWideChar(CP_UTF8, 0, f, -1, w, MAX_PATH * 3);
  tw_scanner_start(&s, f, TW_SHARE_RWD, -1);
  ck_assert_msg(DeleteFileW(w), "DeleteFileW: %lu", (unsigned long)GetLastError());
  h = CreateFileW(w, GENERIC_READ | GENERIC_WRITE, TW_SHARE_RW, 0, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, 0);
  if (h == INVALID_HANDLE_VALUE) {
    DWORD err = GetLastError();
    printf("pending delete: open refused with %lu (Windows semantics)\n", (unsigned long)err);
    ck_assert_uint_eq(err, ERROR_ACCESS_DENIED);
    ck_assert_int_eq(ws_platform_is_transient((int)err, f), 1);
  } else {
    printf("pending delete: the name still opens (%s semantics)\n", tw_running_under_wine() ? "Wine" : "POSIX delete");
    CloseHandle(h);
    ck_assert_int_eq(ws_platform_is_transient(ERROR_ACCESS_DENIED, f), 1);
  }
  tw_scanner_release(&s);
  tw_scanner_join(&s);
  ck_assert_msg(!tw_exists(f), "the pending delete should be done once the scanner closed");
  tw_scratch_remove(dir);
}
END_TEST

/*
** The end-to-end form of the above: winDelete logs its failure through
** sqlite3_log before walsafe can ask for the error, and this log callback
** leaves GetLastError() at ERROR_PATH_NOT_FOUND. walsafe must still see the
** sharing violation and wait the scanner out instead of giving up at once.
*/
START_TEST(delete_waits_out_a_scanner_even_when_the_logger_overwrites_the_error) {
  char dir[MAX_PATH * 3], f[MAX_PATH * 3];
  sqlite3_vfs *v;
  tw_scanner s;
  double t0, t1;
  int rc;
  int n, d;
  sqlite3 *db;
  tw_use_walsafe(3000);
  v = sqlite3_vfs_find(WALSAFE_VFS_NAME);
  tw_scratch_dir(dir, sizeof(dir), "clobber");
  tw_scratch_path(f, sizeof(f), dir, "c.db");
  /* The first database opened through walsafe turns the win32 VFS's own
  ** retry down to 1 x 1 ms, so each failed DeleteFileW reaches walsafe. */
  db = tw_open(f, WALSAFE_VFS_NAME);
  tw_close(db);
  tw_native_retry(&n, &d);
  ck_assert_int_eq(n, 1);
  ck_assert_int_eq(d, 1);
  tw_scratch_path(f, sizeof(f), dir, "c.db-journal");
  tw_create_empty(f);
  tw_log_reset();
  tw_log_clobber(1);
  tw_scanner_start(&s, f, TW_SHARE_RW, 600);
  t0 = tw_now_ms();
  rc = v->xDelete(v, f, 0);
  t1 = tw_now_ms();
  tw_log_clobber(0);
  tw_scanner_join(&s);
  printf("delete under a 600 ms scanner, logger overwriting the error: rc=%d after %.0f ms (%d log lines clobbered)\n",
         rc, t1 - t0, tw_log_clobbered());
  ck_assert_int_gt(tw_log_count("winDelete"), 0); /* the failure was logged ... */
  ck_assert_int_gt(tw_log_clobbered(), 0);        /* ... and the logger overwrote the error */
  ck_assert_int_eq(rc, SQLITE_OK);
  ck_assert(!tw_exists(f));
  ck_assert_double_ge(t1, s.released_ms - 1);
  tw_scratch_remove(dir);
}
END_TEST

/* ---- paths ---------------------------------------------------------------------- */

static void lower_ascii(char *z) {
  for (; *z; z++)
    if (*z >= 'A' && *z <= 'Z') *z = (char)(*z - 'A' + 'a');
}
static void upper_ascii(char *z) {
  for (; *z; z++)
    if (*z >= 'a' && *z <= 'z') *z = (char)(*z - 'a' + 'A');
}
static void slashes(char *z) {
  for (; *z; z++)
    if (*z == '\\') *z = '/';
}

static void expect_count(const char *zSpelling, int n) {
  int got = walsafe_handle_count(zSpelling);
  ck_assert_msg(got == n, "walsafe_handle_count(%s) = %d, want %d (%s)", zSpelling, got, n, walsafe_errmsg());
}

START_TEST(one_database_under_every_spelling) {
  char dir[MAX_PATH * 3], sub[MAX_PATH * 3], db[MAX_PATH * 3], z[MAX_PATH * 3];
  WCHAR wsub[MAX_PATH * 3], wshort[MAX_PATH * 3], cwd[MAX_PATH * 3];
  walsafe_counters c0, c1;
  sqlite3 *a, *b;
  tw_use_walsafe(3000);
  tw_scratch_dir(dir, sizeof(dir), "Spell");
  tw_scratch_path(sub, sizeof(sub), dir, "Data Files");
  MultiByteToWideChar(CP_UTF8, 0, sub, -1, wsub, MAX_PATH * 3);
  ck_assert(CreateDirectoryW(wsub, 0));
  tw_scratch_path(db, sizeof(db), sub, "App.db");
  walsafe_get_counters(&c0);
  a = tw_open(db, WALSAFE_VFS_NAME);
  tw_exec(a, "CREATE TABLE t(x)");
  expect_count(db, 1);
  strcpy(z, db);
  lower_ascii(z);
  expect_count(z, 1);
  upper_ascii(z);
  expect_count(z, 1);
  slashes(z);
  expect_count(z, 1);
  /* Relative spellings, from inside the scratch directory. */
  ck_assert(GetCurrentDirectoryW(MAX_PATH * 3, cwd) > 0);
  {
    WCHAR wdir[MAX_PATH * 3];
    MultiByteToWideChar(CP_UTF8, 0, dir, -1, wdir, MAX_PATH * 3);
    ck_assert(SetCurrentDirectoryW(wdir));
  }
  expect_count("Data Files\\App.db", 1);
  expect_count("data files/app.db", 1);
  expect_count(".\\DATA FILES\\.\\app.DB", 1);
  expect_count("Data Files\\..\\Data Files\\App.db", 1);
  /* A second connection under another spelling is the same database. */
  b = tw_open("data files/APP.DB", WALSAFE_VFS_NAME);
  ck_assert_int_eq(tw_query_int(b, "SELECT count(*) FROM sqlite_schema"), 1);
  expect_count(db, 2);
  expect_count("DATA FILES\\app.db", 2);
  walsafe_get_counters(&c1);
  ck_assert_int_eq(c1.databases_tracked - c0.databases_tracked, 1);
  /* The 8.3 short name of the directory, where the file system has one. */
  if (GetShortPathNameW(wsub, wshort, MAX_PATH * 3) > 0 && wcscmp(wshort, wsub) != 0) {
    char zShort[MAX_PATH * 3];
    WideCharToMultiByte(CP_UTF8, 0, wshort, -1, zShort, sizeof(zShort), 0, 0);
    strcat(zShort, "\\app.db");
    printf("short spelling: %s\n", zShort);
    expect_count(zShort, 2);
  } else {
    printf("no 8.3 short name for %s here; short spelling not tested\n", sub);
  }
  ck_assert(SetCurrentDirectoryW(cwd));
  tw_close(b);
  expect_count(db, 1);
  tw_close(a);
  expect_count(db, 0);
  tw_scratch_remove(sub);
  tw_scratch_remove(dir);
}
END_TEST

/* Case folding beyond ASCII, as NTFS compares names (both spellings name
** the same directory on Windows and under Wine). */
START_TEST(non_ascii_names_fold_case) {
  char dir[MAX_PATH * 3], sub[MAX_PATH * 3], db[MAX_PATH * 3], other[MAX_PATH * 3];
  WCHAR w[MAX_PATH * 3];
  sqlite3 *a;
  tw_use_walsafe(3000);
  tw_scratch_dir(dir, sizeof(dir), "uni");
  tw_scratch_path(sub, sizeof(sub), dir, "D\xc3\xa4t\xc3\xa4"); /* Dätä */
  MultiByteToWideChar(CP_UTF8, 0, sub, -1, w, MAX_PATH * 3);
  ck_assert(CreateDirectoryW(w, 0));
  tw_scratch_path(db, sizeof(db), sub, "\xc3\xa4pp.db");                           /* äpp.db */
  tw_scratch_path(other, sizeof(other), dir, "D\xc3\x84T\xc3\x84\\\xc3\x84PP.DB"); /* DÄTÄ\ÄPP.DB */
  a = tw_open(db, WALSAFE_VFS_NAME);
  tw_exec(a, "CREATE TABLE t(x)");
  expect_count(other, 1);
  tw_close(a);
  tw_scratch_remove(sub);
  tw_scratch_remove(dir);
}
END_TEST

static int status_has(const char *zDb, const char *zNeedle) {
  char *z = walsafe_status(zDb);
  int has = z && strstr(z, zNeedle) != 0;
  if (!has) printf("status of %s lacks \"%s\":\n%s\n", zDb, zNeedle, z ? z : "(null)");
  sqlite3_free(z);
  return has;
}

START_TEST(shm_mappings_are_counted_from_xShmMap_and_xShmUnmap) {
  char dir[MAX_PATH * 3], db[MAX_PATH * 3];
  sqlite3 *a, *b;
  tw_use_walsafe(3000);
  tw_scratch_dir(dir, sizeof(dir), "shm");
  tw_scratch_path(db, sizeof(db), dir, "shm.db");
  a = tw_open_wal_with_rows(db, WALSAFE_VFS_NAME, 10);
  /* The -shm is opened inside the win32 VFS: counted as a mapping, not a
  ** handle (main + wal = 2). */
  expect_count(db, 2);
  ck_assert(status_has(db, "shm=1"));
  b = tw_open(db, WALSAFE_VFS_NAME);
  ck_assert_int_eq(tw_query_int(b, "SELECT count(*) FROM t"), 10);
  expect_count(db, 4);
  ck_assert(status_has(db, "shm=2"));
  tw_close(b);
  ck_assert(status_has(db, "shm=1"));
  expect_count(db, 2);
  tw_close(a);
  expect_count(db, 0);
  {
    char wal[MAX_PATH * 3], shm[MAX_PATH * 3];
    tw_side_path(wal, sizeof(wal), db, "-wal");
    tw_side_path(shm, sizeof(shm), db, "-shm");
    ck_assert(!tw_exists(wal));
    ck_assert(!tw_exists(shm));
  }
  tw_scratch_remove(dir);
}
END_TEST

/* ---- network ---------------------------------------------------------------------- */

START_TEST(unc_paths_are_network_and_local_ones_are_not) {
  static const struct {
    const char *z;
    int network;
  } cases[] = {
      {"\\\\server\\share\\app.db", 1},
      {"//server/share/app.db", 1},
      {"\\\\wsl$\\Ubuntu\\home\\me\\app.db", 1},
      {"\\\\wsl.localhost\\Ubuntu\\app.db", 1},
      {"\\\\?\\UNC\\server\\share\\app.db", 1},
      {"\\\\?\\unc\\server\\share\\app.db", 1},
      {"\\\\?\\C:\\data\\app.db", 0},
      {"\\\\.\\C:\\data\\app.db", 0},
      {"\\\\.\\pipe\\app", 0},
      {"C:\\data\\app.db", 0},
      {"c:/data/app.db", 0},
      {"app.db", 0},
  };
  size_t i;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    ck_assert_msg(ws_platform_is_network_path(cases[i].z) == cases[i].network, "%s should be %s", cases[i].z,
                  cases[i].network ? "network" : "local");
  }
}
END_TEST

START_TEST(long_path_prefixes_name_the_same_database) {
  char a[512], b[512];
  ck_assert_int_gt(ws_platform_path_key("\\\\?\\UNC\\Server\\Share\\App.db", a, sizeof(a)), 0);
  ck_assert_int_gt(ws_platform_path_key("\\\\server\\share\\app.db", b, sizeof(b)), 0);
  ck_assert_str_eq(a, b);
  ck_assert_int_gt(ws_platform_path_key("\\\\?\\C:\\No Such Dir\\App.db", a, sizeof(a)), 0);
  ck_assert_int_gt(ws_platform_path_key("c:/no such dir/app.db", b, sizeof(b)), 0);
  ck_assert_str_eq(a, b);
  ck_assert_int_eq(ws_platform_path_key("C:\\data\\app.db", a, 4), -1);
}
END_TEST

/*
** A share to open a database on, with no network: under Wine,
** \\walsafe-test\share is the directory dosdevices\unc\walsafe-test\share
** of the prefix (Wine resolves UNC names there); on Windows the admin share
** \\localhost\C$ when it is reachable. 0 when neither works.
*/
static int make_share_dir(char *zOut, int nOut) {
  static LONG seq;
  char prefix[MAX_PATH * 2], z[MAX_PATH * 3];
  WCHAR w[MAX_PATH * 3];
  DWORD n = GetEnvironmentVariableA("WINEPREFIX", prefix, sizeof(prefix));
  if (tw_running_under_wine() && n > 0 && n < sizeof(prefix) && prefix[0] == '/') {
    const char *parts[] = {"\\dosdevices", "\\unc", "\\walsafe-test", "\\share"};
    size_t i;
    char *p;
    snprintf(z, sizeof(z), "Z:%s", prefix);
    for (p = z; *p; p++)
      if (*p == '/') *p = '\\';
    for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
      strcat(z, parts[i]);
      MultiByteToWideChar(CP_UTF8, 0, z, -1, w, MAX_PATH * 3);
      CreateDirectoryW(w, 0);
    }
    snprintf(zOut, (size_t)nOut, "\\\\walsafe-test\\share\\net-%lu-%ld", (unsigned long)GetCurrentProcessId(),
             (long)InterlockedIncrement(&seq));
  } else {
    char tmp[MAX_PATH];
    GetTempPathA(MAX_PATH, tmp);
    snprintf(zOut, (size_t)nOut, "\\\\localhost\\%c$%snet-%lu-%ld", tmp[0], tmp + 2,
             (unsigned long)GetCurrentProcessId(), (long)InterlockedIncrement(&seq));
  }
  MultiByteToWideChar(CP_UTF8, 0, zOut, -1, w, MAX_PATH * 3);
  return CreateDirectoryW(w, 0) != 0;
}

START_TEST(wal_on_a_share_logs_one_warning_per_database) {
  char share[MAX_PATH * 3], a_db[MAX_PATH * 3], b_db[MAX_PATH * 3], c_db[MAX_PATH * 3];
  char local[MAX_PATH * 3], local_db[MAX_PATH * 3];
  sqlite3 *a1, *a2, *b, *c, *l;
  tw_use_walsafe(3000);
  if (!make_share_dir(share, sizeof(share))) {
    printf("no share reachable without a network here: logging on a share not tested\n");
    return;
  }
  printf("share directory: %s\n", share);
  tw_scratch_path(a_db, sizeof(a_db), share, "a.db");
  tw_scratch_path(b_db, sizeof(b_db), share, "b.db");
  tw_scratch_path(c_db, sizeof(c_db), share, "c.db");
  tw_scratch_dir(local, sizeof(local), "local");
  tw_scratch_path(local_db, sizeof(local_db), local, "l.db");
  tw_log_reset();
  a1 = tw_open_wal_with_rows(a_db, WALSAFE_VFS_NAME, 5);
  a2 = tw_open(a_db, WALSAFE_VFS_NAME);
  tw_exec(a2, "INSERT INTO t VALUES('second connection')");
  ck_assert_int_eq(tw_query_int(a1, "SELECT count(*) FROM t"), 6);
  b = tw_open_wal_with_rows(b_db, WALSAFE_VFS_NAME, 1);
  c = tw_open(c_db, WALSAFE_VFS_NAME); /* rollback journal: no warning */
  tw_exec(c, "CREATE TABLE t(x); INSERT INTO t VALUES(1)");
  l = tw_open_wal_with_rows(local_db, WALSAFE_VFS_NAME, 1);
  ck_assert_int_eq(tw_log_count("network file system"), 2);
  ck_assert_int_eq(tw_log_count("a.db is on a network file system"), 1);
  ck_assert_int_eq(tw_log_count("b.db is on a network file system"), 1);
  ck_assert_int_eq(tw_log_count("c.db is on a network"), 0);
  ck_assert_int_eq(tw_log_count("l.db is on a network"), 0);
  ck_assert(tw_log_count("(28) walsafe:") >= 2); /* SQLITE_WARNING */
  tw_close(a2);
  tw_close(a1);
  tw_close(b);
  tw_close(c);
  tw_close(l);
  tw_scratch_remove(share);
  tw_scratch_remove(local);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("win_platform");
  TCase *t = tcase_create("transient");
  tcase_add_test(t, conflict_codes_are_transient_without_looking);
  tcase_add_test(t, held_file_is_transient_whatever_the_error_code_says);
  tcase_add_test(t, missing_file_and_missing_directory_are_permanent);
  tcase_add_test(t, read_only_file_and_directory_are_permanent);
  tcase_add_test(t, full_disk_is_permanent_even_on_a_free_file);
  tcase_add_test(t, access_denied_from_a_pending_delete_is_transient);
  tcase_add_test(t, delete_waits_out_a_scanner_even_when_the_logger_overwrites_the_error);
  suite_add_tcase(s, t);
  t = tcase_create("paths");
  tcase_add_test(t, one_database_under_every_spelling);
  tcase_add_test(t, non_ascii_names_fold_case);
  tcase_add_test(t, shm_mappings_are_counted_from_xShmMap_and_xShmUnmap);
  suite_add_tcase(s, t);
  t = tcase_create("network");
  tcase_add_test(t, unc_paths_are_network_and_local_ones_are_not);
  tcase_add_test(t, long_path_prefixes_name_the_same_database);
  tcase_add_test(t, wal_on_a_share_logs_one_warning_per_database);
  suite_add_tcase(s, t);
  return s;
}

int main(int argc, char **argv) {
  tw_log_install();
  return tw_run(suite(), argc, argv);
}
