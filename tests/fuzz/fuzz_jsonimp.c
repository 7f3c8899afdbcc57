// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target for `snapshot import` (core/json_parse.c, core/snapshot/json_import.c).
 * Properties: a refusal is one line of why; the JSON reader accepts only what the strict
 * checker of fuzz_common.h accepts; an imported snapshot exports (format json, full) to JSON
 * that imports to the same snapshot (the same encoding): the export is a fixpoint.
 */
#include "fuzz_common.h"

#include "core/format/format.h"
#include "core/json_parse.h"
#include "core/snapshot/codec.h"
#include "core/snapshot/json_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vms_buf a = { 0 }, b = { 0 };
	struct format_state st = { 0 };
	struct vms_snapshot s, t;
	struct format_opts o;
	struct fuzz_input in;
	struct fuzz_out out;
	struct json_val v;
	char why[256] = "";
	int err;

	if (!fuzz_split(data, size, &in))
		return 0;
	err = json_parse(in.data, in.len, &v, why, sizeof(why));
	if (!err) {
		FUZZ_CHECK(fuzz_json_valid(in.data, in.len), "json_parse accepts what is not JSON");
		json_val_free(&v);
	}
	snapshot_init(&s);
	err = snap_from_json(in.data, in.len, &s, why, sizeof(why));
	if (err) {
		FUZZ_CHECK(why[0] && !strchr(why, '\n'), "a refusal without one line of why");
		goto out;
	}
	format_opts_init(&o);
	o.full = true;
	o.faults = s.meta->has_faults;
	fuzz_out_open(&out);
	format_json.print(out.f, &s, &o, &st);
	fuzz_out_close(&out);
	snapshot_init(&t);
	err = snap_from_json(out.buf, out.len, &t, why, sizeof(why));
	FUZZ_CHECK(!err, "the export of an imported snapshot is refused: %s", why);
	snap_encode(&s, &a);
	snap_encode(&t, &b);
	FUZZ_CHECK(a.len == b.len && !memcmp(a.p, b.p, a.len), "import(export(s)) is not s");
	fuzz_out_free(&out);
	snapshot_free(&t);
	snapshot_free(&s);
out:
	buf_free(&a);
	buf_free(&b);
	free(in.data);
	return 0;
}
