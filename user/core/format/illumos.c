// SPDX-License-Identifier: BSD-2-Clause
/*
 * illumos pmap's table, chosen by its options (README "illumos pmap options"):
 *   -x  RSS, Anon (private anonymous: smaps Anonymous), Locked;
 *   -S  Swap (smaps Swap) and Commit: Linux reserves no swap per mapping, so this shows the
 *       commit charge instead, the size of a mapping with VmFlags ac (VM_ACCOUNT); Mode has R
 *       for MAP_NORESERVE (VmFlags nr), as illumos marks mappings that reserve no swap;
 *   -a  shared anonymous memory (shmem: shared anon, memfd, SysV, /dev/shm) counts as Anon,
 *       and its swap and commit are shown (illumos counts them once, system-wide, otherwise);
 *   -s  one row per run of one page size (Pgsz: 4K, THP 2M, hugetlb sizes; - not resident);
 *   -L  one row per run of pages on one NUMA node (Lgrp; - not resident);
 *   -r  only the reserved ranges: PROT_NONE regions and MAP_NORESERVE mappings.
 * Rows split by -s/-L carry RSS = the run's size when it is resident; the region's other
 * amounts (Anon, Locked, Swap, Commit) are on its first row. Totals count each region once.
 */
#include <stdlib.h>
#include <string.h>

#include "format/format.h"
#include "classify.h"
#include "escape.h"
#include "util.h"

static bool il_needs_accounting(const struct format_opts *o)
{
	/* -S, -r: VmFlags; -s: KernelPageSize and THP amounts; -x: the columns */
	return o->mode == PMAP_EXTENDED || o->il_swap || o->il_reserved || o->il_pagesize ||
	       o->il_shared_anon;
}

static unsigned il_needs(const struct format_opts *o)
{
	return FMT_NEED_THREADS | (o->il_lgroup ? FMT_NEED_NUMA : 0) |
	       (o->il_pagesize ? FMT_NEED_PAGESIZES : 0);
}

static bool is_reserved(const struct vms_region *r)
{
	return !strncmp(r->perms, "---", 3) || region_has_vmflag(r, "nr");
}

static char *il_name(const struct vms_snapshot *s, const struct vms_class *c, size_t i,
		     const struct format_opts *o)
{
	const struct vms_region *r = &s->regions[i];
	const char *n = r->name, *slash;
	char buf[64];

	if (!strncmp(n, "/SYSV", 5) && r->perms[3] == 's') {
		snprintf(buf, sizeof(buf), "[ shmid=0x%llx ]", (unsigned long long)r->inode);
		return xstrdup(buf);
	}
	switch (c[i].type) {
	case VMS_T_HEAP:
		return xstrdup("[ heap ]");
	case VMS_T_STACK:
		if (c[i].alt_stack) { /* illumos' label for a thread's alternate signal stack */
			snprintf(buf, sizeof(buf), "[ altstack tid=%d ]", c[i].tid);
			return xstrdup(buf);
		}
		if (c[i].main_stack || !c[i].tid)
			return xstrdup("[ stack ]");
		snprintf(buf, sizeof(buf), "[ stack tid=%d ]", c[i].tid);
		return xstrdup(buf);
	case VMS_T_SYSTEM:
		snprintf(buf, sizeof(buf), "[ %.*s ]", (int)(strlen(n) > 2 ? strlen(n) - 2 : 0),
			 n[0] == '[' ? n + 1 : n);
		return vms_escape_dup(buf, strlen(buf), VMS_ESC_TEXT);
	case VMS_T_PRIVATE:
	case VMS_T_GUARD:
		if (!c[i].bss)
			return xstrdup("[ anon ]");
		break;
	default:
		break;
	}
	if (c[i].bss && i > 0)
		n = s->regions[i - 1].name;
	if (!strcmp(n, "/dev/zero (deleted)"))
		return xstrdup("[ anon ]");
	slash = strrchr(n, '/');
	if (slash && slash[1] && !o->show_path && (o->mode == PMAP_EXTENDED || o->il_swap))
		n = slash + 1; /* illumos' "Mapped File" column: the basename */
	return vms_escape_dup(n, strlen(n), VMS_ESC_TEXT);
}

static void num(FILE *f, uint64_t v)
{
	if (v)
		fprintf(f, " %7llu", (unsigned long long)v);
	else
		fprintf(f, " %7s", "-");
}

static const char *pgsz(uint64_t kb, char buf[24])
{
	if (kb == VMS_RUN_NONE)
		return "-";
	if (kb >= (1u << 20) && kb % (1u << 20) == 0)
		snprintf(buf, 24, "%lluG", (unsigned long long)(kb >> 20));
	else if (kb >= 1024 && kb % 1024 == 0)
		snprintf(buf, 24, "%lluM", (unsigned long long)(kb >> 10));
	else
		snprintf(buf, 24, "%lluK", (unsigned long long)kb);
	return buf;
}

/* The node of a region's pages when they all sit on one, else -1 (several) or NONE. */
static uint64_t single_node(const struct vms_region *r)
{
	const struct vms_region_more *m = region_more(r);
	uint64_t node = VMS_RUN_NONE;

	for (uint32_t i = 0; i < m->n_numa; i++) {
		if (m->numa[i].value == VMS_RUN_NONE)
			continue;
		if (node != VMS_RUN_NONE && node != m->numa[i].value)
			return (uint64_t)-2;
		node = m->numa[i].value;
	}
	return node;
}

/* The value of runs at addr (exact runs), or NONE. */
static uint64_t run_at(const struct vms_run *runs, uint32_t n, uint64_t addr)
{
	for (uint32_t i = 0; i < n; i++)
		if (runs[i].start <= addr && addr < runs[i].end)
			return runs[i].value;
	return VMS_RUN_NONE;
}

struct il_totals {
	uint64_t kb, rss, anon, locked, swap, commit;
};

static void il_row(FILE *f, const struct format_opts *o, uint64_t start, uint64_t bytes,
		   bool first, const uint64_t amt[5], uint64_t rss_run, uint64_t psize, uint64_t node,
		   const char *mode, const char *name)
{
	char b[24];

	fprintf(f, "%016llX %7llu", (unsigned long long)start, (unsigned long long)(bytes >> 10));
	if (o->mode == PMAP_EXTENDED) {
		num(f, rss_run);
		num(f, first ? amt[1] : 0);
		num(f, first ? amt[2] : 0);
	}
	if (o->il_swap) {
		num(f, first ? amt[3] : 0);
		num(f, first ? amt[4] : 0);
	}
	if (o->il_pagesize)
		fprintf(f, " %4s", pgsz(psize, b));
	fprintf(f, " %s", mode);
	if (o->il_lgroup) {
		if (node == VMS_RUN_NONE)
			fprintf(f, " %4s", "-");
		else if (node == (uint64_t)-2)
			fprintf(f, " %4s", "*");
		else
			fprintf(f, " %4llu", (unsigned long long)node);
	}
	fprintf(f, " %s\n", name);
}

/* One region: one row, or its runs (-s, -L). amt: size, anon, locked, swap, commit (kB). */
static void il_region(FILE *f, const struct vms_region *r, const struct format_opts *o,
		      const uint64_t amt[5], uint64_t rss, const char *mode, const char *name)
{
	const struct vms_region_more *m = region_more(r);
	const struct vms_run *runs = NULL;
	uint32_t n = 0;
	bool exact = false, by_numa = false;

	if (o->il_pagesize && m->psize) {
		runs = m->psize, n = m->n_psize, exact = m->psize_exact;
	} else if (o->il_lgroup && m->numa) {
		runs = m->numa, n = m->n_numa, exact = m->numa_exact, by_numa = true;
	}
	if (!runs) {
		il_row(f, o, r->start, region_size(r), true, amt, rss, VMS_RUN_NONE,
		       o->il_lgroup ? single_node(r) : VMS_RUN_NONE, mode, name);
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct vms_run *x = &runs[i];
		bool resident = x->value != VMS_RUN_NONE;
		uint64_t node = by_numa ? x->value : single_node(r);

		/* -s and -L together: cut the page-size runs where the node changes (both exact) */
		if (!by_numa && o->il_lgroup && exact && m->numa_exact) {
			uint64_t at = x->start;

			while (at < x->end) {
				uint64_t nd = run_at(m->numa, m->n_numa, at), end = x->end;

				for (uint32_t k = 0; k < m->n_numa; k++)
					if (m->numa[k].start > at && m->numa[k].start < end)
						end = m->numa[k].start;
				il_row(f, o, at, end - at, at == r->start, amt,
				       resident ? (end - at) >> 10 : 0, x->value, nd, mode, name);
				at = end;
			}
			continue;
		}
		il_row(f, o, exact ? x->start : r->start, x->end - x->start, i == 0, amt,
		       resident ? (x->end - x->start) >> 10 : 0, by_numa ? VMS_RUN_NONE : x->value,
		       node, mode, name);
	}
}

static void il_print(FILE *f, const struct vms_snapshot *s, const struct format_opts *o,
		     struct format_state *st)
{
	struct vms_class *c = region_classify(s);
	struct il_totals t = { 0 };
	bool x = o->mode == PMAP_EXTENDED;

	print_pmap_header(f, s);
	if (!o->quiet) {
		fprintf(f, "%-16s %7s", "Address", "Kbytes");
		if (x)
			fprintf(f, " %7s %7s %7s", "RSS", "Anon", "Locked");
		if (o->il_swap)
			fprintf(f, " %7s %7s", "Swap", "Commit");
		if (o->il_pagesize)
			fprintf(f, " %4s", "Pgsz");
		fprintf(f, " %-5s", "Mode");
		if (o->il_lgroup)
			fprintf(f, " %4s", "Lgrp");
		fprintf(f, " %s\n", x || o->il_swap ? "Mapped File" : "Mapping");
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct vms_region *r = &s->regions[i];
		bool shmem = c[i].type == VMS_T_SHAREABLE;
		uint64_t amt[5], rss = region_acct(s, r, ACCT_RSS);
		char mode[6], *name;

		if (!region_in_range(o, r) || (o->il_reserved && !is_reserved(r)))
			continue;
		amt[0] = region_size(r) >> 10;
		amt[1] = region_acct(s, r, ACCT_ANONYMOUS) + (o->il_shared_anon && shmem ? rss : 0);
		amt[2] = region_acct(s, r, ACCT_LOCKED);
		amt[3] = r->perms[3] == 's' && !(o->il_shared_anon && shmem) ? 0
			 : region_acct(s, r, ACCT_SWAP);
		amt[4] = region_has_vmflag(r, "ac") ||
				 (o->il_shared_anon && shmem && !region_has_vmflag(r, "nr"))
			 ? amt[0] : 0;
		memcpy(mode, r->perms, 3);
		mode[3] = r->perms[3] == 's' ? 's' : '-';
		mode[4] = region_has_vmflag(r, "nr") ? 'R' : '-';
		mode[5] = '\0';
		name = il_name(s, c, i, o);
		il_region(f, r, o, amt, rss, mode, name);
		free(name);
		t.kb += amt[0];
		t.rss += rss;
		t.anon += amt[1];
		t.locked += amt[2];
		t.swap += amt[3];
		t.commit += amt[4];
	}
	free(c);
	if (o->quiet)
		return;
	fputs("---------------- -------", f);
	if (x)
		fputs(" ------- ------- -------", f);
	if (o->il_swap)
		fputs(" ------- -------", f);
	fputc('\n', f);
	fprintf(f, "%-16s %7llu", "total Kb", (unsigned long long)t.kb);
	if (x) {
		num(f, t.rss);
		num(f, t.anon);
		num(f, t.locked);
	}
	if (o->il_swap) {
		num(f, t.swap);
		num(f, t.commit);
	}
	fputc('\n', f);
}

const struct vms_format format_illumos = {
	.name = "illumos",
	.summary = "illumos pmap's table (-x, -S, -s, -L, -r, -a choose its columns)",
	.needs_accounting = il_needs_accounting,
	.needs = il_needs,
	.print = il_print,
};
