/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the pictures of an address space share (--format svg, html and picture): the list of
 * regions and the gaps between them, the colour of each region type, sizes as vmmap writes them,
 * the /proc/PID/maps line of a region, and markup escaping.
 *
 * The axis (decided here, documented in README "Pictures"): addresses grow upwards (the stack
 * at the top, the executable at the bottom, as procmap and textbook diagrams draw them). Each
 * region gets a height that grows with log2 of its size, from a minimum that holds one line of
 * text, so that a 4 KiB guard page and a 1 GiB heap are both visible; a gap (free address space)
 * is drawn as a hatched band whose height grows more slowly with log2 of its size (a 100 TiB
 * hole does not push the rest off the page) and is labelled with its size. The order and the
 * adjacency of regions are exact; only lengths are compressed.
 */
#ifndef VMS_FORMAT_PICTURE_H
#define VMS_FORMAT_PICTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "classify.h"
#include "format/format.h"

/* A region type's colour: kind is region_kinds()'s name, label the legend's text. */
struct pic_color {
	const char *kind;
	const char *label;
	const char *fill;	/* CSS colour */
	int ansi;		/* xterm-256 background */
};

/* The colour of a kind. A kind this table does not know yet (the classifier may grow) still gets
 * a colour, one of a few spares chosen by its name, and its own name as its label. */
const struct pic_color *pic_color(const char *kind);
/* Whether the table has a colour of its own for kind. */
bool pic_known(const char *kind);
/* The table itself, for legends in a fixed order (NULL-terminated; "free" is last). */
extern const struct pic_color pic_colors[];

enum pic_gap { PIC_REGION, PIC_FREE, PIC_TOP /* the hole above user space (crosses 2^63) */ };

struct pic_item {
	uint64_t start, end;
	enum pic_gap what;
	size_t idx;		/* PIC_REGION: index in the snapshot */
	const char *kind;	/* "free" for gaps */
	const struct vms_class *cls;	/* PIC_REGION: its class; NULL for gaps */
};

/* The regions in o's range and the gaps between them, highest address first. Without a range the
 * free space below the lowest region is a gap too (with one, what lies outside it is unknown).
 * cls: region_classify(s). Returns the count; free(*out). */
size_t pic_items(const struct vms_snapshot *s, const struct format_opts *o,
		 const struct vms_class *cls, struct pic_item **out);
/* The largest free gap, and the sum of the regions' sizes, over items. */
void pic_totals(const struct pic_item *it, size_t n, uint64_t *mapped, uint64_t *largest_free);

/* The mapped bytes of each type over items, in pic_colors' order and then the kinds it does not
 * know (as they came); out holds PIC_MAX_TYPES. Returns the count. Free space is not a type here. */
enum { PIC_MAX_TYPES = 24 };
struct pic_type_total {
	const char *kind;
	uint64_t bytes;
};
size_t pic_type_totals(const struct pic_item *it, size_t n, struct pic_type_total *out);
/* "412 regions, 1.2G mapped, largest free block 26.8T, from procfs" (plain ASCII). */
void pic_summary(FILE *f, const struct vms_snapshot *s, const struct pic_item *it, size_t n);
/* floor(log2(bytes / 4096)), 0 for a page or less. */
unsigned pic_log2_pages(uint64_t bytes);
/* vmmap's sizes: "4K", "132K", "70.8M", "2.0G", "26.8T" (powers of 1024). */
void pic_size(char *buf, size_t cap, uint64_t bytes);
/* The text a picture labels a region with: a file's basename (its path with -p), the kernel's
 * name otherwise ("[heap]", "[anon:x]"); without one, a thread's stack and its guard as illumos
 * labels them ("[stack tid=N]", "[guard tid=N]"), else "[anon]". Not escaped; may be buf. */
const char *pic_label(const struct vms_region *r, const struct vms_class *c,
		      const struct format_opts *o, char *buf, size_t cap);
/* The region's line of /proc/PID/maps (without the newline), name raw. malloc'd. */
char *pic_maps_line(const struct vms_region *r);

/* Markup (XML and HTML) text: valid UTF-8 (a byte that is not is U+FFFD), no control character
 * (they become '?', as everywhere, escape.h), & < > " ' as entities. At most max_chars
 * characters (0: all), an ellipsis marking a cut. Safe in element content and quoted attributes. */
void markup_text(FILE *f, const char *s, size_t max_chars);

/* The kinds a drawing used, for its legend: pic_colors' in their order, then the others. */
struct pic_legend {
	bool known[16];
	char *other[8];
	size_t n_other;
};
void pic_legend_add(struct pic_legend *l, const char *kind);
void pic_legend_free(struct pic_legend *l);

/* The SVG drawing of one process, as a <g> translated to (x, y); its size in *w, *h. With
 * for_html the regions carry data-row attributes (their row in the table, counted from 0).
 * Adds the kinds it drew to l. */
void pic_svg_process(FILE *f, const struct vms_snapshot *s, const struct format_opts *o,
		     double x, double y, bool for_html, struct pic_legend *l, double *w, double *h);
/* The legend of l as a <g> at (x, y), wrapped at width; returns its height. resident: add the
 * key of the resident overlay (drawings with accounting). */
double pic_svg_legend(FILE *f, const struct pic_legend *l, bool resident, double x, double y,
		      double width);
/* The <defs> the drawings use (the hatching of gaps), and their CSS: once per <svg>. */
void pic_svg_defs(FILE *f);

/* The documents (svg, html) are written at the end, when all processes are known (the title
 * names them; the SVG's size and legend cover them all): the processes' parts go to body
 * meanwhile. */
struct pic_doc {
	FILE *body;
	char *buf;
	size_t len;
	struct pic_legend legend;
	double width, height;	/* of the drawings so far */
	bool resident;		/* some drawing has the resident overlay */
	unsigned n_procs;
	pid_t pids[4];		/* the first ones, for the title */
	char comms[4][64];
};
/* st's document, made at the first call (the process s is counted in its title). */
struct pic_doc *pic_doc_add(struct format_state *st, const struct vms_snapshot *s);
/* The document's title, escaped: "vmscope: PID 1234 (comm)", "vmscope: PID 1 (a), PID 2 (b)",
 * "vmscope: no process". */
void pic_doc_title(FILE *f, const struct pic_doc *d);
/* Closes body (d->buf, d->len then hold it); NULL-safe. */
void pic_doc_close(struct pic_doc *d);
void pic_doc_free(struct format_state *st);

#endif
