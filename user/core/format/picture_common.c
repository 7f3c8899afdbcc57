// SPDX-License-Identifier: BSD-2-Clause
/* What the address-space pictures share (picture.h; svg.c, html.c, picture.c): items,
 * colours, sizes, markup. */
#include "format/picture.h"

#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "util.h"

/* Distinct at a glance, readable under dark text, and close to VMMap's key where it has one
 * (Image purple, Mapped File blue, Heap orange, Private yellow, Shareable green). */
const struct pic_color pic_colors[] = {
	{ "image", "Image", "#a58be0", 141 },
	{ "mapped-file", "Mapped File", "#6fb5ea", 75 },
	{ "shareable", "Shareable", "#7ccc97", 114 },
	{ "heap", "Heap", "#f29a5e", 209 },
	{ "private", "Private", "#f4cf63", 221 },
	{ "stack", "Stack", "#ec7b82", 210 },
	{ "guard", "Guard", "#9aa0a8", 247 },
	{ "vdso", "vDSO", "#5fc9c4", 80 },
	{ "system", "System", "#c3c8d1", 252 },
	{ "free", "Free", "#f3f4f6", 255 },
	{ NULL, NULL, NULL, 0 },
};

/* Kinds a newer classifier adds: a colour each, chosen by name so that it is stable. */
static const struct pic_color spares[] = {
	{ NULL, NULL, "#d58ac4", 176 }, { NULL, NULL, "#a9c46a", 149 },
	{ NULL, NULL, "#d9ad7c", 180 }, { NULL, NULL, "#8d9fd8", 111 },
};

static int known_index(const char *kind)
{
	for (int i = 0; pic_colors[i].kind; i++)
		if (!strcmp(pic_colors[i].kind, kind))
			return i;
	return -1;
}

bool pic_known(const char *kind)
{
	return known_index(kind) >= 0;
}

const struct pic_color *pic_color(const char *kind)
{
	static __thread struct pic_color other;
	unsigned h = 5381;
	int i = known_index(kind);

	if (i >= 0)
		return &pic_colors[i];
	for (const char *p = kind; *p; p++)
		h = h * 33 + (unsigned char)*p;
	other = spares[h % ARRAY_SIZE(spares)];
	other.kind = other.label = kind;
	return &other;
}

void pic_legend_add(struct pic_legend *l, const char *kind)
{
	int i = known_index(kind);

	if (i >= 0 && (size_t)i < ARRAY_SIZE(l->known)) {
		l->known[i] = true;
		return;
	}
	for (size_t j = 0; j < l->n_other; j++)
		if (!strcmp(l->other[j], kind))
			return;
	if (l->n_other < ARRAY_SIZE(l->other))
		l->other[l->n_other++] = xstrdup(kind);
}

void pic_legend_free(struct pic_legend *l)
{
	for (size_t j = 0; j < l->n_other; j++)
		free(l->other[j]);
	l->n_other = 0;
}

size_t pic_items(const struct vms_snapshot *s, const struct format_opts *o,
		 const struct vms_class *cls, struct pic_item **out)
{
	bool whole = o->range_low == 0 && o->range_high == UINT64_MAX;
	struct pic_item *it = xcalloc(2 * s->n + 1, sizeof(*it));
	uint64_t prev_end = 0;
	bool first = true;
	size_t n = 0;

	/* ascending first (the snapshot's order), reversed at the end */
	for (size_t i = 0; i < s->n; i++) {
		const struct vms_region *r = &s->regions[i];

		if (!region_in_range(o, r))
			continue;
		if ((first && whole && r->start > 0) || (!first && r->start > prev_end)) {
			it[n++] = (struct pic_item){
				.start = prev_end, .end = r->start, .kind = "free",
				.what = prev_end < (1ull << 63) && r->start >= (1ull << 63) ? PIC_TOP
											    : PIC_FREE,
			};
		}
		it[n++] = (struct pic_item){ .start = r->start, .end = r->end, .what = PIC_REGION,
					     .idx = i, .kind = cls[i].kind, .cls = &cls[i] };
		if (r->end > prev_end || first)
			prev_end = r->end;
		first = false;
	}
	for (size_t i = 0; i < n / 2; i++) {
		struct pic_item t = it[i];

		it[i] = it[n - 1 - i];
		it[n - 1 - i] = t;
	}
	*out = it;
	return n;
}

size_t pic_type_totals(const struct pic_item *it, size_t n, struct pic_type_total *out)
{
	struct pic_type_total t[PIC_MAX_TYPES];
	size_t nt = 0, no = 0;

	for (size_t i = 0; i < n; i++) {
		size_t k;

		if (it[i].what != PIC_REGION)
			continue;
		for (k = 0; k < nt && strcmp(t[k].kind, it[i].kind); k++)
			;
		if (k == PIC_MAX_TYPES)
			k--; /* more kinds than any classifier has: the last one takes the rest */
		else if (k == nt)
			t[nt++] = (struct pic_type_total){ it[i].kind, 0 };
		t[k].bytes += it[i].end - it[i].start;
	}
	/* the table's order, then the kinds it does not know in the order they came */
	for (size_t j = 0; pic_colors[j].kind; j++)
		for (size_t k = 0; k < nt; k++)
			if (!strcmp(t[k].kind, pic_colors[j].kind))
				out[no++] = t[k];
	for (size_t k = 0; k < nt; k++)
		if (!pic_known(t[k].kind))
			out[no++] = t[k];
	return no;
}

void pic_totals(const struct pic_item *it, size_t n, uint64_t *mapped, uint64_t *largest_free)
{
	*mapped = *largest_free = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t sz = it[i].end - it[i].start;

		if (it[i].what == PIC_REGION)
			*mapped += sz;
		else if (it[i].what == PIC_FREE && sz > *largest_free)
			*largest_free = sz;
	}
}

void pic_summary(FILE *f, const struct vms_snapshot *s, const struct pic_item *it, size_t n)
{
	uint64_t mapped, largest;
	unsigned regions = 0;
	char a[32], b[32];

	pic_totals(it, n, &mapped, &largest);
	for (size_t i = 0; i < n; i++)
		regions += it[i].what == PIC_REGION;
	pic_size(a, sizeof(a), mapped);
	pic_size(b, sizeof(b), largest);
	fprintf(f, "%u region%s, %s mapped, largest free block %s, from %s", regions,
		regions == 1 ? "" : "s", a, largest ? b : "none", s->backend ? s->backend : "?");
}

unsigned pic_log2_pages(uint64_t bytes)
{
	uint64_t pages = bytes >> 12;

	return pages ? 63 - (unsigned)__builtin_clzll(pages) : 0;
}

void pic_size(char *buf, size_t cap, uint64_t bytes)
{
	static const char units[] = "MGTPE";
	double v = (double)bytes;
	int u = -1;

	if (bytes < 1024) {
		snprintf(buf, cap, "%lluB", (unsigned long long)bytes);
		return;
	}
	if (bytes < (1ull << 20)) {
		snprintf(buf, cap, "%lluK", (unsigned long long)(bytes >> 10));
		return;
	}
	v /= 1024;
	while (v >= 1023.95 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, cap, "%.1f%c", v, units[u < 0 ? 0 : u]);
}

const char *pic_label(const struct vms_region *r, const struct vms_class *c,
		      const struct format_opts *o, char *buf, size_t cap)
{
	const char *slash;

	if (r->name[0] == '/') {
		slash = strrchr(r->name, '/');
		return o->show_path || !slash[1] ? r->name : slash + 1;
	}
	if (r->name[0])
		return r->name;
	if (c && c->tid && !c->main_stack && (c->type == VMS_T_STACK || c->type == VMS_T_GUARD)) {
		snprintf(buf, cap, "[%s tid=%d]", c->type != VMS_T_STACK ? "guard"
			 : c->alt_stack ? "altstack" : "stack", c->tid);
		return buf;
	}
	return "[anon]";
}

char *pic_maps_line(const struct vms_region *r)
{
	size_t cap = 128 + strlen(r->name);
	char *line = xmalloc(cap);
	int n = r->absent & VMS_ABSENT_DEVINO /* a core file's: unknown, never 0 */
		? snprintf(line, cap, "%08llx-%08llx %s %08llx - - ", (unsigned long long)r->start,
			   (unsigned long long)r->end, r->perms, (unsigned long long)r->offset)
		: snprintf(line, cap, "%08llx-%08llx %s %08llx %02x:%02x %llu ",
			   (unsigned long long)r->start, (unsigned long long)r->end, r->perms,
			   (unsigned long long)r->offset, r->dev_major, r->dev_minor,
			   (unsigned long long)r->inode);

	/* the kernel pads the name to column 73 (show_vma_header_prefix, seq_pad) */
	if (r->name[0]) {
		while (n < 73)
			line[n++] = ' ';
		snprintf(line + n, cap - (size_t)n, "%s", r->name);
	}
	return line;
}

void markup_text(FILE *f, const char *s, size_t max_chars)
{
	char *esc = vms_escape_dup(s, strlen(s), VMS_ESC_UTF8);
	size_t chars = 0;

	for (const unsigned char *p = (const unsigned char *)esc; *p;) {
		int n = utf8_seq_len(p);

		if (max_chars && ++chars == max_chars && p[n]) {
			fputs("\xe2\x80\xa6", f); /* … */
			break;
		}
		switch (*p) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			/* U+FFFE and U+FFFF are UTF-8 but not XML characters */
			if (n == 3 && p[0] == 0xef && p[1] == 0xbf && p[2] >= 0xbe)
				fputs("\xef\xbf\xbd", f);
			else
				fwrite(p, 1, (size_t)(n > 0 ? n : 1), f);
		}
		p += n > 0 ? n : 1;
	}
	free(esc);
}

struct pic_doc *pic_doc_add(struct format_state *st, const struct vms_snapshot *s)
{
	struct pic_doc *d = st->priv;

	if (!d) {
		d = st->priv = xcalloc(1, sizeof(*d));
		d->body = vms_memstream(&d->buf, &d->len);
		if (!d->body) {
			vms_err("out of memory");
			exit(VMS_EXIT_FAIL);
		}
	}
	if (d->n_procs < ARRAY_SIZE(d->pids)) {
		d->pids[d->n_procs] = s->proc.pid;
		snprintf(d->comms[d->n_procs], sizeof(d->comms[0]), "%s", s->proc.comm);
	}
	d->n_procs++;
	return d;
}

void pic_doc_title(FILE *f, const struct pic_doc *d)
{
	unsigned n = d ? d->n_procs : 0, shown = n < ARRAY_SIZE(d->pids) ? n : ARRAY_SIZE(d->pids);

	fputs("vmscope: ", f);
	if (!n)
		fputs("no process", f);
	for (unsigned i = 0; i < shown; i++) {
		fprintf(f, "%sPID %d (", i ? ", " : "", (int)d->pids[i]);
		markup_text(f, d->comms[i], 0);
		fputc(')', f);
	}
	if (n > shown)
		fprintf(f, " and %u more", n - shown);
}

void pic_doc_close(struct pic_doc *d)
{
	if (d && d->body) {
		vms_memstream_close(d->body);
		d->body = NULL;
	}
}

void pic_doc_free(struct format_state *st)
{
	struct pic_doc *d = st->priv;

	if (!d)
		return;
	pic_doc_close(d);
	free(d->buf);
	pic_legend_free(&d->legend);
	free(d);
	st->priv = NULL;
}
