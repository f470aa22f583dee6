/* temp-name-race.c: an LD_PRELOAD for tests/sqlite-tcl/temp-name-race.sh.
** Forces the interleaving of two testfixtures that pick the same SQLite
** temp-file name (their PRNG is seeded alike): B checks the name (absent),
** A checks and creates it, B opens it (O_EXCL fails, SQLite falls back to a
** read-only open of A's file), then A unlinks it. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
static int (*real_access)(const char *, int);
static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, 0);
}
static int is_tmp(const char *p) { return p && strstr(p, "etilqs_"); }
static const char *role(void) {
  const char *r = getenv("WB_ROLE");
  return r ? r : "";
}
static void marker(const char *p, char *buf) {
  snprintf(buf, 512, "%s/B-at-%s", getenv("WB_DIR"), strrchr(p, '/') + 1);
}
static void wait_for(const char *p) {
  for (int i = 0; i < 500 && real_access(p, 0) != 0; i++)
    sleep_ms(10);
}
int access(const char *p, int m) {
  char mk[512];
  if (!real_access) real_access = dlsym(RTLD_NEXT, "access");
  if (!is_tmp(p)) return real_access(p, m);
  marker(p, mk);
  if (role()[0] == 'A') {
    wait_for(mk);
    return real_access(p, m);
  }
  int rc = real_access(p, m);
  if (role()[0] == 'B' && rc != 0) {
    FILE *f = fopen(mk, "w");
    if (f) fclose(f);
    wait_for(p);
  }
  return rc;
}
int unlink(const char *p) {
  static int (*real)(const char *);
  if (!real) real = dlsym(RTLD_NEXT, "unlink");
  if (is_tmp(p) && role()[0] == 'A') sleep_ms(300);
  return real(p);
}
