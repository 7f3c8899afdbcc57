/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Whether this process can use BPF at all here, and if not why: no kernel BTF, not privileged
 * (no root, no CAP_BPF + CAP_PERFMON), or a kernel locked down for confidentiality. Commands that
 * work from /proc then say so once on stderr; start and watch refuse with the reason.
 */
#ifndef VMS_BPF_OFF_H
#define VMS_BPF_OFF_H

#include "backend/backend.h"

/* NULL when BPF may work, else one phrase ("not root: loading BPF needs ..."). */
const char *bpf_off_reason(void);
/* Once per process: "vmscope: CMD: reading /proc (procfs backend): BPF is off: REASON", when be
 * is the procfs backend that `auto` chose because BPF is off. Nothing otherwise. */
void bpf_off_note(const char *cmd, const struct vms_backend *be);

#endif
