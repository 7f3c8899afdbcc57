// SPDX-License-Identifier: BSD-2-Clause
/*
 * bpf backend: the live model pinned by `vmscope start`. For the default and -d formats nothing
 * of the target is read but its stat and cmdline: /proc/PID/maps is never opened, so the
 * target's mmap_lock is not taken for the map. Accounting (-x, -X) still needs smaps. Fault
 * counts (`start --faults`) come from the model's fault map, whatever the regions came from.
 */
#include <errno.h>
#include <string.h>

#include "backend/backend.h"
#include "model/faults.h"
#include "model/live.h"
#include "proc/procfs.h"
#include "core/util.h"

static int bpf_model_available(const char **why)
{
	int pinned = live_pinned();

	if (pinned <= 0) {
		*why = pinned ? live_open_why(pinned)
			      : "no live model is running (start it with 'vmscope start')";
		return pinned ? pinned : -ENOENT;
	}
	*why = "";
	return 0;
}

/* A process the model cannot answer for: say why (under -v), then read /proc. Never print a
 * guess. Other errors are returned. */
static int or_procfs(struct vms_snapshot *s, int err)
{
	if (err != -ENOENT && err != -EAGAIN && err != -ENODATA)
		return err;
	vms_debug("PID %d: %s; reading /proc", (int)s->proc.pid,
		  err == -ENOENT ? "not in the model" : err == -EAGAIN
		  ? "the model lost track and could not resync" : "a name the model could not build");
	snapshot_free_regions(s);
	s->backend = "procfs";
	return procfs_read_regions(&s->proc, false, s);
}

static int read_regions(struct vms_snapshot *s, unsigned flags)
{
	struct live m;
	int err;

	s->backend = "bpf";
	if (flags & BACKEND_ACCOUNTING)
		return procfs_read_regions(&s->proc, true, s);
	err = live_open(&m);
	if (err)
		return err;
	err = live_read(&m, s);
	live_close(&m);
	return or_procfs(s, err);
}

/* The counts of the model's fault map, added onto the regions (sorted by start). */
static int fill_faults(struct vms_snapshot *s)
{
	struct live m;
	int err = live_open(&m);

	if (err)
		return err;
	err = m.faults_source == VMS_FAULTS_OFF ? -ENOTSUP : faults_fill(m.faults_fd, s->proc.pid, s);
	s->fault_access = m.faults_source == VMS_FAULTS_PERF_ACCESS;
	live_close(&m);
	return err;
}

static int bpf_model_snapshot(const struct vms_target *t, struct vms_snapshot *s, unsigned flags)
{
	int err = target_live_identity(t->pid, &s->proc);

	if (!err)
		err = read_regions(s, flags);

	if (!err && (flags & BACKEND_FAULTS))
		err = fill_faults(s);
	/* Threads come from /proc with the model's thread records (backend_fill_extras, as for
	 * every live backend), NUMA and page sizes from /proc. */
	return err ? err : backend_fill_extras(s, flags);
}

struct all_ctx {
	struct live *m;
	unsigned flags;
	backend_all_cb cb;
	void *ctx;
};

static int all_one(void *ctx, struct vms_snapshot *s, int err)
{
	struct all_ctx *c = ctx;

	err = or_procfs(s, err);
	if (!err && (c->flags & BACKEND_FAULTS)) {
		err = c->m->faults_source == VMS_FAULTS_OFF ? -ENOTSUP
			: faults_fill(c->m->faults_fd, s->proc.pid, s);
		s->fault_access = c->m->faults_source == VMS_FAULTS_PERF_ACCESS;
	}
	if (!err) /* threads, NUMA and page sizes come from /proc, as for one process */
		err = backend_fill_extras(s, c->flags);
	return c->cb(c->ctx, s, err);
}

/* One pass over the whole model (live_read_all). Accounting comes from smaps either way: then
 * the processes are read one by one. */
static int bpf_model_snapshot_all(unsigned flags, backend_all_cb cb, void *ctx)
{
	struct live m;
	struct all_ctx c = { &m, flags, cb, ctx };
	int err;

	if (flags & BACKEND_ACCOUNTING) {
		static const struct vms_backend one_by_one = { .snapshot = bpf_model_snapshot };

		return backend_snapshot_all(&one_by_one, flags, cb, ctx);
	}
	err = live_open(&m);
	if (err)
		return err;
	err = live_read_all(&m, !(flags & BACKEND_NO_CMDLINE), all_one, &c);
	live_close(&m);
	return err;
}

const struct vms_backend backend_bpf_model = {
	.name = "bpf",
	.summary = "the live kernel-side model pinned by 'vmscope start'",
	.available = bpf_model_available,
	.snapshot = bpf_model_snapshot,
	.snapshot_all = bpf_model_snapshot_all,
};
