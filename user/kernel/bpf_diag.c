// SPDX-License-Identifier: BSD-2-Clause
#include "kernel/bpf_diag.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <sys/random.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core/util.h"
#include "vmscope.h"

static char refusal[320];

void bpf_diag_reset(void)
{
	refusal[0] = '\0';
}

const char *bpf_diag_refusal(void)
{
	return refusal[0] ? refusal : NULL;
}

const char *bpf_diag_why(int err)
{
	return refusal[0] ? refusal : strerror(err < 0 ? -err : err);
}

/* The verifier's statistics lines close every log; the reason is the line before them. */
static bool stats_line(const char *l, size_t n)
{
	static const char *const prefixes[] = { "processed ", "verification time", "stack depth",
						"-- END PROG LOAD LOG --" };

	if (!n)
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (n >= strlen(prefixes[i]) && !strncmp(l, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/* The last reason line of a log; a "Caller passes invalid args" line is a consequence, so the
 * line before it (what was wrong with the argument) comes first. */
static void note_refusal(const char *prog, const char *log)
{
	const char *line[2] = { NULL, NULL };
	size_t len[2] = { 0, 0 };

	for (const char *p = log; *p;) {
		const char *e = strchrnul(p, '\n');

		if (!stats_line(p, (size_t)(e - p))) {
			line[0] = line[1];
			len[0] = len[1];
			line[1] = p;
			len[1] = (size_t)(e - p);
		}
		p = *e ? e + 1 : e;
	}
	if (!line[1]) {
		snprintf(refusal, sizeof(refusal), "the verifier refused program '%s'", prog);
		return;
	}
	if (line[0] && !strncmp(line[1], "Caller passes invalid args", 26))
		snprintf(refusal, sizeof(refusal), "the verifier refused program '%s': %.*s (%.*s)",
			 prog, (int)len[0], line[0], (int)len[1], line[1]);
	else
		snprintf(refusal, sizeof(refusal), "the verifier refused program '%s': %.*s", prog,
			 (int)len[1], line[1]);
}

static int bpf_diag_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	static const char begin[] = "': -- BEGIN PROG LOAD LOG --\n";
	char *msg = NULL;
	const char *b;
	va_list copy;
	int n;

	va_copy(copy, ap);
	n = vasprintf(&msg, fmt, copy);
	va_end(copy);
	if (n < 0)
		return 0;
	/* libbpf: "prog 'NAME': -- BEGIN PROG LOAD LOG --\n<log>-- END PROG LOAD LOG --\n" */
	b = strstr(msg, begin);
	if (b && !strncmp(msg, "libbpf: prog '", 14) && !refusal[0]) {
		char prog[64];

		snprintf(prog, sizeof(prog), "%.*s", (int)(b - msg - 14), msg + 14);
		note_refusal(prog, b + sizeof(begin) - 1);
	}
	if (vms_verbose)
		fputs(msg, stderr);
	free(msg);
	return n;
}

unsigned bpf_inject_refusal(void)
{
	static const struct { const char *name; unsigned bit; } knobs[] = {
		{ "kfunc-resync", VMS_INJECT_KFUNC }, { "event-resync", VMS_INJECT_EVENT },
		{ "faults", VMS_INJECT_FAULTS }, { "bpf-iter", VMS_INJECT_ITER },
		{ "dump", VMS_INJECT_DUMP }, { "by-start", VMS_INJECT_BY_START },
	};
	const char *e = getenv("VMSCOPE_INJECT_REFUSAL");
	unsigned v = 0;

	for (size_t i = 0; e && i < ARRAY_SIZE(knobs); i++)
		if (strstr(e, knobs[i].name))
			v |= knobs[i].bit;
	return v;
}

int bpf_name_key(uint64_t key[2])
{
	const char *e = getenv("VMSCOPE_TEST_NAME_KEY");
	char half[17] = "";

	if (e && strlen(e) == 32 && strspn(e, "0123456789abcdefABCDEF") == 32) {
		memcpy(half, e, 16);
		key[0] = strtoull(half, NULL, 16);
		key[1] = strtoull(e + 16, NULL, 16);
		return 0;
	}
	/* 16 bytes: getrandom() returns them whole once the pool is ready (it waits for that) */
	return getrandom(key, 2 * sizeof(key[0]), 0) == 2 * sizeof(key[0]) ? 0 : -errno;
}

unsigned long long bpf_prog_misses(int prog_fd)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(prog_fd, &info, &len) ? 0 : info.recursion_misses;
}

void bpf_diag_install(void)
{
	libbpf_set_print(bpf_diag_print);
}
