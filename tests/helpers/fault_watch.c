// SPDX-License-Identifier: BSD-2-Clause
/*
 * fault_watch: page faults for `vmscope watch --faults` (tests/bpf/watch_faults.sh).
 *
 * Usage: fault_watch
 * Maps PAGES fresh anonymous pages between two guard pages (MADV_NOHUGEPAGE: one minor fault per
 * page) and prints "region START END" (hex) and "ready". Then maps and unmaps a 3-page marker
 * every 10 ms until SIGUSR1 (so that the test knows watch is attached), writes one byte in every
 * page of the region, sleeps a second (watch's interval sees the faults), unmaps the region (its
 * unmap event carries the final counts) and exits 0.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#define PG 4096UL
enum { PAGES = 40 };

static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
	go = 1;
}

int main(void)
{
	char *g = mmap(NULL, (PAGES + 2) * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	volatile char *r = (volatile char *)(g + PG);

	if (g == MAP_FAILED || mprotect(g + PG, PAGES * PG, PROT_READ | PROT_WRITE) ||
	    madvise(g + PG, PAGES * PG, MADV_NOHUGEPAGE)) {
		perror("fault_watch: region");
		return 2;
	}
	signal(SIGUSR1, on_usr1);
	printf("region %lx %lx\nready\n", (unsigned long)r, (unsigned long)r + PAGES * PG);
	fflush(stdout);
	while (!go) {
		void *m = mmap(NULL, 3 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m == MAP_FAILED || munmap(m, 3 * PG))
			return 2;
		usleep(10000);
	}
	for (unsigned long i = 0; i < PAGES; i++)
		r[i * PG] = 1;
	sleep(1);
	if (munmap((void *)r, PAGES * PG))
		return 2;
	return 0;
}
