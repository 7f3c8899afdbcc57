// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Feature probe: the open-coded VMA iterator kfuncs (6.7+), run from a raw tracepoint on the
 * probing process's own syscall. Load only after kernel BTF showed bpf_iter_task_vma_new: an
 * unresolved weak kfunc makes older verifiers explore the loop until their 1M-insn limit. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "core_fixes.bpf.h"	/* the kfuncs' declarations */
#include "probe_common.h"

const volatile __u64 target_addr;	/* an address user space knows is mapped */

__u64 vmas;
__u64 found;
int new_ret;
bool done;

SEC("raw_tp/sys_enter")
int vmsp_kfunc_iter(void *ctx)
{
	struct task_struct *task;
	struct bpf_iter_task_vma it;
	struct vm_area_struct *vma;
	__u64 n = 0, hit = 0;

	if (done || !probe_is_target())
		return 0;
	task = bpf_get_current_task_btf();
	new_ret = bpf_iter_task_vma_new(&it, task, 0);
	while ((vma = bpf_iter_task_vma_next(&it))) {
		n++;
		if (vma->vm_start <= target_addr && target_addr < vma->vm_end)
			hit = 1;
	}
	bpf_iter_task_vma_destroy(&it);
	vmas = n;
	found = hit;
	done = true;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
