// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One pass over the VMAs of one process (iter/task_vma), emitting a vms_vma_rec per VMA, named
 * exactly as /proc/PID/maps names it: the bpf-iter backend.
 *
 * Names come from vma_name.bpf.h's own path building, not bpf_d_path: since the 2026 iterator
 * rework ctx->vma is an RCU-protected, possibly stale pointer that bpf_d_path refuses. For the
 * same reason the walk is validated: mm_lock_seq is noted at the first VMA of a process (whose
 * pointer the kernel fetched before that, so it is looked up again with bpf_find_vma) and
 * checked at the end; user space reads walk_torn and retries or falls back to /proc.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "vma_name.bpf.h"

const volatile __u32 target_tgid;	/* 0: every process */
const volatile __u32 inject_refusal;	/* tests only: INJECT_REFUSAL */

vms_scratch_map vms_scratch SEC(".maps");

/* Set by user space before reading: threads share an mm, emit each mm once. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);	/* mm pointer */
	__type(value, __u64);	/* task pointer that owns the emission */
} seen_mm SEC(".maps");

__u64 vmas_seen;
__u64 names_truncated;
__u64 walk_torn;	/* processes whose walk raced with a writer: re-read them */

/* The process being walked: its mm and mm_lock_seq at its first VMA. */
__u64 walk_mm;
__u32 walk_seq;

static long vma_addr_cb(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	*(__u64 *)data = ptr_to_u64(vma);
	return 0;
}

static __always_inline void walk_end(void)
{
	if (walk_mm && !walk_consistent((struct mm_struct *)walk_mm, walk_seq))
		walk_torn++;
	walk_mm = 0;
}

SEC("iter/task_vma")
int vms_vma_iter(struct bpf_iter__task_vma *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct vm_area_struct *vma = ctx->vma;
	struct vms_vma_rec rec = {};
	struct mm_struct *mm;
	struct scratch *s;
	__u64 mmkey, tkey, *owner;
	__u32 kind;
	int len, is;

	INJECT_REFUSAL(VMS_INJECT_ITER);
	if (!task || !vma) {
		walk_end(); /* the end of the whole pass */
		return 0;
	}
	if (target_tgid && task->tgid != target_tgid)
		return 0;
	mm = vma->vm_mm;
	mmkey = ptr_to_u64(mm);
	tkey = ptr_to_u64(task);
	owner = bpf_map_lookup_elem(&seen_mm, &mmkey);
	if (!owner) {
		bpf_map_update_elem(&seen_mm, &mmkey, &tkey, BPF_NOEXIST);
		owner = bpf_map_lookup_elem(&seen_mm, &mmkey);
	}
	if (!owner || *owner != tkey)
		return 0; /* another thread of this process already emitted this mm */
	if (mmkey != walk_mm) {
		walk_end();
		walk_mm = mmkey;
		walk_seq = mm_seq(mm);
		/* fetched before walk_seq was read: still in the tree now? */
		if (mm_seq_checkable()) {
			__u64 now = 0;

			bpf_find_vma(task, vma->vm_start, vma_addr_cb, &now, 0);
			if (now != ptr_to_u64(vma))
				walk_seq = 1; /* odd: torn */
		}
	}

	s = scratch();
	if (!s) {
		walk_torn++; /* a record left out: this pass must not count */
		return 0;
	}
	rec.flags = vma_perm_flags(vma->vm_flags);
	if (mm_has_gate(mm))
		rec.flags |= VMS_VMA_GATE;
	rec.tgid = task->tgid;
	rec.start = vma->vm_start;
	rec.end = vma->vm_end;
	if (vma->vm_file) {
		struct inode *inode = vma->vm_file->f_inode;

		rec.pgoff = (__u64)vma->vm_pgoff << PAGE_SHIFT;
		rec.dev = inode->i_sb->s_dev;
		rec.ino = inode->i_ino;
	}
	len = vma_name_build(s, vma, mm, rec.start, rec.end, &kind, &is);
	rec.name_kind = kind;
	if (len < 0 || len > VMS_NAME_MAX) {
		rec.flags |= VMS_VMA_NAME_TRUNC;
		names_truncated++;
		len = 0;
	}
	rec.name_len = len;
	vmas_seen++;
	bpf_seq_write(seq, &rec, sizeof(rec));
	if (len > 0 && len <= VMS_NAME_MAX)
		bpf_seq_write(seq, s->buf + NAME_OFF, len);
	scratch_put(s);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
