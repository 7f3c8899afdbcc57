/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What a region is for: the one classifier every view uses (JSON/CSV `kind`, vmmap's REGION
 * TYPE and share mode, VMMap's types, illumos' labels). Rules (README "Region types"):
 *  - System: [vdso], [vvar*] (kind "vdso"), [vsyscall], [uprobes] (kind "system");
 *  - Heap: [heap]; glibc's malloc heaps of non-main arenas: a run of adjacent anonymous
 *    private rw-p/---p regions that starts rw-p at a 64 MiB-aligned address and ends exactly
 *    64 MiB later (HEAP_MAX_SIZE on 64-bit), PROT_NONE tail included; regions glibc names
 *    "[anon: glibc: malloc...]" (glibc.mem.decorate_maps);
 *  - Stack: [stack], the region holding proc.start_stack, and each thread's stack labelled
 *    with its tid: the regions overlapping its known bounds, the region below the sp it was
 *    created with (clone_sp), the region holding a stack pointer it had lately; and its
 *    sigaltstack (alt_stack): the anonymous regions at least half inside [alt_sp, +alt_size);
 *    "[stack:TID]" (Windows, and Linux before 4.5), labelled with TID;
 *  - Guard: an anonymous PROT_NONE region just below a stack (its guard) or next to [heap];
 *  - Shareable: a shared mapping of shmem: shared anonymous ("/dev/zero (deleted)"), memfd,
 *    SysV shm ("/SYSV..."), POSIX shm (/dev/shm/...), "[anon_shmem:...]"; an unnamed shared
 *    region (Windows: a view of a pagefile-backed section);
 *  - Image: every mapping of a file that is mapped executable somewhere in the process (the
 *    executable and shared libraries: text, rodata, relro, data, alignment gaps), and the
 *    anonymous rw-p region starting right where an image's rw-p segment ends (its .bss);
 *  - Mapped File: every other file mapping (shared ones too); Windows file names
 *    (region_name_is_win_path()) are files too;
 *  - Private: every other anonymous region (PROT_NONE reservations included).
 */
#ifndef VMS_CLASSIFY_H
#define VMS_CLASSIFY_H

#include "region.h"

/* VMMap's types, in VMMap's row order. */
enum vms_type {
	VMS_T_IMAGE, VMS_T_MAPPED_FILE, VMS_T_SHAREABLE, VMS_T_HEAP, VMS_T_STACK, VMS_T_PRIVATE,
	VMS_T_GUARD, VMS_T_SYSTEM, VMS_T_FREE, VMS_T__COUNT
};

/* macOS vmmap's share modes (SM=). The rule, first match wins:
 *  ALI: a shared mapping of a file range that another shared mapping of this process maps too;
 *  SHM: any other shared mapping;
 *  NUL: nothing resident and nothing swapped (Rss + Swap = 0; needs accounting);
 *  COW: private, and some of its pages are not its own yet: pages shared with another process
 *       (Shared_Clean + Shared_Dirty > 0) or file pages not copied on write (Rss > Anonymous);
 *       without accounting: every private file mapping;
 *  PRV: every other private mapping (all its resident pages are its own anonymous copies). */
enum vms_share { VMS_SM_COW, VMS_SM_PRV, VMS_SM_NUL, VMS_SM_ALI, VMS_SM_SHM };

struct vms_class {
	enum vms_type type;
	const char *kind;	/* the JSON contract's kind */
	int tid;		/* Stack, and the Guard below one: the thread (the pid for the main
				 * stack); 0 if not known */
	bool main_stack;	/* [stack] / start_stack / the main thread's */
	bool alt_stack;		/* Stack: the thread's sigaltstack (tid: whose) */
	bool arena;		/* Heap: a glibc arena heap (not [heap]) */
	bool bss;		/* Image: the anonymous .bss after an image's data */
	enum vms_share share;
};

/* One of: image, mapped-file, private, shareable, heap, stack, guard, vdso, system. */
const char *region_kind(const struct vms_snapshot *s, const struct vms_region *r);
/* region_kind() of every region of s, in order (s->n entries; free() the array): in
 * O(n log n), where asking region_kind() of each is quadratic. */
const char **region_kinds(const struct vms_snapshot *s);
/* The class of every region of s (s->n entries, free() it), in O(n log n). Regions must be
 * sorted by start, as every backend gives them. */
struct vms_class *region_classify(const struct vms_snapshot *s);

/* "Image", "Mapped File", ..., "Free". */
const char *vms_type_name(enum vms_type t);
/* "COW", "PRV", "NUL", "ALI", "SHM". */
const char *vms_share_name(enum vms_share m);
/* The maximum protection ("rwx", "r-x", ...) from VmFlags mr/mw/me (VM_MAYREAD/WRITE/EXEC):
 * what mprotect() could still grant, and never less than the current protection. false
 * (out = "???") when VmFlags were not read. */
bool region_max_prot(const struct vms_region *r, char out[4]);
/* Whether VmFlags holds the two-letter flag (e.g. "ac", "nr"); false without VmFlags. */
bool region_has_vmflag(const struct vms_region *r, const char *flag);
/* Whether the region is a shared mapping of shmem (the Shareable test, by name). */
bool region_is_shmem(const struct vms_region *r);

/* Whether a region's name is a Windows file name: a drive path (C:\dir\file), a UNC path
 * (\\server\share\file) or an NT device path (\Device\...): the last component follows the
 * last backslash. No Linux name looks like one (files start with /, the rest with [ or memfd:). */
bool region_name_is_win_path(const char *name);

#endif
