/* SPDX-License-Identifier: BSD-2-Clause */
/* Comparing the live model with /proc, counting and logging every divergence, and repairing it. */
#ifndef VMS_RECONCILE_H
#define VMS_RECONCILE_H

#include <stdbool.h>

#include "model/live.h"

struct reconcile_opts {
	double interval;	/* seconds between passes; 0: one pass */
	unsigned passes;	/* 0: until interrupted (with an interval) */
	bool quiet;		/* no line per divergence */
};

struct reconcile_totals {
	unsigned long long compared, divergences, repaired, skipped;
};

/* Runs passes over every process the model tracks. A process is compared at most once per
 * pass and, after a divergence, backs off (0.1 s << attempts, up to 8 attempts; reset after 5 s
 * without one). Returns 0 or -errno. */
int reconcile_run(struct live *m, const struct reconcile_opts *o, struct reconcile_totals *t);

#endif
