// SPDX-License-Identifier: BSD-2-Clause
#include "classify.h"

#include <string.h>

static bool is_file_backed(const struct vms_region *r)
{
	return r->inode != 0 && r->name[0] == '/';
}

/* An executable file that is mapped executable somewhere in the process is an image (ELF
 * object); all of its mappings (text, rodata, data, relro) belong to that image. */
static bool is_image(const struct vms_snapshot *s, const struct vms_region *r)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct vms_region *o = &s->regions[i];

		if (o->perms[2] == 'x' && o->inode == r->inode && o->dev_major == r->dev_major &&
		    o->dev_minor == r->dev_minor && !strcmp(o->name, r->name))
			return true;
	}
	return false;
}

const char *region_kind(const struct vms_snapshot *s, const struct vms_region *r)
{
	const char *n = r->name;

	if (!strcmp(n, "[heap]"))
		return "heap";
	if (!strcmp(n, "[stack]") ||
	    (n[0] == '\0' && s->proc.start_stack >= r->start && s->proc.start_stack < r->end))
		return "stack";
	if (!strcmp(n, "[vdso]") || !strncmp(n, "[vvar", 5))
		return "vdso";
	if (!strcmp(n, "[vsyscall]") || !strcmp(n, "[uprobes]"))
		return "system";
	if (!strcmp(r->perms, "---p"))
		return "guard";
	if (r->perms[3] == 's')
		return "shareable";
	if (is_file_backed(r))
		return is_image(s, r) ? "image" : "mapped-file";
	return "private";
}
