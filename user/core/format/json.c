// SPDX-License-Identifier: BSD-2-Clause
/* One JSON object per process, one per line (see the contract for the schema). */
#include <stdlib.h>

#include "format/format.h"
#include "classify.h"
#include "json.h"
#include "snapshot/codec.h"

static bool json_needs_accounting(const struct format_opts *o)
{
	return o->full || o->mode == PMAP_EXTENDED || o->mode == PMAP_X || o->mode == PMAP_XX;
}

/* --- full (snapshot export): what the contract's keys leave out, so that `snapshot import`
 * rebuilds the snapshot exactly (docs/snapshot-format.md, "JSON"). */
static void json_full_head(struct json_writer *w, const struct vms_snapshot *s)
{
	const struct vms_snapmeta *m = s->meta;
	char state[2] = { s->proc.state, 0 };

	json_key(w, "snapshot");
	json_obj_begin(w);
	json_kv_u64(w, "version", VMS_SNAP_MAJOR);
	if (m) {
		json_kv_str(w, "boot_id", m->boot_id);
		json_kv_str(w, "kernel", m->kernel);
		json_kv_str(w, "hostname", m->hostname);
		json_kv_u64(w, "time_ns", m->time_ns);
		json_kv_u64(w, "shm_minor", m->shm_minor);
		json_kv_bool(w, "has_faults", m->has_faults);
		if (m->model_id) { /* the live model's position and move log (codec.h) */
			json_key(w, "model");
			json_obj_begin(w);
			json_kv_hex(w, "id", m->model_id);
			json_kv_u64(w, "move_seq", m->move_seq);
			json_key(w, "moves");
			json_arr_begin(w);
			for (size_t i = 0; i < m->n_moves; i++) {
				const struct vms_snapmove *mv = &m->moves[i];

				json_obj_begin(w);
				json_kv_u64(w, "seq", mv->seq);
				json_kv_hex(w, "old_start", mv->old_start);
				json_kv_hex(w, "old_len", mv->old_len);
				json_kv_hex(w, "new_start", mv->new_start);
				json_kv_hex(w, "new_len", mv->new_len);
				json_kv_u64(w, "time_ns", mv->time_ns);
				json_obj_end(w);
			}
			json_arr_end(w);
			json_obj_end(w);
		}
	}
	json_kv_bool(w, "has_acct", s->has_acct);
	if (s->acct_absent) /* a core file's: keys without values */
		json_kv_bool(w, "acct_absent", true);
	json_kv_bool(w, "fault_access", s->fault_access);
	json_obj_end(w);
	json_key(w, "proc");
	json_obj_begin(w);
	json_kv_str(w, "state", state);
	json_key(w, "ppid");
	json_i64(w, s->proc.ppid);
	json_kv_bool(w, "kernel_thread", s->proc.kernel_thread);
	json_kv_u64(w, "start_time", s->proc.start_time);
	json_kv_hex(w, "start_stack", s->proc.start_stack);
	json_obj_end(w);
	json_key(w, "acct_keys");
	json_arr_begin(w);
	for (size_t k = 0; k < s->n_keys; k++) {
		json_obj_begin(w);
		json_kv_str(w, "key", s->acct_keys[k]);
		json_kv_bool(w, "kb", s->acct_is_kb[k]);
		json_obj_end(w);
	}
	json_arr_end(w);
	json_key(w, "threads");
	json_arr_begin(w);
	for (size_t i = 0; i < s->n_threads; i++) {
		json_obj_begin(w);
		json_key(w, "tid");
		json_i64(w, s->threads[i].tid);
		json_kv_hex(w, "sp", s->threads[i].sp);
		json_kv_hex(w, "stack_low", s->threads[i].stack_low);
		json_kv_hex(w, "stack_high", s->threads[i].stack_high);
		json_kv_hex(w, "clone_sp", s->threads[i].clone_sp);
		json_kv_hex(w, "alt_sp", s->threads[i].alt_sp);
		json_kv_hex(w, "alt_size", s->threads[i].alt_size);
		json_kv_u64(w, "start_time", s->threads[i].start_time);
		json_obj_end(w);
	}
	json_arr_end(w);
}

/* {"exact": bool, "runs": [["0xSTART", "0xEND", VALUE or null], ...]} */
static void json_full_runs(struct json_writer *w, const char *key, const struct vms_run *runs,
			   uint32_t n, bool exact)
{
	json_key(w, key);
	json_obj_begin(w);
	json_kv_bool(w, "exact", exact);
	json_key(w, "runs");
	json_arr_begin(w);
	for (uint32_t i = 0; i < n; i++) {
		json_arr_begin(w);
		json_hex(w, runs[i].start);
		json_hex(w, runs[i].end);
		if (runs[i].value == VMS_RUN_NONE)
			json_null(w);
		else
			json_u64(w, runs[i].value);
		json_arr_end(w);
	}
	json_arr_end(w);
	json_obj_end(w);
}

static void json_full_region(struct json_writer *w, const struct vms_snapshot *s,
			     const struct vms_region *r)
{
	const struct vms_region_more *m = region_more(r);
	if (r->acct) {
		json_key(w, "acct");
		json_arr_begin(w);
		for (size_t k = 0; k < s->n_keys; k++)
			json_u64(w, r->acct[k]);
		json_arr_end(w);
	}
	if (m->vmflags)
		json_kv_str(w, "vmflags", m->vmflags);
	json_kv_u64(w, "faults_min", m->faults_min);
	json_kv_u64(w, "faults_maj", m->faults_maj);
	json_kv_u64(w, "faults_read", m->faults_read);
	json_kv_u64(w, "faults_write", m->faults_write);
	json_kv_u64(w, "faults_exec", m->faults_exec);
	if (m->numa)
		json_full_runs(w, "numa", m->numa, m->n_numa, m->numa_exact);
	if (m->psize)
		json_full_runs(w, "page_sizes", m->psize, m->n_psize, m->psize_exact);
}

static void json_print(FILE *f, const struct vms_snapshot *s, const struct format_opts *o,
		       struct format_state *st)
{
	struct json_writer w;
	const char **kinds = region_kinds(s);
	char dev[16];

	json_init(&w, f);
	json_obj_begin(&w);
	json_kv_u64(&w, "pid", (uint64_t)s->proc.pid);
	json_kv_str(&w, "comm", s->proc.comm);
	json_kv_str(&w, "cmdline", s->proc.cmdline);
	json_kv_str(&w, "backend", s->backend);
	if (o->full)
		json_full_head(&w, s);
	json_key(&w, "regions");
	json_arr_begin(&w);
	for (size_t i = 0; i < s->n; i++) {
		const struct vms_region *r = &s->regions[i];

		if (!region_in_range(o, r))
			continue;
		json_obj_begin(&w);
		json_kv_hex(&w, "start", r->start);
		json_kv_hex(&w, "end", r->end);
		json_kv_str(&w, "perm", r->perms);
		json_kv_hex(&w, "offset", r->offset);
		if (r->absent & VMS_ABSENT_DEVINO) { /* a core file's: unknown, never 0 */
			json_kv_str(&w, "dev", NULL);
			json_kv_str(&w, "inode", NULL);
		} else {
			snprintf(dev, sizeof(dev), "%02x:%02x", r->dev_major, r->dev_minor);
			json_kv_str(&w, "dev", dev);
			json_kv_u64(&w, "inode", r->inode);
		}
		json_kv_str(&w, "name", r->name);
		json_kv_str(&w, "kind", kinds[i]);
		if (s->has_acct && s->acct_absent) {
			static const char *const keys[] = { "rss_kb", "pss_kb", "anon_kb", "dirty_kb",
							    "swap_kb", "locked_kb" };

			for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
				json_kv_str(&w, keys[k], NULL);
		} else if (s->has_acct) {
			json_kv_u64(&w, "rss_kb", region_acct(s, r, ACCT_RSS));
			json_kv_u64(&w, "pss_kb", region_acct(s, r, ACCT_PSS));
			json_kv_u64(&w, "anon_kb", region_acct(s, r, ACCT_ANONYMOUS));
			json_kv_u64(&w, "dirty_kb", region_acct(s, r, ACCT_SHARED_DIRTY) +
							   region_acct(s, r, ACCT_PRIVATE_DIRTY));
			json_kv_u64(&w, "swap_kb", region_acct(s, r, ACCT_SWAP));
			json_kv_u64(&w, "locked_kb", region_acct(s, r, ACCT_LOCKED));
		}
		if (o->full)
			json_full_region(&w, s, r);
		else if (o->faults) {
			json_kv_u64(&w, "faults_min", region_more(r)->faults_min);
			json_kv_u64(&w, "faults_maj", region_more(r)->faults_maj);
			if (s->fault_access) {
				json_kv_u64(&w, "faults_read", region_more(r)->faults_read);
				json_kv_u64(&w, "faults_write", region_more(r)->faults_write);
				json_kv_u64(&w, "faults_exec", region_more(r)->faults_exec);
			}
		}
		json_obj_end(&w);
	}
	json_arr_end(&w);
	json_obj_end(&w);
	fputc('\n', f);
	free(kinds);
}

const struct vms_format format_json = {
	.name = "json",
	.summary = "one JSON object per process per line",
	.needs_accounting = json_needs_accounting,
	.print = json_print,
};
