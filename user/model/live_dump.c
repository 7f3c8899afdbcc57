// SPDX-License-Identifier: BSD-2-Clause
/*
 * Reading the model's VMA entries. Tier kfunc-resync keeps them in an array this process maps
 * (vms_slab, vmscope.h): read with no syscall at all. Tier event-resync keeps a hash, read
 * through the model's reader (bpf/model.bpf.c vms_dump; the contract in vmscope.h): one
 * BPF_PROG_RUN walks the map in the kernel and writes the asked entries into an array this
 * process maps, so entries cost no syscall and no copy through the batch API. Where the model
 * has no reader (refused by the kernel), or another reader holds it, the map is read by batches.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "core/util.h"
#include "kernel/map_batch.h"
#include "model/live.h"
#include "model/live_read.h"


static __u64 new_session(void)
{
	static __u64 base, n;

	if (!base && getrandom(&base, sizeof(base), 0) != sizeof(base))
		base = (__u64)getpid() << 32;
	return (base + ++n) | 1;
}

static int run(int fd, struct vms_dump_args *a)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = a, .ctx_size_in = sizeof(*a));

	return bpf_prog_test_run_opts(fd, &opts) ? -errno : 0;
}

/* Maps at least the first need bytes of the reader's buffer (kept for the next runs). The
 * kernel fills every page of a mapping of a BPF array when it is made: all of the buffer (8 MiB
 * for 131,072 entries) cost a `map` of a 40-VMA process more than the rest of its read, so only
 * what a run sent is mapped, grown by doubling. 0, or -errno. */
static int map_out(struct live *m, size_t need)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), len;
	void *p;

	if (need <= m->dump_out_mapped)
		return 0;
	len = m->dump_out_mapped * 2 > need ? m->dump_out_mapped * 2 : need;
	len = (len + page - 1) / page * page;
	if (len > m->dump_out_bytes)
		len = m->dump_out_bytes;
	live_dump_unmap(m);
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, m->dump_out_fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	m->dump_out = p;
	m->dump_out_mapped = len;
	return 0;
}

/* The records are copied out before they are handed on: cb may run long (a reader's
 * formatting), and a lease that ran out meanwhile would let another reader overwrite them.
 * 1: this reader cannot answer (the caller reads another way). */
static int dump(struct live *m, int prog_fd, uint32_t tgid, uint32_t gen, map_elem_cb cb,
		void *ctx)
{
	struct vms_dump_args a = { .session = new_session(), .tgid = tgid, .gen = gen };
	struct vms_dump_rec *copy = NULL;
	size_t n = 0;
	int err;

	if (run(prog_fd, &a) || a.ret == -EBUSY)
		return 1; /* the program cannot run, or another reader has the buffer */
	/* -EAGAIN of the run itself: the per-process reader could not walk the process's VMAs */
	err = a.ret == -EAGAIN ? -ENOSPC : a.ret;
	if (!err && a.sent > m->dump_out_bytes / sizeof(*copy))
		err = -EPROTO;
	if (!err && a.sent && map_out(m, a.sent * sizeof(*copy)))
		err = -ENOSPC; /* cannot be mapped: read another way */
	if (!err) {
		n = a.sent;
		copy = xmalloc((n ? n : 1) * sizeof(*copy));
		if (n)
			memcpy(copy, m->dump_out, n * sizeof(*copy));
	}
	vms_debug("model: reader run for %s: ret %d, %zu records (first of session %s)",
		  tgid ? "one process" : "every process", a.ret, n,
		  !n ? "-" : copy[0].session == a.session ? "ours" : "another");
	/* the release run writes its own answer into a */
	a.release = 1;
	if (run(prog_fd, &a) == 0 && a.ret && !err)
		err = -EAGAIN; /* taken over: what we copied is void */
	if (err) {
		free(copy);
		return err == -ENOSPC ? 1 : err;
	}
	for (size_t i = 0; i < n && !err; i++)
		if (copy[i].session == a.session) /* (a record another reader wrote: never) */
			err = cb(ctx, &copy[i].key, &copy[i].ent);
	free(copy);
	return err;
}

/* Tier kfunc-resync: the slab, mapped read-only once (the kernel maps all of it at mmap). Each
 * slot is copied before it is looked at: a writer may change it meanwhile (callers check the
 * process's state after). */
static int slab_map(struct live *m)
{
	void *p;

	if (m->slab)
		return 0;
	p = mmap(NULL, m->slab_slots * sizeof(*m->slab), PROT_READ, MAP_SHARED, m->slab_fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	m->slab = p;
	return 0;
}

static int slab_scan(struct live *m, uint32_t tgid, uint32_t gen, map_elem_cb cb, void *ctx)
{
	uint64_t want = VMS_SLAB_OWNER(tgid, gen);
	size_t sent = 0;
	int err = slab_map(m);

	if (err)
		return err;
	for (size_t i = 0; i < m->slab_slots && !err; i++) {
		const volatile struct vms_slab_rec *at = &m->slab[i];
		uint64_t owner = at->owner;
		struct vms_vma_key key;
		struct vms_vma_ent ent;

		if (!owner || (owner & VMS_SLAB_FREED) || (tgid && owner != want))
			continue;
		key = (struct vms_vma_key){ .tgid = owner >> 32, .gen = (uint32_t)owner,
					    .start = at->start };
		memcpy(&ent, (const void *)&at->ent, sizeof(ent));
		err = cb(ctx, &key, &ent);
		sent++;
	}
	vms_debug("model: slab read for %s: %zu of %zu slots", tgid ? "one process" : "every process",
		  sent, m->slab_slots);
	return err;
}

int live_slab_order(struct live *m, uint32_t tgid, uint32_t gen, struct vms_sort_ent *order,
		    size_t cap, size_t *n)
{
	uint64_t want = VMS_SLAB_OWNER(tgid, gen);
	int err = slab_map(m);

	*n = 0;
	if (err)
		return err;
	for (size_t i = 0; i < m->slab_slots; i++) {
		const volatile struct vms_slab_rec *at = &m->slab[i];

		if (at->owner != want)
			continue;
		if (*n == cap)
			return -ENOSPC;
		order[(*n)++] = (struct vms_sort_ent){ .key = at->start, .idx = i };
	}
	vms_debug("model: slab read for one process: %zu of %zu slots", *n, m->slab_slots);
	return 0;
}

bool live_slab_get(const struct live *m, size_t slot, uint32_t tgid, uint32_t gen,
		   struct live_vma *out)
{
	const volatile struct vms_slab_rec *at = &m->slab[slot];

	out->k = (struct vms_vma_key){ .tgid = tgid, .gen = gen, .start = at->start };
	memcpy(&out->v, (const void *)&at->ent, sizeof(out->v));
	return at->owner == VMS_SLAB_OWNER(tgid, gen);
}

int live_vmas(struct live *m, uint32_t tgid, uint32_t gen, map_elem_cb cb, void *ctx)
{
	if (m->slab_fd >= 0)
		return slab_scan(m, tgid, gen, cb, ctx);
	if (m->dump_fd >= 0) {
		int err = dump(m, m->dump_fd, tgid, gen, cb, ctx);

		if (err != 1)
			return err;
		vms_debug("model: its reader is busy or cannot be mapped: reading the map by batches");
	}
	return map_for_each_batch(m->vmas_fd, sizeof(struct vms_vma_key), sizeof(struct vms_vma_ent),
				  cb, ctx);
}

int live_proc_vmas(struct live *m, uint32_t tgid, uint32_t gen, map_elem_cb cb, void *ctx)
{
	return m->dump_proc_fd >= 0 && tgid ? dump(m, m->dump_proc_fd, tgid, gen, cb, ctx) : 1;
}

void live_dump_unmap(struct live *m)
{
	if (m->slab)
		munmap((void *)m->slab, m->slab_slots * sizeof(*m->slab));
	m->slab = NULL;
	if (m->dump_out)
		munmap(m->dump_out, m->dump_out_mapped);
	m->dump_out = NULL;
	m->dump_out_mapped = 0;
}
