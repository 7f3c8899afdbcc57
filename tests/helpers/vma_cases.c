// SPDX-License-Identifier: BSD-2-Clause
/*
 * Corner cases of VMA tracking, one per mode; each prints "ready PID what" and stops itself.
 * Each was once missed by the live model (found by the differential stress test):
 * heap, stack-kernel, uffd-dev, uffd-child, uffd-close; stack-user and uffd-syscall are controls.
 */
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#define PG 4096UL
#ifndef USERFAULTFD_IOC_NEW
#define USERFAULTFD_IOC_NEW _IO(0xAA, 0x00)
#endif
static void stop(const char *what) { printf("ready %d %s\n", getpid(), what); fflush(stdout); raise(SIGSTOP); }
static int uffd_api(int fd) { struct uffdio_api a = { .api = UFFD_API }; return ioctl(fd, UFFDIO_API, &a); }
static int uffd_reg(int fd, char *p, size_t l) {
	struct uffdio_register r = { .range = { (unsigned long)p, l }, .mode = UFFDIO_REGISTER_MODE_MISSING };
	return ioctl(fd, UFFDIO_REGISTER, &r);
}
int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";
	if (!strcmp(m, "heap")) {
		/* break on a page boundary, then a page mapped exactly at the break */
		unsigned long b = (unsigned long)sbrk(0), nb = (b + PG - 1) & ~(PG - 1);
		if (nb == b) nb += PG;
		syscall(SYS_brk, nb);
		void *p = mmap((void *)nb, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		printf("info brk %#lx page %p\n", (unsigned long)syscall(SYS_brk, 0), p);
		stop("page at the break");
	} else if (!strcmp(m, "stack-kernel")) {
		int fd = open("/dev/zero", O_RDONLY);
		char *sp = __builtin_frame_address(0);
		char *t = (char *)(((unsigned long)sp & ~(PG - 1)) - 64 * PG);
		printf("info read %zd into %p\n", read(fd, t, 1), t);
		stop("stack grown by a kernel-mode fault");
	} else if (!strcmp(m, "stack-user")) {
		char *sp = __builtin_frame_address(0);
		volatile char *t = (char *)(((unsigned long)sp & ~(PG - 1)) - 64 * PG);
		*t = 1;
		stop("stack grown by a user-mode fault (control)");
	} else if (!strcmp(m, "uffd-dev") || !strcmp(m, "uffd-syscall")) {
		int fd;
		if (!strcmp(m, "uffd-dev")) {
			int d = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
			fd = ioctl(d, USERFAULTFD_IOC_NEW, O_CLOEXEC);
		} else {
			fd = syscall(SYS_userfaultfd, O_CLOEXEC);
		}
		char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		int a = uffd_api(fd), r = uffd_reg(fd, p + PG, 2 * PG);
		printf("info uffd %d api %d register %d\n", fd, a, r);
		stop("UFFDIO_REGISTER of the middle 2 of 4 pages");
	} else if (!strcmp(m, "uffd-close")) {
		/* closing the uffd unregisters its ranges: the VMAs merge back */
		int fd = syscall(SYS_userfaultfd, O_CLOEXEC);
		char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		uffd_api(fd);
		uffd_reg(fd, p + PG, 2 * PG);
		close(fd);
		stop("a uffd closed after registering the middle 2 of 4 pages");
	} else if (!strcmp(m, "uffd-child")) {
		int fd = syscall(SYS_userfaultfd, O_CLOEXEC);
		uffd_api(fd);
		char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		pid_t c = fork();
		if (!c)
			_exit(uffd_reg(fd, p + PG, 2 * PG) ? 1 : 0);
		int st;
		waitpid(c, &st, 0);
		printf("info child register exit %d\n", WEXITSTATUS(st));
		stop("the fork child registered the middle 2 of 4 pages through the inherited uffd");
	} else {
		fprintf(stderr, "usage: vma_cases heap|stack-kernel|stack-user|uffd-dev|uffd-syscall|uffd-close|uffd-child\n");
		return 2;
	}
	return 0;
}
