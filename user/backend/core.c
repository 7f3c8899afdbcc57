// SPDX-License-Identifier: BSD-2-Clause
/*
 * core backend: an ELF core file (user/elfcore/). What a core cannot give is absent, never 0:
 * the page accounting (-x, -X, JSON/CSV accounting fields), the device and inode of mapped
 * files, and the permission characters it does not record ('?'). README "Core files".
 */
#include <errno.h>
#include <stdio.h>

#include "backend/backend.h"
#include "elfcore/elfcore.h"

static char last_err[CORE_ERR_LEN];

static int core_available(const char **why)
{
	*why = "";
	return 0;
}

static int core_snapshot(const struct vms_target *t, struct vms_snapshot *s, unsigned flags)
{
	int err;

	s->backend = "core";
	last_err[0] = '\0';
	if (!t->path) {
		snprintf(last_err, sizeof(last_err), "the core backend reads core files, not live "
			 "processes (use --backend auto)");
		return -EINVAL;
	}
	if (flags & BACKEND_FAULTS) {
		snprintf(last_err, sizeof(last_err), "a core file has no page fault counts");
		return -ENOTSUP;
	}
	err = core_read_file(t->path, s, last_err);
	if (!err && (flags & BACKEND_ACCOUNTING))
		core_acct_absent(s);
	return err;
}

static const char *core_last_error(void)
{
	return last_err[0] ? last_err : NULL;
}

const struct vms_backend backend_core = {
	.name = "core",
	.summary = "an ELF core file (the kernel's or gdb's gcore): map CORE",
	.available = core_available,
	.claims = core_file_claims,
	.snapshot = core_snapshot,
	.last_error = core_last_error,
};
