/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A small strict JSON reader (RFC 8259) into a tree, for `snapshot import`. Strict: one value
 * and white space only, UTF-8 only, no NUL (\u0000) in strings, depth at most JSON_MAX_DEPTH.
 * The writer's \udcXX escapes (json.h: bytes that are not UTF-8) come back as those bytes.
 * Memory is bounded by the input: at most ~24 bytes per input byte (a value per 2 bytes, arrays
 * grown by doubling); a 25 MB export of 60,000 regions takes 240 MB.
 */
#ifndef VMS_JSON_PARSE_H
#define VMS_JSON_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUM, JSON_STR, JSON_ARR, JSON_OBJ };

struct json_val {
	enum json_type type;
	size_t n;		/* string length, number text length, array/object entries */
	union {
		bool b;
		char *s;		/* JSON_STR: NUL-terminated (no NUL inside) */
		const char *num;	/* JSON_NUM: its text, n bytes into the parsed text (which
					 * must outlive the tree) */
		struct json_val *items;	/* JSON_ARR */
		struct json_member *members; /* JSON_OBJ */
	};
};

struct json_member {
	char *key;
	struct json_val val;
};

/* Parses text[0, len) (numbers point into it: keep it while the tree lives). 0, or -EINVAL with why[] saying what and at which byte. */
int json_parse(const char *text, size_t len, struct json_val *out, char *why, size_t whylen);
void json_val_free(struct json_val *v);
/* The member of an object (NULL if absent or v is no object). */
const struct json_val *json_get(const struct json_val *v, const char *key);
/* An integer without sign, fraction or exponent that fits. 0 or -EINVAL. */
int json_u64_of(const struct json_val *v, uint64_t *out);
/* A "0x..." hex string (as json_hex() writes). 0 or -EINVAL. */
int json_hex_of(const struct json_val *v, uint64_t *out);

#endif
