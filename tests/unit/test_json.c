// SPDX-License-Identifier: BSD-2-Clause
/* The JSON writer (separators, escaping, numbers), the json format and region_kind(). */
#include <math.h>

#include "unit.h"
#include "core/classify.h"
#include "core/json.h"
#include "core/util.h"

struct jbuf {
	char *buf;
	size_t len;
	FILE *f;
	struct json_writer w;
};

static void jopen(struct jbuf *j)
{
	j->buf = NULL;
	j->f = open_memstream(&j->buf, &j->len);
	assert_non_null(j->f);
	json_init(&j->w, j->f);
}

static void jexpect(struct jbuf *j, const char *want)
{
	fclose(j->f);
	expect_text(j->buf, want);
}

static void json_separators(void **state)
{
	struct jbuf j;

	jopen(&j);
	json_obj_begin(&j.w);
	json_kv_u64(&j.w, "a", 1);
	json_key(&j.w, "b");
	json_arr_begin(&j.w);
	json_u64(&j.w, 1);
	json_i64(&j.w, -2);
	json_arr_begin(&j.w);
	json_arr_end(&j.w);
	json_obj_begin(&j.w);
	json_obj_end(&j.w);
	json_arr_end(&j.w);
	json_key(&j.w, "c");
	json_obj_begin(&j.w);
	json_key(&j.w, "d");
	json_null(&j.w);
	json_kv_bool(&j.w, "e", true);
	json_kv_bool(&j.w, "f", false);
	json_kv_str(&j.w, "g", NULL);
	json_obj_end(&j.w);
	json_obj_end(&j.w);
	jexpect(&j, "{\"a\": 1, \"b\": [1, -2, [], {}], \"c\": {\"d\": null, \"e\": true, "
		    "\"f\": false, \"g\": null}}");
}

static void json_numbers(void **state)
{
	struct jbuf j;

	jopen(&j);
	json_arr_begin(&j.w);
	json_u64(&j.w, UINT64_MAX);
	json_i64(&j.w, INT64_MIN);
	json_hex(&j.w, 0);
	json_hex(&j.w, UINT64_MAX);
	json_hex(&j.w, 0xffffffffff600000ull);
	json_double(&j.w, 1.5);
	json_double(&j.w, 0.1);
	json_double(&j.w, NAN);
	json_double(&j.w, INFINITY);
	json_double(&j.w, -INFINITY);
	json_arr_end(&j.w);
	jexpect(&j, "[18446744073709551615, -9223372036854775808, \"0x0\", \"0xffffffffffffffff\", "
		    "\"0xffffffffff600000\", 1.5, 0.1, null, null, null]");
}

static void expect_json_str(const char *in, const char *want)
{
	struct jbuf j;

	jopen(&j);
	json_str(&j.w, in);
	jexpect(&j, want);
}

static void json_escapes(void **state)
{
	expect_json_str("", "\"\"");
	expect_json_str("q\"b\\s/", "\"q\\\"b\\\\s/\"");
	expect_json_str("\n\t\r", "\"\\n\\t\\r\"");
	expect_json_str("\x01\x08\x0c\x1f\x7f", "\"\\u0001\\u0008\\u000c\\u001f\\u007f\"");
	expect_json_str("[heap] /a b (deleted)", "\"[heap] /a b (deleted)\"");
}

/* Valid UTF-8 passes; each byte of an invalid sequence is written as \udcXX (surrogateescape). */
static void json_utf8(void **state)
{
	expect_json_str("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	expect_json_str("\xc2\xa0\xdf\xbf\xef\xbf\xbf\xf4\x8f\xbf\xbf",
			"\"\xc2\xa0\xdf\xbf\xef\xbf\xbf\xf4\x8f\xbf\xbf\"");	/* range ends */
	/* C1 controls (U+0080..U+009F) are valid UTF-8 a terminal obeys (U+009B is CSI): \uXXXX */
	expect_json_str("\xc2\x80\xc2\x85\xc2\x9b[2J\xc2\x9f", "\"\\u0080\\u0085\\u009b[2J\\u009f\"");
	expect_json_str("\x9b", "\"\\udc9b\"");				/* a raw C1 byte */
	expect_json_str("\xe9", "\"\\udce9\"");				/* Latin-1 byte */
	expect_json_str("a\xc3", "\"a\\udcc3\"");			/* cut at the end */
	expect_json_str("\xe2\x82x", "\"\\udce2\\udc82x\"");		/* cut in the middle */
	expect_json_str("\xc0\xaf", "\"\\udcc0\\udcaf\"");		/* overlong '/' */
	expect_json_str("\xe0\x80\xaf", "\"\\udce0\\udc80\\udcaf\"");	/* overlong, 3 bytes */
	expect_json_str("\xf0\x80\x80\xaf", "\"\\udcf0\\udc80\\udc80\\udcaf\"");
	expect_json_str("\xed\xa0\x80", "\"\\udced\\udca0\\udc80\"");	/* surrogate U+D800 */
	expect_json_str("\xf4\x90\x80\x80", "\"\\udcf4\\udc90\\udc80\\udc80\"");	/* > U+10FFFF */
	expect_json_str("\xf5\xff\xfe\x80", "\"\\udcf5\\udcff\\udcfe\\udc80\"");
	expect_json_str("\xc3\xc3\xa9", "\"\\udcc3\xc3\xa9\"");		/* resync after a bad lead */
}

/* Deeper than JSON_MAX_DEPTH: brackets still balance and nothing overflows. */
static void json_deep(void **state)
{
	char want[2 * 40 + 1];
	struct jbuf j;

	jopen(&j);
	for (int i = 0; i < 40; i++)
		json_arr_begin(&j.w);
	for (int i = 0; i < 40; i++)
		json_arr_end(&j.w);
	memset(want, '[', 40);
	memset(want + 40, ']', 40);
	want[80] = '\0';
	jexpect(&j, want);
}

/* ---- the json format ----------------------------------------------------------------------- */

static void json_format_maps(void **state)
{
	struct vms_snapshot s;
	struct format_opts o;

	load_maps(&s, "55ce863f0000-55ce863f1000 r-xp 00000000 fe:00 10952756 /usr/bin/t\n"
		      "7fd348e34000-7fd348e44000 rw-s 00001000 00:01 1234 /memfd:a \"b\"\xe9 (deleted)\n"
		      "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]\n");
	set_proc(&s, 9582, "./t \"q\"", 0);
	format_opts_init(&o);
	assert_false(format_json.needs_accounting(&o));
	expect_output(&format_json, &s, &o,
		"{\"pid\": 9582, \"comm\": \"t\", \"cmdline\": \"./t \\\"q\\\"\", \"backend\": \"procfs\", "
		"\"regions\": ["
		"{\"start\": \"0x55ce863f0000\", \"end\": \"0x55ce863f1000\", \"perm\": \"r-xp\", "
		"\"offset\": \"0x0\", \"dev\": \"fe:00\", \"inode\": 10952756, \"name\": \"/usr/bin/t\", "
		"\"kind\": \"image\"}, "
		"{\"start\": \"0x7fd348e34000\", \"end\": \"0x7fd348e44000\", \"perm\": \"rw-s\", "
		"\"offset\": \"0x1000\", \"dev\": \"00:01\", \"inode\": 1234, "
		"\"name\": \"/memfd:a \\\"b\\\"\\udce9 (deleted)\", \"kind\": \"shareable\"}, "
		"{\"start\": \"0xffffffffff600000\", \"end\": \"0xffffffffff601000\", \"perm\": \"--xp\", "
		"\"offset\": \"0x0\", \"dev\": \"00:00\", \"inode\": 0, \"name\": \"[vsyscall]\", "
		"\"kind\": \"system\"}]}\n");
	/* -A, and a snapshot that names no backend. */
	o.range_low = o.range_high = 0xffffffffff600000ull;
	s.backend = NULL;
	expect_output(&format_json, &s, &o,
		"{\"pid\": 9582, \"comm\": \"t\", \"cmdline\": \"./t \\\"q\\\"\", \"backend\": null, "
		"\"regions\": ["
		"{\"start\": \"0xffffffffff600000\", \"end\": \"0xffffffffff601000\", \"perm\": \"--xp\", "
		"\"offset\": \"0x0\", \"dev\": \"00:00\", \"inode\": 0, \"name\": \"[vsyscall]\", "
		"\"kind\": \"system\"}]}\n");
	snapshot_free(&s);
}

static void json_format_acct(void **state)
{
	struct vms_snapshot s;
	struct format_opts o;
	char *out;

	load_smaps(&s, "01000000-01021000 rw-p 00000000 00:00 0 [heap]\n"
		       "Rss:                  12 kB\n"
		       "Pss:                  10 kB\n"
		       "Shared_Dirty:          3 kB\n"
		       "Private_Dirty:         9 kB\n"
		       "Anonymous:            12 kB\n"
		       "Swap:                  5 kB\n"
		       "Locked:                4 kB\n"
		       "02000000-02001000 rw-p 00000000 00:00 0\n");
	set_proc(&s, 1, "init", 0);
	region_more_set(&s.regions[0])->faults_min = 11;
	region_more_set(&s.regions[0])->faults_maj = 2;
	format_opts_init(&o);
	o.mode = PMAP_X;
	o.faults = true;
	assert_true(format_json.needs_accounting(&o));
	expect_output(&format_json, &s, &o,
		"{\"pid\": 1, \"comm\": \"t\", \"cmdline\": \"init\", \"backend\": \"procfs\", "
		"\"regions\": ["
		"{\"start\": \"0x1000000\", \"end\": \"0x1021000\", \"perm\": \"rw-p\", "
		"\"offset\": \"0x0\", \"dev\": \"00:00\", \"inode\": 0, \"name\": \"[heap]\", "
		"\"kind\": \"heap\", \"rss_kb\": 12, \"pss_kb\": 10, \"anon_kb\": 12, \"dirty_kb\": 12, "
		"\"swap_kb\": 5, \"locked_kb\": 4, \"faults_min\": 11, \"faults_maj\": 2}, "
		"{\"start\": \"0x2000000\", \"end\": \"0x2001000\", \"perm\": \"rw-p\", "
		"\"offset\": \"0x0\", \"dev\": \"00:00\", \"inode\": 0, \"name\": \"\", "
		"\"kind\": \"private\", \"rss_kb\": 0, \"pss_kb\": 0, \"anon_kb\": 0, \"dirty_kb\": 0, "
		"\"swap_kb\": 0, \"locked_kb\": 0, \"faults_min\": 0, \"faults_maj\": 0}]}\n");
	/* a source that splits by access type adds three fields */
	o.mode = PMAP_DEFAULT;
	s.has_acct = false;
	s.fault_access = true;
	region_more_set(&s.regions[0])->faults_read = 4;
	region_more_set(&s.regions[0])->faults_write = 9;
	region_more_set(&s.regions[0])->faults_exec = 0;
	out = capture(&format_json, &s, &o);
	assert_non_null(strstr(out, "\"kind\": \"heap\", \"faults_min\": 11, \"faults_maj\": 2, "
				    "\"faults_read\": 4, \"faults_write\": 9, \"faults_exec\": 0}"));
	free(out);
	snapshot_free(&s);
}

static void json_format_empty(void **state)
{
	struct vms_snapshot s;
	struct format_opts o;

	snapshot_init(&s);
	s.proc.pid = 2;
	snprintf(s.proc.comm, sizeof(s.proc.comm), "kthreadd");
	format_opts_init(&o);
	expect_output(&format_json, &s, &o,
		"{\"pid\": 2, \"comm\": \"kthreadd\", \"cmdline\": null, \"backend\": null, "
		"\"regions\": []}\n");
	snapshot_free(&s);
}

/* ---- region_kind ----------------------------------------------------------------------------- */

static void classify_kinds(void **state)
{
	static const char *const want[] = {
		"image", "image", "mapped-file", "heap", "stack", "stack", "private", "vdso", "vdso",
		"vdso", "system", "system", "private", "shareable", "private", "mapped-file", "private",
	};
	struct vms_snapshot s;
	const char **kinds;

	load_maps(&s, "1000-2000 r-xp 00000000 08:01 5 /usr/lib/libc.so.6\n"
		      "2000-3000 r--p 00001000 08:01 5 /usr/lib/libc.so.6\n"
		      "3000-4000 r--p 00000000 08:01 6 /usr/share/locale.bin\n"
		      "4000-5000 rw-p 00000000 00:00 0 [heap]\n"
		      "5000-6000 rw-p 00000000 00:00 0 [stack]\n"
		      "6000-7000 rw-p 00000000 00:00 0\n"	/* holds startstack */
		      "7000-8000 rw-p 00000000 00:00 0\n"	/* just past startstack */
		      "8000-9000 r--p 00000000 00:00 0 [vvar]\n"
		      "9000-a000 r--p 00000000 00:00 0 [vvar_vclock]\n"
		      "a000-b000 r-xp 00000000 00:00 0 [vdso]\n"
		      "b000-c000 --xp 00000000 00:00 0 [vsyscall]\n"
		      "c000-d000 r-xp 00000000 00:00 0 [uprobes]\n"
		      "d000-e000 ---p 00000000 00:00 0\n"	/* next to no stack or heap: private */
		      "e000-f000 rw-s 00000000 00:01 7 /dev/zero (deleted)\n"
		      "f000-10000 rw-p 00000000 00:00 0 [anon:buf]\n"
		      "10000-11000 r--p 00000000 08:01 5 /other/libc.so.6\n"	/* same inode, other name */
		      "11000-12000 r--p 00000000 00:00 0 /no/inode\n");
	set_proc(&s, 1, "c", 0x6fff);
	assert_int_equal(s.n, sizeof(want) / sizeof(want[0]));
	kinds = region_kinds(&s);
	for (size_t i = 0; i < s.n; i++) {
		const char *got = region_kind(&s, &s.regions[i]);

		if (strcmp(got, want[i]))
			fprintf(stderr, "region %zu (%s): %s, want %s\n", i, s.regions[i].name, got, want[i]);
		assert_string_equal(got, want[i]);
		/* the whole-snapshot classification (json, csv) says the same */
		assert_string_equal(kinds[i], want[i]);
	}
	free(kinds);
	/* The stack test is by address only for unnamed regions. */
	s.proc.start_stack = 0x4800;
	assert_string_equal(region_kind(&s, &s.regions[3]), "heap");
	snapshot_free(&s);
}

/* region_kinds() (json, csv) answers as region_kind() of each: over every mix of a few files
 * that differ only by inode, device or name, mapped with and without x. */
static void classify_whole_snapshot(void **state)
{
	static const char *const names[] = { "/lib/a.so", "/lib/b.so", "/lib/a.so (deleted)", "" };
	static const char *const perms[] = { "r-xp", "r--p", "rw-p", "---p", "rw-s", "--xp" };
	struct vms_snapshot s;
	const char **kinds;
	uint32_t seed = 1;

	snapshot_init(&s);
	for (int i = 0; i < 500; i++) {
		struct vms_region *r = snapshot_add(&s);

		seed = seed * 1103515245u + 12345u; /* deterministic: one fixed mix */
		r->start = 0x1000ull * (uint64_t)(2 * i + 1);
		r->end = r->start + 0x1000;
		r->inode = seed >> 8 & 3;
		r->dev_major = seed >> 10 & 1;
		r->dev_minor = seed >> 11 & 1;
		memcpy(r->perms, perms[(seed >> 12) % 6], 5);
		r->name = xstrdup(names[seed >> 16 & 3]);
	}
	kinds = region_kinds(&s);
	for (size_t i = 0; i < s.n; i++)
		assert_string_equal(kinds[i], region_kind(&s, &s.regions[i]));
	free(kinds);
	snapshot_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(json_separators),
		cmocka_unit_test(json_numbers),
		cmocka_unit_test(json_escapes),
		cmocka_unit_test(json_utf8),
		cmocka_unit_test(json_deep),
		cmocka_unit_test(json_format_maps),
		cmocka_unit_test(json_format_acct),
		cmocka_unit_test(json_format_empty),
		cmocka_unit_test(classify_kinds),
		cmocka_unit_test(classify_whole_snapshot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
