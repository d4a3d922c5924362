// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer harness for the STUN response parser (user/lib/stun.h): the
 * input is a datagram from "the server", its transaction id taken from the
 * input so that parsing goes past the header. Checks that it never reads
 * out of bounds (ASan) and that a parsed address is one of the two forms.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "stun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	__u8 txid[12] = { 0 }, addr[16], *copy;
	__u16 port;
	int rc;

	if (size >= 20)
		memcpy(txid, data + 8, 12);
	copy = malloc(size ? size : 1);   /* exact size: ASan sees any overread */
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	rc = vfw_stun_parse(copy, size, txid, addr, &port);
	if (rc != 0 && rc != -EINVAL && rc != -EPROTO && rc != -ENOENT)
		abort();
	if (rc == 0 && size < 28)   /* a header and one address attribute at least */
		abort();
	free(copy);
	return 0;
}
