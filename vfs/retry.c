/*
** retry.c: the retry policy. A transient failure is retried with a short
** exponential backoff until a budget of total wall time is spent, so that
** the wait never multiplies with the number of attempts, and a file that is
** released is picked up within one backoff step (at most WS_RETRY_MAX_STEP).
*/
#include "platform.h"
#include "walsafe_int.h"

/* The first wait, and the longest single wait, in milliseconds. */
#define WS_RETRY_FIRST_STEP 1
#define WS_RETRY_MAX_STEP 25

void ws_retry_start(ws_retry *r, int budget_ms) {
  r->deadline_ms = ws_platform_now_ms() + (budget_ms > 0 ? budget_ms : 0);
  r->attempts = 0;
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

int ws_retry_wait(ws_retry *r) {
  int delay = ws_retry_delay_ms(r->attempts, r->deadline_ms - ws_platform_now_ms());
  if (delay <= 0) return 0;
  ws_platform_sleep_ms(delay);
  r->attempts++;
  return 1;
}
