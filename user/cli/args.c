// SPDX-License-Identifier: BSD-2-Clause
#include "cli/args.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "core/util.h"

static bool reported, help_shown;
static const char *cur_cmd = "";

/* The messages quote what was typed: a control byte (C1 too) or a byte that is no UTF-8 is
 * printed as \ooo, so that the message stays one line and reaches the terminal inert. */
static void put_inert(const char *msg)
{
	for (const unsigned char *s = (const unsigned char *)msg; *s;) {
		int n = utf8_seq_len(s);

		if (n == 0 || *s < 0x20 || *s == 0x7f || (n == 2 && s[0] == 0xc2 && s[1] < 0xa0)) {
			fprintf(stderr, "\\%03o", *s);
			s++;
			continue;
		}
		fwrite(s, 1, (size_t)n, stderr);
		s += n;
	}
}

error_t cli_fail(struct argp_state *state, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	fflush(stdout);
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	fputs("vmscope: ", stderr);
	put_inert(msg ? msg : "bad arguments");
	fputc('\n', stderr);
	free(msg);
	reported = true;
	return EINVAL;
}

/* Whether `word` names an option of this parser that takes an argument. */
static bool needs_arg(const struct argp *argp, const char *word)
{
	for (const struct argp_option *o = argp->options; o && (o->name || o->key || o->doc); o++) {
		if (!o->arg)
			continue;
		if (word[0] == '-' && word[1] == '-' && o->name && !strcmp(word + 2, o->name))
			return true;
		if (word[0] == '-' && word[1] != '-' && word[strlen(word) - 1] == o->key && o->key < 128)
			return true;
	}
	return false;
}

error_t cli_default_key(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'v':
		vms_verbose = 1;
		return 0;
	case 'h':
		/* argp_state_help() prints nothing under ARGP_NO_ERRS */
		argp_help(state->root_argp, stdout, ARGP_HELP_STD_HELP & ~ARGP_HELP_EXIT_OK, state->name);
		help_shown = true;
		return EINVAL; /* stop parsing */
	case ARGP_KEY_ERROR:
		if (!reported && !help_shown) {
			const char *bad = state->next > 0 && state->next <= state->argc
						  ? state->argv[state->next - 1] : "?";

			if (needs_arg(state->root_argp, bad))
				cli_fail(state, "%s: option '%s' needs an argument", cur_cmd, bad);
			else
				cli_fail(state, "%s: unknown option '%s' (try 'vmscope %s --help')",
					 cur_cmd, bad, cur_cmd);
		}
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

int cli_parse(const struct argp *argp, const char *cmd, int argc, char **argv, void *input)
{
	char name[64];
	char *saved = argv[0];
	error_t err;

	reported = help_shown = false;
	cur_cmd = cmd;
	snprintf(name, sizeof(name), "vmscope %s", cmd);
	argv[0] = name;
	err = argp_parse(argp, argc, argv, ARGP_NO_ERRS | ARGP_NO_EXIT | ARGP_NO_HELP, NULL, input);
	argv[0] = saved;
	if (help_shown)
		return VMS_EXIT_OK;
	if (err) {
		if (!reported)
			vms_err("%s: %s", cmd, strerror(err));
		return VMS_EXIT_FAIL;
	}
	return -1;
}

/* Digits only (optionally after /proc/): a pid (0 if it cannot be one). Else a process name. */
