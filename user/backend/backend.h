/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A backend enumerates the regions of one target (backend/target.h): a live process, or a file
 * it claims. procfs reads /proc, bpf the live model, bpf-iter the VMA iterator; later ones read
 * core files or other systems. Adding one = one new file + one entry in backend.c.
 */
#ifndef VMS_BACKEND_H
#define VMS_BACKEND_H

#include <stdbool.h>

#include "backend/target.h"
#include "core/region.h"

enum {
	BACKEND_ACCOUNTING = 1u << 0,	/* also fill the smaps accounting fields */
	BACKEND_FAULTS = 1u << 1,	/* also fill the fault counts (bpf backend, `start --faults`) */
	BACKEND_THREADS = 1u << 2,	/* also fill s->threads (tids, stack pointers) */
	BACKEND_NUMA = 1u << 3,		/* also fill each region's NUMA runs (map -L) */
	BACKEND_PAGESIZES = 1u << 4,	/* also fill each region's page-size runs (map -s) */
	BACKEND_ACCT_IF_ANY = 1u << 5,	/* with ACCOUNTING: a file without accounting is no error */
};

struct vms_backend {
	const char *name;
	const char *summary;
	/* 0 if usable now, else -errno; *why gets a short reason. */
	int (*available)(const char **why);
	/* Whether it reads this file (is it a core file?); NULL: live processes only. */
	bool (*claims)(const char *path);
	/* Fills s->proc (the target's identity, as this backend knows it) then s->regions.
	 * 0 or -errno; see target_live_identity() for the errors of a live process. */
	int (*snapshot)(const struct vms_target *t, struct vms_snapshot *s, unsigned flags);
};

/* NULL-terminated table of all backends, in the order `auto` tries them. */
extern const struct vms_backend *const vms_backends[];

const struct vms_backend *backend_find(const char *name);
/* `auto`: the first available backend in table order. */
const struct vms_backend *backend_auto(void);

/* What every backend adds the same way after its regions: threads, NUMA and page-size runs
 * (BACKEND_THREADS, _NUMA, _PAGESIZES), all from /proc. 0 or -errno. */
int backend_fill_extras(struct vms_snapshot *s, unsigned flags);

extern const struct vms_backend backend_procfs, backend_bpf_iter, backend_bpf_model;
extern const struct vms_backend backend_core;
extern const struct vms_backend backend_snapshot;

/* A file backend's reason for its last failure ("corrupt snapshot: region 3: ..."), for
 * target_report to print instead of a generic line; "" if none. */
extern char backend_file_why[256];

#endif
