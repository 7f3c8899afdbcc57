/* SPDX-License-Identifier: BSD-2-Clause */
/* Reading a whole BPF hash map from user space, a batch at a time (BPF_MAP_LOOKUP_BATCH). */
#ifndef VMS_MAP_BATCH_H
#define VMS_MAP_BATCH_H

#include <stddef.h>

typedef int (*map_elem_cb)(void *ctx, const void *key, const void *val);

/* Calls cb for every element. Returns 0, the first nonzero cb result, or -errno. */
int map_for_each_batch(int fd, size_t key_size, size_t val_size, map_elem_cb cb, void *ctx);

#endif
