/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The region list every backend produces and every format consumes: one entry per VMA, holding
 * exactly what /proc/PID/maps shows, plus (optionally) the per-VMA accounting of smaps.
 */
#ifndef VMS_REGION_H
#define VMS_REGION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A part of a region holding pages of one kind: [start, end) and a value (a NUMA node, a page
 * size in kB), VMS_RUN_NONE where no page is resident. */
struct vms_run {
	uint64_t start, end;
	uint64_t value;
};
#define VMS_RUN_NONE UINT64_MAX

/* What only some reads give a region (`start --faults`, `map -L`, `map -s`, smaps' VmFlags):
 * kept apart so that the region list of a plain read stays small (a 60,000-region read first
 * touches every byte of it). */
struct vms_region_more {
	char *vmflags;		/* smaps "VmFlags" ("rd wr mr mw me ac"), or NULL */
	uint64_t faults_min, faults_maj;	/* page faults (`start --faults`) */
	uint64_t faults_read, faults_write, faults_exec;	/* by access, if fault_access */
	/* `map -L`: NUMA nodes of the pages (vms_run.value = node), NULL if not collected.
	 * numa_exact: runs at their real addresses, page by page (move_pages); else only amounts
	 * were known (numa_maps): one run per node, each starting at the region's start with
	 * end - start = that node's bytes, then a VMS_RUN_NONE run for the rest. */
	struct vms_run *numa;
	uint32_t n_numa;
	bool numa_exact;
	/* `map -s`: page sizes (vms_run.value = page size in kB), NULL if not collected; exact
	 * (PAGEMAP_SCAN) or amounts (smaps), as numa. */
	bool psize_exact;
	uint32_t n_psize;
	struct vms_run *psize;
};

struct vms_region {
	uint64_t start, end;
	uint64_t offset;
	uint64_t inode;
	uint32_t dev_major, dev_minor;
	char perms[5];		/* "rw-p", NUL-terminated */
	uint8_t absent;		/* VMS_ABSENT_*: what the backend cannot know of this region */
	char *name;		/* text after the inode column, exactly as /proc shows it ("" if none) */
	uint64_t *acct;		/* accounting values in vms_snapshot.acct_keys order, or NULL */
	struct vms_region_more *more;	/* NULL: none (read through region_more()) */
};

/* A region's extras for reading: all zero/NULL where it has none. */
extern const struct vms_region_more vms_region_more_none;
static inline const struct vms_region_more *region_more(const struct vms_region *r)
{
	return r->more ? r->more : &vms_region_more_none;
}
/* ... and for writing: made (zeroed) at the first use, freed with the region. */
struct vms_region_more *region_more_set(struct vms_region *r);
/* Drops a region's extras if they hold nothing (a reader that filled them whether or not). */
void region_more_trim(struct vms_region *r);

/*
 * Absent fields: what a backend cannot give (a core file records no device or inode of its
 * files, no page accounting). Formats show them as absent ('-' in tables, null in JSON, an empty
 * CSV field), never as 0. A live process has none, and its output is unchanged. A permission
 * character the backend cannot know is '?' in perms (a core file: README "Core files").
 */
enum {
	VMS_ABSENT_DEVINO = 1u << 0,	/* dev and inode unknown */
};

/* Accounting fields the formats need by name; indexes into acct_keys, -1 if absent. */
enum vms_acct_field {
	ACCT_SIZE, ACCT_RSS, ACCT_PSS, ACCT_SHARED_CLEAN, ACCT_SHARED_DIRTY, ACCT_PRIVATE_CLEAN,
	ACCT_PRIVATE_DIRTY, ACCT_ANONYMOUS, ACCT_SWAP, ACCT_LOCKED, ACCT__COUNT
};

/* Who the regions belong to, as the backend that read them knows it (a live process, a core
 * file's process, another system's process): nothing here is tied to /proc. */
struct vms_proc {
	pid_t pid;		/* the process id (Linux: the thread group id) */
	char state;		/* R, S, D, Z (zombie), ...; 0 if unknown */
	int ppid;
	bool kernel_thread;	/* has no user address space */
	uint64_t start_time;	/* clock ticks after boot: with pid, identifies the process */
	uint64_t start_stack;	/* an address in the main thread's stack (labels [ stack ]), or 0 */
	uint64_t rss_pages;	/* the kernel's resident-page counter (Linux: stat), 0 if unknown */
	char comm[64];
	char *cmdline;		/* as procps prints it: argv joined by spaces, or "[comm]" */
};

/* A thread of the process and what is known of its stack: a stack pointer (Linux: the
 * thread's saved or blocked-in-syscall sp; a core file: NT_PRSTATUS), and/or the stack's
 * exact bounds (Windows: the TEB's StackLimit/StackBase). 0 means unknown. */
struct vms_thread {
	int tid;
	uint64_t sp;
	uint64_t stack_low, stack_high;
	/* Linux, from the live model's thread records (user/model/live_threads.c): */
	uint64_t clone_sp;		/* the sp it was created with (clone's stack argument): its
					 * stack holds the bytes below it */
	uint64_t alt_sp, alt_size;	/* its sigaltstack [alt_sp, alt_sp + alt_size) */
	uint64_t start_time;		/* clock ticks after boot: with tid, the thread's identity */
};

struct vms_snapmeta;

struct vms_snapshot {
	struct vms_proc proc;
	struct vms_thread *threads;	/* n_threads entries, main thread first when known */
	size_t n_threads;
	const char *backend;	/* name of the backend that produced it */
	struct vms_region *regions;
	size_t n, cap;
	bool has_acct;
	bool acct_absent;	/* accounting asked for, none known: every value but Size is absent */
	bool fault_access;	/* the fault counts come split by access type too */
	char **acct_keys;	/* smaps keys in the kernel's order ("Size", "Rss", ...) */
	bool *acct_is_kb;	/* whether the key is printed with " kB" */
	size_t n_keys;
	int acct_idx[ACCT__COUNT];
	struct vms_snapmeta *meta;	/* a saved snapshot's when and where (snapshot/codec.h);
					 * NULL for a live read. Freed with the snapshot. */
};

void snapshot_init(struct vms_snapshot *s);
void snapshot_free(struct vms_snapshot *s);
/* Drops the regions from the n-th on (keeps the array). */
void snapshot_truncate(struct vms_snapshot *s, size_t n);
/* Drops the regions only (keeps proc and the accounting keys). */
void snapshot_free_regions(struct vms_snapshot *s);
/* A region's name: its own copy, except that every empty one is vms_region_noname (most regions
 * of a big process have none: 60,000 one-byte allocations were a tenth of such a read). Set and
 * freed through these two. */
extern char vms_region_noname[1];
char *region_name_dup(const char *name, size_t len);
void region_name_free(char *name);
/* Room for n more regions: no snapshot_add() moves the array until they are added. */
void snapshot_reserve(struct vms_snapshot *s, size_t n);
/* Appends a zeroed region and returns it (name is NULL until set). */
struct vms_region *snapshot_add(struct vms_snapshot *s);
/* Appends a zeroed thread and returns it. */
struct vms_thread *snapshot_add_thread(struct vms_snapshot *s, int tid);
/* Appends a run to a run list (numa, psize), merging it into the last one when they touch and
 * carry the same value. */
void run_add(struct vms_run **runs, uint32_t *n, uint64_t start, uint64_t end, uint64_t value);
/* Returns the index of an accounting key, adding it at the end if new. */
int snapshot_acct_key(struct vms_snapshot *s, const char *key, bool is_kb);
/* Whether an accounting value is absent (acct_absent: all but Size); key: acct_keys index. */
bool snapshot_acct_absent(const struct vms_snapshot *s, size_t key);
static inline bool region_acct_absent(const struct vms_snapshot *s, enum vms_acct_field f)
{
	return s->acct_absent && f != ACCT_SIZE;
}
/* Value of a named accounting field for a region (0 when the kernel does not report it). */
uint64_t region_acct(const struct vms_snapshot *s, const struct vms_region *r, enum vms_acct_field f);

static inline uint64_t region_size(const struct vms_region *r)
{
	return r->end - r->start;
}

#endif
