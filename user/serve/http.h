/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * serve's HTTP side (libmicrohttpd): GET/HEAD /metrics answers the last exposition, built by
 * the collector beforehand; a scrape never waits for a collection or for another client.
 */
#ifndef VMS_SERVE_HTTP_H
#define VMS_SERVE_HTTP_H

#include <stddef.h>
#include <sys/socket.h>

struct http_server;

struct http_opts {
	const struct sockaddr *addr;
	socklen_t addrlen;
	unsigned threads;		/* thread pool */
	unsigned max_conns;		/* connections at once (more are refused) */
	unsigned timeout_s;		/* idle connection timeout (slowloris) */
	size_t conn_memory;		/* per-connection memory: headers past it get 431 */
};

/* Starts listening. NULL after one error line (address in use, not available...). */
struct http_server *http_start(const struct http_opts *o);
/* The port bound (for --listen ADDR:0). */
unsigned http_port(struct http_server *h);
/* Replaces what /metrics answers (text of len bytes, copied). */
int http_publish(struct http_server *h, const char *text, size_t len);
/* Scrapes answered, and requests refused (bad method, path, too large). */
void http_counts(struct http_server *h, unsigned long long *scrapes, unsigned long long *refused);
void http_stop(struct http_server *h);

#endif
