// SPDX-License-Identifier: BSD-2-Clause
/*
 * --format svg: a picture of the address space (like VMMap's fragmentation view), one column per
 * process side by side in one document, a legend on top. The axis is picture.h's: high addresses
 * at the top, heights growing with log2 of the size, gaps hatched and labelled. Hovering a region
 * shows its /proc/PID/maps line (<title>). The drawing of one process is shared with html.c.
 */
#include <stdlib.h>
#include <string.h>

#include "format/picture.h"
#include "classify.h"
#include "util.h"

/* One process column: address labels | bar | size, perms, name. */
enum { COL_W = 780, ADDR_X = 122, BAR_X = 128, BAR_W = 150, SIZE_X = 334, PERM_X = 342,
       NAME_X = 380, NAME_CHARS = 64, HEAD_H = 48, MARGIN = 16 };
/* Beside html's table, which has the full names: a narrower drawing without a heading. */
enum { HTML_COL_W = 560, HTML_NAME_CHARS = 26, HTML_HEAD_H = 6 };

/* Heights (see picture.h): a page is one line of text, each doubling adds 2.5 px to a region
 * and 0.75 px to a gap. */
static double region_h(uint64_t size)
{
	return 14 + 2.5 * pic_log2_pages(size);
}

static double gap_h(const struct pic_item *it)
{
	return it->what == PIC_TOP ? 22 : 12 + 0.75 * pic_log2_pages(it->end - it->start);
}

void pic_svg_defs(FILE *f)
{
	fputs("<defs><pattern id=\"vms-free\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
	      "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#f3f4f6\"/>"
	      "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#d0d4da\" stroke-width=\"2\"/>"
	      "</pattern></defs>\n"
	      "<style>"
	      ".vt{font:600 14px system-ui,sans-serif;fill:#1f2328}"
	      ".vs,.vl{font:11px system-ui,sans-serif;fill:#57606a}"
	      ".va,.vz{font:10px ui-monospace,monospace;fill:#6e7781;text-anchor:end}"
	      ".vz{font-size:11px;fill:#424a53}"
	      ".vp{font:11px ui-monospace,monospace;fill:#424a53}"
	      ".vn{font:12px system-ui,sans-serif;fill:#1f2328}"
	      ".vf{font:italic 11px system-ui,sans-serif;fill:#8c959f}"
	      ".vb{stroke:#fff;stroke-width:1}"
	      ".vr:hover .vb,.vr.sel .vb{stroke:#1f2328;stroke-width:2}"
	      ".vr.sel .vn{font-weight:600}"
	      ".vres{fill:#1f2328;fill-opacity:.28;pointer-events:none}"
	      "</style>\n", f);
}

static void addr_label(FILE *f, double y, uint64_t addr)
{
	fprintf(f, "<text class=\"va\" x=\"%d\" y=\"%.1f\">0x%012llx</text>\n", ADDR_X, y + 3.5,
		(unsigned long long)addr);
}

static void draw_region(FILE *f, const struct vms_snapshot *s, const struct format_opts *o,
			const struct pic_item *it, double y, double h, int row)
{
	const struct vms_region *r = &s->regions[it->idx];
	char *line = pic_maps_line(r), size[32], label[48];
	double mid = y + h / 2 + 4;

	pic_size(size, sizeof(size), r->end - r->start);
	fputs("<g class=\"vr\"", f);
	if (row >= 0)
		fprintf(f, " data-row=\"%d\"", row);
	fputs("><title>", f);
	markup_text(f, line, 0);
	fprintf(f, "</title><rect class=\"vb\" x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" "
		"fill=\"%s\"/>", BAR_X, y, BAR_W, h, pic_color(it->kind)->fill);
	if (s->has_acct && !s->acct_absent) { /* a core file has no Rss: no strip */
		/* the resident share, from the left */
		uint64_t rss = region_acct(s, r, ACCT_RSS) << 10, sz = r->end - r->start;
		double w = BAR_W * (rss >= sz ? 1.0 : (double)rss / (double)sz);

		if (w > 0)
			fprintf(f, "<rect class=\"vres\" x=\"%d\" y=\"%.1f\" width=\"%.1f\" "
				"height=\"%.1f\"/>", BAR_X, y + 0.5, w, h - 1);
	}
	fprintf(f, "<text class=\"vz\" x=\"%d\" y=\"%.1f\">%s</text>"
		"<text class=\"vp\" x=\"%d\" y=\"%.1f\">%s</text><text class=\"vn\" x=\"%d\" "
		"y=\"%.1f\">", SIZE_X, mid, size, PERM_X, mid, r->perms, NAME_X, mid);
	markup_text(f, pic_label(r, it->cls, o, label, sizeof(label)),
		    row >= 0 ? HTML_NAME_CHARS : NAME_CHARS);
	fputs("</text></g>\n", f);
	free(line);
}

static void draw_gap(FILE *f, const struct pic_item *it, double y, double h)
{
	char size[32];

	pic_size(size, sizeof(size), it->end - it->start);
	fprintf(f, "<g class=\"vg\"><title>%s 0x%llx-0x%llx (%s)</title><rect x=\"%d\" y=\"%.1f\" "
		"width=\"%d\" height=\"%.1f\" fill=\"url(#vms-free)\"/><text class=\"vf\" x=\"%d\" "
		"y=\"%.1f\">", it->what == PIC_TOP ? "end of user space," : "free",
		(unsigned long long)it->start, (unsigned long long)it->end, size, BAR_X, y, BAR_W, h,
		PERM_X, y + h / 2 + 4);
	if (it->what == PIC_TOP)
		fputs("end of user space", f);
	else
		fprintf(f, "free %s", size);
	fputs("</text></g>\n", f);
}

/* One part of the summary bar, at *x (moved past it). */
static void summary_part(FILE *f, const struct pic_type_total *t, uint64_t total, double *x,
			 double y, double width)
{
	const struct pic_color *c = pic_color(t->kind);
	double w = width * (double)t->bytes / (double)total;
	char size[32];

	pic_size(size, sizeof(size), t->bytes);
	fprintf(f, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"10\" fill=\"%s\"><title>",
		BAR_X + *x, y, w, c->fill);
	markup_text(f, c->label, 40);
	fprintf(f, ": %s, %.1f%% of the mapped space</title></rect>\n", size,
		100.0 * (double)t->bytes / (double)total);
	*x += w;
}

/* VMMap's summary graph: one bar, the mapped bytes split by type (the legend's order, then the
 * kinds this table does not know), each part titled with its type, size and share. Free space
 * is not in it. Returns the height it took. */
static double summary_bar(FILE *f, const struct pic_item *it, size_t n, double y, double width)
{
	struct pic_type_total t[PIC_MAX_TYPES];
	size_t nt = pic_type_totals(it, n, t);
	uint64_t total = 0;
	double x = 0;

	for (size_t k = 0; k < nt; k++)
		total += t[k].bytes;
	if (!total)
		return 0;
	for (size_t k = 0; k < nt; k++)
		summary_part(f, &t[k], total, &x, y, width);
	fprintf(f, "<text class=\"va\" x=\"%d\" y=\"%.1f\">by type</text>\n", ADDR_X, y + 8.5);
	return 22;
}

void pic_svg_process(FILE *f, const struct vms_snapshot *s, const struct format_opts *o,
		     double x, double y, bool for_html, struct pic_legend *l, double *w, double *h)
{
	struct vms_class *cls = region_classify(s);
	struct pic_item *it;
	size_t n = pic_items(s, o, cls, &it);
	unsigned n_regions = 0;
	double cy = for_html ? HTML_HEAD_H : HEAD_H;
	int row = 0;

	for (size_t i = 0; i < n; i++)
		n_regions += it[i].what == PIC_REGION;
	fprintf(f, "<g class=\"vproc\" transform=\"translate(%.1f,%.1f)\">\n", x, y);
	if (!for_html) { /* html has it as a heading */
		fprintf(f, "<text class=\"vt\" x=\"0\" y=\"16\">PID %d: ", (int)s->proc.pid);
		markup_text(f, s->proc.cmdline ? s->proc.cmdline : s->proc.comm, 90);
		fputs("</text>\n<text class=\"vs\" x=\"0\" y=\"35\">", f);
		pic_summary(f, s, it, n);
		fputs("</text>\n", f);
	}
	cy += summary_bar(f, it, n, cy, (for_html ? HTML_COL_W : COL_W) - BAR_X - 16);
	if (n)
		addr_label(f, cy, it[0].end);
	for (size_t i = 0; i < n; i++) {
		double ih = it[i].what == PIC_REGION ? region_h(it[i].end - it[i].start)
						    : gap_h(&it[i]);

		if (it[i].what == PIC_REGION)
			/* the table lists regions from the lowest address: row numbers count up */
			draw_region(f, s, o, &it[i], cy, ih, for_html ? (int)(n_regions - 1) - row++ : -1);
		else
			draw_gap(f, &it[i], cy, ih);
		pic_legend_add(l, it[i].kind);
		cy += ih;
		addr_label(f, cy, it[i].start);
	}
	if (!n)
		fprintf(f, "<text class=\"vf\" x=\"%d\" y=\"%.0f\">no regions</text>\n", BAR_X, cy + 14);
	fputs("</g>\n", f);
	*w = for_html ? HTML_COL_W : COL_W;
	*h = cy + 12;
	free(it);
	free(cls);
}

/* One key of the legend at (*cx, *cy), wrapping at width; f NULL only measures. */
static void legend_key(FILE *f, double *cx, double *cy, double width, const char *fill,
		       const char *label, bool resident)
{
	double ew = 30 + 6.5 * (double)(strlen(label) < 40 ? strlen(label) : 40);

	if (*cx + ew > width && *cx > 0) {
		*cx = 0;
		*cy += 18;
	}
	if (f) {
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" rx=\"2\" "
			"fill=\"%s\" stroke=\"#8c959f\" stroke-width=\".5\"/>", *cx, *cy, fill);
		if (resident)
			fprintf(f, "<rect class=\"vres\" x=\"%.1f\" y=\"%.1f\" width=\"6\" "
				"height=\"12\"/>", *cx, *cy);
		fprintf(f, "<text class=\"vl\" x=\"%.1f\" y=\"%.1f\">", *cx + 17, *cy + 10);
		markup_text(f, label, 40);
		fputs("</text>\n", f);
	}
	*cx += ew;
}

double pic_svg_legend(FILE *f, const struct pic_legend *l, bool resident, double x, double y,
		      double width)
{
	double cx = 0, cy = 0;

	if (f)
		fprintf(f, "<g class=\"vlegend\" transform=\"translate(%.1f,%.1f)\">\n", x, y);
	for (size_t i = 0; pic_colors[i].kind && i < ARRAY_SIZE(l->known); i++)
		if (l->known[i])
			legend_key(f, &cx, &cy, width, !strcmp(pic_colors[i].kind, "free")
				   ? "url(#vms-free)" : pic_colors[i].fill, pic_colors[i].label, false);
	for (size_t j = 0; j < l->n_other; j++)
		legend_key(f, &cx, &cy, width, pic_color(l->other[j])->fill, l->other[j], false);
	if (resident)
		legend_key(f, &cx, &cy, width, pic_color("private")->fill, "darker: resident share", true);
	if (f)
		fputs("</g>\n", f);
	return cy + 18;
}

static bool svg_needs_accounting(const struct format_opts *o)
{
	return o->mode == PMAP_EXTENDED || o->mode == PMAP_X || o->mode == PMAP_XX;
}

static void svg_print(FILE *f, const struct vms_snapshot *s, const struct format_opts *o,
		      struct format_state *st)
{
	struct pic_doc *d = pic_doc_add(st, s);
	double w, h;

	pic_svg_process(d->body, s, o, d->width, 0, false, &d->legend, &w, &h);
	d->width += w;
	if (h > d->height)
		d->height = h;
	d->resident |= s->has_acct && !s->acct_absent;
	st->n_done++;
}

static void svg_finish(FILE *f, const struct format_opts *o, struct format_state *st)
{
	struct pic_doc *d = st->priv;
	struct pic_legend none = { 0 };
	const struct pic_legend *l = d ? &d->legend : &none;
	bool res = d && d->resident;
	double inner = d && d->width > 0 ? d->width : 400, lh = pic_svg_legend(NULL, l, res, 0, 0, inner);
	double w = inner + 2 * MARGIN, h = MARGIN + lh + 8 + (d ? d->height : 20) + MARGIN;

	pic_doc_close(d);
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%.0f\" "
		"height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">\n<title>", w, h, w, h);
	pic_doc_title(f, d);
	fputs("</title>\n", f);
	pic_svg_defs(f);
	fputs("<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n", f);
	pic_svg_legend(f, l, res, MARGIN, MARGIN, inner);
	fprintf(f, "<g transform=\"translate(%d,%.1f)\">\n", MARGIN, MARGIN + lh + 8);
	if (d && d->len)
		fwrite(d->buf, 1, d->len, f);
	else
		fputs("<text class=\"vf\" x=\"0\" y=\"14\">no process could be read</text>\n", f);
	fputs("</g>\n</svg>\n", f);
	pic_doc_free(st);
}

const struct vms_format format_svg = {
	.name = "svg",
	.summary = "an SVG picture of the address space (regions to a log scale, gaps, types)",
	.needs_accounting = svg_needs_accounting,
	.needs = format_needs_threads,
	.print = svg_print,
	.finish = svg_finish,
};
