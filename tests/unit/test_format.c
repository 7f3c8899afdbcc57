// SPDX-License-Identifier: BSD-2-Clause
/*
 * pmap formats (default, -x, -d, -X, -XX, -q, -p, -k, -A) and CSV. Expected texts are built
 * by hand from procps-ng 4.0.2's printf formats; -X rows are written one column per literal
 * (" " + the value right-justified to the column width) so each width can be checked.
 */
#include <locale.h>

#include "unit.h"

/* pid 9582, "./t", startstack inside [stack]; the SysV segment is on shm minor 1. */
static const char pm_maps[] =
	"55ce863f0000-55ce863f1000 r--p 00000000 fe:00 10952756                   /usr/bin/t\n"
	"55ce863f1000-55ce863f3000 r-xp 00001000 fe:00 10952756                   /usr/bin/t\n"
	"55ce87000000-55ce87021000 rw-p 00000000 00:00 0                          [heap]\n"
	"7fd348e34000-7fd348e44000 rw-s 00000000 00:01 1234                       /memfd:mymemfd (deleted)\n"
	"7fd348e44000-7fd348e45000 rw-s 00000000 00:01 32769                      /SYSV00000000 (deleted)\n"
	"7fd348e45000-7fd348e46000 rw-p 00000000 00:00 0\n"
	"7fd348e46000-7fd348e47000 r--p 00000000 08:01 42                         /tmp/dir with space/my lib.so\n"
	"7fd348e47000-7fd348e48000 ---p 00000000 00:00 0\n"
	"7fff3fa03000-7fff3fa24000 rw-p 00000000 00:00 0                          [stack]\n"
	"7fff3fbfc000-7fff3fbfe000 r-xp 00000000 00:00 0                          [vdso]\n"
	"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n";

static void load_pm(struct vms_snapshot *s, struct format_opts *o)
{
	load_maps(s, pm_maps);
	set_proc(s, 9582, "./t", 0x7fff3fa22f40ull);
	format_opts_init(o);
	o->shm_minor = 1;
}

static void pmap_default(void **state)
{
	struct vms_snapshot s;
	struct format_opts o;

	load_pm(&s, &o);
	assert_false(format_pmap.needs_accounting(&o));
	expect_output(&format_pmap, &s, &o,
		"9582:   ./t\n"
		"000055ce863f0000      4K r---- t\n"
		"000055ce863f1000      8K r-x-- t\n"
		"000055ce87000000    132K rw---   [ anon ]\n"
		"00007fd348e34000     64K rw-s- memfd:mymemfd (deleted)\n"
		"00007fd348e44000      4K rw-s-   [ shmid=0x8001 ]\n"
		"00007fd348e45000      4K rw---   [ anon ]\n"
		"00007fd348e46000      4K r---- my lib.so\n"
		"00007fd348e47000      4K -----   [ anon ]\n"
		"00007fff3fa03000    132K rw---   [ stack ]\n"
		"00007fff3fbfc000      8K r-x--   [ anon ]\n"
		"ffffffffff600000      4K --x--   [ anon ]\n"
		" total              368K\n");
	snapshot_free(&s);
}

static void pmap_default_quiet(void **state)
{
	struct vms_snapshot s;
	struct format_opts o;

	load_maps(&s, "00400000-00401000 r--p 00000000 08:01 12 /a\n");
	set_proc(&s, 1, "a", 0);
	format_opts_init(&o);
	o.quiet = true;
	expect_output(&format_pmap, &s, &o, "1:   a\n0000000000400000      4K r---- a\n");
	snapshot_free(&s);
}

/* -p: from the first '/'. A SysV segment is only "shmid=" on the shm device. */
static void pmap_show_path(void **state)
{
	struct vms_snapshot s;
	struct format_opts o;
	char *out;

	load_pm(&s, &o);
	o.show_path = true;
	out = capture(&format_pmap, &s, &o);
	assert_non_null(strstr(out, "\n000055ce863f0000      4K r---- /usr/bin/t\n"));
	assert_non_null(strstr(out, "\n00007fd348e34000     64K rw-s- /memfd:mymemfd (deleted)\n"));
	assert_non_null(strstr(out, "\n00007fd348e44000      4K rw-s-   [ shmid=0x8001 ]\n"));
	assert_non_null(strstr(out, "\n00007fd348e46000      4K r---- /tmp/dir with space/my lib.so\n"));
	free(out);
	o.shm_minor = 5;
	out = capture(&format_pmap, &s, &o);
	assert_non_null(strstr(out, "\n00007fd348e44000      4K rw-s- /SYSV00000000 (deleted)\n"));
	free(out);
	snapshot_free(&s);
}

/* -k shows a name from its '[' when it ends in ']'; other names are unchanged. */
static void pmap_kernel_names(void **state)
{
	struct vms_snapshot s;
	struct format_opts o;

	load_maps(&s, "1000-2000 rw-p 00000000 00:00 0 [anon:my buf]\n"
		      "2000-3000 rw-p 00000000 00:00 0 x]\n"
		      "3000-4000 rw-p 00000000 00:00 0 [a] b\n"
		      "4000-5000 rw-p 00000000 00:00 0 pre[fix]\n"
		      "5000-6000 rw-p 00000000 00:00 0 [heap]\n"
		      "6000-7000 rw-p 00000000 00:00 0 /x/[y]\n");
	set_proc(&s, 2, "k", 0);
	format_opts_init(&o);
	o.kernel_names = true;
	o.quiet = true;
	expect_output(&format_pmap, &s, &o,
		"2:   k\n"
		"0000000000001000      4K rw--- [anon:my buf]\n"
		"0000000000002000      4K rw---   [ anon ]\n"
		"0000000000003000      4K rw---   [ anon ]\n"
		"0000000000004000      4K rw--- [fix]\n"
		"0000000000005000      4K rw--- [heap]\n"
		"0000000000006000      4K rw--- [y]\n");
	snapshot_free(&s);
}

/* procps: startstack in [start, start + len] -- the end is inclusive, so the region right
 * after one ending at startstack is "[ stack ]" too. Names ending in '/' show "/". */
static void pmap_stack_and_odd_names(void **state)
{
	struct vms_snapshot s;
	struct format_opts o;

	load_maps(&s, "1000-2000 rw-p 00000000 00:00 0\n"
		      "2000-3000 rw-p 00000000 00:00 0\n"
		      "3000-4000 rw-p 00000000 00:00 0\n"
		      "4000-5000 r--p 00000000 08:01 9 /tmp/dir/\n"
		      "5000-6000 r--p 00000000 08:01 9 /\n");
	set_proc(&s, 3, "s", 0x2000);
	format_opts_init(&o);
	o.quiet = true;
	expect_output(&format_pmap, &s, &o,
		"3:   s\n"
		"0000000000001000      4K rw---   [ stack ]\n"
		"0000000000002000      4K rw---   [ stack ]\n"
		"0000000000003000      4K rw---   [ anon ]\n"
		"0000000000004000      4K r---- /\n"
		"0000000000005000      4K r---- /\n");
	snapshot_free(&s);
}

/* procps turns every byte that does not start a valid character (mblen) into '?'. */
static void pmap_name_bytes(void **state)
{
	struct vms_snapshot s;
	struct format_opts o;

	load_maps(&s, "1000-2000 r--p 00000000 08:01 9 /tmp/caf\xc3\xa9\n"
		      "2000-3000 r--p 00000000 08:01 9 /tmp/x\xe9y\n");
	set_proc(&s, 4, "n", 0);
	format_opts_init(&o);
	o.quiet = true;
	assert_non_null(setlocale(LC_ALL, "C"));
	expect_output(&format_pmap, &s, &o,
		"4:   n\n"
		"0000000000001000      4K r---- caf??\n"
		"0000000000002000      4K r---- x?y\n");
	/* pmap 4.0.2 keeps only bytes isprint() accepts, so even a UTF-8 locale shows '?'
	 * for every byte of a multibyte character (checked against /usr/bin/pmap). */
	assert_non_null(setlocale(LC_ALL, "C.UTF-8"));
	expect_output(&format_pmap, &s, &o,
		"4:   n\n"
		"0000000000001000      4K r---- caf??\n"
		"0000000000002000      4K r---- x?y\n");
	setlocale(LC_ALL, "C");
	snapshot_free(&s);
}

/* -A LOW,HIGH keeps regions overlapping [LOW, HIGH]: one ending at LOW is out, one starting
 * at HIGH is in. The total covers the rows shown. */
static void pmap_range(void **state)
{
	struct vms_snapshot s;
	struct format_opts o;

	load_pm(&s, &o);
	o.range_low = 0x7fd348e44000ull;
	o.range_high = 0x7fd348e45000ull;
	expect_output(&format_pmap, &s, &o,
		"9582:   ./t\n"
		"00007fd348e44000      4K rw-s-   [ shmid=0x8001 ]\n"
		"00007fd348e45000      4K rw---   [ anon ]\n"
		" total                8K\n");
	/* A single address inside a region. */
	o.range_low = o.range_high = 0xffffffffff600fffull;
	expect_output(&format_pmap, &s, &o,
		"9582:   ./t\n"
		"ffffffffff600000      4K --x--   [ anon ]\n"
		" total                4K\n");
	/* Nothing in range. */
	o.range_low = o.range_high = 0x10;
	expect_output(&format_pmap, &s, &o, "9582:   ./t\n total                0K\n");
	snapshot_free(&s);
}

static void pmap_device(void **state)
{
	struct vms_snapshot s;
	struct format_opts o;

	load_pm(&s, &o);
	o.mode = PMAP_DEVICE;
	expect_output(&format_pmap, &s, &o,
		"9582:   ./t\n"
		"Address           Kbytes Mode  Offset           Device    Mapping\n"
		"000055ce863f0000       4 r---- 0000000000000000 0fe:00000 t\n"
		"000055ce863f1000       8 r-x-- 0000000000001000 0fe:00000 t\n"
		"000055ce87000000     132 rw--- 0000000000000000 000:00000   [ anon ]\n"
		"00007fd348e34000      64 rw-s- 0000000000000000 000:00001 memfd:mymemfd (deleted)\n"
		"00007fd348e44000       4 rw-s- 0000000000000000 000:00001   [ shmid=0x8001 ]\n"
		"00007fd348e45000       4 rw--- 0000000000000000 000:00000   [ anon ]\n"
		"00007fd348e46000       4 r---- 0000000000000000 008:00001 my lib.so\n"
		"00007fd348e47000       4 ----- 0000000000000000 000:00000   [ anon ]\n"
		"00007fff3fa03000     132 rw--- 0000000000000000 000:00000   [ stack ]\n"
		"00007fff3fbfc000       8 r-x-- 0000000000000000 000:00000   [ anon ]\n"
		"ffffffffff600000       4 --x-- 0000000000000000 000:00000   [ anon ]\n"
		"mapped: 368K    writeable/private: 268K    shared: 68K\n");
	o.quiet = true;
	o.range_low = 0x7fd348e46000ull;
	o.range_high = 0x7fd348e46000ull;
	expect_output(&format_pmap, &s, &o,
		"9582:   ./t\n"
		"00007fd348e46000       4 r---- 0000000000000000 008:00001 my lib.so\n");
	snapshot_free(&s);
}

/* ---- smaps-based: -x, -X, -XX ------------------------------------------------------------ */

#define SMAPS_REGION(hdr, size, rss, pss, sc, sd, pc, pd, ref, anon, thp, flags) \
	hdr "\n" \
	"Size:           " size " kB\n" \
	"KernelPageSize:        4 kB\n" \
	"MMUPageSize:           4 kB\n" \
	"Rss:            " rss " kB\n" \
	"Pss:            " pss " kB\n" \
	"Shared_Clean:   " sc " kB\n" \
	"Shared_Dirty:   " sd " kB\n" \
	"Private_Clean:  " pc " kB\n" \
	"Private_Dirty:  " pd " kB\n" \
	"Referenced:     " ref " kB\n" \
	"Anonymous:      " anon " kB\n" \
	"Swap:                  0 kB\n" \
	"Locked:                0 kB\n" \
	"THPeligible:    " thp "\n" \
	"VmFlags: " flags " \n"

static const char sm_smaps[] =
	SMAPS_REGION("00400000-00401000 r-xp 00000000 08:01 131                                /bin/a",
		     "4", "4", "2", "4", "0", "0", "0", "4", "0", "0", "rd ex mr mw me dw")
	SMAPS_REGION("01000000-01021000 rw-p 00000000 00:00 0                                  [heap]",
		     "132", "12", "12", "0", "0", "0", "12", "12", "12", "1", "rd wr mr mw me ac")
	SMAPS_REGION("7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]",
		     "132", "100", "100", "0", "8", "0", "92", "100", "100", "0", "rd wr mr mw me gd ac");

static void load_sm(struct vms_snapshot *s, struct format_opts *o)
{
	load_smaps(s, sm_smaps);
	set_proc(s, 42, "/bin/a -v", 0x7ffd0001f000ull);
	format_opts_init(o);
}

static void pmap_extended(void **state)
{
	struct vms_snapshot s;
	struct format_opts o;

	load_sm(&s, &o);
	o.mode = PMAP_EXTENDED;
	assert_true(format_pmap.needs_accounting(&o));
	expect_output(&format_pmap, &s, &o,
		"42:   /bin/a -v\n"
		"Address           Kbytes     RSS   Dirty Mode  Mapping\n"
		"0000000000400000       4       4       0 r-x-- a\n"
		"0000000001000000     132      12      12 rw---   [ anon ]\n"
		"00007ffd00000000     132     100     100 rw---   [ stack ]\n"
		"---------------- ------- ------- ------- \n"
		"total kB             268     116     112\n");
	o.quiet = true;
	expect_output(&format_pmap, &s, &o,
		"42:   /bin/a -v\n"
		"0000000000400000       4       4       0 r-x-- a\n"
		"0000000001000000     132      12      12 rw---   [ anon ]\n"
		"00007ffd00000000     132     100     100 rw---   [ stack ]\n");
	snapshot_free(&s);
}

/* --faults: MinFlt and MajFlt after the sizes (and RSS/Dirty), before Mode; summed in the total.
 * The default table gets a header line then (pmap has none there, but numbers need one). */
static void pmap_faults(void **state)
{
	struct vms_snapshot s;
	struct format_opts o;

	load_sm(&s, &o);
	o.faults = true;
	region_more_set(&s.regions[0])->faults_min = 1;
	region_more_set(&s.regions[1])->faults_min = 33;
	region_more_set(&s.regions[1])->faults_maj = 2;
	region_more_set(&s.regions[2])->faults_min = 1234567;
	expect_output(&format_pmap, &s, &o,
		"42:   /bin/a -v\n"
		"Address           Kbytes  MinFlt  MajFlt Mode  Mapping\n"
		"0000000000400000      4K       1       0 r-x-- a\n"
		"0000000001000000    132K      33       2 rw---   [ anon ]\n"
		"00007ffd00000000    132K 1234567       0 rw---   [ stack ]\n"
		" total              268K 1234601       2\n");
	o.mode = PMAP_EXTENDED;
	expect_output(&format_pmap, &s, &o,
		"42:   /bin/a -v\n"
		"Address           Kbytes     RSS   Dirty  MinFlt  MajFlt Mode  Mapping\n"
		"0000000000400000       4       4       0       1       0 r-x-- a\n"
		"0000000001000000     132      12      12      33       2 rw---   [ anon ]\n"
		"00007ffd00000000     132     100     100 1234567       0 rw---   [ stack ]\n"
		"---------------- ------- ------- ------- ------- ------- \n"
		"total kB             268     116     112 1234601       2\n");
	o.quiet = true;
	o.mode = PMAP_DEFAULT;
	expect_output(&format_pmap, &s, &o,
		"42:   /bin/a -v\n"
		"0000000000400000      4K       1       0 r-x-- a\n"
		"0000000001000000    132K      33       2 rw---   [ anon ]\n"
		"00007ffd00000000    132K 1234567       0 rw---   [ stack ]\n");
	snapshot_free(&s);
}

/* A snapshot without accounting (maps only): -x shows zeros rather than failing. */
static void pmap_extended_no_acct(void **state)
{
	struct vms_snapshot s;
	struct format_opts o;

	load_maps(&s, "00400000-00401000 r--p 00000000 08:01 12 /a\n");
	set_proc(&s, 1, "a", 0);
	format_opts_init(&o);
	o.mode = PMAP_EXTENDED;
	expect_output(&format_pmap, &s, &o,
		"1:   a\n"
		"Address           Kbytes     RSS   Dirty Mode  Mapping\n"
		"0000000000400000       4       0       0 r---- a\n"
		"---------------- ------- ------- ------- \n"
		"total kB               4       0       0\n");
	snapshot_free(&s);
}

#define SP40 "                                        "
#define SP44 SP40 "    "

static void pmap_X(void **state)
{
	struct vms_snapshot s;
	struct format_opts o;

	load_sm(&s, &o);
	o.mode = PMAP_X;
	expect_output(&format_pmap, &s, &o,
		"42:   /bin/a -v\n"
		"     Address Perm   Offset Device Inode Size Rss Pss Referenced Anonymous Swap Locked"
		" THPeligible Mapping\n"
		"    00400000" " r-xp" " 00000000" "  08:01" "   131" "    4" "   4" "   2"
		"          4" "         0" "    0" "      0" "           0" " a\n"
		"    01000000" " rw-p" " 00000000" "  00:00" "     0" "  132" "  12" "  12"
		"         12" "        12" "    0" "      0" "           1" " [heap]\n"
		"7ffd00000000" " rw-p" " 00000000" "  00:00" "     0" "  132" " 100" " 100"
		"        100" "       100" "    0" "      0" "           0" " [stack]\n"
		SP40 "==== === === ========== ========= ==== ====== =========== \n"
		SP40 " 268 " "116 " "114 " "       116 " "      112 " "   0 " "     0 " "          1 "
		"KB \n");
	snapshot_free(&s);
}

/* -A with -X: fixed columns are measured over every region, totals only over those shown. */
static void pmap_X_range(void **state)
{
	struct vms_snapshot s;
	struct format_opts o;

	load_sm(&s, &o);
	o.mode = PMAP_X;
	o.range_low = o.range_high = 0x01000000;
	expect_output(&format_pmap, &s, &o,
		"42:   /bin/a -v\n"
		"     Address Perm   Offset Device Inode Size Rss Pss Referenced Anonymous Swap Locked"
		" THPeligible Mapping\n"
		"    01000000" " rw-p" " 00000000" "  00:00" "     0" "  132" "  12" "  12"
		"         12" "        12" "    0" "      0" "           1" " [heap]\n"
		SP40 "==== === === ========== ========= ==== ====== =========== \n"
		SP40 " 132 " " 12 " " 12 " "        12 " "       12 " "   0 " "     0 " "          1 "
		"KB \n");
	snapshot_free(&s);
}

static const char sx_smaps[] =
	"7f0000000000-7f0000001000 rw-p 00000000 00:00 0 \n"
	"Size:                  4 kB\n"
	"Rss:                   4 kB\n"
	"THPeligible:    0\n"
	"VmFlags: rd wr mr mw me ac \n"
	"7f0000001000-7f0000003000 r--s 00001000 103:05 123456789                 /dev/shm/x\n"
	"Size:                  8 kB\n"
	"Rss:                   8 kB\n"
	"THPeligible:    0\n"
	"VmFlags: rd mr me ms \n";

static void load_sx(struct vms_snapshot *s, struct format_opts *o, enum pmap_mode mode)
{
	load_smaps(s, sx_smaps);
	set_proc(s, 7, "x", 0);
	format_opts_init(o);
	o->mode = mode;
}

static void pmap_XX(void **state)
{
	struct vms_snapshot s;
	struct format_opts o;

	load_sx(&s, &o, PMAP_XX);
	expect_output(&format_pmap, &s, &o,
		"7:   x\n"
		"     Address " "Perm " "  Offset " "Device " "    Inode " "Size " "Rss " "THPeligible "
		"          VmFlags " "Mapping\n"
		"7f0000000000" " rw-p" " 00000000" "  00:00" "         0" "    4" "   4" "           0"
		" rd wr mr mw me ac" " \n"
		"7f0000001000" " r--s" " 00001000" " 103:05" " 123456789" "    8" "   8" "           0"
		"       rd mr me ms" " x\n"
		SP44 "==== === =========== \n"
		SP44 "  12 " " 12 " "          0 " "KB \n");
	snapshot_free(&s);
}

/* -q: no header or footer, and a column is as wide as its longest value. */
static void pmap_X_quiet(void **state)
{
	struct vms_snapshot s;
	struct format_opts o;

	load_sx(&s, &o, PMAP_X);
	o.quiet = true;
	expect_output(&format_pmap, &s, &o,
		"7:   x\n"
		"7f0000000000" " rw-p" " 00000000" "  00:00" "         0" " 4" " 4" " 0" " \n"
		"7f0000001000" " r--s" " 00001000" " 103:05" " 123456789" " 8" " 8" " 0" " x\n");
	snapshot_free(&s);
}

/* procps keeps the column list and widths for all PIDs of one run: a wide total in the
 * second process widens the column for the third; totals restart per process. */
static void pmap_X_widths_carry_over(void **state)
{
	struct vms_snapshot a, big;
	struct format_opts o;
	struct format_state st = { 0 };
	FILE *null = fopen("/dev/null", "w");

	assert_non_null(null);
	load_sx(&a, &o, PMAP_X);
	load_smaps(&big, "7f0000000000-7f0000001000 rw-p 00000000 00:00 0\n"
			 "Size:             123456 kB\n"
			 "Rss:                   1 kB\n"
			 "THPeligible:    0\n");
	set_proc(&big, 8, "big", 0);
	free(capture_st(&format_pmap, &a, &o, &st));
	free(capture_st(&format_pmap, &big, &o, &st));
	expect_text(capture_st(&format_pmap, &a, &o, &st),
		"7:   x\n"
		"     Address Perm   Offset Device     Inode   Size Rss THPeligible Mapping\n"
		"7f0000000000" " rw-p" " 00000000" "  00:00" "         0" "      4" "   4" "           0"
		" \n"
		"7f0000001000" " r--s" " 00001000" " 103:05" " 123456789" "      8" "   8" "           0"
		" x\n"
		SP44 "====== === =========== \n"
		SP44 "    12 " " 12 " "          0 " "KB \n");
	format_pmap.finish(null, &o, &st);
	assert_null(st.priv);
	fclose(null);
	snapshot_free(&a);
	snapshot_free(&big);
}

/* A process with no regions after one with columns: procps prints the footer with a gap of
 * the five separators only and zero totals. */
static void pmap_X_empty_after_columns(void **state)
{
	struct vms_snapshot a, empty;
	struct format_opts o;
	struct format_state st = { 0 };
	FILE *null = fopen("/dev/null", "w");

	load_sx(&a, &o, PMAP_X);
	snapshot_init(&empty);
	set_proc(&empty, 2, "[kthreadd]", 0);
	free(capture_st(&format_pmap, &a, &o, &st));
	expect_text(capture_st(&format_pmap, &empty, &o, &st),
		"2:   [kthreadd]\n"
		"     ==== === =========== \n"
		"        0   0           0 KB \n");
	format_pmap.finish(null, &o, &st);
	fclose(null);
	snapshot_free(&a);
	snapshot_free(&empty);
}

/* -X reads at most 127 bytes of the name (sscanf %127[^\n]), then takes the basename. */
static void pmap_X_long_names(void **state)
{
	char text[1024], d126[127], d127[128], z127[128], *out;
	char dirname[151], bracket[201];
	struct vms_snapshot s;
	struct format_opts o;

	memset(dirname, 'd', 150);
	dirname[150] = '\0';
	memset(bracket, 'z', 200);
	bracket[0] = '[';
	bracket[199] = ']';
	bracket[200] = '\0';
	snprintf(text, sizeof(text),
		 "1000-2000 r--p 00000000 08:01 9 /%s/file\nRss:  4 kB\n"
		 "2000-3000 rw-p 00000000 00:00 0 %s\nRss:  4 kB\n", dirname, bracket);
	load_smaps(&s, text);
	set_proc(&s, 5, "l", 0);
	format_opts_init(&o);
	o.mode = PMAP_X;
	o.quiet = true;
	memset(d126, 'd', 126);
	d126[126] = '\0';
	memset(d127, 'd', 127);
	d127[127] = '\0';
	memcpy(z127, bracket, 127);
	z127[127] = '\0';

	out = capture(&format_pmap, &s, &o);
	{
		char want[300];

		snprintf(want, sizeof(want), " 4 %s\n", d126);
		assert_non_null(strstr(out, want));
		assert_null(strstr(out, d127));
		assert_null(strstr(out, "file"));
		snprintf(want, sizeof(want), " 4 %s\n", z127);
		assert_non_null(strstr(out, want));
	}
	free(out);
	o.show_path = true;
	out = capture(&format_pmap, &s, &o);
	{
		char want[300];

		snprintf(want, sizeof(want), " 4 /%s\n", d126);
		assert_non_null(strstr(out, want));
	}
	free(out);
	/* The other formats show long names whole (procps reads 1024-byte lines there). */
	o.mode = PMAP_DEFAULT;
	o.show_path = false;
	out = capture(&format_pmap, &s, &o);
	assert_non_null(strstr(out, "      4K r---- file\n"));
	assert_null(strstr(out, bracket)); /* no '/' and no -k: "  [ anon ]" */
	assert_non_null(strstr(out, "      4K rw---   [ anon ]\n"));
	free(out);
	snapshot_free(&s);
}

/* -X prints names as the kernel gave them: "[heap]", and "" for anonymous regions. */
static void pmap_X_names(void **state)
{
	struct vms_snapshot s;
	struct format_opts o;

	load_smaps(&s, "1000-2000 r--p 00000000 08:01 9 /tmp/dir/\nRss:  4 kB\n"
		       "2000-3000 rw-s 00000000 00:01 9 /memfd:a b (deleted)\nRss:  4 kB\n");
	set_proc(&s, 6, "n", 0);
	format_opts_init(&o);
	o.mode = PMAP_X;
	o.quiet = true;
	expect_output(&format_pmap, &s, &o,
		"6:   n\n"
		"00001000 r--p 00000000 08:01 9 4 \n"
		"00002000 rw-s 00000000 00:01 9 4 memfd:a b (deleted)\n");
	snapshot_free(&s);
}

/* Names chosen to move root's cursor: procps -X prints them raw, vmscope escapes them as it
 * escapes the command line (escape.h); the default rows stay procps' '?' per byte. */
static const char evil_smaps[] =
	"1000-2000 r--p 00000000 08:01 9 /tmp/e\x1b[2J\x07\xc2\x9b\x9b\x7f\xc3\xa9\nRss:  4 kB\n"
	"2000-3000 r--p 00000000 08:01 9 /tmp/\xc3\xa9\x1b]0;\xc2\x9b\nRss:  4 kB\n";

static void pmap_X_escapes(void **state)
{
	struct vms_snapshot s;
	struct format_opts o;

	load_smaps(&s, evil_smaps);
	set_proc(&s, 6, "n", 0);
	format_opts_init(&o);
	o.mode = PMAP_X;
	o.quiet = true;
	assert_non_null(setlocale(LC_ALL, "C.UTF-8"));
	expect_output(&format_pmap, &s, &o,
		"6:   n\n"
		"00001000 r--p 00000000 08:01 9 4 e?[2J??????\n" /* not UTF-8 from 0x9b on */
		"00002000 r--p 00000000 08:01 9 4 \xc3\xa9?]0;?\n");
	o.show_path = true;
	expect_output(&format_pmap, &s, &o,
		"6:   n\n"
		"00001000 r--p 00000000 08:01 9 4 /tmp/e?[2J??????\n"
		"00002000 r--p 00000000 08:01 9 4 /tmp/\xc3\xa9?]0;?\n");
	o.show_path = false;
	o.mode = PMAP_DEFAULT;
	expect_output(&format_pmap, &s, &o,
		"6:   n\n"
		"0000000000001000      4K r---- e?[2J???????\n"
		"0000000000002000      4K r---- ???]0;??\n");
	assert_non_null(setlocale(LC_ALL, "C"));
	o.mode = PMAP_XX;
	expect_output(&format_pmap, &s, &o,
		"6:   n\n"
		"00001000 r--p 00000000 08:01 9 4 e?[2J???????\n"
		"00002000 r--p 00000000 08:01 9 4 ???]0;??\n");
	snapshot_free(&s);
}

/* A process whose regions cannot be read still gets its header line. */
static void pmap_unreadable(void **state)
{
	struct vms_snapshot s;
	struct mem_out m;

	snapshot_init(&s);
	set_proc(&s, 77, "sleep 100", 0);
	format_pmap.print_unreadable(mem_open(&m), &s);
	expect_text(mem_text(&m), "77:   sleep 100\n");
	snapshot_free(&s);
}

/* ---- CSV ----------------------------------------------------------------------------------- */

static const char csv_maps[] =
	"55ce863f0000-55ce863f1000 r--p 00000000 fe:00 10952756 /usr/bin/t\n"
	"55ce863f1000-55ce863f3000 r-xp 00001000 fe:00 10952756 /usr/bin/t\n"
	"7fd348e34000-7fd348e44000 rw-s 00000000 00:01 1234 /memfd:a,\"b\" (deleted)\n"
	"7fd348e46000-7fd348e47000 r--p 00000000 08:01 42 /tmp/x\n";

static void csv_rows(void **state)
{
	struct vms_snapshot s;
	struct format_opts o;
	struct format_state st = { 0 };

	load_maps(&s, csv_maps);
	set_proc(&s, 9582, "./t", 0);
	format_opts_init(&o);
	assert_false(format_csv.needs_accounting(&o));
	expect_text(capture_st(&format_csv, &s, &o, &st),
		"pid,start,end,perm,offset,dev,inode,kind,name,size_kb\r\n"
		"9582,0x55ce863f0000,0x55ce863f1000,r--p,0x0,fe:00,10952756,image,/usr/bin/t,4\r\n"
		"9582,0x55ce863f1000,0x55ce863f3000,r-xp,0x1000,fe:00,10952756,image,/usr/bin/t,8\r\n"
		"9582,0x7fd348e34000,0x7fd348e44000,rw-s,0x0,00:01,1234,shareable,"
		"\"/memfd:a,\"\"b\"\" (deleted)\",64\r\n"
		"9582,0x7fd348e46000,0x7fd348e47000,r--p,0x0,08:01,42,mapped-file,/tmp/x,4\r\n");
	/* One table for all processes: the header comes once. */
	o.range_low = o.range_high = 0x7fd348e46000ull;
	expect_text(capture_st(&format_csv, &s, &o, &st),
		"9582,0x7fd348e46000,0x7fd348e47000,r--p,0x0,08:01,42,mapped-file,/tmp/x,4\r\n");
	snapshot_free(&s);
}

/* CSV is UTF-8 in any locale: control characters (C0, DEL, C1) are '?', a byte that is not
 * UTF-8 is U+FFFD, and RFC 4180 quoting applies to what is left. */
static void csv_escapes(void **state)
{
	struct vms_snapshot s;
	struct format_opts o;

	load_maps(&s, "1000-2000 r--p 00000000 08:01 9 /tmp/e\x1b[2J,\"\x07\xc2\x9b\x9b\x7f\xc3\xa9\t\n");
	set_proc(&s, 6, "n", 0);
	format_opts_init(&o);
	assert_non_null(setlocale(LC_ALL, "C"));
	expect_output(&format_csv, &s, &o,
		"pid,start,end,perm,offset,dev,inode,kind,name,size_kb\r\n"
		"6,0x1000,0x2000,r--p,0x0,08:01,9,mapped-file,\"/tmp/e?[2J,\"\"??\xef\xbf\xbd?\xc3\xa9?\",4\r\n");
	snapshot_free(&s);
}

static void csv_accounting_and_faults(void **state)
{
	struct vms_snapshot s;
	struct format_opts o;

	load_sm(&s, &o);
	o.mode = PMAP_EXTENDED;
	o.faults = true;
	region_more_set(&s.regions[2])->faults_min = 7;
	region_more_set(&s.regions[2])->faults_maj = 1;
	/* CR and LF inside a name are control characters: '?' (escape.h), so nothing is quoted */
	free(s.regions[0].name);
	s.regions[0].name = strdup("/bin/a\r\nb");
	expect_output(&format_csv, &s, &o,
		"pid,start,end,perm,offset,dev,inode,kind,name,size_kb,"
		"rss_kb,pss_kb,anon_kb,dirty_kb,swap_kb,locked_kb,faults_min,faults_maj\r\n"
		"42,0x400000,0x401000,r-xp,0x0,08:01,131,image,/bin/a??b,4,4,2,0,0,0,0,0,0\r\n"
		"42,0x1000000,0x1021000,rw-p,0x0,00:00,0,heap,[heap],132,12,12,12,12,0,0,0,0\r\n"
		"42,0x7ffd00000000,0x7ffd00021000,rw-p,0x0,00:00,0,stack,[stack],132,100,100,100,100,0,0,"
		"7,1\r\n");
	snapshot_free(&s);
}

static void format_lookup(void **state)
{
	assert_ptr_equal(format_find("pmap"), &format_pmap);
	assert_ptr_equal(format_find("json"), &format_json);
	assert_ptr_equal(format_find("csv"), &format_csv);
	assert_null(format_find("nope"));
	assert_null(format_find(""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pmap_default),
		cmocka_unit_test(pmap_default_quiet),
		cmocka_unit_test(pmap_show_path),
		cmocka_unit_test(pmap_kernel_names),
		cmocka_unit_test(pmap_stack_and_odd_names),
		cmocka_unit_test(pmap_name_bytes),
		cmocka_unit_test(pmap_range),
		cmocka_unit_test(pmap_device),
		cmocka_unit_test(pmap_extended),
		cmocka_unit_test(pmap_extended_no_acct),
		cmocka_unit_test(pmap_faults),
		cmocka_unit_test(pmap_X),
		cmocka_unit_test(pmap_X_range),
		cmocka_unit_test(pmap_XX),
		cmocka_unit_test(pmap_X_quiet),
		cmocka_unit_test(pmap_X_widths_carry_over),
		cmocka_unit_test(pmap_X_empty_after_columns),
		cmocka_unit_test(pmap_X_long_names),
		cmocka_unit_test(pmap_X_names),
		cmocka_unit_test(pmap_unreadable),
		cmocka_unit_test(csv_rows),
		cmocka_unit_test(csv_accounting_and_faults),
		cmocka_unit_test(csv_escapes),
		cmocka_unit_test(pmap_X_escapes),
		cmocka_unit_test(format_lookup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
