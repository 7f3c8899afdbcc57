// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Feature probe: fentry on the mmap path. The target is set from user space
 * (bpf_program__set_attach_target) to the first candidate present in kernel BTF. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "probe_common.h"

__u64 hits;

SEC("fentry/vm_mmap_pgoff")
int BPF_PROG(vmsp_fentry)
{
	if (probe_is_target())
		__sync_fetch_and_add(&hits, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
