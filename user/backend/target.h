/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What a command names on its command line: a live process (PID, /proc/PID, or a process name)
 * or a file that a backend reads (a core file, later). Parsing asks the backends whether they
 * read a file before taking it for a process name. One wording for every command.
 */
#ifndef VMS_TARGET_H
#define VMS_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/region.h"

struct vms_backend;

struct vms_target {
	pid_t pid;				/* a live process; 0 for a file */
	const char *path;			/* a file, as given; NULL for a process */
	const struct vms_backend *backend;	/* the backend that claimed the file */
};

/* Appends what spec names to *v (*n of them, realloc'd). A spec that names nothing gets one
 * error line prefixed "cmd: ". Returns VMS_EXIT_OK, VMS_EXIT_NOTFOUND (no process of that
 * name) or VMS_EXIT_FAIL (0 as a pid). A pid is not checked here: backends find it gone. */
int target_parse(const char *cmd, const char *spec, struct vms_target **v, size_t *n);

/*
 * The identity of a live process, for a backend to fill its snapshot with: 0, or -ESRCH (no
 * such process), -ENXIO (a kernel thread: no user address space; *p filled), -EIDRM (a zombie
 * whose threads are all gone; *p filled) or another -errno of reading it.
 */
int target_live_identity(pid_t pid, struct vms_proc *p);

/* One error line for what a backend or target_live_identity returned about a target (cmd as
 * for target_parse; s: its snapshot, whose identity says whether the process was found), and
 * the exit code: VMS_EXIT_NOTFOUND for a process that is gone, else VMS_EXIT_FAIL. */
int target_report(const char *cmd, const struct vms_target *t, const struct vms_snapshot *s,
		  int err);

#endif
