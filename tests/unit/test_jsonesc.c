// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The JSON string escaper: the rules of jsonesc.h, one class at a time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "jsonesc.h"

#define FFFD "\xef\xbf\xbd"

/* Escapes n bytes of in and checks the result and its predicted length. */
static void expect_n(const char *in, size_t n, const char *want)
{
	char out[256];
	size_t used, len = vfw_json_escape(out, sizeof(out), in, n, &used);

	assert_string_equal(out, want);
	assert_int_equal(len, strlen(want));
	assert_int_equal(used, n);
	assert_int_equal(vfw_json_escaped_len(in, n), len);
}

static void expect(const char *in, const char *want)
{
	expect_n(in, strlen(in), want);
}

static void test_ascii_and_specials(void **state)
{
	expect("", "");
	expect("abc@example.com/x", "abc@example.com/x");
	expect("a\"b\\c", "a\\\"b\\\\c");
	expect("\b\f\n\r\t", "\\b\\f\\n\\r\\t");
	expect("\x01\x1f", "\\u0001\\u001f");
	expect("\x7f", "\\u007f");
	expect_n("a\0b", 3, "a\\u0000b");   /* a length, not a C string */
}

static void test_valid_utf8_passes(void **state)
{
	expect("\xc2\xa0", "\xc2\xa0");                 /* U+00A0, first after C1 */
	expect("caf\xc3\xa9", "caf\xc3\xa9");           /* é */
	expect("\xdf\xbf", "\xdf\xbf");                 /* U+07FF */
	expect("\xe0\xa0\x80", "\xe0\xa0\x80");         /* U+0800 */
	expect("\xe2\x82\xac", "\xe2\x82\xac");         /* € */
	expect("\xed\x9f\xbf", "\xed\x9f\xbf");         /* U+D7FF, below surrogates */
	expect("\xee\x80\x80", "\xee\x80\x80");         /* U+E000, above them */
	expect("\xef\xbf\xbf", "\xef\xbf\xbf");         /* U+FFFF */
	expect(FFFD, FFFD);                             /* a real U+FFFD stays */
	expect("\xf0\x90\x80\x80", "\xf0\x90\x80\x80"); /* U+10000 */
	expect("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"); /* 😀 */
	expect("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf"); /* U+10FFFF */
}

/* Terminal controls and the JavaScript line separators are escaped. */
static void test_unicode_controls(void **state)
{
	expect("\xc2\x80", "\\u0080");
	expect("\xc2\x9b[2J", "\\u009b[2J");   /* CSI */
	expect("\xc2\x9f", "\\u009f");
	expect("\xe2\x80\xa8\xe2\x80\xa9", "\\u2028\\u2029");
	expect("\xe2\x80\xa7", "\xe2\x80\xa7");  /* U+2027 is not one */
}

/* Every byte of an ill-formed sequence is one U+FFFD. */
static void test_invalid_classes(void **state)
{
	expect("\x80", FFFD);                               /* stray continuation */
	expect("a\xbf" "b", "a" FFFD "b");
	expect("\xc0\xaf", FFFD FFFD);                      /* overlong 2-byte '/' */
	expect("\xc1\xbf", FFFD FFFD);
	expect("\xe0\x80\xaf", FFFD FFFD FFFD);             /* overlong 3-byte */
	expect("\xe0\x9f\xbf", FFFD FFFD FFFD);
	expect("\xf0\x80\x80\xaf", FFFD FFFD FFFD FFFD);    /* overlong 4-byte */
	expect("\xf0\x8f\xbf\xbf", FFFD FFFD FFFD FFFD);
	expect("\xed\xa0\x80", FFFD FFFD FFFD);             /* U+D800 */
	expect("\xed\xbf\xbf", FFFD FFFD FFFD);             /* U+DFFF */
	expect("\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD);    /* U+110000 */
	expect("\xf5\x80\x80\x80", FFFD FFFD FFFD FFFD);
	expect("\xfe\xff", FFFD FFFD);
	expect("\xff", FFFD);
	expect("\xe2\x82", FFFD FFFD);                      /* truncated at end */
	expect("\xe2\x82" "A", FFFD FFFD "A");              /* cut by ASCII */
	expect("\xf0\x9f\x98" "\"", FFFD FFFD FFFD "\\\""); /* cut by a quote */
	expect("\xe2\xe2\x82\xac", FFFD "\xe2\x82\xac");    /* a new lead restarts */
	expect("\xc3" "\xc3\xa9", FFFD "\xc3\xa9");
}

/* The Call-ID of issue 11 and replay's old "\u00ff" for it. */
static void test_issue11_call_id(void **state)
{
	expect("abc\xff\xfe@h\xc3\xa9", "abc" FFFD FFFD "@h\xc3\xa9");
}

/*
 * For every buffer size, the output is the longest prefix of the full
 * escaping made of whole units that fits with its NUL.
 */
static void test_truncation_at_each_boundary(void **state)
{
	static const char in[] = "a\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x01\xff\xc2\x9b" "z";
	/* unit ends in the full output, and the input consumed by then */
	static const size_t ends[] = { 0, 1, 3, 5, 8, 12, 18, 21, 27, 28 };
	static const size_t ins[] =  { 0, 1, 2, 4, 7, 11, 12, 13, 15, 16 };
	char full[256], out[256];
	size_t n = strlen(in), flen, outlen, k;

	flen = vfw_json_escape(full, sizeof(full), in, n, NULL);
	assert_int_equal(flen, 28);
	for (outlen = 0; outlen <= flen + 2; outlen++) {
		size_t used = 99, len;

		memset(out, 'X', sizeof(out));
		len = vfw_json_escape(out, outlen, in, n, &used);
		for (k = 0; k + 1 < sizeof(ends) / sizeof(ends[0]) &&
			    ends[k + 1] < outlen; k++)
			;
		assert_int_equal(len, ends[k]);
		assert_int_equal(used, ins[k]);
		assert_memory_equal(out, full, len);
		if (outlen)
			assert_int_equal(out[len], '\0');
		else
			assert_int_equal(out[0], 'X');   /* nothing written at all */
	}
}

static void test_unit(void **state)
{
	char out[VFW_JSON_ESC_MAX];
	size_t used;

	assert_int_equal(vfw_json_escape_unit("\xf0\x9f\x98\x80!", 5, out, &used), 4);
	assert_int_equal(used, 4);
	/* the length bounds the sequence: a 4-byte lead with 3 bytes is ill-formed */
	assert_int_equal(vfw_json_escape_unit("\xf0\x9f\x98\x80", 3, out, &used), 3);
	assert_int_equal(used, 1);
	assert_memory_equal(out, FFFD, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascii_and_specials),
		cmocka_unit_test(test_valid_utf8_passes),
		cmocka_unit_test(test_unicode_controls),
		cmocka_unit_test(test_invalid_classes),
		cmocka_unit_test(test_issue11_call_id),
		cmocka_unit_test(test_truncation_at_each_boundary),
		cmocka_unit_test(test_unit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
