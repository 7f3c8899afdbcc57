// SPDX-License-Identifier: BSD-2-Clause
/*
 * bpf-iter backend: one pass of the iter/task_vma program (bpf/vma_iter.bpf.c) over a process,
 * names built in the kernel like the model's. It never formats or parses text; accounting
 * (smaps) is not available from it. A walk that raced with a writer is redone; a program the
 * kernel will not load, or a walk that keeps racing, falls back to /proc (said under -v).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "backend/backend.h"
#include "backend/vma_reader.h"
#include "proc/procfs.h"
#include "util/bpf_diag.h"
#include "util/util.h"
#include "vma_iter.skel.h"

static int bpf_iter_available(const char **why)
{
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		*why = "the kernel has no BTF (/sys/kernel/btf/vmlinux)";
		return -ENOENT;
	}
	if (geteuid() != 0) {
		*why = "loading BPF needs root (or CAP_BPF + CAP_PERFMON)";
		return -EPERM;
	}
	*why = "";
	return 0;
}

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

#define PASSES 8	/* walks that raced with a writer are redone this often, then -ESTALE */

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
		if (pass + 1 == PASSES) {
			err = -ESTALE;
			goto cleanup;
		}
	}
	for (size_t off = 0; off + sizeof(struct vms_vma_rec) <= len;) {
		struct vms_vma_rec r; /* copied: names make the records unaligned */
		size_t rec_len;

		memcpy(&r, buf + off, sizeof(r));
		rec_len = sizeof(r) + r.name_len;
		if (r.name_len > VMS_NAME_MAX || off + rec_len > len) {
			err = -EPROTO;
			goto cleanup;
		}
		err = cb(ctx, &r, buf + off + sizeof(r));
		if (err)
			goto cleanup;
		off += rec_len;
	}
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

/* /proc prints paths with seq_path(..., "\n"): a newline becomes the octal escape \012. */
static char *escape_path(const char *p, size_t n)
{
	char *out = xmalloc(n * 4 + 1), *o = out;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n') {
			memcpy(o, "\\012", 4);
			o += 4;
		} else {
			*o++ = p[i];
		}
	}
	*o = '\0';
	return out;
}

/* The text /proc/PID/maps shows for a record's name. */
char *vma_rec_name(const struct vms_vma_rec *r, const char *name)
{
	char *out = NULL;
	int n = (int)r->name_len;

	switch (r->name_kind) {
	case VMS_NAME_ANON:
		n = asprintf(&out, "[anon:%.*s]", n, name);
		break;
	case VMS_NAME_ANON_SHMEM:
		n = asprintf(&out, "[anon_shmem:%.*s]", n, name);
		break;
	case VMS_NAME_NONE:
		return xstrdup("");
	case VMS_NAME_PATH:
		return escape_path(name, (size_t)n);
	default:
		return xstrndup(name, (size_t)n);
	}
	if (n < 0)
		return xstrdup("?");
	return out;
}

void vma_rec_to_region(const struct vms_vma_rec *r, const char *name, struct vms_region *reg)
{
	reg->start = r->start;
	reg->end = r->end;
	reg->offset = r->pgoff;
	reg->inode = r->ino;
	reg->dev_major = r->dev >> 20;
	reg->dev_minor = r->dev & 0xfffff;
	reg->perms[0] = r->flags & VMS_VMA_READ ? 'r' : '-';
	reg->perms[1] = r->flags & VMS_VMA_WRITE ? 'w' : '-';
	reg->perms[2] = r->flags & VMS_VMA_EXEC ? 'x' : '-';
	reg->perms[3] = r->flags & VMS_VMA_SHARED ? 's' : 'p';
	reg->perms[4] = '\0';
	reg->name = vma_rec_name(r, name);
}

struct iter_ctx {
	struct vms_snapshot *s;
	bool truncated;
	bool gate;
};

static int add_region(void *ctx, const struct vms_vma_rec *r, const char *name)
{
	struct iter_ctx *c = ctx;

	if (r->flags & VMS_VMA_NAME_TRUNC)
		c->truncated = true;
	if (r->flags & VMS_VMA_GATE)
		c->gate = true;
	vma_rec_to_region(r, name, snapshot_add(c->s));
	return 0;
}

static int bpf_iter_snapshot(struct vms_snapshot *s, unsigned flags)
{
	struct iter_ctx c = { .s = s };
	const struct vms_region *gate;
	int err;

	s->backend = "bpf-iter";
	if (flags & BACKEND_ACCOUNTING) {
		/* Per-page accounting needs the page-table walk of smaps. */
		return procfs_read_regions(&s->proc, true, s);
	}
	err = vma_reader_run(s->proc.pid, add_region, &c, NULL);
	if (err == -ENOEXEC || err == -ESTALE) {
		/* Never an error of the target: say why under -v and answer from /proc. */
		if (err == -ENOEXEC)
			vms_debug("PID %d: reading /proc instead", (int)s->proc.pid);
		else
			vms_debug("PID %d: the iterator's walk raced with changes %d times: reading /proc "
				  "instead (which takes no mmap_lock either on 6.17+: it may be torn too)",
				  (int)s->proc.pid, PASSES);
		snapshot_free_regions(s);
		return procfs_read_regions(&s->proc, false, s);
	}
	if (err)
		return err;
	if (c.truncated || s->n == 0) {
		/* A name the kernel would print but we could not read, or no VMA at all for a
		 * process that has an mm (some tasks are invisible to the iterator): never print
		 * it wrong, ask /proc (which also says why it cannot, if it cannot). */
		vms_debug("PID %d: the iterator gave an incomplete answer, reading /proc instead",
			  (int)s->proc.pid);
		snapshot_free_regions(s);
		return procfs_read_regions(&s->proc, false, s);
	}
	/* /proc lists the vsyscall gate page after the VMA tree; it is not in the tree. */
	gate = procfs_gate_region();
	if (c.gate && gate) {
		struct vms_region *r = snapshot_add(s);

		*r = *gate;
		r->name = xstrdup(gate->name);
	}
	return 0;
}

const struct vms_backend backend_bpf_iter = {
	.name = "bpf-iter",
	.summary = "one BPF task_vma iterator pass; names built in the kernel",
	.available = bpf_iter_available,
	.snapshot = bpf_iter_snapshot,
};
