/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * OTLP/HTTP metrics: a metric set as an ExportMetricsServiceRequest (protobuf, from the vendored
 * opentelemetry-proto schema through protobuf-c, or the OTLP JSON mapping), and the pusher that
 * POSTs it to a collector (libcurl) with retries, backoff and counted drops.
 */
#ifndef VMS_SERVE_OTLP_H
#define VMS_SERVE_OTLP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "serve/metrics.h"

struct otlp_resource {
	const char *host;		/* host.name */
	const char *version;		/* service.version */
};

/* The request as protobuf bytes (malloc'd *buf, *len) or JSON text. 0 or -ENOMEM. */
int otlp_encode_pb(const struct metric_set *m, const struct otlp_resource *r, void **buf, size_t *len);
void otlp_encode_json(FILE *f, const struct metric_set *m, const struct otlp_resource *r);

struct otlp_pusher;

struct otlp_opts {
	const char *url;		/* the collector's metrics endpoint, used as given */
	bool json;
	double timeout_s;		/* per attempt */
	unsigned retries;		/* attempts after the first, with backoff 1, 2, 4... s */
};

/* Starts the pusher thread. NULL after one error line. */
struct otlp_pusher *otlp_start(const struct otlp_opts *o);
/* Hands a payload over (takes buf). One waits at most: one still waiting is dropped (counted),
 * so a collector that is gone never makes memory grow. */
void otlp_submit(struct otlp_pusher *p, void *buf, size_t len);
/* Exports accepted, attempts retried, payloads dropped. */
void otlp_counts(struct otlp_pusher *p, unsigned long long *ok, unsigned long long *retried,
		 unsigned long long *dropped);
/* Stops the thread: the one in flight is given up to its timeout, then dropped. */
void otlp_stop(struct otlp_pusher *p);

#endif
