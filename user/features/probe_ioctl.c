// SPDX-License-Identifier: BSD-2-Clause
/* Probes for the procfs ioctls the model's user-space resync can use: PROCMAP_QUERY on
 * /proc/PID/maps (6.11+) and PAGEMAP_SCAN on /proc/PID/pagemap (6.7+). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/fs.h>

#include "features/probe.h"

/* linux-libc-dev may predate these; layouts copied from include/uapi/linux/fs.h. */
#ifndef PROCMAP_QUERY
enum procmap_query_flags {
	PROCMAP_QUERY_VMA_READABLE = 0x01,
	PROCMAP_QUERY_VMA_WRITABLE = 0x02,
	PROCMAP_QUERY_VMA_EXECUTABLE = 0x04,
	PROCMAP_QUERY_VMA_SHARED = 0x08,
	PROCMAP_QUERY_COVERING_OR_NEXT_VMA = 0x10,
	PROCMAP_QUERY_FILE_BACKED_VMA = 0x20,
};

struct procmap_query {
	__u64 size;
	__u64 query_flags;
	__u64 query_addr;
	__u64 vma_start;
	__u64 vma_end;
	__u64 vma_flags;
	__u64 vma_page_size;
	__u64 vma_offset;
	__u64 inode;
	__u32 dev_major;
	__u32 dev_minor;
	__u32 vma_name_size;
	__u32 build_id_size;
	__u64 vma_name_addr;
	__u64 build_id_addr;
};

#define PROCMAP_QUERY _IOWR('f', 17, struct procmap_query)
#endif

#ifndef PAGEMAP_SCAN
#define PAGE_IS_PRESENT (1 << 3)

struct page_region {
	__u64 start;
	__u64 end;
	__u64 categories;
};

struct pm_scan_arg {
	__u64 size;
	__u64 flags;
	__u64 start;
	__u64 end;
	__u64 walk_end;
	__u64 vec;
	__u64 vec_len;
	__u64 max_pages;
	__u64 category_inverted;
	__u64 category_mask;
	__u64 category_anyof_mask;
	__u64 return_mask;
};

#define PAGEMAP_SCAN _IOWR('f', 16, struct pm_scan_arg)
#endif

static const char *ioctl_err(int err)
{
	/* What an older kernel answers to an ioctl it does not know. */
	return err == ENOTTY ? "ioctl not supported (ENOTTY)" : err_name(err);
}

void probe_procmap_query(struct vms_feature *f)
{
	char name[256];
	struct procmap_query q = {
		.size = sizeof(q),
		.query_flags = PROCMAP_QUERY_VMA_EXECUTABLE,
		/* Our own code: an executable VMA backed by the vmscope binary. */
		.query_addr = (uint64_t)(uintptr_t)&probe_procmap_query,
		.vma_name_size = sizeof(name),
		.vma_name_addr = (uint64_t)(uintptr_t)name,
	};
	struct stat exe;
	int fd;

	fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		feat_set(f, false, "%s opening /proc/self/maps", err_name(errno));
		return;
	}
	if (ioctl(fd, PROCMAP_QUERY, &q)) {
		feat_set(f, false, "%s", ioctl_err(errno));
		goto cleanup;
	}
	if (stat("/proc/self/exe", &exe))
		exe.st_ino = 0;
	if (q.vma_start <= q.query_addr && q.query_addr < q.vma_end &&
	    (q.vma_flags & PROCMAP_QUERY_VMA_EXECUTABLE) && q.vma_name_size > 1 &&
	    (!exe.st_ino || q.inode == exe.st_ino))
		feat_set(f, true, "found our code VMA (%s)", name);
	else
		feat_set(f, false, "answer does not match our code VMA");
cleanup:
	close(fd);
}

void probe_pagemap_scan(struct vms_feature *f)
{
	enum { PAGES = 16, TOUCHED = 4 };
	long page = sysconf(_SC_PAGESIZE);
	struct page_region vec[PAGES];
	struct pm_scan_arg arg = {
		.size = sizeof(arg),
		.vec = (uint64_t)(uintptr_t)vec,
		.vec_len = PAGES,
		.category_mask = PAGE_IS_PRESENT,
		.return_mask = PAGE_IS_PRESENT,
	};
	uint64_t base;
	char *mem;
	int fd, n;

	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		feat_set(f, false, "%s opening /proc/self/pagemap", err_name(errno));
		return;
	}
	mem = mmap(NULL, PAGES * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		feat_set(f, false, "%s mapping test pages", err_name(errno));
		goto cleanup;
	}
	/* No (m)THP, so only the touched pages become present. */
	madvise(mem, PAGES * page, MADV_NOHUGEPAGE);
	for (int i = 0; i < TOUCHED; i++)
		mem[i * page] = 1;
	base = (uint64_t)(uintptr_t)mem;
	arg.start = base;
	arg.end = base + PAGES * page;
	n = ioctl(fd, PAGEMAP_SCAN, &arg);
	if (n < 0)
		feat_set(f, false, "%s", ioctl_err(errno));
	else if (n >= 1 && vec[0].start == base && vec[0].end >= base + TOUCHED * page &&
		 vec[n - 1].end <= arg.end && (vec[0].categories & PAGE_IS_PRESENT))
		feat_set(f, true, "found the %d pages we touched of %d fresh ones", TOUCHED, PAGES);
	else
		feat_set(f, false, "answer does not match the pages we touched");
	munmap(mem, PAGES * page);
cleanup:
	close(fd);
}
