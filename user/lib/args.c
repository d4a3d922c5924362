// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "args.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Keeps the first error only: it names the word the user got wrong. */
static __attribute__((format(printf, 2, 3)))
void fail(struct args_res *r, const char *fmt, ...)
{
	va_list ap;

	if (r->err[0])
		return;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
}

/* "--name", "--name=VALUE" (*value points past '=') or "-s". */
static const struct args_opt *find_opt(const struct args_opt *opts,
				       const char *word, const char **value)
{
	const char *eq = strchr(word, '=');
	size_t n = eq ? (size_t)(eq - word - 2) : strlen(word) - 2;

	*value = NULL;
	for (; opts && opts->name; opts++) {
		if (word[1] == '-' && strlen(opts->name) == n &&
		    !strncmp(word + 2, opts->name, n)) {
			*value = eq ? eq + 1 : NULL;
			return opts;
		}
		if (word[1] != '-' && word[1] == opts->short_name && !word[2])
			return opts;
	}
	return NULL;
}

/* A metavar of lowercase words joined by '|' lists the only values allowed. */
static bool allowed(const char *m, const char *v)
{
	char set[64], want[64];

	if (!strchr(m, '|') || strspn(m, "abcdefghijklmnopqrstuvwxyz|-") != strlen(m))
		return true;
	snprintf(set, sizeof(set), "|%s|", m);
	snprintf(want, sizeof(want), "|%s|", v);
	return *v && !strchr(v, '|') && strlen(v) < 32 && strstr(set, want);
}

static void take_value(const struct args_opt *o, const char *value,
		       struct args_res *r, int k)
{
	if (!allowed(o->metavar, value))
		fail(r, "--%s must be %s, not '%s'", o->name, o->metavar, value);
	else if ((o->flags & ARGS_MANY) && r->n_many == ARGS_MAX_MANY)
		fail(r, "at most %d --%s", ARGS_MAX_MANY, o->name);
	else if (o->flags & ARGS_MANY)
		r->val[k] = r->many[r->n_many++] = value;
	else
		r->val[k] = value;
}

int args_parse(const struct args_opt *opts, unsigned mode, int *argc,
	       char **argv, struct args_res *r)
{
	bool seen[ARGS_MAX_OPTS] = { false };
	int in = 0, out = 0, k;

	memset(r, 0, sizeof(*r));
	for (k = 0; opts && opts[k].name && k < ARGS_MAX_OPTS; k++)
		r->val[k] = opts[k].def;
	while (in < *argc) {
		char *word = argv[in++];
		const struct args_opt *o;
		const char *value;

		if (!strcmp(word, "--")) {
			if (mode & ARGS_PARTIAL)
				argv[out++] = word;
			while (in < *argc)
				argv[out++] = argv[in++];
			break;
		}
		o = word[0] == '-' && word[1] ? find_opt(opts, word, &value) : NULL;
		if (!o) {
			if (word[0] == '-' && word[1] && !(mode & ARGS_PARTIAL))
				fail(r, "unknown option '%s'", word);
			argv[out++] = word;
			continue;
		}
		k = o - opts;
		seen[k] = true;
		if (!o->metavar && value)
			fail(r, "option --%s takes no value", o->name);
		else if (!o->metavar)
			r->val[k] = word;
		else if (!value && in == *argc)
			fail(r, "option %s needs %s", word, o->metavar);
		else
			take_value(o, value ? value : argv[in++], r, k);
	}
	*argc = out;
	argv[out] = NULL;
	for (k = 0; opts && opts[k].name; k++)
		if ((opts[k].flags & ARGS_REQUIRED) && !seen[k])
			fail(r, "missing --%s %s", opts[k].name, opts[k].metavar);
	return r->err[0] ? -EINVAL : 0;
}

/* Counts the words c->words asks for; names the first one missing. */
static void check_words(const char *w, int argc, char **argv,
			struct args_res *r)
{
	int need = 0, max = 0;
	bool rest = false;

	while (w && *w) {
		size_t n = strcspn(w, " ");

		if (n >= 3 && !strncmp(w + n - 3, "...", 3))
			rest = true;
		if (w[0] != '[' && need++ == argc)
			fail(r, "missing %.*s", (int)n, w);
		max++;
		w += n + strspn(w + n, " ");
	}
	if (!rest && argc > max)
		fail(r, "unexpected argument '%s'", argv[max]);
}

int args_parse_cmd(const struct args_cmd *c, int *argc, char **argv,
		   struct args_res *r)
{
	if (args_parse(c->opts, 0, argc, argv, r))
		return -EINVAL;
	check_words(c->words, *argc, argv, r);
	return r->err[0] ? -EINVAL : 0;
}

static bool names(const struct args_cmd *c, const char *word,
		  bool (*same)(const char *, const char *))
{
	return same(word, c->name) || (c->alias && same(word, c->alias));
}

static bool equal(const char *a, const char *b)
{
	return !strcmp(a, b);
}

const struct args_cmd *args_find_cmd(const struct args_cmd *group,
				     const char *word, bool *ambiguous)
{
	const struct args_cmd *const *s, *match = NULL;
	int n = 0;

	for (s = group->sub; s && *s; s++) {
		if (names(*s, word, equal))
			return *s;
		if (names(*s, word, args_is_prefix) && n++ == 0)
			match = *s;
	}
	*ambiguous = n > 1;
	return n == 1 ? match : NULL;
}

bool args_is_prefix(const char *word, const char *name)
{
	size_t n = strlen(word);

	return n > 0 && n <= strlen(name) && strncmp(word, name, n) == 0;
}
