/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Formats turn region lists into text. They read no files and ask the system nothing: all they
 * need is in the snapshot and the options. Adding one = one new file + one entry in format.c.
 */
#ifndef VMS_FORMAT_H
#define VMS_FORMAT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "region.h"

enum pmap_mode { PMAP_DEFAULT, PMAP_EXTENDED /* -x */, PMAP_DEVICE /* -d */, PMAP_X /* -X */,
		 PMAP_XX /* -XX */ };

struct format_opts {
	enum pmap_mode mode;
	bool quiet;		/* -q */
	bool show_path;		/* -p */
	bool kernel_names;	/* -k */
	bool faults;		/* --faults: fault counts per region */
	uint64_t range_low;	/* -A LOW[,HIGH]; everything when not given */
	uint64_t range_high;
	bool color;		/* --format picture: ANSI colours (a terminal, no --no-color/NO_COLOR) */
	unsigned shm_minor;	/* device minor of SysV shm segments (procps labels them shmid=) */
	bool full;		/* json: every field of the snapshot, for `snapshot import` */
	/* macOS vmmap (--format vmmap, vmmap-summary) */
	bool vm_resident;	/* -resident: VSIZE RSDNT DIRTY SWAP, where the default is VSIZE */
	bool vm_pages;		/* -pages: sizes in pages instead of bytes */
	bool vm_no_coalesce;	/* -noCoalesce: one row per region (adjacent alike ones merge) */
	bool vm_interleaved;	/* -interleaved: one section in address order */
	/* illumos pmap (--format illumos, which these options choose) */
	bool il_lgroup;		/* -L: NUMA node per run */
	bool il_pagesize;	/* -s: page size per run */
	bool il_swap;		/* -S: swap used and commit charge */
	bool il_reserved;	/* -r: only reserved ranges (PROT_NONE, MAP_NORESERVE) */
	bool il_shared_anon;	/* -a: count shared anonymous memory as Anon (and its swap) */
};

/* What a format needs in the snapshot beyond the regions (vms_format.needs). */
enum { FMT_NEED_THREADS = 1u << 0, FMT_NEED_NUMA = 1u << 1, FMT_NEED_PAGESIZES = 1u << 2 };

/* State a format keeps from one process to the next (procps carries -X widths over). */
struct format_state {
	void *priv;
	unsigned n_done;	/* processes printed so far */
};

struct vms_format {
	const char *name;
	const char *summary;
	/* Whether the snapshot must carry smaps accounting. */
	bool (*needs_accounting)(const struct format_opts *o);
	/* FMT_NEED_* bits (may be NULL: none). */
	unsigned (*needs)(const struct format_opts *o);
	/* Prints one process. */
	void (*print)(FILE *f, const struct vms_snapshot *s, const struct format_opts *o,
		      struct format_state *st);
	/* A process that was found but whose regions cannot be shown (may be NULL). */
	void (*print_unreadable)(FILE *f, const struct vms_snapshot *s);
	/* Called once after the last process (may be NULL). Frees priv. */
	void (*finish)(FILE *f, const struct format_opts *o, struct format_state *st);
};

extern const struct vms_format *const vms_formats[];
const struct vms_format *format_find(const char *name);

extern const struct vms_format format_pmap, format_json, format_csv;
extern const struct vms_format format_vmmap, format_vmmap_summary, format_types, format_illumos;
/* The pictures of the address space (picture.h). */
extern const struct vms_format format_svg, format_html, format_picture;

/* Shared helpers. */
void format_opts_init(struct format_opts *o);
bool region_in_range(const struct format_opts *o, const struct vms_region *r);
/* The "PID:   cmdline" line every pmap-style format starts with. */
void print_pmap_header(FILE *f, const struct vms_snapshot *s);
/* -X/-XX (procps print_extended_maps), in pmap_ext.c. */
void pmap_ext_print(FILE *f, const struct vms_snapshot *s, const struct format_opts *o,
		    struct format_state *st);
void pmap_ext_finish(struct format_state *st);
/* map's rule for the views' options, for every CLI: -L -s -S -r -a print the illumos table
 * (*format pmap becomes illumos), and not with another format or with -d/-X; vmmap's options
 * need --format vmmap or vmmap-summary. 0, or -EINVAL with why[] the message. */
int format_check_views(const struct format_opts *o, const char **format, bool d_or_X, char *why,
		       size_t n);
/* FMT_NEED_THREADS: for the formats that classify (stacks carry their thread). */
unsigned format_needs_threads(const struct format_opts *o);

#endif
