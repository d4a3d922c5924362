// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The JSON string escaper; the rules are in jsonesc.h. */
#include "jsonesc.h"

#include <string.h>

static int in(unsigned char c, unsigned char lo, unsigned char hi)
{
	return c >= lo && c <= hi;
}

/*
 * The length of the well-formed UTF-8 sequence at p[0..n), or 0 when there is
 * none (Unicode 15, table 3-7). The second byte's range is what excludes
 * overlong forms (E0, F0), surrogates (ED) and code points past U+10FFFF (F4).
 */
static size_t utf8_seq_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (c < 0x80)
		return 1;
	if (in(c, 0xc2, 0xdf))
		len = 2;
	else if (in(c, 0xe0, 0xef))
		len = 3;
	else if (in(c, 0xf0, 0xf4))
		len = 4;
	else
		return 0;   /* continuation byte, C0/C1 (overlong) or F5..FF */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (n < len || !in(p[1], lo, hi))
		return 0;
	for (i = 2; i < len; i++)
		if (!in(p[i], 0x80, 0xbf))
			return 0;
	return len;
}

static size_t put_u(char *out, unsigned cp)
{
	static const char hex[] = "0123456789abcdef";

	out[0] = '\\';
	out[1] = 'u';
	out[2] = hex[(cp >> 12) & 0xf];
	out[3] = hex[(cp >> 8) & 0xf];
	out[4] = hex[(cp >> 4) & 0xf];
	out[5] = hex[cp & 0xf];
	return 6;
}

static size_t put2(char *out, char a, char b)
{
	out[0] = a;
	out[1] = b;
	return 2;
}

/* An ASCII byte: itself, a short escape, or \u00XX for a control. */
static size_t escape_ascii(unsigned char c, char *out)
{
	switch (c) {
	case '"':  return put2(out, '\\', '"');
	case '\\': return put2(out, '\\', '\\');
	case '\b': return put2(out, '\\', 'b');
	case '\f': return put2(out, '\\', 'f');
	case '\n': return put2(out, '\\', 'n');
	case '\r': return put2(out, '\\', 'r');
	case '\t': return put2(out, '\\', 't');
	}
	if (c < 0x20 || c == 0x7f)
		return put_u(out, c);
	out[0] = (char)c;
	return 1;
}

size_t vfw_json_escape_unit(const char *s, size_t n, char out[VFW_JSON_ESC_MAX],
			    size_t *used)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = utf8_seq_len(p, n);

	*used = len ? len : 1;
	if (len == 1)
		return escape_ascii(p[0], out);
	if (len == 0) {
		memcpy(out, "\xef\xbf\xbd", 3);   /* U+FFFD for this one byte */
		return 3;
	}
	if (p[0] == 0xc2 && p[1] <= 0x9f)        /* C1 control U+0080..U+009F */
		return put_u(out, p[1]);
	if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9))
		return put_u(out, 0x2000u | (p[2] - 0x80u));   /* U+2028/9 */
	memcpy(out, s, len);
	return len;
}

size_t vfw_json_escape(char *out, size_t outlen, const char *s, size_t n,
		       size_t *used)
{
	size_t i = 0, o = 0;
	char unit[VFW_JSON_ESC_MAX];

	while (i < n) {
		size_t u, k = vfw_json_escape_unit(s + i, n - i, unit, &u);

		if (o + k >= outlen)   /* keep room for the NUL */
			break;
		memcpy(out + o, unit, k);
		o += k;
		i += u;
	}
	if (outlen)
		out[o] = '\0';
	if (used)
		*used = i;
	return o;
}

size_t vfw_json_escaped_len(const char *s, size_t n)
{
	size_t i = 0, o = 0;
	char unit[VFW_JSON_ESC_MAX];

	while (i < n) {
		size_t u;

		o += vfw_json_escape_unit(s + i, n - i, unit, &u);
		i += u;
	}
	return o;
}
