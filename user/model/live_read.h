/* SPDX-License-Identifier: BSD-2-Clause */
/* What the one-process reader (live.c) and the whole-system reader (live_all.c) share: turning
 * the VMA entries of one published generation into a region list. */
#ifndef VMS_LIVE_READ_H
#define VMS_LIVE_READ_H

#include <stdbool.h>
#include <stddef.h>

#include "core/u64map.h"
#include "model/live.h"

/* One element of vms_vmas, as a batch read copies it out. */
struct live_vma {
	struct vms_vma_key k;
	struct vms_vma_ent v;
};

/* Names decoded once per read, per kind (the kind spells the name: [anon:%s]): 60,000 regions
 * share a few hundred names, and a lookup per region was most of a read's syscalls. */
struct live_names {
	struct u64map by_kind[VMS_NAME_ANON_SHMEM + 1];
	struct u64map ino_now;	/* name id -> inode its path names now + 1 (UINTPTR_MAX: none) */
};

void live_names_free(struct live_names *nc);

/* Copies the slab's slot (live_slab_order) as one entry of tgid's generation gen: false if the
 * slot holds no such entry now (torn or reused: the state check after the read says which). */
bool live_slab_get(const struct live *m, size_t slot, uint32_t tgid, uint32_t gen,
		   struct live_vma *out);

/* Appends the n VMAs (any order) to s as regions sorted by start, then the [vsyscall] gate page
 * if gate. 0, -ENODATA: a name the kernel side could not build (the reader asks /proc), or
 * -ESTALE: a file was unlinked or renamed since it was mapped (no event says so: resync it). */
int live_fill(struct live *m, struct live_names *nc, const struct live_vma *v, size_t n,
	      bool gate, struct vms_snapshot *s);
/* The same from (start, index) pairs, any order (sorted in place, with n entries of scratch at
 * tmp, or NULL: allocated): index into v, or, v NULL, a slot of the mapped slab holding an entry
 * of s's pid at generation gen. A slot read while it changes may give -ENODATA or a wrong
 * region: the caller checks the state after. */
int live_fill_order(struct live *m, struct live_names *nc, const struct live_vma *v, uint32_t gen,
		    struct vms_sort_ent *order, size_t n, struct vms_sort_ent *tmp, bool gate,
		    struct vms_snapshot *s);

/* Whether a process entry can be read as it stands: published, no edit in flight, nothing the
 * kernel side asked its reader to redo. */
static inline bool live_ent_clean(const struct vms_proc_ent *pe)
{
	return VMS_STATE_GEN(pe->state) && !pe->busy &&
	       !(pe->flags & (VMS_PROC_DIRTY | VMS_PROC_OVERFLOW | VMS_PROC_STACK));
}

/* The thread records (live_threads.c): how many, how many with a sigaltstack, how many of
 * threads no longer running, and their map's kernel memory added to *kernel_bytes. 0, or
 * -errno (none: a model without them). */
int live_thread_status(unsigned long long *records, unsigned long long *alts,
		       unsigned long long *dead, unsigned long long *kernel_bytes);

#endif
