// SPDX-License-Identifier: BSD-2-Clause
/*
 * The model's move log read back (bpf/vmscope.h vms_move_log): the position a snapshot records
 * and the moves it keeps, so that `vmscope diff` follows regions moved by mremap (core/diff.h).
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "model/live.h"

/* An id of the instance that does not give its name key away: SipHash of a constant under it. */
static uint64_t instance_id(const struct vms_info *vi)
{
	struct vms_sip s;

	if (!vi->name_key[0] && !vi->name_key[1])
		return 0;
	vms_sip_init(&s, vi->name_key[0], vi->name_key[1]);
	vms_sip_block(&s, 0x64692d6c65646f6dULL); /* "model-id" */
	return vms_sip_final(&s, 0, 8);
}

int live_move_pos(struct live *m, pid_t pid, struct live_movepos *pos)
{
	struct vms_proc_ent pe;
	__u32 tgid = (__u32)pid;

	memset(pos, 0, sizeof(*pos));
	if (m->moves_fd < 0)
		return -ENOTSUP;
	pos->model_id = instance_id(&m->info);
	if (!pos->model_id)
		return -ENOTSUP;
	if (bpf_map_lookup_elem(m->procs_fd, &tgid, &pe))
		return errno == ENOENT ? -ENOENT : -errno;
	pos->seq = pe.moves;
	pos->start_ns = pe.start_time;
	return 0;
}

/* CLOCK_BOOTTIME (the log's stamps) to CLOCK_REALTIME (a snapshot's), at this moment */
static uint64_t boot_to_real(void)
{
	struct timespec r, b;

	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_BOOTTIME, &b);
	return ((uint64_t)r.tv_sec * 1000000000ull + (uint64_t)r.tv_nsec) -
	       ((uint64_t)b.tv_sec * 1000000000ull + (uint64_t)b.tv_nsec);
}

int live_move_log(struct live *m, pid_t pid, const struct live_movepos *pos,
		  struct vms_snapmove *out)
{
	static struct vms_move_log log; /* 3 KiB: not on the stack */
	uint64_t off = boot_to_real();
	__u32 tgid = (__u32)pid;
	int n = 0;

	if (m->moves_fd < 0)
		return -ENOTSUP;
	if (bpf_map_lookup_elem(m->moves_fd, &tgid, &log))
		return errno == ENOENT ? 0 : -errno;
	if (log.start_time != pos->start_ns)
		return 0; /* another process's (that pid's exit not seen yet) */
	/* oldest first: seq pos->seq - VMS_MOVES_N + 1 .. pos->seq, each where its slot says it is */
	for (__u32 i = VMS_MOVES_N; i > 0; i--) {
		__u32 seq = pos->seq - (i - 1);
		const struct vms_move *e = &log.e[seq & (VMS_MOVES_N - 1)];

		if (!seq || seq > pos->seq || e->seq != seq)
			continue;
		out[n++] = (struct vms_snapmove){ .seq = seq, .old_start = e->old_start,
						  .old_len = e->old_len, .new_start = e->new_start,
						  .new_len = e->new_len,
						  .time_ns = e->ts_ns ? e->ts_ns + off : 0 };
	}
	return n;
}
