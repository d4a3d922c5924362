/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Non-owning string views (pointer + length) and the few character helpers
 * the SIP and SDP parsers share. Nothing here allocates or assumes a NUL
 * terminator: every view points into the caller's buffer.
 */
#ifndef VOIPFW_STRVIEW_H
#define VOIPFW_STRVIEW_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct sv {
	const char *p;
	size_t len;
};

#define SV_NULL ((struct sv){ NULL, 0 })

static inline struct sv sv_make(const char *p, size_t len)
{
	struct sv v = { p, len };
	return v;
}

static inline struct sv sv_from_cstr(const char *s)
{
	return sv_make(s, strlen(s));
}

static inline int sv_empty(struct sv v)
{
	return v.len == 0;
}

static inline int sv_is_ws(char c)
{
	/* CR and LF count: a folded header keeps its CRLF inside the value view. */
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static inline int sv_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline char sv_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static inline struct sv sv_trim(struct sv v)
{
	while (v.len && sv_is_ws(v.p[0])) {
		v.p++;
		v.len--;
	}
	while (v.len && sv_is_ws(v.p[v.len - 1]))
		v.len--;
	return v;
}

static inline struct sv sv_skip(struct sv v, size_t n)
{
	if (n == 0)
		return v;	/* also keeps a NULL view NULL without pointer arithmetic */
	if (n > v.len)
		n = v.len;
	return sv_make(v.p + n, v.len - n);
}

static inline int sv_eq(struct sv a, struct sv b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

static inline int sv_eq_cstr(struct sv a, const char *s)
{
	return sv_eq(a, sv_from_cstr(s));
}

static inline int sv_casecmp_eq(struct sv a, struct sv b)
{
	size_t i;

	if (a.len != b.len)
		return 0;
	for (i = 0; i < a.len; i++)
		if (sv_lower(a.p[i]) != sv_lower(b.p[i]))
			return 0;
	return 1;
}

static inline int sv_case_eq(struct sv a, const char *s)
{
	return sv_casecmp_eq(a, sv_from_cstr(s));
}

static inline int sv_case_starts(struct sv a, const char *prefix)
{
	struct sv p = sv_from_cstr(prefix);

	return a.len >= p.len && sv_casecmp_eq(sv_make(a.p, p.len), p);
}

/* Index of the first c in v, or v.len when absent. */
static inline size_t sv_find(struct sv v, char c)
{
	const char *hit = v.len ? memchr(v.p, c, v.len) : NULL;

	return hit ? (size_t)(hit - v.p) : v.len;
}

/*
 * Parses all of v as a decimal number no larger than max. Returns 0 on
 * success; -1 when v is empty, has a non-digit or exceeds max.
 */
static inline int sv_to_u64(struct sv v, uint64_t max, uint64_t *out)
{
	uint64_t n = 0;
	size_t i;

	if (v.len == 0)
		return -1;
	for (i = 0; i < v.len; i++) {
		unsigned d;

		if (!sv_is_digit(v.p[i]))
			return -1;
		d = (unsigned)(v.p[i] - '0');
		if (d > max || n > (max - d) / 10)
			return -1;
		n = n * 10 + d;
	}
	*out = n;
	return 0;
}

/* Like sv_to_u64 but numbers above max are clamped to max instead of failing. */
static inline int sv_to_u64_clamp(struct sv v, uint64_t max, uint64_t *out)
{
	size_t i;

	if (v.len == 0)
		return -1;
	for (i = 0; i < v.len; i++)
		if (!sv_is_digit(v.p[i]))
			return -1;
	if (sv_to_u64(v, max, out) != 0)
		*out = max;
	return 0;
}

/* Splits v at the first c: *head gets what precedes it, the return value what follows. */
static inline struct sv sv_split(struct sv v, char c, struct sv *head)
{
	size_t i = sv_find(v, c);

	*head = sv_make(v.p, i);
	if (i == v.len)
		return sv_make(v.p + v.len, 0);
	return sv_make(v.p + i + 1, v.len - i - 1);
}

#endif /* VOIPFW_STRVIEW_H */
