// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The command tables' parser: options anywhere, every error named. */
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

enum { O_IFACE, O_MODE, O_MONITOR, O_TTL, O_LOCAL };

static const struct args_opt opts[] = {
	[O_IFACE] = { "iface", 'i', "IF", "the interface", NULL, ARGS_REQUIRED },
	[O_MODE] = { "mode", 0, "native|generic", "XDP mode", "native" },
	[O_MONITOR] = { "monitor", 0, NULL, "count only" },
	[O_TTL] = { "ttl", 0, "SECONDS", "lifetime" },
	[O_LOCAL] = { "local", 'l', "ADDR", "ours", NULL, ARGS_MANY },
	{ NULL },
};

static const struct args_cmd cmd = {
	.name = "add", .words = "REMOTE_IP LOCAL_PORT", .opts = opts,
};

static int parse(int *argc, char **argv, struct args_res *r)
{
	return args_parse_cmd(&cmd, argc, argv, r);
}

static void test_anywhere_and_defaults(void **state)
{
	ARGV("192.0.2.1", "-i", "wan0", "5060", "--monitor");
	struct args_res r;

	assert_int_equal(parse(&argc, argv, &r), 0);
	assert_int_equal(argc, 2);
	assert_string_equal(argv[0], "192.0.2.1");
	assert_string_equal(argv[1], "5060");
	assert_null(argv[2]);
	assert_string_equal(r.val[O_IFACE], "wan0");
	assert_string_equal(r.val[O_MODE], "native");   /* the default */
	assert_string_equal(r.val[O_MONITOR], "--monitor");
	assert_null(r.val[O_TTL]);
	assert_int_equal(r.n_many, 0);
	assert_string_equal(r.err, "");
}

static void test_inline_value_and_last_wins(void **state)
{
	ARGV("--iface=a", "x", "--ttl", "5", "y", "--ttl=7", "--iface", "b",
	     "--mode=generic");
	struct args_res r;

	assert_int_equal(parse(&argc, argv, &r), 0);
	assert_string_equal(r.val[O_IFACE], "b");
	assert_string_equal(r.val[O_TTL], "7");
	assert_string_equal(r.val[O_MODE], "generic");
	assert_int_equal(argc, 2);
}

static void test_value_may_look_like_an_option(void **state)
{
	ARGV("--iface", "--monitor", "1", "2", "--ttl=");
	struct args_res r;

	assert_int_equal(parse(&argc, argv, &r), 0);
	assert_string_equal(r.val[O_IFACE], "--monitor");
	assert_null(r.val[O_MONITOR]);
	assert_string_equal(r.val[O_TTL], "");
}

static void test_many_keeps_all(void **state)
{
	ARGV("-l", "a", "1", "--local=b", "-i", "x", "2", "--local", "c");
	struct args_res r;

	assert_int_equal(parse(&argc, argv, &r), 0);
	assert_int_equal(r.n_many, 3);
	assert_string_equal(r.many[0], "a");
	assert_string_equal(r.many[1], "b");
	assert_string_equal(r.many[2], "c");
	assert_string_equal(r.val[O_LOCAL], "c");
}

static void test_too_many(void **state)
{
	char *argv[2 * ARGS_MAX_MANY + 8];
	struct args_res r;
	int argc = 0, i;

	argv[argc++] = "-i";
	argv[argc++] = "x";
	argv[argc++] = "1";
	argv[argc++] = "2";
	for (i = 0; i <= ARGS_MAX_MANY; i++) {
		argv[argc++] = "--local";
		argv[argc++] = "a";
	}
	argv[argc] = NULL;
	assert_int_equal(parse(&argc, argv, &r), -EINVAL);
	assert_string_equal(r.err, "at most 16 --local");
}

/* Each error case: the message names the bad input. */
static void expect_error(const char *want, char **argv, int argc)
{
	struct args_res r;

	assert_int_equal(parse(&argc, argv, &r), -EINVAL);
	assert_string_equal(r.err, want);
}

#define EXPECT_ERROR(want, ...) do { \
	ARGV(__VA_ARGS__); \
	expect_error(want, argv, argc); \
} while (0)

static void test_errors(void **state)
{
	EXPECT_ERROR("unknown option '--bogus'", "-i", "x", "1", "2", "--bogus");
	EXPECT_ERROR("unknown option '--ifac'", "--ifac", "x", "1", "2");
	EXPECT_ERROR("unknown option '--monitorx'", "-i", "x", "--monitorx", "1", "2");
	EXPECT_ERROR("unknown option '-x'", "-i", "x", "-x", "1", "2");
	EXPECT_ERROR("unknown option '-ix'", "-ix", "1", "2");
	EXPECT_ERROR("unknown option '--bogus=1'", "-i", "x", "--bogus=1", "1", "2");
	EXPECT_ERROR("option --ttl needs SECONDS", "-i", "x", "1", "2", "--ttl");
	EXPECT_ERROR("option -i needs IF", "1", "2", "-i");
	EXPECT_ERROR("option --monitor takes no value", "-i", "x", "--monitor=1", "1", "2");
	EXPECT_ERROR("--mode must be native|generic, not 'nat'", "-i", "x", "--mode", "nat", "1", "2");
	EXPECT_ERROR("--mode must be native|generic, not ''", "-i", "x", "--mode=", "1", "2");
	EXPECT_ERROR("missing --iface IF", "1", "2");
	EXPECT_ERROR("missing REMOTE_IP", "-i", "x");
	EXPECT_ERROR("missing LOCAL_PORT", "-i", "x", "1");
	EXPECT_ERROR("unexpected argument '3'", "-i", "x", "1", "2", "3");
	/* the first error is the one reported */
	EXPECT_ERROR("unknown option '--a'", "--a", "--b", "1");
}

static void test_double_dash(void **state)
{
	ARGV("-i", "x", "--", "-1", "--monitor");
	struct args_res r;

	assert_int_equal(parse(&argc, argv, &r), 0);
	assert_int_equal(argc, 2);
	assert_string_equal(argv[0], "-1");
	assert_string_equal(argv[1], "--monitor");
	assert_null(r.val[O_MONITOR]);
}

static void test_lone_dash_is_a_word(void **state)
{
	ARGV("-", "-i", "x", "2");
	struct args_res r;

	assert_int_equal(parse(&argc, argv, &r), 0);
	assert_string_equal(argv[0], "-");
}

/* The global options are taken first; the command's stay for later. */
static void test_partial(void **state)
{
	ARGV("trunk", "--ttl", "5", "-i", "w", "--json", "add", "--", "--mode");
	struct args_res r;

	assert_int_equal(args_parse(opts, ARGS_PARTIAL, &argc, argv, &r), 0);
	assert_string_equal(r.val[O_IFACE], "w");
	assert_string_equal(r.val[O_TTL], "5");
	assert_int_equal(argc, 5);
	assert_string_equal(argv[0], "trunk");
	assert_string_equal(argv[1], "--json");
	assert_string_equal(argv[2], "add");
	assert_string_equal(argv[3], "--");
	assert_string_equal(argv[4], "--mode");
	assert_string_equal(r.val[O_MODE], "native");
}

/* The words c->words asks for, given n of "a b c" (argv is rewritten). */
static int words(const struct args_cmd *c, int n, struct args_res *r)
{
	char *v[] = { "a", "b", "c", NULL };

	return args_parse_cmd(c, &n, v, r);
}

static void test_words(void **state)
{
	static const struct args_cmd rest = { .name = "r", .words = "FILE [X]..." };
	static const struct args_cmd opt = { .name = "o", .words = "A [B]" };
	static const struct args_cmd none = { .name = "n" };
	struct args_res r;

	assert_int_equal(words(&rest, 3, &r), 0);
	assert_int_equal(words(&rest, 0, &r), -EINVAL);
	assert_string_equal(r.err, "missing FILE");
	assert_int_equal(words(&opt, 2, &r), 0);
	assert_int_equal(words(&opt, 1, &r), 0);
	assert_int_equal(words(&opt, 3, &r), -EINVAL);
	assert_string_equal(r.err, "unexpected argument 'c'");
	assert_int_equal(words(&none, 1, &r), -EINVAL);
	assert_string_equal(r.err, "unexpected argument 'a'");
	assert_int_equal(words(&none, 0, &r), 0);
}

static void test_find_cmd(void **state)
{
	static const struct args_cmd list = { .name = "list", .alias = "show" };
	static const struct args_cmd set = { .name = "set" };
	static const struct args_cmd *const subs[] = { &list, &set, NULL };
	static const struct args_cmd group = { .name = "ports", .sub = subs };
	bool amb;

	assert_ptr_equal(args_find_cmd(&group, "list", &amb), &list);
	assert_ptr_equal(args_find_cmd(&group, "l", &amb), &list);
	assert_ptr_equal(args_find_cmd(&group, "show", &amb), &list);
	assert_ptr_equal(args_find_cmd(&group, "sh", &amb), &list);
	assert_ptr_equal(args_find_cmd(&group, "set", &amb), &set);
	assert_false(amb);
	assert_null(args_find_cmd(&group, "s", &amb));
	assert_true(amb);
	assert_null(args_find_cmd(&group, "x", &amb));
	assert_false(amb);
	assert_null(args_find_cmd(&group, "", &amb));
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
		cmocka_unit_test(test_anywhere_and_defaults),
		cmocka_unit_test(test_inline_value_and_last_wins),
		cmocka_unit_test(test_value_may_look_like_an_option),
		cmocka_unit_test(test_many_keeps_all),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_double_dash),
		cmocka_unit_test(test_lone_dash_is_a_word),
		cmocka_unit_test(test_partial),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_find_cmd),
		cmocka_unit_test(test_prefix_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
