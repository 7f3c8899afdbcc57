// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target for the core file reader (user/elfcore): the data is a whole core, read
 * through the real path (libelf's elf_memory, then the note parsers and the merge: what
 * core_read_file does on a file). Whatever reads is checked (regions in order, disjoint, non-empty;
 * perms of the reader's alphabet; threads bounded) and printed in every format, with and without
 * the absent accounting (JSON parses, CSV is UTF-8). An error must say why.
 * The same data is also given as one note descriptor to the pure parsers alone (core_note, type
 * and machine from the options byte), so that mutations reach them without an ELF around them.
 * Options byte: bits 0-1 the note type (NT_FILE, NT_PRPSINFO, NT_PRSTATUS, NT_AUXV), bit 2 the
 * machine (x86-64 / aarch64), bit 3 gdb-written, bit 4 C.UTF-8, bit 5 -p, bit 6 -k.
 */
#include "fuzz_common.h"

#include "core/format/format.h"
#include "elfcore/elfcore.h"

static void check_regions(const struct vms_snapshot *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct vms_region *r = &s->regions[i];

		FUZZ_CHECK(r->start < r->end, "region %zu is empty or reversed", i);
		FUZZ_CHECK(!i || s->regions[i - 1].end <= r->start, "regions %zu and %zu overlap", i - 1, i);
		FUZZ_CHECK(r->name, "region %zu has no name", i);
		FUZZ_CHECK(strchr("r-?", r->perms[0]) && strchr("w-?", r->perms[1]) &&
			   strchr("x-?", r->perms[2]) && strchr("ps?", r->perms[3]) && !r->perms[4],
			   "region %zu: perms '%.5s'", i, r->perms);
	}
	FUZZ_CHECK(s->n_threads <= CORE_MAX_ENTRIES, "%zu threads", s->n_threads);
}

static void print_all(struct vms_snapshot *s, uint8_t opt)
{
	static const enum pmap_mode modes[] = { PMAP_DEFAULT, PMAP_EXTENDED, PMAP_DEVICE, PMAP_X,
						PMAP_XX };

	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		struct format_state st = { 0 };
		struct format_opts o;
		struct fuzz_out out;
		size_t bad = 0;

		format_opts_init(&o);
		o.mode = modes[m];
		o.show_path = opt & 32;
		o.kernel_names = opt & 64;
		fuzz_out_open(&out);
		format_pmap.print(out.f, s, &o, &st);
		format_pmap.finish(out.f, &o, &st);
		fuzz_out_close(&out);
		fuzz_out_free(&out);

		memset(&st, 0, sizeof(st));
		fuzz_out_open(&out);
		format_json.print(out.f, s, &o, &st);
		fuzz_out_close(&out);
		FUZZ_CHECK(fuzz_json_lines(out.buf, out.len, &bad) == 1,
			   "json: not one valid JSON line (at byte %zu): %.200s", bad, out.buf + bad);
		fuzz_out_free(&out);

		fuzz_out_open(&out);
		format_csv.print(out.f, s, &o, &st);
		fuzz_out_close(&out);
		FUZZ_CHECK(fuzz_utf8_valid(out.buf, out.len), "csv: not valid UTF-8");
		fuzz_out_free(&out);
	}
}

static void one_note(const struct fuzz_input *in)
{
	static const uint32_t types[] = { 0x46494c45u, 3, 1, 6 };
	struct core_info ci;
	struct vms_snapshot s;

	snapshot_init(&s);
	core_info_init(&ci, in->opt & 4 ? 183 : 62, in->opt & 8);
	core_add_segment(&ci, 0x400000, 0x1000, 0x1000, 5);
	if (!core_note(&ci, &s, types[in->opt & 3], (const uint8_t *)in->data, in->len) &&
	    !core_build(&ci, &s)) {
		check_regions(&s);
		print_all(&s, in->opt);
	} else {
		FUZZ_CHECK(ci.err[0], "a note refused without a reason");
	}
	core_info_free(&ci);
	snapshot_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in;
	struct vms_snapshot s;
	char err[CORE_ERR_LEN] = "";

	if (!fuzz_split(data, size, &in))
		return 0;
	fuzz_locale(in.opt & 16);
	snapshot_init(&s);
	if (!core_read_mem(in.data, in.len, &s, err)) {
		check_regions(&s);
		print_all(&s, in.opt);
		core_acct_absent(&s);
		print_all(&s, in.opt);
	} else {
		FUZZ_CHECK(err[0], "an error without a reason");
		FUZZ_CHECK(fuzz_first_control(err, strlen(err)) < 0, "a control byte in '%s'", err);
	}
	snapshot_free(&s);
	one_note(&in);
	fuzz_locale(false);
	free(in.data);
	return 0;
}
