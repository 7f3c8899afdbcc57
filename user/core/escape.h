/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The one escaper of text output. vmscope runs as root and prints what any user chooses: process
 * names, command lines, file names. Whatever the format, none of their control characters (C0,
 * DEL, C1) reaches the terminal: each becomes '?' (or '.', where procps prints one).
 */
#ifndef VMS_ESCAPE_H
#define VMS_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

enum vms_esc {
	/* procps pmap's Mapping column: byte by byte, what the locale's isprint() refuses is '?' */
	VMS_ESC_BYTES,
	/* procps escape_str (the "PID:   cmdline" line), byte for byte where procps escapes: in a
	 * UTF-8 locale characters pass and control characters are '?'; from a byte that is not
	 * UTF-8 on, and in other locales, bytes >= 0x80 are '?' and C0 and DEL '.'. Unlike procps,
	 * each character is checked whole (not by its first byte) and C1 controls are '?'. */
	VMS_ESC_CMDLINE,
	/* Every other text (pmap -X names, watch, log lines, status): VMS_ESC_CMDLINE with '?' for
	 * every control character. */
	VMS_ESC_TEXT,
	/* UTF-8 whatever the locale (CSV): control characters are '?', a byte that is not UTF-8 is
	 * U+FFFD. */
	VMS_ESC_UTF8,
};

/* Writes the escape of src[0, len) to dst (at most cap - 1 bytes and a NUL; a character that
 * does not fit is left out with all after it) and returns its length. The output is never longer
 * than len bytes (3 * len with VMS_ESC_UTF8). Printable ASCII is copied as is, at memcpy speed. */
size_t vms_escape(char *dst, size_t cap, const char *src, size_t len, enum vms_esc mode);
/* The same into a malloc'd string. */
char *vms_escape_dup(const char *src, size_t len, enum vms_esc mode);
/* Whether the locale's character set is UTF-8 (as procps decides it). */
bool vms_locale_utf8(void);

#endif
