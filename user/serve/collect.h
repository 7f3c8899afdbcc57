/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What `vmscope serve` exports, gathered in one call: every process's identity and, per region
 * type, its VMA count and virtual bytes (and page faults); resident and swap bytes per type for
 * the top processes; and the live model's health. The exporters (metrics.c, then Prometheus
 * text and OTLP) see only this, never /proc or the model.
 *
 * Where it comes from: the live model when one is pinned (`vmscope start`): its maps give
 * every tracked process's regions, /proc/PID/maps is never opened; /proc/PID/stat is read for
 * the identity and the kernel's resident counter (no mmap_lock), and /proc/PID/smaps only for the
 * top `--top` processes (per-type resident/swap needs the page walk; `--no-smaps` turns it off).
 * Without a model it reads /proc/PID/maps of every process (procfs backend), and says so once.
 */
#ifndef VMS_SERVE_COLLECT_H
#define VMS_SERVE_COLLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "model/live.h"

/* The region types of core/classify.h region_kind(), in export order. */
enum collect_kind {
	CK_IMAGE, CK_MAPPED_FILE, CK_PRIVATE, CK_SHAREABLE, CK_HEAP, CK_STACK, CK_GUARD, CK_VDSO,
	CK_SYSTEM, CK__COUNT
};
extern const char *const collect_kind_names[CK__COUNT];

struct collect_kind_sum {
	uint64_t vmas, virt, rss, swap;
	uint64_t faults_min, faults_maj;
};

struct collect_proc {
	pid_t pid;
	uint64_t start_time;		/* clock ticks after boot */
	char comm[64];			/* raw bytes, as the kernel has it */
	char *cgroup;			/* cgroup v2 path (malloc'd), or NULL (only with by_cgroup) */
	uint64_t vmas, virt;		/* whole process */
	uint64_t rss;			/* the kernel's resident counter (stat), bytes */
	bool has_acct;			/* kind[].rss/swap are known (smaps was read) */
	bool from_model;		/* its regions came from the live model */
	struct collect_kind_sum kind[CK__COUNT];
};

enum collect_measure { CM_RESIDENT, CM_VIRTUAL, CM_VMAS, CM__COUNT };
extern const char *const collect_measure_names[CM__COUNT];

struct collect_opts {
	unsigned top;			/* processes to read smaps of (by measure); 0: none */
	enum collect_measure measure;
	bool smaps;			/* per-type resident/swap of the top processes */
	bool faults;			/* fault counts per region type (model started with --faults) */
	bool cgroups;			/* fill collect_proc.cgroup */
	bool model_only;		/* without a model, read nothing (--require-model) */
};

struct collect_prog {
	char name[32];
	uint64_t run_ns, run_cnt;
};

struct collect_health {
	bool model;			/* a live model was read */
	const char *source;		/* "model" or "procfs" */
	char why[160];			/* why not the model (procfs), for the one stderr line */
	struct live_status st;		/* valid with model */
	bool faults_on;			/* the model counts faults */
	bool bpf_stats;			/* kernel.bpf_stats_enabled: run times are counted */
	struct collect_prog progs[32];
	size_t n_progs;
	uint64_t errors;		/* processes that could not be read (gone meanwhile: not counted) */
	uint64_t fallbacks;		/* processes the model could not answer for: read from /proc */
	double seconds;			/* how long the collection took */
};

struct collect_sample {
	struct collect_proc *p;		/* sorted by measure, largest first; has_acct for the top */
	size_t n, cap;
	struct collect_health h;
};

/* One collection. 0, or -errno when nothing could be read at all (no /proc). */
int collect_sample(const struct collect_opts *o, struct collect_sample *out);
void collect_sample_free(struct collect_sample *s);
/* The measure of a process that ranks it. */
uint64_t collect_measure_of(const struct collect_proc *p, enum collect_measure m);

#endif
