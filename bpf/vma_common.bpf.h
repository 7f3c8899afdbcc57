/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What the BPF programs share: the kernel's constants vmlinux.h cannot carry (they are macros),
 * how /proc spells perms, the gate page, [heap] and [stack], and walk validation. */
#ifndef VMS_VMA_COMMON_BPF_H
#define VMS_VMA_COMMON_BPF_H

#include "vmscope.h"
#include "core_fixes.bpf.h"

#define PAGE_SHIFT	12	/* x86-64's, and 4K-page arm64's */
#define PAGE_SIZE	4096
#define PF_EXITING	0x00000004	/* include/linux/sched.h */
#define VM_READ		0x1		/* include/linux/mm.h */
#define VM_WRITE	0x2
#define VM_EXEC		0x4
#define VM_MAYSHARE	0x80
#define VM_GROWSDOWN	0x100
#define MM_CONTEXT_HAS_VSYSCALL_BIT 1	/* arch/x86/include/asm/mmu.h */

static __always_inline __u64 page_down(__u64 a) { return a & ~(__u64)(PAGE_SIZE - 1); }
static __always_inline __u64 page_up(__u64 a) { return (a + PAGE_SIZE - 1) & ~(__u64)(PAGE_SIZE - 1); }

/* Tests only: a load through a null pointer, which every verifier refuses (see vmscope.h). The
 * .bpf.c that uses it defines the knob, `const volatile __u32 inject_refusal`. */
#define INJECT_REFUSAL(bit)								\
	do {										\
		if (inject_refusal & (bit))						\
			asm volatile("r0 = 0; r0 = *(u64 *)(r0 + 0)" ::: "r0");	\
	} while (0)

/* rwx and 's' (VM_MAYSHARE) as /proc/PID/maps prints them. */
static __always_inline __u32 vma_perm_flags(unsigned long vmf)
{
	__u32 flags = 0;

	if (vmf & VM_READ)
		flags |= VMS_VMA_READ;
	if (vmf & VM_WRITE)
		flags |= VMS_VMA_WRITE;
	if (vmf & VM_EXEC)
		flags |= VMS_VMA_EXEC;
	if (vmf & VM_MAYSHARE)
		flags |= VMS_VMA_SHARED;
	return flags;
}

/* /proc lists the [vsyscall] gate page after the VMAs of 64-bit x86 processes. */
static __always_inline bool mm_has_gate(struct mm_struct *mm)
{
#if defined(__TARGET_ARCH_x86)
	return BPF_CORE_READ(mm, context.flags) & (1UL << MM_CONTEXT_HAS_VSYSCALL_BIT);
#else
	return false;
#endif
}

/* get_vma_name()'s [heap] test (its strictness: core_fixes.bpf.h).
 * mm (here and below) is a BTF pointer (vma->vm_mm): plain loads, no helper calls. */
static __always_inline bool vma_is_heap(__u64 start, __u64 end, struct mm_struct *mm)
{
	__u64 brk = mm->brk, start_brk = mm->start_brk;

	if (heap_test_strict())
		return start < brk && end > start_brk;
	return start <= brk && end >= start_brk;
}

/* ... and [stack]: the VMA that holds mm->start_stack (inclusive at both ends). */
static __always_inline bool vma_is_stack(__u64 start, __u64 end, struct mm_struct *mm)
{
	__u64 sp = mm->start_stack;

	return start <= sp && end >= sp;
}

#define RLIMIT_STACK	3
#define STACK_WINDOW	(1ULL << 30)	/* how far below the stack's top a fault is looked at */

/* The cheap test every page fault takes before anything else: an address below the stack's top
 * (mm->start_stack), within the window. Returns the top, or 0 when the fault cannot be stack
 * growth. */
static __always_inline __u64 stack_fault_top(struct mm_struct *mm, unsigned long address)
{
	__u64 top;

	if (!mm)
		return 0;
	top = mm->start_stack;
	return address < top && address + STACK_WINDOW >= top ? top : 0;
}

/* How far the stack may grow: RLIMIT_STACK, at most the window. */
static __always_inline __u64 stack_limit(struct task_struct *task)
{
	__u64 limit = BPF_CORE_READ(task, signal, rlim[RLIMIT_STACK].rlim_cur);

	return limit < STACK_WINDOW ? limit : STACK_WINDOW;
}

/*
 * Walk validation. VMA readers may run without the mmap_lock: since the 2026 rework the kfunc VMA
 * iterator, iter/task_vma and bpf_find_vma hand out RCU-protected, possibly stale VMAs. A walk is
 * a consistent picture only if no writer held the mmap_lock meanwhile, which mm_seq() tells where
 * it can (core_fixes.bpf.h); where it cannot, the iterators hold the lock for the whole walk.
 * A walk of mm begun when mm_seq() was seq0 saw one consistent state.
 */
static __always_inline bool walk_consistent(struct mm_struct *mm, __u32 seq0)
{
	return !mm_seq_checkable() || (!(seq0 & 1) && mm_seq(mm) == seq0);
}

/* A kernel pointer as a plain number, e.g. to hand an untrusted VMA to a global function (which
 * takes no untrusted pointer): the helper's copy is a scalar to the verifier. */
static __always_inline __u64 ptr_to_u64(const void *p)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), &p);
	return v;
}

#endif
