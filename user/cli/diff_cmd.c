// SPDX-License-Identifier: BSD-2-Clause
/*
 * vmscope diff: what changed between two snapshots (files or live processes: A B), over an
 * interval of a live process (-d SECONDS PID, as macOS vmmap -d), or along a timeline
 * directory of `snapshot save --every` (DIR: growth per region type, a table or --csv).
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/read_target.h"
#include "core/diff.h"
#include "core/escape.h"
#include "core/util.h"
#include "snapshot/file.h"

enum { OPT_JSON = 0x100, OPT_CSV, OPT_ALL };

struct diff_args {
	double secs;
	bool interval, json, csv, all;
	const char *backend;
	const char *ops[2];
	int n_ops;
};

static const struct argp_option diff_options[] = {
	{ "delay", 'd', "SECONDS", 0, "Live: two snapshots of PID, SECONDS apart (vmmap -d)", 0 },
	{ "json", OPT_JSON, NULL, 0, "One JSON object instead of the tables", 0 },
	{ "csv", OPT_CSV, NULL, 0, "A timeline DIR: one CSV row per snapshot and region type", 0 },
	{ "all", OPT_ALL, NULL, 0, "Also list the regions that did not change", 0 },
	{ "backend", 'B', "NAME", 0, "For live processes: auto (default), bpf, procfs or bpf-iter", 1 },
	CLI_COMMON_OPTIONS,
	{ 0 }
};

static error_t diff_parse(int key, char *arg, struct argp_state *state)
{
	struct diff_args *a = state->input;

	switch (key) {
	case 'd':
		if (parse_seconds(arg, 0, 86400, &a->secs))
			return cli_fail(state, "diff: -d wants seconds (0 to 86400), not '%s'", arg);
		a->interval = true;
		break;
	case OPT_JSON: a->json = true; break;
	case OPT_CSV: a->csv = true; break;
	case OPT_ALL: a->all = true; break;
	case 'B': a->backend = arg; break;
	case ARGP_KEY_ARG:
		if (a->n_ops == 2)
			return cli_fail(state, "diff: too many arguments ('%s')", arg);
		a->ops[a->n_ops++] = arg;
		break;
	case ARGP_KEY_END:
		if (a->interval && a->n_ops != 1)
			return cli_fail(state, "diff: -d SECONDS takes one process (PID or NAME)");
		if (!a->interval && a->n_ops == 0)
			return cli_fail(state, "diff: want A B (snapshots or processes), -d SECONDS PID, or DIR");
		if (a->json && a->csv)
			return cli_fail(state, "diff: --json and --csv are exclusive");
		break;
	default:
		return cli_default_key(key, arg, state);
	}
	return 0;
}

static const struct argp diff_argp = {
	.options = diff_options,
	.parser = diff_parse,
	.args_doc = "A B | -d SECONDS PID|NAME | DIR",
	.doc = "Show what changed in a process's regions: added, removed, moved (mremap), grown, "
	       "shrunk, protection changed, and RSS/dirty/swap deltas per region and per type, "
	       "largest first. A and B are snapshot files (vmscope snapshot save) or live "
	       "processes; DIR is a timeline (snapshot save --every). When the live model ran "
	       "between A and B, its log of mremap moves matches a region moved (and resized) "
	       "first.\v"
	       "Exit status: 0 ok, 42 if a process was not found, 1 on other failures.",
};

static int read_op(const struct diff_args *a, const char *spec, struct vms_snapshot *s)
{
	struct vms_target t;
	int rc = cli_one_target("diff", spec, &t);

	if (rc)
		return rc;
	rc = cli_read_target("diff", &t, a->backend, BACKEND_ACCOUNTING | BACKEND_ACCT_IF_ANY, s);
	if (!rc && !s->meta)
		snapmeta_fill_live(s, false);
	return rc;
}

static int print_diff(const struct diff_args *a, const struct vms_snapshot *x,
		      const struct vms_snapshot *y)
{
	struct vms_diff d;

	diff_compute(x, y, a->all, &d);
	if (a->json)
		diff_print_json(stdout, x, y, &d);
	else
		diff_print_text(stdout, x, y, &d);
	diff_free(&d);
	return VMS_EXIT_OK;
}

/* ---- timelines ---------------------------------------------------------------------------------- */

static int name_cmp(const void *p, const void *q)
{
	return strcmp(*(char *const *)p, *(char *const *)q);
}

static bool same_proc(const struct vms_snapshot *x, const struct vms_snapshot *y)
{
	return x->proc.pid == y->proc.pid && x->proc.start_time == y->proc.start_time &&
	       (!x->meta->boot_id || !y->meta->boot_id || !strcmp(x->meta->boot_id, y->meta->boot_id));
}

static int timeline(const struct diff_args *a, const char *dir)
{
	struct diff_type (*sums)[DIFF_N_KINDS + 1] = NULL;
	uint64_t *times = NULL;
	char **names = NULL, why[256], path[4096];
	size_t n = 0, cap = 0;
	struct vms_snapshot first, s;
	struct dirent *de;
	DIR *d = opendir(dir);
	int rc = VMS_EXIT_OK;

	if (!d) {
		vms_err("diff: %s: %s", dir, strerror(errno));
		return VMS_EXIT_FAIL;
	}
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (l < 5 || strcmp(de->d_name + l - 4, ".vms"))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			names = xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n < 2) {
		vms_err("diff: %s: a timeline needs at least two .vms snapshots (found %zu)", dir, n);
		rc = VMS_EXIT_FAIL;
		goto out;
	}
	qsort(names, n, sizeof(*names), name_cmp);
	sums = xcalloc(n, sizeof(*sums));
	times = xcalloc(n, sizeof(*times));
	snapshot_init(&first);
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		snapshot_init(&s);
		if (snapfile_read(path, &s, why, sizeof(why))) {
			vms_err("diff: %s: %s", path, why);
			rc = VMS_EXIT_FAIL;
			break;
		}
		if (i && !same_proc(&first, &s)) {
			vms_err("diff: %s: another process than %s/%s (pid %d, not %d, or restarted)",
				path, dir, names[0], (int)s.proc.pid, (int)first.proc.pid);
			snapshot_free(&s);
			rc = VMS_EXIT_FAIL;
			break;
		}
		diff_type_sums(&s, sums[i], 0);
		times[i] = s.meta->time_ns;
		if (i)
			snapshot_free(&s);
		else
			first = s;
	}
	if (rc)
		goto done;
	if (a->csv) {
		printf("snapshot,file,time_ns,seconds,kind,regions,size_kb,rss_kb,dirty_kb,swap_kb\r\n");
		for (size_t i = 0; i < n; i++) {
			/* a file name is any bytes: UTF-8 with controls as '?', quoted, '"' doubled */
			char *esc = vms_escape_dup(names[i], strlen(names[i]), VMS_ESC_UTF8);

			for (int k = 0; k <= DIFF_N_KINDS; k++) {
				const struct diff_type *t = &sums[i][k];

				printf("%zu,\"", i + 1);
				for (const char *c = esc; *c; c++)
					fputs(*c == '"' ? "\"\"" : (char[2]){ *c, 0 }, stdout);
				printf("\",%" PRIu64 ",%.3f,%s,%u,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
				       "\r\n", times[i], ((double)times[i] - (double)times[0]) / 1e9, t->kind,
				       t->count[0], t->size[0] >> 10, t->rss[0], t->dirty[0], t->swap[0]);
			}
			free(esc);
		}
	} else {
		char *first_name = vms_escape_dup(names[0], strlen(names[0]), VMS_ESC_TEXT);
		char *last_name = vms_escape_dup(names[n - 1], strlen(names[n - 1]), VMS_ESC_TEXT);

		printf("PID %d: %zu snapshots over %.2f s (%s .. %s)\n\n", (int)first.proc.pid, n,
		       ((double)times[n - 1] - (double)times[0]) / 1e9, first_name, last_name);
		free(first_name);
		free(last_name);
		printf("%-12s %12s %12s %10s %12s %10s %10s %10s %9s\n", "Type", "Kbytes-first",
		       "Kbytes-last", "dKbytes", "Kbytes-max", "RSS-first", "RSS-last", "dRSS", "dDirty");
		for (int k = 0; k <= DIFF_N_KINDS; k++) {
			uint64_t mx = 0;
			const struct diff_type *f0 = &sums[0][k], *fl = &sums[n - 1][k];

			for (size_t i = 0; i < n; i++)
				mx = sums[i][k].size[0] > mx ? sums[i][k].size[0] : mx;
			if (!mx)
				continue;
			printf("%-12s %12" PRIu64 " %12" PRIu64 " %+10" PRId64 " %12" PRIu64 " %10" PRIu64
			       " %10" PRIu64 " %+10" PRId64 " %+9" PRId64 "\n", f0->kind,
			       f0->size[0] >> 10, fl->size[0] >> 10,
			       diff_delta(fl->size[0] >> 10, f0->size[0] >> 10), mx >> 10,
			       f0->rss[0], fl->rss[0], diff_delta(fl->rss[0], f0->rss[0]),
			       diff_delta(fl->dirty[0], f0->dirty[0]));
		}
	}
done:
	snapshot_free(&first);
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(sums);
	free(times);
	return rc;
}

int cmd_diff(int argc, char **argv)
{
	struct diff_args a = { .backend = "auto" };
	struct vms_snapshot x, y;
	struct stat st;
	int rc = cli_parse(&diff_argp, "diff", argc, argv, &a);

	if (rc >= 0)
		return rc;
	if (!a.interval && a.n_ops == 1) {
		if (stat(a.ops[0], &st) || !S_ISDIR(st.st_mode)) {
			vms_err("diff: '%s' is not a timeline directory (or give two snapshots: A B)", a.ops[0]);
			return VMS_EXIT_FAIL;
		}
		return timeline(&a, a.ops[0]);
	}
	if (a.csv) {
		vms_err("diff: --csv is for a timeline DIR (use --json for two snapshots)");
		return VMS_EXIT_FAIL;
	}
	snapshot_init(&x);
	snapshot_init(&y);
	rc = read_op(&a, a.ops[0], &x);
	if (rc)
		goto out;
	if (a.interval) {
		struct timespec ts = { (time_t)a.secs, (long)((a.secs - (double)(time_t)a.secs) * 1e9) };

		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
	}
	rc = read_op(&a, a.ops[a.interval ? 0 : 1], &y);
	if (!rc)
		rc = print_diff(&a, &x, &y);
	if (!rc && (fflush(stdout) || ferror(stdout))) {
		vms_err("write error: %s", strerror(errno));
		rc = VMS_EXIT_FAIL;
	}
out:
	snapshot_free(&x);
	snapshot_free(&y);
	return rc;
}
