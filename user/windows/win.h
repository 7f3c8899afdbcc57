/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The Windows backend (built only by `make windows`, with mingw-w64): the regions of a live
 * process from VirtualQueryEx, their files from GetMappedFileNameW, their working set from
 * QueryWorkingSetEx, its threads' stacks from their TEBs. It fills the same struct vms_snapshot
 * as the Linux backends, so every core format prints it unchanged. README "Windows" says how
 * Windows' regions map onto vms_region.
 */
#ifndef VMS_WIN_H
#define VMS_WIN_H

#include <windows.h>

#include <stdbool.h>
#include <stdint.h>

#include "core/region.h"

/* UTF-16 (len units, or -1: NUL-terminated) as malloc'd UTF-8; an unpaired surrogate is U+FFFD. */
char *win_utf8(const WCHAR *w, int len);
/* ReadProcessMemory of exactly n bytes at addr. */
bool win_read(HANDLE h, uint64_t addr, void *buf, size_t n);
/* The address of the process's PEB (NtQueryInformationProcess), 0 if unknown; *ppid: its parent. */
uint64_t win_peb_address(HANDLE h, int *ppid);
/* A GetLastError() value as -errno (ESRCH, EACCES, ...), for the messages of util.h. */
int win_errno(DWORD err);

/* The NT device name of each drive letter ("\Device\HarddiskVolume3" for C:), from
 * QueryDosDevice. */
struct win_drives {
	WCHAR dev[26][MAX_PATH];
	size_t len[26];
};
void win_drives_init(struct win_drives *d);
/* GetMappedFileNameW's NT path as a malloc'd UTF-8 DOS path: the drive letter whose device
 * prefixes it, \\ (UNC) for the network redirector (\Device\Mup\); a device no drive letter
 * names stays as it is (\Device\CdRom0\...). */
char *win_dos_name(const struct win_drives *d, const WCHAR *nt);

/* The identity of a process: pid, comm (the image's file name), cmdline (from its PEB), ppid,
 * start_time (its creation time, 100 ns units since 1601). 0 or -errno (-ESRCH: no such
 * process or it has exited; -EACCES). h: the process handle opened for the regions. */
int win_open_process(DWORD pid, HANDLE *h, struct vms_proc *p);
/* Every process whose image name is name (case-insensitively, ".exe" optional), ascending.
 * The count, or -errno. */
int win_pids_by_name(const char *name, DWORD **pids);

/* The process's threads into s->threads (main thread first): tid and the stack bounds of its
 * TEB (stack_low = StackLimit, the committed part's low end; stack_high = StackBase); 0 and 0
 * when its TEB could not be read. 0 or -errno. */
int win_read_threads(HANDLE h, DWORD pid, struct vms_snapshot *s);

/* The regions of the process (see README "Windows"); with accounting, the working set of each.
 * 0 or -errno: -ENOTSUP when QueryWorkingSetEx refuses the process (wine: any but ourselves). */
int win_read_regions(HANDLE h, struct vms_snapshot *s, bool accounting);

/* The identity, threads and regions of a process: what `map` shows (and `snapshot save` will
 * save). flags: BACKEND_ACCOUNTING (backend/backend.h). 0 or -errno; s->proc.pid is set even
 * then, and the identity when the process was found. */
int win_snapshot(DWORD pid, struct vms_snapshot *s, unsigned flags);
extern const struct vms_backend backend_windows;	/* backend.c: win_snapshot() as a backend */

/* Asks for SeDebugPrivilege (administrators have it, disabled): other users' processes. */
void win_enable_debug_privilege(void);

#endif
