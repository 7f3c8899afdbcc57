// SPDX-License-Identifier: BSD-2-Clause
/*
 * views: a target with a known layout for the seed tools' views (tests/e2e/map_views.sh).
 * Usage: views N_THREADS
 * Prints "key value" lines, then "ready", then sleeps until killed (SIGKILL when its parent dies):
 *   tid T          each extra thread (blocked in a syscall, so its sp is in /proc/.../syscall);
 *                  each mallocs first, so glibc gives it an arena (a 64 MiB-aligned heap)
 *   private A      64 KiB anonymous rw-, touched              (Private, SM=PRV)
 *   reserve A      256 KiB PROT_NONE reservation               (Private, reserved)
 *   noreserve A    128 KiB MAP_NORESERVE rw-, untouched        (Private, Mode R, SM=NUL)
 *   shanon A       64 KiB shared anonymous, touched            (Shareable, SM=SHM)
 *   memfd A        64 KiB memfd, shared, touched               (Shareable)
 *   alias A        the memfd's first page mapped again, shared (Shareable, SM=ALI)
 *   file A         16 KiB regular file, r--p, read             (Mapped File, SM=COW)
 *   thp A          4 MiB at a 2 MiB-aligned address, MADV_HUGEPAGE, touched (2M pages with THP)
 *   heapguard A    a PROT_NONE page right after [heap]         (Guard)
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MADV_HUGEPAGE
#define MADV_HUGEPAGE 14
#endif

static pthread_barrier_t started;

static void *thread_main(void *arg)
{
	volatile char *p = malloc(100); /* the thread's arena */

	p[0] = 1;
	printf("tid %ld\n", (long)syscall(SYS_gettid));
	fflush(stdout);
	pthread_barrier_wait(&started);
	for (;;)
		pause();
	return NULL;
}

static void *map(size_t len, int prot, int flags, int fd)
{
	void *p = mmap(NULL, len, prot, flags, fd, 0);

	if (p == MAP_FAILED) {
		perror("views: mmap");
		exit(2);
	}
	return p;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3;
	char path[] = "/var/tmp/vmscope-views.XXXXXX";
	char buf[16384];
	pthread_t t;
	char *p, *heap_end;
	int fd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (n < 0 || n > 64)
		return 2;
	pthread_barrier_init(&started, NULL, (unsigned)n + 1);
	for (int i = 0; i < n; i++)
		if (pthread_create(&t, NULL, thread_main, NULL))
			return 2;
	pthread_barrier_wait(&started);

	p = map(65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	memset(p, 1, 65536);
	printf("private %p\n", (void *)p);
	printf("reserve %p\n", map(262144, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1));
	printf("noreserve %p\n", map(131072, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1));
	p = map(65536, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1);
	memset(p, 1, 65536);
	printf("shanon %p\n", (void *)p);
	fd = memfd_create("vmscope-views", 0);
	if (fd < 0 || ftruncate(fd, 65536))
		return 2;
	p = map(65536, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
	memset(p, 1, 65536);
	printf("memfd %p\n", (void *)p);
	printf("alias %p\n", map(4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd));
	fd = mkstemp(path);
	memset(buf, 'x', sizeof(buf));
	if (fd < 0 || write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
		return 2;
	unlink(path); /* before the mmap: the live model names a file as it was when mapped */
	p = map(sizeof(buf), PROT_READ, MAP_PRIVATE, fd);
	for (size_t i = 0; i < sizeof(buf); i += 4096)
		(void)*(volatile char *)(p + i);
	printf("file %p\n", (void *)p);
	/* 4 MiB inside an 8 MiB reservation: a 2 MiB-aligned start for a THP */
	p = map(8 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	{
		char *a = (char *)(((unsigned long)p + (2 << 20) - 1) & ~((2ul << 20) - 1));

		if (a > p)
			munmap(p, (size_t)(a - p));
		munmap(a + (4 << 20), (size_t)(p + (8 << 20) - (a + (4 << 20))));
		madvise(a, 4 << 20, MADV_HUGEPAGE);
		memset(a, 1, 4 << 20);
		printf("thp %p\n", (void *)a);
	}
	p = malloc(200000); /* below the mmap threshold: [heap] */
	memset(p, 1, 200000);
	heap_end = sbrk(0);
	if (mmap(heap_end, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) ==
	    heap_end)
		printf("heapguard %p\n", (void *)heap_end);
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
