// SPDX-License-Identifier: BSD-2-Clause
/* vmscope map: the regions of processes, as pmap tables, JSON or CSV. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/backend.h"
#include "backend/bpf_off.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "core/format/format.h"
#include "core/snapshot/codec.h"
#include "model/live.h"
#include "proc/procfs.h"
#include "core/util.h"

struct map_args {
	struct format_opts fmt;
	int x, X, d;
	int color;		/* -1 auto (a terminal and no NO_COLOR), 0 --no-color, 1 --color */
	int all;		/* --all: every process */
	const char *format;
	const char *backend;
	char **targets;
	int n_targets;
	bool files;	/* snapshot show: the targets are snapshot files */
	const char *cmd;	/* "map" or "snapshot show", for messages */
};

enum { OPT_FAULTS = 0x100, OPT_RESIDENT, OPT_PAGES, OPT_NO_COALESCE, OPT_INTERLEAVED, OPT_SUMMARY,
       OPT_NO_COLOR, OPT_COLOR, OPT_ALL };

static const struct argp_option map_options[] = {
	{ "extended", 'x', NULL, 0, "Show RSS and dirty kB per mapping", 0 },
	{ NULL, 'X', NULL, 0, "Show every smaps field but a few; -XX: all of them", 0 },
	{ "device", 'd', NULL, 0, "Show offsets and devices", 0 },
	{ "quiet", 'q', NULL, 0, "No column header or footer", 0 },
	{ "show-path", 'p', NULL, 0, "Show the full path of mapped files", 0 },
	{ "use-kernel-name", 'k', NULL, 0, "Show the kernel's names ([heap], [vdso], [anon:x])", 0 },
	{ "range", 'A', "LOW[,HIGH]", 0, "Only mappings overlapping [LOW,HIGH] (hex)", 0 },
	{ "lgroup", 'L', NULL, 0, "illumos: NUMA node of each run of pages (numa_maps)", 2 },
	{ "page-sizes", 's', NULL, 0, "illumos: page size of each run (4K, THP 2M, hugetlb)", 2 },
	{ "swap", 'S', NULL, 0, "illumos: swap used and commit charge (VmFlags ac/nr) per mapping", 2 },
	{ "reserved", 'r', NULL, 0, "illumos: only reserved ranges (PROT_NONE, MAP_NORESERVE)", 2 },
	{ "shared-anon", 'a', NULL, 0, "illumos: count shared anonymous memory as Anon (and its swap)", 2 },
	{ "resident", OPT_RESIDENT, NULL, 0, "vmmap -resident: VSIZE RSDNT DIRTY SWAP per region", 3 },
	{ "pages", OPT_PAGES, NULL, 0, "vmmap -pages: sizes in pages", 3 },
	{ "no-coalesce", OPT_NO_COALESCE, NULL, 0, "vmmap -noCoalesce: one row per region", 3 },
	{ "interleaved", OPT_INTERLEAVED, NULL, 0, "vmmap -interleaved: one section in address order", 3 },
	{ "summary", OPT_SUMMARY, NULL, 0, "vmmap -summary: same as --format vmmap-summary", 3 },
	{ "format", 'F', "FMT", 0, "pmap (default), json, csv, vmmap, vmmap-summary, types, illumos, svg, html or picture ('help' lists them)", 1 },
	{ "backend", 'B', "NAME", 0, "auto (default: the live model if started, else procfs; a core file: core), bpf, procfs, bpf-iter or core", 1 },
	{ "faults", OPT_FAULTS, NULL, 0, "Add minor/major page faults per region (needs 'vmscope start --faults')", 1 },
	{ "no-color", OPT_NO_COLOR, NULL, 0, "--format picture: no colours (the default off a terminal, or with NO_COLOR set)", 1 },
	{ "color", OPT_COLOR, NULL, 0, "--format picture: colours even off a terminal (e.g. for less -R)", 1 },
	{ "all", OPT_ALL, NULL, 0, "Every process (with the live model: in one pass over it)", 1 },
	CLI_COMMON_OPTIONS,
	{ 0 }
};

static error_t map_range(struct argp_state *state, struct format_opts *o, const char *arg)
{
	int err = parse_range(arg, &o->range_low, &o->range_high);

	if (err)
		return cli_fail(state, "map: malformed range '%s' (%s)", arg,
				err == -ERANGE ? "LOW is above HIGH" : "want LOW[,HIGH] in hex");
	return 0;
}

/* The seed tools' options go with their formats: illumos' choose the illumos table (from
 * the default format), vmmap's need a vmmap format. */
static error_t check_views(struct argp_state *state, struct map_args *a)
{
	char why[200];

	if (format_check_views(&a->fmt, &a->format, a->d || a->X, why, sizeof(why)))
		return cli_fail(state, "map: %s", why);
	return 0;
}

static error_t map_parse(int key, char *arg, struct argp_state *state)
{
	struct map_args *a = state->input;

	switch (key) {
	case 'x': a->x = 1; break;
	case 'X': a->X++; break;
	case 'd': a->d = 1; break;
	case 'q': a->fmt.quiet = true; break;
	case 'p': a->fmt.show_path = true; break;
	case 'k': a->fmt.kernel_names = true; break;
	case 'A': return map_range(state, &a->fmt, arg);
	case 'L': a->fmt.il_lgroup = true; break;
	case 's': a->fmt.il_pagesize = true; break;
	case 'S': a->fmt.il_swap = true; break;
	case 'r': a->fmt.il_reserved = true; break;
	case 'a': a->fmt.il_shared_anon = true; break;
	case OPT_RESIDENT: a->fmt.vm_resident = true; break;
	case OPT_PAGES: a->fmt.vm_pages = true; break;
	case OPT_NO_COALESCE: a->fmt.vm_no_coalesce = true; break;
	case OPT_INTERLEAVED: a->fmt.vm_interleaved = true; break;
	case OPT_SUMMARY: a->format = "vmmap-summary"; break;
	case 'F': a->format = arg; break;
	case 'B': a->backend = arg; break;
	case OPT_FAULTS: a->fmt.faults = true; break;
	case OPT_NO_COLOR: a->color = 0; break;
	case OPT_COLOR: a->color = 1; break;
	case OPT_ALL: a->all = 1; break;
	case ARGP_KEY_ARG:
		a->targets = xrealloc(a->targets, (a->n_targets + 1) * sizeof(*a->targets));
		a->targets[a->n_targets++] = arg;
		break;
	case ARGP_KEY_END:
		if (a->x + a->d + !!a->X > 1)
			return cli_fail(state, "map: options -d, -x, -X are mutually exclusive");
		if (a->X > 2)
			return cli_fail(state, "map: -X can be given at most twice (-XX)");
		if (a->fmt.faults && (a->d || a->X) && !strcmp(a->format, "pmap"))
			return cli_fail(state, "map: --faults adds columns to the default and -x tables only "
					"(or use --format json or csv)");
		if (a->all && a->n_targets)
			return cli_fail(state, "map: --all takes no PID, NAME or file");
		if (!a->n_targets && !a->all && strcmp(a->format, "help"))
			return cli_fail(state, a->files ? "snapshot show: no snapshot file given"
					       : "map: no process given (want PID, NAME, /proc/PID or a core file)");
		return check_views(state, a);
	default:
		return cli_default_key(key, arg, state);
	}
	return 0;
}

/* vmmap spells its options with one dash (-resident), which getopt would read as -r -e -s...:
 * those exact words become their long options before argp sees them. Another word is left
 * alone, and so is the argument of an option that takes one, and everything after "--". */
static void translate_vmmap_words(int argc, char **argv)
{
	static const char *const words[][2] = {
		{ "-resident", "--resident" }, { "-pages", "--pages" },
		{ "-noCoalesce", "--no-coalesce" }, { "-interleaved", "--interleaved" },
		{ "-summary", "--summary" },
	};

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return;
		if (!strcmp(argv[i], "-A") || !strcmp(argv[i], "-F") || !strcmp(argv[i], "-B") ||
		    !strcmp(argv[i], "--range") || !strcmp(argv[i], "--format") ||
		    !strcmp(argv[i], "--backend")) {
			i++;
			continue;
		}
		for (size_t w = 0; w < ARRAY_SIZE(words); w++)
			if (!strcmp(argv[i], words[w][0]))
				argv[i] = (char *)words[w][1];
	}
}

static const struct argp map_argp = {
	.options = map_options,
	.parser = map_parse,
	.args_doc = "PID|NAME|/proc/PID|CORE...\n--all",
	.doc = "Print the memory regions of processes. Output is byte-for-byte procps pmap's "
	       "unless --format says otherwise. vmmap's -resident, -pages, -noCoalesce, "
	       "-interleaved and -summary are accepted as vmmap spells them. A core file (ELF, the "
	       "kernel's or gdb's gcore) is read as the process it was: what a core does not "
	       "record is shown as absent ('-', null, '?').\v"
	       "Exit status: 0 ok, 42 if a PID or NAME was not found, 1 on other failures.",
};

/* snapshot show: map's options but --all (a saved snapshot is one process), filled at start */
static struct argp_option show_options[ARRAY_SIZE(map_options)];

static void fill_show_options(void)
{
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(map_options); i++)
		if (map_options[i].key != OPT_ALL)
			show_options[n++] = map_options[i];
}

static const struct argp show_argp = {
	.options = show_options,
	.parser = map_parse,
	.args_doc = "FILE...",
	.doc = "Print saved snapshots (vmscope snapshot save) exactly as map printed the process "
	       "when it was saved, in any of map's formats and views.\v"
	       "Exit status: 0 ok, 1 if a file cannot be read (one line says why).",
};

/* --faults: the counts are the live model's, kept only when it was started with --faults. */
static bool faults_ready(const char *backend)
{
	struct live m;
	unsigned source;
	int err;

	if (strcmp(backend, "auto") && strcmp(backend, "bpf")) {
		vms_err("map: --faults comes from the live model: use --backend bpf (or auto)");
		return false;
	}
	err = live_open(&m);
	if (err == -EPERM) {
		vms_err("map: --faults: %s", live_open_why(err));
		return false;
	}
	if (err) {
		vms_err("map: --faults needs the live model started with 'vmscope start --faults'");
		return false;
	}
	source = m.faults_source;
	live_close(&m);
	if (source == VMS_FAULTS_OFF && m.info.faults_why[0]) {
		vms_err("map: --faults: the live model counts no page faults, because %s",
			m.info.faults_why);
		return false;
	}
	if (source == VMS_FAULTS_OFF) {
		vms_err("map: --faults needs the live model started with 'vmscope start --faults' "
			"(it runs without; 'vmscope stop' first)");
		return false;
	}
	return true;
}

const struct vms_backend *map_backend(const char *cmd, const char *name, bool faults)
{
	const struct vms_backend *be;
	const char *why = "";

	if (faults && !faults_ready(name))
		return NULL;
	if (!strcmp(name, "auto"))
		return faults ? &backend_bpf_model : backend_auto();
	be = backend_find(name);
	if (!be) {
		vms_err("%s: unknown backend '%s' (auto, %s)", cmd, name,
			table_names(REGISTRY(vms_backends)));
		return NULL;
	}
	if (be->available && be->available(&why)) {
		vms_err("%s: backend '%s' is not available: %s", cmd, name, why);
		return NULL;
	}
	return be;
}

/* A live process without regions has no address space left: a zombie when it was read, or one
 * now (it exited between the identity and the regions), or gone. 0 if it still runs. */
static int gone_since(const struct vms_snapshot *s)
{
	struct vms_proc now;
	int err;

	if (s->proc.state == 'Z')
		return -EIDRM;
	err = target_live_identity(s->proc.pid, &now);
	free(now.cmdline);
	if (err == -ESRCH || (!err && now.start_time != s->proc.start_time))
		return -ESRCH;
	return !err && now.state == 'Z' ? -EIDRM : 0;
}

/* A file is read by the backend that claimed it: with --backend auto, or that one named. */
static const struct vms_backend *file_backend(const struct vms_target *t,
					      const struct vms_backend *be, const char *asked)
{
	return t->path && !strcmp(asked, "auto") ? t->backend : be;
}

/* What the backend must fill for this format and these options. */
static unsigned backend_flags(const struct map_args *a, const struct vms_format *fmt)
{
	unsigned needs = fmt->needs ? fmt->needs(&a->fmt) : 0;

	return (fmt->needs_accounting(&a->fmt) ? BACKEND_ACCOUNTING : 0) |
	       (a->fmt.faults ? BACKEND_FAULTS : 0) |
	       (needs & FMT_NEED_THREADS ? BACKEND_THREADS : 0) |
	       (needs & FMT_NEED_NUMA ? BACKEND_NUMA : 0) |
	       (needs & FMT_NEED_PAGESIZES ? BACKEND_PAGESIZES : 0);
}

static int show_target(const struct vms_target *t, const struct map_args *a,
		       const struct vms_backend *be, const struct vms_format *fmt,
		       struct format_state *st)
{
	struct vms_snapshot s;
	unsigned flags = backend_flags(a, fmt);
	int err, rc = VMS_EXIT_OK;

	if (!t->path != !be->claims) { /* a process to a file's backend, or the other way */
		if (t->path)
			vms_err("%s: %s: backend '%s' reads live processes, not files (use --backend "
				"auto or %s)", a->cmd, t->path, be->name, t->backend->name);
		else
			vms_err("%s: PID %d: backend '%s' reads files, not live processes", a->cmd,
				(int)t->pid, be->name);
		return VMS_EXIT_FAIL;
	}
	snapshot_init(&s);
	err = be->snapshot(t, &s, flags);
	if (!err && s.n == 0 && !t->path)
		err = gone_since(&s); /* no regions: a zombie (its mm is gone), maybe since */
	if (err) {
		if (s.proc.pid && fmt->print_unreadable)
			fmt->print_unreadable(stdout, &s);
		if (err == -EINVAL && !t->path) {
			vms_err("map: PID %d: unexpected format in /proc/%d/%s", (int)s.proc.pid,
				(int)s.proc.pid, s.n && (flags & BACKEND_NUMA) ? "numa_maps"
				: flags & BACKEND_ACCOUNTING ? "smaps" : "maps");
			rc = VMS_EXIT_FAIL;
		} else {
			rc = target_report(a->cmd, t, &s, err);
		}
		goto out;
	}
	if (!t->path && !strcmp(a->backend, "auto"))
		bpf_off_note(a->cmd, be); /* once, before the first table: why not BPF */
	if (s.meta) { /* a saved snapshot: the shm device of the system it was taken on */
		struct format_opts o = a->fmt;

		o.shm_minor = s.meta->shm_minor;
		fmt->print(stdout, &s, &o, st);
	} else {
		fmt->print(stdout, &s, &a->fmt, st);
	}
out:
	snapshot_free(&s);
	return rc;
}

struct all_print {
	const struct map_args *a;
	const struct vms_format *fmt;
	struct format_state *st;
	int rc;
};

/* --all: one process. One that exited, a kernel thread or a zombie has no map to show: it is
 * not part of "every process", and no error. */
static int all_print_one(void *ctx, struct vms_snapshot *s, int err)
{
	struct all_print *p = ctx;
	struct vms_target t = { .pid = s->proc.pid };

	if (!err && s->n == 0)
		err = gone_since(s);
	if (err == -ESRCH || err == -ENXIO || err == -EIDRM)
		return 0;
	if (err == -EINVAL) {
		vms_err("map: PID %d: unexpected format in /proc/%d/maps", (int)s->proc.pid,
			(int)s->proc.pid);
		p->rc |= VMS_EXIT_FAIL;
	} else if (err) {
		p->rc |= target_report("map", &t, s, err);
	} else {
		p->fmt->print(stdout, s, &p->a->fmt, p->st);
	}
	return 0;
}

static int map_all(const struct map_args *a, const struct vms_backend *be,
		   const struct vms_format *fmt, struct format_state *st)
{
	struct all_print p = { a, fmt, st, VMS_EXIT_OK };
	unsigned flags = backend_flags(a, fmt) | (fmt->skips_cmdline ? BACKEND_NO_CMDLINE : 0);
	int err = backend_snapshot_all(be, flags, all_print_one, &p);

	if (err) {
		vms_err("map: --all: %s", be == &backend_bpf_model ? live_open_why(err)
								   : strerror(-err));
		return VMS_EXIT_FAIL;
	}
	return p.rc;
}

/* map, and snapshot show (files: every target a snapshot file): one parser, one print path. */
int map_main(const char *cmd, int argc, char **argv, bool files)
{
	struct map_args a = { .format = "pmap", .backend = "auto", .files = files, .cmd = cmd,
			      .color = -1 };
	const struct vms_format *fmt;
	const struct vms_backend *be;
	struct format_state st = { 0 };
	struct vms_target *t = NULL;
	size_t n = 0;
	bool usage = false;
	int rc = VMS_EXIT_OK, r;

	static char outbuf[1 << 16];

	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf)); /* tables of 60k rows: few large writes */
	vms_alloc_huge(); /* one read, then exit */
	format_opts_init(&a.fmt);
	translate_vmmap_words(argc, argv);
	if (files)
		fill_show_options();
	r = cli_parse(files ? &show_argp : &map_argp, cmd, argc, argv, &a);
	if (r >= 0)
		goto out;
	a.fmt.mode = a.x ? PMAP_EXTENDED : a.d ? PMAP_DEVICE : a.X == 1 ? PMAP_X
		   : a.X == 2 ? PMAP_XX : PMAP_DEFAULT;
	if (!strcmp(a.format, "help")) {
		for (const struct vms_format *const *f = vms_formats; *f; f++)
			printf("%-10s %s\n", (*f)->name, (*f)->summary);
		r = VMS_EXIT_OK;
		goto out;
	}
	fmt = format_find(a.format);
	if (!fmt) {
		vms_err("map: unknown format '%s' (%s)", a.format,
			table_names(REGISTRY(vms_formats)));
		r = VMS_EXIT_FAIL;
		goto out;
	}
	if (files) {
		be = &backend_snapshot;
		if (strcmp(a.backend, "auto")) {
			vms_err("%s: --backend is for live processes (a snapshot is read as saved)", cmd);
			r = VMS_EXIT_FAIL;
			goto out;
		}
	} else if (!(be = map_backend("map", a.backend, a.fmt.faults))) {
		r = VMS_EXIT_FAIL;
		goto out;
	}
	if (a.all && !strcmp(a.backend, "auto") && be != &backend_bpf_model) {
		const char *why = "";

		backend_bpf_model.available(&why);
		vms_err("map: --all: reading /proc, since %s", why);
	}
	a.fmt.shm_minor = procfs_shm_minor();
	/* https://no-color.org: a NO_COLOR that is set and not empty turns colours off */
	a.fmt.color = a.color == 1 || (a.color == -1 && isatty(STDOUT_FILENO) &&
				       !(getenv("NO_COLOR") && getenv("NO_COLOR")[0]));

	/* Every target first: as in procps, an impossible PID is a usage error (exit 1, no table).
	 * After that the exit codes are pmap's too: 42 (not found) and 1 (failed) ORed, 43 for both. */
	if (a.all)
		rc = map_all(&a, be, fmt, &st);
	for (int i = 0; i < a.n_targets; i++) {
		int parsed;

		if (files) {
			t = xrealloc(t, (n + 1) * sizeof(*t));
			t[n++] = (struct vms_target){ .path = a.targets[i], .backend = &backend_snapshot };
			continue;
		}
		parsed = target_parse("map", a.targets[i], &t, &n);

		if (parsed == VMS_EXIT_FAIL)
			usage = true;
		rc |= parsed;
	}
	for (size_t j = 0; j < n && !usage; j++)
		rc |= show_target(&t[j], &a, file_backend(&t[j], be, a.backend), fmt, &st);
	free(t);
	if (usage) {
		r = VMS_EXIT_FAIL;
		goto out;
	}
	if (fmt->finish)
		fmt->finish(stdout, &a.fmt, &st);
	if (fflush(stdout) || ferror(stdout)) {
		vms_err("write error: %s", strerror(errno));
		rc = VMS_EXIT_FAIL;
	}
	r = rc;
out:
	free(a.targets);
	return r;
}

int cmd_map(int argc, char **argv)
{
	return map_main("map", argc, argv, false);
}
