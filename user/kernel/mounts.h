/* SPDX-License-Identifier: BSD-2-Clause */
/* The pseudo filesystems BPF needs, mounted on demand (a fresh machine may have neither). */
#ifndef VMS_MOUNTS_H
#define VMS_MOUNTS_H

#define VMS_BPFFS_PATH "/sys/fs/bpf"
#define VMS_TRACEFS_PATH "/sys/kernel/tracing"

/* Each returns 0 if the filesystem was already mounted, 1 if this call mounted it, or -errno
 * (the mount point is missing or the mount was refused). Idempotent. */
int ensure_bpffs(void);
int ensure_tracefs(void);

/* Where the cgroup v2 hierarchy is mounted (/sys/fs/cgroup, or .../unified on hybrid systems),
 * or NULL. */
const char *cgroup2_mount(void);

#endif
