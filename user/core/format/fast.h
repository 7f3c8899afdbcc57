/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Number formatting without printf, for the formats' per-region lines (60,000 rows: printf's
 * format parsing was most of the time of a table read from the model). Each writes at p and
 * returns the end; the caller's buffer holds the line.
 */
#ifndef VMS_FORMAT_FAST_H
#define VMS_FORMAT_FAST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Two digits a byte: a row's numbers are most of its bytes (60,000 rows), and a digit a step
 * cost more than the rest of the row. */
extern const char fast_hex_pairs[512];	/* "000102...ff" */
extern const char fast_dec_pairs[200];	/* "000102...99" */

/* Lowercase hex, at least width digits (zero-padded), as "%0*llx". */
static inline char *fast_hex(char *p, uint64_t v, int width)
{
	int n = v ? (64 - __builtin_clzll(v) + 3) / 4 : 1;
	char *end;

	if (n < width)
		n = width;
	end = p + n;
	for (char *q = end; q > p;) {
		const char *d = &fast_hex_pairs[(v & 0xff) * 2];

		v >>= 8;
		if (q - p >= 2) {
			q -= 2;
			memcpy(q, d, 2);
		} else {
			*--q = d[1];
		}
	}
	return end;
}

/* Decimal, right-aligned in width columns with spaces, as "%*llu". */
static inline char *fast_dec(char *p, uint64_t v, int width)
{
	char tmp[20], *q = tmp + sizeof(tmp);
	size_t n;

	while (v >= 100) {
		q -= 2;
		memcpy(q, &fast_dec_pairs[(v % 100) * 2], 2);
		v /= 100;
	}
	if (v >= 10) {
		q -= 2;
		memcpy(q, &fast_dec_pairs[v * 2], 2);
	} else {
		*--q = (char)('0' + v);
	}
	n = (size_t)(tmp + sizeof(tmp) - q);
	for (; width > (int)n; width--)
		*p++ = ' ';
	memcpy(p, q, n);
	return p + n;
}

static inline char *fast_str(char *p, const char *s, size_t len)
{
	memcpy(p, s, len);
	return p + len;
}

/* Whether every byte is printable ASCII (no escaping can change it) and none is in avoid
 * (at most two bytes, checked without a strchr per byte). */
static inline bool fast_plain(const char *s, const char *avoid)
{
	char a = avoid && avoid[0] ? avoid[0] : 0x7f, b = avoid && avoid[0] && avoid[1] ? avoid[1] : a;

	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e || *s == a || *s == b)
			return false;
	return true;
}

/* Rows gathered into one block and written with one fwrite a block: a stdio call a row cost
 * a tenth of a 60,000-row table. fast_out_room() makes room for n more bytes (false: n is more
 * than the block holds; write it with fast_out_write). fast_out_flush() at the end. */
struct fast_out {
	FILE *f;
	char *p;
	char buf[64 * 1024];
};

static inline void fast_out_init(struct fast_out *o, FILE *f)
{
	o->f = f;
	o->p = o->buf;
}

static inline void fast_out_flush(struct fast_out *o)
{
	if (o->p > o->buf)
		fwrite(o->buf, 1, (size_t)(o->p - o->buf), o->f);
	o->p = o->buf;
}

static inline bool fast_out_room(struct fast_out *o, size_t n)
{
	if ((size_t)(o->buf + sizeof(o->buf) - o->p) < n)
		fast_out_flush(o);
	return n <= sizeof(o->buf);
}

static inline void fast_out_write(struct fast_out *o, const char *s, size_t n)
{
	if (fast_out_room(o, n)) {
		memcpy(o->p, s, n);
		o->p += n;
	} else {
		fwrite(s, 1, n, o->f);
	}
}

#endif
