// SPDX-License-Identifier: BSD-2-Clause
/* Names of watch events: the kernel interns each name once in an LRU table; this side copies
 * it on first sight and keeps it, so one lookup per distinct name, not per event. */
#include <stdlib.h>

#include <bpf/bpf.h>

#include "kernel/contract.h"
#include "core/u64map.h"
#include "core/util.h"
#include "watch/watch.h"

struct watch_names {
	int fd;
	/* per kind, id -> the name as /proc spells it (one id may be spelled in two kinds: a
	 * map keyed by a mix of both could give one the other's name) */
	struct u64map names[VMS_NAME_ANON_SHMEM + 1];
	uint64_t missed;
};

struct watch_names *watch_names_new(int names_map_fd)
{
	struct watch_names *n = xcalloc(1, sizeof(*n));

	n->fd = names_map_fd;
	return n;
}

void watch_names_free(struct watch_names *n)
{
	if (!n)
		return;
	for (size_t k = 0; k < ARRAY_SIZE(n->names); k++)
		u64map_free(&n->names[k], free);
	free(n);
}

const char *watch_names_get(struct watch_names *n, uint64_t id, unsigned name_kind)
{
	struct vms_name_ent ent;
	const char *known;
	void **slot;

	if (!id || name_kind >= ARRAY_SIZE(n->names)) {
		n->missed++;
		return NULL;
	}
	known = u64map_get(&n->names[name_kind], id);
	if (known)
		return known;
	if (bpf_map_lookup_elem(n->fd, &id, &ent) || ent.len > VMS_NAME_MAX) {
		n->missed++;
		return NULL;
	}
	slot = u64map_slot(&n->names[name_kind], id);
	*slot = vms_name_decode(name_kind, ent.name, ent.len);
	return *slot;
}

uint64_t watch_names_missed(const struct watch_names *n)
{
	return n->missed;
}
