/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The native snapshot format (.vms), byte level: a fixed header and a stream of tagged,
 * length-prefixed records, every field of struct vms_snapshot round-tripping exactly. Pure (no
 * zlib, no files): user/snapshot/ compresses the payload and reads/writes files. The layout is
 * specified in docs/snapshot-format.md; this code is its reference.
 */
#ifndef VMS_SNAP_CODEC_H
#define VMS_SNAP_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "region.h"

#define VMS_SNAP_MAGIC "\x89VMSNAP\n"	/* 8 bytes: binary (0x89), "VMSNAP", a newline */
#define VMS_SNAP_MAJOR 1		/* an incompatible change bumps it: readers refuse others */
#define VMS_SNAP_MINOR 1		/* new optional records or fields: readers skip what they
					 * do not know (1: THREAD 5..8, HEAD 11..13, MOVE) */
#define VMS_SNAP_HDR_LEN 24
#define VMS_SNAP_FLAG_ZLIB 1u		/* the payload is one zlib stream (always, for now) */
/* Bounds of a reader: the decompressed payload, and zlib's best ratio (~1032:1, a stream of
 * one repeated byte) to refuse a header that announces more than its compressed bytes can
 * hold. Decoding allocates at most ~40 bytes per payload byte (a region struct per record). */
#define VMS_SNAP_MAX_RAW (256u << 20)
#define VMS_SNAP_MAX_RATIO 1100u
#define VMS_SNAP_MAX_KEYS 512
#define VMS_SNAP_MAX_MOVES 4096	/* move records a reader takes (a writer writes at most 64) */

/* One mremap that moved a range, from the live model's move log (bpf/vmscope.h vms_move). */
struct vms_snapmove {
	uint64_t seq;		/* the process's moves counted after it (1, 2, ...) */
	uint64_t old_start, old_len;
	uint64_t new_start, new_len;
	uint64_t time_ns;	/* CLOCK_REALTIME (0: unknown) */
};

/* Where and when a snapshot was taken: what the region list itself does not say. */
struct vms_snapmeta {
	char *backend;		/* the backend that read it (s->backend points here) */
	char *boot_id;		/* /proc/sys/kernel/random/boot_id: pid + start time + boot id
				 * name one process for ever */
	char *kernel;		/* uname: "Linux 6.18.0 #1 SMP ... x86_64" */
	char *hostname;
	uint64_t time_ns;	/* CLOCK_REALTIME when it was taken */
	uint32_t shm_minor;	/* the system's shmem device minor (pmap's shmid= labels) */
	bool has_faults;	/* fault counts were asked for and are in the regions */
	/* The live model's position when it was taken (0: no model, or not tracking it): which
	 * instance (a restarted model has another id), how many moves of the process it had
	 * counted, and the last of them it kept, seq ascending, all <= move_seq. `vmscope diff`
	 * follows regions moved between two snapshots with them (diff.h). */
	uint64_t model_id;
	uint64_t move_seq;
	struct vms_snapmove *moves;
	size_t n_moves;
	uint16_t major, minor;	/* the format version it was read from */
};

struct vms_buf {
	uint8_t *p;
	size_t len, cap;
};

void buf_free(struct vms_buf *b);

void snapmeta_free(struct vms_snapmeta *m);
struct vms_snapmeta *snapmeta_dup(const struct vms_snapmeta *m);

/* The 24-byte header: magic, major, minor, flags, payload length (decompressed), payload
 * length (stored): all little-endian. */
void snap_header_write(uint8_t out[VMS_SNAP_HDR_LEN], uint64_t raw_len, uint64_t stored_len);
/* Checks a header against the file's size. 0, or -EINVAL with *why set (a static string). */
int snap_header_parse(const uint8_t *p, size_t file_len, uint64_t *raw_len, uint64_t *stored_len,
		      uint16_t *major, uint16_t *minor, const char **why);
/* Whether these bytes start like a snapshot (the magic). */
bool snap_is_snapshot(const uint8_t *p, size_t len);

/* The payload of s (s->meta must be set). */
void snap_encode(const struct vms_snapshot *s, struct vms_buf *out);
/* The payload back into s (snapshot_init'd; s->meta allocated, s->backend points into it).
 * 0, or -EINVAL with why[] saying what is wrong and where; s is then freed. */
int snap_decode(const uint8_t *p, size_t len, struct vms_snapshot *s, char *why, size_t whylen);

#endif
