// SPDX-License-Identifier: BSD-2-Clause
/*
 * core/escape.c, the one escaper of text output (links libvmscope-core alone). Names, command
 * lines and comm are chosen by any user; root reads them on a terminal. Whatever the mode and
 * the locale, no C0 control, DEL or C1 control may come out raw.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/escape.h"
#include "core/util.h"

static void show(const char *label, const char *s, size_t n)
{
	fprintf(stderr, "%s\"", label);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, (unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f ? "\\x%02x" : "%c",
			(unsigned char)s[i]);
	fprintf(stderr, "\"");
}

static void expect_esc(const char *src, size_t len, enum vms_esc mode, const char *want)
{
	char *got = vms_escape_dup(src, len, mode);

	if (strcmp(got, want)) {
		show("escape: got ", got, strlen(got));
		show(", want ", want, strlen(want));
		fprintf(stderr, " (mode %d)\n", (int)mode);
		free(got);
		fail_msg("escaped text differs");
	}
	free(got);
}

#define ESC(src, mode, want) expect_esc(src, sizeof(src) - 1, mode, want)

static int c_locale(void **state)
{
	return setlocale(LC_ALL, "C") ? 0 : -1;
}

static int utf8_locale(void **state)
{
	return setlocale(LC_ALL, "C.UTF-8") ? 0 : -1;
}

/* The attack of issue 20: ESC, CSI, OSC, BEL, C1 CSI (as a character and as a raw byte), DEL. */
#define EVIL "a\x1b[2J\x1b]0;t\x07" "b\xc2\x9b" "31m\x9b" "c\x7f\n\r\td"

static void escape_c_locale(void **state)
{
	assert_false(vms_locale_utf8());
	ESC(EVIL, VMS_ESC_TEXT, "a?[2J?]0;t?b??31m?c????d");
	ESC(EVIL, VMS_ESC_CMDLINE, "a.[2J.]0;t.b??31m?c....d");	/* procps esc_all() */
	ESC(EVIL, VMS_ESC_BYTES, "a?[2J?]0;t?b??31m?c????d");
	ESC(EVIL, VMS_ESC_UTF8, "a?[2J?]0;t?b?31m\xef\xbf\xbd" "c????d");
	/* outside UTF-8 only ASCII is a character */
	ESC("caf\xc3\xa9", VMS_ESC_TEXT, "caf??");
	ESC("caf\xc3\xa9", VMS_ESC_UTF8, "caf\xc3\xa9");
}

static void escape_utf8_locale(void **state)
{
	assert_true(vms_locale_utf8());
	ESC(EVIL, VMS_ESC_TEXT, "a?[2J?]0;t?b?31m?c????d");
	ESC(EVIL, VMS_ESC_CMDLINE, "a?[2J?]0;t?b?31m?c....d"); /* '.' after the raw 0x9b: procps */
	ESC(EVIL, VMS_ESC_BYTES, "a?[2J?]0;t?b??31m?c????d");
	ESC("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", VMS_ESC_TEXT, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	/* pmap rows: isprint() refuses every byte of a multibyte character, as procps does */
	ESC("caf\xc3\xa9", VMS_ESC_BYTES, "caf??");
}

/* A lead byte is not a character: procps 4.0.2 passes "\xe2\x1b[" whole, raw ESC and all. */
static void escape_whole_characters(void **state)
{
	ESC("arg\xe2\x1b[2J", VMS_ESC_CMDLINE, "arg?.[2J");
	ESC("arg\xe2\x1b[2J", VMS_ESC_TEXT, "arg??[2J");
	ESC("arg\xe2\x1b[2J", VMS_ESC_UTF8, "arg\xef\xbf\xbd?[2J");
	ESC("C\xe0\x80\x80\x01" "D", VMS_ESC_CMDLINE, "C???.D");	/* overlong NUL */
	ESC("\xed\xa0\x80", VMS_ESC_TEXT, "???");			/* surrogate */
	ESC("x\xc3", VMS_ESC_TEXT, "x?");				/* cut short */
	/* C1 controls are characters of UTF-8 that a terminal obeys: U+0085 NEL, U+009B CSI */
	ESC("A\xc2\x85" "B\xc2\x9b" "C\xc2\xa0" "D", VMS_ESC_TEXT, "A?B?C\xc2\xa0" "D");
	ESC("A\xc2\x80\xc2\x9f", VMS_ESC_UTF8, "A??");
	ESC("E\xe2\x80\x8b" "F", VMS_ESC_CMDLINE, "E\xe2\x80\x8b" "F");	/* U+200B: no control */
}

/* Printable ASCII is copied, whatever the mode; an empty string stays empty. */
static void escape_ascii(void **state)
{
	static const enum vms_esc modes[] = { VMS_ESC_BYTES, VMS_ESC_CMDLINE, VMS_ESC_TEXT, VMS_ESC_UTF8 };
	char all[96];

	for (int i = 0; i < 95; i++)
		all[i] = (char)(0x20 + i);
	all[95] = '\0';
	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		expect_esc(all, 95, modes[m], all);
		expect_esc("", 0, modes[m], "");
	}
}

/* The fast path reads 8 bytes a step: a control byte (or DEL, or >= 0x80) at any place of any
 * length is still seen. */
static void escape_every_position(void **state)
{
	static const unsigned char bad[] = { 0x00, 0x01, 0x1b, 0x1f, 0x7f, 0x80, 0x9b, 0xff };
	char src[40], want[40];

	for (size_t len = 1; len < sizeof(src); len++)
		for (size_t at = 0; at < len; at++)
			for (size_t b = 0; b < sizeof(bad); b++) {
				memset(src, 'a', len);
				memset(want, 'a', len);
				src[at] = (char)bad[b];
				want[at] = '?';
				want[len] = '\0';
				expect_esc(src, len, VMS_ESC_TEXT, want);
				expect_esc(src, len, VMS_ESC_BYTES, want);
			}
}

/* cap bounds the output, NUL included; a character that does not fit is dropped whole. */
static void escape_cap(void **state)
{
	char buf[8];

	assert_int_equal(vms_escape(buf, sizeof(buf), "0123456789", 10, VMS_ESC_TEXT), 7);
	assert_string_equal(buf, "0123456");
	assert_int_equal(vms_escape(buf, 4, "ab\x1b" "cd", 5, VMS_ESC_TEXT), 3);
	assert_string_equal(buf, "ab?");
	assert_int_equal(vms_escape(buf, 5, "ab\xff", 3, VMS_ESC_UTF8), 2);	/* U+FFFD: 3 bytes */
	assert_string_equal(buf, "ab");
	assert_int_equal(vms_escape(buf, 1, "abc", 3, VMS_ESC_TEXT), 0);
	assert_string_equal(buf, "");
	assert_int_equal(vms_escape(buf, 0, "abc", 3, VMS_ESC_TEXT), 0);
	/* comm: 16 bytes, no NUL: len is the bound, not a NUL */
	assert_int_equal(vms_escape(buf, sizeof(buf), "ab\x1b" "zzzzzzzz", 3, VMS_ESC_TEXT), 3);
	assert_string_equal(buf, "ab?");
}

/* Whether s holds no control character: no byte < 0x20, no 0x7f; and no C1: raw 0x80..0x9f
 * outside UTF-8, U+0080..U+009F (\xc2\x80..\xc2\x9f) in UTF-8, which must then be valid. */
static bool clean(const char *s, size_t n, bool utf8)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < n;) {
		int k;

		if (u[i] < 0x20 || u[i] == 0x7f || (!utf8 && u[i] >= 0x80 && u[i] < 0xa0))
			return false;
		if (!utf8 || u[i] < 0x80) {
			i++;
			continue;
		}
		k = utf8_seq_len(u + i);
		if (!k || (u[i] == 0xc2 && u[i + 1] < 0xa0))
			return false;
		i += (size_t)k;
	}
	return true;
}

/* Random bytes, biased to the dangerous ones, in every mode and both locales. */
static void escape_property(void **state)
{
	static const unsigned char pick[] = { 0x1b, 0x07, 0x7f, 0x9b, 0xc2, 0x80, 0x9f, 0xe2, 0x0a,
					      0x0d, 0x09, 0x00, 0xff, 0xf0, 0xa0, '[', 'a' };
	static const char *const locales[] = { "C", "C.UTF-8" };
	unsigned seed = 20;
	char src[64], dst[3 * 64 + 1];

	for (size_t l = 0; l < 2; l++) {
		assert_non_null(setlocale(LC_ALL, locales[l]));
		for (int iter = 0; iter < 20000; iter++) {
			size_t len = (size_t)(rand_r(&seed) % 24);

			for (size_t i = 0; i < len; i++)
				src[i] = (char)(rand_r(&seed) % 3 ? pick[rand_r(&seed) % sizeof(pick)]
								  : rand_r(&seed) % 256);
			for (int m = VMS_ESC_BYTES; m <= VMS_ESC_UTF8; m++) {
				size_t n = vms_escape(dst, sizeof(dst), src, len, (enum vms_esc)m);
				bool utf8 = m == VMS_ESC_UTF8 || (m != VMS_ESC_BYTES && l == 1);

				assert_int_equal(strlen(dst), n);
				assert_true(n <= (m == VMS_ESC_UTF8 ? 3 * len : len));
				if (!clean(dst, n, utf8)) {
					show("input ", src, len);
					show(" gave ", dst, n);
					fprintf(stderr, " (mode %d, %s)\n", m, locales[l]);
					fail_msg("a control character came out raw");
				}
			}
		}
	}
	setlocale(LC_ALL, "C");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(escape_c_locale, c_locale),
		cmocka_unit_test_setup(escape_utf8_locale, utf8_locale),
		cmocka_unit_test_setup(escape_whole_characters, utf8_locale),
		cmocka_unit_test(escape_ascii),
		cmocka_unit_test_setup(escape_every_position, c_locale),
		cmocka_unit_test_setup(escape_cap, utf8_locale),
		cmocka_unit_test(escape_property),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
