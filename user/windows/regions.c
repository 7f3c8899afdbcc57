// SPDX-License-Identifier: BSD-2-Clause
/*
 * A Windows process's address space as vms_regions: one region per VirtualQueryEx run (pages
 * alike in state, protection and type); free ranges are gaps, as on Linux. README "Windows"
 * documents the mapping (perms, names, accounting keys) decided here.
 */
#include "windows/win.h"

#include <psapi.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

#define PEB_PROCESS_HEAP 0x30		/* x64 PEB: the default heap's handle */
#define PEB_NUMBER_OF_HEAPS 0xe8	/* ULONG NumberOfHeaps, then PVOID *ProcessHeaps */
#define PEB_PROCESS_HEAPS 0xf0
#define HEAPS_MAX 1024
#define WS_BATCH 8192			/* pages per QueryWorkingSetEx call */

/* The accounting keys, in kB, in this order (README "Windows"). */
enum { K_SIZE, K_COMMITTED, K_RSS, K_ANON, K_SHAREABLE, K_SHARED, K_LOCKED, K__COUNT };
static const char *const key_names[K__COUNT] = {
	"Size", "Committed", "Rss", "Anonymous", "Shareable_WS", "Shared_WS", "Locked",
};

/* What VirtualQueryEx says of each region beyond vms_region's fields. */
struct wreg {
	uint64_t alloc_base;
	DWORD state, type;
};

void win_drives_init(struct win_drives *d)
{
	DWORD mask = GetLogicalDrives();

	memset(d, 0, sizeof(*d));
	for (int i = 0; i < 26; i++) {
		WCHAR letter[3] = { (WCHAR)(L'A' + i), L':', 0 };

		if ((mask >> i & 1) && QueryDosDeviceW(letter, d->dev[i], MAX_PATH))
			d->len[i] = wcslen(d->dev[i]);
	}
}

/* prefix + rest as UTF-8 */
static char *joined(const WCHAR *prefix, const WCHAR *rest)
{
	size_t a = wcslen(prefix), b = wcslen(rest);
	WCHAR *w = xmalloc((a + b + 1) * sizeof(WCHAR));
	char *s;

	memcpy(w, prefix, a * sizeof(WCHAR));
	memcpy(w + a, rest, (b + 1) * sizeof(WCHAR));
	s = win_utf8(w, -1);
	free(w);
	return s;
}

/* Wine answers GetMappedFileNameW with the DOS-devices form (\??\C:\..., \??\UNC\...):
 * the same files. */
char *win_dos_name(const struct win_drives *d, const WCHAR *nt)
{
	static const WCHAR mup[] = L"\\Device\\Mup\\", unc[] = L"\\??\\UNC\\";

	for (int i = 0; i < 26; i++) {
		size_t n = d->len[i];
		WCHAR drive[3] = { (WCHAR)(L'A' + i), L':', 0 };

		if (n && !_wcsnicmp(nt, d->dev[i], n) && nt[n] == L'\\')
			return joined(drive, nt + n);
	}
	if (!_wcsnicmp(nt, mup, ARRAY_SIZE(mup) - 1))
		return joined(L"\\\\", nt + ARRAY_SIZE(mup) - 1);
	if (!_wcsnicmp(nt, unc, ARRAY_SIZE(unc) - 1))
		return joined(L"\\\\", nt + ARRAY_SIZE(unc) - 1);
	if (!wcsncmp(nt, L"\\??\\", 4))
		return win_utf8(nt + 4, -1);
	return win_utf8(nt, -1);
}

/* The file's identity for inode and dev (what makes two mappings the same file): its file
 * index and volume serial number. 0 when the file cannot be opened (gone, no access). */
static void file_id(const char *path, struct vms_region *r)
{
	int wn = MultiByteToWideChar(CP_UTF8, 0, path, -1, NULL, 0);
	BY_HANDLE_FILE_INFORMATION fi;
	WCHAR *w;
	HANDLE f;

	if (wn <= 0)
		return;
	w = xmalloc((size_t)wn * sizeof(WCHAR));
	MultiByteToWideChar(CP_UTF8, 0, path, -1, w, wn);
	f = CreateFileW(w, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
			OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
	free(w);
	if (f == INVALID_HANDLE_VALUE)
		return;
	if (GetFileInformationByHandle(f, &fi)) {
		r->inode = (uint64_t)fi.nFileIndexHigh << 32 | fi.nFileIndexLow;
		r->dev_major = fi.dwVolumeSerialNumber >> 16;
		r->dev_minor = fi.dwVolumeSerialNumber & 0xffff;
	}
	CloseHandle(f);
}

static void perms_of(const MEMORY_BASIC_INFORMATION *m, char perms[5])
{
	DWORD p = m->State == MEM_COMMIT ? m->Protect : 0;
	const char *rwx = "---";

	if (!(p & PAGE_GUARD)) /* a guard page faults on any access (once) */
		switch (p & 0xff) {
		case PAGE_READONLY: rwx = "r--"; break;
		case PAGE_READWRITE: case PAGE_WRITECOPY: rwx = "rw-"; break;
		case PAGE_EXECUTE: rwx = "--x"; break;
		case PAGE_EXECUTE_READ: rwx = "r-x"; break;
		case PAGE_EXECUTE_READWRITE: case PAGE_EXECUTE_WRITECOPY: rwx = "rwx"; break;
		}
	memcpy(perms, rwx, 3);
	/* a view of a section shares its pages with every other view, unless it is a
	 * copy-on-write view; an image's pages are copy-on-write, as ELF's MAP_PRIVATE */
	perms[3] = m->Type == MEM_MAPPED && !(p & (PAGE_WRITECOPY | PAGE_EXECUTE_WRITECOPY)) ? 's' : 'p';
	perms[4] = '\0';
}

/* Names every run of the allocation that holds addr (a private one) with name. */
static void name_allocation(struct vms_snapshot *s, const struct wreg *w, uint64_t addr,
			    const char *name)
{
	size_t lo = 0, hi = s->n, i;

	while (lo < hi) { /* the region holding addr, if any */
		size_t mid = lo + (hi - lo) / 2;

		if (s->regions[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == s->n || s->regions[lo].start > addr || w[lo].type != MEM_PRIVATE)
		return;
	for (i = lo; i > 0 && w[i - 1].alloc_base == w[lo].alloc_base; i--)
		;
	for (; i < s->n && w[i].alloc_base == w[lo].alloc_base; i++) {
		region_name_free(s->regions[i].name);
		s->regions[i].name = xstrdup(name);
	}
}

/* "[heap]" for the process heaps' first segments (their handles are their bases): the
 * PEB's ProcessHeap and ProcessHeaps (wine fills the first only). A heap's further segments
 * are not found this way: they stay unnamed. */
static void name_heaps(HANDLE h, struct vms_snapshot *s, const struct wreg *w)
{
	uint64_t peb = win_peb_address(h, NULL), list, *heaps, heap;
	ULONG n = 0;

	if (!peb)
		return;
	if (win_read(h, peb + PEB_PROCESS_HEAP, &heap, sizeof(heap)))
		name_allocation(s, w, heap, "[heap]");
	if (!win_read(h, peb + PEB_NUMBER_OF_HEAPS, &n, sizeof(n)) || !n ||
	    !win_read(h, peb + PEB_PROCESS_HEAPS, &list, sizeof(list)))
		return;
	if (n > HEAPS_MAX)
		n = HEAPS_MAX;
	heaps = xcalloc(n, sizeof(*heaps));
	if (win_read(h, list, heaps, n * sizeof(*heaps)))
		for (ULONG i = 0; i < n; i++)
			name_allocation(s, w, heaps[i], "[heap]");
	free(heaps);
}

/* "[stack:TID]" for every run of each thread's stack reservation (its guard page too). */
static void name_stacks(struct vms_snapshot *s, const struct wreg *w)
{
	char name[32];

	for (size_t i = 0; i < s->n_threads; i++) {
		if (!s->threads[i].stack_high)
			continue;
		snprintf(name, sizeof(name), "[stack:%d]", s->threads[i].tid);
		name_allocation(s, w, s->threads[i].stack_high - 1, name);
	}
}

/* VmFlags in Linux's two-letter names, for what Windows says that they mean: rd wr ex from the
 * protection, sh for a view of a section, ac (VM_ACCOUNT: charged to the commit limit) for
 * committed private memory, nr (VM_NORESERVE) for a reservation with nothing committed. The
 * formats that read VmFlags (Committed and Private of a VMMap-style summary) then count
 * Windows' commit charge as they count Linux's. */
static char *vmflags_of(const struct vms_region *r, const struct wreg *w)
{
	char buf[32] = "";

	if (r->perms[0] == 'r')
		strcat(buf, "rd ");
	if (r->perms[1] == 'w')
		strcat(buf, "wr ");
	if (r->perms[2] == 'x')
		strcat(buf, "ex ");
	if (r->perms[3] == 's')
		strcat(buf, "sh ");
	if (w->state == MEM_COMMIT && w->type == MEM_PRIVATE)
		strcat(buf, "ac ");
	if (w->state == MEM_RESERVE)
		strcat(buf, "nr ");
	if (buf[0])
		buf[strlen(buf) - 1] = '\0';
	return xstrdup(buf);
}

/* The working set of each committed region, page by page: resident (valid), shareable or
 * private, shared (more than one process has it), locked. */
static int read_working_set(HANDLE h, struct vms_snapshot *s, const struct wreg *w)
{
	/* our own process through the pseudo-handle: wine (8.0) answers QueryWorkingSetEx for
	 * it alone (ERROR_INVALID_PARAMETER for any other handle, even one to us) */
	HANDLE ws = GetProcessId(h) == GetCurrentProcessId() ? GetCurrentProcess() : h;
	PSAPI_WORKING_SET_EX_INFORMATION *q = xmalloc(WS_BATCH * sizeof(*q));
	SYSTEM_INFO si;
	int idx[K__COUNT], err = 0;

	GetSystemInfo(&si);
	for (int k = 0; k < K__COUNT; k++)
		idx[k] = snapshot_acct_key(s, key_names[k], true);
	s->has_acct = true;
	for (size_t i = 0; i < s->n && !err; i++) {
		struct vms_region *r = &s->regions[i];
		uint64_t c[K__COUNT] = { 0 };

		c[K_SIZE] = region_size(r);
		for (uint64_t a = r->start; w[i].state == MEM_COMMIT && a < r->end;) {
			size_t n = 0;

			for (; n < WS_BATCH && a < r->end; n++, a += si.dwPageSize)
				q[n].VirtualAddress = (PVOID)(uintptr_t)a;
			if (!QueryWorkingSetEx(ws, q, (DWORD)(n * sizeof(*q)))) {
				err = -ENOTSUP; /* see win_read_regions() */
				break;
			}
			for (size_t j = 0; j < n; j++) {
				PSAPI_WORKING_SET_EX_BLOCK b = q[j].VirtualAttributes;

				if (!b.Valid)
					continue;
				c[K_RSS] += si.dwPageSize;
				c[b.Shared ? K_SHAREABLE : K_ANON] += si.dwPageSize;
				if (b.Shared && b.ShareCount > 1)
					c[K_SHARED] += si.dwPageSize;
				if (b.Locked)
					c[K_LOCKED] += si.dwPageSize;
			}
		}
		if (w[i].state == MEM_COMMIT)
			c[K_COMMITTED] = c[K_SIZE];
		region_more_set(r)->vmflags = vmflags_of(r, &w[i]);
		r->acct = xcalloc(s->n_keys, sizeof(*r->acct));
		for (int k = 0; k < K__COUNT; k++)
			r->acct[idx[k]] = c[k] >> 10;
	}
	free(q);
	return err;
}

int win_read_regions(HANDLE h, struct vms_snapshot *s, bool accounting)
{
	struct win_drives *d = xmalloc(sizeof(*d));
	struct wreg *w = NULL;
	size_t wcap = 0;
	uint64_t addr = 0, name_base = UINT64_MAX;
	char *alloc_name = NULL;
	struct vms_region alloc_id = { 0 };	/* the allocation's file: inode and dev */
	WCHAR nt[MAX_PATH * 4];
	int err = 0;

	win_drives_init(d);
	for (;;) {
		MEMORY_BASIC_INFORMATION m;
		struct vms_region *r;
		uint64_t base, next;

		if (!VirtualQueryEx(h, (LPCVOID)(uintptr_t)addr, &m, sizeof(m))) {
			/* past the highest user address; anything else is an error */
			if (GetLastError() != ERROR_INVALID_PARAMETER)
				err = win_errno(GetLastError());
			break;
		}
		base = (uintptr_t)m.BaseAddress;
		next = base + m.RegionSize;
		if (next <= addr)
			break; /* no progress: the end of the address space */
		addr = next;
		if (m.State == MEM_FREE)
			continue;
		if (s->n == wcap) {
			wcap = wcap ? wcap * 2 : 256;
			w = xrealloc(w, wcap * sizeof(*w));
		}
		r = snapshot_add(s);
		w[s->n - 1] = (struct wreg){ (uintptr_t)m.AllocationBase, m.State, m.Type };
		r->start = base;
		r->end = next;
		perms_of(&m, r->perms);
		if (m.Type == MEM_PRIVATE) {
			r->name = xstrdup(m.State == MEM_RESERVE ? "[reserved]" : "");
			continue;
		}
		/* image or view: its offset within the allocation (an image's RVA) */
		r->offset = base - (uintptr_t)m.AllocationBase;
		if ((uintptr_t)m.AllocationBase != name_base) {
			free(alloc_name);
			alloc_name = NULL;
			memset(&alloc_id, 0, sizeof(alloc_id));
			name_base = (uintptr_t)m.AllocationBase;
			/* a pagefile-backed section has no file: no name, like shared anonymous memory */
			if (GetMappedFileNameW(h, m.AllocationBase, nt, ARRAY_SIZE(nt))) {
				alloc_name = win_dos_name(d, nt);
				file_id(alloc_name, &alloc_id);
			}
		}
		r->name = xstrdup(alloc_name ? alloc_name : "");
		r->inode = alloc_id.inode;
		r->dev_major = alloc_id.dev_major;
		r->dev_minor = alloc_id.dev_minor;
	}
	free(alloc_name);
	free(d);
	if (!err) {
		name_stacks(s, w);
		name_heaps(h, s, w);
		if (accounting)
			err = read_working_set(h, s, w);
	}
	free(w);
	return err;
}
