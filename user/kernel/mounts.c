// SPDX-License-Identifier: BSD-2-Clause
#include "kernel/mounts.h"

#include <errno.h>
#include <mntent.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "core/util.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif
#ifndef TRACEFS_MAGIC
#define TRACEFS_MAGIC 0x74726163
#endif

static int ensure_fs(const char *path, const char *type, unsigned long magic, const char *opts)
{
	struct statfs st;

	if (statfs(path, &st) == 0 && (unsigned long)st.f_type == magic)
		return 0;
	/* sysfs provides both mount points; create them only if a kernel did not. */
	if (mkdir(path, 0700) && errno != EEXIST) {
		int err = -errno;

		vms_debug("cannot create %s: %s", path, strerror(-err));
		return err;
	}
	if (mount(type, path, type, MS_NOSUID | MS_NODEV | MS_NOEXEC, opts)) {
		int err = -errno;

		/* Lost a race with another mounter: fine if the filesystem is there now. */
		if (err == -EBUSY && statfs(path, &st) == 0 && (unsigned long)st.f_type == magic)
			return 0;
		vms_debug("cannot mount %s on %s: %s", type, path, strerror(-err));
		return err;
	}
	vms_debug("mounted %s on %s", type, path);
	return 1;
}

int ensure_bpffs(void)
{
	return ensure_fs(VMS_BPFFS_PATH, "bpf", BPF_FS_MAGIC, "mode=0700");
}

int ensure_tracefs(void)
{
	return ensure_fs(VMS_TRACEFS_PATH, "tracefs", TRACEFS_MAGIC, NULL);
}

const char *cgroup2_mount(void)
{
	static char dir[4096];
	FILE *f = setmntent("/proc/self/mounts", "r");
	struct mntent *m;
	const char *found = NULL;

	while (f && (m = getmntent(f))) {
		if (!strcmp(m->mnt_type, "cgroup2")) {
			snprintf(dir, sizeof(dir), "%s", m->mnt_dir);
			found = dir;
			break;
		}
	}
	if (f)
		endmntent(f);
	return found;
}
