// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "args.h"

#include <errno.h>
#include <string.h>

static void remove_words(int *argc, char **argv, int at, int count)
{
	int i;

	for (i = at; i + count < *argc; i++)
		argv[i] = argv[i + count];
	*argc -= count;
	argv[*argc] = NULL;
}

static bool is_short(const char *word, char short_name)
{
	return short_name && word[0] == '-' && word[1] == short_name &&
	       word[2] == '\0';
}

/* "--name" exactly, or "--name=..." (then *inline_value points past '='). */
static bool is_long(const char *word, const char *name,
		    const char **inline_value)
{
	size_t n = strlen(name);

	*inline_value = NULL;
	if (strncmp(word, "--", 2) || strncmp(word + 2, name, n))
		return false;
	if (word[2 + n] == '\0')
		return true;
	if (word[2 + n] == '=') {
		*inline_value = word + 3 + n;
		return true;
	}
	return false;
}

int args_take_value(int *argc, char **argv, const char *name, char short_name,
		    const char **value)
{
	const char *inline_value;
	int i = 0, found = 0;

	while (i < *argc) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (is_long(argv[i], name, &inline_value) && inline_value) {
			*value = inline_value;
			remove_words(argc, argv, i, 1);
			found = 1;
			continue;
		}
		if (is_long(argv[i], name, &inline_value) ||
		    is_short(argv[i], short_name)) {
			if (i + 1 >= *argc)
				return -EINVAL;
			*value = argv[i + 1];
			remove_words(argc, argv, i, 2);
			found = 1;
			continue;
		}
		i++;
	}
	return found;
}

int args_take_flag(int *argc, char **argv, const char *name, char short_name)
{
	const char *inline_value;
	int i = 0, found = 0;

	while (i < *argc) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if ((is_long(argv[i], name, &inline_value) && !inline_value) ||
		    is_short(argv[i], short_name)) {
			remove_words(argc, argv, i, 1);
			found = 1;
			continue;
		}
		i++;
	}
	return found;
}

const char *args_first_option(int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return NULL;
		if (argv[i][0] == '-' && argv[i][1] != '\0')
			return argv[i];
	}
	return NULL;
}

bool args_is_prefix(const char *word, const char *name)
{
	size_t n = strlen(word);

	return n > 0 && n <= strlen(name) && strncmp(word, name, n) == 0;
}
