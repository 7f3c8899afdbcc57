// SPDX-License-Identifier: BSD-2-Clause
#include "kernel/map_batch.h"

#include <errno.h>
#include <stdlib.h>

#include <bpf/bpf.h>

#include "core/util.h"

int map_for_each_batch(int fd, size_t key_size, size_t val_size, map_elem_cb cb, void *ctx)
{
	enum { BATCH = 4096 };
	char *keys = xcalloc(BATCH, key_size), *vals = xcalloc(BATCH, val_size);
	char *out_batch = xcalloc(1, key_size < 8 ? 8 : key_size); /* the kernel's resume token */
	void *in = NULL;
	int err;

	for (;;) {
		__u32 n = BATCH;
		LIBBPF_OPTS(bpf_map_batch_opts, opts);

		err = bpf_map_lookup_batch(fd, in, out_batch, keys, vals, &n, &opts);
		if (err && errno != ENOENT) {
			err = -errno;
			break;
		}
		for (__u32 i = 0; i < n; i++) {
			int r = cb(ctx, keys + i * key_size, vals + i * val_size);

			if (r) {
				err = r;
				goto out;
			}
		}
		if (err) { /* ENOENT: that was the last batch */
			err = 0;
			break;
		}
		in = out_batch;
	}
out:
	free(keys);
	free(vals);
	free(out_batch);
	return err;
}
