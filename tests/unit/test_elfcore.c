// SPDX-License-Identifier: BSD-2-Clause
/*
 * The core reader's pure half (user/elfcore/core_notes.c) on hand-built note descriptors: the
 * layouts of NT_FILE (kernel and gdb page sizes), NT_PRPSINFO, NT_PRSTATUS on x86-64 and aarch64
 * (which no machine here can dump), NT_AUXV; the permission rules; the merge and its refusals;
 * and how the formats show what a core does not hold.
 */
#include "unit.h"

#include "elfcore/elfcore.h"

#define EM_X86_64 62
#define EM_AARCH64 183

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* An NT_FILE descriptor: n entries {start, end, ofs} and their names. Returns its length. */
static size_t nt_file(uint8_t *d, uint64_t page, size_t n, const uint64_t (*e)[3],
		      const char *const *names)
{
	size_t len = 16 + n * 24;

	put64(d, n);
	put64(d + 8, page);
	for (size_t i = 0; i < n; i++) {
		put64(d + 16 + i * 24, e[i][0]);
		put64(d + 24 + i * 24, e[i][1]);
		put64(d + 32 + i * 24, e[i][2]);
	}
	for (size_t i = 0; i < n; i++) {
		memcpy(d + len, names[i], strlen(names[i]) + 1);
		len += strlen(names[i]) + 1;
	}
	return len;
}

static void test_file_note_pages_and_names(void **state)
{
	static const uint64_t e[][3] = { { 0x400000, 0x402000, 3 }, { 0x500000, 0x501000, 0 },
					 { 0x600000, 0x601000, 0 }, { 0x700000, 0x701000, 1 } };
	static const char *const names[] = { "/bin/x", "/dev/zero (deleted)", "/SYSV0000002a (deleted)",
					      "/tmp/new\nline" };
	struct core_info ci;
	struct vms_snapshot s;
	uint8_t d[512];
	size_t len = nt_file(d, 4096, 4, e, names);

	snapshot_init(&s);
	core_info_init(&ci, EM_X86_64, false);
	/* a kernel core: every mapping has a segment; /bin/x dumped in part (its ELF header) */
	assert_int_equal(core_add_segment(&ci, 0x400000, 0x2000, 0x1000, 5), 0);
	assert_int_equal(core_add_segment(&ci, 0x500000, 0x1000, 0x1000, 6), 0);
	assert_int_equal(core_add_segment(&ci, 0x600000, 0x1000, 0x1000, 6), 0);
	assert_int_equal(core_add_segment(&ci, 0x700000, 0x1000, 0x1000, 4), 0);
	assert_int_equal(core_add_segment(&ci, 0x800000, 0x1000, 0, 0), 0);
	assert_int_equal(core_note(&ci, &s, 0x46494c45, d, len), 0);
	assert_int_equal(core_build(&ci, &s), 0);
	assert_int_equal(s.n, 5);
	assert_int_equal(s.regions[0].offset, 3 * 4096);	/* NT_FILE offsets are pages */
	assert_string_equal(s.regions[0].perms, "r-xp");	/* a partial dump: private */
	assert_true(s.regions[0].absent & VMS_ABSENT_DEVINO);
	assert_string_equal(s.regions[1].perms, "rw-s");	/* shared anonymous */
	assert_string_equal(s.regions[2].perms, "rw-s");	/* SysV shm */
	assert_string_equal(s.regions[3].perms, "r--?");	/* whole: cannot say */
	assert_string_equal(s.regions[3].name, "/tmp/new\\012line"); /* as /proc/PID/maps */
	assert_string_equal(s.regions[4].perms, "---p");	/* no file: private */
	assert_int_equal(s.regions[4].absent, 0);
	assert_string_equal(s.regions[4].name, "");
	core_info_free(&ci);
	snapshot_free(&s);

	/* gdb: page size 1 (byte offsets), every segment readable, undumped files without one */
	snapshot_init(&s);
	core_info_init(&ci, EM_X86_64, true);
	len = nt_file(d, 1, 1, (const uint64_t[][3]){ { 0x400000, 0x402000, 0x3000 } }, names);
	assert_int_equal(core_add_segment(&ci, 0x800000, 0x1000, 0x1000, 4), 0);
	assert_int_equal(core_note(&ci, &s, 0x46494c45, d, len), 0);
	assert_int_equal(core_build(&ci, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.regions[0].offset, 0x3000);
	assert_string_equal(s.regions[0].perms, "????");
	assert_string_equal(s.regions[1].perms, "?--p");
	core_info_free(&ci);
	snapshot_free(&s);
}

static void test_file_note_refusals(void **state)
{
	static const char *const names[] = { "/a", "/b" };
	struct core_info ci;
	struct vms_snapshot s;
	uint8_t d[256];
	size_t len;

	/* more entries than the note holds; more than names; page size 0 or not a power of 2 */
	for (int c = 0; c < 5; c++) {
		snapshot_init(&s);
		core_info_init(&ci, EM_X86_64, false);
		len = nt_file(d, 4096, 2, (const uint64_t[][3]){ { 0x1000, 0x2000, 0 }, { 0x3000, 0x4000, 0 } },
			      names);
		if (c == 0)
			put64(d, 1ull << 60);
		if (c == 1)
			len -= 3; /* the last name's end */
		if (c == 2)
			put64(d + 8, 0);
		if (c == 3)
			put64(d + 8, 3000);
		if (c == 4)
			put64(d + 16 + 8, 0x1000); /* end == start */
		assert_int_equal(core_note(&ci, &s, 0x46494c45, d, len), -EINVAL);
		assert_non_null(strstr(ci.err, "malformed core file: NT_FILE"));
		core_info_free(&ci);
		snapshot_free(&s);
	}
	/* a file entry across a segment's edge; overlapping segments; two NT_FILE notes */
	snapshot_init(&s);
	core_info_init(&ci, EM_X86_64, false);
	len = nt_file(d, 4096, 1, (const uint64_t[][3]){ { 0x1000, 0x3000, 0 } }, names);
	assert_int_equal(core_note(&ci, &s, 0x46494c45, d, len), 0);
	assert_int_equal(core_note(&ci, &s, 0x46494c45, d, len), -EINVAL);
	assert_int_equal(core_add_segment(&ci, 0x2000, 0x2000, 0, 4), 0);
	assert_int_equal(core_build(&ci, &s), -EINVAL);
	assert_non_null(strstr(ci.err, "straddles"));
	core_info_free(&ci);
	snapshot_free(&s);
	snapshot_init(&s);
	core_info_init(&ci, EM_X86_64, false);
	assert_int_equal(core_add_segment(&ci, 0x2000, 0x2000, 0, 4), 0);
	assert_int_equal(core_add_segment(&ci, 0x3000, 0x2000, 0, 4), 0);
	assert_int_equal(core_build(&ci, &s), -EINVAL);
	assert_non_null(strstr(ci.err, "overlap"));
	assert_int_equal(core_add_segment(&ci, UINT64_MAX - 0xfff, 0x2000, 0, 4), -EINVAL);
	core_info_free(&ci);
	snapshot_free(&s);
}

/* One NT_PRSTATUS of tid with the stack pointer at the machine's place. */
static void prstatus(uint8_t *d, size_t sp_at, int tid, uint64_t sp)
{
	memset(d, 0, 400);
	put32(d + 32, (uint32_t)tid);
	if (sp_at)
		put64(d + sp_at, sp);
}

static void test_threads_per_machine(void **state)
{
	static const struct { uint16_t machine; size_t sp_at, size; } m[] = {
		{ EM_X86_64, 112 + 19 * 8, 336 }, { EM_AARCH64, 112 + 31 * 8, 392 }, { 40 /* ARM */, 0, 148 },
	};
	uint8_t d[400];

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		struct core_info ci;
		struct vms_snapshot s;

		snapshot_init(&s);
		core_info_init(&ci, m[i].machine, false);
		s.proc.pid = 100;
		prstatus(d, m[i].sp_at, 101, 0x7f0000001000);	/* the dumping thread first */
		assert_int_equal(core_note(&ci, &s, 1, d, m[i].size), 0);
		prstatus(d, m[i].sp_at, 100, 0x7ffd00002000);
		assert_int_equal(core_note(&ci, &s, 1, d, m[i].size), 0);
		assert_int_equal(core_add_segment(&ci, 0x7ffd00000000, 0x10000, 0, 6), 0);
		assert_int_equal(core_build(&ci, &s), 0);
		assert_int_equal(s.n_threads, 2);
		assert_int_equal(s.threads[0].tid, 100);	/* the main thread first */
		assert_int_equal(s.threads[1].tid, 101);
		assert_int_equal(s.threads[0].sp, m[i].sp_at ? 0x7ffd00002000 : 0);
		assert_int_equal(s.threads[1].sp, m[i].sp_at ? 0x7f0000001000 : 0);
		/* no auxv: the main thread's sp marks the stack */
		assert_int_equal(s.proc.start_stack, m[i].sp_at ? 0x7ffd00002000 : 0);
		if (m[i].sp_at) /* too short for this machine's registers */
			assert_int_equal(core_note(&ci, &s, 1, d, m[i].sp_at + 4), -EINVAL);
		core_info_free(&ci);
		snapshot_free(&s);
	}
}

static void test_psinfo_and_auxv(void **state)
{
	struct core_info ci;
	struct vms_snapshot s;
	uint8_t d[136], a[64];

	memset(d, 0, sizeof(d));
	d[1] = 'S';
	put32(d + 24, 4242);
	put32(d + 28, 1);
	memcpy(d + 40, "sixteen_chars_xx", 16);	/* no NUL: comm of 16 bytes */
	memcpy(d + 56, "prog -a b ", 10);	/* the kernel: NULs as spaces, one trailing */
	snapshot_init(&s);
	core_info_init(&ci, EM_X86_64, false);
	assert_int_equal(core_note(&ci, &s, 3, d, sizeof(d)), 0);
	assert_int_equal(core_note(&ci, &s, 3, d, sizeof(d)), -EINVAL); /* two */
	assert_int_equal(s.proc.pid, 4242);
	assert_string_equal(s.proc.comm, "sixteen_chars_xx");
	assert_string_equal(s.proc.cmdline, "prog -a b");
	memset(d + 56, 'x', 80);			/* gdb may fill all 80 bytes */
	ci.have_psinfo = false;
	assert_int_equal(core_note(&ci, &s, 3, d, sizeof(d)), 0);
	assert_int_equal(strlen(s.proc.cmdline), 80);
	assert_int_equal(core_note(&ci, &s, 3, d, 100), -EINVAL); /* a second one */

	put64(a, 33), put64(a + 8, 0x7fff0000);		/* AT_SYSINFO_EHDR */
	put64(a + 16, 25), put64(a + 24, 0x7ffe1234);	/* AT_RANDOM */
	put64(a + 32, 0), put64(a + 40, 0);
	put64(a + 48, 25), put64(a + 56, 0x1);		/* after AT_NULL: not read */
	assert_int_equal(core_note(&ci, &s, 6, a, sizeof(a)), 0);
	assert_int_equal(core_add_segment(&ci, 0x7ffe0000, 0x10000, 0x10000, 6), 0);
	assert_int_equal(core_add_segment(&ci, 0x7fff0000, 0x2000, 0x2000, 5), 0);
	assert_int_equal(core_add_segment(&ci, 0xffffffffff600000, 0x1000, 0x1000, 1), 0);
	assert_int_equal(core_build(&ci, &s), 0);
	assert_string_equal(s.regions[0].name, "[stack]");
	assert_string_equal(s.regions[1].name, "[vdso]");
	assert_string_equal(s.regions[2].name, "[vsyscall]");
	assert_int_equal(s.proc.start_stack, 0x7ffe1234);
	core_info_free(&ci);
	snapshot_free(&s);
}

static char *print(const struct vms_format *fmt, struct vms_snapshot *s, enum pmap_mode mode)
{
	struct format_state st = { 0 };
	struct format_opts o;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	format_opts_init(&o);
	o.mode = mode;
	fmt->print(f, s, &o, &st);
	if (fmt->finish)
		fmt->finish(f, &o, &st);
	fclose(f);
	return buf;
}

static void test_formats_show_absent(void **state)
{
	static const char *const names[] = { "/lib/x.so" };
	struct core_info ci;
	struct vms_snapshot s;
	uint8_t d[128];
	size_t len = nt_file(d, 4096, 1, (const uint64_t[][3]){ { 0x1000, 0x3000, 1 } }, names);
	char *out;

	snapshot_init(&s);
	core_info_init(&ci, EM_X86_64, false);
	s.proc.pid = 7;
	assert_int_equal(core_add_segment(&ci, 0x1000, 0x2000, 0x1000, 5), 0);
	assert_int_equal(core_add_segment(&ci, 0x3000, 0x1000, 0x1000, 6), 0);
	assert_int_equal(core_note(&ci, &s, 0x46494c45, d, len), 0);
	assert_int_equal(core_build(&ci, &s), 0);
	core_acct_absent(&s);
	out = print(&format_pmap, &s, PMAP_EXTENDED);
	assert_string_equal(out, "7:   \n"
		"Address           Kbytes     RSS   Dirty Mode  Mapping\n"
		"0000000000001000       8       -       - r-x-- x.so\n"
		"0000000000003000       4       -       - rw---   [ anon ]\n"
		"---------------- ------- ------- ------- \n"
		"total kB              12       -       -\n");
	free(out);
	out = print(&format_pmap, &s, PMAP_DEVICE);
	assert_non_null(strstr(out, "0000000000001000       8 r-x-- 0000000000001000         - x.so\n"));
	assert_non_null(strstr(out, "0000000000003000       4 rw--- 0000000000000000 000:00000   [ anon ]\n"));
	free(out);
	out = print(&format_pmap, &s, PMAP_X);
	assert_non_null(strstr(out, " Size Rss Pss Anonymous Swap Locked Mapping\n"));
	assert_non_null(strstr(out, "    8   -   -         -    -      - x.so\n"));
	free(out);
	out = print(&format_json, &s, PMAP_EXTENDED);
	assert_non_null(strstr(out, "\"dev\": null, \"inode\": null, \"name\": \"/lib/x.so\""));
	assert_non_null(strstr(out, "\"rss_kb\": null, \"pss_kb\": null"));
	assert_non_null(strstr(out, "\"dev\": \"00:00\", \"inode\": 0"));
	free(out);
	out = print(&format_csv, &s, PMAP_EXTENDED);
	assert_non_null(strstr(out, "7,0x1000,0x3000,r-xp,0x1000,,,image,/lib/x.so,8,,,,,,\r\n"));
	free(out);
	core_info_free(&ci);
	snapshot_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_note_pages_and_names),
		cmocka_unit_test(test_file_note_refusals),
		cmocka_unit_test(test_threads_per_machine),
		cmocka_unit_test(test_psinfo_and_auxv),
		cmocka_unit_test(test_formats_show_absent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
