/* SPDX-License-Identifier: BSD-2-Clause */
/* The one JSON writer: streaming, to a FILE, with ", " and ": " separators. */
#ifndef VMS_JSON_H
#define VMS_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

struct json_writer {
	FILE *f;
	int depth;
	bool first[JSON_MAX_DEPTH];
	bool after_key;
};

void json_init(struct json_writer *w, FILE *f);
void json_obj_begin(struct json_writer *w);
void json_obj_end(struct json_writer *w);
void json_arr_begin(struct json_writer *w);
void json_arr_end(struct json_writer *w);
void json_key(struct json_writer *w, const char *key);
/* Bytes that are not valid UTF-8 are written as \udcXX (lone surrogates, as Python's
 * surrogateescape decodes them), so the exact bytes can be recovered. */
void json_str(struct json_writer *w, const char *s);
void json_u64(struct json_writer *w, uint64_t v);
void json_i64(struct json_writer *w, int64_t v);
void json_double(struct json_writer *w, double v);
void json_bool(struct json_writer *w, bool v);
void json_null(struct json_writer *w);
/* 64-bit values as "0x..." strings: exact in every JSON reader. */
void json_hex(struct json_writer *w, uint64_t v);

static inline void json_kv_str(struct json_writer *w, const char *k, const char *v)
{
	json_key(w, k);
	if (v)
		json_str(w, v);
	else
		json_null(w);
}

static inline void json_kv_u64(struct json_writer *w, const char *k, uint64_t v)
{
	json_key(w, k);
	json_u64(w, v);
}

static inline void json_kv_hex(struct json_writer *w, const char *k, uint64_t v)
{
	json_key(w, k);
	json_hex(w, v);
}

static inline void json_kv_bool(struct json_writer *w, const char *k, bool v)
{
	json_key(w, k);
	json_bool(w, v);
}

#endif
