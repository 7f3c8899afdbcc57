// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One pass over the VMAs of one process or of all processes (iter/task_vma), emitting a
 * vms_vma_rec per VMA, named exactly as /proc/PID/maps names it. Used to seed the live model
 * and by the bpf-iter backend. bpf_d_path() is allowed in iterators, so file names come from
 * the kernel's own d_path (with " (deleted)").
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "vma_common.bpf.h"

const volatile __u32 target_tgid;	/* 0: every process */

/* Set by user space before reading: threads share an mm, emit each mm once. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);	/* mm pointer */
	__type(value, __u64);	/* task pointer that owns the emission */
} seen_mm SEC(".maps");

struct scratch {
	struct vms_vma_rec rec;
	char name[VMS_NAME_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_map SEC(".maps");

__u64 vmas_seen;
__u64 names_truncated;

static __always_inline int copy_str(char *dst, const char *src)
{
	long n = bpf_probe_read_kernel_str(dst, VMS_NAME_MAX, src);

	return n > 0 ? n - 1 : -1;
}

SEC("iter/task_vma")
int vms_vma_iter(struct bpf_iter__task_vma *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct vm_area_struct *vma = ctx->vma;
	struct mm_struct *mm;
	struct file *file;
	struct scratch *s;
	struct anon_vma_name *anon = NULL;
	__u64 mmkey, tkey, *owner;
	__u32 zero = 0, flags;
	long len = 0;

	if (!task || !vma)
		return 0;
	if (target_tgid && task->tgid != target_tgid)
		return 0;
	mm = vma->vm_mm;
	mmkey = (__u64)mm;
	tkey = (__u64)task;
	owner = bpf_map_lookup_elem(&seen_mm, &mmkey);
	if (!owner) {
		bpf_map_update_elem(&seen_mm, &mmkey, &tkey, BPF_NOEXIST);
		owner = bpf_map_lookup_elem(&seen_mm, &mmkey);
	}
	if (!owner || *owner != tkey)
		return 0; /* another thread of this process already emitted this mm */

	s = bpf_map_lookup_elem(&scratch_map, &zero);
	if (!s)
		return 0;
	__builtin_memset(&s->rec, 0, sizeof(s->rec));
	flags = vma_perm_flags(vma->vm_flags);
	if (mm_has_gate(mm))
		flags |= VMS_VMA_GATE;
	s->rec.tgid = task->tgid;
	s->rec.start = vma->vm_start;
	s->rec.end = vma->vm_end;

	anon = vma_anon_name(vma);

	/* The same order of choices as get_vma_name(). */
	file = vma->vm_file;
	if (file) {
		struct inode *inode = file->f_inode;

		s->rec.pgoff = (__u64)vma->vm_pgoff << 12;
		s->rec.dev = inode->i_sb->s_dev;
		s->rec.ino = inode->i_ino;
		if (anon) {
			s->rec.name_kind = VMS_NAME_ANON_SHMEM;
			len = copy_str(s->name, anon->name);
		} else {
			s->rec.name_kind = VMS_NAME_PATH;
			len = bpf_d_path((struct path *)&file->f_path, s->name, VMS_NAME_MAX);
			len = len > 0 ? len - 1 : -1;
		}
	} else if (vma->vm_ops && BPF_CORE_READ(vma, vm_ops, name)) {
		/* special mappings ([vdso], [vvar], [uprobes]) name themselves */
		struct vm_special_mapping *sm = vma->vm_private_data;

		s->rec.name_kind = VMS_NAME_STRING;
		len = sm ? copy_str(s->name, BPF_CORE_READ(sm, name)) : -1;
	} else if (vma_is_heap(vma->vm_start, vma->vm_end, mm)) {
		s->rec.name_kind = VMS_NAME_STRING;
		__builtin_memcpy(s->name, "[heap]", 6);
		len = 6;
	} else if (vma_is_stack(vma->vm_start, vma->vm_end, mm)) {
		s->rec.name_kind = VMS_NAME_STRING;
		__builtin_memcpy(s->name, "[stack]", 7);
		len = 7;
	} else if (anon) {
		s->rec.name_kind = VMS_NAME_ANON;
		len = copy_str(s->name, anon->name);
	}
	if (len < 0) {
		flags |= VMS_VMA_NAME_TRUNC;
		names_truncated++;
		len = 0;
	}
	if (len > VMS_NAME_MAX)
		len = VMS_NAME_MAX;
	s->rec.flags = flags;
	s->rec.name_len = len;
	vmas_seen++;
	bpf_seq_write(seq, &s->rec, sizeof(s->rec));
	if (len > 0 && len <= VMS_NAME_MAX)
		bpf_seq_write(seq, s->name, len);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
