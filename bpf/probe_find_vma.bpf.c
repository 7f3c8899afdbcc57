// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Feature probe: bpf_find_vma (5.17+) finds the VMA of a known address of the probing process. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "probe_common.h"

const volatile __u64 target_addr;

__u64 vma_start, vma_end;
long find_ret;
bool done;

static long record_vma(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	vma_start = vma->vm_start;
	vma_end = vma->vm_end;
	return 0;
}

SEC("raw_tp/sys_enter")
int vmsp_find_vma(void *ctx)
{
	if (done || !probe_is_target())
		return 0;
	find_ret = bpf_find_vma(bpf_get_current_task_btf(), target_addr, record_vma, NULL, 0);
	done = true;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
