// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The CLI's JSON writer and its --json errors: stdout stays one valid JSON
 * document whatever point a command fails at. json.c is built in directly
 * (it writes to a FILE, so it lives in user/, not in the pure library).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "json.c"

static char *buf;
static size_t len;

static struct json *open_writer(struct json *j)
{
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	json_init(j, f);
	return j;
}

static void expect_output(struct json *j, const char *want)
{
	fclose(j->out);
	assert_string_equal(buf, want);
	free(buf);
}

static void test_error_alone(void **state)
{
	struct json j;

	open_writer(&j);
	assert_true(json_error(&j, "bad \"x\"\n"));
	assert_false(json_error(&j, "second"));   /* one document only */
	json_array_start(&j);                      /* dropped */
	json_finish(&j);
	expect_output(&j, "{\"error\":\"bad \\\"x\\\"\\n\"}\n");
}

static void test_error_in_open_array(void **state)
{
	struct json j;

	open_writer(&j);
	json_array_start(&j);
	json_object_start(&j);
	json_kv_uint(&j, "a", 1);
	json_object_end(&j);
	assert_true(json_error(&j, "lost"));
	json_object_start(&j);   /* the command goes on: dropped */
	json_array_end(&j);
	json_finish(&j);
	expect_output(&j, "[{\"a\":1},{\"error\":\"lost\"}]\n");
}

static void test_error_in_open_object(void **state)
{
	struct json j;

	open_writer(&j);
	json_object_start(&j);
	json_kv_bool(&j, "ok", true);
	json_key(&j, "maps");
	json_object_start(&j);
	json_key(&j, "trunks");
	assert_true(json_error(&j, "gone"));
	expect_output(&j, "{\"ok\":true,\"maps\":{\"trunks\":null,\"error\":\"gone\"}}\n");
}

static void test_error_after_a_document(void **state)
{
	struct json j;

	open_writer(&j);
	json_array_start(&j);
	json_array_end(&j);
	json_finish(&j);
	assert_false(json_error(&j, "late"));   /* stays on stderr */
	expect_output(&j, "[]\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_alone),
		cmocka_unit_test(test_error_in_open_array),
		cmocka_unit_test(test_error_in_open_object),
		cmocka_unit_test(test_error_after_a_document),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
