// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Config parser: defaults, every key, every class of error (with the line,
 * section, key and value it must name), comments, blanks, CRLF, long lines,
 * and the promise that a failed parse leaves the config untouched.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"

static char err[512];

static struct vfw_config *fresh(void)
{
	static struct vfw_config c;

	vfw_config_defaults(&c);
	return &c;
}

/* Parses text on top of the defaults; must succeed. */
static struct vfw_config *ok(const char *text)
{
	struct vfw_config *c = fresh();
	int ret = vfw_config_parse(c, text, err, sizeof(err));

	if (ret)
		print_error("unexpected error: %s\n", err);
	assert_int_equal(ret, 0);
	assert_string_equal(err, "");
	return c;
}

/*
 * Must fail with a message that starts with "LINE: " and contains each of
 * the given fragments; and the config must be exactly as before.
 */
static void bad(const char *text, unsigned line, ...)
{
	struct vfw_config before, *c = fresh();
	const char *frag;
	char prefix[16];
	va_list ap;

	before = *c;
	assert_int_equal(vfw_config_parse(c, text, err, sizeof(err)), -EINVAL);
	assert_memory_equal(&before, c, sizeof(before));
	snprintf(prefix, sizeof(prefix), "%u: ", line);
	if (strncmp(err, prefix, strlen(prefix)))
		print_error("want line %u, got: %s\n", line, err);
	assert_int_equal(strncmp(err, prefix, strlen(prefix)), 0);
	va_start(ap, line);
	while ((frag = va_arg(ap, const char *))) {
		if (!strstr(err, frag))
			print_error("'%s' not in: %s\n", frag, err);
		assert_non_null(strstr(err, frag));
	}
	va_end(ap);
}

static void range_is(const struct vfw_port_list *l, unsigned i, unsigned first,
		     unsigned last)
{
	assert_true(i < l->n);
	assert_int_equal(l->r[i].first, first);
	assert_int_equal(l->r[i].last, last);
}

/* ---- defaults and every key ---- */

static void test_defaults(void **state)
{
	struct vfw_config *c = fresh();

	assert_int_equal(c->n_ifaces, 0);
	assert_string_equal(c->pin_dir, "/sys/fs/bpf/voipfw");
	assert_false(c->monitor);
	assert_int_equal(c->xdp_mode, VFW_XDP_NATIVE);
	assert_int_equal(c->sip_udp.n, 1);
	range_is(&c->sip_udp, 0, 5060, 5060);
	assert_int_equal(c->sip_tcp.n, 1);
	range_is(&c->sip_tcp, 0, 5060, 5061);
	assert_int_equal(c->media_udp.n, 1);
	range_is(&c->media_udp, 0, 10000, 20000);
	assert_int_equal(c->media_tcp.n, 0);
	assert_int_equal(c->n_static, 0);
	assert_int_equal(c->n_dns, 0);
	assert_int_equal(c->dns_min_ttl, 30);
	assert_int_equal(c->dns_max_ttl, 3600);
	assert_true(c->registrations);
	assert_true(c->reply_pinholes);
	assert_int_equal(c->reply_ttl, 32);
	assert_false(c->egress_media);
	assert_int_equal(c->egress_media_idle, 60);
	assert_true(c->provisional_pinholes);
	assert_int_equal(c->announced_media, 5);
	assert_int_equal(c->registration_grace, 60);
	assert_int_equal(c->pinhole_idle, 60);
	assert_int_equal(c->call_max, 14400);
	assert_int_equal(c->setup_timeout, 300);
	assert_int_equal(c->max_calls, 1024);
	assert_int_equal(c->max_unanswered_per_source, 0);
	assert_int_equal(c->max_pinholes, 65536);
	assert_int_equal(c->max_trunks, 4096);
	assert_int_equal(c->log_level, VFW_CONFIG_LOG_INFO);
	assert_int_equal(c->drop_summary_interval, 60);
}

static void test_empty_and_comments_only(void **state)
{
	struct vfw_config d;

	vfw_config_defaults(&d);
	assert_memory_equal(ok(""), &d, sizeof(d));
	assert_memory_equal(ok("\n\n  \t\n; one\n# two\n   ; three\n[general]\n[log]\n"),
			    &d, sizeof(d));
}

static const char *every_key =
	"[general]\n"
	"interface = ppp0\n"
	"interface = eth0.7, wan1\n"
	"pin_dir = /sys/fs/bpf/vfw2/\n"
	"mode = monitor\n"
	"xdp_mode = generic\n"
	"[ports]\n"
	"sip_udp = 5060, 5080-5081\n"
	"sip_tcp = none\n"
	"media_udp = 16384-32767\n"
	"media_tcp = 40000-40010\n"
	"[trunks]\n"
	"static = 203.0.113.0/28\n"
	"static = 2001:db8:5::/48 sip\n"
	"static = 198.51.100.7 media\n"
	"dns = sip.example.net\n"
	"dns = media-1.example.org. media\n"
	"dns_min_ttl = 10\n"
	"dns_max_ttl = 600\n"
	"[learning]\n"
	"registrations = no\n"
	"reply_pinholes = off\n"
	"reply_ttl = 64\n"
	"egress_media = yes\n"
	"egress_media_idle = 30\n"
	"provisional_pinholes = false\n"
	"provisional_any_source = no\n"
	"announced_media = 0\n"
	"[timeouts]\n"
	"registration_grace = 0\n"
	"pinhole_idle = 0\n"
	"call_max = 7200\n"
	"setup_timeout = 120\n"
	"[limits]\n"
	"max_calls = 50\n"
	"max_pinholes = 2048\n"
	"max_trunks = 256\n"
	"[log]\n"
	"level = debug\n"
	"drop_summary_interval = 0\n";

static void test_every_key(void **state)
{
	struct vfw_config *c = ok(every_key);
	char buf[VFW_ADDR_STRLEN];
	struct vfw_lpm_key key;

	assert_int_equal(c->n_ifaces, 3);
	assert_string_equal(c->ifaces[0], "ppp0");
	assert_string_equal(c->ifaces[1], "eth0.7");
	assert_string_equal(c->ifaces[2], "wan1");
	assert_string_equal(c->pin_dir, "/sys/fs/bpf/vfw2");
	assert_true(c->monitor);
	assert_int_equal(c->xdp_mode, VFW_XDP_GENERIC);
	assert_int_equal(c->sip_udp.n, 2);
	range_is(&c->sip_udp, 0, 5060, 5060);
	range_is(&c->sip_udp, 1, 5080, 5081);
	assert_int_equal(c->sip_tcp.n, 0);
	assert_int_equal(c->media_udp.n, 1);
	range_is(&c->media_udp, 0, 16384, 32767);
	range_is(&c->media_tcp, 0, 40000, 40010);

	assert_int_equal(c->n_static, 3);
	vfw_prefix_to_lpm_key(&c->statics[0].prefix, &key);
	assert_string_equal(vfw_lpm_key_str(&key, buf, sizeof(buf)), "203.0.113.0/28");
	assert_int_equal(c->statics[0].admit, VFW_ADMIT_ALL);
	vfw_prefix_to_lpm_key(&c->statics[1].prefix, &key);
	assert_string_equal(vfw_lpm_key_str(&key, buf, sizeof(buf)), "2001:db8:5::/48");
	assert_int_equal(c->statics[1].admit, VFW_ADMIT_SIP);
	vfw_prefix_to_lpm_key(&c->statics[2].prefix, &key);
	assert_string_equal(vfw_lpm_key_str(&key, buf, sizeof(buf)), "198.51.100.7/32");
	assert_int_equal(c->statics[2].admit, VFW_ADMIT_MEDIA);
	assert_int_equal(c->n_dns, 2);
	assert_string_equal(c->dns[0].host, "sip.example.net");
	assert_int_equal(c->dns[0].admit, VFW_ADMIT_ALL);
	assert_string_equal(c->dns[1].host, "media-1.example.org.");
	assert_int_equal(c->dns[1].admit, VFW_ADMIT_MEDIA);
	assert_int_equal(c->dns_min_ttl, 10);
	assert_int_equal(c->dns_max_ttl, 600);

	assert_false(c->registrations);
	assert_false(c->reply_pinholes);
	assert_int_equal(c->reply_ttl, 64);
	assert_true(c->egress_media);
	assert_int_equal(c->egress_media_idle, 30);
	assert_false(c->provisional_pinholes);
	assert_int_equal(c->announced_media, 0);
	assert_int_equal(c->registration_grace, 0);
	assert_int_equal(c->pinhole_idle, 0);
	assert_int_equal(c->call_max, 7200);
	assert_int_equal(c->setup_timeout, 120);
	assert_int_equal(c->max_calls, 50);
	assert_int_equal(c->max_pinholes, 2048);
	assert_int_equal(c->max_trunks, 256);
	assert_int_equal(c->log_level, VFW_CONFIG_LOG_DEBUG);
	assert_int_equal(c->drop_summary_interval, 0);
}

static void test_booleans(void **state)
{
	static const char *const yes[] = { "yes", "true", "on", "1", "YES", "True", "On" };
	static const char *const no[] = { "no", "false", "off", "0", "No", "FALSE", "OFF" };
	char text[128];
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		snprintf(text, sizeof(text), "[learning]\negress_media = %s\nregistrations = %s\n",
			 yes[i], no[i]);
		assert_true(ok(text)->egress_media);
		assert_false(ok(text)->registrations);
	}
	bad("[learning]\negress_media = y\n", 2, "[learning] egress_media = 'y'", "yes/no", NULL);
	bad("[learning]\negress_media = 2\n", 2, "egress_media", NULL);
	bad("[learning]\negress_media = yes please\n", 2, "'yes please'", NULL);
	/* removed: "no" still loads (above), "yes" names why */
	bad("[learning]\nprovisional_any_source = yes\n", 2,
	    "[learning] provisional_any_source = 'yes'", "no longer supported", NULL);
	bad("[learning]\nprovisional_any_source = maybe\n", 2, "yes/no", NULL);
}

static void test_words(void **state)
{
	assert_false(ok("[general]\nmode = Enforce\n")->monitor);
	assert_int_equal(ok("[general]\nxdp_mode = NATIVE\n")->xdp_mode, VFW_XDP_NATIVE);
	assert_int_equal(ok("[log]\nlevel = error\n")->log_level, VFW_CONFIG_LOG_ERROR);
	assert_int_equal(ok("[log]\nlevel = warn\n")->log_level, VFW_CONFIG_LOG_WARN);
	assert_int_equal(ok("[log]\nlevel = info\n")->log_level, VFW_CONFIG_LOG_INFO);
	bad("[general]\nmode = block\n", 2, "[general] mode = 'block'", "enforce or monitor", NULL);
	bad("[general]\nxdp_mode = offload\n", 2, "'offload'", "native or generic", NULL);
	bad("[log]\nlevel = verbose\n", 2, "[log] level = 'verbose'",
	    "error, warn, info or debug", NULL);
	assert_string_equal(vfw_config_log_level_name(VFW_CONFIG_LOG_WARN), "warn");
	assert_string_equal(vfw_config_log_level_name(9), "?");
}

/* ---- [general] ---- */

static void test_interfaces(void **state)
{
	struct vfw_config *c;

	c = ok("[general]\ninterface = a b,c\td ,e\ninterface=f\ninterface = g, h\n");
	assert_int_equal(c->n_ifaces, 8);
	assert_string_equal(c->ifaces[0], "a");
	assert_string_equal(c->ifaces[4], "e");
	assert_string_equal(c->ifaces[7], "h");
	c = ok("[general]\ninterface = abcdefghijklmno\n");
	assert_string_equal(c->ifaces[0], "abcdefghijklmno");
	c = ok("[general]\ninterface = br-lan, eth0.100, wg_0, x@y, t+1\n");
	assert_int_equal(c->n_ifaces, 5);

	bad("[general]\ninterface = a b c d e f g h i\n", 2, "more than 8 interfaces", NULL);
	bad("[general]\ninterface = a b c d\ninterface = e f g h\ninterface = i\n", 4,
	    "more than 8", "'i'", NULL);
	bad("[general]\ninterface = abcdefghijklmnop\n", 2, "at most 15", NULL);
	bad("[general]\ninterface = eth0/x\n", 2, "'eth0/x'", "letters, digits", NULL);
	bad("[general]\ninterface = eth0:1\n", 2, "letters, digits", NULL);
	bad("[general]\ninterface = ..\n", 2, "not an interface name", NULL);
	bad("[general]\ninterface = eth0, eth0\n", 2, "listed twice", NULL);
	bad("[general]\ninterface = eth0\ninterface = eth0\n", 3, "listed twice", NULL);
	bad("[general]\ninterface = ,\n", 2, "no interface name", NULL);
	bad("[general]\ninterface = w\xc3\xa4n\n", 2, "'w\\xc3\\xa4n'", NULL);
}

static void test_pin_dir(void **state)
{
	assert_string_equal(ok("[general]\npin_dir = /run/bpf\n")->pin_dir, "/run/bpf");
	assert_string_equal(ok("[general]\npin_dir = /a//\n")->pin_dir, "/a");
	bad("[general]\npin_dir = relative/dir\n", 2, "absolute", NULL);
	bad("[general]\npin_dir = /\n", 2, "absolute", NULL);
	bad("[general]\npin_dir = ///\n", 2, "absolute", NULL);
	bad("[general]\npin_dir = /sys/fs/bpf/../etc\n", 2, "'..'", NULL);
	bad("[general]\npin_dir = /sys/./fs\n", 2, "'.'", NULL);
	bad("[general]\npin_dir = /sys//fs\n", 2, "'//'", NULL);
	bad("[general]\npin_dir = /..\n", 2, "'..'", NULL);
	bad("[general]\npin_dir = /a b\n", 2, "blanks", NULL);
}

static void test_pin_dir_length(void **state)
{
	char text[VFW_CONFIG_LINE_MAX + 64];
	int n;

	/* a 255-character path would fit the struct but not a config line */
	n = snprintf(text, sizeof(text), "[general]\npin_dir = /");
	memset(text + n, 'p', VFW_CONFIG_LINE_MAX - 11);
	text[n + VFW_CONFIG_LINE_MAX - 11] = '\0';
	assert_int_equal(strlen(ok(text)->pin_dir), VFW_CONFIG_LINE_MAX - 10);
}

/* ---- [ports] ---- */

static void test_ports(void **state)
{
	struct vfw_config *c;
	char text[512];
	int i, n;

	c = ok("[ports]\nsip_udp=5060,5062 , 6000-6001\nmedia_udp = NONE\n");
	assert_int_equal(c->sip_udp.n, 3);
	range_is(&c->sip_udp, 2, 6000, 6001);
	assert_int_equal(c->media_udp.n, 0);
	/* a protected range may be the whole space when the other class is none */
	c = ok("[ports]\nsip_udp = none\nmedia_udp = 1-65535\n");
	range_is(&c->media_udp, 0, 1, 65535);

	bad("[ports]\nsip_udp = 0\n", 2, "[ports] sip_udp = '0'", "PORT[-PORT]", NULL);
	bad("[ports]\nsip_udp = 65536\n", 2, "'65536'", NULL);
	bad("[ports]\nsip_udp = 5061-5060\n", 2, "first <= last", NULL);
	bad("[ports]\nsip_udp = 5060,\n", 2, "'5060,'", NULL);
	bad("[ports]\nsip_udp = ,5060\n", 2, NULL);
	bad("[ports]\nsip_udp = 5060 5061\n", 2, NULL);
	bad("[ports]\nsip_udp = 5060 - 5061\n", 2, NULL);
	bad("[ports]\nsip_udp = -5\n", 2, NULL);
	bad("[ports]\nsip_udp = 0x13c4\n", 2, NULL);
	bad("[ports]\nsip_udp = none,5060\n", 2, NULL);
	bad("[ports]\nsip_udp = 5060, 5050-5070\n", 2, "overlap each other", NULL);
	bad("[ports]\nsip_udp =\n", 2, "[ports] sip_udp = ''", "write none", NULL);

	n = snprintf(text, sizeof(text), "[ports]\nmedia_udp = ");
	for (i = 0; i < VFW_CONFIG_MAX_RANGES; i++)
		n += snprintf(text + n, sizeof(text) - n, "%s%d", i ? "," : "", 30000 + i);
	c = ok(text);
	assert_int_equal(c->media_udp.n, VFW_CONFIG_MAX_RANGES);
	snprintf(text + n, sizeof(text) - n, ",40000\n");
	bad(text, 2, "more than 16 port ranges", NULL);
}

static void test_port_class_overlap(void **state)
{
	/* with the default SIP port */
	bad("[ports]\nmedia_udp = 5000-6000\n", 2,
	    "[ports] media_udp = '5000-6000'", "overlaps sip_udp", NULL);
	/* named at the later of the two lines, showing the parsed value */
	bad("[ports]\nmedia_udp = 10000-20000\nsip_udp = 5060, 15000\n", 3,
	    "sip_udp = '5060,15000'", "overlaps media_udp", NULL);
	bad("[ports]\nmedia_tcp = 5061\n", 2, "media_tcp = '5061'", "overlaps sip_tcp", NULL);
	/* same port, different protocols: fine */
	ok("[ports]\nsip_tcp = none\nmedia_tcp = 5060-5061\n");
	/* moving both out of each other's way in one file: fine */
	ok("[ports]\nmedia_udp = 5000-5100\nsip_udp = 6060\n");
}

static void test_voip_hosts(void **state)
{
	struct vfw_config *c;

	c = ok("");
	assert_true(c->voip_local);              /* default: this host only */
	assert_int_equal(c->n_voip_hosts, 0);
	c = ok("[general]\nvoip_hosts = 192.168.1.10\nvoip_hosts = 2001:db8:77::/64\n");
	assert_false(c->voip_local);             /* the first line replaced it */
	assert_int_equal(c->n_voip_hosts, 2);
	assert_int_equal(c->voip_hosts[0].len, 32);
	assert_true(c->voip_hosts[0].ipv4);
	assert_int_equal(c->voip_hosts[1].len, 64);
	c = ok("[general]\nvoip_hosts = 192.168.1.10\nvoip_hosts = local\n");
	assert_true(c->voip_local);
	assert_int_equal(c->n_voip_hosts, 1);
	bad("[general]\nvoip_hosts = pbx.lan\n", 2, "[general] voip_hosts = 'pbx.lan'",
	    "'local'", NULL);
	bad("[general]\nvoip_hosts = 192.168.1.10/24\n", 2, "host bits", NULL);
	bad("[general]\nvoip_hosts = 192.168.1.10\nvoip_hosts = 192.168.1.10\n", 3,
	    "listed twice", NULL);
}

/* ---- [trunks] ---- */

static void test_static_trunks(void **state)
{
	char text[64 * 40 + 64];
	struct vfw_config *c;
	int i, n;

	c = ok("[trunks]\nstatic = 2001:db8::1\t all\nstatic=::/0 sip\n");
	assert_int_equal(c->n_static, 2);
	assert_int_equal(c->statics[0].prefix.len, 128);
	assert_false(c->statics[0].prefix.ipv4);
	assert_int_equal(c->statics[1].prefix.len, 0);

	bad("[trunks]\nstatic = 203.0.113.5/24\n", 2, "[trunks] static = '203.0.113.5/24'",
	    "host bits", NULL);
	bad("[trunks]\nstatic = 203.0.113.0/33\n", 2, "0-32", NULL);
	bad("[trunks]\nstatic = sip.example.net\n", 2, "not an IPv4 or IPv6", NULL);
	bad("[trunks]\nstatic = ::ffff:192.0.2.1\n", 2, "not an IPv4 or IPv6", NULL);
	bad("[trunks]\nstatic = 192.0.2.1 rtp\n", 2, "sip, media or all", NULL);
	bad("[trunks]\nstatic = 192.0.2.1 sip media\n", 2, "optionally", NULL);
	bad("[trunks]\nstatic = 192.0.2.1 sip media all\n", 2, "optionally", NULL);
	bad("[trunks]\nstatic = 192.0.2.0/24\nstatic = 192.0.2.0/24 sip\n", 3,
	    "listed twice", NULL);

	n = snprintf(text, sizeof(text), "[trunks]\n");
	for (i = 0; i < VFW_CONFIG_MAX_STATIC; i++)
		n += snprintf(text + n, sizeof(text) - n, "static = 192.0.2.%d\n", i);
	assert_int_equal(ok(text)->n_static, VFW_CONFIG_MAX_STATIC);
	snprintf(text + n, sizeof(text) - n, "static = 192.0.2.200\n");
	bad(text, 66, "more than 64 static", NULL);
}

static void test_dns_trunks(void **state)
{
	char text[64 * 40 + 600], name[300];
	struct vfw_config *c;
	int i, n;

	c = ok("[trunks]\ndns = a\ndns = x1.example\ndns = 1.2.3.example\ndns = EXAMPLE.com sip\n"
	       "dns = xn--bcher-kva.example\n");
	assert_int_equal(c->n_dns, 5);
	assert_string_equal(c->dns[3].host, "EXAMPLE.com");
	assert_int_equal(c->dns[3].admit, VFW_ADMIT_SIP);

	bad("[trunks]\ndns = 192.0.2.1\n", 2, "[trunks] dns = '192.0.2.1'", "all digits", NULL);
	bad("[trunks]\ndns = example.123\n", 2, "all digits", NULL);
	bad("[trunks]\ndns = 2001:db8::1\n", 2, "letters, digits", NULL);
	bad("[trunks]\ndns = sip_1.example.net\n", 2, "letters, digits", NULL);
	bad("[trunks]\ndns = -sip.example.net\n", 2, "starts with '-'", NULL);
	bad("[trunks]\ndns = sip-.example.net\n", 2, "ends with '-'", NULL);
	bad("[trunks]\ndns = example-\n", 2, "ends with '-'", NULL);
	bad("[trunks]\ndns = sip..example.net\n", 2, "empty label", NULL);
	bad("[trunks]\ndns = .example.net\n", 2, "empty label", NULL);
	bad("[trunks]\ndns = .\n", 2, "empty host name", NULL);
	bad("[trunks]\ndns = sip.example.net all media\n", 2, "optionally", NULL);
	bad("[trunks]\ndns = sip.example.net voice\n", 2, "sip, media or all", NULL);
	bad("[trunks]\ndns = sip.example.net\ndns = SIP.Example.NET.\n", 3, "listed twice", NULL);

	/* 63-character labels are fine, 64 are not */
	memset(name, 'a', 63);
	snprintf(name + 63, sizeof(name) - 63, ".example");
	snprintf(text, sizeof(text), "[trunks]\ndns = %s\n", name);
	ok(text);
	memset(name, 'a', 64);
	snprintf(name + 64, sizeof(name) - 64, ".example");
	snprintf(text, sizeof(text), "[trunks]\ndns = %s\n", name);
	bad(text, 2, "longer than 63", NULL);

	/* many short labels (the 253 limit itself is beyond a config line) */
	for (n = 0; n + 2 < 180; n += 2)
		memcpy(name + n, "a.", 2);
	snprintf(name + n, sizeof(name) - n, "net");
	snprintf(text, sizeof(text), "[trunks]\ndns = %s\n", name);
	ok(text);

	n = snprintf(text, sizeof(text), "[trunks]\n");
	for (i = 0; i < VFW_CONFIG_MAX_DNS; i++)
		n += snprintf(text + n, sizeof(text) - n, "dns = h%d.example\n", i);
	assert_int_equal(ok(text)->n_dns, VFW_CONFIG_MAX_DNS);
	snprintf(text + n, sizeof(text) - n, "dns = last.example\n");
	bad(text, 66, "more than 64 dns", NULL);
}

static void test_dns_ttls(void **state)
{
	struct vfw_config *c = ok("[trunks]\ndns_min_ttl = 600\ndns_max_ttl = 600\n");

	assert_int_equal(c->dns_min_ttl, 600);
	bad("[trunks]\ndns_min_ttl = 7200\n", 2, "dns_min_ttl = '7200'",
	    "must not exceed dns_max_ttl", NULL);
	bad("[trunks]\ndns_max_ttl = 20\n", 2, "dns_max_ttl = '20'", NULL);
	bad("[trunks]\ndns_max_ttl = 100\ndns_min_ttl = 200\n", 3, "dns_min_ttl = '200'", NULL);
	c = ok("[trunks]\ndns_min_ttl = 5\ndns_max_ttl = 86400\n");
	assert_int_equal(c->dns_min_ttl, 5);
	assert_int_equal(c->dns_max_ttl, 86400);
	bad("[trunks]\ndns_min_ttl = 4\n", 2, "expected a whole number 5-86400", NULL);
	bad("[trunks]\ndns_max_ttl = 86401\n", 2, "expected a whole number 5-86400", NULL);
	bad("[trunks]\ndns_max_ttl = -1\n", 2, "expected", NULL);
}

static void test_max_trunks_vs_configured(void **state)
{
	char text[2048];
	int i, n;

	n = snprintf(text, sizeof(text), "[limits]\nmax_trunks = 16\n[trunks]\n");
	for (i = 0; i < 17; i++)
		n += snprintf(text + n, sizeof(text) - n, "static = 192.0.2.%d\n", i);
	bad(text, 2, "[limits] max_trunks = '16'", "fewer than", NULL);
}

/* ---- numbers: every numeric key at and beyond its bounds ---- */

struct num_case {
	const char *section, *key;
	unsigned min, max;
	bool zero_off;
	size_t off;
};

#define NC(s, k, lo, hi, z) { s, #k, lo, hi, z, offsetof(struct vfw_config, k) }

static const struct num_case nums[] = {
	NC("learning", reply_ttl, 1, 300, false),
	NC("learning", egress_media_idle, 10, 3600, false),
	NC("learning", announced_media, 1, 60, true),
	NC("timeouts", registration_grace, 0, 3600, false),
	NC("timeouts", pinhole_idle, 10, 3600, true),
	NC("timeouts", call_max, 60, 604800, false),
	NC("timeouts", setup_timeout, 30, 3600, false),
	NC("limits", max_calls, 1, 65536, false),
	NC("limits", max_unanswered_per_source, 0, 65536, false),
	NC("limits", max_pinholes, 64, 1048576, false),
	NC("limits", max_trunks, 16, 65536, false),
	NC("log", drop_summary_interval, 10, 86400, true),
};

static void num_ok(const struct num_case *nc, unsigned v)
{
	char text[128];
	struct vfw_config *c;

	snprintf(text, sizeof(text), "[%s]\n%s = %u\n", nc->section, nc->key, v);
	c = ok(text);
	assert_int_equal(*(const __u32 *)((const char *)c + nc->off), v);
}

static void num_bad(const struct num_case *nc, const char *v)
{
	char text[128], frag[96];

	snprintf(text, sizeof(text), "[%s]\n%s = %s\n", nc->section, nc->key, v);
	snprintf(frag, sizeof(frag), "[%s] %s = '%s': expected", nc->section, nc->key, v);
	bad(text, 2, frag, NULL);
}

static void test_numbers(void **state)
{
	char v[32];
	size_t i;

	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		const struct num_case *nc = &nums[i];

		num_ok(nc, nc->min);
		num_ok(nc, nc->max);
		if (nc->zero_off)
			num_ok(nc, 0);
		/* just below the minimum, unless that is the "off" 0 */
		if (nc->min > 0 && !(nc->zero_off && nc->min == 1)) {
			snprintf(v, sizeof(v), "%u", nc->min - 1);
			num_bad(nc, v);
		}
		snprintf(v, sizeof(v), "%u", nc->max + 1);
		num_bad(nc, v);
		num_bad(nc, "-1");
		num_bad(nc, "+5");
		num_bad(nc, "60s");
		num_bad(nc, "1e3");
		num_bad(nc, "99999999999999999999999");
		num_bad(nc, "4294967356");     /* 2^32 + 60: must not wrap */
	}
	bad("[timeouts]\npinhole_idle = 5\n", 2, "0 (off) or a whole number 10-3600", NULL);
}

/* ---- structure errors ---- */

static void test_structure_errors(void **state)
{
	bad("[bogus]\nx = 1\n", 1, "[bogus]: unknown section", "known: general", NULL);
	bad("[general]\n[ports\n", 2, "'[section]' alone", NULL);
	bad("[general] extra\n", 1, "'[section]' alone", NULL);
	bad("[]\n", 1, "[]: unknown section", NULL);
	bad("[gen\x01]\n", 1, "[gen\\x01]", NULL);
	bad("interface = eth0\n", 1, "interface = 'eth0': key before any [section]", NULL);
	bad("[general]\nfoo = bar\n", 2, "[general] foo = 'bar': unknown key",
	    "known here: interface, pin_dir, mode, xdp_mode", NULL);
	bad("[ports]\ninterface = eth0\n", 2, "[ports] interface = 'eth0': unknown key", NULL);
	bad("[general]\nmode = monitor\n\n[log]\n[general]\nmode = enforce\n", 6,
	    "[general] mode = 'enforce'", "already set on line 2", NULL);
	bad("[general]\nmode\n", 2, "expected 'key = value'", NULL);
	bad("[general]\n= monitor\n", 2, "expected 'key = value'", NULL);
	bad("[general]\nmode: monitor\n", 2, "expected 'key = value'", NULL);
	bad("[general]\nmo:de = monitor\n", 2, "expected 'key = value'", NULL);
	bad("[general]\nmode =\n", 2, "[general] mode = '': empty value", NULL);
	bad("[general]\nmode = 'monitor'\n", 2, "'\\x27monitor\\x27'", NULL);
	/* the first error wins, even if a later line is also wrong */
	bad("[general]\nmode = x\nfoo = y\n", 2, "mode", NULL);
}

static void test_case_insensitive_names(void **state)
{
	struct vfw_config *c = ok("[GENERAL]\nMode = monitor\n[ Log ]\nLEVEL = warn\n");

	assert_true(c->monitor);
	assert_int_equal(c->log_level, VFW_CONFIG_LOG_WARN);
}

/* ---- lexical: comments, blanks, CRLF, BOM, long lines ---- */

static void test_comments_and_blanks(void **state)
{
	struct vfw_config *c;

	c = ok("; top\n# also\n\n[general] ; section comment\n"
	       "  \tmode\t=\tmonitor   # why: testing\n"
	       "    xdp_mode = generic ;comment\n");
	assert_true(c->monitor);
	assert_int_equal(c->xdp_mode, VFW_XDP_GENERIC);
	/* ';' or '#' not after a blank is part of the value */
	bad("[general]\nmode = monitor#x\n", 2, "'monitor#x'", NULL);
	bad("[general]\nmode = monitor;x\n", 2, "'monitor;x'", NULL);
	/* an indented line is a key of its own, never a continuation */
	c = ok("[general]\ninterface = eth0\n    mode = monitor\n");
	assert_int_equal(c->n_ifaces, 1);
	assert_true(c->monitor);
}

static void test_crlf_and_bom(void **state)
{
	struct vfw_config *c;

	c = ok("\xef\xbb\xbf[general]\r\nmode = monitor\r\n\r\n[ports]\r\nsip_udp = 5070\r\n");
	assert_true(c->monitor);
	range_is(&c->sip_udp, 0, 5070, 5070);
	/* line numbers count LFs, with CRs and a BOM present */
	bad("\xef\xbb\xbf[general]\r\n\r\n; x\r\nmode = on\r\n", 4, "'on'", NULL);
	/* no final newline */
	assert_int_equal(ok("[log]\nlevel = debug")->log_level, VFW_CONFIG_LOG_DEBUG);
	/* a lone CR inside a line is not a line break */
	bad("[log]\nlevel = debug\rlevel = info\n", 2, "\\x0d", NULL);
}

static void test_long_lines(void **state)
{
	static char text[20000];
	int n;

	/* long comments are fine, and their tail is never read as a key */
	n = snprintf(text, sizeof(text), "[general]\n# ");
	memset(text + n, 'x', 15000);
	n += 15000;
	snprintf(text + n, sizeof(text) - n, "mode=monitor\n; %0500d\nxdp_mode = generic\n", 0);
	assert_false(ok(text)->monitor);
	assert_int_equal(ok(text)->xdp_mode, VFW_XDP_GENERIC);

	/* same for a long inline comment */
	n = snprintf(text, sizeof(text), "[general]\nmode = monitor ;");
	memset(text + n, 'y', 5000);
	snprintf(text + n + 5000, sizeof(text) - n - 5000, "\n");
	assert_true(ok(text)->monitor);

	/* a content line at the limit is read whole */
	n = snprintf(text, sizeof(text), "[trunks]\ndns = ");
	memset(text + n, 'z', VFW_CONFIG_LINE_MAX - 6);
	snprintf(text + n + VFW_CONFIG_LINE_MAX - 6, 16, "\n");
	bad(text, 2, "longer than 63", NULL);    /* the value, not the line */

	/* longer: refused, and the rest of the line is not read as a key */
	n = snprintf(text, sizeof(text), "[trunks]\n\ndns = ");
	memset(text + n, 'z', VFW_CONFIG_LINE_MAX - 5);
	snprintf(text + n + VFW_CONFIG_LINE_MAX - 5, 32, "mode=monitor\n");
	bad(text, 3, "line longer than 196 characters", NULL);

	/* trailing blanks do not count */
	n = snprintf(text, sizeof(text), "[log]\nlevel = info");
	memset(text + n, ' ', 1000);
	snprintf(text + n + 1000, 8, "\t\r\n");
	ok(text);
}

/* ---- semantics across parses ---- */

static void test_unchanged_on_error(void **state)
{
	struct vfw_config before, c;
	char text[4096];

	vfw_config_defaults(&c);
	assert_int_equal(vfw_config_parse(&c, every_key, err, sizeof(err)), 0);
	before = c;
	/* everything valid up to the last line, which is bad */
	snprintf(text, sizeof(text), "[general]\ninterface = lan9\nmode = enforce\n"
		 "[trunks]\nstatic = 192.0.2.0/24\n[ports]\nmedia_udp = 10-20\n"
		 "[log]\nlevel = nope\n");
	assert_int_equal(vfw_config_parse(&c, text, err, sizeof(err)), -EINVAL);
	assert_memory_equal(&before, &c, sizeof(c));
	/* a cross-key error found after the last line: unchanged too */
	assert_int_equal(vfw_config_parse(&c, "[trunks]\ndns_min_ttl = 3000\n", err,
					  sizeof(err)), -EINVAL);
	assert_memory_equal(&before, &c, sizeof(c));
}

static void test_lists_replace_then_append(void **state)
{
	struct vfw_config c;

	vfw_config_defaults(&c);
	assert_int_equal(vfw_config_parse(&c, "[general]\ninterface = a, b\n[trunks]\n"
					  "static = 192.0.2.1\ndns = x.example\n", err,
					  sizeof(err)), 0);
	/* a second text (e.g. a reload layered on the same struct) replaces lists */
	assert_int_equal(vfw_config_parse(&c, "[general]\ninterface = c\ninterface = d\n",
					  err, sizeof(err)), 0);
	assert_int_equal(c.n_ifaces, 2);
	assert_string_equal(c.ifaces[0], "c");
	assert_string_equal(c.ifaces[1], "d");
	assert_int_equal(c.n_static, 1);    /* not mentioned: kept */
	assert_int_equal(c.n_dns, 1);
	/* a port key replaces, never appends to, the default */
	assert_int_equal(vfw_config_parse(&c, "[ports]\nsip_udp = 5080\n", err, sizeof(err)), 0);
	assert_int_equal(c.sip_udp.n, 1);
	range_is(&c.sip_udp, 0, 5080, 5080);
}

static void test_err_buffer(void **state)
{
	struct vfw_config c;
	char small[8];

	vfw_config_defaults(&c);
	memset(small, 'Q', sizeof(small));
	assert_int_equal(vfw_config_parse(&c, "[x]\n", small, sizeof(small)), -EINVAL);
	assert_string_equal(small, "1: [x]:");
	assert_int_equal(vfw_config_parse(&c, "[x]\n", NULL, 0), -EINVAL);
	assert_int_equal(vfw_config_parse(&c, NULL, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "0: no configuration given");
	assert_int_equal(vfw_config_parse(&c, "", NULL, 0), 0);
	/* a hostile value is quoted and cut short */
	{
		char text[300];
		int n = snprintf(text, sizeof(text), "[general]\nmode = ");

		memset(text + n, '\x1b', 150);
		text[n + 150] = '\0';
		assert_int_equal(vfw_config_parse(&c, text, err, sizeof(err)), -EINVAL);
		assert_null(strchr(err, '\x1b'));
		assert_non_null(strstr(err, "\\x1b\\x1b..."));
	}
}

static void test_tracker_mapping(void **state)
{
	struct vfw_tracker_config t, d;
	struct vfw_config *c;

	vfw_tracker_config_defaults(&d);
	vfw_config_tracker(fresh(), &t);
	assert_memory_equal(&t, &d, sizeof(t));   /* defaults agree */

	c = ok("[timeouts]\nregistration_grace = 5\npinhole_idle = 0\ncall_max = 604800\n"
	       "setup_timeout = 45\n[limits]\nmax_calls = 7\nmax_unanswered_per_source = 3\n"
	       "[learning]\nprovisional_pinholes = no\n");
	vfw_config_tracker(c, &t);
	assert_int_equal(t.reg_grace_ns, 5 * VFW_NS_PER_SEC);
	assert_int_equal(t.pinhole_idle_ns, 0);
	assert_true(t.call_max_ns == 604800ULL * VFW_NS_PER_SEC);
	assert_int_equal(t.setup_timeout_ns, 45 * VFW_NS_PER_SEC);
	assert_int_equal(t.max_calls, 7);
	assert_int_equal(t.max_unanswered_per_source, 3);
	assert_int_equal(t.provisional_pinholes, 0);
	assert_int_equal(t.reg_txn_timeout_ns, d.reg_txn_timeout_ns);
	assert_int_equal(t.max_registrations, d.max_registrations);
}

/*
 * deploy/voipfw.conf must stay valid, and its ';'-disabled lines must be
 * the true defaults. Run from the top of the tree (as run-tests.sh does);
 * skipped elsewhere.
 */
static void test_shipped_example(void **state)
{
	static char text[65536], on[65536];
	struct vfw_config d, *c;
	size_t n, i, o = 0;
	FILE *f = fopen("deploy/voipfw.conf", "r");

	if (!f) {
		skip();
		return;
	}
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	vfw_config_defaults(&d);
	assert_memory_equal(ok(text), &d, sizeof(d));

	/* drop the ';' that starts a line: every setting at its shown value */
	for (i = 0; i < n; i++)
		if (!(text[i] == ';' && (i == 0 || text[i - 1] == '\n')))
			on[o++] = text[i];
	on[o] = '\0';
	c = ok(on);
	assert_int_equal(c->n_ifaces, 1);     /* the one example without a default */
	c->n_ifaces = 0;
	memset(c->ifaces, 0, sizeof(c->ifaces));
	assert_memory_equal(c, &d, sizeof(d));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_empty_and_comments_only),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_booleans),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_interfaces),
		cmocka_unit_test(test_pin_dir),
		cmocka_unit_test(test_pin_dir_length),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_port_class_overlap),
		cmocka_unit_test(test_voip_hosts),
		cmocka_unit_test(test_static_trunks),
		cmocka_unit_test(test_dns_trunks),
		cmocka_unit_test(test_dns_ttls),
		cmocka_unit_test(test_max_trunks_vs_configured),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_structure_errors),
		cmocka_unit_test(test_case_insensitive_names),
		cmocka_unit_test(test_comments_and_blanks),
		cmocka_unit_test(test_crlf_and_bom),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_unchanged_on_error),
		cmocka_unit_test(test_lists_replace_then_append),
		cmocka_unit_test(test_err_buffer),
		cmocka_unit_test(test_tracker_mapping),
		cmocka_unit_test(test_shipped_example),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
