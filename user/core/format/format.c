// SPDX-License-Identifier: BSD-2-Clause
#include "format/format.h"

#include <stdlib.h>
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
