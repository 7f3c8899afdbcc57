/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The printable strings of memory (`vmscope strings`, VMMap's Strings view), fed chunk by
 * chunk: runs of at least min printable ASCII characters (0x20..0x7e), or of UTF-16LE code
 * units in that range. Output is "ADDRESS STRING\n" lines, ASCII only, so nothing reaching a
 * terminal can be a control character. A long run streams out: memory is bounded by min.
 */
#ifndef VMS_STRSCAN_H
#define VMS_STRSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define STRSCAN_MAX_MIN 4096

struct strscan {
	FILE *out;
	unsigned min;
	bool utf16;
	uint64_t run_start;	/* address of the current run's first byte */
	size_t run;		/* characters in the current run */
	char pend[STRSCAN_MAX_MIN];
	uint64_t found;		/* strings printed */
};

void strscan_init(struct strscan *sc, FILE *out, unsigned min, bool utf16);
/* The bytes at address addr (contiguous with the previous feed unless strscan_break). For
 * UTF-16, chunks start at even addresses and hold an even number of bytes. */
void strscan_feed(struct strscan *sc, uint64_t addr, const uint8_t *p, size_t n);
/* A gap (region end, unreadable page): the current run ends. */
void strscan_break(struct strscan *sc);

#endif
