/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vmscope watch: stream region events from the kernel (bpf/watch.bpf.c) to a terminal or as
 * JSON lines. Loader and loop in watch.c, one event to text in render.c, names in names.c.
 */
#ifndef VMS_WATCH_H
#define VMS_WATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "vmscope.h"

struct watch_opts {
	pid_t *pids;		/* -p: only these processes (and, with -f, their children) */
	int n_pids;
	bool follow;		/* -f */
	const char *comm;	/* -c */
	const char *cgroup;	/* --cgroup: a cgroup v2 directory */
	uint64_t min_size;	/* bytes */
	double duration;	/* seconds, 0 = until interrupted */
	const struct watch_format *format;	/* NULL: text */
	bool color;
	uint32_t buffer_size;	/* ring buffer bytes, a power of two */
	bool quiet_summary;	/* no summary line on stderr at exit */
	bool quiet;		/* -q: neither the attached line nor the summary */
	int64_t started_ns;	/* CLOCK_MONOTONIC when the command began (the attached line) */
	bool faults;		/* --faults: unmap counts, and `faults` events every interval */
	double interval;	/* seconds */
};

/* Runs until SIGINT/SIGTERM/SIGHUP, the end of --duration, a closed stdout, or (with -p) the
 * exit of every watched process. The caller has called sigstop_install() (util/sigstop.h):
 * watch_run switches to its deferred phase once every program is attached, and then prints
 * the attached line on stderr. Returns the exit code. */
int watch_run(const struct watch_opts *o);

/* ---- one event to text (render.c) ---- */

/* An event with its name resolved ("[anon]" for anonymous, NULL if unknown). */
struct watch_event {
	const struct vms_event *e;
	const char *name;
	uint64_t realtime_ns;	/* e->ts_ns on CLOCK_REALTIME */
	double interval;	/* faults events: the seconds the counts are over (for the rate) */
};

/* An output format (`watch -F NAME`): render_text.c, render_json.c; the table in render.c. */
struct watch_format {
	const char *name;
	const char *summary;
	bool colors;		/* colors by kind when writing to a terminal */
	void (*header)(FILE *f, bool color);	/* once, before the first event (may be NULL) */
	void (*event)(FILE *f, const struct watch_event *ev, bool color);
	/* "lost N events", in the stream where they were lost */
	void (*lost)(FILE *f, uint64_t lost, uint64_t realtime_ns, bool color);
};

extern const struct watch_format *const watch_formats[];	/* NULL-terminated */
extern const struct watch_format watch_format_text, watch_format_json;
const struct watch_format *watch_format_find(const char *name);

const char *watch_kind_name(unsigned kind);
/* madvise(2) advice as the man page names it, or NULL. */
const char *watch_advice_name(unsigned advice);
/* "4K", "1.5M": at most 7 bytes and a NUL. */
void watch_human_size(uint64_t bytes, char out[8]);

/* ---- names (names.c): ids from the kernel's table, cached ---- */

struct watch_names;
struct watch_names *watch_names_new(int names_map_fd);
void watch_names_free(struct watch_names *n);
/* The name as /proc/PID/maps spells it, or NULL if the kernel's table no longer has it. */
const char *watch_names_get(struct watch_names *n, uint64_t id, unsigned name_kind);
uint64_t watch_names_missed(const struct watch_names *n);

/* ---- watch --faults (fault_report.c) ---- */

#include "model/live.h"
#include "core/u64map.h"

struct fault_report {
	struct live m;		/* the live model: its fault counts and its regions */
	struct u64map prev;	/* (tgid, region start) -> counts at the previous tick */
	double interval;
	unsigned long ticks;
};

struct fault_report_sink {
	bool (*wanted)(void *ctx, uint32_t tgid);	/* the process filter */
	void (*emit)(void *ctx, const struct watch_event *ev);
	void *ctx;
	uint64_t min_size;
};

/* Opens the live model; a clear error if it has no fault counts. 0 or -errno. */
int fault_report_open(struct fault_report *r, double interval);
/* One interval: a `faults` event per region whose counts moved (the first tick only takes the
 * baseline). */
void fault_report_tick(struct fault_report *r, const struct fault_report_sink *sink);
void fault_report_close(struct fault_report *r);

#endif
