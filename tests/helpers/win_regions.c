// SPDX-License-Identifier: BSD-2-Clause
/*
 * Windows test helper (mingw, run under wine by tests/e2e/windows.sh): makes regions it knows,
 * prints one JSON line of what it knows about itself, then waits (argv[1] seconds, default 60)
 * for vmscope.exe to read it:
 *   reserve   VirtualAlloc MEM_RESERVE of 1 MiB with 64 KiB committed (and touched) inside
 *   guard     three committed pages, the middle one PAGE_GUARD
 *   view      a 64 KiB temp file mapped shared (FILE_MAP_WRITE), cow: the same copy-on-write;
 *             its name holds non-ASCII characters, one outside the BMP (a UTF-16 surrogate pair)
 *   thread    a thread (256 KiB stack reserve) that waits; its tid and TEB stack bounds
 *   dll       a system DLL loaded with LoadLibrary: path, base, SizeOfImage
 *   heap      the process heap's handle (GetProcessHeap), and a block allocated from it
 */
#include <windows.h>
#include <psapi.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KB 1024u

static HANDLE ready;
static ULONG_PTR th_low, th_high, th_limit;

static void json_path(const char *key, const WCHAR *w)
{
	char buf[4 * MAX_PATH];

	WideCharToMultiByte(CP_UTF8, 0, w, -1, buf, sizeof(buf), NULL, NULL);
	printf(", \"%s\": \"", key);
	for (const char *p = buf; *p; p++)
		printf(*p == '\\' || *p == '"' ? "\\%c" : "%c", *p);
	printf("\"");
}

static DWORD WINAPI waiter(LPVOID arg)
{
	NT_TIB *tib = (NT_TIB *)NtCurrentTeb();

	GetCurrentThreadStackLimits(&th_low, &th_high);
	th_limit = (ULONG_PTR)tib->StackLimit;
	SetEvent(ready);
	Sleep(INFINITE);
	return 0;
}

static void die(const char *what)
{
	fprintf(stderr, "win_regions: %s failed: %lu\n", what, GetLastError());
	exit(1);
}

int main(int argc, char **argv)
{
	DWORD wait_s = argc > 1 ? (DWORD)atoi(argv[1]) : 60, tid, written, page;
	WCHAR dir[MAX_PATH], tmp[MAX_PATH], final[MAX_PATH], dll[MAX_PATH];
	BY_HANDLE_FILE_INFORMATION fi;
	ULONG_PTR main_low, main_high;
	MODULEINFO mi;
	SYSTEM_INFO si;
	char *res, *guard, *view, *cow, data[4096];
	HANDLE f, map, th;
	HMODULE mod;
	DWORD old;

	GetSystemInfo(&si);
	page = si.dwPageSize;

	res = VirtualAlloc(NULL, 1024 * KB, MEM_RESERVE, PAGE_READWRITE);
	if (!res || !VirtualAlloc(res + 256 * KB, 64 * KB, MEM_COMMIT, PAGE_READWRITE))
		die("VirtualAlloc reserve/commit");
	memset(res + 256 * KB, 0x5a, 64 * KB);

	guard = VirtualAlloc(NULL, 3 * page, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	if (!guard || !VirtualProtect(guard + page, page, PAGE_READWRITE | PAGE_GUARD, &old))
		die("VirtualAlloc guard");

	if (!GetTempPathW(MAX_PATH, dir))
		die("GetTempPath");
	/* "vms-é日😀-PID.tmp" */
	_snwprintf(tmp, MAX_PATH, L"%lsvms-\u00e9\u65e5\U0001F600-%lu.tmp", dir, GetCurrentProcessId());
	tmp[MAX_PATH - 1] = 0;
	f = CreateFileW(tmp, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL,
			CREATE_ALWAYS, FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE, NULL);
	if (f == INVALID_HANDLE_VALUE)
		die("CreateFile");
	memset(data, 'v', sizeof(data));
	for (int i = 0; i < 16; i++)
		if (!WriteFile(f, data, sizeof(data), &written, NULL))
			die("WriteFile");
	map = CreateFileMappingW(f, NULL, PAGE_READWRITE, 0, 0, NULL);
	view = map ? MapViewOfFile(map, FILE_MAP_WRITE, 0, 0, 0) : NULL;
	cow = map ? MapViewOfFile(map, FILE_MAP_COPY, 0, 0, 0) : NULL;
	if (!view || !cow)
		die("MapViewOfFile");
	view[0] = 'w';
	if (!GetFinalPathNameByHandleW(f, final, MAX_PATH, FILE_NAME_NORMALIZED | VOLUME_NAME_DOS) ||
	    !GetFileInformationByHandle(f, &fi))
		die("GetFinalPathNameByHandle");

	ready = CreateEventW(NULL, TRUE, FALSE, NULL);
	th = CreateThread(NULL, 256 * KB, waiter, NULL, STACK_SIZE_PARAM_IS_A_RESERVATION, &tid);
	if (!th || WaitForSingleObject(ready, 10000) != WAIT_OBJECT_0)
		die("CreateThread");
	GetCurrentThreadStackLimits(&main_low, &main_high);

	mod = LoadLibraryW(L"dbghelp.dll");
	if (!mod || !GetModuleFileNameW(mod, dll, MAX_PATH) ||
	    !GetModuleInformation(GetCurrentProcess(), mod, &mi, sizeof(mi)))
		die("LoadLibrary");

	printf("{\"pid\": %lu, \"page\": %lu", GetCurrentProcessId(), page);
	printf(", \"reserve\": [%llu, %llu], \"commit\": [%llu, %llu]",
	       (unsigned long long)(ULONG_PTR)res, 1024ull * KB,
	       (unsigned long long)(ULONG_PTR)(res + 256 * KB), 64ull * KB);
	printf(", \"guard\": [%llu, %lu]", (unsigned long long)(ULONG_PTR)guard, page);
	printf(", \"view\": [%llu, %llu], \"cow\": [%llu, %llu]",
	       (unsigned long long)(ULONG_PTR)view, 64ull * KB,
	       (unsigned long long)(ULONG_PTR)cow, 64ull * KB);
	json_path("file", final);
	printf(", \"file_index\": %llu", (unsigned long long)fi.nFileIndexHigh << 32 | fi.nFileIndexLow);
	printf(", \"thread\": {\"tid\": %lu, \"low\": %llu, \"high\": %llu, \"limit\": %llu}", tid,
	       (unsigned long long)th_low, (unsigned long long)th_high, (unsigned long long)th_limit);
	printf(", \"main\": {\"tid\": %lu, \"low\": %llu, \"high\": %llu}", GetCurrentThreadId(),
	       (unsigned long long)main_low, (unsigned long long)main_high);
	json_path("dll", dll);
	printf(", \"dll_base\": %llu, \"dll_size\": %lu",
	       (unsigned long long)(ULONG_PTR)mi.lpBaseOfDll, mi.SizeOfImage);
	printf(", \"heap\": %llu, \"heap_block\": %llu}\n",
	       (unsigned long long)(ULONG_PTR)GetProcessHeap(),
	       (unsigned long long)(ULONG_PTR)HeapAlloc(GetProcessHeap(), 0, 100));
	fflush(stdout);
	Sleep(wait_s * 1000);
	return 0;
}
