// SPDX-License-Identifier: BSD-2-Clause
/*
 * watch's output formats (user/watch/render*.c), through the registry as `watch -F` reaches them:
 * every event kind to the exact text line and JSON object, colors on and off (color codes take no
 * columns), the loss line in both formats, the header, and the shared pieces (kind and advice
 * names, human sizes). Events are built by hand; time stamps print in UTC.
 */
#include <limits.h>
#include <locale.h>
#include <sys/mman.h>
#include <time.h>

#include "unit.h"
#include "watch/watch.h"

#define TS 1700000000123456789ULL	/* 2023-11-14 22:13:20.123456789 UTC */
#define R VMS_EVF_RANGE
#define P VMS_EVF_PERM
#define RW (VMS_VMA_READ | VMS_VMA_WRITE)
#define RX (VMS_VMA_READ | VMS_VMA_EXEC)
#define EV_TID(tid_, ...) { .pid = 4242, .tid = tid_, .comm = "worker", __VA_ARGS__ }
#define EV(...) EV_TID(4243, __VA_ARGS__)
/* The columns up to EVENT (46) of the events above, and the fields JSON starts with. */
#define TPRE "22:13:20.123    4242    4243 worker           "
#define JHEAD "{\"ts_ns\": 1700000000123456789, \"pid\": 4242, \"tid\": 4243, \"comm\": \"worker\", "

struct rcase {
	const char *what;
	struct vms_event e;
	const char *name;	/* resolved by watch (names.c) */
	double interval;	/* faults events: the seconds the counts are over */
	const char *text, *json;
};

static const struct rcase cases[] = {
	{ "map", EV(.kind = VMS_EV_MAP, .flags = R | P, .start = 0x7f0000001000,
	     .end = 0x7f0000004000, .perm = RW),
	  "[anon]", 0,
	  TPRE "map     7f0000001000-7f0000004000    12K rw-p      [anon]\n",
	  JHEAD "\"event\": \"map\", \"start\": \"0x7f0000001000\", \"end\": \"0x7f0000004000\", "
		"\"size\": 12288, \"perm\": \"rw-p\", \"old_perm\": null, \"old_start\": null, "
		"\"old_end\": null, \"name\": \"[anon]\", \"dropped_before\": 0}\n" },
	{ "map file", EV(.kind = VMS_EV_MAP, .flags = R | P, .start = 0x7f1234560000,
	     .end = 0x7f1234710000, .perm = RX),
	  "/usr/lib/x86_64-linux-gnu/libc.so.6", 0,
	  TPRE "map     7f1234560000-7f1234710000   1.6M r-xp      /usr/lib/x86_64-linux-gnu/libc.so.6\n",
	  JHEAD "\"event\": \"map\", \"start\": \"0x7f1234560000\", \"end\": \"0x7f1234710000\", "
		"\"size\": 1769472, \"perm\": \"r-xp\", \"old_perm\": null, \"old_start\": null, "
		"\"old_end\": null, \"name\": \"/usr/lib/x86_64-linux-gnu/libc.so.6\", "
		"\"dropped_before\": 0}\n" },
	{ "unmap faults", EV(.kind = VMS_EV_UNMAP, .flags = R | VMS_EVF_FAULTS,
	     .start = 0x7f0000001000, .end = 0x7f0000004000, .faults_min = 12, .faults_maj = 3),
	  "[anon]", 0,
	  TPRE "unmap   7f0000001000-7f0000004000    12K           [anon] faults 12 min 3 maj\n",
	  JHEAD "\"event\": \"unmap\", \"start\": \"0x7f0000001000\", \"end\": \"0x7f0000004000\", "
		"\"size\": 12288, \"perm\": null, \"old_perm\": null, \"old_start\": null, "
		"\"old_end\": null, \"name\": \"[anon]\", \"faults_min\": 12, \"faults_maj\": 3, "
		"\"dropped_before\": 0}\n" },
	{ "protect", EV(.kind = VMS_EV_PROTECT, .flags = R | P | VMS_EVF_OLD_PERM,
	     .start = 0x7f0000001000, .end = 0x7f0000002000, .perm = RW, .old_perm = VMS_VMA_READ),
	  "[anon]", 0,
	  TPRE "protect 7f0000001000-7f0000002000     4K r--p>rw-p [anon]\n",
	  JHEAD "\"event\": \"protect\", \"start\": \"0x7f0000001000\", \"end\": \"0x7f0000002000\", "
		"\"size\": 4096, \"perm\": \"rw-p\", \"old_perm\": \"r--p\", \"old_start\": null, "
		"\"old_end\": null, \"name\": \"[anon]\", \"dropped_before\": 0}\n" },
	{ "remap", EV(.kind = VMS_EV_REMAP, .flags = R | P | VMS_EVF_OLD_RANGE,
	     .start = 0x7f0000100000, .end = 0x7f0000104000, .old_start = 0x7f0000010000,
	     .old_end = 0x7f0000012000, .perm = RW),
	  "[anon]", 0,
	  TPRE "remap   7f0000100000-7f0000104000    16K rw-p      [anon] was 7f0000010000-7f0000012000 8K\n",
	  JHEAD "\"event\": \"remap\", \"start\": \"0x7f0000100000\", \"end\": \"0x7f0000104000\", "
		"\"size\": 16384, \"perm\": \"rw-p\", \"old_perm\": null, "
		"\"old_start\": \"0x7f0000010000\", \"old_end\": \"0x7f0000012000\", "
		"\"name\": \"[anon]\", \"dropped_before\": 0}\n" },
	{ "brk", EV(.kind = VMS_EV_BRK, .flags = R | P | VMS_EVF_OLD_RANGE, .start = 0x21000,
	     .end = 0x63000, .old_start = 0x21000, .old_end = 0x42000, .perm = RW),
	  "[heap]", 0,
	  TPRE "brk     000000021000-000000063000   264K rw-p      [heap] was 000000021000-000000042000 132K\n",
	  JHEAD "\"event\": \"brk\", \"start\": \"0x21000\", \"end\": \"0x63000\", \"size\": 270336, "
		"\"perm\": \"rw-p\", \"old_perm\": null, \"old_start\": \"0x21000\", "
		"\"old_end\": \"0x42000\", \"name\": \"[heap]\", \"dropped_before\": 0}\n" },
	{ "grow", EV(.kind = VMS_EV_GROW, .flags = R | P | VMS_EVF_OLD_RANGE,
	     .start = 0x7ffc00000000, .end = 0x7ffc00021000, .old_start = 0x7ffc00001000,
	     .old_end = 0x7ffc00021000, .perm = RW),
	  "[stack]", 0,
	  TPRE "grow    7ffc00000000-7ffc00021000   132K rw-p      [stack] was 7ffc00001000-7ffc00021000 128K\n",
	  JHEAD "\"event\": \"grow\", \"start\": \"0x7ffc00000000\", \"end\": \"0x7ffc00021000\", "
		"\"size\": 135168, \"perm\": \"rw-p\", \"old_perm\": null, "
		"\"old_start\": \"0x7ffc00001000\", \"old_end\": \"0x7ffc00021000\", "
		"\"name\": \"[stack]\", \"dropped_before\": 0}\n" },
	{ "madvise", EV(.kind = VMS_EV_MADVISE, .flags = R, .start = 0x7f0000001000,
	     .end = 0x7f0000101000, .arg = 4),
	  "[anon]", 0,
	  TPRE "madvise 7f0000001000-7f0000101000     1M           [anon] advice=dontneed\n",
	  JHEAD "\"event\": \"madvise\", \"start\": \"0x7f0000001000\", \"end\": \"0x7f0000101000\", "
		"\"size\": 1048576, \"perm\": null, \"old_perm\": null, \"old_start\": null, "
		"\"old_end\": null, \"name\": \"[anon]\", \"advice\": \"dontneed\", "
		"\"dropped_before\": 0}\n" },
	{ "madvise unknown", EV(.kind = VMS_EV_MADVISE, .flags = R, .start = 0x7f0000001000,
	     .end = 0x7f0000002000, .arg = 77),
	  "[anon]", 0,
	  TPRE "madvise 7f0000001000-7f0000002000     4K           [anon] advice=77\n",
	  JHEAD "\"event\": \"madvise\", \"start\": \"0x7f0000001000\", \"end\": \"0x7f0000002000\", "
		"\"size\": 4096, \"perm\": null, \"old_perm\": null, \"old_start\": null, "
		"\"old_end\": null, \"name\": \"[anon]\", \"advice\": 77, \"dropped_before\": 0}\n" },
	{ "lock range", EV(.kind = VMS_EV_LOCK, .flags = R, .start = 0x7f0000001000,
	     .end = 0x7f0000002000),
	  "[anon]", 0,
	  TPRE "lock    7f0000001000-7f0000002000     4K           [anon]\n",
	  JHEAD "\"event\": \"lock\", \"start\": \"0x7f0000001000\", \"end\": \"0x7f0000002000\", "
		"\"size\": 4096, \"perm\": null, \"old_perm\": null, \"old_start\": null, "
		"\"old_end\": null, \"name\": \"[anon]\", \"flags\": 0, \"dropped_before\": 0}\n" },
	{ "lock all", EV(.kind = VMS_EV_LOCK, .arg = 3),
	  NULL, 0,
	  TPRE "lock                                               all\n",
	  JHEAD "\"event\": \"lock\", \"start\": null, \"end\": null, \"size\": null, "
		"\"perm\": null, \"old_perm\": null, \"old_start\": null, \"old_end\": null, "
		"\"name\": null, \"flags\": 3, \"dropped_before\": 0}\n" },
	{ "unlock all", EV(.kind = VMS_EV_UNLOCK),
	  NULL, 0,
	  TPRE "unlock                                             all\n",
	  JHEAD "\"event\": \"unlock\", \"start\": null, \"end\": null, \"size\": null, "
		"\"perm\": null, \"old_perm\": null, \"old_start\": null, \"old_end\": null, "
		"\"name\": null, \"dropped_before\": 0}\n" },
	{ "exec", EV(.kind = VMS_EV_EXEC),
	  "/usr/bin/true", 0,
	  TPRE "exec                                               /usr/bin/true\n",
	  JHEAD "\"event\": \"exec\", \"start\": null, \"end\": null, \"size\": null, "
		"\"perm\": null, \"old_perm\": null, \"old_start\": null, \"old_end\": null, "
		"\"name\": \"/usr/bin/true\", \"dropped_before\": 0}\n" },
	{ "fork", EV(.kind = VMS_EV_FORK, .arg = 4300),
	  NULL, 0,
	  TPRE "fork                                               child 4300\n",
	  JHEAD "\"event\": \"fork\", \"start\": null, \"end\": null, \"size\": null, "
		"\"perm\": null, \"old_perm\": null, \"old_start\": null, \"old_end\": null, "
		"\"name\": null, \"child_pid\": 4300, \"dropped_before\": 0}\n" },
	{ "exit status", EV(.kind = VMS_EV_EXIT, .arg = 3 << 8),
	  NULL, 0,
	  TPRE "exit                                               status 3\n",
	  JHEAD "\"event\": \"exit\", \"start\": null, \"end\": null, \"size\": null, "
		"\"perm\": null, \"old_perm\": null, \"old_start\": null, \"old_end\": null, "
		"\"name\": null, \"thread\": false, \"exit_code\": 3, \"signal\": null, "
		"\"dropped_before\": 0}\n" },
	{ "exit signal", EV(.kind = VMS_EV_EXIT, .arg = 9),
	  NULL, 0,
	  TPRE "exit                                               killed by signal 9\n",
	  JHEAD "\"event\": \"exit\", \"start\": null, \"end\": null, \"size\": null, "
		"\"perm\": null, \"old_perm\": null, \"old_start\": null, \"old_end\": null, "
		"\"name\": null, \"thread\": false, \"exit_code\": null, \"signal\": 9, "
		"\"dropped_before\": 0}\n" },
	{ "exit core", EV(.kind = VMS_EV_EXIT, .arg = 0x80 | 11),
	  NULL, 0,
	  TPRE "exit                                               killed by signal 11\n",
	  JHEAD "\"event\": \"exit\", \"start\": null, \"end\": null, \"size\": null, "
		"\"perm\": null, \"old_perm\": null, \"old_start\": null, \"old_end\": null, "
		"\"name\": null, \"thread\": false, \"exit_code\": null, \"signal\": 11, "
		"\"dropped_before\": 0}\n" },
	{ "thread exit", EV_TID(4250, .kind = VMS_EV_EXIT, .flags = VMS_EVF_THREAD),
	  NULL, 0,
	  "22:13:20.123    4242    4250 worker           exit                                               thread status 0\n",
	  "{\"ts_ns\": 1700000000123456789, \"pid\": 4242, \"tid\": 4250, "
		"\"comm\": \"worker\", \"event\": \"exit\", \"start\": null, \"end\": null, "
		"\"size\": null, \"perm\": null, \"old_perm\": null, \"old_start\": null, "
		"\"old_end\": null, \"name\": null, \"thread\": true, \"exit_code\": 0, "
		"\"signal\": null, \"dropped_before\": 0}\n" },
	{ "faults rate", EV(.kind = VMS_EV_FAULTS, .flags = R | P | VMS_EVF_FAULTS,
	     .start = 0x7f0000001000, .end = 0x7f0000029000, .perm = RW, .faults_min = 40,
	     .faults_maj = 1),
	  "[anon]", 0.2,
	  TPRE "faults  7f0000001000-7f0000029000   160K rw-p      [anon] +40 min +1 maj (205/s)\n",
	  JHEAD "\"event\": \"faults\", \"start\": \"0x7f0000001000\", \"end\": \"0x7f0000029000\", "
		"\"size\": 163840, \"perm\": \"rw-p\", \"old_perm\": null, \"old_start\": null, "
		"\"old_end\": null, \"name\": \"[anon]\", \"faults_min\": 40, \"faults_maj\": 1, "
		"\"rate_min\": 200, \"rate_maj\": 5, \"dropped_before\": 0}\n" },
	{ "faults no interval", EV(.kind = VMS_EV_FAULTS, .flags = R | P | VMS_EVF_FAULTS,
	     .start = 0x7f0000001000, .end = 0x7f0000029000, .perm = RW, .faults_min = 40),
	  "[anon]", 0,
	  TPRE "faults  7f0000001000-7f0000029000   160K rw-p      [anon] +40 min +0 maj\n",
	  JHEAD "\"event\": \"faults\", \"start\": \"0x7f0000001000\", \"end\": \"0x7f0000029000\", "
		"\"size\": 163840, \"perm\": \"rw-p\", \"old_perm\": null, \"old_start\": null, "
		"\"old_end\": null, \"name\": \"[anon]\", \"faults_min\": 40, \"faults_maj\": 0, "
		"\"dropped_before\": 0}\n" },
	{ "partial", EV(.kind = VMS_EV_UNMAP, .flags = R | VMS_EVF_PARTIAL, .start = 0x7f0000000000,
	     .end = 0x7f0040000000),
	  "[anon]", 0,
	  TPRE "unmap   7f0000000000-7f0040000000     1G           (regions not read)\n",
	  JHEAD "\"event\": \"unmap\", \"start\": \"0x7f0000000000\", \"end\": \"0x7f0040000000\", "
		"\"size\": 1073741824, \"perm\": null, \"old_perm\": null, \"old_start\": null, "
		"\"old_end\": null, \"name\": \"[anon]\", \"partial\": true, \"dropped_before\": 0}\n" },
	{ "dropped", EV(.kind = VMS_EV_MAP, .flags = R | P, .start = 0x7f0000001000,
	     .end = 0x7f0000002000, .perm = RW, .dropped_before = 5),
	  "[anon]", 0,
	  TPRE "map     7f0000001000-7f0000002000     4K rw-p      [anon] (5 lost before)\n",
	  JHEAD "\"event\": \"map\", \"start\": \"0x7f0000001000\", \"end\": \"0x7f0000002000\", "
		"\"size\": 4096, \"perm\": \"rw-p\", \"old_perm\": null, \"old_start\": null, "
		"\"old_end\": null, \"name\": \"[anon]\", \"dropped_before\": 5}\n" },
	{ "no name", EV(.kind = VMS_EV_MAP, .flags = R | P, .start = 0x7f0000001000,
	     .end = 0x7f0000002000, .perm = VMS_VMA_READ | VMS_VMA_SHARED),
	  NULL, 0,
	  TPRE "map     7f0000001000-7f0000002000     4K r--s      ?\n",
	  JHEAD "\"event\": \"map\", \"start\": \"0x7f0000001000\", \"end\": \"0x7f0000002000\", "
		"\"size\": 4096, \"perm\": \"r--s\", \"old_perm\": null, \"old_start\": null, "
		"\"old_end\": null, \"name\": null, \"dropped_before\": 0}\n" },
	{ "unknown kind", EV(.kind = 0),
	  NULL, 0,
	  TPRE "?                                                  ?\n",
	  JHEAD "\"event\": \"?\", \"start\": null, \"end\": null, \"size\": null, \"perm\": null, "
		"\"old_perm\": null, \"old_start\": null, \"old_end\": null, \"name\": null, "
		"\"dropped_before\": 0}\n" },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

static const struct watch_format *text, *json;

static int setup(void **state)
{
	(void)state;
	/* before the first line: the text format caches the local time of a second */
	setenv("TZ", "UTC", 1);
	tzset();
	text = watch_format_find("text");
	json = watch_format_find("json");
	return text && json ? 0 : -1;
}

static char *render(const struct watch_format *f, const struct rcase *c, bool color)
{
	struct watch_event ev = { .e = &c->e, .name = c->name, .realtime_ns = TS,
				  .interval = c->interval };
	struct mem_out m;

	f->event(mem_open(&m), &ev, color);
	return mem_text(&m);
}

/* expect_text, naming the case when it differs */
static void expect_case(const char *what, char *got, const char *want)
{
	if (got && strcmp(got, want))
		fprintf(stderr, "--- case: %s\n", what);
	expect_text(got, want);
}

/* The text without its ANSI color codes (ESC [ ... m). */
static char *uncolored(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	assert_non_null(out);
	while (*s) {
		if (*s == '\033' && s[1] == '[') {
			s += 2;
			while (*s && *s != 'm')
				s++;
			if (*s)
				s++;
			continue;
		}
		*o++ = *s++;
	}
	*o = 0;
	return out;
}

static void registry(void **state)
{
	int n = 0;

	(void)state;
	assert_ptr_equal(watch_formats[0], &watch_format_text);
	assert_ptr_equal(watch_formats[1], &watch_format_json);
	assert_null(watch_formats[2]);
	for (n = 0; watch_formats[n]; n++) {
		const struct watch_format *f = watch_formats[n];

		assert_ptr_equal(watch_format_find(f->name), f);
		assert_non_null(f->summary);
		assert_true(f->summary[0] != 0);
		assert_non_null(f->event);
		assert_non_null(f->lost);
	}
	assert_int_equal(n, 2);
	assert_string_equal(watch_format_text.name, "text");
	assert_string_equal(watch_format_json.name, "json");
	assert_true(watch_format_text.colors);
	assert_non_null(watch_format_text.header);
	assert_false(watch_format_json.colors);
	assert_null(watch_format_json.header);
	assert_null(watch_format_find("xml"));
	assert_null(watch_format_find("TEXT"));
	assert_null(watch_format_find("tex"));
	assert_null(watch_format_find(""));
}

static void kind_names(void **state)
{
	static const char *const want[VMS_EV__COUNT] = {
		[VMS_EV_MAP] = "map", [VMS_EV_UNMAP] = "unmap", [VMS_EV_PROTECT] = "protect",
		[VMS_EV_REMAP] = "remap", [VMS_EV_BRK] = "brk", [VMS_EV_GROW] = "grow",
		[VMS_EV_MADVISE] = "madvise", [VMS_EV_LOCK] = "lock", [VMS_EV_UNLOCK] = "unlock",
		[VMS_EV_EXEC] = "exec", [VMS_EV_FORK] = "fork", [VMS_EV_EXIT] = "exit",
		[VMS_EV_FAULTS] = "faults",
	};

	(void)state;
	for (unsigned k = VMS_EV_MAP; k < VMS_EV__COUNT; k++) {
		assert_non_null(want[k]);
		assert_string_equal(watch_kind_name(k), want[k]);
	}
	assert_string_equal(watch_kind_name(0), "?");
	assert_string_equal(watch_kind_name(VMS_EV__COUNT), "?");
	assert_string_equal(watch_kind_name(255), "?");
	assert_string_equal(watch_kind_name(UINT_MAX), "?");
}

/* Every known advice by the value <sys/mman.h> gives it (where this libc has it), and gaps. */
static void advice_names(void **state)
{
	static const struct { unsigned v; const char *name; } known[] = {
		{ MADV_NORMAL, "normal" }, { MADV_RANDOM, "random" },
		{ MADV_SEQUENTIAL, "sequential" }, { MADV_WILLNEED, "willneed" },
		{ MADV_DONTNEED, "dontneed" }, { MADV_FREE, "free" }, { MADV_REMOVE, "remove" },
		{ MADV_DONTFORK, "dontfork" }, { MADV_DOFORK, "dofork" },
		{ MADV_MERGEABLE, "mergeable" }, { MADV_UNMERGEABLE, "unmergeable" },
		{ MADV_HUGEPAGE, "hugepage" }, { MADV_NOHUGEPAGE, "nohugepage" },
		{ MADV_DONTDUMP, "dontdump" }, { MADV_DODUMP, "dodump" },
		{ MADV_WIPEONFORK, "wipeonfork" }, { MADV_KEEPONFORK, "keeponfork" },
		{ MADV_COLD, "cold" }, { MADV_PAGEOUT, "pageout" },
		{ MADV_POPULATE_READ, "populate_read" }, { MADV_POPULATE_WRITE, "populate_write" },
		{ MADV_HWPOISON, "hwpoison" },
		/* newer than some libcs: the kernel's values */
		{ 24, "dontneed_locked" }, { 25, "collapse" }, { 101, "soft_offline" },
		{ 102, "guard_install" }, { 103, "guard_remove" },
	};
	static const unsigned unknown[] = { 5, 6, 7, 26, 77, 99, 104, 1000, UINT_MAX };

	(void)state;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		assert_non_null(watch_advice_name(known[i].v));
		assert_string_equal(watch_advice_name(known[i].v), known[i].name);
	}
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		assert_null(watch_advice_name(unknown[i]));
}

static void human_size(void **state)
{
	static const struct { uint64_t b; const char *s; } t[] = {
		{ 0, "0K" }, { 1, "1K" }, { 1023, "1K" }, { 1024, "1K" }, { 1025, "2K" },
		{ 4096, "4K" }, { 12288, "12K" }, { 1023ULL << 10, "1023K" },
		{ 1ULL << 20, "1M" }, { 3ULL << 19, "1.5M" }, { (1ULL << 20) + 1024, "1M" },
		{ 10230ULL << 10, "9.9M" }, /* tenths are cut, not rounded */
		{ 10ULL << 20, "10M" }, { (10ULL << 20) + (700ULL << 10), "11M" },
		{ 132ULL << 20, "132M" }, { 1ULL << 30, "1G" }, { 3ULL << 29, "1.5G" },
		{ 1ULL << 40, "1T" }, { 1ULL << 50, "1P" }, { 1ULL << 60, "1E" },
		{ 1ULL << 63, "8E" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char out[8];

		memset(out, 'x', sizeof(out));
		watch_human_size(t[i].b, out);
		assert_string_equal(out, t[i].s);
	}
}

static void text_header(void **state)
{
	struct mem_out m;

	(void)state;
	text->header(mem_open(&m), false);
	text->header(m.f, true);	/* no colors in the header */
	expect_text(mem_text(&m),
		    "TIME            PID     TID  COMM             EVENT   RANGE                       SIZE PERM      NAME\n"
		    "TIME            PID     TID  COMM             EVENT   RANGE                       SIZE PERM      NAME\n");
}

/* The table covers every kind, and a kind the renderers do not know. */
static void every_kind_covered(void **state)
{
	bool seen[256] = { false };

	(void)state;
	for (size_t i = 0; i < NCASES; i++)
		seen[cases[i].e.kind] = true;
	for (unsigned k = 0; k < VMS_EV__COUNT; k++)
		assert_true(seen[k]);
}

static void text_lines(void **state)
{
	(void)state;
	for (size_t i = 0; i < NCASES; i++) {
		expect_case(cases[i].what, render(text, &cases[i], false), cases[i].text);
	}
}

/* With colors: the kind's name is wrapped in its code and COLOR_OFF; without the codes the line
 * is the uncolored one, column for column. */
static void text_colors(void **state)
{
	(void)state;
	for (size_t i = 0; i < NCASES; i++) {
		char *got = render(text, &cases[i], true);
		char *plain = uncolored(got);

		/* no color for a kind it does not know */
		if ((cases[i].e.kind == 0) != !strcmp(got, cases[i].text)) {
			fprintf(stderr, "--- case: %s: %s\n", cases[i].what, got);
			free(got);
			free(plain);
			fail_msg("colored or not, wrongly");
		}
		free(got);
		expect_case(cases[i].what, plain, cases[i].text);
	}
	expect_text(render(text, &cases[0], true),
		    TPRE "\033[32mmap\033[0m     7f0000001000-7f0000004000    12K rw-p      [anon]\n");
	expect_text(render(text, &cases[2], true),
		    TPRE "\033[31munmap\033[0m   7f0000001000-7f0000004000    12K           [anon] faults 12 min 3 maj\n");
	expect_text(render(text, &cases[3], true),
		    TPRE "\033[33mprotect\033[0m 7f0000001000-7f0000002000     4K r--p>rw-p [anon]\n");
	expect_text(render(text, &cases[10], true),
		    TPRE "\033[2mlock\033[0m                                               all\n");
}

static void json_lines(void **state)
{
	(void)state;
	for (size_t i = 0; i < NCASES; i++) {
		expect_case(cases[i].what, render(json, &cases[i], false), cases[i].json);
		/* JSON has no colors */
		expect_case(cases[i].what, render(json, &cases[i], true), cases[i].json);
	}
}

/* A comm of 16 bytes has no NUL; JSON escapes what it must. */
static void comm_edges(void **state)
{
	struct rcase c = { "comm", EV(.kind = VMS_EV_FORK, .arg = 7), NULL, 0, NULL, NULL };

	(void)state;
	memcpy(c.e.comm, "0123456789abcdef", 16);
	/* 16 bytes of comm, then the one space before EVENT */
	expect_text(render(text, &c, false),
		    "22:13:20.123    4242    4243 0123456789abcdef fork"
		    "                                               child 7\n");
	expect_text(render(json, &c, false),
		    "{\"ts_ns\": 1700000000123456789, \"pid\": 4242, \"tid\": 4243, \"comm\": \"0123456789abcdef\", "
		    "\"event\": \"fork\", \"start\": null, \"end\": null, \"size\": null, \"perm\": null, "
		    "\"old_perm\": null, \"old_start\": null, \"old_end\": null, \"name\": null, "
		    "\"child_pid\": 7, \"dropped_before\": 0}\n");
	memset(c.e.comm, 0, sizeof(c.e.comm));
	memcpy(c.e.comm, "a\"b\\c\td", 7);
	expect_text(render(json, &c, false),
		    "{\"ts_ns\": 1700000000123456789, \"pid\": 4242, \"tid\": 4243, \"comm\": \"a\\\"b\\\\c\\td\", "
		    "\"event\": \"fork\", \"start\": null, \"end\": null, \"size\": null, \"perm\": null, "
		    "\"old_perm\": null, \"old_start\": null, \"old_end\": null, \"name\": null, "
		    "\"child_pid\": 7, \"dropped_before\": 0}\n");
}

/* comm and names are the watched processes' choice: no control character of theirs reaches
 * the terminal (C0, DEL, C1 as '?'); the columns after comm stay in place. JSON escapes them
 * as \uXXXX, C1 included. */
static void text_escapes(void **state)
{
	struct rcase c = { "escapes", EV(.kind = VMS_EV_MAP, .flags = R | P, .start = 0x7f0000001000,
				       .end = 0x7f0000004000, .perm = RW),
			   "/tmp/e\x1b[2J\x07\xc2\x9b\x7f\n\xc3\xa9", 0, NULL, NULL };
	char *got;

	(void)state;
	memcpy(c.e.comm, "\x1b]0;\x9b" "x\x07\x1b[31m\x7f" "abc", 16); /* 16 bytes, no NUL */
	assert_non_null(setlocale(LC_ALL, "C.UTF-8"));
	expect_text(render(text, &c, false),
		    "22:13:20.123    4242    4243 ?]0;?x??[31m?abc map     "
		    "7f0000001000-7f0000004000    12K rw-p      /tmp/e?[2J????\xc3\xa9\n");
	assert_non_null(setlocale(LC_ALL, "C"));
	expect_text(render(text, &c, true),
		    "22:13:20.123    4242    4243 ?]0;?x??[31m?abc \033[32mmap\033[0m     "
		    "7f0000001000-7f0000004000    12K rw-p      /tmp/e?[2J???????\n");
	got = render(json, &c, false);
	assert_non_null(strstr(got, "\"comm\": \"\\u001b]0;\\udc9bx\\u0007\\u001b[31m\\u007fabc\""));
	assert_non_null(strstr(got, "\"name\": \"/tmp/e\\u001b[2J\\u0007\\u009b\\u007f\\n\xc3\xa9\""));
	free(got);
}

static char *lost_line(const struct watch_format *f, uint64_t n, bool color)
{
	struct mem_out m;

	f->lost(mem_open(&m), n, TS, color);
	return mem_text(&m);
}

static void lost_lines(void **state)
{
	(void)state;
	expect_text(lost_line(text, 1, false),
		    "22:13:20.123                                  "
		    "lost 1 event (ring buffer full; try a larger --buffer-size)\n");
	expect_text(lost_line(text, 7, false),
		    "22:13:20.123                                  "
		    "lost 7 events (ring buffer full; try a larger --buffer-size)\n");
	expect_text(lost_line(text, 7, true),
		    "22:13:20.123                                  "
		    "\033[1;31mlost 7 events (ring buffer full; try a larger --buffer-size)\033[0m\n");
	expect_text(lost_line(json, 7, false),
		    "{\"ts_ns\": 1700000000123456789, \"event\": \"lost\", \"count\": 7}\n");
	expect_text(lost_line(json, 1, true),
		    "{\"ts_ns\": 1700000000123456789, \"event\": \"lost\", \"count\": 1}\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(registry),
		cmocka_unit_test(kind_names),
		cmocka_unit_test(advice_names),
		cmocka_unit_test(human_size),
		cmocka_unit_test(text_header),
		cmocka_unit_test(every_kind_covered),
		cmocka_unit_test(text_lines),
		cmocka_unit_test(text_colors),
		cmocka_unit_test(json_lines),
		cmocka_unit_test(comm_edges),
		cmocka_unit_test(text_escapes),
		cmocka_unit_test(lost_lines),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
