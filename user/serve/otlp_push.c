// SPDX-License-Identifier: BSD-2-Clause
/*
 * The OTLP/HTTP pusher: one thread POSTs each payload to the collector with libcurl. A failed
 * attempt that may succeed later (no connection, timeout, 429, 502, 503, 504: the OTLP/HTTP
 * spec's retryable answers) is retried after 1, 2, 4... s, up to --otlp-retries times; then, or
 * when a newer payload arrives meanwhile, or for an answer that will not change (400...), the
 * payload is dropped and counted (vmscope_otlp_dropped_total). One payload waits at most, so
 * memory stays bounded whatever the collector does. A change between working and failing is
 * said on stderr once, not once per push.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "serve/lazy.h"
#include "serve/otlp.h"
#include "core/util.h"

static const struct lazy_curl *cu;	/* libcurl, loaded by otlp_start */

struct otlp_pusher {
	struct otlp_opts o;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	void *pending;			/* the one waiting payload */
	size_t pending_len;
	bool stop;
	bool failing;
	unsigned long long ok, retried, dropped;
	CURL *curl;
	struct curl_slist *headers;
};

static size_t discard(char *p, size_t sz, size_t n, void *u)
{
	return sz * n;
}

/* 0: accepted; 1: retry later; -1: give up. why: for the message. */
static int post(struct otlp_pusher *p, const void *buf, size_t len, char *why, size_t wl)
{
	long code = 0;
	CURLcode rc;

	cu->easy_setopt(p->curl, CURLOPT_POSTFIELDS, buf);
	cu->easy_setopt(p->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	rc = cu->easy_perform(p->curl);
	if (rc != CURLE_OK) {
		snprintf(why, wl, "%s", cu->easy_strerror(rc));
		return 1;
	}
	cu->easy_getinfo(p->curl, CURLINFO_RESPONSE_CODE, &code);
	if (code >= 200 && code < 300)
		return 0;
	snprintf(why, wl, "HTTP %ld", code);
	return code == 429 || code == 502 || code == 503 || code == 504 ? 1 : -1;
}

/* Waits s seconds or until stopped or a newer payload came. Called locked. */
static void backoff(struct otlp_pusher *p, double s)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)s;
	ts.tv_nsec += (long)((s - (time_t)s) * 1e9);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	while (!p->stop && !p->pending)
		if (pthread_cond_timedwait(&p->cond, &p->lock, &ts) == ETIMEDOUT)
			break;
}

static void *run(void *arg)
{
	struct otlp_pusher *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		void *buf;
		size_t len;
		unsigned attempt = 0;
		char why[128] = "";
		int r;

		while (!p->stop && !p->pending)
			pthread_cond_wait(&p->cond, &p->lock);
		if (p->stop)
			break;
		buf = p->pending;
		len = p->pending_len;
		p->pending = NULL;
		for (;;) {
			pthread_mutex_unlock(&p->lock);
			r = post(p, buf, len, why, sizeof(why));
			pthread_mutex_lock(&p->lock);
			if (!r) {
				p->ok++;
				if (p->failing)
					vms_err("serve: otlp: %s: exporting again", p->o.url);
				p->failing = false;
				break;
			}
			if (!p->failing)
				vms_err("serve: otlp: %s: %s; %s", p->o.url, why,
					r > 0 ? "retrying with backoff, dropping what cannot be sent"
					      : "dropping (the collector refused it)");
			p->failing = true;
			if (r < 0 || attempt >= p->o.retries || p->stop) {
				p->dropped++;
				break;
			}
			p->retried++;
			backoff(p, (double)(1u << (attempt < 6 ? attempt : 6)));
			attempt++;
			if (p->stop || p->pending) { /* superseded: the newer one goes next */
				p->dropped++;
				break;
			}
		}
		free(buf);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct otlp_pusher *otlp_start(const struct otlp_opts *o)
{
	struct otlp_pusher *p;

	if (!cu && !(cu = lazy_curl()))
		return NULL;
	if (cu->global_init(CURL_GLOBAL_DEFAULT)) {
		vms_err("serve: otlp: cannot initialize libcurl");
		return NULL;
	}
	p = xcalloc(1, sizeof(*p));
	p->o = *o;
	p->curl = cu->easy_init();
	if (!p->curl) {
		vms_err("serve: otlp: cannot initialize libcurl");
		free(p);
		return NULL;
	}
	p->headers = cu->slist_append(NULL, o->json ? "Content-Type: application/json"
						      : "Content-Type: application/x-protobuf");
	cu->easy_setopt(p->curl, CURLOPT_URL, o->url);
	cu->easy_setopt(p->curl, CURLOPT_HTTPHEADER, p->headers);
	cu->easy_setopt(p->curl, CURLOPT_TIMEOUT_MS, (long)(o->timeout_s * 1000));
	cu->easy_setopt(p->curl, CURLOPT_CONNECTTIMEOUT_MS, (long)(o->timeout_s * 1000));
	cu->easy_setopt(p->curl, CURLOPT_NOSIGNAL, 1L);
	cu->easy_setopt(p->curl, CURLOPT_WRITEFUNCTION, discard);
	cu->easy_setopt(p->curl, CURLOPT_USERAGENT, "vmscope");
	cu->easy_setopt(p->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	cu->easy_setopt(p->curl, CURLOPT_FOLLOWLOCATION, 0L);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	if (pthread_create(&p->thread, NULL, run, p)) {
		vms_err("serve: otlp: cannot start its thread");
		cu->easy_cleanup(p->curl);
		cu->slist_free_all(p->headers);
		free(p);
		return NULL;
	}
	return p;
}

void otlp_submit(struct otlp_pusher *p, void *buf, size_t len)
{
	pthread_mutex_lock(&p->lock);
	if (p->pending) {
		free(p->pending);
		p->dropped++;
	}
	p->pending = buf;
	p->pending_len = len;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

void otlp_counts(struct otlp_pusher *p, unsigned long long *ok, unsigned long long *retried,
		 unsigned long long *dropped)
{
	pthread_mutex_lock(&p->lock);
	*ok = p->ok;
	*retried = p->retried;
	*dropped = p->dropped;
	pthread_mutex_unlock(&p->lock);
}

void otlp_stop(struct otlp_pusher *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	free(p->pending);
	cu->easy_cleanup(p->curl);
	cu->slist_free_all(p->headers);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p);
	cu->global_cleanup();
}
