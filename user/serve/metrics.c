// SPDX-License-Identifier: BSD-2-Clause
/*
 * Sample -> metric families (metrics.h). Cardinality is bounded: the top `--top` processes (or
 * cgroups, `--by cgroup`) one by one, by the chosen measure, and one "rest" row summing the
 * others (pid="rest", cgroup="rest": no real pid or cgroup path is spelled so). Per-type rows
 * with no VMA are left out. Names: Prometheus `vmscope_` + `_bytes`/`_total` (ebpf_exporter's
 * way); OTel: the semantic conventions' process.memory.usage/virtual and process.paging.faults,
 * vmscope's own under vmscope.*.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "serve/metrics.h"
#include "core/escape.h"
#include "core/util.h"

#ifndef VMSCOPE_VERSION
#define VMSCOPE_VERSION "0.1.0"
#endif

static const char *const otel_keys[][2] = {
	{ "pid", "process.pid" }, { "comm", "process.executable.name" },
	{ "cgroup", "process.linux.cgroup" }, { "type", "vmscope.region.type" },
	{ "fault_type", "process.paging.fault_type" }, { "kind", "vmscope.event.kind" },
	{ "stage", "vmscope.loss.stage" }, { "scope", "vmscope.resync.scope" },
	{ "op", "vmscope.model.op" }, { "program", "vmscope.bpf.program" },
	{ "source", "vmscope.source" }, { "version", "service.version" },
};

const char *metrics_otel_key(const char *k)
{
	for (size_t i = 0; i < ARRAY_SIZE(otel_keys); i++)
		if (!strcmp(otel_keys[i][0], k))
			return otel_keys[i][1];
	return k;
}

/* A new family; the label keys follow, NULL-terminated. */
static struct metric_family *fam(struct metric_set *m, enum metric_type type, bool is_int,
				 const char *name, const char *otel, const char *unit,
				 const char *help, ...)
{
	struct metric_family *f;
	va_list ap;
	const char *k;

	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		m->f = xrealloc(m->f, m->cap * sizeof(*m->f));
	}
	f = &m->f[m->n++];
	*f = (struct metric_family){ .name = name, .otel = otel, .unit = unit, .help = help,
				     .type = type, .is_int = is_int };
	va_start(ap, help);
	while ((k = va_arg(ap, const char *)) && f->nl < METRIC_MAX_LABELS)
		f->lk[f->nl++] = k;
	va_end(ap);
	return f;
}

/* A point; f->nl label values follow. */
static void pt(struct metric_family *f, double v, ...)
{
	struct metric_point *p;
	va_list ap;

	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 16;
		f->p = xrealloc(f->p, f->cap * sizeof(*f->p));
	}
	p = &f->p[f->n++];
	memset(p, 0, sizeof(*p));
	p->v = v;
	va_start(ap, v);
	for (unsigned i = 0; i < f->nl; i++) {
		const char *v = va_arg(ap, const char *);

		/* every encoder gets valid UTF-8 without control characters: comm and cgroup
		 * names hold any byte */
		p->lv[i] = vms_escape_dup(v, strlen(v), VMS_ESC_UTF8);
	}
	va_end(ap);
}

/* A process, a cgroup or the rest: what one row of the per-group families holds. */
struct group {
	char key[24];			/* pid, or "rest" */
	const char *name;		/* comm or cgroup path */
	uint64_t procs, vmas, virt, rss;
	bool has_acct;
	struct collect_kind_sum kind[CK__COUNT];
};

static void group_add(struct group *g, const struct collect_proc *p, bool acct)
{
	g->procs++;
	g->vmas += p->vmas;
	g->virt += p->virt;
	g->rss += p->rss;
	for (int k = 0; k < CK__COUNT; k++) {
		g->kind[k].vmas += p->kind[k].vmas;
		g->kind[k].virt += p->kind[k].virt;
		g->kind[k].faults_min += p->kind[k].faults_min;
		g->kind[k].faults_maj += p->kind[k].faults_maj;
		if (acct) {
			g->kind[k].rss += p->kind[k].rss;
			g->kind[k].swap += p->kind[k].swap;
		}
	}
}

static int cmp_cgroup(const void *a, const void *b)
{
	const struct collect_proc *const *x = a, *const *y = b;

	return strcmp((*x)->cgroup ? (*x)->cgroup : "", (*y)->cgroup ? (*y)->cgroup : "");
}

static uint64_t group_measure(const struct group *g, enum collect_measure m)
{
	return m == CM_VIRTUAL ? g->virt : m == CM_VMAS ? g->vmas : g->rss;
}

static int cmp_group(const void *a, const void *b, void *measure)
{
	const struct group *x = a, *y = b;
	enum collect_measure m = *(const enum collect_measure *)measure;
	uint64_t u = group_measure(x, m), v = group_measure(y, m);

	return u != v ? (u > v ? -1 : 1) : strcmp(x->name, y->name);
}

/* The groups to export, top first, the rest last (procs == 0 if there is no rest). */
static struct group *make_groups(const struct collect_sample *s, const struct metric_opts *o,
				 size_t *ng, size_t *rest)
{
	struct group *g;
	size_t n = 0;

	if (o->by == MG_PROCESS) {
		size_t top = s->n < o->top ? s->n : o->top;

		g = xcalloc(top + 1, sizeof(*g));
		for (size_t i = 0; i < s->n; i++) {
			struct group *d = i < top ? &g[n++] : &g[top];

			if (i < top) {
				snprintf(d->key, sizeof(d->key), "%d", (int)s->p[i].pid);
				d->name = s->p[i].comm;
				d->has_acct = s->p[i].has_acct;
			}
			group_add(d, &s->p[i], i < top);
		}
		snprintf(g[top].key, sizeof(g[top].key), "rest");
		g[top].name = "";
		*ng = top;
		*rest = s->n - top;
		return g;
	}
	/* by cgroup: group the processes, rank the cgroups, sum the ones past the top */
	const struct collect_proc **v = xcalloc(s->n ? s->n : 1, sizeof(*v));
	struct group *all = xcalloc(s->n + 1, sizeof(*all));

	for (size_t i = 0; i < s->n; i++)
		v[i] = &s->p[i];
	qsort(v, s->n, sizeof(*v), cmp_cgroup);
	for (size_t i = 0; i < s->n; i++) {
		const char *cg = v[i]->cgroup ? v[i]->cgroup : "";

		if (!n || strcmp(all[n - 1].name, cg))
			all[n++].name = cg;
		group_add(&all[n - 1], v[i], false);
	}
	free(v);
	qsort_r(all, n, sizeof(*all), cmp_group, (void *)&o->measure);
	size_t top = n < o->top ? n : o->top;
	g = xcalloc(top + 1, sizeof(*g));
	memcpy(g, all, top * sizeof(*g));
	for (size_t i = top; i < n; i++) {
		g[top].procs += all[i].procs;
		g[top].vmas += all[i].vmas;
		g[top].virt += all[i].virt;
		g[top].rss += all[i].rss;
		for (int k = 0; k < CK__COUNT; k++) {
			g[top].kind[k].vmas += all[i].kind[k].vmas;
			g[top].kind[k].virt += all[i].kind[k].virt;
			g[top].kind[k].faults_min += all[i].kind[k].faults_min;
			g[top].kind[k].faults_maj += all[i].kind[k].faults_maj;
		}
	}
	g[top].name = "rest";
	free(all);
	*ng = top;
	*rest = n - top;
	return g;
}

/* A per-group family: labels pid + comm (or cgroup), then extra1, extra2 (NULL: none). */
static struct metric_family *gfam(struct metric_set *m, bool proc, enum metric_type type,
				  const char *name, const char *otel, const char *unit,
				  const char *help, const char *extra1, const char *extra2)
{
	if (proc)
		return fam(m, type, true, name, otel, unit, help, "pid", "comm", extra1, extra2, NULL);
	return fam(m, type, true, name, otel, unit, help, "cgroup", extra1, extra2, NULL);
}

static void gpt(struct metric_family *f, bool proc, const struct group *g, double v,
		const char *extra1, const char *extra2)
{
	if (proc)
		pt(f, v, g->key, g->name, extra1, extra2);
	else
		pt(f, v, g->name, extra1, extra2);
}

static void build_groups(const struct collect_sample *s, const struct metric_opts *o,
			 struct metric_set *m)
{
	bool proc = o->by == MG_PROCESS;
	size_t ng, rest;
	struct group *g = make_groups(s, o, &ng, &rest);
	struct metric_family *fp = NULL, *fv, *fr, *fvirt, *fkv, *fkvirt, *fkr = NULL, *fks = NULL;
	struct metric_family *fkf = NULL;

	if (proc) {
		fv = gfam(m, 1, METRIC_GAUGE, "vmscope_process_vmas", "vmscope.process.vmas", "{vma}",
			  "Memory regions (VMAs) of the process", NULL, NULL);
		fr = gfam(m, 1, METRIC_GAUGE, "vmscope_process_resident_bytes", "process.memory.usage",
			  "By", "Resident memory of the process (the kernel's counter)", NULL, NULL);
		fvirt = gfam(m, 1, METRIC_GAUGE, "vmscope_process_virtual_bytes",
			     "process.memory.virtual", "By",
			     "Virtual memory of the process (sum of its regions)", NULL, NULL);
		fkv = gfam(m, 1, METRIC_GAUGE, "vmscope_process_region_vmas",
			   "vmscope.process.region.vmas", "{vma}", "Memory regions (VMAs) by region type",
			   "type", NULL);
		fkvirt = gfam(m, 1, METRIC_GAUGE, "vmscope_process_region_virtual_bytes",
			      "vmscope.process.region.virtual", "By", "Virtual bytes by region type",
			      "type", NULL);
		fkr = gfam(m, 1, METRIC_GAUGE, "vmscope_process_region_resident_bytes",
			   "vmscope.process.region.resident", "By",
			   "Resident bytes by region type (smaps; top processes only)", "type", NULL);
		fks = gfam(m, 1, METRIC_GAUGE, "vmscope_process_region_swap_bytes",
			   "vmscope.process.region.swap", "By",
			   "Swapped-out bytes by region type (smaps; top processes only)", "type", NULL);
		if (o->faults && s->h.faults_on)
			fkf = gfam(m, 1, METRIC_COUNTER, "vmscope_process_region_page_faults_total",
				   "process.paging.faults", "{fault}",
				   "Page faults by region type since the model started counting them",
				   "type", "fault_type");
	} else {
		fp = gfam(m, 0, METRIC_GAUGE, "vmscope_cgroup_processes", "vmscope.cgroup.processes",
			  "{process}", "Processes in the cgroup", NULL, NULL);
		fv = gfam(m, 0, METRIC_GAUGE, "vmscope_cgroup_vmas", "vmscope.cgroup.vmas", "{vma}",
			  "Memory regions (VMAs) of the cgroup's processes", NULL, NULL);
		fr = gfam(m, 0, METRIC_GAUGE, "vmscope_cgroup_resident_bytes",
			  "vmscope.cgroup.memory.usage", "By",
			  "Resident memory of the cgroup's processes (the kernel's counters)", NULL, NULL);
		fvirt = gfam(m, 0, METRIC_GAUGE, "vmscope_cgroup_virtual_bytes",
			     "vmscope.cgroup.memory.virtual", "By",
			     "Virtual memory of the cgroup's processes", NULL, NULL);
		fkv = gfam(m, 0, METRIC_GAUGE, "vmscope_cgroup_region_vmas", "vmscope.cgroup.region.vmas",
			   "{vma}", "Memory regions (VMAs) by region type", "type", NULL);
		fkvirt = gfam(m, 0, METRIC_GAUGE, "vmscope_cgroup_region_virtual_bytes",
			      "vmscope.cgroup.region.virtual", "By", "Virtual bytes by region type",
			      "type", NULL);
		if (o->faults && s->h.faults_on)
			fkf = gfam(m, 0, METRIC_COUNTER, "vmscope_cgroup_region_page_faults_total",
				   "vmscope.cgroup.paging.faults", "{fault}",
				   "Page faults by region type since the model started counting them",
				   "type", "fault_type");
	}
	for (size_t i = 0; i <= ng; i++) {
		const struct group *gr = &g[i];

		if (i == ng && !rest)
			break;
		if (fp)
			gpt(fp, proc, gr, gr->procs, NULL, NULL);
		gpt(fv, proc, gr, gr->vmas, NULL, NULL);
		gpt(fr, proc, gr, gr->rss, NULL, NULL);
		gpt(fvirt, proc, gr, gr->virt, NULL, NULL);
		for (int k = 0; k < CK__COUNT; k++) {
			const struct collect_kind_sum *ks = &gr->kind[k];
			const char *t = collect_kind_names[k];

			if (!ks->vmas)
				continue;
			gpt(fkv, proc, gr, ks->vmas, t, NULL);
			gpt(fkvirt, proc, gr, ks->virt, t, NULL);
			if (fkr && gr->has_acct) {
				gpt(fkr, proc, gr, ks->rss, t, NULL);
				gpt(fks, proc, gr, ks->swap, t, NULL);
			}
			if (fkf) {
				gpt(fkf, proc, gr, ks->faults_min, t, "minor");
				gpt(fkf, proc, gr, ks->faults_maj, t, "major");
			}
		}
	}
	fp = fam(m, METRIC_GAUGE, true, proc ? "vmscope_rest_processes" : "vmscope_rest_cgroups",
		 proc ? "vmscope.rest.processes" : "vmscope.rest.cgroups", "1",
		 proc ? "Processes summed into the pid=\"rest\" rows (past --top)"
		      : "Cgroups summed into the cgroup=\"rest\" rows (past --top)", NULL);
	pt(fp, rest, NULL);
	free(g);
}

static void build_model(const struct collect_sample *s, struct metric_set *m)
{
	const struct live_status *st = &s->h.st;
	struct metric_family *f;
	static const struct { int stat; const char *label; } events[] = {
		{ VMS_STAT_EVENTS, "vma_change" }, { VMS_STAT_FORKS, "fork" },
		{ VMS_STAT_EXECS, "exec" }, { VMS_STAT_EXITS, "exit" },
		{ VMS_STAT_STACK_GROW, "stack_grow" },
	};
	static const struct { int stat; const char *label; } ops[] = {
		{ VMS_STAT_ITER_BUSY, "lock_busy" }, { VMS_STAT_UNNAMED, "unnamed" },
		{ VMS_STAT_GC_RUNS, "gc_runs" }, { VMS_STAT_GC_DELETED, "gc_deleted" },
		{ VMS_STAT_CONCURRENT, "concurrent_ops" }, { VMS_STAT_FOREIGN, "foreign_writes" },
		{ VMS_STAT_RECONCILED, "reconciled" }, { VMS_STAT_FAST_UNMAP, "fast_unmaps" },
		{ VMS_STAT_FAST_SPAN, "fast_spans" },
	};

	f = fam(m, METRIC_GAUGE, true, "vmscope_model_up", "vmscope.model.up", "1",
		"1 when the metrics come from the live model, 0 when from /proc", NULL);
	pt(f, s->h.model, NULL);
	if (!s->h.model)
		return;
#define G(name, otel, unit, help, v) \
	pt(fam(m, METRIC_GAUGE, true, name, otel, unit, help, NULL), (double)(v), NULL)
#define C(name, otel, unit, help, v) \
	pt(fam(m, METRIC_COUNTER, true, name, otel, unit, help, NULL), (double)(v), NULL)
	G("vmscope_model_processes", "vmscope.model.processes", "{process}",
	  "Processes the live model tracks", st->procs);
	G("vmscope_model_vmas", "vmscope.model.vmas", "{vma}", "VMAs in the live model", st->vmas);
	G("vmscope_model_vma_entries", "vmscope.model.vma.entries", "{entry}",
	  "Entries in the model's VMA map (garbage included)", st->entries);
	G("vmscope_model_vma_capacity", "vmscope.model.vma.capacity", "{entry}",
	  "Entries the model's VMA map holds (start --max-vmas): fullness is entries/capacity",
	  st->max_vmas);
	G("vmscope_model_kernel_bytes", "vmscope.model.kernel.memory", "By",
	  "Kernel memory of the model's maps", st->kernel_bytes);
	G("vmscope_model_fallback_processes", "vmscope.model.processes.fallback", "{process}",
	  "Processes of the last collection the model had no answer for (read from /proc)",
	  s->h.fallbacks);
	G("vmscope_model_dirty_processes", "vmscope.model.processes.dirty", "{process}",
	  "Processes marked dirty (to resync)", st->dirty_procs);
	G("vmscope_model_overflow_processes", "vmscope.model.processes.overflow", "{process}",
	  "Processes a full map pushed back to /proc", st->overflow_procs);
	C("vmscope_model_divergences_total", "vmscope.model.divergences", "{divergence}",
	  "Processes reconcile found different from /proc", st->stats[VMS_STAT_DIVERGENCES]);
	C("vmscope_model_map_full_total", "vmscope.model.map_full", "{update}",
	  "Model updates that failed because a map was full", st->stats[VMS_STAT_MAP_FULL]);
	C("vmscope_model_missed_runs_total", "vmscope.model.missed_runs", "{run}",
	  "Runs of the model's programs the kernel skipped", st->missed_runs);
	C("vmscope_model_lost_faults_total", "vmscope.model.faults.lost", "{fault}",
	  "Page faults that could not be counted (fault map full)", st->faults_lost);
	C("vmscope_model_thread_map_full_total", "vmscope.model.threads.lost", "{thread}",
	  "Threads whose record did not fit in the thread map (their stack is not labelled)",
	  st->stats[VMS_STAT_THREAD_FULL]);
#undef G
#undef C
	f = fam(m, METRIC_COUNTER, true, "vmscope_model_lost_events_total", "vmscope.model.events.lost",
		"{event}", "VMA syscalls whose entry or exit could not be recorded (process resynced)",
		"stage", NULL);
	pt(f, st->stats[VMS_STAT_LOST_ENTRY], "entry");
	pt(f, st->stats[VMS_STAT_LOST_EXIT], "exit");
	f = fam(m, METRIC_COUNTER, true, "vmscope_model_resyncs_total", "vmscope.model.resyncs",
		"{resync}", "Resyncs of a range or of a whole process", "scope", NULL);
	pt(f, st->stats[VMS_STAT_RANGE_RESYNC], "range");
	pt(f, st->stats[VMS_STAT_FULL_RESYNC], "full");
	f = fam(m, METRIC_COUNTER, true, "vmscope_region_events_total", "vmscope.region.events",
		"{event}", "Region events the model saw, by kind", "kind", NULL);
	for (size_t i = 0; i < ARRAY_SIZE(events); i++)
		pt(f, st->stats[events[i].stat], events[i].label);
	f = fam(m, METRIC_COUNTER, true, "vmscope_model_operations_total", "vmscope.model.operations",
		"{operation}", "The model's other counters (see 'vmscope status')", "op", NULL);
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
		pt(f, st->stats[ops[i].stat], ops[i].label);

	f = fam(m, METRIC_GAUGE, true, "vmscope_bpf_stats_enabled", "vmscope.bpf.stats_enabled", "1",
		"kernel.bpf_stats_enabled: 1 when the programs' run time is counted", NULL);
	pt(f, s->h.bpf_stats, NULL);
	if (!s->h.n_progs)
		return;
	f = fam(m, METRIC_COUNTER, false, "vmscope_bpf_program_run_time_seconds_total",
		"vmscope.bpf.program.run_time", "s",
		"Time the model's BPF programs ran (needs kernel.bpf_stats_enabled=1)", "program", NULL);
	for (size_t i = 0; i < s->h.n_progs; i++)
		pt(f, s->h.progs[i].run_ns / 1e9, s->h.progs[i].name);
	f = fam(m, METRIC_COUNTER, true, "vmscope_bpf_program_runs_total", "vmscope.bpf.program.runs",
		"{run}", "Runs of the model's BPF programs (needs kernel.bpf_stats_enabled=1)",
		"program", NULL);
	for (size_t i = 0; i < s->h.n_progs; i++)
		pt(f, s->h.progs[i].run_cnt, s->h.progs[i].name);
}

static void build_serve(const struct collect_sample *s, const struct serve_stats *st,
			struct metric_set *m)
{
	struct metric_family *f;

	f = fam(m, METRIC_GAUGE, true, "vmscope_serve_info", "vmscope.serve.info", "1",
		"Where the metrics come from (source) and vmscope's version", "source", "version", NULL);
	pt(f, 1, s->h.source, VMSCOPE_VERSION);
	f = fam(m, METRIC_GAUGE, true, "vmscope_processes", "vmscope.processes", "{process}",
		"User processes seen by the last collection", NULL);
	pt(f, s->n, NULL);
	f = fam(m, METRIC_GAUGE, false, "vmscope_collect_duration_seconds",
		"vmscope.collect.duration", "s", "How long the last collection took", NULL);
	pt(f, s->h.seconds, NULL);
	f = fam(m, METRIC_COUNTER, true, "vmscope_collections_total", "vmscope.collections",
		"{collection}", "Collections since serve started", NULL);
	pt(f, st->collections, NULL);
	f = fam(m, METRIC_COUNTER, true, "vmscope_collect_errors_total", "vmscope.collect.errors",
		"{error}", "Processes that could not be read (not counting those that exited)", NULL);
	pt(f, st->collect_errors, NULL);
	f = fam(m, METRIC_COUNTER, true, "vmscope_otlp_exports_total", "vmscope.otlp.exports",
		"{export}", "OTLP exports the collector accepted (--otlp)", NULL);
	pt(f, st->otlp_exports, NULL);
	f = fam(m, METRIC_COUNTER, true, "vmscope_otlp_retries_total", "vmscope.otlp.retries",
		"{attempt}", "OTLP export attempts that failed and were retried", NULL);
	pt(f, st->otlp_retries, NULL);
	f = fam(m, METRIC_COUNTER, true, "vmscope_otlp_dropped_total", "vmscope.otlp.dropped",
		"{export}", "OTLP exports dropped after their retries (collector gone)", NULL);
	pt(f, st->otlp_dropped, NULL);
}

void metrics_build(const struct collect_sample *s, const struct metric_opts *o,
		   const struct serve_stats *st, struct metric_set *out)
{
	struct timespec ts;

	memset(out, 0, sizeof(*out));
	clock_gettime(CLOCK_REALTIME, &ts);
	out->time_ns = (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	build_groups(s, o, out);
	build_model(s, out);
	build_serve(s, st, out);
}

void metrics_free(struct metric_set *m)
{
	for (size_t i = 0; i < m->n; i++) {
		for (size_t j = 0; j < m->f[i].n; j++)
			for (unsigned k = 0; k < m->f[i].nl; k++)
				free(m->f[i].p[j].lv[k]);
		free(m->f[i].p);
	}
	free(m->f);
	memset(m, 0, sizeof(*m));
}
