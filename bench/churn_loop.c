// SPDX-License-Identifier: BSD-2-Clause
/*
 * churn_loop: the VMA-churn workload of `make bench` (scenario 1, tracing overhead).
 *
 * Usage: churn_loop ITERATIONS
 *
 * Each iteration: mmap 8 KiB anonymous rw-, write one byte in each of its 2 pages (2 page faults),
 * mprotect the first page read-only (splits the VMA in two), munmap the 8 KiB. That is 3
 * VMA-changing syscalls per iteration, the worst case for a tracer that works per syscall.
 *
 * Prints one line "ns TOTAL per_iter PER" on stdout: the loop's own CLOCK_MONOTONIC time, so the
 * exec and the start-up of a tracer (strace's attach) are not counted. Exit 2 on any failure.
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
	char *end;
	long n;
	unsigned long long t0, t1;

	if (argc != 2 || (n = strtol(argv[1], &end, 10)) <= 0 || *end) {
		fprintf(stderr, "usage: churn_loop ITERATIONS\n");
		return 2;
	}
	t0 = now_ns();
	for (long i = 0; i < n; i++) {
		volatile char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			fprintf(stderr, "churn_loop: mmap: %s\n", strerror(errno));
			return 2;
		}
		p[0] = 1;
		p[PG] = 2;
		if (mprotect((void *)p, PG, PROT_READ)) {
			fprintf(stderr, "churn_loop: mprotect: %s\n", strerror(errno));
			return 2;
		}
		if (munmap((void *)p, 2 * PG)) {
			fprintf(stderr, "churn_loop: munmap: %s\n", strerror(errno));
			return 2;
		}
	}
	t1 = now_ns();
	printf("ns %llu per_iter %.1f\n", t1 - t0, (double)(t1 - t0) / (double)n);
	return 0;
}
