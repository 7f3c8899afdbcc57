/* SPDX-License-Identifier: BSD-2-Clause */
/* A small open-addressing hash map from nonzero 64-bit keys to pointers (grows; never shrinks). */
#ifndef VMS_U64MAP_H
#define VMS_U64MAP_H

#include <stddef.h>
#include <stdint.h>

struct u64map {
	struct u64map_slot { uint64_t key; void *val; } *slots;	/* key 0 = empty */
	size_t cap, used;
};

/* The value slot of key, added (NULL) if absent; key must not be 0. */
void **u64map_slot(struct u64map *m, uint64_t key);
/* The value of key, or NULL. */
void *u64map_get(const struct u64map *m, uint64_t key);
/* Frees the table; free_val (if not NULL) is called on every value. */
void u64map_free(struct u64map *m, void (*free_val)(void *));

#endif
