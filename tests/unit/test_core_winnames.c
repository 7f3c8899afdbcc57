// SPDX-License-Identifier: BSD-2-Clause
/*
 * The core's rules for the Windows backend's names (libvmscope-core alone): DOS, UNC and NT
 * device paths are files (images when mapped executable), whose name in pmap tables is what
 * follows the last backslash; "[stack:TID]" is a stack labelled TID; "[reserved]" (---p) is
 * private, as a PROT_NONE reservation; an unnamed shared region (a pagefile section) Shareable.
 * Linux names keep their meaning.
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
#include "core/region.h"
#include "core/util.h"

static void add(struct vms_snapshot *s, uint64_t start, uint64_t end, const char *perms,
		uint64_t ino, const char *name)
{
	struct vms_region *r = snapshot_add(s);

	r->start = start;
	r->end = end;
	r->inode = ino;
	memcpy(r->perms, perms, 5);
	r->name = xstrdup(name);
}

static void sample(struct vms_snapshot *s)
{
	snapshot_init(s);
	s->proc.pid = 1234;
	s->proc.cmdline = xstrdup("\"C:\\app\\app.exe\" -v");
	s->proc.start_stack = 0x21fff;
	s->backend = "windows";
	add(s, 0x10000, 0x20000, "rw-s", 0, "C:\\Users\\me\\data.bin");
	add(s, 0x20000, 0x21000, "---p", 0, "[stack:36]");
	add(s, 0x21000, 0x22000, "rw-p", 0, "[stack:36]");
	add(s, 0x30000, 0x40000, "---p", 0, "[reserved]");
	add(s, 0x140000000, 0x140001000, "r--p", 0, "C:\\app\\app.exe"); /* no file id */
	add(s, 0x140001000, 0x140009000, "r-xp", 0, "C:\\app\\app.exe");
	add(s, 0x150000000, 0x150010000, "rw-p", 9, "\\\\server\\share\\cow.dat");
	add(s, 0x160000000, 0x160010000, "r--p", 0, "\\Device\\CdRom0\\x.dat");
	add(s, 0x170000000, 0x170010000, "rw-s", 0, ""); /* a view of a pagefile section */
	snapshot_add_thread(s, 36)->stack_high = 0x22000;
}

static char *render(enum pmap_mode mode, bool kernel_names, bool show_path)
{
	const struct vms_format *f = format_find("pmap");
	struct format_state st = { 0 };
	struct format_opts o;
	struct vms_snapshot s;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	format_opts_init(&o);
	o.mode = mode;
	o.kernel_names = kernel_names;
	o.show_path = show_path;
	sample(&s);
	f->print(out, &s, &o, &st);
	f->finish(out, &o, &st);
	fclose(out);
	snapshot_free(&s);
	return text;
}

static void win_paths(void **state)
{
	assert_true(region_name_is_win_path("C:\\windows\\system32\\ntdll.dll"));
	assert_true(region_name_is_win_path("z:\\x"));
	assert_true(region_name_is_win_path("\\\\server\\share\\f"));
	assert_true(region_name_is_win_path("\\Device\\HarddiskVolume3\\f"));
	assert_false(region_name_is_win_path("/usr/lib/libc.so.6"));
	assert_false(region_name_is_win_path("[stack:12]"));
	assert_false(region_name_is_win_path("C:"));
	assert_false(region_name_is_win_path("memfd:C:\\x"));
	assert_false(region_name_is_win_path(""));
}

static void win_kinds(void **state)
{
	static const char *const want[] = { "mapped-file", "stack", "stack", "private", "image", "image",
					    "mapped-file", "mapped-file", "shareable" };
	struct vms_snapshot s;
	const char **kinds;

	sample(&s);
	kinds = region_kinds(&s);
	for (size_t i = 0; i < s.n; i++) {
		assert_string_equal(kinds[i], want[i]);
		assert_string_equal(region_kind(&s, &s.regions[i]), want[i]);
	}
	free(kinds);
	snapshot_free(&s);
}

static void win_stack_tids(void **state)
{
	struct vms_snapshot s;
	struct vms_class *c;

	sample(&s);
	c = region_classify(&s);
	assert_int_equal(c[1].type, VMS_T_STACK);
	assert_int_equal(c[1].tid, 36);
	assert_true(c[1].main_stack); /* 36 is the first thread */
	assert_int_equal(c[2].tid, 36);
	assert_int_equal(c[8].type, VMS_T_SHAREABLE);
	free(c);
	snapshot_free(&s);
}

static void win_pmap_names(void **state)
{
	char *t = render(PMAP_DEFAULT, false, false), *k, *p, *x;

	assert_non_null(strstr(t, "0000000000010000     64K rw-s- data.bin\n"));
	assert_non_null(strstr(t, "0000000000021000      4K rw---   [ stack ]\n"));
	assert_non_null(strstr(t, "0000000140001000     32K r-x-- app.exe\n"));
	assert_non_null(strstr(t, " cow.dat\n"));
	assert_non_null(strstr(t, " x.dat\n"));
	k = render(PMAP_DEFAULT, true, false);
	assert_non_null(strstr(k, "0000000000020000      4K ----- [stack:36]\n"));
	assert_non_null(strstr(k, "0000000000030000     64K ----- [reserved]\n"));
	p = render(PMAP_DEFAULT, false, true);
	assert_non_null(strstr(p, " r-x-- C:\\app\\app.exe\n"));
	x = render(PMAP_X, false, false);
	assert_non_null(strstr(x, " app.exe\n"));
	free(t);
	free(k);
	free(p);
	free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(win_paths),
		cmocka_unit_test(win_kinds),
		cmocka_unit_test(win_stack_tids),
		cmocka_unit_test(win_pmap_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
