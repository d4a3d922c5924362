// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The plain rendering of events (eventfmt.h): the exact line of every event
 * type, and issue 11's promise that a peer's bytes (a Call-ID with ESC [2J,
 * a C1 CSI, bytes that are not UTF-8) come out as printable ASCII only,
 * whole or cut between escapes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "addr.h"
#include "eventfmt.h"

#define SEC VFW_NS_PER_SEC
#define NOW (1000 * SEC)

/* ESC [ 2 J (clear screen), CSI, a stray 0xff, an é in UTF-8, a backslash. */
#define HOSTILE "a\x1b[2J\x9b\xff\xc3\xa9\\b"
#define HOSTILE_TEXT "a\\x1b[2J\\x9b\\xff\\xc3\\xa9\\\\b"

static struct vfw_event *event(enum vfw_event_type type, const char *addr)
{
	static struct vfw_event ev;
	bool ipv4;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.proto = IPPROTO_UDP;
	assert_int_equal(vfw_parse_addr(addr, ev.addr, &ipv4), 0);
	return &ev;
}

static void expect_text(const struct vfw_event *ev, const char *want)
{
	char line[VFW_EVENT_PLAIN_MAX];
	int n = vfw_event_to_text(ev, NOW, line, sizeof(line));

	assert_string_equal(line, want);
	assert_int_equal(n, strlen(want));
}

static void assert_printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			fail_msg("byte 0x%02x in the plain line", (unsigned char)*s);
}

static void test_trunk_events(void **state)
{
	struct vfw_event *ev = event(VFW_EV_TRUNK_LEARN, "198.51.100.1");

	ev->expires_ns = NOW + 660 * SEC;
	ev->reason = "registered";
	expect_text(ev, "trunk_learn 198.51.100.1 expires in 660s (registered)");
	ev->type = VFW_EV_TRUNK_REFRESH;
	ev->expires_ns = NOW + 1500 * SEC / 1000;
	expect_text(ev, "trunk_refresh 198.51.100.1 expires in 1.5s (registered)");
	/* the form scripts grep: nothing between the address and the reason */
	ev = event(VFW_EV_TRUNK_EXPIRE, "2001:db8:5::1");
	ev->expires_ns = NOW + 10 * SEC;
	ev->reason = "unregistered";
	expect_text(ev, "trunk_expire 2001:db8:5::1 (unregistered)");
}

static void test_pinhole_events(void **state)
{
	struct vfw_event *ev = event(VFW_EV_PINHOLE_OPEN, "198.51.100.50");

	ev->local_port = 10000;
	ev->idle_ns = 60 * SEC;
	ev->expires_ns = NOW + 14397790 * (SEC / 1000);
	ev->reason = "SDP sent";
	strcpy(ev->call_id, "in-1@trunk");
	expect_text(ev, "pinhole_open udp 198.51.100.50 -> port 10000 idle 60s "
			"call in-1@trunk expires in 14397.79s (SDP sent)");
	ev->type = VFW_EV_PINHOLE_UPDATE;
	ev->provisional = 1;
	ev->idle_ns = 0;
	ev->proto = IPPROTO_TCP;
	ev->reason = "answered";
	expect_text(ev, "pinhole_update tcp 198.51.100.50 -> port 10000 provisional "
			"idle 0s call in-1@trunk expires in 14397.79s (answered)");
	/* a removal grants no lifetime; an expiry already past is none either */
	ev->type = VFW_EV_PINHOLE_CLOSE;
	ev->reason = "BYE received";
	expect_text(ev, "pinhole_close tcp 198.51.100.50 -> port 10000 provisional "
			"idle 0s call in-1@trunk (BYE received)");
	ev->type = VFW_EV_PINHOLE_OPEN;
	ev->expires_ns = NOW;
	ev->reason = NULL;
	expect_text(ev, "pinhole_open tcp 198.51.100.50 -> port 10000 provisional "
			"idle 0s call in-1@trunk ()");
}

static void test_warning_events(void **state)
{
	struct vfw_event *ev = event(VFW_EV_WARNING, "0.0.0.0");

	strcpy(ev->text, "SIP from 192.0.2.7 ignored");
	ev->reason = "peer mismatch";
	expect_text(ev, VFW_EVENT_WARNING_TAG "SIP from 192.0.2.7 ignored (peer mismatch)");
	strcpy(ev->call_id, "c@x");
	strcpy(ev->text, "From: " HOSTILE);
	expect_text(ev, "warning: From: " HOSTILE_TEXT " call c@x (peer mismatch)");
}

/* Every byte outside 0x20..0x7e as \xNN, '\' as "\\"; the JSON keeps the é. */
static void test_hostile_call_id(void **state)
{
	struct vfw_event *ev = event(VFW_EV_PINHOLE_CLOSE, "198.51.100.50");
	char json[VFW_EVENT_JSON_MAX];
	int c;

	ev->local_port = 10001;
	ev->reason = "BYE sent";
	strcpy(ev->call_id, HOSTILE);
	expect_text(ev, "pinhole_close udp 198.51.100.50 -> port 10001 idle 0s call "
			HOSTILE_TEXT " (BYE sent)");
	vfw_event_to_json(ev, NOW, NULL, json, sizeof(json));
	assert_non_null(strstr(json, "\"call_id\":\"a\\u001b[2J\xef\xbf\xbd\xef\xbf\xbd"
				     "\xc3\xa9\\\\b\""));

	/* every byte value but NUL, in a Call-ID and a warning's text */
	ev->type = VFW_EV_WARNING;
	for (c = 1; c < 256; c++) {
		ev->call_id[0] = (char)c;
		ev->call_id[1] = '\0';
		ev->text[0] = (char)(256 - c);
		ev->text[1] = '\0';
		vfw_event_to_text(ev, NOW, json, sizeof(json));
		assert_printable(json);
	}
}

/* The longest event renders whole in VFW_EVENT_PLAIN_MAX, printable only. */
static void fill_longest(struct vfw_event *ev)
{
	memset(ev->call_id, 0x9b, VFW_CALL_ID_MAX);
	ev->call_id[VFW_CALL_ID_MAX] = '\0';
	memset(ev->text, '\\', sizeof(ev->text) - 1);
	ev->text[0] = '\xff';
	ev->text[sizeof(ev->text) - 1] = '\0';
	ev->reason = "a reason";
}

static void test_longest_fits(void **state)
{
	struct vfw_event *ev = event(VFW_EV_WARNING, "::");
	char line[VFW_EVENT_PLAIN_MAX];
	int n;

	fill_longest(ev);
	n = vfw_event_to_text(ev, NOW, line, sizeof(line));
	assert_true(n > 4 * VFW_CALL_ID_MAX && (size_t)n < sizeof(line));
	assert_int_equal(strlen(line), n);
	assert_printable(line);
	assert_non_null(strstr(line, " call \\x9b\\x9b"));
}

/* Whether cutting s at p would split one of its escapes. */
static bool inside_escape(const char *s, size_t p)
{
	size_t i, k;

	for (i = 0; i < p; i += k) {
		k = s[i] != '\\' ? 1 : s[i + 1] == 'x' ? 4 : 2;
		if (i + k > p)
			return true;
	}
	return false;
}

/* At every buffer size: NUL-terminated, a prefix, never inside an escape. */
static void expect_cuts(enum vfw_event_type type)
{
	struct vfw_event *ev = event(type, "198.51.100.50");
	char full[VFW_EVENT_PLAIN_MAX], cut[VFW_EVENT_PLAIN_MAX];
	size_t len, got;
	int n;

	fill_longest(ev);
	memcpy(ev->call_id, HOSTILE "\\\\", sizeof(HOSTILE "\\\\"));
	ev->expires_ns = NOW + 5 * SEC;
	n = vfw_event_to_text(ev, NOW, full, sizeof(full));
	assert_int_equal(vfw_event_to_text(ev, NOW, NULL, 0), n);
	for (len = 1; len <= (size_t)n + 1; len++) {
		memset(cut, 'Z', sizeof(cut));
		assert_int_equal(vfw_event_to_text(ev, NOW, cut, len), n);
		got = strlen(cut);
		assert_true(got < len);
		assert_memory_equal(cut, full, got);
		assert_false(inside_escape(full, got));
		assert_printable(cut);
	}
	assert_string_equal(cut, full);
}

static void test_truncation(void **state)
{
	expect_cuts(VFW_EV_PINHOLE_OPEN);
	expect_cuts(VFW_EV_WARNING);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trunk_events),
		cmocka_unit_test(test_pinhole_events),
		cmocka_unit_test(test_warning_events),
		cmocka_unit_test(test_hostile_call_id),
		cmocka_unit_test(test_longest_fits),
		cmocka_unit_test(test_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
