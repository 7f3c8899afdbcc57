// SPDX-License-Identifier: BSD-2-Clause
/*
 * Sysinternals VMMap's summary view: one row per type (classify.h), in kB. The columns on
 * Linux (README "Column definitions"):
 *   Size          the regions' sizes;
 *   Committed     what is backed: file and shared memory mappings, and private regions charged
 *                 to the commit limit (VmFlags ac); not PROT_NONE or MAP_NORESERVE reservations;
 *   Private       the commit charge: the size of regions with VmFlags ac (VM_ACCOUNT);
 *   Total WS      Rss;
 *   Private WS    Private_Clean + Private_Dirty;
 *   Shareable WS  Rss - Anonymous: page cache and shmem pages, which other processes can map;
 *   Shared WS     Shared_Clean + Shared_Dirty: pages another process maps now;
 *   Locked WS     Locked (the kernel counts it by PSS);
 *   (Windows' working set, user/windows, has no clean/dirty split: its Private WS is Anonymous,
 *   its private pages, and its Shared WS its Shared_WS key: VMMap's own definitions);
 *   Blocks        regions (VMAs);
 *   Largest       the largest region; for Free, the largest gap.
 * Free: the gaps between the regions, from the lowest region to the highest below [vsyscall].
 */
#include <stdlib.h>
#include <string.h>

#include "format/format.h"
#include "classify.h"
#include "util.h"

enum { C_SIZE, C_COMMITTED, C_PRIVATE, C_TOTAL_WS, C_PRIVATE_WS, C_SHAREABLE_WS, C_SHARED_WS,
       C_LOCKED_WS, C_BLOCKS, C_LARGEST, C__COUNT };

static const char *const col_names[C__COUNT] = {
	"Size", "Committed", "Private", "Total WS", "Private WS", "Shareable WS", "Shared WS",
	"Locked WS", "Blocks", "Largest",
};

static bool types_needs_accounting(const struct format_opts *o)
{
	return true;
}

static bool committed(const struct vms_region *r, enum vms_type t)
{
	if (region_has_vmflag(r, "ac"))
		return true;
	if (t == VMS_T_IMAGE || t == VMS_T_MAPPED_FILE || t == VMS_T_SHAREABLE)
		return !region_has_vmflag(r, "nr") && !(t == VMS_T_IMAGE && r->perms[0] == '-' &&
							  r->perms[1] == '-' && r->perms[2] == '-');
	return false;
}

static int key_index(const struct vms_snapshot *s, const char *key)
{
	for (size_t k = 0; k < s->n_keys; k++)
		if (!strcmp(s->acct_keys[k], key))
			return (int)k;
	return -1;
}

static void types_print(FILE *f, const struct vms_snapshot *s, const struct format_opts *o,
			struct format_state *st)
{
	/* a Windows snapshot: Shareable_WS and no Private_Clean (see the top) */
	bool win = key_index(s, "Shareable_WS") >= 0 && s->acct_idx[ACCT_PRIVATE_CLEAN] < 0 &&
		   s->acct_idx[ACCT_PRIVATE_DIRTY] < 0;
	int shared_ws = win ? key_index(s, "Shared_WS") : -1;
	struct vms_class *c = region_classify(s);
	uint64_t v[VMS_T__COUNT + 1][C__COUNT] = { { 0 } };
	uint64_t *tot = v[VMS_T__COUNT], prev_end = 0;
	bool have_prev = false;

	for (size_t i = 0; i < s->n; i++) {
		const struct vms_region *r = &s->regions[i];
		uint64_t *x = v[c[i].type], kb = region_size(r) >> 10;
		uint64_t rss = region_acct(s, r, ACCT_RSS), anon = region_acct(s, r, ACCT_ANONYMOUS);

		if (!region_in_range(o, r))
			continue;
		x[C_SIZE] += kb;
		x[C_COMMITTED] += committed(r, c[i].type) ? kb : 0;
		x[C_PRIVATE] += region_has_vmflag(r, "ac") ? kb : 0;
		x[C_TOTAL_WS] += rss;
		x[C_PRIVATE_WS] += win ? anon : region_acct(s, r, ACCT_PRIVATE_CLEAN) +
						 region_acct(s, r, ACCT_PRIVATE_DIRTY);
		x[C_SHAREABLE_WS] += rss > anon ? rss - anon : 0;
		if (shared_ws >= 0)
			x[C_SHARED_WS] += r->acct ? r->acct[shared_ws] : 0;
		else
			x[C_SHARED_WS] += region_acct(s, r, ACCT_SHARED_CLEAN) +
					  region_acct(s, r, ACCT_SHARED_DIRTY);
		x[C_LOCKED_WS] += region_acct(s, r, ACCT_LOCKED);
		x[C_BLOCKS]++;
		if (kb > x[C_LARGEST])
			x[C_LARGEST] = kb;
		/* the gate page sits far above the address space: no gap up to it */
		if (strcmp(r->name, "[vsyscall]")) {
			if (have_prev && r->start > prev_end) {
				uint64_t gap = (r->start - prev_end) >> 10;
				uint64_t *fr = v[VMS_T_FREE];

				fr[C_SIZE] += gap;
				fr[C_BLOCKS]++;
				if (gap > fr[C_LARGEST])
					fr[C_LARGEST] = gap;
			}
			prev_end = r->end;
			have_prev = true;
		}
	}
	free(c);
	/* Total: the regions' rows (Free is not memory of the process) */
	for (int t = 0; t < VMS_T__COUNT; t++) {
		if (t == VMS_T_FREE)
			continue;
		for (int k = 0; k < C__COUNT; k++) {
			if (k == C_LARGEST)
				tot[k] = v[t][k] > tot[k] ? v[t][k] : tot[k];
			else
				tot[k] += v[t][k];
		}
	}
	if (st->n_done++)
		fputc('\n', f);
	fprintf(f, "%d:   %s\n", (int)s->proc.pid, s->proc.cmdline ? s->proc.cmdline : "");
	if (!o->quiet) {
		fprintf(f, "%-12s", "Type (kB)");
		for (int k = 0; k < C__COUNT; k++)
			fprintf(f, " %*s", k == C_BLOCKS ? 7 : 12, col_names[k]);
		fputc('\n', f);
	}
	for (int t = -1; t < VMS_T__COUNT; t++) {
		const uint64_t *x = t < 0 ? tot : v[t];

		fprintf(f, "%-12s", t < 0 ? "Total" : vms_type_name(t));
		for (int k = 0; k < C__COUNT; k++) {
			int w = k == C_BLOCKS ? 7 : 12;

			/* Free has a size, blocks and a largest block; nothing else applies */
			if (t == VMS_T_FREE && k != C_SIZE && k != C_BLOCKS && k != C_LARGEST)
				fprintf(f, " %*s", w, "");
			else if (s->acct_absent && k != C_SIZE && k != C_BLOCKS && k != C_LARGEST)
				fprintf(f, " %*s", w, "-"); /* a core file: no smaps, no VmFlags */
			else
				fprintf(f, " %*llu", w, (unsigned long long)x[k]);
		}
		fputc('\n', f);
	}
}

const struct vms_format format_types = {
	.name = "types",
	.summary = "Sysinternals VMMap's summary: Size, Committed, Private, working sets... per type",
	.needs_accounting = types_needs_accounting,
	.needs = format_needs_threads,
	.print = types_print,
};
