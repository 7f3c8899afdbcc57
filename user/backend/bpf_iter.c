// SPDX-License-Identifier: BSD-2-Clause
/*
 * bpf-iter backend: one pass of the iter/task_vma program (bpf/vma_iter.bpf.c) over a process,
 * names built in the kernel like the model's. It never formats or parses text; accounting
 * (smaps) is not available from it. A walk that raced with a writer is redone; a program the
 * kernel will not load, or a walk that keeps racing, falls back to /proc (said under -v).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "backend/backend.h"
#include "backend/bpf_off.h"
#include "kernel/contract.h"
#include "kernel/vma_reader.h"
#include "proc/procfs.h"
#include "kernel/bpf_diag.h"
#include "core/util.h"
#include "vma_iter.skel.h"

static int bpf_iter_available(const char **why)
{
	const char *off = bpf_off_reason();

	if (off) {
		*why = off;
		return access("/sys/kernel/btf/vmlinux", R_OK) ? -ENOENT : -EPERM;
	}
	*why = "";
	return 0;
}

struct iter_ctx {
	struct vms_snapshot *s;
	bool truncated;
	bool gate;
};

static int add_region(void *ctx, const struct vms_vma_rec *r, const char *name)
{
	struct iter_ctx *c = ctx;

	if (r->flags & VMS_VMA_NAME_TRUNC)
		c->truncated = true;
	if (r->flags & VMS_VMA_GATE)
		c->gate = true;
	vma_rec_to_region(r, name, snapshot_add(c->s));
	return 0;
}

static int iter_regions(const struct vms_target *t, struct vms_snapshot *s, unsigned flags)
{
	struct iter_ctx c = { .s = s };
	const struct vms_region *gate;
	int err = target_live_identity(t->pid, &s->proc);

	s->backend = "bpf-iter";
	if (err)
		return err;
	if (flags & BACKEND_ACCOUNTING) {
		/* Per-page accounting needs the page-table walk of smaps. */
		return procfs_read_regions(&s->proc, true, s);
	}
	err = vma_reader_run(s->proc.pid, add_region, &c, NULL);
	if (err == -ENOEXEC || err == -ESTALE) {
		/* Never an error of the target: say why under -v and answer from /proc. */
		if (err == -ENOEXEC)
			vms_debug("PID %d: reading /proc instead", (int)s->proc.pid);
		else
			vms_debug("PID %d: the iterator's walk raced with changes %d times: reading /proc "
				  "instead (which takes no mmap_lock either on 6.17+: it may be torn too)",
				  (int)s->proc.pid, VMA_READER_PASSES);
		snapshot_free_regions(s);
		return procfs_read_regions(&s->proc, false, s);
	}
	if (err)
		return err;
	if (c.truncated || s->n == 0) {
		/* A name the kernel would print but we could not read, or no VMA at all for a
		 * process that has an mm (some tasks are invisible to the iterator): never print
		 * it wrong, ask /proc (which also says why it cannot, if it cannot). */
		vms_debug("PID %d: the iterator gave an incomplete answer, reading /proc instead",
			  (int)s->proc.pid);
		snapshot_free_regions(s);
		return procfs_read_regions(&s->proc, false, s);
	}
	/* /proc lists the vsyscall gate page after the VMA tree; it is not in the tree. */
	gate = procfs_gate_region();
	if (c.gate && gate) {
		struct vms_region *r = snapshot_add(s);

		*r = *gate;
		r->name = xstrdup(gate->name);
	}
	return 0;
}

static int bpf_iter_snapshot(const struct vms_target *t, struct vms_snapshot *s, unsigned flags)
{
	int err = iter_regions(t, s, flags);

	return err ? err : backend_fill_extras(s, flags);
}

const struct vms_backend backend_bpf_iter = {
	.name = "bpf-iter",
	.summary = "one BPF task_vma iterator pass; names built in the kernel",
	.available = bpf_iter_available,
	.snapshot = bpf_iter_snapshot,
};
