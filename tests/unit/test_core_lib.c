// SPDX-License-Identifier: BSD-2-Clause
/*
 * libvmscope-core on its own: this binary links .output/libvmscope-core.a and nothing else of
 * vmscope (no libbpf, no /proc parser), as a port to another system would. Regions are built
 * by hand, the way a core-file or Windows backend builds them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/classify.h"
#include "core/format/format.h"
#include "core/json.h"
#include "core/region.h"
#include "core/util.h"

static void add(struct vms_snapshot *s, uint64_t start, uint64_t end, const char *perms,
		uint64_t off, uint64_t ino, const char *name)
{
	struct vms_region *r = snapshot_add(s);

	r->start = start;
	r->end = end;
	r->offset = off;
	r->inode = ino;
	r->dev_major = ino ? 8 : 0;
	r->dev_minor = ino ? 1 : 0;
	memcpy(r->perms, perms, 5);
	r->name = xstrdup(name);
}

static void sample(struct vms_snapshot *s)
{
	snapshot_init(s);
	s->proc.pid = 4242;
	s->proc.state = 'S';
	strcpy(s->proc.comm, "port");
	s->proc.cmdline = xstrdup("/opt/port --flag");
	s->proc.start_stack = 0x7ffd0000f000;
	s->backend = "by-hand";
	add(s, 0x400000, 0x401000, "r--p", 0, 77, "/opt/port");
	add(s, 0x401000, 0x403000, "r-xp", 0x1000, 77, "/opt/port");
	add(s, 0x1000000, 0x1021000, "rw-p", 0, 0, "[heap]");
	add(s, 0x7f0000000000, 0x7f0000001000, "---p", 0, 0, "");
	add(s, 0x7f0000001000, 0x7f0000101000, "rw-s", 0, 12, "/dev/shm/x");
	add(s, 0x7ffd00000000, 0x7ffd00010000, "rw-p", 0, 0, "");
}

static char *render(const char *format, enum pmap_mode mode)
{
	const struct vms_format *f = format_find(format);
	struct format_state st = { 0 };
	struct format_opts o;
	struct vms_snapshot s;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(f);
	assert_non_null(out);
	format_opts_init(&o);
	o.mode = mode;
	sample(&s);
	f->print(out, &s, &o, &st);
	if (f->finish)
		f->finish(out, &o, &st);
	fclose(out);
	snapshot_free(&s);
	return text;
}

static void classify_by_hand(void **state)
{
	struct vms_snapshot s;
	/* the lone ---p is a reservation, not a guard: no stack or heap next to it (classify.h) */
	static const char *const want[] = { "image", "image", "heap", "private", "shareable", "stack" };

	const char **kinds;

	sample(&s);
	kinds = region_kinds(&s);
	for (size_t i = 0; i < s.n; i++) {
		assert_string_equal(region_kind(&s, &s.regions[i]), want[i]);
		assert_string_equal(kinds[i], want[i]);
	}
	free(kinds);
	snapshot_free(&s);
}

static void pmap_by_hand(void **state)
{
	char *t = render("pmap", PMAP_DEFAULT);

	assert_non_null(strstr(t, "4242:   /opt/port --flag\n"));
	assert_non_null(strstr(t, "0000000000400000      4K r---- port\n"));
	assert_non_null(strstr(t, "0000000001000000    132K rw---   [ anon ]\n"));
	assert_non_null(strstr(t, "00007ffd00000000     64K rw---   [ stack ]\n"));
	assert_non_null(strstr(t, " total "));
	free(t);
}

static void json_by_hand(void **state)
{
	char *t = render("json", PMAP_DEFAULT);

	assert_non_null(strstr(t, "\"pid\": 4242"));
	assert_non_null(strstr(t, "\"backend\": \"by-hand\""));
	assert_non_null(strstr(t, "\"kind\": \"shareable\""));
	free(t);
}

static void every_format_prints(void **state)
{
	for (int i = 0; vms_formats[i]; i++) {
		char *t = render(vms_formats[i]->name, PMAP_DEFAULT);

		assert_true(strlen(t) > 0);
		free(t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(classify_by_hand),
		cmocka_unit_test(pmap_by_hand),
		cmocka_unit_test(json_by_hand),
		cmocka_unit_test(every_format_prints),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
