// SPDX-License-Identifier: BSD-2-Clause
/*
 * mremap_flip: moves one page back and forth between a low and a high address as fast as it
 * can, so that every consistent picture of its address space holds exactly one of the two. A
 * VMA walk that raced with a move and was not redone shows both or neither: the torn-walk
 * test of the lockless iterators (tests/bpf/bpf_iter.sh).
 *
 * Usage: mremap_flip [PAUSE_US [PAD]]: a pause after each move (default none), so that
 * a reader slower than one move can finish some reads; PAD one-page VMAs more (alternating
 * protections, between the two addresses), so that the model's readers take their path for big
 * processes. Prints "low ADDR high ADDR" and "ready", then flips until killed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int pause_us = argc > 1 ? atoi(argv[1]) : 0;
	long pad = argc > 2 ? atol(argv[2]) : 0;

	/* far apart: a walk from one to the other passes every mapping in between */
	char *low = (char *)0x100000000000UL, *high = (char *)0x7e0000000000UL;
	char *p = mmap(low, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p != low) {
		perror("mmap");
		return 1;
	}
	if (pad > 0) {
		char *q = mmap(NULL, (size_t)pad * 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (q == MAP_FAILED) {
			perror("mmap pad");
			return 1;
		}
		for (long i = 1; i < pad; i += 2)
			if (mprotect(q + i * 4096, 4096, PROT_READ)) {
				perror("mprotect pad");
				return 1;
			}
	}
	printf("low %lx high %lx\nready\n", (unsigned long)low, (unsigned long)high);
	fflush(stdout);
	/* a pause after each move: a process stopped at any moment is in either state about as
	 * often (after each pair only, the high one lasted a few microseconds) */
	for (;;) {
		if (mremap(low, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED, high) != high)
			return 1;
		if (pause_us)
			usleep((useconds_t)pause_us);
		if (mremap(high, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED, low) != low)
			return 1;
		if (pause_us)
			usleep((useconds_t)pause_us);
	}
}
