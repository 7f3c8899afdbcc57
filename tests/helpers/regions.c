// SPDX-License-Identifier: BSD-2-Clause
/*
 * regions: a target process for the end-to-end tests. It builds as many kinds of memory region as
 * this kernel lets it, prints "ready" on stdout (flushed), then sleeps in pause() until killed.
 *
 * Usage: regions [--comm NAME] [--dir DIR] [--ascii-names] [MODE [ARG]] [-- IGNORED...]
 *   all        (default) every region kind below
 *   simple     a small process: [heap], one file map, one anonymous map
 *   many N     N VMAs of one page each with alternating protections (rw- / r--)
 *   many-file N  N VMAs mapping the first page of one file (r--p, none merge: same offset),
 *                for what is quadratic in the number of mappings of a file
 *   zombie     forks a child that exits at once and is never reaped; prints "zombie PID"
 *
 *   --comm NAME  set the process name (comm, 15 bytes max) with PR_SET_NAME, so a test can find
 *                its own helpers by name
 *   --dir DIR    create the backing files in DIR and keep them (DIR belongs to the caller, who
 *                removes it): the file maps then show their real names. Without --dir the files
 *                go to a fresh directory under /var/tmp and are unlinked right after mapping, so
 *                nothing is left behind even after SIGKILL (the maps then end in " (deleted)").
 *   --ascii-names  leave out the file names with a tab, non-ASCII UTF-8 or an invalid UTF-8 byte
 *                (pmap prints those bytes as '?'), so one name-escaping bug does not hide the rest
 *   -- ARGS...   ignored: lets a test give the process an odd command line (tabs, UTF-8, empty
 *                arguments, a very long argument) for pmap's "PID:   cmdline" line
 *
 * The helper gets SIGKILL when its parent dies (PR_SET_PDEATHSIG), so it never outlives the test.
 *
 * Lines printed before "ready" are "key value" informational lines (e.g. "zombie 1234",
 * "file /var/tmp/x/data.bin"). Failures print "regions: ..." on stderr and exit 2.
 *
 * Region kinds in "all" mode:
 *  - file maps of a regular file on a disk-backed fs: private r--, private r-x, private rw- with
 *    a COW-dirtied page, shared rw- (dirty), shared r--; all at non-zero offsets but one
 *  - files whose names contain spaces, a trailing space, non-ASCII UTF-8, an invalid UTF-8 byte,
 *    a newline (maps shows it as \012), a tab, a comma and double quotes, a backslash, a long
 *    name; a file deleted while mapped
 *  - memfd (shared), shared anonymous (/dev/zero (deleted)), POSIX shm (/dev/shm, unlinked),
 *    SysV shm (shmat, then IPC_RMID at once so nothing leaks)
 *  - PROT_NONE reservation (MAP_NORESERVE), rwx / -w- / --x anonymous pages, MAP_GROWSDOWN
 *  - an mlock'd page with MADV_DONTDUMP/MADV_WIPEONFORK/MADV_RANDOM (a long VmFlags line)
 *  - 8 MB anonymous with MADV_HUGEPAGE, 3 MB of it touched (AnonHugePages when THP works)
 *  - three sleeping pthreads (stacks + guard pages; one with a small stack and a 64K guard),
 *    which malloc, so glibc creates per-thread arenas (rw head + ---p reservation)
 *  - [heap] (malloc + touch), a region split in three by mprotect in its middle
 *  - PR_SET_VMA_ANON_NAME attempts on private and shared anonymous maps (EINVAL is fine)
 *  - MAP_HUGETLB attempt (fails when no huge pages are reserved; fine)
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#endif
#ifndef PR_SET_VMA_ANON_NAME
#define PR_SET_VMA_ANON_NAME 0
#endif
#ifndef MADV_HUGEPAGE
#define MADV_HUGEPAGE 14
#endif
#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK 18
#endif
#ifndef MAP_HUGETLB
#define MAP_HUGETLB 0x40000
#endif

#define PG 4096UL

static const char *dir;   /* where the files are created */
static int keep_files;     /* --dir given: keep the files (the caller removes them) */
static int ascii_names;    /* --ascii-names: no file names with tabs or non-ASCII bytes */

static void die(const char *what)
{
	fprintf(stderr, "regions: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void touch(void *p, size_t len, int write)
{
	volatile char *c = p;

	for (size_t i = 0; i < len; i += PG) {
		if (write)
			c[i] = (char)(i / PG + 1);
		else
			(void)c[i];
	}
}

static void *xmmap(void *addr, size_t len, int prot, int flags, int fd, off_t off, const char *what)
{
	void *p = mmap(addr, len, prot, flags, fd, off);

	if (p == MAP_FAILED)
		die(what);
	return p;
}

/* Creates DIR/name filled with `pages` pages of a pattern; returns an fd open O_RDWR. */
static int make_file(const char *name, size_t pages, char *path, size_t pathsz)
{
	char buf[PG];
	int fd;

	snprintf(path, pathsz, "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die(path);
	for (size_t i = 0; i < pages; i++) {
		memset(buf, 'a' + (int)(i % 26), sizeof(buf));
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			die("write");
	}
	return fd;
}

/* The file has been mapped: drop the name unless the caller keeps the files. */
static void done_with_file(int fd, const char *path, int force_unlink)
{
	if (force_unlink || !keep_files) {
		if (unlink(path) < 0)
			die(path);
	}
	close(fd);
}

/* Maps a small file read-only (private), named `name`. */
static void map_named_file(const char *name, int prot, int flags, int force_unlink)
{
	char path[PATH_MAX];
	int fd = make_file(name, 2, path, sizeof(path));
	void *p = xmmap(NULL, 2 * PG, prot, flags, fd, 0, path);

	if (prot & PROT_READ)
		touch(p, 2 * PG, (prot & PROT_WRITE) && (flags & MAP_SHARED));
	done_with_file(fd, path, force_unlink);
}

static void name_anon(void *p, size_t len, const char *name)
{
	/* CONFIG_ANON_VMA_NAME may be off: EINVAL is fine. */
	if (prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)p, len, (unsigned long)name) == 0)
		printf("anon-name %s\n", name);
}

static pthread_barrier_t threads_ready;

static void *thread_main(void *arg)
{
	long n = (long)arg;
	/* glibc gives threads that allocate their own arena (a 64 MB aligned reservation). */
	char *m = malloc(2000 + (size_t)n * 1000);

	if (m)
		memset(m, 'T', 2000 + (size_t)n * 1000);
	pthread_barrier_wait(&threads_ready);
	for (;;)
		pause();
	return NULL;
}

static void start_threads(int n)
{
	pthread_barrier_init(&threads_ready, NULL, (unsigned)n + 1);
	for (long i = 0; i < n; i++) {
		pthread_attr_t attr;
		pthread_t t;

		pthread_attr_init(&attr);
		if (i == 1) {
			pthread_attr_setstacksize(&attr, 256 * 1024);
			pthread_attr_setguardsize(&attr, 64 * 1024);
		}
		errno = pthread_create(&t, &attr, thread_main, (void *)i);
		if (errno)
			die("pthread_create");
		pthread_attr_destroy(&attr);
	}
	pthread_barrier_wait(&threads_ready); /* every thread has its stack and its arena */
}

static void make_heap(void)
{
	/* Small blocks come from brk: [heap]. Keep them (never freed). */
	for (int i = 0; i < 64; i++) {
		char *p = malloc(1024 + i * 16);

		if (!p)
			die("malloc");
		memset(p, i, 1024 + i * 16);
	}
	char *big = malloc(96 * 1024); /* below the mmap threshold: grows the heap */
	if (!big)
		die("malloc");
	memset(big, 1, 96 * 1024);
}

static void file_maps(void)
{
	char path[PATH_MAX];
	int fd = make_file("data.bin", 16, path, sizeof(path));
	char *p;

	/* private read-only at offset 0x2000 */
	p = xmmap(NULL, 4 * PG, PROT_READ, MAP_PRIVATE, fd, 2 * PG, "mmap file r--p");
	touch(p, 4 * PG, 0);
	/* private r-x at offset 0x1000 (a page of "text") */
	p = xmmap(NULL, PG, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, PG, "mmap file r-xp");
	touch(p, PG, 0);
	/* private rw at offset 0: one page COW-dirtied (Anonymous), one only read */
	p = xmmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0, "mmap file rw-p");
	p[0] = 'X';
	(void)*(volatile char *)(p + PG);
	/* shared rw at offset 0x8000, dirtied */
	p = xmmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 8 * PG, "mmap file rw-s");
	touch(p, 4 * PG, 1);
	/* shared read-only at offset 0xc000, half touched */
	p = xmmap(NULL, 4 * PG, PROT_READ, MAP_SHARED, fd, 12 * PG, "mmap file r--s");
	touch(p, 2 * PG, 0);
	printf("file %s\n", path);
	done_with_file(fd, path, 0);

	/* Odd names. */
	map_named_file("name with  spaces.dat", PROT_READ, MAP_PRIVATE, 0);
	map_named_file("trailing-space ", PROT_READ, MAP_PRIVATE, 0);
	if (!ascii_names) {
		map_named_file("na\xc3\xafve-\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xe3\x83\x95\xe3\x82\xa1\xe3\x82\xa4\xe3\x83\xab.dat",
			       PROT_READ, MAP_PRIVATE, 0);                      /* "naïve-日本語 ファイル.dat" */
		map_named_file("bad-\xff-byte.dat", PROT_READ, MAP_PRIVATE, 0); /* not valid UTF-8 */
		map_named_file("tab\there.dat", PROT_READ, MAP_SHARED, 0);
	}
	map_named_file("new\nline.dat", PROT_READ, MAP_PRIVATE, 0);      /* maps prints \012 */
	map_named_file("comma,and \"quotes\".dat", PROT_READ, MAP_PRIVATE, 0); /* CSV quoting */
	map_named_file("back\\slash.dat", PROT_READ, MAP_PRIVATE, 0);             /* JSON escaping */
	map_named_file("long-name-0123456789012345678901234567890123456789012345678901234567890123456789"
		       "0123456789012345678901234567890123456789012345678901234567890123456789.dat",
		       PROT_READ, MAP_PRIVATE, 0);
	/* deleted while mapped: " (deleted)" */
	map_named_file("deleted file.dat", PROT_READ | PROT_WRITE, MAP_SHARED, 1);
}

/* A shared mapping of fd, sized to PAGES pages here, the first TOUCHED of them written; then fd is
 * closed (the mapping keeps the object). */
static void map_shared_fd(int fd, size_t pages, size_t touched, const char *what)
{
	char msg[64];
	char *p;

	snprintf(msg, sizeof(msg), "ftruncate %s", what);
	if (ftruncate(fd, (off_t)(pages * PG)) < 0)
		die(msg);
	snprintf(msg, sizeof(msg), "mmap %s", what);
	p = xmmap(NULL, pages * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0, msg);
	touch(p, touched * PG, 1);
	close(fd);
}

static void shared_memory(void)
{
	char name[64];
	char *p;
	int fd;

	/* memfd, shared */
	fd = memfd_create("vmscope-memfd", MFD_CLOEXEC);
	if (fd < 0)
		die("memfd_create");
	map_shared_fd(fd, 16, 8, "memfd");

	/* shared anonymous: "/dev/zero (deleted)" */
	p = xmmap(NULL, 16 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0, "mmap shared anon");
	touch(p, 4 * PG, 1);
	name_anon(p, 16 * PG, "vmscope-shmem");

	/* POSIX shm on /dev/shm (tmpfs), unlinked right away */
	snprintf(name, sizeof(name), "/vmscope-regions-%d", (int)getpid());
	fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		die("shm_open");
	shm_unlink(name);
	map_shared_fd(fd, 8, 3, "posix shm");

	/* SysV shm: attach, then remove the id at once (the segment lives while attached) */
	int id = shmget(IPC_PRIVATE, 16 * PG, IPC_CREAT | 0600);
	if (id < 0)
		die("shmget");
	p = shmat(id, NULL, 0);
	if (p == (void *)-1) {
		shmctl(id, IPC_RMID, NULL);
		die("shmat");
	}
	shmctl(id, IPC_RMID, NULL);
	touch(p, 5 * PG, 1);
	printf("shmid %d\n", id);
}

static void anon_maps(void)
{
	char *p;

	/* PROT_NONE reservation */
	xmmap(NULL, 64 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0, "mmap none");

	/* odd protections */
	p = xmmap(NULL, 2 * PG, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, "mmap rwx");
	touch(p, PG, 1);
	xmmap(NULL, 3 * PG, PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, "mmap -w-");
	xmmap(NULL, 5 * PG, PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, "mmap --x");

	/* MAP_GROWSDOWN */
	p = xmmap(NULL, 16 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN,
		  -1, 0, "mmap growsdown");
	touch(p + 15 * PG, PG, 1);

	/* mlock'd pages with extra VmFlags (dd, wf, rr) */
	p = xmmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, "mmap locked");
	touch(p, 2 * PG, 1);
	if (mlock(p, 2 * PG) < 0)
		die("mlock");
	madvise(p, 2 * PG, MADV_DONTDUMP);
	madvise(p, 2 * PG, MADV_WIPEONFORK);
	madvise(p, 2 * PG, MADV_RANDOM);

	/* 8 MB with MADV_HUGEPAGE, 3 MB touched */
	p = xmmap(NULL, 8UL << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, "mmap 8M");
	madvise(p, 8UL << 20, MADV_HUGEPAGE);
	touch(p, 3UL << 20, 1);

	/* one region split in three by mprotect */
	p = xmmap(NULL, 12 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, "mmap split");
	touch(p, 12 * PG, 1);
	if (mprotect(p + 4 * PG, 4 * PG, PROT_READ) < 0)
		die("mprotect");

	/* a named anonymous region (needs CONFIG_ANON_VMA_NAME) */
	p = xmmap(NULL, 16 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, "mmap named");
	touch(p, 2 * PG, 1);
	name_anon(p, 16 * PG, "vmscope-named");

	/* hugetlb: fails unless huge pages are reserved */
	p = mmap(NULL, 2UL << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (p != MAP_FAILED) {
		touch(p, PG, 1);
		printf("hugetlb %p\n", (void *)p);
	}
}

static void many(long n)
{
	char *p;

	if (n < 1 || n > 60000) {
		errno = EINVAL;
		die("many: N must be 1..60000");
	}
	p = xmmap(NULL, (size_t)n * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, "mmap many");
	touch(p, (size_t)n * PG, 1);
	for (long i = 1; i < n; i += 2)
		if (mprotect(p + i * PG, PG, PROT_READ) < 0)
			die("mprotect many");
}

static void many_file(long n)
{
	char path[PATH_MAX], *p;
	int fd;

	if (n < 1 || n > 60000) {
		errno = EINVAL;
		die("many-file: N must be 1..60000");
	}
	fd = make_file("many.bin", 1, path, sizeof(path));
	p = xmmap(NULL, (size_t)n * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0,
		  "mmap many-file");
	for (long i = 0; i < n; i++)
		xmmap(p + i * PG, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0, "mmap many-file page");
	done_with_file(fd, path, 0);
}

static void usage(void)
{
	fprintf(stderr, "usage: regions [--comm NAME] [--dir DIR] [--ascii-names] [all | simple | many N | many-file N | zombie] [-- ARGS...]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static char tmpl[] = "/var/tmp/vmscope-regions.XXXXXX";
	const char *mode = "all", *comm = NULL;
	long n = 0;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--comm") && i + 1 < argc)
			comm = argv[++i];
		else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
			dir = argv[++i], keep_files = 1;
		else if (!strcmp(argv[i], "--ascii-names"))
			ascii_names = 1;
		else
			usage();
	}
	if (i < argc)
		mode = argv[i++];
	if (!strcmp(mode, "many") || !strcmp(mode, "many-file")) {
		if (i >= argc)
			usage();
		n = strtol(argv[i++], NULL, 10);
	}
	if (i < argc && strcmp(argv[i], "--"))
		usage();
	if (comm && prctl(PR_SET_NAME, (unsigned long)comm, 0, 0, 0) < 0)
		die("PR_SET_NAME");
	/* Die with the test that started us, even when it is killed: no stopped helper is left. */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() == 1)
		exit(2);

	if (!strcmp(mode, "zombie")) {
		pid_t c = fork();

		if (c < 0)
			die("fork");
		if (c == 0)
			_exit(0);
		/* wait until it is a zombie, without reaping it */
		siginfo_t si;
		if (waitid(P_PID, c, &si, WEXITED | WNOWAIT) < 0)
			die("waitid");
		printf("zombie %d\n", (int)c);
	} else if (!strcmp(mode, "many")) {
		many(n);
	} else if (!strcmp(mode, "many-file")) {
		if (!dir && !(dir = mkdtemp(tmpl)))
			die("mkdtemp /var/tmp");
		many_file(n);
		if (!keep_files && rmdir(dir) < 0)
			die(dir);
	} else if (!strcmp(mode, "simple") || !strcmp(mode, "all")) {
		int all = !strcmp(mode, "all");

		if (!dir) {
			dir = mkdtemp(tmpl);
			if (!dir)
				die("mkdtemp /var/tmp");
		}
		make_heap();
		if (all) {
			file_maps();
			shared_memory();
			anon_maps();
			start_threads(3);
		} else {
			char path[PATH_MAX];
			int fd = make_file("simple.bin", 4, path, sizeof(path));
			char *p = xmmap(NULL, 4 * PG, PROT_READ, MAP_PRIVATE, fd, 0, "mmap simple");

			touch(p, 4 * PG, 0);
			done_with_file(fd, path, 0);
			p = xmmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, "mmap anon");
			touch(p, 3 * PG, 1);
		}
		if (!keep_files && rmdir(dir) < 0)
			die(dir);
	} else {
		usage();
	}
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
