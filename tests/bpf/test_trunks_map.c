// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * user/trunks.c against a real LPM trie in the running kernel: the rule
 * applied to exact keys only (a lookup answers with the longest covering
 * prefix), conditional writes, gc by owner, and the mutex under a writer
 * thread racing the daemon's (issue 11's registration vs the DNS thread).
 * The map is this process's own: nothing is pinned.
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

#include "../../user/trunks.c"   /* app code: not in libvoipfw.a */

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

static int setup(void **state)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_NO_PREALLOC);

	fd = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, "trunks_test",
			    sizeof(struct vfw_lpm_key), sizeof(struct vfw_trunk),
			    256, &o);
	return fd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	close(fd);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registration_keeps_dns_entry),
		cmocka_unit_test(test_dns_takes_over_learned),
		cmocka_unit_test(test_covering_prefix_is_not_the_key),
		cmocka_unit_test(test_gc_by_owner),
		cmocka_unit_test(test_dns_write_survives_concurrent_registration),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
