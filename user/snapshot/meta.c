// SPDX-License-Identifier: BSD-2-Clause
/* The identity of a live read beyond the process: this boot, kernel, host and time. */
#include <stdio.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"
#include "proc/procfs.h"
#include "snapshot/file.h"

void snapmeta_fill_live(struct vms_snapshot *s, bool has_faults)
{
	struct vms_snapmeta *m = xcalloc(1, sizeof(*m));
	struct utsname u;
	struct timespec ts;

	m->backend = xstrdup(s->backend ? s->backend : "");
	m->boot_id = procfs_boot_id();
	if (!uname(&u)) {
		if (asprintf(&m->kernel, "%s %s %s %s", u.sysname, u.release, u.version, u.machine) < 0)
			m->kernel = NULL;
		m->hostname = xstrdup(u.nodename);
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	m->time_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	m->shm_minor = procfs_shm_minor();
	m->has_faults = has_faults;
	m->major = VMS_SNAP_MAJOR;
	m->minor = VMS_SNAP_MINOR;
	snapmeta_free(s->meta);
	s->meta = m;
	s->backend = m->backend;
}

void snapmeta_fill_file(struct vms_snapshot *s, const char *path)
{
	struct vms_snapmeta *m = xcalloc(1, sizeof(*m));
	struct stat st;

	m->backend = xstrdup(s->backend ? s->backend : "");
	/* when the file was written (a core: the dump); its boot, kernel and host are unknown */
	if (!stat(path, &st))
		m->time_ns = (uint64_t)st.st_mtim.tv_sec * 1000000000ull + (uint64_t)st.st_mtim.tv_nsec;
	m->shm_minor = ~0u;
	m->major = VMS_SNAP_MAJOR;
	m->minor = VMS_SNAP_MINOR;
	snapmeta_free(s->meta);
	s->meta = m;
	s->backend = m->backend;
}
