/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * argp with vmscope's error rule: every failure is one clear line on stderr and exit code 1.
 * Subcommand parsers end their switch with `default: return cli_default_key(key, arg, state);`
 * and report bad values with cli_fail().
 */
#ifndef VMS_ARGS_H
#define VMS_ARGS_H

#include <argp.h>
#include <stdbool.h>
#include <sys/types.h>

/* The options every subcommand has; put CLI_COMMON_OPTIONS at the end of its option list. */
#define CLI_COMMON_OPTIONS                                                  \
	{ "verbose", 'v', NULL, 0, "Debug output (libbpf's too)", -1 },    \
	{ "help", 'h', NULL, 0, "Give this help list", -1 }

/* Parses argv (argv[0] is the subcommand). Returns -1 to go on, or an exit code to return now
 * (0 after --help, 1 after an error, already reported). */
int cli_parse(const struct argp *argp, const char *cmd, int argc, char **argv, void *input);
error_t cli_default_key(int key, char *arg, struct argp_state *state);
error_t cli_fail(struct argp_state *state, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
