// SPDX-License-Identifier: BSD-2-Clause
/*
 * watch --faults: once per --interval, a `faults` event for each watched region whose counts
 * moved: the new minor and major faults and their rate. The counts are the live model's
 * (`vmscope start --faults` aggregates them in the kernel), and so are the regions, so this
 * reads no /proc/PID/maps. The first pass only takes the baseline.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernel/contract.h"
#include "model/faults.h"
#include "proc/procfs.h"
#include "core/u64map.h"
#include "core/util.h"
#include "watch/watch.h"

struct counts {
	uint64_t min, maj;
};

int fault_report_open(struct fault_report *r, double interval)
{
	int err = live_open(&r->m);

	memset(&r->prev, 0, sizeof(r->prev));
	r->interval = interval;
	r->ticks = 0;
	if (err) {
		vms_err("watch: --faults reads the live model's fault counts: start it with "
			"'vmscope start --faults'");
		return err;
	}
	if (r->m.faults_source == VMS_FAULTS_OFF) {
		vms_err("watch: --faults: the live model runs without fault counts ('vmscope stop', "
			"then 'vmscope start --faults')");
		live_close(&r->m);
		return -ENOENT;
	}
	return 0;
}

void fault_report_close(struct fault_report *r)
{
	u64map_free(&r->prev, free);
	live_close(&r->m);
}

/* (tgid, page-aligned region start) as one nonzero key: pids stay below 2^22 */
static uint64_t region_key(uint32_t tgid, uint64_t start)
{
	return (start >> 12) << 22 | tgid;
}

/* The process of entries [from, to) of the table (one tgid). */
static void report_process(struct fault_report *r, const struct faults_table *t, size_t from,
			   size_t to, struct u64map *cur, const struct fault_report_sink *sink)
{
	uint32_t tgid = t->e[from].k.tgid;
	struct vms_snapshot s;
	struct timespec now;

	snapshot_init(&s);
	if (procfs_read_proc((pid_t)tgid, &s.proc) || live_read(&r->m, &s))
		goto out;
	faults_table_fill(t, from, to, &s);
	clock_gettime(CLOCK_REALTIME, &now);
	for (size_t i = 0; i < s.n; i++) {
		const struct vms_region *reg = &s.regions[i];
		uint64_t key = region_key(tgid, reg->start);
		struct counts *was = u64map_get(&r->prev, key), *c;
		struct vms_event e = { .kind = VMS_EV_FAULTS, .pid = tgid, .tid = tgid };
		struct watch_event ev = { .e = &e, .interval = r->interval };

		if (!region_more(reg)->faults_min && !region_more(reg)->faults_maj)
			continue;
		c = xmalloc(sizeof(*c));
		c->min = region_more(reg)->faults_min;
		c->maj = region_more(reg)->faults_maj;
		*u64map_slot(cur, key) = c;
		if (!r->ticks || (was && was->min >= c->min && was->maj >= c->maj))
			continue; /* the baseline, or nothing new */
		if (reg->end - reg->start < sink->min_size)
			continue;
		e.start = reg->start;
		e.end = reg->end;
		e.perm = (uint8_t)vms_perm_bits(reg->perms);
		e.flags = VMS_EVF_RANGE | VMS_EVF_PERM | VMS_EVF_FAULTS;
		e.faults_min = (uint32_t)(c->min - (was && was->min <= c->min ? was->min : 0));
		e.faults_maj = (uint32_t)(c->maj - (was && was->maj <= c->maj ? was->maj : 0));
		memcpy(e.comm, s.proc.comm, strnlen(s.proc.comm, sizeof(e.comm) - 1));
		ev.name = reg->name[0] ? reg->name : "[anon]";
		ev.realtime_ns = (uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec;
		sink->emit(sink->ctx, &ev);
	}
out:
	snapshot_free(&s);
}

void fault_report_tick(struct fault_report *r, const struct fault_report_sink *sink)
{
	struct u64map cur = { 0 };
	struct faults_table t;

	/* one read of the fault map per tick, in runs of one process each */
	if (!faults_table_read(r->m.faults_fd, &t)) {
		for (size_t i = 0, j; i < t.n; i = j) {
			for (j = i + 1; j < t.n && t.e[j].k.tgid == t.e[i].k.tgid; j++)
				;
			if (sink->wanted(sink->ctx, t.e[i].k.tgid))
				report_process(r, &t, i, j, &cur, sink);
		}
		faults_table_free(&t);
	}
	/* what no longer has counts (unmapped, exited) goes with the old table */
	u64map_free(&r->prev, free);
	r->prev = cur;
	r->ticks++;
}
