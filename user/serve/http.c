// SPDX-License-Identifier: BSD-2-Clause
/*
 * /metrics over libmicrohttpd. The exposition is one shared MHD_Response, replaced after each
 * collection: libmicrohttpd reference-counts it, so a slow client keeps its old one alive while
 * the others get the new one, and no request ever builds anything. Bounded by libmicrohttpd's
 * options: a thread pool, a connection limit (global and per IP), an idle timeout (slowloris)
 * and a per-connection memory pool (a request whose headers do not fit is answered 431 and
 * closed). Only GET and HEAD of / and /metrics are answered; other paths 404, other methods 405.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "serve/http.h"
#include "serve/lazy.h"
#include "serve/prom.h"
#include "core/util.h"

static const struct lazy_mhd *mhd;	/* libmicrohttpd, loaded by http_start */

struct http_server {
	struct MHD_Daemon *d;
	pthread_mutex_t lock;
	struct MHD_Response *metrics;	/* NULL until the first collection */
	struct MHD_Response *index, *not_found, *bad_method, *not_ready;
	atomic_ullong scrapes, refused;
};

static const char INDEX[] = "vmscope: metrics at /metrics\n";

static struct MHD_Response *text_response(const char *t, const char *type)
{
	struct MHD_Response *r = mhd->create_response_from_buffer(strlen(t), (void *)t,
								  MHD_RESPMEM_PERSISTENT);

	if (r)
		mhd->add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	return r;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	static int seen;
	struct http_server *h = cls;
	bool get = !strcmp(method, MHD_HTTP_METHOD_GET) || !strcmp(method, MHD_HTTP_METHOD_HEAD);
	enum MHD_Result ret;

	/* The first call comes with the headers. A GET answered there would make libmicrohttpd
	 * close the connection (the body is not read yet); answered at the second call (all of
	 * the request read: a GET body is discarded), the connection is kept alive. */
	if (get && !*con_cls) {
		*con_cls = &seen;
		return MHD_YES;
	}
	if (get && *upload_size) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (!get) {
		atomic_fetch_add(&h->refused, 1);
		return mhd->queue_response(c, MHD_HTTP_METHOD_NOT_ALLOWED, h->bad_method);
	}
	if (!strcmp(url, "/"))
		return mhd->queue_response(c, MHD_HTTP_OK, h->index);
	if (strcmp(url, "/metrics")) {
		atomic_fetch_add(&h->refused, 1);
		return mhd->queue_response(c, MHD_HTTP_NOT_FOUND, h->not_found);
	}
	/* the lock only keeps the response from being replaced while it is queued */
	pthread_mutex_lock(&h->lock);
	if (h->metrics) {
		ret = mhd->queue_response(c, MHD_HTTP_OK, h->metrics);
		atomic_fetch_add(&h->scrapes, 1);
	} else {
		ret = mhd->queue_response(c, MHD_HTTP_SERVICE_UNAVAILABLE, h->not_ready);
	}
	pthread_mutex_unlock(&h->lock);
	return ret;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[256];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = 0;
	vms_debug("serve: http: %s", buf);
}

struct http_server *http_start(const struct http_opts *o)
{
	struct http_server *h;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL_LINUX_ONLY | MHD_USE_ERROR_LOG;

	if (!mhd && !(mhd = lazy_mhd()))
		return NULL;
	h = xcalloc(1, sizeof(*h));
	if (o->addr->sa_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	pthread_mutex_init(&h->lock, NULL);
	h->index = text_response(INDEX, "text/plain; charset=utf-8");
	h->not_found = text_response("not found: metrics are at /metrics\n", "text/plain; charset=utf-8");
	h->bad_method = text_response("method not allowed: GET or HEAD\n", "text/plain; charset=utf-8");
	h->not_ready = text_response("no collection yet\n", "text/plain; charset=utf-8");
	if (h->bad_method)
		mhd->add_response_header(h->bad_method, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	if (h->not_ready)
		mhd->add_response_header(h->not_ready, MHD_HTTP_HEADER_RETRY_AFTER, "1");
	errno = 0;
	h->d = mhd->start_daemon(flags, 0, NULL, NULL, answer, h,
				 MHD_OPTION_SOCK_ADDR, o->addr,
				 MHD_OPTION_THREAD_POOL_SIZE, o->threads,
				 MHD_OPTION_CONNECTION_LIMIT, o->max_conns,
				 MHD_OPTION_PER_IP_CONNECTION_LIMIT, o->max_conns,
				 MHD_OPTION_CONNECTION_TIMEOUT, o->timeout_s,
				 MHD_OPTION_CONNECTION_MEMORY_LIMIT, o->conn_memory,
				 MHD_OPTION_LISTEN_BACKLOG_SIZE, 128u,
				 MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				 MHD_OPTION_END);
	if (!h->d || !h->index || !h->not_found || !h->bad_method || !h->not_ready) {
		int err = errno;

		vms_err("serve: cannot listen: %s", err ? strerror(err) : "libmicrohttpd refused the options");
		http_stop(h);
		return NULL;
	}
	return h;
}

unsigned http_port(struct http_server *h)
{
	const union MHD_DaemonInfo *i = mhd->get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);

	return i ? i->port : 0;
}

int http_publish(struct http_server *h, const char *text, size_t len)
{
	struct MHD_Response *r, *old;

	r = mhd->create_response_from_buffer(len, (void *)text, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return -ENOMEM;
	mhd->add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, PROM_CONTENT_TYPE);
	mhd->add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	pthread_mutex_lock(&h->lock);
	old = h->metrics;
	h->metrics = r;
	pthread_mutex_unlock(&h->lock);
	if (old)
		mhd->destroy_response(old); /* freed when its last client is done */
	return 0;
}

void http_counts(struct http_server *h, unsigned long long *scrapes, unsigned long long *refused)
{
	*scrapes = atomic_load(&h->scrapes);
	*refused = atomic_load(&h->refused);
}

void http_stop(struct http_server *h)
{
	if (!h)
		return;
	if (h->d)
		mhd->stop_daemon(h->d);
	if (h->metrics)
		mhd->destroy_response(h->metrics);
	if (h->index)
		mhd->destroy_response(h->index);
	if (h->not_found)
		mhd->destroy_response(h->not_found);
	if (h->bad_method)
		mhd->destroy_response(h->bad_method);
	if (h->not_ready)
		mhd->destroy_response(h->not_ready);
	pthread_mutex_destroy(&h->lock);
	free(h);
}
