// SPDX-License-Identifier: BSD-2-Clause
/* The staged loader of the live model (loader.h): one decision, one table, one cleanup path. */
#include "model/loader.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "features/features.h"
#include "kernel/bpf_diag.h"
#include "kernel/mounts.h"
#include "kernel/sigstop.h"
#include "model/faults.h"
#include "model/live.h"
#include "model/pins.h"
#include "proc/procfs.h"
#include "core/util.h"
#include "model.skel.h"

/*
 * Which programs of bpf/model.bpf.c each load takes: the one table. A program missing from it
 * refuses the load by name, so that a new one is never silently left out of a tier.
 */
enum {
	IN_KFUNC = 1 << 0,	/* tier kfunc-resync: ranges re-read in the kernel */
	IN_EVENT = 1 << 1,	/* tier event-resync: invalidations; readers re-read /proc */
	IN_BOTH = IN_KFUNC | IN_EVENT,
	FAULT_COUNTER = 1 << 2,	/* loaded with fault counts only; links pinned in faults/ */
	/* the readers' iterator: if the verifier refuses only it, the tier loads without it and
	 * readers copy the VMA map by batches (live.c) */
	READER = 1 << 3,
	/* the per-process reader (by the kernel's VMA starts): if only it is refused, readers
	 * walk the whole map for one process too */
	BY_START = 1 << 4,
};
static const struct prog_rule {
	const char *name;
	unsigned flags;
	const char *needs;	/* the tracepoint's BTF typedef, where not every kernel has it */
} prog_rules[] = {
	{ "vms_sys_enter", IN_KFUNC }, { "vms_sys_exit", IN_KFUNC }, { "vms_fork", IN_KFUNC },
	{ "vms_exec", IN_KFUNC }, { "vms_exit", IN_KFUNC }, { "vms_gc", IN_KFUNC },
	{ "vms_resync", IN_KFUNC }, { "vms_seed", IN_KFUNC },
	{ "vms_sys_exit_ev", IN_EVENT }, { "vms_exec_ev", IN_EVENT }, { "vms_exit_ev", IN_EVENT },
	{ "vms_gc_ev", IN_EVENT },
	/* the thread records (their stacks' labels): vms_fork_ev is tier event-resync's only
	 * fork hook; tier kfunc-resync's vms_fork records them too */
	{ "vms_fork_ev", IN_EVENT }, { "vms_seed_threads", IN_BOTH },
	{ "vms_new_gen", IN_BOTH }, { "vms_publish", IN_BOTH }, { "vms_foreign_write", IN_BOTH },
	{ "vms_dump", IN_BOTH | READER }, { "vms_dump_proc", IN_KFUNC | READER | BY_START },
	{ "vms_fault", IN_BOTH, "btf_trace_page_fault_user" },
	{ "vms_fault_k", IN_BOTH, "btf_trace_page_fault_kernel" },
	/* their keys move with the in-kernel range resync: tier kfunc-resync only */
	{ "vms_flt_min", IN_KFUNC | FAULT_COUNTER }, { "vms_flt_maj", IN_KFUNC | FAULT_COUNTER },
	{ "vms_flt_exec", IN_KFUNC | FAULT_COUNTER, "btf_trace_sched_prepare_exec" },
	/* never: the model's own page_fault_user hook (vms_fault) notes the access types */
	{ "vms_flt_access", 0 },
};

struct attached {
	const struct prog_rule *rule;
	struct bpf_program *prog;
	struct bpf_link *link;
};

struct loader {
	struct live_limits lim;
	unsigned faults;			/* the fault source asked for */
	char faults_off_why[VMS_WHY_MAX];	/* asked for, and the probes found no source */
	unsigned inject;			/* VMS_INJECT_*: tests only */
	uint64_t name_key[2];			/* the loaded model's name hash key */
	bool event_only;			/* VMSCOPE_TIER=event-resync */
	/* 0: every reader; 1: without the BY_START one; 2: without any READER program */
	int no_reader;
	struct btf *btf;
	struct model_bpf *skel;
	struct live_plan plan;
	struct attached *links;
	size_t n_links;
	struct faults_links perf;
	bool pinned, seeded;
};

static const struct prog_rule *rule_of(const struct bpf_program *p)
{
	for (size_t i = 0; i < ARRAY_SIZE(prog_rules); i++)
		if (!strcmp(prog_rules[i].name, bpf_program__name(p)))
			return &prog_rules[i];
	return NULL;
}

static unsigned tier_flag(enum vms_tier tier)
{
	return tier == VMS_TIER_KFUNC_RESYNC ? IN_KFUNC : IN_EVENT;
}

/* Whether the tier loads the fault counters at all (the table says). */
static bool tier_counts_faults(enum vms_tier tier)
{
	for (size_t i = 0; i < ARRAY_SIZE(prog_rules); i++)
		if ((prog_rules[i].flags & FAULT_COUNTER) && (prog_rules[i].flags & tier_flag(tier)))
			return true;
	return false;
}

static bool has_type(const struct btf *btf, const char *name, int kind)
{
	return btf__find_by_name_kind(btf, name, kind) > 0;
}

struct loader *loader_new(void)
{
	struct loader *l = xcalloc(1, sizeof(*l));
	const char *tier = getenv("VMSCOPE_TIER");

	l->inject = bpf_inject_refusal();
	l->event_only = tier && !strcmp(tier, "event-resync");
	l->plan.tier = VMS_TIER_PROCFS;
	return l;
}

int loader_configure(struct loader *l, const struct loader_opts *o)
{
	struct vms_features f;
	int err;

	l->lim = o->lim;
	if (!o->faults)
		return 0;
	/* the source is what the probes find, as `vmscope features` reports it */
	err = features_probe_faults(&f);
	if (err) {
		snprintf(l->faults_off_why, sizeof(l->faults_off_why),
			 "the fault probes cannot run: %s", strerror(-err));
		return 0;
	}
	l->faults = features_fault_source(&f, l->faults_off_why, sizeof(l->faults_off_why));
	if (l->faults != VMS_FAULTS_OFF)
		l->faults_off_why[0] = '\0';
	return 0;
}

/* Autoload by the table: the tier's programs, the fault counters when asked, hooks whose
 * tracepoint this kernel has. */
static int select_programs(struct loader *l, enum vms_tier tier, unsigned faults, char *why,
			   size_t len)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, l->skel->obj) {
		const struct prog_rule *r = rule_of(p);

		if (!r) {
			snprintf(why, len, "program %s of bpf/model.bpf.c is in no tier (prog_rules "
				 "of user/model/loader.c)", bpf_program__name(p));
			return -EINVAL;
		}
		bpf_program__set_autoload(p, (r->flags & tier_flag(tier)) &&
					  (!(r->flags & FAULT_COUNTER) || faults != VMS_FAULTS_OFF) &&
					  (!(r->flags & READER) || l->no_reader < 2) &&
					  (!(r->flags & BY_START) || l->no_reader < 1) &&
					  (!r->needs || has_type(l->btf, r->needs, BTF_KIND_TYPEDEF)));
	}
	return 0;
}

static void set_limits(struct model_bpf *skel, const struct live_limits *lim, enum vms_tier tier)
{
	/* the tier's VMA storage: the slab and its index (kfunc-resync), or the hash */
	__u32 vmas = lim->max_vmas ? lim->max_vmas : bpf_map__max_entries(skel->maps.vms_vmas);
	bool slab = tier == VMS_TIER_KFUNC_RESYNC;

	if (lim->max_procs)
		bpf_map__set_max_entries(skel->maps.vms_procs, lim->max_procs);
	bpf_map__set_max_entries(skel->maps.vms_vmas, slab ? 1 : vmas);
	bpf_map__set_max_entries(skel->maps.vms_index, slab ? vmas : 1);
	bpf_map__set_max_entries(skel->maps.vms_slab, slab ? vmas : 1);
	skel->rodata->slab_slots = slab ? vmas : 1;
	/* the reader's buffer holds every entry the VMA map can (one run reads them all) */
	bpf_map__set_max_entries(skel->maps.vms_dump_out, vmas);
	if (lim->max_names)
		bpf_map__set_max_entries(skel->maps.vms_names, lim->max_names);
	if (lim->max_threads)
		bpf_map__set_max_entries(skel->maps.vms_threads, lim->max_threads);
	/* fault keys are about one per VMA that faulted: as many as the model holds VMAs */
	bpf_map__set_max_entries(skel->maps.vms_faults, vmas);
	bpf_map__set_max_entries(skel->maps.vms_faults_nkeys, bpf_map__max_entries(skel->maps.vms_procs));
	/* move logs (3 KiB each): only processes that moved a range by mremap have one */
	bpf_map__set_max_entries(skel->maps.vms_moves, bpf_map__max_entries(skel->maps.vms_procs) / 8 + 1);
}

/* Opens, configures and loads one tier (with faults, or VMS_FAULTS_OFF); why gets the
 * refusal. On failure nothing stays open. */
static int load_tier(struct loader *l, enum vms_tier tier, unsigned faults, char *why, size_t len)
{
	struct model_bpf *skel;
	int err;

	bpf_diag_reset();
	skel = l->skel = model_bpf__open();
	if (!skel) {
		err = -errno;
		snprintf(why, len, "cannot open the BPF object: %s", strerror(-err));
		return err;
	}
	set_limits(skel, &l->lim, tier);
	err = bpf_name_key(l->name_key);
	if (err) {
		snprintf(why, len, "cannot draw a key for the name hash: %s", strerror(-err));
		return err;
	}
	skel->rodata->vms_name_key[0] = l->name_key[0];
	skel->rodata->vms_name_key[1] = l->name_key[1];
	skel->rodata->event_tier = tier == VMS_TIER_EVENT_RESYNC;
	skel->rodata->inject_refusal = l->inject;
	skel->rodata->faults_on = faults != VMS_FAULTS_OFF;
	err = select_programs(l, tier, faults, why, len);
	skel->rodata->faults_access = faults == VMS_FAULTS_PERF_ACCESS &&
				      bpf_program__autoload(skel->progs.vms_fault);
	if (!err) {
		err = model_bpf__load(skel);
		if (err)
			snprintf(why, len, "%s%s", bpf_diag_why(err),
				 err == -EPERM ? " (need root, or CAP_BPF + CAP_PERFMON)" : "");
	}
	if (err) {
		model_bpf__destroy(skel);
		l->skel = NULL;
	}
	return err;
}

/* Why a tier cannot even be tried on this kernel (NULL: it can). Checked in kernel BTF before
 * loading: an unresolved kfunc would make an older verifier run to its instruction limit. */
static const char *tier_missing(const struct loader *l, enum vms_tier tier)
{
	if (tier == VMS_TIER_KFUNC_RESYNC) {
		if (l->event_only)
			return "not tried: VMSCOPE_TIER=event-resync";
		if (!has_type(l->btf, "bpf_iter_task_vma_new", BTF_KIND_FUNC) ||
		    !has_type(l->btf, "bpf_task_from_pid", BTF_KIND_FUNC) ||
		    !has_type(l->btf, "bpf_rdonly_cast", BTF_KIND_FUNC))
			return "no kfunc VMA iterator (bpf_iter_task_vma_*, bpf_task_from_pid and "
			       "bpf_rdonly_cast: 6.7+) in kernel BTF";
		return NULL;
	}
	if (!has_type(l->btf, "btf_trace_sys_exit", BTF_KIND_TYPEDEF))
		return "no sys_exit tracepoint for tp_btf in kernel BTF";
	return NULL;
}

/* Loads one tier, or it without its fault counters if only they were refused. */
static int load_tier_or_without_faults(struct loader *l, enum vms_tier tier, unsigned *want,
				       char *why, size_t len)
{
	char faults_refused[VMS_WHY_MAX];
	int err = load_tier(l, tier, *want, why, len);

	if (!err || *want == VMS_FAULTS_OFF)
		return err;
	snprintf(faults_refused, sizeof(faults_refused), "%.250s", why);
	*want = VMS_FAULTS_OFF;
	err = load_tier(l, tier, *want, why, len);
	if (!err)
		snprintf(l->plan.faults_why, sizeof(l->plan.faults_why),
			 "the kernel refused them: %.220s", faults_refused);
	return err;
}

int loader_load(struct loader *l)
{
	static const enum vms_tier order[] = { VMS_TIER_KFUNC_RESYNC, VMS_TIER_EVENT_RESYNC };
	struct live_plan *plan = &l->plan;
	char why[2][VMS_WHY_MAX] = { "", "" };
	int err = -EOPNOTSUPP;

	memset(plan, 0, sizeof(*plan));
	plan->tier = VMS_TIER_PROCFS;
	if (access("/sys/kernel/btf/vmlinux", R_OK) || !(l->btf = btf__load_vmlinux_btf())) {
		snprintf(plan->tier_why, sizeof(plan->tier_why),
			 "no kernel BTF (/sys/kernel/btf/vmlinux): /proc backend only");
		return -ENOENT;
	}
	for (size_t t = 0; t < ARRAY_SIZE(order); t++) {
		enum vms_tier tier = order[t];
		const char *missing = tier_missing(l, tier);
		unsigned want = tier_counts_faults(tier) ? l->faults : VMS_FAULTS_OFF;

		if (missing) {
			snprintf(why[t], sizeof(why[t]), "%s", missing);
			continue;
		}
		err = load_tier_or_without_faults(l, tier, &want, why[t], sizeof(why[t]));
		/* the same without the per-process reader, then without any: readers then walk
		 * the whole map, then copy it by batches */
		for (int level = 1; err && level <= 2; level++) {
			char reader_why[VMS_WHY_MAX];
			unsigned want2 = tier_counts_faults(tier) ? l->faults : VMS_FAULTS_OFF;

			snprintf(reader_why, sizeof(reader_why), "%.250s", why[t]);
			l->no_reader = level;
			err = load_tier_or_without_faults(l, tier, &want2, why[t], sizeof(why[t]));
			if (!err) {
				want = want2;
				plan->reader_off = level;
				snprintf(plan->reader_why, sizeof(plan->reader_why),
					 "the kernel refused it: %.220s", reader_why);
			}
		}
		if (err)
			l->no_reader = 0;
		if (err) {
			snprintf(plan->refused, sizeof(plan->refused), "tier %s did not load: %.220s",
				 tier_name(tier), why[t]);
			continue;
		}
		plan->tier = tier;
		plan->faults = want;
		if (l->faults != VMS_FAULTS_OFF && want == VMS_FAULTS_OFF && !plan->faults_why[0])
			snprintf(plan->faults_why, sizeof(plan->faults_why),
				 "tier %s cannot follow them (their keys move with the in-kernel "
				 "range resync of tier kfunc-resync)", tier_name(tier));
		if (tier == VMS_TIER_KFUNC_RESYNC)
			snprintf(plan->tier_why, sizeof(plan->tier_why),
				 "tp_btf + kfunc VMA iterator: in-kernel range resync");
		else
			snprintf(plan->tier_why, sizeof(plan->tier_why),
				 "tp_btf events invalidate a process, readers re-read it from "
				 "/proc/PID/maps (tier kfunc-resync: %.250s)", why[0]);
		break;
	}
	if (plan->tier == VMS_TIER_PROCFS) {
		snprintf(plan->tier_why, sizeof(plan->tier_why),
			 "no model tier loads (kfunc-resync: %.200s; event-resync: %.200s): /proc backend only",
			 why[0], why[1]);
		return err;
	}
	if (l->faults_off_why[0] && !plan->faults_why[0])
		snprintf(plan->faults_why, sizeof(plan->faults_why), "%s", l->faults_off_why);
	return 0;
}

/* The programs loader_attach attaches: tp_btf hooks. Syscall programs are run by readers
 * (pinned as programs), the iterator by the seed, the perf programs on every CPU. */
static bool is_hook(const struct bpf_program *p)
{
	return bpf_program__type(p) == BPF_PROG_TYPE_TRACING &&
	       bpf_program__expected_attach_type(p) == BPF_TRACE_RAW_TP;
}

int loader_attach(struct loader *l)
{
	struct model_bpf *skel = l->skel;
	struct bpf_program *p;
	int err;

	bpf_object__for_each_program(p, skel->obj) {
		struct bpf_link *link;

		if (!bpf_program__autoload(p) || !is_hook(p))
			continue;
		link = bpf_program__attach(p);
		if (!link)
			return -errno;
		l->links = xrealloc(l->links, (l->n_links + 1) * sizeof(*l->links));
		l->links[l->n_links++] = (struct attached){ rule_of(p), p, link };
	}
	if (l->plan.faults != VMS_FAULTS_OFF) {
		struct vms_fault_info fi = { .source = l->plan.faults };
		__u32 zero = 0;

		err = faults_attach_perf(skel->progs.vms_flt_min, skel->progs.vms_flt_maj, &l->perf);
		if (err)
			return err;
		fi.ncpus = l->perf.ncpus;
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.vms_faults_info), &zero, &fi, 0))
			return -errno;
	}
	return 0;
}

/* The decision, for status: written once into the pinned vms_info. */
static int save_plan(struct loader *l)
{
	struct vms_info vi = { .tier = l->plan.tier, .faults_source = l->plan.faults,
			       .name_key = { l->name_key[0], l->name_key[1] } };
	__u32 zero = 0;

	snprintf(vi.tier_fallback, sizeof(vi.tier_fallback), "%s", l->plan.refused);
	snprintf(vi.faults_why, sizeof(vi.faults_why), "%s", l->plan.faults_why);
	return bpf_map_update_elem(bpf_map__fd(l->skel->maps.vms_info), &zero, &vi, 0) ? -errno : 0;
}

/* Every map (readers open them by name), every syscall program (readers run them) and every
 * link (the pins keep the hooks attached), each named after its map or program. */
static int pin_objects(struct loader *l)
{
	struct bpf_program *p;
	struct bpf_map *m;
	char path[512], name[64];
	int err;

	bpf_object__for_each_map(m, l->skel->obj) {
		if (bpf_map__is_internal(m))
			continue;
		pins_path(path, sizeof(path), "maps", bpf_map__name(m));
		if ((err = bpf_map__pin(m, path)))
			return err;
	}
	bpf_object__for_each_program(p, l->skel->obj) {
		if (bpf_program__fd(p) < 0 || bpf_program__type(p) != BPF_PROG_TYPE_SYSCALL)
			continue;
		pins_name(bpf_program__name(p), name, sizeof(name));
		pins_path(path, sizeof(path), "progs", name);
		if ((err = bpf_program__pin(p, path)))
			return err;
	}
	for (size_t i = 0; i < l->n_links; i++) {
		pins_name(bpf_program__name(l->links[i].prog), name, sizeof(name));
		pins_path(path, sizeof(path), l->links[i].rule->flags & FAULT_COUNTER ? "faults" : "links",
			  name);
		if ((err = bpf_link__pin(l->links[i].link, path)))
			return err;
	}
	pins_path(path, sizeof(path), "faults", NULL);
	return faults_pin_links(&l->perf, path);
}

int loader_pin(struct loader *l)
{
	int err;

	/* From the first pin on, a stop signal must unwind: it only sets a flag now (a signal
	 * before this ends the process at once, which takes everything with its fds). */
	sigstop_defer();
	err = pins_make();
	if (err == -EPERM) /* not ours: never adopted, and never removed by our cleanup */
		return err;
	l->pinned = true;
	if (err)
		return err;
	err = pin_objects(l);
	return err ? err : save_plan(l);
}

/* Runs a seeding iterator (vms_seed, vms_seed_threads) once over every task; its output is
 * empty. */
static int seed_in_kernel(struct bpf_program *prog)
{
	struct bpf_link *link;
	char buf[4096];
	int fd, err = 0;

	link = bpf_program__attach_iter(prog, NULL);
	if (!link)
		return -errno;
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	while (!sigstop_requested() && read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
out:
	bpf_link__destroy(link);
	return err;
}

/* Tier event-resync: every process from /proc. A process that cannot be read (gone, a kernel
 * thread) is simply not in the model; readers add it when they first look. */
static int seed_from_proc(void)
{
	struct live m;
	pid_t *pids;
	int n = procfs_all_pids(&pids), err;

	if (n < 0)
		return n;
	err = live_open(&m);
	if (err) {
		free(pids);
		return err;
	}
	for (int i = 0; i < n && !sigstop_requested(); i++) {
		struct vms_snapshot s;

		snapshot_init(&s);
		if (!procfs_read_proc(pids[i], &s.proc) && !s.proc.kernel_thread)
			live_resync_from_proc(&m, &s);
		snapshot_free(&s);
	}
	free(pids);
	live_close(&m);
	return 0;
}

int loader_seed(struct loader *l)
{
	unsigned long long misses0 = live_missed_runs();
	int err = l->plan.tier == VMS_TIER_EVENT_RESYNC ? seed_from_proc()
						       : seed_in_kernel(l->skel->progs.vms_seed);

	/* the threads older than the model: both tiers, in the kernel (vms_seed_threads) */
	if (!err && !sigstop_requested())
		err = seed_in_kernel(l->skel->progs.vms_seed_threads);

	if (!err) /* the seed resynced every process */
		live_set_verified(bpf_map__fd(l->skel->maps.vms_info), misses0);
	if (!err && sigstop_requested())
		err = -EINTR; /* interrupted: nothing stays behind */
	l->seeded = !err;
	return err;
}

void loader_free(struct loader *l)
{
	if (!l)
		return;
	/* a seeded model lives on in its pins; anything short of that is taken down */
	if (l->seeded)
		faults_links_release(&l->perf);
	else
		faults_links_destroy(&l->perf);
	for (size_t i = 0; i < l->n_links; i++)
		bpf_link__destroy(l->links[i].link); /* a pinned link stays attached */
	free(l->links);
	model_bpf__destroy(l->skel);
	btf__free(l->btf);
	if (l->pinned && !l->seeded)
		pins_remove();
	free(l);
}

int live_load(unsigned faults, struct live_plan *plan)
{
	struct loader *l = loader_new();
	int err;

	l->faults = faults;
	err = loader_load(l);
	*plan = l->plan;
	loader_free(l);
	return err;
}

/* What start seeded, for its line. */
static void read_seeded(struct live_start_info *info)
{
	struct live m;
	struct live_status st;

	if (live_open(&m))
		return;
	if (!live_status(&m, &st)) {
		info->seeded_procs = st.procs;
		info->seeded_vmas = st.vmas;
	}
	live_close(&m);
}

int live_start(const struct loader_opts *o, struct live_start_info *info)
{
	struct timespec t0, t1;
	struct loader *l;
	int lock, err;

	memset(info, 0, sizeof(*info));
	info->plan.tier = VMS_TIER_PROCFS;
	err = ensure_bpffs(); /* before pins_dir(), which checks that the dir is on one */
	if (err < 0)
		return err;
	lock = pins_lock("start");
	if (lock < 0)
		return lock;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	l = loader_new();
	err = live_pinned(); /* a pin dir or vms_procs not ours: -EPERM, refused */
	if (err > 0)
		err = -EEXIST;
	if (err || (err = loader_configure(l, o)) || (err = loader_load(l)) ||
	    (err = loader_attach(l)) || (err = loader_pin(l)) || (err = loader_seed(l)))
		goto cleanup;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	info->seconds = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	read_seeded(info);
cleanup:
	info->plan = l->plan;
	loader_free(l); /* unpins, unless seeded */
	pins_unlock(lock);
	return err;
}

int live_stop(void)
{
	int lock = pins_lock("stop"), err;

	if (lock < 0)
		return lock;
	err = pins_remove();
	pins_unlock(lock);
	return err;
}
