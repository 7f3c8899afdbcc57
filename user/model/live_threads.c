// SPDX-License-Identifier: BSD-2-Clause
/*
 * The live model's thread records (vms_threads, bpf/model.bpf.c) added to the threads /proc
 * lists, for the views' stack labels: the stack pointer each thread was created with (or, for
 * a thread older than the model, one it had when the model started) and its sigaltstack. A
 * record counts only for the thread it was written for: same process, same start time.
 */
#include <errno.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "model/live.h"
#include "model/live_read.h"
#include "model/pins.h"
#include "proc/procfs.h"

static int threads_fd(void)
{
	return pins_get("maps", "vms_threads", sizeof(__u32), sizeof(struct vms_thread_ent));
}

/* Whether the record's thread still runs: /proc/TID/stat is the thread's, under any tid. */
static bool thread_alive(__u32 tid, const struct vms_thread_ent *e)
{
	struct vms_proc p;

	return !procfs_read_stat((pid_t)tid, &p) && live_same_start(e->start_time, p.start_time);
}

int live_fill_threads(struct vms_snapshot *s)
{
	int fd;

	if (!s->n_threads)
		return 0;
	/* no model, another's pins, or one started by a vmscope without thread records */
	fd = pins_check() ? -ENOENT : threads_fd();
	if (fd < 0)
		return fd;
	for (size_t i = 0; i < s->n_threads; i++) {
		struct vms_thread *th = &s->threads[i];
		struct vms_thread_ent e;
		__u32 tid = (__u32)th->tid;

		if (bpf_map_lookup_elem(fd, &tid, &e) || e.tgid != (__u32)s->proc.pid ||
		    !th->start_time || !live_same_start(e.start_time, th->start_time))
			continue;
		if (e.flags & VMS_THR_CLONE)
			th->clone_sp = e.sp;
		else if ((e.flags & VMS_THR_SAMPLED) && !th->sp) /* /proc's is the newer */
			th->sp = e.sp;
		if (e.flags & VMS_THR_ALT) {
			th->alt_sp = e.alt_sp;
			th->alt_size = e.alt_size;
		}
	}
	close(fd);
	return 0;
}

int live_thread_status(unsigned long long *records, unsigned long long *alts,
		       unsigned long long *dead, unsigned long long *kernel_bytes)
{
	__u32 key = 0, next;
	int fd = threads_fd();

	*records = *alts = *dead = 0;
	if (fd < 0)
		return fd;
	for (void *k = NULL; !bpf_map_get_next_key(fd, k, &next); k = &key) {
		struct vms_thread_ent e;

		key = next;
		if (bpf_map_lookup_elem(fd, &key, &e))
			continue;
		(*records)++;
		*alts += !!(e.flags & VMS_THR_ALT);
		*dead += !thread_alive(key, &e);
	}
	*kernel_bytes += procfs_fd_memlock(fd);
	close(fd);
	return 0;
}
