// SPDX-License-Identifier: BSD-2-Clause
/*
 * snap_change: a process whose address space changes on command, for the snapshot, diff and
 * strings tests (tests/e2e/snapshot.sh).
 *
 *   snap_change script   maps G (1 MiB), P (1 MiB), U (1 MiB), M (2 MiB) at fixed addresses with
 *                        gaps (no VMA merges), prints their addresses and "ready"; on SIGUSR1:
 *                        grows G to 3 MiB in place, mprotects P read-only, unmaps U, moves M
 *                        with mremap to a new address, maps N (4 MiB), mprotects the middle MiB
 *                        of S (3 MiB: a VMA split in three), then prints "changed".
 *   snap_change map10    prints "ready"; on SIGUSR1 maps and touches 10 MiB, prints "mapped".
 *   snap_change plant S  puts S in a malloc'd heap block, and S and S as UTF-16LE in an anonymous
 *                        mapping; prints "heap ADDR anon ADDR utf16 ADDR" and "ready".
 *   snap_change moves K  maps R (1 MiB) at BASE; prints "ready"; on each SIGUSR1 moves R K times
 *                        with mremap (MAYMOVE|FIXED), move i to BASE + i * 64 MiB at 3 MiB (i
 *                        odd) or 2 MiB (i even), then prints "moved ADDR SIZE" (where R is now).
 *   snap_change churn N  N children, each moves a region by mremap and exits (every third
 *                        execs /bin/true after the move); prints "done FAILED" (tests/bpf/diff_events.sh)
 * Then waits until killed.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define MB (1UL << 20)
#define BASE 0x200000000000UL

static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

static char *map_at(unsigned long addr, size_t len, int prot)
{
	char *p = mmap((void *)addr, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		       -1, 0);

	if (p != (char *)addr) {
		perror("mmap");
		exit(1);
	}
	if (prot & PROT_WRITE)
		memset(p, 0x5a, len); /* resident and dirty */
	return p;
}

static void wait_usr1(void)
{
	sigset_t none;

	sigemptyset(&none);
	while (!go)
		sigsuspend(&none);
	go = 0;
}

int main(int argc, char **argv)
{
	sigset_t block;

	signal(SIGUSR1, on_usr1);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, NULL); /* only sigsuspend takes it: no lost signal */
	if (argc > 1 && !strcmp(argv[1], "script")) {
		char *g = map_at(BASE, MB, PROT_READ | PROT_WRITE);
		char *p = map_at(BASE + 16 * MB, MB, PROT_READ | PROT_WRITE);
		char *u = map_at(BASE + 32 * MB, MB, PROT_READ | PROT_WRITE);
		char *m = map_at(BASE + 48 * MB, 2 * MB, PROT_READ | PROT_WRITE);
		char *to = (char *)(BASE + 96 * MB);
		char *sp = map_at(BASE + 160 * MB, 3 * MB, PROT_READ | PROT_WRITE);

		printf("grow %lx prot %lx unmap %lx move %lx to %lx new %lx split %lx\nready\n",
		       (unsigned long)g, (unsigned long)p, (unsigned long)u, (unsigned long)m,
		       (unsigned long)to, BASE + 128 * MB, (unsigned long)sp);
		fflush(stdout);
		wait_usr1();
		if (mremap(g, MB, 3 * MB, 0) != g || mprotect(p, MB, PROT_READ) ||
		    munmap(u, MB) || mremap(m, 2 * MB, 2 * MB, MREMAP_MAYMOVE | MREMAP_FIXED, to) != to) {
			perror("change");
			return 1;
		}
		memset(g + MB, 0x5a, 2 * MB);
		map_at(BASE + 128 * MB, 4 * MB, PROT_READ | PROT_WRITE);
		if (mprotect(sp + MB, MB, PROT_READ)) {
			perror("mprotect");
			return 1;
		}
		printf("changed\n");
		fflush(stdout);
	} else if (argc > 1 && !strcmp(argv[1], "map10")) {
		printf("ready\n");
		fflush(stdout);
		wait_usr1();
		map_at(BASE, 10 * MB, PROT_READ | PROT_WRITE);
		printf("mapped\n");
		fflush(stdout);
	} else if (argc > 2 && !strcmp(argv[1], "plant")) {
		size_t n = strlen(argv[2]);
		char *h = malloc(n + 64), *a = map_at(BASE, MB, PROT_READ | PROT_WRITE);
		char *w = a + 8192;

		memset(a, 0, MB);
		memset(h, 0, n + 64);
		memcpy(h + 8, argv[2], n);
		memcpy(a + 4096 + 3, argv[2], n);
		for (size_t i = 0; i < n; i++)
			w[2 * i] = argv[2][i]; /* UTF-16LE: each ASCII character, then 0 */
		/* the argument itself is wiped: the copies are the only ones */
		memset(argv[2], '.', n);
		printf("heap %lx anon %lx utf16 %lx\nready\n", (unsigned long)(h + 8),
		       (unsigned long)(a + 4096 + 3), (unsigned long)w);
		fflush(stdout);
	} else if (argc > 2 && !strcmp(argv[1], "moves")) {
		int k = atoi(argv[2]);
		char *r = map_at(BASE, MB, PROT_READ | PROT_WRITE);
		size_t len = MB;

		printf("ready\n");
		fflush(stdout);
		for (unsigned long i = 1;; ) {
			wait_usr1();
			for (int j = 0; j < k; j++, i++) {
				size_t nlen = (i % 2 ? 3 : 2) * MB;
				char *to = (char *)(BASE + i * 64 * MB);

				if (mremap(r, len, nlen, MREMAP_MAYMOVE | MREMAP_FIXED, to) != to) {
					perror("mremap");
					return 1;
				}
				r = to;
				len = nlen;
			}
			memset(r, 0x5a, len);
			printf("moved %lx %zu\n", (unsigned long)r, len);
			fflush(stdout);
		}
	} else if (argc > 2 && !strcmp(argv[1], "churn")) {
		int n = atoi(argv[2]), failed = 0;

		for (int i = 0; i < n; i++) {
			pid_t pid = fork();
			int st;

			if (pid == 0) {
				char *p = mmap(NULL, 2 * MB, PROT_READ | PROT_WRITE,
					       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

				if (p == MAP_FAILED || mremap(p, MB, MB, MREMAP_MAYMOVE | MREMAP_FIXED,
							      p + MB) != p + MB)
					_exit(1);
				if (i % 3 == 0)
					execl("/bin/true", "true", (char *)NULL);
				_exit(0);
			}
			if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
				failed++;
		}
		printf("done %d\n", failed);
		return 0;
	} else {
		fprintf(stderr, "usage: snap_change script|map10|plant STRING|moves K|churn N\n");
		return 2;
	}
	for (;;)
		pause();
}
