// SPDX-License-Identifier: BSD-2-Clause
/*
 * The seed tools' views, their pure pieces: the classifier (types, thread stacks, arenas,
 * guards, .bss), share modes, max protections, the numa_maps parser on a two-node fixture
 * (tests/fixtures/numa2.*), the syscall/stat parsers, and the illumos -L table over it; and
 * golden texts of every view of a real process (tests/fixtures/views.*: the smaps, numa_maps
 * and threads of tests/helpers/views with 2 threads, paths made stable) checked byte for byte
 * against tests/fixtures/golden/ (VMS_GOLDEN_WRITE=1 rewrites them: review the diff).
 */
#include "unit.h"

#include "core/classify.h"
#include "core/util.h"

static char *slurp(const char *name)
{
	char path[512], *buf = NULL;
	const char *dir = __FILE__;
	const char *slash = strrchr(dir, '/');

	/* tests/unit/test_views.c -> tests/fixtures/NAME */
	snprintf(path, sizeof(path), "%.*s/../fixtures/%s", slash ? (int)(slash - dir) : 1,
		 slash ? dir : ".", name);
	assert_int_equal(read_file(path, &buf, NULL), 0);
	return buf;
}

/* A process with every type; the thread 101's sp is inside its stack, 102's is unknown. */
static const char layout[] =
	"400000-401000 r--p 00000000 fe:00 77 /opt/app\n"			/* 0 image */
	"401000-403000 r-xp 00001000 fe:00 77 /opt/app\n"			/* 1 image */
	"403000-404000 rw-p 00003000 fe:00 77 /opt/app\n"			/* 2 image data */
	"404000-406000 rw-p 00000000 00:00 0\n"				/* 3 image .bss */
	"1000000-1021000 rw-p 00000000 00:00 0 [heap]\n"			/* 4 heap */
	"1021000-1022000 ---p 00000000 00:00 0\n"				/* 5 guard (heap) */
	"7e0000000000-7e0000021000 rw-p 00000000 00:00 0\n"			/* 6 arena head */
	"7e0000021000-7e0004000000 ---p 00000000 00:00 0\n"			/* 7 arena tail */
	"7e0010000000-7e0010001000 ---p 00000000 00:00 0\n"			/* 8 guard (tid 101) */
	"7e0010001000-7e0010801000 rw-p 00000000 00:00 0\n"			/* 9 stack tid 101 */
	"7e0010801000-7e0010802000 ---p 00000000 00:00 0\n"			/* 10 private (no sp) */
	"7e0010802000-7e0011002000 rw-p 00000000 00:00 0\n"			/* 11 private */
	"7e0011002000-7e0011003000 ---p 00000000 00:00 0\n"			/* 12 private reserve */
	"7e0012000000-7e0012010000 rw-s 00000000 00:01 5 /dev/zero (deleted)\n"	/* 13 shareable */
	"7e0012010000-7e0012020000 rw-s 00000000 00:01 6 /memfd:x (deleted)\n"	/* 14 shareable */
	"7e0012020000-7e0012030000 rw-s 00000000 00:01 32769 /SYSV00000000 (deleted)\n" /* 15 */
	"7e0012030000-7e0012040000 rw-s 00000000 08:01 9 /srv/shared.db\n"	/* 16 mapped file */
	"7e0012040000-7e0012050000 r--p 00000000 08:01 10 /srv/data.bin\n"	/* 17 mapped file */
	"7e0013000000-7e0013100000 r-xp 00000000 08:01 11 /lib/libz.so\n"	/* 18 image */
	"7e0013100000-7e0013101000 ---p 00100000 08:01 11 /lib/libz.so\n"	/* 19 image gap */
	"7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0 [stack]\n"		/* 20 main stack */
	"7ffd00100000-7ffd00104000 r--p 00000000 00:00 0 [vvar]\n"		/* 21 system */
	"7ffd00104000-7ffd00106000 r-xp 00000000 00:00 0 [vdso]\n"		/* 22 system */
	"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]\n";	/* 23 system */

static void load_layout(struct vms_snapshot *s)
{
	load_maps(s, layout);
	set_proc(s, 100, "./app", 0x7ffd00020000ull);
	snapshot_add_thread(s, 100)->sp = 0x7ffd0001fe00ull;
	snapshot_add_thread(s, 101)->sp = 0x7e0010800e40ull;
	snapshot_add_thread(s, 102); /* running: no sp */
}

static void classify_every_type(void **state)
{
	static const struct { enum vms_type t; const char *kind; int tid; } want[] = {
		{ VMS_T_IMAGE, "image", 0 }, { VMS_T_IMAGE, "image", 0 }, { VMS_T_IMAGE, "image", 0 },
		{ VMS_T_IMAGE, "image", 0 }, { VMS_T_HEAP, "heap", 0 }, { VMS_T_GUARD, "guard", 0 },
		{ VMS_T_HEAP, "heap", 0 }, { VMS_T_HEAP, "heap", 0 }, { VMS_T_GUARD, "guard", 101 },
		{ VMS_T_STACK, "stack", 101 }, { VMS_T_PRIVATE, "private", 0 },
		{ VMS_T_PRIVATE, "private", 0 }, { VMS_T_PRIVATE, "private", 0 },
		{ VMS_T_SHAREABLE, "shareable", 0 }, { VMS_T_SHAREABLE, "shareable", 0 },
		{ VMS_T_SHAREABLE, "shareable", 0 }, { VMS_T_MAPPED_FILE, "mapped-file", 0 },
		{ VMS_T_MAPPED_FILE, "mapped-file", 0 }, { VMS_T_IMAGE, "image", 0 },
		{ VMS_T_IMAGE, "image", 0 }, { VMS_T_STACK, "stack", 100 },
		{ VMS_T_SYSTEM, "vdso", 0 }, { VMS_T_SYSTEM, "vdso", 0 }, { VMS_T_SYSTEM, "system", 0 },
	};
	struct vms_snapshot s;
	struct vms_class *c;
	const char **kinds;

	load_layout(&s);
	assert_int_equal(s.n, ARRAY_SIZE(want));
	c = region_classify(&s);
	kinds = region_kinds(&s);
	for (size_t i = 0; i < s.n; i++) {
		if (c[i].type != want[i].t || c[i].tid != want[i].tid)
			fprintf(stderr, "region %zu: %s tid %d, want %s tid %d\n", i,
				vms_type_name(c[i].type), c[i].tid, vms_type_name(want[i].t), want[i].tid);
		assert_int_equal(c[i].type, want[i].t);
		assert_int_equal(c[i].tid, want[i].tid);
		assert_string_equal(c[i].kind, want[i].kind);
		assert_string_equal(kinds[i], want[i].kind);
		assert_string_equal(region_kind(&s, &s.regions[i]), want[i].kind);
	}
	assert_true(c[20].main_stack && !c[9].main_stack);
	assert_true(c[6].arena && c[7].arena && !c[4].arena);
	assert_true(c[3].bss && !c[2].bss);
	free(c);
	free(kinds);

	/* an arena heap must end exactly 64 MiB after its aligned start */
	s.regions[7].end -= 0x1000;
	s.regions[8].start -= 0x1000; /* (keep the list sorted and gapless for the test) */
	c = region_classify(&s);
	assert_int_equal(c[6].type, VMS_T_PRIVATE);
	assert_int_equal(c[7].type, VMS_T_PRIVATE);
	free(c);
	snapshot_free(&s);
}

static void thread_bounds(void **state)
{
	struct vms_snapshot s;
	struct vms_thread *t;
	struct vms_class *c;

	load_layout(&s);
	t = snapshot_add_thread(&s, 103); /* exact bounds (a Windows TEB, say), no sp */
	t->stack_low = 0x7e0010802000ull;
	t->stack_high = 0x7e0011002000ull;
	c = region_classify(&s);
	assert_int_equal(c[11].type, VMS_T_STACK);
	assert_int_equal(c[11].tid, 103);
	assert_int_equal(c[10].type, VMS_T_GUARD); /* now below a stack */
	assert_int_equal(c[10].tid, 103);
	free(c);
	snapshot_free(&s);
}

/* What the live model adds (clone_sp, sigaltstacks), in the order classify.c trusts them. */
static const char alt_layout[] =
	"1000000-1001000 ---p 00000000 00:00 0\n"				/* 0 guard (201) */
	"1001000-1041000 rw-p 00000000 00:00 0\n"				/* 1 stack 201 */
	"1041000-1042000 ---p 00000000 00:00 0\n"				/* 2 guard (altstack) */
	"1042000-1052000 rw-p 00000000 00:00 0\n"				/* 3 altstack 201 */
	"1052000-1053000 ---p 00000000 00:00 0\n"				/* 4 private */
	"1053000-1153000 rw-p 00000000 00:00 0\n"				/* 5 holds 202's */
	"1153000-1155000 rw-p 00000000 00:00 0\n"				/* 6 altstack 200 */
	"2000000-2100000 rw-p 00000000 00:00 0 [heap]\n"			/* 7 holds 203's */
	"7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0 [stack]\n";		/* 8 main stack */

static void clone_sp_and_altstacks(void **state)
{
	struct vms_snapshot s;
	struct vms_thread *t;
	struct vms_class *c;
	struct format_opts o;
	char *il;

	load_maps(&s, alt_layout);
	set_proc(&s, 200, "./app", 0x7ffd00020000ull);
	t = snapshot_add_thread(&s, 200);
	t->alt_sp = 0x1153000; /* a little larger than its region: labelled (page rounding) */
	t->alt_size = 0x2800;
	t = snapshot_add_thread(&s, 201);
	t->clone_sp = 0x1041000; /* its region's end: the stack is the region below */
	t->sp = 0x1042100;	 /* blocked in a handler on its altstack: stays the altstack */
	t->alt_sp = 0x1042000;
	t->alt_size = 0x10000;
	t = snapshot_add_thread(&s, 202);
	t->alt_sp = 0x1100000; /* 64 KiB of a 1 MiB region: not its region */
	t->alt_size = 0x10000;
	t = snapshot_add_thread(&s, 203);
	t->alt_sp = 0x2000100; /* malloc'd: the heap stays the heap */
	t->alt_size = 0x10000;
	c = region_classify(&s);
	assert_int_equal(c[1].type, VMS_T_STACK);
	assert_int_equal(c[1].tid, 201);
	assert_false(c[1].alt_stack);
	assert_int_equal(c[0].type, VMS_T_GUARD);
	assert_int_equal(c[0].tid, 201);
	assert_int_equal(c[2].type, VMS_T_GUARD); /* below the altstack */
	assert_int_equal(c[3].type, VMS_T_STACK);
	assert_int_equal(c[3].tid, 201);
	assert_true(c[3].alt_stack);
	assert_int_equal(c[5].type, VMS_T_PRIVATE);
	assert_int_equal(c[6].type, VMS_T_STACK);
	assert_int_equal(c[6].tid, 200);
	assert_true(c[6].alt_stack && !c[6].main_stack);
	assert_int_equal(c[7].type, VMS_T_HEAP);
	assert_true(c[8].main_stack && !c[8].alt_stack);
	free(c);
	format_opts_init(&o);
	il = capture(&format_illumos, &s, &o);
	assert_non_null(strstr(il, "0000000001001000     256 rw--- [ stack tid=201 ]\n"));
	assert_non_null(strstr(il, "0000000001042000      64 rw--- [ altstack tid=201 ]\n"));
	assert_non_null(strstr(il, "0000000001153000       8 rw--- [ altstack tid=200 ]\n"));
	assert_null(strstr(il, "tid=202"));
	free(il);
	snapshot_free(&s);

	/* the sp at its region's end, read as a current sp (not clone_sp), is the region above */
	load_maps(&s, alt_layout);
	set_proc(&s, 200, "./app", 0x7ffd00020000ull);
	snapshot_add_thread(&s, 201)->sp = 0x1041000;
	c = region_classify(&s);
	assert_int_equal(c[1].type, VMS_T_PRIVATE);
	free(c);
	snapshot_free(&s);
}

static const char share_smaps[] =
	"1000-3000 rw-p 00000000 00:00 0\n"
	"Rss:                   8 kB\nShared_Clean:          0 kB\nShared_Dirty:          0 kB\n"
	"Private_Dirty:         8 kB\nAnonymous:             8 kB\nSwap:                  0 kB\n"
	"VmFlags: rd wr mr mw me ac\n"
	"3000-5000 r--p 00000000 08:01 7 /lib/x.so\n"
	"Rss:                   8 kB\nShared_Clean:          8 kB\nShared_Dirty:          0 kB\n"
	"Private_Dirty:         0 kB\nAnonymous:             0 kB\nSwap:                  0 kB\n"
	"VmFlags: rd mr mw me\n"
	"5000-7000 rw-p 00000000 00:00 0\n"
	"Rss:                   0 kB\nShared_Clean:          0 kB\nShared_Dirty:          0 kB\n"
	"Private_Dirty:         0 kB\nAnonymous:             0 kB\nSwap:                  0 kB\n"
	"VmFlags: rd wr mr mw me nr\n"
	"7000-9000 rw-p 00000000 00:00 0\n"
	"Rss:                   0 kB\nShared_Clean:          0 kB\nShared_Dirty:          0 kB\n"
	"Private_Dirty:         0 kB\nAnonymous:             0 kB\nSwap:                  8 kB\n"
	"VmFlags: rd wr mr mw me ac\n"
	"9000-b000 rw-s 00000000 00:01 5 /memfd:j (deleted)\n"
	"Rss:                   8 kB\nShared_Clean:          0 kB\nShared_Dirty:          0 kB\n"
	"Private_Dirty:         8 kB\nAnonymous:             0 kB\nSwap:                  0 kB\n"
	"VmFlags: rd wr sh mr mw me ms\n"
	"b000-c000 r-xs 00001000 00:01 5 /memfd:j (deleted)\n"	/* overlaps the page at 0x1000 */
	"Rss:                   4 kB\nShared_Clean:          0 kB\nShared_Dirty:          0 kB\n"
	"Private_Dirty:         4 kB\nAnonymous:             0 kB\nSwap:                  0 kB\n"
	"VmFlags: rd ex sh mr me ms\n"
	"c000-d000 rw-s 00004000 00:01 5 /memfd:j (deleted)\n"	/* beyond both: no alias */
	"Rss:                   4 kB\nShared_Clean:          0 kB\nShared_Dirty:          0 kB\n"
	"Private_Dirty:         4 kB\nAnonymous:             0 kB\nSwap:                  0 kB\n"
	"VmFlags: rd wr sh mr mw me ms\n"
	"d000-f000 rw-p 00000000 08:01 8 /lib/y.so\n"	/* one page copied, one still the file's */
	"Rss:                   8 kB\nShared_Clean:          0 kB\nShared_Dirty:          0 kB\n"
	"Private_Dirty:         8 kB\nAnonymous:             4 kB\nSwap:                  0 kB\n"
	"VmFlags: rd wr mr mw me ac\n";

static void share_modes_and_max(void **state)
{
	static const enum vms_share want[] = { VMS_SM_PRV, VMS_SM_COW, VMS_SM_NUL, VMS_SM_PRV,
					       VMS_SM_ALI, VMS_SM_ALI, VMS_SM_SHM, VMS_SM_COW };
	struct vms_snapshot s;
	struct vms_class *c;
	char max[4];

	load_smaps(&s, share_smaps);
	assert_int_equal(s.n, ARRAY_SIZE(want));
	c = region_classify(&s);
	for (size_t i = 0; i < s.n; i++) {
		if (c[i].share != want[i])
			fprintf(stderr, "region %zu: %s, want %s\n", i, vms_share_name(c[i].share),
				vms_share_name(want[i]));
		assert_int_equal(c[i].share, want[i]);
	}
	free(c);
	assert_true(region_max_prot(&s.regions[1], max));
	assert_string_equal(max, "rwx");
	assert_true(region_max_prot(&s.regions[5], max));
	assert_string_equal(max, "r-x");
	assert_true(region_has_vmflag(&s.regions[2], "nr"));
	assert_false(region_has_vmflag(&s.regions[2], "n"));
	assert_false(region_has_vmflag(&s.regions[0], "nr"));
	free(region_more(&s.regions[0])->vmflags);
	region_more_set(&s.regions[0])->vmflags = NULL;
	assert_false(region_max_prot(&s.regions[0], max));
	assert_string_equal(max, "???");
	snapshot_free(&s);

	/* without accounting: files COW, PROT_NONE NUL, other anonymous PRV, shared SHM */
	load_maps(&s, "1000-2000 r--p 00000000 08:01 7 /lib/x.so\n2000-3000 ---p 00000000 00:00 0\n"
		      "3000-4000 rw-p 00000000 00:00 0\n4000-5000 rw-s 00000000 08:01 9 /x\n");
	c = region_classify(&s);
	assert_int_equal(c[0].share, VMS_SM_COW);
	assert_int_equal(c[1].share, VMS_SM_NUL);
	assert_int_equal(c[2].share, VMS_SM_PRV);
	assert_int_equal(c[3].share, VMS_SM_SHM);
	free(c);
	snapshot_free(&s);
}

static uint64_t node_bytes(const struct vms_region *r, uint64_t node)
{
	uint64_t b = 0;

	for (uint32_t i = 0; i < region_more(r)->n_numa; i++)
		if (region_more(r)->numa[i].value == node)
			b += region_more(r)->numa[i].end - region_more(r)->numa[i].start;
	return b;
}

static void numa_maps_two_nodes(void **state)
{
	char *maps = slurp("numa2.maps"), *numa = slurp("numa2.numa_maps");
	struct vms_snapshot s;
	size_t bad = 0;

	load_maps(&s, maps);
	assert_int_equal(procfs_parse_numa_maps(numa, &s, &bad), 0);
	/* [heap]: 512 pages on node 0, 256 on node 1, the rest not resident */
	assert_false(region_more(&s.regions[2])->numa_exact);
	assert_int_equal(node_bytes(&s.regions[2], 0), 512 * 4096);
	assert_int_equal(node_bytes(&s.regions[2], 1), 256 * 4096);
	assert_int_equal(node_bytes(&s.regions[2], VMS_RUN_NONE), 0x400000 - 768 * 4096);
	assert_int_equal(node_bytes(&s.regions[3], 0), 4 << 20);
	assert_int_equal(node_bytes(&s.regions[3], 1), 4 << 20);
	assert_int_equal(region_more(&s.regions[3])->n_numa, 2);
	assert_int_equal(node_bytes(&s.regions[4], 1), 128 * 4096);
	/* a name with an escaped "N1=3" in it: only the trailing tokens count */
	assert_int_equal(node_bytes(&s.regions[5], 0), 0x4000);
	assert_int_equal(node_bytes(&s.regions[5], 1), 0);
	assert_int_equal(node_bytes(&s.regions[5], VMS_RUN_NONE), 0xc000);
	/* nothing resident */
	assert_int_equal(region_more(&s.regions[6])->n_numa, 1);
	assert_int_equal(node_bytes(&s.regions[6], VMS_RUN_NONE), 0x10000);
	/* hugetlb: pages of kernelpagesize_kB */
	assert_int_equal(node_bytes(&s.regions[7], 1), 4 << 20);
	{
		struct format_opts o;
		char *got;

		format_opts_init(&o);
		o.il_lgroup = true;
		set_proc(&s, 7, "./app", 0x7ffd00020000ull);
		got = capture(&format_illumos, &s, &o);
		/* the heap on both nodes: one row per node at the region's start, the rest '-' */
		assert_non_null(strstr(got, "0000000001000000    2048 rw---    0 [ heap ]\n"
					    "0000000001000000    1024 rw---    1 [ heap ]\n"
					    "0000000001000000    1024 rw---    - [ heap ]\n"));
		assert_non_null(strstr(got, "0000000000401000       8 r-x--    1 /opt/app/bin/app\n"));
		assert_non_null(strstr(got, "total Kb           "));
		free(got);
	}
	snapshot_free(&s);

	/* bad lines: a page count larger than the region, a node beyond any machine */
	load_maps(&s, maps);
	assert_int_equal(procfs_parse_numa_maps("00400000 default N0=2 kernelpagesize_kB=4\n", &s, &bad),
			 -EINVAL);
	assert_int_equal(bad, 1);
	assert_int_equal(procfs_parse_numa_maps("00400000 default N99999=1 kernelpagesize_kB=4\n", &s,
						&bad), -EINVAL);
	assert_int_equal(procfs_parse_numa_maps("zz default\n", &s, &bad), -EINVAL);
	/* a region gone since the maps: ignored */
	assert_int_equal(procfs_parse_numa_maps("00500000 default N0=1 kernelpagesize_kB=4\n", &s, &bad),
			 0);
	snapshot_free(&s);
	free(maps);
	free(numa);
}

/* The helper's snapshot: smaps, NUMA amounts, pid, startstack and threads (views.proc). */
static void load_views(struct vms_snapshot *s)
{
	char *smaps = slurp("views.smaps"), *numa = slurp("views.numa_maps"), *proc = slurp("views.proc");
	size_t bad = 0;

	load_smaps(s, smaps);
	assert_int_equal(procfs_parse_numa_maps(numa, s, &bad), 0);
	for (char *line = strtok(proc, "\n"); line; line = strtok(NULL, "\n")) {
		unsigned long long a, b;

		if (sscanf(line, "pid %llu", &a) == 1)
			set_proc(s, (pid_t)a, "/opt/t/views 2", 0);
		else if (sscanf(line, "startstack %llx", &a) == 1)
			s->proc.start_stack = a;
		else if (sscanf(line, "thread %llu %llx", &a, &b) == 2)
			snapshot_add_thread(s, (int)a)->sp = b;
	}
	s->proc.ppid = 1;
	free(smaps);
	free(numa);
	free(proc);
}

static void golden(const char *name, char *got)
{
	char path[512], *want = NULL;
	const char *dir = __FILE__, *slash = strrchr(dir, '/');
	const char *w = getenv("VMS_GOLDEN_WRITE");

	snprintf(path, sizeof(path), "%.*s/../fixtures/golden/%s", slash ? (int)(slash - dir) : 1,
		 slash ? dir : ".", name);
	if (w && !strcmp(w, "1")) {
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs(got, f);
		fclose(f);
	}
	assert_int_equal(read_file(path, &want, NULL), 0);
	expect_text(got, want);
	free(want);
}

static void golden_views(void **state)
{
	static const struct {
		const char *file;
		const struct vms_format *fmt;
		int mode; /* 1 -x */
		bool resident, pages, no_coalesce, interleaved, L, S, r, a;
	} views[] = {
		{ "vmmap.txt", &format_vmmap, 0 },
		{ "vmmap-resident-interleaved.txt", &format_vmmap, 0, true, false, false, true },
		{ "vmmap-nocoalesce-pages.txt", &format_vmmap, 0, false, true, true },
		{ "vmmap-summary.txt", &format_vmmap_summary, 0 },
		{ "types.txt", &format_types, 0 },
		{ "illumos.txt", &format_illumos, 0 },
		{ "illumos-x-L-S-a.txt", &format_illumos, 1, .L = true, .S = true, .a = true },
		{ "illumos-r.txt", &format_illumos, 0, .r = true },
	};
	struct vms_snapshot s;

	load_views(&s);
	for (size_t i = 0; i < ARRAY_SIZE(views); i++) {
		struct format_opts o;

		format_opts_init(&o);
		o.mode = views[i].mode ? PMAP_EXTENDED : PMAP_DEFAULT;
		o.vm_resident = views[i].resident;
		o.vm_pages = views[i].pages;
		o.vm_no_coalesce = views[i].no_coalesce;
		o.vm_interleaved = views[i].interleaved;
		o.il_lgroup = views[i].L;
		o.il_swap = views[i].S;
		o.il_reserved = views[i].r;
		o.il_shared_anon = views[i].a;
		golden(views[i].file, capture(views[i].fmt, &s, &o));
	}
	snapshot_free(&s);
}

static void syscall_and_stat(void **state)
{
	uint64_t v = 0;

	assert_int_equal(procfs_parse_syscall_sp("202 0x1 0x2 0x3 0x4 0x5 0x6 0x7ffd3485fee40 0x7f00\n",
						 &v), 0);
	assert_int_equal(v, 0x7ffd3485fee40ull);
	assert_int_equal(procfs_parse_syscall_sp("-1 0x7ffc000010 0x401000\n", &v), 0);
	assert_int_equal(v, 0x7ffc000010ull);
	assert_int_equal(procfs_parse_syscall_sp("running\n", &v), -ENODATA);
	assert_int_equal(procfs_parse_syscall_sp("1 2 3\n", &v), -EINVAL);
	assert_int_equal(procfs_parse_syscall_sp("", &v), -EINVAL);
	assert_int_equal(procfs_parse_stat_u64("5 (a) b) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 "
					       "18 19 20 21 22 23 24 25 26 27\n", 29, &v), 0);
	assert_int_equal(v, 26); /* field 4 holds 1 */
	assert_int_equal(procfs_parse_stat_u64("5 (a) S 1 2\n", 29, &v), -EINVAL);
}

static void runs_merge(void **state)
{
	struct vms_run *r = NULL;
	uint32_t n = 0;

	run_add(&r, &n, 0x1000, 0x2000, 0);
	run_add(&r, &n, 0x2000, 0x3000, 0);	/* merges */
	run_add(&r, &n, 0x3000, 0x4000, 1);
	run_add(&r, &n, 0x4000, 0x4000, 2);	/* empty: ignored */
	run_add(&r, &n, 0x5000, 0x6000, 1);	/* not touching: a new run */
	for (int i = 0; i < 40; i++)
		run_add(&r, &n, 0x10000 + i * 0x1000, 0x11000 + i * 0x1000, (uint64_t)i);
	assert_int_equal(n, 43);
	assert_int_equal(r[0].end, 0x3000);
	assert_int_equal(r[2].start, 0x5000);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(classify_every_type),
		cmocka_unit_test(thread_bounds),
		cmocka_unit_test(clone_sp_and_altstacks),
		cmocka_unit_test(share_modes_and_max),
		cmocka_unit_test(numa_maps_two_nodes),
		cmocka_unit_test(golden_views),
		cmocka_unit_test(syscall_and_stat),
		cmocka_unit_test(runs_merge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
