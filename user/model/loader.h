/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The loader of the live model (bpf/model.bpf.c), in stages as retsnoop's mass_attacher:
 *
 *   loader_new → loader_configure → loader_load → loader_attach → loader_pin → loader_seed
 *   → loader_free
 *
 * Each stage returns 0 or -errno; after a failure only loader_free is left to call, and it is
 * the one cleanup path: it destroys what this process holds and, unless loader_seed finished,
 * removes whatever loader_pin pinned. Readers of the pinned model are in live.h.
 */
#ifndef VMS_LOADER_H
#define VMS_LOADER_H

#include <stdbool.h>
#include <stdint.h>

#include "features/features.h"
#include "vmscope.h"

struct live_limits {
	uint32_t max_procs;	/* 0: defaults */
	uint32_t max_vmas;
	uint32_t max_names;
	uint32_t max_threads;	/* thread records (their stacks' labels) */
};

struct loader_opts {
	struct live_limits lim;
	bool faults;		/* count page faults, from the source the fault probes find */
};

/* The tier decision (the same for `features` and `start`). */
struct live_plan {
	enum vms_tier tier;
	char tier_why[VMS_WHY_MAX * 2];	/* what the tier does, or why none loads */
	char refused[VMS_WHY_MAX];	/* "tier T did not load: WHY" when a better tier was refused */
	unsigned faults;		/* enum vms_fault_source loaded (OFF when not asked or refused) */
	char faults_why[VMS_WHY_MAX];	/* asked for and off: because ... */
	char reader_why[VMS_WHY_MAX];	/* a reader did not load: because ... */
	int reader_off;			/* 1: the per-process reader only; 2: both readers */
};

struct loader;

/* A loader with nothing loaded yet; reads the test knobs. */
struct loader *loader_new(void);
/* Map sizes, and the fault source when o->faults (the probes of `vmscope features`). */
int loader_configure(struct loader *l, const struct loader_opts *o);
/*
 * The one tier decision: loads the real model objects (not attached) in tier order,
 * kfunc-resync then event-resync; the first that loads wins. The fault programs are loaded
 * with it where the tier can follow them; if only they are refused the model loads without
 * them (the plan says why). VMSCOPE_TIER=event-resync skips the faster tier;
 * VMSCOPE_INJECT_REFUSAL (tests only) makes the verifier refuse a tier's or the faults'
 * programs. -ENOENT: no kernel BTF. On failure the plan's tier is procfs, with why.
 */
int loader_load(struct loader *l);
/* The hooks, and the perf events of the fault counters. */
int loader_attach(struct loader *l);
/* Everything under pins_dir() (see pins.h), and the plan for `status`. From here on a stop
 * signal only sets a flag (kernel/sigstop.h): the stages after this unwind on it. */
int loader_pin(struct loader *l);
/* Every process into the model (attached first, seeded second: no change is missed); the
 * model then stays pinned. -EINTR after a stop signal. */
int loader_seed(struct loader *l);
void loader_free(struct loader *l);

/* The tier decision alone (`vmscope features`): loader_load of a loader with fault source
 * faults, freed. Returns 0, or -errno with plan->tier procfs. */
int live_load(unsigned faults, struct live_plan *plan);

struct live_start_info {
	unsigned long long seeded_procs;
	unsigned long long seeded_vmas;
	double seconds;
	struct live_plan plan;
};

/* Every stage, under the pin dir's lock (pins_lock). -EEXIST if a model is pinned there,
 * -EPERM if the pin dir or what is in it is not vmscope's (pins_refused() says why),
 * -ENOENT without kernel BTF, -ENOLCK (said) without the lock, -EINTR after a stop signal
 * (nothing stays pinned). */
int live_start(const struct loader_opts *o, struct live_start_info *info);
/* Detaches and removes everything under the pin dir, under its lock. Returns 0 (also when
 * nothing was there), -ENOLCK (said), -EPERM (refused, see pins_remove) or -EBUSY. */
int live_stop(void);

#endif
