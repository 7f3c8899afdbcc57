// SPDX-License-Identifier: BSD-2-Clause
#include "cli/read_target.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/commands.h"
#include "core/util.h"

/* A path (it has a '/', no comm has) that no backend claims: say what it is not. */
static bool bad_path(const char *cmd, const char *spec)
{
	struct stat st;

	if (!strchr(spec, '/') || !strncmp(spec, "/proc/", 6))
		return false;
	for (int i = 0; vms_backends[i]; i++)
		if (vms_backends[i]->claims && vms_backends[i]->claims(spec))
			return false;
	if (stat(spec, &st))
		vms_err("%s: %s: %s", cmd, spec, strerror(errno));
	else if (S_ISDIR(st.st_mode))
		vms_err("%s: %s: a directory (a timeline is read alone: vmscope diff DIR)", cmd, spec);
	else
		vms_err("%s: %s: not a file vmscope reads (no snapshot magic)", cmd, spec);
	return true;
}

int cli_one_target(const char *cmd, const char *spec, struct vms_target *t)
{
	struct vms_target *v = NULL;
	size_t n = 0;
	int rc;

	if (bad_path(cmd, spec))
		return VMS_EXIT_FAIL;
	rc = target_parse(cmd, spec, &v, &n);

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
