// SPDX-License-Identifier: BSD-2-Clause
#include "model/live.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "kernel/contract.h"
#include "kernel/vma_reader.h"
#include "model/faults.h"
#include "proc/procfs.h"
#include "kernel/bpf_diag.h"
#include "kernel/map_batch.h"
#include "kernel/mounts.h"
#include "kernel/sigstop.h"
#include "core/util.h"
#include "model.skel.h"

#define MAPS_DIR VMS_PIN_DIR "/maps"
#define LINKS_DIR VMS_PIN_DIR "/links"
#define PROGS_DIR VMS_PIN_DIR "/progs"

bool live_is_pinned(void)
{
	return access(MAPS_DIR "/vms_procs", F_OK) == 0;
}

/* Whether kernel BTF has a type of that name and kind. */
static bool has_type(const struct btf *btf, const char *name, int kind)
{
	return btf__find_by_name_kind(btf, name, kind) > 0;
}

/* --faults: the counting maps and the links of its programs (perf links are pinned apart). */
static int pin_faults(struct model_bpf *skel, const struct faults_links *perf)
{
	struct bpf_map *maps[] = { skel->maps.vms_faults, skel->maps.vms_faults_lost,
				   skel->maps.vms_faults_info, skel->maps.vms_faults_nkeys };
	struct { struct bpf_link *l; const char *name; } links[] = {
		{ skel->links.vms_flt_exec, "fault_exec" } };
	char path[256];
	int err;

	for (size_t i = 0; i < ARRAY_SIZE(maps); i++) {
		snprintf(path, sizeof(path), MAPS_DIR "/%s", bpf_map__name(maps[i]));
		err = bpf_map__pin(maps[i], path);
		if (err)
			return err;
	}
	for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
		if (!links[i].l)
			continue;
		snprintf(path, sizeof(path), LINKS_DIR "/%s", links[i].name);
		err = bpf_link__pin(links[i].l, path);
		if (err)
			return err;
	}
	return faults_pin_links(perf, LINKS_DIR);
}

/* Loads the fault programs only when asked: off, they cost nothing at all. */
static void set_faults(struct model_bpf *skel, unsigned source, const struct btf *btf)
{
	bool on = source != VMS_FAULTS_OFF;
	bool prepare_exec = has_type(btf, "btf_trace_sched_prepare_exec", BTF_KIND_TYPEDEF);

	skel->rodata->faults_on = on;
	bpf_program__set_autoload(skel->progs.vms_flt_min, on);
	bpf_program__set_autoload(skel->progs.vms_flt_maj, on);
	/* the model's own page_fault_user hook notes the access types: no second hook */
	bpf_program__set_autoload(skel->progs.vms_flt_access, false);
	skel->rodata->faults_access = source == VMS_FAULTS_PERF_ACCESS &&
				      bpf_program__autoload(skel->progs.vms_fault);
	bpf_program__set_autoload(skel->progs.vms_flt_exec, on && prepare_exec);
	/* keys are about one per VMA that faulted: as many as the model holds VMAs */
	bpf_map__set_max_entries(skel->maps.vms_faults, bpf_map__max_entries(skel->maps.vms_vmas));
	bpf_map__set_max_entries(skel->maps.vms_faults_nkeys, bpf_map__max_entries(skel->maps.vms_procs));
}

/* The pinned links of the programs that follow VMA changes (not the fault counters'). */
static const char *const model_link_names[] = { "sys_enter", "sys_exit", "fork", "exec", "exit",
						"fault", "fault_kernel", "foreign_write",
						"sys_exit_ev", "exec_ev", "exit_ev" };

static void set_verified(int info_fd, unsigned long long misses0);

static int pin_all(struct model_bpf *skel, bool event_tier)
{
	struct bpf_link *links[] = { skel->links.vms_sys_enter, skel->links.vms_sys_exit,
				     skel->links.vms_fork, skel->links.vms_exec, skel->links.vms_exit,
				     skel->links.vms_fault, skel->links.vms_fault_k,
				     skel->links.vms_foreign_write, skel->links.vms_sys_exit_ev,
				     skel->links.vms_exec_ev, skel->links.vms_exit_ev };
	const char *const *link_names = model_link_names;
	struct bpf_map *maps[] = { skel->maps.vms_procs, skel->maps.vms_vmas, skel->maps.vms_names,
				   skel->maps.vms_stats, skel->maps.vms_global,
				   skel->maps.vms_info };
	struct { struct bpf_program *p; const char *name; } progs[] = {
		{ event_tier ? skel->progs.vms_gc_ev : skel->progs.vms_gc, "gc" },
		{ skel->progs.vms_new_gen, "new_gen" }, { skel->progs.vms_publish, "publish" },
		{ event_tier ? NULL : skel->progs.vms_resync, "resync" } };
	char path[256];
	int err;

	if (mkdir(VMS_PIN_DIR, 0700) && errno != EEXIST)
		return -errno;
	chmod(VMS_PIN_DIR, 0700);
	if ((mkdir(MAPS_DIR, 0700) && errno != EEXIST) || (mkdir(LINKS_DIR, 0700) && errno != EEXIST) ||
	    (mkdir(PROGS_DIR, 0700) && errno != EEXIST))
		return -errno;
	for (size_t i = 0; i < ARRAY_SIZE(maps); i++) {
		snprintf(path, sizeof(path), MAPS_DIR "/%s", bpf_map__name(maps[i]));
		err = bpf_map__pin(maps[i], path);
		if (err)
			return err;
	}
	for (size_t i = 0; i < ARRAY_SIZE(progs); i++) {
		if (!progs[i].p)
			continue;
		snprintf(path, sizeof(path), PROGS_DIR "/%s", progs[i].name);
		err = bpf_program__pin(progs[i].p, path);
		if (err)
			return err;
	}
	for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
		if (!links[i])
			continue; /* not attached on this kernel (e.g. no page_fault_user) */
		snprintf(path, sizeof(path), LINKS_DIR "/%s", link_names[i]);
		err = bpf_link__pin(links[i], path);
		if (err)
			return err;
	}
	return 0;
}

/* Runs the seeding iterator (vms_seed) once over every task; its output is empty. */
static int seed(struct model_bpf *skel)
{
	struct bpf_link *link;
	char buf[4096];
	int fd, err = 0;

	link = bpf_program__attach_iter(skel->progs.vms_seed, NULL);
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

/* Tier event-resync: the loader seeds every process from /proc. A process that cannot be read
 * (gone, a kernel thread) is simply not in the model; readers add it when they first look. */
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

/* ---- The one tier decision: the real model objects, loaded (not attached) in tier order ---- */

struct load_env {
	const struct live_limits *lim;
	const struct btf *btf;
	unsigned inject;	/* VMS_INJECT_*: tests only */
};

static struct model_bpf *open_tier(const struct load_env *env, enum vms_tier tier, unsigned faults)
{
	bool event_tier = tier == VMS_TIER_EVENT_RESYNC;
	struct model_bpf *skel = model_bpf__open();

	if (!skel)
		return NULL;
	if (env->lim && env->lim->max_procs)
		bpf_map__set_max_entries(skel->maps.vms_procs, env->lim->max_procs);
	if (env->lim && env->lim->max_vmas)
		bpf_map__set_max_entries(skel->maps.vms_vmas, env->lim->max_vmas);
	if (env->lim && env->lim->max_names)
		bpf_map__set_max_entries(skel->maps.vms_names, env->lim->max_names);
	if (!has_type(env->btf, "btf_trace_page_fault_user", BTF_KIND_TYPEDEF))
		bpf_program__set_autoload(skel->progs.vms_fault, false);
	if (!has_type(env->btf, "btf_trace_page_fault_kernel", BTF_KIND_TYPEDEF))
		bpf_program__set_autoload(skel->progs.vms_fault_k, false);
	skel->rodata->event_tier = event_tier;
	skel->rodata->inject_refusal = env->inject;
	{
		struct bpf_program *kf[] = {
			skel->progs.vms_sys_enter, skel->progs.vms_sys_exit, skel->progs.vms_fork,
			skel->progs.vms_exec, skel->progs.vms_exit, skel->progs.vms_gc,
			skel->progs.vms_resync, skel->progs.vms_seed };
		struct bpf_program *ev[] = {
			skel->progs.vms_sys_exit_ev, skel->progs.vms_exec_ev, skel->progs.vms_exit_ev,
			skel->progs.vms_gc_ev };

		for (size_t i = 0; i < ARRAY_SIZE(kf); i++)
			bpf_program__set_autoload(kf[i], !event_tier);
		for (size_t i = 0; i < ARRAY_SIZE(ev); i++)
			bpf_program__set_autoload(ev[i], event_tier);
	}
	set_faults(skel, faults, env->btf);
	return skel;
}

/* Opens and loads one tier (with faults, or VMS_FAULTS_OFF); why gets the refusal. */
static int load_tier(const struct load_env *env, enum vms_tier tier, unsigned faults,
		     struct model_bpf **out, char *why, size_t len)
{
	struct model_bpf *skel;
	int err;

	bpf_diag_reset();
	skel = open_tier(env, tier, faults);
	if (!skel) {
		err = -errno;
		snprintf(why, len, "cannot open the BPF object: %s", strerror(-err));
		return err;
	}
	err = model_bpf__load(skel);
	if (err) {
		snprintf(why, len, "%s%s", bpf_diag_why(err),
			 err == -EPERM ? " (need root, or CAP_BPF + CAP_PERFMON)" : "");
		model_bpf__destroy(skel);
		return err;
	}
	*out = skel;
	return 0;
}

/* Why a tier cannot even be tried on this kernel (NULL: it can). Checked in kernel BTF before
 * loading: an unresolved kfunc would make an older verifier run to its instruction limit. */
static const char *tier_missing(const struct btf *btf, enum vms_tier tier)
{
	const char *e = getenv("VMSCOPE_TIER");

	if (tier == VMS_TIER_KFUNC_RESYNC) {
		if (e && !strcmp(e, "event-resync"))
			return "not tried: VMSCOPE_TIER=event-resync";
		if (!has_type(btf, "bpf_iter_task_vma_new", BTF_KIND_FUNC) ||
		    !has_type(btf, "bpf_task_from_pid", BTF_KIND_FUNC) ||
		    !has_type(btf, "bpf_rdonly_cast", BTF_KIND_FUNC))
			return "no kfunc VMA iterator (bpf_iter_task_vma_*, bpf_task_from_pid and "
			       "bpf_rdonly_cast: 6.7+) in kernel BTF";
		return NULL;
	}
	if (!has_type(btf, "btf_trace_sys_exit", BTF_KIND_TYPEDEF))
		return "no sys_exit tracepoint for tp_btf in kernel BTF";
	return NULL;
}

int live_load(const struct live_limits *lim, unsigned faults, struct live_plan *plan,
	      struct model_bpf **out)
{
	static const enum vms_tier order[] = { VMS_TIER_KFUNC_RESYNC, VMS_TIER_EVENT_RESYNC };
	struct load_env env = { .lim = lim, .inject = bpf_inject_refusal() };
	char why[2][VMS_WHY_MAX] = { "", "" };
	struct model_bpf *skel = NULL;
	struct btf *btf;
	int err = -EOPNOTSUPP;

	memset(plan, 0, sizeof(*plan));
	plan->tier = VMS_TIER_PROCFS;
	if (access("/sys/kernel/btf/vmlinux", R_OK) || !(btf = btf__load_vmlinux_btf())) {
		snprintf(plan->tier_why, sizeof(plan->tier_why),
			 "no kernel BTF (/sys/kernel/btf/vmlinux): /proc backend only");
		return -ENOENT;
	}
	env.btf = btf;
	for (size_t t = 0; t < ARRAY_SIZE(order); t++) {
		enum vms_tier tier = order[t];
		const char *missing = tier_missing(btf, tier);
		unsigned want = tier == VMS_TIER_KFUNC_RESYNC ? faults : VMS_FAULTS_OFF;

		if (missing) {
			snprintf(why[t], sizeof(why[t]), "%s", missing);
			continue;
		}
		err = load_tier(&env, tier, want, &skel, why[t], sizeof(why[t]));
		if (err && want != VMS_FAULTS_OFF) {
			/* the model without its fault programs, if only they were refused */
			char faults_refused[VMS_WHY_MAX];

			snprintf(faults_refused, sizeof(faults_refused), "%.250s", why[t]);
			want = VMS_FAULTS_OFF;
			err = load_tier(&env, tier, want, &skel, why[t], sizeof(why[t]));
			if (!err)
				snprintf(plan->faults_why, sizeof(plan->faults_why),
					 "the kernel refused them: %.220s", faults_refused);
		}
		if (err) {
			snprintf(plan->refused, sizeof(plan->refused), "tier %s did not load: %.220s",
				 tier_name(tier), why[t]);
			continue;
		}
		plan->tier = tier;
		plan->faults = want;
		if (faults != VMS_FAULTS_OFF && want == VMS_FAULTS_OFF && !plan->faults_why[0])
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
	btf__free(btf);
	if (plan->tier == VMS_TIER_PROCFS) {
		snprintf(plan->tier_why, sizeof(plan->tier_why),
			 "no model tier loads (kfunc-resync: %.200s; event-resync: %.200s): /proc backend only",
			 why[0], why[1]);
		return err;
	}
	if (out)
		*out = skel;
	else
		model_bpf__destroy(skel);
	return 0;
}

/* The decision, for status: written once into the pinned vms_info. */
static int save_plan(struct model_bpf *skel, const struct live_plan *plan)
{
	struct vms_info vi = { .tier = plan->tier, .faults_source = plan->faults };
	__u32 zero = 0;

	snprintf(vi.tier_fallback, sizeof(vi.tier_fallback), "%s", plan->refused);
	snprintf(vi.faults_why, sizeof(vi.faults_why), "%s", plan->faults_why);
	return bpf_map_update_elem(bpf_map__fd(skel->maps.vms_info), &zero, &vi, 0) ? -errno : 0;
}

int live_start(const struct live_limits *lim, unsigned faults, struct live_start_info *info)
{
	struct faults_links perf = { 0 };
	struct model_bpf *skel = NULL;
	struct live_plan *plan = &info->plan;
	unsigned long long misses0;
	struct timespec t0, t1;
	bool event_tier;
	int err;

	if (live_is_pinned())
		return -EEXIST;
	err = ensure_bpffs();
	if (err < 0)
		return err;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = live_load(lim, faults, plan, &skel);
	if (err)
		return err;
	if (info->faults_unavailable && !plan->faults_why[0])
		snprintf(plan->faults_why, sizeof(plan->faults_why), "%s", info->faults_unavailable);
	event_tier = plan->tier == VMS_TIER_EVENT_RESYNC;
	faults = plan->faults;
	/* Attach first, seed second: no change is missed between the two. */
	err = model_bpf__attach(skel);
	if (err)
		goto fail;
	/* From the first pin on, a stop signal must unwind: it only sets a flag now (a signal
	 * before this ends the process at once, which takes everything with its fds). */
	sigstop_defer();
	err = pin_all(skel, event_tier);
	if (!err)
		err = save_plan(skel, plan);
	if (err)
		goto fail;
	if (faults != VMS_FAULTS_OFF) {
		struct vms_fault_info fi = { .source = faults };
		__u32 zero = 0;

		err = faults_attach_perf(skel->progs.vms_flt_min, skel->progs.vms_flt_maj, &perf);
		if (err)
			goto fail;
		fi.ncpus = perf.ncpus;
		err = bpf_map_update_elem(bpf_map__fd(skel->maps.vms_faults_info), &zero, &fi, 0);
		if (!err)
			err = pin_faults(skel, &perf);
		if (err)
			goto fail;
	}
	misses0 = live_missed_runs();
	err = event_tier ? seed_from_proc() : seed(skel);
	if (!err)
		set_verified(bpf_map__fd(skel->maps.vms_info), misses0); /* the seed resynced all */
	if (!err && sigstop_requested())
		err = -EINTR; /* interrupted: nothing stays behind */
	if (err)
		goto fail;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	{
		struct live m;
		struct live_status st;

		info->seconds = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
		if (!live_open(&m)) {
			if (!live_status(&m, &st)) {
				info->seeded_procs = st.procs;
				info->seeded_vmas = st.vmas;
			}
			live_close(&m);
		}
	}
	faults_links_release(&perf);
	model_bpf__destroy(skel); /* the pins keep everything alive */
	return 0;
fail:
	faults_links_destroy(&perf);
	model_bpf__destroy(skel);
	live_stop();
	return err;
}

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR)
			remove_dir(path);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

int live_stop(void)
{
	/* Unpinning the links detaches the programs; the maps go with their last reference. */
	remove_dir(LINKS_DIR);
	remove_dir(PROGS_DIR);
	remove_dir(MAPS_DIR);
	remove_dir(VMS_PIN_DIR);
	return access(VMS_PIN_DIR, F_OK) == 0 ? -EBUSY : 0;
}

/* Pinned only with `start --faults`; their absence means faults are off. */
static void live_open_faults(struct live *m)
{
	struct vms_fault_info fi = { 0 };
	__u32 zero = 0;
	int info_fd = bpf_obj_get(MAPS_DIR "/vms_faults_info");

	if (info_fd < 0)
		return;
	if (!bpf_map_lookup_elem(info_fd, &zero, &fi)) {
		m->faults_fd = bpf_obj_get(MAPS_DIR "/vms_faults");
		m->faults_lost_fd = bpf_obj_get(MAPS_DIR "/vms_faults_lost");
		if (m->faults_fd >= 0 && m->faults_lost_fd >= 0) {
			m->faults_source = fi.source;
			m->faults_cpus = fi.ncpus;
		}
	}
	close(info_fd);
}

void live_open_info(struct live *m)
{
	int fd = bpf_obj_get(MAPS_DIR "/vms_info");
	__u32 zero = 0;

	memset(&m->info, 0, sizeof(m->info));
	if (fd >= 0) {
		bpf_map_lookup_elem(fd, &zero, &m->info);
		close(fd);
	}
}

int live_open(struct live *m)
{
	struct { int *fd; const char *path; } objs[] = {
		{ &m->procs_fd, MAPS_DIR "/vms_procs" }, { &m->vmas_fd, MAPS_DIR "/vms_vmas" },
		{ &m->names_fd, MAPS_DIR "/vms_names" }, { &m->stats_fd, MAPS_DIR "/vms_stats" },
		{ &m->global_fd, MAPS_DIR "/vms_global" }, { &m->gc_fd, PROGS_DIR "/gc" },
		{ &m->new_gen_fd, PROGS_DIR "/new_gen" }, { &m->publish_fd, PROGS_DIR "/publish" },
		{ &m->resync_fd, PROGS_DIR "/resync" },	/* last: only in tier kfunc-resync */
	};

	for (size_t i = 0; i < ARRAY_SIZE(objs); i++)
		*objs[i].fd = -1;
	m->faults_fd = m->faults_lost_fd = -1;
	m->faults_source = VMS_FAULTS_OFF;
	for (size_t i = 0; i < ARRAY_SIZE(objs); i++) {
		*objs[i].fd = bpf_obj_get(objs[i].path);
		if (*objs[i].fd < 0 && objs[i].fd == &m->resync_fd && errno == ENOENT)
			break;
		if (*objs[i].fd < 0) {
			int err = -errno;

			live_close(m);
			return err == -ENOENT ? -ENOENT : err;
		}
	}
	live_open_faults(m);
	live_open_info(m);
	return 0;
}

void live_close(struct live *m)
{
	int *fds[] = { &m->procs_fd, &m->vmas_fd, &m->names_fd, &m->stats_fd, &m->global_fd,
		       &m->gc_fd, &m->resync_fd, &m->new_gen_fd, &m->publish_fd, &m->faults_fd,
		       &m->faults_lost_fd };

	for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

uint64_t live_start_time_ns(uint64_t ticks)
{
	return ticks * (1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK));
}

static bool same_start(uint64_t model_ns, uint64_t ticks)
{
	return model_ns / (1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK)) == ticks;
}

int live_resync(struct live *m, pid_t pid)
{
	struct vms_resync_args args = { .pid = pid };
	/* syscall programs get ctx_in and write their answer back into it (no ctx_out) */
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &args, .ctx_size_in = sizeof(args));

	if (live_event_tier(m)) {
		struct vms_snapshot s;
		int err;

		snapshot_init(&s);
		err = procfs_read_proc(pid, &s.proc);
		if (!err)
			err = live_resync_from_proc(m, &s);
		snapshot_free(&s);
		return err;
	}

	if (bpf_prog_test_run_opts(m->resync_fd, &opts))
		return -errno;
	return args.ret;
}

int live_gc(struct live *m)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);

	return bpf_prog_test_run_opts(m->gc_fd, &opts) ? -errno : 0;
}

/* Every (key, value) of the VMA map, by batches. */

static int for_each_vma(struct live *m, map_elem_cb cb, void *ctx)
{
	return map_for_each_batch(m->vmas_fd, sizeof(struct vms_vma_key), sizeof(struct vms_vma_ent),
				  cb, ctx);
}

struct collect {
	uint32_t tgid, gen;
	struct vms_vma_key *keys;
	struct vms_vma_ent *vals;
	size_t n, cap;
};

static int collect_one(void *ctx, const void *key, const void *val)
{
	const struct vms_vma_key *k = key;
	const struct vms_vma_ent *v = val;
	struct collect *c = ctx;

	if (k->tgid != c->tgid || k->gen != c->gen)
		return 0;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		c->keys = xrealloc(c->keys, c->cap * sizeof(*c->keys));
		c->vals = xrealloc(c->vals, c->cap * sizeof(*c->vals));
	}
	c->keys[c->n] = *k;
	c->vals[c->n++] = *v;
	return 0;
}

static struct collect *sort_ctx;

static int cmp_idx(const void *a, const void *b)
{
	uint64_t x = sort_ctx->keys[*(const size_t *)a].start;
	uint64_t y = sort_ctx->keys[*(const size_t *)b].start;

	return (x > y) - (x < y);
}

static char *name_of(struct live *m, const struct vms_vma_ent *v)
{
	struct vms_name_ent ne;
	uint32_t kind = vms_vma_ent_kind(v->flags);

	if (kind == VMS_NAME_NONE)
		return xstrdup("");
	if (!v->name_id || bpf_map_lookup_elem(m->names_fd, &v->name_id, &ne) ||
	    ne.len > VMS_NAME_MAX)
		return NULL;
	return vms_name_decode(kind, ne.name, ne.len);
}

/* The published state of a process, resynced in the kernel once if the kernel side lost track,
 * or first of all with verify. 1: tier event-resync answered from /proc (done: *ret), 0: *pe is
 * published, else -errno. */
static int published(struct live *m, struct vms_snapshot *s, bool verify, struct vms_proc_ent *pe,
		     int *ret)
{
	uint32_t tgid = (uint32_t)s->proc.pid;

	for (int attempt = 0;; attempt++) {
		if (live_event_tier(m) &&
		    (verify || bpf_map_lookup_elem(m->procs_fd, &tgid, pe) ||
		     !same_start(pe->start_time, s->proc.start_time) || !VMS_STATE_GEN(pe->state) ||
		     (pe->flags & (VMS_PROC_DIRTY | VMS_PROC_OVERFLOW)))) {
			*ret = live_resync_from_proc(m, s);
			return 1;
		}
		if (bpf_map_lookup_elem(m->procs_fd, &tgid, pe) ||
		    !same_start(pe->start_time, s->proc.start_time))
			return -ENOENT;
		if (!verify && !(pe->flags & (VMS_PROC_DIRTY | VMS_PROC_OVERFLOW | VMS_PROC_STACK)) &&
		    VMS_STATE_GEN(pe->state))
			return 0;
		verify = false;
		/* The kernel side said it lost track: read the process again, in the kernel. */
		if (attempt || live_resync(m, s->proc.pid))
			return -EAGAIN;
	}
}

#define READ_PASSES 16	/* reads that overlapped a change are redone this often, then -EAGAIN */

int live_read(struct live *m, struct vms_snapshot *s)
{
	struct vms_proc_ent pe, pe2;
	struct collect c = { 0 };
	size_t *idx = NULL;
	uint32_t tgid = (uint32_t)s->proc.pid;
	int err, ret;
	/* the kernel skipped some run of ours since the model was last verified whole: this
	 * process may have missed a change, so it is resynced (once) before it is trusted */
	bool verify = live_missed_runs() != m->info.verified_misses;

	if (verify)
		vms_debug("PID %d: the kernel skipped runs of the model's programs: resyncing it "
			  "before reading", (int)s->proc.pid);
	/* A range update edits the published set in place (p->busy while it does, then the change
	 * count moves): a read that overlapped one may hold both or neither of a moved region, so
	 * it is redone, never returned. */
	for (int pass = 0;; pass++, verify = false) {
		err = published(m, s, verify, &pe, &ret);
		if (err)
			return err > 0 ? ret : err;
		c.tgid = tgid;
		c.gen = VMS_STATE_GEN(pe.state);
		c.n = 0;
		err = pe.busy ? 0 : for_each_vma(m, collect_one, &c);
		if (err)
			goto out;
		if (!pe.busy && !bpf_map_lookup_elem(m->procs_fd, &tgid, &pe2) && !pe2.busy &&
		    pe2.state == pe.state && !(pe2.flags & (VMS_PROC_DIRTY | VMS_PROC_OVERFLOW))) {
			vms_debug("PID %u: model generation %u after %u changes (flags %#x; %llu full, "
				  "%llu range resyncs), %zu VMAs", tgid, VMS_STATE_GEN(pe.state),
				  VMS_STATE_CHANGES(pe.state), pe.flags,
				  (unsigned long long)pe.full_resyncs,
				  (unsigned long long)pe.range_resyncs, c.n);
			break;
		}
		if (pass + 1 == READ_PASSES) {
			err = -EAGAIN;
			goto out;
		}
	}
	idx = xcalloc(c.n ? c.n : 1, sizeof(*idx));
	for (size_t i = 0; i < c.n; i++)
		idx[i] = i;
	sort_ctx = &c;
	qsort(idx, c.n, sizeof(*idx), cmp_idx);
	for (size_t i = 0; i < c.n; i++) {
		const struct vms_vma_key *k = &c.keys[idx[i]];
		const struct vms_vma_ent *v = &c.vals[idx[i]];
		struct vms_vma_rec r = {
			.start = k->start, .end = v->end, .pgoff = v->pgoff, .ino = v->ino,
			.dev = v->dev, .flags = v->flags & 0xff,
		};
		struct vms_region *reg;
		char *name;

		if (v->flags & VMS_VMA_UNNAMED || !(name = name_of(m, v))) {
			err = -ENODATA;
			goto out;
		}
		reg = snapshot_add(s);
		vma_rec_to_region(&r, "", reg);
		free(reg->name);
		reg->name = name;
	}
	if (pe.flags & VMS_PROC_GATE) {
		const struct vms_region *gate = procfs_gate_region();

		if (gate) {
			struct vms_region *r = snapshot_add(s);

			*r = *gate;
			r->name = xstrdup(gate->name);
		}
	}
	err = 0;
out:
	free(idx);
	free(c.keys);
	free(c.vals);
	return err;
}

struct count_ctx {
	struct live *m;
	struct live_status *st;
};

static int count_one(void *ctx, const void *key, const void *val)
{
	const struct vms_vma_key *k = key;
	struct count_ctx *c = ctx;
	struct vms_proc_ent pe;

	c->st->entries++;
	if (bpf_map_lookup_elem(c->m->procs_fd, &k->tgid, &pe)) {
		c->st->garbage_entries++;
		c->st->dead_entries++;
	} else if (k->gen < VMS_STATE_GEN(pe.state))
		c->st->garbage_entries++;
	else if (k->gen == VMS_STATE_GEN(pe.state))
		c->st->vmas++;
	return 0;
}

/* The model's identity of a process, (tgid, start time), against the live one. */
static bool process_alive(uint32_t tgid, uint64_t start_ns)
{
	struct vms_proc p;

	return !procfs_read_stat((pid_t)tgid, &p) && same_start(start_ns, p.start_time) &&
	       p.state != 'Z';
}

/* A per-CPU counter, summed. */
static unsigned long long percpu_sum(int fd, __u32 key, int ncpu)
{
	unsigned long long *v = xcalloc((size_t)ncpu, sizeof(*v)), sum = 0;

	if (!bpf_map_lookup_elem(fd, &key, v))
		for (int c = 0; c < ncpu; c++)
			sum += v[c];
	free(v);
	return sum;
}

/*
 * Runs of the model's programs the kernel skipped (bpf_prog_info.recursion_misses): the program
 * was already running on that CPU, preempted inside it, which happens where syscall tracepoints
 * run preemptibly (7.x). Each is an event the model did not see, of a process nobody can name:
 * once this moves, readers verify a process before trusting it (see published()).
 */
unsigned long long live_missed_runs(void)
{
	unsigned long long sum = 0;
	char path[512];

	for (size_t i = 0; i < ARRAY_SIZE(model_link_names); i++) {
		struct bpf_link_info li = { 0 };
		__u32 ll = sizeof(li);
		int lfd, pfd;

		snprintf(path, sizeof(path), LINKS_DIR "/%s", model_link_names[i]);
		lfd = bpf_obj_get(path);
		if (lfd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(lfd, &li, &ll) && li.prog_id &&
		    (pfd = bpf_prog_get_fd_by_id(li.prog_id)) >= 0) {
			sum += bpf_prog_misses(pfd);
			close(pfd);
		}
		close(lfd);
	}
	return sum;
}

/* Marks the model verified at misses0 (the count before a pass that resynced every process)
 * when no run was skipped during the pass. */
static void set_verified(int info_fd, unsigned long long misses0)
{
	struct vms_info vi;
	__u32 zero = 0;

	if (live_missed_runs() != misses0 || bpf_map_lookup_elem(info_fd, &zero, &vi))
		return;
	vi.verified_misses = misses0;
	bpf_map_update_elem(info_fd, &zero, &vi, 0);
}

pid_t *live_pids(struct live *m, size_t *n)
{
	__u32 key = 0, next;
	pid_t *pids = NULL;

	*n = 0;
	for (void *k = NULL; !bpf_map_get_next_key(m->procs_fd, k, &next); k = &key) {
		key = next;
		pids = xrealloc(pids, (*n + 1) * sizeof(*pids));
		pids[(*n)++] = (pid_t)key;
	}
	return pids;
}

int live_verify_all(struct live *m)
{
	unsigned long long misses0 = live_missed_runs();
	int fd = bpf_obj_get(MAPS_DIR "/vms_info");
	pid_t *pids;
	size_t n;

	if (fd < 0)
		return -errno;
	pids = live_pids(m, &n);
	for (size_t i = 0; i < n; i++)
		live_resync(m, pids[i]);
	free(pids);
	set_verified(fd, misses0);
	close(fd);
	return 0;
}

int live_status(struct live *m, struct live_status *st)
{
	struct count_ctx c = { m, st };
	struct bpf_map_info info;
	__u32 key = 0, next, info_len = sizeof(info);
	struct vms_proc_ent pe;
	int ncpu = libbpf_num_possible_cpus(), err;
	int fds[] = { m->procs_fd, m->vmas_fd, m->names_fd, m->stats_fd, m->global_fd };

	memset(st, 0, sizeof(*st));
	for (void *k = NULL; !bpf_map_get_next_key(m->procs_fd, k, &next); k = &key) {
		key = next;
		if (bpf_map_lookup_elem(m->procs_fd, &key, &pe))
			continue;
		st->procs++;
		if (!process_alive(key, pe.start_time))
			st->dead_procs++;
		if (pe.flags & VMS_PROC_DIRTY)
			st->dirty_procs++;
		if (pe.flags & VMS_PROC_OVERFLOW)
			st->overflow_procs++;
	}
	err = for_each_vma(m, count_one, &c);
	if (err)
		return err;
	{
		uint64_t nk = 0, nx;

		for (void *k = NULL; !bpf_map_get_next_key(m->names_fd, k, &nx); k = &nk) {
			nk = nx;
			st->names++;
		}
	}
	if (ncpu <= 0)
		ncpu = 1;
	for (__u32 i = 0; i < VMS_STAT__COUNT; i++)
		st->stats[i] = percpu_sum(m->stats_fd, i, ncpu);
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		st->kernel_bytes += procfs_fd_memlock(fds[i]);
	if (m->faults_source != VMS_FAULTS_OFF) {
		long n = faults_count_entries(m->faults_fd, 0);

		st->fault_entries = n > 0 ? (unsigned long long)n : 0;
		st->faults_lost = percpu_sum(m->faults_lost_fd, 0, ncpu);
		st->kernel_bytes += procfs_fd_memlock(m->faults_fd) + procfs_fd_memlock(m->faults_lost_fd);
	}
	memset(&info, 0, sizeof(info));
	if (!bpf_obj_get_info_by_fd(m->vmas_fd, &info, &info_len))
		st->max_vmas = info.max_entries;
	st->missed_runs = live_missed_runs();
	return 0;
}
