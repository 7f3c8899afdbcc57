// SPDX-License-Identifier: BSD-2-Clause
/*
 * core_threads: a target to dump core from (tests/e2e/core_files.sh). It starts N threads (default
 * 3), maps one region of each kind whose permissions a core file records or not (README "Core
 * files"), prints what it knows of itself, then waits in pause() for SIGQUIT (a core dump) or
 * SIGKILL.
 *
 * Usage: core_threads [--threads N] [--dir DIR] [--filter HEX]
 *   --dir DIR     where the backing files go (kept; DIR belongs to the caller)
 *   --filter HEX  write HEX to /proc/self/coredump_filter first (0: no memory in the core, for
 *                 small seed cores of the fuzzer)
 * Prints, before "ready": "main TID", then "thread TID LOW HIGH" per thread (its stack, from
 * pthread_getattr_np, hex). The process dies with its parent (PR_SET_PDEATHSIG).
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

static pthread_barrier_t started;
static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;

static void die(const char *what)
{
	perror(what);
	exit(2);
}

static void *thread_main(void *arg)
{
	pthread_attr_t a;
	void *low;
	size_t size;

	if (pthread_getattr_np(pthread_self(), &a) || pthread_attr_getstack(&a, &low, &size))
		die("pthread_getattr_np");
	pthread_mutex_lock(&print_lock);
	printf("thread %ld %lx %lx\n", (long)syscall(SYS_gettid), (unsigned long)low,
	       (unsigned long)low + size);
	pthread_mutex_unlock(&print_lock);
	pthread_barrier_wait(&started);
	for (;;)
		pause();
	return arg;
}

static void *map_file(const char *dir, const char *name, size_t len, int prot, int flags)
{
	char path[4096];
	void *p;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, (off_t)(len * 2)))
		die(path);
	/* at a non-zero offset, so that NT_FILE's offsets are checked too */
	p = mmap(NULL, len, prot, flags, fd, (off_t)len);
	if (p == MAP_FAILED)
		die("mmap file");
	close(fd);
	return p;
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *filter = NULL;
	int n = 3, fd;
	long pg = sysconf(_SC_PAGESIZE);
	pthread_attr_t ta;
	pthread_t t;
	char *p;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--threads") && i + 1 < argc)
			n = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
			dir = argv[++i];
		else if (!strcmp(argv[i], "--filter") && i + 1 < argc)
			filter = argv[++i];
		else
			return fprintf(stderr, "usage: core_threads [--threads N] [--dir DIR] "
				       "[--filter HEX]\n"), 2;
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGQUIT, SIG_DFL); /* a shell's background job starts with it ignored */
	mallopt(M_ARENA_MAX, 1); /* no 64 MB per-thread arenas: gdb would write them all */
	if (filter) {
		fd = open("/proc/self/coredump_filter", O_WRONLY);
		if (fd < 0 || write(fd, filter, strlen(filter)) < 0)
			die("coredump_filter");
		close(fd);
	}
	if (dir) {
		/* private: read-only, and written (COW'd), and shared writable */
		map_file(dir, "ro.bin", (size_t)pg * 2, PROT_READ, MAP_PRIVATE);
		p = map_file(dir, "cow.bin", (size_t)pg * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE);
		p[0] = 1;
		p = map_file(dir, "shared.bin", (size_t)pg, PROT_READ | PROT_WRITE, MAP_SHARED);
		p[0] = 1;
		map_file(dir, "new\nline.bin", (size_t)pg, PROT_READ, MAP_PRIVATE);
	}
	/* shared anonymous ("/dev/zero (deleted)"), SysV shm, memfd, a guard page, no-dump */
	p = mmap(NULL, (size_t)pg * 3, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap shared");
	p[0] = 1;
	{
		int id = shmget(IPC_PRIVATE, (size_t)pg, IPC_CREAT | 0600);

		if (id >= 0) {
			if (shmat(id, NULL, 0) == (void *)-1)
				die("shmat");
			shmctl(id, IPC_RMID, NULL);
		}
	}
	fd = memfd_create("core-memfd", 0);
	if (fd < 0 || ftruncate(fd, pg) ||
	    mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED)
		die("memfd");
	close(fd);
	p = mmap(NULL, (size_t)pg * 4, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || mprotect(p + pg, (size_t)pg * 2, PROT_READ | PROT_WRITE))
		die("guard");
	p[pg] = 1;
	p = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || madvise(p, (size_t)pg * 2, MADV_DONTDUMP))
		die("dontdump");
	p[0] = 1;

	printf("main %ld\n", (long)getpid());
	pthread_barrier_init(&started, NULL, (unsigned)n + 1);
	/* small stacks: gdb writes every page of a stack, touched or not */
	if (pthread_attr_init(&ta) || pthread_attr_setstacksize(&ta, 128 * 1024))
		die("pthread_attr");
	for (int i = 0; i < n; i++)
		if (pthread_create(&t, &ta, thread_main, NULL))
			die("pthread_create");
	pthread_barrier_wait(&started);
	pthread_mutex_lock(&print_lock);
	printf("ready\n");
	fflush(stdout);
	pthread_mutex_unlock(&print_lock);
	for (;;)
		pause();
}
