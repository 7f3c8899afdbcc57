// SPDX-License-Identifier: BSD-2-Clause
/*
 * --format picture: the address space as procmap's vertical tiles, in a terminal. One tile per
 * region, high addresses at the top, each border labelled with its address; a tile is 1 to 4
 * lines high by log2 of its size (picture.h), a gap one line of ':' with its size. 80 columns.
 * Each tile names its type; on a terminal (o->color) it is also filled with the type's colour
 * (ANSI 256). The mapped bytes by type follow the tiles (the legend, in colour). Names are
 * escaped (escape.h).
 */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "format/picture.h"
#include "classify.h"
#include "escape.h"
#include "util.h"

#ifdef _WIN32
/* the Windows C runtime has no wcwidth() (nor UTF-8 locales): a character is a column there */
#define wcwidth(wc) 1
#endif

enum { ADDR_W = 18, INNER = 59, NAME_W = 32, RIGHT_W = 24 };

static void border(FILE *f, uint64_t addr)
{
	char a[32];

	snprintf(a, sizeof(a), "0x%012llx", (unsigned long long)addr);
	fprintf(f, "%*s +", ADDR_W, a);
	for (int i = 0; i < INNER; i++)
		fputc('-', f);
	fputs("+\n", f);
}

/* The columns of the character at s (n bytes, set): wcwidth in the locale, 1 if unknown. */
static int char_cols(const char *s, size_t len, size_t *n)
{
	mbstate_t st;
	wchar_t wc;
	int w;

	memset(&st, 0, sizeof(st));
	*n = mbrtowc(&wc, s, len, &st);
	if (*n == (size_t)-1 || *n == (size_t)-2 || *n == 0) {
		*n = 1; /* not after the escape, but never loop on it */
		return 1;
	}
	w = wcwidth(wc);
	return w < 0 ? 1 : w;
}

/* Writes the escaped s to out (cap >= 4 * cols + 4) in at most cols columns, "..." marking a
 * cut, and returns the columns used. */
static int fit(char *out, size_t cap, const char *s, int cols)
{
	char *esc = vms_escape_dup(s, strlen(s), VMS_ESC_TEXT);
	size_t len = strlen(esc), i, o = 0, n;
	int total = 0, used = 0;

	for (i = 0; i < len; i += n)
		total += char_cols(esc + i, len - i, &n);
	for (i = 0; i < len; i += n) {
		int w = char_cols(esc + i, len - i, &n);

		if (used + w > (total > cols ? cols - 3 : cols) || o + n + 4 > cap)
			break;
		memcpy(out + o, esc + i, n);
		o += n;
		used += w;
	}
	if (i < len) {
		memcpy(out + o, "...", 3);
		o += 3;
		used += 3;
	}
	out[o] = '\0';
	free(esc);
	return used;
}

static void row(FILE *f, const char *color, const char *text, int text_cols, bool colon)
{
	fprintf(f, "%*s %c", ADDR_W, "", colon ? ':' : '|');
	if (color)
		fputs(color, f);
	fputs(text, f);
	for (int i = text_cols; i < INNER; i++)
		fputc(' ', f);
	if (color)
		fputs("\033[0m", f);
	fprintf(f, "%c\n", colon ? ':' : '|');
}

static void tile(FILE *f, const struct vms_snapshot *s, const struct format_opts *o,
		 const struct pic_item *it)
{
	const struct vms_region *r = &s->regions[it->idx];
	const struct pic_color *c = pic_color(it->kind);
	char name[256], right[64], line[512], color[32];
	char label[48];
	int cols = fit(name, sizeof(name), pic_label(r, it->cls, o, label, sizeof(label)), NAME_W);
	int lines;
	char size[32], kind[16];

	pic_size(size, sizeof(size), r->end - r->start);
	/* the type's name: ours are ASCII; a new kind's is escaped like any text */
	fit(kind, sizeof(kind), c->label, 11);
	snprintf(right, sizeof(right), "%-11s %-4s %7s", kind, r->perms, size);
	snprintf(line, sizeof(line), " %s%*s%s ", name, NAME_W - cols + 1, "", right);
	snprintf(color, sizeof(color), "\033[48;5;%dm\033[38;5;16m", c->ansi);
	row(f, o->color ? color : NULL, line, 1 + cols + (NAME_W - cols + 1) + RIGHT_W + 1, false);
	lines = 1 + (int)pic_log2_pages(r->end - r->start) / 6;
	for (int i = 1; i < lines && i < 4; i++)
		row(f, o->color ? color : NULL, "", 0, false);
}

static void gap(FILE *f, const struct format_opts *o, const struct pic_item *it)
{
	char text[96], size[32];
	int len, pad;

	pic_size(size, sizeof(size), it->end - it->start);
	if (it->what == PIC_TOP)
		snprintf(text, sizeof(text), "end of user space");
	else
		snprintf(text, sizeof(text), "free %s", size);
	len = (int)strlen(text);
	pad = (INNER - len) / 2;
	memmove(text + pad, text, (size_t)len + 1);
	memset(text, ' ', (size_t)pad);
	row(f, o->color ? "\033[2m" : NULL, text, pad + len, true);
}

/* The mapped bytes by type, after the tiles (on a terminal each type after its colour: the
 * legend). */
static void by_type(FILE *f, const struct format_opts *o, const struct pic_item *it, size_t n)
{
	struct pic_type_total t[PIC_MAX_TYPES];
	size_t nt = pic_type_totals(it, n, t);
	int col = 8;

	if (!nt)
		return;
	fputs("\nby type:", f);
	for (size_t k = 0; k < nt; k++) {
		const struct pic_color *c = pic_color(t[k].kind);
		char label[96], size[32];
		int w = fit(label, sizeof(label), c->label, 20);

		pic_size(size, sizeof(size), t[k].bytes);
		w += 1 + (int)strlen(size) + (o->color ? 3 : 0) + 2;
		if (col + w > 80) {
			fputs("\n        ", f);
			col = 8;
		}
		fputs("  ", f);
		if (o->color)
			fprintf(f, "\033[48;5;%dm  \033[0m ", c->ansi);
		fprintf(f, "%s %s", label, size);
		col += w;
	}
	fputc('\n', f);
}

static bool picture_needs_accounting(const struct format_opts *o)
{
	return false;
}

static void picture_print(FILE *f, const struct vms_snapshot *s, const struct format_opts *o,
			  struct format_state *st)
{
	struct vms_class *cls = region_classify(s);
	struct pic_item *it;
	size_t n = pic_items(s, o, cls, &it);

	if (st->n_done++)
		fputc('\n', f);
	print_pmap_header(f, s);
	pic_summary(f, s, it, n);
	fputs("\n\n", f);
	if (n)
		border(f, it[0].end);
	for (size_t i = 0; i < n; i++) {
		if (it[i].what == PIC_REGION)
			tile(f, s, o, &it[i]);
		else
			gap(f, o, &it[i]);
		border(f, it[i].start);
	}
	by_type(f, o, it, n);
	free(it);
	free(cls);
}

const struct vms_format format_picture = {
	.name = "picture",
	.summary = "procmap-style tiles of the address space, coloured by type on a terminal",
	.needs_accounting = picture_needs_accounting,
	.needs = format_needs_threads,
	.print = picture_print,
};
