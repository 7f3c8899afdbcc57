// SPDX-License-Identifier: BSD-2-Clause
#include "backend/backend.h"

#include <stdlib.h>

#include "core/util.h"
#include "model/live.h"
#include "proc/procfs.h"

char backend_file_why[256];

const struct vms_backend *const vms_backends[] = {
	&backend_bpf_model,	/* first: `auto` uses the live model when it is running */
	&backend_procfs,
	&backend_bpf_iter,
	&backend_core,		/* files only: `auto` never picks it for a process */
	&backend_snapshot,
	NULL,
};

const struct vms_backend *backend_find(const char *name)
{
	return table_find(REGISTRY(vms_backends), name);
}

const struct vms_backend *backend_auto(void)
{
	for (int i = 0; vms_backends[i]; i++) {
		const char *why;

		if (!vms_backends[i]->available || !vms_backends[i]->available(&why))
			return vms_backends[i];
	}
	return &backend_procfs;
}

int backend_snapshot_all(const struct vms_backend *be, unsigned flags, backend_all_cb cb,
			 void *ctx)
{
	pid_t *pids;
	int n, err = 0;

	if (be->snapshot_all)
		return be->snapshot_all(flags, cb, ctx);
	n = procfs_all_pids(&pids);
	if (n < 0)
		return n;
	for (int i = 0; i < n && !err; i++) {
		struct vms_target t = { .pid = pids[i] };
		struct vms_snapshot s;

		snapshot_init(&s);
		err = cb(ctx, &s, be->snapshot(&t, &s, flags));
		snapshot_free(&s);
	}
	free(pids);
	return err;
}

int backend_fill_extras(struct vms_snapshot *s, unsigned flags)
{
	int err = 0;

	if (flags & BACKEND_THREADS) {
		err = procfs_read_threads(s->proc.pid, s);
		/* what /proc cannot say (a running thread's stack, a sigaltstack), where the live
		 * model runs: every live backend alike; without it, nothing more and no error */
		if (!err)
			live_fill_threads(s);
	}
	if (!err && (flags & BACKEND_NUMA))
		err = procfs_read_numa(s->proc.pid, s);
	if (!err && (flags & BACKEND_PAGESIZES))
		err = procfs_read_pagesizes(s->proc.pid, s);
	return err;
}
