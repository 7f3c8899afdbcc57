// SPDX-License-Identifier: BSD-2-Clause
/*
 * watch's output formats: the table `watch -F` picks from, and what the formats share. Each
 * format is pure (an event, its resolved name and wall-clock time in; text out) and lives in
 * its own file: a new one is that file plus one entry here.
 */
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "watch/watch.h"

const struct watch_format *const watch_formats[] = {
	&watch_format_text,
	&watch_format_json,
	NULL,
};

const struct watch_format *watch_format_find(const char *name)
{
	return table_find(REGISTRY(watch_formats), name);
}

static const char *const kind_names[VMS_EV__COUNT] = {
	[VMS_EV_MAP] = "map", [VMS_EV_UNMAP] = "unmap", [VMS_EV_PROTECT] = "protect",
	[VMS_EV_REMAP] = "remap", [VMS_EV_BRK] = "brk", [VMS_EV_GROW] = "grow",
	[VMS_EV_MADVISE] = "madvise", [VMS_EV_LOCK] = "lock", [VMS_EV_UNLOCK] = "unlock",
	[VMS_EV_EXEC] = "exec", [VMS_EV_FORK] = "fork", [VMS_EV_EXIT] = "exit",
	[VMS_EV_FAULTS] = "faults",
};

/* madvise(2) advice values, as the man page names them */
const char *watch_advice_name(unsigned a)
{
	static const char *const low[] = {
		"normal", "random", "sequential", "willneed", "dontneed", NULL, NULL, NULL,
		"free", "remove", "dontfork", "dofork", "mergeable", "unmergeable", "hugepage",
		"nohugepage", "dontdump", "dodump", "wipeonfork", "keeponfork", "cold", "pageout",
		"populate_read", "populate_write", "dontneed_locked", "collapse",
	};
	static const char *const high[] = { "hwpoison", "soft_offline", "guard_install",
					    "guard_remove" };

	if (a < sizeof(low) / sizeof(low[0]) && low[a])
		return low[a];
	if (a >= 100 && a - 100 < sizeof(high) / sizeof(high[0]))
		return high[a - 100];
	return NULL;
}

const char *watch_kind_name(unsigned kind)
{
	return kind < VMS_EV__COUNT && kind_names[kind] ? kind_names[kind] : "?";
}

void watch_human_size(uint64_t b, char out[8])
{
	static const char units[] = "KMGTPE";
	uint64_t k = (b + 1023) / 1024;	/* regions are whole pages: KiB is the floor */
	unsigned tenths;
	int u = 0;

	while (k >= 1024 * 1024 && u < 4) {
		k /= 1024;
		u++;
	}
	if (k < 1024) {
		snprintf(out, 8, "%u%c", (unsigned)k, units[u]);
		return;
	}
	/* one decimal below 10 units (1.5M), whole units above (132M) */
	tenths = (unsigned)(k % 1024 * 10 / 1024);
	if (k < 10 * 1024 && tenths)
		snprintf(out, 8, "%u.%u%c", (unsigned)(k / 1024), tenths, units[u + 1]);
	else
		snprintf(out, 8, "%u%c", (unsigned)((k + 512) / 1024), units[u + 1]);
}
