/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* A small streaming JSON writer for the CLI's --json output. */
#ifndef VOIPFW_JSON_H
#define VOIPFW_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *out;
	int depth;
	bool need_comma[JSON_MAX_DEPTH];
	char closer[JSON_MAX_DEPTH];   /* '}' or ']' of each open level */
	bool after_key;
	bool started;   /* something was written */
	bool failed;    /* json_error() closed the document */
};

void json_init(struct json *j, FILE *out);
void json_object_start(struct json *j);
void json_object_end(struct json *j);
void json_array_start(struct json *j);
void json_array_end(struct json *j);
void json_key(struct json *j, const char *key);
void json_string(struct json *j, const char *s);
void json_uint(struct json *j, uint64_t v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
/* Closes the document with a newline. */
void json_finish(struct json *j);
/*
 * Writes {"error": msg} so that the output stays one valid JSON document
 * (see json.c); false when it cannot (a document is already out, or an
 * error is). Later writes are dropped.
 */
bool json_error(struct json *j, const char *msg);

/* key + value shorthands */
void json_kv_string(struct json *j, const char *key, const char *s);
void json_kv_uint(struct json *j, const char *key, uint64_t v);
void json_kv_bool(struct json *j, const char *key, bool v);

#endif /* VOIPFW_JSON_H */
