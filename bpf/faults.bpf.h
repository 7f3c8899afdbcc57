/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Page faults per region, counted and aggregated in the kernel (never an event per fault), with
 * `vmscope start --faults`. The maps, the programs and the global functions are model.bpf.c's
 * (the maps' types are here, so that each is declared once); this is the logic they run. User
 * space attaches the perf programs with user/model/faults.c and leaves them unloaded (autoload
 * false) when faults are off.
 *
 * Sources: vms_flt_min / vms_flt_maj run on the perf software events PAGE_FAULTS_MIN / _MAJ (one
 * per CPU, sample_period 1): the kernel's own classification (mm_account_fault), on every arch,
 * for faults taken in user mode and by the kernel on user addresses alike. ctx->addr is the
 * faulting address; a walk of the mm's maple tree names its VMA (flt_find_vma). Where
 * exceptions:page_fault_user exists (x86), flt_note_access notes the fault's access type
 * (error_code) in the thread's storage just before the fault is handled, and the perf program
 * that completes the same fault picks it up.
 *
 * Keys: {tgid, start of the VMA at fault time} (a stack, which grows down, by its top page). A
 * region's counts are the sum of the entries keyed inside it, so a merge adds up and after a split
 * the counts stay with the piece that holds the key. Whoever follows the VMA changes keeps the
 * keys at VMA starts: faults_fold() after a change, faults_move() for mremap, faults_take_range()
 * for an unmap (the counts to report with it), faults_drop_current() at exec and exit.
 */
#ifndef VMS_FAULTS_BPF_H
#define VMS_FAULTS_BPF_H

#include "vma_common.bpf.h"
#include "vma_walk.bpf.h"

/* Counts by {tgid, key start of the VMA at fault time} (vmscope.h). */
typedef struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 131072);
	__type(key, struct vms_fault_key);
	__type(value, struct vms_fault_ent);
} vms_faults_map;
extern vms_faults_map vms_faults SEC(".maps");

/* Keys per process: an exit or exec that could not reach them all through the VMAs (a key a
 * change left inside a VMA, or no VMA walk possible) sweeps the map for that process only then. */
typedef struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 32768);
	__type(key, __u32);
	__type(value, __s64);
} vms_faults_nkeys_map;
extern vms_faults_nkeys_map vms_faults_nkeys SEC(".maps");

/* Faults that could not be attributed: no VMA found (mmap_lock busy), or the map was full. */
typedef struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} vms_faults_lost_map;
extern vms_faults_lost_map vms_faults_lost SEC(".maps");

/* Written by user space after load: which source is live (for `vmscope status`). */
typedef struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vms_fault_info);
} vms_faults_info_map;

/* The access type of the fault this thread is taking, and the page it is for. */
struct flt_pending {
	__u64 page;
	__u64 access;	/* 1 read, 2 write, 3 exec; 0 none */
};

typedef struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct flt_pending);
} vms_faults_pending_map;
extern vms_faults_pending_map vms_faults_pending SEC(".maps");

/* Set before load: the access types are noted (flt_note_access() runs on page_fault_user). */
extern const volatile bool faults_access;

#define FLT_ERR_WRITE		0x2	/* x86 page fault error_code bits */
#define FLT_ERR_INSTR		0x10

/* x86: the access type, noted before the fault is handled; the perf program of the same fault
 * (same thread, same page) counts it. A fault that fails (SIGSEGV) leaves a note nobody uses.
 * The model already runs on page_fault_user and calls this from there (one hook less per fault);
 * elsewhere vms_flt_access does. */
static __always_inline void flt_note_access(unsigned long address, unsigned long error_code)
{
	struct flt_pending *pend;

	pend = bpf_task_storage_get(&vms_faults_pending, bpf_get_current_task_btf(), 0,
				    BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!pend)
		return;
	pend->page = page_down(address);
	pend->access = error_code & FLT_ERR_INSTR ? 3 : error_code & FLT_ERR_WRITE ? 2 : 1;
}

static __always_inline void flt_nkeys_add(__u32 tgid, __s64 delta)
{
	__s64 *n = bpf_map_lookup_elem(&vms_faults_nkeys, &tgid), zero = 0;

	if (!n && delta > 0) {
		bpf_map_update_elem(&vms_faults_nkeys, &tgid, &zero, BPF_NOEXIST);
		n = bpf_map_lookup_elem(&vms_faults_nkeys, &tgid);
	}
	if (n)
		__sync_fetch_and_add(n, delta);
}

/* Adds src into *dst. */
static __always_inline void flt_add(struct vms_fault_ent *dst, const struct vms_fault_ent *src)
{
	dst->min += src->min;
	dst->maj += src->maj;
	dst->read += src->read;
	dst->write += src->write;
	dst->exec += src->exec;
}

/* Takes the counts keyed at start: adds them into *acc (if any) and frees the entry. */
static __always_inline bool faults_take(__u32 tgid, __u64 start, struct vms_fault_ent *acc)
{
	struct vms_fault_key key = { .tgid = tgid, .start = start };
	struct vms_fault_ent *e = bpf_map_lookup_elem(&vms_faults, &key);

	if (!e)
		return false;
	if (acc)
		flt_add(acc, e);
	if (!bpf_map_delete_elem(&vms_faults, &key))
		flt_nkeys_add(tgid, -1);
	return true;
}

/* The key start of a VMA: its start, or the top page of a stack (it grows down). */
static __always_inline __u64 flt_key_start(struct vm_area_struct *vma)
{
	if (vma->vm_flags & VM_GROWSDOWN)
		return vma->vm_end - PAGE_SIZE;
	return vma->vm_start;
}

static long flt_vma_cb(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	*(__u64 *)data = flt_key_start(vma);
	return 0;
}

static __always_inline void flt_lost(void)
{
	__u32 zero = 0;
	__u64 *v = bpf_map_lookup_elem(&vms_faults_lost, &zero);

	if (v)
		*v += 1;
}

static __always_inline struct vms_fault_ent *flt_entry(struct vms_fault_key *key)
{
	struct vms_fault_ent *e = bpf_map_lookup_elem(&vms_faults, key), zero = {};

	if (e)
		return e;
	/* a new key: rare (the first fault in a VMA), so the count per process is kept here */
	if (!bpf_map_update_elem(&vms_faults, key, &zero, BPF_NOEXIST))
		flt_nkeys_add(key->tgid, 1);
	return bpf_map_lookup_elem(&vms_faults, key);
}

/* The hot path: one fault of the current task at addr, completed (perf MIN/MAJ). */
static __always_inline int flt_count(__u64 addr, bool major)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct vms_fault_key key = { .tgid = task->tgid };
	struct vms_fault_ent *e;
	struct flt_pending *pend;
	struct vm_area_struct *vma;

	/* An exiting task still faults (clearing its tid: a copy-on-write page) after the exit hook
	 * has freed its counts, and so does an exec on the old mm after sched_prepare_exec: those
	 * would outlive it, under addresses the new program may map. */
	if ((task->flags & PF_EXITING) || BPF_CORE_READ_BITFIELD(task, in_execve))
		return 0;
	vma = flt_find_vma(task->mm, addr);
	if (!vma) {
		flt_lost();
		return 0;
	}
	key.start = flt_key_start(vma);
	e = flt_entry(&key);
	if (!e) {
		flt_lost();
		return 0;
	}
	__sync_fetch_and_add(major ? &e->maj : &e->min, 1);
	if (!faults_access)
		return 0;
	/* no storage is created here: only threads seen by flt_note_access have one */
	pend = bpf_task_storage_get(&vms_faults_pending, task, 0, 0);
	if (pend && pend->page == page_down(addr) && pend->access) {
		__sync_fetch_and_add(pend->access == 3 ? &e->exec : pend->access == 2 ? &e->write
										      : &e->read, 1);
		pend->access = 0;
	}
	return 0;
}

/* Moves the counts keyed at from to the key to (adding to what is there): faults_move(). */
static __always_inline int flt_move(__u32 tgid, __u64 from, __u64 to)
{
	struct vms_fault_key key = { .tgid = tgid, .start = to };
	struct vms_fault_ent moved = {}, *e;

	if (from == to || !faults_take(tgid, from, &moved))
		return 0;
	e = flt_entry(&key);
	if (!e) {
		flt_lost();
		return 0;
	}
	__sync_fetch_and_add(&e->min, moved.min);
	__sync_fetch_and_add(&e->maj, moved.maj);
	__sync_fetch_and_add(&e->read, moved.read);
	__sync_fetch_and_add(&e->write, moved.write);
	__sync_fetch_and_add(&e->exec, moved.exec);
	return 1;
}

/*
 * After the current process changed its VMAs: the counts keyed at start (a key start before the
 * change) go to the VMA that holds start now, under its key start (a merge), or are freed when
 * nothing is mapped there any more: faults_fold(). Returns 1 if freed.
 */
static __always_inline int flt_fold(__u64 start)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct vms_fault_key key = { .tgid = tgid, .start = start };
	__u64 now = 0;

	/* most candidates have no key: a hash lookup, not a VMA lookup, says so */
	if (!start || !bpf_map_lookup_elem(&vms_faults, &key))
		return 0;
	/* -EBUSY (mmap_lock contended): left where it is, inside a VMA it still counts for it */
	if (bpf_find_vma(bpf_get_current_task_btf(), start, flt_vma_cb, &now, 0) == -ENOENT)
		return faults_take(tgid, start, NULL);
	if (now)
		flt_move(tgid, start, now);
	return 0;
}

/*
 * Takes the counts of the current process keyed in [lo, hi): adds them into *acc and frees them.
 * For an unmap of [lo, hi), called before it happens (sys_enter): the keys are the key starts of
 * the VMAs overlapping the range. A VMA that starts before lo keeps its counts (its key is not in
 * the range): they stay with the piece that holds the key. Returns the entries taken:
 * faults_take_range().
 */
static __always_inline int flt_take_range(__u64 lo, __u64 hi, struct vms_fault_ent *acc)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 tgid = task->tgid;
	struct bpf_iter_task_vma it;
	struct vm_area_struct *vma;
	int n = 0;

	if (!acc || hi <= lo)
		return 0;
	if (!bpf_iter_task_vma_new(&it, task, lo)) {
		while ((vma = bpf_iter_task_vma_next(&it))) {
			__u64 k = flt_key_start(vma);

			if (vma->vm_start >= hi)
				break;
			if (k >= lo && k < hi)
				n += faults_take(tgid, k, acc);
		}
	}
	bpf_iter_task_vma_destroy(&it);
	return n;
}

static long flt_sweep_one(struct bpf_map *map, struct vms_fault_key *key, struct vms_fault_ent *v,
			  void *ctx)
{
	struct vms_fault_key k = *key;	/* a copy: the element may be reused once deleted */

	if (k.tgid == *(__u32 *)ctx)
		bpf_map_delete_elem(&vms_faults, &k);
	return 0;
}

/* Frees every count of tgid: a walk over the whole map, for when the VMAs do not name them all. */
static __always_inline void faults_sweep(__u32 tgid)
{
	bpf_for_each_map_elem(&vms_faults, flt_sweep_one, &tgid, 0);
	bpf_map_delete_elem(&vms_faults_nkeys, &tgid);
}

/*
 * exec (sched_prepare_exec: the old mm is still there) and exit: frees the current process's
 * counts. Its keys are its VMAs' key starts, unless a change could not fold one (it is then inside
 * a VMA) or the VMAs could not be walked: the count of keys left says so, and only then is the
 * map swept for it. Returns the keys freed through the VMAs: faults_drop_current().
 */
static __always_inline int flt_drop_current(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 tgid = task->tgid;
	struct bpf_iter_task_vma it;
	struct vm_area_struct *vma;
	__s64 *left;
	int n = 0;

	if (task->mm) {
		if (!bpf_iter_task_vma_new(&it, task, 0)) {
			while ((vma = bpf_iter_task_vma_next(&it)))
				n += faults_take(tgid, flt_key_start(vma), NULL);
		}
		bpf_iter_task_vma_destroy(&it);
	}
	left = bpf_map_lookup_elem(&vms_faults_nkeys, &tgid);
	if (left && *left > 0)
		faults_sweep(tgid);
	else
		bpf_map_delete_elem(&vms_faults_nkeys, &tgid);
	return n;
}

/*
 * sched_process_exec, the new mm in place: every key of the process is the old mm's. The exec'ing
 * thread's own faults are not counted during the exec (in_execve), but sched_prepare_exec comes
 * before the other threads are killed, and they may fault meanwhile; and before 6.10 there is no
 * sched_prepare_exec at all. Sweeps only when keys are left.
 */
static __always_inline void faults_after_exec(__u32 tgid)
{
	__s64 *left = bpf_map_lookup_elem(&vms_faults_nkeys, &tgid);

	if (left && *left > 0)
		faults_sweep(tgid);
}

#endif
