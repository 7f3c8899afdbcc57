// SPDX-License-Identifier: BSD-2-Clause
/* The fallback backend: /proc/PID/maps, or smaps when accounting is asked for. */
#include <errno.h>
#include <stdlib.h>

#include "backend/backend.h"
#include "proc/procfs.h"

static int procfs_available(const char **why)
{
	*why = "";
	return 0;
}

static int procfs_snapshot(const struct vms_target *t, struct vms_snapshot *s, unsigned flags)
{
	int err = target_live_identity(t->pid, &s->proc);

	s->backend = "procfs";
	if (!err)
		err = procfs_read_regions(&s->proc, flags & BACKEND_ACCOUNTING, s);
	return err ? err : backend_fill_extras(s, flags);
}

/* /proc lists thread-group ids: no status read to find the process of a thread. */
static int procfs_snapshot_all(unsigned flags, backend_all_cb cb, void *ctx)
{
	pid_t *pids;
	int n = procfs_all_pids(&pids), err = 0;

	if (n < 0)
		return n;
	for (int i = 0; i < n && !err; i++) {
		struct vms_snapshot s;
		int r;

		snapshot_init(&s);
		s.backend = "procfs";
		r = procfs_read_tgid(pids[i], &s.proc, !(flags & BACKEND_NO_CMDLINE));
		if (!r && s.proc.kernel_thread)
			r = -ENXIO;
		if (!r)
			r = procfs_read_regions(&s.proc, flags & BACKEND_ACCOUNTING, &s);
		if (!r)
			r = backend_fill_extras(&s, flags);
		err = cb(ctx, &s, r);
		snapshot_free(&s);
	}
	free(pids);
	return err;
}

const struct vms_backend backend_procfs = {
	.name = "procfs",
	.summary = "read /proc/PID/maps (smaps for accounting); works everywhere",
	.available = procfs_available,
	.snapshot = procfs_snapshot,
	.snapshot_all = procfs_snapshot_all,
};
