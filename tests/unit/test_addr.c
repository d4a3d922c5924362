// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Address, prefix, port and key encoding: what users type into the CLI. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <string.h>

#include "addr.h"
#include "names.h"

static void prefix_ok(const char *in, const char *printed, unsigned lpm_len)
{
	struct vfw_prefix p;
	struct vfw_lpm_key key;
	const char *why = NULL;
	char buf[VFW_ADDR_STRLEN];

	assert_int_equal(vfw_parse_prefix(in, &p, &why), 0);
	vfw_prefix_to_lpm_key(&p, &key);
	assert_int_equal(key.prefixlen, lpm_len);
	assert_string_equal(vfw_lpm_key_str(&key, buf, sizeof(buf)), printed);
}

static void prefix_bad(const char *in, const char *why_part)
{
	struct vfw_prefix p;
	const char *why = NULL;

	assert_int_not_equal(vfw_parse_prefix(in, &p, &why), 0);
	assert_non_null(why);
	assert_non_null(strstr(why, why_part));
}

static void test_prefix_valid(void **state)
{
	prefix_ok("203.0.113.5/32", "203.0.113.5/32", 128);
	prefix_ok("203.0.113.5", "203.0.113.5/32", 128);
	prefix_ok("203.0.113.0/24", "203.0.113.0/24", 120);
	prefix_ok("0.0.0.0/0", "0.0.0.0/0", 96);
	prefix_ok("2001:db8::/32", "2001:db8::/32", 32);
	prefix_ok("2001:db8::5", "2001:db8::5/128", 128);
	prefix_ok("::/0", "::/0", 0);
}

static bool contains(const char *prefix, const char *addr)
{
	struct vfw_prefix p;
	const char *why;
	__u8 a[16];
	bool ipv4;

	assert_int_equal(vfw_parse_prefix(prefix, &p, &why), 0);
	assert_int_equal(vfw_parse_addr(addr, a, &ipv4), 0);
	return vfw_prefix_contains(&p, a);
}

static void test_prefix_contains(void **state)
{
	(void)state;
	assert_true(contains("192.168.1.0/24", "192.168.1.77"));
	assert_false(contains("192.168.1.0/24", "192.168.2.77"));
	assert_true(contains("192.168.1.10", "192.168.1.10"));
	assert_false(contains("192.168.1.10", "192.168.1.11"));
	assert_true(contains("0.0.0.0/0", "203.0.113.5"));
	assert_false(contains("0.0.0.0/0", "2001:db8::5"));   /* families never mix */
	assert_false(contains("::/0", "203.0.113.5"));
	assert_true(contains("::/0", "2001:db8::5"));
	assert_true(contains("2001:db8:77::/64", "2001:db8:77::10"));
	assert_false(contains("2001:db8:77::/64", "2001:db8:78::10"));
	assert_true(contains("192.168.1.128/25", "192.168.1.129"));
	assert_false(contains("192.168.1.128/25", "192.168.1.127"));
}

static void test_prefix_invalid(void **state)
{
	prefix_bad("203.0.113.5/24", "host bits");
	prefix_bad("2001:db8::1/32", "host bits");
	prefix_bad("203.0.113.0/33", "0-32");
	prefix_bad("2001:db8::/129", "0-128");
	prefix_bad("203.0.113.0/", "0-32");
	prefix_bad("203.0.113.0/-1", "0-32");
	prefix_bad("203.0.113.0/2x", "0-32");
	prefix_bad("203.0.113", "not an IPv4");
	prefix_bad("203.0.113.256", "not an IPv4");
	prefix_bad("example.com", "not an IPv4");
	prefix_bad("", "not an IPv4");
	prefix_bad("/24", "not an IPv4");
	prefix_bad("::ffff:203.0.113.5", "not an IPv4");
	prefix_bad("2001:db8::/32/1", "0-128");
}

static void test_mapped_form(void **state)
{
	__u8 a[16];
	bool v4;
	char buf[VFW_ADDR_STRLEN];

	assert_int_equal(vfw_parse_addr("192.0.2.7", a, &v4), 0);
	assert_true(v4);
	assert_true(vfw_addr_is_ipv4(a));
	assert_int_equal(a[10], 0xff);
	assert_int_equal(a[12], 192);
	assert_int_equal(a[15], 7);
	assert_string_equal(vfw_addr_str(a, buf, sizeof(buf)), "192.0.2.7");

	assert_int_equal(vfw_parse_addr("2001:db8::7", a, &v4), 0);
	assert_false(v4);
	assert_false(vfw_addr_is_ipv4(a));
	assert_string_equal(vfw_addr_str(a, buf, sizeof(buf)), "2001:db8::7");
}

static void test_ports(void **state)
{
	__u16 p, first, last;

	assert_int_equal(vfw_parse_port("5060", &p), 0);
	assert_int_equal(p, 5060);
	assert_int_equal(vfw_parse_port("65535", &p), 0);
	assert_int_not_equal(vfw_parse_port("0", &p), 0);
	assert_int_not_equal(vfw_parse_port("65536", &p), 0);
	assert_int_not_equal(vfw_parse_port("-1", &p), 0);
	assert_int_not_equal(vfw_parse_port("50a", &p), 0);
	assert_int_not_equal(vfw_parse_port("", &p), 0);
	assert_int_not_equal(vfw_parse_port(" 5060", &p), 0);

	assert_int_equal(vfw_parse_port_range("10000-20000", &first, &last), 0);
	assert_int_equal(first, 10000);
	assert_int_equal(last, 20000);
	assert_int_equal(vfw_parse_port_range("5060", &first, &last), 0);
	assert_int_equal(first, 5060);
	assert_int_equal(last, 5060);
	assert_int_not_equal(vfw_parse_port_range("20000-10000", &first, &last), 0);
	assert_int_not_equal(vfw_parse_port_range("0-10", &first, &last), 0);
	assert_int_not_equal(vfw_parse_port_range("10-", &first, &last), 0);
	assert_int_not_equal(vfw_parse_port_range("-10", &first, &last), 0);
	assert_int_not_equal(vfw_parse_port_range("1-2-3", &first, &last), 0);
	assert_int_not_equal(vfw_parse_port_range("1-70000", &first, &last), 0);
}

static void test_numbers_and_names(void **state)
{
	__u64 v;
	__u8 proto, class;
	__u32 admit;

	assert_int_equal(vfw_parse_u64("0", 10, &v), 0);
	assert_int_equal(vfw_parse_u64("10", 10, &v), 0);
	assert_int_not_equal(vfw_parse_u64("11", 10, &v), 0);
	assert_int_not_equal(vfw_parse_u64("+1", 10, &v), 0);
	assert_int_not_equal(vfw_parse_u64("99999999999999999999999", ~0ULL, &v), 0);

	assert_int_equal(vfw_parse_proto("udp", &proto), 0);
	assert_int_equal(proto, IPPROTO_UDP);
	assert_int_equal(vfw_parse_proto("tcp", &proto), 0);
	assert_int_equal(proto, IPPROTO_TCP);
	assert_int_not_equal(vfw_parse_proto("sctp", &proto), 0);

	assert_int_equal(vfw_parse_class("media", &class), 0);
	assert_int_equal(class, VFW_CLASS_MEDIA);
	assert_int_not_equal(vfw_parse_class("none", &class), 0);
	assert_int_equal(vfw_parse_admit("all", &admit), 0);
	assert_int_equal(admit, VFW_ADMIT_ALL);
	assert_string_equal(vfw_admit_name(VFW_ADMIT_SIP), "sip");

	/* every reason has a distinct, non-placeholder name */
	for (__u32 r = 0; r < VFW_REASON_MAX; r++) {
		assert_string_not_equal(vfw_reason_name(r), "unknown");
		for (__u32 s = 0; s < r; s++)
			assert_string_not_equal(vfw_reason_name(r), vfw_reason_name(s));
	}
	assert_string_equal(vfw_reason_name(VFW_REASON_MAX), "unknown");
}

static void test_keys_zero_padded(void **state)
{
	struct vfw_pinhole_key k;
	__u8 a[16];
	bool v4;

	memset(&k, 0xaa, sizeof(k));
	assert_int_equal(vfw_parse_addr("198.51.100.7", a, &v4), 0);
	vfw_pinhole_key_make(&k, a, 10000, IPPROTO_UDP);
	assert_int_equal(k.pad, 0);
	assert_int_equal(k.local_port, 10000);
	assert_memory_equal(k.addr, a, 16);

	/* hostile trie keys print as unknown rather than overflow */
	struct vfw_lpm_key bad = { .prefixlen = 200 };
	char buf[VFW_ADDR_STRLEN];
	struct vfw_prefix p;

	assert_int_not_equal(vfw_lpm_key_to_prefix(&bad, &p), 0);
	assert_string_equal(vfw_lpm_key_str(&bad, buf, sizeof(buf)), "?/200");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix_valid),
		cmocka_unit_test(test_prefix_invalid),
		cmocka_unit_test(test_prefix_contains),
		cmocka_unit_test(test_mapped_form),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_numbers_and_names),
		cmocka_unit_test(test_keys_zero_padded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
