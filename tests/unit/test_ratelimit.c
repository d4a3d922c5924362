// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The bound on repeated warnings: burst, window, suppressed count, kinds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ratelimit.h"

#define SEC 1000000000ULL
#define T0 (1000 * SEC)

static unsigned allowed(struct vfw_ratelimit *rl, const char *kind, __u64 now,
			unsigned tries, __u32 *last_suppressed)
{
	unsigned n = 0;
	__u32 s;

	while (tries--) {
		if (vfw_ratelimit_allow(rl, kind, now, &s)) {
			n++;
			*last_suppressed = s;
		}
	}
	return n;
}

static void test_burst_then_suppressed_then_counted(void **state)
{
	static const char flood[] = "flood";
	struct vfw_ratelimit rl = {};
	__u32 s = 99;

	assert_int_equal(allowed(&rl, flood, T0, 100000, &s), VFW_RATELIMIT_BURST);
	assert_int_equal(s, 0);
	/* still the same window: nothing more */
	assert_int_equal(allowed(&rl, flood, T0 + 9 * SEC, 10, &s), 0);
	/* the next window's first line tells how many were dropped */
	assert_int_equal(allowed(&rl, flood, T0 + 10 * SEC, 1, &s), 1);
	assert_int_equal(s, 100000 - VFW_RATELIMIT_BURST + 10);
	assert_int_equal(allowed(&rl, flood, T0 + 10 * SEC, 1, &s), 1);
	assert_int_equal(s, 0);
}

static void test_kinds_are_separate(void **state)
{
	static const char a[] = "a", b[] = "b";
	struct vfw_ratelimit rl = {};
	__u32 s;

	assert_int_equal(allowed(&rl, a, T0, 50, &s), VFW_RATELIMIT_BURST);
	/* one noisy kind does not silence another */
	assert_int_equal(allowed(&rl, b, T0, 1, &s), 1);
}

static void test_many_kinds_share_the_last_slot(void **state)
{
	static const char kinds[VFW_RATELIMIT_KINDS + 8];
	struct vfw_ratelimit rl = {};
	unsigned i, total = 0;
	__u32 s;

	for (i = 0; i < sizeof(kinds); i++)
		total += allowed(&rl, &kinds[i], T0, 10, &s);
	/* each own slot its burst, the overflow kinds one burst between them */
	assert_int_equal(total, VFW_RATELIMIT_KINDS * VFW_RATELIMIT_BURST);
}

static void test_clock_going_back_opens_a_window(void **state)
{
	static const char k[] = "k";
	struct vfw_ratelimit rl = {};
	__u32 s;

	assert_int_equal(allowed(&rl, k, T0, 20, &s), VFW_RATELIMIT_BURST);
	assert_int_equal(allowed(&rl, k, T0 - SEC, 1, &s), 1);
	assert_int_equal(s, 20 - VFW_RATELIMIT_BURST);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_suppressed_then_counted),
		cmocka_unit_test(test_kinds_are_separate),
		cmocka_unit_test(test_many_kinds_share_the_last_slot),
		cmocka_unit_test(test_clock_going_back_opens_a_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
