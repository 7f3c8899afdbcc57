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
#include <string.h>

/* Lowercase hex, at least width digits (zero-padded), as "%0*llx". */
static inline char *fast_hex(char *p, uint64_t v, int width)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[16];
	int n = 0;

	do {
		tmp[n++] = digits[v & 0xf];
		v >>= 4;
	} while (v);
	while (width-- > n)
		*p++ = '0';
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* Decimal, right-aligned in width columns with spaces, as "%*llu". */
static inline char *fast_dec(char *p, uint64_t v, int width)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (width-- > n)
		*p++ = ' ';
	while (n)
		*p++ = tmp[--n];
	return p;
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

#endif
