/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The parser wrappers of parse_bench, one translation unit each. */
#ifndef VFW_PARSE_BENCH_H
#define VFW_PARSE_BENCH_H

#include <stddef.h>

/* 0 when the message (and its SDP, if any) parsed. */
int voipfw_parse(const char *buf, size_t len);
/* osip_message_init, _parse, sdp_message_parse of the body, _free. */
int osip_parse(const char *buf, size_t len);
void osip_setup(void);

#endif
