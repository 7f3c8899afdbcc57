// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Feature probe: a program on a software page-fault perf event of the probing process. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

__u64 hits;

SEC("perf_event")
int vmsp_perf_pf(struct bpf_perf_event_data *ctx)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
