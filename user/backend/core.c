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

static char last_err[CORE_ERR_LEN];

static int core_available(const char **why)
{
	*why = "";
	return 0;
}

/* Accounting asked for: the keys the formats name, every value absent but Size (the bounds). */
static void acct_absent(struct vms_snapshot *s)
{
	static const char *const keys[] = { "Size", "Rss", "Pss", "Shared_Clean", "Shared_Dirty",
		"Private_Clean", "Private_Dirty", "Anonymous", "Swap", "Locked" };

	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		snapshot_acct_key(s, keys[k], true);
	for (size_t i = 0; i < s->n; i++) {
		s->regions[i].acct = calloc(s->n_keys, sizeof(uint64_t));
		if (s->regions[i].acct)
			s->regions[i].acct[0] = region_size(&s->regions[i]) >> 10;
	}
	s->has_acct = true;
	s->acct_absent = true;
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
		acct_absent(s);
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
