// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The live VMA model (tier kfunc-resync). For every process, vms_slab holds what
 * /proc/PID/maps shows, found by (tgid, generation, start) through vms_index.
 *
 * How it stays exact: at the entry of a VMA-changing syscall the VMAs in the affected range are
 * read (open-coded VMA iterator) and their starts remembered; at the exit those keys and the
 * range's boundaries are dropped and the range is read again and stored. Anything that cannot be
 * followed that way (exec, fork, mlockall, shmat, a concurrent change by another thread, a
 * range too large) is a full resync: the whole VMA set is stored under a new generation, which
 * is then published in one write, so readers always see a complete set. Entries of dead
 * generations are garbage, swept by vms_gc.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "vma_name.bpf.h"
#include "syscalls.bpf.h"
#include "faults.bpf.h"

#define MAX_OLD		64	/* VMA starts remembered per op; more means a full resync */
#define LOOKUPS_MAX	3	/* VMAs an op's entry looks up one by one before it walks */

/* (tgid, generation) travel as one argument to the global functions */
#define TG(tgid, gen) ((__u64)(tgid) << 32 | (gen))

/* Maps are not preallocated: kernel memory follows what is tracked (see `vmscope status`). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 32768);
	__type(key, __u32);
	__type(value, struct vms_proc_ent);
} vms_procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 131072);
	__type(key, struct vms_vma_key);
	__type(value, struct vms_vma_ent);
} vms_vmas SEC(".maps");

/* Tier kfunc-resync: the entries live in vms_slab and vms_index finds them (vmscope.h:
 * vms_slab_rec); vms_vmas is then unused (sized 1), as these two are in tier event-resync. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 131072);
	__type(key, struct vms_vma_key);
	__type(value, __u32);
} vms_index SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 131072);
	__type(key, __u32);
	__type(value, struct vms_slab_rec);
} vms_slab SEC(".maps");

/* Where each CPU looks for a free slot next (+1; 0: not yet chosen): CPUs apart, no contention. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} vms_slab_cursor SEC(".maps");

/* Names are interned by content (vma_name.bpf.h); a full table leaves new names unbuilt (the
 * reader then falls back to /proc for that process). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct vms_name_ent);
} vms_names SEC(".maps");

/* Per thread (not per VMA): what labels its stacks (vmscope.h: vms_thread_ent). Sized by the
 * loader; an entry goes when its thread exits. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 32768);
	__type(key, __u32);
	__type(value, struct vms_thread_ent);
} vms_threads SEC(".maps");

/* Written by `vmscope start` only, read by `status`: the tier decision and its reasons. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vms_info);
} vms_info SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VMS_STAT__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} vms_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vms_global);
} vms_global SEC(".maps");

/* A VMA-changing syscall between its entry and its exit. */
struct vms_op {
	__u64 lo, hi;		/* the range the call names */
	__u64 lo2, hi2;		/* mremap: the destination (MREMAP_FIXED) */
	__u64 elo, ehi;		/* the range to read again at the exit */
	__u64 updates;		/* vms_proc_ent.updates at the entry */
	__u64 args[3];
	__u32 nr;
	__u32 n_old;
	bool active;		/* between the entry and the exit of a tracked syscall */
	bool full;		/* follow with a full resync */
	__u64 old[MAX_OLD];	/* starts of the VMAs in [lo, hi) at the entry */
	struct vms_vma_ent saved;	/* the exit's fast paths: an entry before they change it */
};

/* Per thread, in the task's own storage: no hashing, freed with the thread. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct vms_op);
} vms_ops SEC(".maps");

vms_scratch_map vms_scratch SEC(".maps");	/* names are built there (vma_name.bpf.h) */
const volatile __u64 vms_name_key[2];		/* the name hash's, set by the loader */

const volatile __u32 slab_slots = 131072;	/* vms_slab's size, set by the loader */
const volatile __u32 inject_refusal;	/* tests only: INJECT_REFUSAL */
const volatile __u32 seed_tgid;		/* seeding iterator: 0 = every process */
const volatile bool event_tier;		/* tier event-resync: see the end of this file */
/* `start --faults`: keep the fault counts' keys at VMA starts (faults.bpf.h). Off, the verifier
 * drops that code: the model without faults pays nothing for it. */
const volatile bool faults_on;

/* ---- page faults per region, with `start --faults` (the counting: faults.bpf.h) ---- */

vms_faults_map vms_faults SEC(".maps");
vms_faults_nkeys_map vms_faults_nkeys SEC(".maps");
vms_faults_lost_map vms_faults_lost SEC(".maps");
vms_faults_info_map vms_faults_info SEC(".maps");
vms_faults_pending_map vms_faults_pending SEC(".maps");
const volatile bool faults_access;

SEC("perf_event")
int vms_flt_min(struct bpf_perf_event_data *ctx)
{
	INJECT_REFUSAL(VMS_INJECT_FAULTS);
	return flt_count(ctx->addr, false);
}

SEC("perf_event")
int vms_flt_maj(struct bpf_perf_event_data *ctx)
{
	return flt_count(ctx->addr, true);
}

/* Where the model's own vms_fault does not run (it notes the access types itself). */
SEC("tp_btf/page_fault_user")
int BPF_PROG(vms_flt_access, unsigned long address, struct pt_regs *regs, unsigned long error_code)
{
	flt_note_access(address, error_code);
	return 0;
}

/* Global functions, verified once each rather than at every call (faults.bpf.h: flt_*). */
__noinline int faults_move(__u32 tgid, __u64 from, __u64 to)
{
	return flt_move(tgid, from, to);
}

__noinline int faults_fold(__u64 start)
{
	return flt_fold(start);
}

__noinline int faults_take_range(__u64 lo, __u64 hi, struct vms_fault_ent *acc)
{
	return flt_take_range(lo, hi, acc);
}

__noinline int faults_drop_current(void)
{
	return flt_drop_current();
}

static __always_inline void stat_inc(__u32 id)
{
	__u64 *v = bpf_map_lookup_elem(&vms_stats, &id);

	if (v)
		*v += 1;
}

static __always_inline struct vms_global *global(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&vms_global, &zero);
}

static __always_inline __u32 new_gen(void)
{
	struct vms_global *g = global();

	if (!g)
		return 0;
	return (__u32)__sync_fetch_and_add(&g->next_gen, 1) + 1;
}

/* ---- the entries' storage (tier kfunc-resync; vmscope.h: vms_slab_rec) ---- */

#define SLAB_RUN	8	/* a free slot is looked for in runs of this many slots, ... */
#define SLAB_PROBES	256	/* ... each run from a random place but the first, this many probes
				 * in all: a half-full slab whose used slots lie in long blocks
				 * still answers (the chance that every run misses is 2^-32) */

struct slab_probe {
	__u64 owner, now;
	__u32 s, left;
	__s64 found;
};

static long slab_probe_one(__u64 i, struct slab_probe *c)
{
	struct vms_slab_rec *rec;
	__u32 s;
	__u64 o;

	if (!c->left) {
		c->left = SLAB_RUN;
		c->s = bpf_get_prandom_u32();
	}
	c->left--;
	s = c->s < slab_slots ? c->s : c->s % slab_slots;
	c->s = s + 1;
	rec = bpf_map_lookup_elem(&vms_slab, &s);
	if (!rec)
		return 1;
	o = rec->owner;
	if (o & VMS_SLAB_FREED) {
		if (!c->now)
			c->now = bpf_ktime_get_ns();
		if (c->now - (o & ~VMS_SLAB_FREED) < VMS_SLAB_QUARANTINE_NS)
			return 0;
	} else if (o) {
		return 0;
	}
	if (__sync_val_compare_and_swap(&rec->owner, o, c->owner) != o)
		return 0;
	c->found = s;
	return 1;
}

/* A free slot, taken for owner; -1 if none was found (the caller counts the map full). The
 * search goes on from this CPU's last slot: a run of takes fills neighbouring slots. */
static __always_inline __s64 slab_take(__u64 owner)
{
	__u32 zero = 0, *cur = bpf_map_lookup_elem(&vms_slab_cursor, &zero);
	struct slab_probe c = { .owner = owner, .left = SLAB_RUN, .found = -1 };

	if (!cur || !slab_slots)
		return -1;
	c.s = *cur ? *cur - 1 : bpf_get_prandom_u32();
	bpf_loop(SLAB_PROBES, slab_probe_one, &c, 0);
	*cur = c.s + 1;
	return c.found;
}

/* Releases slot s if owner still holds it (a racing release of the same slot wins once): 1 if
 * this one did. */
static __always_inline int slab_release(__u32 s, __u64 owner)
{
	struct vms_slab_rec *rec = bpf_map_lookup_elem(&vms_slab, &s);

	return rec && __sync_val_compare_and_swap(&rec->owner, owner,
						  VMS_SLAB_FREED | bpf_ktime_get_ns()) == owner;
}

/* The entry stored under key, or NULL. */
static __always_inline struct vms_vma_ent *ent_lookup(const struct vms_vma_key *key)
{
	__u32 *slot = bpf_map_lookup_elem(&vms_index, key);
	struct vms_slab_rec *rec;

	if (!slot)
		return NULL;
	rec = bpf_map_lookup_elem(&vms_slab, slot);
	if (!rec || rec->owner != VMS_SLAB_OWNER(key->tgid, key->gen) || rec->start != key->start)
		return NULL;
	return &rec->ent;
}

/* Stores a new key: 0, -EEXIST (the key is there), or another -errno (full). */
static __always_inline int ent_insert(const struct vms_vma_key *key, const struct vms_vma_ent *ent)
{
	__u64 owner = VMS_SLAB_OWNER(key->tgid, key->gen);
	struct vms_slab_rec *rec;
	__s64 taken = slab_take(owner);
	__u32 slot;
	int err;

	if (taken < 0)
		return -E2BIG;
	slot = (__u32)taken;
	rec = bpf_map_lookup_elem(&vms_slab, &slot);
	if (!rec)
		return -E2BIG;
	rec->start = key->start;
	__builtin_memcpy(&rec->ent, ent, sizeof(rec->ent));
	err = bpf_map_update_elem(&vms_index, key, &slot, BPF_NOEXIST);
	if (err)
		slab_release(slot, owner);
	return err;
}

/* Deletes key and releases its slot: 0, or -ENOENT. */
static __always_inline int ent_delete(const struct vms_vma_key *key)
{
	__u32 *slot = bpf_map_lookup_elem(&vms_index, key), s;

	if (!slot)
		return -ENOENT;
	s = *slot;
	if (bpf_map_delete_elem(&vms_index, key))
		return -ENOENT;
	slab_release(s, VMS_SLAB_OWNER(key->tgid, key->gen));
	return 0;
}

/*
 * Stores one VMA under (tgid, gen) = tg, named as get_vma_name() names it. Returns 1 if the key
 * is new, 0 if it replaced one, -1 if the map is full. A global function, verified once. The VMA
 * comes as an address (ptr_to_u64): iterated VMAs may be untrusted (see walk_consistent()), and
 * a global function takes no untrusted pointer; its loads go through bpf_rdonly_cast.
 */
__noinline int store_vma_at(__u64 tg, __u64 vma_addr)
{
	struct vm_area_struct *vma = rdonly_cast(vma_addr, struct vm_area_struct);
	struct vms_vma_key key = { .tgid = tg >> 32, .gen = (__u32)tg };
	struct vms_vma_ent ent = {}, *old;
	struct mm_struct *mm;
	struct scratch *s;
	struct file *file;
	__u32 flags, kind;
	bool full = false;
	int is, err;

	if (!vma)
		return -1;
	/* plain loads through the cast (no helper call per field): a fault reads 0, and a
	 * walk that raced is judged by walk_consistent() */
	mm = vma->vm_mm;
	key.start = vma->vm_start;
	ent.end = vma->vm_end;
	flags = vma_perm_flags(vma->vm_flags);
	file = vma->vm_file;
	if (file) {
		struct inode *inode = file->f_inode;

		ent.pgoff = (__u64)vma->vm_pgoff << PAGE_SHIFT;
		ent.dev = inode->i_sb->s_dev;
		ent.ino = inode->i_ino;
	}
	s = scratch();
	if (s) {
		ent.name_id = vma_name(&vms_names, s, vma, mm, key.start, ent.end, &kind, &flags,
				       &is, &full);
		scratch_put(s);
		if (full)
			stat_inc(VMS_STAT_MAP_FULL);
	} else {
		/* every slot taken on this CPU: unnamed, so readers ask /proc for it */
		kind = VMS_NAME_NONE;
		is = VMA_IS_OTHER;
		flags |= VMS_VMA_UNNAMED;
	}
	if (is == VMA_IS_STACK) {
		struct vms_proc_ent *p = bpf_map_lookup_elem(&vms_procs, &key.tgid);

		if (p)
			p->stack_start = key.start;
	}
	if (flags & VMS_VMA_UNNAMED)
		stat_inc(VMS_STAT_UNNAMED);
	ent.flags = vms_vma_ent_flags(flags, kind);
	/* A key that exists is written in place. Readers copying it meanwhile see the process
	 * busy or its change count moved, and read again. */
	old = ent_lookup(&key);
	if (old) {
		__builtin_memcpy(old, &ent, sizeof(ent));
		return 0;
	}
	err = ent_insert(&key, &ent);
	if (!err)
		return 1;
	if (err == -EEXIST && (old = ent_lookup(&key))) {
		/* stored meanwhile by another thread's change */
		__builtin_memcpy(old, &ent, sizeof(ent));
		return 0;
	}
	stat_inc(VMS_STAT_MAP_FULL);
	return -1;
}


static __always_inline __u32 proc_flags_of(struct mm_struct *mm)
{
	return mm_has_gate(mm) ? VMS_PROC_GATE : 0;
}

static __always_inline __u64 task_start(struct task_struct *task)
{
	return BPF_CORE_READ(task, group_leader, start_boottime);
}

/*
 * Stores every VMA of the task's mm under a new generation and publishes it with a
 * compare-and-swap on the state word: if another change completed meanwhile the snapshot may
 * miss it, so the walk is redone (3 tries, then the process is marked dirty for the reader).
 * Returns 0, or -EBUSY when the mmap_lock could not be taken (marked dirty too).
 */
static __always_inline int resync_task(struct task_struct *task)
{
	struct vms_proc_ent *p, fresh = {};
	struct vms_global *g;
	struct mm_struct *mm;
	__u32 tgid, gen, n, flags0;
	__u64 s0, s1;
	int err = 0;

	if (!task)
		return 0;
	mm = BPF_CORE_READ(task, mm);
	/* kernel thread, or exiting: its exit handler may already have run */
	if (!mm || (BPF_CORE_READ(task, flags) & PF_EXITING))
		return 0;
	tgid = BPF_CORE_READ(task, tgid);
	p = bpf_map_lookup_elem(&vms_procs, &tgid);
	if (!p || p->start_time != task_start(task)) {
		fresh.start_time = task_start(task);
		if (bpf_map_update_elem(&vms_procs, &tgid, &fresh, BPF_ANY)) {
			stat_inc(VMS_STAT_MAP_FULL);
			return 0;
		}
		p = bpf_map_lookup_elem(&vms_procs, &tgid);
		if (!p)
			return 0;
	}
	g = global();
	flags0 = p->flags;
	for (int attempt = 0; attempt < 3; attempt++) {
		struct bpf_iter_task_vma it;
		struct vm_area_struct *vma;
		bool full = false;
		__u32 seq0;

		s0 = p->state;
		gen = new_gen();
		n = 0;
		seq0 = mm_seq(mm);
		err = bpf_iter_task_vma_new(&it, task, 0);
		if (!err) {
			while ((vma = bpf_iter_task_vma_next(&it))) {
				if (store_vma_at(TG(tgid, gen), ptr_to_u64(vma)) < 0) {
					full = true;
					break;
				}
				n++;
			}
		}
		bpf_iter_task_vma_destroy(&it);
		if (err || full) {
			/* Keep what was published; the reader falls back or resyncs. */
			__sync_fetch_and_or(&p->flags, err ? VMS_PROC_DIRTY : VMS_PROC_OVERFLOW);
			if (err)
				stat_inc(VMS_STAT_ITER_BUSY);
			if (g)
				__sync_fetch_and_add(&g->garbage, n);
			return err ? -EBUSY : 0;
		}
		s1 = (__u64)gen << 32 | (__u32)(VMS_STATE_CHANGES(s0) + 1);
		/* busy from the publish until nr_vmas is the new set's: the per-process reader
		 * counts against it (vms_dump_proc) */
		__sync_fetch_and_add(&p->busy, 1);
		if (walk_consistent(mm, seq0) &&
		    __sync_val_compare_and_swap(&p->state, s0, s1) == s0) {
			__u32 old_nr = VMS_STATE_GEN(s0) ? p->nr_vmas : 0;

			p->nr_vmas = n;
			__sync_fetch_and_add(&p->busy, -1);
			/* clear only what was asked before this walk began */
			__sync_fetch_and_and(&p->flags, ~(flags0 & (VMS_PROC_DIRTY | VMS_PROC_STACK |
								   VMS_PROC_OVERFLOW)));
			if (proc_flags_of(mm))
				__sync_fetch_and_or(&p->flags, VMS_PROC_GATE);
			p->full_resyncs++;
			if (g) {
				__sync_fetch_and_add(&g->garbage, old_nr);
				__sync_fetch_and_add(&g->live, (__s64)n - (__s64)old_nr);
			}
			stat_inc(VMS_STAT_FULL_RESYNC);
			return 0;
		}
		__sync_fetch_and_add(&p->busy, -1);
		/* another change happened during the walk: this set may be torn or predate it */
		stat_inc(VMS_STAT_CONCURRENT);
		if (g)
			__sync_fetch_and_add(&g->garbage, n);
	}
	__sync_fetch_and_or(&p->flags, VMS_PROC_DIRTY);
	return -EBUSY;
}

/*
 * The heavy walks are global functions: the verifier checks each once, not at every call site.
 * They reach their task by pid (bpf_task_from_pid) or as current, since a global function
 * cannot take a kernel pointer.
 */
__noinline int resync_current(void)
{
	return resync_task(bpf_get_current_task_btf());
}

__noinline int resync_pid(__s32 pid)
{
	struct task_struct *task = bpf_task_from_pid(pid);
	int err;

	if (!task)
		return -ESRCH;
	err = resync_task(task);
	bpf_task_release(task);
	return err;
}

/*
 * ---- threads: what labels their stacks (vms_threads; both tiers) ----
 * A thread's record holds the stack pointer it was created with and its sigaltstack, both read
 * from the kernel's own state, never from user memory: the child's pt_regs at fork (before it
 * first runs, sp is clone's stack argument as copy_thread set it) and task->sas_ss_sp/size
 * after each call that may change them. A record with nothing to say is deleted, so a process
 * without threads or alternate stacks costs no entry.
 */

/* Stores task's record: flags/sp (VMS_THR_CLONE or _SAMPLED, or 0) and its sigaltstack now.
 * noexist: only if the tid has none (the seed: a hook's record is newer). */
static __always_inline void thread_note(struct task_struct *task, __u32 flags, __u64 sp,
					bool noexist)
{
	struct vms_thread_ent ent = {};
	__u32 tid = BPF_CORE_READ(task, pid);

	ent.tgid = BPF_CORE_READ(task, tgid);
	ent.start_time = BPF_CORE_READ(task, start_boottime);
	ent.flags = flags;
	ent.sp = sp;
	ent.alt_sp = BPF_CORE_READ(task, sas_ss_sp);
	ent.alt_size = BPF_CORE_READ(task, sas_ss_size);
	if (ent.alt_sp && ent.alt_size)
		ent.flags |= VMS_THR_ALT;
	else
		ent.alt_sp = ent.alt_size = 0;
	if (!ent.flags) {
		if (!noexist)
			bpf_map_delete_elem(&vms_threads, &tid);
		return;
	}
	if (bpf_map_update_elem(&vms_threads, &tid, &ent, noexist ? BPF_NOEXIST : BPF_ANY) &&
	    !(noexist && bpf_map_lookup_elem(&vms_threads, &tid)))
		stat_inc(VMS_STAT_THREAD_FULL);
}

/* The user stack pointer in task's saved registers (bpf_task_pt_regs: tracing programs). */
static __always_inline __u64 task_user_sp(struct task_struct *task)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);

	return regs ? PT_REGS_SP_CORE(regs) : 0;
}

/* sched_process_fork (current: the parent, in its clone call), before the child first runs: a
 * thread's initial sp, unless clone was given no stack (the child then starts on the parent's
 * sp, in the parent's stack); a new process's sigaltstack, inherited from the thread that
 * forked (a CLONE_VM child has none: copy_process resets it). Either replaces whatever a reused
 * tid left. */
static __always_inline void thread_born(struct task_struct *parent, struct task_struct *child)
{
	__u64 sp;

	if (child->tgid == child->pid) {
		thread_note(child, 0, 0, false);
		return;
	}
	sp = task_user_sp(child);
	if (sp == task_user_sp(parent))
		thread_note(child, 0, 0, false);
	else
		thread_note(child, VMS_THR_CLONE, sp, false);
}

/* The current thread's sigaltstack may have changed (sys_sets_altstack()): its record again,
 * with the stack pointer it had. */
static __always_inline void altstack_changed(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 tid = task->pid, flags = 0;
	struct vms_thread_ent *e = bpf_map_lookup_elem(&vms_threads, &tid);
	__u64 sp = 0;

	if (e && e->tgid == task->tgid && e->start_time == task->start_boottime) {
		flags = e->flags & (VMS_THR_CLONE | VMS_THR_SAMPLED);
		sp = e->sp;
	}
	thread_note(task, flags, sp, false);
}

/* exec: the thread that execs is now the leader (old_pid: its tid before); the other threads
 * exited. Its record is its sigaltstack as the kernel kept it, if any. */
static __always_inline void thread_exec(struct task_struct *task, pid_t old_pid)
{
	__u32 old = old_pid;

	if (old != task->pid)
		bpf_map_delete_elem(&vms_threads, &old);
	thread_note(task, 0, 0, false);
}

/* Every exit, of a thread or a leader: its record goes. */
static __always_inline void thread_exit(struct task_struct *task)
{
	__u32 tid = task->pid;

	bpf_map_delete_elem(&vms_threads, &tid);
}

/* ---- syscalls ---- */

/* The syscalls that may change VMAs (syscalls.bpf.h) */
static __always_inline bool tracked_nr(long nr)
{
	return sys_followers(nr) & SYS_MODEL;
}

/* Whether syscall nr (a tracked_nr() one; a0, a1 its first two arguments) is followed. */
static __always_inline bool op_wanted(long nr, __u64 a0, __u64 a1, struct vms_proc_ent *p)
{
	return sys_changes_vmas(nr, a0, a1, p && (p->flags & VMS_PROC_UFFD));
}

/* A followed syscall whose entry or exit could not be paired (the task storage could not be
 * had, e.g. busy on this CPU): the process cannot be followed by ranges, its reader resyncs it. */
static __always_inline void op_lost(struct vms_proc_ent *p, __u32 stat)
{
	stat_inc(stat);
	if (p)
		__sync_fetch_and_or(&p->flags, VMS_PROC_DIRTY);
}

/* Global functions (verified once, the syscall number unknown to their caller): whether an exit
 * is of no syscall of ours, and an exit whose entry was not recorded (the kernel skipped it, or
 * the model was attached during the call). a0, a1: the call's first two arguments. */
__noinline int exit_untracked(long nr)
{
	return !tracked_nr(nr);
}

__noinline int exit_unpaired(long nr, __u64 a0, __u64 a1)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct vms_proc_ent *p = bpf_map_lookup_elem(&vms_procs, &tgid);

	if (tracked_nr(nr) && op_wanted(nr, a0, a1, p))
		op_lost(p, VMS_STAT_LOST_EXIT);
	return 0;
}

struct bounds {
	__u64 start, end;
};

static long bounds_cb(struct task_struct *task, struct vm_area_struct *vma, struct bounds *b)
{
	b->start = vma->vm_start;
	b->end = vma->vm_end;
	return 0;
}

/* Remembers the starts of the VMAs overlapping [lo, hi) and widens [elo, ehi) to cover them. */
static __noinline int remember_old(struct task_struct *task, struct vms_op *op, __u64 lo, __u64 hi)
{
	struct bpf_iter_task_vma it;
	struct vm_area_struct *vma;
	struct bounds b = {};
	int err;

	__u32 seq0;

	if (!op || hi <= lo)
		return 0;
	seq0 = mm_seq(BPF_CORE_READ(task, mm));
	/* The common cases, a range over one VMA or a few without a hole between them, with a
	 * lookup each and no iterator set-up; else (a hole, more VMAs) the walk below */
	if (op->n_old == 0) {
		__u64 at = lo;

		for (int i = 0; i < LOOKUPS_MAX; i++) {
			if (bpf_find_vma(task, at, bounds_cb, &b, 0))
				break;
			op->old[i & (MAX_OLD - 1)] = b.start;
			if (i == 0)
				op->elo = b.start;
			at = b.end;
			if (at >= hi) {
				if (!walk_consistent(BPF_CORE_READ(task, mm), seq0))
					break;
				op->n_old = i + 1;
				op->ehi = at;
				return 0;
			}
		}
		op->elo = ~0ULL; /* (n_old is still 0: the walk starts afresh) */
	}
	err = bpf_iter_task_vma_new(&it, task, lo);
	if (!err) {
		while ((vma = bpf_iter_task_vma_next(&it))) {
			__u64 start = vma->vm_start, end = vma->vm_end;	/* plain loads */

			if (start >= hi)
				break;
			if (op->n_old >= MAX_OLD) {
				op->full = true;
				break;
			}
			op->old[op->n_old & (MAX_OLD - 1)] = start;
			op->n_old++;
			if (start < op->elo)
				op->elo = start;
			if (end > op->ehi)
				op->ehi = end;
		}
	}
	bpf_iter_task_vma_destroy(&it);
	if (err || !walk_consistent(BPF_CORE_READ(task, mm), seq0))
		op->full = true;
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(vms_sys_enter, struct pt_regs *regs, long nr)
{
	struct sys_range r = {};
	struct task_struct *task;
	struct vms_proc_ent *p;
	struct vms_op *op;
	__u32 tgid;
	__u64 a0, a1, a2, a3;

	if (!tracked_nr(nr))
		return 0;
	tgid = bpf_get_current_pid_tgid() >> 32;
	p = bpf_map_lookup_elem(&vms_procs, &tgid);
	a0 = SYS_ARG0(regs);
	a1 = SYS_ARG1(regs);
	if (!op_wanted(nr, a0, a1, p))
		return 0;
	task = bpf_get_current_task_btf();
	op = bpf_task_storage_get(&vms_ops, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!op) {
		op_lost(p, VMS_STAT_LOST_ENTRY);
		return 0;
	}
	op->n_old = 0;
	op->full = false;
	a2 = SYS_ARG2(regs);
	a3 = SYS_ARG3(regs);
	op->nr = nr;
	op->args[0] = a0;
	op->args[1] = a1;
	op->args[2] = a2;
	op->updates = p ? VMS_STATE_CHANGES(p->state) : 0;
	op->elo = ~0ULL;
	op->ehi = 0;

	if (nr == NR_brk) {
		struct mm_struct *mm = BPF_CORE_READ(task, mm);

		sys_brk_range(a0, BPF_CORE_READ(mm, brk), BPF_CORE_READ(mm, start_brk), &r);
	} else if (!sys_entry_range(nr, a0, a1, a2, a3, SYS_ARG4(regs), &r)) {
		op->full = true; /* what changes is only known by reading every VMA */
	}
	/* nothing published to edit (a child not read yet, see child_unread): its exit reads it */
	if (!p || !VMS_STATE_GEN(p->state))
		op->full = true;
	op->lo = r.lo;
	op->hi = r.hi;
	op->lo2 = r.lo2;
	op->hi2 = r.hi2;
	if (!op->full) {
		remember_old(task, op, op->lo, op->hi);
		remember_old(task, op, op->lo2, op->hi2);
	}
	/* --faults: an unmap of more VMAs than op->old holds cannot be folded at the exit: take
	 * the counts of the range now, before their keys would dangle over unmapped space */
	if (faults_on && op->full && op->hi > op->lo && (nr == NR_munmap || nr == NR_mmap)) {
		struct vms_fault_ent gone = {};

		faults_take_range(op->lo, op->hi, &gone);
	}
	op->active = true;
	return 0;
}

/* Drops the model's key at start, if there is one: 1 if it did. A global function: the exit
 * program calls it in loops, and the verifier checks it once. */
__noinline int drop_entry(__u64 tg, __u64 start)
{
	struct vms_vma_key key = { .tgid = tg >> 32, .gen = (__u32)tg, .start = start };

	return !ent_delete(&key);
}

static __always_inline void drop_key(__u32 tgid, __u32 gen, __u64 start, __u32 *dropped)
{
	*dropped += drop_entry(TG(tgid, gen), start);
}

/* Stores the current task's VMAs overlapping [lo, hi], under (tgid, gen) = tg. Returns how many
 * keys were new, or -1 (lock busy or map full). */
__noinline int store_range(__u64 tg, __u64 lo, __u64 hi)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 tgid = tg >> 32, gen = (__u32)tg;
	struct bpf_iter_task_vma it;
	struct vm_area_struct *vma;
	int err, added = 0, r;
	__u32 seq0;

	if (hi <= lo)
		return 0;
	seq0 = mm_seq(task->mm);
	err = bpf_iter_task_vma_new(&it, task, lo);
	if (!err) {
		while ((vma = bpf_iter_task_vma_next(&it))) {
			/* up to and including a VMA starting at hi: its key was dropped as a
			 * boundary (it may have merged), so it is stored again if it still is */
			if (vma->vm_start > hi)
				break;
			r = store_vma_at(TG(tgid, gen), ptr_to_u64(vma));
			if (r < 0) {
				err = -1;
				break;
			}
			added += r;
		}
	}
	bpf_iter_task_vma_destroy(&it);
	if (!err && !walk_consistent(task->mm, seq0))
		err = -1; /* a writer changed the range while it was read */
	return err ? -1 : added;
}


/* --faults: the keys of op->old in [lo, hi) are moved by delta, or freed when delta is 0. */
static __always_inline void faults_old_in(struct vms_op *op, __u32 tgid, __u64 lo, __u64 hi,
					  __u64 delta)
{
	for (__u32 i = 0; i < MAX_OLD; i++) {
		__u64 s = op->old[i & (MAX_OLD - 1)];

		if (i >= op->n_old)
			break;
		if (s < lo || s >= hi)
			continue;
		if (delta)
			faults_move(tgid, s, s + delta);
		else
			faults_take(tgid, s, NULL);
	}
}

/*
 * --faults: after a change, the fault keys that may no longer be VMA starts are those of the
 * VMAs the range held (op->old) and its boundaries: each goes to the VMA that holds it now (a
 * merge) or is freed (unmapped). What a MAP_FIXED mmap or an MREMAP_FIXED destination replaced is
 * freed first (it would otherwise be folded into the new mapping), and an mremap that moved
 * carries the keys of the moved range along. A change followed by a full resync (no op->old)
 * leaves its keys where they are: inside a VMA they still count for it; exit frees them.
 */
static __always_inline void faults_after(struct vms_op *op, long ret)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct sys_range r = { .lo = op->lo, .hi = op->hi, .lo2 = op->lo2, .hi2 = op->hi2 };

	if (op->full || ret < 0)
		return;
	if (op->nr == NR_mmap || op->nr == NR_map_shadow_stack) {
		faults_old_in(op, tgid, op->lo, op->hi, 0);	/* MAP_FIXED: replaced */
		sys_exit_range(op->nr, ret, op->args[1], op->args[2], &r);
	}
	if (op->nr == NR_mremap && (__u64)ret != op->lo) {
		faults_old_in(op, tgid, op->lo2, op->hi2, 0);	/* MREMAP_FIXED: replaced */
		sys_exit_range(op->nr, ret, op->args[1], op->args[2], &r);
		faults_old_in(op, tgid, op->lo, op->hi, r.lo2 - op->lo);
	}
	for (__u32 i = 0; i < MAX_OLD; i++) {
		if (i >= op->n_old)
			break;
		faults_fold(op->old[i & (MAX_OLD - 1)]);
	}
	faults_fold(r.lo);
	faults_fold(r.hi);
	faults_fold(r.lo2);
	faults_fold(r.hi2);
}

/* ---- the move log (vmscope.h: vms_move_log): each mremap that moved, per process ---- */

/* Sized by processes (the loader: an eighth of vms_procs), not VMAs; only a process that moved
 * a range has an entry, freed at its exit or exec. Full: a move is not kept (diff sees the gap). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct vms_move_log);
} vms_moves SEC(".maps");

struct vms_move_log vms_moves_zero;	/* never written: a process's first log (too big for the stack) */

/* A global function: the exit handler pays a call only for an mremap that moved. */
__noinline int move_note(__u64 old_start, __u64 old_len, __u64 new_start, __u64 new_len)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32, seq;
	struct vms_proc_ent *p = bpf_map_lookup_elem(&vms_procs, &tgid);
	struct vms_move_log *log;
	struct vms_move *e;

	if (!p)
		return 0;
	seq = __sync_fetch_and_add(&p->moves, 1) + 1;
	log = bpf_map_lookup_elem(&vms_moves, &tgid);
	if (!log || (log->start_time && log->start_time != p->start_time)) {
		/* none yet, or a former process's of this pid (its exit was missed) */
		bpf_map_update_elem(&vms_moves, &tgid, &vms_moves_zero, log ? BPF_ANY : BPF_NOEXIST);
		log = bpf_map_lookup_elem(&vms_moves, &tgid);
		if (!log)
			return 0;
	}
	__sync_val_compare_and_swap(&log->start_time, 0, p->start_time);
	if (log->start_time != p->start_time)
		return 0;
	e = &log->e[seq & (VMS_MOVES_N - 1)];
	__sync_lock_test_and_set(&e->seq, 0);
	e->old_start = old_start;
	e->old_len = old_len;
	e->new_start = new_start;
	e->new_len = new_len;
	e->ts_ns = bpf_ktime_get_boot_ns();
	__sync_lock_test_and_set(&e->seq, seq);
	return 0;
}

/* An exec: the moves of the old image mean nothing to the new one. The count moves on (a diff
 * across the exec then lacks that seq) and the log goes. */
__noinline int moves_exec(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct vms_proc_ent *p = bpf_map_lookup_elem(&vms_procs, &tgid);

	if (p)
		__sync_fetch_and_add(&p->moves, 1);
	bpf_map_delete_elem(&vms_moves, &tgid);
	return 0;
}

/* ---- fast paths: the one VMA a change left, found with one lookup, no walk ---- */

struct span_ctx {
	__u64 tg, lo, hi;
	__u64 start, end;	/* the VMA that holds [lo, hi) now */
	int added;		/* store_vma_at()'s answer; -2: none holds [lo, hi) */
};

static long span_cb(struct task_struct *task, struct vm_area_struct *vma, struct span_ctx *c)
{
	c->start = vma->vm_start;
	c->end = vma->vm_end;
	if (c->start <= c->lo && c->end >= c->hi)
		c->added = store_vma_at(c->tg, ptr_to_u64(vma));
	return 0;
}

/*
 * A fresh mmap of [lo, hi) (into a hole): it touched no VMA but the two it may have merged with.
 * The VMA holding lo now is [start, end) with start <= lo and end >= hi; it is stored (in place
 * when its key exists: the previous VMA it merged into). The next VMA, if it merged, loses its
 * key at hi. Returns the keys added (0 or 1), *dropped counts the dropped ones; -1: nothing
 * stored, the slow path decides; -2: stored, but a writer of the mm ran meanwhile (bpf_find_vma's
 * VMA may be stale since the 2026 rework): the caller resyncs.
 */
__noinline int store_span(__u64 tg, __u64 lo, __u64 hi, __u32 *dropped)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct span_ctx c = { .tg = tg, .lo = lo, .hi = hi, .added = -2 };
	__u32 seq0;

	if (!dropped || hi <= lo)
		return -1;
	seq0 = mm_seq(task->mm);
	if (bpf_find_vma(task, lo, span_cb, &c, 0) || c.added < 0)
		return -1;
	if (!walk_consistent(task->mm, seq0))
		return -2;
	if (c.end > hi)
		drop_key(tg >> 32, (__u32)tg, hi, dropped);
	return c.added;
}

/*
 * The pieces of a VMA [elo, ehi) that a change split, outside the range it changed: they keep the
 * VMA's entry (its name, flags, file), with their own bounds and the file offset moved along.
 * Only for names that do not depend on where the VMA is: [heap] and [stack] (and the other
 * strings) are named from the mm, so a split of those takes the slow path.
 */
static __always_inline bool splittable(const struct vms_vma_ent *e)
{
	return vms_vma_ent_kind(e->flags) != VMS_NAME_STRING;
}

/* Stores [start, ehi), the tail of the VMA whose entry was orig at elo. 1: a new key, -1: failed. */
__noinline int store_tail(__u64 tg, const struct vms_vma_ent *orig, __u64 elo, __u64 start,
			  __u64 ehi)
{
	struct vms_vma_key key = { .tgid = tg >> 32, .gen = (__u32)tg, .start = start };
	struct vms_vma_ent tail;

	if (!orig)
		return -1;
	tail = *orig;
	tail.end = ehi;
	if (orig->dev || orig->ino) /* a file's: vm_pgoff moves with the start */
		tail.pgoff += start - elo;
	if (ent_insert(&key, &tail)) {
		stat_inc(VMS_STAT_MAP_FULL);
		return -1;
	}
	return 1;
}

/*
 * The fast paths are global functions that take the op from the task's storage, and the entry
 * they change is saved there too: 6.12 counts the stack over the whole call chain (exit program,
 * fast path, bpf_find_vma's callback, store_vma_at) against 512 bytes, and the exit program's
 * resync_current() -> store_vma_at() chain leaves it about 160.
 */

/*
 * An mprotect of [lo, hi) inside one VMA [elo, ehi) (as the entry saw it): the VMA that holds
 * [lo, hi) now is stored (as store_span: it may have merged with a neighbour when lo == elo or
 * hi == ehi); what is left of [elo, ehi) in front of it and behind it keeps the old entry.
 * Returns as store_span.
 */
__noinline int protect_in_one(struct vms_op *op, __u64 tg, __u32 *dropped)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct vms_vma_key key = { .tgid = tg >> 32, .gen = (__u32)tg };
	struct span_ctx c = { .tg = tg, .added = -2 };
	struct vms_vma_ent *e0;
	int added;
	__u32 seq0;

	if (!op || !dropped || op->hi <= op->lo || op->lo < op->elo || op->hi > op->ehi)
		return -1;
	key.start = op->elo;
	e0 = ent_lookup(&key);
	if (!e0 || e0->end != op->ehi || !splittable(e0))
		return -1;
	op->saved = *e0;
	c.lo = op->lo;
	c.hi = op->hi;
	seq0 = mm_seq(task->mm);
	if (bpf_find_vma(task, op->lo, span_cb, &c, 0) || c.added < 0)
		return -1;
	if (!walk_consistent(task->mm, seq0))
		return -2;
	added = c.added;
	if (c.start > op->elo) {	/* the front piece: [elo, start) */
		e0 = ent_lookup(&key);
		if (!e0)
			return -2;
		e0->end = c.start;
	} else if (c.start < op->elo) {	/* merged into the one before */
		drop_key(key.tgid, key.gen, op->elo, dropped);
	}
	if (c.end < op->ehi) {		/* the back piece: [end, ehi) */
		if (store_tail(tg, &op->saved, op->elo, c.end, op->ehi) < 0)
			return -2;
		added++;
	} else if (c.end > op->ehi) {	/* merged with the one after */
		drop_key(key.tgid, key.gen, op->ehi, dropped);
	}
	return added;
}

/*
 * An munmap of [lo, hi) that met the VMAs op->old[] (the first from elo, the last up to ehi),
 * as the entry saw them: an unmap merges nothing, so what is left is known without reading the
 * kernel: [elo, lo) under the first's key, and [hi, ehi) under a new key with the last one's
 * entry; the keys of the others go. Returns the keys added; -1: the slow path decides (nothing
 * done); -2: partly done, the caller resyncs.
 */
__noinline int unmap_span(struct vms_op *op, __u64 tg, __u32 *dropped)
{
	struct vms_vma_key key = { .tgid = tg >> 32, .gen = (__u32)tg };
	struct vms_vma_ent *e;
	__u64 last;

	if (!op || !dropped || !op->n_old || op->n_old > MAX_OLD || op->hi <= op->lo ||
	    op->old[0] != op->elo || op->hi <= op->elo || op->lo >= op->ehi)
		return -1;
	last = op->old[(op->n_old - 1) & (MAX_OLD - 1)];
	key.start = last;
	e = ent_lookup(&key);
	if (!e || e->end != op->ehi || (op->hi < op->ehi && !splittable(e)))
		return -1;
	op->saved = *e;
	key.start = op->elo;
	e = ent_lookup(&key);
	if (!e || (op->elo < op->lo && !splittable(e)))
		return -1;
	if (op->elo < op->lo)
		e->end = op->lo;
	else
		drop_key(key.tgid, key.gen, op->elo, dropped);
	for (__u32 i = 1; i < MAX_OLD; i++) {	/* the others, the last one included */
		if (i >= op->n_old)
			break;
		drop_key(key.tgid, key.gen, op->old[i], dropped);
	}
	if (op->hi < op->ehi)
		return store_tail(tg, &op->saved, last, op->hi, op->ehi) < 0 ? -2 : 1;
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(vms_sys_exit, struct pt_regs *regs, long ret)
{
	INJECT_REFUSAL(VMS_INJECT_KFUNC);
	struct task_struct *task;
	struct vms_proc_ent *p;
	struct vms_op *op;
	struct vms_global *g;
	struct sys_range r;
	__u32 tgid, gen, dropped = 0;
	__u64 elo, ehi, s0;
	int added, added2 = 0;
	bool fast, whole;
	long nr;

	/* the number first: most syscalls are none of ours, and pay nothing more */
	nr = SYS_NR(regs); /* a BTF pointer: a plain load, not a helper call */
	if (sys_sets_altstack(nr)) {
		altstack_changed();
		return 0;
	}
	if (exit_untracked(nr))
		return 0;
	task = bpf_get_current_task_btf();
	op = bpf_task_storage_get(&vms_ops, task, 0, 0);
	if (!op || !op->active) {
		exit_unpaired(nr, SYS_ARG0(regs), SYS_ARG1(regs));
		return 0;
	}
	op->active = false;
	/* from the entry's record, not the register: the verifier then explores this program
	 * once, not once for each syscall number tracked_nr() tells apart */
	nr = op->nr;
	tgid = bpf_get_current_pid_tgid() >> 32;
	stat_inc(VMS_STAT_EVENTS);
	if (faults_on)
		faults_after(op, ret);
	p = bpf_map_lookup_elem(&vms_procs, &tgid);
	/* A registered uffd merges VMAs back when its last reference is closed: follow the
	 * process's closes from now on. (A uffd used on another process's mm, e.g. by a child,
	 * shows up as a foreign write lock, see vms_foreign_write.) */
	if (nr == NR_ioctl && ret == 0 && p && op->args[1] == UFFDIO_REGISTER)
		__sync_fetch_and_or(&p->flags, VMS_PROC_UFFD);
	/* the move log: an mremap that moved a range (old_len 0 copies one: no move) */
	if (nr == NR_mremap && ret > 0 && (__u64)ret != op->args[0] && op->args[1] && p)
		move_note(op->args[0], op->args[1], (__u64)ret, op->args[2]);
	s0 = p ? p->state : 0;
	if (!p || op->full || VMS_STATE_CHANGES(s0) != op->updates || !VMS_STATE_GEN(s0) ||
	    p->start_time != task_start(task) || (p->flags & (VMS_PROC_STACK | VMS_PROC_DIRTY))) {
		if (p && VMS_STATE_CHANGES(s0) != op->updates)
			stat_inc(VMS_STAT_CONCURRENT);
		goto full;
	}
	gen = VMS_STATE_GEN(s0);
	/* where the kernel put an mmap or an mremap: only now is that range known */
	r = (struct sys_range){ .lo = op->lo, .hi = op->hi, .lo2 = op->lo2, .hi2 = op->hi2 };
	sys_exit_range(nr, ret, op->args[1], op->args[2], &r);
	elo = op->elo < r.lo ? op->elo : r.lo;
	ehi = op->ehi > r.hi ? op->ehi : r.hi;

	/* the entry saw whole VMAs from lo to hi: the first starts at lo and the last ends at hi */
	whole = op->n_old && op->old[0] == op->lo && op->elo == op->lo && op->ehi == op->hi;

	/* readers: the published set is edited in place until the change count moves (or, on
	 * failure, a full resync publishes a new generation or marks the process dirty) */
	__sync_fetch_and_add(&p->busy, 1);
	/* Fast paths: a fresh mmap (it replaced nothing), an mprotect inside one VMA (one lookup
	 * of the VMA that holds the range now), an munmap (no lookup: unmap_span). */
	added = -1;
	if (nr == NR_mmap && ret >= 0 && !op->n_old)
		added = store_span(TG(tgid, gen), r.lo, r.hi, &dropped);
	else if (nr == NR_mprotect && ret == 0 && op->n_old == 1)
		added = protect_in_one(op, TG(tgid, gen), &dropped);
	else if (nr == NR_munmap && ret == 0)
		added = unmap_span(op, TG(tgid, gen), &dropped);
	if (added >= 0) {
		stat_inc(VMS_STAT_FAST_SPAN);
		goto complete;
	}
	if (added == -2)
		goto full_edited;
	for (__u32 i = 0; i < MAX_OLD; i++) {
		if (i >= op->n_old)
			break;
		drop_key(tgid, gen, op->old[i], &dropped);
	}
	/* An unmap of whole VMAs only that unmap_span() did not take (a key it did not find):
	 * they are gone and nothing else moved (an unmap merges nothing): their keys are dropped
	 * above, and no VMA is read again. */
	fast = nr == NR_munmap && ret == 0 && whole;
	if (!fast) {
		/* the boundaries: a key there may have merged or split (those of op->old are
		 * dropped already, and a call without a second range has none) */
		if (!op->n_old || r.lo != op->old[0])
			drop_key(tgid, gen, r.lo, &dropped);
		drop_key(tgid, gen, r.hi, &dropped);
		if (r.hi2 > r.lo2) {
			drop_key(tgid, gen, r.lo2, &dropped);
			drop_key(tgid, gen, r.hi2, &dropped);
		}
		added = store_range(TG(tgid, gen), elo, ehi);
		if (added >= 0 && r.hi2 > r.lo2)
			added2 = store_range(TG(tgid, gen), r.lo2, r.hi2);
		if (added < 0 || added2 < 0)
			goto full_edited;
		added += added2;
	} else {
		added = 0;
		stat_inc(VMS_STAT_FAST_UNMAP);
	}
complete:
	/* Complete the change only if nothing was published or completed meanwhile; else the
	 * update may have gone to a generation that is no longer current: redo it whole. */
	if (__sync_val_compare_and_swap(&p->state, s0, (s0 & ~0xffffffffULL) |
					(__u32)(VMS_STATE_CHANGES(s0) + 1)) != s0) {
		stat_inc(VMS_STAT_CONCURRENT);
		goto full_edited;
	}
	/* dropped keys that were stored again count in both; still busy, so that no reader
	 * takes the new state with the old count */
	p->nr_vmas += added;
	p->nr_vmas -= dropped < p->nr_vmas ? dropped : p->nr_vmas;
	__sync_fetch_and_add(&p->busy, -1);
	p->range_resyncs++;
	g = global();
	if (g)
		__sync_fetch_and_add(&g->live, (__s64)added - (__s64)dropped);
	stat_inc(VMS_STAT_RANGE_RESYNC);
	return 0;
full_edited:
	/* busy until the full resync has published (or marked the process dirty) */
	resync_current();
	__sync_fetch_and_add(&p->busy, -1);
	return 0;
full:
	resync_current();
	return 0;
}

/*
 * Stack growth has no syscall: a fault below the [stack] VMA grows it. The tracepoint fires
 * before the fault is handled, so the growth cannot be read here; the process is flagged and
 * resynced at its next tracked syscall or by the next reader. Cheap filter first: only faults
 * between the stack's start and 1 GiB below mm->start_stack look further.
 */
/*
 * Tier event-resync: the published generation of p is no longer the truth. Generation 0 in the
 * state makes every reader resync the process from /proc (and publish it again); the change
 * count moves, so a resync that read /proc before this change cannot publish.
 */
static __always_inline void invalidate(struct vms_proc_ent *p)
{
	struct vms_global *g = global();

	for (int i = 0; i < 8; i++) {
		__u64 s0 = p->state, s1 = (__u64)(__u32)(VMS_STATE_CHANGES(s0) + 1);

		if (__sync_val_compare_and_swap(&p->state, s0, s1) != s0)
			continue;
		if (VMS_STATE_GEN(s0) > p->stale_gen)
			p->stale_gen = VMS_STATE_GEN(s0);
		if (VMS_STATE_GEN(s0) && g) {
			__sync_fetch_and_add(&g->garbage, p->nr_vmas);
			__sync_fetch_and_add(&g->live, -(__s64)p->nr_vmas);
		}
		stat_inc(VMS_STAT_EVENTS);
		return;
	}
	__sync_fetch_and_or(&p->flags, VMS_PROC_DIRTY);
}

static __always_inline void stack_fault(unsigned long address)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct vms_proc_ent *p;
	__u32 tgid;

	if (!stack_fault_top(task->mm, address))
		return;
	tgid = task->tgid;
	p = bpf_map_lookup_elem(&vms_procs, &tgid);
	if (!p || !p->stack_start || address >= p->stack_start || (p->flags & VMS_PROC_STACK))
		return;
	/* only as far below the stack as RLIMIT_STACK lets it grow */
	if (address + stack_limit(task) < p->stack_start)
		return;
	stat_inc(VMS_STAT_STACK_GROW);
	if (event_tier) {
		p->stack_start = 0; /* known again after the resync */
		invalidate(p);
		return;
	}
	__sync_fetch_and_or(&p->flags, VMS_PROC_STACK);
}

SEC("tp_btf/page_fault_user")
int BPF_PROG(vms_fault, unsigned long address, struct pt_regs *regs, unsigned long error_code)
{
	stack_fault(address);
	if (faults_access)	/* --faults: the access type, in this hook rather than a second one */
		flt_note_access(address, error_code);
	return 0;
}

/* The kernel touching user memory (read(2) into a buffer below the stack) grows it too. */
SEC("tp_btf/page_fault_kernel")
int BPF_PROG(vms_fault_k, unsigned long address, struct pt_regs *regs, unsigned long error_code)
{
	stack_fault(address);
	return 0;
}

/*
 * Safety net: the write lock of a process's mm taken by another process means its VMAs may have
 * changed with no syscall of its own (the last close of a userfaultfd, by a child that inherited
 * it, unregisters the parent's ranges). The process is flagged; its reader resyncs it.
 */
SEC("tp_btf/mmap_lock_released")
int BPF_PROG(vms_foreign_write, struct mm_struct *mm, bool write)
{
	struct task_struct *cur;
	struct vms_proc_ent *p;
	__u32 tgid;

	if (!write)
		return 0;
	cur = bpf_get_current_task_btf();
	if (mm == BPF_CORE_READ(cur, mm))
		return 0;
	/* Another mm whose owner is of our own process: one being built, not a process's. A fork
	 * fills the child's mm (dup_mmap) before the child has a tgid of its own (its task is a
	 * copy of ours), and an exec builds its new mm with us as owner: flagging the owner's
	 * process here made every fork of a shell resync the shell. */
	if (!mm_owner_tgid(mm, &tgid) || tgid == (__u32)(bpf_get_current_pid_tgid() >> 32))
		return 0;
	p = bpf_map_lookup_elem(&vms_procs, &tgid);
	if (p) {
		if (event_tier)
			invalidate(p);
		else
			__sync_fetch_and_or(&p->flags, VMS_PROC_DIRTY);
		stat_inc(VMS_STAT_FOREIGN);
	}
	return 0;
}

/* ---- process lifetime ---- */

/*
 * A new process: its copy of the parent's regions is read when it is first needed (its first
 * change of them, its exec, a reader), not now. Most children exec or exit first, and a copy
 * made at fork would be garbage by then. Until then the entry is dirty and unpublished: its
 * first change goes the full way (vms_sys_exit), readers resync it in the kernel. stale_gen:
 * the generations of an earlier process under this pid (an exit the model missed) are garbage.
 */
static __always_inline void child_unread(struct task_struct *child)
{
	struct vms_proc_ent fresh = { .start_time = task_start(child), .flags = VMS_PROC_DIRTY };
	struct vms_global *g = global();
	__u32 tgid = BPF_CORE_READ(child, tgid);

	if (g)
		fresh.stale_gen = g->next_gen;
	if (bpf_map_update_elem(&vms_procs, &tgid, &fresh, BPF_ANY))
		stat_inc(VMS_STAT_MAP_FULL);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(vms_fork, struct task_struct *parent, struct task_struct *child)
{
	thread_born(parent, child);
	/* threads share the mm: nothing new */
	if (BPF_CORE_READ(child, tgid) != BPF_CORE_READ(child, pid))
		return 0;
	if (BPF_CORE_READ(child, mm) == BPF_CORE_READ(parent, mm))
		return 0;
	stat_inc(VMS_STAT_FORKS);
	child_unread(child);
	return 0;
}

/* --faults: an exec's old mm is still there (6.10+): free the counts keyed at its VMAs. */
SEC("tp_btf/sched_prepare_exec")
int BPF_PROG(vms_flt_exec, struct task_struct *task, struct linux_binprm *bprm)
{
	faults_drop_current();
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(vms_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	stat_inc(VMS_STAT_EXECS);
	thread_exec(task, old_pid);
	if (faults_on)
		faults_after_exec(task->tgid);
	moves_exec();
	resync_current(); /* a new mm: a new generation */
	return 0;
}

/*
 * The GC works on copies of the keys it is handed: an element deleted by someone else can be
 * reused at once for a new (current) entry, and deciding on one key but deleting through the
 * element's memory could then remove the new entry. With a copy, only keys of dead generations
 * are ever deleted.
 */
static __always_inline bool gen_dead(__u32 tgid, __u32 gen)
{
	struct vms_proc_ent *p = bpf_map_lookup_elem(&vms_procs, &tgid);

	/* the published generation, or a newer one being built (an invalidated one is garbage) */
	return !(p && gen >= VMS_STATE_GEN(p->state) &&
		 !(VMS_STATE_GEN(p->state) == 0 && gen <= p->stale_gen));
}

static long gc_one(struct bpf_map *map, struct vms_vma_key *key, struct vms_vma_ent *val, void *ctx)
{
	struct vms_vma_key k = *key;
	__u64 *deleted = ctx;

	if (gen_dead(k.tgid, k.gen) && !bpf_map_delete_elem(&vms_vmas, &k))
		(*deleted)++;
	return 0;
}

/* Tier kfunc-resync: keys of dead generations (their slots are swept below). */
static long gc_key(struct bpf_map *map, struct vms_vma_key *key, __u32 *slot, void *ctx)
{
	struct vms_vma_key k = *key;

	if (gen_dead(k.tgid, k.gen))
		bpf_map_delete_elem(&vms_index, &k);
	return 0;
}

/* Tier kfunc-resync: the slab is swept, not only the index, so that a slot whose key went another way
 * (a race of two threads' changes) is released too. The key goes only if it still names this
 * slot; the slot only if its owner is still the dead generation read here. */
static long gc_slot(struct bpf_map *map, __u32 *slot, struct vms_slab_rec *rec, void *ctx)
{
	__u64 owner = rec->owner, *deleted = ctx;
	struct vms_vma_key k = { .tgid = owner >> 32, .gen = (__u32)owner, .start = rec->start };
	__u32 s = *slot, *at;

	if (!owner || (owner & VMS_SLAB_FREED) || !gen_dead(k.tgid, k.gen))
		return 0;
	at = bpf_map_lookup_elem(&vms_index, &k);
	if (at && *at == s)
		bpf_map_delete_elem(&vms_index, &k);
	*deleted += slab_release(s, owner);
	return 0;
}

/* A process entry whose process is gone (an exit raced with its creation): drop it. */
static long gc_proc(struct bpf_map *map, __u32 *tgid, struct vms_proc_ent *val, void *ctx)
{
	__u32 t = *tgid;
	struct vms_proc_ent *p = bpf_map_lookup_elem(&vms_procs, &t);
	struct task_struct *task;
	bool gone;

	if (!p)
		return 0;
	task = bpf_task_from_pid(t);
	gone = !task;
	if (task) {
		gone = task_start(task) != p->start_time ||
		       (BPF_CORE_READ(task, flags) & PF_EXITING) || !BPF_CORE_READ(task, mm);
		bpf_task_release(task);
	}
	if (gone)
		bpf_map_delete_elem(&vms_procs, &t);
	return 0;
}

/* --faults: counts of a process the model no longer has (keys an exit could not reach). */
static long gc_fault(struct bpf_map *map, struct vms_fault_key *key, struct vms_fault_ent *v, void *ctx)
{
	struct vms_fault_key k = *key;

	if (!bpf_map_lookup_elem(&vms_procs, &k.tgid))
		bpf_map_delete_elem(&vms_faults, &k);
	return 0;
}

/* A move log of a process the model no longer has (an exit that raced with its creation). */
static long gc_move(struct bpf_map *map, __u32 *tgid, struct vms_move_log *v, void *ctx)
{
	__u32 t = *tgid;
	struct vms_proc_ent *p = bpf_map_lookup_elem(&vms_procs, &t);

	if (!p || (v->start_time && v->start_time != p->start_time))
		bpf_map_delete_elem(&vms_moves, &t);
	return 0;
}

static long gc_fault_nkeys(struct bpf_map *map, __u32 *tgid, __s64 *v, void *ctx)
{
	__u32 t = *tgid;

	if (!bpf_map_lookup_elem(&vms_procs, &t))
		bpf_map_delete_elem(&vms_faults_nkeys, &t);
	return 0;
}


/* A thread record whose thread is gone (its exit was missed: the kernel skipped the hook). */
static long gc_thread(struct bpf_map *map, __u32 *tid, struct vms_thread_ent *v, void *ctx)
{
	__u32 t = *tid;
	struct vms_thread_ent *e = bpf_map_lookup_elem(&vms_threads, &t);
	struct task_struct *task;
	bool gone;

	if (!e)
		return 0;
	task = bpf_task_from_pid(t);
	gone = !task;
	if (task) {
		gone = task->start_boottime != e->start_time || task->tgid != e->tgid;
		bpf_task_release(task);
	}
	if (gone)
		bpf_map_delete_elem(&vms_threads, &t);
	return 0;
}

static __always_inline void gc(bool kfunc_tier)
{
	struct vms_global *g = global();
	__u64 deleted = 0;

	if (!g)
		return;
	/* one sweep at a time */
	if (__sync_val_compare_and_swap(&g->gc_running, 0, 1) != 0)
		return;
	if (kfunc_tier) { /* bpf_task_from_pid: not in tier event-resync */
		bpf_for_each_map_elem(&vms_procs, gc_proc, NULL, 0);
		bpf_for_each_map_elem(&vms_threads, gc_thread, NULL, 0);
		bpf_for_each_map_elem(&vms_slab, gc_slot, &deleted, 0);
		bpf_for_each_map_elem(&vms_index, gc_key, NULL, 0);
	} else {
		bpf_for_each_map_elem(&vms_vmas, gc_one, &deleted, 0);
	}
	bpf_for_each_map_elem(&vms_moves, gc_move, NULL, 0);
	if (faults_on) {
		bpf_for_each_map_elem(&vms_faults, gc_fault, NULL, 0);
		bpf_for_each_map_elem(&vms_faults_nkeys, gc_fault_nkeys, NULL, 0);
	}
	stat_inc(VMS_STAT_GC_RUNS);
	{
		__u64 gb = g->garbage;

		__sync_fetch_and_add(&g->garbage, -(__s64)(deleted < gb ? deleted : gb));
	}
	{
		__u32 id = VMS_STAT_GC_DELETED;
		__u64 *v = bpf_map_lookup_elem(&vms_stats, &id);

		if (v)
			*v += deleted;
	}
	__sync_lock_test_and_set(&g->gc_running, 0);
}

/* At exit the mm is usually still attached: drop the published entries right away instead of
 * leaving them to the sweep. Returns how many were dropped. */
__noinline int drop_published(__u64 tg)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct bpf_iter_task_vma it;
	struct vm_area_struct *vma;
	int n = 0;

	if (!task->mm)
		return 0;
	if (!bpf_iter_task_vma_new(&it, task, 0)) {
		while ((vma = bpf_iter_task_vma_next(&it))) {
			struct vms_vma_key key = { .tgid = tg >> 32, .gen = (__u32)tg,
						   .start = vma->vm_start };

			if (!ent_delete(&key))
				n++;
		}
	}
	bpf_iter_task_vma_destroy(&it);
	return n;
}

/*
 * The last thread of a process exits: its entry goes, its VMA entries become garbage, and the
 * sweep runs when garbage outweighs half the live entries (amortized O(1) per entry).
 * kfunc_tier (a constant at each call, so the other tier's code is not even compiled in): the
 * published entries are dropped at once through the VMA iterator while the mm is still there,
 * and the sweep also drops process entries of dead processes (bpf_task_from_pid). In tier
 * event-resync an invalidated generation (0) was already counted as garbage.
 */
static __always_inline void proc_exit(struct task_struct *task, bool kfunc_tier)
{
	struct vms_global *g = global();
	struct vms_proc_ent *p;
	__u32 tgid;

	if (!task_group_dead(task))
		return;
	if (kfunc_tier && faults_on && task == bpf_get_current_task_btf())
		faults_drop_current();
	tgid = task->tgid;
	p = bpf_map_lookup_elem(&vms_procs, &tgid);
	if (!p)
		return;
	stat_inc(VMS_STAT_EXITS);
	if (g && (kfunc_tier || VMS_STATE_GEN(p->state))) {
		__s64 left = (__s64)p->nr_vmas;

		if (kfunc_tier && VMS_STATE_GEN(p->state) && task == bpf_get_current_task_btf())
			left -= drop_published(TG(tgid, VMS_STATE_GEN(p->state)));
		if (left > 0)
			__sync_fetch_and_add(&g->garbage, left);
		__sync_fetch_and_add(&g->live, -(__s64)p->nr_vmas);
	}
	bpf_map_delete_elem(&vms_procs, &tgid);
	bpf_map_delete_elem(&vms_moves, &tgid);
	if (g && g->garbage > 1024 && g->garbage > g->live / 2)
		gc(kfunc_tier);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(vms_exit, struct task_struct *task)
{
	thread_exit(task);
	proc_exit(task, true);
	return 0;
}

/* Run by user space (BPF_PROG_RUN): sweep now. */
SEC("syscall")
int vms_gc(void *ctx)
{
	gc(true);
	return 0;
}

/* Run by user space: full resync of one process (reconcile, or a dirty process). */
SEC("syscall")
int vms_resync(struct vms_resync_args *args)
{
	args->ret = resync_pid(args->pid);
	return 0;
}

/*
 * ---- seeding: one iter/task pass over every process ----
 * Each process is read like any full resync (kfunc VMA iterator, validated walk, published by
 * compare-and-swap), not from iter/task_vma's own VMAs: those may be stale since the iterator
 * rework, and the first of each process is fetched before a program could note mm_lock_seq.
 */
SEC("iter/task")
int vms_seed(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;

	/* one walk per process: threads share the leader's mm */
	if (!task || task->pid != task->tgid || (seed_tgid && task->tgid != seed_tgid))
		return 0;
	resync_pid(task->pid);
	return 0;
}

/*
 * Seeding the thread records (both tiers), after the hooks are attached: a thread older than
 * the model has no creation record; its stack pointer saved at its last kernel entry stands for
 * it (VMS_THR_SAMPLED), and its sigaltstack is the kernel's. A record a hook wrote meanwhile is
 * newer, and kept.
 */
SEC("iter/task")
int vms_seed_threads(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;

	if (!task || !task->mm || (task->flags & PF_EXITING))
		return 0;
	if (task->pid != task->tgid)
		thread_note(task, VMS_THR_SAMPLED, task_user_sp(task), true);
	else
		thread_note(task, 0, 0, true);
	return 0;
}

/* ---- reading the model (vmscope.h: vms_dump_args) ---- */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 131072);	/* as many as the tier's map holds (the loader sizes both) */
	__type(key, __u32);
	__type(value, struct vms_dump_rec);
} vms_dump_out SEC(".maps");

struct dump_ctx {
	__u64 session;
	__u32 tgid, gen, sent;
	bool full;
};

static long dump_one(struct bpf_map *map, struct vms_vma_key *key, struct vms_vma_ent *val,
		     struct dump_ctx *c)
{
	struct vms_dump_rec *rec;
	__u32 i = c->sent;

	/* every process: all entries, garbage too (at most about half the live ones; the reader
	 * filters by the generations it read): a lookup of the process here costs more than the
	 * copy */
	if (c->tgid && (key->tgid != c->tgid || key->gen != c->gen))
		return 0;
	rec = bpf_map_lookup_elem(&vms_dump_out, &i);
	if (!rec) { /* full: the map grew past the buffer (never: both have its size) */
		c->full = true;
		return 1;
	}
	__builtin_memcpy(&rec->key, key, sizeof(rec->key));
	__builtin_memcpy(&rec->ent, val, sizeof(rec->ent));
	rec->session = c->session;
	c->sent++;
	return 0;
}

/* The buffer's lease (vms_dump_args): 0 if this run holds it now; else a->ret says why not,
 * or the run was a release. */
static __always_inline int take_buffer(struct vms_dump_args *a)
{
	struct vms_global *g = global();
	__u64 now = bpf_ktime_get_ns(), holder;

	a->sent = 0;
	if (!g || !a->session) {
		a->ret = -EINVAL;
		return 1;
	}
	holder = g->dump_session;
	if (a->release) {
		/* -ESTALE: the lease ran out and another reader took the buffer meanwhile */
		a->ret = holder == a->session ? 0 : -ESTALE;
		if (holder == a->session)
			__sync_val_compare_and_swap(&g->dump_session, holder, 0);
		return 1;
	}
	/* take the buffer: free, ours, or held past its lease by a reader that must have died */
	if (holder != a->session &&
	    ((holder && now - g->dump_since < VMS_DUMP_LEASE_NS) ||
	     __sync_val_compare_and_swap(&g->dump_session, holder, a->session) != holder)) {
		a->ret = -EBUSY;
		return 1;
	}
	g->dump_since = now;
	return 0;
}

SEC("syscall")
int vms_dump(struct vms_dump_args *a)
{
	INJECT_REFUSAL(VMS_INJECT_DUMP);
	struct dump_ctx c = { .session = a->session, .tgid = a->tgid, .gen = a->gen };

	if (take_buffer(a))
		return 0;
	bpf_for_each_map_elem(&vms_vmas, dump_one, &c, 0);
	a->sent = c.sent;
	a->ret = c.full ? -ENOSPC : 0;
	return 0;
}

/*
 * One process's entries, looked up at the starts of its VMAs in the kernel: a cost of its VMAs,
 * where vms_dump walks every bucket of the map (about 2 ms at 131072 entries, longer than a busy
 * process stays still). What is sent is the model's, never the kernel's; an entry at a start
 * the kernel no longer has is missed, so the reader counts what came against the process's
 * nr_vmas and walks the whole map on a shortfall (live_dump.c). -EAGAIN: the kernel's VMAs
 * could not be walked (the reader walks the map).
 */
SEC("syscall")
int vms_dump_proc(struct vms_dump_args *a)
{
	INJECT_REFUSAL(VMS_INJECT_DUMP | VMS_INJECT_BY_START);
	struct vms_vma_key key = { .tgid = a->tgid, .gen = a->gen };
	struct bpf_iter_task_vma it;
	struct vm_area_struct *vma;
	struct task_struct *task;
	struct vms_dump_rec *rec;
	struct vms_vma_ent *ent;
	__u32 i = 0;
	int err;

	if (take_buffer(a))
		return 0;
	task = a->tgid ? bpf_task_from_pid(a->tgid) : NULL;
	if (!task) {
		a->ret = -EAGAIN;
		return 0;
	}
	err = bpf_iter_task_vma_new(&it, task, 0);
	while (!err && (vma = bpf_iter_task_vma_next(&it))) {
		key.start = BPF_CORE_READ(vma, vm_start);
		ent = ent_lookup(&key);
		if (!ent)
			continue;
		rec = bpf_map_lookup_elem(&vms_dump_out, &i);
		if (!rec) {
			err = -ENOSPC;
			break;
		}
		__builtin_memcpy(&rec->key, &key, sizeof(rec->key));
		__builtin_memcpy(&rec->ent, ent, sizeof(rec->ent));
		rec->session = a->session;
		i++;
	}
	bpf_iter_task_vma_destroy(&it);
	bpf_task_release(task);
	a->sent = i;
	a->ret = err ? -EAGAIN : 0;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * ---- tier event-resync (kernels without the kfunc VMA iterator, e.g. 6.1) ----
 *
 * The kernel cannot read VMAs from these hooks there, so it only follows *that* something
 * changed: the exit of every VMA-changing syscall, an exec, a fault below the stack and a
 * foreign write lock invalidate the process (generation 0). Readers resync it from /proc in
 * user space and publish the result with vms_publish, which only succeeds when nothing changed
 * since the reader looked (the change count): slower than reading in the kernel, never wrong.
 */

SEC("tp_btf/sys_exit")
int BPF_PROG(vms_sys_exit_ev, struct pt_regs *regs, long ret)
{
	INJECT_REFUSAL(VMS_INJECT_EVENT);
	long nr = SYS_NR(regs); /* a plain load, as in vms_sys_exit */
	struct vms_proc_ent *p;
	__u32 tgid;

	if (sys_sets_altstack(nr)) {
		altstack_changed();
		return 0;
	}
	if (!tracked_nr(nr))
		return 0;
	tgid = bpf_get_current_pid_tgid() >> 32;
	p = bpf_map_lookup_elem(&vms_procs, &tgid);
	if (!p || !op_wanted(nr, SYS_ARG0(regs), SYS_ARG1(regs), p))
		return 0;
	/* a uffd (un)registration: the process's closes are followed from now on */
	if (nr == NR_ioctl)
		__sync_fetch_and_or(&p->flags, VMS_PROC_UFFD);
	invalidate(p);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(vms_exec_ev, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = task->tgid;
	struct vms_proc_ent *p = bpf_map_lookup_elem(&vms_procs, &tgid);

	stat_inc(VMS_STAT_EXECS);
	thread_exec(task, old_pid);
	if (p) {
		p->stack_start = 0;
		invalidate(p);
	}
	return 0;
}

/* Tier event-resync has no process hook at fork (readers add a new process from /proc): only
 * the thread records. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(vms_fork_ev, struct task_struct *parent, struct task_struct *child)
{
	thread_born(parent, child);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(vms_exit_ev, struct task_struct *task)
{
	thread_exit(task);
	proc_exit(task, false);
	return 0;
}

SEC("syscall")
int vms_gc_ev(void *ctx)
{
	gc(false);
	return 0;
}

/* Run by user space: a fresh generation number for a resync from /proc. */
SEC("syscall")
int vms_new_gen(struct vms_new_gen_args *args)
{
	args->gen = new_gen();
	return 0;
}

/* Run by user space after storing a process's VMAs under a new generation: publishes it if the
 * process is still the one (start time) and did not change since state0 was read. */
SEC("syscall")
int vms_publish(struct vms_publish_args *a)
{
	struct vms_global *g = global();
	__u32 tgid = a->tgid;
	struct vms_proc_ent *p = bpf_map_lookup_elem(&vms_procs, &tgid);
	__u64 s1;

	if (!p || p->start_time != a->start_time) {
		a->ret = -ESRCH;
		goto garbage;
	}
	s1 = (__u64)a->gen << 32 | VMS_STATE_CHANGES(a->state0);
	/* busy until nr_vmas is the new set's (see resync_task) */
	__sync_fetch_and_add(&p->busy, 1);
	if (__sync_val_compare_and_swap(&p->state, a->state0, s1) != a->state0) {
		__sync_fetch_and_add(&p->busy, -1);
		a->ret = -EAGAIN;
		goto garbage;
	}
	if (g) {
		__sync_fetch_and_add(&g->live, a->nr_vmas);
		if (VMS_STATE_GEN(a->state0)) {
			__sync_fetch_and_add(&g->garbage, p->nr_vmas);
			__sync_fetch_and_add(&g->live, -(__s64)p->nr_vmas);
		}
	}
	p->nr_vmas = a->nr_vmas;
	__sync_fetch_and_add(&p->busy, -1);
	p->stack_start = a->stack_start;
	if (a->gate)
		__sync_fetch_and_or(&p->flags, VMS_PROC_GATE);
	stat_inc(VMS_STAT_FULL_RESYNC);
	a->ret = 0;
	return 0;
garbage:
	if (g)
		__sync_fetch_and_add(&g->garbage, a->nr_vmas);
	return 0;
}
