// SPDX-License-Identifier: BSD-2-Clause
#include "json_parse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct jp {
	const unsigned char *p, *start, *end;
	char *why;
	size_t whylen;
	int depth;
};

static int jfail(struct jp *j, const char *msg)
{
	snprintf(j->why, j->whylen, "%s at byte %zu", msg, (size_t)(j->p - j->start));
	return -EINVAL;
}

static void ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static bool lit(struct jp *j, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n))
		return false;
	j->p += n;
	return true;
}

static int hex4(struct jp *j, unsigned *v)
{
	*v = 0;
	if (j->end - j->p < 4)
		return jfail(j, "truncated \\u escape");
	for (int i = 0; i < 4; i++) {
		unsigned c = *j->p++, d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (c | 0x20) - 'a' + 10;
		else
			return jfail(j, "bad \\u escape");
		*v = *v << 4 | d;
	}
	return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A string after its opening quote. The decoded text is never longer than the escaped one. */
static int str(struct jp *j, char **out, size_t *outlen)
{
	const unsigned char *q = j->p;
	char *o, *buf;

	while (q < j->end && *q != '"') /* the extent first: one allocation */
		q += (*q == '\\' && q + 1 < j->end) ? 2 : 1;
	if (q >= j->end)
		return jfail(j, "unterminated string");
	buf = o = xmalloc((size_t)(q - j->p) + 1);
	while (*j->p != '"') {
		unsigned c = *j->p, cp, lo;

		if (c < 0x20) {
			free(buf);
			return jfail(j, "control character in a string");
		}
		if (c != '\\') {
			int n = utf8_seq_len(j->p);

			if (!n) {
				free(buf);
				return jfail(j, "invalid UTF-8 in a string");
			}
			memcpy(o, j->p, (size_t)n);
			o += n;
			j->p += n;
			continue;
		}
		j->p++;
		c = *j->p++;
		switch (c) {
		case '"': *o++ = '"'; continue;
		case '\\': *o++ = '\\'; continue;
		case '/': *o++ = '/'; continue;
		case 'b': *o++ = '\b'; continue;
		case 'f': *o++ = '\f'; continue;
		case 'n': *o++ = '\n'; continue;
		case 'r': *o++ = '\r'; continue;
		case 't': *o++ = '\t'; continue;
		case 'u': break;
		default:
			free(buf);
			j->p--;
			return jfail(j, "bad escape in a string");
		}
		if (hex4(j, &cp))
			goto bad;
		if (cp == 0) {
			free(buf);
			return jfail(j, "\\u0000 in a string");
		}
		if (cp >= 0xdc80 && cp <= 0xdcff) { /* the writer's byte that is not UTF-8 */
			*o++ = (char)(cp - 0xdc00);
			continue;
		}
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (!lit(j, "\\u") || hex4(j, &lo) || lo < 0xdc00 || lo > 0xdfff) {
				free(buf);
				return jfail(j, "unpaired surrogate in a string");
			}
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		} else if (cp >= 0xdc00 && cp <= 0xdfff) {
			free(buf);
			return jfail(j, "unpaired surrogate in a string");
		}
		o += put_utf8(o, cp);
	}
	j->p++;
	*o = '\0';
	*out = buf;
	*outlen = (size_t)(o - buf);
	return 0;
bad:
	free(buf);
	return -EINVAL;
}

static int num(struct jp *j, struct json_val *v)
{
	const unsigned char *s = j->p;

	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (j->p < j->end && *j->p >= '1' && *j->p <= '9')
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	else
		return jfail(j, "bad number");
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (j->p >= j->end || *j->p < '0' || *j->p > '9')
			return jfail(j, "bad number");
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (j->p >= j->end || *j->p < '0' || *j->p > '9')
			return jfail(j, "bad number");
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	v->type = JSON_NUM;
	v->n = (size_t)(j->p - s);
	v->num = (const char *)s; /* into the text: most values are numbers, no copy each */
	return 0;
}

static int value(struct jp *j, struct json_val *v);

static int array(struct jp *j, struct json_val *v)
{
	size_t cap = 0;

	v->type = JSON_ARR;
	ws(j);
	if (lit(j, "]"))
		return 0;
	for (;;) {
		if (v->n == cap) {
			cap = cap ? cap * 2 : 4;
			v->items = xrealloc(v->items, cap * sizeof(*v->items));
		}
		memset(&v->items[v->n], 0, sizeof(*v->items));
		if (value(j, &v->items[v->n++]))
			return -EINVAL;
		ws(j);
		if (lit(j, "]"))
			return 0;
		if (!lit(j, ","))
			return jfail(j, "expected ',' or ']'");
	}
}

static int object(struct jp *j, struct json_val *v)
{
	size_t cap = 0, klen;

	v->type = JSON_OBJ;
	ws(j);
	if (lit(j, "}"))
		return 0;
	for (;;) {
		struct json_member *m;

		if (v->n == cap) {
			cap = cap ? cap * 2 : 4;
			v->members = xrealloc(v->members, cap * sizeof(*v->members));
		}
		m = &v->members[v->n];
		memset(m, 0, sizeof(*m));
		ws(j);
		if (!lit(j, "\""))
			return jfail(j, "expected a key");
		if (str(j, &m->key, &klen))
			return -EINVAL;
		v->n++;
		for (size_t i = 0; i + 1 < v->n; i++)
			if (!strcmp(v->members[i].key, m->key))
				return jfail(j, "duplicate key");
		ws(j);
		if (!lit(j, ":"))
			return jfail(j, "expected ':'");
		if (value(j, &m->val))
			return -EINVAL;
		ws(j);
		if (lit(j, "}"))
			return 0;
		if (!lit(j, ","))
			return jfail(j, "expected ',' or '}'");
	}
}

static int value(struct jp *j, struct json_val *v)
{
	int r;

	ws(j);
	if (j->p >= j->end)
		return jfail(j, "unexpected end");
	switch (*j->p) {
	case '{':
	case '[':
		if (++j->depth > JSON_MAX_DEPTH)
			return jfail(j, "nested too deep");
		j->p++;
		r = j->p[-1] == '{' ? object(j, v) : array(j, v);
		j->depth--;
		return r;
	case '"':
		j->p++;
		v->type = JSON_STR;
		return str(j, &v->s, &v->n);
	case 't':
	case 'f':
		v->type = JSON_BOOL;
		v->b = *j->p == 't';
		return lit(j, v->b ? "true" : "false") ? 0 : jfail(j, "bad literal");
	case 'n':
		v->type = JSON_NULL;
		return lit(j, "null") ? 0 : jfail(j, "bad literal");
	default:
		return num(j, v);
	}
}

int json_parse(const char *text, size_t len, struct json_val *out, char *why, size_t whylen)
{
	struct jp j = { (const unsigned char *)text, (const unsigned char *)text,
			(const unsigned char *)text + len, why, whylen, 0 };

	memset(out, 0, sizeof(*out));
	if (value(&j, out))
		goto bad;
	ws(&j);
	if (j.p != j.end) {
		jfail(&j, "trailing data after the value");
		goto bad;
	}
	return 0;
bad:
	json_val_free(out);
	return -EINVAL;
}

void json_val_free(struct json_val *v)
{
	switch (v->type) {
	case JSON_STR:
		free(v->s);
		break;
	case JSON_ARR:
		for (size_t i = 0; i < v->n; i++)
			json_val_free(&v->items[i]);
		free(v->items);
		break;
	case JSON_OBJ:
		for (size_t i = 0; i < v->n; i++) {
			free(v->members[i].key);
			json_val_free(&v->members[i].val);
		}
		free(v->members);
		break;
	default:
		break;
	}
	memset(v, 0, sizeof(*v));
}

const struct json_val *json_get(const struct json_val *v, const char *key)
{
	if (!v || v->type != JSON_OBJ)
		return NULL;
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->members[i].key, key))
			return &v->members[i].val;
	return NULL;
}

int json_u64_of(const struct json_val *v, uint64_t *out)
{
	char buf[24];

	if (!v || v->type != JSON_NUM || v->n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, v->num, v->n);
	buf[v->n] = '\0';
	if (buf[0] == '-' || strpbrk(buf, ".eE"))
		return -EINVAL;
	return parse_u64(buf, 10, out);
}

int json_hex_of(const struct json_val *v, uint64_t *out)
{
	if (!v || v->type != JSON_STR || strncmp(v->s, "0x", 2) || !v->s[2] ||
	    strspn(v->s + 2, "0123456789abcdef") != v->n - 2 || v->n > 18)
		return -EINVAL;
	return parse_u64(v->s + 2, 16, out);
}
