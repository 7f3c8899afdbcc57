// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target for watch's renderers, through the watch_formats table (every format, so a
 * new one is fuzzed too): an event, its resolved name, the wall-clock time, the interval of a
 * faults event, all from the data. Properties: the json format prints one valid JSON line per
 * event and per loss; every format prints whole lines. The text format's "no control byte but
 * the newline" holds once its escaping is merged (issue 20, finding 2): checked with
 * VMS_FUZZ_TEXT_CONTROLS unset or not 0; no-crash only with VMS_FUZZ_TEXT_CONTROLS=0.
 * Options byte: 1 color, 2 a NULL name, 4 the header too, 16 C.UTF-8 locale; the data: a
 * struct vms_event, 8 bytes of time, 8 of interval (mapped onto 0.01..86400 s), 8 of a lost
 * count, then the name.
 */
#include "fuzz_common.h"

#include "watch/watch.h"

static bool text_controls_checked;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *controls = getenv("VMS_FUZZ_TEXT_CONTROLS");

	text_controls_checked = !controls || strcmp(controls, "0");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in;
	struct vms_event e;
	struct watch_event ev = { .e = &e };
	uint64_t lost, iv;
	const size_t fixed = sizeof(e) + 3 * 8;

	if (!fuzz_split(data, size, &in))
		return 0;
	if (in.len < fixed) {
		free(in.data);
		return 0;
	}
	memcpy(&e, in.data, sizeof(e));
	memcpy(&ev.realtime_ns, in.data + sizeof(e), 8);
	memcpy(&iv, in.data + sizeof(e) + 8, 8);
	/* what the renderers are given: --interval, 0.01..86400 s (parse_seconds); outside it
	 * (a subnormal) the text rate's cast overflows, which no command line can reach */
	ev.interval = 0.01 + (double)(iv % 8639999) / 100;
	memcpy(&lost, in.data + sizeof(e) + 16, 8);
	ev.name = in.opt & 2 ? NULL : in.data + fixed;
	fuzz_locale(in.opt & 16);
	for (const struct watch_format *const *fmt = watch_formats; *fmt; fmt++) {
		bool json = !strcmp((*fmt)->name, "json"), color = in.opt & 1 && (*fmt)->colors;
		struct fuzz_out out;
		size_t bad = 0;
		long lines;

		fuzz_out_open(&out);
		if (in.opt & 4 && (*fmt)->header)
			(*fmt)->header(out.f, color);
		(*fmt)->event(out.f, &ev, color);
		(*fmt)->lost(out.f, lost, ev.realtime_ns, color);
		fuzz_out_close(&out);
		FUZZ_CHECK(out.len && out.buf[out.len - 1] == '\n', "%s: output does not end a line",
			   (*fmt)->name);
		if (json) {
			lines = fuzz_json_lines(out.buf, out.len, &bad);
			FUZZ_CHECK(lines == 2, "json: %ld valid lines, want 2 (bad at byte %zu): %.300s",
				   lines, bad, out.buf + bad);
		} else if (text_controls_checked && !color) {
			long c = fuzz_first_control(out.buf, out.len);

			FUZZ_CHECK(c < 0, "%s: a control byte 0x%02x at %ld: %.200s", (*fmt)->name,
				   c < 0 ? 0 : (unsigned char)out.buf[c], c, out.buf);
		}
		fuzz_out_free(&out);
	}
	fuzz_locale(false);
	free(in.data);
	return 0;
}
