// SPDX-License-Identifier: BSD-2-Clause
/*
 * vmscope snapshot: save a process's regions with their accounting to a file (once, or a
 * timeline: --every/--count into a directory), show a file in any map format, export it as
 * JSON and import that JSON back. Format: docs/snapshot-format.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/read_target.h"
#include "core/escape.h"
#include "core/format/format.h"
#include "core/snapshot/json_import.h"
#include "core/util.h"
#include "model/live.h"
#include "snapshot/file.h"

enum { OPT_EVERY = 0x100, OPT_COUNT, OPT_FAULTS };

/* ---- save ------------------------------------------------------------------------------------ */

struct save_args {
	const char *out, *backend, *target;
	double every;
	uint64_t count;
	bool faults, every_set;
};

static const struct argp_option save_options[] = {
	{ "output", 'o', "FILE|DIR", 0, "Write to FILE (default COMM-PID-TIME.vms; - for stdout); "
	  "with --every, into DIR", 0 },
	{ "every", OPT_EVERY, "SEC", 0, "A timeline: a snapshot every SEC seconds (with --count)", 0 },
	{ "count", OPT_COUNT, "N", 0, "How many snapshots the timeline takes (default 10)", 0 },
	{ "backend", 'B', "NAME", 0, "auto (default), bpf, procfs or bpf-iter, as for map", 1 },
	{ "faults", OPT_FAULTS, NULL, 0, "Also save fault counts (needs 'vmscope start --faults'; "
	  "with --backend auto they are saved whenever the model counts them)", 1 },
	CLI_COMMON_OPTIONS,
	{ 0 }
};

static error_t save_parse(int key, char *arg, struct argp_state *state)
{
	struct save_args *a = state->input;

	switch (key) {
	case 'o': a->out = arg; break;
	case 'B': a->backend = arg; break;
	case OPT_FAULTS: a->faults = true; break;
	case OPT_EVERY:
		if (parse_seconds(arg, 0.01, 86400 * 365, &a->every))
			return cli_fail(state, "snapshot save: --every wants seconds (0.01 or more), not '%s'", arg);
		a->every_set = true;
		break;
	case OPT_COUNT:
		if (parse_u64(arg, 10, &a->count) || a->count < 1 || a->count > 1000000)
			return cli_fail(state, "snapshot save: --count wants 1..1000000, not '%s'", arg);
		break;
	case ARGP_KEY_ARG:
		if (a->target)
			return cli_fail(state, "snapshot save: one process at a time ('%s' is one too many)", arg);
		a->target = arg;
		break;
	case ARGP_KEY_END:
		if (!a->target)
			return cli_fail(state, "snapshot save: no process given (want PID or NAME)");
		if (a->count && !a->every_set)
			return cli_fail(state, "snapshot save: --count goes with --every");
		if (a->every_set && !a->out)
			return cli_fail(state, "snapshot save: --every needs -o DIR");
		break;
	default:
		return cli_default_key(key, arg, state);
	}
	return 0;
}

static const struct argp save_argp = {
	.options = save_options,
	.parser = save_parse,
	.args_doc = "PID|NAME",
	.doc = "Save the regions of a process, with their smaps accounting, to a snapshot file "
	       "(zlib-compressed, versioned: docs/snapshot-format.md).\v"
	       "The file's path is printed on stdout. Exit status: 0 ok, 42 if the process was "
	       "not found, 1 on other failures.",
};

/* Whether the live model runs and counts page faults: then `auto` saves them too ("fault
 * counts when available"). Silent: without the model there are just none. */
static bool model_counts_faults(void)
{
	struct live m;
	bool yes;

	if (live_open(&m))
		return false;
	yes = m.faults_source != VMS_FAULTS_OFF;
	live_close(&m);
	return yes;
}

static int save_one(const char *cmd, const struct vms_target *t, const struct save_args *a,
		    const char *path)
{
	bool faults = a->faults || (!t->path && !strcmp(a->backend, "auto") && model_counts_faults());
	/* everything any format may ask for, so that each prints from the file as it did live */
	unsigned flags = BACKEND_ACCOUNTING | BACKEND_ACCT_IF_ANY | BACKEND_THREADS | BACKEND_NUMA |
			 BACKEND_PAGESIZES | (faults ? BACKEND_FAULTS : 0);
	struct vms_snapshot s;
	char why[256], name[256];
	int rc;

	snapshot_init(&s);
	rc = cli_read_target(cmd, t, a->backend, flags, &s);
	if (rc)
		goto out;
	if (!s.meta)
		snapmeta_fill_live(&s, faults);
	if (!path) {
		char comm[64], stamp[32];
		time_t now = (time_t)(s.meta->time_ns / 1000000000ull);
		struct tm tm;
		size_t i;

		/* a file name from the comm: letters, digits, '.', '-', '_' only */
		snprintf(comm, sizeof(comm), "%s", s.proc.comm[0] ? s.proc.comm : "proc");
		for (i = 0; comm[i]; i++)
			if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", comm[i]))
				comm[i] = '_';
		gmtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
		snprintf(name, sizeof(name), "%s-%d-%s.vms", comm, (int)s.proc.pid, stamp);
		path = name;
	}
	if (snapfile_write(path, &s, why, sizeof(why))) {
		vms_err("%s: %s: %s", cmd, path, why);
		rc = VMS_EXIT_FAIL;
		goto out;
	}
	if (strcmp(path, "-")) {
		char *esc = vms_escape_dup(path, strlen(path), VMS_ESC_TEXT);

		printf("%s\n", esc);
		free(esc);
	}
out:
	snapshot_free(&s);
	return rc;
}

static void sleep_until(const struct timespec *t0, double secs)
{
	struct timespec t = *t0;
	long long ns = (long long)(secs * 1e9);

	t.tv_sec += ns / 1000000000;
	t.tv_nsec += ns % 1000000000;
	if (t.tv_nsec >= 1000000000) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR)
		;
}

static int snapshot_save(int argc, char **argv)
{
	struct save_args a = { .backend = "auto" };
	struct vms_target t;
	struct timespec t0;
	char path[4096];
	int r = cli_parse(&save_argp, "snapshot save", argc, argv, &a);

	if (r >= 0)
		return r;
	r = cli_one_target("snapshot save", a.target, &t);
	if (r)
		return r;
	if (!a.every_set)
		return save_one("snapshot save", &t, &a, a.out);
	if (!a.count)
		a.count = 10;
	if (mkdir(a.out, 0755) && errno != EEXIST) {
		vms_err("snapshot save: %s: cannot create the directory: %s", a.out, strerror(errno));
		return VMS_EXIT_FAIL;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (uint64_t i = 0; i < a.count; i++) {
		if (i)
			sleep_until(&t0, a.every * (double)i);
		snprintf(path, sizeof(path), "%s/%06llu.vms", a.out, (unsigned long long)i + 1);
		r = save_one("snapshot save", &t, &a, path);
		if (r)
			return r; /* the ones saved stay: a timeline up to the process's exit */
		fflush(stdout);
	}
	return VMS_EXIT_OK;
}

/* ---- export, import, info ------------------------------------------------------------------------ */

static int export_cmd(int argc, char **argv)
{
	const char *spec = NULL;
	struct format_opts o;
	struct format_state st = { 0 };
	struct vms_target t;
	struct vms_snapshot s;
	int r;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("Usage: vmscope snapshot export FILE|PID [--format json]\n"
		       "Print a snapshot (or a live PID) as JSON: map's JSON with every field of the\n"
		       "snapshot added, which 'vmscope snapshot import' reads back.\n");
		return VMS_EXIT_OK;
	}
	for (int i = 1; i < argc; i++) {
		bool fmt_next = (!strcmp(argv[i], "--format") || !strcmp(argv[i], "-F")) && i + 1 < argc;
		const char *fmt = fmt_next ? argv[++i] : !strncmp(argv[i], "--format=", 9) ? argv[i] + 9 : NULL;

		if (fmt && strcmp(fmt, "json")) {
			vms_err("snapshot export: unknown format '%s' (json is the only export format)", fmt);
			return VMS_EXIT_FAIL;
		}
		if (fmt)
			continue;
		if (spec || (argv[i][0] == '-' && argv[i][1])) {
			vms_err("snapshot export: unexpected argument '%s' (want FILE|PID [--format json])", argv[i]);
			return VMS_EXIT_FAIL;
		}
		spec = argv[i];
	}
	if (!spec) {
		vms_err("snapshot export: want FILE|PID [--format json]");
		return VMS_EXIT_FAIL;
	}
	r = cli_one_target("snapshot export", spec, &t);
	if (r)
		return r;
	snapshot_init(&s);
	r = cli_read_target("snapshot export", &t, "auto", BACKEND_ACCOUNTING | BACKEND_ACCT_IF_ANY |
			    BACKEND_THREADS | BACKEND_NUMA | BACKEND_PAGESIZES, &s);
	if (!r) {
		if (!s.meta)
			snapmeta_fill_live(&s, false);
		format_opts_init(&o);
		o.full = true;
		o.faults = s.meta->has_faults;
		o.shm_minor = s.meta->shm_minor;
		format_json.print(stdout, &s, &o, &st);
		if (fflush(stdout) || ferror(stdout)) {
			vms_err("write error: %s", strerror(errno));
			r = VMS_EXIT_FAIL;
		}
	}
	snapshot_free(&s);
	return r;
}

#define MAX_JSON (256u << 20)

static int import_cmd(int argc, char **argv)
{
	const char *in = NULL, *out = NULL;
	struct vms_snapshot s;
	char why[256], *text;
	size_t len;
	int err;

	for (int i = 1; i < argc; i++) {
		if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) && i + 1 < argc)
			out = argv[++i];
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("Usage: vmscope snapshot import JSON -o FILE\n"
			       "Make a snapshot file from the JSON of 'vmscope snapshot export' (- is stdin).\n");
			return VMS_EXIT_OK;
		} else if (!in && (argv[i][0] != '-' || !strcmp(argv[i], "-")))
			in = argv[i];
		else {
			vms_err("snapshot import: unexpected argument '%s' (want JSON -o FILE)", argv[i]);
			return VMS_EXIT_FAIL;
		}
	}
	if (!in || !out) {
		vms_err("snapshot import: want JSON -o FILE");
		return VMS_EXIT_FAIL;
	}
	err = strcmp(in, "-") ? read_file(in, &text, &len) : read_file("/dev/stdin", &text, &len);
	if (err) {
		vms_err("snapshot import: %s: %s", in, strerror(-err));
		return VMS_EXIT_FAIL;
	}
	if (len > MAX_JSON) {
		vms_err("snapshot import: %s: too large (%zu bytes, at most %u)", in, len, MAX_JSON);
		free(text);
		return VMS_EXIT_FAIL;
	}
	snapshot_init(&s);
	err = snap_from_json(text, len, &s, why, sizeof(why));
	free(text);
	if (err) {
		vms_err("snapshot import: %s: %s", in, why);
		return VMS_EXIT_FAIL;
	}
	err = snapfile_write(out, &s, why, sizeof(why));
	snapshot_free(&s);
	if (err) {
		vms_err("snapshot import: %s: %s", out, why);
		return VMS_EXIT_FAIL;
	}
	return VMS_EXIT_OK;
}

static void info_line(const char *k, const char *v)
{
	char *esc = v ? vms_escape_dup(v, strlen(v), VMS_ESC_TEXT) : NULL;

	printf("%-12s %s\n", k, esc ? esc : "-");
	free(esc);
}

static int info_cmd(int argc, char **argv)
{
	struct vms_snapshot s;
	char why[256], buf[64];
	int rc = VMS_EXIT_OK;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		printf("Usage: vmscope snapshot info FILE...\nWhat a snapshot holds: process, "
		       "boot, kernel, time, backend, counts.\n");
		return argc < 2 ? VMS_EXIT_FAIL : VMS_EXIT_OK;
	}
	for (int i = 1; i < argc; i++) {
		time_t secs;
		struct tm tm;

		snapshot_init(&s);
		if (snapfile_read(argv[i], &s, why, sizeof(why))) {
			vms_err("snapshot info: %s: %s", argv[i], why);
			rc = VMS_EXIT_FAIL;
			continue;
		}
		info_line("file", argv[i]);
		snprintf(buf, sizeof(buf), "%u.%u", s.meta->major, s.meta->minor);
		info_line("version", buf);
		snprintf(buf, sizeof(buf), "%d", (int)s.proc.pid);
		info_line("pid", buf);
		info_line("comm", s.proc.comm);
		info_line("cmdline", s.proc.cmdline);
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)s.proc.start_time);
		info_line("start_time", buf);
		info_line("boot_id", s.meta->boot_id);
		info_line("kernel", s.meta->kernel);
		info_line("hostname", s.meta->hostname);
		secs = (time_t)(s.meta->time_ns / 1000000000ull);
		gmtime_r(&secs, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
		info_line("time", buf);
		info_line("backend", s.backend);
		snprintf(buf, sizeof(buf), "%zu", s.n);
		info_line("regions", buf);
		snprintf(buf, sizeof(buf), "%zu", s.n_threads);
		info_line("threads", buf);
		info_line("accounting", s.has_acct ? "yes" : "no");
		info_line("faults", s.meta->has_faults ? "yes" : "no");
		snapshot_free(&s);
	}
	return rc;
}

/* ---- dispatch ------------------------------------------------------------------------------------ */

static int show_cmd(int argc, char **argv)
{
	return map_main("snapshot show", argc, argv, true);
}

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} subs[] = {
	{ "save", snapshot_save, "save a process's regions and accounting to a file (or a timeline)" },
	{ "show", show_cmd, "print a snapshot file in any map format (map's options)" },
	{ "info", info_cmd, "what a snapshot file holds (process, boot, kernel, time)" },
	{ "export", export_cmd, "print a snapshot as JSON (every field)" },
	{ "import", import_cmd, "make a snapshot file from exported JSON" },
};

int cmd_snapshot(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		FILE *f = argc < 2 ? stderr : stdout;

		fprintf(f, "Usage: vmscope snapshot SUBCOMMAND [OPTIONS] ARGS\n\n");
		for (size_t i = 0; i < ARRAY_SIZE(subs); i++)
			fprintf(f, "  %-8s %s\n", subs[i].name, subs[i].summary);
		fprintf(f, "\nRun 'vmscope snapshot SUBCOMMAND --help' for its options.\n");
		return argc < 2 ? VMS_EXIT_FAIL : VMS_EXIT_OK;
	}
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++)
		if (!strcmp(argv[1], subs[i].name))
			return subs[i].fn(argc - 1, argv + 1);
	vms_err("snapshot: unknown subcommand '%s' (save, show, info, export or import)", argv[1]);
	return VMS_EXIT_FAIL;
}
