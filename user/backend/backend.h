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
	BACKEND_NO_CMDLINE = 1u << 6,	/* snapshot_all: the command lines are not needed */
};

/* What snapshot_all found of one process: 0 and its snapshot, or the error (-ESRCH: it exited;
 * -ENXIO: a kernel thread; -EIDRM: a zombie). A non-zero return stops the pass with it. */
typedef int (*backend_all_cb)(void *ctx, struct vms_snapshot *s, int err);

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
	/* Every live process, in pid order, to cb (NULL: backend_snapshot_all asks snapshot()
	 * for each pid /proc lists). 0, the first non-zero cb result, or -errno. */
	int (*snapshot_all)(unsigned flags, backend_all_cb cb, void *ctx);
};

/* NULL-terminated table of all backends, in the order `auto` tries them. */
extern const struct vms_backend *const vms_backends[];

const struct vms_backend *backend_find(const char *name);
/* Every live process through be (its snapshot_all, or one snapshot() per pid). */
int backend_snapshot_all(const struct vms_backend *be, unsigned flags, backend_all_cb cb,
			 void *ctx);
/* `auto`: the first available backend in table order. */
const struct vms_backend *backend_auto(void);

/* What every backend adds the same way after its regions: threads, NUMA and page-size runs
 * (BACKEND_THREADS, _NUMA, _PAGESIZES), all from /proc; the threads with what the live model's
 * thread records add, where it runs (live_fill_threads). 0 or -errno. */
int backend_fill_extras(struct vms_snapshot *s, unsigned flags);

extern const struct vms_backend backend_procfs, backend_bpf_iter, backend_bpf_model;
extern const struct vms_backend backend_core;
extern const struct vms_backend backend_snapshot;

/* A file backend's reason for its last failure ("corrupt snapshot: region 3: ..."), for
 * target_report to print instead of a generic line; "" if none. */
extern char backend_file_why[256];

#endif
