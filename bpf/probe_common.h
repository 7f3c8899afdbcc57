/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared by the feature probes (bpf/probe_*.bpf.c): count only the probing process's own events. */
#ifndef VMS_PROBE_COMMON_H
#define VMS_PROBE_COMMON_H

/* Set before load. The pid namespace (dev, inode of /proc/self/ns/pid) makes the filter right
 * when vmscope runs inside a container: bpf_get_current_pid_tgid() would give the host pid. */
const volatile __u64 pidns_dev;
const volatile __u64 pidns_ino;
const volatile __u32 target_tgid;

static __always_inline bool probe_is_target(void)
{
	struct bpf_pidns_info ns = {};

	if (bpf_get_ns_current_pid_tgid(pidns_dev, pidns_ino, &ns, sizeof(ns)))
		return false;
	return ns.tgid == target_tgid;
}

#endif
