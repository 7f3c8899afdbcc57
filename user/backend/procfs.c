// SPDX-License-Identifier: BSD-2-Clause
/* The fallback backend: /proc/PID/maps, or smaps when accounting is asked for. */
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

const struct vms_backend backend_procfs = {
	.name = "procfs",
	.summary = "read /proc/PID/maps (smaps for accounting); works everywhere",
	.available = procfs_available,
	.snapshot = procfs_snapshot,
};
