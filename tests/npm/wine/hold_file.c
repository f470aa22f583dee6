/*
** hold_file.exe FILE FLAG MIN_HOLD_MS
** A stand-in for a virus scanner or indexer (a second process): opens FILE
** for reading with share READ|WRITE (no DELETE), so nobody can delete it
** while it is held, then writes "held" to FLAG and keeps the handle until
** BOTH FLAG.release exists (hold until told) AND MIN_HOLD_MS have passed on
** its own clock since it opened FILE. Then it closes the handle and writes
** "released" to FLAG. Exit 0; 2 when FILE cannot be opened; 3 when told
** nothing within 600 s (a broken test, never a slow machine); 4 when FLAG
** cannot be written.
** Built by scripts/run-node-wine-tests.sh with x86_64-w64-mingw32-gcc.
*/
#include <stdio.h>
#include <stdlib.h>
#include <windows.h>

static void write_flag(const char *zFlag, const char *zText) {
  char zTmp[MAX_PATH];
  FILE *f;
  snprintf(zTmp, sizeof(zTmp), "%s.tmp", zFlag);
  f = fopen(zTmp, "wb");
  if (!f) exit(4);
  fputs(zText, f);
  fclose(f);
  /* Readers see all or nothing. Replacing a file someone has open fails
  ** (Wine: ERROR_ACCESS_DENIED even when the reader shares delete), and the
  ** test reads FLAG every 20 ms: try again until the reader is not in the
  ** middle of a read; exit 4 if that never happens. */
  for (int attempt = 0; !MoveFileExA(zTmp, zFlag, MOVEFILE_REPLACE_EXISTING); attempt++) {
    if (attempt >= 10000) exit(4);
    Sleep(1);
  }
}

int main(int argc, char **argv) {
  char zRelease[MAX_PATH];
  ULONGLONG start, minHold;
  HANDLE h;
  if (argc != 4) {
    fprintf(stderr, "usage: hold_file.exe FILE FLAG MIN_HOLD_MS\n");
    return 2;
  }
  minHold = (ULONGLONG)atoi(argv[3]);
  snprintf(zRelease, sizeof(zRelease), "%s.release", argv[2]);
  h = CreateFileA(argv[1], GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL,
                  NULL);
  if (h == INVALID_HANDLE_VALUE) {
    char z[64];
    snprintf(z, sizeof(z), "cannot open: error %lu", GetLastError());
    write_flag(argv[2], z);
    return 2;
  }
  start = GetTickCount64();
  write_flag(argv[2], "held");
  for (;;) {
    ULONGLONG held = GetTickCount64() - start;
    if (held >= minHold && GetFileAttributesA(zRelease) != INVALID_FILE_ATTRIBUTES) break;
    if (held > 600000) {
      CloseHandle(h);
      write_flag(argv[2], "timeout");
      return 3;
    }
    Sleep(20);
  }
  CloseHandle(h);
  write_flag(argv[2], "released");
  return 0;
}
