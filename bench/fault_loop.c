// SPDX-License-Identifier: BSD-2-Clause
/*
 * fault_loop: the fault-heavy workload of `make bench` (scenario 1, `start --faults` overhead).
 *
 * Usage: fault_loop MIB [ROUNDS]
 *
 * Maps MIB MiB of fresh anonymous memory (MADV_NOHUGEPAGE: one fault per 4 KiB page, no THP) and
 * writes one byte in each page, in order: MIB * 256 minor faults, each the first touch of a page;
 * then unmaps it. One untimed round first: in a VM, memory the guest has not used for a while
 * costs the host a fault of its own on first touch, which would swamp what is measured. Then
 * ROUNDS (default 3) timed rounds.
 *
 * Prints one line "ns TOTAL per_fault PER wall_ns WALL" on stdout: TOTAL is the touch loops' own
 * CPU time (CLOCK_THREAD_CPUTIME_ID: the faults are handled in the thread's own kernel time) over
 * the timed rounds, not the mmap, the munmap or the exec; WALL the same in CLOCK_MONOTONIC. CPU
 * time because the bench machines are small and shared: time spent waiting for a CPU taken by
 * someone else is not a cost of the tracer. Exit 2 on any failure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define PG 4096UL

static unsigned long long now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
}

static unsigned long long wall_total;

/* One round: map, touch every page, unmap. Returns the touch loop's CPU ns, or 0 on failure. */
static unsigned long long round_ns(size_t len)
{
	unsigned long long t0, t1, w0, w1;
	volatile char *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || madvise((void *)p, len, MADV_NOHUGEPAGE)) {
		fprintf(stderr, "fault_loop: %s\n", strerror(errno));
		return 0;
	}
	w0 = now_ns(CLOCK_MONOTONIC);
	t0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	for (size_t i = 0; i < len / PG; i++)
		p[i * PG] = 1;
	t1 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	w1 = now_ns(CLOCK_MONOTONIC);
	wall_total += w1 - w0;
	munmap((void *)p, len);
	return t1 - t0 ? t1 - t0 : 1;
}

int main(int argc, char **argv)
{
	long mib = argc > 1 ? atol(argv[1]) : 1024, rounds = argc > 2 ? atol(argv[2]) : 3;
	unsigned long long total = 0, ns;
	size_t len;

	if (mib <= 0 || mib > (1L << 20) || rounds <= 0 || rounds > 1000) {
		fprintf(stderr, "fault_loop: bad arguments (want MIB 1..1048576 [ROUNDS 1..1000])\n");
		return 2;
	}
	len = (size_t)mib << 20;
	if (!round_ns(len))
		return 2;
	wall_total = 0;
	for (long r = 0; r < rounds; r++) {
		ns = round_ns(len);
		if (!ns)
			return 2;
		total += ns;
	}
	printf("ns %llu per_fault %.1f wall_ns %llu\n", total, (double)total / (double)(rounds * (len / PG)),
	       wall_total);
	return 0;
}
