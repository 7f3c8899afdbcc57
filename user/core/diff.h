/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What changed between two snapshots of a process (`vmscope diff`): regions added, removed,
 * moved, grown, shrunk, with protection changed, or only resident/dirty/swap changed, matched
 * by identity; and the same per region type. Pure: two region lists in, a change list out.
 *
 * Matching, in order: (0) the live model's events, when it ran between the two (below): a region
 * whose start a chain of mremap moves carried to the start of a region after, of its kind;
 * (1) the same start address, both anonymous or both the same file (dev, inode, name); (2) a
 * file mapping at a new address: the same file and offset (mremap moves); (3) an anonymous
 * mapping at a new address: the same size, permissions and name, the closest in resident size,
 * then in address. What is left is added or removed. A VMA split (mprotect of a part) shows as
 * the old region shrunk or changed plus new regions added. Without the model's events, a move
 * that also resizes an anonymous region shows as removed + added.
 *
 * The events: each snapshot taken while the model ran and tracked the process holds its
 * position (the model instance, the process's move count) and the last moves the model logged
 * (codec.h: vms_snapmeta). They are used when both snapshots are of one process and one model
 * instance and the later one's log holds every move between the two positions; the moves are
 * plain data (diff_events()), so that the matching stays pure.
 */
#ifndef VMS_DIFF_H
#define VMS_DIFF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "region.h"
#include "snapshot/codec.h"

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

/* How a region before and one after were matched (diff_entry.matched). */
enum diff_match { DIFF_BY_NONE, DIFF_BY_ADDRESS, DIFF_BY_FILE, DIFF_BY_SIZE, DIFF_BY_MODEL };

/* The moves between two snapshots, in the order they happened (oldest first). */
struct diff_moves {
	struct vms_snapmove *m;		/* malloc'd (diff_moves_free) */
	size_t n;
};

/* Whether the model's events can be used for a -> b: 1 with mv filled (perhaps no move); 0 when
 * not, with nothing worth a line (no position in either, or in one only: why[] may say); -1
 * when not, why[] one line saying why (a restarted model, moves the log no longer holds). An a
 * taken after b (diff B A) uses a's log, each move inverted, newest first. */
int diff_events(const struct vms_snapshot *a, const struct vms_snapshot *b, struct diff_moves *mv,
		char *why, size_t len);
void diff_moves_free(struct diff_moves *mv);

struct diff_entry {
	const struct vms_region *a, *b;	/* before, after (NULL: added / removed) */
	const struct vms_region *from;	/* DIFF_SPLIT without a: the region before it was part of;
					 * DIFF_MERGED without b: the region after it is part of */
	const char *kind;		/* region_kinds() of b, else of a */
	unsigned what;			/* DIFF_* */
	unsigned matched;		/* enum diff_match (a and b set); DIFF_BY_MODEL without b:
					 * removed, replaced by a move onto it (not merged) */
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
	int events;			/* diff_events(): 1 used, 0 none, -1 not usable */
	size_t n_moves;			/* used: the moves between the two */
	unsigned n_by_model;		/* entries matched by them */
	char events_why[200];		/* not usable: why */
};

/* all: also the regions that did not change. The model's events as diff_events() finds them. */
void diff_compute(const struct vms_snapshot *a, const struct vms_snapshot *b, bool all,
		  struct vms_diff *d);
/* The same with the moves given (NULL: none), for tests and other sources of events. */
void diff_compute_moves(const struct vms_snapshot *a, const struct vms_snapshot *b,
			const struct diff_moves *mv, bool all, struct vms_diff *d);
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
