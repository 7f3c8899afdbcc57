// SPDX-License-Identifier: BSD-2-Clause
/* Who a Windows process is: its image name, command line (from its PEB), parent, creation time. */
#include "windows/win.h"

#include <winternl.h>
#include <tlhelp32.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/escape.h"
#include "core/util.h"

/* x64 layouts (winternl.h hides the fields): PROCESS_BASIC_INFORMATION, and the offsets of
 * PEB.ProcessParameters and RTL_USER_PROCESS_PARAMETERS.CommandLine. */
struct pbi64 {
	NTSTATUS exit_status;
	uint64_t peb;
	uint64_t affinity;
	LONG base_priority;
	uint64_t pid, ppid;
};
#define PEB_PROCESS_PARAMETERS 0x20
#define PARAMS_COMMAND_LINE 0x70
#define CMDLINE_MAX 32767	/* UNICODE_STRING: at most 65534 bytes; Windows' limit is this */

bool win_read(HANDLE h, uint64_t addr, void *buf, size_t n)
{
	SIZE_T got = 0;

	return ReadProcessMemory(h, (LPCVOID)(uintptr_t)addr, buf, n, &got) && got == n;
}

uint64_t win_peb_address(HANDLE h, int *ppid)
{
	struct pbi64 pbi = { 0 };

	if (!NT_SUCCESS(NtQueryInformationProcess(h, ProcessBasicInformation, &pbi, sizeof(pbi), NULL)))
		return 0;
	if (ppid)
		*ppid = (int)pbi.ppid;
	return pbi.peb;
}

/* The command line as the process was given it (one string on Windows, no argv), or NULL. */
static char *read_cmdline(HANDLE h, uint64_t peb)
{
	struct { USHORT len, max; uint32_t pad; uint64_t buf; } us;
	uint64_t params;
	WCHAR *w;
	char *s = NULL;

	if (!peb || !win_read(h, peb + PEB_PROCESS_PARAMETERS, &params, sizeof(params)) ||
	    !win_read(h, params + PARAMS_COMMAND_LINE, &us, sizeof(us)) || !us.len ||
	    us.len / 2 > CMDLINE_MAX)
		return NULL;
	w = xmalloc(us.len);
	if (win_read(h, us.buf, w, us.len))
		s = win_utf8(w, us.len / 2);
	free(w);
	return s;
}

/* The image's file name, at most sizeof(comm) - 1 bytes, cut at a character boundary. */
static void read_comm(HANDLE h, char *comm, size_t cap)
{
	WCHAR path[MAX_PATH * 4];
	DWORD n = ARRAY_SIZE(path);
	const WCHAR *base = path;
	char *u;
	size_t len;

	comm[0] = '\0';
	if (!QueryFullProcessImageNameW(h, 0, path, &n))
		return;
	for (DWORD i = 0; i < n; i++)
		if (path[i] == L'\\')
			base = path + i + 1;
	u = win_utf8(base, (int)(n - (DWORD)(base - path)));
	len = strlen(u);
	while (len >= cap || (len && ((unsigned char)u[len] & 0xc0) == 0x80))
		len--;
	memcpy(comm, u, len);
	comm[len] = '\0';
	free(u);
}

/* Whether a process of that pid is listed now. */
static bool pid_listed(DWORD pid)
{
	PROCESSENTRY32W pe = { .dwSize = sizeof(pe) };
	HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
	bool found = false;

	if (snap == INVALID_HANDLE_VALUE)
		return true; /* cannot tell: keep the error as it was */
	for (BOOL ok = Process32FirstW(snap, &pe); ok && !found; ok = Process32NextW(snap, &pe))
		found = pe.th32ProcessID == pid;
	CloseHandle(snap);
	return found;
}

int win_open_process(DWORD pid, HANDLE *hp, struct vms_proc *p)
{
	HANDLE h = OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ | SYNCHRONIZE, FALSE, pid);
	FILETIME created, exited, kern, user;
	char *cmd;

	memset(p, 0, sizeof(*p));
	p->pid = (pid_t)pid;
	*hp = NULL;
	if (!h) {
		int err = win_errno(GetLastError());

		/* an exiting process refuses access (wine): gone, not forbidden */
		return err == -EACCES && !pid_listed(pid) ? -ESRCH : err;
	}
	/* a handle keeps an exited process's object, not its address space */
	if (WaitForSingleObject(h, 0) == WAIT_OBJECT_0) {
		CloseHandle(h);
		return -ESRCH;
	}
	read_comm(h, p->comm, sizeof(p->comm));
	if (GetProcessTimes(h, &created, &exited, &kern, &user))
		p->start_time = (uint64_t)created.dwHighDateTime << 32 | created.dwLowDateTime;
	p->state = 'R';	/* running, as far as Windows says: it has not exited */
	cmd = read_cmdline(h, win_peb_address(h, &p->ppid));
	if (cmd && *cmd) {
		/* escaped as the Linux backends escape theirs (procps' escape_str) */
		p->cmdline = vms_escape_dup(cmd, strlen(cmd), VMS_ESC_CMDLINE);
	} else {
		p->cmdline = xmalloc(sizeof(p->comm) + 2);
		snprintf(p->cmdline, sizeof(p->comm) + 2, "[%s]", p->comm);
	}
	free(cmd);
	*hp = h;
	return 0;
}

static bool name_matches(const WCHAR *exe, const WCHAR *want)
{
	size_t n = wcslen(want), m = wcslen(exe);

	if (!_wcsicmp(exe, want))
		return true;
	/* "notepad" finds notepad.exe */
	return m == n + 4 && !_wcsnicmp(exe, want, n) && !_wcsicmp(exe + n, L".exe");
}

static int cmp_dword(const void *a, const void *b)
{
	DWORD x = *(const DWORD *)a, y = *(const DWORD *)b;

	return x < y ? -1 : x > y;
}

int win_pids_by_name(const char *name, DWORD **pids)
{
	PROCESSENTRY32W pe = { .dwSize = sizeof(pe) };
	HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
	int wn = MultiByteToWideChar(CP_UTF8, 0, name, -1, NULL, 0);
	WCHAR *want;
	size_t n = 0;

	*pids = NULL;
	if (snap == INVALID_HANDLE_VALUE)
		return win_errno(GetLastError());
	if (wn <= 0) {
		CloseHandle(snap);
		return 0;
	}
	want = xmalloc((size_t)wn * sizeof(WCHAR));
	MultiByteToWideChar(CP_UTF8, 0, name, -1, want, wn);
	for (BOOL ok = Process32FirstW(snap, &pe); ok; ok = Process32NextW(snap, &pe))
		if (pe.th32ProcessID && name_matches(pe.szExeFile, want)) {
			*pids = xrealloc(*pids, (n + 1) * sizeof(**pids));
			(*pids)[n++] = pe.th32ProcessID;
		}
	free(want);
	CloseHandle(snap);
	qsort(*pids, n, sizeof(**pids), cmp_dword);
	return (int)n;
}
