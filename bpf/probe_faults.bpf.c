// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Feature probes for the fault counts (faults.bpf.h): a program on PERF_COUNT_SW_PAGE_FAULTS_MIN
 * of the probing thread that finds the faulting address's VMA with bpf_find_vma, and
 * tp_btf/page_fault_user with its error_code. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "probe_common.h"

const volatile __u64 region_start;	/* the probe's fresh anonymous pages */

__u64 min_hits, min_in_region, user_hits, user_writes;

static long vma_start_cb(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	*(__u64 *)data = vma->vm_start;
	return 0;
}

SEC("perf_event")
int vmsp_flt_min(struct bpf_perf_event_data *ctx)
{
	__u64 start = 0;

	__sync_fetch_and_add(&min_hits, 1);
	if (!bpf_find_vma(bpf_get_current_task_btf(), ctx->addr, vma_start_cb, &start, 0) &&
	    start == region_start)
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
