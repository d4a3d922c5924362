// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The trunks map's precedence (user/lib/trunk_rules.h) over every pair of
 * existing entry and writer: operator > DNS > learned, deletes by origin,
 * garbage collection of owned expired entries only.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "trunk_rules.h"

#define SEC 1000000000ULL
#define NOW (1000 * SEC)

enum { W = VFW_TRUNK_WRITE, K = VFW_TRUNK_KEEP, D = VFW_TRUNK_DELETE };

/* Rows: the existing entry (NONE = no entry); columns: the writer. */
#define NONE 99U
static const __u32 existing[] = { NONE, VFW_ORIGIN_STATIC, VFW_ORIGIN_CONFIG,
				  VFW_ORIGIN_DNS, VFW_ORIGIN_LEARNED };
static const __u32 writers[] = { VFW_ORIGIN_STATIC, VFW_ORIGIN_CONFIG,
				 VFW_ORIGIN_DNS, VFW_ORIGIN_LEARNED };
#define N_EXISTING (sizeof(existing) / sizeof(existing[0]))
#define N_WRITERS  (sizeof(writers) / sizeof(writers[0]))

static const char *oname(__u32 o)
{
	switch (o) {
	case VFW_ORIGIN_STATIC: return "static";
	case VFW_ORIGIN_CONFIG: return "config";
	case VFW_ORIGIN_DNS: return "dns";
	case VFW_ORIGIN_LEARNED: return "learned";
	default: return "none";
	}
}

static void expect(const char *op, __u32 cur, __u32 by, int want, int got)
{
	if (want != got)
		fail_msg("%s: existing %s, by %s: expected %d, got %d", op,
			 oname(cur), oname(by), want, got);
}

/* An existing entry: all ports, expiring in 300 s (DNS-like). */
static struct vfw_trunk entry(__u32 origin)
{
	struct vfw_trunk t = { .expires_ns = NOW + 300 * SEC,
			       .admit = VFW_ADMIT_ALL, .origin = origin };
	return t;
}

static void test_put_every_pair(void **state)
{
	static const int table[N_EXISTING][N_WRITERS] = {
		/*            static config dns learned */
		/* none    */ { W, W, W, W },
		/* static  */ { W, W, K, K },
		/* config  */ { W, W, K, K },
		/* dns     */ { W, W, W, K },
		/* learned */ { W, W, W, W },
	};
	unsigned i, j;

	for (i = 0; i < N_EXISTING; i++) {
		for (j = 0; j < N_WRITERS; j++) {
			struct vfw_trunk cur = entry(existing[i]);
			/* a different value: SIP only, another expiry */
			struct vfw_trunk want = { .expires_ns = NOW + 120 * SEC,
						  .admit = VFW_ADMIT_SIP,
						  .origin = writers[j] };

			expect("put", existing[i], writers[j], table[i][j],
			       vfw_trunk_put_rule(existing[i] == NONE ? NULL : &cur,
						  &want));
		}
	}
}

static void test_del_every_pair(void **state)
{
	static const int table[N_EXISTING][N_WRITERS] = {
		/*            static config dns learned */
		/* none    */ { K, K, K, K },
		/* static  */ { D, K, K, K },
		/* config  */ { D, D, K, K },
		/* dns     */ { D, K, D, K },
		/* learned */ { D, K, K, D },
	};
	unsigned i, j;

	for (i = 0; i < N_EXISTING; i++) {
		for (j = 0; j < N_WRITERS; j++) {
			struct vfw_trunk cur = entry(existing[i]);

			expect("del", existing[i], writers[j], table[i][j],
			       vfw_trunk_del_rule(existing[i] == NONE ? NULL : &cur,
						  writers[j]));
		}
	}
}

/* Issue 11: a registration to a DNS trunk's address must not take it over. */
static void test_learned_never_narrows_dns_or_operator(void **state)
{
	static const __u32 higher[] = { VFW_ORIGIN_DNS, VFW_ORIGIN_STATIC,
					VFW_ORIGIN_CONFIG };
	unsigned i;

	for (i = 0; i < 3; i++) {
		struct vfw_trunk cur = entry(higher[i]);
		struct vfw_trunk shorter = { .expires_ns = NOW + 10 * SEC,
					     .admit = VFW_ADMIT_SIP,
					     .origin = VFW_ORIGIN_LEARNED };
		struct vfw_trunk longer = shorter;
		struct vfw_trunk never = cur;

		longer.expires_ns = NOW + 3600 * SEC;
		longer.admit = VFW_ADMIT_ALL;
		never.expires_ns = 0;
		assert_int_equal(vfw_trunk_put_rule(&cur, &shorter), K);
		assert_int_equal(vfw_trunk_put_rule(&cur, &longer), K);
		assert_int_equal(vfw_trunk_put_rule(&never, &shorter), K);
		/* and the registration's end leaves it alone */
		assert_int_equal(vfw_trunk_del_rule(&cur, VFW_ORIGIN_LEARNED), K);
	}
}

static void test_put_equal_is_a_no_op(void **state)
{
	unsigned j;

	for (j = 0; j < N_WRITERS; j++) {
		struct vfw_trunk cur = entry(writers[j]), want = cur;

		assert_int_equal(vfw_trunk_put_rule(&cur, &want), K);
		want.expires_ns += SEC;   /* the owner refreshes its own entry */
		assert_int_equal(vfw_trunk_put_rule(&cur, &want), W);
		want = cur;
		want.admit = VFW_ADMIT_SIP;   /* ... or narrows it */
		assert_int_equal(vfw_trunk_put_rule(&cur, &want), W);
	}
}

/* Origins that are no trunk's (pinhole kinds) never block a trunk writer. */
static void test_foreign_origin_is_replaceable(void **state)
{
	struct vfw_trunk cur = entry(VFW_ORIGIN_CALL);
	struct vfw_trunk want = entry(VFW_ORIGIN_LEARNED);

	want.admit = VFW_ADMIT_SIP;
	assert_int_equal(vfw_trunk_rank(VFW_ORIGIN_CALL), 0);
	assert_int_equal(vfw_trunk_put_rule(&cur, &want), W);
	assert_int_equal(vfw_trunk_del_rule(&cur, VFW_ORIGIN_LEARNED), K);
	assert_int_equal(vfw_trunk_del_rule(&cur, VFW_ORIGIN_STATIC), D);
}

static void test_gc_only_owned_and_expired(void **state)
{
	/* the daemon's collector: learned, and the operator's --ttl entries */
	const __u32 daemon = VFW_ORIGIN_BIT(VFW_ORIGIN_LEARNED) |
			     VFW_ORIGIN_BIT(VFW_ORIGIN_STATIC) |
			     VFW_ORIGIN_BIT(VFW_ORIGIN_CONFIG);
	static const int expired[N_EXISTING] = { K, D, D, K, D };
	unsigned i;

	for (i = 0; i < N_EXISTING; i++) {
		struct vfw_trunk cur = entry(existing[i]);
		const struct vfw_trunk *c = existing[i] == NONE ? NULL : &cur;

		expect("gc live", existing[i], NONE, K,
		       vfw_trunk_gc_rule(c, daemon | VFW_ORIGIN_BIT(VFW_ORIGIN_DNS),
					 NOW));
		cur.expires_ns = NOW;   /* expired at this very instant */
		expect("gc expired", existing[i], NONE, expired[i],
		       vfw_trunk_gc_rule(c, daemon, NOW));
		cur.expires_ns = 0;     /* never expires */
		expect("gc permanent", existing[i], NONE, K,
		       vfw_trunk_gc_rule(c, daemon | VFW_ORIGIN_BIT(VFW_ORIGIN_DNS),
					 NOW));
	}
	{
		/* no resolver running: the daemon also owns DNS leftovers */
		struct vfw_trunk dns = entry(VFW_ORIGIN_DNS);

		dns.expires_ns = NOW - SEC;
		assert_int_equal(vfw_trunk_gc_rule(&dns, daemon, NOW), K);
		assert_int_equal(vfw_trunk_gc_rule(&dns, daemon |
				 VFW_ORIGIN_BIT(VFW_ORIGIN_DNS), NOW), D);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_every_pair),
		cmocka_unit_test(test_del_every_pair),
		cmocka_unit_test(test_learned_never_narrows_dns_or_operator),
		cmocka_unit_test(test_put_equal_is_a_no_op),
		cmocka_unit_test(test_foreign_origin_is_replaceable),
		cmocka_unit_test(test_gc_only_owned_and_expired),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
