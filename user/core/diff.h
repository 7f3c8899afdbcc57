/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What changed between two snapshots of a process (`vmscope diff`): regions added, removed,
 * moved, grown, shrunk, with protection changed, or only resident/dirty/swap changed, matched
 * by identity; and the same per region type. Pure: two region lists in, a change list out.
 *
 * Matching, in order: (1) the same start address, both anonymous or both the same file (dev,
 * inode, name); (2) a file mapping at a new address: the same file and offset (mremap moves);
 * (3) an anonymous mapping at a new address: the same size, permissions and name, the closest
 * in resident size, then in address. What is left is added or removed. A VMA split (mprotect of
 * a part) shows as the old region shrunk or changed plus new regions added; a move that also
 * resizes an anonymous region shows as removed + added.
 */
#ifndef VMS_DIFF_H
#define VMS_DIFF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "region.h"

enum {
	DIFF_ADDED = 1u << 0,
	DIFF_REMOVED = 1u << 1,
	DIFF_MOVED = 1u << 2,
	DIFF_GROWN = 1u << 3,
	DIFF_SHRUNK = 1u << 4,
	DIFF_PROT = 1u << 5,
	DIFF_ACCT = 1u << 6,	/* resident, dirty or swap changed (nothing else) */
	DIFF_SPLIT = 1u << 7,	/* a part of a region before (mprotect, munmap, madvise of a part) */
	DIFF_MERGED = 1u << 8,	/* now a part of a region after (its neighbour grew over it) */
};
#define DIFF_N_WHAT 9

struct diff_entry {
	const struct vms_region *a, *b;	/* before, after (NULL: added / removed) */
	const struct vms_region *from;	/* DIFF_SPLIT without a: the region before it was part of;
					 * DIFF_MERGED without b: the region after it is part of */
	const char *kind;		/* region_kinds() of b, else of a */
	unsigned what;			/* DIFF_* */
	int64_t d_size;			/* bytes */
	int64_t d_rss, d_dirty, d_swap;	/* kB */
};

#define DIFF_N_KINDS 9
extern const char *const diff_kinds[DIFF_N_KINDS];

struct diff_type {
	const char *kind;
	uint64_t size[2], rss[2], dirty[2], swap[2];	/* before, after: bytes, kB, kB, kB */
	unsigned count[2];
};

struct vms_diff {
	struct diff_entry *e;		/* largest change first */
	size_t n;
	struct diff_type types[DIFF_N_KINDS + 1];	/* largest change first; the last: "total" */
	unsigned n_what[DIFF_N_WHAT];	/* entries with each DIFF_* bit */
	bool acct;			/* both snapshots have accounting */
	bool same_process;		/* pid, start time and boot id agree */
};

/* all: also the regions that did not change. */
void diff_compute(const struct vms_snapshot *a, const struct vms_snapshot *b, bool all,
		  struct vms_diff *d);
void diff_free(struct vms_diff *d);
void diff_print_text(FILE *f, const struct vms_snapshot *a, const struct vms_snapshot *b,
		     const struct vms_diff *d);
void diff_print_json(FILE *f, const struct vms_snapshot *a, const struct vms_snapshot *b,
		     const struct vms_diff *d);
/* after - before as a signed number, clamped (values from a file can be anything). */
int64_t diff_delta(uint64_t after, uint64_t before);
/* "moved+grown" for DIFF_* bits, into buf. */
const char *diff_what_str(unsigned what, char *buf, size_t len);
/* Per-kind sums of one snapshot (size bytes, rss/dirty/swap kB), index as diff_kinds, the
 * last (DIFF_N_KINDS) the total: for timelines. */
void diff_type_sums(const struct vms_snapshot *s, struct diff_type out[DIFF_N_KINDS + 1], int side);

#endif
