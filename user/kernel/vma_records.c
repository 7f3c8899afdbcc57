// SPDX-License-Identifier: BSD-2-Clause
/* The record stream of the iter/task_vma program: what vma_reader_run() reads, walked. */
#include <errno.h>
#include <string.h>

#include "kernel/vma_reader.h"

int vma_records_walk(const char *buf, size_t len, vma_rec_cb cb, void *ctx)
{
	size_t off = 0;

	while (off + sizeof(struct vms_vma_rec) <= len) {
		struct vms_vma_rec r; /* copied: names make the records unaligned */
		size_t rec_len;
		int err;

		memcpy(&r, buf + off, sizeof(r));
		rec_len = sizeof(r) + r.name_len;
		if (r.name_len > VMS_NAME_MAX || rec_len > len - off)
			return -EPROTO;
		err = cb(ctx, &r, buf + off + sizeof(r));
		if (err)
			return err;
		off += rec_len;
	}
	/* a tail shorter than a record: the kernel side writes whole records or none */
	return off == len ? 0 : -EPROTO;
}
