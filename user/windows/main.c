// SPDX-License-Identifier: BSD-2-Clause
/*
 * vmscope.exe: the Windows build (`make windows`). `map` as on Linux, through the same core
 * formats (any entry of vms_formats[] works here unchanged), from the Windows backend. The
 * options are map's (cli/map.c), parsed by hand: the Windows C runtime has no argp.
 */
#include "windows/win.h"

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "core/format/format.h"
#include "core/snapshot/codec.h"
#include "core/util.h"

#ifndef VMSCOPE_VERSION
#define VMSCOPE_VERSION "0.1.0"
#endif

struct map_args {
	struct format_opts fmt;
	int x, X, d;
	const char *format;
	DWORD *pids;
	size_t n_pids;
	bool usage;		/* a target that can name no process: exit 1, no table */
	int color;		/* -1 auto (a console, no NO_COLOR), 0 --no-color, 1 --color */
	int rc;
};

static const char map_usage[] =
	"Usage: vmscope.exe map [OPTION...] PID|NAME...\n"
	"Print the memory regions of Windows processes. The tables are procps pmap's.\n\n"
	"  -x, --extended       Show the working set (RSS) per region\n"
	"  -X                   The accounting fields (Size, Committed, Rss, Anonymous,\n"
	"                       Shareable_WS, Shared_WS, Locked); -XX: and VmFlags\n"
	"  -d, --device         Show offsets and devices (volume serial numbers)\n"
	"  -q, --quiet          No column header or footer\n"
	"  -p, --show-path      Show the full path of mapped files\n"
	"  -k, --use-kernel-name  Show names as [stack:TID], [heap], [reserved]\n"
	"  -A, --range=LOW[,HIGH]  Only regions overlapping [LOW,HIGH] (hex)\n"
	"  -L, -s, -S, -r, -a   illumos pmap's (--format illumos): NUMA nodes, page sizes, swap\n"
	"                       and commit charge, only reserved ranges, shared anon as Anon\n"
	"      --resident, --pages, --no-coalesce, --interleaved, --summary\n"
	"                       macOS vmmap's (--format vmmap, vmmap-summary)\n"
	"      --color, --no-color  --format picture: ANSI colours (default: on a console)\n"
	"  -F, --format=FMT     %s (default pmap)\n"
	"  -B, --backend=NAME   auto or windows (the only one here)\n"
	"  -v, --verbose        Debug output\n"
	"  -h, --help           Give this help list\n\n"
	"NAME is an image name (notepad.exe; the .exe may be left out), matched without case.\n"
	"Exit status: 0 ok, 42 if a PID or NAME was not found, 1 on other failures.\n";

static int usage_error(const char *fmt, const char *arg)
{
	char msg[256];

	snprintf(msg, sizeof(msg), fmt, arg);
	vms_err("map: %s (try 'vmscope.exe map --help')", msg);
	return VMS_EXIT_FAIL;
}

/* PID or NAME: appends the processes it names. */
static void add_target(struct map_args *a, const char *spec)
{
	DWORD *found = NULL;
	uint64_t pid;
	int n;

	if (spec[0] >= '0' && spec[0] <= '9') {
		if (parse_u64(spec, 10, &pid) || pid == 0 || pid > UINT32_MAX) {
			vms_err("map: '%s' is not a possible PID (1..4294967295)", spec);
			a->usage = true;
			return;
		}
		a->pids = xrealloc(a->pids, (a->n_pids + 1) * sizeof(*a->pids));
		a->pids[a->n_pids++] = (DWORD)pid;
		return;
	}
	n = win_pids_by_name(spec, &found);
	if (n < 0) {
		vms_err("map: cannot list the processes: %s", strerror(-n));
		a->rc |= VMS_EXIT_FAIL;
	} else if (n == 0) {
		vms_err("map: no process named '%s'", spec);
		a->rc |= VMS_EXIT_NOTFOUND;
	}
	for (int i = 0; i < n; i++) {
		a->pids = xrealloc(a->pids, (a->n_pids + 1) * sizeof(*a->pids));
		a->pids[a->n_pids++] = found[i];
	}
	free(found);
}

/* The value of an option that takes one: "--opt=V", "--opt V", "-oV" or "-o V". */
static const char *opt_value(int argc, char **argv, int *i, const char *inline_val)
{
	if (inline_val && *inline_val)
		return inline_val;
	return *i + 1 < argc ? argv[++*i] : NULL;
}

static int set_value_opt(struct map_args *a, char opt, const char *v)
{
	int err;

	if (!v)
		return usage_error("option -%s needs a value", (char[]){ opt, 0 });
	switch (opt) {
	case 'A':
		err = parse_range(v, &a->fmt.range_low, &a->fmt.range_high);
		if (err)
			return usage_error(err == -ERANGE ? "malformed range '%s' (LOW is above HIGH)"
							  : "malformed range '%s' (want LOW[,HIGH] in hex)", v);
		return 0;
	case 'F':
		a->format = v;
		return 0;
	default: /* 'B' */
		if (strcmp(v, "auto") && strcmp(v, "windows"))
			return usage_error("unknown backend '%s' (auto or windows)", v);
		return 0;
	}
}

static const struct { const char *name; char opt; } long_opts[] = {
	{ "extended", 'x' }, { "device", 'd' }, { "quiet", 'q' }, { "show-path", 'p' },
	{ "use-kernel-name", 'k' }, { "range", 'A' }, { "format", 'F' }, { "backend", 'B' },
	{ "verbose", 'v' }, { "help", 'h' }, { "faults", 'f' },
	{ "lgroup", 'L' }, { "page-sizes", 's' }, { "swap", 'S' }, { "reserved", 'r' },
	{ "shared-anon", 'a' }, { "resident", 1 }, { "pages", 2 }, { "no-coalesce", 3 },
	{ "interleaved", 4 }, { "summary", 5 }, { "color", 6 }, { "no-color", 7 },
};

/* -1 to go on, else the exit code. */
static int parse_map(int argc, char **argv, struct map_args *a)
{
	bool opts = true;
	char why[200];

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		char as_short[3] = "-?";

		if (!opts || arg[0] != '-' || !arg[1]) {
			add_target(a, arg);
			continue;
		}
		if (!strcmp(arg, "--")) {
			opts = false;
			continue;
		}
		if (arg[1] == '-') { /* --name[=value] */
			const char *eq = strchr(arg, '=');
			size_t len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
			char opt = 0;

			for (size_t k = 0; k < ARRAY_SIZE(long_opts); k++)
				if (strlen(long_opts[k].name) == len && !strncmp(arg + 2, long_opts[k].name, len))
					opt = long_opts[k].opt;
			if (!opt)
				return usage_error("unrecognized option '%s'", arg);
			if (strchr("AFB", opt)) {
				if (eq && !eq[1])
					return usage_error("option '%s' needs a value", arg);
				if (set_value_opt(a, opt, opt_value(argc, argv, &i, eq ? eq + 1 : NULL)))
					return VMS_EXIT_FAIL;
				continue;
			}
			if (eq)
				return usage_error("option '%s' takes no value", arg);
			as_short[1] = opt;
			arg = as_short; /* on as its short form */
		}
		for (const char *c = arg + 1; *c; c++) {
			switch (*c) {
			case 'x': a->x = 1; break;
			case 'X': a->X++; break;
			case 'd': a->d = 1; break;
			case 'q': a->fmt.quiet = true; break;
			case 'p': a->fmt.show_path = true; break;
			case 'k': a->fmt.kernel_names = true; break;
			case 'v': vms_verbose = 1; break;
			case 'L': a->fmt.il_lgroup = true; break;
			case 's': a->fmt.il_pagesize = true; break;
			case 'S': a->fmt.il_swap = true; break;
			case 'r': a->fmt.il_reserved = true; break;
			case 'a': a->fmt.il_shared_anon = true; break;
			case 1: a->fmt.vm_resident = true; break;
			case 2: a->fmt.vm_pages = true; break;
			case 3: a->fmt.vm_no_coalesce = true; break;
			case 4: a->fmt.vm_interleaved = true; break;
			case 5: a->format = "vmmap-summary"; break;
			case 6: a->color = 1; break;
			case 7: a->color = 0; break;
			case 'h':
				printf(map_usage, table_names(REGISTRY(vms_formats)));
				return VMS_EXIT_OK;
			case 'f':
				vms_err("map: --faults comes from the Linux live model; Windows has none");
				return VMS_EXIT_FAIL;
			case 'A': case 'F': case 'B':
				if (set_value_opt(a, *c, opt_value(argc, argv, &i, c + 1)))
					return VMS_EXIT_FAIL;
				c += strlen(c) - 1; /* the rest of the word was the value */
				break;
			default:
				return usage_error("invalid option -- '%s'", (char[]){ *c, 0 });
			}
		}
	}
	if (a->x + a->d + !!a->X > 1)
		return usage_error("%s", "options -d, -x, -X are mutually exclusive");
	if (a->X > 2)
		return usage_error("%s", "-X can be given at most twice (-XX)");
	if (format_check_views(&a->fmt, &a->format, a->d || a->X, why, sizeof(why)))
		return usage_error("%s", why);
	if (!a->n_pids && !a->usage && !a->rc)
		return usage_error("%s", "no process given (want PID or NAME)");
	return -1;
}

static int report(DWORD pid, const struct vms_snapshot *s, int err)
{
	switch (err) {
	case -ESRCH:
		vms_err("map: PID %lu: no such process%s", pid, s->proc.comm[0] ? " (it exited)" : "");
		return VMS_EXIT_NOTFOUND;
	case -ENOTSUP:
		vms_err("map: PID %lu: QueryWorkingSetEx cannot read its working set (wine has it for "
			"the calling process only)", pid);
		return VMS_EXIT_FAIL;
	case -EACCES:
		vms_err("map: PID %lu: access denied (run as its user, or as an administrator)", pid);
		return VMS_EXIT_FAIL;
	default:
		vms_err("map: PID %lu: cannot read its memory map: %s", pid, strerror(-err));
		return VMS_EXIT_FAIL;
	}
}

/* What `snapshot export` records of where and when (the Linux build's snapshot/meta.c reads
 * boot id and uname, which Windows has not: its boot id stays unknown). */
static struct vms_snapmeta *export_meta(void)
{
	struct vms_snapmeta *m = xcalloc(1, sizeof(*m));
	char host[MAX_COMPUTERNAME_LENGTH + 1];
	DWORD n = sizeof(host);
	FILETIME ft;
	uint64_t t;

	m->backend = xstrdup("windows");
	m->kernel = xstrdup("Windows");
	if (GetComputerNameA(host, &n))
		m->hostname = xstrdup(host);
	GetSystemTimeAsFileTime(&ft);
	/* 100 ns ticks since 1601 -> ns since 1970 */
	t = ((uint64_t)ft.dwHighDateTime << 32 | ft.dwLowDateTime) - 116444736000000000ull;
	m->time_ns = t * 100;
	m->shm_minor = ~0u;
	return m;
}

static int show(DWORD pid, const struct map_args *a, const struct vms_format *fmt,
		struct format_state *st)
{
	struct vms_snapshot s;
	/* an export holds the working set when asked (-x/-X): wine reads it of the caller only */
	bool acct = fmt->needs_accounting(&a->fmt) && !(a->fmt.full && a->fmt.mode == PMAP_DEFAULT);
	unsigned flags = acct ? BACKEND_ACCOUNTING : 0;
	int err, rc = VMS_EXIT_OK;

	snapshot_init(&s);
	err = win_snapshot(pid, &s, flags);
	if (!err && a->fmt.full)
		s.meta = export_meta();
	if (err) {
		if (s.proc.comm[0] && fmt->print_unreadable)
			fmt->print_unreadable(stdout, &s);
		rc = report(pid, &s, err);
	} else {
		fmt->print(stdout, &s, &a->fmt, st);
	}
	snapshot_free(&s);
	return rc;
}

static int run_map(int argc, char **argv, bool export)
{
	struct map_args a = { .format = "pmap", .color = -1 };
	const struct vms_format *fmt;
	struct format_state st = { 0 };
	int rc;

	static char outbuf[1 << 16];

	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	format_opts_init(&a.fmt);
	rc = parse_map(argc, argv, &a);
	if (rc >= 0)
		goto out;
	if (export) { /* the JSON `vmscope snapshot import` reads back into a .vms file */
		a.format = "json";
		a.fmt.full = true;
	}
	/* https://no-color.org, as the Linux build */
	a.fmt.color = a.color == 1 || (a.color == -1 && _isatty(_fileno(stdout)) &&
				       !(getenv("NO_COLOR") && *getenv("NO_COLOR")));
	a.fmt.mode = a.x ? PMAP_EXTENDED : a.d ? PMAP_DEVICE : a.X == 1 ? PMAP_X
		   : a.X == 2 ? PMAP_XX : PMAP_DEFAULT;
	fmt = format_find(a.format);
	if (!fmt) {
		vms_err("map: unknown format '%s' (%s)", a.format, table_names(REGISTRY(vms_formats)));
		rc = VMS_EXIT_FAIL;
		goto out;
	}
	if (a.usage) {
		rc = VMS_EXIT_FAIL;
		goto out;
	}
	rc = a.rc;
	for (size_t i = 0; i < a.n_pids; i++)
		rc |= show(a.pids[i], &a, fmt, &st);
	if (fmt->finish)
		fmt->finish(stdout, &a.fmt, &st);
	if (fflush(stdout) || ferror(stdout)) {
		vms_err("write error: %s", strerror(errno));
		rc = VMS_EXIT_FAIL;
	}
out:
	free(a.pids);
	return rc;
}

static int cmd_map(int argc, char **argv)
{
	return run_map(argc, argv, false);
}

/* Only `snapshot export` here: the native .vms file is written on Linux from that JSON
 * (`vmscope snapshot import`), so the Windows build links no zlib and no file writer. */
static int cmd_snapshot(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "export"))
		return run_map(argc - 1, argv + 1, true);
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("Usage: vmscope.exe snapshot export [map's options] PID|NAME...\n"
		       "Print the JSON that `vmscope snapshot import FILE -o OUT.vms` turns into a\n"
		       "snapshot on Linux (one line per process; map's options choose what it holds).\n");
		return VMS_EXIT_OK;
	}
	vms_err("snapshot: only 'export' is here (save, show and import are the Linux build's)");
	return VMS_EXIT_FAIL;
}

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "map", cmd_map, "print the regions of processes (pmap-compatible, JSON, CSV, ...)" },
	{ "snapshot", cmd_snapshot, "export: the JSON a Linux `vmscope snapshot import` reads" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: vmscope.exe COMMAND [OPTIONS] [ARGS]\n\nCommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRun 'vmscope.exe COMMAND --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
	/* the bytes the Linux build writes: no \n -> \r\n rewriting (CSV ends its rows in \r\n) */
	_setmode(_fileno(stdout), _O_BINARY);
	setlocale(LC_CTYPE, "");
	win_enable_debug_privilege();
	if (argc < 2) {
		usage(stderr);
		return VMS_EXIT_FAIL;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return VMS_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("vmscope %s (windows)\n", VMSCOPE_VERSION);
		return VMS_EXIT_OK;
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	vms_err("unknown command '%s' (try 'vmscope.exe --help')", argv[1]);
	return VMS_EXIT_FAIL;
}
