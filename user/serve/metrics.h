/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The metrics serve exports, built once per collection from a sample (collect.h) and then
 * encoded as Prometheus text (prom.c) or OTLP (otlp_pb.c, otlp_json.c). Every family carries
 * its Prometheus name and its OpenTelemetry name; label keys map to OTel attribute keys in
 * metrics.c. No label holds an address.
 */
#ifndef VMS_SERVE_METRICS_H
#define VMS_SERVE_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "serve/collect.h"

#define METRIC_MAX_LABELS 4

enum metric_type { METRIC_GAUGE, METRIC_COUNTER };

struct metric_point {
	char *lv[METRIC_MAX_LABELS];	/* raw label values (escaped by the encoders) */
	double v;
};

struct metric_family {
	const char *name;		/* Prometheus: vmscope_..._bytes / _total */
	const char *otel;		/* OTel: process.memory.usage, vmscope.* */
	const char *unit;		/* UCUM, as OTel wants it: By, s, 1, {vma} */
	const char *help;
	enum metric_type type;
	bool is_int;
	unsigned nl;
	const char *lk[METRIC_MAX_LABELS];	/* Prometheus label keys */
	struct metric_point *p;
	size_t n, cap;
};

struct metric_set {
	struct metric_family *f;
	size_t n, cap;
	uint64_t time_ns;		/* when collected (CLOCK_REALTIME) */
	uint64_t start_ns;		/* when serve started: the counters' start */
};

enum metric_group { MG_PROCESS, MG_CGROUP };

struct metric_opts {
	unsigned top;			/* processes (or cgroups) exported one by one; the rest summed */
	enum metric_group by;
	enum collect_measure measure;
	bool faults;			/* fault families, when the sample has faults (h.faults_on) */
};

/* Serve's own counters, exported with the rest. */
struct serve_stats {
	uint64_t collections, collect_errors;
	uint64_t otlp_exports, otlp_failures, otlp_retries, otlp_dropped;
};

void metrics_build(const struct collect_sample *s, const struct metric_opts *o,
		   const struct serve_stats *st, struct metric_set *out);
void metrics_free(struct metric_set *m);

/* The OTel attribute key of a Prometheus label key. */
const char *metrics_otel_key(const char *prom_key);

#endif
