// SPDX-License-Identifier: BSD-2-Clause
/*
 * Every process of the model in one pass (`map --all`, and the fleet export after it): one batch
 * read of the process table, one of the VMA map, one more of the process table to see which
 * processes changed meanwhile. A process that changed, was being edited, or that the kernel side
 * asked its reader to redo is read again on its own (live_read(): retried, resynced); the rest
 * are returned as read, since the change count did not move across the whole pass.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "core/sort.h"
#include "core/u64map.h"
#include "core/util.h"
#include "kernel/map_batch.h"
#include "model/live_read.h"
#include "proc/procfs.h"

#define NOT_MODEL UINT64_MAX	/* an order entry of a process /proc lists and the model lacks */

struct all_proc {
	uint32_t tgid;
	struct vms_proc_ent pe;
	size_t first, n;	/* its VMAs in the bucketed array */
	bool clean;		/* unchanged and readable across the pass */
};

struct all_ctx {
	struct all_proc *p;
	size_t np, cap;
	struct u64map by_tgid;	/* tgid -> index + 1 into p */
	struct live_vma *v;
	uint32_t *owner;	/* the index into p of each v */
	size_t nv, vcap;
	struct live_vma *grouped;	/* v, grouped by process (all_proc.first, .n) */
};

static int proc_one(void *ctx, const void *key, const void *val)
{
	struct all_ctx *c = ctx;

	if (c->np == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		c->p = xrealloc(c->p, c->cap * sizeof(*c->p));
	}
	c->p[c->np++] = (struct all_proc){ .tgid = *(const __u32 *)key,
					   .pe = *(const struct vms_proc_ent *)val };
	return 0;
}

static int vma_one(void *ctx, const void *key, const void *val)
{
	const struct vms_vma_key *k = key;
	struct all_ctx *c = ctx;
	uintptr_t i = k->tgid ? (uintptr_t)u64map_get(&c->by_tgid, k->tgid) : 0;

	/* only the published generation of a process the table had */
	if (!i || k->gen != VMS_STATE_GEN(c->p[i - 1].pe.state))
		return 0;
	if (c->nv == c->vcap) {
		c->vcap = c->vcap ? c->vcap * 2 : 4096;
		c->v = xrealloc(c->v, c->vcap * sizeof(*c->v));
		c->owner = xrealloc(c->owner, c->vcap * sizeof(*c->owner));
	}
	c->v[c->nv].k = *k;
	c->v[c->nv].v = *(const struct vms_vma_ent *)val;
	c->owner[c->nv++] = (uint32_t)(i - 1);
	return 0;
}

/* The second read of the process table: a process is clean if its state word did not move
 * and no edit was in flight at either end (so no VMA of it changed during the VMA read). */
static int recheck_one(void *ctx, const void *key, const void *val)
{
	const struct vms_proc_ent *now = val;
	struct all_ctx *c = ctx;
	uintptr_t i = (uintptr_t)u64map_get(&c->by_tgid, *(const __u32 *)key);
	struct all_proc *p;

	if (!i)
		return 0;
	p = &c->p[i - 1];
	p->clean = live_ent_clean(&p->pe) && live_ent_clean(now) && now->state == p->pe.state &&
		   now->start_time == p->pe.start_time;
	return 0;
}

/* The VMAs grouped by process (a counting sort on the owner). */
static struct live_vma *bucket(struct all_ctx *c)
{
	struct live_vma *out = xmalloc((c->nv ? c->nv : 1) * sizeof(*out));
	size_t pos = 0;

	for (size_t i = 0; i < c->nv; i++)
		c->p[c->owner[i]].n++;
	for (size_t i = 0; i < c->np; i++) {
		c->p[i].first = pos;
		pos += c->p[i].n;
		c->p[i].n = 0;
	}
	for (size_t i = 0; i < c->nv; i++) {
		struct all_proc *p = &c->p[c->owner[i]];

		out[p->first + p->n++] = c->v[i];
	}
	return out;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

#define ALONE_MAX 16	/* changed processes read alone rather than by a second pass */

static void all_free(struct all_ctx *c)
{
	u64map_free(&c->by_tgid, NULL);
	free(c->p);
	free(c->v);
	free(c->owner);
	free(c->grouped);
	memset(c, 0, sizeof(*c));
}

/* One pass: the process table (c->p given: just those processes, looked up again), every VMA
 * entry, the table again; then the VMAs grouped by process. */
static int read_pass(struct live *m, struct all_ctx *c)
{
	int err = 0;

	if (!c->np) {
		err = map_for_each_batch(m->procs_fd, sizeof(__u32), sizeof(struct vms_proc_ent),
					 proc_one, c);
	} else {
		size_t k = 0;

		for (size_t i = 0; i < c->np; i++)
			if (!bpf_map_lookup_elem(m->procs_fd, &c->p[i].tgid, &c->p[i].pe))
				c->p[k++] = (struct all_proc){ .tgid = c->p[i].tgid,
							       .pe = c->p[i].pe };
		c->np = k;
	}
	if (err)
		return err;
	for (size_t i = 0; i < c->np; i++)
		*u64map_slot(&c->by_tgid, c->p[i].tgid) = (void *)(uintptr_t)(i + 1);
	err = live_vmas(m, 0, 0, vma_one, c);
	if (!err)
		err = map_for_each_batch(m->procs_fd, sizeof(__u32), sizeof(struct vms_proc_ent),
					 recheck_one, c);
	if (!err)
		c->grouped = bucket(c);
	return err;
}

/* The processes of pass 1 that need another look, for pass 2: in tier kfunc-resync those the
 * kernel side asked to be resynced are resynced first (in the kernel, one program run each). */
static void second_pass_set(struct live *m, const struct all_ctx *c1, struct all_ctx *c2,
			    bool trusted)
{
	for (size_t i = 0; i < c1->np; i++) {
		const struct all_proc *p = &c1->p[i];

		/* clean, or this reader itself: it changes as it reads (see live_read_all) */
		if ((p->clean && trusted) || p->tgid == (uint32_t)getpid())
			continue;
		if (!trusted || (p->pe.flags & (VMS_PROC_DIRTY | VMS_PROC_OVERFLOW | VMS_PROC_STACK)))
			live_resync(m, (pid_t)p->tgid);
		if (c2->np == c2->cap) {
			c2->cap = c2->cap ? c2->cap * 2 : 16;
			c2->p = xrealloc(c2->p, c2->cap * sizeof(*c2->p));
		}
		c2->p[c2->np++] = (struct all_proc){ .tgid = p->tgid };
	}
}

/*
 * Pass 1 reads every process; what changed during it (or needed a resync) is read in pass 2,
 * all together; what changed again is left to the caller's fallback (-EAGAIN: /proc), since it
 * changes faster than a pass. Tier event-resync has no in-kernel resync: a process to redo is
 * read alone (live_read() re-reads it from /proc and publishes it).
 */
int live_read_all(struct live *m, bool cmdline, live_all_cb cb, void *ctx)
{
	struct timespec t0;
	double t1, t2;
	struct all_ctx c = { 0 }, c2 = { 0 };
	struct live_names nc = { 0 };
	struct vms_sort_ent *order = NULL;
	/* runs of ours were skipped since the model was last verified: every process is resynced
	 * before it is trusted (see live_read()) */
	bool trusted = live_missed_runs() == m->info.verified_misses;
	bool event = live_event_tier(m);
	size_t again = 0, alone = 0, n_order;
	pid_t *pids = NULL, self = getpid();
	int err, n_proc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = read_pass(m, &c);
	t1 = ms_since(&t0);
	if (!err && !event) {
		second_pass_set(m, &c, &c2, trusted);
		/* a few, with the per-process reader: each read alone costs its own VMAs, where
		 * a pass walks the whole map again */
		if (c2.np <= ALONE_MAX && m->dump_proc_fd >= 0)
			all_free(&c2);
		again = c2.np;
		if (c2.np)
			err = read_pass(m, &c2);
	}
	t2 = ms_since(&t0);
	if (err)
		goto out;
	/* in pid order: the model's processes, and those /proc lists that the model lacks (tier
	 * event-resync adds a process when it is first read; a kernel thread is never there) */
	n_proc = procfs_all_pids(&pids);
	n_order = c.np + (n_proc > 0 ? (size_t)n_proc : 0);
	order = xmalloc((n_order ? n_order : 1) * sizeof(*order));
	for (size_t i = 0; i < c.np; i++)
		order[i] = (struct vms_sort_ent){ .key = c.p[i].tgid, .idx = i };
	n_order = c.np;
	for (int i = 0; i < n_proc; i++)
		if (pids[i] > 0 && !u64map_get(&c.by_tgid, (uint64_t)pids[i]))
			order[n_order++] = (struct vms_sort_ent){ .key = (uint64_t)pids[i],
								  .idx = NOT_MODEL };
	vms_sort_by_key(order, n_order);
	for (size_t j = 0; j < n_order && !err; j++) {
		struct all_proc *p = order[j].idx == NOT_MODEL ? NULL : &c.p[order[j].idx];
		struct all_ctx *from = &c;
		struct vms_snapshot s;
		int r;

		if (p && !(p->clean && trusted)) {
			uintptr_t k = event ? 0 : (uintptr_t)u64map_get(&c2.by_tgid, p->tgid);

			/* event tier: alone (NULL); else as pass 2 found it */
			p = k ? &c2.p[k - 1] : NULL;
			from = &c2;
		}
		snapshot_init(&s);
		s.backend = "bpf";
		s.proc.pid = (pid_t)order[j].key;
		r = procfs_read_tgid(s.proc.pid, &s.proc, cmdline);
		if (!r && s.proc.kernel_thread)
			r = -ENXIO;
		if (!r && p && !live_same_start(p->pe.start_time, s.proc.start_time))
			p = NULL; /* a pid the model has for an older process: ask on its own */
		if (!r && s.proc.pid == self)
			r = -EAGAIN; /* this reader maps memory as it reads: /proc, once */
		else if (!r && p && p->clean) {
			r = live_fill(m, &nc, from->grouped + p->first, p->n,
				      p->pe.flags & VMS_PROC_GATE, &s);
			if (r == -ESTALE && ++alone)
				r = live_read(m, &s); /* a name went stale: resynced, read alone */
		} else if (!r && (!p || m->dump_proc_fd >= 0) && ++alone)
			r = live_read(m, &s); /* (with the per-process reader, cheap enough for any) */
		else if (!r)
			r = -EAGAIN; /* changing faster than a pass (and a read alone walks the map) */
		err = cb(ctx, &s, r);
		snapshot_free(&s);
	}
	vms_debug("model: %zu processes, %zu VMAs in %.2f ms; %zu read again together (%.2f ms), "
		  "%zu alone; done in %.2f ms", c.np, c.nv, t1, again, t2 - t1, alone, ms_since(&t0));
out:
	live_names_free(&nc);
	all_free(&c);
	all_free(&c2);
	free(order);
	free(pids);
	return err;
}
