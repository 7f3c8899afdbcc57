// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target for the snapshot loader: a whole .vms file (header, zlib, payload:
 * snapfile_decode), or with options bit 1 the payload alone (snap_decode, past zlib's checksum,
 * where the records are). Properties: a refusal is one line of why; an accepted snapshot encodes
 * to a payload that decodes to the same encoding (nothing lost, nothing invented), and prints in
 * every map format (pmap -x/-X/-XX, json full) with valid JSON and no control byte; diffed with
 * itself it has no change, diffed from nothing every region is added.
 */
#include "fuzz_common.h"

#include "core/diff.h"
#include "core/format/format.h"
#include "core/snapshot/codec.h"
#include "core/util.h"
#include "snapshot/file.h"

/* fuzz_first_control(), but for the bytes of allow (the vmmap legend's tabs, CSV's CRLF) */
static long first_control_but(const char *s, size_t n, const char *allow)
{
	long at = fuzz_first_control(s, n);

	while (at >= 0 && strchr(allow, s[at])) {
		long next = fuzz_first_control(s + at + 1, n - (size_t)at - 1);

		at = next < 0 ? -1 : at + 1 + next;
	}
	return at;
}

static void print_all(const struct vms_snapshot *s)
{
	static const enum pmap_mode modes[] = { PMAP_DEFAULT, PMAP_EXTENDED, PMAP_DEVICE, PMAP_X, PMAP_XX };
	struct format_state st = { 0 };
	struct format_opts o;
	struct fuzz_out out;

	format_opts_init(&o);
	fuzz_out_open(&out);
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
		o.mode = modes[i];
		format_pmap.print(out.f, s, &o, &st);
	}
	format_pmap.finish(out.f, &o, &st);
	fuzz_out_close(&out);
	FUZZ_CHECK(fuzz_first_control(out.buf, out.len) < 0, "pmap output holds a control byte");
	fuzz_out_free(&out);

	/* every other format (the views read the runs and threads a file brings), twice: plain,
	 * and with their options (-x -L -s -S -a, -resident -pages -interleaved) */
	for (int i = 0; vms_formats[i]; i++) {
		const struct vms_format *f = vms_formats[i];

		if (f == &format_pmap || f == &format_json)
			continue;
		for (int k = 0; k < 2; k++) {
			struct format_state fs = { 0 };
			long bad;

			format_opts_init(&o);
			if (k) {
				o.mode = PMAP_EXTENDED;
				o.il_lgroup = o.il_pagesize = o.il_swap = o.il_shared_anon = true;
				o.vm_resident = o.vm_pages = o.vm_interleaved = true;
			}
			fuzz_out_open(&out);
			f->print(out.f, s, &o, &fs);
			if (f->finish)
				f->finish(out.f, &o, &fs);
			fuzz_out_close(&out);
			bad = first_control_but(out.buf, out.len, f == &format_csv ? "\r" : "\t");
			FUZZ_CHECK(bad < 0, "%s output holds a control byte 0x%02x at %ld", f->name,
				   bad < 0 ? 0 : (unsigned char)out.buf[bad], bad);
			fuzz_out_free(&out);
		}
	}

	format_opts_init(&o);
	o.full = true;
	o.faults = true;
	fuzz_out_open(&out);
	format_json.print(out.f, s, &o, &st);
	fuzz_out_close(&out);
	FUZZ_CHECK(fuzz_json_valid(out.buf, out.len), "json export is not valid JSON");
	fuzz_out_free(&out);
}

/* A snapshot diffed with itself (its decoded copy) has no change; with an empty one, every
 * region is added (or split, merged: never moved); both print, the JSON valid. */
static void diff_itself(const struct vms_snapshot *s, const struct vms_snapshot *t)
{
	struct vms_snapshot empty;
	struct fuzz_out out;
	struct vms_diff d;

	diff_compute(s, t, false, &d);
	FUZZ_CHECK(d.n == 0, "a snapshot differs from itself in %zu regions", d.n);
	diff_free(&d);
	snapshot_init(&empty);
	diff_compute(&empty, s, false, &d);
	FUZZ_CHECK(d.n == s->n && d.n_what[0] == s->n, "%zu regions from nothing: %u added of %zu",
		   s->n, d.n_what[0], d.n);
	fuzz_out_open(&out);
	diff_print_json(out.f, &empty, s, &d);
	fuzz_out_close(&out);
	FUZZ_CHECK(fuzz_json_valid(out.buf, out.len), "diff --json is not valid JSON");
	fuzz_out_free(&out);
	fuzz_out_open(&out);
	diff_print_text(out.f, &empty, s, &d);
	fuzz_out_close(&out);
	FUZZ_CHECK(fuzz_first_control(out.buf, out.len) < 0, "diff text holds a control byte");
	fuzz_out_free(&out);
	diff_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vms_buf a = { 0 }, b = { 0 };
	struct vms_snapshot s, t;
	struct fuzz_input in;
	char why[256] = "";
	int err;

	if (!fuzz_split(data, size, &in))
		return 0;
	fuzz_locale(in.opt & 16);
	snapshot_init(&s);
	if (in.opt & 1)
		err = snap_decode((const uint8_t *)in.data, in.len, &s, why, sizeof(why));
	else
		err = snapfile_decode((const uint8_t *)in.data, in.len, &s, why, sizeof(why));
	if (err) {
		FUZZ_CHECK(why[0] && !strchr(why, '\n'), "a refusal without one line of why");
		goto out;
	}
	snap_encode(&s, &a);
	snapshot_init(&t);
	err = snap_decode(a.p, a.len, &t, why, sizeof(why));
	FUZZ_CHECK(!err, "an accepted snapshot re-encodes to a refused one: %s", why);
	snap_encode(&t, &b);
	FUZZ_CHECK(a.len == b.len && !memcmp(a.p, b.p, a.len), "encode(decode(encode(s))) differs");
	print_all(&s);
	diff_itself(&s, &t);
	snapshot_free(&t);
	snapshot_free(&s);
out:
	buf_free(&a);
	buf_free(&b);
	free(in.data);
	return 0;
}
