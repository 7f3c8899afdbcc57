// SPDX-License-Identifier: BSD-2-Clause
/* The region classifier (rules in classify.h). */
#include "classify.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

#define ARENA_HEAP_SIZE (64ull << 20)	/* glibc HEAP_MAX_SIZE on 64-bit: 2 * 32 MiB */

bool region_name_is_win_path(const char *n)
{
	char d = (char)(n[0] | 0x20);

	return (d >= 'a' && d <= 'z' && n[1] == ':' && n[2] == '\\') ||
	       (n[0] == '\\' && n[1] == '\\') || !strncmp(n, "\\Device\\", 8);
}

/* Windows names a file whose identity it may not give (inode 0): the path is enough. */
static bool is_file_backed(const struct vms_region *r)
{
	/* a core file knows a file by its name only (VMS_ABSENT_DEVINO) */
	return ((r->inode != 0 || (r->absent & VMS_ABSENT_DEVINO)) && r->name[0] == '/') ||
	       region_name_is_win_path(r->name);
}

/* Anonymous memory with no name: what malloc arenas, thread stacks and their guards are. */
static bool is_plain_anon(const struct vms_region *r)
{
	return r->inode == 0 && r->name[0] == '\0' && r->perms[3] == 'p';
}

bool region_is_shmem(const struct vms_region *r)
{
	const char *n = r->name;

	if (r->perms[3] != 's')
		return false;
	/* Windows: a view of a pagefile-backed section is unnamed (Linux names every shared map) */
	if (!strncmp(n, "[anon_shmem:", 12) || (r->inode == 0 && n[0] == '\0'))
		return true;
	return r->inode != 0 && (!strcmp(n, "/dev/zero (deleted)") || !strncmp(n, "/memfd:", 7) ||
				 !strncmp(n, "/SYSV", 5) || !strncmp(n, "/dev/shm/", 9));
}

bool region_has_vmflag(const struct vms_region *r, const char *flag)
{
	size_t n = strlen(flag);

	for (const char *p = region_more(r)->vmflags; p && *p;) {
		size_t len = strcspn(p, " ");

		if (len == n && !memcmp(p, flag, n))
			return true;
		p += len;
		p += strspn(p, " ");
	}
	return false;
}

bool region_max_prot(const struct vms_region *r, char out[4])
{
	if (!region_more(r)->vmflags) {
		memcpy(out, "???", 4);
		return false;
	}
	/* never below the current protection: the [vsyscall] gate has no VM_MAY* flags */
	out[0] = region_has_vmflag(r, "mr") || r->perms[0] == 'r' ? 'r' : '-';
	out[1] = region_has_vmflag(r, "mw") || r->perms[1] == 'w' ? 'w' : '-';
	out[2] = region_has_vmflag(r, "me") || r->perms[2] == 'x' ? 'x' : '-';
	out[3] = '\0';
	return true;
}

const char *vms_type_name(enum vms_type t)
{
	static const char *const names[VMS_T__COUNT] = {
		[VMS_T_IMAGE] = "Image", [VMS_T_MAPPED_FILE] = "Mapped File",
		[VMS_T_SHAREABLE] = "Shareable", [VMS_T_HEAP] = "Heap", [VMS_T_STACK] = "Stack",
		[VMS_T_PRIVATE] = "Private", [VMS_T_GUARD] = "Guard", [VMS_T_SYSTEM] = "System",
		[VMS_T_FREE] = "Free",
	};

	return (unsigned)t < VMS_T__COUNT ? names[t] : "?";
}

const char *vms_share_name(enum vms_share m)
{
	static const char *const names[] = { "COW", "PRV", "NUL", "ALI", "SHM" };

	return (unsigned)m < ARRAY_SIZE(names) ? names[m] : "?";
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

/* Same object (device and inode, whatever the name), then by file offset: for aliases. */
static int object_cmp_ptr(const void *pa, const void *pb)
{
	const struct vms_region *a = *(const struct vms_region *const *)pa;
	const struct vms_region *b = *(const struct vms_region *const *)pb;

	if (a->dev_major != b->dev_major)
		return a->dev_major < b->dev_major ? -1 : 1;
	if (a->dev_minor != b->dev_minor)
		return a->dev_minor < b->dev_minor ? -1 : 1;
	if (a->inode != b->inode)
		return a->inode < b->inode ? -1 : 1;
	if (a->offset != b->offset)
		return a->offset < b->offset ? -1 : 1;
	return a < b ? -1 : a > b;
}

/* Index of the region holding addr, or -1 (regions sorted by start). */
static long find_region(const struct vms_snapshot *s, uint64_t addr)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->regions[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n && s->regions[lo].start <= addr ? (long)lo : -1;
}

enum { UNSET = -1 };

static bool set_stack(const struct vms_snapshot *s, struct vms_class *c, long i, int tid)
{
	if (i < 0 || (int)c[i].type != UNSET || !is_plain_anon(&s->regions[i]))
		return false;
	c[i].type = VMS_T_STACK;
	c[i].tid = tid;
	c[i].main_stack = tid == s->proc.pid;
	return true;
}

/* A sigaltstack's regions: the plain anonymous ones overlapping [alt_sp, alt_sp + alt_size)
 * with at least half of their bytes inside it (a region much larger merely holds one: Go
 * carves its signal stacks out of its heap arenas). */
static void mark_altstack(const struct vms_snapshot *s, struct vms_class *c,
			  const struct vms_thread *th)
{
	uint64_t lo = th->alt_sp, hi = th->alt_sp + th->alt_size;

	if (!th->alt_size || hi < lo)
		return;
	for (long i = find_region(s, lo); i >= 0 && (size_t)i < s->n && s->regions[i].start < hi;
	     i++) {
		const struct vms_region *r = &s->regions[i];
		uint64_t in = (r->end < hi ? r->end : hi) - (r->start > lo ? r->start : lo);

		if (in * 2 >= region_size(r) && set_stack(s, c, i, th->tid)) {
			c[i].main_stack = false;
			c[i].alt_stack = true;
		}
	}
}

/* Thread stacks, by what is surest first (a region takes the first): each thread's known
 * bounds; the region below the sp it was created with (a stack holds the bytes below its
 * initial sp, which may be the region's end); its sigaltstack; the region holding a stack
 * pointer it had lately (which may be on the sigaltstack, or a coroutine's stack). */
static void mark_thread_stacks(const struct vms_snapshot *s, struct vms_class *c)
{
	for (size_t t = 0; t < s->n_threads; t++) {
		const struct vms_thread *th = &s->threads[t];

		if (th->stack_high > th->stack_low) {
			for (long i = find_region(s, th->stack_low); i >= 0 && (size_t)i < s->n &&
			     s->regions[i].start < th->stack_high; i++)
				set_stack(s, c, i, th->tid);
		}
		if (th->clone_sp)
			set_stack(s, c, find_region(s, th->clone_sp - 1), th->tid);
	}
	for (size_t t = 0; t < s->n_threads; t++)
		mark_altstack(s, c, &s->threads[t]);
	for (size_t t = 0; t < s->n_threads; t++)
		if (s->threads[t].sp)
			set_stack(s, c, find_region(s, s->threads[t].sp), s->threads[t].tid);
}

/* glibc arena heaps (classify.h): from each 64 MiB-aligned rw-p start, the adjacent rw-p and
 * ---p anonymous regions up to the heap's end. */
static void mark_arenas(const struct vms_snapshot *s, struct vms_class *c)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct vms_region *r = &s->regions[i];
		uint64_t limit = r->start + ARENA_HEAP_SIZE;
		size_t j;

		if ((int)c[i].type != UNSET || r->start % ARENA_HEAP_SIZE || !is_plain_anon(r) ||
		    strcmp(r->perms, "rw-p"))
			continue;
		for (j = i; j < s->n; j++) {
			const struct vms_region *q = &s->regions[j];

			if ((int)c[j].type != UNSET || !is_plain_anon(q) || q->end > limit ||
			    (j > i && q->start != s->regions[j - 1].end) ||
			    (strcmp(q->perms, "rw-p") && strcmp(q->perms, "---p")))
				break;
			if (q->end == limit) {
				for (size_t k = i; k <= j; k++) {
					c[k].type = VMS_T_HEAP;
					c[k].arena = true;
				}
				i = j;
				break;
			}
		}
	}
}

static bool is_brk_heap(const struct vms_snapshot *s, const struct vms_class *c, size_t i)
{
	return (int)c[i].type == VMS_T_HEAP && !c[i].arena;
}

static void mark_guards(const struct vms_snapshot *s, struct vms_class *c)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct vms_region *r = &s->regions[i];
		bool below = i + 1 < s->n && s->regions[i + 1].start == r->end;
		bool above = i > 0 && s->regions[i - 1].end == r->start;

		if ((int)c[i].type != UNSET || !is_plain_anon(r) || strcmp(r->perms, "---p"))
			continue;
		if (below && (int)c[i + 1].type == VMS_T_STACK) {
			c[i].type = VMS_T_GUARD;
			c[i].tid = c[i + 1].tid;
		} else if ((below && is_brk_heap(s, c, i + 1)) || (above && is_brk_heap(s, c, i - 1))) {
			c[i].type = VMS_T_GUARD;
		}
	}
}

static void mark_files(const struct vms_snapshot *s, struct vms_class *c)
{
	const struct vms_region **exec = xcalloc(s->n ? s->n : 1, sizeof(*exec));
	size_t n_exec = 0;

	/* A per-region rescan would be quadratic in a process that maps one file 60,000 times:
	 * sorted once, each question is a binary search. */
	for (size_t i = 0; i < s->n; i++)
		if (s->regions[i].perms[2] == 'x' && is_file_backed(&s->regions[i]))
			exec[n_exec++] = &s->regions[i];
	qsort(exec, n_exec, sizeof(*exec), file_cmp_ptr);
	for (size_t i = 0; i < s->n; i++) {
		const struct vms_region *r = &s->regions[i];

		if ((int)c[i].type != UNSET)
			continue;
		if (region_is_shmem(r))
			c[i].type = VMS_T_SHAREABLE;
		else if (is_file_backed(r))
			c[i].type = bsearch(&r, exec, n_exec, sizeof(*exec), file_cmp_ptr)
					    ? VMS_T_IMAGE : VMS_T_MAPPED_FILE;
	}
	free(exec);
	/* .bss: anonymous rw-p right after an image's rw-p segment. */
	for (size_t i = 1; i < s->n; i++) {
		const struct vms_region *r = &s->regions[i], *p = &s->regions[i - 1];

		if ((int)c[i].type == UNSET && is_plain_anon(r) && !strcmp(r->perms, "rw-p") &&
		    c[i - 1].type == VMS_T_IMAGE && !c[i - 1].bss && !strcmp(p->perms, "rw-p") &&
		    p->end == r->start) {
			c[i].type = VMS_T_IMAGE;
			c[i].bss = true;
		}
	}
}

/* ALI: shared mappings of the same object whose file ranges overlap. */
static void mark_aliases(const struct vms_snapshot *s, bool *alias)
{
	const struct vms_region **sh = xcalloc(s->n ? s->n : 1, sizeof(*sh));
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		if (s->regions[i].perms[3] == 's' && s->regions[i].inode)
			sh[n++] = &s->regions[i];
	qsort(sh, n, sizeof(*sh), object_cmp_ptr);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		uint64_t reach = sh[i]->offset + region_size(sh[i]);

		while (j < n && sh[j]->inode == sh[i]->inode && sh[j]->dev_major == sh[i]->dev_major &&
		       sh[j]->dev_minor == sh[i]->dev_minor) {
			if (sh[j]->offset < reach) {
				/* overlaps one before it: both are aliases (the earlier one found
				 * by its own reach; mark the one that set it too) */
				for (size_t k = i; k < j; k++)
					if (sh[k]->offset + region_size(sh[k]) > sh[j]->offset)
						alias[sh[k] - s->regions] = true;
				alias[sh[j] - s->regions] = true;
			}
			if (sh[j]->offset + region_size(sh[j]) > reach)
				reach = sh[j]->offset + region_size(sh[j]);
			j++;
		}
		i = j;
	}
	free(sh);
}

static enum vms_share share_mode(const struct vms_snapshot *s, const struct vms_region *r,
				 bool alias)
{
	uint64_t rss, shared, anon;

	if (r->perms[3] == 's')
		return alias ? VMS_SM_ALI : VMS_SM_SHM;
	if (!s->has_acct || !r->acct)
		return is_file_backed(r) ? VMS_SM_COW : !strncmp(r->perms, "---", 3) ? VMS_SM_NUL
										      : VMS_SM_PRV;
	rss = region_acct(s, r, ACCT_RSS);
	if (rss + region_acct(s, r, ACCT_SWAP) == 0)
		return VMS_SM_NUL;
	shared = region_acct(s, r, ACCT_SHARED_CLEAN) + region_acct(s, r, ACCT_SHARED_DIRTY);
	anon = region_acct(s, r, ACCT_ANONYMOUS);
	if (shared || (is_file_backed(r) && rss > anon))
		return VMS_SM_COW;
	return VMS_SM_PRV;
}

static const char *type_kind(enum vms_type t, const struct vms_region *r)
{
	switch (t) {
	case VMS_T_IMAGE: return "image";
	case VMS_T_MAPPED_FILE: return "mapped-file";
	case VMS_T_SHAREABLE: return "shareable";
	case VMS_T_HEAP: return "heap";
	case VMS_T_STACK: return "stack";
	case VMS_T_GUARD: return "guard";
	case VMS_T_SYSTEM:
		return !strcmp(r->name, "[vdso]") || !strncmp(r->name, "[vvar", 5) ? "vdso" : "system";
	default: return "private";
	}
}

struct vms_class *region_classify(const struct vms_snapshot *s)
{
	struct vms_class *c = xcalloc(s->n ? s->n : 1, sizeof(*c));
	bool *alias = xcalloc(s->n ? s->n : 1, sizeof(*alias));

	for (size_t i = 0; i < s->n; i++) {
		const struct vms_region *r = &s->regions[i];
		const char *n = r->name;

		c[i].type = (enum vms_type)UNSET;
		if (!strcmp(n, "[vdso]") || !strncmp(n, "[vvar", 5) || !strcmp(n, "[vsyscall]") ||
		    !strcmp(n, "[uprobes]")) {
			c[i].type = VMS_T_SYSTEM;
		} else if (!strcmp(n, "[heap]")) {
			c[i].type = VMS_T_HEAP;
		} else if (!strncmp(n, "[anon: glibc: malloc", 20)) {
			c[i].type = VMS_T_HEAP;
			c[i].arena = true;
		} else if (!strncmp(n, "[stack:", 7)) { /* a thread's, by tid: Windows, Linux < 4.5 */
			c[i].type = VMS_T_STACK;
			c[i].tid = atoi(n + 7);
			c[i].main_stack = s->n_threads && c[i].tid == s->threads[0].tid;
		} else if (!strcmp(n, "[stack]") ||
			   (n[0] == '\0' && s->proc.start_stack >= r->start && s->proc.start_stack < r->end)) {
			c[i].type = VMS_T_STACK;
			c[i].tid = s->proc.pid;
			c[i].main_stack = true;
		}
	}
	mark_thread_stacks(s, c);
	mark_arenas(s, c);
	mark_guards(s, c);
	mark_files(s, c);
	mark_aliases(s, alias);
	for (size_t i = 0; i < s->n; i++) {
		if ((int)c[i].type == UNSET)
			c[i].type = VMS_T_PRIVATE;
		c[i].kind = type_kind(c[i].type, &s->regions[i]);
		c[i].share = share_mode(s, &s->regions[i], alias[i]);
	}
	free(alias);
	return c;
}

const char **region_kinds(const struct vms_snapshot *s)
{
	struct vms_class *c = region_classify(s);
	const char **kinds = xcalloc(s->n ? s->n : 1, sizeof(*kinds));

	for (size_t i = 0; i < s->n; i++)
		kinds[i] = c[i].kind;
	free(c);
	return kinds;
}

const char *region_kind(const struct vms_snapshot *s, const struct vms_region *r)
{
	const char *k = "private";

	/* A region's kind depends on its neighbours (guards, arenas, .bss), so it is the whole
	 * snapshot's answer for that index. */
	if (r >= s->regions && r < s->regions + s->n) {
		const char **kinds = region_kinds(s);

		k = kinds[r - s->regions];
		free(kinds);
	}
	return k;
}
