/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where kernels differ, one small inline (or declaration) each, with the version and commit that
 * made the difference (the shape of bcc libbpf-tools' core_fixes.bpf.h). Everything else reads
 * the kernel through these, not through its own CO-RE test. After vmlinux.h, bpf_helpers.h and
 * bpf_core_read.h.
 */
#ifndef VMS_CORE_FIXES_BPF_H
#define VMS_CORE_FIXES_BPF_H

extern int LINUX_KERNEL_VERSION __kconfig;

/*
 * kfuncs, weak: a program that does not call one loads where it is missing. Which kernel has the
 * VMA iterator (6.7+) decides the tier, in user space from kernel BTF (user/features/probe_vma.c):
 * tier event-resync's programs call none of these. libbpf 1.1's headers declare none of them.
 */
/* 6.2: "bpf: Add bpf_task_from_pid() kfunc", "bpf: Add kfuncs for storing struct task_struct *
 * as a kptr" (bpf_task_release) */
extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym __weak;
extern void bpf_task_release(struct task_struct *p) __ksym __weak;
/* 6.2: "bpf: Add a kfunc for generic type cast" */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;
/* p as a read-only pointer to a kernel type: its loads are plain ones, faults fixed up to 0 */
#define rdonly_cast(p, type) ((type *)bpf_rdonly_cast((void *)(p), bpf_core_type_id_kernel(type)))
/* 6.7: "bpf: Introduce task_vma open-coded iterator kfuncs" */
extern int bpf_iter_task_vma_new(struct bpf_iter_task_vma *it, struct task_struct *task,
				 __u64 addr) __ksym __weak;
extern struct vm_area_struct *bpf_iter_task_vma_next(struct bpf_iter_task_vma *it) __ksym __weak;
extern void bpf_iter_task_vma_destroy(struct bpf_iter_task_vma *it) __ksym __weak;

/*
 * mm->mm_lock_seq: a seqcount_t since 6.14 ("mm: convert mm_lock_seq to a proper seqcount"), odd
 * while a writer holds the mmap_lock and moved by each one. Before, a plain counter that can be
 * odd at rest; but those kernels' iterators hold the mmap_lock for the whole walk, so there is
 * nothing to check (walk_consistent()).
 */
struct seqcount___vms {
	unsigned sequence;
} __attribute__((preserve_access_index));

struct mm_struct___vms {
	struct seqcount___vms mm_lock_seq;
} __attribute__((preserve_access_index));

static __always_inline bool mm_seq_checkable(void)
{
	return bpf_core_field_exists(((struct mm_struct___vms *)0)->mm_lock_seq.sequence);
}

static __always_inline __u32 mm_seq(struct mm_struct *mm)
{
	__u32 v = 0;

	if (mm_seq_checkable())
		bpf_probe_read_kernel(&v, sizeof(v), (void *)mm + bpf_core_field_offset(
					      struct mm_struct___vms, mm_lock_seq.sequence));
	return v;
}

/*
 * vma->anon_name: only with CONFIG_ANON_VMA_NAME (5.17, "mm: add a field to store names for
 * private anonymous memory"), hence a CO-RE flavour. Before 6.2 ("mm: anonymous shared memory
 * naming") it shares a union with shared.rb (the i_mmap tree node of file VMAs): it is only a name
 * when there is no file.
 */
struct vm_area_struct___anon {
	struct anon_vma_name *anon_name;
} __attribute__((preserve_access_index));

static __always_inline struct anon_vma_name *vma_anon_name(struct vm_area_struct *vma)
{
	if (!bpf_core_field_exists(struct vm_area_struct___anon, anon_name))
		return NULL;
	if (bpf_core_field_offset(struct vm_area_struct___anon, anon_name) ==
		    bpf_core_field_offset(struct vm_area_struct, shared) &&
	    BPF_CORE_READ(vma, vm_file))
		return NULL;
	return BPF_CORE_READ((struct vm_area_struct___anon *)vma, anon_name);
}

/* get_vma_name()'s [heap] test: strict at both ends since 6.6 (vma_is_initial_heap(), "mm: factor
 * out VMA stack and heap checks"), inclusive before. */
static __always_inline bool heap_test_strict(void)
{
	return LINUX_KERNEL_VERSION >= KERNEL_VERSION(6, 6, 0);
}

/* The last thread of its process exits: sched_process_exit has a group_dead argument only since
 * 6.16; signal->live (the live threads, 0 once the last one is in do_exit) says so on every
 * kernel. */
static __always_inline bool task_group_dead(struct task_struct *task)
{
	return BPF_CORE_READ(task, signal, live.counter) == 0;
}

/* The process an mm belongs to: mm->owner exists only with CONFIG_MEMCG. false without. */
static __always_inline bool mm_owner_tgid(struct mm_struct *mm, __u32 *tgid)
{
	if (!bpf_core_field_exists(mm->owner))
		return false;
	*tgid = BPF_CORE_READ(mm, owner, tgid);
	return true;
}

#endif
