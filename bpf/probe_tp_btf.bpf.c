// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Feature probe: a BTF-typed tracepoint (tp_btf) fires on the probing process's syscalls. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "probe_common.h"

__u64 hits;

SEC("tp_btf/sys_exit")
int BPF_PROG(vmsp_tp_btf, struct pt_regs *regs, long ret)
{
	if (probe_is_target())
		__sync_fetch_and_add(&hits, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
