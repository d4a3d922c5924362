// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libosip2's side of parse_bench: what a user of the library does per
 * message -- init, parse, parse the SDP body, free.
 */
#include <osipparser2/osip_parser.h>
#include <osipparser2/sdp_message.h>

#include "parse_bench.h"

void osip_setup(void)
{
	parser_init();
}

int osip_parse(const char *buf, size_t len)
{
	osip_message_t *m;
	osip_body_t *body;
	sdp_message_t *sdp;
	int rc;

	osip_message_init(&m);
	rc = osip_message_parse(m, buf, len);
	if (rc == 0 && osip_message_get_body(m, 0, &body) >= 0 &&
	    body && body->body) {
		sdp_message_init(&sdp);
		rc = sdp_message_parse(sdp, body->body);
		sdp_message_free(sdp);
	}
	osip_message_free(m);
	return rc;
}
