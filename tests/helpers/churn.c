// SPDX-License-Identifier: BSD-2-Clause
/* Starts N short-lived processes, a few at a time: most exit at once, every tenth execs
 * /bin/true first (a new mm), every seventh maps and unmaps something before exiting. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10000, failed = 0, running = 0;

	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			failed++;
			continue;
		}
		if (pid == 0) {
			if (i % 7 == 0) {
				void *p = mmap(NULL, 65536, PROT_READ | PROT_WRITE,
					       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

				if (p != MAP_FAILED) {
					mprotect(p, 4096, PROT_NONE);
					munmap(p, 65536);
				}
			}
			if (i % 10 == 0)
				execl("/bin/true", "true", (char *)NULL);
			_exit(0);
		}
		/* keep a few alive at once so exits interleave with forks */
		if (++running >= 4) {
			while (waitpid(-1, NULL, 0) > 0 && --running >= 2)
				;
		}
	}
	while (waitpid(-1, NULL, 0) > 0)
		;
	printf("churn %d processes, %d fork failures\n", n, failed);
	return failed != 0;
}
