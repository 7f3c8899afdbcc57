// SPDX-License-Identifier: BSD-2-Clause
/*
 * macOS vmmap's report (format 2.3 of the seed, the 2.4 columns with -resident), from the
 * classifier's types. REGION TYPE names (README "vmmap"): image segments __TEXT (x), __DATA
 * (writable, .bss too), __DATA_CONST (read-only: rodata, relro, headers), __GAP (ld.so's ---p
 * alignment holes); "mapped file", "shared memory", MALLOC heap (brk), MALLOC arena and MALLOC
 * arena reserve (glibc's heaps and their PROT_NONE tails), Stack (detail "thread TID", a
 * sigaltstack "signal stack of thread TID"), STACK
 * GUARD, MALLOC guard page, VM_ALLOCATE (other anonymous memory; "(reserved)" when PROT_NONE),
 * and vdso/vvar/vsyscall. PRT/MAX: current protection / VmFlags mr mw me (VM_MAYREAD/WRITE/
 * EXEC: what mprotect could still grant). SM=: classify.h's share modes.
 */
#include <stdlib.h>
#include <string.h>

#include "format/format.h"
#include "classify.h"
#include "escape.h"
#include "util.h"

struct vrow {
	uint64_t start, end;
	const char *type;
	char *detail;		/* escaped, malloc'd */
	char prt[4], max[4];
	enum vms_share share;
	bool writable;
	uint64_t rss, dirty, swap;	/* bytes */
	unsigned count;		/* regions merged into it */
};

static bool vmmap_needs_accounting(const struct format_opts *o)
{
	return true; /* RSDNT, DIRTY, SWAP, share modes (NUL), MAX (VmFlags) */
}

static const char *vm_type(const struct vms_class *c, const struct vms_region *r)
{
	switch (c->type) {
	case VMS_T_IMAGE:
		return r->perms[2] == 'x' ? "__TEXT" : r->perms[1] == 'w' ? "__DATA"
		       : r->perms[0] == 'r' ? "__DATA_CONST" : "__GAP";
	case VMS_T_MAPPED_FILE: return "mapped file";
	case VMS_T_SHAREABLE: return "shared memory";
	case VMS_T_HEAP:
		return !c->arena ? "MALLOC heap" : r->perms[0] == '-' ? "MALLOC arena reserve"
									: "MALLOC arena";
	case VMS_T_STACK: return "Stack";
	case VMS_T_GUARD: return c->tid ? "STACK GUARD" : "MALLOC guard page";
	case VMS_T_SYSTEM:
		return !strcmp(r->name, "[vdso]") ? "vdso" : !strncmp(r->name, "[vvar", 5) ? "vvar"
		       : !strcmp(r->name, "[vsyscall]") ? "vsyscall" : "uprobes";
	default:
		return strncmp(r->perms, "---", 3) ? "VM_ALLOCATE" : "VM_ALLOCATE (reserved)";
	}
}

static char *vm_detail(const struct vms_snapshot *s, const struct vms_class *c, size_t i)
{
	const struct vms_region *r = &s->regions[i];
	const char *name = r->name;
	char buf[64];

	if (c[i].type == VMS_T_STACK && c[i].tid) {
		snprintf(buf, sizeof(buf), "%sthread %d%s", c[i].alt_stack ? "signal stack of " : "",
			 c[i].tid, c[i].main_stack ? " (main)" : "");
		return xstrdup(buf);
	}
	if (c[i].type == VMS_T_GUARD && c[i].tid) {
		snprintf(buf, sizeof(buf), "stack guard for thread %d", c[i].tid);
		return xstrdup(buf);
	}
	if (c[i].bss && i > 0)
		name = s->regions[i - 1].name;
	if (c[i].type == VMS_T_SYSTEM || !strcmp(name, "[heap]") || !strcmp(name, "[stack]"))
		name = "";
	return vms_escape_dup(name, strlen(name), VMS_ESC_TEXT);
}

/* The rows of the regions in range, coalesced unless -noCoalesce. */
static struct vrow *vm_rows(const struct vms_snapshot *s, const struct format_opts *o, size_t *n)
{
	struct vms_class *c = region_classify(s);
	struct vrow *rows = xcalloc(s->n ? s->n : 1, sizeof(*rows));
	size_t k = 0;

	for (size_t i = 0; i < s->n; i++) {
		const struct vms_region *r = &s->regions[i];
		struct vrow v = { .start = r->start, .end = r->end, .count = 1 };

		if (!region_in_range(o, r))
			continue;
		v.type = vm_type(&c[i], r);
		v.detail = vm_detail(s, c, i);
		memcpy(v.prt, r->perms, 3);
		region_max_prot(r, v.max);
		v.share = c[i].share;
		v.writable = r->perms[1] == 'w';
		v.rss = region_acct(s, r, ACCT_RSS) << 10;
		v.dirty = (region_acct(s, r, ACCT_SHARED_DIRTY) + region_acct(s, r, ACCT_PRIVATE_DIRTY)) << 10;
		v.swap = region_acct(s, r, ACCT_SWAP) << 10;
		if (k && !o->vm_no_coalesce) {
			struct vrow *p = &rows[k - 1];

			if (p->end == v.start && p->type == v.type && !strcmp(p->detail, v.detail) &&
			    !strcmp(p->prt, v.prt) && !strcmp(p->max, v.max) && p->share == v.share) {
				p->end = v.end;
				p->rss += v.rss;
				p->dirty += v.dirty;
				p->swap += v.swap;
				p->count++;
				free(v.detail);
				continue;
			}
		}
		rows[k++] = v;
	}
	free(c);
	*n = k;
	return rows;
}

static void free_rows(struct vrow *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(rows[i].detail);
	free(rows);
}

/* vmmap's size strings: K below 10000K, then M and G with one decimal; pages with -pages. */
static const char *vm_size(uint64_t bytes, const struct format_opts *o, char buf[24]);

/* An amount from the accounting: '-' when the backend has none (a core file), never 0. */
static const char *vm_amt(uint64_t bytes, bool absent, const struct format_opts *o, char buf[24])
{
	return absent ? "-" : vm_size(bytes, o, buf);
}

static const char *vm_size(uint64_t bytes, const struct format_opts *o, char buf[24])
{
	double kb = (double)bytes / 1024;

	if (o->vm_pages)
		snprintf(buf, 24, "%llu", (unsigned long long)(bytes / 4096));
	else if (kb < 10000)
		snprintf(buf, 24, "%lluK", (unsigned long long)(bytes >> 10));
	else if (kb / 1024 < 1024)
		snprintf(buf, 24, "%.1fM", kb / 1024);
	else if (kb / 1024 / 1024 < 1024)
		snprintf(buf, 24, "%.1fG", kb / 1024 / 1024);
	else
		snprintf(buf, 24, "%.1fT", kb / 1024 / 1024 / 1024);
	return buf;
}

static int pct(uint64_t part, uint64_t total)
{
	return total ? (int)((part * 100 + total / 2) / total) : 0;
}

/* The lowest image mapped from offset 0: the executable (PIE or not, it is loaded below the
 * libraries), unless it was started through ld.so by hand. */
static const struct vms_region *exe_region(const struct vms_snapshot *s, const struct vms_class *c)
{
	for (size_t i = 0; i < s->n; i++)
		if (c[i].type == VMS_T_IMAGE && !c[i].bss && s->regions[i].offset == 0)
			return &s->regions[i];
	return NULL;
}

static void vm_header(FILE *f, const struct vms_snapshot *s)
{
	struct vms_class *c = region_classify(s);
	const struct vms_region *exe = exe_region(s, c);
	char *comm = vms_escape_dup(s->proc.comm, strlen(s->proc.comm), VMS_ESC_TEXT);
	char *path = exe ? vms_escape_dup(exe->name, strlen(exe->name), VMS_ESC_TEXT) : xstrdup("???");
	uint64_t footprint = 0, top = 0;

	for (size_t i = 0; i < s->n; i++) {
		/* vmmap's footprint is dirty private memory plus what of it is swapped */
		footprint += region_acct(s, &s->regions[i], ACCT_PRIVATE_DIRTY) +
			     region_acct(s, &s->regions[i], ACCT_SWAP);
		if (strcmp(s->regions[i].name, "[vsyscall]") && s->regions[i].end > top)
			top = s->regions[i].end;
	}
	fprintf(f, "Process:         %s [%d]\n", comm, (int)s->proc.pid);
	fprintf(f, "Path:            %s\n", path);
	if (exe)
		fprintf(f, "Load Address:    0x%llx\n", (unsigned long long)exe->start);
	fprintf(f, "Identifier:      %s\n", comm);
	fprintf(f, "Parent Process:  [%d]\n", s->proc.ppid);
	fprintf(f, "Backend:         %s\n", s->backend ? s->backend : "?");
	fputc('\n', f);
	fprintf(f, "Report Version:  7\n");
	fprintf(f, "Analysis Tool:   vmscope\n");
	fputc('\n', f);
	if (s->acct_absent)
		fputs("Physical footprint:         -\n", f);
	else
		fprintf(f, "Physical footprint:         %lluK\n", (unsigned long long)footprint);
	fputs("----\n\n", f);
	fprintf(f, "Virtual Memory Map of process %d (%s)\n", (int)s->proc.pid, comm);
	fprintf(f, "Output report format:  2.4  -- %d-bit process\n", top > (1ull << 32) ? 64 : 32);
	fprintf(f, "VM page size:  4096 bytes\n\n");
	free(comm);
	free(path);
	free(c);
}

static void vm_section_header(FILE *f, const struct format_opts *o)
{
	if (o->vm_resident)
		fputs("REGION TYPE                      START - END             [ VSIZE  RSDNT  DIRTY   SWAP] "
		      "PRT/MAX SHRMOD PURGE    REGION DETAIL\n", f);
	else
		fputs("REGION TYPE                      START - END             [ VSIZE] PRT/MAX SHRMOD  "
		      "REGION DETAIL\n", f);
}

static void vm_row(FILE *f, const struct vrow *v, const struct format_opts *o, bool na)
{
	char a[24], b[24], c[24], d[24];
	const char *sm = na ? "???" : vms_share_name(v->share); /* share modes need the pages */

	fprintf(f, "%-22s %016llx-%016llx ", v->type, (unsigned long long)v->start,
		(unsigned long long)v->end);
	if (o->vm_resident)
		fprintf(f, "[%6s %6s %6s %6s] %s/%s SM=%s          %s\n", vm_size(v->end - v->start, o, a),
			vm_amt(v->rss, na, o, b), vm_amt(v->dirty, na, o, c), vm_amt(v->swap, na, o, d),
			v->prt, v->max, sm, v->detail);
	else
		fprintf(f, "[%6s] %s/%s SM=%s  %s\n", vm_size(v->end - v->start, o, a), v->prt, v->max,
			sm, v->detail);
}

struct vtype {
	const char *type;
	uint64_t virt, rss, dirty, swap;
	unsigned count;
};

static int vtype_cmp(const void *a, const void *b)
{
	return strcmp(((const struct vtype *)a)->type, ((const struct vtype *)b)->type);
}

static void vm_summary(FILE *f, const struct vms_snapshot *s, const struct vrow *rows, size_t n,
		       const struct format_opts *o)
{
	struct vms_class *c = region_classify(s);
	struct vtype *t = xcalloc(n ? n : 1, sizeof(*t)), tot = { .type = "TOTAL" };
	uint64_t ro = 0, ro_res = 0, w = 0, w_res = 0, w_dirty = 0, w_swap = 0;
	size_t nt = 0;
	char a[24], b[24], x[24], d[24], e[24];

	for (size_t i = 0; i < s->n; i++) {
		const struct vms_region *r = &s->regions[i];
		uint64_t rss = region_acct(s, r, ACCT_RSS) << 10;

		if (!region_in_range(o, r))
			continue;
		if (r->perms[1] == 'w') {
			w += region_size(r);
			w_res += rss;
			w_dirty += (region_acct(s, r, ACCT_SHARED_DIRTY) + region_acct(s, r, ACCT_PRIVATE_DIRTY)) << 10;
			w_swap += region_acct(s, r, ACCT_SWAP) << 10;
		} else if (c[i].type == VMS_T_IMAGE) {
			ro += region_size(r);
			ro_res += rss;
		}
	}
	free(c);
	for (size_t i = 0; i < n; i++) {
		size_t j;

		for (j = 0; j < nt && strcmp(t[j].type, rows[i].type); j++)
			;
		if (j == nt)
			t[nt++].type = rows[i].type;
		t[j].virt += rows[i].end - rows[i].start;
		t[j].rss += rows[i].rss;
		t[j].dirty += rows[i].dirty;
		t[j].swap += rows[i].swap;
		t[j].count += rows[i].count;
	}
	qsort(t, nt, sizeof(*t), vtype_cmp);
	if (ro_res > ro) /* (Rss above the size: only in made-up input) */
		ro_res = ro;
	fprintf(f, "==== Summary for process %d\n", (int)s->proc.pid);
	if (s->acct_absent) { /* a core file: sizes only */
		fprintf(f, "ReadOnly portion of Libraries: Total=%s resident=- "
			"swapped_out_or_unallocated=-\n", vm_size(ro, o, a));
		fprintf(f, "Writable regions: Total=%s written=- resident=- swapped_out=- "
			"unallocated=-\n\n", vm_size(w, o, a));
	} else {
		/* written = dirty + swapped; unallocated = neither resident nor swapped */
		uint64_t written = w_dirty + w_swap, used = w_res + w_swap;
		uint64_t unalloc = used < w ? w - used : 0;

		fprintf(f, "ReadOnly portion of Libraries: Total=%s resident=%s(%d%%) "
			"swapped_out_or_unallocated=%s(%d%%)\n", vm_size(ro, o, a), vm_size(ro_res, o, b),
			pct(ro_res, ro), vm_size(ro - ro_res, o, x), pct(ro - ro_res, ro));
		fprintf(f, "Writable regions: Total=%s written=%s(%d%%) resident=%s(%d%%) "
			"swapped_out=%s(%d%%) unallocated=%s(%d%%)\n\n", vm_size(w, o, a),
			vm_size(written, o, b), pct(written, w), vm_size(w_res, o, x), pct(w_res, w),
			vm_size(w_swap, o, d), pct(w_swap, w), vm_size(unalloc, o, e), pct(unalloc, w));
	}
	fprintf(f, "%-31s %7s %8s %8s %8s %8s\n", "", "VIRTUAL", "RESIDENT", "DIRTY", "SWAPPED", "REGION");
	fprintf(f, "%-31s %7s %8s %8s %8s %8s (non-coalesced)\n", "REGION TYPE",
		o->vm_pages ? "PAGES" : "SIZE", o->vm_pages ? "PAGES" : "SIZE",
		o->vm_pages ? "PAGES" : "SIZE", o->vm_pages ? "PAGES" : "SIZE", "COUNT");
	fprintf(f, "%-31s %7s %8s %8s %8s %8s\n", "===========", "=======", "========", "=====",
		"=======", "=======");
	for (size_t i = 0; i <= nt; i++) {
		struct vtype *v = i < nt ? &t[i] : &tot;

		if (i == nt)
			fprintf(f, "%-31s %7s %8s %8s %8s %8s\n", "===========", "=======", "========",
				"=====", "=======", "=======");
		fprintf(f, "%-31s %7s %8s %8s %8s %8u\n", v->type, vm_size(v->virt, o, a),
			vm_amt(v->rss, s->acct_absent, o, b), vm_amt(v->dirty, s->acct_absent, o, x),
			vm_amt(v->swap, s->acct_absent, o, d), v->count);
		if (i < nt) {
			tot.virt += v->virt;
			tot.rss += v->rss;
			tot.dirty += v->dirty;
			tot.swap += v->swap;
			tot.count += v->count;
		}
	}
	free(t);
}

static void vmmap_print(FILE *f, const struct vms_snapshot *s, const struct format_opts *o,
			struct format_state *st)
{
	size_t n;
	struct vrow *rows = vm_rows(s, o, &n);

	if (st->n_done++)
		fputc('\n', f);
	vm_header(f, s);
	if (o->vm_interleaved) {
		fprintf(f, "==== regions for process %d  (non-writable and writable regions are "
			"interleaved)\n", (int)s->proc.pid);
		vm_section_header(f, o);
		for (size_t i = 0; i < n; i++)
			vm_row(f, &rows[i], o, s->acct_absent);
	} else {
		for (int pass = 0; pass < 2; pass++) {
			fprintf(f, "%s==== %s regions for process %d\n", pass ? "\n" : "",
				pass ? "Writable" : "Non-writable", (int)s->proc.pid);
			vm_section_header(f, o);
			for (size_t i = 0; i < n; i++)
				if (rows[i].writable == (pass == 1))
					vm_row(f, &rows[i], o, s->acct_absent);
		}
	}
	/* the modes vmscope gives; ZER and S/A have no Linux source */
	fputs("\n==== Legend\nSM=sharing mode:  \n\tCOW=copy_on_write PRV=private NUL=empty "
	      "ALI=aliased \n\tSHM=shared\n\n", f);
	vm_summary(f, s, rows, n, o);
	free_rows(rows, n);
}

static void vmmap_summary_print(FILE *f, const struct vms_snapshot *s, const struct format_opts *o,
				struct format_state *st)
{
	size_t n;
	struct vrow *rows = vm_rows(s, o, &n);

	if (st->n_done++)
		fputc('\n', f);
	vm_header(f, s);
	vm_summary(f, s, rows, n, o);
	free_rows(rows, n);
}

const struct vms_format format_vmmap = {
	.name = "vmmap",
	.summary = "macOS vmmap's report: header, non-writable/writable regions, legend, summary",
	.needs_accounting = vmmap_needs_accounting,
	.needs = format_needs_threads,
	.print = vmmap_print,
};

const struct vms_format format_vmmap_summary = {
	.name = "vmmap-summary",
	.summary = "vmmap -summary: the header and the REGION TYPE summary only",
	.needs_accounting = vmmap_needs_accounting,
	.needs = format_needs_threads,
	.print = vmmap_summary_print,
};
