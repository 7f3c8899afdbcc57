// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Feature probes for the fault counts (faults.bpf.h): a program on PERF_COUNT_SW_PAGE_FAULTS_MIN
 * of the probing thread that finds the faulting address's VMA the way faults.bpf.h does
 * (vma_walk.bpf.h: the maple tree layout of this kernel), and tp_btf/page_fault_user with its
 * error_code. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "probe_common.h"
#include "vma_walk.bpf.h"

const volatile __u64 region_start;	/* the probe's fresh anonymous pages */

__u64 min_hits, min_in_region, user_hits, user_writes;

SEC("perf_event")
int vmsp_flt_min(struct bpf_perf_event_data *ctx)
{
	struct vm_area_struct *vma;

	__sync_fetch_and_add(&min_hits, 1);
	vma = flt_find_vma(bpf_get_current_task_btf()->mm, ctx->addr);
	if (vma && vma->vm_start == region_start)
		__sync_fetch_and_add(&min_in_region, 1);
	return 0;
}

SEC("tp_btf/page_fault_user")
int BPF_PROG(vmsp_flt_user, unsigned long address, struct pt_regs *regs, unsigned long error_code)
{
	if (!probe_is_target() || address < region_start || address >= region_start + (16 << 12))
		return 0;
	__sync_fetch_and_add(&user_hits, 1);
	if (error_code & 2)
		__sync_fetch_and_add(&user_writes, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
