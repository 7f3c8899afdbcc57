// SPDX-License-Identifier: BSD-2-Clause
/*
 * serve's one data source (collect.h). Two passes: every process's regions at maps level (the
 * model's maps, or /proc/PID/maps without a model) summed per region type, ranked by the
 * measure; then smaps for the top processes only, for resident and swap per type.
 *
 * With a model, read_all_model() is one pass over it (backend_snapshot_all, as `map --all`):
 * /proc gives only each process's stat line (identity, resident counter) and the pid list.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "serve/collect.h"
#include "backend/backend.h"
#include "backend/bpf_off.h"
#include "core/classify.h"
#include "core/util.h"
#include "model/faults.h"
#include "model/pins.h"
#include "proc/procfs.h"

static enum collect_kind kind_index(const char *k)
{
	for (int i = 0; i < CK__COUNT; i++)
		if (!strcmp(k, collect_kind_names[i]))
			return (enum collect_kind)i;
	return CK_PRIVATE; /* classify.h names no other kind */
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sums s's regions per type into p (maps level; with acct, resident and swap too). */
static void sum_regions(const struct vms_snapshot *s, struct collect_proc *p, bool acct)
{
	const char **kinds = region_kinds(s);

	memset(p->kind, 0, sizeof(p->kind));
	p->vmas = s->n;
	p->virt = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct vms_region *r = &s->regions[i];
		struct collect_kind_sum *k = &p->kind[kind_index(kinds ? kinds[i] : "private")];

		k->vmas++;
		k->virt += region_size(r);
		p->virt += region_size(r);
		k->faults_min += region_more(r)->faults_min;
		k->faults_maj += region_more(r)->faults_maj;
		if (acct) {
			k->rss += region_acct(s, r, ACCT_RSS) * 1024;
			k->swap += region_acct(s, r, ACCT_SWAP) * 1024;
		}
	}
	p->has_acct = acct;
	free(kinds);
}

static struct collect_proc *add_proc(struct collect_sample *out, const struct vms_proc *id)
{
	struct collect_proc *p;

	if (out->n == out->cap) {
		out->cap = out->cap ? out->cap * 2 : 256;
		out->p = xrealloc(out->p, out->cap * sizeof(*out->p));
	}
	p = &out->p[out->n++];
	memset(p, 0, sizeof(*p));
	p->pid = id->pid;
	p->start_time = id->start_time;
	memcpy(p->comm, id->comm, sizeof(p->comm));
	p->comm[sizeof(p->comm) - 1] = 0;
	p->rss = id->rss_pages * (uint64_t)sysconf(_SC_PAGESIZE);
	return p;
}

/* The identity of a live user process, or -errno (gone, kernel thread: skipped). */
static int identity(pid_t pid, struct vms_proc *id)
{
	int err = procfs_read_stat(pid, id);

	if (!err && id->kernel_thread)
		err = -ENXIO;
	if (!err && id->state == 'Z')
		err = -EIDRM;
	return err;
}

static void count_error(struct collect_sample *out, pid_t pid, const char *what, int err)
{
	out->h.errors++;
	vms_debug("serve: PID %d: cannot read its %s: %s", (int)pid, what, proc_strerror(-err));
}

static bool gone(int err)
{
	return err == -ESRCH || err == -ENXIO || err == -EIDRM || err == -ENOENT;
}

/* Without a model: /proc/PID/maps of every process. */
static void read_all_procfs(const struct collect_opts *o, struct collect_sample *out)
{
	pid_t *pids;
	int n = procfs_all_pids(&pids);

	for (int i = 0; i < n; i++) {
		struct vms_snapshot s;
		int err;

		snapshot_init(&s);
		err = identity(pids[i], &s.proc);
		if (!err)
			err = procfs_read_regions(&s.proc, false, &s);
		if (!err)
			sum_regions(&s, add_proc(out, &s.proc), false);
		else if (!gone(err))
			count_error(out, pids[i], "maps", err);
		snapshot_free(&s);
	}
	free(pids);
}

/* The fault counts of one process from the table read once (sorted by tgid). */
static void fill_faults(const struct faults_table *t, struct vms_snapshot *s)
{
	size_t lo = 0, hi = t->n, from, to;
	uint32_t tgid = (uint32_t)s->proc.pid;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->e[mid].k.tgid < tgid)
			lo = mid + 1;
		else
			hi = mid;
	}
	from = to = lo;
	while (to < t->n && t->e[to].k.tgid == tgid)
		to++;
	if (to > from)
		faults_table_fill(t, from, to, s);
}

struct model_pass {
	struct collect_sample *out;
	const struct faults_table *ft;	/* NULL: no fault counts */
};

static int model_one(void *ctx, struct vms_snapshot *s, int err)
{
	struct model_pass *c = ctx;
	struct collect_proc *p;
	bool model;

	if (!err && s->proc.state == 'Z')
		err = -EIDRM;
	if (err) {
		if (!gone(err))
			count_error(c->out, s->proc.pid, "model", err);
		return 0;
	}
	/* the backend says "procfs" for a process the model could not answer for */
	model = !s->backend || strcmp(s->backend, "procfs");
	if (c->ft)
		fill_faults(c->ft, s);
	p = add_proc(c->out, &s->proc);
	sum_regions(s, p, false);
	p->from_model = model;
	c->out->h.fallbacks += !model;
	return 0;
}

/* With a model: one pass over it for every process (map --all's reader, through the backend
 * seam); a process it cannot answer for comes from /proc and is counted. The fault map is read
 * once per collection, not once per process. */
static void read_all_model(struct live *m, const struct collect_opts *o, struct collect_sample *out)
{
	struct faults_table ft = { 0 };
	bool faults = o->faults && m->faults_source != VMS_FAULTS_OFF;
	struct model_pass c = { out, NULL };
	int err;

	if (faults && !faults_table_read(m->faults_fd, &ft))
		c.ft = &ft;
	out->h.faults_on = m->faults_source != VMS_FAULTS_OFF;
	err = backend_snapshot_all(&backend_bpf_model, BACKEND_NO_CMDLINE, model_one, &c);
	if (err) {
		out->h.errors++;
		vms_debug("serve: the model's pass failed: %s", proc_strerror(-err));
	}
	faults_table_free(&ft);
}

/* Run time and count of the model's programs (kernel.bpf_stats_enabled=1 counts them), found
 * through their pinned links (hooks, fault handlers) and pinned programs (the syscall programs
 * readers run: resync, dump, gc...). */
static void read_progs(struct collect_health *h)
{
	static const char *const subs[] = { "links", "faults", "progs" };

	for (size_t d = 0; d < ARRAY_SIZE(subs); d++) {
		char dir[512];
		DIR *dp;
		struct dirent *e;

		pins_path(dir, sizeof(dir), subs[d], NULL);
		dp = opendir(dir);
		if (!dp)
			continue;
		while ((e = readdir(dp))) {
			struct bpf_link_info li = { 0 };
			struct bpf_prog_info pi = { 0 };
			__u32 ll = sizeof(li), pl = sizeof(pi);
			int lfd, pfd;
			size_t j;

			if (e->d_name[0] == '.')
				continue;
			lfd = pins_get(subs[d], e->d_name, 0, 0);
			if (lfd < 0)
				continue;
			if (d == 2) { /* a program, not a link */
				pfd = lfd;
				lfd = -1;
			} else if (bpf_obj_get_info_by_fd(lfd, &li, &ll) ||
				   (pfd = bpf_prog_get_fd_by_id(li.prog_id)) < 0) {
				close(lfd);
				continue;
			}
			if (!bpf_obj_get_info_by_fd(pfd, &pi, &pl)) {
				/* named as pinned (the kernel cuts names at 15 bytes); a program
				 * attached once per CPU (faults/NAME_N) counts once */
				char name[sizeof(h->progs[0].name)];
				size_t l;

				snprintf(name, sizeof(name), "%.*s", (int)sizeof(name) - 1, e->d_name);
				l = strlen(name);
				if (d == 1 && l > 2) {
					while (l && name[l - 1] >= '0' && name[l - 1] <= '9')
						l--;
					if (l && name[l - 1] == '_')
						name[l - 1] = 0;
				}
				for (j = 0; j < h->n_progs; j++)
					if (!strcmp(h->progs[j].name, name))
						break;
				if (j == h->n_progs && j < ARRAY_SIZE(h->progs)) {
					memcpy(h->progs[j].name, name, sizeof(name));
					h->progs[j].run_ns = pi.run_time_ns;
					h->progs[j].run_cnt = pi.run_cnt;
					h->n_progs++;
				}
			}
			close(pfd);
			if (lfd >= 0)
				close(lfd);
		}
		closedir(dp);
	}
}

static int cmp_measure(const void *a, const void *b, void *measure)
{
	enum collect_measure m = *(const enum collect_measure *)measure;
	uint64_t x = collect_measure_of(a, m), y = collect_measure_of(b, m);
	const struct collect_proc *pa = a, *pb = b;

	if (x != y)
		return x > y ? -1 : 1;
	return pa->pid < pb->pid ? -1 : pa->pid > pb->pid;
}

/* smaps of the top processes: resident and swap per type. */
static void read_top_smaps(const struct collect_opts *o, struct collect_sample *out)
{
	for (size_t i = 0; i < out->n && i < o->top; i++) {
		struct collect_proc *p = &out->p[i];
		struct collect_kind_sum keep[CK__COUNT];
		struct vms_snapshot s;
		int err;

		snapshot_init(&s);
		err = identity(p->pid, &s.proc);
		if (!err && s.proc.start_time != p->start_time)
			err = -ESRCH; /* pid reused since the first pass */
		if (!err)
			err = procfs_read_regions(&s.proc, true, &s);
		if (!err) {
			/* the counts of the first pass stay (model regions, faults); smaps adds bytes */
			memcpy(keep, p->kind, sizeof(keep));
			sum_regions(&s, p, true);
			for (int k = 0; k < CK__COUNT; k++) {
				keep[k].rss = p->kind[k].rss;
				keep[k].swap = p->kind[k].swap;
			}
			memcpy(p->kind, keep, sizeof(keep));
			/* the whole-process numbers agree with the per-type ones */
			p->vmas = 0;
			p->virt = 0;
			for (int k = 0; k < CK__COUNT; k++) {
				p->vmas += p->kind[k].vmas;
				p->virt += p->kind[k].virt;
			}
		} else if (!gone(err)) {
			count_error(out, p->pid, "smaps", err);
		}
		snapshot_free(&s);
	}
}

int collect_sample(const struct collect_opts *o, struct collect_sample *out)
{
	double t0 = now_s();
	struct live m;
	int err;

	memset(out, 0, sizeof(*out));
	err = live_pinned() > 0 ? live_open(&m) : -ENOENT;
	if (!err) {
		out->h.model = true;
		out->h.source = "model";
		if (live_status(&m, &out->h.st))
			memset(&out->h.st, 0, sizeof(out->h.st));
		read_all_model(&m, o, out);
		live_close(&m);
		read_progs(&out->h);
	} else {
		const char *off = err == -ENOENT ? bpf_off_reason() : NULL;

		out->h.source = "procfs";
		if (off) /* no model because there can be none here: say why BPF is off */
			snprintf(out->h.why, sizeof(out->h.why), "BPF is off: %s", off);
		else
			snprintf(out->h.why, sizeof(out->h.why), "%s",
				 err == -ENOENT ? "no live model is running ('vmscope start' starts one)"
						: live_open_why(err));
		if (!o->model_only)
			read_all_procfs(o, out);
	}
	out->h.bpf_stats = procfs_bpf_stats_enabled() > 0;
	if (!out->n && out->h.errors)
		return -EIO;
	if (o->cgroups)
		for (size_t i = 0; i < out->n; i++)
			out->p[i].cgroup = procfs_read_cgroup(out->p[i].pid);
	if (out->n) /* out->p is NULL without a process (--require-model) */
		qsort_r(out->p, out->n, sizeof(*out->p), cmp_measure, (void *)&o->measure);
	if (o->smaps)
		read_top_smaps(o, out);
	out->h.seconds = now_s() - t0;
	return 0;
}
