/*
** retry.c: the one retry policy, for every open, delete, access check and
** I/O call walsafe retries. A transient failure is retried with a short
** exponential backoff until a budget of total wall time is spent, so that
** the wait never multiplies with the number of attempts, and a file that is
** released is picked up within one backoff step (at most WS_RETRY_MAX_STEP).
** Counting and the give-up log line happen here, nowhere else.
*/
#include "platform.h"
#include "walsafe_int.h"

/* The first wait, and the longest single wait, in milliseconds. */
#define WS_RETRY_FIRST_STEP 1
#define WS_RETRY_MAX_STEP 25

void ws_retry_start(ws_retry *r, int budget_ms) {
  r->deadline_ms = ws_platform_now_ms() + (budget_ms > 0 ? budget_ms : 0);
  r->attempts = 0;
  r->started = 1;
}

/*
** The wait before retry number attempt (0-based): 1, 2, 4, 8, 16, 25, 25...
** ms, never past the remaining budget. 0 means: give up.
*/
int ws_retry_delay_ms(int attempt, sqlite3_int64 remaining_ms) {
  int delay = WS_RETRY_FIRST_STEP;
  if (remaining_ms <= 0) return 0;
  while (attempt-- > 0 && delay < WS_RETRY_MAX_STEP)
    delay *= 2;
  if (delay > WS_RETRY_MAX_STEP) delay = WS_RETRY_MAX_STEP;
  if (delay > remaining_ms) delay = (int)remaining_ms;
  return delay;
}

/* A loop made with WS_RETRY_LAZY looks its budget up, and starts its clock,
** at the first failure: a call that succeeds first time (nearly all of
** them) takes no lock for it and reads no clock. */
int ws_retry_wait(ws_retry *r) {
  int delay;
  if (!r->started) ws_retry_start(r, ws_retry_budget_ms(r->db));
  delay = ws_retry_delay_ms(r->attempts, r->deadline_ms - ws_platform_now_ms());
  if (delay <= 0) return 0;
  ws_platform_sleep_ms(delay);
  r->attempts++;
  return 1;
}

int ws_last_error(void) {
  sqlite3_vfs *parent = ws_parent();
  return parent->xGetLastError(parent, 0, 0);
}

int ws_retry_again(ws_retry *r, int transient, const char *zOp, const char *zPath, int rc, int sys_err) {
  char zErr[128];
  if (!transient) return 0;
  if (ws_retry_wait(r)) {
    ws_count(WS_C_RETRIES);
    return 1;
  }
  ws_count(WS_C_RETRY_GIVEUPS);
  ws_platform_describe_error(sys_err, zErr, (int)sizeof(zErr));
  sqlite3_log(SQLITE_WARNING, "walsafe: %s of %s still failing after %d retries (%s, rc=%d)", zOp,
              zPath ? zPath : "(temp)", r->attempts, zErr, rc);
  return 0;
}

void ws_retry_succeeded(const ws_retry *r) {
  if (r->attempts > 0) ws_count(WS_C_RETRY_SUCCESSES);
}
