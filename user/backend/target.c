// SPDX-License-Identifier: BSD-2-Clause
#include "backend/target.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/backend.h"
#include "core/util.h"
#include "proc/procfs.h"

/* Digits only, optionally after /proc/: true, with *pid the pid (0 if it cannot be one). */
static bool parse_pid(const char *arg, pid_t *pid)
{
	uint64_t v;

	if (!strncmp(arg, "/proc/", 6))
		arg += 6;
	if (!*arg || strspn(arg, "0123456789") != strlen(arg))
		return false;
	if (parse_u64(arg, 10, &v) || v < 1 || v > 0x7fffffff)
		v = 0;
	*pid = (pid_t)v;
	return true;
}

static void add(struct vms_target **v, size_t *n, struct vms_target t)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = t;
}

#define PFX(cmd) (cmd) ? (cmd) : "", (cmd) ? ": " : ""

int target_parse(const char *cmd, const char *spec, struct vms_target **v, size_t *n)
{
	pid_t pid, *pids;
	int count;

	if (parse_pid(spec, &pid)) {
		if (!pid) { /* procps: a usage error */
			vms_err("%s%s'%s' is not a possible PID (1..2147483647)", PFX(cmd), spec);
			return VMS_EXIT_FAIL;
		}
		add(v, n, (struct vms_target){ .pid = pid });
		return VMS_EXIT_OK;
	}
	for (int i = 0; vms_backends[i]; i++) {
		if (vms_backends[i]->claims && vms_backends[i]->claims(spec)) {
			add(v, n, (struct vms_target){ .path = spec, .backend = vms_backends[i] });
			return VMS_EXIT_OK;
		}
	}
	count = procfs_pids_by_name(spec, &pids);
	if (count <= 0 && strchr(spec, '/') && !access(spec, F_OK)) {
		/* a path no backend reads: say so rather than look for a process of that name; one
		 * that cannot be opened says why (a core of another user's is no "not a core") */
		int fd = open(spec, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

		if (fd < 0)
			vms_err("%s%s%s: cannot open it: %s", PFX(cmd), spec, strerror(errno));
		else
			vms_err("%s%s%s: not a file vmscope reads (it reads ELF core files)", PFX(cmd), spec);
		if (fd >= 0)
			close(fd);
		return VMS_EXIT_FAIL;
	}
	if (count <= 0 && strchr(spec, '/')) {
		vms_err("%s%s%s: no such file, nor a process of that name", PFX(cmd), spec);
		return VMS_EXIT_NOTFOUND;
	}
	if (count <= 0) {
		vms_err("%s%sno process named '%s'", PFX(cmd), spec);
		return VMS_EXIT_NOTFOUND;
	}
	for (int i = 0; i < count; i++)
		add(v, n, (struct vms_target){ .pid = pids[i] });
	free(pids);
	return VMS_EXIT_OK;
}

int target_live_identity(pid_t pid, struct vms_proc *p)
{
	int err = procfs_read_proc(pid, p);

	if (err)
		return err;
	if (p->kernel_thread)
		return -ENXIO;
	return 0;
}

int target_report(const char *cmd, const struct vms_target *t, const struct vms_snapshot *s,
		  int err)
{
	char who[64];
	bool found = s && s->proc.pid;

	if (t->path)
		snprintf(who, sizeof(who), "%.60s", t->path);
	else
		snprintf(who, sizeof(who), "PID %d", found ? (int)s->proc.pid : (int)t->pid);
	switch (err) {
	case -ESRCH:
		vms_err("%s%s%s: no such process%s", PFX(cmd), who, found ? " (it exited)" : "");
		return VMS_EXIT_NOTFOUND;
	case -ENXIO:
		vms_err("%s%s%s: kernel thread, it has no user address space", PFX(cmd), who);
		return VMS_EXIT_FAIL;
	case -EIDRM:
		vms_err("%s%s%s: zombie process, its address space is gone", PFX(cmd), who);
		return VMS_EXIT_FAIL;
	}
	if (t->path && backend_file_why[0]) {
		vms_err("%s%s%s: %s", PFX(cmd), who, backend_file_why);
		backend_file_why[0] = '\0';
		return VMS_EXIT_FAIL;
	}
	if (!found && !t->path)
		vms_err("%s%s%s: cannot read its status: %s", PFX(cmd), who, proc_strerror(-err));
	else
		vms_err("%s%s%s: cannot read its memory map: %s", PFX(cmd), who, proc_strerror(-err));
	return VMS_EXIT_FAIL;
}
