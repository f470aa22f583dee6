/*
** platform_win32.c: the platform answers for Windows.
**
** Transient or not? The parent's xGetLastError() is GetLastError() at the
** moment walsafe asks, and between the failing call and that moment the
** win32 VFS has already logged the failure: FormatMessageW, allocations,
** and the application's sqlite3_log callback (which may open a log file,
** call into Python or .NET, anything) all run there and may leave a
** different value behind. So the value is only a hint: the codes that only
** a conflict produces are believed, and every other answer comes from
** looking at the file itself, right now (ws_platform_is_transient).
*/
#ifdef _WIN32
#include <windows.h>

#include <string.h>
#include <wchar.h>

#include "platform.h"

void ws_mutex_enter(ws_mutex *m) { AcquireSRWLockExclusive((PSRWLOCK)m); }
void ws_mutex_leave(ws_mutex *m) { ReleaseSRWLockExclusive((PSRWLOCK)m); }

/* Windows refuses to delete a file that any handle without FILE_SHARE_DELETE
** holds (every win32 VFS handle), and walsafe_delete_database says so. */
int ws_platform_fds_on(const char *zFull) {
  (void)zFull;
  return 0;
}

sqlite3_int64 ws_platform_now_ms(void) { return (sqlite3_int64)GetTickCount64(); }

void ws_platform_sleep_ms(int ms) {
  if (ms > 0) Sleep((DWORD)ms);
}

/* zPath (UTF-8) as a wide string, sqlite3_malloc'd; NULL if it cannot be. */
static WCHAR *ws_to_wide(const char *zPath) {
  int n;
  WCHAR *z;
  if (zPath == 0) return 0;
  n = MultiByteToWideChar(CP_UTF8, 0, zPath, -1, 0, 0);
  if (n <= 0) return 0;
  z = sqlite3_malloc64(sizeof(WCHAR) * (sqlite3_uint64)n);
  if (z && MultiByteToWideChar(CP_UTF8, 0, zPath, -1, z, n) != n) {
    sqlite3_free(z);
    z = 0;
  }
  return z;
}

/* Open zWide for `access` sharing everything. ERROR_SUCCESS if it opened,
** else the reason it did not. */
static DWORD ws_try_open(const WCHAR *zWide, DWORD access) {
  HANDLE h = CreateFileW(zWide, access, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, 0, OPEN_EXISTING,
                         FILE_ATTRIBUTE_NORMAL, 0);
  if (h == INVALID_HANDLE_VALUE) return GetLastError();
  CloseHandle(h);
  return ERROR_SUCCESS;
}

/*
** A file whose delete is pending (someone deleted it while a handle that
** shares delete, a scanner's, is still open) stays in its directory, but
** Windows refuses every new open, even one asking for no access at all,
** with ERROR_ACCESS_DENIED, until that handle closes. A file the ACL keeps
** from us still opens for no access, and a read-only one says so in its
** attributes; so "listed, not read-only, and even a no-access open is
** denied" is the pending delete (docs/windows.md).
*/
static int ws_is_delete_pending(const WCHAR *zWide) {
  WIN32_FIND_DATAW fd;
  HANDLE hFind;
  DWORD err = ws_try_open(zWide, 0);
  if (err != ERROR_ACCESS_DENIED && err != ERROR_DELETE_PENDING) return 0;
  hFind = FindFirstFileW(zWide, &fd);
  if (hFind == INVALID_HANDLE_VALUE) return 0;
  FindClose(hFind);
  return !(fd.dwFileAttributes & (FILE_ATTRIBUTE_READONLY | FILE_ATTRIBUTE_DIRECTORY));
}

/* Errors that looking at the file cannot contradict: a full disk or a
** write-protected medium stays that way however free the file is. */
static int ws_is_permanent_whatever_the_file(int sys_err) {
  switch (sys_err) {
    case ERROR_DISK_FULL:
    case ERROR_HANDLE_DISK_FULL:
    case ERROR_WRITE_PROTECT:
    case ERROR_NOT_READY: return 1;
    default: return 0;
  }
}

/*
** ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION and ERROR_DELETE_PENDING
** come only from another handle (a scanner, an indexer, a backup agent), so
** they are believed. Anything else may be what the logging left behind, so
** the file is asked, with the open DeleteFileW itself makes (DELETE access,
** sharing everything):
**   - ERROR_SHARING_VIOLATION: a handle that does not share delete has it:
**     transient.
**   - a read-only attribute, a directory, a missing file or directory:
**     permanent.
**   - ERROR_ACCESS_DENIED: transient only if the delete is pending
**     (ws_is_delete_pending); otherwise a real permission denial.
**   - it opens: nothing is in the way any more (the conflict ended, or the
**     error code was overwritten): transient, unless sys_err is a full disk
**     or a write-protected medium. A wrong guess here costs one retry
**     budget of wall time, never a wrong result: the retry fails again.
** The probe holds DELETE access for the length of one CreateFileW and
** CloseHandle; an open that does not share delete (SQLite's own) hitting
** exactly that moment gets a sharing violation, which is itself retried.
*/
int ws_platform_is_transient(int sys_err, const char *zPath) {
  WCHAR *zWide;
  DWORD attr, err;
  int transient;
  switch (sys_err) {
    case ERROR_SHARING_VIOLATION:
    case ERROR_LOCK_VIOLATION:
    case ERROR_DELETE_PENDING: return 1;
    default: break;
  }
  zWide = ws_to_wide(zPath);
  if (zWide == 0) return 0;
  attr = GetFileAttributesW(zWide);
  if (attr != INVALID_FILE_ATTRIBUTES && (attr & (FILE_ATTRIBUTE_READONLY | FILE_ATTRIBUTE_DIRECTORY))) {
    sqlite3_free(zWide);
    return 0;
  }
  err = ws_try_open(zWide, DELETE);
  switch (err) {
    case ERROR_SUCCESS: transient = !ws_is_permanent_whatever_the_file(sys_err); break;
    case ERROR_SHARING_VIOLATION:
    case ERROR_LOCK_VIOLATION:
    case ERROR_DELETE_PENDING: transient = 1; break;
    case ERROR_ACCESS_DENIED: transient = ws_is_delete_pending(zWide); break;
    default: transient = 0; break; /* not found, bad name, device gone */
  }
  sqlite3_free(zWide);
  return transient;
}

/*
** Windows names are case-insensitive, take both separators, and may spell
** a directory by its 8.3 short name (GetTempPathW often returns
** C:\Users\RUNNER~1\...). The win32 VFS's xFullPathname (GetFullPathNameW)
** makes a path absolute but keeps the caller's case and short names. So the
** key is: the \\?\ prefix dropped, GetFullPathNameW (separators, "." and
** ".."), short names made long (GetLongPathNameW, on the whole path when
** the file exists, else on its directory; only for a path with a '~', and
** not for \\server\share paths),
** then upper case as NTFS
** compares it (invariant, not the user's locale), back in UTF-8.
*/
static WCHAR *ws_long_path(const WCHAR *zFull) {
  DWORD n = GetLongPathNameW(zFull, 0, 0);
  WCHAR *z;
  if (n > 0) {
    z = sqlite3_malloc64(sizeof(WCHAR) * (sqlite3_uint64)n);
    if (z) {
      DWORD m = GetLongPathNameW(zFull, z, n);
      if (m > 0 && m < n) return z;
    }
    sqlite3_free(z);
    return 0;
  } else {
    /* The file does not exist yet: resolve its directory. */
    const WCHAR *zSlash = wcsrchr(zFull, L'\\');
    size_t nDir, nName;
    WCHAR *zDir, *zLongDir;
    if (zSlash == 0 || zSlash == zFull) return 0;
    nDir = (size_t)(zSlash - zFull);
    zDir = sqlite3_malloc64(sizeof(WCHAR) * (nDir + 1));
    if (zDir == 0) return 0;
    memcpy(zDir, zFull, sizeof(WCHAR) * nDir);
    zDir[nDir] = 0;
    zLongDir = (GetFileAttributesW(zDir) != INVALID_FILE_ATTRIBUTES) ? ws_long_path(zDir) : 0;
    sqlite3_free(zDir);
    if (zLongDir == 0) return 0;
    nDir = wcslen(zLongDir);
    nName = wcslen(zSlash);
    z = sqlite3_malloc64(sizeof(WCHAR) * (nDir + nName + 1));
    if (z) {
      memcpy(z, zLongDir, sizeof(WCHAR) * nDir);
      memcpy(z + nDir, zSlash, sizeof(WCHAR) * (nName + 1));
    }
    sqlite3_free(zLongDir);
    return z;
  }
}

/* zFull as a wide string with backslashes, a \\?\ prefix taken off and
** \\?\UNC\server\share made \\server\share again. sqlite3_malloc'd, or NULL. */
static WCHAR *ws_wide_plain_path(const char *zFull) {
  WCHAR *zWide;
  int i, unc = 0;
  if (zFull[0] == '\\' && zFull[1] == '\\' && zFull[2] == '?' && zFull[3] == '\\') {
    zFull += 4;
    if ((zFull[0] == 'U' || zFull[0] == 'u') && (zFull[1] == 'N' || zFull[1] == 'n') &&
        (zFull[2] == 'C' || zFull[2] == 'c') && zFull[3] == '\\') {
      zFull += 4; /* \\?\UNC\server\share -> \\server\share */
      unc = 1;
    }
  }
  zWide = ws_to_wide(zFull);
  if (zWide && unc) {
    /* Put the two leading backslashes back in front. */
    size_t m = wcslen(zWide);
    WCHAR *zUnc = sqlite3_malloc64(sizeof(WCHAR) * (m + 3));
    if (zUnc) {
      zUnc[0] = zUnc[1] = L'\\';
      memcpy(zUnc + 2, zWide, sizeof(WCHAR) * (m + 1));
    }
    sqlite3_free(zWide);
    zWide = zUnc;
  }
  for (i = 0; zWide && zWide[i]; i++) {
    if (zWide[i] == L'/') zWide[i] = L'\\';
  }
  return zWide;
}

/* GetFullPathNameW of z, sqlite3_malloc'd, or NULL. */
static WCHAR *ws_absolute_path(const WCHAR *z) {
  DWORD n = GetFullPathNameW(z, 0, 0, 0);
  WCHAR *zAbs = n > 0 ? sqlite3_malloc64(sizeof(WCHAR) * (sqlite3_uint64)n) : 0;
  if (zAbs && GetFullPathNameW(z, n, zAbs, 0) == 0) {
    sqlite3_free(zAbs);
    zAbs = 0;
  }
  return zAbs;
}

/* z upper-cased (invariant locale) into zKey as UTF-8: its length, or -1. */
static int ws_upper_utf8(const WCHAR *z, char *zKey, int nKey) {
  int nOut = (int)wcslen(z);
  WCHAR *zUpper;
  if (nOut == 0) return -1;
  zUpper = sqlite3_malloc64(sizeof(WCHAR) * ((sqlite3_uint64)nOut + 1));
  if (zUpper && LCMapStringEx(LOCALE_NAME_INVARIANT, LCMAP_UPPERCASE, z, nOut + 1, zUpper, nOut + 1, 0, 0, 0) > 0) {
    nOut = WideCharToMultiByte(CP_UTF8, 0, zUpper, -1, zKey, nKey, 0, 0);
  } else {
    nOut = 0;
  }
  sqlite3_free(zUpper);
  return nOut > 0 ? nOut - 1 : -1;
}

int ws_platform_path_key(const char *zFull, char *zKey, int nKey) {
  WCHAR *zWide = ws_wide_plain_path(zFull), *zAbs, *zLong = 0;
  const WCHAR *z;
  int n;
  if (zWide == 0) return -1;
  zAbs = ws_absolute_path(zWide);
  z = zAbs ? zAbs : zWide;
  /* Not on a share: each lookup there is a round trip, short names are
  ** rare, and an unreachable server could stall every open. And only when
  ** a component may be a short name: one Windows makes always has a '~'
  ** (NAME~1.EXT), which is the test .NET's Path.GetFullPath uses too.
  ** GetLongPathNameW looks up every component (a FindFirstFileW each),
  ** several times the cost of the open it serves, and the key is computed
  ** at every open and -wal delete. A short name set by hand without a '~'
  ** (SetFileShortNameW) is not made long. */
  if (!(z[0] == L'\\' && z[1] == L'\\') && wcschr(z, L'~')) zLong = ws_long_path(z);
  if (zLong) z = zLong;
  n = ws_upper_utf8(z, zKey, nKey);
  sqlite3_free(zLong);
  sqlite3_free(zAbs);
  sqlite3_free(zWide);
  return n;
}

/*
** \\server\share\..., \\wsl$\..., \\?\UNC\server\share\...: network. A
** device or long-path prefix (\\.\, \\?\C:\) is not. A drive letter is
** asked: a mapped network drive is DRIVE_REMOTE.
*/
int ws_platform_is_network_path(const char *zFull) {
  if ((zFull[0] == '\\' || zFull[0] == '/') && (zFull[1] == '\\' || zFull[1] == '/')) {
    if ((zFull[2] == '?' || zFull[2] == '.') && (zFull[3] == '\\' || zFull[3] == '/')) {
      const char *z = zFull + 4;
      return zFull[2] == '?' && (z[0] == 'U' || z[0] == 'u') && (z[1] == 'N' || z[1] == 'n') &&
             (z[2] == 'C' || z[2] == 'c') && (z[3] == '\\' || z[3] == '/');
    }
    return 1;
  }
  if (((zFull[0] >= 'A' && zFull[0] <= 'Z') || (zFull[0] >= 'a' && zFull[0] <= 'z')) && zFull[1] == ':') {
    char zRoot[4];
    zRoot[0] = zFull[0];
    zRoot[1] = ':';
    zRoot[2] = '\\';
    zRoot[3] = 0;
    return GetDriveTypeA(zRoot) == DRIVE_REMOTE;
  }
  return 0;
}

int ws_platform_can_delete_open_file(void) { return 0; }

/* winRetryIoerr: 10 retries, 25 ms more each time (~1.4 s). */
int ws_platform_has_native_retry(void) { return 1; }

int ws_platform_delete_removes_name(void) { return 0; }

/* The set os_win.c's winRetryIoerr() retries for reads and writes. */
int ws_platform_is_transient_io(int sys_err) {
  switch (sys_err) {
    case ERROR_ACCESS_DENIED:
    case ERROR_LOCK_VIOLATION:
    case ERROR_SHARING_VIOLATION:
    case ERROR_DEV_NOT_EXIST:
    case ERROR_NETNAME_DELETED:
    case ERROR_SEM_TIMEOUT:
    case ERROR_NETWORK_UNREACHABLE: return 1;
    default: return 0;
  }
}

void ws_platform_describe_error(int sys_err, char *zBuf, int nBuf) {
  const char *zWhat;
  if (nBuf <= 0) return;
  switch (sys_err) {
    case ERROR_SHARING_VIOLATION: zWhat = " (sharing violation: another handle has the file)"; break;
    case ERROR_LOCK_VIOLATION: zWhat = " (lock violation)"; break;
    case ERROR_ACCESS_DENIED: zWhat = " (access denied)"; break;
    case ERROR_DELETE_PENDING: zWhat = " (delete pending)"; break;
    case ERROR_FILE_NOT_FOUND: zWhat = " (file not found)"; break;
    case ERROR_PATH_NOT_FOUND: zWhat = " (path not found)"; break;
    case ERROR_DISK_FULL:
    case ERROR_HANDLE_DISK_FULL: zWhat = " (disk full)"; break;
    default: zWhat = ""; break;
  }
  sqlite3_snprintf(nBuf, zBuf, "Windows error %d%s", sys_err, zWhat);
}
#endif /* _WIN32 */
