// SPDX-License-Identifier: BSD-2-Clause
/*
 * vma_stress: the target process of the differential stress test (tests/bpf/model_stress.sh).
 * It performs random VMA-changing operations, from several threads at once, and stops itself
 * at quiescent points so that the driver can compare the live model with /proc/PID/maps.
 *
 * Usage: vma_stress [-s SEED] [-n OPS] [-b BATCH] [-t THREADS] [-f FORK_EVERY] [-l LOG]
 *                   [-d DIR] [--no-stop]
 *   -s SEED       PRNG seed (default 1): every thread's op sequence follows from it (the
 *                 interleaving of the threads does not)
 *   -n OPS        operations in all (default 10000)
 *   -b BATCH      operations per batch (default 100)
 *   -t THREADS    worker threads per batch, 0..8 (default 3); the main thread works too
 *   -f N          fork a child every N batches (default 5); one fork+exec in batch 3 and every
 *                 40 batches
 *   -l LOG        append one line per operation: "b<batch> <who> <op> <args> = <ret> [ERRNO]",
 *                 who being t<slot> (a thread of the main process), c<pid> (a fork child) or
 *                 x<pid>/y<pid> (the exec child and its worker)
 *   -d DIR        where the temp file goes (default /var/tmp); it is unlinked at exit
 *   -x OP,OP..    leave these op kinds out (names as in op_table): to isolate one class of
 *                 mismatch while reducing it, never to make a run pass
 *   --no-stop     print the protocol lines but never stop (to run by hand)
 *   --exec-child N  (internal) the exec'd child: N operations, then stop
 *
 * Protocol (stdout, one line per write): "batch K ops N pid P" then SIGSTOP, once per batch,
 * with every worker joined; a fork child prints "child P" and an exec child "exec-child P",
 * then SIGSTOP, and are expected to be killed (SIGKILL) by the driver. At the end:
 * "done ops N failed F" and exit 0. Other lines ("seed ...", "info ...") are informational;
 * "child-error ..." means a child did not end as expected.
 *
 * Where the operations land, so that no op can hit memory the program itself needs (libc,
 * stacks, malloc): an arena at a fixed address far below everything the kernel places (one
 * 2 MiB part per thread plus a part every thread shares), where any random range is safe, and
 * per-thread "floating" regions the kernel placed (mmap without MAP_FIXED, mremap MAYMOVE,
 * shmat, io_setup), whose extents are tracked exactly: every op on them stays inside pages
 * that are certainly ours. Touches of pages recover from SIGSEGV/SIGBUS (regions are
 * PROT_NONE, beyond EOF, userfaultfd-registered, or changed by another thread meanwhile).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/aio_abi.h>
#include <linux/userfaultfd.h>
#include <malloc.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Not all of these are in the 6.1 uapi headers or glibc 2.36. */
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 0x01
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif
#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK 18
#define MADV_KEEPONFORK 19
#endif
#ifndef MADV_COLD
#define MADV_COLD 20
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#define MADV_POPULATE_WRITE 23
#endif
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#define MADV_GUARD_REMOVE 103
#endif
#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif
#ifndef SHM_REMAP
#define SHM_REMAP 040000
#endif
#ifndef USERFAULTFD_IOC_NEW
#define USERFAULTFD_IOC_NEW _IO(0xAA, 0x00)
#endif
#define NR_set_mempolicy_home_node 450
#define NR_map_shadow_stack 453
#define NR_mseal 462
#define SHADOW_STACK_SET_TOKEN 1
/* numaif.h is libnuma's: the modes, spelled as the kernel does */
#define MPOL_DEFAULT 0
#define MPOL_PREFERRED 1
#define MPOL_BIND 2
#define MPOL_INTERLEAVE 3
#define MPOL_PREFERRED_MANY 5

#define PG 4096UL
#define ARENA_BASE 0x200000000000UL	/* 32 TiB: below the PIE, the heap and every mmap */
#define SUB_PAGES 512			/* one arena part: 2 MiB */
#define MAX_THREADS 8
#define MAX_SLOTS (MAX_THREADS + 2)	/* main, workers, and the shared arena part */
#define MAX_FLOAT 24
#define MAX_AIO 4
#define MAX_SHM 8
#define MAX_SEALED 6			/* sealed regions never go away: keep them few */
#define MAX_BRK 64
#define FILE_PAGES 64
#define STACK_MAX_PAGES 1024

enum { FL_PLAIN, FL_SHM, FL_SEALED, FL_SHSTK };
#define K(x) (1u << (x))
#define K_ALL (K(FL_PLAIN) | K(FL_SHM) | K(FL_SEALED) | K(FL_SHSTK))

/* A region the kernel placed, entirely ours: [addr, addr + len) is mapped by us. */
struct region {
	uintptr_t addr;
	size_t len;
	int kind;
};

/* What one thread slot owns. Slot i is used by one thread at a time (batches join theirs). */
struct slot {
	struct region fl[MAX_FLOAT];
	int nfl;
	aio_context_t aio[MAX_AIO];
	int naio;
	uintptr_t shm_at[MAX_SHM];	/* SysV attaches made inside the arena */
	int nshm;
};

struct ctx {
	uint64_t rng;
	int slot;
	int batch;
	bool main;	/* may do what only a single thread of the process may: brk, stack, mlockall */
	char who[24];
};

static struct slot slots[MAX_SLOTS];
static int nthreads = 3, shared_slot;
static long nops = 10000, batch_size = 100;
static int fork_every = 5, exec_first = 3, exec_every = 40;
static uint64_t seed = 1;
static bool no_stop, is_child;
static uintptr_t arena_lo, arena_hi;
static int file_fd = -1, zero_fd = -1, log_fd = -1;
static const char *log_path, *file_dir = "/var/tmp";
static char file_path[PATH_MAX];

static atomic_long ops_done, ops_failed, batch_left;
static atomic_int sealed_count;
static atomic_int uffd_state;	/* 0 none, 1 being made, 2 made (uffd_fd, -1 if it failed) */
static int uffd_fd = -1;
static long forks, execs, threads_made;

/* main-thread-only state */
static struct { uintptr_t lo, hi; } brk_mine[MAX_BRK];	/* what our sbrk() calls added */
static int nbrk;
static int mlockall_left;	/* main ops until munlockall; 0: not locked */
static long stack_pages, stack_max;

/* ---- output ---- */

/* One write per line: lines of threads and children never interleave. */
static void say(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	if (write(1, buf, n) != n)
		_exit(3);
}

static void die(const char *what)
{
	char buf[256];
	int n = snprintf(buf, sizeof(buf), "vma_stress: %s: %s\n", what, strerror(errno));

	if (write(2, buf, n) < 0)
		_exit(2);
	_exit(2);
}

static const char *errname(int err)
{
	const char *s = strerrorname_np(err);

	return s ? s : "E?";
}

/*
 * Logs one op and counts it as failed when ret < 0 (MAP_FAILED included). Failures are normal
 * here (ranges with holes, sealed regions, EINVAL for a kind of mapping): they are counted,
 * and they still exercise the model, which must follow failed calls too.
 */
static void report(struct ctx *c, long ret, int err, const char *fmt, ...)
{
	char buf[400];
	va_list ap;
	int n;

	if (ret < 0)
		atomic_fetch_add(&ops_failed, 1);
	if (log_fd < 0)
		return;
	n = snprintf(buf, sizeof(buf), "b%d %s ", c->batch, c->who);
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 40)
		n = sizeof(buf) - 40;
	if (ret < 0)
		n += snprintf(buf + n, sizeof(buf) - n, " = -1 %s\n", errname(err));
	else if (ret > 0xffff)
		n += snprintf(buf + n, sizeof(buf) - n, " = %#lx\n", ret);
	else
		n += snprintf(buf + n, sizeof(buf) - n, " = %ld\n", ret);
	if (write(log_fd, buf, n) < 0)
		log_fd = -1;
}

/* ---- randomness ---- */

static uint64_t rnd(struct ctx *c)
{
	/* xorshift64* */
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return c->rng * 0x2545f4914f6cdd1dULL;
}

static uint64_t rr(struct ctx *c, uint64_t n)
{
	return n ? rnd(c) % n : 0;
}

static uint64_t mix(uint64_t a, uint64_t b, uint64_t d)
{
	uint64_t x = a * 0x9e3779b97f4a7c15ULL ^ (b + 0x632be59bd9b4e019ULL) * 0xbf58476d1ce4e5b9ULL ^
		     (d + 1) * 0x94d049bb133111ebULL;

	x ^= x >> 31;
	return x ? x : 1;
}

/* Every (batch, slot, salt) has its own op sequence: the same for the same seed. */
static void ctx_init(struct ctx *c, int slot, int batch, const char *who, bool main, int salt)
{
	c->slot = slot;
	c->batch = batch;
	c->main = main;
	c->rng = mix(seed, (uint64_t)batch, (uint64_t)slot + 1000 * (uint64_t)salt);
	snprintf(c->who, sizeof(c->who), "%s", who);
}

/* Sizes: mostly small, so that ops meet and split each other's VMAs; sometimes large. */
static size_t pick_pages(struct ctx *c)
{
	unsigned r = rr(c, 100);

	if (r < 50)
		return 1 + rr(c, 4);
	if (r < 85)
		return 5 + rr(c, 12);
	return 17 + rr(c, 48);
}

static int pick_prot(struct ctx *c)
{
	static const int prots[] = {
		PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE,
		PROT_READ | PROT_WRITE, PROT_READ, PROT_READ, PROT_READ, PROT_NONE, PROT_NONE,
		PROT_READ | PROT_EXEC, PROT_READ | PROT_WRITE | PROT_EXEC, PROT_WRITE,
	};

	return prots[rr(c, sizeof(prots) / sizeof(prots[0]))];
}

static const char *prot_str(int prot)
{
	static const char *s[] = { "---", "r--", "-w-", "rw-", "--x", "r-x", "-wx", "rwx" };

	return s[prot & 7];
}

/* ---- places ---- */

static bool in_arena(uintptr_t a)
{
	return a >= arena_lo && a < arena_hi;
}

/* A random range in the arena: mostly the thread's own part, sometimes the shared one. It may
 * cover holes and several VMAs: that is what it is for. */
static void arena_range(struct ctx *c, uintptr_t *a, size_t *l)
{
	int sub = rr(c, 10) < 7 ? c->slot : shared_slot;
	size_t n = pick_pages(c);

	*a = arena_lo + ((uintptr_t)sub * SUB_PAGES + rr(c, SUB_PAGES)) * PG;
	if (*a + n * PG > arena_hi)
		n = (arena_hi - *a) / PG;
	*l = n * PG;
}

static uintptr_t arena_page(struct ctx *c, int sub)
{
	return arena_lo + ((uintptr_t)sub * SUB_PAGES + rr(c, SUB_PAGES - 64)) * PG;
}

/* A random floating region of the slot whose kind is in kinds, or -1. */
static int fl_pick(struct ctx *c, unsigned kinds)
{
	struct slot *s = &slots[c->slot];
	int idx[MAX_FLOAT], n = 0;

	for (int i = 0; i < s->nfl; i++)
		if (kinds & K(s->fl[i].kind))
			idx[n++] = i;
	return n ? idx[rr(c, n)] : -1;
}

static void fl_del(struct slot *s, int i)
{
	s->fl[i] = s->fl[--s->nfl];
}

/* Tracks a region the kernel placed. With no room left it is unmapped again at once, so that
 * no memory of ours is left untracked. Returns the index, or -1. */
static int fl_add(struct ctx *c, uintptr_t a, size_t l, int kind)
{
	struct slot *s = &slots[c->slot];

	if (s->nfl == MAX_FLOAT) {
		long r = kind == FL_SHM ? shmdt((void *)a) : munmap((void *)a, l);

		report(c, r, errno, "tidy %s %#lx %#lx", kind == FL_SHM ? "shmdt" : "munmap", a, l);
		return -1;
	}
	s->fl[s->nfl] = (struct region){ a, l, kind };
	return s->nfl++;
}

/* [a, a + l) of region i is gone: keep what is left of it, one or two regions. */
static void fl_cut(struct ctx *c, int i, uintptr_t a, size_t l)
{
	struct slot *s = &slots[c->slot];
	struct region *r = &s->fl[i];
	uintptr_t end = r->addr + r->len;
	int kind = r->kind;

	if (a <= r->addr && a + l >= end) {
		fl_del(s, i);
	} else if (a <= r->addr) {
		r->len = end - (a + l);
		r->addr = a + l;
	} else if (a + l >= end) {
		r->len = a - r->addr;
	} else {
		r->len = a - r->addr;
		fl_add(c, a + l, end - (a + l), kind);
	}
}

/*
 * A range to work on: in the arena, or inside one of the slot's floating regions of the given
 * kinds (the whole region a third of the time). *fi is the region's index, or -1.
 */
static void pick_range(struct ctx *c, uintptr_t *a, size_t *l, int *fi, unsigned kinds)
{
	struct slot *s = &slots[c->slot];
	int i = -1;

	if (s->nfl && rr(c, 10) < 4)
		i = fl_pick(c, kinds);
	if (i >= 0) {
		struct region *r = &s->fl[i];
		size_t np = r->len / PG, off, n;

		if (rr(c, 3) == 0) {
			off = 0;
			n = np;
		} else {
			off = rr(c, np);
			n = 1 + rr(c, np - off);
		}
		*a = r->addr + off * PG;
		*l = n * PG;
	} else {
		arena_range(c, a, l);
	}
	*fi = i;
}

/* ---- touching pages ---- */

static __thread sigjmp_buf touch_jmp;
static __thread volatile sig_atomic_t touching;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	if (touching) {
		touching = 0;
		siglongjmp(touch_jmp, sig);
	}
	/* not a touch: a real bug, die of it */
	signal(sig, SIG_DFL);
}

/* 0, or -SIG when the access faulted (PROT_NONE, beyond EOF, uffd, a guard, moved away). */
static int touch_user(volatile char *p, bool write)
{
	int sig;

	touching = 1;
	sig = sigsetjmp(touch_jmp, 1);
	if (sig)
		return -sig;
	if (write)
		*p = 1;
	else
		(void)*p;
	touching = 0;
	return 0;
}

/* ---- operations ---- */

static void op_touch(struct ctx *c);

/* The MAP_ flags of a KIND of mapping (0-4 private anonymous, 5 shared anonymous, 6-7 private
 * file, 8-9 shared file; *off: a random file offset), MAP_NORESERVE one time in NORESERVE,
 * MAP_POPULATE and MAP_LOCKED one time in EXTRA each. */
static int pick_map_flags(struct ctx *c, int kind, int noreserve, int extra, off_t *off)
{
	int flags;

	if (kind < 5) {
		flags = MAP_PRIVATE | MAP_ANONYMOUS;
	} else if (kind < 6) {
		flags = MAP_SHARED | MAP_ANONYMOUS;
	} else {
		flags = kind < 8 ? MAP_PRIVATE : MAP_SHARED;
		*off = rr(c, FILE_PAGES) * PG;
	}
	if (rr(c, noreserve) == 0)
		flags |= MAP_NORESERVE;
	if (rr(c, extra) == 0)
		flags |= MAP_POPULATE;
	if (rr(c, extra) == 0)
		flags |= MAP_LOCKED;
	return flags;
}

static void op_mmap_fixed(struct ctx *c)
{
	int kind = rr(c, 10), prot = pick_prot(c), flags = MAP_FIXED, fi;
	uintptr_t a;
	size_t l;
	off_t off = 0;
	void *p;

	/* over parts of the arena (holes, several VMAs) or inside a floating region */
	pick_range(c, &a, &l, &fi, K(FL_PLAIN));
	flags |= pick_map_flags(c, kind, 5, 25, &off);
	p = mmap((void *)a, l, prot, flags, flags & MAP_ANONYMOUS ? -1 : file_fd, off);
	report(c, (long)p, errno, "mmap_fixed %#lx %#lx %s %s%s off %#lx%s%s%s", a, l, prot_str(prot),
	       flags & MAP_SHARED ? "shared" : "private", flags & MAP_ANONYMOUS ? " anon" : " file",
	       (long)off, flags & MAP_NORESERVE ? " noreserve" : "",
	       flags & MAP_POPULATE ? " populate" : "", flags & MAP_LOCKED ? " locked" : "");
	/* a failed MAP_FIXED may have unmapped the old pages: forget that region */
	if (p == MAP_FAILED && fi >= 0)
		fl_del(&slots[c->slot], fi);
}

static void op_mmap_noreplace(struct ctx *c)
{
	int prot = pick_prot(c);
	uintptr_t a;
	size_t l;
	void *p;

	arena_range(c, &a, &l);
	p = mmap((void *)a, l, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	report(c, (long)p, errno, "mmap_noreplace %#lx %#lx %s", a, l, prot_str(prot));
}

/* A new mapping placed by the kernel (no hint, or a hint it may or may not honour). */
static void op_mmap_new(struct ctx *c)
{
	struct slot *s = &slots[c->slot];
	int kind = rr(c, 10), prot = pick_prot(c), flags = 0, h = rr(c, 10), i;
	size_t l = pick_pages(c) * PG;
	uintptr_t hint = 0;
	off_t off = 0;
	void *p;

	if (rr(c, 16) == 0) {
		/* CET shadow stacks: ENOSYS/EOPNOTSUPP without X86_USER_SHADOW_STACK */
		long r = syscall(NR_map_shadow_stack, 0UL, l, SHADOW_STACK_SET_TOKEN);

		report(c, r, errno, "map_shadow_stack 0 %#lx", l);
		if (r >= 0 && !in_arena(r))
			fl_add(c, r, l, FL_SHSTK);
		return;
	}
	if (h < 2) {
		hint = arena_page(c, c->slot);		/* taken if that spot is free */
	} else if (h < 3) {
		/* right above the break: the next brk() collides, and "[heap]" naming of a VMA
		 * that starts at the break is put to the test */
		hint = ((uintptr_t)sbrk(0) + PG - 1) / PG * PG +
		       (rr(c, 2) ? rr(c, 2) : 4 + rr(c, 16)) * PG;
	} else if (h < 5 && (i = fl_pick(c, K(FL_PLAIN))) >= 0) {
		/* adjacent to a region of ours, above or below it: merges */
		hint = rr(c, 2) ? s->fl[i].addr + s->fl[i].len : s->fl[i].addr - l;
	}
	flags = pick_map_flags(c, kind, 8, 30, &off);
	p = mmap((void *)hint, l, prot, flags, flags & MAP_ANONYMOUS ? -1 : file_fd, off);
	report(c, (long)p, errno, "mmap_new hint %#lx %#lx %s %s%s off %#lx%s", hint, l,
	       prot_str(prot), flags & MAP_SHARED ? "shared" : "private",
	       flags & MAP_ANONYMOUS ? " anon" : " file", (long)off,
	       flags & MAP_LOCKED ? " locked" : "");
	if (p != MAP_FAILED && !in_arena((uintptr_t)p))
		fl_add(c, (uintptr_t)p, l, FL_PLAIN);
}

static void op_munmap(struct ctx *c)
{
	struct slot *s = &slots[c->slot];
	uintptr_t a;
	size_t l, np;
	int i = -1, how;
	long r;

	if (s->nfl && rr(c, 2))
		i = fl_pick(c, K(FL_PLAIN) | K(FL_SHM) | K(FL_SHSTK));
	if (i < 0) {
		arena_range(c, &a, &l);
		r = munmap((void *)a, l);
		report(c, r, errno, "munmap %#lx %#lx", a, l);
		return;
	}
	np = s->fl[i].len / PG;
	how = s->fl[i].kind != FL_PLAIN || np < 3 ? 0 : rr(c, 4);
	switch (how) {
	case 0: /* all of it */
		a = s->fl[i].addr;
		l = s->fl[i].len;
		break;
	case 1: /* head */
		a = s->fl[i].addr;
		l = (1 + rr(c, np - 1)) * PG;
		break;
	case 2: /* tail */
		l = (1 + rr(c, np - 1)) * PG;
		a = s->fl[i].addr + s->fl[i].len - l;
		break;
	default: { /* middle */
		size_t off = 1 + rr(c, np - 2);

		a = s->fl[i].addr + off * PG;
		l = (1 + rr(c, np - 1 - off)) * PG;
		break;
	}
	}
	r = munmap((void *)a, l);
	report(c, r, errno, "munmap %#lx %#lx (%s of floating %#lx %#lx)", a, l,
	       (const char *[]){ "all", "head", "tail", "middle" }[how], s->fl[i].addr, s->fl[i].len);
	if (!r)
		fl_cut(c, i, a, l);
}

static void op_mprotect(struct ctx *c, bool pkey)
{
	int prot = pick_prot(c), fi;
	uintptr_t a;
	size_t l;
	long r;

	pick_range(c, &a, &l, &fi, K_ALL);
	if (pkey)
		r = syscall(SYS_pkey_mprotect, a, l, prot, -1);
	else
		r = mprotect((void *)a, l, prot);
	report(c, r, errno, "%s %#lx %#lx %s", pkey ? "pkey_mprotect" : "mprotect", a, l,
	       prot_str(prot));
}

static void op_mremap(struct ctx *c)
{
	static const char *hows[] = { "inplace", "maymove", "fixed", "dontunmap", "fixed|dontunmap" };
	struct slot *s = &slots[c->slot];
	int how = rr(c, 5), flags = 0, i = -1;
	uintptr_t a, dst = 0, end = 0;
	size_t ol, nl;
	void *p;

	if (s->nfl && rr(c, 2))
		i = fl_pick(c, K(FL_PLAIN));
	if (i >= 0) {
		struct region *r = &s->fl[i];
		size_t np = r->len / PG, sub = rr(c, 10), k, n;

		end = r->addr + r->len;
		if (sub < 4 || np == 1) {	/* the whole region */
			a = r->addr;
			ol = r->len;
		} else if (sub < 8) {		/* a tail: grows in place if the space is free */
			k = 1 + rr(c, np - 1);
			a = r->addr + k * PG;
			ol = r->len - k * PG;
		} else {			/* a part in the middle */
			k = 1 + rr(c, np - 1);
			n = 1 + rr(c, np - k);
			a = r->addr + k * PG;
			ol = n * PG;
		}
	} else {
		a = arena_page(c, rr(c, 10) < 7 ? c->slot : shared_slot);
		ol = (1 + rr(c, 8)) * PG;
	}
	nl = (1 + rr(c, 24)) * PG;
	switch (how) {
	case 0:
		break;
	case 1:
		flags = MREMAP_MAYMOVE;
		break;
	case 2:
		flags = MREMAP_MAYMOVE | MREMAP_FIXED;
		dst = arena_page(c, c->slot);
		break;
	case 3:
		flags = MREMAP_MAYMOVE | MREMAP_DONTUNMAP;
		nl = ol;
		break;
	default:
		flags = MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP;
		dst = arena_page(c, c->slot);
		nl = ol;
		break;
	}
	p = mremap((void *)a, ol, nl, flags, (void *)dst);
	report(c, (long)p, errno, "mremap %#lx %#lx -> %#lx %s dst %#lx%s", a, ol, nl, hows[how], dst,
	       i >= 0 ? " (floating)" : "");
	if (p == MAP_FAILED)
		return;
	if (i >= 0) {
		struct region *r = &s->fl[i];

		if ((uintptr_t)p == a) {
			if (a + ol == end)
				r->len = a + nl - r->addr;	/* the tail grew or shrank */
			else if (nl < ol)
				fl_cut(c, i, a + nl, ol - nl);
			/* (growing in place in the middle cannot work: the next page is ours) */
		} else if (!(flags & MREMAP_DONTUNMAP)) {
			fl_cut(c, i, a, ol);
		}
	}
	if ((uintptr_t)p != a && !in_arena((uintptr_t)p))
		fl_add(c, (uintptr_t)p, nl, FL_PLAIN);
}

/* brk: main thread only, through glibc's sbrk() so that malloc's idea of the break stays
 * right. We only ever give back what our own sbrk() calls added last, and only while nobody
 * (malloc) moved the break after us: that memory is nobody else's. */
static void op_brk(struct ctx *c)
{
	uintptr_t cur = (uintptr_t)sbrk(0), mine = 0;
	bool shrink;
	intptr_t inc;
	void *p;

	for (int i = 0; i < nbrk; i++)
		mine += brk_mine[i].hi - brk_mine[i].lo;
	shrink = nbrk && cur == brk_mine[nbrk - 1].hi && (rr(c, 10) < 4 || mine > (8u << 20));
	if (shrink) {
		uintptr_t have = brk_mine[nbrk - 1].hi - brk_mine[nbrk - 1].lo;

		inc = rr(c, 2) ? (intptr_t)have : (intptr_t)((1 + rr(c, 8)) * PG + rr(c, PG));
		if ((uintptr_t)inc > have)
			inc = have;
		inc = -inc;
	} else {
		inc = (1 + rr(c, 8)) * PG;
		if (rr(c, 3) == 0)
			inc += rr(c, PG);	/* an unaligned break */
	}
	p = sbrk(inc);
	report(c, p == (void *)-1 ? -1 : (long)p, errno, "brk %#lx -> %#lx", cur, cur + inc);
	if (p == (void *)-1)
		return;
	if (inc < 0) {
		brk_mine[nbrk - 1].hi += inc;
		if (brk_mine[nbrk - 1].hi == brk_mine[nbrk - 1].lo)
			nbrk--;
	} else if (nbrk && brk_mine[nbrk - 1].hi == (uintptr_t)p) {
		brk_mine[nbrk - 1].hi += inc;
	} else if (nbrk < MAX_BRK) {
		brk_mine[nbrk].lo = (uintptr_t)p;
		brk_mine[nbrk++].hi = (uintptr_t)p + inc;
	}
}

static void op_madvise(struct ctx *c)
{
	static const struct { int adv; const char *name; } advs[] = {
		{ MADV_DONTFORK, "dontfork" }, { MADV_DOFORK, "dofork" },
		{ MADV_HUGEPAGE, "hugepage" }, { MADV_NOHUGEPAGE, "nohugepage" },
		{ MADV_WIPEONFORK, "wipeonfork" }, { MADV_KEEPONFORK, "keeponfork" },
		{ MADV_DONTDUMP, "dontdump" }, { MADV_DODUMP, "dodump" },
		{ MADV_RANDOM, "random" }, { MADV_SEQUENTIAL, "sequential" }, { MADV_NORMAL, "normal" },
		{ MADV_DONTNEED, "dontneed" }, { MADV_WILLNEED, "willneed" }, { MADV_FREE, "free" },
		{ MADV_COLD, "cold" }, { MADV_PAGEOUT, "pageout" },
		{ MADV_POPULATE_READ, "populate_read" }, { MADV_POPULATE_WRITE, "populate_write" },
		{ MADV_GUARD_INSTALL, "guard_install" }, { MADV_GUARD_REMOVE, "guard_remove" },
	};
	int k = rr(c, sizeof(advs) / sizeof(advs[0])), fi;
	uintptr_t a;
	size_t l;
	long r;

	pick_range(c, &a, &l, &fi, K_ALL);
	r = madvise((void *)a, l, advs[k].adv);
	report(c, r, errno, "madvise %#lx %#lx %s", a, l, advs[k].name);
}

static void op_mlock(struct ctx *c)
{
	static const char *names[] = { "mlock", "munlock", "mlock2_onfault", "mlock2" };
	int how = rr(c, 4), fi;
	uintptr_t a;
	size_t l;
	long r;

	pick_range(c, &a, &l, &fi, K_ALL);
	switch (how) {
	case 0:
		r = mlock((void *)a, l);
		break;
	case 1:
		r = munlock((void *)a, l);
		break;
	default:
		r = syscall(SYS_mlock2, a, l, how == 2 ? MLOCK_ONFAULT : 0);
		break;
	}
	report(c, r, errno, "%s %#lx %#lx", names[how], a, l);
}

/* mlockall, then munlockall a few main-thread ops later (every thread's mmaps are locked
 * meanwhile, and new thread stacks). */
static void op_mlockall(struct ctx *c)
{
	static const int fl[] = { MCL_CURRENT | MCL_FUTURE, MCL_CURRENT, MCL_FUTURE,
				  MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT };
	long r;

	if (mlockall_left) {
		r = munlockall();
		report(c, r, errno, "munlockall");
		mlockall_left = 0;
		return;
	}
	int k = rr(c, 4);

	r = mlockall(fl[k]);
	report(c, r, errno, "mlockall %s%s%s", fl[k] & MCL_CURRENT ? "current" : "",
	       fl[k] & MCL_FUTURE ? "|future" : "", fl[k] & MCL_ONFAULT ? "|onfault" : "");
	if (!r)
		mlockall_left = 2 + rr(c, 10);
}

/* mseal: only small regions made for it (a sealed region can never be unmapped). Once there
 * are enough, probe them: the calls must fail, and the model must follow failed calls too. */
static void op_mseal(struct ctx *c)
{
	struct slot *s = &slots[c->slot];
	int i = fl_pick(c, K(FL_SEALED));
	uintptr_t a;
	size_t l;
	long r;

	bool make = i < 0 || rr(c, 2);

	/* a new one only while there are few, and room to track it */
	if (make && (s->nfl == MAX_FLOAT || atomic_fetch_add(&sealed_count, 1) >= MAX_SEALED)) {
		if (s->nfl < MAX_FLOAT)
			atomic_fetch_sub(&sealed_count, 1);
		make = false;
		if (i < 0) {
			op_touch(c);
			return;
		}
	}
	if (make) {
		size_t np = 1 + rr(c, 3), sl;
		void *p;

		l = np * PG;
		p = mmap(NULL, l, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		report(c, (long)p, errno, "mmap_new hint 0 %#lx rw- private anon (to seal)", l);
		if (p == MAP_FAILED) {
			atomic_fetch_sub(&sealed_count, 1);
			return;
		}
		a = (uintptr_t)p;
		if (np > 1 && rr(c, 2)) {
			r = mprotect(p, PG, PROT_READ);		/* two VMAs under the seal */
			report(c, r, errno, "mprotect %#lx %#lx r--", a, PG);
		}
		sl = rr(c, 2) ? l : (1 + rr(c, np)) * PG;	/* all, or a prefix: splits */
		r = syscall(NR_mseal, a, sl, 0UL);
		report(c, r, errno, "mseal %#lx %#lx (of %#lx)", a, sl, l);
		if (r) {
			atomic_fetch_sub(&sealed_count, 1);
			fl_add(c, a, l, FL_PLAIN);
		} else {
			fl_add(c, a, l, FL_SEALED);
		}
		return;
	}
	/* the region starts with a sealed VMA: each of these must fail with EPERM as a whole */
	a = s->fl[i].addr;
	l = s->fl[i].len;
	switch (rr(c, 5)) {
	case 0:
		r = mprotect((void *)a, l, PROT_NONE);
		report(c, r, errno, "mprotect %#lx %#lx --- (sealed)", a, l);
		break;
	case 1:
		r = munmap((void *)a, l);
		report(c, r, errno, "munmap %#lx %#lx (sealed)", a, l);
		if (!r)
			fl_del(s, i);
		break;
	case 2:
		r = (long)mremap((void *)a, l, l + PG, MREMAP_MAYMOVE);
		report(c, r, errno, "mremap %#lx %#lx -> %#lx maymove (sealed)", a, l, l + PG);
		if (r != -1) {
			fl_del(s, i);
			if (!in_arena(r))
				fl_add(c, r, l + PG, FL_PLAIN);
		}
		break;
	case 3:
		r = (long)mmap((void *)a, l, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		report(c, r, errno, "mmap_fixed %#lx %#lx r-- private anon (sealed)", a, l);
		break;
	default:
		r = syscall(NR_mseal, a, l, 0UL);	/* sealing again (the whole) is fine */
		report(c, r, errno, "mseal %#lx %#lx (again)", a, l);
		break;
	}
}

static void op_mbind(struct ctx *c)
{
	static const struct { int mode; const char *name; } modes[] = {
		{ MPOL_DEFAULT, "default" }, { MPOL_BIND, "bind" }, { MPOL_PREFERRED, "preferred" },
		{ MPOL_INTERLEAVE, "interleave" }, { MPOL_PREFERRED_MANY, "preferred_many" },
	};
	unsigned long mask[2] = { 1, 0 };	/* node 0 */
	int k = rr(c, 5), fi;
	uintptr_t a;
	size_t l;
	long r;

	pick_range(c, &a, &l, &fi, K_ALL);
	if (rr(c, 4) == 0) {
		/* only ranges with a bind/preferred_many policy take a home node */
		r = syscall(NR_set_mempolicy_home_node, a, l, 0UL, 0UL);
		report(c, r, errno, "set_mempolicy_home_node %#lx %#lx 0", a, l);
		return;
	}
	r = syscall(SYS_mbind, a, l, modes[k].mode, modes[k].mode ? mask : NULL,
		    modes[k].mode ? 64UL : 0UL, 0U);
	report(c, r, errno, "mbind %#lx %#lx %s", a, l, modes[k].name);
}

/* Needs CONFIG_ANON_VMA_NAME: EINVAL without it. */
static void op_prctl_name(struct ctx *c)
{
	static const char *names[] = { "vms_a", "vms_b", NULL };
	int k = rr(c, 3), fi;
	uintptr_t a;
	size_t l;
	long r;

	pick_range(c, &a, &l, &fi, K_ALL);
	r = prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, a, l, names[k]);
	report(c, r, errno, "prctl_set_vma_anon_name %#lx %#lx %s", a, l, names[k] ? names[k] : "(clear)");
}

/* SysV shm: the segment is removed (IPC_RMID) right after the attach, so that it goes away
 * with its last attach even if we are killed. */
static void op_shm(struct ctx *c)
{
	struct slot *s = &slots[c->slot];
	int i = fl_pick(c, K(FL_SHM)), how, flags = 0, id;
	size_t l;
	uintptr_t a = 0;
	void *p;
	long r;

	if ((i >= 0 || s->nshm) && rr(c, 5) < 2) {
		if (i >= 0 && (!s->nshm || rr(c, 2))) {
			a = s->fl[i].addr;
			r = shmdt((void *)a);
			report(c, r, errno, "shmdt %#lx (floating %#lx)", a, s->fl[i].len);
			if (!r)
				fl_del(s, i);
		} else {
			int k = rr(c, s->nshm);

			/* the arena attach may have been mapped over meanwhile: EINVAL then */
			a = s->shm_at[k];
			s->shm_at[k] = s->shm_at[--s->nshm];
			r = shmdt((void *)a);
			report(c, r, errno, "shmdt %#lx (arena)", a);
		}
		return;
	}
	l = (1 + rr(c, 8)) * PG;
	id = shmget(IPC_PRIVATE, l, IPC_CREAT | 0600);
	if (id < 0) {
		report(c, -1, errno, "shmget %#lx", l);
		return;
	}
	how = rr(c, 4);
	if (how == 2) {
		a = arena_page(c, rr(c, 10) < 7 ? c->slot : shared_slot);
		flags = SHM_REMAP;
	} else if (how == 3) {
		a = arena_page(c, c->slot);	/* fails if anything is there */
	}
	if (rr(c, 4) == 0)
		flags |= SHM_RDONLY;
	p = shmat(id, (void *)a, flags);
	r = p == (void *)-1 ? -1 : (long)p;
	report(c, r, errno, "shmat %#lx %#lx%s%s", a, l, flags & SHM_REMAP ? " remap" : "",
	       flags & SHM_RDONLY ? " rdonly" : "");
	shmctl(id, IPC_RMID, NULL);
	if (r == -1)
		return;
	if (in_arena(r)) {
		if (s->nshm == MAX_SHM)
			s->nshm--;
		s->shm_at[s->nshm++] = r;
	} else {
		fl_add(c, r, l, FL_SHM);
	}
}

static void op_aio(struct ctx *c)
{
	struct slot *s = &slots[c->slot];
	long r;

	if (s->naio && (s->naio == MAX_AIO || rr(c, 5) < 2)) {
		int k = rr(c, s->naio);

		r = syscall(SYS_io_destroy, s->aio[k]);
		report(c, r, errno, "io_destroy %#lx", (unsigned long)s->aio[k]);
		s->aio[k] = s->aio[--s->naio];
		return;
	}
	aio_context_t ctx = 0;
	unsigned nr = 1 + rr(c, 256);

	r = syscall(SYS_io_setup, nr, &ctx);
	report(c, r, errno, "io_setup %u -> ring %#lx", nr, (unsigned long)ctx);
	if (!r)
		s->aio[s->naio++] = ctx;
}

/* The process's userfaultfd, made on first use, by the syscall or through /dev/userfaultfd.
 * UFFD_FEATURE_SIGBUS: a fault in a registered range is a SIGBUS (recovered) or EFAULT, never
 * a wait for a handler we do not have. */
static int get_uffd(struct ctx *c)
{
	int st = 0;

	if (atomic_compare_exchange_strong(&uffd_state, &st, 1)) {
		bool dev = rr(c, 2);
		int fd = -1, d;

		if (dev && (d = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC)) >= 0) {
			fd = ioctl(d, USERFAULTFD_IOC_NEW, O_CLOEXEC | O_NONBLOCK);
			close(d);
		}
		if (fd < 0) {
			dev = false;
			fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
		}
		if (fd >= 0) {
			struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_SIGBUS };

			if (ioctl(fd, UFFDIO_API, &api)) {
				close(fd);
				fd = -1;
			}
		}
		report(c, fd, errno, "userfaultfd_open %s", dev ? "/dev/userfaultfd" : "syscall");
		uffd_fd = fd;
		atomic_store(&uffd_state, 2);
	}
	return atomic_load(&uffd_state) == 2 ? uffd_fd : -1;
}

static void op_uffd(struct ctx *c)
{
	int fd = get_uffd(c), fi;
	uintptr_t a;
	size_t l;
	long r;

	if (fd < 0)
		return;
	pick_range(c, &a, &l, &fi, K(FL_PLAIN) | K(FL_SHM));
	if (rr(c, 2)) {
		struct uffdio_register reg = { .range = { a, l }, .mode = UFFDIO_REGISTER_MODE_MISSING };

		r = ioctl(fd, UFFDIO_REGISTER, &reg);
		report(c, r, errno, "uffd_register %#lx %#lx", a, l);
	} else {
		struct uffdio_range rg = { a, l };

		r = ioctl(fd, UFFDIO_UNREGISTER, &rg);
		report(c, r, errno, "uffd_unregister %#lx %#lx", a, l);
	}
}

static void op_remap_file_pages(struct ctx *c)
{
	unsigned long pgoff = rr(c, FILE_PAGES);
	uintptr_t a;
	size_t l;
	int fi;
	long r;

	/* works on shared file mappings only (EINVAL elsewhere); an mmap in disguise */
	pick_range(c, &a, &l, &fi, K(FL_PLAIN));
	r = syscall(SYS_remap_file_pages, a, l, 0UL, pgoff, 0UL);
	report(c, r, errno, "remap_file_pages %#lx %#lx pgoff %lu", a, l, pgoff);
}

static void op_touch(struct ctx *c)
{
	int how = rr(c, 10), fi, ok = 0;
	uintptr_t a;
	size_t l, n;

	pick_range(c, &a, &l, &fi, K_ALL);
	n = l / PG < 16 ? l / PG : 16;
	for (size_t i = 0; i < n; i++) {
		char *p = (char *)a + i * PG + rr(c, PG);

		if (how < 8)
			ok += touch_user(p, how < 6) == 0;
		else
			ok += read(zero_fd, p, 1) == 1;	/* a kernel-mode fault */
	}
	report(c, ok ? ok : -1, EFAULT, "touch %#lx %lu pages %s", a, (unsigned long)n,
	       how < 6 ? "write" : how < 8 ? "read" : "kernel-write");
}

/* Each frame takes about a page and touches it, so depth n uses n more pages of stack. */
__attribute__((noinline)) static long stack_dive(long n)
{
	volatile char buf[PG - 512];

	buf[0] = (char)n;
	buf[sizeof(buf) - 1] = (char)n;
	if (n <= 1)
		return buf[0];
	return stack_dive(n - 1) + buf[sizeof(buf) - 1];
}

/* The main stack grows by a few pages each time: by user-mode faults (recursion), or by a
 * kernel-mode fault (read() into a page below the stack). Main thread only. */
static void op_stack(struct ctx *c)
{
	bool kernel = rr(c, 4) == 0;
	long r;

	if (stack_pages < stack_max)
		stack_pages += 1 + rr(c, 4);
	if (kernel) {
		uintptr_t sp = (uintptr_t)__builtin_frame_address(0) & ~(PG - 1);
		uintptr_t t = sp - (stack_pages + 2) * PG;

		r = read(zero_fd, (void *)t, 64);
		report(c, r, errno, "stack kernel-write %#lx (%ld pages below sp)", t, stack_pages + 2);
	} else {
		stack_dive(stack_pages);
		report(c, 0, 0, "stack recurse %ld pages", stack_pages);
	}
}

enum { OP_MAIN_ONLY = 1 };

struct op {
	const char *name;
	void (*fn)(struct ctx *c);
	int weight;
	int flags;
};

static void op_mprotect_plain(struct ctx *c) { op_mprotect(c, false); }
static void op_pkey_mprotect(struct ctx *c) { op_mprotect(c, true); }

static struct op op_table[] = {
	{ "mmap_fixed", op_mmap_fixed, 8, 0 },
	{ "mmap_noreplace", op_mmap_noreplace, 2, 0 },
	{ "mmap_new", op_mmap_new, 6, 0 },
	{ "munmap", op_munmap, 6, 0 },
	{ "mprotect", op_mprotect_plain, 8, 0 },
	{ "pkey_mprotect", op_pkey_mprotect, 2, 0 },
	{ "mremap", op_mremap, 9, 0 },
	{ "brk", op_brk, 2, OP_MAIN_ONLY },
	{ "madvise", op_madvise, 8, 0 },
	{ "mlock", op_mlock, 4, 0 },
	{ "mlockall", op_mlockall, 1, OP_MAIN_ONLY },
	{ "mseal", op_mseal, 1, 0 },
	{ "mbind", op_mbind, 3, 0 },
	{ "prctl", op_prctl_name, 2, 0 },
	{ "shm", op_shm, 3, 0 },
	{ "aio", op_aio, 2, 0 },
	{ "uffd", op_uffd, 2, 0 },
	{ "remap_file_pages", op_remap_file_pages, 1, 0 },
	{ "touch", op_touch, 6, 0 },
	{ "stack", op_stack, 2, OP_MAIN_ONLY },
};
#define NR_OPS (int)(sizeof(op_table) / sizeof(op_table[0]))

static int op_total;	/* the sum of the weights */
static char *excluded;	/* -x: ",op,op," */

/* Zeroes the weight of every op named in the comma-separated list. */
static void exclude_ops(struct op *table, int n, const char *list)
{
	char buf[512], *tok, *save;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int i;

		for (i = 0; i < n && strcmp(table[i].name, tok); i++)
			;
		if (i == n) {
			fprintf(stderr, "vma_stress: -x: no op named '%s'\n", tok);
			exit(2);
		}
		table[i].weight = 0;
	}
}

static void do_op(struct ctx *c)
{
	const struct op *o;

	do {
		int w = rr(c, op_total);

		o = op_table;
		while (w >= o->weight)
			w -= o++->weight;
	} while ((o->flags & OP_MAIN_ONLY) && !c->main);
	atomic_fetch_add(&ops_done, 1);
	o->fn(c);
	if (c->main && mlockall_left && !--mlockall_left) {
		long r = munlockall();

		report(c, r, errno, "munlockall");
	}
}

static bool take_op(void)
{
	return atomic_fetch_sub(&batch_left, 1) > 0;
}

static void *worker(void *arg)
{
	struct ctx *c = arg;

	while (take_op())
		do_op(c);
	return NULL;
}

/* Thread stacks of several sizes and guards, so that glibc's stack cache both reuses and
 * maps (and unmaps) stacks as threads come and go. */
static bool start_worker(pthread_t *t, struct ctx *c, struct ctx *by)
{
	static const size_t sizes[] = { 0, 64 << 10, 192 << 10, 1 << 20 };
	size_t size = sizes[rr(by, 4)];
	pthread_attr_t at;
	int err;

	pthread_attr_init(&at);
	if (size)
		pthread_attr_setstacksize(&at, size);
	if (rr(by, 4) == 0)
		pthread_attr_setguardsize(&at, 64 << 10);
	err = pthread_create(t, &at, worker, c);
	pthread_attr_destroy(&at);
	report(by, err ? -1 : 0, err, "pthread_create %s", c->who);
	if (!err)
		threads_made++;
	return !err;
}

/* ---- setup ---- */

static void on_faults(void)
{
	struct sigaction sa = { .sa_sigaction = on_fault, .sa_flags = SA_SIGINFO };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

/* The arena must be free (it is far from everything the kernel places), then half filled. */
static void setup_arena(struct ctx *c)
{
	size_t size;
	void *p;

	shared_slot = nthreads + 1;
	arena_lo = ARENA_BASE;
	size = (size_t)(nthreads + 2) * SUB_PAGES * PG;
	arena_hi = arena_lo + size;
	p = mmap((void *)arena_lo, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		 -1, 0);
	if (p != (void *)arena_lo)
		die("the arena is not free");
	munmap(p, size);
	for (int sub = 0; sub <= shared_slot; sub++) {
		struct ctx s = *c;

		s.slot = sub;
		for (int i = 0; i < 24; i++) {
			s.rng = mix(seed, 7777, (uint64_t)sub * 100 + i);
			op_mmap_fixed(&s);
		}
	}
}

static void setup_file(void)
{
	char buf[PG];

	if (file_fd >= 0)
		return;	/* the exec child inherits it */
	snprintf(file_path, sizeof(file_path), "%s/vma_stress.XXXXXX", file_dir);
	file_fd = mkstemp(file_path);
	if (file_fd < 0)
		die(file_path);
	for (int i = 0; i < FILE_PAGES; i++) {
		memset(buf, 'a' + i % 26, sizeof(buf));
		if (write(file_fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			die("write temp file");
	}
}

static void setup_common(void)
{
	struct rlimit rl;

	on_faults();
	/* new threads get arenas of their own and never share the main one: only the main
	 * thread ever moves the break (op_brk relies on it) */
	mallopt(M_ARENA_MAX, 64);
	zero_fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	if (zero_fd < 0)
		die("/dev/zero");
	if (log_path) {
		log_fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (log_fd < 0)
			die(log_path);
	}
	stack_max = STACK_MAX_PAGES;
	if (!getrlimit(RLIMIT_STACK, &rl) && rl.rlim_cur != RLIM_INFINITY &&
	    (long)(rl.rlim_cur / PG / 2) < stack_max)
		stack_max = rl.rlim_cur / PG / 2;
	setup_file();
}

static void stop_here(void)
{
	if (!no_stop)
		raise(SIGSTOP);
}

/* ---- children ---- */

/* The child of a fork: a few ops of its own, on a copy of everything. It drops the floating
 * lists it inherited: MADV_DONTFORK regions and aio rings are not in its copy. */
static pid_t spawn_fork_child(struct ctx *by)
{
	pid_t pid = fork();

	if (pid < 0) {
		report(by, -1, errno, "fork");
		return -1;
	}
	if (pid) {
		report(by, pid, 0, "fork");
		forks++;
		return pid;
	}
	struct ctx c;
	char who[24];

	is_child = true;
	memset(slots, 0, sizeof(slots));
	snprintf(who, sizeof(who), "c%d", (int)getpid());
	ctx_init(&c, 0, by->batch, who, true, 1 + (int)forks);
	mlockall_left = 0;
	for (int i = 3 + rr(&c, 10); i > 0; i--)
		do_op(&c);
	say("child %d\n", (int)getpid());
	stop_here();
	_exit(0);
}

static pid_t spawn_exec_child(struct ctx *by, long n)
{
	char sn[32], ss[32], sf[32], st[32];
	char *argv[16];
	int k = 0;
	pid_t pid;

	snprintf(sn, sizeof(sn), "%ld", n);
	snprintf(ss, sizeof(ss), "%" PRIu64, mix(seed, by->batch, 4242));
	snprintf(sf, sizeof(sf), "%d", file_fd);
	snprintf(st, sizeof(st), "%d", by->batch);
	argv[k++] = "vma_stress";
	argv[k++] = "--exec-child";
	argv[k++] = sn;
	argv[k++] = "--seed";
	argv[k++] = ss;
	argv[k++] = "--file-fd";
	argv[k++] = sf;
	argv[k++] = "--batch-no";
	argv[k++] = st;
	if (log_path) {
		argv[k++] = "--log";
		argv[k++] = (char *)log_path;
	}
	if (no_stop)
		argv[k++] = "--no-stop";
	if (excluded) {
		argv[k++] = "-x";
		argv[k++] = excluded;
	}
	argv[k] = NULL;
	pid = fork();
	if (pid < 0) {
		report(by, -1, errno, "fork (exec)");
		return -1;
	}
	if (!pid) {
		execv("/proc/self/exe", argv);
		say("child-error %d exec: %s\n", (int)getpid(), strerror(errno));
		_exit(127);
	}
	report(by, pid, 0, "fork+exec");
	execs++;
	return pid;
}

/* The driver kills stopped children with SIGKILL (with --no-stop they exit 0). */
static void reap(pid_t pid)
{
	int st;

	if (pid <= 0)
		return;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return;
	if (no_stop ? !(WIFEXITED(st) && !WEXITSTATUS(st)) : !(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL))
		say("child-error %d status %#x\n", (int)pid, st);
}

/* ---- batches ---- */

static void run_batch(struct ctx *mc, struct ctx *wc, int k, long n)
{
	pthread_t tid[MAX_THREADS];
	bool started[MAX_THREADS] = { 0 };
	pid_t kids[4];
	int created = 0, nkids = 0;
	bool forked = false, execed = false;
	long mine = 0, fork_at = -1, exec_at = -1, share = n / (nthreads + 1) + 1;

	atomic_store(&batch_left, n);
	mc->batch = k;
	if (fork_every && k % fork_every == 0)
		fork_at = rr(mc, share);
	if (k == exec_first || (exec_every && k % exec_every == 0))
		exec_at = rr(mc, share);
	for (;;) {
		/* workers come one by one while ops are under way: thread creation (stack mmap,
		 * guard mprotect) races with the other threads' ops */
		if (created < nthreads && (rr(mc, 3) == 0 || mine >= 2 * created + 1)) {
			char who[24];

			snprintf(who, sizeof(who), "t%d", created + 1);
			ctx_init(&wc[created], created + 1, k, who, false, 0);
			started[created] = start_worker(&tid[created], &wc[created], mc);
			created++;
			continue;
		}
		if (mine == fork_at && !forked) {
			kids[nkids++] = spawn_fork_child(mc);
			forked = true;
		}
		if (mine == exec_at && !execed) {
			kids[nkids++] = spawn_exec_child(mc, 20 + rr(mc, 40));
			execed = true;
		}
		if (!take_op())
			break;
		do_op(mc);
		mine++;
	}
	/* the workers may have taken every op before we got there */
	if (fork_at >= 0 && !forked)
		kids[nkids++] = spawn_fork_child(mc);
	if (exec_at >= 0 && !execed)
		kids[nkids++] = spawn_exec_child(mc, 20 + rr(mc, 40));
	while (created < nthreads) {
		char who[24];

		snprintf(who, sizeof(who), "t%d", created + 1);
		ctx_init(&wc[created], created + 1, k, who, false, 0);
		started[created] = start_worker(&tid[created], &wc[created], mc);
		created++;
	}
	for (int i = 0; i < created; i++)
		if (started[i])
			pthread_join(tid[i], NULL);
	for (int i = 0; i < nkids; i++)
		reap(kids[i]);
}

/* Leaves nothing behind: the file, aio contexts, SysV attaches (already IPC_RMID). */
static void cleanup(struct ctx *c)
{
	munlockall();
	for (int i = 0; i < MAX_SLOTS; i++) {
		for (int j = 0; j < slots[i].naio; j++)
			syscall(SYS_io_destroy, slots[i].aio[j]);
		for (int j = 0; j < slots[i].nfl; j++)
			if (slots[i].fl[j].kind == FL_SHM)
				shmdt((void *)slots[i].fl[j].addr);
		for (int j = 0; j < slots[i].nshm; j++)
			shmdt((void *)slots[i].shm_at[j]);
	}
	if (file_path[0])
		unlink(file_path);
}

static int exec_child_main(long n, int batch)
{
	struct ctx mc, wc;
	pthread_t t;
	char who[24];
	bool ok;

	is_child = true;
	nthreads = 1;
	setup_common();
	snprintf(who, sizeof(who), "x%d", (int)getpid());
	ctx_init(&mc, 0, batch, who, true, 0);
	setup_arena(&mc);
	atomic_store(&batch_left, n);
	snprintf(who, sizeof(who), "y%d", (int)getpid());
	ctx_init(&wc, 1, batch, who, false, 0);
	ok = start_worker(&t, &wc, &mc);
	while (take_op())
		do_op(&mc);
	if (ok)
		pthread_join(t, NULL);
	say("exec-child %d\n", (int)getpid());
	stop_here();
	_exit(0);
}

static void usage(void)
{
	fprintf(stderr, "usage: vma_stress [-s SEED] [-n OPS] [-b BATCH] [-t THREADS] [-f FORK_EVERY] "
		"[-l LOG] [-d DIR] [-x OP,...] [--no-stop]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "seed", 1, NULL, 's' }, { "ops", 1, NULL, 'n' }, { "batch", 1, NULL, 'b' },
		{ "threads", 1, NULL, 't' }, { "fork-every", 1, NULL, 'f' }, { "log", 1, NULL, 'l' },
		{ "dir", 1, NULL, 'd' }, { "no-stop", 0, NULL, 'S' }, { "exec-child", 1, NULL, 'X' },
		{ "file-fd", 1, NULL, 'F' }, { "batch-no", 1, NULL, 'B' }, { "exclude", 1, NULL, 'x' },
		{ "help", 0, NULL, 'h' },
		{ 0 }
	};
	long exec_n = -1;
	int opt, bno = 0;
	struct ctx mc, wc[MAX_THREADS];

	while ((opt = getopt_long(argc, argv, "s:n:b:t:f:l:d:x:h", lo, NULL)) != -1) {
		switch (opt) {
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'n': nops = strtol(optarg, NULL, 0); break;
		case 'b': batch_size = strtol(optarg, NULL, 0); break;
		case 't': nthreads = atoi(optarg); break;
		case 'f': fork_every = atoi(optarg); break;
		case 'l': log_path = optarg; break;
		case 'd': file_dir = optarg; break;
		case 'S': no_stop = true; break;
		case 'X': exec_n = strtol(optarg, NULL, 0); break;
		case 'F': file_fd = atoi(optarg); break;
		case 'B': bno = atoi(optarg); break;
		case 'x': excluded = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || nthreads < 0 || nthreads > MAX_THREADS || batch_size < 1 || nops < 0)
		usage();
	if (excluded)
		exclude_ops(op_table, NR_OPS, excluded);
	for (int i = 0; i < NR_OPS; i++)
		op_total += op_table[i].weight;
	if (!op_total)
		usage();
	if (exec_n >= 0)
		return exec_child_main(exec_n, bno);

	setup_common();
	ctx_init(&mc, 0, 1, "t0", true, 0);
	setup_arena(&mc);
	say("seed %" PRIu64 " ops %ld batch %ld threads %d pid %d\n", seed, nops, batch_size, nthreads,
	    (int)getpid());
	for (int k = 1; atomic_load(&ops_done) < nops; k++) {
		long n = nops - atomic_load(&ops_done);

		ctx_init(&mc, 0, k, "t0", true, 0);
		run_batch(&mc, wc, k, n < batch_size ? n : batch_size);
		say("batch %d ops %ld pid %d\n", k, atomic_load(&ops_done), (int)getpid());
		stop_here();
	}
	cleanup(&mc);
	say("info forks %ld execs %ld threads %ld stack_pages %ld sealed %d\n", forks, execs,
	    threads_made, stack_pages, atomic_load(&sealed_count));
	say("done ops %ld failed %ld\n", atomic_load(&ops_done), atomic_load(&ops_failed));
	return 0;
}
