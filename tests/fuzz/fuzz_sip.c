// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer harness for the SIP parser. Parses the input as a datagram and
 * as a stream message, then reads every view the parser returned so that
 * AddressSanitizer flags any view that points outside the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile unsigned sink;

static void touch(struct sv v, const uint8_t *data, size_t size)
{
	size_t i;

	if (v.len == 0)
		return;
	if ((const uint8_t *)v.p < data || (const uint8_t *)v.p + v.len > data + size)
		abort();	/* a view escaped the input */
	for (i = 0; i < v.len; i++)
		sink += (unsigned char)v.p[i];
}

static void touch_uri(const struct sip_uri *u, const uint8_t *d, size_t n)
{
	uint8_t addr[16];

	touch(u->scheme, d, n);
	touch(u->user, d, n);
	touch(u->host, d, n);
	touch(u->params, d, n);
	if (sip_host_to_addr(u->host, addr) == 0)
		sink += addr[15];
}

static void touch_addr(const struct sip_addr *a, const uint8_t *d, size_t n)
{
	touch(a->display, d, n);
	touch(a->uri_text, d, n);
	touch(a->params, d, n);
	touch(a->tag, d, n);
	touch_uri(&a->uri, d, n);
}

static void touch_msg(const struct sip_msg *m, const uint8_t *d, size_t n)
{
	unsigned i;
	struct sv v;

	if (m->n_vias > SIP_MAX_VIAS || m->n_contacts > SIP_MAX_CONTACTS ||
	    m->msg_len > n)
		abort();
	touch(m->method_name, d, n);
	touch(m->request_uri_text, d, n);
	touch_uri(&m->request_uri, d, n);
	touch(m->reason, d, n);
	for (i = 0; i < m->n_vias; i++) {
		touch(m->vias[i].protocol, d, n);
		touch(m->vias[i].host, d, n);
		touch(m->vias[i].branch, d, n);
		touch(m->vias[i].received, d, n);
	}
	for (i = 0; i < m->n_contacts; i++)
		touch_addr(&m->contacts[i], d, n);
	touch_addr(&m->from, d, n);
	touch_addr(&m->to, d, n);
	touch(m->call_id, d, n);
	touch(m->cseq_method_name, d, n);
	touch(m->content_type, d, n);
	touch(m->content_type_params, d, n);
	touch(m->headers, d, n);
	touch(m->body, d, n);
	touch(m->sdp, d, n);
	if (sip_header_find(m, "Max-Forwards", &v))
		touch(v, d, n);
	if (sip_header_find(m, "k", &v))
		touch(v, d, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sip_msg m;
	int is_stream;

	for (is_stream = 0; is_stream <= 1; is_stream++) {
		enum sip_error e = sip_parse(data, size, is_stream, &m);

		sink += (unsigned)strlen(sip_strerror(e));
		if (e == SIP_OK)
			touch_msg(&m, data, size);
	}
	return 0;
}
