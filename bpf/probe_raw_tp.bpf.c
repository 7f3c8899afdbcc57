// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Feature probe: a raw tracepoint fires on the probing process's syscalls. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "probe_common.h"

__u64 hits;

SEC("raw_tp/sys_enter")
int vmsp_raw_tp(void *ctx)
{
	if (probe_is_target())
		__sync_fetch_and_add(&hits, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
