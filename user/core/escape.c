// SPDX-License-Identifier: BSD-2-Clause
#include "escape.h"

#include <ctype.h>
#ifndef _WIN32
#include <langinfo.h>
#endif
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

#ifdef _WIN32
/* No nl_langinfo(): the C runtime's locale name ends in its code page ("English_United
 * States.1252"; ".UTF-8" or ".65001" where the runtime has UTF-8 locales). */
bool vms_locale_utf8(void)
{
	const char *name = setlocale(LC_CTYPE, NULL);
	const char *cp = name ? strrchr(name, '.') : NULL;

	return cp && (!strcasecmp(cp + 1, "UTF-8") || !strcasecmp(cp + 1, "utf8") ||
		      !strcmp(cp + 1, "65001"));
}
#else
bool vms_locale_utf8(void)
{
	const char *enc = nl_langinfo(CODESET);

	return enc && !strcasecmp(enc, "UTF-8") && MB_CUR_MAX > 1;
}
#endif

/* The length a first byte announces (procps' UTF_tab), or -1 if it cannot start a character. */
static int lead_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c < 0xc2)
		return -1;
	if (c < 0xe0)
		return 2;
	if (c < 0xf0)
		return 3;
	if (c < 0xf5)
		return 4;
	return -1;
}

static bool is_c0_or_del(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

struct out {
	char *p;
	size_t n, cap;	/* cap: room for bytes, the NUL not counted */
	bool full;
};

static void emit(struct out *o, const void *s, size_t len)
{
	if (o->full || len > o->cap - o->n) {
		o->full = true; /* nothing after a character that did not fit */
		return;
	}
	memcpy(o->p + o->n, s, len);
	o->n += len;
}

static void emit_c(struct out *o, char c)
{
	emit(o, &c, 1);
}

/* procps pmap rows: isprint() on a plain char, where 0xff is EOF. C1 bytes are refused even in
 * the odd locale (KOI8-R) that calls them printable. */
static void esc_bytes(struct out *o, const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		emit_c(o, s[i] != 0xff && !(s[i] >= 0x80 && s[i] < 0xa0) && isprint(s[i]) ? (char)s[i] : '?');
}

static void esc_chars(struct out *o, const unsigned char *s, size_t len, enum vms_esc mode)
{
	bool utf8 = mode == VMS_ESC_UTF8 || vms_locale_utf8();
	char ctl = mode == VMS_ESC_CMDLINE ? '.' : '?'; /* procps' table outside UTF-8 */
	size_t i = 0;

	while (utf8 && i < len && !o->full) {
		int n = lead_len(s[i]);

		if (n == 1) {
			emit_c(o, is_c0_or_del(s[i]) ? '?' : (char)s[i]);
			i++;
			continue;
		}
		/* the whole character, not its first byte: "\xe2\x1b[" is no character */
		if (n < 0 || i + (size_t)n > len || utf8_seq_len(s + i) != n) {
			if (mode != VMS_ESC_UTF8)
				break; /* procps: a string that is not UTF-8 from here on */
			emit(o, "\xef\xbf\xbd", 3);
			i++;
			continue;
		}
		if (n == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0)
			emit_c(o, '?'); /* U+0080..U+009F: C1 controls (U+009B is CSI) */
		else
			emit(o, s + i, (size_t)n);
		i += (size_t)n;
	}
	for (; i < len && !o->full; i++)
		emit_c(o, s[i] >= 0x80 ? '?' : is_c0_or_del(s[i]) ? ctl : (char)s[i]);
}

/* The length of the printable ASCII (0x20..0x7e) that s starts with: 8 bytes a step (watch
 * renders a million lines a second), with the exact "some byte < n" and "some byte > n" word
 * tests of Bit Twiddling Hacks. */
static size_t ascii_prefix(const unsigned char *s, size_t len)
{
	const uint64_t ones = 0x0101010101010101ull, highs = ones << 7;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t x;

		memcpy(&x, s + i, 8);
		if (((x - 0x20 * ones) & ~x & highs) | (((x + ones) | x) & highs))
			break;
	}
	while (i < len && s[i] >= 0x20 && s[i] < 0x7f)
		i++;
	return i;
}

size_t vms_escape(char *dst, size_t cap, const char *src, size_t len, enum vms_esc mode)
{
	const unsigned char *s = (const unsigned char *)src;
	struct out o = { .p = dst, .cap = cap ? cap - 1 : 0 };
	size_t i;

	if (!cap)
		return 0;
	i = ascii_prefix(s, len); /* the fast path: the same in every mode */
	emit(&o, s, i < o.cap ? i : o.cap);
	if (i < len && o.n == i) {
		if (mode == VMS_ESC_BYTES)
			esc_bytes(&o, s + i, len - i);
		else
			esc_chars(&o, s + i, len - i, mode);
	}
	dst[o.n] = '\0';
	return o.n;
}

char *vms_escape_dup(const char *src, size_t len, enum vms_esc mode)
{
	size_t cap = (mode == VMS_ESC_UTF8 ? 3 * len : len) + 1;
	char *dst = xmalloc(cap);

	vms_escape(dst, cap, src, len, mode);
	return dst;
}
