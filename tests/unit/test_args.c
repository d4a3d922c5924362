// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Option handling: options anywhere, values inline or separate. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "args.h"

#define ARGV(...) char *argv[] = { __VA_ARGS__, NULL }; \
	int argc = sizeof(argv) / sizeof(argv[0]) - 1

static void test_value_anywhere(void **state)
{
	ARGV("trunk", "--pin-dir", "/x", "add", "203.0.113.5");
	const char *v = NULL;

	assert_int_equal(args_take_value(&argc, argv, "pin-dir", 0, &v), 1);
	assert_string_equal(v, "/x");
	assert_int_equal(argc, 3);
	assert_string_equal(argv[0], "trunk");
	assert_string_equal(argv[1], "add");
	assert_string_equal(argv[2], "203.0.113.5");
	assert_null(argv[3]);
}

static void test_inline_and_short(void **state)
{
	ARGV("-i", "wan0", "--mode=generic", "x");
	const char *iface = NULL, *mode = NULL;

	assert_int_equal(args_take_value(&argc, argv, "iface", 'i', &iface), 1);
	assert_string_equal(iface, "wan0");
	assert_int_equal(args_take_value(&argc, argv, "mode", 0, &mode), 1);
	assert_string_equal(mode, "generic");
	assert_int_equal(argc, 1);
	assert_string_equal(argv[0], "x");
}

static void test_missing_value(void **state)
{
	ARGV("attach", "--iface");
	const char *v = NULL;

	assert_int_equal(args_take_value(&argc, argv, "iface", 'i', &v), -EINVAL);
}

static void test_flags(void **state)
{
	ARGV("-j", "stats", "--json", "--jsonx");
	assert_int_equal(args_take_flag(&argc, argv, "json", 'j'), 1);
	assert_int_equal(argc, 2);
	assert_string_equal(argv[0], "stats");
	/* "--jsonx" is not "--json": left for the unknown-option check */
	assert_string_equal(args_first_option(argc, argv), "--jsonx");
	assert_int_equal(args_take_flag(&argc, argv, "monitor", 0), 0);
}

static void test_double_dash_stops(void **state)
{
	ARGV("pinhole", "--", "--json");
	assert_int_equal(args_take_flag(&argc, argv, "json", 'j'), 0);
	assert_null(args_first_option(argc, argv));
	assert_int_equal(argc, 3);
}

static void test_prefix_match(void **state)
{
	assert_true(args_is_prefix("tr", "trunk"));
	assert_true(args_is_prefix("trunk", "trunk"));
	assert_false(args_is_prefix("", "trunk"));
	assert_false(args_is_prefix("trunks", "trunk"));
	assert_false(args_is_prefix("x", "trunk"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_value_anywhere),
		cmocka_unit_test(test_inline_and_short),
		cmocka_unit_test(test_missing_value),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_double_dash_stops),
		cmocka_unit_test(test_prefix_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
