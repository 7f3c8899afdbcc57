// SPDX-License-Identifier: BSD-2-Clause
#include "format/format.h"

#include <stdlib.h>
#include <errno.h>
#include <string.h>

#include "escape.h"
#include "util.h"

const struct vms_format *const vms_formats[] = {
	&format_pmap,
	&format_json,
	&format_csv,
	&format_vmmap,
	&format_vmmap_summary,
	&format_types,
	&format_illumos,
	&format_svg,
	&format_html,
	&format_picture,
	NULL,
};

const struct vms_format *format_find(const char *name)
{
	return table_find(REGISTRY(vms_formats), name);
}

void format_opts_init(struct format_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->range_high = UINT64_MAX;
	o->shm_minor = ~0u;
}

/* procps' test: a mapping is shown when it overlaps [low, high]. */
bool region_in_range(const struct format_opts *o, const struct vms_region *r)
{
	return !(r->end - 1 < o->range_low) && !(o->range_high < r->start);
}

void print_pmap_header(FILE *f, const struct vms_snapshot *s)
{
	/* a live cmdline comes escaped (procfs_render_cmdline), and escaping is idempotent; one
	 * from a file (snapshot, core) may hold anything */
	const char *c = s->proc.cmdline ? s->proc.cmdline : "";
	char *esc = vms_escape_dup(c, strlen(c), VMS_ESC_CMDLINE);

	fprintf(f, "%u:   %s\n", (unsigned)s->proc.pid, esc);
	free(esc);
}

unsigned format_needs_threads(const struct format_opts *o)
{
	return FMT_NEED_THREADS;
}

int format_check_views(const struct format_opts *o, const char **format, bool d_or_X, char *why,
		       size_t n)
{
	bool il = o->il_lgroup || o->il_pagesize || o->il_swap || o->il_reserved || o->il_shared_anon;
	bool vm = o->vm_resident || o->vm_pages || o->vm_no_coalesce || o->vm_interleaved;

	if (il && !strcmp(*format, "pmap"))
		*format = "illumos";
	if (il && strcmp(*format, "illumos")) {
		snprintf(why, n, "-L, -s, -S, -r and -a are illumos pmap's: they print the illumos "
			 "table (not with --format %s)", *format);
		return -EINVAL;
	}
	if (!strcmp(*format, "illumos") && d_or_X) {
		snprintf(why, n, "the illumos table has -x, not -d, -X or -XX");
		return -EINVAL;
	}
	if (vm && strcmp(*format, "vmmap") && strcmp(*format, "vmmap-summary")) {
		snprintf(why, n, "-resident, -pages, -noCoalesce and -interleaved are vmmap's: use them "
			 "with --format vmmap or vmmap-summary");
		return -EINVAL;
	}
	return 0;
}
