// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Feature probe: the task_vma iterator (a seq_file program) walks the probing process's VMAs.
 * Writes one {start, end} pair per VMA; user space checks a known address falls in one. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("iter/task_vma")
int vmsp_iter_vma(struct bpf_iter__task_vma *ctx)
{
	struct vm_area_struct *vma = ctx->vma;
	__u64 range[2];

	if (!vma)
		return 0;
	range[0] = vma->vm_start;
	range[1] = vma->vm_end;
	bpf_seq_write(ctx->meta->seq, range, sizeof(range));
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
