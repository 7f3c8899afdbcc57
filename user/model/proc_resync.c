// SPDX-License-Identifier: BSD-2-Clause
/*
 * Tier event-resync (kernels without the kfunc VMA iterator, e.g. 6.1): the kernel side only
 * invalidates a process when its regions may have changed; this side reads /proc/PID/maps,
 * stores it under a fresh generation and publishes it with vms_publish, which refuses if the
 * process changed since we looked. The names go into the same content-hashed table the kernel
 * side uses, with the same keyed hash (the key in vms_info).
 */
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>

#include "kernel/contract.h"
#include "model/live.h"
#include "proc/procfs.h"
#include "core/util.h"

static int run_prog(int fd, void *args, size_t size)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args, .ctx_size_in = size);

	return bpf_prog_test_run_opts(fd, &opts) ? -errno : 0;
}

/* Stores one region under (tgid, gen). 0, or -errno (-E2BIG/-ENOMEM: a map is full). */
static int store_region(struct live *m, uint32_t tgid, uint32_t gen, const struct vms_region *r)
{
	struct vms_vma_key key = { .tgid = tgid, .gen = gen, .start = r->start };
	struct vms_vma_ent ent = { .end = r->end, .pgoff = r->offset, .ino = r->inode,
				   .dev = r->dev_major << 20 | r->dev_minor };
	struct vms_name_ent ne = { 0 };
	size_t len;
	unsigned kind;

	if (strlen(r->name) > VMS_NAME_MAX)
		return -ENAMETOOLONG;
	kind = vms_name_encode(r->name, ne.name, &len);
	ent.flags = vms_vma_ent_flags(vms_perm_bits(r->perms), kind);
	if (kind != VMS_NAME_NONE) {
		struct vms_name_ent old;

		ne.len = (uint32_t)len;
		ent.name_id = vms_name_id(m->info.name_key, ne.name, len);
		if (bpf_map_update_elem(m->names_fd, &ent.name_id, &ne, BPF_NOEXIST)) {
			if (errno != EEXIST)
				return -errno;
			/* the id is taken: ours only if the content is (a collision leaves the
			 * region unnamed, so that readers ask /proc) */
			if (bpf_map_lookup_elem(m->names_fd, &ent.name_id, &old) ||
			    !vms_name_same(&old, ne.name, len)) {
				ent.name_id = 0;
				ent.flags |= VMS_VMA_UNNAMED;
			}
		}
	}
	return bpf_map_update_elem(m->vmas_fd, &key, &ent, BPF_ANY) ? -errno : 0;
}

int live_resync_from_proc(struct live *m, struct vms_snapshot *s)
{
	const struct vms_region *gate = procfs_gate_region();
	uint32_t tgid = (uint32_t)s->proc.pid;
	struct vms_proc_ent pe = { .start_time = live_start_time_ns(s->proc.start_time) };
	struct vms_new_gen_args ng = { 0 };
	struct vms_publish_args pub = { .start_time = pe.start_time, .tgid = tgid };
	int err;

	/* The entry first, /proc second: an exit after this point removes the entry (the
	 * publish then fails); an exit before it makes the /proc read fail. */
	if (bpf_map_update_elem(m->procs_fd, &tgid, &pe, BPF_NOEXIST) && errno != EEXIST)
		vms_debug("PID %d: cannot add it to the model: %s", (int)tgid, strerror(errno));
	if (bpf_map_lookup_elem(m->procs_fd, &tgid, &pe) == 0 &&
	    pe.start_time != pub.start_time) {
		/* an earlier process with this pid: its exit was not seen */
		bpf_map_delete_elem(m->procs_fd, &tgid);
		pe = (struct vms_proc_ent){ .start_time = pub.start_time };
		bpf_map_update_elem(m->procs_fd, &tgid, &pe, BPF_NOEXIST);
	}
	pub.state0 = pe.state;
	snapshot_free_regions(s);
	err = procfs_read_regions(&s->proc, false, s);
	if (err) {
		if (err == -ESRCH && !bpf_map_lookup_elem(m->procs_fd, &tgid, &pe) &&
		    pe.start_time == pub.start_time)
			bpf_map_delete_elem(m->procs_fd, &tgid);
		return err;
	}
	if (run_prog(m->new_gen_fd, &ng, sizeof(ng)) || !ng.gen)
		return 0; /* what we read is right; the model just stays stale */
	pub.gen = ng.gen;
	for (size_t i = 0; i < s->n; i++) {
		const struct vms_region *r = &s->regions[i];

		if (gate && r->start == gate->start && r->end == gate->end && i == s->n - 1) {
			pub.gate = 1;
			continue;
		}
		if (!strcmp(r->name, "[stack]"))
			pub.stack_start = r->start;
		err = store_region(m, tgid, ng.gen, r);
		if (err) {
			vms_debug("PID %d: model not updated: %s", (int)tgid, strerror(-err));
			pub.state0 = ~0ULL; /* publish nothing; what was stored is garbage */
			break;
		}
		pub.nr_vmas++;
	}
	if (!run_prog(m->publish_fd, &pub, sizeof(pub)) && pub.ret)
		vms_debug("PID %d: %s; not published", (int)tgid,
			  pub.ret == -EAGAIN ? "it changed while /proc was read" : "it is gone");
	return 0;
}
