// SPDX-License-Identifier: BSD-2-Clause
/*
 * fault_loop: the fault-heavy workload of `make bench` (scenario 1, `start --faults` overhead).
 *
 * Usage: fault_loop MIB
 *
 * Maps MIB MiB of fresh anonymous memory (MADV_NOHUGEPAGE: one fault per 4 KiB page, no THP) and
 * writes one byte in each page, in order: MIB * 256 minor faults, each the first touch of a page.
 *
 * Prints one line "ns TOTAL per_fault PER" on stdout: the touch loop's own CLOCK_MONOTONIC time
 * (not the mmap, the munmap or the exec). Exit 2 on any failure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define PG 4096UL

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long mib = argc > 1 ? atol(argv[1]) : 1024;
	size_t len, pages;
	unsigned long long t0, t1;
	volatile char *p;

	if (mib <= 0 || mib > (1L << 20)) {
		fprintf(stderr, "fault_loop: bad size '%s' (MiB, 1..1048576)\n", argc > 1 ? argv[1] : "");
		return 2;
	}
	len = (size_t)mib << 20;
	pages = len / PG;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || madvise((void *)p, len, MADV_NOHUGEPAGE)) {
		fprintf(stderr, "fault_loop: %s\n", strerror(errno));
		return 2;
	}
	t0 = now_ns();
	for (size_t i = 0; i < pages; i++)
		p[i * PG] = 1;
	t1 = now_ns();
	munmap((void *)p, len);
	printf("ns %llu per_fault %.1f\n", t1 - t0, (double)(t1 - t0) / (double)pages);
	return 0;
}
