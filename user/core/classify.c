// SPDX-License-Identifier: BSD-2-Clause
#include "classify.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

bool region_name_is_win_path(const char *n)
{
	char d = (char)(n[0] | 0x20);

	return (d >= 'a' && d <= 'z' && n[1] == ':' && n[2] == '\\') ||
	       (n[0] == '\\' && n[1] == '\\') || !strncmp(n, "\\Device\\", 8);
}

/* Windows names a file whose identity it may not give (inode 0): the path is enough. */
static bool is_file_backed(const struct vms_region *r)
{
	return (r->inode != 0 && r->name[0] == '/') || region_name_is_win_path(r->name);
}

/* The file a region maps: what makes two mappings the same image. */
static int file_cmp(const struct vms_region *a, const struct vms_region *b)
{
	if (a->inode != b->inode)
		return a->inode < b->inode ? -1 : 1;
	if (a->dev_major != b->dev_major)
		return a->dev_major < b->dev_major ? -1 : 1;
	if (a->dev_minor != b->dev_minor)
		return a->dev_minor < b->dev_minor ? -1 : 1;
	return strcmp(a->name, b->name);
}

static int file_cmp_ptr(const void *a, const void *b)
{
	return file_cmp(*(const struct vms_region *const *)a, *(const struct vms_region *const *)b);
}

/* An executable file that is mapped executable somewhere in the process is an image (ELF
 * object); all of its mappings (text, rodata, data, relro) belong to that image. */
static bool is_image(const struct vms_snapshot *s, const struct vms_region *r)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct vms_region *o = &s->regions[i];

		if (o->perms[2] == 'x' && !file_cmp(o, r))
			return true;
	}
	return false;
}

/* Every kind but the image question, which needs the other regions: NULL for a file. */
static const char *kind_alone(const struct vms_snapshot *s, const struct vms_region *r)
{
	const char *n = r->name;

	if (!strcmp(n, "[heap]"))
		return "heap";
	if (!strcmp(n, "[stack]") || !strncmp(n, "[stack:", 7) /* a thread's: Windows, Linux < 4.5 */ ||
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
		return NULL;
	return "private";
}

const char *region_kind(const struct vms_snapshot *s, const struct vms_region *r)
{
	const char *k = kind_alone(s, r);

	return k ? k : is_image(s, r) ? "image" : "mapped-file";
}

const char **region_kinds(const struct vms_snapshot *s)
{
	const char **kinds = xcalloc(s->n, sizeof(*kinds));
	const struct vms_region **exec = xcalloc(s->n, sizeof(*exec));
	size_t n_exec = 0;

	/* is_image() per region rescans them all: quadratic in a process that maps one file
	 * 60,000 times. Sorted once, each question is a binary search. */
	for (size_t i = 0; i < s->n; i++)
		if (s->regions[i].perms[2] == 'x' && is_file_backed(&s->regions[i]))
			exec[n_exec++] = &s->regions[i];
	qsort(exec, n_exec, sizeof(*exec), file_cmp_ptr);
	for (size_t i = 0; i < s->n; i++) {
		const struct vms_region *r = &s->regions[i];

		kinds[i] = kind_alone(s, r);
		if (!kinds[i])
			kinds[i] = bsearch(&r, exec, n_exec, sizeof(*exec), file_cmp_ptr) ? "image"
											   : "mapped-file";
	}
	free(exec);
	return kinds;
}
