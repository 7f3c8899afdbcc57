// SPDX-License-Identifier: BSD-2-Clause
#include "backend/backend.h"

#include "core/util.h"
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

int backend_fill_extras(struct vms_snapshot *s, unsigned flags)
{
	int err = 0;

	if (flags & BACKEND_THREADS)
		err = procfs_read_threads(s->proc.pid, s);
	if (!err && (flags & BACKEND_NUMA))
		err = procfs_read_numa(s->proc.pid, s);
	if (!err && (flags & BACKEND_PAGESIZES))
		err = procfs_read_pagesizes(s->proc.pid, s);
	return err;
}
