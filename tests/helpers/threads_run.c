// SPDX-License-Identifier: BSD-2-Clause
/*
 * threads_run: threads whose stacks /proc cannot show (tests/bpf/thread_stacks.sh).
 *
 * threads_run spin N: N threads that spin in user space and never enter a syscall (their
 *   /proc/PID/task/TID/syscall says "running", kstkesp is 0), each on a stack it was given
 *   (pthread_attr_setstack: a 256 KiB mmap with a PROT_NONE page below it); the odd ones, and
 *   the main thread, also set a sigaltstack (a 64 KiB mmap of its own, a PROT_NONE page below).
 *   Prints, for each, "stack TID START END" and "altstack TID START END" (the mmap'd region, hex),
 *   then "ready". SIGUSR1: the threads return and are joined, then "joined"; the main thread
 *   waits in pause() throughout (SIGKILL when its parent dies).
 * threads_run churn COUNT: COUNT short-lived threads, 32 at a time, each setting a sigaltstack
 *   before it exits; then "done COUNT" and exit.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define STACK_SIZE (256u << 10)
#define ALT_SIZE (64u << 10)
#define MAX_THREADS 256

struct thr {
	pthread_t t;
	int idx;
	char *stack;		/* [stack, stack + STACK_SIZE) */
	char *alt;		/* [alt, alt + ALT_SIZE), or NULL */
	volatile long tid;
	volatile int up;
};

static volatile sig_atomic_t stop;
static struct thr thr[MAX_THREADS];

static void on_usr1(int sig)
{
	(void)sig;
	stop = 1;
}

/* len bytes of rw- anonymous memory with a PROT_NONE page right below (so that neighbouring
 * mappings never merge with it). */
static char *guarded(size_t len)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, len + (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED || mprotect(p, (size_t)pg, PROT_NONE)) {
		perror("threads_run: mmap");
		exit(2);
	}
	return p + pg;
}

static int set_alt(char *p, size_t len)
{
	stack_t ss = { .ss_sp = p, .ss_size = len, .ss_flags = 0 };

	return sigaltstack(&ss, NULL);
}

static void *spin_main(void *arg)
{
	struct thr *t = arg;

	t->tid = syscall(SYS_gettid);
	if (t->alt && set_alt(t->alt, ALT_SIZE))
		t->tid = -1;
	__atomic_store_n(&t->up, 1, __ATOMIC_RELEASE);
	while (!stop) /* no syscall: the thread stays "running" */
		__asm__ volatile("" ::: "memory");
	return NULL;
}

static int spin(int n)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	char *main_alt = guarded(ALT_SIZE);
	pthread_attr_t attr;

	if (n < 1 || n > MAX_THREADS)
		return 2;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) || set_alt(main_alt, ALT_SIZE))
		return 2;
	for (int i = 0; i < n; i++) {
		thr[i].idx = i;
		thr[i].stack = guarded(STACK_SIZE);
		thr[i].alt = i % 2 ? guarded(ALT_SIZE) : NULL;
		if (pthread_attr_init(&attr) || pthread_attr_setstack(&attr, thr[i].stack, STACK_SIZE) ||
		    pthread_create(&thr[i].t, &attr, spin_main, &thr[i]))
			return 2;
		pthread_attr_destroy(&attr);
	}
	for (int i = 0; i < n; i++) {
		while (!__atomic_load_n(&thr[i].up, __ATOMIC_ACQUIRE))
			usleep(1000);
		if (thr[i].tid < 0)
			return 2;
	}
	printf("altstack %d %lx %lx\n", (int)getpid(), (unsigned long)main_alt,
	       (unsigned long)(main_alt + ALT_SIZE));
	for (int i = 0; i < n; i++) {
		printf("stack %ld %lx %lx\n", thr[i].tid, (unsigned long)thr[i].stack,
		       (unsigned long)(thr[i].stack + STACK_SIZE));
		if (thr[i].alt)
			printf("altstack %ld %lx %lx\n", thr[i].tid, (unsigned long)thr[i].alt,
			       (unsigned long)(thr[i].alt + ALT_SIZE));
	}
	printf("ready\n");
	fflush(stdout);
	while (!stop)
		pause();
	for (int i = 0; i < n; i++)
		pthread_join(thr[i].t, NULL);
	printf("joined\n");
	fflush(stdout);
	for (;;)
		pause();
}

static void *churn_main(void *arg)
{
	char *alt = arg;

	/* a record with a sigaltstack, then the exit that must take it away */
	return set_alt(alt, ALT_SIZE) ? (void *)1 : NULL;
}

static int churn(long count)
{
	enum { BATCH = 32 };
	char *alt[BATCH];
	pthread_t t[BATCH];
	long done = 0;

	for (int i = 0; i < BATCH; i++)
		alt[i] = guarded(ALT_SIZE);
	while (done < count) {
		int k = count - done < BATCH ? (int)(count - done) : BATCH;
		void *r;

		for (int i = 0; i < k; i++) {
			int err = pthread_create(&t[i], NULL, churn_main, alt[i]);

			if (err) {
				fprintf(stderr, "threads_run: pthread_create: %s\n", strerror(err));
				return 2;
			}
		}
		for (int i = 0; i < k; i++) {
			if (pthread_join(t[i], &r) || r) {
				fprintf(stderr, "threads_run: a thread failed\n");
				return 2;
			}
		}
		done += k;
	}
	printf("done %ld\n", done);
	return 0;
}

int main(int argc, char **argv)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (argc == 3 && !strcmp(argv[1], "spin"))
		return spin(atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "churn"))
		return churn(atol(argv[2]));
	fprintf(stderr, "usage: threads_run spin N | churn COUNT\n");
	return 2;
}
