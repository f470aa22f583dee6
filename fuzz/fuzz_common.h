/*
** fuzz_common.h: what the three libFuzzer targets share.
**
** THE SCRATCH DIRECTORY. Every file a target touches lives under
**   $TMPDIR/walsafe-fuzz-XXXXXX/scratch/NNNNNNNN/w
** (NNNNNNNN: the iteration number, fixed width, so that path lengths do not
** depend on it). The iteration directory is created empty before each input
** and removed after it, so no input sees files or registry entries (walsafe
** keys them by path) left by an earlier one: a crash reproduces from its
** input file alone.
**
** CONFINEMENT. Fuzzer bytes only ever become a name *relative* to the
** iteration directory: fz_confine() cuts at NUL, turns every ".."
** component into "__" and, for URIs, drops the characters that end or
** encode a URI path ('%', '?', '#'). The directory itself is prepended by
** the target, never taken from the input. Sentinel files one and two levels
** up (named like a database and its side files) are checked after every
** input, and so is the listing of the scratch directory: an input that
** deletes or creates anything outside its iteration directory aborts as a
** finding.
**
** ORACLES. FZ_CHECK aborts (a libFuzzer crash with the input saved) when a
** promise of walsafe.h is broken: e.g. walsafe_delete_database() returning
** SQLITE_OK with one of the four files still there, or a file deleted while
** this process has it open through walsafe.
*/
#ifndef WALSAFE_FUZZ_COMMON_H
#define WALSAFE_FUZZ_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "walsafe.h"

#define FZ_PATH_MAX 4096
/* Each target uses some of the helpers below. */
#define FZ_FN static __attribute__((unused))

static char fz_root[FZ_PATH_MAX];     /* $TMPDIR/walsafe-fuzz-XXXXXX, resolved */
static char fz_scratch[FZ_PATH_MAX];  /* fz_root/scratch */
static char fz_iter_dir[FZ_PATH_MAX]; /* fz_scratch/NNNNNNNN */
static char fz_dir[FZ_PATH_MAX];      /* fz_iter_dir/w: where the input's files go */
static char fz_rel_root[FZ_PATH_MAX]; /* fz_root spelled relative to the cwd ("" if unknown) */
static char fz_rel_dir[FZ_PATH_MAX];  /* fz_dir spelled relative to the cwd ("" if unknown) */
static unsigned fz_iter;
static int fz_keep; /* WALSAFE_FUZZ_KEEP: leave the files (to look at one input's) */

/* The sentinels: outside every iteration directory, never to be touched. */
static const char *const fz_sentinels[] = {"outside.db", "outside.db-wal", "outside.db-shm", "outside.db-journal"};
#define FZ_NSENTINELS (sizeof(fz_sentinels) / sizeof(fz_sentinels[0]))

FZ_FN void fz_fail(const char *zFormat, ...) {
  va_list ap;
  fprintf(stderr, "walsafe-fuzz: FINDING: ");
  va_start(ap, zFormat);
  vfprintf(stderr, zFormat, ap);
  va_end(ap);
  fprintf(stderr, "\n");
  abort();
}
#define FZ_CHECK(cond, ...)            \
  do {                                 \
    if (!(cond)) fz_fail(__VA_ARGS__); \
  } while (0)

/* sqlite3_log: formatted in full (so walsafe's format arguments are used
** even when nobody reads them), printed only with WALSAFE_FUZZ_LOG set. */
static int fz_log_enabled;
FZ_FN void fz_log(void *unused, int code, const char *zMsg) {
  int saved_errno = errno; /* the unix VFS reads errno after it logs */
  (void)unused;
  if (fz_log_enabled) fprintf(stderr, "sqlite3_log(%d): %s\n", code, zMsg);
  errno = saved_errno;
}

FZ_FN int fz_exists(const char *zPath) {
  struct stat st;
  return lstat(zPath, &st) == 0;
}

FZ_FN void fz_write_file(const char *zPath, const void *p, size_t n) {
  int fd = open(zPath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  FZ_CHECK(fd >= 0, "cannot create %s: %s", zPath, strerror(errno));
  FZ_CHECK(n == 0 || write(fd, p, n) == (ssize_t)n, "cannot write %s", zPath);
  close(fd);
}

FZ_FN int fz_rm_cb(const char *zPath, const struct stat *st, int type, struct FTW *ftw) {
  (void)st;
  (void)type;
  (void)ftw;
  if (remove(zPath) != 0 && errno != ENOENT) {
    /* A directory made read-only, say: give write access back and retry. */
    chmod(zPath, 0700);
    remove(zPath);
  }
  return 0;
}

/* rm -rf, only ever below fz_root, never following a symbolic link. */
FZ_FN void fz_rm_rf(const char *zPath) {
  size_t n = strlen(fz_root);
  FZ_CHECK(n > 1 && strncmp(zPath, fz_root, n) == 0 && zPath[n] == '/' && strstr(zPath, "/..") == 0,
           "refusing to remove %s", zPath);
  nftw(zPath, fz_rm_cb, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

FZ_FN void fz_remove_root(void) {
  if (fz_root[0] && !fz_keep) nftw(fz_root, fz_rm_cb, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

FZ_FN void fz_make_sentinels(const char *zDir) {
  size_t i;
  char z[FZ_PATH_MAX];
  for (i = 0; i < FZ_NSENTINELS; i++) {
    snprintf(z, sizeof(z), "%s/%s", zDir, fz_sentinels[i]);
    fz_write_file(z, "sentinel", 8);
  }
}

/* Only the sentinels and the names in zAllowed (NULL-terminated) in zDir. */
FZ_FN void fz_check_listing(const char *zDir, const char *const *zAllowed) {
  DIR *d = opendir(zDir);
  struct dirent *e;
  size_t i;
  FZ_CHECK(d != 0, "%s is gone", zDir);
  while ((e = readdir(d)) != 0) {
    int ok = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    for (i = 0; !ok && i < FZ_NSENTINELS; i++)
      ok = strcmp(e->d_name, fz_sentinels[i]) == 0;
    for (i = 0; !ok && zAllowed[i]; i++)
      ok = strcmp(e->d_name, zAllowed[i]) == 0;
    /* With WALSAFE_FUZZ_KEEP, earlier iteration directories stay. */
    if (!ok && fz_keep) ok = strlen(e->d_name) == 8 && strspn(e->d_name, "0123456789abcdef") == 8;
    FZ_CHECK(ok, "%s/%s was created outside the iteration directory", zDir, e->d_name);
  }
  closedir(d);
  for (i = 0; i < FZ_NSENTINELS; i++) {
    char z[FZ_PATH_MAX];
    snprintf(z, sizeof(z), "%s/%s", zDir, fz_sentinels[i]);
    FZ_CHECK(fz_exists(z), "sentinel %s outside the iteration directory was deleted", z);
  }
}

/*
** Fault injection. The unix VFS (walsafe's parent) makes its system calls
** through a table; open() and unlink() are replaced there by versions that
** fail with EBUSY, the transient error walsafe retries, at the calls the
** input picks: bit i of a mask fails the i-th call (0-7) since
** fz_faults_arm(), counting only files under fz_root (not SQLite's temp
** files), so a given input fails the same calls every time. At most eight
** failures per call: every retry loop ends within about 100 ms.
*/
static sqlite3_syscall_ptr fz_real_open, fz_real_unlink;
static unsigned fz_fault_mask[2], fz_fault_calls[2];
static int fz_faults_armed;

FZ_FN int fz_should_fail(int which, const char *zPath) {
  size_t n = strlen(fz_root);
  unsigned i;
  if (!fz_faults_armed || zPath == 0 || strncmp(zPath, fz_root, n) != 0 || zPath[n] != '/') return 0;
  i = fz_fault_calls[which]++;
  return i < 8 && ((fz_fault_mask[which] >> i) & 1);
}

FZ_FN int fz_open(const char *zPath, int flags, int mode) {
  if (fz_should_fail(0, zPath)) {
    errno = EBUSY;
    return -1;
  }
  return ((int (*)(const char *, int, int))fz_real_open)(zPath, flags, mode);
}

FZ_FN int fz_unlink(const char *zPath) {
  if (fz_should_fail(1, zPath)) {
    errno = EBUSY;
    return -1;
  }
  return ((int (*)(const char *))fz_real_unlink)(zPath);
}

/* Once, in LLVMFuzzerInitialize. */
FZ_FN void fz_faults_install(void) {
  sqlite3_vfs *u = sqlite3_vfs_find("unix");
  FZ_CHECK(u && u->iVersion >= 3 && u->xSetSystemCall, "the unix VFS has no system call table");
  fz_real_open = u->xGetSystemCall(u, "open");
  fz_real_unlink = u->xGetSystemCall(u, "unlink");
  FZ_CHECK(fz_real_open && fz_real_unlink, "no open/unlink in the unix VFS's system call table");
  FZ_CHECK(u->xSetSystemCall(u, "open", (sqlite3_syscall_ptr)fz_open) == SQLITE_OK &&
               u->xSetSystemCall(u, "unlink", (sqlite3_syscall_ptr)fz_unlink) == SQLITE_OK,
           "xSetSystemCall failed");
}

FZ_FN void fz_faults_arm(unsigned maskOpen, unsigned maskUnlink) {
  fz_fault_mask[0] = maskOpen & 0xff;
  fz_fault_mask[1] = maskUnlink & 0xff;
  fz_fault_calls[0] = fz_fault_calls[1] = 0;
  fz_faults_armed = (maskOpen | maskUnlink) != 0;
}

FZ_FN void fz_faults_disarm(void) { fz_faults_armed = 0; }

/* fz_root relative to the working directory: "../" once per component of
** the cwd, then fz_root without its leading '/'. */
FZ_FN void fz_make_relative_root(void) {
  char cwd[FZ_PATH_MAX];
  size_t i, n = 0;
  fz_rel_root[0] = 0;
  if (getcwd(cwd, sizeof(cwd)) == 0 || cwd[0] != '/') return;
  for (i = 0; cwd[i]; i++) {
    if (cwd[i] == '/' && cwd[i + 1] != 0 && cwd[i + 1] != '/') {
      if (n + 4 >= sizeof(fz_rel_root)) return;
      memcpy(fz_rel_root + n, "../", 3);
      n += 3;
    }
  }
  snprintf(fz_rel_root + n, sizeof(fz_rel_root) - n, "%s", fz_root + 1);
}

/* Before sqlite3_initialize(): the log callback; then the scratch root. */
FZ_FN void fz_init(void) {
  const char *zTmp = getenv("TMPDIR");
  char zTemplate[FZ_PATH_MAX];
  fz_log_enabled = getenv("WALSAFE_FUZZ_LOG") != 0;
  fz_keep = getenv("WALSAFE_FUZZ_KEEP") != 0;
  FZ_CHECK(sqlite3_config(SQLITE_CONFIG_LOG, fz_log, (void *)0) == SQLITE_OK, "SQLITE_CONFIG_LOG failed");
  if (zTmp == 0 || zTmp[0] == 0) zTmp = "/tmp";
  snprintf(zTemplate, sizeof(zTemplate), "%s/walsafe-fuzz-XXXXXX", zTmp);
  FZ_CHECK(mkdtemp(zTemplate) != 0, "mkdtemp %s: %s", zTemplate, strerror(errno));
  FZ_CHECK(realpath(zTemplate, fz_root) != 0, "realpath %s", zTemplate);
  atexit(fz_remove_root);
  snprintf(fz_scratch, sizeof(fz_scratch), "%s/scratch", fz_root);
  FZ_CHECK(mkdir(fz_scratch, 0700) == 0, "mkdir %s: %s", fz_scratch, strerror(errno));
  fz_make_sentinels(fz_root);
  fz_make_sentinels(fz_scratch);
  fz_make_relative_root();
  FZ_CHECK(sqlite3_initialize() == SQLITE_OK, "sqlite3_initialize failed");
}

/* The full path vfs (the unix VFS, and so walsafe) makes of zPath, or NULL;
** sqlite3_free it. */
static inline char *fz_canonical(sqlite3_vfs *vfs, const char *zPath) {
  char *z = sqlite3_malloc(vfs->mxPathname + 1);
  int rc;
  if (z == 0) return 0;
  rc = vfs->xFullPathname(vfs, zPath, vfs->mxPathname + 1, z);
  if (rc != SQLITE_OK && rc != SQLITE_OK_SYMLINK) {
    sqlite3_free(z);
    return 0;
  }
  return z;
}

/* A fresh, empty iteration directory: fz_dir. */
FZ_FN void fz_begin(void) {
  fz_iter++;
  snprintf(fz_iter_dir, sizeof(fz_iter_dir), "%s/%08x", fz_scratch, fz_iter);
  snprintf(fz_dir, sizeof(fz_dir), "%s/w", fz_iter_dir);
  if (fz_rel_root[0])
    snprintf(fz_rel_dir, sizeof(fz_rel_dir), "%s/scratch/%08x/w", fz_rel_root, fz_iter);
  else
    snprintf(fz_rel_dir, sizeof(fz_rel_dir), "%s", fz_dir);
  FZ_CHECK(mkdir(fz_iter_dir, 0700) == 0 && mkdir(fz_dir, 0700) == 0, "mkdir %s: %s", fz_dir, strerror(errno));
}

/* After the input, with every connection closed: nothing escaped, nothing
** is still counted open, and the iteration directory goes. */
FZ_FN void fz_end(void) {
  const char *zRootAllowed[] = {"scratch", 0};
  char zIter[16];
  const char *zScratchAllowed[] = {zIter, 0};
  walsafe_counters c;
  fz_faults_disarm();
  snprintf(zIter, sizeof(zIter), "%08x", fz_iter);
  fz_check_listing(fz_root, zRootAllowed);
  fz_check_listing(fz_scratch, zScratchAllowed);
  FZ_CHECK(walsafe_get_counters(&c) == SQLITE_OK, "walsafe_get_counters: %s", walsafe_errmsg());
  FZ_CHECK(c.files_open == 0, "%lld file(s) still counted open through walsafe after every connection closed",
           c.files_open);
  if (fz_keep)
    fprintf(stderr, "walsafe-fuzz: kept %s\n", fz_iter_dir);
  else
    fz_rm_rf(fz_iter_dir);
}

/*
** Fuzzer bytes as a name relative to the iteration directory: cut at NUL,
** at most nMax bytes, every ".." component made "__"; with isUri, '%', '?'
** and '#' (which would decode, or end the path) become '_'. Returns the
** length written to zOut (zOut has room for nMax+1 bytes).
*/
FZ_FN size_t fz_confine(const uint8_t *a, size_t n, char *zOut, size_t nMax, int isUri) {
  size_t i, k = 0, start;
  for (i = 0; i < n && k < nMax && a[i] != 0; i++) {
    char c = (char)a[i];
    if (isUri && (c == '%' || c == '?' || c == '#')) c = '_';
    zOut[k++] = c;
  }
  zOut[k] = 0;
  for (start = 0; start <= k; start = i + 1) {
    for (i = start; i < k && zOut[i] != '/'; i++) {
    }
    if (i - start == 2 && zOut[start] == '.' && zOut[start + 1] == '.') zOut[start] = zOut[start + 1] = '_';
  }
  return k;
}

/* Is zFull (a full path, as the unix VFS spells it) inside the iteration
** directory? Every delete the targets ask for directly is checked with it. */
FZ_FN int fz_inside(const char *zFull) {
  size_t n = strlen(fz_iter_dir);
  return strncmp(zFull, fz_iter_dir, n) == 0 && zFull[n] == '/' && strstr(zFull, "/../") == 0;
}

/* One of the four files of database zDb that exists, or NULL. */
FZ_FN const char *fz_any_of_four(const char *zDb) {
  static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
  static char z[FZ_PATH_MAX + 16];
  size_t i;
  for (i = 0; i < 4; i++) {
    snprintf(z, sizeof(z), "%s%s", zDb, suffixes[i]);
    if (fz_exists(z)) return z;
  }
  return 0;
}

/* Little readers over the input. */
typedef struct fz_input {
  const uint8_t *p;
  size_t n;
} fz_input;

FZ_FN unsigned fz_byte(fz_input *in) {
  unsigned v = 0;
  if (in->n) {
    v = *in->p++;
    in->n--;
  }
  return v;
}

/* Up to nWant bytes (fewer at the end of the input). */
FZ_FN size_t fz_bytes(fz_input *in, size_t nWant, const uint8_t **pp) {
  size_t n = nWant < in->n ? nWant : in->n;
  *pp = in->p;
  in->p += n;
  in->n -= n;
  return n;
}

FZ_FN sqlite3_int64 fz_int64(fz_input *in) {
  sqlite3_uint64 v = 0;
  int i;
  for (i = 0; i < 8; i++)
    v = (v << 8) | fz_byte(in);
  return (sqlite3_int64)v;
}

/* Step a statement to its end, finalize it; the first column of the first
** row (sqlite3_malloc'd text, or NULL) in *pzFirst if asked. */
FZ_FN int fz_run(sqlite3 *db, const char *zSql, char **pzFirst) {
  sqlite3_stmt *st = 0;
  int rc = sqlite3_prepare_v2(db, zSql, -1, &st, 0);
  if (pzFirst) *pzFirst = 0;
  while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (pzFirst && *pzFirst == 0 && sqlite3_column_type(st, 0) == SQLITE_TEXT)
      *pzFirst = sqlite3_mprintf("%s", sqlite3_column_text(st, 0));
    rc = SQLITE_OK;
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* A row of PRAGMA walsafe_status comes only from walsafe, in its format. */
FZ_FN void fz_check_status_text(const char *z) {
  if (z == 0) return;
  FZ_CHECK(strncmp(z, "vfs=walsafe/", 12) == 0 && strstr(z, "\nfiles_open=") != 0 && strstr(z, "\nfailures=") != 0,
           "PRAGMA walsafe_status returned unexpected text: %s", z);
}

#endif /* WALSAFE_FUZZ_COMMON_H */
