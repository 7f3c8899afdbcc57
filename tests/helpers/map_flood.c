// SPDX-License-Identifier: BSD-2-Clause
/*
 * map_flood: maps and unmaps one anonymous page as fast as it can, for the loss test of
 * tests/bpf/watch.sh and the event-rate row of make bench.
 *
 * Usage: map_flood ITERATIONS
 * Prints "ready", then maps and unmaps a 3-page marker every 10 ms until SIGUSR1 (so a watcher
 * can see it is attached), then ITERATIONS mmap+munmap pairs (2 events each). Prints
 * "done NS" (the flood's own time) and exits 0; exit 2 on any failure.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
	go = 1;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 0;
	struct timespec t0, t1;

	if (n <= 0) {
		fprintf(stderr, "usage: map_flood ITERATIONS\n");
		return 2;
	}
	signal(SIGUSR1, on_usr1);
	printf("ready\n");
	fflush(stdout);
	while (!go) {
		void *m = mmap(NULL, 3 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m == MAP_FAILED || munmap(m, 3 * 4096))
			return 2;
		usleep(10000);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m == MAP_FAILED || munmap(m, 4096))
			return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("done %lld\n", (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL +
				      (t1.tv_nsec - t0.tv_nsec));
	return 0;
}
