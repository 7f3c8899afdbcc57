/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Types shared by the BPF programs and user space: records, keys, flags. */
#ifndef VMSCOPE_BPF_H
#define VMSCOPE_BPF_H

#define VMS_NAME_MAX 512	/* name bytes a record carries; longer ones set VMS_VMA_NAME_TRUNC */

/* vms_vma_rec.flags */
#define VMS_VMA_READ		0x01
#define VMS_VMA_WRITE		0x02
#define VMS_VMA_EXEC		0x04
#define VMS_VMA_SHARED		0x08	/* VM_MAYSHARE: 's' in maps */
#define VMS_VMA_NAME_TRUNC	0x10	/* the name did not fit (or could not be read) */
#define VMS_VMA_GATE		0x20	/* the process also has the [vsyscall] gate page */

/* How the name is spelled in /proc/PID/maps (see fs/proc/task_mmu.c get_vma_name()). */
enum vms_name_kind {
	VMS_NAME_NONE = 0,	/* anonymous */
	VMS_NAME_PATH,		/* d_path of the file, " (deleted)" included */
	VMS_NAME_STRING,	/* verbatim: [vdso], [vvar], [uprobes], [heap], [stack] */
	VMS_NAME_ANON,		/* [anon:%s] */
	VMS_NAME_ANON_SHMEM,	/* [anon_shmem:%s] */
};

/* One VMA as /proc/PID/maps shows it, followed by name_len bytes of name. */
struct vms_vma_rec {
	__u32 tgid;
	__u32 flags;
	__u64 start;
	__u64 end;
	__u64 pgoff;		/* bytes, already shifted (0 for anonymous VMAs, as /proc shows) */
	__u64 ino;
	__u32 dev;		/* kernel dev_t: major << 20 | minor */
	__u16 name_len;
	__u8 name_kind;
	__u8 pad;
};

#endif
