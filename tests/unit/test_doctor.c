// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The doctor's verdicts (user/lib/doctor.h) on facts written by hand: a
 * clean router is ok in every router check, each broken fact moves the
 * right check to warn or fail with its evidence, and the text stays bounded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "doctor.h"

static struct vfw_port_class_entry ports[VFW_PORT_SLOTS];
static struct vfw_config cfg;
static struct doc_facts f;
static struct doc_result res[DOC_CHECK_COUNT];

static void addr(const char *ifname, const char *a, unsigned plen)
{
	struct doc_addr *x = &f.addrs[f.n_addrs++];

	snprintf(x->ifname, sizeof(x->ifname), "%s", ifname);
	assert_int_equal(vfw_parse_addr(a, x->addr, &x->ipv4), 0);
	x->prefixlen = plen;
}

/* udp dport FIRST-LAST dnat to TO[:TO_FIRST-TO_LAST] */
static struct doc_dnat *dnat(unsigned first, unsigned last, const char *to,
			     unsigned to_first, unsigned to_last)
{
	struct doc_dnat *d = &f.dnat[f.n_dnat];
	bool v4;

	memset(d, 0, sizeof(*d));
	snprintf(d->where, sizeof(d->where), "ip nat prerouting handle %u", f.n_dnat + 4);
	snprintf(d->iifname, sizeof(d->iifname), "wan0");
	d->udp = true;
	d->n_match = 1;
	d->match[0].first = first;
	d->match[0].last = last;
	d->has_addr = true;
	assert_int_equal(vfw_parse_addr(to, d->addr, &v4), 0);
	d->to_first = to_first;
	d->to_last = to_last;
	f.n_dnat++;
	return d;
}

static void run(void)
{
	doc_run(&f, res);
}

static enum doc_status st(enum doc_check c)
{
	return res[c].status;
}

static bool has_evidence(enum doc_check c, const char *needle)
{
	unsigned i;

	for (i = 0; i < res[c].n_evidence; i++)
		if (strstr(res[c].evidence[i], needle))
			return true;
	return false;
}

/* A router that is right: the setup of tests/net/test_doctor.sh. */
static int clean(void **state)
{
	char err[128];
	__u32 p;

	memset(&f, 0, sizeof(f));
	memset(ports, 0, sizeof(ports));
	vfw_config_defaults(&cfg);
	assert_int_equal(vfw_config_parse(&cfg, "[general]\ninterface = wan0\n"
					  "voip_hosts = 192.168.50.10\n"
					  "[ports]\nmedia_udp = 10000-10011\n",
					  err, sizeof(err)), 0);
	f.cfg = &cfg;
	snprintf(f.wan, sizeof(f.wan), "wan0");
	f.wan_from = "config";
	addr("lo", "127.0.0.1", 8);
	addr("wan0", "203.0.113.1", 24);
	addr("wan0", "2001:db8::1", 64);
	addr("lan0", "192.168.50.1", 24);
	addr("lan0", "2001:db8:50::1", 64);
	f.nft_ok = true;
	dnat(5060, 5060, "192.168.50.10", 0, 0);
	dnat(10000, 10011, "192.168.50.10", 0, 0);
	f.sip_module = true;
	f.helper_sysctl = -1;
	f.udp_timeout = 30;
	f.udp_timeout_stream = 120;
	f.pin_dir = "/sys/fs/bpf/voipfw";
	f.have_maps = true;
	ports[5060].udp = VFW_CLASS_SIP;
	for (p = 10000; p <= 10011; p++)
		ports[p].udp = VFW_CLASS_MEDIA;
	f.ports = ports;
	f.n_ifaces = 1;
	snprintf((char *)f.ifaces[0].name, sizeof(f.ifaces[0].name), "wan0");
	f.n_fill = 1;
	snprintf(f.fill[0].name, sizeof(f.fill[0].name), "pinholes");
	f.fill[0].max = 4096;
	f.feed_on = true;
	return 0;
}

static void test_names(void **state)
{
	assert_string_equal(doc_check_name(DOC_SIP_ALG), "sip-alg");
	assert_string_equal(doc_check_name(DOC_UNPROTECTED_FORWARD), "unprotected-forward");
	assert_string_equal(doc_check_name(DOC_DAEMON_STATE), "daemon-state");
	assert_string_equal(doc_status_name(DOC_SKIP), "skip");
}

static void test_address_kinds(void **state)
{
	static const struct { const char *a; enum doc_v4_kind k; } v4[] = {
		{ "10.1.2.3", DOC_V4_PRIVATE }, { "172.16.0.1", DOC_V4_PRIVATE },
		{ "172.31.255.1", DOC_V4_PRIVATE }, { "172.32.0.1", DOC_V4_PUBLIC },
		{ "192.168.0.1", DOC_V4_PRIVATE }, { "100.64.0.1", DOC_V4_CGN },
		{ "100.127.255.254", DOC_V4_CGN }, { "100.128.0.1", DOC_V4_PUBLIC },
		{ "203.0.113.1", DOC_V4_PUBLIC }, { "169.254.1.1", DOC_V4_OTHER },
		{ "2001:db8::1", DOC_V4_OTHER },
	};
	__u8 a[16];
	bool is4;
	unsigned i;

	for (i = 0; i < sizeof(v4) / sizeof(v4[0]); i++) {
		assert_int_equal(vfw_parse_addr(v4[i].a, a, &is4), 0);
		assert_int_equal(doc_v4_kind(a), v4[i].k);
	}
	assert_int_equal(vfw_parse_addr("2001:db8::1", a, &is4), 0);
	assert_true(doc_v6_global(a));
	assert_int_equal(vfw_parse_addr("fe80::1", a, &is4), 0);
	assert_false(doc_v6_global(a));
	assert_int_equal(vfw_parse_addr("fd00::1", a, &is4), 0);
	assert_false(doc_v6_global(a));
}

static void test_clean(void **state)
{
	int c;

	run();
	for (c = DOC_SIP_ALG; c <= DOC_IPV6; c++) {
		assert_int_equal(res[c].check, c);
		if (st(c) != DOC_OK)
			fail_msg("%s: %s: %s", doc_check_name(c), doc_status_name(st(c)),
				 res[c].detail);
		assert_string_equal(res[c].fix, "");
	}
	for (c = DOC_DOUBLE_NAT; c < DOC_CHECK_COUNT; c++)   /* no --stun */
		assert_int_equal(st(c), DOC_SKIP);
	assert_non_null(strstr(res[DOC_ADVERTISED_ADDRESS].detail, "needs the daemon's observations (not yet)"));
	assert_non_null(strstr(res[DOC_WAN_ADDRESS].detail, "203.0.113.1/24 public"));
	assert_non_null(strstr(res[DOC_RTP_RANGE].detail, "udp 10000-10011 (12 ports)"));
	assert_non_null(strstr(res[DOC_IPV6].detail, "2001:db8:50::1"));
	assert_non_null(strstr(res[DOC_UNPROTECTED_FORWARD].detail, "13 udp, 0 tcp ports forwarded"));
}

static void test_sip_alg(void **state)
{
	struct doc_helper *h;

	/* an object alone: warn */
	h = &f.helper_objs[f.n_helper_objs++];
	snprintf(h->where, sizeof(h->where), "ip filter sip-5060");
	snprintf(h->type, sizeof(h->type), "sip");
	run();
	assert_int_equal(st(DOC_SIP_ALG), DOC_WARN);
	assert_true(has_evidence(DOC_SIP_ALG, "ct helper ip filter sip-5060"));
	/* assigned by a rule: fail */
	h = &f.helper_rules[f.n_helper_rules++];
	snprintf(h->where, sizeof(h->where), "ip filter pre handle 7");
	snprintf(h->name, sizeof(h->name), "sip-5060");
	snprintf(h->type, sizeof(h->type), "sip");
	run();
	assert_int_equal(st(DOC_SIP_ALG), DOC_FAIL);
	assert_true(has_evidence(DOC_SIP_ALG, "handle 7: ct helper set \"sip-5060\""));
	assert_non_null(strstr(res[DOC_SIP_ALG].fix, "delete the rules"));
}

static void test_sip_alg_ftp_helper_is_not_sip(void **state)
{
	struct doc_helper *h = &f.helper_rules[f.n_helper_rules++];

	snprintf(h->type, sizeof(h->type), "ftp");
	run();
	assert_int_equal(st(DOC_SIP_ALG), DOC_OK);
}

static void test_sip_alg_sysctl_and_conntrack(void **state)
{
	f.helper_sysctl = 1;
	f.sip_module = false;
	run();
	assert_int_equal(st(DOC_SIP_ALG), DOC_OK);   /* nothing to assign */
	f.sip_module = true;
	run();
	assert_int_equal(st(DOC_SIP_ALG), DOC_FAIL);
	assert_true(has_evidence(DOC_SIP_ALG, "nf_conntrack_helper=1"));
	f.helper_sysctl = 0;
	f.ct_sip_entries = 3;
	run();
	assert_int_equal(st(DOC_SIP_ALG), DOC_FAIL);
	assert_true(has_evidence(DOC_SIP_ALG, "3 entries with helper sip"));
	f.ct_sip_entries = 0;
	f.n_xt_ct = 1;
	run();
	assert_int_equal(st(DOC_SIP_ALG), DOC_WARN);
}

static void test_wan_cgn_private_dynamic(void **state)
{
	bool v4;

	assert_int_equal(vfw_parse_addr("100.64.7.1", f.addrs[1].addr, &v4), 0);
	run();
	assert_int_equal(st(DOC_WAN_ADDRESS), DOC_FAIL);
	assert_non_null(strstr(res[DOC_WAN_ADDRESS].detail, "100.64.7.1/24 carrier-grade NAT"));
	assert_int_equal(vfw_parse_addr("192.168.1.2", f.addrs[1].addr, &v4), 0);
	run();
	assert_int_equal(st(DOC_WAN_ADDRESS), DOC_WARN);
	assert_non_null(strstr(res[DOC_WAN_ADDRESS].fix, "double NAT"));
	assert_int_equal(vfw_parse_addr("203.0.113.1", f.addrs[1].addr, &v4), 0);
	f.addrs[1].dynamic = true;
	f.addrs[1].valid_lft = 3599;
	run();
	assert_int_equal(st(DOC_WAN_ADDRESS), DOC_OK);
	assert_non_null(strstr(res[DOC_WAN_ADDRESS].detail, "dynamic (lease 3599 s left"));
}

static void test_no_wan(void **state)
{
	f.wan_from = NULL;
	run();
	assert_int_equal(st(DOC_WAN_ADDRESS), DOC_SKIP);
	assert_int_equal(st(DOC_IPV6), DOC_SKIP);
}

static void test_forward_changes_port(void **state)
{
	f.dnat[0].to_first = f.dnat[0].to_last = 5061;
	run();
	assert_int_equal(st(DOC_FORWARD_PORT), DOC_WARN);
	assert_non_null(strstr(res[DOC_FORWARD_PORT].detail, "WAN udp 5060 -> 192.168.50.10:5061"));
	assert_true(has_evidence(DOC_FORWARD_PORT, "udp dport 5060 dnat to 192.168.50.10:5061"));
}

static void test_forward_range_keeps_port(void **state)
{
	/* dnat to ADDR:10000-10011 of dport 10000-10011: nf_nat keeps each port */
	f.dnat[1].to_first = 10000;
	f.dnat[1].to_last = 10011;
	run();
	assert_int_equal(st(DOC_FORWARD_PORT), DOC_OK);
	f.dnat[1].to_first = 20000;
	f.dnat[1].to_last = 20011;
	run();
	assert_int_equal(st(DOC_FORWARD_PORT), DOC_WARN);
}

static void test_forward_two_hosts(void **state)
{
	bool v4;

	assert_int_equal(vfw_parse_addr("192.168.50.20", f.dnat[1].addr, &v4), 0);
	run();
	assert_int_equal(st(DOC_FORWARD_PORT), DOC_WARN);
	assert_non_null(strstr(res[DOC_FORWARD_PORT].detail,
			       "SIP forwarded to 192.168.50.10, media to 192.168.50.20"));
}

static void test_rtp_range_no_rtcp(void **state)
{
	f.dnat[1].match[0].last = 10010;
	run();
	assert_int_equal(st(DOC_RTP_RANGE), DOC_WARN);
	assert_non_null(strstr(res[DOC_RTP_RANGE].detail, "not forwarded: 1 port, 10011"));
	assert_non_null(strstr(res[DOC_RTP_RANGE].fix, "udp 10000-10011"));
	/* and the config's 10011 is not forwarded either */
	assert_non_null(strstr(res[DOC_RTP_RANGE].detail, "1 configured media port not forwarded: 10011"));
}

static void test_rtp_range_odd_start(void **state)
{
	f.dnat[1].match[0].first = 10001;
	run();
	assert_int_equal(st(DOC_RTP_RANGE), DOC_WARN);
	assert_non_null(strstr(res[DOC_RTP_RANGE].detail, "1 odd port without the even RTP port below: 10001"));
}

static void test_rtp_range_bounded_text(void **state)
{
	struct doc_dnat *d = &f.dnat[1];
	unsigned i;

	/* 16 even ports only, far apart: the list of missing ports is cut, not overrun */
	d->n_match = DOC_MAX_MATCH;
	for (i = 0; i < DOC_MAX_MATCH; i++)
		d->match[i].first = d->match[i].last = 10000 + 100 * i;
	run();
	assert_int_equal(st(DOC_RTP_RANGE), DOC_WARN);
	assert_non_null(strstr(res[DOC_RTP_RANGE].detail, "16 ports"));
	assert_true(strlen(res[DOC_RTP_RANGE].detail) < DOC_DETAIL_LEN);
	assert_true(strlen(res[DOC_RTP_RANGE].evidence[0]) < DOC_EVIDENCE_LEN);
}

static void test_rtp_range_nothing_forwarded(void **state)
{
	f.n_dnat = 1;
	run();
	assert_int_equal(st(DOC_RTP_RANGE), DOC_SKIP);
}

static void test_unprotected(void **state)
{
	dnat(7000, 7000, "192.168.50.10", 0, 0);
	run();
	assert_int_equal(st(DOC_UNPROTECTED_FORWARD), DOC_FAIL);
	assert_non_null(strstr(res[DOC_UNPROTECTED_FORWARD].detail, "unprotected forwarded udp 7000 (1)"));
	assert_true(has_evidence(DOC_UNPROTECTED_FORWARD, "udp dport 7000 dnat to 192.168.50.10"));
	/* to another host than the VoIP system: not voipfw's business */
	f.n_dnat--;
	dnat(7000, 7000, "192.168.50.99", 0, 0);
	run();
	assert_int_equal(st(DOC_UNPROTECTED_FORWARD), DOC_OK);
}

static void test_unprotected_other_iface(void **state)
{
	snprintf(f.dnat[0].iifname, sizeof(f.dnat[0].iifname), "ppp0");
	run();
	assert_int_equal(st(DOC_UNPROTECTED_FORWARD), DOC_FAIL);
	assert_non_null(strstr(res[DOC_UNPROTECTED_FORWARD].fix, "voipfw attach --iface ppp0"));
}

static void test_unprotected_without_maps(void **state)
{
	f.ports = NULL;
	f.have_maps = false;
	snprintf(f.maps_err, sizeof(f.maps_err), "no maps in /x");
	run();
	assert_int_equal(st(DOC_UNPROTECTED_FORWARD), DOC_SKIP);
	assert_int_equal(st(DOC_VOIPFW), DOC_FAIL);
	assert_non_null(strstr(res[DOC_VOIPFW].fix, "voipfw attach --iface wan0"));
}

static void test_nat_timeout(void **state)
{
	f.udp_timeout_stream = 20;
	run();
	assert_int_equal(st(DOC_NAT_TIMEOUT), DOC_WARN);
	assert_true(has_evidence(DOC_NAT_TIMEOUT, "nf_conntrack_udp_timeout_stream=20"));
	f.udp_timeout_stream = 120;
	f.udp_timeout = 5;
	run();
	assert_int_equal(st(DOC_NAT_TIMEOUT), DOC_WARN);
	f.udp_timeout = f.udp_timeout_stream = -1;
	run();
	assert_int_equal(st(DOC_NAT_TIMEOUT), DOC_SKIP);
}

static void test_voipfw(void **state)
{
	f.ifaces[0].monitor = 1;
	run();
	assert_int_equal(st(DOC_VOIPFW), DOC_WARN);
	assert_non_null(strstr(res[DOC_VOIPFW].fix, "monitor"));
	f.ifaces[0].monitor = 0;
	f.feed_on = false;
	run();
	assert_int_equal(st(DOC_VOIPFW), DOC_WARN);
	assert_non_null(strstr(res[DOC_VOIPFW].detail, "daemon SIP feed off"));
	f.feed_on = true;
	f.fill[0].used = 3900;
	run();
	assert_int_equal(st(DOC_VOIPFW), DOC_WARN);
	assert_true(has_evidence(DOC_VOIPFW, "pinholes 3900/4096"));
	f.fill[0].used = 0;
	f.tap_lost = 2;
	run();
	assert_int_equal(st(DOC_VOIPFW), DOC_WARN);
	f.tap_lost = 0;
	snprintf((char *)f.ifaces[0].name, sizeof(f.ifaces[0].name), "eth9");
	run();
	assert_int_equal(st(DOC_VOIPFW), DOC_WARN);
	f.n_ifaces = 0;
	run();
	assert_int_equal(st(DOC_VOIPFW), DOC_FAIL);
}

static void test_nft_unreadable(void **state)
{
	f.nft_ok = false;
	snprintf(f.nft_err, sizeof(f.nft_err), "nft list ruleset: Operation not permitted");
	run();
	assert_int_equal(st(DOC_FORWARD_PORT), DOC_SKIP);
	assert_int_equal(st(DOC_RTP_RANGE), DOC_SKIP);
	assert_int_equal(st(DOC_UNPROTECTED_FORWARD), DOC_SKIP);
	assert_int_equal(st(DOC_SIP_ALG), DOC_WARN);
}

static void test_evidence_bounded(void **state)
{
	unsigned i;

	for (i = 0; i < DOC_MAX_HELPERS; i++) {
		snprintf(f.helper_rules[i].type, sizeof(f.helper_rules[i].type), "sip");
		memset(f.helper_rules[i].where, 'x', sizeof(f.helper_rules[i].where) - 1);
	}
	f.n_helper_rules = DOC_MAX_HELPERS;
	run();
	assert_int_equal(st(DOC_SIP_ALG), DOC_FAIL);
	assert_int_equal(res[DOC_SIP_ALG].n_evidence, DOC_MAX_EVIDENCE);
}


static void stun_answer(const char *server, const char *mapped, unsigned port)
{
	struct doc_stun *s = &f.stun[f.n_stun++];
	bool v4;

	snprintf(s->server, sizeof(s->server), "%s", server);
	assert_int_equal(vfw_parse_addr(server, s->server_addr, &v4), 0);
	assert_int_equal(vfw_parse_addr(mapped, s->mapped, &v4), 0);
	s->mapped_port = port;
}

static void test_stun_none(void **state)
{
	run();
	assert_int_equal(st(DOC_DOUBLE_NAT), DOC_SKIP);
	assert_int_equal(st(DOC_NAT_TYPE), DOC_SKIP);
	snprintf(f.stun[0].server, sizeof(f.stun[0].server), "192.0.2.99");
	snprintf(f.stun[0].err, sizeof(f.stun[0].err), "no answer in 1.5 s");
	f.n_stun = 1;
	run();
	assert_int_equal(st(DOC_DOUBLE_NAT), DOC_WARN);
	assert_non_null(strstr(res[DOC_DOUBLE_NAT].detail, "no STUN server answered"));
	assert_int_equal(st(DOC_NAT_TYPE), DOC_SKIP);
}

static void test_stun_cone(void **state)
{
	f.stun_local_port = 40000;
	stun_answer("198.51.100.1", "203.0.113.1", 40000);
	run();
	assert_int_equal(st(DOC_DOUBLE_NAT), DOC_OK);
	assert_int_equal(st(DOC_NAT_TYPE), DOC_SKIP);   /* one server */
	stun_answer("198.51.100.1", "203.0.113.1", 40000);
	run();
	assert_int_equal(st(DOC_NAT_TYPE), DOC_SKIP);   /* the same server twice */
	f.n_stun = 1;
	stun_answer("198.51.100.2", "203.0.113.1", 40000);
	run();
	assert_int_equal(st(DOC_NAT_TYPE), DOC_OK);
	assert_non_null(strstr(res[DOC_NAT_TYPE].detail, "endpoint-independent"));
}

static void test_stun_symmetric_and_double(void **state)
{
	stun_answer("198.51.100.1", "198.51.100.77", 1111);
	stun_answer("198.51.100.2", "198.51.100.77", 2222);
	run();
	assert_int_equal(st(DOC_DOUBLE_NAT), DOC_WARN);
	assert_non_null(strstr(res[DOC_DOUBLE_NAT].detail, "sees 198.51.100.77:1111"));
	assert_int_equal(st(DOC_NAT_TYPE), DOC_WARN);
	assert_non_null(strstr(res[DOC_NAT_TYPE].detail, "198.51.100.77:2222 for 198.51.100.2"));
}

#define T(fn) cmocka_unit_test_setup(fn, clean)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_names), T(test_address_kinds), T(test_clean), T(test_sip_alg),
		T(test_sip_alg_ftp_helper_is_not_sip), T(test_sip_alg_sysctl_and_conntrack),
		T(test_wan_cgn_private_dynamic), T(test_no_wan), T(test_forward_changes_port),
		T(test_forward_range_keeps_port), T(test_forward_two_hosts),
		T(test_rtp_range_no_rtcp), T(test_rtp_range_odd_start),
		T(test_rtp_range_bounded_text), T(test_rtp_range_nothing_forwarded),
		T(test_unprotected), T(test_unprotected_other_iface),
		T(test_unprotected_without_maps), T(test_nat_timeout), T(test_voipfw),
		T(test_nft_unreadable), T(test_evidence_bounded), T(test_stun_none),
		T(test_stun_cone), T(test_stun_symmetric_and_double),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
