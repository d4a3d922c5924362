// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer harness for the JSON string escaper. The output must be valid
 * UTF-8 and a valid JSON string body, and decode to the input's code points
 * with U+FFFD for each byte of an ill-formed sequence -- checked by a second,
 * differently written decoder (bit arithmetic, not jsonesc.c's range table).
 * A cut output (buffer size from the first byte) must be a whole-unit prefix.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonesc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXCP 4096

/* One code point from p[0..n), or -1 when ill-formed; *len gets its length. */
static long decode_utf8(const uint8_t *p, size_t n, size_t *len)
{
	static const long min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t k, i;
	long cp;

	*len = 1;
	if (p[0] < 0x80)
		return p[0];
	for (k = 0; k < 8 && (p[0] & (0x80 >> k)); k++)
		;
	if (k < 2 || k > 4 || n < k)
		return -1;
	cp = p[0] & (0x7f >> k);
	for (i = 1; i < k; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min[k] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*len = k;
	return cp;
}

/* The input's code points, U+FFFD for each bad byte. */
static size_t expected_cps(const uint8_t *p, size_t n, long *cps)
{
	size_t i = 0, m = 0, len;

	while (i < n && m < MAXCP) {
		long cp = decode_utf8(p + i, n - i, &len);

		cps[m++] = cp < 0 ? 0xfffd : cp;
		i += len;
	}
	return m;
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static long short_escape(uint8_t c)
{
	switch (c) {
	case '"': return '"';
	case '\\': return '\\';
	case '/': return '/';
	case 'b': return '\b';
	case 'f': return '\f';
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	}
	return -1;
}

/*
 * Parses a JSON string body (RFC 8259) into code points; aborts on anything
 * a strict parser rejects, on invalid UTF-8, and on lone surrogate escapes
 * (the escaper never needs surrogate pairs: it writes those raw).
 */
static size_t parse_json_body(const uint8_t *p, size_t n, long *cps)
{
	size_t i = 0, m = 0, len;

	while (i < n) {
		long cp;

		if (p[i] == '"' || p[i] < 0x20)
			abort();
		if (p[i] == '\\') {
			if (i + 1 >= n)
				abort();
			if (p[i + 1] == 'u') {
				int k, h;

				if (i + 6 > n)
					abort();
				for (cp = 0, k = 2; k < 6; k++) {
					if ((h = hexval(p[i + k])) < 0)
						abort();
					cp = cp << 4 | h;
				}
				if (cp >= 0xd800 && cp <= 0xdfff)
					abort();
				i += 6;
			} else {
				if ((cp = short_escape(p[i + 1])) < 0)
					abort();
				i += 2;
			}
		} else {
			if ((cp = decode_utf8(p + i, n - i, &len)) < 0)
				abort();
			/* what the escaper promises never to leave raw */
			if (cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
			    cp == 0x2028 || cp == 0x2029)
				abort();
			i += len;
		}
		if (m < MAXCP)
			cps[m++] = cp;
	}
	return m;
}

static long want[MAXCP], got[MAXCP];
static char full[VFW_JSON_ESC_MAX * MAXCP + 1], cut[VFW_JSON_ESC_MAX * MAXCP + 1];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t flen, clen, used, nw, ng, outlen;

	if (size < 1 || size > MAXCP)
		return 0;
	outlen = data[0];   /* the cut buffer's size */
	data++, size--;

	flen = vfw_json_escape(full, sizeof(full), (const char *)data, size, &used);
	if (used != size || flen != vfw_json_escaped_len((const char *)data, size) ||
	    strlen(full) != flen)
		abort();
	nw = expected_cps(data, size, want);
	ng = parse_json_body((const uint8_t *)full, flen, got);
	if (nw != ng || memcmp(want, got, nw * sizeof(long)))
		abort();

	clen = vfw_json_escape(cut, outlen, (const char *)data, size, &used);
	if (outlen && (clen >= outlen || cut[clen] != '\0'))
		abort();
	if (clen > flen || memcmp(cut, full, clen) || used > size)
		abort();
	/* a whole-unit prefix: it is itself the escaping of what was consumed */
	if (clen != vfw_json_escaped_len((const char *)data, used))
		abort();
	parse_json_body((const uint8_t *)cut, clen, got);
	/* and the longest one: the next unit would not have fit */
	if (used < size) {
		char unit[VFW_JSON_ESC_MAX];
		size_t u, k = vfw_json_escape_unit((const char *)data + used,
						   size - used, unit, &u);

		if (clen + k < outlen)
			abort();
	}
	return 0;
}
