// SPDX-License-Identifier: BSD-2-Clause
/*
 * fault_touch: touches known pages for tests/bpf/faults.sh, then stops (SIGSTOP) between phases
 * so that the test can read `vmscope map --faults` of a quiet process.
 *
 * Usage: fault_touch DIR      (DIR: where the file for major faults goes, on a disk filesystem)
 *
 * Phase 1: anon_a (A_PAGES fresh pages) and anon_b (B_PAGES) written once per page, with
 *   MADV_NOHUGEPAGE (one minor fault per page, no THP); a file of F_PAGES written, fsync'ed, its
 *   page cache dropped (POSIX_FADV_DONTNEED), mapped and read once per page (major faults);
 *   cow (C_PAGES) written, then a fork whose child writes every page of it again (copy-on-write
 *   faults in the child) and stops itself. Lines: "NAME START END PAGES" (hex, hex, decimal),
 *   "file_resident N" (pages in the cache before the reads), "child PID", then "ready".
 * Phase 2 (after SIGCONT): mprotect of anon_a's upper half (splits it); anon_b moved by mremap
 *   (MREMAP_FIXED onto D_PAGES touched pages it replaces); a fresh MAP_FIXED mapping over cow
 *   (in the parent). Lines "moved START END", "phase2".
 * Phase 3: munmap of anon_a. Line "phase3". Then it exits at the next SIGCONT.
 * Every region sits between PROT_NONE guard pages, so none merges with a neighbour.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096UL
enum { A_PAGES = 100, B_PAGES = 37, F_PAGES = 64, C_PAGES = 23, D_PAGES = 5 };

static void die(const char *what)
{
	perror(what);
	exit(2);
}

/* pages fresh anonymous pages between two guard pages */
static char *guarded(size_t pages)
{
	char *p = mmap(NULL, (pages + 2) * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	if (mprotect(p + PG, pages * PG, PROT_READ | PROT_WRITE) ||
	    madvise(p + PG, pages * PG, MADV_NOHUGEPAGE))
		die("mprotect");
	return p + PG;
}

static void touch(char *p, size_t pages)
{
	for (size_t i = 0; i < pages; i++)
		((volatile char *)p)[i * PG] = 1;
}

static void show(const char *name, char *p, size_t pages)
{
	printf("%s %lx %lx %zu\n", name, (unsigned long)p, (unsigned long)(p + pages * PG), pages);
}

static char *file_pages(const char *dir)
{
	char path[4096], buf[PG], *p, vec[F_PAGES];
	int fd, resident = 0;
	long sum = 0;

	snprintf(path, sizeof(path), "%s/vmscope-fault-touch.XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0)
		die("mkstemp");
	unlink(path);
	memset(buf, 'x', sizeof(buf));
	for (int i = 0; i < F_PAGES; i++)
		if (write(fd, buf, PG) != (ssize_t)PG)
			die("write");
	if (fsync(fd) || posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED))
		die("fsync/fadvise");
	p = mmap(guarded(F_PAGES), F_PAGES * PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap file");
	close(fd);
	if (!mincore(p, F_PAGES * PG, (unsigned char *)vec))
		for (int i = 0; i < F_PAGES; i++)
			resident += vec[i] & 1;
	for (int i = 0; i < F_PAGES; i++)
		sum += ((volatile char *)p)[i * PG];
	printf("file_resident %d\n", resident + (sum < 0));
	return p;
}

int main(int argc, char **argv)
{
	char *a, *b, *c, *f, *dest;
	pid_t child;
	int st;

	setvbuf(stdout, NULL, _IOLBF, 0);
	a = guarded(A_PAGES);
	b = guarded(B_PAGES);
	c = guarded(C_PAGES);
	dest = guarded(B_PAGES);	/* where anon_b moves in phase 2 */
	touch(dest, D_PAGES);	/* counts the move must not inherit */
	touch(a, A_PAGES);
	touch(b, B_PAGES);
	touch(c, C_PAGES);
	f = file_pages(argc > 1 ? argv[1] : "/var/tmp");
	show("anon_a", a, A_PAGES);
	show("anon_b", b, B_PAGES);
	show("file", f, F_PAGES);
	show("cow", c, C_PAGES);
	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		touch(c, C_PAGES);	/* copy-on-write: one fault per page */
		raise(SIGSTOP);
		_exit(0);
	}
	if (waitpid(child, &st, WUNTRACED) != child || !WIFSTOPPED(st))
		die("waitpid");
	printf("child %d\nready\n", (int)child);
	raise(SIGSTOP);

	if (mprotect(a + A_PAGES / 2 * PG, (A_PAGES - A_PAGES / 2) * PG, PROT_READ))
		die("mprotect split");
	if (mremap(b, B_PAGES * PG, B_PAGES * PG, MREMAP_MAYMOVE | MREMAP_FIXED, dest) != dest)
		die("mremap");
	if (mmap(c, C_PAGES * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
		 0) != c)
		die("mmap fixed");
	printf("moved %lx %lx\nphase2\n", (unsigned long)dest, (unsigned long)(dest + B_PAGES * PG));
	raise(SIGSTOP);

	if (munmap(a, A_PAGES * PG))
		die("munmap");
	printf("phase3\n");
	raise(SIGSTOP);
	return 0;
}
