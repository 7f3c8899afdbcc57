// SPDX-License-Identifier: BSD-2-Clause
/*
 * fork_probe: a new task changes its address space at once, then stops: what the model must
 * follow from a task's very first syscalls. The changes: 3 anonymous pages mapped, the middle
 * one made read-only (3 VMAs), the heap grown by 3 pages.
 *
 * Usage: fork_probe MODE [DELAY_MS], MODE being
 *   fork         the main thread forks; the child changes and stops
 *   thread-fork  a new thread forks; the child changes and stops (vma_stress's workers do this)
 *   thread       a new thread changes the process's own address space and stops it
 * Prints "stopped PID ADDR" (PID: the task group that changed and stopped itself); the caller
 * compares, then kills both.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static int delay_ms;

static void change_and_stop(void)
{
	char *p;

	if (delay_ms)
		usleep((useconds_t)delay_ms * 1000);
	p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || mprotect(p + 4096, 4096, PROT_READ) || sbrk(3 * 4096) == (void *)-1)
		_exit(1);
	printf("stopped %d %lx\n", (int)getpid(), (unsigned long)p);
	fflush(stdout);
	kill(getpid(), SIGSTOP); /* the whole group */
}

static void *forker(void *arg)
{
	pid_t pid;
	int st;

	(void)arg;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		exit(1);
	if (pid == 0) {
		change_and_stop();
		_exit(0);
	}
	if (waitpid(pid, &st, WUNTRACED) != pid || !WIFSTOPPED(st))
		exit(1);
	return NULL;
}

static void *changer(void *arg)
{
	(void)arg;
	change_and_stop();
	return NULL;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "fork";
	pthread_t t;

	delay_ms = argc > 2 ? atoi(argv[2]) : 0;
	if (!strcmp(mode, "fork"))
		forker(NULL);
	else if (pthread_create(&t, NULL, strcmp(mode, "thread") ? forker : changer, NULL) ||
		 pthread_join(t, NULL))
		return 1;
	for (;;)
		pause();
}
