/*
** registry.c: one entry per database, keyed by canonical identity, counting
** the handles this process has open on it.
**
** The table is split into shards, each a hash table with its own mutex, so
** threads working on different databases rarely meet. Every operation is
** O(1) (amortised over table growth), and a shard's mutex is held only while
** pointers and counters change: never across I/O, sleeps or the opening of
** a connection.
**
** Its memory comes from the C library and its mutexes are walsafe's own
** (platform.h), not SQLite's: the registry outlives sqlite3_shutdown() and
** whatever allocator or mutex implementation is configured after it, and
** leaves nothing in SQLite's heap.
*/
#include <stdlib.h>
#include <string.h>

#include "platform.h"
#include "walsafe_int.h"

#define WS_SHARDS 16 /* a power of two */
#define WS_KEY_MAX 4096

typedef struct ws_shard {
  ws_mutex mutex;
  ws_db **slots;    /* hash chains */
  unsigned nslot;   /* a power of two, or 0 before the first insert */
  unsigned nentry;  /* entries in this shard */
  long long nfiles; /* files open through this shard's entries */
} ws_shard;

#define WS_SHARD_INIT \
  { WS_MUTEX_INIT, 0, 0, 0, 0 }
static ws_shard g_shards[WS_SHARDS] = {WS_SHARD_INIT, WS_SHARD_INIT, WS_SHARD_INIT, WS_SHARD_INIT,
                                       WS_SHARD_INIT, WS_SHARD_INIT, WS_SHARD_INIT, WS_SHARD_INIT,
                                       WS_SHARD_INIT, WS_SHARD_INIT, WS_SHARD_INIT, WS_SHARD_INIT,
                                       WS_SHARD_INIT, WS_SHARD_INIT, WS_SHARD_INIT, WS_SHARD_INIT};

/* A hash of the first n bytes of z: eight bytes a step, each step mixed by
** a multiply and a shift (about one instruction a byte, where a byte-wise
** hash takes five: it is computed at every open and -wal delete). */
unsigned ws_hash(const char *z, size_t n) {
  sqlite3_uint64 h = 0x9E3779B97F4A7C15ull ^ (sqlite3_uint64)n, w;
  while (n >= 8) {
    memcpy(&w, z, 8);
    h = (h ^ w) * 0xFF51AFD7ED558CCDull;
    h ^= h >> 32;
    z += 8;
    n -= 8;
  }
  w = 0;
  memcpy(&w, z, n);
  /* A full finaliser: every input bit reaches the low bits that pick the
  ** shard and the slot (a multiply alone carries bits only upwards). */
  h ^= w;
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDull;
  h ^= h >> 33;
  h *= 0xC4CEB9FE1A85EC53ull;
  h ^= h >> 33;
  return (unsigned)h;
}

static ws_shard *ws_shard_of(unsigned hash) { return &g_shards[hash & (WS_SHARDS - 1)]; }

void ws_db_lock(ws_db *db) { ws_mutex_enter(&ws_shard_of(db->hash)->mutex); }
void ws_db_unlock(ws_db *db) { ws_mutex_leave(&ws_shard_of(db->hash)->mutex); }

/* The chain slot of key in shard s, which the caller has locked. */
static ws_db **ws_slot(ws_shard *s, unsigned hash, const char *zKey) {
  ws_db **pp = &s->slots[(hash >> 4) & (s->nslot - 1)];
  while (*pp && ((*pp)->hash != hash || strcmp((*pp)->key, zKey) != 0))
    pp = &(*pp)->hash_next;
  return pp;
}

/* Double the shard's table when it is full; an allocation failure only
** leaves the chains longer. */
static void ws_grow(ws_shard *s) {
  unsigned n = s->nslot ? s->nslot * 2 : 16;
  unsigned i;
  ws_db **a;
  if (s->nentry < s->nslot) return;
  a = calloc(n, sizeof(ws_db *));
  if (a == 0) return;
  for (i = 0; i < s->nslot; i++) {
    ws_db *p = s->slots[i];
    while (p) {
      ws_db *next = p->hash_next;
      unsigned j = (p->hash >> 4) & (n - 1);
      p->hash_next = a[j];
      a[j] = p;
      p = next;
    }
  }
  free(s->slots);
  s->slots = a;
  s->nslot = n;
}

static ws_db *ws_lookup(const char *zFullPath, int create) {
  char zKey[WS_KEY_MAX];
  unsigned hash;
  ws_shard *s;
  ws_db *db = 0;
  size_t nKey, nPath;
  if (zFullPath == 0) return 0;
  if (ws_platform_path_key(zFullPath, zKey, (int)sizeof(zKey)) < 0) return 0;
  nKey = strlen(zKey);
  hash = ws_hash(zKey, nKey);
  s = ws_shard_of(hash);
  nPath = strlen(zFullPath);
  ws_mutex_enter(&s->mutex);
  if (create) ws_grow(s);
  if (s->nslot) {
    ws_db **pp = ws_slot(s, hash, zKey);
    db = *pp;
    if (db == 0 && create) {
      db = malloc(sizeof(ws_db) + nKey + nPath + 1);
      if (db) {
        memset(db, 0, sizeof(ws_db));
        db->hash = hash;
        memcpy(db->key, zKey, nKey + 1);
        db->path = db->key + nKey + 1;
        memcpy(db->path, zFullPath, nPath + 1);
        db->retry_ms = -1;
        db->cleanup_mode = -1;
        *pp = db;
        s->nentry++;
      }
    }
    if (db) db->refs++;
  }
  ws_mutex_leave(&s->mutex);
  return db;
}

ws_db *ws_registry_acquire(const char *zFullPath) { return ws_lookup(zFullPath, 1); }
ws_db *ws_registry_find(const char *zFullPath) { return ws_lookup(zFullPath, 0); }

/* Drop a reference. An entry lives while it is referenced or still owes a
** delete (so the next chance can carry the delete out). */
static void ws_release_locked(ws_shard *s, ws_db *db) {
  if (--db->refs > 0 || db->pending != 0) return;
  *ws_slot(s, db->hash, db->key) = db->hash_next;
  s->nentry--;
  free(db);
}

void ws_registry_release(ws_db *db) {
  ws_shard *s;
  if (db == 0) return;
  s = ws_shard_of(db->hash);
  ws_mutex_enter(&s->mutex);
  ws_release_locked(s, db);
  ws_mutex_leave(&s->mutex);
}

void ws_registry_attach(ws_db *db, ws_file *f) {
  db->n_open[f->kind]++;
  f->prev = 0;
  f->next = db->files;
  if (db->files) db->files->prev = f;
  db->files = f;
  if (f->kind == WS_KIND_WAL) {
    db->saw_wal = 1;
    db->wal_deleted = 0;
  }
  ws_shard_of(db->hash)->nfiles++;
}

int ws_registry_detach(ws_db *db, ws_file *f) {
  db->n_open[f->kind]--;
  if (f->shm_mapped) {
    db->n_shm--;
    f->shm_mapped = 0;
  }
  if (f->prev)
    f->prev->next = f->next;
  else
    db->files = f->next;
  if (f->next) f->next->prev = f->prev;
  f->prev = f->next = 0;
  ws_shard_of(db->hash)->nfiles--;
  return ws_registry_handle_total(db) == 0 && db->n_shm == 0;
}

int ws_registry_handle_total(const ws_db *db) {
  return db->n_open[WS_KIND_MAIN] + db->n_open[WS_KIND_WAL] + db->n_open[WS_KIND_JOURNAL];
}

static long long ws_shard_files(const ws_shard *s) { return s->nfiles; }
static long long ws_shard_entries(const ws_shard *s) { return (long long)s->nentry; }

/* One count summed over the shards, each read under its lock. */
static long long ws_shards_sum(long long (*count)(const ws_shard *)) {
  long long n = 0;
  int i;
  for (i = 0; i < WS_SHARDS; i++) {
    ws_mutex_enter(&g_shards[i].mutex);
    n += count(&g_shards[i]);
    ws_mutex_leave(&g_shards[i].mutex);
  }
  return n;
}

long long ws_registry_files_open(void) { return ws_shards_sum(ws_shard_files); }
long long ws_registry_databases(void) { return ws_shards_sum(ws_shard_entries); }

void ws_registry_each_pending(void (*fn)(ws_db *)) {
  int i;
  for (i = 0; i < WS_SHARDS; i++) {
    ws_shard *s = &g_shards[i];
    ws_db **todo = 0, *p;
    unsigned j, n = 0;
    /* Collect the entries with a reference each, then call fn unlocked. */
    ws_mutex_enter(&s->mutex);
    if (s->nentry) todo = malloc(sizeof(ws_db *) * s->nentry);
    for (j = 0; todo && j < s->nslot; j++) {
      for (p = s->slots[j]; p; p = p->hash_next) {
        if (p->pending && !p->cleanup_running && ws_registry_handle_total(p) == 0) {
          p->refs++;
          todo[n++] = p;
        }
      }
    }
    ws_mutex_leave(&s->mutex);
    for (j = 0; j < n; j++) {
      fn(todo[j]);
      ws_registry_release(todo[j]);
    }
    free(todo);
  }
}

/* At unregister, with no file open through walsafe: give every table and
** entry back. Returns how many entries still owed a delete (the caller
** says so); they are forgotten with the rest. */
int ws_registry_reset(void) {
  int i, owed = 0;
  for (i = 0; i < WS_SHARDS; i++) {
    ws_shard *s = &g_shards[i];
    unsigned j;
    int busy = 0;
    ws_mutex_enter(&s->mutex);
    /* An entry another thread still holds (a walsafe call racing the
    ** unregister) keeps its shard as it is. */
    for (j = 0; j < s->nslot && !busy; j++) {
      ws_db *p;
      for (p = s->slots[j]; p && !busy; p = p->hash_next)
        busy = p->refs > 0;
    }
    for (j = 0; j < s->nslot && !busy; j++) {
      ws_db *p = s->slots[j];
      while (p) {
        ws_db *next = p->hash_next;
        if (p->pending) owed++;
        free(p);
        p = next;
      }
    }
    if (!busy) {
      free(s->slots);
      s->slots = 0;
      s->nslot = 0;
      s->nentry = 0;
    }
    ws_mutex_leave(&s->mutex);
  }
  return owed;
}

void ws_registry_each_open(void (*fn)(ws_db *, void *), void *ctx) {
  int i;
  for (i = 0; i < WS_SHARDS; i++) {
    ws_shard *s = &g_shards[i];
    unsigned j;
    ws_mutex_enter(&s->mutex);
    for (j = 0; j < s->nslot; j++) {
      ws_db *p;
      for (p = s->slots[j]; p; p = p->hash_next) {
        if (ws_registry_handle_total(p) > 0 || p->n_shm > 0) fn(p, ctx);
      }
    }
    ws_mutex_leave(&s->mutex);
  }
}
