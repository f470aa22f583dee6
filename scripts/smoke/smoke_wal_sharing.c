/*
 * Smoke test for the mingw + Wine test infrastructure (not part of walsafe).
 *
 * Shows that Wine reproduces the Windows behaviour walsafe exists for: while
 * another handle has the -wal open without FILE_SHARE_DELETE, SQLite's win32
 * VFS cannot delete it on close (DeleteFileW -> ERROR_SHARING_VIOLATION),
 * retries for ~1.4 s, and leaves the -wal on disk.
 *
 * Usage: smoke_wal_sharing [wal|deletefile]   (TCase name; default: all)
 */
#include <windows.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite3.h"

/* ---- helpers ----------------------------------------------------------- */

/* Unique scratch directory under %TEMP% (C:\users\<u>\AppData\Local\Temp
 * in the Wine prefix), so concurrent ctest jobs never collide. */
static void make_scratch_dir(wchar_t *out, size_t cap, const wchar_t *tag)
{
    wchar_t tmp[MAX_PATH];
    DWORD n = GetTempPathW(MAX_PATH, tmp);
    ck_assert_uint_gt(n, 0);
    LARGE_INTEGER t;
    QueryPerformanceCounter(&t);
    int w = _snwprintf(out, cap, L"%lswalsafe-smoke-%ls-%lu-%lld", tmp, tag,
                       (unsigned long)GetCurrentProcessId(), (long long)t.QuadPart);
    ck_assert(w > 0 && (size_t)w < cap);
    ck_assert_msg(CreateDirectoryW(out, NULL), "CreateDirectoryW: %lu",
                  (unsigned long)GetLastError());
}

static void to_utf8(const wchar_t *w, char *out, int cap)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, out, cap, NULL, NULL);
    ck_assert_int_gt(n, 0);
}

static int file_exists(const wchar_t *path)
{
    return GetFileAttributesW(path) != INVALID_FILE_ATTRIBUTES;
}

static double now_ms(void)
{
    LARGE_INTEGER f, c;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&c);
    return (double)c.QuadPart * 1000.0 / (double)f.QuadPart;
}

/* SQLite's error log (SQLITE_CONFIG_LOG): the win32 VFS reports the final
 * DeleteFile failure (after its silent retries) as
 * "os_win.c:N: (32) winDelete(...) - Sharing violation." where 32 is
 * GetLastError(). We record whether such a line was seen. */
static volatile LONG g_saw_delete_sharing_violation;

static void sqlite_log(void *arg, int code, const char *msg)
{
    (void)arg;
    fprintf(stderr, "  [sqlite log] (%d) %s\n", code, msg);
    if (strstr(msg, "winDelete") && strstr(msg, "(32)"))
        InterlockedExchange(&g_saw_delete_sharing_violation, 1);
}

static void exec_ok(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
    ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, err ? err : "?");
    sqlite3_free(err);
}

/* ---- a second thread holds the -wal open -------------------------------- */

struct holder {
    const wchar_t *path;
    HANDLE opened; /* event: handle is open */
    HANDLE h;      /* the handle (process-wide; closed by the main thread) */
    DWORD err;
};

static DWORD WINAPI hold_wal(LPVOID arg)
{
    struct holder *ho = arg;
    /* Share READ|WRITE (compatible with SQLite's own handle) but NOT DELETE:
     * the typical backup tool / antivirus / indexer pattern. */
    ho->h = CreateFileW(ho->path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE,
                        NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    ho->err = (ho->h == INVALID_HANDLE_VALUE) ? GetLastError() : 0;
    SetEvent(ho->opened);
    return 0;
}

/* ---- tests --------------------------------------------------------------- */

START_TEST(wal_kept_when_delete_hits_sharing_violation)
{
    wchar_t dir[MAX_PATH], db_w[MAX_PATH], wal_w[MAX_PATH], shm_w[MAX_PATH];
    char db_u8[3 * MAX_PATH];
    make_scratch_dir(dir, MAX_PATH, L"wal");
    _snwprintf(db_w, MAX_PATH, L"%ls\\test.db", dir);
    _snwprintf(wal_w, MAX_PATH, L"%ls\\test.db-wal", dir);
    _snwprintf(shm_w, MAX_PATH, L"%ls\\test.db-shm", dir);
    to_utf8(db_w, db_u8, (int)sizeof db_u8);

    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(db_u8, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, "win32");
    ck_assert_int_eq(rc, SQLITE_OK);

    sqlite3_stmt *st = NULL;
    ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);

    exec_ok(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1),(2),(3);");
    ck_assert_msg(file_exists(wal_w), "-wal should exist after a write in WAL mode");

    struct holder ho = { .path = wal_w, .opened = CreateEventW(NULL, TRUE, FALSE, NULL) };
    ck_assert_ptr_nonnull(ho.opened);
    HANDLE th = CreateThread(NULL, 0, hold_wal, &ho, 0, NULL);
    ck_assert_ptr_nonnull(th);
    ck_assert_uint_eq(WaitForSingleObject(ho.opened, 10000), WAIT_OBJECT_0);
    ck_assert_msg(ho.h != INVALID_HANDLE_VALUE, "CreateFileW(-wal) failed: %lu",
                  (unsigned long)ho.err);

    /* Last connection closes: SQLite checkpoints, then tries to delete the
     * -wal; DeleteFileW fails with ERROR_SHARING_VIOLATION and winDelete
     * retries 10 times (25 ms * (1+..+10) = 1375 ms) before giving up. */
    double t0 = now_ms();
    rc = sqlite3_close(db);
    double close_ms = now_ms() - t0;
    printf("smoke: sqlite3_close() with -wal held open took %.0f ms (rc=%d)\n", close_ms, rc);
    fflush(stdout);
    ck_assert_int_eq(rc, SQLITE_OK); /* the failed delete is not reported */

    ck_assert_msg(file_exists(wal_w), "-wal must survive: delete should have hit a sharing violation");
    ck_assert_msg(g_saw_delete_sharing_violation,
                  "expected SQLite to log winDelete failing with error 32");
    ck_assert_msg(close_ms >= 1000.0, "close took %.0f ms; expected the ~1.4 s retry loop", close_ms);

    /* The data is intact (it was checkpointed before the delete attempt). */
    ck_assert_int_eq(sqlite3_open_v2(db_u8, &db, SQLITE_OPEN_READWRITE, "win32"), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &st, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    ck_assert_int_eq(sqlite3_column_int(st, 0), 3);
    sqlite3_finalize(st);

    /* Release the foreign handle: now a clean close removes the -wal. */
    CloseHandle(ho.h);
    WaitForSingleObject(th, INFINITE);
    CloseHandle(th);
    CloseHandle(ho.opened);
    ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
    ck_assert_msg(!file_exists(wal_w), "-wal should be deleted once nobody holds it");

    DeleteFileW(shm_w);
    DeleteFileW(db_w);
    RemoveDirectoryW(dir);
}
END_TEST

START_TEST(deletefile_fails_with_sharing_violation)
{
    wchar_t dir[MAX_PATH], f_w[MAX_PATH];
    make_scratch_dir(dir, MAX_PATH, L"del");
    _snwprintf(f_w, MAX_PATH, L"%ls\\held.bin", dir);

    HANDLE h = CreateFileW(f_w, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                           NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
    ck_assert_msg(h != INVALID_HANDLE_VALUE, "CreateFileW: %lu", (unsigned long)GetLastError());

    /* Held without FILE_SHARE_DELETE -> DeleteFileW must fail with 32. */
    SetLastError(0);
    BOOL ok = DeleteFileW(f_w);
    DWORD err = GetLastError();
    printf("smoke: DeleteFileW on held file: ok=%d GetLastError()=%lu\n", (int)ok, (unsigned long)err);
    fflush(stdout);
    ck_assert(!ok);
    ck_assert_uint_eq(err, ERROR_SHARING_VIOLATION);
    ck_assert_uint_eq(ERROR_SHARING_VIOLATION, 32);
    ck_assert(file_exists(f_w));
    CloseHandle(h);

    /* Control: with FILE_SHARE_DELETE the same delete succeeds. */
    h = CreateFileW(f_w, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                    NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    ck_assert(h != INVALID_HANDLE_VALUE);
    ck_assert_msg(DeleteFileW(f_w), "DeleteFileW with FILE_SHARE_DELETE: %lu",
                  (unsigned long)GetLastError());
    CloseHandle(h);
    ck_assert(!file_exists(f_w));

    RemoveDirectoryW(dir);
}
END_TEST

static Suite *smoke_suite(void)
{
    Suite *s = suite_create("walsafe-smoke");
    TCase *wal = tcase_create("wal");
    tcase_set_timeout(wal, 60);
    tcase_add_test(wal, wal_kept_when_delete_hits_sharing_violation);
    suite_add_tcase(s, wal);
    TCase *del = tcase_create("deletefile");
    tcase_add_test(del, deletefile_fails_with_sharing_violation);
    suite_add_tcase(s, del);
    return s;
}

int main(int argc, char **argv)
{
    /* Must precede sqlite3_initialize(). */
    sqlite3_config(SQLITE_CONFIG_LOG, sqlite_log, NULL);
    printf("smoke: SQLite %s, threadsafe=%d\n", sqlite3_libversion(), sqlite3_threadsafe());

    SRunner *sr = srunner_create(smoke_suite());
    srunner_set_fork_status(sr, CK_NOFORK); /* no fork() on Windows */
    srunner_run(sr, NULL, argc > 1 ? argv[1] : NULL, CK_VERBOSE);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
