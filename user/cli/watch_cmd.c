// SPDX-License-Identifier: BSD-2-Clause
/* `vmscope watch`: options, target resolution, then user/watch/watch.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/args.h"
#include "backend/target.h"
#include "backend/bpf_off.h"
#include "cli/commands.h"
#include "proc/procfs.h"
#include "kernel/mounts.h"
#include "kernel/sigstop.h"
#include "core/util.h"
#include "watch/watch.h"

struct watch_args {
	struct watch_opts o;
	char **targets;		/* -p values, resolved after parsing */
	int n_targets;
	int color;		/* -1 auto, 0 off */
};

enum { OPT_JSON = 0x100, OPT_CGROUP, OPT_MIN_SIZE, OPT_DURATION, OPT_NO_COLOR, OPT_BUFFER,
       OPT_NO_SUMMARY, OPT_FAULTS, OPT_INTERVAL };

static const struct argp_option options[] = {
	{ "pid", 'p', "PID|NAME", 0, "Only this process (repeatable; NAME: every process of that "
	  "name now)", 0 },
	{ "comm", 'c', "COMM", 0, "Only tasks whose name (comm) is COMM, now or later", 0 },
	{ "follow", 'f', NULL, 0, "With -p: also the children the processes fork from now on", 0 },
	{ "cgroup", OPT_CGROUP, "PATH", 0, "Only tasks in this cgroup v2 or below it (a directory; "
	  "relative paths are under the cgroup v2 mount)", 0 },
	{ "min-size", OPT_MIN_SIZE, "N", 0, "Hide regions smaller than N bytes (K, M, G suffixes)",
	  0 },
	{ "duration", OPT_DURATION, "SEC", 0, "Stop after SEC seconds", 0 },
	{ "format", 'F', "FMT", 0, "text (default) or json", 0 },
	{ "json", OPT_JSON, NULL, 0, "Same as -F json: one JSON object per line", 0 },
	{ "no-color", OPT_NO_COLOR, NULL, 0, "No colors (they are only used on a terminal)", 0 },
	{ "buffer-size", OPT_BUFFER, "N", 0, "Ring buffer size, a power of two >= 4K (default 4M)",
	  0 },
	{ "no-summary", OPT_NO_SUMMARY, NULL, 0, "No summary line on stderr at exit", 0 },
	{ "quiet", 'q', NULL, 0, "Nothing on stderr but errors: no 'attached' line, no summary, "
	  "no line when interrupted while starting", 0 },
	{ "faults", OPT_FAULTS, NULL, 0, "Page faults per region (needs 'vmscope start --faults'): "
	  "a faults event per region whose counts moved, every --interval, and the final counts "
	  "with each unmap", 0 },
	{ "interval", OPT_INTERVAL, "SEC", 0, "With --faults: how often (default 1)", 0 },
	CLI_COMMON_OPTIONS,
	{ 0 }
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct watch_args *a = state->input;
	uint64_t v;
	double d;

	switch (key) {
	case 'p':
		a->targets = xrealloc(a->targets, (a->n_targets + 1) * sizeof(*a->targets));
		a->targets[a->n_targets++] = arg;
		return 0;
	case 'c':
		if (!*arg || strlen(arg) > 15)
			return cli_fail(state, "watch: -c '%s': a comm is 1 to 15 characters", arg);
		a->o.comm = arg;
		return 0;
	case 'f':
		a->o.follow = true;
		return 0;
	case OPT_CGROUP:
		a->o.cgroup = arg;
		return 0;
	case OPT_MIN_SIZE:
		if (parse_size(arg, &v))
			return cli_fail(state, "watch: --min-size '%s': not a size", arg);
		a->o.min_size = v;
		return 0;
	case OPT_DURATION:
		if (parse_seconds(arg, 0, 1e9, &d) || d == 0)
			return cli_fail(state, "watch: --duration '%s': not a positive number of "
					"seconds", arg);
		a->o.duration = d;
		return 0;
	case 'F':
		a->o.format = watch_format_find(arg);
		if (!a->o.format)
			return cli_fail(state, "watch: unknown format '%s' (%s)", arg,
					table_names(REGISTRY(watch_formats)));
		return 0;
	case OPT_JSON:
		a->o.format = &watch_format_json;
		return 0;
	case OPT_NO_COLOR:
		a->color = 0;
		return 0;
	case OPT_BUFFER:
		if (parse_size(arg, &v) || v < 4096 || v > (1u << 30) || (v & (v - 1)))
			return cli_fail(state, "watch: --buffer-size '%s': a power of two from 4K to "
					"1G", arg);
		a->o.buffer_size = (uint32_t)v;
		return 0;
	case OPT_NO_SUMMARY:
		a->o.quiet_summary = true;
		return 0;
	case 'q':
		a->o.quiet = true;
		return 0;
	case OPT_FAULTS:
		a->o.faults = true;
		return 0;
	case OPT_INTERVAL:
		if (parse_seconds(arg, 0.01, 86400, &d))
			return cli_fail(state, "watch: --interval '%s': seconds, from 0.01 to 86400", arg);
		a->o.interval = d;
		return 0;
	case ARGP_KEY_ARG:
		return cli_fail(state, "watch: unexpected argument '%s' (use -p PID)", arg);
	default:
		return cli_default_key(key, arg, state);
	}
}

static const struct argp argp = {
	.options = options,
	.parser = parse_opt,
	.doc = "Stream the region events of processes as they happen: map, unmap, protect, remap, "
	       "brk, grow, madvise, lock, unlock, exec, fork, exit. Without filters, of every "
	       "process. Filters run in the kernel. Nothing is pinned; everything is detached at "
	       "exit.\v"
	       "Once every program is attached, one line on stderr says so ('vmscope: watch: "
	       "attached (N programs) in S s, watching ...'): events begin there. With -p, watch "
	       "ends when every watched process has exited. Lost events (ring buffer full) are "
	       "reported in the stream as they are seen. SIGINT, SIGTERM or SIGHUP end it: "
	       "after the attached line with the summary and status 0, before it at once, by "
	       "the signal (status 128+N). Exit status: 0 ok, 42 if a PID or NAME was not found, "
	       "1 on other failures.",
};

/* -p values to pids; one error line per value that matches nothing, and per process that
 * can have no events (a kernel thread; a zombie, which would not even end the watch). */
static int resolve_targets(struct watch_args *a)
{
	int rc = VMS_EXIT_OK;

	for (int i = 0; i < a->n_targets; i++) {
		struct vms_target *t = NULL;
		size_t n = 0;

		rc = exit_worse(rc, target_parse("watch", a->targets[i], &t, &n));
		for (size_t j = 0; j < n; j++) {
			struct vms_proc p;
			int err = t[j].path ? -ENOTSUP : target_live_identity(t[j].pid, &p);

			if (!err && p.state == 'Z')
				err = -EIDRM;
			if (!t[j].path)
				free(p.cmdline);
			if (err == -ENOTSUP) {
				vms_err("watch: %s: watch follows live processes ('vmscope map' reads "
					"files)", t[j].path);
				rc = exit_worse(rc, VMS_EXIT_FAIL);
				continue;
			}
			if (err) {
				rc = exit_worse(rc, target_report("watch", &t[j], NULL, err));
				if (err == -ESRCH)
					continue;
			}
			/* a thread id watches its process, as map shows it (the filter is on tgids) */
			a->o.pids = xrealloc(a->o.pids, (a->o.n_pids + 1) * sizeof(*a->o.pids));
			a->o.pids[a->o.n_pids++] = err ? t[j].pid : p.pid;
		}
		free(t);
	}
	return rc;
}

int cmd_watch(int argc, char **argv)
{
	struct watch_args a = { .color = -1, .o.buffer_size = 4u << 20, .o.interval = 1 };
	struct timespec t0;
	char cg[4096];
	int rc;

	/* first: a signal during the seconds a slow kernel takes to load must not be lost */
	sigstop_install("watch");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	a.o.started_ns = (int64_t)t0.tv_sec * 1000000000LL + t0.tv_nsec;
	rc = cli_parse(&argp, "watch", argc, argv, &a);
	if (rc >= 0)
		goto out;
	if (a.o.quiet)
		sigstop_install(NULL);
	if (a.o.follow && !a.n_targets) {
		vms_err("watch: -f follows the children of -p processes: give -p");
		rc = VMS_EXIT_FAIL;
		goto out;
	}
	if (a.o.cgroup && a.o.cgroup[0] != '/') {
		/* relative: under the cgroup v2 mount (/sys/fs/cgroup, or .../unified) */
		const char *root = cgroup2_mount();

		if (!root) {
			vms_err("watch: --cgroup %s: no cgroup v2 hierarchy is mounted", a.o.cgroup);
			rc = VMS_EXIT_FAIL;
			goto out;
		}
		snprintf(cg, sizeof(cg), "%s/%s", root, a.o.cgroup);
		a.o.cgroup = cg;
	}
	if (bpf_off_reason()) { /* no /proc fallback for events: name what is missing */
		vms_err("watch: BPF is off: %s; watch needs BPF ('vmscope map' reads /proc without it)",
			bpf_off_reason());
		rc = VMS_EXIT_FAIL;
		goto out;
	}
	rc = resolve_targets(&a);
	if (rc != VMS_EXIT_OK)
		goto out;
	/* https://no-color.org: a NO_COLOR that is set and not empty turns colours off, as in map */
	a.o.color = a.color == 0 ? false : isatty(STDOUT_FILENO) &&
		    !(getenv("NO_COLOR") && getenv("NO_COLOR")[0]) &&
		    (!a.o.format || a.o.format->colors);
	rc = watch_run(&a.o);
out:
	free(a.targets);
	free(a.o.pids);
	return rc;
}
