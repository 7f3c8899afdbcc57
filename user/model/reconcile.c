// SPDX-License-Identifier: BSD-2-Clause
#include "model/reconcile.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "proc/procfs.h"
#include "core/util.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Per-process backoff (OpenTelemetry's profiler uses the same shape). */
struct backoff {
	pid_t pid;
	unsigned attempts;
	double next, last_divergence;
};

static struct backoff *table;
static size_t n_table;

static struct backoff *backoff_of(pid_t pid)
{
	for (size_t i = 0; i < n_table; i++)
		if (table[i].pid == pid)
			return &table[i];
	table = xrealloc(table, (n_table + 1) * sizeof(*table));
	table[n_table] = (struct backoff){ .pid = pid };
	return &table[n_table++];
}

static bool same_region(const struct vms_region *a, const struct vms_region *b)
{
	return a->start == b->start && a->end == b->end && a->offset == b->offset &&
	       a->inode == b->inode && a->dev_major == b->dev_major && a->dev_minor == b->dev_minor &&
	       !strcmp(a->perms, b->perms) && !strcmp(a->name, b->name);
}

/* The first difference, for the log; returns false if the lists are equal. */
static bool describe_difference(const struct vms_snapshot *model, const struct vms_snapshot *proc,
				char *why, size_t len)
{
	size_t i;

	for (i = 0; i < model->n && i < proc->n; i++) {
		const struct vms_region *a = &model->regions[i], *b = &proc->regions[i];

		if (same_region(a, b))
			continue;
		if (a->start > b->start)
			snprintf(why, len, "model lacks %llx-%llx %s", (unsigned long long)b->start,
				 (unsigned long long)b->end, b->name);
		else if (a->start < b->start && a->end <= b->start)
			snprintf(why, len, "model has %llx-%llx %s that /proc does not",
				 (unsigned long long)a->start, (unsigned long long)a->end, a->name);
		else if (a->start != b->start || a->end != b->end)
			snprintf(why, len, "model has %llx-%llx, /proc has %llx-%llx %s",
				 (unsigned long long)a->start, (unsigned long long)a->end,
				 (unsigned long long)b->start, (unsigned long long)b->end, b->name);
		else
			snprintf(why, len, "%llx-%llx: model says %s '%s', /proc says %s '%s'",
				 (unsigned long long)a->start, (unsigned long long)a->end, a->perms,
				 a->name, b->perms, b->name);
		return true;
	}
	if (i < proc->n) {
		snprintf(why, len, "model lacks %llx-%llx %s (and %zu more)",
			 (unsigned long long)proc->regions[i].start,
			 (unsigned long long)proc->regions[i].end, proc->regions[i].name,
			 proc->n - i - 1);
		return true;
	}
	if (i < model->n) {
		snprintf(why, len, "model has %llx-%llx %s that /proc does not (and %zu more)",
			 (unsigned long long)model->regions[i].start,
			 (unsigned long long)model->regions[i].end, model->regions[i].name,
			 model->n - i - 1);
		return true;
	}
	return false;
}

static void bump_stat(struct live *m, __u32 id, unsigned long long by)
{
	int ncpu = libbpf_num_possible_cpus();
	unsigned long long *v;

	if (ncpu <= 0 || !by)
		return;
	v = xcalloc((size_t)ncpu, sizeof(*v));
	if (!bpf_map_lookup_elem(m->stats_fd, &id, v)) {
		v[0] += by; /* user space adds to CPU 0's slot */
		bpf_map_update_elem(m->stats_fd, &id, v, BPF_ANY);
	}
	free(v);
}

/* Compares one process; on a divergence logs it, resyncs and compares again. */
static void reconcile_one(struct live *m, pid_t pid, const struct reconcile_opts *o,
			  struct reconcile_totals *t)
{
	struct vms_snapshot model, proc;
	struct backoff *b = backoff_of(pid);
	double tnow = now();
	char why[512];
	int err;

	if (tnow < b->next) {
		t->skipped++;
		return;
	}
	if (b->attempts && tnow - b->last_divergence > 5.0)
		b->attempts = 0;
	snapshot_init(&model);
	snapshot_init(&proc);
	if (procfs_read_proc(pid, &model.proc) || procfs_read_proc(pid, &proc.proc))
		goto out; /* gone: the exit handler drops it */
	err = live_read(m, &model);
	if (err == -ENOENT)
		goto out;
	if (procfs_read_regions(&proc.proc, false, &proc))
		goto out;
	t->compared++;
	bump_stat(m, VMS_STAT_RECONCILED, 1);
	if (!err && !describe_difference(&model, &proc, why, sizeof(why)))
		goto out;
	if (err)
		snprintf(why, sizeof(why), "the model could not be read (%s)", strerror(-err));
	t->divergences++;
	bump_stat(m, VMS_STAT_DIVERGENCES, 1);
	if (!o->quiet)
		vms_err("reconcile: PID %d (%s): %s; resyncing", (int)pid, proc.proc.comm, why);
	b->last_divergence = tnow;
	b->next = tnow + 0.1 * (1u << (b->attempts < 8 ? b->attempts : 8));
	b->attempts++;
	if (!live_resync(m, pid))
		t->repaired++;
out:
	snapshot_free(&model);
	snapshot_free(&proc);
}

int reconcile_run(struct live *m, const struct reconcile_opts *o, struct reconcile_totals *t)
{
	struct sigaction sa = { .sa_handler = on_signal };

	memset(t, 0, sizeof(*t));
	stop = 0;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (unsigned pass = 0; !stop; pass++) {
		size_t n;
		pid_t *pids = live_pids(m, &n);

		for (size_t i = 0; i < n && !stop; i++)
			if (pids[i] != getpid()) /* ourselves: changing while we compare */
				reconcile_one(m, pids[i], o, t);
		free(pids);
		/* runs the kernel skipped since the model was last verified: resync everyone, so
		 * that readers may trust it again without resyncing first */
		if (!stop && live_missed_runs() != m->info.verified_misses) {
			live_verify_all(m);
			live_open_info(m);
		}
		if (o->interval <= 0 || (o->passes && pass + 1 >= o->passes))
			break;
		/* not usleep(): a useconds_t wraps above 4294 s (the interval is finite and
		 * 0.01..86400, as the CLI checks) */
		nanosleep(&(struct timespec){ .tv_sec = (time_t)o->interval,
			  .tv_nsec = (long)((o->interval - (double)(time_t)o->interval) * 1e9) },
			  NULL);
	}
	free(table);
	table = NULL;
	n_table = 0;
	return 0;
}
