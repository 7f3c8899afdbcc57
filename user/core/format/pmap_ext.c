// SPDX-License-Identifier: BSD-2-Clause
/*
 * pmap -X / -XX (procps print_extended_maps): one column per smaps field, in the kernel's order.
 * Column widths: the header, the digits of the total, and (with -q) the longest value; like
 * procps, a field column keeps its width from one process to the next.
 */
#include <stdlib.h>
#include <string.h>

#include "format/format.h"
#include "classify.h"
#include "escape.h"
#include "util.h"

struct ext_col {
	char *key;
	int width;
	unsigned long long total;
};

struct ext_state {
	struct ext_col *cols;
	size_t n;
};

/* -X leaves these out; -XX shows everything. */
static bool unimportant(const char *key)
{
	static const char *const keys[] = { "AnonHugePages", "KernelPageSize", "MMUPageSize",
		"Shared_Dirty", "Private_Dirty", "Shared_Clean", "Private_Clean", "VmFlags" };

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (!strcmp(key, keys[i]))
			return true;
	return false;
}

static int int_width(unsigned long long v)
{
	int w = v == 0;

	for (; v; v /= 10)
		w++;
	return w;
}

static int imax(int a, int b)
{
	return a > b ? a : b;
}

/* procps justify_print(): the header cell, at least as wide as its text. */
static int justify(FILE *f, const char *s, int width)
{
	width = imax(width, (int)strlen(s));
	fprintf(f, "%*.*s ", width, width, s);
	return width;
}

static struct ext_col *column(struct ext_state *x, const char *key, bool quiet)
{
	for (size_t i = 0; i < x->n; i++)
		if (!strcmp(x->cols[i].key, key))
			return &x->cols[i];
	x->cols = xrealloc(x->cols, (x->n + 1) * sizeof(*x->cols));
	x->cols[x->n] = (struct ext_col){ .key = xstrdup(key), .width = quiet ? 0 : (int)strlen(key) };
	return &x->cols[x->n++];
}

void pmap_ext_print(FILE *f, const struct vms_snapshot *s, const struct format_opts *o,
		    struct format_state *st)
{
	struct ext_state *x = st->priv;
	bool all = o->mode == PMAP_XX, has_vmflags = false;
	int w_addr = 0, w_perm = 0, w_off = 0, w_dev = 0, w_ino = 0, w_flags = 0;
	int *col_of_key; /* snapshot key index -> column index, or -1 */
	char tmp[32];

	if (!x)
		st->priv = x = xcalloc(1, sizeof(*x));
	print_pmap_header(f, s);

	col_of_key = xcalloc(s->n_keys ? s->n_keys : 1, sizeof(int));
	for (size_t k = 0; k < s->n_keys; k++)
		col_of_key[k] = -1;
	/* Columns exist once a process had a region (procps builds them while reading). */
	if (s->n)
		for (size_t k = 0; k < s->n_keys; k++)
			if (all || !unimportant(s->acct_keys[k]))
				col_of_key[k] = (int)(column(x, s->acct_keys[k], o->quiet) - x->cols);

	/* Measure: fixed columns over every region, field columns over the regions in range. */
	for (size_t i = 0; i < s->n; i++) {
		const struct vms_region *r = &s->regions[i];
		bool in = region_in_range(o, r);

		w_addr = imax(w_addr, snprintf(tmp, sizeof(tmp), "%08llx", (unsigned long long)r->start));
		w_perm = imax(w_perm, (int)strlen(r->perms));
		w_off = imax(w_off, snprintf(tmp, sizeof(tmp), "%08llx", (unsigned long long)r->offset));
		if (r->absent & VMS_ABSENT_DEVINO) { /* shown as '-' */
			w_dev = imax(w_dev, 1);
			w_ino = imax(w_ino, 1);
		} else {
			w_dev = imax(w_dev, snprintf(tmp, sizeof(tmp), "%02x:%02x", r->dev_major,
						     r->dev_minor));
			w_ino = imax(w_ino, snprintf(tmp, sizeof(tmp), "%llu",
						     (unsigned long long)r->inode));
		}
		if (region_more(r)->vmflags) {
			has_vmflags = true;
			w_flags = imax(w_flags, (int)strlen(region_more(r)->vmflags));
		}
		for (size_t k = 0; in && r->acct && k < s->n_keys; k++) {
			struct ext_col *c;

			if (col_of_key[k] < 0)
				continue;
			c = &x->cols[col_of_key[k]];
			c->total += r->acct[k];
			if (o->quiet)
				c->width = imax(c->width, int_width(r->acct[k]));
		}
	}
	if (!o->quiet)
		for (size_t c = 0; c < x->n; c++)
			x->cols[c].width = imax(x->cols[c].width, int_width(x->cols[c].total));
	has_vmflags = has_vmflags && all;

	if (s->n && !o->quiet) {
		w_addr = justify(f, "Address", w_addr);
		w_perm = justify(f, "Perm", w_perm);
		w_off = justify(f, "Offset", w_off);
		w_dev = justify(f, "Device", w_dev);
		w_ino = justify(f, "Inode", w_ino);
		for (size_t c = 0; c < x->n; c++)
			justify(f, x->cols[c].key, x->cols[c].width);
		if (has_vmflags)
			w_flags = justify(f, "VmFlags", w_flags);
		fputs("Mapping\n", f);
	}

	for (size_t i = 0; i < s->n; i++) {
		const struct vms_region *r = &s->regions[i];
		char desc[128], *shown;
		const char *base;

		if (!region_in_range(o, r))
			continue;
		snprintf(tmp, sizeof(tmp), "%08llx", (unsigned long long)r->start);
		fprintf(f, "%*s", w_addr, tmp);
		fprintf(f, " %*s", w_perm, r->perms);
		snprintf(tmp, sizeof(tmp), "%08llx", (unsigned long long)r->offset);
		fprintf(f, " %*s", w_off, tmp);
		if (r->absent & VMS_ABSENT_DEVINO) {
			fprintf(f, " %*s %*s", w_dev, "-", w_ino, "-");
		} else {
			snprintf(tmp, sizeof(tmp), "%02x:%02x", r->dev_major, r->dev_minor);
			fprintf(f, " %*s", w_dev, tmp);
			fprintf(f, " %*llu", w_ino, (unsigned long long)r->inode);
		}
		for (size_t c = 0; c < x->n; c++) {
			unsigned long long v = 0;
			bool absent = false;

			for (size_t k = 0; k < s->n_keys; k++)
				if (col_of_key[k] == (int)c) {
					absent = snapshot_acct_absent(s, k);
					if (r->acct)
						v = r->acct[k];
				}
			if (absent)
				fprintf(f, " %*s", x->cols[c].width, "-");
			else
				fprintf(f, " %*llu", x->cols[c].width, v);
		}
		if (has_vmflags) {
			const char *vmflags = region_more(r)->vmflags;

			fprintf(f, " %*s", w_flags, vmflags ? vmflags : "");
		}
		/* procps reads at most 127 bytes of the name here */
		snprintf(desc, sizeof(desc), "%s", r->name);
		base = strrchr(desc, region_name_is_win_path(desc) ? '\\' : '/');
		base = o->show_path || !base ? desc : base + 1;
		/* procps prints the name raw here, control characters and all: not vmscope */
		shown = vms_escape_dup(base, strlen(base), VMS_ESC_TEXT);
		fprintf(f, " %s\n", shown);
		free(shown);
	}

	if (!o->quiet && x->n) {
		int gap = w_addr + 1 + w_perm + 1 + w_off + 1 + w_dev + 1 + w_ino + 1;

		fprintf(f, "%*s", gap, "");
		for (size_t c = 0; c < x->n; c++) {
			for (int i = 0; i < x->cols[c].width; i++)
				fputc('=', f);
			fputc(' ', f);
		}
		fputc('\n', f);
		fprintf(f, "%*s", gap, "");
		for (size_t c = 0; c < x->n; c++) {
			bool absent = false;

			for (size_t k = 0; k < s->n_keys; k++)
				if (col_of_key[k] == (int)c)
					absent = snapshot_acct_absent(s, k);
			if (absent)
				fprintf(f, "%*s ", x->cols[c].width, "-");
			else
				fprintf(f, "%*llu ", x->cols[c].width, x->cols[c].total);
		}
		fputs("KB \n", f);
	}
	for (size_t c = 0; c < x->n; c++)
		x->cols[c].total = 0;
	free(col_of_key);
}

void pmap_ext_finish(struct format_state *st)
{
	struct ext_state *x = st->priv;

	if (!x)
		return;
	for (size_t c = 0; c < x->n; c++)
		free(x->cols[c].key);
	free(x->cols);
	free(x);
	st->priv = NULL;
}
