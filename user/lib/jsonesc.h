/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The one JSON string escaper (issue 11). Every JSON string voipfw prints
 * goes through it, so its output is valid JSON and valid UTF-8 whatever
 * bytes a Call-ID, From or User-Agent carried:
 *
 *  - well-formed UTF-8 passes through unchanged;
 *  - each byte of an ill-formed sequence (a stray continuation byte, C0/C1
 *    or F5..FF leads, overlong forms, surrogates, > U+10FFFF, a truncated
 *    sequence) becomes U+FFFD, written as its three UTF-8 bytes;
 *  - '"' and '\' are escaped, as are \b \f \n \r \t by their short forms;
 *  - other C0 controls, DEL and the C1 controls (U+0080..U+009F, which a
 *    terminal may act on: U+009B is CSI) become \u00XX; U+2028 and U+2029
 *    become \u2028 / \u2029 so the output is also safe inside JavaScript.
 *
 * Why U+FFFD and not \u00XX for a bad byte: \u00XX claims the byte was the
 * Latin-1 character of that value, so 0xFF would read back as a genuine "ÿ"
 * and nobody could tell; U+FFFD is what strict UTF-8 consumers (Python's
 * errors="replace", browsers, jq) substitute, and it says "a byte was lost".
 * One U+FFFD per byte (not per maximal subpart) keeps the rule simple and the
 * byte count visible.
 */
#ifndef VOIPFW_JSONESC_H
#define VOIPFW_JSONESC_H

#include <stddef.h>

/* The longest escaped form of one input unit: "\u00XX" or "\u2028". */
#define VFW_JSON_ESC_MAX 6

/*
 * Escapes the unit at s[0..n) (n > 0): one character, one well-formed UTF-8
 * sequence, or one byte of an ill-formed one. Writes its escaped form to out
 * (not NUL-terminated) and returns the bytes written; *used gets the input
 * bytes consumed (>= 1).
 */
size_t vfw_json_escape_unit(const char *s, size_t n, char out[VFW_JSON_ESC_MAX],
			    size_t *used);

/*
 * Escapes s[0..n) as a JSON string body (without the quotes) into
 * out[0..outlen), always NUL-terminated when outlen > 0. When it does not
 * fit, stops before the first unit that does not fit whole, so truncation
 * never splits an escape or a UTF-8 sequence. Returns the bytes written
 * (excluding the NUL); *used (may be NULL) gets the input bytes consumed,
 * n when everything fit.
 */
size_t vfw_json_escape(char *out, size_t outlen, const char *s, size_t n,
		       size_t *used);

/* The bytes vfw_json_escape needs for all of s[0..n), excluding the NUL. */
size_t vfw_json_escaped_len(const char *s, size_t n);

/* Worst case: every input byte becomes "\u00XX". */
#define VFW_JSON_ESC_BUFLEN(n) (VFW_JSON_ESC_MAX * (n) + 1)

#endif /* VOIPFW_JSONESC_H */
