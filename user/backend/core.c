// SPDX-License-Identifier: BSD-2-Clause
/*
 * core backend: an ELF core file (user/elfcore/). What a core cannot give is absent, never 0:
 * the page accounting (-x, -X, JSON/CSV accounting fields), the device and inode of mapped
 * files, and the permission characters it does not record ('?'). README "Core files".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "backend/backend.h"
#include "elfcore/elfcore.h"

static int core_available(const char **why)
{
	*why = "";
	return 0;
}

static int core_snapshot(const struct vms_target *t, struct vms_snapshot *s, unsigned flags)
{
	char why[CORE_ERR_LEN];
	int err;

	s->backend = "core";
	backend_file_why[0] = '\0';
	if (!t->path) {
		snprintf(backend_file_why, sizeof(backend_file_why), "the core backend reads core "
			 "files, not live processes");
		return -EINVAL;
	}
	if (flags & BACKEND_FAULTS) {
		snprintf(backend_file_why, sizeof(backend_file_why), "a core file has no page fault counts");
		return -ENOTSUP;
	}
	err = core_read_file(t->path, s, why);
	if (err)
		snprintf(backend_file_why, sizeof(backend_file_why), "%s", why);
	if (!err && (flags & BACKEND_ACCOUNTING))
		core_acct_absent(s);
	if (!err && !(flags & BACKEND_THREADS)) {
		/* as a live backend: threads only for the views that ask (they label stacks) */
		free(s->threads);
		s->threads = NULL;
		s->n_threads = 0;
	}
	/* NUMA and page-size runs: a core has none (left NULL: not collected) */
	return err;
}

const struct vms_backend backend_core = {
	.name = "core",
	.summary = "an ELF core file (the kernel's or gdb's gcore): map CORE",
	.available = core_available,
	.claims = core_file_claims,
	.snapshot = core_snapshot,
};
