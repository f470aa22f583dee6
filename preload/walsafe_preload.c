/*
** walsafe_preload.c: walsafe under a program that links the system
** libsqlite3, with no change to the program.
**
**   LD_PRELOAD=/path/to/libwalsafe_preload.so python3 app.py
**   LD_PRELOAD=/path/to/libwalsafe_preload.so sqlite3 app.db
**
** Environment:
**   WALSAFE_DISABLE=1     do nothing: the program runs on its usual VFS.
**   WALSAFE_RETRY_MS=N    retry budget in ms (0..600000, default 3000).
**
** WHEN IT REGISTERS. Not in the constructor: walsafe_register() has to
** initialize SQLite, and a program that calls sqlite3_config() before its
** first open (the sqlite3 shell does, for its log and threading mode) would
** then have every sqlite3_config() refused ("attempt to configure SQLite
** after initialization"). So this library interposes sqlite3_open,
** sqlite3_open_v2 and sqlite3_open16: the first open through any of them
** registers walsafe as the default VFS, with its SQL functions as an
** auto-extension, and then calls the real function. By then the program
** has configured SQLite as it wanted. The constructor only reads the
** environment, so a bad value is reported at start-up.
**
** WHICH SQLITE. The library is linked against libsqlite3.so.0, so the
** dynamic linker loads it into the global scope before the program's own
** libraries; a module that links the same soname (Python's _sqlite3, even
** loaded RTLD_LOCAL) shares that one copy, and walsafe registers in it.
** A program that carries its own SQLite (statically linked, or a bundled
** copy such as better-sqlite3's) is not affected; load the walsafe
** extension there instead.
**
** LIMITS. A program that embeds libwalsafe.a itself will find "walsafe"
** already registered (walsafe_register returns SQLITE_MISUSE): preload or
** embed, not both. Only the three open functions are exported; the walsafe
** code in here is hidden, so it never collides with the program's symbols.
** walsafe's own opens (its checkpoint connection) come through the wrapper
** too, after the first open, where it is one pthread_once check.
*/
#define _GNU_SOURCE 1 /* RTLD_NEXT */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "walsafe.h"

#define WS_EXPORT __attribute__((visibility("default")))

static int g_disabled;
static int g_retry_ms = -1; /* -1: keep walsafe's default */
static pthread_once_t g_first_open = PTHREAD_ONCE_INIT;

/* WALSAFE_RETRY_MS as a budget in 0..WALSAFE_MAX_RETRY_MS, or -1. */
static int retry_ms_from_env(const char *zValue) {
  char *zEnd = 0;
  long ms;
  errno = 0;
  ms = strtol(zValue, &zEnd, 10);
  if (errno != 0 || zEnd == zValue || *zEnd != 0 || ms < 0 || ms > WALSAFE_MAX_RETRY_MS) {
    fprintf(stderr, "walsafe preload: ignoring WALSAFE_RETRY_MS=%s (not an integer in 0..%d); using %d ms\n", zValue,
            WALSAFE_MAX_RETRY_MS, WALSAFE_DEFAULT_RETRY_MS);
    return -1;
  }
  return (int)ms;
}

__attribute__((constructor)) static void read_environment(void) {
  const char *zDisable = getenv("WALSAFE_DISABLE");
  const char *zRetry = getenv("WALSAFE_RETRY_MS");
  g_disabled = zDisable != 0 && strcmp(zDisable, "1") == 0;
  if (!g_disabled && zRetry && zRetry[0]) g_retry_ms = retry_ms_from_env(zRetry);
}

/* The real functions, in the libsqlite3 loaded after us. */
static int (*g_real_open)(const char *, sqlite3 **);
static int (*g_real_open_v2)(const char *, sqlite3 **, int, const char *);
static int (*g_real_open16)(const void *, sqlite3 **);

static void *real_function(const char *zName) {
  void *p = dlsym(RTLD_NEXT, zName);
  if (p == 0) {
    fprintf(stderr, "walsafe preload: no %s after the preload: %s\n", zName, dlerror());
    abort(); /* nothing sensible to return: the program asked for SQLite */
  }
  return p;
}

/* Runs once, at the first open through any of the three functions. */
static void first_open(void) {
  int rc;
  g_real_open = (int (*)(const char *, sqlite3 **))real_function("sqlite3_open");
  g_real_open_v2 = (int (*)(const char *, sqlite3 **, int, const char *))real_function("sqlite3_open_v2");
  g_real_open16 = (int (*)(const void *, sqlite3 **))real_function("sqlite3_open16");
  if (g_disabled) return;
  /* walsafe_extra_init does what an amalgamation build does at the end of
  ** sqlite3_initialize(): walsafe over the current default VFS, made the
  ** default, and the SQL functions for every connection opened from now. */
  rc = walsafe_extra_init(0);
  if (rc == SQLITE_OK && g_retry_ms >= 0) rc = walsafe_config(WALSAFE_CONFIG_RETRY_MS, g_retry_ms, 0);
  if (rc != SQLITE_OK) {
    fprintf(stderr, "walsafe preload: not active: %s\n", walsafe_errmsg()[0] ? walsafe_errmsg() : sqlite3_errstr(rc));
  }
}

WS_EXPORT int sqlite3_open(const char *zFilename, sqlite3 **ppDb) {
  pthread_once(&g_first_open, first_open);
  return g_real_open(zFilename, ppDb);
}

WS_EXPORT int sqlite3_open_v2(const char *zFilename, sqlite3 **ppDb, int flags, const char *zVfs) {
  pthread_once(&g_first_open, first_open);
  return g_real_open_v2(zFilename, ppDb, flags, zVfs);
}

WS_EXPORT int sqlite3_open16(const void *zFilename, sqlite3 **ppDb) {
  pthread_once(&g_first_open, first_open);
  return g_real_open16(zFilename, ppDb);
}
