/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The one place that parses /proc files. Parsers take text so they can be unit-tested and fuzzed;
 * readers open the files and hand the text to the parsers.
 */
#ifndef VMS_PROCFS_H
#define VMS_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/region.h"

#define PF_KTHREAD_FLAG 0x00200000u	/* include/linux/sched.h PF_KTHREAD */

/* One /proc/PID/maps line (also the header line of each smaps entry), without the newline.
 * Fills start..name; r->name is malloc'd. Returns 0 or -EINVAL. */
int procfs_parse_maps_line(const char *line, size_t len, struct vms_region *r);
/* A whole maps file. Returns 0 or -EINVAL (with *bad_line set to the 1-based line). */
int procfs_parse_maps(const char *text, struct vms_snapshot *s, size_t *bad_line);
/* A whole smaps file: regions plus their accounting fields and VmFlags. */
int procfs_parse_smaps(const char *text, struct vms_snapshot *s, size_t *bad_line);
/* The same, maps or smaps, from the file behind fd, read a block at a time (never all of it in
 * memory): -EINVAL for a bad line (*bad_line: its number) or a NUL byte, -errno of a read. */
int procfs_parse_fd(int fd, bool smaps, struct vms_snapshot *s, size_t *bad_line);
/* /proc/PID/stat. Returns 0 or -EINVAL. */
int procfs_parse_stat(const char *text, struct vms_proc *p);
/* The "PID:   cmdline" text procps shows: argv joined by spaces, escaped for the current
 * locale, or "[comm]" ("[comm] <defunct>" for a zombie) when the command line is empty. */
char *procfs_render_cmdline(const char *raw, size_t len, const struct vms_proc *p);

/* Reads stat, status (Tgid) and cmdline of a process. Returns 0 or -errno (-ESRCH if gone). */
int procfs_read_proc(pid_t pid, struct vms_proc *p);
/* procfs_read_proc() for a pid known to be a thread-group id (no status read); the command
 * line only if asked (else p->cmdline stays NULL). */
int procfs_read_tgid(pid_t tgid, struct vms_proc *p, bool cmdline);
/* Reads the regions of a process: maps, or smaps when accounting is wanted.
 * A zombie leader whose threads still run is read through one of its live threads. */
int procfs_read_regions(const struct vms_proc *p, bool accounting, struct vms_snapshot *s);
/* /proc/PID/stat alone (pid, state, comm, start time...; no cmdline). 0 or -errno (-ESRCH). */
int procfs_read_stat(pid_t pid, struct vms_proc *p);
/* Every process directory of /proc (thread-group ids), ascending. The count, or -errno. */
int procfs_all_pids(pid_t **pids);
/* All thread-group ids whose comm equals name, ascending. Returns the count (or -errno). */
int procfs_pids_by_name(const char *name, pid_t **pids);
/* The process's cgroup v2 path ("/system.slice/x.service", malloc'd), or NULL. */
char *procfs_read_cgroup(pid_t pid);
/* memlock bytes of one of our own BPF map fds (its fdinfo). 0 if unknown. */
unsigned long long procfs_fd_memlock(int fd);
/* The [vsyscall] gate page as this system's /proc shows it after the VMA tree of 64-bit
 * processes (it is not a VMA of the process), or NULL if there is none. */
const struct vms_region *procfs_gate_region(void);
/* The inode number PATH names now, resolved in pid's root (/proc/PID/root): 0 or -errno. */
int procfs_root_ino(pid_t pid, const char *path, uint64_t *ino);
/* sysctl kernel.bpf_stats_enabled: 1 on, 0 off, -errno unknown. */
int procfs_bpf_stats_enabled(void);
/* The device minor of the kernel's internal shmem mount (SysV shm, memfd, shared anon). */
unsigned procfs_shm_minor(void);
/* This boot's id (/proc/sys/kernel/random/boot_id, malloc'd), or NULL. */
char *procfs_boot_id(void);

/* The views' extras (procfs_views.c). Parsers: */
/* Field `field` (1-based, as proc(5) numbers them) of a stat text, as an unsigned number. */
int procfs_parse_stat_u64(const char *text, int field, uint64_t *out);
/* The user stack pointer of a /proc/PID/task/TID/syscall text: 0, -ENODATA (running, or no
 * sp), -EINVAL. */
int procfs_parse_syscall_sp(const char *text, uint64_t *sp);
/* A numa_maps text onto the regions of s (matched by start address): each region gets its
 * per-node amounts (numa_exact false). 0 or -EINVAL (*bad_line: the 1-based line). */
int procfs_parse_numa_maps(const char *text, struct vms_snapshot *s, size_t *bad_line);
/* Readers: */
/* s->threads: every thread of the process (main first), with its stack pointer where the
 * kernel tells it (stat kstkesp, else syscall's sp). 0 or -errno. */
int procfs_read_threads(pid_t pid, struct vms_snapshot *s);
/* Each region's NUMA runs: numa_maps, then move_pages page by page for a region whose pages
 * sit on several nodes (or for all, with VMSCOPE_NUMA_PER_PAGE=1). 0 or -errno. */
int procfs_read_numa(pid_t pid, struct vms_snapshot *s);
/* Each region's page-size runs: PAGEMAP_SCAN (6.7+), else amounts from smaps (s must carry
 * accounting; VMSCOPE_PAGESIZES=smaps forces that). 0 or -errno. */
int procfs_read_pagesizes(pid_t pid, struct vms_snapshot *s);

#endif
