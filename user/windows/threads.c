// SPDX-License-Identifier: BSD-2-Clause
/* A Windows process's threads and their stacks: each thread's TEB says where its stack is. */
#include "windows/win.h"

#include <winternl.h>
#include <tlhelp32.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

/* x64 THREAD_BASIC_INFORMATION (NtQueryInformationThread class 0), and the TEB fields read:
 * NT_TIB's StackBase and StackLimit. The stack's whole reservation (TEB DeallocationStack up to
 * StackBase) is the allocation VirtualQueryEx finds at StackBase - 1 (regions.c). */
struct tbi64 {
	NTSTATUS exit_status;
	uint64_t teb;
	uint64_t pid, tid;
	uint64_t affinity;
	LONG priority, base_priority;
};
#define TEB_STACK_BASE 0x08
#define THREADS_MAX 65536	/* a bound on a snapshot that keeps growing under us */

struct th {
	DWORD tid;
	uint64_t created;
	uint64_t low, high;
};

static int cmp_created(const void *a, const void *b)
{
	const struct th *x = a, *y = b;

	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

/* What the thread's TEB says of its stack; false if it cannot be read (it just exited). */
static bool read_stack(HANDLE proc, struct th *t)
{
	HANDLE h = OpenThread(THREAD_QUERY_INFORMATION, FALSE, t->tid);
	struct tbi64 tbi = { 0 };
	uint64_t tib[2]; /* StackBase, StackLimit */
	FILETIME c, e, k, u;
	bool ok;

	if (!h)
		h = OpenThread(THREAD_QUERY_LIMITED_INFORMATION, FALSE, t->tid);
	if (!h)
		return false;
	if (GetThreadTimes(h, &c, &e, &k, &u))
		t->created = (uint64_t)c.dwHighDateTime << 32 | c.dwLowDateTime;
	ok = NT_SUCCESS(NtQueryInformationThread(h, (THREADINFOCLASS)0 /* ThreadBasicInformation */,
						 &tbi, sizeof(tbi), NULL)) && tbi.teb;
	CloseHandle(h);
	if (!ok || !win_read(proc, tbi.teb + TEB_STACK_BASE, tib, sizeof(tib)))
		return false;
	t->high = tib[0];
	t->low = tib[1];
	if (t->low < t->high)
		return true;
	t->low = t->high = 0; /* a TEB caught mid-change: bounds unknown */
	return false;
}

int win_read_threads(HANDLE proc, DWORD pid, struct vms_snapshot *s)
{
	THREADENTRY32 te = { .dwSize = sizeof(te) };
	HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0);
	struct th *v = NULL;
	size_t n = 0, cap = 0;

	if (snap == INVALID_HANDLE_VALUE)
		return win_errno(GetLastError());
	for (BOOL ok = Thread32First(snap, &te); ok && n < THREADS_MAX; ok = Thread32Next(snap, &te)) {
		if (te.th32OwnerProcessID != pid)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = xrealloc(v, cap * sizeof(*v));
		}
		memset(&v[n], 0, sizeof(v[n]));
		v[n].tid = te.th32ThreadID;
		if (read_stack(proc, &v[n]) || v[n].created) /* a thread without a TEB read is kept */
			n++;
	}
	CloseHandle(snap);
	/* the main thread is the first one created */
	qsort(v, n, sizeof(*v), cmp_created);
	for (size_t i = 0; i < n; i++) {
		struct vms_thread *t = snapshot_add_thread(s, (int)v[i].tid);

		t->stack_low = v[i].low;
		t->stack_high = v[i].high;
	}
	free(v);
	return 0;
}
