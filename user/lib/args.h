/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Command-line tables, bpftool / xdp-tools style: each command is described
 * once (words, summary, options) and its help text and its option parsing
 * both come from that description, so the help cannot drift from what the
 * parser accepts. Options may stand anywhere among the words of a command.
 * Pure: no I/O, errors come back as text.
 */
#ifndef VOIPFW_ARGS_H
#define VOIPFW_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#define ARGS_REQUIRED 1u   /* must be given ("missing --iface IF") */
#define ARGS_MANY     2u   /* repeatable, every value kept (one per table) */

#define ARGS_MAX_OPTS 8    /* options per table */
#define ARGS_MAX_MANY 16   /* values of the ARGS_MANY option */
#define ARGS_ERR_LEN  160

struct args_opt {
	const char *name;     /* long name, without "--" */
	char short_name;      /* 'i' for "-i", or 0 */
	/*
	 * The value's name, NULL for a flag. Lowercase words joined by '|'
	 * ("udp|tcp") are the only values accepted.
	 */
	const char *metavar;
	const char *help;     /* one line */
	const char *def;      /* the value when absent (shown in help), or NULL */
	unsigned flags;
};

/* A command: a leaf has fn (and maybe opts), a group has sub. */
struct args_cmd {
	const char *name;
	const char *alias;    /* a second name ("show" for "list"), or NULL */
	/* Positional metavars: "[X]" is optional, "X..." takes the rest. */
	const char *words;
	const char *summary;  /* one line */
	const char *text;     /* a paragraph for its help, or NULL */
	const struct args_opt *opts;        /* ends with { NULL }; or NULL */
	const struct args_cmd *const *sub;  /* ends with NULL; or NULL */
	int (*fn)(int argc, char **argv);
};

struct args_res {
	/*
	 * Per option, in table order: its last value (the last one wins), else
	 * its def, else NULL. A flag given is its word ("--monitor").
	 */
	const char *val[ARGS_MAX_OPTS];
	const char *many[ARGS_MAX_MANY];   /* the ARGS_MANY option's values */
	unsigned n_many;
	char err[ARGS_ERR_LEN];   /* the first error, naming the bad word */
};

/* args_parse(): leave unknown options (and everything after "--") in argv. */
#define ARGS_PARTIAL 1u

/*
 * Takes the options of opts out of argv[0..*argc), with their values
 * ("--name VALUE", "--name=VALUE", "-s VALUE"), leaving the other words in
 * order. A "--" is removed and ends the options (ARGS_PARTIAL: is kept and
 * ends the scan). Returns 0, or -EINVAL with r->err set: an unknown option,
 * a missing or unwanted value, a value not among the choices, too many
 * values of an ARGS_MANY option, a missing ARGS_REQUIRED option.
 */
int args_parse(const struct args_opt *opts, unsigned mode, int *argc,
	       char **argv, struct args_res *r);

/*
 * args_parse() of c's options, then checks the words left against c->words:
 * "missing CIDR", "unexpected argument 'x'". Returns 0 or -EINVAL.
 */
int args_parse_cmd(const struct args_cmd *c, int *argc, char **argv,
		   struct args_res *r);

/*
 * The subcommand of group named by word: exact name or alias first, then a
 * unique prefix ("tr" for "trunk"). NULL, with *ambiguous set when more than
 * one starts with word.
 */
const struct args_cmd *args_find_cmd(const struct args_cmd *group,
				     const char *word, bool *ambiguous);

/* True when word is a (non-empty) prefix of name: "tr" matches "trunk". */
bool args_is_prefix(const char *word, const char *name);

#endif /* VOIPFW_ARGS_H */
