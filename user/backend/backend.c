// SPDX-License-Identifier: BSD-2-Clause
#include "backend/backend.h"


#include "core/util.h"

char backend_file_why[256];

const struct vms_backend *const vms_backends[] = {
	&backend_bpf_model,	/* first: `auto` uses the live model when it is running */
	&backend_procfs,
	&backend_bpf_iter,
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
