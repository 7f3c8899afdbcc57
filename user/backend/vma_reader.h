/* SPDX-License-Identifier: BSD-2-Clause */
/* Reading VMAs with the iter/task_vma program: shared by the bpf-iter backend and the seeding
 * of the live model. */
#ifndef VMS_VMA_READER_H
#define VMS_VMA_READER_H

#include <linux/types.h>
#include <sys/types.h>

#include "model/region.h"
#include "vmscope.h"

typedef int (*vma_rec_cb)(void *ctx, const struct vms_vma_rec *r, const char *name);

struct vma_reader_stats {
	unsigned long long vmas;
	unsigned long long names_truncated;
};

/* Calls cb for every VMA of tgid (0: of every process), in address order per process.
 * Returns 0, the first non-zero cb result, -ENOEXEC when the program could not be loaded (why:
 * under -v), -ESTALE when every walk raced with a writer, or another -errno. */
int vma_reader_run(pid_t tgid, vma_rec_cb cb, void *ctx, struct vma_reader_stats *stats);
/* The name text /proc/PID/maps shows for a record (malloc'd). */
char *vma_rec_name(const struct vms_vma_rec *r, const char *name);
void vma_rec_to_region(const struct vms_vma_rec *r, const char *name, struct vms_region *reg);

#endif
