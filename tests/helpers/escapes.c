// SPDX-License-Identifier: BSD-2-Clause
/*
 * escapes: a target process whose comm, command line and mapped file name hold terminal escapes
 * (ESC sequences, CSI as a C1 character and as a raw byte, BEL, newline, tab, DEL), for
 * tests/e2e/escapes.sh and tests/bpf/watch_escapes.sh: none may reach root's terminal raw.
 *
 * Usage: escapes DIR [loop] [-- ARGS...]
 *   DIR    where the file is created (the caller removes it); its name is printed as
 *          "file PATH" (with the escapes, raw) before "ready"
 *   loop   map and unmap the file every 20 ms (events for watch) instead of keeping it mapped
 *   ARGS   ignored: the test gives the process an odd command line
 * comm is set with PR_SET_NAME. SIGKILL when the parent dies. Failures exit 2.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#define COMM "e\x1b[2J\xc2\x9b\x9b\x07\x7f\nx"
#define NAME "f\x1b[31mR\x1b]0;T\x07\xc2\x9b" "1m\x9b" "2m\n\x7f\tz.dat"

static void die(const char *what)
{
	perror(what);
	exit(2);
}

int main(int argc, char **argv)
{
	char path[4096];
	bool loop = argc > 2 && !strcmp(argv[2], "loop");
	void *p;
	int fd;

	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: escapes DIR [loop] [-- ARGS...]\n");
		return 2;
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (prctl(PR_SET_NAME, (unsigned long)COMM, 0, 0, 0))
		die("PR_SET_NAME");
	snprintf(path, sizeof(path), "%s/%s", argv[1], NAME);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, 8192))
		die(path);
	p = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap");
	printf("file %s\nready\n", path);
	fflush(stdout);
	for (;;) {
		if (!loop) {
			pause();
			continue;
		}
		usleep(20000);
		munmap(p, 8192);
		p = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			die("mmap");
	}
}
