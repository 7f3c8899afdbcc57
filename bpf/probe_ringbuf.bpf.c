// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Feature probe: a program reserves and submits one ring buffer record (run by BPF_PROG_TEST_RUN). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define PROBE_RINGBUF_MAGIC 0x766d7363u /* "vmsc" */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} vmsp_rb SEC(".maps");

SEC("syscall")
int vmsp_ringbuf(void *ctx)
{
	__u32 *rec = bpf_ringbuf_reserve(&vmsp_rb, sizeof(*rec), 0);

	if (!rec)
		return 1;
	*rec = PROBE_RINGBUF_MAGIC;
	bpf_ringbuf_submit(rec, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
