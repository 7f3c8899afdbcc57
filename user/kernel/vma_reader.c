// SPDX-License-Identifier: BSD-2-Clause
/* One pass of the iter/task_vma program (bpf/vma_iter.bpf.c), validated and redone when it raced
 * with a writer: the bpf-iter backend, the live model's seeding and watch's names use it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core/util.h"
#include "kernel/bpf_diag.h"
#include "kernel/vma_reader.h"
#include "vma_iter.skel.h"

/* One read of the iterator: every record of the pass into *buf. */
static int read_pass(struct bpf_link *link, char **buf, size_t *len)
{
	size_t cap = 1 << 20;
	int fd = bpf_iter_create(bpf_link__fd(link)), err = 0;

	if (fd < 0)
		return -errno;
	*buf = xmalloc(cap);
	*len = 0;
	for (;;) {
		ssize_t n;

		if (cap - *len < 65536)
			*buf = xrealloc(*buf, cap *= 2);
		n = read(fd, *buf + *len, cap - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	close(fd);
	return err;
}

/* Forgets the previous pass: its counters and which thread emitted which mm. */
static void reset_pass(struct vma_iter_bpf *skel)
{
	int fd = bpf_map__fd(skel->maps.seen_mm);
	__u64 key, next;

	while (!bpf_map_get_next_key(fd, NULL, &next)) {
		key = next;
		if (bpf_map_delete_elem(fd, &key))
			break;
	}
	skel->bss->vmas_seen = skel->bss->names_truncated = 0;
	skel->bss->walk_torn = skel->bss->walk_mm = 0;
}

int vma_reader_run(pid_t tgid, vma_rec_cb cb, void *ctx, struct vma_reader_stats *stats)
{
	LIBBPF_OPTS(bpf_iter_attach_opts, opts);
	union bpf_iter_link_info linfo;
	struct vma_iter_bpf *skel;
	struct bpf_link *link = NULL;
	char *buf = NULL;
	size_t len = 0;
	int err;

	bpf_diag_reset();
	skel = vma_iter_bpf__open();
	if (!skel)
		return -errno;
	skel->rodata->target_tgid = (__u32)tgid;
	skel->rodata->inject_refusal = bpf_inject_refusal();
	err = vma_iter_bpf__load(skel);
	if (err) {
		vms_debug("bpf-iter: cannot load its program: %s", bpf_diag_why(err));
		err = -ENOEXEC;
		goto cleanup;
	}
	memset(&linfo, 0, sizeof(linfo));
	if (tgid) {
		linfo.task.pid = (__u32)tgid;
		opts.link_info = &linfo;
		opts.link_info_len = sizeof(linfo);
	}
	link = bpf_program__attach_iter(skel->progs.vms_vma_iter, tgid ? &opts : NULL);
	if (!link) {
		err = -errno;
		goto cleanup;
	}
	for (int pass = 0;; pass++) {
		reset_pass(skel);
		free(buf);
		buf = NULL;
		err = read_pass(link, &buf, &len);
		if (err)
			goto cleanup;
		if (!skel->bss->walk_torn)
			break;
		if (pass + 1 == VMA_READER_PASSES) {
			err = -ESTALE;
			goto cleanup;
		}
	}
	err = vma_records_walk(buf, len, cb, ctx);
	if (err)
		goto cleanup;
	if (stats) {
		stats->vmas = skel->bss->vmas_seen;
		stats->names_truncated = skel->bss->names_truncated;
	}
	err = 0;
cleanup:
	free(buf);
	bpf_link__destroy(link);
	vma_iter_bpf__destroy(skel);
	return err;
}
