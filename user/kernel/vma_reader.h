/* SPDX-License-Identifier: BSD-2-Clause */
/* Reading VMAs with the iter/task_vma program: shared by the bpf-iter backend and the seeding
 * of the live model. */
#ifndef VMS_VMA_READER_H
#define VMS_VMA_READER_H

#include <linux/types.h>
#include <sys/types.h>

#include "core/region.h"
#include "vmscope.h"

#define VMA_READER_PASSES 8	/* walks that raced with a writer are redone this often, then -ESTALE */

typedef int (*vma_rec_cb)(void *ctx, const struct vms_vma_rec *r, const char *name);

struct vma_reader_stats {
	unsigned long long vmas;
	unsigned long long names_truncated;
};

/* Calls cb for every VMA of tgid (0: of every process), in address order per process.
 * Returns 0, the first non-zero cb result, -ENOEXEC when the program could not be loaded (why:
 * under -v), -ESTALE when every walk raced with a writer, or another -errno. */
int vma_reader_run(pid_t tgid, vma_rec_cb cb, void *ctx, struct vma_reader_stats *stats);

/* The records of one pass, in buf (as read from the iterator), to cb: 0, the first non-zero cb
 * result, or -EPROTO when a record is cut short or names more than VMS_NAME_MAX bytes. Pure
 * (vma_records.c: no BPF), so it can be fuzzed. */
int vma_records_walk(const char *buf, size_t len, vma_rec_cb cb, void *ctx);

#endif
