// SPDX-License-Identifier: BSD-2-Clause
/*
 * watch_seq: a scripted sequence of region changes with known addresses, for tests/bpf/watch.sh.
 *
 * Usage: watch_seq EXPECTED_FILE [EXEC_PATH]
 *
 * Prints "ready", then maps and unmaps a 3-page marker every 10 ms until SIGUSR1 (the test sends
 * it once `vmscope watch` shows a marker, so it is attached). Then: mmap, partial mprotect (a
 * split), munmap across the split, partial munmap, madvise, mlock, munlock, mremap grow, mremap
 * move, brk grow and shrink, stack growth, a thread on a stack of our own that exits, fork + exec
 * of EXEC_PATH (default /bin/true), and exit(3). Every event `vmscope watch --json -p PID` must show for this pid is written, in order,
 * as one JSON object per line to EXPECTED_FILE (fields to compare; written with write(2) only,
 * so the writing itself changes no region).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096UL

static volatile sig_atomic_t go;
static char expect[1 << 16];
static size_t expect_len;
static pid_t me;

static void on_usr1(int sig)
{
	go = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "watch_seq: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void add(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void add(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	expect_len += vsnprintf(expect + expect_len, sizeof(expect) - expect_len, fmt, ap);
	va_end(ap);
	if (expect_len >= sizeof(expect))
		exit(2);
}

static void ev_range(const char *kind, unsigned long a, unsigned long b, const char *perm,
		     const char *name)
{
	add("{\"event\": \"%s\", \"pid\": %d, \"tid\": %d, \"start\": \"0x%lx\", \"end\": \"0x%lx\", "
	    "\"perm\": \"%s\", \"name\": \"%s\"}\n", kind, me, me, a, b, perm, name);
}

static void ev_protect(unsigned long a, unsigned long b, const char *old, const char *perm)
{
	add("{\"event\": \"protect\", \"pid\": %d, \"start\": \"0x%lx\", \"end\": \"0x%lx\", "
	    "\"old_perm\": \"%s\", \"perm\": \"%s\", \"name\": \"[anon]\"}\n", me, a, b, old, perm);
}

static void ev_moved(const char *kind, unsigned long os, unsigned long oe, unsigned long s,
		     unsigned long e, const char *name)
{
	add("{\"event\": \"%s\", \"pid\": %d, \"old_start\": \"0x%lx\", \"old_end\": \"0x%lx\", "
	    "\"start\": \"0x%lx\", \"end\": \"0x%lx\", \"perm\": \"rw-p\", \"name\": \"%s\"}\n",
	    kind, me, os, oe, s, e, name);
}

static unsigned long start_brk(void)
{
	char buf[4096], *p;
	int fd = open("/proc/self/stat", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	unsigned long v = 0;

	if (n <= 0)
		die("/proc/self/stat");
	close(fd);
	buf[n] = 0;
	p = strrchr(buf, ')');
	/* field 47 is start_brk; p points at the end of field 2 */
	for (int f = 2; p && f < 47; f++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%lu", &v) != 1)
		die("start_brk");
	return v;
}

/* The [stack] line of /proc/self/maps (read(2) and sscanf: no allocation, no region change). */
static void stack_range(unsigned long *start, unsigned long *end)
{
	static char buf[1 << 16];
	int fd = open("/proc/self/maps", O_RDONLY);
	ssize_t n, len = 0;
	char *line;

	if (fd < 0)
		die("/proc/self/maps");
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = 0;
	line = strstr(buf, "[stack]");
	if (!line)
		die("no [stack]");
	while (line > buf && line[-1] != '\n')
		line--;
	if (sscanf(line, "%lx-%lx", start, end) != 2)
		die("[stack] line");
}

static void *thread_fn(void *arg)
{
	*(pid_t *)arg = (pid_t)syscall(SYS_gettid);
	return NULL;
}

static void run_thread(void *stack, size_t size, pid_t *tid)
{
	pthread_attr_t at;
	pthread_t t;

	pthread_attr_init(&at);
	if (pthread_attr_setstack(&at, stack, size) || pthread_create(&t, &at, thread_fn, tid))
		die("pthread_create");
	pthread_join(t, NULL);
	pthread_attr_destroy(&at);
}

int main(int argc, char **argv)
{
	const char *exe = argc > 2 ? argv[2] : "/bin/true";
	unsigned long a, b, r1, t, base, cur, newb, sa, se;
	void *stack;
	pid_t child, tid = 0;
	int fd, st;

	if (argc < 2) {
		fprintf(stderr, "usage: watch_seq EXPECTED_FILE [EXEC_PATH]\n");
		return 2;
	}
	me = getpid();
	signal(SIGUSR1, on_usr1);
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die(argv[1]);
	/* warm up everything lazy (stdio, the heap, thread start-up) before the sequence */
	stack = mmap(NULL, 64 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (stack == MAP_FAILED)
		die("mmap stack");
	run_thread(stack, 64 * PG, &tid);
	free(malloc(100));
	printf("ready\n");
	fflush(stdout);
	while (!go) {
		void *m = mmap(NULL, 3 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m == MAP_FAILED || munmap(m, 3 * PG))
			die("marker");
		usleep(10000);
	}

	/* mmap, then mprotect the middle: a split */
	a = (unsigned long)mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				-1, 0);
	if (a == (unsigned long)MAP_FAILED)
		die("mmap");
	ev_range("map", a, a + 16 * PG, "rw-p", "[anon]");
	if (mprotect((void *)(a + 4 * PG), 4 * PG, PROT_READ))
		die("mprotect");
	ev_protect(a + 4 * PG, a + 8 * PG, "rw-p", "r--p");
	/* munmap across the split: one event per region it covered */
	if (munmap((void *)(a + 2 * PG), 4 * PG))
		die("munmap across");
	ev_range("unmap", a + 2 * PG, a + 4 * PG, "rw-p", "[anon]");
	ev_range("unmap", a + 4 * PG, a + 6 * PG, "r--p", "[anon]");
	/* a partial munmap inside one region */
	if (munmap((void *)(a + 12 * PG), 2 * PG))
		die("munmap partial");
	ev_range("unmap", a + 12 * PG, a + 14 * PG, "rw-p", "[anon]");
	/* madvise, mlock, munlock: events for exactly the named pages */
	if (madvise((void *)a, 2 * PG, MADV_DONTNEED))
		die("madvise");
	ev_range("madvise", a, a + 2 * PG, "rw-p", "[anon]");
	if (mlock((void *)(a + 8 * PG), 2 * PG))
		die("mlock");
	ev_range("lock", a + 8 * PG, a + 10 * PG, "rw-p", "[anon]");
	if (munlock((void *)(a + 8 * PG), 2 * PG))
		die("munlock");
	ev_range("unlock", a + 8 * PG, a + 10 * PG, "rw-p", "[anon]");

	/* mremap: grow (may move), then move to a fixed place */
	b = (unsigned long)mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				-1, 0);
	if (b == (unsigned long)MAP_FAILED)
		die("mmap b");
	ev_range("map", b, b + 4 * PG, "rw-p", "[anon]");
	r1 = (unsigned long)mremap((void *)b, 4 * PG, 8 * PG, MREMAP_MAYMOVE);
	if (r1 == (unsigned long)MAP_FAILED)
		die("mremap grow");
	ev_moved("remap", b, b + 4 * PG, r1, r1 + 8 * PG, "[anon]");
	t = (unsigned long)mmap(NULL, 8 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (t == (unsigned long)MAP_FAILED)
		die("mmap t");
	ev_range("map", t, t + 8 * PG, "---p", "[anon]");
	if ((unsigned long)mremap((void *)r1, 8 * PG, 8 * PG, MREMAP_MAYMOVE | MREMAP_FIXED,
				  (void *)t) != t)
		die("mremap move");
	ev_moved("remap", r1, r1 + 8 * PG, t, t + 8 * PG, "[anon]");

	/* brk: grow by 64 pages, shrink back */
	base = start_brk();
	cur = (unsigned long)sbrk(0);
	newb = cur + 64 * PG;
	if (brk((void *)newb))
		die("brk grow");
	ev_moved("brk", base, (cur + PG - 1) & ~(PG - 1), base, (newb + PG - 1) & ~(PG - 1),
		 "[heap]");
	if (brk((void *)cur))
		die("brk shrink");
	ev_moved("brk", base, (newb + PG - 1) & ~(PG - 1), base, (cur + PG - 1) & ~(PG - 1),
		 "[heap]");

	/* the stack grows when we touch 32 pages below its start */
	stack_range(&sa, &se);
	((volatile char *)(sa - 32 * PG))[64] = 1;
	ev_moved("grow", sa, se, sa - 32 * PG, se, "[stack]");

	/* a thread on our own stack: its exit is the only event */
	run_thread(stack, 64 * PG, &tid);
	/* pthread_join returns when the kernel clears the thread's tid, before its exit
	 * tracepoint: wait until the thread is reaped, so that its exit comes before our fork */
	{
		char path[64];

		snprintf(path, sizeof(path), "/proc/self/task/%d", (int)tid);
		while (access(path, F_OK) == 0)
			usleep(1000);
	}
	add("{\"event\": \"exit\", \"pid\": %d, \"tid\": %d, \"thread\": true}\n", me, tid);

	/* fork + exec: the fork is ours, the exec and what follows the child's */
	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		execl(exe, exe, (char *)NULL);
		_exit(127);
	}
	add("{\"event\": \"fork\", \"pid\": %d, \"child_pid\": %d}\n", me, child);
	if (waitpid(child, &st, 0) != child)
		die("waitpid");
	add("{\"event\": \"exit\", \"pid\": %d, \"tid\": %d, \"thread\": false, \"exit_code\": 3}\n",
	    me, me);
	if (write(fd, expect, expect_len) != (ssize_t)expect_len)
		die("write");
	close(fd);
	_exit(3);
}
