// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer harness for the DNS message code: the input is a response to
 * "trunk.test.example" (its first byte's low bit picks A or AAAA; the ID is
 * taken from the message so that parsing goes past the header), then the
 * same bytes as resolv.conf text and as a name to build a query for.
 * Checks the invariants the resolver relies on.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "dnsmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char qname[] = "trunk.test.example";

static void check_answer(const struct vfw_dns_answer *a, __u16 qtype)
{
	__u32 i, j;

	if (a->n > VFW_DNS_MAX_ADDRS || a->n_cnames > VFW_DNS_MAX_CNAMES)
		abort();
	if ((a->truncated || a->rcode) && a->n)
		abort();
	for (i = 0; i < a->n; i++) {
		const __u8 *p = a->addr[i].addr;

		if (a->addr[i].ttl & 0x80000000u)
			abort();
		/* the family asked for, and never a useless address */
		if (vfw_addr_is_ipv4(p) != (qtype == VFW_DNS_TYPE_A))
			abort();
		if (qtype == VFW_DNS_TYPE_A && (p[12] == 0 || p[12] == 127 || p[12] >= 224))
			abort();
		if (qtype == VFW_DNS_TYPE_AAAA && p[0] == 0xff)
			abort();
		for (j = 0; j < i; j++)
			if (!memcmp(a->addr[j].addr, p, 16))
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vfw_dns_server servers[VFW_DNS_MAX_SERVERS];
	__u8 query[VFW_DNS_QUERY_MAX];
	struct vfw_dns_answer a;
	char name[300];
	__u16 qtype, id;
	int rc, n, i;

	if (size >= 2) {
		qtype = size > 3 && (data[3] & 1) ? VFW_DNS_TYPE_AAAA : VFW_DNS_TYPE_A;
		id = (__u16)(data[0] << 8 | data[1]);
		rc = vfw_dns_parse_response(data, size, id, qname, qtype, &a);
		if (rc == 0)
			check_answer(&a, qtype);
		else if (rc != -EINVAL && rc != -ENOMSG)
			abort();
		/* and once more for the other family */
		qtype = qtype == VFW_DNS_TYPE_A ? VFW_DNS_TYPE_AAAA : VFW_DNS_TYPE_A;
		if (vfw_dns_parse_response(data, size, id, qname, qtype, &a) == 0)
			check_answer(&a, qtype);
	}

	n = vfw_resolv_conf_parse((const char *)data, size, servers, VFW_DNS_MAX_SERVERS);
	if (n < 0 || n > VFW_DNS_MAX_SERVERS)
		abort();
	for (i = 0; i < n; i++)
		if (servers[i].ipv4 != vfw_addr_is_ipv4(servers[i].addr) ||
		    memchr(servers[i].zone, '\0', sizeof(servers[i].zone)) == NULL)
			abort();

	if (size < sizeof(name)) {
		memcpy(name, data, size);
		name[size] = '\0';
		rc = vfw_dns_build_query(query, sizeof(query), 1, name,
					 VFW_DNS_TYPE_A, true);
		if (rc > (int)sizeof(query))
			abort();
		if (rc > 0) {
			/* a query we built must parse back as its own question */
			query[2] |= 0x80;
			query[11] = 0;   /* drop the OPT record */
			rc = vfw_dns_parse_response(query, (size_t)rc - 11, 1, name,
						    VFW_DNS_TYPE_A, &a);
			if (rc != 0 || a.n)
				abort();
		}
	}
	return 0;
}
