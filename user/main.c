// SPDX-License-Identifier: BSD-2-Clause
/* vmscope: see and follow the memory regions (VMAs) of processes. Dispatches subcommands. */
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "kernel/bpf_diag.h"
#include "core/util.h"

#ifndef VMSCOPE_VERSION
#define VMSCOPE_VERSION "0.1.0"
#endif

#ifdef VMS_NO_SERVE
/* static builds (the kernel matrix's) leave serve and its libraries out (Makefile) */
int cmd_serve(int argc, char **argv)
{
	vms_err("serve: not in this static build (make static leaves it out; 'make' builds it)");
	return VMS_EXIT_FAIL;
}
#endif

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "map", cmd_map, "print the regions of processes (pmap-compatible, JSON, CSV)" },
	{ "watch", cmd_watch, "stream region events as they happen (terminal or JSON lines)" },
	{ "features", cmd_features, "probe the kernel's BPF features and name the model tier" },
	{ "start", cmd_start, "pin the live kernel-side model under /sys/fs/bpf/vmscope" },
	{ "stop", cmd_stop, "detach the live model and remove its pins" },
	{ "status", cmd_status, "what the live model tracks, its memory and its losses" },
	{ "snapshot", cmd_snapshot, "save regions to a file, show, export and import snapshots" },
	{ "diff", cmd_diff, "what changed between two snapshots, over -d SECONDS, or a timeline" },
	{ "strings", cmd_strings, "printable strings in a process's memory" },
	{ "reconcile", cmd_reconcile, "compare the live model with /proc, count and repair divergences" },
	{ "serve", cmd_serve, "export every process's regions to Prometheus and OTLP collectors" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: vmscope COMMAND [OPTIONS] [ARGS]\n\nCommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRun 'vmscope COMMAND --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
	bpf_diag_install();
	/* the character set names and command lines are escaped for (core/escape.h); the rest of
	 * the locale stays C, so that numbers keep their '.' (JSON, SVG). map once set LC_ALL as
	 * procps does: that only added 11 locale files to read at each start (vmscope has no
	 * message catalog), and a ',' in the floats of its JSON and SVG under de_DE and the like */
	setlocale(LC_CTYPE, "");
	if (argc < 2) {
		usage(stderr);
		return VMS_EXIT_FAIL;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return VMS_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("vmscope %s\n", VMSCOPE_VERSION);
		return VMS_EXIT_OK;
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	vms_err("unknown command '%s' (try 'vmscope --help')", argv[1]);
	return VMS_EXIT_FAIL;
}
