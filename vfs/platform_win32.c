/*
** platform_win32.c: the platform answers for Windows.
*/
#ifdef _WIN32
#include <windows.h>

#include "platform.h"

sqlite3_int64 ws_platform_now_ms(void) { return (sqlite3_int64)GetTickCount64(); }

void ws_platform_sleep_ms(int ms) {
  if (ms > 0) Sleep((DWORD)ms);
}

/* Is zPath (UTF-8) a file whose delete is pending: still there, but every
** new open is refused with access denied until its last handle closes? */
static int ws_is_delete_pending(const char *zPath) {
  WCHAR zWide[MAX_PATH * 4];
  DWORD attr;
  if (zPath == 0 || MultiByteToWideChar(CP_UTF8, 0, zPath, -1, zWide, (int)(sizeof(zWide) / sizeof(zWide[0]))) == 0) {
    return 0;
  }
  attr = GetFileAttributesW(zWide);
  if (attr != INVALID_FILE_ATTRIBUTES) {
    /* Readable attributes: a real permission denial, unless a plain open
    ** is refused while the attributes are fine (the pending-delete sign). */
    HANDLE h = CreateFileW(zWide, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, 0, OPEN_EXISTING,
                           FILE_ATTRIBUTE_NORMAL, 0);
    DWORD err = GetLastError();
    if (h != INVALID_HANDLE_VALUE) {
      CloseHandle(h);
      return 0;
    }
    return err == ERROR_ACCESS_DENIED && !(attr & FILE_ATTRIBUTE_READONLY);
  }
  return GetLastError() == ERROR_ACCESS_DENIED || GetLastError() == ERROR_DELETE_PENDING;
}

/*
** ERROR_SHARING_VIOLATION and ERROR_LOCK_VIOLATION: another handle (a
** scanner, an indexer, a backup agent) has the file; it goes away.
** ERROR_DELETE_PENDING, and ERROR_ACCESS_DENIED on a file whose delete is
** pending: the name frees when the last handle closes. Everything else
** (real access denial, missing path, full disk) is permanent.
*/
int ws_platform_is_transient(int sys_err, const char *zPath) {
  switch (sys_err) {
    case ERROR_SHARING_VIOLATION:
    case ERROR_LOCK_VIOLATION:
    case ERROR_DELETE_PENDING: return 1;
    case ERROR_ACCESS_DENIED: return ws_is_delete_pending(zPath);
    default: return 0;
  }
}

/*
** Windows file names are case-insensitive and accept both separators, and
** the win32 VFS's xFullPathname (GetFullPathNameW) makes them absolute but
** keeps the caller's case: fold case and separators, and drop the \\?\
** prefix, so C:\Data\App.db and c:/data/app.db are one database.
*/
int ws_platform_path_key(const char *zFull, char *zKey, int nKey) {
  int i = 0;
  if (zFull[0] == '\\' && zFull[1] == '\\' && zFull[2] == '?' && zFull[3] == '\\') {
    zFull += 4;
    if ((zFull[0] == 'U' || zFull[0] == 'u') && (zFull[1] == 'N' || zFull[1] == 'n') &&
        (zFull[2] == 'C' || zFull[2] == 'c') && zFull[3] == '\\') {
      zFull += 3; /* \\?\UNC\server\share -> \\server\share, keep one '\' */
      if (nKey < 2) return -1;
      zKey[i++] = '\\';
    }
  }
  for (; *zFull; zFull++) {
    char c = *zFull;
    if (i + 1 >= nKey) return -1;
    if (c == '/')
      c = '\\';
    else if (c >= 'A' && c <= 'Z')
      c = (char)(c - 'A' + 'a');
    zKey[i++] = c;
  }
  zKey[i] = 0;
  return i;
}

/* \\server\share, \\?\UNC\server\share, \\wsl$\...; a mapped drive letter. */
int ws_platform_is_network_path(const char *zFull) {
  if ((zFull[0] == '\\' || zFull[0] == '/') && (zFull[1] == '\\' || zFull[1] == '/')) {
    if (zFull[2] == '?' && zFull[3] == '\\') {
      const char *z = zFull + 4;
      return (z[0] == 'U' || z[0] == 'u') && (z[1] == 'N' || z[1] == 'n') && (z[2] == 'C' || z[2] == 'c') &&
             z[3] == '\\';
    }
    if (zFull[2] == '.' && zFull[3] == '\\') return 0; /* \\.\ device path */
    return 1;
  }
  if (zFull[0] && zFull[1] == ':') {
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

void ws_platform_describe_error(int sys_err, char *zBuf, int nBuf) {
  if (nBuf <= 0) return;
  sqlite3_snprintf(nBuf, zBuf, "Windows error %d", sys_err);
}
#endif /* _WIN32 */
