/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The syscalls that change a process's regions, decoded once for the model (model.bpf.c) and
 * watch (watch.bpf.c): their numbers, which of them each follows, their arguments, and the range
 * each names. The sys_enter/sys_exit tracepoints give only the number and the registers.
 */
#ifndef VMS_SYSCALLS_BPF_H
#define VMS_SYSCALLS_BPF_H

#include "vma_common.bpf.h"

/*
 * Numbers and arguments per arch. The arguments are plain loads through the tracepoint's pt_regs
 * (a BTF pointer), not probe-read helper calls: these run on every syscall of the system.
 */
#if defined(__TARGET_ARCH_x86)
/* arch/x86/entry/syscalls/syscall_64.tbl */
enum {
	NR_close = 3,
	NR_mmap = 9, NR_mprotect = 10, NR_munmap = 11, NR_brk = 12, NR_ioctl = 16,
	NR_mremap = 25, NR_madvise = 28, NR_shmat = 30, NR_shmdt = 67, NR_mlock = 149,
	NR_munlock = 150, NR_mlockall = 151, NR_munlockall = 152, NR_prctl = 157,
	NR_io_setup = 206, NR_io_destroy = 207, NR_remap_file_pages = 216, NR_mbind = 237,
	NR_mlock2 = 325, NR_pkey_mprotect = 329,
	NR_set_mempolicy_home_node = 450, NR_map_shadow_stack = 453, NR_mseal = 462,
	/* the model's thread records: the calls that change a thread's sigaltstack */
	NR_rt_sigreturn = 15, NR_sigaltstack = 131,
};

/* di, si, dx, r10, r8; the number stays in orig_ax (ax gets the return value) */
#define SYS_NR(regs)	((regs)->orig_ax)
#define SYS_ARG0(regs)	((regs)->di)
#define SYS_ARG1(regs)	((regs)->si)
#define SYS_ARG2(regs)	((regs)->dx)
#define SYS_ARG3(regs)	((regs)->r10)
#define SYS_ARG4(regs)	((regs)->r8)
#elif defined(__TARGET_ARCH_arm64)
/* include/uapi/asm-generic/unistd.h */
enum {
	NR_io_setup = 0, NR_io_destroy = 1, NR_ioctl = 29, NR_close = 57, NR_prctl = 167,
	NR_shmat = 196, NR_shmdt = 197, NR_brk = 214, NR_munmap = 215, NR_mremap = 216,
	NR_mmap = 222, NR_mprotect = 226, NR_mlock = 228, NR_munlock = 229, NR_mlockall = 230,
	NR_munlockall = 231, NR_madvise = 233, NR_remap_file_pages = 234, NR_mbind = 235,
	NR_mlock2 = 284, NR_pkey_mprotect = 288,
	NR_set_mempolicy_home_node = 450, NR_map_shadow_stack = 453, NR_mseal = 462,
	NR_sigaltstack = 132, NR_rt_sigreturn = 139,
};

/* x0..x4; x0 gets the return value, orig_x0 keeps the first argument; the number: syscallno */
#define SYS_NR(regs)	((regs)->syscallno)
#define SYS_ARG0(regs)	((regs)->orig_x0)
#define SYS_ARG1(regs)	((regs)->regs[1])
#define SYS_ARG2(regs)	((regs)->regs[2])
#define SYS_ARG3(regs)	((regs)->regs[3])
#define SYS_ARG4(regs)	((regs)->regs[4])
#else
#error "bpf/syscalls.bpf.h: no syscall numbers for this arch"
#endif

/* Who follows a call: the model every call that may change VMAs, watch the calls it reports. */
#define SYS_MODEL	0x1
#define SYS_WATCH	0x2

static __always_inline __u32 sys_followers(long nr)
{
	switch (nr) {
	case NR_mmap: case NR_mprotect: case NR_munmap: case NR_brk: case NR_mremap:
	case NR_madvise: case NR_mlock: case NR_munlock: case NR_mlockall: case NR_munlockall:
	case NR_mlock2: case NR_pkey_mprotect:
		return SYS_MODEL | SYS_WATCH;
	case NR_shmat: case NR_shmdt: case NR_prctl: case NR_io_setup: case NR_io_destroy:
	case NR_remap_file_pages: case NR_mbind: case NR_set_mempolicy_home_node:
	case NR_map_shadow_stack: case NR_mseal: case NR_ioctl: case NR_close:
		return SYS_MODEL;
	}
	return 0;
}

/* The calls after which the model reads a thread's sigaltstack again (model.bpf.c): sigaltstack,
 * and rt_sigreturn, which restores it from the signal frame (SS_AUTODISARM clears it while a
 * handler runs on it; a handler may also edit the frame's uc_stack). */
static __always_inline bool sys_sets_altstack(long nr)
{
	return nr == NR_sigaltstack || nr == NR_rt_sigreturn;
}

/* userfaultfd (un)registration splits and merges VMAs, of the mm the uffd was made for */
#define UFFDIO_REGISTER		0xc020aa00
#define UFFDIO_UNREGISTER	0x8010aa01
#define PR_SET_VMA		0x53564d41

/*
 * Of the model's calls, those its first arguments (a0, a1) make VMA changes: only the ioctls that
 * (un)register userfaultfd ranges, only prctl(PR_SET_VMA), and a close only in a process with
 * registered ranges (uffd: closing the last reference of a uffd unregisters them, merging VMAs).
 */
static __always_inline bool sys_changes_vmas(long nr, __u64 a0, __u64 a1, bool uffd)
{
	if (nr == NR_ioctl && a1 != UFFDIO_REGISTER && a1 != UFFDIO_UNREGISTER)
		return false;
	if (nr == NR_close && !uffd)
		return false;
	if (nr == NR_prctl && a0 != PR_SET_VMA)
		return false;
	return true;
}

#define MAP_SHARED		0x01
#define MAP_ANONYMOUS		0x20
#define MAP_FIXED		0x10
#define MAP_FIXED_NOREPLACE	0x100000
#define MREMAP_FIXED		2

/* The range a call names, page-rounded as the kernel rounds it: [lo, hi), and mremap's
 * destination [lo2, hi2). Empty (0, 0) where there is none. */
struct sys_range {
	__u64 lo, hi;
	__u64 lo2, hi2;
};

/*
 * At the entry of call nr with arguments a0..a4: the range it names (r zeroed by the caller). An
 * mmap names one only when it is fixed, mremap a destination only with MREMAP_FIXED. false for
 * the calls whose change cannot be told from their arguments (shmat, shmdt, mlockall,
 * munlockall, io_setup, io_destroy, map_shadow_stack, the uffd ioctls and close), and for brk,
 * whose range is the break's move (sys_brk_range()).
 */
static __always_inline bool sys_entry_range(long nr, __u64 a0, __u64 a1, __u64 a2, __u64 a3,
					    __u64 a4, struct sys_range *r)
{
	switch (nr) {
	case NR_mmap:
		if (a3 & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
			r->lo = page_down(a0);
			r->hi = page_up(a0 + a1);
		}
		return true;
	case NR_mprotect: case NR_munmap: case NR_madvise: case NR_mlock: case NR_munlock:
	case NR_mbind: case NR_mlock2: case NR_pkey_mprotect: case NR_set_mempolicy_home_node:
	case NR_mseal: case NR_remap_file_pages:
		r->lo = page_down(a0);
		r->hi = page_up(a0 + a1);
		return true;
	case NR_prctl: /* PR_SET_VMA, PR_SET_VMA_ANON_NAME, addr, len */
		r->lo = page_down(a2);
		r->hi = page_up(a2 + a3);
		return true;
	case NR_mremap: /* old_address, old_len, new_len, flags, new_address */
		r->lo = page_down(a0);
		r->hi = page_up(a0 + a1);
		if (a3 & MREMAP_FIXED) {
			r->lo2 = page_down(a4);
			r->hi2 = page_up(r->lo2 + a2);
		}
		return true;
	}
	return false;
}

/* brk(a0): the heap grows or shrinks between the current break (cur) and the new one (a0; 0 only
 * asks), never below start_brk; one page more above, where the heap may merge with a neighbour. */
static __always_inline void sys_brk_range(__u64 a0, __u64 cur, __u64 start_brk, struct sys_range *r)
{
	r->lo = page_down(a0 && a0 < cur ? a0 : cur);
	if (r->lo < start_brk)
		r->lo = start_brk;
	r->hi = page_up(a0 > cur ? a0 : cur) + PAGE_SIZE;
}

/* At the exit, ret its return value, a1 and a2 its arguments: where the kernel put an mmap's
 * mapping and mremap's result, known only now (r keeps the entry's range otherwise). */
static __always_inline void sys_exit_range(long nr, long ret, __u64 a1, __u64 a2,
					   struct sys_range *r)
{
	if (ret < 0)
		return;
	if (nr == NR_mmap || nr == NR_map_shadow_stack) {
		r->lo = page_down(ret);
		r->hi = page_up(ret + a1);
	} else if (nr == NR_mremap) {
		r->lo2 = page_down(ret);
		r->hi2 = page_up(ret + a2);
	}
}

#endif
