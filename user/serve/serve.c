// SPDX-License-Identifier: BSD-2-Clause
/*
 * serve's loop: every --interval, one collection (collect.c) becomes one metric set, rendered
 * once as the /metrics text (published to the HTTP side) and once as an OTLP payload (handed to
 * the pusher). Scrapes and pushes never trigger a collection, so their cost does not depend on
 * how many clients there are, and a slow one delays nobody. SIGTERM and SIGINT are taken
 * synchronously by this thread (sigtimedwait, blocked in every other thread): the wait between
 * collections ends at once, the HTTP threads and the pusher stop, and serve exits 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "serve/prom.h"
#include "serve/serve.h"
#include "core/util.h"

#ifndef VMSCOPE_VERSION
#define VMSCOPE_VERSION "0.1.0"
#endif

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Says where the numbers come from, when that changes (and at the start). */
static void say_source(const struct collect_sample *s, int *last)
{
	int now = s->h.model ? 1 : 0;

	if (*last == now)
		return;
	if (s->h.model)
		vms_err("serve: reading the live model (%llu processes tracked)",
			(unsigned long long)s->h.st.procs);
	else
		vms_err("serve: %s; %s", s->h.why,
			s->n ? "reading /proc/PID/maps of every process instead (slower, and it takes "
			       "each process's mmap_lock)"
			     : "--require-model: exporting only vmscope_model_up 0");
	*last = now;
}

/* --faults with a model that does not count them: said once. */
static void say_faults(const struct serve_opts *o, const struct collect_sample *s, bool *said)
{
	if (!o->m.faults || *said || !s->h.model || s->h.faults_on)
		return;
	vms_err("serve: --faults: the model does not count page faults (start it with "
		"'vmscope start --faults'); no fault metrics until it does");
	*said = true;
}

/* One collection, rendered and handed out. */
static void collect_once(struct serve_opts *o, struct http_server *h, struct otlp_pusher *p,
			 struct serve_stats *st, uint64_t start_ns, const struct otlp_resource *res,
			 int *last_source, FILE *print)
{
	struct collect_sample s;
	static bool faults_said;
	struct metric_set m;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (collect_sample(&o->c, &s)) {
		vms_err("serve: cannot read any process");
		st->collect_errors++;
	}
	say_source(&s, last_source);
	say_faults(o, &s, &faults_said);
	st->collections++;
	st->collect_errors += s.h.errors;
	if (p) {
		unsigned long long ok, retried, dropped;

		otlp_counts(p, &ok, &retried, &dropped);
		st->otlp_exports = ok;
		st->otlp_retries = retried;
		st->otlp_dropped = dropped;
	}
	metrics_build(&s, &o->m, st, &m);
	m.start_ns = start_ns;
	if (print)
		prom_write(print, &m);
	if (h) {
		f = open_memstream(&text, &len);
		if (f) {
			prom_write(f, &m);
			if (!fclose(f) && http_publish(h, text, len))
				vms_err("serve: out of memory for the exposition");
		}
		free(text);
	}
	if (p) {
		void *buf = NULL;
		size_t blen = 0;

		if (o->otlp_o.json) {
			f = open_memstream((char **)&buf, &blen);
			if (f) {
				otlp_encode_json(f, &m, res);
				if (fclose(f)) {
					free(buf);
					buf = NULL;
				}
			}
		} else if (otlp_encode_pb(&m, res, &buf, &blen)) {
			buf = NULL;
		}
		if (buf)
			otlp_submit(p, buf, blen);
	}
	metrics_free(&m);
	collect_sample_free(&s);
}

static void say_listening(const struct serve_opts *o, struct http_server *h)
{
	char a[INET6_ADDRSTRLEN];

	if (o->addr.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&o->addr)->sin6_addr, a, sizeof(a));
		vms_err("serve: listening on http://[%s]:%u/metrics", a, http_port(h));
	} else {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)&o->addr)->sin_addr, a, sizeof(a));
		vms_err("serve: listening on http://%s:%u/metrics", a, http_port(h));
	}
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The signal of set that came within s seconds, or 0 at the end of them. sigtimedwait fails
 * with EINTR when the process is stopped and continued (SIGSTOP, a debugger or strace
 * attaching): the wait goes on for what is left instead of collecting early. */
static int wait_interval(const sigset_t *set, double s)
{
	double end = mono_s() + s;

	for (;;) {
		double left = end - mono_s();
		struct timespec ts;
		int sig;

		if (left <= 0)
			return 0;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
		sig = sigtimedwait(set, NULL, &ts);
		if (sig > 0)
			return sig;
		if (errno != EINTR)
			return 0; /* EAGAIN: the time is up */
	}
}

int serve_run(struct serve_opts *o)
{
	struct http_server *h = NULL;
	struct otlp_pusher *p = NULL;
	struct serve_stats st = { 0 };
	struct otlp_resource res = { .version = VMSCOPE_VERSION };
	char host[256] = "";
	sigset_t set;
	int last_source = -1, sig = 0;
	uint64_t start_ns = realtime_ns();

	gethostname(host, sizeof(host) - 1);
	res.host = host;
	/* every thread started from here on inherits the mask: only sigtimedwait takes them */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (o->once) {
		collect_once(o, NULL, NULL, &st, start_ns, &res, &last_source, stdout);
		return fflush(stdout) ? VMS_EXIT_FAIL : VMS_EXIT_OK;
	}
	if (o->otlp && !(p = otlp_start(&o->otlp_o)))
		return VMS_EXIT_FAIL;
	if (o->listen) {
		o->http.addr = (const struct sockaddr *)&o->addr;
		o->http.addrlen = o->addrlen;
		h = http_start(&o->http);
		if (!h) {
			otlp_stop(p);
			return VMS_EXIT_FAIL;
		}
		/* answered 503 with Retry-After until the first collection is published */
		collect_once(o, h, p, &st, start_ns, &res, &last_source, NULL);
		say_listening(o, h);
	}
	for (bool first = true;; first = false) {
		if (!first || !h)
			collect_once(o, h, p, &st, start_ns, &res, &last_source, NULL);
		sig = wait_interval(&set, o->interval);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		/* SIGHUP: collect now */
	}
	if (sig > 0)
		vms_err("serve: SIG%s: stopping", sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
	http_stop(h);
	otlp_stop(p);
	return VMS_EXIT_OK;
}
