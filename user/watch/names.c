// SPDX-License-Identifier: BSD-2-Clause
/* Names of watch events: the kernel interns each name once in an LRU table; this side copies
 * it on first sight and keeps it, so one lookup per distinct name, not per event. */
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "backend/vma_reader.h"
#include "util/util.h"
#include "watch/watch.h"

struct slot {
	uint64_t key;		/* id mixed with the kind; 0 = empty */
	char *name;
};

struct watch_names {
	int fd;
	size_t cap, used;	/* cap: a power of two */
	struct slot *slots;
	uint64_t missed;
};

struct watch_names *watch_names_new(int names_map_fd)
{
	struct watch_names *n = xcalloc(1, sizeof(*n));

	n->fd = names_map_fd;
	n->cap = 256;
	n->slots = xcalloc(n->cap, sizeof(*n->slots));
	return n;
}

void watch_names_free(struct watch_names *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->cap; i++)
		free(n->slots[i].name);
	free(n->slots);
	free(n);
}

static struct slot *find(struct slot *slots, size_t cap, uint64_t key)
{
	size_t i = (size_t)(key * 0x9e3779b97f4a7c15ULL >> 20) & (cap - 1);

	while (slots[i].key && slots[i].key != key)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static void grow(struct watch_names *n)
{
	size_t cap = n->cap * 2;
	struct slot *slots = xcalloc(cap, sizeof(*slots));

	for (size_t i = 0; i < n->cap; i++)
		if (n->slots[i].key)
			*find(slots, cap, n->slots[i].key) = n->slots[i];
	free(n->slots);
	n->slots = slots;
	n->cap = cap;
}

const char *watch_names_get(struct watch_names *n, uint64_t id, unsigned name_kind)
{
	uint64_t key = (id ^ ((uint64_t)name_kind << 56)) | 1;
	struct vms_name_ent ent;
	struct vms_vma_rec rec = { .name_kind = (uint8_t)name_kind };
	struct slot *s = find(n->slots, n->cap, key);

	if (s->key)
		return s->name;
	if (bpf_map_lookup_elem(n->fd, &id, &ent) || ent.len > VMS_NAME_MAX) {
		n->missed++;
		return NULL;
	}
	rec.name_len = (uint16_t)ent.len;
	if (2 * (n->used + 1) > n->cap) {
		grow(n);
		s = find(n->slots, n->cap, key);
	}
	s->key = key;
	s->name = vma_rec_name(&rec, ent.name);
	n->used++;
	return s->name;
}

uint64_t watch_names_missed(const struct watch_names *n)
{
	return n->missed;
}
