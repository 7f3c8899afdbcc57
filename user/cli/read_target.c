// SPDX-License-Identifier: BSD-2-Clause
#include "cli/read_target.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "core/util.h"

int cli_one_target(const char *cmd, const char *spec, struct vms_target *t)
{
	struct vms_target *v = NULL;
	size_t n = 0;
	int rc = target_parse(cmd, spec, &v, &n);

	if (rc == VMS_EXIT_OK && n > 1) {
		vms_err("%s: %zu processes are named '%s' (%d, %d%s): give a PID", cmd, n, spec,
			(int)v[0].pid, (int)v[1].pid, n > 2 ? ", ..." : "");
		rc = VMS_EXIT_FAIL;
	}
	if (rc == VMS_EXIT_OK)
		*t = v[0];
	free(v);
	return rc;
}

int cli_read_target(const char *cmd, const struct vms_target *t, const char *backend,
		    unsigned flags, struct vms_snapshot *s)
{
	const struct vms_backend *be = t->path ? t->backend
					       : map_backend(cmd, backend, flags & BACKEND_FAULTS);
	int err;

	if (!be)
		return VMS_EXIT_FAIL;
	err = be->snapshot(t, s, flags);
	if (err)
		return target_report(cmd, t, s, err);
	return VMS_EXIT_OK;
}
