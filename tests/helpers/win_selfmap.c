// SPDX-License-Identifier: BSD-2-Clause
/*
 * Windows test helper linked with the Windows backend (Makefile: win_selfmap.exe): the working
 * set accounting of -x read on itself, the one process whose working set wine's
 * QueryWorkingSetEx answers. It commits 256 KiB and touches 64 KiB of it, reserves 1 MiB,
 * then prints one JSON line of those addresses and the backend's own `map -XX` and
 * `--format json -x` of itself (core formats), for tests/e2e/windows.sh to compare; then
 * every format of the core's registry, each after a line "== NAME", in -x mode.
 */
#include "windows/win.h"

#include <stdio.h>
#include <string.h>

#include "backend/backend.h"
#include "core/format/format.h"

#define KB 1024u

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
	return 0;
}
