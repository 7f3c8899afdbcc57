/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Shared by the cmocka unit tests: build snapshots from /proc-style text and capture what a
 * format prints. Everything is static inline so each test file uses only what it needs.
 */
#ifndef VMS_UNIT_H
#define VMS_UNIT_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/format/format.h"
#include "core/region.h"
#include "proc/procfs.h"

/* A snapshot parsed from maps text; the parse must succeed. */
static inline void load_maps(struct vms_snapshot *s, const char *text)
{
	size_t bad = 0;

	snapshot_init(s);
	assert_int_equal(procfs_parse_maps(text, s, &bad), 0);
	assert_int_equal(bad, 0);
}

static inline void load_smaps(struct vms_snapshot *s, const char *text)
{
	size_t bad = 0;

	snapshot_init(s);
	assert_int_equal(procfs_parse_smaps(text, s, &bad), 0);
	assert_int_equal(bad, 0);
}

/* The header line formats print: "PID:   cmdline". cmdline is owned by the snapshot. */
static inline void set_proc(struct vms_snapshot *s, pid_t pid, const char *cmdline,
			    uint64_t start_stack)
{
	s->proc.pid = pid;
	free(s->proc.cmdline);
	s->proc.cmdline = strdup(cmdline);
	s->proc.start_stack = start_stack;
	snprintf(s->proc.comm, sizeof(s->proc.comm), "t");
	s->backend = "procfs";
}

/* Text printed into memory: mem_open, print to the FILE, mem_text (the caller frees it). */
struct mem_out {
	FILE *f;
	char *buf;
	size_t len;
};

static inline FILE *mem_open(struct mem_out *m)
{
	m->buf = NULL;
	m->len = 0;
	m->f = open_memstream(&m->buf, &m->len);
	assert_non_null(m->f);
	return m->f;
}

static inline char *mem_text(struct mem_out *m)
{
	fclose(m->f);
	return m->buf;
}

/* Prints one process with a caller-kept state, as vmscope does for several PIDs. */
static inline char *capture_st(const struct vms_format *fmt, const struct vms_snapshot *s,
			       const struct format_opts *o, struct format_state *st)
{
	struct mem_out m;

	fmt->print(mem_open(&m), s, o, st);
	return mem_text(&m);
}

/* Prints one process with a fresh state (then finishes it) and returns the text. */
static inline char *capture(const struct vms_format *fmt, const struct vms_snapshot *s,
			    const struct format_opts *o)
{
	struct format_state st = { 0 };
	struct mem_out m;

	fmt->print(mem_open(&m), s, o, &st);
	if (fmt->finish)
		fmt->finish(m.f, o, &st);
	return mem_text(&m);
}

/* Compares a format's text with the expected one; on a mismatch prints both in full and the
 * first differing byte (formats are multi-line). got is freed before failing, so a failing
 * test does not add a leak report to the sanitizer build. */
static inline void expect_text(char *got, const char *want)
{
	size_t i = 0;

	assert_non_null(got);
	if (!strcmp(got, want)) {
		free(got);
		return;
	}
	while (got[i] && got[i] == want[i])
		i++;
	fprintf(stderr, "--- expected ---\n%s--- got ---\n%s--- first difference at byte %zu\n",
		want, got, i);
	free(got);
	fail_msg("output differs from the expected text at byte %zu", i);
}

static inline void expect_output(const struct vms_format *fmt, const struct vms_snapshot *s,
				 const struct format_opts *o, const char *want)
{
	expect_text(capture(fmt, s, o), want);
}

#endif
