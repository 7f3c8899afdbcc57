// SPDX-License-Identifier: BSD-2-Clause
/* The Windows backend behind the backend seam (backend/backend.h): one snapshot of a process. */
#include "windows/win.h"

#include <psapi.h>

#include <errno.h>

#include "backend/backend.h"
#include "core/util.h"

void win_enable_debug_privilege(void)
{
	TOKEN_PRIVILEGES tp = { .PrivilegeCount = 1 };
	HANDLE tok;

	if (!OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES, &tok))
		return;
	if (LookupPrivilegeValueW(NULL, L"SeDebugPrivilege", &tp.Privileges[0].Luid)) {
		tp.Privileges[0].Attributes = SE_PRIVILEGE_ENABLED;
		AdjustTokenPrivileges(tok, FALSE, &tp, 0, NULL, NULL);
	}
	CloseHandle(tok);
}

int win_snapshot(DWORD pid, struct vms_snapshot *s, unsigned flags)
{
	PROCESS_MEMORY_COUNTERS_EX pmc = { .cb = sizeof(pmc) };
	HANDLE h;
	int err = win_open_process(pid, &h, &s->proc);

	s->backend = "windows";
	if (err)
		return err;
	err = win_read_threads(h, pid, s);
	/* pmap's "[ stack ]": the main thread's */
	if (!err && s->n_threads && s->threads[0].stack_high)
		s->proc.start_stack = s->threads[0].stack_high - 1;
	if (!err)
		err = win_read_regions(h, s, flags & BACKEND_ACCOUNTING);
	/* it exited while being read: what was read may be torn */
	if (!err && WaitForSingleObject(h, 0) == WAIT_OBJECT_0)
		err = -ESRCH;
	if (!err && GetProcessMemoryInfo(h, (PROCESS_MEMORY_COUNTERS *)&pmc, sizeof(pmc)))
		vms_debug("PID %lu: working set %llu kB, private bytes %llu kB, %llu regions, "
			  "%llu threads (GetProcessMemoryInfo, VirtualQueryEx)", pid,
			  (unsigned long long)pmc.WorkingSetSize >> 10,
			  (unsigned long long)pmc.PrivateUsage >> 10, (unsigned long long)s->n,
			  (unsigned long long)s->n_threads);
	CloseHandle(h);
	return err;
}

static int windows_snapshot(const struct vms_target *t, struct vms_snapshot *s, unsigned flags)
{
	return win_snapshot((DWORD)t->pid, s, flags);
}

const struct vms_backend backend_windows = {
	.name = "windows",
	.summary = "VirtualQueryEx, GetMappedFileNameW, QueryWorkingSetEx and the threads' TEBs",
	.snapshot = windows_snapshot,
};
