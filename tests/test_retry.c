/*
** test_retry.c: the retry policy (vfs/retry.c) in isolation: the backoff
** steps, that a wait never runs past the remaining budget, and that a whole
** retry loop is bounded by its budget of wall time, not by attempts.
*/
#include <errno.h>
#include <limits.h>

#include "platform.h"
#include "support.h"
#include "walsafe_int.h"

START_TEST(backoff_doubles_from_one_ms_and_caps_at_25_ms) {
  static const int expected[] = {1, 2, 4, 8, 16, 25, 25, 25};
  int attempt;
  for (attempt = 0; attempt < (int)(sizeof(expected) / sizeof(expected[0])); attempt++) {
    ck_assert_int_eq(ws_retry_delay_ms(attempt, 100000), expected[attempt]);
  }
}
END_TEST

START_TEST(backoff_stays_capped_for_huge_attempt_numbers) {
  ck_assert_int_eq(ws_retry_delay_ms(1000, 100000), 25);
  ck_assert_int_eq(ws_retry_delay_ms(INT_MAX, 100000), 25);
}
END_TEST

START_TEST(delay_never_exceeds_the_remaining_budget) {
  ck_assert_int_eq(ws_retry_delay_ms(5, 3), 3);
  ck_assert_int_eq(ws_retry_delay_ms(3, 7), 7);
  ck_assert_int_eq(ws_retry_delay_ms(0, 1), 1);
}
END_TEST

START_TEST(spent_budget_means_give_up) {
  ck_assert_int_eq(ws_retry_delay_ms(0, 0), 0);
  ck_assert_int_eq(ws_retry_delay_ms(3, -5), 0);
}
END_TEST

START_TEST(zero_budget_gives_up_at_once_without_sleeping) {
  ws_retry r;
  ws_retry_start(&r, 0);
  ck_assert_int_eq(ws_retry_wait(&r), 0);
  ck_assert_int_eq(r.attempts, 0);
}
END_TEST

START_TEST(negative_budget_counts_as_zero) {
  ws_retry r;
  ws_retry_start(&r, -100);
  ck_assert_int_eq(ws_retry_wait(&r), 0);
  ck_assert_int_eq(r.attempts, 0);
}
END_TEST

START_TEST(retry_loop_ends_when_its_wall_time_budget_is_spent) {
  const int budget = 120;
  sqlite3_int64 start = ws_platform_now_ms(), elapsed;
  ws_retry r;
  int waits = 0;
  ws_retry_start(&r, budget);
  while (ws_retry_wait(&r))
    waits++;
  elapsed = ws_platform_now_ms() - start;
  /* It gives up only when the deadline has passed ... */
  ck_assert_int_ge(elapsed, budget);
  /* ... and not long after: a generous bound, since a loaded machine (or
  ** valgrind) may oversleep any step by a lot. How many sleeps fit in the
  ** budget is the machine's business, not the loop's: not checked. */
  ck_assert_int_lt(elapsed, budget + 10000);
  ck_assert_int_eq(r.attempts, waits);
  ck_assert_int_ge(waits, 1);
}
END_TEST

START_TEST(each_wait_counts_one_attempt) {
  ws_retry r;
  ws_retry_start(&r, 1000);
  ck_assert_int_eq(ws_retry_wait(&r), 1);
  ck_assert_int_eq(ws_retry_wait(&r), 1);
  ck_assert_int_eq(ws_retry_wait(&r), 1);
  ck_assert_int_eq(r.attempts, 3);
}
END_TEST

START_TEST(transient_errors_are_ebusy_etxtbsy_eagain_only) {
  ck_assert(ws_platform_is_transient(EBUSY, "x"));
  ck_assert(ws_platform_is_transient(ETXTBSY, "x"));
  ck_assert(ws_platform_is_transient(EAGAIN, "x"));
  ck_assert(!ws_platform_is_transient(EACCES, "x"));
  ck_assert(!ws_platform_is_transient(ENOENT, "x"));
  ck_assert(!ws_platform_is_transient(EROFS, "x"));
  ck_assert(!ws_platform_is_transient(EPERM, "x"));
  ck_assert(!ws_platform_is_transient(0, "x"));
}
END_TEST

static Suite *retry_suite(void) {
  Suite *s = suite_create("retry");
  TCase *tc = tcase_create("policy");
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, backoff_doubles_from_one_ms_and_caps_at_25_ms);
  tcase_add_test(tc, backoff_stays_capped_for_huge_attempt_numbers);
  tcase_add_test(tc, delay_never_exceeds_the_remaining_budget);
  tcase_add_test(tc, spent_budget_means_give_up);
  tcase_add_test(tc, zero_budget_gives_up_at_once_without_sleeping);
  tcase_add_test(tc, negative_budget_counts_as_zero);
  tcase_add_test(tc, retry_loop_ends_when_its_wall_time_budget_is_spent);
  tcase_add_test(tc, each_wait_counts_one_attempt);
  tcase_add_test(tc, transient_errors_are_ebusy_etxtbsy_eagain_only);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  ts_process_init(0);
  return ts_run(retry_suite());
}
