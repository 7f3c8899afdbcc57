// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vmscope watch: one event per change to a process's regions, into a ring buffer.
 *
 * Cheap by design: the syscall hooks are tp_btf filtered on the syscall number, the process
 * filter (-p, -c, --cgroup) runs before anything is read, an anonymous private mmap is reported
 * from its arguments alone, and the regions a munmap/mprotect/madvise/mlock touches are read
 * with bpf_find_vma (no iterator setup; works from 5.17 on). Records are 96 bytes; names go
 * into an LRU table by content hash, once. The ring buffer wakes the reader only past a
 * watermark (the reader also polls on a timer), because on a small machine a wakeup per event
 * costs more than the event.
 *
 * What is reported is what happened to the named range, split by the regions it covered: a
 * partial mprotect is a protect event for exactly the pages that changed, with their old perms.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

/* The d_dname functions build_path() recognises, looked up by watch_ksyms below: typeless ksyms
 * would make libbpf parse all of /proc/kallsyms before the load. 0 (not found) names nothing. */
__u64 dname_simple, dname_anon;
#define VMS_DNAME_SIMPLE	((const void *)dname_simple)
#define VMS_DNAME_ANON		((const void *)dname_anon)

#include "vma_name.bpf.h"
#include "syscalls.bpf.h"

#define MAX_PIECES	16	/* regions reported per call; the rest as one partial event */

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by the loader before load. */
const volatile __u32 self_tgid;		/* never report ourselves */
const volatile bool filter_pids;	/* only processes in vms_targets */
const volatile bool follow_forks;	/* add children of targets to vms_targets */
const volatile bool filter_comm;
const volatile char comm_filter[16];
const volatile bool filter_cgroup;	/* only tasks under the cgroup in vms_cgroup[0] */
const volatile __u64 min_size;		/* hide regions smaller than this */
const volatile __u64 wakeup_bytes;	/* wake the reader once this much is queued */
const volatile bool faults_on;		/* --faults: vms_faults is the live model's (reused fd) */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);	/* resized by the loader */
} vms_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u8);
} vms_targets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} vms_cgroup SEC(".maps");

/* --faults: the fault counts of the model started with `vmscope start --faults` (the loader
 * reuses its pinned map; bpf/faults.bpf.h keeps the keys at VMA starts, a stack's at its top
 * page). Read at an munmap's entry, so that the unmap event carries the region's final counts
 * (the model frees them at the exit). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1);
	__type(key, struct vms_fault_key);
	__type(value, struct vms_fault_ent);
} vms_faults SEC(".maps");

/* Interned names; LRU so that a long watch never fills it (the reader copies names early). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct vms_name_ent);
} vms_names SEC(".maps");

vms_scratch_map vms_scratch SEC(".maps");	/* names are built there (vma_name.bpf.h) */
const volatile __u64 vms_name_key[2];		/* the name hash's, set at each watch's load */

/* The lowest stack address seen per process: faults above it cannot be growth. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u64);
} vms_stack_lo SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VMS_WST__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} vms_wstats SEC(".maps");

static __always_inline __u64 *wstat(__u32 id)
{
	return bpf_map_lookup_elem(&vms_wstats, &id);
}

static __always_inline void wstat_inc(__u32 id)
{
	__u64 *v = wstat(id);

	if (v)
		*v += 1;
}

/* Run once by the loader (BPF_PROG_RUN) between load and attach. */
SEC("syscall")
int watch_ksyms(void *ctx)
{
	const char simple[] = "simple_dname", anon[] = "anon_inodefs_dname";
	__u64 addr = 0;

	if (!bpf_kallsyms_lookup_name(simple, sizeof(simple), 0, &addr))
		dname_simple = addr;
	addr = 0;
	if (!bpf_kallsyms_lookup_name(anon, sizeof(anon), 0, &addr))
		dname_anon = addr;
	return 0;
}

/* A region a call touches, read at its entry. */
struct piece {
	__u64 start, end, name_id;
	__u32 faults_min, faults_maj;
	__u8 perm, name_kind, flags, pad;
};

/* A followed syscall between its entry and its exit, in the thread's own storage. */
struct watch_op {
	__u64 a0, a1, a2, a3, a4;
	__u64 old_brk;
	__u32 nr;
	__u32 n;		/* pieces */
	bool active;
	struct piece p[MAX_PIECES + 1];	/* the last one: the unread rest (PARTIAL) */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct watch_op);
} vms_wops SEC(".maps");

/* The kernel-side filter: everything after it costs, so it comes first. */
static __always_inline bool watched(__u32 tgid)
{
	wstat_inc(VMS_WST_SEEN);
	if (tgid == self_tgid)
		goto out;
	if (filter_pids && !bpf_map_lookup_elem(&vms_targets, &tgid))
		goto out;
	if (filter_comm) {
		char comm[16];

		bpf_get_current_comm(comm, sizeof(comm));
		for (int i = 0; i < 16; i++) {
			if (comm[i] != comm_filter[i])
				goto out;
			if (!comm[i])
				break;
		}
	}
	if (filter_cgroup && bpf_current_task_under_cgroup(&vms_cgroup, 0) != 1)
		goto out;
	return true;
out:
	wstat_inc(VMS_WST_FILTERED);
	return false;
}

/* A zeroed record with the header filled, or NULL (counted as lost, reported with the next). */
static __always_inline struct vms_event *ev_new(__u8 kind)
{
	struct vms_event *e = bpf_ringbuf_reserve(&vms_events, sizeof(*e), 0);
	__u64 *pending = wstat(VMS_WST_PENDING);
	__u64 id = bpf_get_current_pid_tgid();

	if (!e) {
		wstat_inc(VMS_WST_LOST);
		if (pending)
			*pending += 1;
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	if (pending) {
		e->dropped_before = *pending;
		*pending = 0;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->kind = kind;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	return e;
}

/* Wakes the reader when this record takes the queue past the watermark, not for every record
 * above it (the reader also drains on a timer, so a crossing missed in a race costs latency
 * only). */
static __always_inline void ev_send(struct vms_event *e)
{
	__u64 flags = BPF_RB_NO_WAKEUP, queued = bpf_ringbuf_query(&vms_events, BPF_RB_AVAIL_DATA);

	if (queued >= wakeup_bytes && queued < wakeup_bytes + 2 * (sizeof(*e) + 8))
		flags = BPF_RB_FORCE_WAKEUP;
	wstat_inc(VMS_WST_EMITTED);
	bpf_ringbuf_submit(e, flags);
}

static __always_inline bool too_small(__u64 size)
{
	if (size >= min_size)
		return false;
	wstat_inc(VMS_WST_SMALL);
	return true;
}

/* ---- reading regions at a call's entry ---- */

struct find_ctx {
	struct piece *p;
	__u64 lo, hi;
	bool found;
};

static long read_piece(struct task_struct *task, struct vm_area_struct *vma, struct find_ctx *c)
{
	struct piece *p = c->p;
	struct scratch *s = scratch();
	__u64 start = vma->vm_start, end = vma->vm_end, vmf = vma->vm_flags;
	struct mm_struct *mm = vma->vm_mm;
	__u32 kind = VMS_NAME_NONE, flags = vma_perm_flags(vmf);
	bool full; /* the LRU table does not fill */
	int is;

	p->start = start > c->lo ? start : c->lo;
	p->end = end < c->hi ? end : c->hi;
	p->name_id = s ? vma_name(&vms_names, s, vma, mm, start, end, &kind, &flags, &is, &full)
		       : 0;
	if (!s)
		flags |= VMS_VMA_UNNAMED;
	scratch_put(s);
	p->perm = flags & 0xf;
	p->name_kind = kind;
	p->flags = flags & VMS_VMA_UNNAMED ? VMS_EVF_UNNAMED : 0;
	p->faults_min = p->faults_maj = 0;
	if (faults_on) {
		/* the counts go with the piece that holds their key */
		struct vms_fault_key key = { .tgid = task->tgid, .start = start };
		struct vms_fault_ent *fe;

		if (vmf & VM_GROWSDOWN)
			key.start = end - PAGE_SIZE;
		if (key.start >= p->start && key.start < p->end &&
		    (fe = bpf_map_lookup_elem(&vms_faults, &key))) {
			p->faults_min = fe->min;
			p->faults_maj = fe->maj;
		}
	}
	c->found = true;
	return 0;
}

/*
 * The region that holds `at`, clipped to [lo, hi), into piece i of the current thread's op.
 * Returns 1 if there is one. A global function, so that the verifier checks it, read_piece()
 * and the vma_name() inlined there once: as a static function it was checked again for every
 * iteration of every loop calling it, 810,000 instructions and 2 s of load time on a 6.18
 * machine. Global functions take scalars (the op is looked up again, cheap), never the
 * untrusted VMA pointers of this kernel.
 */
__noinline int read_piece_at(__u32 i, __u64 at, __u64 lo, __u64 hi)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct watch_op *op = bpf_task_storage_get(&vms_wops, task, 0, 0);
	struct find_ctx c = { .lo = lo, .hi = hi };

	if (!op || i > MAX_PIECES)
		return 0;
	c.p = &op->p[i];
	return !bpf_find_vma(task, at, read_piece, &c, 0) && c.found;
}

/* The regions in [lo, hi), clipped to it, in address order, into the current thread's op.
 * bpf_find_vma only finds a region that holds the address: a hole ends the walk and the rest
 * becomes one PARTIAL piece. A global function (verified once for both callers). */
__noinline int read_pieces(__u64 lo, __u64 hi)
{
	struct watch_op *op = bpf_task_storage_get(&vms_wops, bpf_get_current_task_btf(), 0, 0);
	__u64 at = lo;
	__u32 n = 0;

	if (!op)
		return 0;
	for (int i = 0; i < MAX_PIECES && at < hi; i++) {
		if (!read_piece_at(i, at, lo, hi))
			break;
		at = op->p[i].end;
		n = i + 1;
	}
	if (at < hi && n <= MAX_PIECES) {
		struct piece *p = &op->p[n];

		p->start = at;
		p->end = hi;
		p->name_id = 0;
		p->perm = 0;
		p->name_kind = 0;
		p->flags = VMS_EVF_PARTIAL;
		n++;
	}
	op->n = n;
	return 0;
}

/* ---- syscalls ---- */

/* The calls watch reports (syscalls.bpf.h) */
static __always_inline bool followed_nr(long nr)
{
	return sys_followers(nr) & SYS_WATCH;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(watch_sys_enter, struct pt_regs *regs, long nr)
{
	struct sys_range r = {};
	struct task_struct *task;
	struct watch_op *op;

	if (!followed_nr(nr) || !watched(bpf_get_current_pid_tgid() >> 32))
		return 0;
	task = bpf_get_current_task_btf();
	op = bpf_task_storage_get(&vms_wops, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!op)
		return 0;
	op->nr = nr;
	op->n = 0;
	op->a0 = SYS_ARG0(regs);
	op->a1 = SYS_ARG1(regs);
	op->a2 = SYS_ARG2(regs);
	op->a3 = SYS_ARG3(regs);
	op->a4 = SYS_ARG4(regs);
	op->active = true;
	sys_entry_range(nr, op->a0, op->a1, op->a2, op->a3, op->a4, &r);
	switch (nr) {
	case NR_munmap: case NR_mprotect: case NR_pkey_mprotect: case NR_madvise:
	case NR_mlock: case NR_mlock2: case NR_munlock:
		if (r.hi > r.lo)
			read_pieces(r.lo, r.hi);
		break;
	case NR_mremap: /* the old range's first region gives perms and name */
		read_pieces(r.lo, r.lo + PAGE_SIZE);
		break;
	case NR_brk:
		op->old_brk = task->mm->brk;
		break;
	}
	return 0;
}

/* Piece i of the current thread's op as an event of this kind. A global function: checked once,
 * not once per iteration of watch_sys_exit's loop. */
__noinline int send_piece(__u32 i, __u32 kind)
{
	struct watch_op *op = bpf_task_storage_get(&vms_wops, bpf_get_current_task_btf(), 0, 0);
	struct vms_event *e;
	struct piece *p;

	if (!op || i > MAX_PIECES)
		return 0;
	p = &op->p[i];
	if (too_small(p->end - p->start))
		return 0;
	e = ev_new(kind);
	if (!e)
		return 0;
	e->start = p->start;
	e->end = p->end;
	e->name_id = p->name_id;
	e->name_kind = p->name_kind;
	e->flags = VMS_EVF_RANGE | p->flags;
	if (!(p->flags & VMS_EVF_PARTIAL))
		e->flags |= VMS_EVF_PERM;
	e->perm = p->perm;
	if (kind == VMS_EV_PROTECT) {
		e->old_perm = p->perm;
		e->perm = (op->a2 & 7) | (p->perm & VMS_VMA_SHARED);
		e->flags |= VMS_EVF_PERM | (p->flags & VMS_EVF_PARTIAL ? 0 : VMS_EVF_OLD_PERM);
	} else if (kind == VMS_EV_UNMAP && faults_on) {
		e->faults_min = p->faults_min;
		e->faults_maj = p->faults_maj;
		e->flags |= VMS_EVF_FAULTS;
	} else if (kind == VMS_EV_MADVISE) {
		e->arg = op->a2;
	} else if (kind == VMS_EV_LOCK && op->nr == NR_mlock2) {
		e->arg = op->a2;
	}
	ev_send(e);
	return 0;
}

/* An mmap that returned ret: its own arguments say it all for anonymous private memory;
 * anything else (files, shared memory, merges into a named neighbour) is read back from the
 * region. */
static __always_inline void send_map(struct watch_op *op, long ret)
{
	struct sys_range r = {};
	struct vms_event *e;
	struct piece p = {};
	__u64 addr, len;

	sys_exit_range(NR_mmap, ret, op->a1, op->a2, &r);
	addr = r.lo;
	len = r.hi - r.lo;
	if (too_small(len))
		return;
	if ((op->a3 & (MAP_ANONYMOUS | MAP_SHARED)) == MAP_ANONYMOUS)
		p.perm = op->a2 & 7;
	else if (read_piece_at(0, addr, addr, addr + len)) /* piece 0 is free at an mmap */
		p = op->p[0];
	else
		p.flags = VMS_EVF_PARTIAL;
	e = ev_new(VMS_EV_MAP);
	if (!e)
		return;
	e->start = addr;
	e->end = addr + len;
	e->perm = p.perm;
	e->name_id = p.name_id;
	e->name_kind = p.name_kind;
	e->flags = VMS_EVF_RANGE | p.flags | (p.flags & VMS_EVF_PARTIAL ? 0 : VMS_EVF_PERM);
	ev_send(e);
}

/* An mremap that returned ret. */
static __always_inline void send_remap(struct watch_op *op, long ret)
{
	struct sys_range r = {};
	struct vms_event *e;

	sys_entry_range(NR_mremap, op->a0, op->a1, op->a2, op->a3, op->a4, &r);
	sys_exit_range(NR_mremap, ret, op->a1, op->a2, &r);
	if (too_small(r.hi2 - r.lo2))
		return;
	e = ev_new(VMS_EV_REMAP);
	if (!e)
		return;
	e->old_start = r.lo;
	e->old_end = r.hi;
	e->start = r.lo2;
	e->end = r.hi2;
	e->flags = VMS_EVF_RANGE | VMS_EVF_OLD_RANGE;
	if (op->n && !(op->p[0].flags & VMS_EVF_PARTIAL)) {
		e->perm = op->p[0].perm;
		e->name_id = op->p[0].name_id;
		e->name_kind = op->p[0].name_kind;
		e->flags |= VMS_EVF_PERM | (op->p[0].flags & VMS_EVF_UNNAMED);
	}
	ev_send(e);
}

/* The event's name: [heap] or [stack] (is: VMA_IS_HEAP, VMA_IS_STACK). */
static __always_inline void ev_name_heap_stack(struct vms_event *e, int is)
{
	struct scratch *s = scratch();
	__u32 kind;
	bool full;
	int len = name_heap_stack(s, is, &kind);

	e->name_kind = kind;
	if (len > 0)
		e->name_id = intern(&vms_names, s, len, &full);
	scratch_put(s);
}

static __always_inline void send_brk(struct watch_op *op)
{
	struct mm_struct *mm = bpf_get_current_task_btf()->mm;
	__u64 base = mm->start_brk, now = mm->brk;
	struct vms_event *e;

	/* the [heap] region only changes when the page-rounded break moves */
	if (page_up(now) == page_up(op->old_brk) || too_small(page_up(now) - page_down(base)))
		return;
	e = ev_new(VMS_EV_BRK);
	if (!e)
		return;
	e->old_start = e->start = page_down(base);
	e->old_end = page_up(op->old_brk);
	e->end = page_up(now);
	e->perm = VMS_VMA_READ | VMS_VMA_WRITE;
	e->flags = VMS_EVF_RANGE | VMS_EVF_OLD_RANGE | VMS_EVF_PERM;
	ev_name_heap_stack(e, VMA_IS_HEAP);
	ev_send(e);
}

static __always_inline void send_all(__u8 kind, __u64 arg)
{
	struct vms_event *e = ev_new(kind);

	if (!e)
		return;
	e->arg = arg;
	ev_send(e);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(watch_sys_exit, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct watch_op *op;
	__u8 kind;

	/* every syscall of the system exits here: the number first, the storage lookup after */
	if (!followed_nr(SYS_NR(regs)))
		return 0;
	op = bpf_task_storage_get(&vms_wops, task, 0, 0);
	if (!op || !op->active)
		return 0;
	op->active = false;
	if (ret < 0 && ret > -4096 && op->nr != NR_brk) {
		wstat_inc(VMS_WST_FAILED);
		return 0;
	}
	switch (op->nr) {
	case NR_mmap:
		send_map(op, ret);
		return 0;
	case NR_mremap:
		send_remap(op, ret);
		return 0;
	case NR_brk:
		send_brk(op);
		return 0;
	case NR_munmap:
		kind = VMS_EV_UNMAP;
		break;
	case NR_mprotect: case NR_pkey_mprotect:
		kind = VMS_EV_PROTECT;
		break;
	case NR_madvise:
		kind = VMS_EV_MADVISE;
		break;
	case NR_mlock: case NR_mlock2:
		kind = VMS_EV_LOCK;
		break;
	case NR_munlock:
		kind = VMS_EV_UNLOCK;
		break;
	case NR_mlockall:
		send_all(VMS_EV_LOCK, op->a0);
		return 0;
	case NR_munlockall:
		send_all(VMS_EV_UNLOCK, 0);
		return 0;
	default:
		return 0;
	}
	/* a loop of our own calling a global function, not bpf_loop: before 6.7 the verifier
	 * could prune a callback's paths by the caller's `kind` and hard-wire branches on it
	 * (seen on 6.1); a global function is checked with its arguments unknown */
	for (int i = 0; i < MAX_PIECES + 1; i++) {
		if (i >= op->n)
			break;
		send_piece(i, kind);
	}
	return 0;
}

/* ---- stack growth ---- */

/*
 * A fault below the [stack] region grows it down to the faulting page. The tracepoint fires
 * before the fault is handled and with interrupts off, where bpf_find_vma answers -EBUSY, so the
 * region is found from the mm itself: it ends at the page holding the end of the environment
 * strings (exec puts them at its very top) and holds mm->stack_vm pages (the pages of VM_STACK
 * regions: this one, unless the process mapped others with MAP_GROWSDOWN). The cheap test comes
 * first: within RLIMIT_STACK below the stack's top and below the lowest stack address known for
 * the process. A growth the kernel then refuses (rlimit, guard gap) is still reported.
 */
static __always_inline void stack_fault(unsigned long address)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct mm_struct *mm = task->mm;
	struct vms_event *e;
	__u64 top, *lo, start, end;
	__u32 tgid;

	top = stack_fault_top(mm, address);
	if (!top)
		return;
	tgid = task->tgid;
	lo = bpf_map_lookup_elem(&vms_stack_lo, &tgid);
	if (lo && address >= *lo)
		return;
	if (address + stack_limit(task) < top)
		return;
	if (!watched(tgid))
		return;
	end = page_up(mm->env_end);
	start = end - mm->stack_vm * PAGE_SIZE;
	if (end <= top || start > top)
		return; /* not the layout exec made (PR_SET_MM): say nothing rather than guess */
	if (address >= start) {
		bpf_map_update_elem(&vms_stack_lo, &tgid, &start, BPF_ANY);
		return;
	}
	address = page_down(address);
	bpf_map_update_elem(&vms_stack_lo, &tgid, &address, BPF_ANY);
	if (too_small(end - address))
		return;
	e = ev_new(VMS_EV_GROW);
	if (!e)
		return;
	e->old_start = start;
	e->old_end = end;
	e->start = address;
	e->end = end;
	e->perm = VMS_VMA_READ | VMS_VMA_WRITE; /* the stack exec made; PROT_EXEC stacks aside */
	e->flags = VMS_EVF_RANGE | VMS_EVF_OLD_RANGE | VMS_EVF_PERM;
	ev_name_heap_stack(e, VMA_IS_STACK);
	ev_send(e);
}

SEC("tp_btf/page_fault_user")
int BPF_PROG(watch_fault_user, unsigned long address, struct pt_regs *regs,
	     unsigned long error_code)
{
	stack_fault(address);
	return 0;
}

/* The kernel touching user memory below the stack (read(2) into a buffer there) grows it too. */
SEC("tp_btf/page_fault_kernel")
int BPF_PROG(watch_fault_kernel, unsigned long address, struct pt_regs *regs,
	     unsigned long error_code)
{
	stack_fault(address);
	return 0;
}

/* ---- process lifetime ---- */

SEC("tp_btf/sched_process_fork")
int BPF_PROG(watch_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid, ctgid = child->tgid;
	__u8 one = 1;

	if (child->pid != ctgid)
		return 0; /* a thread */
	if (follow_forks && filter_pids && bpf_map_lookup_elem(&vms_targets, &ptgid))
		bpf_map_update_elem(&vms_targets, &ctgid, &one, BPF_ANY);
	if (!watched(ptgid))
		return 0;
	send_all(VMS_EV_FORK, ctgid);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(watch_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = task->tgid;
	struct vms_event *e;
	struct scratch *s;
	__u32 kind;
	bool full;
	int len;

	bpf_map_delete_elem(&vms_stack_lo, &tgid); /* a new mm */
	if (!watched(tgid))
		return 0;
	e = ev_new(VMS_EV_EXEC);
	if (!e)
		return 0;
	s = scratch();
	len = name_file(s, BPF_CORE_READ(bprm, file), &kind);
	e->name_kind = kind;
	if (len >= 0)
		e->name_id = intern(&vms_names, s, len, &full);
	scratch_put(s);
	if (!e->name_id)
		e->flags |= VMS_EVF_UNNAMED;
	ev_send(e);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(watch_exit, struct task_struct *task)
{
	__u32 tgid = task->tgid;
	bool group_dead = task_group_dead(task);
	struct vms_event *e;

	if (watched(tgid)) {
		e = ev_new(VMS_EV_EXIT);
		if (e) {
			e->arg = BPF_CORE_READ(task, exit_code);
			if (!group_dead)
				e->flags = VMS_EVF_THREAD;
			ev_send(e);
		}
	}
	if (group_dead) {
		bpf_map_delete_elem(&vms_stack_lo, &tgid);
		if (filter_pids) /* the reader stops when no target is left */
			bpf_map_delete_elem(&vms_targets, &tgid);
	}
	return 0;
}
