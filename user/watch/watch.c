// SPDX-License-Identifier: BSD-2-Clause
/*
 * `vmscope watch`: loads bpf/watch.bpf.c with the filters as read-only knobs, attaches, and
 * drains the ring buffer on a timer (the kernel side only wakes us past a watermark). Nothing
 * is pinned: every program and map goes away with this process, so until everything is
 * attached a stop signal ends it at once (util/sigstop.h); after that the loop ends cleanly.
 */
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>

#include "kernel/bpf_diag.h"
#include "kernel/mounts.h"
#include "kernel/sigstop.h"
#include "proc/procfs.h"
#include "core/util.h"
#include "watch.skel.h"
#include "watch/watch.h"

#define POLL_MS 100	/* the longest an event waits in the ring buffer */
/* One drain's bound: libbpf 1.1.2 drains for as long as events keep coming, so a flood would
 * keep the loop (signals, --duration, a closed stdout, exited targets) from ever running. */
#define DRAIN_MS 50
#define DRAIN_CHECK 64	/* events between two looks at the clock */
#define DRAIN_YIELD (-EAGAIN)	/* on_event's "return to the loop" (libbpf passes it on) */

struct watch_ctx {
	const struct watch_opts *o;
	struct watch_bpf *skel;
	struct watch_names *names;
	FILE *out;
	const struct watch_format *format;
	int64_t mono_to_real;	/* CLOCK_REALTIME - CLOCK_MONOTONIC, ns */
	uint64_t events, lost_reported;
	int64_t drain_end;	/* CLOCK_MONOTONIC: this drain yields then (DRAIN_MS) */
	int64_t deadline;	/* --duration's end, 0 for none */
	unsigned drained;	/* events of this drain */
	bool final;		/* the last drain, after the loop: a pending stop is why it runs */
	bool out_broken;
	int ncpus;
	struct fault_report faults;	/* --faults */
	bool faults_open;
};

static int64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void show(struct watch_ctx *c, const struct watch_event *ev)
{
	c->format->event(c->out, ev, c->o->color);
	c->events++;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct watch_ctx *c = ctx;
	const struct vms_event *e = data;
	struct watch_event ev = { .e = e, .realtime_ns = e->ts_ns + c->mono_to_real };

	if (size < sizeof(*e))
		return 0;
	if (e->name_id)
		ev.name = watch_names_get(c->names, e->name_id, e->name_kind);
	else if (e->name_kind == VMS_NAME_NONE && !(e->flags & VMS_EVF_UNNAMED))
		ev.name = "[anon]";
	show(c, &ev);
	/* a non-zero return stops libbpf's drain (this event is consumed, and shown) */
	if ((!c->final && sigstop_requested()) || ferror(c->out))
		return DRAIN_YIELD;
	if (++c->drained % DRAIN_CHECK == 0) {
		int64_t now = clock_ns(CLOCK_MONOTONIC);

		if (now >= c->drain_end || (!c->final && c->deadline && now >= c->deadline))
			return DRAIN_YIELD;
	}
	return 0;
}

/* One bounded drain (poll: wait up to timeout_ms first). 0, or a negative error of libbpf. */
static int drain(struct watch_ctx *c, struct ring_buffer *rb, int timeout_ms)
{
	int err;

	c->drained = 0;
	c->drain_end = clock_ns(CLOCK_MONOTONIC) + (int64_t)(timeout_ms + DRAIN_MS) * 1000000;
	err = timeout_ms ? ring_buffer__poll(rb, timeout_ms) : ring_buffer__consume(rb);
	if (err >= 0 && timeout_ms) {
		/* what came in after the wakeup, within the same bound */
		c->drain_end = clock_ns(CLOCK_MONOTONIC) + (int64_t)DRAIN_MS * 1000000;
		err = ring_buffer__consume(rb);
	}
	return err == DRAIN_YIELD || err >= 0 ? 0 : err;
}

/* --faults: the process filter of the kernel side, applied to the processes with counts. */
static bool proc_in_cgroup(uint32_t tgid, const char *cgroup)
{
	const char *root = cgroup2_mount();
	char *path = root ? procfs_read_cgroup((pid_t)tgid) : NULL, full[4096];
	bool in = false;
	size_t n;

	if (path) {
		snprintf(full, sizeof(full), "%s%s", root, path);
		n = strlen(cgroup);
		while (n > 1 && cgroup[n - 1] == '/')
			n--;
		in = !strncmp(full, cgroup, n) && (full[n] == 0 || full[n] == '/');
	}
	free(path);
	return in;
}

static bool fault_wanted(void *ctx, uint32_t tgid)
{
	struct watch_ctx *c = ctx;
	const struct watch_opts *o = c->o;
	uint8_t v;

	if (tgid == (uint32_t)getpid())
		return false;
	if (o->n_pids && bpf_map_lookup_elem(bpf_map__fd(c->skel->maps.vms_targets), &tgid, &v))
		return false;
	if (o->comm) {
		struct vms_proc p;

		if (procfs_read_stat((pid_t)tgid, &p) || strcmp(p.comm, o->comm))
			return false;
	}
	return !o->cgroup || proc_in_cgroup(tgid, o->cgroup);
}

static void fault_emit(void *ctx, const struct watch_event *ev)
{
	show(ctx, ev);
}

/* Sum of a per-CPU counter. */
static uint64_t wstat_sum(struct watch_ctx *c, uint32_t id)
{
	uint64_t vals[c->ncpus], sum = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(c->skel->maps.vms_wstats), &id, vals))
		return 0;
	for (int i = 0; i < c->ncpus; i++)
		sum += vals[i];
	return sum;
}

/* Loss is never silent: a line in the stream as soon as the counter moves. */
static void report_lost(struct watch_ctx *c)
{
	uint64_t lost = wstat_sum(c, VMS_WST_LOST);

	if (lost <= c->lost_reported)
		return;
	c->format->lost(c->out, lost - c->lost_reported, clock_ns(CLOCK_REALTIME), c->o->color);
	c->lost_reported = lost;
}

/* The reader of our stdout is gone (`watch | head`): stop now, not at the next event. */
static bool out_closed(void)
{
	struct pollfd p = { .fd = STDOUT_FILENO, .events = 0 };

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP));
}

/* Whether a watched process is left. The kernel drops a target at its exit; one that exited
 * before the programs were attached is dropped here. */
static bool targets_left(struct watch_ctx *c)
{
	int fd = bpf_map__fd(c->skel->maps.vms_targets);
	uint32_t key, next, dead[64];
	int n_dead = 0;
	bool any = false;

	for (int err = bpf_map_get_next_key(fd, NULL, &next); !err;
	     err = bpf_map_get_next_key(fd, &key, &next)) {
		key = next;
		if (kill((pid_t)key, 0) && errno == ESRCH) {
			if (n_dead < 64)
				dead[n_dead++] = key;
		} else {
			any = true;
		}
	}
	for (int i = 0; i < n_dead; i++)
		bpf_map_delete_elem(fd, &dead[i]);
	return any || n_dead == 64;
}

static int set_filters(struct watch_ctx *c)
{
	const struct watch_opts *o = c->o;
	struct watch_bpf *skel = c->skel;
	uint8_t one = 1;

	for (int i = 0; i < o->n_pids; i++) {
		uint32_t pid = (uint32_t)o->pids[i];

		if (bpf_map_update_elem(bpf_map__fd(skel->maps.vms_targets), &pid, &one, BPF_ANY)) {
			vms_err("watch: cannot add PID %d to the filter: %s", o->pids[i],
				strerror(errno));
			return -1;
		}
	}
	if (o->cgroup) {
		uint32_t zero = 0;
		struct statfs sfs;
		int fd = open(o->cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0 || fstatfs(fd, &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC) {
			vms_err("watch: --cgroup %s: %s", o->cgroup,
				fd < 0 ? strerror(errno) : "not a cgroup v2 directory");
			if (fd >= 0)
				close(fd);
			return -1;
		}
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.vms_cgroup), &zero, &fd, BPF_ANY)) {
			vms_err("watch: --cgroup %s: %s", o->cgroup, strerror(errno));
			close(fd);
			return -1;
		}
		close(fd);
	}
	return 0;
}

/* The bpf_kallsyms_lookup_name() answers build_path() needs (see watch_ksyms): without them
 * memfd, shared anonymous, SysV shm and anon_inode names are left to the reader's /proc. */
static void run_ksyms(struct watch_ctx *c)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	int err = bpf_prog_test_run_opts(bpf_program__fd(c->skel->progs.watch_ksyms), &opts);

	if (err)
		vms_debug("watch: looking up the d_dname functions: %s", strerror(errno));
}

/* "PID 12", "PIDs 12 34 56 ... (9 in all)" and the other filters, for the attached line. */
static void describe_filters(const struct watch_opts *o, char *buf, size_t size)
{
	size_t n = 0;
	char sz[8];

#define ADD(...) (n += snprintf(buf + n, n < size ? size - n : 0, __VA_ARGS__))
	ADD("watching");
	if (o->n_pids) {
		ADD(" PID%s", o->n_pids > 1 ? "s" : "");
		for (int i = 0; i < o->n_pids && i < 8; i++)
			ADD(" %d", (int)o->pids[i]);
		if (o->n_pids > 8)
			ADD(" ... (%d in all)", o->n_pids);
		if (o->follow)
			ADD(" and %s children", o->n_pids > 1 ? "their" : "its");
	}
	if (o->comm)
		ADD("%s tasks named %s", o->n_pids ? "," : "", o->comm);
	if (o->cgroup)
		ADD("%s in cgroup %s", o->n_pids || o->comm ? "," : "", o->cgroup);
	if (!o->n_pids && !o->comm && !o->cgroup)
		ADD(" all processes");
	if (o->min_size) {
		watch_human_size(o->min_size, sz);
		ADD(", regions of %s or more", sz);
	}
#undef ADD
	if (n >= size && size > 4)
		strcpy(buf + size - 4, "...");
}

/* Programs attached, for the attached line. */
static int links_attached(const struct watch_bpf *skel)
{
	const struct bpf_object_skeleton *s = skel->skeleton;
	int n = 0;

	for (int i = 0; i < s->prog_cnt; i++)
		n += *s->progs[i].link != NULL;
	return n;
}

/* Runs of our programs the kernel skipped (one was preempted inside on that CPU, where syscall
 * tracepoints run preemptibly): their events are lost without a trace in the ring buffer. */
static uint64_t skipped_runs(struct watch_ctx *c)
{
	struct bpf_program *prog;
	uint64_t n = 0;

	bpf_object__for_each_program(prog, c->skel->obj)
		if (bpf_program__fd(prog) >= 0)
			n += bpf_prog_misses(bpf_program__fd(prog));
	return n;
}

static void print_summary(struct watch_ctx *c)
{
	uint64_t seen = wstat_sum(c, VMS_WST_SEEN), filtered = wstat_sum(c, VMS_WST_FILTERED);
	uint64_t small = wstat_sum(c, VMS_WST_SMALL), lost = wstat_sum(c, VMS_WST_LOST);
	uint64_t skipped = skipped_runs(c);

	fprintf(stderr, "vmscope: watch: %llu events shown, %llu lost; in the kernel %llu of %llu "
		"operations filtered out, %llu regions below --min-size",
		(unsigned long long)c->events, (unsigned long long)lost,
		(unsigned long long)filtered, (unsigned long long)seen, (unsigned long long)small);
	if (skipped)
		fprintf(stderr, "; %llu program runs skipped by the kernel (their events are lost)",
			(unsigned long long)skipped);
	fputc('\n', stderr);
}

int watch_run(const struct watch_opts *o)
{
	struct watch_ctx c = { .o = o, .out = stdout,
			       .format = o->format ? o->format : &watch_format_text };
	struct ring_buffer *rb = NULL;
	char filters[512];
	struct fault_report_sink sink = { .wanted = fault_wanted, .emit = fault_emit, .ctx = &c,
					  .min_size = o->min_size };
	int64_t next_tick = 0;
	int err, rc = VMS_EXIT_FAIL;

	c.ncpus = libbpf_num_possible_cpus();
	if (c.ncpus <= 0) {
		vms_err("watch: cannot count CPUs: %s", strerror(-c.ncpus));
		return VMS_EXIT_FAIL;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		vms_err("watch: this kernel has no BTF (/sys/kernel/btf/vmlinux): watch needs BPF "
			"with BTF; use 'vmscope map --backend procfs' for snapshots");
		return VMS_EXIT_FAIL;
	}
	c.skel = watch_bpf__open();
	if (!c.skel) {
		vms_err("watch: cannot open the BPF object: %s", strerror(errno));
		return VMS_EXIT_FAIL;
	}
	c.skel->rodata->self_tgid = (uint32_t)getpid();
	c.skel->rodata->filter_pids = o->n_pids > 0;
	c.skel->rodata->follow_forks = o->follow;
	if (o->comm) {
		c.skel->rodata->filter_comm = true;
		strncpy((char *)c.skel->rodata->comm_filter, o->comm,
			sizeof(c.skel->rodata->comm_filter) - 1);
	}
	c.skel->rodata->filter_cgroup = o->cgroup != NULL;
	c.skel->rodata->min_size = o->min_size;
	c.skel->rodata->wakeup_bytes = o->buffer_size / 4;
	{
		uint64_t key[2];

		err = bpf_name_key(key);
		if (err) {
			vms_err("watch: cannot draw a key for the name hash: %s", strerror(-err));
			goto cleanup;
		}
		c.skel->rodata->vms_name_key[0] = key[0];
		c.skel->rodata->vms_name_key[1] = key[1];
	}
	bpf_map__set_max_entries(c.skel->maps.vms_events, o->buffer_size);
	if (o->faults) {
		if (fault_report_open(&c.faults, o->interval))
			goto cleanup;
		c.faults_open = true;
		err = bpf_map__reuse_fd(c.skel->maps.vms_faults, c.faults.m.faults_fd);
		if (err) {
			vms_err("watch: --faults: cannot use the model's fault map: %s", strerror(-err));
			goto cleanup;
		}
		c.skel->rodata->faults_on = true;
	}

	bpf_diag_reset();
	err = watch_bpf__load(c.skel);
	if (err) {
		vms_err("watch: cannot load the BPF programs: %s%s", bpf_diag_why(err),
			err == -EPERM ? " (need root, or CAP_BPF and CAP_PERFMON)" : " (-v shows more)");
		goto cleanup;
	}
	run_ksyms(&c);
	if (set_filters(&c))
		goto cleanup;
	err = watch_bpf__attach(c.skel);
	if (err) {
		vms_err("watch: cannot attach the BPF programs: %s (try -v)", strerror(-err));
		goto cleanup;
	}
	/* events flow from here on: a signal now ends the loop, with the summary */
	sigstop_defer();
	rb = ring_buffer__new(bpf_map__fd(c.skel->maps.vms_events), on_event, &c, NULL);
	if (!rb) {
		vms_err("watch: cannot open the ring buffer: %s", strerror(errno));
		goto cleanup;
	}
	c.names = watch_names_new(bpf_map__fd(c.skel->maps.vms_names));
	c.mono_to_real = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);

	signal(SIGPIPE, SIG_IGN); /* a closed stdout shows as EPIPE: we stop and clean up */
	if (o->duration > 0)
		c.deadline = clock_ns(CLOCK_MONOTONIC) + (int64_t)(o->duration * 1e9);
	if (c.format->header)
		c.format->header(c.out, o->color);
	fflush(c.out);
	if (!o->quiet) {
		/* people and scripts learn when events begin */
		describe_filters(o, filters, sizeof(filters));
		fprintf(stderr, "vmscope: watch: attached (%d programs) in %.2f s, %s\n",
			links_attached(c.skel),
			(clock_ns(CLOCK_MONOTONIC) - o->started_ns) / 1e9, filters);
	}

	while (!sigstop_requested()) {
		if (c.faults_open && clock_ns(CLOCK_MONOTONIC) >= next_tick) {
			fault_report_tick(&c.faults, &sink);
			next_tick = clock_ns(CLOCK_MONOTONIC) + (int64_t)(o->interval * 1e9);
		}
		err = drain(&c, rb, POLL_MS);
		if (err < 0 && err != -EINTR) {
			vms_err("watch: reading the ring buffer: %s", strerror(-err));
			goto cleanup;
		}
		report_lost(&c);
		if (fflush(c.out) || ferror(c.out) || out_closed()) {
			c.out_broken = true;
			break;
		}
		if (c.deadline && clock_ns(CLOCK_MONOTONIC) >= c.deadline)
			break;
		if (o->n_pids && !targets_left(&c))
			break; /* every watched process has exited */
	}
	if (!c.out_broken) {
		c.final = true;
		drain(&c, rb, 0); /* what was queued, within the bound: a flood does not end */
		report_lost(&c);
		fflush(c.out);
	}
	if (!o->quiet_summary && !o->quiet)
		print_summary(&c);
	rc = VMS_EXIT_OK;
cleanup:
	ring_buffer__free(rb);
	watch_names_free(c.names);
	if (c.faults_open)
		fault_report_close(&c.faults);
	watch_bpf__destroy(c.skel); /* detaches everything */
	return rc;
}
