/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* flt_find_vma(): the VMA of an address, with no lock and no helper, from the fault path.
 * Shared by faults.bpf.c and its feature probe (probe_faults.bpf.c), which checks it on the
 * running kernel before `start --faults` relies on it. */
#ifndef VMS_VMA_WALK_BPF_H
#define VMS_VMA_WALK_BPF_H

#include "core_fixes.bpf.h"	/* rdonly_cast() */

/*
 * The VMA of a faulting address, found by walking the mm's maple tree with plain loads. Why not
 * bpf_find_vma: the perf programs run with interrupts off, where it (and the kfunc iterator) can
 * only release the mmap_lock through an irq_work, a self-IPI per fault (~25 us each in a VM).
 * Why this is safe: the fault holds the VMA (per-VMA lock or mmap_lock), so its slot cannot
 * change; the nodes on the way are RCU-freed and we run under RCU. The loads are bpf_rdonly_cast
 * ones (faulting loads fixed up to 0, one instruction each, no helper call). What is found is
 * checked (it must hold addr, in this mm); a torn read is counted as lost, never misattributed.
 * Encoding (include/linux/maple_tree.h): a node pointer has its type in bits 3-6, the node is at
 * the pointer & ~0xff (the root pointer also has bit 1 set); range_64 and leaf_64 nodes hold 15
 * pivots then 16 slots, arange_64 9 and 10; a leaf's slots are the VMAs. The slot of addr is the
 * first whose pivot (upper bound) is >= addr; the last slot has no pivot; a 0 pivot past the
 * first ends the node's data.
 */
#define MT_NODE_MASK	0xffUL
#define MT_DEPTH_MAX	8


/* One step down: the child (or, in a leaf, the VMA) of node n for addr. Constant indexes only:
 * loads through a cast pointer take no variable offset. */
#define FLT_DESCEND(pivot, slot, npiv)						\
	do {									\
		_Pragma("unroll")						\
		for (int i = 0; i < (npiv); i++) {				\
			unsigned long piv = (pivot)[i];				\
									\
			if (piv >= addr || (i && !piv))				\
				return (unsigned long)(slot)[i];		\
		}								\
		return (unsigned long)(slot)[npiv];				\
	} while (0)

static __always_inline unsigned long flt_descend(unsigned long e, __u64 addr)
{
	struct maple_node *n = rdonly_cast(e & ~MT_NODE_MASK, struct maple_node);
	unsigned type = (e >> 3) & 0xf;

	if (!n || ((unsigned long)n->parent & ~MT_NODE_MASK) == (e & ~MT_NODE_MASK))
		return 0; /* a dead node points to itself */
	if (type == maple_arange_64)
		FLT_DESCEND(n->ma64.pivot, n->ma64.slot, 9);
	if (type == maple_range_64 || type == maple_leaf_64)
		FLT_DESCEND(n->mr64.pivot, n->mr64.slot, 15);
	return 0;
}

static __always_inline struct vm_area_struct *flt_find_vma(struct mm_struct *mm, __u64 addr)
{
	unsigned long e = (unsigned long)mm->mm_mt.ma_root;
	struct vm_area_struct *vma;

	/* the root is a node (xa_is_node, then its root bit 2 cleared), else a lone entry */
	if ((e & 3) != 2 || e <= 4096)
		return NULL;
	e &= ~2UL;
	for (int depth = 0; depth < MT_DEPTH_MAX; depth++) {
		bool leaf = ((e >> 3) & 0xf) == maple_leaf_64;

		e = flt_descend(e, addr);
		if (!e)
			return NULL;
		if (leaf) {
			vma = rdonly_cast(e, struct vm_area_struct);
			if (!vma || vma->vm_mm != mm || vma->vm_start > addr || vma->vm_end <= addr)
				return NULL;
			return vma;
		}
	}
	return NULL;
}

#endif
