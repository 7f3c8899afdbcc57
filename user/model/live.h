/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The live kernel-side model (bpf/model.bpf.c), read back from its pins (pins.h): every vmscope
 * process that reads the model opens the pinned maps; none has to stay running for the model
 * to stay current. Loading, pinning and seeding it is the loader's (loader.h).
 */
#ifndef VMS_LIVE_H
#define VMS_LIVE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/region.h"
#include "core/sort.h"
#include "core/snapshot/codec.h"
#include "vmscope.h"

/* Whether a model is pinned under pins_dir(): 1, 0, or -EPERM when the pin dir or what is
 * pinned there is not vmscope's (refused: pins_refused() says why), or -errno. */
int live_pinned(void);
/* The text of a live_open error, for one line: not running, refused and why, or strerror. */
const char *live_open_why(int err);

struct live {
	int procs_fd, vmas_fd, names_fd, stats_fd, global_fd;
	int gc_fd, resync_fd;		/* resync_fd: -1 in tier event-resync */
	int new_gen_fd, publish_fd;
	int dump_fd, dump_out_fd;	/* the model's reader and its buffer; -1: batches */
	int dump_proc_fd;		/* its per-process reader; -1: none (walks of the map) */
	void *dump_out;			/* the buffer, mapped at its first use */
	size_t dump_out_bytes;
	size_t dump_out_mapped;		/* bytes of it mapped (live_dump.c maps what runs send) */
	int faults_fd, faults_lost_fd;	/* -1 unless started with --faults */
	int moves_fd;			/* the move log (vms_moves); -1: none (a model without it) */
	int index_fd, slab_fd;		/* tier kfunc-resync's storage; -1: the hash (vmas_fd) */
	const struct vms_slab_rec *slab;	/* the slab, mapped read-only at its first use */
	size_t slab_slots;
	unsigned faults_source;		/* enum vms_fault_source */
	unsigned faults_cpus;
	struct vms_info info;		/* what start decided, and why */
};

/* Tier event-resync (no kfunc VMA iterator): true when the pinned model follows changes only
 * as invalidations, and readers resync processes from /proc (proc_resync.c). */
static inline bool live_event_tier(const struct live *m)
{
	return m->resync_fd < 0;
}

/* Reads the process's regions from /proc into s and publishes them as its model (tier
 * event-resync; the loader's seeding in that tier too). 0, or -errno of the /proc read. */
int live_resync_from_proc(struct live *m, struct vms_snapshot *s);

/* Opens every pinned object of the model, each checked to be vmscope's (pins_get): 0,
 * -ENOENT (not running), -EPERM (refused: see live_open_why) or -errno. */
int live_open(struct live *m);
/* (Re)reads m->info, what start decided and when the model was last verified. */
void live_open_info(struct live *m);
void live_close(struct live *m);

/* The VMA entries of tgid's generation gen (tgid 0: of every process's published generation;
 * others may come too: callers filter), to cb: from the mapped slab (tier kfunc-resync), else
 * through the model's reader (vms_dump), or by batches of the whole map where there is none or
 * another reader holds it. What cb gets may be torn by a change meanwhile: callers check the
 * process's state after. 0, the first non-zero cb result, or -errno. */
int live_vmas(struct live *m, uint32_t tgid, uint32_t gen,
	      int (*cb)(void *ctx, const void *key, const void *val), void *ctx);
/* The entries of tgid's generation gen at the starts of its VMAs in the kernel, through the
 * per-process reader (vms_dump_proc), in address order: 0, the first non-zero cb result,
 * -errno, or 1 where that reader cannot answer (none, busy, or the walk failed). An entry at a
 * start the kernel no longer has is not sent: the caller counts against nr_vmas. */
int live_proc_vmas(struct live *m, uint32_t tgid, uint32_t gen,
		   int (*cb)(void *ctx, const void *key, const void *val), void *ctx);
/* Tier kfunc-resync: the slots of tgid's generation gen in the mapped slab, as (start, slot)
 * pairs in order[0..*n), unsorted; no entry is copied (live_slab_get does, as it fills). The
 * caller checks the process's state after it has read the entries. 0; -ENOSPC: more than cap
 * (the process changed meanwhile); or -errno (the slab cannot be mapped). */
int live_slab_order(struct live *m, uint32_t tgid, uint32_t gen, struct vms_sort_ent *order,
		    size_t cap, size_t *n);
/* Unmaps the reader's buffer (live_close does). */
void live_dump_unmap(struct live *m);
/* Reads the model of one process into s->regions (s->proc must be filled from /proc).
 * -ENOENT: not tracked; -EAGAIN: marked dirty/overflowed and could not be resynced;
 * -ENODATA: a name the kernel side could not build. */
int live_read(struct live *m, struct vms_snapshot *s);
/* What live_read_all() found of one process: its snapshot (identity from /proc, regions from
 * the model) and 0, or the error live_read() or the identity's read gave (-ESRCH: it exited;
 * -ENXIO: a kernel thread). A non-zero return stops the pass with that value. */
typedef int (*live_all_cb)(void *ctx, struct vms_snapshot *s, int err);
/* Every process the model tracks, in pid order, from one batch read of each map; a process that
 * changed during the pass (or needs a resync) is read again alone with live_read(). The command
 * line is read only if cmdline. 0, the first non-zero cb result, or -errno. */
int live_read_all(struct live *m, bool cmdline, live_all_cb cb, void *ctx);
/* Whether the model's start time (ns) is that of /proc's (clock ticks). */
bool live_same_start(uint64_t model_ns, uint64_t ticks);
/* Full resync of one process: in the kernel (bpf_task_from_pid + the VMA iterator), or from
 * /proc in tier event-resync. */
int live_resync(struct live *m, pid_t pid);
/* Runs of the model's VMA-following programs the kernel skipped (recursion on a preempted CPU). */
unsigned long long live_missed_runs(void);
/* The pids the model tracks now (malloc'd, *n of them): a copy, since resyncs change the map. */
pid_t *live_pids(struct live *m, size_t *n);
/* Marks the model verified at misses0 (live_missed_runs() before a pass that resynced every
 * process) when no run was skipped during the pass. */
void live_set_verified(int info_fd, unsigned long long misses0);
/* Resyncs every tracked process; if the kernel skipped none of the model's runs meanwhile, the
 * model is verified again (readers trust it without resyncing first). */
int live_verify_all(struct live *m);
/* Adds what the model's thread records (vms_threads) know to s->threads (listed from /proc,
 * with their start times): clone_sp, the sigaltstack, and a stack pointer sampled when the
 * model started where /proc gave none. 0, or -errno: no model, or one that keeps no thread
 * records (nothing added). */
int live_fill_threads(struct vms_snapshot *s);
/* Sweeps entries of dead generations now. */
int live_gc(struct live *m);

struct live_status {
	unsigned long long procs, vmas, entries, garbage_entries, names;
	unsigned long long dirty_procs, overflow_procs;
	unsigned long long dead_procs;	/* entries whose (pid, start time) no longer runs */
	unsigned long long dead_entries;	/* VMA entries of processes the model no longer has */
	unsigned long long stats[VMS_STAT__COUNT];
	unsigned long long kernel_bytes;
	unsigned long long max_vmas;
	unsigned long long fault_entries, faults_lost;	/* with --faults */
	unsigned long long move_logs;	/* processes with a move log (-1: none in this tier) */
	unsigned long long dead_move_logs;	/* ... that no longer run (exits free them) */
	unsigned long long missed_runs;	/* program runs the kernel skipped (recursion) */
	/* vms_threads: entries, those with a sigaltstack, those of threads no longer running */
	unsigned long long thread_records, thread_alts, dead_thread_records;
};
int live_status(struct live *m, struct live_status *st);

/* One of the model's programs, as the kernel accounts it: run time and runs are counted only
 * while BPF statistics are on (sysctl kernel.bpf_stats_enabled, or a BPF_ENABLE_STATS fd). */
struct live_prog_stat {
	char name[16];
	unsigned long long run_cnt, run_time_ns, recursion_misses;
};
/* The model's hooks (links/) and syscall programs (progs/): *n of them, malloc'd. */
struct live_prog_stat *live_prog_stats(size_t *n);

/* The model's position for a process, for snapshots (`vmscope diff` follows mremap moves with
 * it; core/snapshot/codec.h): the instance's id (from its random name key: a restarted model
 * has another; the key itself stays secret), the process's move count and its start time as
 * the model keys it. 0, -ENOENT (not tracked), -ENOTSUP (no move log: tier event-resync, or a
 * model started before it), or -errno. */
struct live_movepos {
	uint64_t model_id;
	uint32_t seq;
	uint64_t start_ns;
};
int live_move_pos(struct live *m, pid_t pid, struct live_movepos *pos);
/* The moves of pid's log up to pos->seq (at most VMS_MOVES_N, seq ascending, CLOCK_REALTIME
 * stamps) into out[VMS_MOVES_N]: how many, or -errno. A slot being rewritten is left out. */
int live_move_log(struct live *m, pid_t pid, const struct live_movepos *pos,
		  struct vms_snapmove *out);

/* Process start time as the model keys it (ns since boot), from /proc/PID/stat ticks. */
uint64_t live_start_time_ns(uint64_t ticks);

#endif
