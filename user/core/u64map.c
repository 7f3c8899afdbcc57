// SPDX-License-Identifier: BSD-2-Clause
#include "u64map.h"

#include <stdlib.h>

#include "util.h"

static struct u64map_slot *find(struct u64map_slot *slots, size_t cap, uint64_t key)
{
	size_t i = (size_t)(key * 0x9e3779b97f4a7c15ULL >> 20) & (cap - 1);

	while (slots[i].key && slots[i].key != key)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static void grow(struct u64map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	struct u64map_slot *slots = xcalloc(cap, sizeof(*slots));

	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key)
			*find(slots, cap, m->slots[i].key) = m->slots[i];
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
}

void **u64map_slot(struct u64map *m, uint64_t key)
{
	struct u64map_slot *s;

	if (2 * (m->used + 1) > m->cap)
		grow(m);
	s = find(m->slots, m->cap, key);
	if (!s->key) {
		s->key = key;
		s->val = NULL;
		m->used++;
	}
	return &s->val;
}

void *u64map_get(const struct u64map *m, uint64_t key)
{
	return m->cap ? find(m->slots, m->cap, key)->val : NULL;
}

void u64map_free(struct u64map *m, void (*free_val)(void *))
{
	for (size_t i = 0; free_val && i < m->cap; i++)
		if (m->slots[i].key)
			free_val(m->slots[i].val);
	free(m->slots);
	m->slots = NULL;
	m->cap = m->used = 0;
}
