// SPDX-License-Identifier: BSD-2-Clause
/*
 * Windows test helper linked with the Windows backend (Makefile: win_selfmap.exe): the working
 * set accounting of -x read on itself, the one process whose working set wine's
 * QueryWorkingSetEx answers. It commits 256 KiB and touches 64 KiB of it, reserves 1 MiB,
 * then prints one JSON line of those addresses and the backend's own `map -XX` and
 * `--format json -x` of itself (core formats), for tests/e2e/windows.sh to compare; then
 * every format of the core's registry, each after a line "== NAME", in -x mode; last, a line
 * "== names" and a JSON list of [NT path, DOS path] conversions (win_dos_name) to check.
 */
#include "windows/win.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "core/format/format.h"

#define KB 1024u

static void print_name(const struct win_drives *d, const WCHAR *prefix, const WCHAR *rest, bool last)
{
	WCHAR nt[MAX_PATH * 2];
	char *in, *out;

	wcscpy(nt, prefix);
	wcscat(nt, rest);
	in = win_utf8(nt, -1);
	out = win_dos_name(d, nt);
	printf("[\"");
	for (const char *p = in; *p; p++)
		printf(*p == '\\' ? "\\\\" : "%c", *p);
	printf("\", \"");
	for (const char *p = out; *p; p++)
		printf(*p == '\\' ? "\\\\" : "%c", *p);
	printf("\"]%s", last ? "]\n" : ", ");
	free(in);
	free(out);
}

/* The C: drive's device (whatever it is here) and the other forms win_dos_name knows. */
static void print_names(void)
{
	static struct win_drives d;
	WCHAR cdev[MAX_PATH];

	win_drives_init(&d);
	wcscpy(cdev, d.dev[2]);
	printf("== names\n[");
	print_name(&d, cdev, L"\\windows\\x.dll", false);
	print_name(&d, cdev, L"0\\not\\drive_c.dll", false);	/* ...Volume10 is not ...Volume1 */
	_wcslwr(cdev);
	print_name(&d, cdev, L"\\lower.dll", false);			/* device names are case-blind */
	print_name(&d, L"\\Device\\Mup\\", L"srv\\share\\f.dll", false);
	print_name(&d, L"\\??\\", L"C:\\y.dll", false);
	print_name(&d, L"\\??\\UNC\\", L"srv\\s\\z.dat", false);
	print_name(&d, L"\\Device\\NoSuchDevice7\\", L"q.dat", true);
}

int main(void)
{
	char *commit = VirtualAlloc(NULL, 256 * KB, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	char *reserve = VirtualAlloc(NULL, 1024 * KB, MEM_RESERVE, PAGE_NOACCESS);
	struct format_state st = { 0 };
	struct format_opts o;
	struct vms_snapshot s;
	int err;

	if (!commit || !reserve)
		return 1;
	memset(commit, 1, 64 * KB);
	printf("{\"commit\": %llu, \"reserve\": %llu}\n", (unsigned long long)(uintptr_t)commit,
	       (unsigned long long)(uintptr_t)reserve);
	snapshot_init(&s);
	err = win_snapshot(GetCurrentProcessId(), &s, BACKEND_ACCOUNTING);
	if (err) {
		fprintf(stderr, "win_selfmap: win_snapshot: %d\n", err);
		return 1;
	}
	format_opts_init(&o);
	o.mode = PMAP_EXTENDED;
	format_json.print(stdout, &s, &o, &st);
	o.mode = PMAP_XX;
	format_pmap.print(stdout, &s, &o, &st);
	format_pmap.finish(stdout, &o, &st);
	o.mode = PMAP_EXTENDED;
	for (size_t i = 0; vms_formats[i]; i++) {
		struct format_state fs = { 0 };

		printf("== %s\n", vms_formats[i]->name);
		vms_formats[i]->print(stdout, &s, &o, &fs);
		if (vms_formats[i]->finish)
			vms_formats[i]->finish(stdout, &o, &fs);
	}
	snapshot_free(&s);
	print_names();
	return 0;
}
