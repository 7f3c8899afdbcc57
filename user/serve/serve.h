/* SPDX-License-Identifier: BSD-2-Clause */
/* `vmscope serve`: collect on an interval, expose /metrics, push OTLP. */
#ifndef VMS_SERVE_H
#define VMS_SERVE_H

#include <stdbool.h>
#include <sys/socket.h>

#include "serve/collect.h"
#include "serve/http.h"
#include "serve/metrics.h"
#include "serve/otlp.h"

struct serve_opts {
	bool listen;			/* false: --listen none (OTLP only) */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char addr_text[128];		/* as given, for messages */
	struct http_opts http;
	double interval;		/* seconds between collections */
	struct collect_opts c;
	struct metric_opts m;
	bool otlp;
	struct otlp_opts otlp_o;
	bool once;			/* one collection, its exposition on stdout (--once) */
};

/* Runs until SIGTERM or SIGINT (exit 0) or a setup error (one line, exit 1). */
int serve_run(struct serve_opts *o);

#endif
