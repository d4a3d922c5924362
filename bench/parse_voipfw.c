// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* voipfw's side of parse_bench: the SIP parser, then the SDP parser on the body. */
#include "sip.h"
#include "sdp.h"
#include "parse_bench.h"

static struct sip_msg msg;
static struct sdp_session sess;

int voipfw_parse(const char *buf, size_t len)
{
	if (sip_parse(buf, len, 0, &msg) != SIP_OK)
		return -1;
	if (msg.sdp.len && sdp_parse(msg.sdp.p, msg.sdp.len, &sess) != SDP_OK)
		return -1;
	return 0;
}

