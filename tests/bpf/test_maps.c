// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The map layer (user/maps.c) against real maps in the running kernel.
 * Trunks: the rule applied to exact keys only (a lookup answers with the
 * longest covering prefix), conditional writes, gc by owner, the mutex
 * under a writer thread racing the daemon's (issue 11's registration vs
 * the DNS thread). Pinholes: the operator's permanent entry, counters kept,
 * a call's close and gc. The walk, the clear and the port writes. The maps
 * are this process's own: nothing is pinned.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <bpf/bpf.h>

/* app code, not in libvoipfw.a */
#include "../../user/log.c"
#include "../../user/pindir.c"
#include "../../user/maps.c"

#define SEC 1000000000ULL
#define NOW (1000 * SEC)
#define RACE_ROUNDS 20000

static int fd = -1;

static struct vfw_lpm_key host(__u8 last)
{
	struct vfw_lpm_key k = { .prefixlen = 128,
		.addr = { [10] = 0xff, [11] = 0xff, 203, 0, 113, last } };
	return k;
}

static struct vfw_trunk trunk(__u32 origin, __u64 expires)
{
	struct vfw_trunk t = { .expires_ns = expires, .admit = VFW_ADMIT_ALL,
			       .origin = origin };

	if (origin == VFW_ORIGIN_LEARNED)
		t.admit = VFW_ADMIT_SIP;
	return t;
}

/* The exact entry of a key, or origin 99 when there is none. */
static __u32 origin_of(const struct vfw_lpm_key *k)
{
	struct vfw_lpm_key next, cur, *prev = NULL;
	struct vfw_trunk v;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		cur = next;
		prev = &cur;
		if (cur.prefixlen == k->prefixlen && !memcmp(cur.addr, k->addr, 16))
			return bpf_map_lookup_elem(fd, &cur, &v) ? 98 : v.origin;
	}
	return 99;
}

/* A map of id's layout, as the BPF object defines it. */
static int map_like(enum vfw_map_id id, __u32 max)
{
	const struct vfw_map_layout *l = vfw_map_layout(id);
	LIBBPF_OPTS(bpf_map_create_opts, o);

	if (l->type == BPF_MAP_TYPE_LPM_TRIE)
		o.map_flags = BPF_F_NO_PREALLOC;
	return bpf_map_create(l->type, l->pin_name, l->key_size, l->value_size,
			      max, &o);
}

static int pinholes = -1, admissions = -1;

static int setup(void **state)
{
	fd = map_like(VFW_MAP_TRUNKS, 256);
	pinholes = map_like(VFW_MAP_PINHOLES, 256);
	admissions = map_like(VFW_MAP_ADMISSIONS, 256);
	return fd < 0 || pinholes < 0 || admissions < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	close(fd);
	close(pinholes);
	close(admissions);
	return 0;
}

static void test_registration_keeps_dns_entry(void **state)
{
	struct vfw_lpm_key k = host(7);
	struct vfw_trunk dns = trunk(VFW_ORIGIN_DNS, NOW + 300 * SEC);
	struct vfw_trunk learned = trunk(VFW_ORIGIN_LEARNED, NOW + 120 * SEC);
	struct vfw_trunk held;

	assert_int_equal(vfw_trunk_put(fd, &k, &dns, NULL), 1);
	assert_int_equal(vfw_trunk_put(fd, &k, &learned, &held), 0);
	assert_int_equal(held.origin, VFW_ORIGIN_DNS);
	assert_int_equal(vfw_trunk_del(fd, &k, VFW_ORIGIN_LEARNED, NULL), 0);
	assert_int_equal(origin_of(&k), VFW_ORIGIN_DNS);
	assert_int_equal(vfw_trunk_del(fd, &k, VFW_ORIGIN_DNS, NULL), 1);
	assert_int_equal(vfw_trunk_del(fd, &k, VFW_ORIGIN_DNS, NULL), -ENOENT);
}

static void test_dns_takes_over_learned(void **state)
{
	struct vfw_lpm_key k = host(8);
	struct vfw_trunk dns = trunk(VFW_ORIGIN_DNS, NOW + 300 * SEC);
	struct vfw_trunk learned = trunk(VFW_ORIGIN_LEARNED, NOW + 120 * SEC);

	assert_int_equal(vfw_trunk_put(fd, &k, &learned, NULL), 1);
	assert_int_equal(vfw_trunk_put(fd, &k, &dns, NULL), 1);
	assert_int_equal(origin_of(&k), VFW_ORIGIN_DNS);
	assert_int_equal(vfw_trunk_del(fd, &k, VFW_ORIGIN_LEARNED, NULL), 0);
	/* the operator's delete removes any origin */
	assert_int_equal(vfw_trunk_del(fd, &k, VFW_ORIGIN_STATIC, NULL), 1);
	assert_int_equal(origin_of(&k), 99);
}

/* A covering prefix is another key: it neither blocks nor gets deleted. */
static void test_covering_prefix_is_not_the_key(void **state)
{
	struct vfw_lpm_key net = host(0), k = host(20);
	struct vfw_trunk stat = trunk(VFW_ORIGIN_STATIC, 0);
	struct vfw_trunk dns = trunk(VFW_ORIGIN_DNS, NOW + 300 * SEC);

	net.prefixlen = 96 + 24;
	assert_int_equal(vfw_trunk_put(fd, &net, &stat, NULL), 1);
	assert_int_equal(vfw_trunk_put(fd, &k, &dns, NULL), 1);
	assert_int_equal(origin_of(&k), VFW_ORIGIN_DNS);
	assert_int_equal(vfw_trunk_del(fd, &k, VFW_ORIGIN_DNS, NULL), 1);
	/* absent under the /24: nothing deleted, the /24 stays */
	assert_true(vfw_trunk_del(fd, &k, VFW_ORIGIN_DNS, NULL) <= 0);
	assert_true(vfw_trunk_del(fd, &k, VFW_ORIGIN_STATIC, NULL) == -ENOENT);
	assert_int_equal(origin_of(&net), VFW_ORIGIN_STATIC);
	assert_int_equal(vfw_trunk_del(fd, &net, VFW_ORIGIN_STATIC, NULL), 1);
}

static void test_gc_by_owner(void **state)
{
	struct vfw_lpm_key a = host(30), b = host(31), c = host(32);
	struct vfw_trunk l = trunk(VFW_ORIGIN_LEARNED, NOW - SEC);
	struct vfw_trunk d = trunk(VFW_ORIGIN_DNS, NOW - SEC);
	struct vfw_trunk live = trunk(VFW_ORIGIN_LEARNED, NOW + SEC);

	assert_int_equal(vfw_trunk_put(fd, &a, &l, NULL), 1);
	assert_int_equal(vfw_trunk_put(fd, &b, &d, NULL), 1);
	assert_int_equal(vfw_trunk_put(fd, &c, &live, NULL), 1);
	assert_int_equal(vfw_trunks_gc(fd, VFW_ORIGIN_BIT(VFW_ORIGIN_LEARNED), NOW, 64), 1);
	assert_int_equal(origin_of(&a), 99);
	assert_int_equal(origin_of(&b), VFW_ORIGIN_DNS);
	assert_int_equal(origin_of(&c), VFW_ORIGIN_LEARNED);
	assert_int_equal(vfw_trunks_gc(fd, VFW_ORIGIN_BIT(VFW_ORIGIN_DNS), NOW, 64), 1);
	assert_int_equal(vfw_trunk_del(fd, &c, VFW_ORIGIN_LEARNED, NULL), 1);
}

/* A registration learned and ended over and over, as fast as it goes. */
static void *registration_churn(void *arg)
{
	struct vfw_lpm_key k = host(40);
	struct vfw_trunk learned = trunk(VFW_ORIGIN_LEARNED, NOW + 120 * SEC);
	int i;

	for (i = 0; i < RACE_ROUNDS; i++) {
		vfw_trunk_put(fd, &k, &learned, NULL);
		vfw_trunk_del(fd, &k, VFW_ORIGIN_LEARNED, NULL);
	}
	return NULL;
}

/*
 * The DNS thread writes its entry while the registration churns: once
 * written, no learned put or delete may remove or replace it.
 */
static void test_dns_write_survives_concurrent_registration(void **state)
{
	struct vfw_lpm_key k = host(40);
	struct vfw_trunk dns = trunk(VFW_ORIGIN_DNS, NOW + 300 * SEC);
	pthread_t t;
	int i, lost = 0;

	assert_int_equal(pthread_create(&t, NULL, registration_churn, NULL), 0);
	usleep(1000);
	assert_true(vfw_trunk_put(fd, &k, &dns, NULL) >= 0);
	for (i = 0; i < RACE_ROUNDS / 10; i++)
		lost += origin_of(&k) != VFW_ORIGIN_DNS;
	pthread_join(t, NULL);
	assert_int_equal(lost, 0);
	assert_int_equal(origin_of(&k), VFW_ORIGIN_DNS);
	assert_int_equal(vfw_trunk_del(fd, &k, VFW_ORIGIN_DNS, NULL), 1);
}

/* A learned host entry under a permanent prefix of another origin would shadow it once expired. */
static void test_learned_not_under_permanent_prefix(void **state)
{
	struct vfw_lpm_key net = host(0), k = host(50);
	struct vfw_trunk stat = trunk(VFW_ORIGIN_STATIC, 0);
	struct vfw_trunk learned = trunk(VFW_ORIGIN_LEARNED, NOW + 120 * SEC);
	struct vfw_trunk held;

	net.prefixlen = 96 + 24;
	assert_int_equal(vfw_trunk_put(fd, &net, &stat, NULL), 1);
	assert_int_equal(vfw_trunk_put(fd, &k, &learned, &held), 0);
	assert_int_equal(held.origin, VFW_ORIGIN_STATIC);
	assert_int_equal(origin_of(&k), 99);
	/* a prefix that expires itself does not keep the registration out */
	stat.expires_ns = NOW + 60 * SEC;
	assert_int_equal(vfw_trunk_put(fd, &net, &stat, NULL), 1);
	assert_int_equal(vfw_trunk_put(fd, &k, &learned, NULL), 1);
	assert_int_equal(vfw_trunk_del(fd, &k, VFW_ORIGIN_LEARNED, NULL), 1);
	assert_int_equal(vfw_trunk_del(fd, &net, VFW_ORIGIN_STATIC, NULL), 1);
}

static struct vfw_pinhole_key ph_key(__u8 last, __u16 port)
{
	__u8 addr[16] = { [10] = 0xff, [11] = 0xff, 198, 51, 100, last };
	struct vfw_pinhole_key k;

	vfw_pinhole_key_make(&k, addr, port, IPPROTO_UDP);
	return k;
}

static struct vfw_pinhole ph(__u32 origin, __u64 call_hash, __u64 expires)
{
	struct vfw_pinhole v = { .origin = origin, .call_hash = call_hash,
				 .expires_ns = expires, .created_ns = NOW,
				 .last_seen_ns = NOW };
	return v;
}

static struct vfw_pinhole ph_get(int map, const struct vfw_pinhole_key *k)
{
	struct vfw_pinhole v = { .origin = 99 };

	bpf_map_lookup_elem(map, k, &v);
	return v;
}

static void test_pinhole_put_rules(void **state)
{
	struct vfw_pinhole_key k = ph_key(1, 10000);
	struct vfw_pinhole call = ph(VFW_ORIGIN_CALL, 7, NOW + 60 * SEC);
	struct vfw_pinhole op = ph(VFW_ORIGIN_STATIC, 0, 0), got;

	assert_int_equal(vfw_pinhole_put(pinholes, &k, &call), 1);
	/* the XDP program counts packets; a re-put of the same call keeps them */
	got = ph_get(pinholes, &k);
	got.packets = 5;
	assert_int_equal(bpf_map_update_elem(pinholes, &k, &got, BPF_EXIST), 0);
	call.expires_ns = NOW + 90 * SEC;
	call.created_ns = NOW + SEC;
	assert_int_equal(vfw_pinhole_put(pinholes, &k, &call), 1);
	got = ph_get(pinholes, &k);
	assert_int_equal(got.packets, 5);
	assert_int_equal(got.created_ns, NOW);
	assert_int_equal(got.expires_ns, NOW + 90 * SEC);
	/* the operator's permanent pinhole replaces it and is kept from calls */
	assert_int_equal(vfw_pinhole_put(pinholes, &k, &op), 1);
	assert_int_equal(ph_get(pinholes, &k).packets, 0);
	assert_int_equal(vfw_pinhole_put(pinholes, &k, &call), 0);
	assert_int_equal(ph_get(pinholes, &k).origin, VFW_ORIGIN_STATIC);
	/* nor closed by the call's end */
	vfw_call_pinhole_close(pinholes, admissions, &k, 7);
	assert_int_equal(ph_get(pinholes, &k).origin, VFW_ORIGIN_STATIC);
	/* one with an expiry is anyone's to replace */
	op.expires_ns = NOW + SEC;
	assert_int_equal(vfw_pinhole_put(pinholes, &k, &op), 1);
	assert_int_equal(vfw_pinhole_put(pinholes, &k, &call), 1);
	assert_int_equal(vfw_pinhole_del(pinholes, &k), 0);
	assert_int_equal(vfw_pinhole_del(pinholes, &k), -ENOENT);
}

static void test_call_close_takes_only_its_own(void **state)
{
	struct vfw_pinhole_key k = ph_key(2, 10002), other = ph_key(3, 10002);
	struct vfw_pinhole mine = ph(VFW_ORIGIN_CALL, 7, NOW + 60 * SEC);
	struct vfw_pinhole theirs = ph(VFW_ORIGIN_CALL, 8, NOW + 60 * SEC);
	struct vfw_pinhole adm = ph(VFW_ORIGIN_ANNOUNCED, 7, NOW + 5 * SEC);
	struct vfw_pinhole adm8 = ph(VFW_ORIGIN_ANNOUNCED, 8, NOW + 5 * SEC);

	assert_int_equal(vfw_pinhole_put(pinholes, &k, &mine), 1);
	assert_int_equal(vfw_pinhole_put(pinholes, &other, &theirs), 1);
	assert_int_equal(bpf_map_update_elem(admissions, &k, &adm, BPF_ANY), 0);
	assert_int_equal(bpf_map_update_elem(admissions, &other, &adm8, BPF_ANY), 0);
	vfw_call_pinhole_close(pinholes, admissions, &other, 7);   /* not call 7's pinhole */
	assert_int_equal(ph_get(pinholes, &other).origin, VFW_ORIGIN_CALL);
	vfw_call_pinhole_close(pinholes, admissions, &k, 7);
	assert_int_equal(ph_get(pinholes, &k).origin, 99);
	assert_int_equal(ph_get(admissions, &k).origin, 99);
	/* another call's admission stays until its own expiry */
	assert_int_equal(ph_get(admissions, &other).origin, VFW_ORIGIN_ANNOUNCED);
	assert_int_equal(vfw_map_clear(pinholes, VFW_MAP_PINHOLES), 1);
	assert_int_equal(vfw_map_clear(admissions, VFW_MAP_ADMISSIONS), 1);
}

static void count_closed(const struct vfw_pinhole_key *k,
			 const struct vfw_pinhole *v, void *ctx)
{
	(*(int *)ctx)++;
}

static void test_pinholes_gc(void **state)
{
	struct vfw_pinhole capped = ph(VFW_ORIGIN_CALL, 1, NOW - SEC);
	struct vfw_pinhole idle = ph(VFW_ORIGIN_CALL, 2, 0);
	struct vfw_pinhole live = ph(VFW_ORIGIN_CALL, 3, NOW + SEC);
	struct vfw_pinhole_key a = ph_key(10, 10010), b = ph_key(11, 10010),
			       c = ph_key(12, 10010);
	__u32 n;
	int closed = 0;

	idle.idle_ns = 30 * SEC;
	idle.last_seen_ns = NOW - 31 * SEC;
	assert_int_equal(vfw_pinhole_put(pinholes, &a, &capped), 1);
	assert_int_equal(vfw_pinhole_put(pinholes, &b, &idle), 1);
	assert_int_equal(vfw_pinhole_put(pinholes, &c, &live), 1);
	assert_int_equal(vfw_pinholes_gc(pinholes, NOW, 64, count_closed, &closed), 2);
	assert_int_equal(closed, 2);
	assert_int_equal(ph_get(pinholes, &c).origin, VFW_ORIGIN_CALL);
	assert_int_equal(vfw_map_count(pinholes, VFW_MAP_PINHOLES, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(vfw_map_clear(pinholes, VFW_MAP_PINHOLES), 1);
}

static int stop_at_ten(const void *key, const void *value, void *ctx)
{
	return ++*(int *)ctx == 10 ? 42 : 0;
}

static void test_walk_and_clear(void **state)
{
	struct vfw_pinhole v = ph(VFW_ORIGIN_STATIC, 0, 0);
	struct vfw_pinhole_key k;
	__u32 n;
	int i, seen = 0;

	for (i = 0; i < 200; i++) {
		k = ph_key(i, 20000);
		assert_int_equal(vfw_pinhole_put(pinholes, &k, &v), 1);
	}
	assert_int_equal(vfw_map_count(pinholes, VFW_MAP_PINHOLES, &n), 0);
	assert_int_equal(n, 200);
	assert_int_equal(vfw_map_each(pinholes, VFW_MAP_PINHOLES, stop_at_ten, &seen), 42);
	assert_int_equal(seen, 10);
	/* the table is full at 256: the put says so */
	for (i = 0; i < 56; i++) {
		k = ph_key(i, 20001);
		assert_int_equal(vfw_pinhole_put(pinholes, &k, &v), 1);
	}
	k = ph_key(200, 20001);
	assert_int_equal(vfw_pinhole_put(pinholes, &k, &v), -E2BIG);
	assert_int_equal(vfw_map_clear(pinholes, VFW_MAP_PINHOLES), 256);
	assert_int_equal(vfw_map_count(pinholes, VFW_MAP_PINHOLES, &n), 0);
	assert_int_equal(n, 0);
}

static void test_ports(void **state)
{
	int ports = map_like(VFW_MAP_PORTS, VFW_PORT_SLOTS);
	struct vfw_port_class_entry *all = calloc(VFW_PORT_SLOTS, sizeof(*all));

	assert_true(ports >= 0 && all);
	assert_int_equal(vfw_ports_set_defaults(ports), 0);
	assert_int_equal(vfw_ports_set(ports, IPPROTO_UDP, 5070, 5071, VFW_CLASS_SIP), 0);
	assert_int_equal(vfw_ports_set(ports, IPPROTO_UDP, 10000, 10001, VFW_CLASS_NONE), 0);
	assert_int_equal(vfw_ports_read(ports, all), 0);
	assert_int_equal(all[5060].udp, VFW_CLASS_SIP);
	assert_int_equal(all[5061].tcp, VFW_CLASS_SIP);
	assert_int_equal(all[5061].udp, VFW_CLASS_NONE);
	assert_int_equal(all[5071].udp, VFW_CLASS_SIP);
	assert_int_equal(all[10001].udp, VFW_CLASS_NONE);
	assert_int_equal(all[10002].udp, VFW_CLASS_MEDIA);
	assert_int_equal(all[20000].udp, VFW_CLASS_MEDIA);
	assert_int_equal(all[20001].udp, VFW_CLASS_NONE);
	assert_int_equal(vfw_ports_set(ports, 47, 1, 2, VFW_CLASS_SIP), -EINVAL);
	free(all);
	close(ports);
}

/* The list (maps.h) is what the BPF object defines: checked the way attach does. */
static void test_check_refuses_other_layout(void **state)
{
	assert_int_equal(vfw_map_check(VFW_MAP_PINHOLES, BPF_MAP_TYPE_HASH,
				       sizeof(struct vfw_pinhole_key),
				       sizeof(struct vfw_pinhole), "x"), 0);
	assert_int_equal(vfw_map_check(VFW_MAP_PINHOLES, BPF_MAP_TYPE_LRU_HASH,
				       sizeof(struct vfw_pinhole_key),
				       sizeof(struct vfw_pinhole), "x"), -EPROTO);
	assert_int_equal(vfw_map_check_layout(fd, VFW_MAP_TRUNKS, "trunks"), 0);
	assert_int_equal(vfw_map_check_layout(fd, VFW_MAP_PINHOLES, "trunks"), -EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registration_keeps_dns_entry),
		cmocka_unit_test(test_dns_takes_over_learned),
		cmocka_unit_test(test_covering_prefix_is_not_the_key),
		cmocka_unit_test(test_gc_by_owner),
		cmocka_unit_test(test_dns_write_survives_concurrent_registration),
		cmocka_unit_test(test_learned_not_under_permanent_prefix),
		cmocka_unit_test(test_pinhole_put_rules),
		cmocka_unit_test(test_call_close_takes_only_its_own),
		cmocka_unit_test(test_pinholes_gc),
		cmocka_unit_test(test_walk_and_clear),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_check_refuses_other_layout),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
