// SPDX-License-Identifier: BSD-2-Clause
/* watch's JSON lines format: one object per event (and per loss), through the one JSON writer. */
#include <string.h>

#include "core/json.h"
#include "kernel/contract.h"
#include "watch/watch.h"

static void json_perm(struct json_writer *w, const char *key, unsigned perm, bool known)
{
	char p[5];

	vms_perm_text(perm, p);
	json_kv_str(w, key, known ? p : NULL);
}

static void json_kv_hex_or_null(struct json_writer *w, const char *key, uint64_t v, bool known)
{
	json_key(w, key);
	if (known)
		json_hex(w, v);
	else
		json_null(w);
}

static void json_event(FILE *f, const struct watch_event *ev, bool color)
{
	const struct vms_event *e = ev->e;
	bool range = e->flags & VMS_EVF_RANGE, old = e->flags & VMS_EVF_OLD_RANGE;
	struct json_writer w;
	char comm[17];
	const char *adv;

	memcpy(comm, e->comm, 16);
	comm[16] = 0;
	json_init(&w, f);
	json_obj_begin(&w);
	json_kv_u64(&w, "ts_ns", ev->realtime_ns);
	json_kv_u64(&w, "pid", e->pid);
	json_kv_u64(&w, "tid", e->tid);
	json_kv_str(&w, "comm", comm);
	json_kv_str(&w, "event", watch_kind_name(e->kind));
	json_kv_hex_or_null(&w, "start", e->start, range);
	json_kv_hex_or_null(&w, "end", e->end, range);
	json_key(&w, "size");
	if (range)
		json_u64(&w, e->end - e->start);
	else
		json_null(&w);
	json_perm(&w, "perm", e->perm, e->flags & VMS_EVF_PERM);
	json_perm(&w, "old_perm", e->old_perm, e->flags & VMS_EVF_OLD_PERM);
	json_kv_hex_or_null(&w, "old_start", e->old_start, old);
	json_kv_hex_or_null(&w, "old_end", e->old_end, old);
	json_kv_str(&w, "name", range || e->kind == VMS_EV_EXEC ? ev->name : NULL);
	switch (e->kind) {
	case VMS_EV_MADVISE:
		adv = watch_advice_name(e->arg);
		json_key(&w, "advice");
		if (adv)
			json_str(&w, adv);
		else
			json_u64(&w, e->arg);
		break;
	case VMS_EV_LOCK:
		json_kv_u64(&w, "flags", e->arg);
		break;
	case VMS_EV_FORK:
		json_kv_u64(&w, "child_pid", e->arg);
		break;
	case VMS_EV_EXIT:
		json_kv_bool(&w, "thread", e->flags & VMS_EVF_THREAD);
		json_key(&w, "exit_code");
		if (e->arg & 0x7f)
			json_null(&w);
		else
			json_u64(&w, e->arg >> 8 & 0xff);
		json_key(&w, "signal");
		if (e->arg & 0x7f)
			json_u64(&w, e->arg & 0x7f);
		else
			json_null(&w);
		break;
	}
	if (e->flags & VMS_EVF_PARTIAL)
		json_kv_bool(&w, "partial", true);
	if (e->flags & VMS_EVF_FAULTS) {
		json_kv_u64(&w, "faults_min", e->faults_min);
		json_kv_u64(&w, "faults_maj", e->faults_maj);
		if (e->kind == VMS_EV_FAULTS && ev->interval > 0) {
			json_key(&w, "rate_min");
			json_double(&w, e->faults_min / ev->interval);
			json_key(&w, "rate_maj");
			json_double(&w, e->faults_maj / ev->interval);
		}
	}
	json_kv_u64(&w, "dropped_before", e->dropped_before);
	json_obj_end(&w);
	fputc('\n', f);
}

static void json_lost(FILE *f, uint64_t lost, uint64_t realtime_ns, bool color)
{
	struct json_writer w;

	json_init(&w, f);
	json_obj_begin(&w);
	json_kv_u64(&w, "ts_ns", realtime_ns);
	json_kv_str(&w, "event", "lost");
	json_kv_u64(&w, "count", lost);
	json_obj_end(&w);
	fputc('\n', f);
}

const struct watch_format watch_format_json = {
	.name = "json",
	.summary = "one JSON object per line",
	.event = json_event,
	.lost = json_lost,
};
