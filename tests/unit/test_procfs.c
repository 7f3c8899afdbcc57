// SPDX-License-Identifier: BSD-2-Clause
/*
 * The /proc text parsers (maps, smaps, stat), cmdline rendering and the snapshot model.
 * Expected values are worked out by hand from the kernel's formats (fs/proc/task_mmu.c,
 * fs/proc/array.c) and from procps-ng 4.0.2 (checked against /usr/bin/pmap on this machine).
 */
#include <locale.h>
#include <unistd.h>

#include "unit.h"

/* ---- one maps line ---------------------------------------------------------------------- */

/* Parses a NUL-terminated line; r must be zeroed (the parser frees r->name). */
static int parse_line(const char *line, struct vms_region *r)
{
	memset(r, 0, sizeof(*r));
	return procfs_parse_maps_line(line, strlen(line), r);
}

static void maps_line_file(void **state)
{
	struct vms_region r;

	assert_int_equal(parse_line("55ce863f0000-55ce863f1000 r-xp 00001000 fe:00 10952756"
				    "                   /usr/bin/python3.11", &r), 0);
	assert_int_equal(r.start, 0x55ce863f0000ull);
	assert_int_equal(r.end, 0x55ce863f1000ull);
	assert_string_equal(r.perms, "r-xp");
	assert_int_equal(r.offset, 0x1000);
	assert_int_equal(r.dev_major, 0xfe);
	assert_int_equal(r.dev_minor, 0);
	assert_int_equal(r.inode, 10952756);
	assert_string_equal(r.name, "/usr/bin/python3.11");
	assert_null(r.acct);
	assert_null(region_more(&r)->vmflags);
	region_name_free(r.name);
}

/* Anonymous regions: recent kernels print no padding at all, older ones one space. */
static void maps_line_anon(void **state)
{
	struct vms_region r;

	assert_int_equal(parse_line("7f0000000000-7f0000001000 rw-p 00000000 00:00 0", &r), 0);
	assert_string_equal(r.name, "");
	region_name_free(r.name);
	assert_int_equal(parse_line("7f0000000000-7f0000001000 rw-p 00000000 00:00 0 ", &r), 0);
	assert_string_equal(r.name, "");
	assert_int_equal(r.inode, 0);
	region_name_free(r.name);
}

/* Names are kept byte for byte: inner spaces, " (deleted)", trailing '/', brackets. */
static void maps_line_names(void **state)
{
	static const char *const names[] = {
		"/tmp/dir with space/lib two.so",
		"/tmp/gone (deleted)",
		"/memfd:mymemfd (deleted)",
		"/SYSV00000000 (deleted)",
		"/tmp/dir/",
		"[anon:my name]",
		"[stack]",
		"  odd",	/* leading spaces are eaten as padding: documented below */
	};
	static const char *const want[] = {
		"/tmp/dir with space/lib two.so", "/tmp/gone (deleted)", "/memfd:mymemfd (deleted)",
		"/SYSV00000000 (deleted)", "/tmp/dir/", "[anon:my name]", "[stack]", "odd",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char line[256];
		struct vms_region r;

		snprintf(line, sizeof(line), "7f0000000000-7f0000001000 rw-s 00000000 00:01 77"
			 "                         %s", names[i]);
		assert_int_equal(parse_line(line, &r), 0);
		assert_string_equal(r.name, want[i]);
		region_name_free(r.name);
	}
}

static void maps_line_long_name(void **state)
{
	char line[1200], name[1001];
	struct vms_region r;

	name[0] = '/';
	memset(name + 1, 'n', 999);
	name[1000] = '\0';
	snprintf(line, sizeof(line), "00400000-00401000 r--p 00000000 08:01 12 %s", name);
	assert_int_equal(parse_line(line, &r), 0);
	assert_string_equal(r.name, name);
	region_name_free(r.name);
}

/* The vsyscall page and the largest device numbers the kernel prints. */
static void maps_line_limits(void **state)
{
	struct vms_region r;

	assert_int_equal(parse_line("ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0"
				    "                  [vsyscall]", &r), 0);
	assert_int_equal(r.start, 0xffffffffff600000ull);
	assert_int_equal(r.end, 0xffffffffff601000ull);
	assert_string_equal(r.perms, "--xp");
	assert_string_equal(r.name, "[vsyscall]");
	region_name_free(r.name);

	assert_int_equal(parse_line("0-ffffffffffffffff rw-s ffffffffffffffff fff:fffff "
				    "18446744073709551615 x", &r), 0);
	assert_int_equal(r.start, 0);
	assert_int_equal(r.end, UINT64_MAX);
	assert_int_equal(r.offset, UINT64_MAX);
	assert_int_equal(r.dev_major, 0xfff);
	assert_int_equal(r.dev_minor, 0xfffff);
	assert_int_equal(r.inode, UINT64_MAX);
	region_name_free(r.name);

	/* Upper-case hex is accepted by the scanner (the kernel prints lower case). */
	assert_int_equal(parse_line("7F00-7F01 ---p 0 103:05 1", &r), 0);
	assert_int_equal(r.start, 0x7f00);
	assert_int_equal(r.dev_major, 0x103);
	assert_int_equal(r.dev_minor, 5);
	region_name_free(r.name);
}

static void maps_line_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		" ",
		"garbage",
		"7f00",					/* no '-' */
		"7f00-",				/* no end */
		"7f00-7f01",				/* nothing after the range */
		"7f00-7f01 ",				/* no perms */
		"7f00-7f01 rw-",			/* perms too short */
		"7f00-7f01 rw-p",			/* nothing after perms */
		"7f00-7f01 rw-p 0",			/* no device */
		"7f00-7f01 rw-p 0 00",			/* device without ':' */
		"7f00-7f01 rw-p 0 00:00",		/* no inode */
		"7f00-7f01 rw-p 0 00:00 ",		/* no inode */
		"7f00-7f01 rwzp 0 00:00 0",		/* bad perms */
		"7f00-7f01 rw-q 0 00:00 0",
		"7f00-7f01 xw-p 0 00:00 0",
		"7f00-7f01 rw-pp 0 00:00 0",		/* five perm characters */
		"7f00-7f01  rw-p 0 00:00 0",		/* two spaces */
		" 7f00-7f01 rw-p 0 00:00 0",		/* leading space */
		"7f00 7f01 rw-p 0 00:00 0",
		"7f01-7f00 rw-p 0 00:00 0",		/* end before start */
		"10000000000000000-7f01 rw-p 0 00:00 0",	/* 65-bit start */
		"7f00-10000000000000000 rw-p 0 00:00 0",	/* 65-bit end */
		"7f00-7f01 rw-p 10000000000000000 00:00 0",	/* 65-bit offset */
		"7f00-7f01 rw-p 0 00:00 18446744073709551616",	/* inode > 2^64-1 */
		"7f00-7f01 rw-p 0 1000:00 0",		/* major > 12 bits */
		"7f00-7f01 rw-p 0 00:100000 0",		/* minor > 20 bits */
		"7f00-7f01 rw-p 0 00:00 0x",		/* trailing garbage after the inode */
		"7f00-7f01 rw-p 0 00:00 12a /x",
		"7f00-7f01 rw-p 0 00:00 -1",
		"7f00-7f01 rw-p g 00:00 0",		/* non-hex offset */
		"0x7f00-7f01 rw-p 0 00:00 0",
		"7f00-7f01\trw-p 0 00:00 0",		/* tab instead of space */
		"7f00-7f01 rw-p 0 00:00 0\n",		/* the newline is not part of a line */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vms_region r;
		int err = parse_line(bad[i], &r);

		if (err != -EINVAL)
			fprintf(stderr, "accepted malformed line [%zu] \"%s\"\n", i, bad[i]);
		assert_int_equal(err, -EINVAL);
		assert_null(r.name); /* nothing allocated on failure */
	}
}

/* len bounds the line: bytes after it are not looked at. */
static void maps_line_len_bounds(void **state)
{
	const char text[] = "7f00-7f01 rw-p 0 00:00 0 /a/b";
	struct vms_region r;

	memset(&r, 0, sizeof(r));
	assert_int_equal(procfs_parse_maps_line(text, strlen(text) - 2, &r), 0);
	assert_string_equal(r.name, "/a");
	region_name_free(r.name);
	/* Cut inside the inode: still a complete line "... 00:00 0". */
	memset(&r, 0, sizeof(r));
	assert_int_equal(procfs_parse_maps_line(text, 24, &r), 0);
	assert_string_equal(r.name, "");
	region_name_free(r.name);
	/* Cut inside the device. */
	memset(&r, 0, sizeof(r));
	assert_int_equal(procfs_parse_maps_line(text, 19, &r), -EINVAL);
	assert_int_equal(procfs_parse_maps_line(text, 0, &r), -EINVAL);
}

/* A NUL byte is never part of a maps line: wherever it is, the line is malformed. */
static void maps_line_nul_in_numbers(void **state)
{
	static const char in_range[] = "7f00\0-7f01 rw-p 0 00:00 0 /x";
	static const char in_inode[] = "7f00-7f01 rw-p 0 00:00 1\0 /x";
	struct vms_region r;

	memset(&r, 0, sizeof(r));
	assert_int_equal(procfs_parse_maps_line(in_range, sizeof(in_range) - 1, &r), -EINVAL);
	assert_int_equal(procfs_parse_maps_line(in_inode, sizeof(in_inode) - 1, &r), -EINVAL);
}

static void maps_line_nul_in_perms(void **state)
{
	static const char *const bad[] = { "7f00-7f01 \0w-p 0 00:00 0 /x", "7f00-7f01 r\0-p 0 00:00 0 /x",
		"7f00-7f01 rw\0p 0 00:00 0 /x", "7f00-7f01 rw-\0 0 00:00 0 /x" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vms_region r;

		memset(&r, 0, sizeof(r));
		int err = procfs_parse_maps_line(bad[i], 29, &r); /* all four lines are 29 bytes */

		region_name_free(r.name);
		if (err != -EINVAL)
			fprintf(stderr, "accepted a NUL at perms[%zu] (perms now \"%s\")\n", i, r.perms);
		assert_int_equal(err, -EINVAL);
	}
}

static void maps_line_nul_in_name(void **state)
{
	static const char in_name[] = "7f00-7f01 rw-p 0 00:00 0 /x\0y";
	struct vms_region r;
	int err;

	memset(&r, 0, sizeof(r));
	err = procfs_parse_maps_line(in_name, sizeof(in_name) - 1, &r);
	region_name_free(r.name);
	assert_int_equal(err, -EINVAL);
}

/* ---- whole maps files ------------------------------------------------------------------- */

static const char maps_text[] =
	"55ce863f0000-55ce863f1000 r--p 00000000 fe:00 10952756                   /usr/bin/t\n"
	"55ce87000000-55ce87021000 rw-p 00000000 00:00 0                          [heap]\n"
	"7fd348e34000-7fd348e44000 rw-s 00000000 00:01 1234                       /memfd:m (deleted)\n"
	"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n";

static void maps_file(void **state)
{
	struct vms_snapshot s;

	load_maps(&s, maps_text);
	assert_int_equal(s.n, 4);
	assert_false(s.has_acct);
	assert_string_equal(s.regions[0].name, "/usr/bin/t");
	assert_string_equal(s.regions[1].name, "[heap]");
	assert_int_equal(s.regions[1].end - s.regions[1].start, 0x21000);
	assert_string_equal(s.regions[2].perms, "rw-s");
	assert_string_equal(s.regions[2].name, "/memfd:m (deleted)");
	assert_int_equal(s.regions[3].start, 0xffffffffff600000ull);
	assert_null(s.regions[0].acct);
	snapshot_free(&s);
}

static void maps_file_no_final_newline(void **state)
{
	struct vms_snapshot s;

	load_maps(&s, "00400000-00401000 r--p 00000000 08:01 12 /a\n"
		      "00401000-00402000 r-xp 00001000 08:01 12 /a");
	assert_int_equal(s.n, 2);
	assert_string_equal(s.regions[1].name, "/a");
	assert_int_equal(s.regions[1].offset, 0x1000);
	snapshot_free(&s);

	/* An empty file is a process without regions (kernel threads, exited mm). */
	load_maps(&s, "");
	assert_int_equal(s.n, 0);
	snapshot_free(&s);
}

static void expect_maps_error(const char *text, size_t want_line, size_t want_n)
{
	struct vms_snapshot s;
	size_t bad = 0;

	snapshot_init(&s);
	assert_int_equal(procfs_parse_maps(text, &s, &bad), -EINVAL);
	assert_int_equal(bad, want_line);
	assert_int_equal(s.n, want_n); /* the lines before stay; the bad one is not added */
	snapshot_free(&s);
}

static void maps_file_malformed(void **state)
{
	expect_maps_error("\n", 1, 0);
	expect_maps_error("00400000-00401000 r--p 00000000 08:01 12 /a\n"
			  "\n"
			  "00401000-00402000 r-xp 00001000 08:01 12 /a\n", 2, 1);
	expect_maps_error("00400000-00401000 r--p 00000000 08:01 12 /a\n"
			  "00401000-00402000 r-xp 00001000 08:01 12 /a\n"
			  "00402000-00403000 r-xp 00001000 08:01\n", 3, 2);
	expect_maps_error("Size:   4 kB\n", 1, 0); /* an smaps file is not a maps file */
	/* NULL bad_line is allowed. */
	{
		struct vms_snapshot s;

		snapshot_init(&s);
		assert_int_equal(procfs_parse_maps("x\n", &s, NULL), -EINVAL);
		snapshot_free(&s);
	}
}

/* More regions than the first allocation holds. */
static void maps_file_many(void **state)
{
	size_t n = 1000, cap = n * 64 + 1, off = 0;
	char *text = malloc(cap);
	struct vms_snapshot s;

	assert_non_null(text);
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(text + off, cap - off, "%zx-%zx rw-p 00000000 00:00 0\n",
					(i + 1) << 12, (i + 2) << 12);
	load_maps(&s, text);
	assert_int_equal(s.n, n);
	assert_int_equal(s.regions[n - 1].start, n << 12);
	snapshot_free(&s);
	free(text);
}

/* ---- smaps ------------------------------------------------------------------------------- */

static const char smaps_text[] =
	"00400000-00401000 r-xp 00000000 08:01 131                                /bin/a\n"
	"Size:                  4 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                   4 kB\n"
	"Pss:                   2 kB\n"
	"Shared_Clean:          4 kB\n"
	"Shared_Dirty:          0 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:         0 kB\n"
	"Referenced:            4 kB\n"
	"Anonymous:             0 kB\n"
	"Swap:                  0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:    0\n"
	"VmFlags: rd ex mr mw me dw \n"
	"01000000-01021000 rw-p 00000000 00:00 0                                  [heap]\n"
	"Size:                132 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                  12 kB\n"
	"Pss:                  12 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:          0 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:        12 kB\n"
	"Referenced:           12 kB\n"
	"Anonymous:            12 kB\n"
	"Swap:                  0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:    1\n"
	"VmFlags: rd wr mr mw me ac \n";

static void smaps_file(void **state)
{
	static const char *const keys[] = { "Size", "KernelPageSize", "MMUPageSize", "Rss", "Pss",
		"Shared_Clean", "Shared_Dirty", "Private_Clean", "Private_Dirty", "Referenced",
		"Anonymous", "Swap", "Locked", "THPeligible" };
	struct vms_snapshot s;

	load_smaps(&s, smaps_text);
	assert_true(s.has_acct);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.n_keys, 14);
	for (size_t k = 0; k < s.n_keys; k++) {
		assert_string_equal(s.acct_keys[k], keys[k]);
		/* THPeligible is a plain number, every other key is in kB */
		assert_int_equal(s.acct_is_kb[k], strcmp(keys[k], "THPeligible") != 0);
	}
	assert_string_equal(s.regions[0].name, "/bin/a");
	assert_string_equal(region_more(&s.regions[0])->vmflags, "rd ex mr mw me dw"); /* trailing space dropped */
	assert_string_equal(region_more(&s.regions[1])->vmflags, "rd wr mr mw me ac");
	assert_int_equal(region_acct(&s, &s.regions[0], ACCT_SIZE), 4);
	assert_int_equal(region_acct(&s, &s.regions[0], ACCT_PSS), 2);
	assert_int_equal(region_acct(&s, &s.regions[0], ACCT_SHARED_CLEAN), 4);
	assert_int_equal(region_acct(&s, &s.regions[1], ACCT_RSS), 12);
	assert_int_equal(region_acct(&s, &s.regions[1], ACCT_PRIVATE_DIRTY), 12);
	assert_int_equal(region_acct(&s, &s.regions[1], ACCT_ANONYMOUS), 12);
	assert_int_equal(region_acct(&s, &s.regions[1], ACCT_LOCKED), 0);
	assert_int_equal(s.regions[1].acct[13], 1); /* THPeligible */
	snapshot_free(&s);
}

/* A key first seen in a later region: earlier regions read 0 for it. A region with no key
 * lines at all has zeroed accounting, and VmFlags stays NULL. */
static void smaps_sparse(void **state)
{
	struct vms_snapshot s;

	load_smaps(&s, "00400000-00401000 r--p 00000000 08:01 1 /a\n"
		       "Rss:                   4 kB\n"
		       "00401000-00402000 r--p 00000000 08:01 1 /a\n"
		       "00402000-00403000 r--p 00000000 08:01 1 /a\n"
		       "Rss:                   8 kB\n"
		       "Swap:                 16 kB\n"
		       "ProtectionKey:         3\n");
	assert_int_equal(s.n, 3);
	assert_int_equal(s.n_keys, 3);
	assert_int_equal(region_acct(&s, &s.regions[0], ACCT_RSS), 4);
	assert_int_equal(region_acct(&s, &s.regions[0], ACCT_SWAP), 0);
	assert_int_equal(region_acct(&s, &s.regions[1], ACCT_RSS), 0);
	assert_int_equal(region_acct(&s, &s.regions[1], ACCT_SWAP), 0);
	assert_int_equal(region_acct(&s, &s.regions[2], ACCT_SWAP), 16);
	assert_int_equal(region_acct(&s, &s.regions[2], ACCT_PSS), 0); /* key never seen */
	assert_int_equal(s.acct_idx[ACCT_PSS], -1);
	assert_false(s.acct_is_kb[2]);
	assert_int_equal(s.regions[2].acct[2], 3);
	for (size_t k = 0; k < s.n_keys; k++)
		assert_int_equal(s.regions[1].acct[k], 0);
	assert_null(region_more(&s.regions[1])->vmflags);
	snapshot_free(&s);
}

static void expect_smaps_error(const char *text, size_t want_line)
{
	struct vms_snapshot s;
	size_t bad = 0;

	snapshot_init(&s);
	if (procfs_parse_smaps(text, &s, &bad) != -EINVAL)
		fprintf(stderr, "accepted malformed smaps:\n%s\n", text);
	assert_int_equal(bad, want_line);
	snapshot_free(&s);
}

static void smaps_malformed(void **state)
{
	static const char hdr[] = "00400000-00401000 r--p 00000000 08:01 1 /a\n";
	static const char *const bad_fields[] = {
		"Rss:\n",
		"Rss:   \n",
		"Rss:   abc kB\n",
		"Rss:   4 kB junk\n",
		"Rss:   4 kB \n",
		"Rss:   4 MB\n",
		"Rss    4 kB\n",			/* no colon */
		"Rss:   -4 kB\n",
		"Rss:   18446744073709551616 kB\n",	/* 2^64 */
		"Rss:\t4 kB\n",
		"Rss: 4kB\n",
		"R:ss 4 kB\n",
		"AVeryLongKeyThatIsLongerThanSixtyThreeCharactersAndSoCannotBeStored: 1 kB\n",
		"VmFlagsX\n",
		"\n",					/* empty line */
		"garbage\n",
		"00401000-00402000 r--p 00000000 08:01\n",
	};
	char text[512];

	/* Accounting before any region header. */
	expect_smaps_error("Rss:                   4 kB\n", 1);
	expect_smaps_error("VmFlags: rd wr\n", 1);
	expect_smaps_error("THPeligible:    0\n00400000-00401000 r--p 0 08:01 1 /a\n", 1);
	for (size_t i = 0; i < sizeof(bad_fields) / sizeof(bad_fields[0]); i++) {
		snprintf(text, sizeof(text), "%sSize:   4 kB\n%s", hdr, bad_fields[i]);
		expect_smaps_error(text, 3);
	}
	/* A bad header after a good region. */
	snprintf(text, sizeof(text), "%sSize:   4 kB\nffff-0 r--p 0 0:0 0\n", hdr);
	expect_smaps_error(text, 3);
}

/* The block reader (procfs_parse_fd) gives what the text parser gives: lines across block
 * boundaries, one line longer than a block, a last line with no newline, the same bad line. */
static int file_of(const char *text, size_t len)
{
	FILE *f = tmpfile();
	int fd;

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fflush(f);
	fd = dup(fileno(f));
	fclose(f);
	assert_true(fd >= 0);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static void expect_fd_equals_text(const char *text, bool smaps)
{
	struct vms_snapshot a, b;
	size_t bad_a = 0, bad_b = 0;
	int fd = file_of(text, strlen(text));
	int ea, eb;

	snapshot_init(&a);
	snapshot_init(&b);
	ea = smaps ? procfs_parse_smaps(text, &a, &bad_a) : procfs_parse_maps(text, &a, &bad_a);
	eb = procfs_parse_fd(fd, smaps, &b, &bad_b);
	close(fd);
	assert_int_equal(ea, eb);
	assert_int_equal(bad_a, bad_b);
	assert_int_equal(a.n, b.n);
	assert_int_equal(a.n_keys, b.n_keys);
	for (size_t i = 0; i < a.n; i++) {
		assert_int_equal(a.regions[i].start, b.regions[i].start);
		assert_int_equal(a.regions[i].end, b.regions[i].end);
		assert_string_equal(a.regions[i].name, b.regions[i].name);
		if (smaps) {
			assert_memory_equal(a.regions[i].acct, b.regions[i].acct,
					    a.n_keys * sizeof(uint64_t));
			assert_true(!region_more(&a.regions[i])->vmflags == !region_more(&b.regions[i])->vmflags);
			if (region_more(&a.regions[i])->vmflags)
				assert_string_equal(region_more(&a.regions[i])->vmflags, region_more(&b.regions[i])->vmflags);
		}
	}
	snapshot_free(&a);
	snapshot_free(&b);
}

static void parse_fd_blocks(void **state)
{
	size_t n = 3000, cap = n * sizeof(smaps_text) + (600u << 10), off = 0;
	char *text = malloc(cap);

	assert_non_null(text);
	/* 3,000 regions of smaps (about 1.5 MB: several blocks), one of them named by 600 KB */
	const char *body = strchr(smaps_text, '\n') + 1;
	int body_len = (int)(strstr(smaps_text, "\n01000000") + 1 - body);

	for (size_t i = 0; i < n; i++) {
		off += (size_t)snprintf(text + off, cap - off, "%zx-%zx rw-p 00000000 00:00 0 ",
					(i + 1) << 12, (i + 2) << 12);
		if (i == n / 2) {
			memset(text + off, 'x', 600u << 10);
			off += 600u << 10;
		}
		off += (size_t)snprintf(text + off, cap - off, "\n%.*s", body_len, body);
	}
	text[off] = '\0';
	expect_fd_equals_text(text, true);
	text[off - 1] = '\0'; /* the last line without its newline */
	expect_fd_equals_text(text, true);
	memcpy(text + off / 2, "\nbad line\n", 10); /* a bad line in the middle */
	expect_fd_equals_text(text, true);
	expect_fd_equals_text("00400000-00401000 r--p 00000000 08:01 1 /a\n"
			      "00401000-00402000 r--p 00000000 08:01 1 /b", false);
	expect_fd_equals_text("", false);
	free(text);
}

/* The block reader's run of fixed-width smaps fields (smaps_run) reads what the line parser
 * reads: the kernel's own smaps, and lines the run must leave to it (a value wider than its
 * column, a key out of the usual order, a field without kB, a value not padded, a key longer
 * than the column, a key cut at a block's end). */
static void parse_fd_smaps_fields(void **state)
{
	static const char odd[] =
		"00400000-00401000 r-xp 00000000 08:01 131 /bin/a\n"
		"Size:                  4 kB\n"
		"Rss:                   4 kB\n"
		"Pss:            123456789 kB\n"		/* wider than 8 columns */
		"Shared_Clean:          4 kB\n"
		"Rss:                   8 kB\n"		/* a key again, out of order */
		"Private_Hugetlb:       0 kB\n"		/* 16 columns with its colon */
		"A_rather_long_key_name:   7 kB\n"	/* longer than the column */
		"THPeligible:           1\n"
		"ProtectionKey:  0\n"
		"Swap:                 1 2 kB\n"		/* not a number: an error */
		"VmFlags: rd ex \n";
	char *self = NULL;
	size_t len = 0;
	FILE *f = fopen("/proc/self/smaps", "r");
	char buf[4096];
	size_t r;

	(void)state;
	assert_non_null(f);
	while ((r = fread(buf, 1, sizeof(buf), f)) > 0) {
		self = realloc(self, len + r + 1);
		assert_non_null(self);
		memcpy(self + len, buf, r);
		len += r;
	}
	fclose(f);
	assert_non_null(self);
	self[len] = '\0';
	expect_fd_equals_text(self, true);
	for (size_t cut = 1; cut < 40; cut += 3) { /* the text ending anywhere in a field */
		char *t = strdup(self);

		assert_non_null(t);
		t[strchr(strchr(t, '\n') + 1, '\n') + 1 - t + cut] = '\0';
		expect_fd_equals_text(t, true);
		free(t);
	}
	free(self);
	expect_fd_equals_text(odd, true);
	{ /* the same without its bad line */
		char *t = strdup(odd), *bad = strstr(t, "Swap:");

		assert_non_null(t);
		memmove(bad, strchr(bad, '\n') + 1, strlen(strchr(bad, '\n') + 1) + 1);
		expect_fd_equals_text(t, true);
		free(t);
	}
}

/* A NUL byte (no /proc text has one) is an error of the file, after what came before it. */
static void parse_fd_nul(void **state)
{
	static const char text[] = "00400000-00401000 r--p 00000000 08:01 1 /a\n0040\0000-1 r";
	struct vms_snapshot s;
	size_t bad = 0;
	int fd = file_of(text, sizeof(text) - 1);

	snapshot_init(&s);
	assert_int_equal(procfs_parse_fd(fd, false, &s, &bad), -EINVAL);
	close(fd);
	snapshot_free(&s);
}

/* ---- stat ---------------------------------------------------------------------------------- */

static char *stat_line(const char *pid_comm, const char *prio, const char *nice)
{
	char *s;

	assert_true(asprintf(&s, "%s S 1000 1234 1234 34816 5678 4194560 1000 0 0 0 10 5 0 0 %s %s"
			     " 1 0 123456 9000000 800 18446744073709551615 94000000000000"
			     " 94000000100000 140730000000000 0 0 0 65536 3686404 1266761467 1 0 0"
			     " 17 3 0 0 0 0 0\n", pid_comm, prio, nice) > 0);
	return s;
}

static void stat_basic(void **state)
{
	char *text = stat_line("1234 (bash)", "20", "0");
	struct vms_proc p;

	memset(&p, 0, sizeof(p));
	assert_int_equal(procfs_parse_stat(text, &p), 0);
	assert_string_equal(p.comm, "bash");
	assert_int_equal(p.state, 'S');
	assert_int_equal(p.ppid, 1000);
	assert_false(p.kernel_thread); /* flags 4194560 */
	assert_int_equal(p.start_time, 123456);
	assert_int_equal(p.start_stack, 140730000000000ull);
	free(text);
}

/* comm is whatever the process set (up to 15 bytes): spaces and parentheses included. The
 * kernel closes it with the last ')' on the line. */
static void stat_odd_comm(void **state)
{
	static const struct { const char *head, *comm; } cases[] = {
		{ "1 ((a) (b))", "(a) (b)" },
		{ "2 (a b c)", "a b c" },
		{ "3 ()", "" },
		{ "4 (a) S 1 b)", "a) S 1 b" },
		{ "5 ())", ")" },
		{ "6 (((()", "(((" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = stat_line(cases[i].head, "20", "0");
		struct vms_proc p;

		memset(&p, 0, sizeof(p));
		assert_int_equal(procfs_parse_stat(text, &p), 0);
		assert_string_equal(p.comm, cases[i].comm);
		assert_int_equal(p.state, 'S');
		assert_int_equal(p.ppid, 1000);
		assert_int_equal(p.start_stack, 140730000000000ull);
		free(text);
	}
}

/* Real-time tasks have a negative priority, reniced ones a negative nice. */
static void stat_negative(void **state)
{
	char *text = stat_line("7 (rt task)", "-51", "-20");
	struct vms_proc p;

	memset(&p, 0, sizeof(p));
	assert_int_equal(procfs_parse_stat(text, &p), 0);
	assert_string_equal(p.comm, "rt task");
	assert_int_equal(p.start_time, 123456);
	assert_int_equal(p.start_stack, 140730000000000ull);
	free(text);
}

static void stat_long_comm(void **state)
{
	char comm[100], head[120], *text;
	struct vms_proc p;

	memset(comm, 'c', 99);
	comm[99] = '\0';
	snprintf(head, sizeof(head), "8 (%s)", comm);
	text = stat_line(head, "20", "0");
	memset(&p, 0, sizeof(p));
	assert_int_equal(procfs_parse_stat(text, &p), 0);
	assert_int_equal(strlen(p.comm), sizeof(p.comm) - 1);
	assert_int_equal(p.ppid, 1000);
	free(text);
}

static void stat_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"1234",
		"1234 (bash",
		"1234 bash) S 1",
		"1234 )bash( S 1 2 3",
		"1234 (bash)",
		"1234 (bash) ",
		"1234 (bash)S 1",
		"1234 (bash) 5 1 2",		/* state is not a letter */
		"1234 (bash) S",
		"1234 (bash) S 1000 1234",	/* truncated after field 5 */
		"1234 (bash) S abc 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
		"1234 (bash) S 1x 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
		"1234 (bash) S 99999999999999999999999 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
		"1234 (bash) S - 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
	};
	char *full = stat_line("1234 (bash)", "20", "0"), *cut;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vms_proc p;

		memset(&p, 0, sizeof(p));
		if (procfs_parse_stat(bad[i], &p) != -EINVAL)
			fprintf(stderr, "accepted malformed stat [%zu] \"%s\"\n", i, bad[i]);
		assert_int_equal(procfs_parse_stat(bad[i], &p), -EINVAL);
	}
	/* Cut after field 27 (endcode): field 28 (startstack) is missing. */
	cut = strdup(full);
	*strstr(cut, " 140730000000000") = '\0';
	{
		struct vms_proc p;

		memset(&p, 0, sizeof(p));
		assert_int_equal(procfs_parse_stat(cut, &p), -EINVAL);
		/* ...and with exactly 28 fields it is complete. */
		strcat(cut, " 140730000000000\n");
		assert_int_equal(procfs_parse_stat(cut, &p), 0);
		assert_int_equal(p.start_stack, 140730000000000ull);
	}
	free(cut);
	free(full);
}

/* ---- cmdline ---------------------------------------------------------------------------- */

static void print_bytes(const char *label, const char *s)
{
	fprintf(stderr, "%s\"", label);
	for (; *s; s++)
		fprintf(stderr, (unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f ? "\\x%02x" : "%c",
			(unsigned char)*s);
	fprintf(stderr, "\"");
}

static void expect_cmdline(const char *raw, size_t len, const char *comm, char state,
			   const char *want)
{
	struct vms_proc p;
	char *got;

	memset(&p, 0, sizeof(p));
	snprintf(p.comm, sizeof(p.comm), "%s", comm);
	p.state = state;
	got = procfs_render_cmdline(raw, len, &p);
	assert_non_null(got);
	if (strcmp(got, want)) {
		print_bytes("cmdline: got ", got);
		print_bytes(", want ", want);
		fprintf(stderr, "\n");
		free(got); /* before failing: no leak report in the sanitizer build */
		fail_msg("rendered cmdline differs");
	}
	free(got);
}

#define CMDLINE(raw, comm, state, want) expect_cmdline(raw, sizeof(raw) - 1, comm, state, want)

static int c_locale(void **state)
{
	return setlocale(LC_ALL, "C") ? 0 : -1;
}

static int utf8_locale(void **state)
{
	return setlocale(LC_ALL, "C.UTF-8") ? 0 : -1;
}

/* procps read_unvectored(): NUL and newline become spaces, trailing NULs go, and a last byte
 * that was a space (or a newline, now a space) is dropped unless NULs followed it. */
static void cmdline_join(void **state)
{
	CMDLINE("ls\0-l\0/tmp\0", "ls", 'S', "ls -l /tmp");
	CMDLINE("a\nb\0", "a", 'S', "a b");
	CMDLINE("a\0\0b\0\0\0", "a", 'S', "a  b");
	CMDLINE("end\n\0", "x", 'S', "end ");	/* checked with pmap 4.0.2 */
	CMDLINE("abc\n", "x", 'S', "abc");
	CMDLINE("abc ", "x", 'S', "abc");
	CMDLINE("abc \0", "x", 'S', "abc ");
	CMDLINE("python3 -m http.server", "python3", 'S', "python3 -m http.server");
}

/* A zero-length cmdline (kernel threads, zombies): "[comm]", "[comm] <defunct>". */
static void cmdline_empty(void **state)
{
	expect_cmdline("", 0, "kworker/0:1", 'I', "[kworker/0:1]");
	expect_cmdline("", 0, "zombie", 'Z', "[zombie] <defunct>");
	expect_cmdline(NULL, 0, "kthreadd", 'S', "[kthreadd]");
	expect_cmdline("", 0, "", 'S', "[]");
}

/* A cmdline made only of NULs (a process exec'd with an empty argv[0]) is not empty for
 * procps: read_unvectored() returns its length, escape_str() makes "", and fill_cmdline_cvt()
 * shows "?". Checked: `(sleep 3) | perl -e 'exec {"/bin/sh"} ""'` -> pmap prints "PID:   ?". */
static void cmdline_only_nuls(void **state)
{
	CMDLINE("\0", "sh", 'S', "?");
	CMDLINE("\0\0\0", "sh", 'Z', "?");
	CMDLINE("\n", "sh", 'S', "?");
}

/* The C locale: procps esc_all() with its ESC_tab: controls and DEL -> '.', >= 0x80 -> '?'. */
static void cmdline_c_locale(void **state)
{
	CMDLINE("a\xe9" "b\x01\0c\xc3\xa9\td\0", "x", 'S', "a?b. c??.d");
	CMDLINE("a\x7f\x1f" "b", "x", 'S', "a..b");
	CMDLINE("\xe2\x80\x8b", "x", 'S', "???");
	expect_cmdline("", 0, "a\x01\xff", 'S', "[a.?]");
}

/*
 * A UTF-8 locale: procps 4.0.2 esc_ctl() looks only at lead bytes (UTF_tab): a valid lead
 * byte and its length's worth of bytes pass untouched (continuations are not checked), ASCII
 * controls and DEL become '?', and from the first invalid lead byte (0x80-0xc1, 0xf5-0xff) or
 * a sequence running past the end, esc_all() applies to the rest. Every case below was
 * checked with /usr/bin/pmap 4.0.2 under LC_ALL=C.UTF-8.
 */
static void cmdline_utf8(void **state)
{
	CMDLINE("c\xc3\xa9\td\0", "x", 'S', "c\xc3\xa9?d");
	CMDLINE("a\x7f\x01" "b", "x", 'S', "a??b");
	CMDLINE("G\x80\x01H\0I\xc3", "x", 'S', "G?.H I?");		/* stray continuation */
	CMDLINE("I\xc3", "x", 'S', "I?");				/* cut sequence */
	CMDLINE("\xf0\x9f\x98\x80", "x", 'S', "\xf0\x9f\x98\x80");	/* U+1F600 */
}

/* Where procps' lead-byte check passes control characters, vmscope escapes them: a C1 control
 * (valid UTF-8, but a terminal obeys U+009B as CSI) is '?'; other characters pass. */
static void cmdline_utf8_nonprintable(void **state)
{
	CMDLINE("A\xc2\x85" "B", "x", 'S', "A?B");				/* U+0085 NEL (pmap: raw) */
	CMDLINE("A\xc2\x9b" "31mB", "x", 'S', "A?31mB");			/* U+009B CSI (pmap: raw) */
	CMDLINE("E\xe2\x80\x8b" "F", "x", 'S', "E\xe2\x80\x8b" "F");	/* U+200B */
}

/* procps skips a lead byte's length whatever follows, raw ESC included ("arg\xe2\x1b[2J"
 * clears root's screen through pmap 4.0.2). vmscope checks the character whole: a sequence
 * that is not one is where the string stops being UTF-8, as procps treats a bad lead byte. */
static void cmdline_utf8_bad_continuation(void **state)
{
	CMDLINE("a\xe9" "b\x01\0c", "x", 'S', "a?b. c");			/* pmap: "a\xe9b\x01 c" */
	CMDLINE("C\xe0\x80\x80\x01" "D", "x", 'S', "C???.D");		/* overlong form */
	CMDLINE("arg\xe2\x1b[2J\0x", "x", 'S', "arg?.[2J x");
}

static void cmdline_long(void **state)
{
	size_t len = 200 * 1024;
	char *raw = malloc(len);
	struct vms_proc p;
	char *got;

	assert_non_null(raw);
	memset(raw, 'a', len);
	memset(&p, 0, sizeof(p));
	got = procfs_render_cmdline(raw, len, &p);
	assert_int_equal(strlen(got), 128 * 1024 - 1); /* procps reads MAX_BUFSZ - 1 bytes */
	free(got);
	free(raw);
}

/* ---- the snapshot model ------------------------------------------------------------------ */

/* The header and the map come from one process: an identity whose start time is not that of
 * the process now behind the pid (a pid reused between the two reads) reads as gone. */
static void regions_of_another_process(void **state)
{
	struct vms_snapshot s;

	snapshot_init(&s);
	assert_int_equal(procfs_read_proc(getpid(), &s.proc), 0);
	assert_int_equal(procfs_read_regions(&s.proc, false, &s), 0);
	assert_true(s.n > 0);
	snapshot_free_regions(&s);
	s.proc.start_time++; /* the identity of an earlier process with this pid */
	assert_int_equal(procfs_read_regions(&s.proc, false, &s), -ESRCH);
	assert_int_equal(procfs_read_regions(&s.proc, true, &s), -ESRCH);
	assert_int_equal(s.n, 0);
	snapshot_free(&s);
}

static void snapshot_keys(void **state)
{
	struct vms_snapshot s;
	struct vms_region *r;

	snapshot_init(&s);
	for (int f = 0; f < ACCT__COUNT; f++)
		assert_int_equal(s.acct_idx[f], -1);
	r = snapshot_add(&s);
	assert_null(r->name);
	assert_null(r->acct);
	r->name = strdup("");
	/* A region without accounting reads 0 for every field, known or not. */
	assert_int_equal(snapshot_acct_key(&s, "Rss", true), 0);
	assert_int_equal(snapshot_acct_key(&s, "Weird", false), 1);
	assert_int_equal(snapshot_acct_key(&s, "Rss", true), 0);
	assert_int_equal(s.acct_idx[ACCT_RSS], 0);
	assert_int_equal(s.n_keys, 2);
	assert_int_equal(region_acct(&s, r, ACCT_RSS), 0);
	assert_int_equal(region_acct(&s, r, ACCT_SWAP), 0);
	r->end = 0x3000;
	r->start = 0x1000;
	assert_int_equal(region_size(r), 0x2000);
	snapshot_free(&s);
	assert_int_equal(s.n, 0);
	assert_null(s.regions);
	snapshot_free(&s); /* twice is harmless */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(regions_of_another_process),
		cmocka_unit_test(maps_line_file),
		cmocka_unit_test(maps_line_anon),
		cmocka_unit_test(maps_line_names),
		cmocka_unit_test(maps_line_long_name),
		cmocka_unit_test(maps_line_limits),
		cmocka_unit_test(maps_line_malformed),
		cmocka_unit_test(maps_line_len_bounds),
		cmocka_unit_test(maps_line_nul_in_numbers),
		cmocka_unit_test(maps_line_nul_in_perms),
		cmocka_unit_test(maps_line_nul_in_name),
		cmocka_unit_test(maps_file),
		cmocka_unit_test(maps_file_no_final_newline),
		cmocka_unit_test(maps_file_malformed),
		cmocka_unit_test(maps_file_many),
		cmocka_unit_test(smaps_file),
		cmocka_unit_test(smaps_sparse),
		cmocka_unit_test(smaps_malformed),
		cmocka_unit_test(parse_fd_blocks),
		cmocka_unit_test(parse_fd_nul),
		cmocka_unit_test(parse_fd_smaps_fields),
		cmocka_unit_test(stat_basic),
		cmocka_unit_test(stat_odd_comm),
		cmocka_unit_test(stat_negative),
		cmocka_unit_test(stat_long_comm),
		cmocka_unit_test(stat_malformed),
		cmocka_unit_test_setup(cmdline_join, c_locale),
		cmocka_unit_test_setup(cmdline_empty, c_locale),
		cmocka_unit_test_setup(cmdline_only_nuls, c_locale),
		cmocka_unit_test_setup(cmdline_c_locale, c_locale),
		cmocka_unit_test_setup_teardown(cmdline_utf8, utf8_locale, c_locale),
		cmocka_unit_test_setup_teardown(cmdline_utf8_nonprintable, utf8_locale, c_locale),
		cmocka_unit_test_setup_teardown(cmdline_utf8_bad_continuation, utf8_locale, c_locale),
		cmocka_unit_test(cmdline_long),
		cmocka_unit_test(snapshot_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
