// SPDX-License-Identifier: BSD-2-Clause
/*
 * What the seed tools' views need beyond the maps, read only when a view asks: the threads and
 * their stack pointers (stacks labelled by tid), NUMA placement (numa_maps, move_pages) and page
 * sizes (PAGEMAP_SCAN, smaps as the fallback).
 */
#include "proc/procfs.h"

#include <ctype.h>
#include <signal.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/classify.h"
#include "core/util.h"

/* linux/fs.h of 6.7+; Debian 12's linux-libc-dev is 6.1. */
#ifndef PAGEMAP_SCAN
struct page_region {
	uint64_t start, end, categories;
};
struct pm_scan_arg {
	uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages, category_inverted,
		category_mask, category_anyof_mask, return_mask;
};
#define PAGEMAP_SCAN _IOWR('f', 16, struct pm_scan_arg)
#define PAGE_IS_PRESENT (1 << 3)
#define PAGE_IS_HUGE (1 << 6)
#endif

#define MAX_NODE 4095	/* above any MAX_NUMNODES */

/* ---- parsers ---------------------------------------------------------------------------------- */

int procfs_parse_stat_u64(const char *text, int field, uint64_t *out)
{
	const char *q = strrchr(text, ')');
	char *end;

	if (!q || field < 3)
		return -EINVAL;
	q++;
	for (int i = 3; i <= field; i++) {
		while (*q == ' ')
			q++;
		if (!*q || *q == '\n')
			return -EINVAL;
		if (i == field) {
			errno = 0;
			*out = strtoull(q, &end, 10);
			return end == q || errno || *q == '-' ? -EINVAL : 0;
		}
		q += strcspn(q, " \n");
	}
	return -EINVAL;
}

int procfs_parse_syscall_sp(const char *text, uint64_t *sp)
{
	char tok[9][24];
	int n = 0;
	const char *p = text;

	while (n < 9) {
		size_t len;

		p += strspn(p, " \n");
		len = strcspn(p, " \n");
		if (!len)
			break;
		if (len >= sizeof(tok[0]))
			return -EINVAL;
		memcpy(tok[n], p, len);
		tok[n++][len] = '\0';
		p += len;
	}
	if (n == 1 && !strcmp(tok[0], "running"))
		return -ENODATA;
	/* "-1 SP PC" (blocked outside a syscall) or "NR A1..A6 SP PC" */
	if ((n != 3 && n != 9) || strncmp(tok[n - 2], "0x", 2) ||
	    parse_u64(tok[n - 2] + 2, 16, sp))
		return -EINVAL;
	return *sp ? 0 : -ENODATA;
}

/* Index of the region starting at addr, or -1. */
static long region_at(const struct vms_snapshot *s, uint64_t addr)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->regions[mid].start < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n && s->regions[lo].start == addr ? (long)lo : -1;
}

struct node_pages {
	uint64_t node, pages;
};

static int cmp_node(const void *a, const void *b)
{
	uint64_t x = ((const struct node_pages *)a)->node, y = ((const struct node_pages *)b)->node;

	return (x > y) - (x < y);
}

/* One numa_maps line. The N<node>= tokens and kernelpagesize_kB= end the line, after a file=
 * name that may hold spaces: they are read from the end. */
static int numa_line(struct vms_snapshot *s, const char *line, size_t len)
{
	struct vms_region_more *x;
	struct node_pages np[64];
	size_t n = 0, i;
	uint64_t addr, kps = 4, total = 0;
	const char *end = line + len, *sp = memchr(line, ' ', len);
	char num[24];
	struct vms_region *r;
	long idx;

	if (!sp || (size_t)(sp - line) >= sizeof(num))
		return -EINVAL;
	memcpy(num, line, (size_t)(sp - line));
	num[sp - line] = '\0';
	if (parse_u64(num, 16, &addr))
		return -EINVAL;
	while (end > sp) {
		const char *t = end;
		char tok[48];
		size_t tl;
		uint64_t a, b;
		char *eq;

		while (t > sp && t[-1] != ' ')
			t--;
		tl = (size_t)(end - t);
		if (!tl || tl >= sizeof(tok))
			break;
		memcpy(tok, t, tl);
		tok[tl] = '\0';
		eq = strchr(tok, '=');
		if (!eq)
			break;
		*eq = '\0';
		if (!strcmp(tok, "kernelpagesize_kB")) {
			if (parse_u64(eq + 1, 10, &kps) || !kps || kps > (1u << 30))
				return -EINVAL;
		} else if (tok[0] == 'N' && isdigit((unsigned char)tok[1]) && !parse_u64(tok + 1, 10, &a) &&
			   !parse_u64(eq + 1, 10, &b)) {
			if (a > MAX_NODE || n == ARRAY_SIZE(np))
				return -EINVAL;
			np[n++] = (struct node_pages){ a, b };
		} else {
			break;
		}
		end = t > sp ? t - 1 : t;
	}
	idx = region_at(s, addr);
	if (idx < 0)
		return 0; /* a region gone since the maps were read */
	r = &s->regions[idx];
	qsort(np, n, sizeof(*np), cmp_node);
	x = region_more_set(r);
	free(x->numa);
	x->numa = NULL;
	x->n_numa = 0;
	x->numa_exact = false;
	for (i = 0; i < n; i++) {
		uint64_t bytes = np[i].pages * kps * 1024;

		if (np[i].pages > region_size(r) / 1024 / kps || total + bytes > region_size(r))
			return -EINVAL;
		if (!bytes)
			continue;
		total += bytes;
		if (x->n_numa && x->numa[x->n_numa - 1].value == np[i].node) /* a node given twice */
			x->numa[x->n_numa - 1].end += bytes;
		else
			run_add(&x->numa, &x->n_numa, r->start, r->start + bytes, np[i].node);
	}
	if (total < region_size(r))
		run_add(&x->numa, &x->n_numa, r->start, r->start + region_size(r) - total,
			VMS_RUN_NONE);
	return 0;
}

int procfs_parse_numa_maps(const char *text, struct vms_snapshot *s, size_t *bad_line)
{
	size_t lineno = 0;

	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");

		lineno++;
		if (len && numa_line(s, p, len)) {
			if (bad_line)
				*bad_line = lineno;
			return -EINVAL;
		}
		p += len;
		if (*p == '\n')
			p++;
	}
	return 0;
}

/* ---- readers ---------------------------------------------------------------------------------- */

static int cmp_thread(const void *a, const void *b)
{
	int x = ((const struct vms_thread *)a)->tid, y = ((const struct vms_thread *)b)->tid;

	return (x > y) - (x < y);
}

/* kstkesp (stat field 29) is 0 unless the thread is dumping core on current kernels; a thread
 * blocked in the kernel shows its user sp in `syscall` (that file needs ptrace access). The
 * start time (field 22) tells the live model's record of the tid from a former thread's. */
static void thread_sp(int pid, struct vms_thread *t)
{
	char path[64], *buf;
	uint64_t sp = 0;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, t->tid);
	if (!read_file(path, &buf, NULL)) {
		if (procfs_parse_stat_u64(buf, 29, &sp))
			sp = 0;
		if (procfs_parse_stat_u64(buf, 22, &t->start_time))
			t->start_time = 0;
		free(buf);
	}
	if (!sp) {
		snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", pid, t->tid);
		if (!read_file(path, &buf, NULL)) {
			if (procfs_parse_syscall_sp(buf, &sp))
				sp = 0;
			free(buf);
		}
	}
	t->sp = sp;
}

int procfs_read_threads(pid_t pid, struct vms_snapshot *s)
{
	char path[64];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? -ESRCH : -errno;
	while ((e = readdir(d))) {
		uint64_t tid;

		if (parse_u64(e->d_name, 10, &tid) || !tid || tid > 0x7fffffff)
			continue;
		thread_sp((int)pid, snapshot_add_thread(s, (int)tid));
	}
	closedir(d);
	if (s->n_threads)
		qsort(s->threads, s->n_threads, sizeof(*s->threads), cmp_thread);
	/* the main thread (tid = pid) first */
	for (size_t i = 0; i < s->n_threads; i++) {
		if (s->threads[i].tid == pid) {
			struct vms_thread m = s->threads[i];

			memmove(&s->threads[1], &s->threads[0], i * sizeof(m));
			s->threads[0] = m;
			break;
		}
	}
	return 0;
}

/* Whether the NUMA placement of a region must be asked page by page: its pages sit on several
 * nodes (numa_maps has only counts), or VMSCOPE_NUMA_PER_PAGE=1 asks for every region. */
static bool numa_needs_pages(const struct vms_region *r, bool always)
{
	const struct vms_region_more *x = region_more(r);
	uint32_t nodes = 0;

	for (uint32_t i = 0; i < x->n_numa; i++)
		nodes += x->numa[i].value != VMS_RUN_NONE;
	return nodes > 1 || (always && nodes);
}

/* move_pages(pid, n, pages, NULL, status, 0): the node of each page, or -errno for a page not
 * resident. Replaces r->numa by exact runs; leaves it alone when the kernel refuses. */
static void numa_per_page(pid_t pid, struct vms_region *r, uint64_t page)
{
	struct vms_region_more *x;
	enum { BATCH = 1024 };
	void *pages[BATCH];
	int status[BATCH];
	struct vms_run *runs = NULL;
	uint32_t n = 0;

	for (uint64_t a = r->start; a < r->end;) {
		size_t k = 0;

		for (; k < BATCH && a + k * page < r->end; k++)
			pages[k] = (void *)(uintptr_t)(a + k * page);
		if (syscall(SYS_move_pages, (int)pid, (unsigned long)k, pages, NULL, status, 0)) {
			vms_debug("PID %d: move_pages: %s; NUMA nodes by count only", (int)pid,
				  strerror(errno));
			free(runs);
			return;
		}
		for (size_t i = 0; i < k; i++)
			run_add(&runs, &n, a + i * page, a + (i + 1) * page,
				status[i] >= 0 ? (uint64_t)status[i] : VMS_RUN_NONE);
		a += k * page;
	}
	x = region_more_set(r);
	free(x->numa);
	x->numa = runs;
	x->n_numa = n;
	x->numa_exact = true;
}

static uint64_t acct_by_name(const struct vms_snapshot *s, const struct vms_region *r,
			     const char *key)
{
	for (size_t i = 0; i < s->n_keys; i++)
		if (r->acct && !strcmp(s->acct_keys[i], key))
			return r->acct[i];
	return 0;
}

static uint64_t kernel_page_kb(const struct vms_snapshot *s, const struct vms_region *r)
{
	uint64_t k = acct_by_name(s, r, "KernelPageSize");

	return k ? k : (uint64_t)sysconf(_SC_PAGESIZE) / 1024;
}

int procfs_read_numa(pid_t pid, struct vms_snapshot *s)
{
	char path[64], *buf;
	const char *env = getenv("VMSCOPE_NUMA_PER_PAGE");
	bool always = env && !strcmp(env, "1");
	size_t bad = 0;
	int err;

	snprintf(path, sizeof(path), "/proc/%d/numa_maps", (int)pid);
	err = read_file(path, &buf, NULL);
	if (err == -ENOENT && !kill(pid, 0)) {
		vms_err("PID %d: no numa_maps (a kernel without NUMA): every node shown as -", (int)pid);
		return 0;
	}
	if (err)
		return err;
	err = procfs_parse_numa_maps(buf, s, &bad);
	free(buf);
	if (err) {
		vms_debug("%s: cannot parse line %zu", path, bad);
		return err;
	}
	for (size_t i = 0; i < s->n; i++)
		if (numa_needs_pages(&s->regions[i], always))
			numa_per_page(pid, &s->regions[i], kernel_page_kb(s, &s->regions[i]) * 1024);
	return 0;
}

/* smaps amounts (no addresses): base pages, PMD-mapped THP, hugetlb pages, the rest. */
static void psize_from_smaps(const struct vms_snapshot *s, struct vms_region *r, uint64_t thp_kb)
{
	struct vms_region_more *x;
	uint64_t kps = kernel_page_kb(s, r), size_kb = region_size(r) / 1024, used = 0;
	uint64_t huge = acct_by_name(s, r, "AnonHugePages") + acct_by_name(s, r, "ShmemPmdMapped") +
			acct_by_name(s, r, "FilePmdMapped");
	uint64_t hugetlb = acct_by_name(s, r, "Shared_Hugetlb") + acct_by_name(s, r, "Private_Hugetlb");
	uint64_t rss = region_acct(s, r, ACCT_RSS);
	uint64_t parts[3][2] = { { rss > huge ? rss - huge : 0, kps }, { huge, thp_kb }, { hugetlb, kps } };

	x = region_more_set(r);
	free(x->psize);
	x->psize = NULL;
	x->n_psize = 0;
	x->psize_exact = false;
	for (int i = 0; i < 3; i++) {
		uint64_t kb = parts[i][0] > size_kb - used ? size_kb - used : parts[i][0];

		if (!kb)
			continue;
		run_add(&x->psize, &x->n_psize, r->start, r->start + kb * 1024, parts[i][1]);
		used += kb;
	}
	if (used < size_kb)
		run_add(&x->psize, &x->n_psize, r->start, r->start + (size_kb - used) * 1024,
			VMS_RUN_NONE);
}

/* PAGEMAP_SCAN (6.7+) over one region: exact runs. 0, or -errno (-ENOTTY: no PAGEMAP_SCAN). */
static int psize_scan(int fd, const struct vms_snapshot *s, struct vms_region *r, uint64_t thp_kb)
{
	struct vms_region_more *x;
	struct page_region vec[256];
	struct pm_scan_arg arg;
	uint64_t kps = kernel_page_kb(s, r), at = r->start;
	bool hugetlb = region_has_vmflag(r, "ht");
	struct vms_run *runs = NULL;
	uint32_t n = 0;

	while (at < r->end) {
		long got;

		memset(&arg, 0, sizeof(arg));
		arg.size = sizeof(arg);
		arg.start = at;
		arg.end = r->end;
		arg.vec = (uint64_t)(uintptr_t)vec;
		arg.vec_len = ARRAY_SIZE(vec);
		arg.category_anyof_mask = PAGE_IS_PRESENT;
		arg.return_mask = PAGE_IS_PRESENT | PAGE_IS_HUGE;
		got = ioctl(fd, PAGEMAP_SCAN, &arg);
		if (got < 0) {
			free(runs);
			return -errno;
		}
		for (long i = 0; i < got; i++) {
			run_add(&runs, &n, at, vec[i].start, VMS_RUN_NONE);
			run_add(&runs, &n, vec[i].start, vec[i].end,
				vec[i].categories & PAGE_IS_HUGE ? (hugetlb ? kps : thp_kb) : kps);
			at = vec[i].end;
		}
		/* walk_end: how far the walk went (short of the end when vec filled up); what it
		 * passed without a run is not resident */
		if (arg.walk_end >= r->end)
			break;
		if (arg.walk_end > at) {
			run_add(&runs, &n, at, arg.walk_end, VMS_RUN_NONE);
			at = arg.walk_end;
		} else if (got == 0) {
			break; /* no progress: never loop */
		}
	}
	run_add(&runs, &n, at, r->end, VMS_RUN_NONE);
	x = region_more_set(r);
	free(x->psize);
	x->psize = runs;
	x->n_psize = n;
	x->psize_exact = true;
	return 0;
}

static uint64_t thp_pmd_kb(void)
{
	char *buf;
	uint64_t v = 0;

	if (!read_file("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", &buf, NULL)) {
		buf[strcspn(buf, "\n")] = '\0';
		if (parse_u64(buf, 10, &v))
			v = 0;
		free(buf);
	}
	return v ? v / 1024 : 2048;
}

int procfs_read_pagesizes(pid_t pid, struct vms_snapshot *s)
{
	char path[64];
	uint64_t thp_kb = thp_pmd_kb();
	int fd, err = -ENOTTY;

	const char *env = getenv("VMSCOPE_PAGESIZES");

	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	/* VMSCOPE_PAGESIZES=smaps: the fallback of kernels before 6.7, for the tests */
	fd = env && !strcmp(env, "smaps") ? -1 : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		vms_debug("%s: %s; page sizes from smaps", path, env ? "VMSCOPE_PAGESIZES" : strerror(errno));
	for (size_t i = 0; i < s->n; i++) {
		struct vms_region *r = &s->regions[i];

		if (fd >= 0) {
			err = psize_scan(fd, s, r, thp_kb);
			if (err == -ENOTTY || err == -EINVAL) {
				vms_debug("PAGEMAP_SCAN: %s; page sizes from smaps", strerror(-err));
				close(fd);
				fd = -1;
			}
		}
		/* EFAULT: [vsyscall], above the task's address space */
		if (fd < 0 || (err && err != -EFAULT))
			psize_from_smaps(s, r, thp_kb);
	}
	if (fd >= 0)
		close(fd);
	return 0;
}
