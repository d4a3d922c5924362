// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "json.h"

#include <inttypes.h>
#include <string.h>

#include "jsonesc.h"

void json_init(struct json *j, FILE *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
}

/* Separator before a value or key at the current level; false: drop it. */
static bool before_item(struct json *j)
{
	if (j->failed)
		return false;
	j->started = true;
	if (j->after_key) {
		j->after_key = false;
		return true;
	}
	if (j->need_comma[j->depth])
		fputc(',', j->out);
	j->need_comma[j->depth] = true;
	return true;
}

static void open_level(struct json *j, char c)
{
	if (!before_item(j))
		return;
	fputc(c, j->out);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->need_comma[j->depth] = false;
	j->closer[j->depth] = c == '{' ? '}' : ']';
}

static void close_level(struct json *j)
{
	if (j->failed || !j->depth)
		return;
	fputc(j->closer[j->depth--], j->out);
}

void json_object_start(struct json *j) { open_level(j, '{'); }
void json_object_end(struct json *j) { close_level(j); }
void json_array_start(struct json *j) { open_level(j, '['); }
void json_array_end(struct json *j) { close_level(j); }

/* Through the one escaper (user/lib/jsonesc.h): valid JSON and UTF-8 always. */
static void write_escaped(FILE *out, const char *s)
{
	size_t n = strlen(s), i = 0;
	char unit[VFW_JSON_ESC_MAX];

	fputc('"', out);
	while (i < n) {
		size_t used, k = vfw_json_escape_unit(s + i, n - i, unit, &used);

		fwrite(unit, 1, k, out);
		i += used;
	}
	fputc('"', out);
}

void json_key(struct json *j, const char *key)
{
	if (!before_item(j))
		return;
	write_escaped(j->out, key);
	fputc(':', j->out);
	j->after_key = true;
}

void json_string(struct json *j, const char *s)
{
	if (!before_item(j))
		return;
	write_escaped(j->out, s ? s : "");
}

void json_uint(struct json *j, uint64_t v)
{
	if (!before_item(j))
		return;
	fprintf(j->out, "%" PRIu64, v);
}

void json_bool(struct json *j, bool v)
{
	if (!before_item(j))
		return;
	fputs(v ? "true" : "false", j->out);
}

void json_null(struct json *j)
{
	if (!before_item(j))
		return;
	fputs("null", j->out);
}

void json_finish(struct json *j)
{
	if (j->failed)
		return;
	fputc('\n', j->out);
	fflush(j->out);
}

void json_kv_string(struct json *j, const char *key, const char *s) { json_key(j, key); json_string(j, s); }
void json_kv_uint(struct json *j, const char *key, uint64_t v) { json_key(j, key); json_uint(j, v); }
void json_kv_bool(struct json *j, const char *key, bool v) { json_key(j, key); json_bool(j, v); }

/*
 * stdout must stay one valid JSON document whatever fails, so the error is
 * written where the document stands: alone as {"error": MSG} when nothing was
 * written yet (the usual case: commands check and read before they print);
 * inside an open array as its last element {"error": MSG}, inside an open
 * object as its last member "error": MSG (after a null for a pending key).
 * The open levels are then closed and everything the command still writes
 * is dropped. Only the first error gets there: false for later ones, and
 * when a finished document is already out (the caller logs them on stderr).
 */
bool json_error(struct json *j, const char *msg)
{
	if (j->failed || (j->started && !j->depth))
		return false;
	if (j->after_key)
		json_null(j);
	if (j->closer[j->depth] != '}')
		json_object_start(j);
	json_kv_string(j, "error", msg);
	while (j->depth)
		close_level(j);
	json_finish(j);
	j->failed = true;
	return true;
}
