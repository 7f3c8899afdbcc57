/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The user/kernel contract: every record, key, flag, program argument, error code and hash that
 * crosses between the BPF programs (clang -target bpf) and user space (gcc). The layout checks at
 * the end hold under both compilers.
 */
#ifndef VMSCOPE_BPF_H
#define VMSCOPE_BPF_H

#ifdef __VMLINUX_H__
/* BPF code gets the types from vmlinux.h, and the E* codes it returns from the uapi header that
 * user space's <errno.h> reads too: the same numbers on both sides. */
#include <asm-generic/errno.h>
#else
#include <errno.h>
#include <linux/types.h>
#endif

/* Helpers both sides compile; always inlined (no BPF call on a hot path). */
#define VMS_INLINE static inline __attribute__((always_inline))

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

/* ---- The live model (bpf/model.bpf.c), pinned under $VMSCOPE_PIN_DIR (user/model/pins.h) ---- */

/* vms_proc_ent.flags */
#define VMS_PROC_DIRTY		0x01	/* the kernel side could not follow a change: resync */
#define VMS_PROC_GATE		0x02	/* /proc shows the [vsyscall] gate page after the VMAs */
#define VMS_PROC_OVERFLOW	0x04	/* a model map was full: fall back to /proc */
#define VMS_PROC_UFFD		0x08	/* has userfaultfd ranges: closing an fd may merge VMAs */
#define VMS_PROC_STACK		0x10	/* a fault below the stack: it may have grown, resync */

/*
 * state = generation << 32 | change count, in one word so that publishing a new generation and
 * completing a change are compare-and-swaps: an update that raced with another is detected and
 * redone, never lost. Generation 0 means nothing published yet.
 */
#define VMS_STATE_GEN(s) ((__u32)((s) >> 32))
#define VMS_STATE_CHANGES(s) ((__u32)(s))

struct vms_proc_ent {
	__u64 start_time;	/* task start, ns since boot: (tgid, start_time) is the identity */
	__u64 state;
	__u32 flags;
	__u32 nr_vmas;		/* VMAs in the published generation (approximate) */
	__u64 full_resyncs;
	__u64 range_resyncs;
	__u64 stack_start;	/* start of the [stack] VMA, to spot faults that grow it */
	__u64 stale_gen;	/* tier event-resync: the generation invalidated last (garbage) */
	__u32 busy;		/* range updates editing the published set in place right now */
	__u32 moves;		/* tier kfunc-resync: mremap moves counted (the move log's seq);
				 * an exec counts one, never logged */
};

/*
 * What the model knows of one thread's stacks (vms_threads, keyed by tid), for the views'
 * labels (`[ stack tid=N ]`, `[ altstack tid=N ]`): nothing per VMA. sp: with VMS_THR_CLONE the
 * user stack pointer the kernel gave the thread at its creation (clone's/clone3's stack argument,
 * as copy_thread set it; the stack lies below it); with VMS_THR_SAMPLED one it had when the model
 * was started (the user sp saved at its last kernel entry), for a thread older than the model.
 * The sigaltstack is the kernel's own (task->sas_ss_sp, sas_ss_size), read after every change.
 * (tgid, start_time) tell a reused tid from the thread that had it.
 */
#define VMS_THR_CLONE		0x1	/* sp: the stack pointer it was created with */
#define VMS_THR_SAMPLED		0x2	/* sp: one it had when the model started */
#define VMS_THR_ALT		0x4	/* alt_sp, alt_size: its sigaltstack */

struct vms_thread_ent {
	__u32 tgid;
	__u32 flags;
	__u64 start_time;	/* the thread's start, ns since boot (task->start_boottime) */
	__u64 sp;
	__u64 alt_sp;
	__u64 alt_size;
};

struct vms_vma_key {
	__u32 tgid;
	__u32 gen;
	__u64 start;
};

/* vms_vma_ent.flags: VMS_VMA_READ..SHARED in the low bits, the name kind in bits 8..15. */
#define VMS_VMA_KIND_SHIFT 8
#define VMS_VMA_UNNAMED	0x10000	/* the name could not be built in the kernel */

struct vms_vma_ent {
	__u64 end;
	__u64 pgoff;		/* bytes */
	__u64 ino;
	__u64 name_id;		/* key into vms_names, 0 for none */
	__u32 dev;
	__u32 flags;
};

/*
 * Tier kfunc-resync keeps each entry in a slot of vms_slab, an mmap-able array, and vms_index maps
 * its key to the slot: readers map the slab and copy a process's entries with no syscall and no
 * kernel walk (one process's 60,000 entries, or the whole system's, in about a millisecond).
 * owner is what tells a slot's state: VMS_SLAB_OWNER(tgid, gen) while it holds an entry of that
 * generation, 0 never used, or VMS_SLAB_FREED | the bpf_ktime_get_ns() of its release. A slot
 * is taken by a compare-and-swap on owner, and a released one is not taken again before
 * VMS_SLAB_QUARANTINE_NS: a writer that looked a slot up just before another thread released
 * it still writes into the entry it meant (or into a free slot), never into a newer owner's.
 * A reader takes a process's slots (owner = its published generation) between two reads of its
 * state: a change in between (busy, or the change count moved) voids the copy.
 */
#define VMS_SLAB_FREED		(1ULL << 63)
#define VMS_SLAB_OWNER(tgid, gen) ((__u64)(tgid) << 32 | (__u32)(gen))
#define VMS_SLAB_QUARANTINE_NS	20000000ULL

struct vms_slab_rec {
	__u64 owner;
	__u64 start;
	struct vms_vma_ent ent;
};

/* The kind in vms_vma_ent.flags, packed and unpacked the same on both sides. */
VMS_INLINE __u32 vms_vma_ent_flags(__u32 perm_flags, __u32 kind)
{
	return perm_flags | kind << VMS_VMA_KIND_SHIFT;
}

VMS_INLINE __u32 vms_vma_ent_kind(__u32 flags)
{
	return (flags >> VMS_VMA_KIND_SHIFT) & 0xff;
}

struct vms_name_ent {
	__u32 len;
	__u32 pad;
	char name[VMS_NAME_MAX];
};

/*
 * Name ids (the keys of vms_names): SipHash-2-4 of the name's bytes under a 128-bit key drawn at
 * random by each load (`start`, `watch`), never 0 (0 is "no name"). Keyed, because an unkeyed
 * hash (FNV) can be inverted to make a chosen name collide with, say, libc's path; interning also
 * compares the content on a hit, so a collision leaves a name unbuilt, never wrong. In tier
 * event-resync user space interns names from /proc into the table the kernel side fills (the key
 * is in vms_info), so both must hash alike: the BPF side steps it 8 bytes per bpf_loop step (an
 * inline loop costs the verifier every iteration), user space in a plain loop.
 */
struct vms_sip {
	__u64 v0, v1, v2, v3;
};

#define VMS_ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

VMS_INLINE void vms_sip_init(struct vms_sip *s, __u64 k0, __u64 k1)
{
	s->v0 = k0 ^ 0x736f6d6570736575ULL;
	s->v1 = k1 ^ 0x646f72616e646f6dULL;
	s->v2 = k0 ^ 0x6c7967656e657261ULL;
	s->v3 = k1 ^ 0x7465646279746573ULL;
}

VMS_INLINE void vms_sip_round(struct vms_sip *s)
{
	s->v0 += s->v1; s->v1 = VMS_ROTL(s->v1, 13); s->v1 ^= s->v0; s->v0 = VMS_ROTL(s->v0, 32);
	s->v2 += s->v3; s->v3 = VMS_ROTL(s->v3, 16); s->v3 ^= s->v2;
	s->v0 += s->v3; s->v3 = VMS_ROTL(s->v3, 21); s->v3 ^= s->v0;
	s->v2 += s->v1; s->v1 = VMS_ROTL(s->v1, 17); s->v1 ^= s->v2; s->v2 = VMS_ROTL(s->v2, 32);
}

/* One 8-byte block m, loaded little-endian (vms_le64()). */
VMS_INLINE void vms_sip_block(struct vms_sip *s, __u64 m)
{
	s->v3 ^= m;
	vms_sip_round(s);
	vms_sip_round(s);
	s->v0 ^= m;
}

/* A little-endian load's value from a native one (SipHash reads its blocks little-endian). */
VMS_INLINE __u64 vms_le64(__u64 native)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_bswap64(native);
#else
	return native;
#endif
}

/* The bytes of the last, partial block of a len-byte name: the low len % 8 of a full load. */
VMS_INLINE __u64 vms_sip_tail_mask(__u32 len)
{
	return len & 7 ? (1ULL << (8 * (len & 7))) - 1 : 0;
}

/* The id, from the state after len / 8 blocks and the masked tail (tail & vms_sip_tail_mask()). */
VMS_INLINE __u64 vms_sip_final(struct vms_sip *s, __u64 tail, __u32 len)
{
	__u64 h;

	vms_sip_block(s, tail | (__u64)len << 56);
	s->v2 ^= 0xff;
	vms_sip_round(s);
	vms_sip_round(s);
	vms_sip_round(s);
	vms_sip_round(s);
	h = s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
	return h ? h : 1;
}

enum vms_stat {
	VMS_STAT_EVENTS,	/* VMA-changing operations seen */
	VMS_STAT_RANGE_RESYNC,
	VMS_STAT_FULL_RESYNC,
	VMS_STAT_ITER_BUSY,	/* the VMA iterator could not take the mmap_lock: marked dirty */
	VMS_STAT_MAP_FULL,	/* an update failed: a map is full */
	VMS_STAT_UNNAMED,	/* names the kernel side could not build */
	VMS_STAT_GC_RUNS,
	VMS_STAT_GC_DELETED,
	VMS_STAT_EXITS,
	VMS_STAT_FORKS,
	VMS_STAT_EXECS,
	VMS_STAT_STACK_GROW,
	VMS_STAT_CONCURRENT,	/* ops that overlapped another op of the same process */
	VMS_STAT_FOREIGN,	/* another process wrote-locked a tracked mm: marked dirty */
	VMS_STAT_RECONCILED,	/* processes compared with /proc by `vmscope reconcile` */
	VMS_STAT_DIVERGENCES,	/* ... and found different (then resynced) */
	VMS_STAT_LOST_ENTRY,	/* a VMA syscall's entry could not be recorded: marked dirty */
	VMS_STAT_LOST_EXIT,	/* ... its exit found no recorded entry: marked dirty */
	VMS_STAT_FAST_UNMAP,	/* unmaps of whole VMAs that unmap_span() could not take (no re-read) */
	VMS_STAT_THREAD_FULL,	/* a thread's record did not fit in vms_threads (its stack unlabelled) */
	VMS_STAT_FAST_SPAN,	/* range updates of one VMA found with one lookup (a fresh mmap, an
				 * mprotect of a whole VMA, merged or not): no walk */
	VMS_STAT__COUNT
};

/* What `vmscope start` decided, for `status` (one entry in the pinned map vms_info). */
#define VMS_WHY_MAX 256
struct vms_info {
	__u32 tier;			/* user space's enum vms_tier */
	__u32 faults_source;		/* enum vms_fault_source that runs */
	char tier_fallback[VMS_WHY_MAX];	/* why a better tier did not load ("" if none) */
	char faults_why[VMS_WHY_MAX];	/* why fault counts are off, when asked for and off */
	__u64 verified_misses;		/* runs of the model's programs the kernel had skipped when
					 * every process was last resynced with none skipped meanwhile */
	__u64 name_key[2];		/* the name hash's key (above), for user space's interning */
};

/* Tests only (VMSCOPE_INJECT_REFUSAL): programs made to be refused by the verifier, so that the
 * fallback from one tier to the next is tested with a real refusal. */
#define VMS_INJECT_KFUNC	0x1	/* tier kfunc-resync's programs */
#define VMS_INJECT_EVENT	0x2	/* tier event-resync's */
#define VMS_INJECT_FAULTS	0x4	/* the fault-count programs */
#define VMS_INJECT_ITER		0x8	/* the bpf-iter backend's */
#define VMS_INJECT_DUMP		0x10	/* the model's readers (vms_dump, vms_dump_proc) */
#define VMS_INJECT_BY_START	0x20	/* its per-process reader only (vms_dump_proc) */

struct vms_global {
	__u64 next_gen;
	__u64 garbage;		/* entries of dead generations not yet collected */
	__u64 live;		/* entries of published generations (approximate) */
	__u64 gc_running;	/* one sweep at a time */
	__u64 dump_session;	/* the reader holding vms_dump_out (0: none) */
	__u64 dump_since;	/* ... since (bpf_ktime_get_ns) */
};

/*
 * The arguments of the model's syscall programs, run by user space with BPF_PROG_RUN: ctx_in is
 * handed to the program, which writes its answer back into it. ret is 0 or a negative E* code.
 */
struct vms_resync_args {	/* vms_resync: a full resync of one process, in the kernel */
	__s32 pid;
	__s32 ret;		/* -ESRCH: no such process; -EBUSY: mmap_lock busy (marked dirty) */
};

struct vms_new_gen_args {	/* vms_new_gen: a generation for a resync from /proc (event-resync) */
	__u32 gen;		/* 0: none */
};

/* vms_publish: publishes the VMAs user space stored under gen if the process is still the one
 * (start_time) and did not change since state0 was read. */
struct vms_publish_args {
	__u64 state0;
	__u64 start_time;
	__u64 stack_start;
	__u32 tgid;
	__u32 gen;
	__u32 nr_vmas;
	__u32 gate;
	__s32 ret;		/* 0 published, -EAGAIN changed meanwhile, -ESRCH gone */
	__u32 pad;
};

/*
 * The model's reader (vms_dump, a syscall program; its buffer vms_dump_out, an mmap-able array):
 * readers run it to get the VMA entries of one process's generation, or every entry (each
 * process's published generation among them), as vms_dump_rec records in the buffer they map: no
 * syscall and no copy per entry. The buffer holds as many records as vms_vmas holds entries, so
 * one run always gives them all (a run resumed by position could skip or repeat entries when
 * the map changed in between). The walk is bpf_for_each_map_elem, under RCU; BPF_MAP_LOOKUP_BATCH takes each
 * bucket's lock and makes two checked user copies per bucket (about 3x the time per entry). The
 * buffer is one reader's at a time: a lease of VMS_DUMP_LEASE_NS, so that a reader that died is
 * replaced; a reader checks at release that it still held it, else what it read is void.
 */
#define VMS_DUMP_LEASE_NS 2000000000ULL

struct vms_dump_args {
	__u64 session;		/* the reader's, nonzero */
	__u64 pad;
	__u32 tgid;		/* 0: every entry */
	__u32 gen;
	__u32 release;		/* 1: give the ring back (no walk) */
	__s32 ret;		/* 0: all sent; -ENOSPC: the buffer filled (never);
				 * -EBUSY: another reader holds it; release: -ESTALE if it was
				 * taken over meanwhile */
	__u64 sent;		/* records this run put in the buffer (from index 0) */
};

struct vms_dump_rec {
	struct vms_vma_key key;
	struct vms_vma_ent ent;
	__u64 session;
};

/*
 * The move log (tier kfunc-resync; vms_moves, keyed by tgid): the last VMS_MOVES_N mremap calls
 * of a process that moved a range, so that `vmscope diff` follows a region moved between two
 * snapshots (and resized too) instead of showing it removed + added. A move's seq is the
 * process's vms_proc_ent.moves after it; its slot is seq % VMS_MOVES_N. A writer zeroes seq
 * first and sets it last, so a reader's copy of a slot holds the move it names, or another seq.
 */
#define VMS_MOVES_N 64

struct vms_move {
	__u64 old_start, old_len;
	__u64 new_start, new_len;
	__u64 ts_ns;		/* bpf_ktime_get_boot_ns (CLOCK_BOOTTIME) */
	__u32 seq;		/* 0: empty, or being written */
	__u32 pad;
};

struct vms_move_log {
	__u64 start_time;	/* the process's, as vms_proc_ent.start_time (0: being created) */
	struct vms_move e[VMS_MOVES_N];
};

/* ---- vmscope watch (bpf/watch.bpf.c): region events through a ring buffer ---- */

enum vms_ev_kind {
	VMS_EV_MAP = 1,
	VMS_EV_UNMAP,
	VMS_EV_PROTECT,		/* old_perm -> perm */
	VMS_EV_REMAP,		/* [old_start, old_end) -> [start, end) */
	VMS_EV_BRK,		/* the heap [old_start, old_end) is now [start, end) */
	VMS_EV_GROW,		/* the stack [old_start, old_end) is growing to [start, end) */
	VMS_EV_MADVISE,		/* arg: the advice */
	VMS_EV_LOCK,		/* mlock, mlock2, mlockall (no range; arg: its flags) */
	VMS_EV_UNLOCK,
	VMS_EV_EXEC,		/* name: the new executable */
	VMS_EV_FORK,		/* arg: the child's pid */
	VMS_EV_EXIT,		/* arg: the exit status (wait(2) encoding) */
	VMS_EV_FAULTS,		/* made in user space: a region's new faults in one --interval */
	VMS_EV__COUNT
};

/* vms_event.flags */
#define VMS_EVF_RANGE		0x01	/* start, end are set */
#define VMS_EVF_OLD_RANGE	0x02	/* old_start, old_end are set */
#define VMS_EVF_PERM		0x04	/* perm is set */
#define VMS_EVF_OLD_PERM	0x08	/* old_perm is set */
#define VMS_EVF_UNNAMED		0x10	/* the name could not be built in the kernel */
#define VMS_EVF_THREAD		0x20	/* exit: of a thread; the process lives on */
#define VMS_EVF_PARTIAL		0x40	/* the regions of this range could not all be read */
#define VMS_EVF_FAULTS		0x80	/* faults_min/maj are set (unmap with --faults; faults) */

/* One event: 96 bytes, fixed size (names travel as ids into the watch's name table). */
struct vms_event {
	__u64 ts_ns;		/* CLOCK_MONOTONIC */
	__u64 start, end;
	__u64 old_start, old_end;
	__u64 name_id;		/* key into the watch's vms_names, 0 for none */
	__u32 pid, tid;
	__u32 arg;
	__u32 dropped_before;	/* events this CPU lost since its previous event */
	__u8 kind;		/* enum vms_ev_kind */
	__u8 perm, old_perm;	/* VMS_VMA_READ..SHARED */
	__u8 name_kind;		/* enum vms_name_kind */
	__u16 flags;
	__u16 pad;
	char comm[16];
	__u32 faults_min, faults_maj;	/* unmap with --faults: the region's final counts */
};

/* Per-CPU counters of the watch programs. */
enum vms_watch_stat {
	VMS_WST_SEEN,		/* events that reached the filter */
	VMS_WST_FILTERED,	/* ... and were dropped by it in the kernel (-p, -c, --cgroup) */
	VMS_WST_SMALL,		/* ... hidden by --min-size */
	VMS_WST_EMITTED,
	VMS_WST_LOST,		/* ring buffer full: reservation failed */
	VMS_WST_PENDING,	/* lost on this CPU since its last emitted event */
	VMS_WST_FAILED,		/* syscalls that failed (nothing changed: no event) */
	VMS_WST__COUNT
};

/* ---- Page faults per region (bpf/faults.bpf.h), with `vmscope start --faults` ---- */

/* Counts are keyed by the start the VMA had at fault time (a stack, which grows down, by its top
 * page, which stays inside it). A region's counts are the sum of the entries keyed inside it. */
struct vms_fault_key {
	__u32 tgid;
	__u32 pad;
	__u64 start;
};

struct vms_fault_ent {
	__u64 min, maj;			/* minor / major faults (perf PAGE_FAULTS_MIN/MAJ) */
	__u64 read, write, exec;	/* access types, when the source gives them */
};

/* Where the counts come from (vms_fault_info.source). */
enum vms_fault_source {
	VMS_FAULTS_OFF = 0,
	VMS_FAULTS_PERF,		/* perf software events MIN/MAJ: every arch, no access type */
	VMS_FAULTS_PERF_ACCESS,		/* + exceptions:page_fault_user error_code (x86) */
};

struct vms_fault_info {
	__u32 source;
	__u32 ncpus;			/* perf events attached (one per online CPU) */
};

/* ---- Layout: what gcc and clang -target bpf must agree on (a change breaks the build) ---- */

#define VMS_SIZE(type, size) _Static_assert(sizeof(struct type) == (size), #type " size")
#define VMS_OFF(type, field, off) \
	_Static_assert(__builtin_offsetof(struct type, field) == (off), #type "." #field " offset")

VMS_SIZE(vms_vma_rec, 48);
VMS_OFF(vms_vma_rec, name_len, 44);	/* the name's bytes follow the record */
VMS_SIZE(vms_proc_ent, 64);
VMS_SIZE(vms_thread_ent, 40);
VMS_SIZE(vms_vma_key, 16);
VMS_OFF(vms_vma_key, tgid, 0);
VMS_OFF(vms_vma_key, gen, 4);
VMS_OFF(vms_vma_key, start, 8);
VMS_SIZE(vms_vma_ent, 40);
VMS_SIZE(vms_name_ent, 8 + VMS_NAME_MAX);
VMS_OFF(vms_name_ent, name, 8);		/* the kernel side builds names at this offset */
VMS_SIZE(vms_info, 8 + 2 * VMS_WHY_MAX + 8 + 16);
VMS_OFF(vms_info, name_key, 8 + 2 * VMS_WHY_MAX + 8);
VMS_SIZE(vms_global, 48);
VMS_SIZE(vms_resync_args, 8);
VMS_SIZE(vms_dump_args, 40);
VMS_SIZE(vms_dump_rec, 64);
VMS_SIZE(vms_new_gen_args, 4);
VMS_SIZE(vms_publish_args, 48);
VMS_SIZE(vms_move, 48);
VMS_OFF(vms_move, seq, 40);		/* after the fields it vouches for (see above) */
VMS_SIZE(vms_move_log, 8 + 48 * VMS_MOVES_N);
VMS_SIZE(vms_event, 96);
VMS_SIZE(vms_fault_key, 16);
VMS_OFF(vms_fault_key, tgid, 0);
VMS_OFF(vms_fault_key, start, 8);
VMS_SIZE(vms_fault_ent, 40);
VMS_SIZE(vms_fault_info, 8);

#undef VMS_SIZE
#undef VMS_OFF

#endif
