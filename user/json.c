// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "json.h"

#include <inttypes.h>
#include <string.h>

#include "jsonesc.h"

void json_init(struct json *j, FILE *out)
{
	j->out = out;
	j->depth = 0;
	j->need_comma[0] = false;
	j->after_key = false;
}

/* Separator before a value or key at the current level. */
static void before_item(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->need_comma[j->depth])
		fputc(',', j->out);
	j->need_comma[j->depth] = true;
}

static void open_level(struct json *j, char c)
{
	before_item(j);
	fputc(c, j->out);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->need_comma[j->depth] = false;
}

static void close_level(struct json *j, char c)
{
	if (j->depth > 0)
		j->depth--;
	fputc(c, j->out);
}

void json_object_start(struct json *j) { open_level(j, '{'); }
void json_object_end(struct json *j) { close_level(j, '}'); }
void json_array_start(struct json *j) { open_level(j, '['); }
void json_array_end(struct json *j) { close_level(j, ']'); }

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
	before_item(j);
	write_escaped(j->out, key);
	fputc(':', j->out);
	j->after_key = true;
}

void json_string(struct json *j, const char *s)
{
	before_item(j);
	write_escaped(j->out, s ? s : "");
}

void json_uint(struct json *j, uint64_t v)
{
	before_item(j);
	fprintf(j->out, "%" PRIu64, v);
}

void json_int(struct json *j, int64_t v)
{
	before_item(j);
	fprintf(j->out, "%" PRId64, v);
}

void json_bool(struct json *j, bool v)
{
	before_item(j);
	fputs(v ? "true" : "false", j->out);
}

void json_null(struct json *j)
{
	before_item(j);
	fputs("null", j->out);
}

void json_finish(struct json *j)
{
	fputc('\n', j->out);
	fflush(j->out);
}

void json_kv_string(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_string(j, s);
}

void json_kv_uint(struct json *j, const char *key, uint64_t v)
{
	json_key(j, key);
	json_uint(j, v);
}

void json_kv_int(struct json *j, const char *key, int64_t v)
{
	json_key(j, key);
	json_int(j, v);
}

void json_kv_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	json_bool(j, v);
}
