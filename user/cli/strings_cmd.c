// SPDX-License-Identifier: BSD-2-Clause
/*
 * vmscope strings: printable strings in the readable regions of a process (VMMap's Strings),
 * read with process_vm_readv in 1 MiB chunks: the target is never stopped or attached, so what
 * a running process changes meanwhile may be torn. Needs ptrace-read rights over the target.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "backend/bpf_off.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/read_target.h"
#include "core/strscan.h"
#include "core/util.h"

#define CHUNK (1u << 20)

enum { OPT_ENCODING = 0x100 };

struct strings_args {
	uint64_t min, low, high;
	bool utf16;
	const char *backend, *target;
};

static const struct argp_option strings_options[] = {
	{ "bytes", 'n', "MIN", 0, "Strings of at least MIN characters (default 4)", 0 },
	{ "range", 'A', "LOW[,HIGH]", 0, "Only addresses in [LOW,HIGH] (hex); -A ADDR: the region holding ADDR", 0 },
	{ "encoding", OPT_ENCODING, "ENC", 0, "ascii (default) or utf16le", 0 },
	{ "backend", 'B', "NAME", 0, "Where the regions come from: auto (default), bpf, procfs, bpf-iter", 1 },
	CLI_COMMON_OPTIONS,
	{ 0 }
};

static error_t strings_parse(int key, char *arg, struct argp_state *state)
{
	struct strings_args *a = state->input;
	int err;

	switch (key) {
	case 'n':
		if (parse_u64(arg, 10, &a->min) || a->min < 1 || a->min > STRSCAN_MAX_MIN)
			return cli_fail(state, "strings: -n wants 1..%d, not '%s'", STRSCAN_MAX_MIN, arg);
		break;
	case 'A':
		err = parse_range(arg, &a->low, &a->high);
		if (err)
			return cli_fail(state, "strings: malformed range '%s' (%s)", arg,
					err == -ERANGE ? "LOW is above HIGH" : "want LOW[,HIGH] in hex");
		break;
	case OPT_ENCODING:
		if (!strcmp(arg, "ascii"))
			a->utf16 = false;
		else if (!strcmp(arg, "utf16le") || !strcmp(arg, "utf-16le"))
			a->utf16 = true;
		else
			return cli_fail(state, "strings: unknown encoding '%s' (ascii or utf16le)", arg);
		break;
	case 'B': a->backend = arg; break;
	case ARGP_KEY_ARG:
		if (a->target)
			return cli_fail(state, "strings: one process at a time ('%s' is one too many)", arg);
		a->target = arg;
		break;
	case ARGP_KEY_END:
		if (!a->target)
			return cli_fail(state, "strings: no process given (want PID or NAME)");
		break;
	default:
		return cli_default_key(key, arg, state);
	}
	return 0;
}

static const struct argp strings_argp = {
	.options = strings_options,
	.parser = strings_parse,
	.args_doc = "PID|NAME",
	.doc = "Print the printable strings in a process's readable memory, one per line after "
	       "its address (hex). Reads with process_vm_readv: needs ptrace-read rights (the same "
	       "user, or CAP_SYS_PTRACE, as ptrace_scope allows); never stops the target.\v"
	       "Exit status: 0 ok, 42 if the process was not found, 1 on other failures.",
};

static void rights_error(pid_t pid)
{
	vms_err("strings: PID %d: permission denied: reading its memory needs ptrace-read rights "
		"(its user, or CAP_SYS_PTRACE; see kernel.yama.ptrace_scope)", (int)pid);
}

/* Scans [lo, hi) of the target. 0, or -errno that stops everything (EPERM, ESRCH). */
static int scan_range(pid_t pid, uint64_t lo, uint64_t hi, uint8_t *buf, size_t page,
		      struct strscan *sc)
{
	uint64_t at = lo;

	while (at < hi) {
		size_t want = hi - at < CHUNK ? (size_t)(hi - at) : CHUNK;
		struct iovec l = { buf, want }, r = { (void *)(uintptr_t)at, want };
		ssize_t got = process_vm_readv(pid, &l, 1, &r, 1, 0);

		if (got < 0 && (errno == EPERM || errno == ESRCH || errno == ENOMEM))
			return -errno;
		if (got > 0)
			strscan_feed(sc, at, buf, (size_t)got);
		if (got == (ssize_t)want) {
			at += want;
			continue;
		}
		/* a page that cannot be read (EFAULT, EIO; a partial read stops at it): skip it */
		strscan_break(sc);
		at += got > 0 ? (uint64_t)got : 0;
		at = (at / page + 1) * page;
	}
	strscan_break(sc);
	return 0;
}

int cmd_strings(int argc, char **argv)
{
	struct strings_args a = { .min = 4, .high = UINT64_MAX, .backend = "auto" };
	const struct vms_backend *be;
	struct vms_snapshot s;
	struct vms_target t;
	struct strscan sc;
	uint8_t *buf = NULL;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	int rc = cli_parse(&strings_argp, "strings", argc, argv, &a), err = 0;

	static char outbuf[1 << 16];

	if (rc >= 0)
		return rc;
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	rc = cli_one_target("strings", a.target, &t);
	if (rc)
		return rc;
	if (t.path) {
		vms_err("strings: %s: a file holds no memory contents (give a live PID)", t.path);
		return VMS_EXIT_FAIL;
	}
	be = map_backend("strings", a.backend, false);
	if (!be)
		return VMS_EXIT_FAIL;
	snapshot_init(&s);
	err = be->snapshot(&t, &s, 0);
	if (err == -EACCES || err == -EPERM) {
		rights_error(t.pid);
		rc = VMS_EXIT_FAIL;
		goto out;
	}
	if (err) {
		rc = target_report("strings", &t, &s, err);
		goto out;
	}
	if (!strcmp(a.backend, "auto"))
		bpf_off_note("strings", be); /* once, as map: why not BPF */
	buf = xmalloc(CHUNK);
	strscan_init(&sc, stdout, (unsigned)a.min, a.utf16);
	for (size_t i = 0; i < s.n && !err; i++) {
		const struct vms_region *r = &s.regions[i];
		uint64_t lo = r->start > a.low ? r->start : a.low;
		uint64_t hi = a.high == UINT64_MAX ? r->end : r->end < a.high + 1 ? r->end : a.high + 1;

		if (a.low == a.high) { /* -A ADDR: the whole region holding it, as pmap -A ADDR */
			if (a.low < r->start || a.low >= r->end)
				continue;
			lo = r->start;
			hi = r->end;
		}
		if (r->perms[0] != 'r' || lo >= hi)
			continue;
		if (a.utf16)
			lo += lo & 1;
		err = scan_range(t.pid, lo, hi, buf, page, &sc);
	}
	if (err == -EPERM) {
		fflush(stdout);
		rights_error(t.pid);
		rc = VMS_EXIT_FAIL;
	} else if (err == -ESRCH) {
		fflush(stdout);
		vms_err("strings: PID %d: no such process (it exited)", (int)t.pid);
		rc = VMS_EXIT_NOTFOUND;
	} else if (err) {
		fflush(stdout);
		vms_err("strings: PID %d: cannot read its memory: %s", (int)t.pid, strerror(-err));
		rc = VMS_EXIT_FAIL;
	}
	if (fflush(stdout) || ferror(stdout)) {
		vms_err("write error: %s", strerror(errno));
		rc = VMS_EXIT_FAIL;
	}
out:
	free(buf);
	snapshot_free(&s);
	return rc;
}
