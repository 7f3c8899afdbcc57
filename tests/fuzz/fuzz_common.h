/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the fuzz targets share: the input split (the first byte selects options, the rest is
 * the data, so that a mutation of the data keeps its options and the other way round), output
 * captured in memory, and the properties checked on it. A property that does not hold abort()s
 * with one line on stderr: libFuzzer keeps the input as a crash- artifact, as for a crash.
 */
#ifndef VMS_FUZZ_COMMON_H
#define VMS_FUZZ_COMMON_H

#include <locale.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond, ...)                                                    \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "PROPERTY VIOLATED: %s:%d: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                            \
			fputc('\n', stderr);                                     \
			abort();                                                 \
		}                                                                \
	} while (0)

/* The first byte is the options; the rest, NUL-terminated in a malloc'd copy, the data. */
struct fuzz_input {
	uint8_t opt;
	char *data;
	size_t len;
};

static inline bool fuzz_split(const uint8_t *d, size_t n, struct fuzz_input *in)
{
	if (n == 0)
		return false;
	in->opt = d[0];
	in->len = n - 1;
	in->data = malloc(n);
	if (!in->data)
		return false;
	memcpy(in->data, d + 1, n - 1);
	in->data[n - 1] = '\0';
	return true;
}

/* The locale the options byte's bit selects: both paths of every locale-dependent escape. */
static inline void fuzz_locale(bool utf8)
{
	if (!setlocale(LC_ALL, utf8 ? "C.UTF-8" : "C"))
		abort(); /* a missing C.UTF-8 would silently test the C locale twice */
}

/* Output in memory, to check it. */
struct fuzz_out {
	FILE *f;
	char *buf;
	size_t len;
};

static inline void fuzz_out_open(struct fuzz_out *o)
{
	o->buf = NULL;
	o->len = 0;
	o->f = open_memstream(&o->buf, &o->len);
	if (!o->f)
		abort();
}

static inline void fuzz_out_close(struct fuzz_out *o)
{
	fclose(o->f);
	o->f = NULL;
}

static inline void fuzz_out_free(struct fuzz_out *o)
{
	free(o->buf);
	o->buf = NULL;
}

static inline bool fuzz_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;

	while (p < end) {
		unsigned c = *p, need;
		uint32_t cp;

		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			need = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			need = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 3, cp = c & 0x07;
		else
			return false;
		if ((size_t)(end - p) <= need)
			return false;
		for (unsigned i = 1; i <= need; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += need + 1;
	}
	return true;
}

/* The offset of the first control byte a terminal acts on, or -1: C0 but '\n', DEL, and C1
 * both as UTF-8 (U+0080..U+009F) and as a raw byte that starts no UTF-8 sequence. */
static inline long fuzz_first_control(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < n;) {
		size_t k = 1;

		if ((p[i] < 0x20 && p[i] != '\n') || p[i] == 0x7f)
			return (long)i;
		if (p[i] >= 0x80) {
			for (k = 2; k <= 4 && i + k <= n; k++)
				if (fuzz_utf8_valid(s + i, k))
					break;
			if (k > 4 || i + k > n) /* no sequence: a raw byte */
				k = 1;
			if (k == 1 && p[i] < 0xa0)
				return (long)i;
			if (k == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0)
				return (long)i;
		}
		i += k;
	}
	return -1;
}

/* ---- a strict JSON (RFC 8259) checker: one value, nothing after it but white space ---- */

struct fuzz_json {
	const char *p, *end;
	int depth;
};

static bool fj_value(struct fuzz_json *j);

static inline void fj_ws(struct fuzz_json *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static inline bool fj_lit(struct fuzz_json *j, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n))
		return false;
	j->p += n;
	return true;
}

static inline bool fj_digits(struct fuzz_json *j)
{
	const char *s = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > s;
}

static inline bool fj_number(struct fuzz_json *j)
{
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (!fj_digits(j))
		return false;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (!fj_digits(j))
			return false;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (!fj_digits(j))
			return false;
	}
	return true;
}

static inline bool fj_string(struct fuzz_json *j)
{
	const char *s;

	if (j->p >= j->end || *j->p != '"')
		return false;
	s = ++j->p;
	while (j->p < j->end && *j->p != '"') {
		unsigned char c = (unsigned char)*j->p;

		if (c < 0x20)
			return false;
		if (c == '\\') {
			if (++j->p >= j->end)
				return false;
			if (*j->p == 'u') {
				for (int i = 0; i < 4; i++)
					if (++j->p >= j->end || !strchr("0123456789abcdefABCDEF", *j->p))
						return false;
			} else if (!strchr("\"\\/bfnrt", *j->p) || !*j->p) {
				return false;
			}
		}
		j->p++;
	}
	if (j->p >= j->end || !fuzz_utf8_valid(s, (size_t)(j->p - s)))
		return false;
	j->p++;
	return true;
}

static bool fj_value(struct fuzz_json *j)
{
	bool first = true;
	char close;

	fj_ws(j);
	if (j->p >= j->end)
		return false;
	switch (*j->p) {
	case '"': return fj_string(j);
	case 't': return fj_lit(j, "true");
	case 'f': return fj_lit(j, "false");
	case 'n': return fj_lit(j, "null");
	case '{': case '[':
		if (++j->depth > 64)
			return false;
		close = *j->p == '{' ? '}' : ']';
		j->p++;
		for (;;) {
			fj_ws(j);
			if (j->p < j->end && *j->p == close && first) {
				j->p++;
				break;
			}
			if (close == '}') {
				if (!fj_string(j))
					return false;
				fj_ws(j);
				if (j->p >= j->end || *j->p++ != ':')
					return false;
			}
			if (!fj_value(j))
				return false;
			fj_ws(j);
			first = false;
			if (j->p < j->end && *j->p == ',') {
				j->p++;
				continue;
			}
			if (j->p < j->end && *j->p == close) {
				j->p++;
				break;
			}
			return false;
		}
		j->depth--;
		return true;
	default:
		return fj_number(j);
	}
}

static inline bool fuzz_json_valid(const char *s, size_t n)
{
	struct fuzz_json j = { s, s + n, 0 };

	if (!fj_value(&j))
		return false;
	fj_ws(&j);
	return j.p == j.end;
}

/* Each line of s (JSON lines) is one valid JSON value; returns the count, or -1 (and *bad). */
static inline long fuzz_json_lines(const char *s, size_t n, size_t *bad)
{
	long count = 0;

	for (size_t off = 0; off < n;) {
		const char *nl = memchr(s + off, '\n', n - off);
		size_t l = nl ? (size_t)(nl - (s + off)) : n - off;

		if (!fuzz_json_valid(s + off, l)) {
			*bad = off;
			return -1;
		}
		count++;
		off += l + 1;
	}
	return count;
}

#endif
