// SPDX-License-Identifier: BSD-2-Clause
/* Saved snapshots (.vms, `vmscope snapshot save`): a file target like a core file, so every
 * command that reads a backend reads them unchanged (`map FILE.vms`, `snapshot show`). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "backend/backend.h"
#include "snapshot/file.h"

/* What a live backend returns when accounting was not asked for: no smaps fields. */
static void drop_accounting(struct vms_snapshot *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->regions[i].acct);
		s->regions[i].acct = NULL;
		if (s->regions[i].more) {
			free(s->regions[i].more->vmflags);
			s->regions[i].more->vmflags = NULL;
		}
	}
	s->has_acct = false;
	s->acct_absent = false;
}

/* What a live backend leaves out when not asked: threads (a format that classifies without
 * them labels stacks otherwise), NUMA and page-size runs. */
static void drop_extras(struct vms_snapshot *s, unsigned flags)
{
	if (!(flags & BACKEND_THREADS)) {
		free(s->threads);
		s->threads = NULL;
		s->n_threads = 0;
	}
	for (size_t i = 0; i < s->n; i++) {
		struct vms_region *r = &s->regions[i];

		if (!r->more)
			continue;
		if (!(flags & BACKEND_NUMA)) {
			free(r->more->numa);
			r->more->numa = NULL;
			r->more->n_numa = 0;
			r->more->numa_exact = false;
		}
		if (!(flags & BACKEND_PAGESIZES)) {
			free(r->more->psize);
			r->more->psize = NULL;
			r->more->n_psize = 0;
			r->more->psize_exact = false;
		}
	}
}

static int snapshot_available(const char **why)
{
	*why = "it reads saved snapshot files only (give FILE, without --backend)";
	return -ENOTSUP;
}

static int snapshot_read(const struct vms_target *t, struct vms_snapshot *s, unsigned flags)
{
	int err;

	if (!t->path)
		return -ENOTSUP;
	err = snapfile_read(t->path, s, backend_file_why, sizeof(backend_file_why));
	if (err)
		return err;
	if ((flags & BACKEND_ACCOUNTING) && !(flags & BACKEND_ACCT_IF_ANY) && !s->has_acct) {
		snprintf(backend_file_why, sizeof(backend_file_why),
			 "the snapshot holds no accounting (smaps fields)");
		return -ENODATA;
	}
	if ((flags & BACKEND_FAULTS) && !s->meta->has_faults) {
		snprintf(backend_file_why, sizeof(backend_file_why),
			 "the snapshot holds no fault counts (save it with --faults)");
		return -ENODATA;
	}
	if (!(flags & BACKEND_ACCOUNTING))
		drop_accounting(s);
	drop_extras(s, flags);
	return 0;
}

const struct vms_backend backend_snapshot = {
	.name = "snapshot",
	.summary = "a saved snapshot file (vmscope snapshot save)",
	.available = snapshot_available,
	.claims = snapfile_is_snapshot,
	.snapshot = snapshot_read,
};
