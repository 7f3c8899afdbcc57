/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A backend enumerates the regions of one process. procfs reads /proc; later backends read the
 * BPF model, core files or other systems. Adding one = one new file + one entry in backend.c.
 */
#ifndef VMS_BACKEND_H
#define VMS_BACKEND_H

#include <stdbool.h>

#include "core/region.h"

enum {
	BACKEND_ACCOUNTING = 1u << 0,	/* also fill the smaps accounting fields */
	BACKEND_FAULTS = 1u << 1,	/* also fill the fault counts (bpf backend, `start --faults`) */
};

struct vms_backend {
	const char *name;
	const char *summary;
	/* 0 if usable now, else -errno; *why gets a short reason. */
	int (*available)(const char **why);
	/* Fills s->regions for the process already described in s->proc. Returns 0 or -errno. */
	int (*snapshot)(struct vms_snapshot *s, unsigned flags);
};

/* NULL-terminated table of all backends, in the order `auto` tries them. */
extern const struct vms_backend *const vms_backends[];

const struct vms_backend *backend_find(const char *name);
/* `auto`: the first available backend in table order. */
const struct vms_backend *backend_auto(void);

extern const struct vms_backend backend_procfs, backend_bpf_iter, backend_bpf_model;

#endif
