/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Command-line option handling, bpftool style: options may stand anywhere
 * among the words of a command. Each take_* call removes what it recognises
 * from argv, so what is left are the positional words, in order. Pure.
 */
#ifndef VOIPFW_ARGS_H
#define VOIPFW_ARGS_H

#include <stdbool.h>

/*
 * Removes "--name VALUE" or "--name=VALUE" (and "-s VALUE" when short is
 * not 0). Returns 1 when found (*value set; the last one wins), 0 when
 * absent, -EINVAL when the value is missing.
 */
int args_take_value(int *argc, char **argv, const char *name, char short_name,
		    const char **value);

/* Removes "--name" (and "-s"). Returns 1 when found, 0 when absent. */
int args_take_flag(int *argc, char **argv, const char *name, char short_name);

/*
 * After all take_* calls: the first remaining word that looks like an
 * option ("-x", "--x"), or NULL. A lone "-" is not an option.
 */
const char *args_first_option(int argc, char **argv);

/* True when word is a (non-empty) prefix of name: "tr" matches "trunk". */
bool args_is_prefix(const char *word, const char *name);

#endif /* VOIPFW_ARGS_H */
