// SPDX-License-Identifier: BSD-2-Clause
/* One JSON object per process, one per line (see the contract for the schema). */
#include <stdlib.h>

#include "format/format.h"
#include "classify.h"
#include "json.h"

static bool json_needs_accounting(const struct format_opts *o)
{
	return o->mode == PMAP_EXTENDED || o->mode == PMAP_X || o->mode == PMAP_XX;
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
		snprintf(dev, sizeof(dev), "%02x:%02x", r->dev_major, r->dev_minor);
		json_kv_str(&w, "dev", dev);
		json_kv_u64(&w, "inode", r->inode);
		json_kv_str(&w, "name", r->name);
		json_kv_str(&w, "kind", kinds[i]);
		if (s->has_acct) {
			json_kv_u64(&w, "rss_kb", region_acct(s, r, ACCT_RSS));
			json_kv_u64(&w, "pss_kb", region_acct(s, r, ACCT_PSS));
			json_kv_u64(&w, "anon_kb", region_acct(s, r, ACCT_ANONYMOUS));
			json_kv_u64(&w, "dirty_kb", region_acct(s, r, ACCT_SHARED_DIRTY) +
							   region_acct(s, r, ACCT_PRIVATE_DIRTY));
			json_kv_u64(&w, "swap_kb", region_acct(s, r, ACCT_SWAP));
			json_kv_u64(&w, "locked_kb", region_acct(s, r, ACCT_LOCKED));
		}
		if (o->faults) {
			json_kv_u64(&w, "faults_min", r->faults_min);
			json_kv_u64(&w, "faults_maj", r->faults_maj);
			if (s->fault_access) {
				json_kv_u64(&w, "faults_read", r->faults_read);
				json_kv_u64(&w, "faults_write", r->faults_write);
				json_kv_u64(&w, "faults_exec", r->faults_exec);
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
