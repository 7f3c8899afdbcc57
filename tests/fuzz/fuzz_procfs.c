// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target for everything that reads /proc text: the bytes go to the maps, smaps and
 * stat parsers and to cmdline rendering; whatever parses is then printed in every format, so
 * odd-but-accepted regions reach the formatters too. Output goes to /dev/null.
 */
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/format/format.h"
#include "core/classify.h"
#include "proc/procfs.h"

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	devnull = fopen("/dev/null", "w");
	return 0;
}

static void print_all(struct vms_snapshot *s, uint8_t sel)
{
	static const enum pmap_mode modes[] = { PMAP_DEFAULT, PMAP_EXTENDED, PMAP_DEVICE, PMAP_X,
						PMAP_XX };
	struct format_opts o;

	/* A start_stack inside some region exercises "[ stack ]"; the selector byte varies it. */
	s->proc.start_stack = s->n ? s->regions[sel % s->n].start + sel : sel;
	s->proc.cmdline = strdup("fuzz");
	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		for (int v = 0; v < 4; v++) {
			struct format_state st = { 0 };

			format_opts_init(&o);
			o.mode = modes[m];
			o.quiet = v & 1;
			o.show_path = sel & 1;
			o.kernel_names = sel & 2;
			o.faults = sel & 4;
			o.shm_minor = sel & 8 ? 1 : ~0u;
			if (v & 2 && s->n) { /* -A around one region */
				o.range_low = s->regions[sel % s->n].start;
				o.range_high = s->regions[sel % s->n].end;
			}
			/* Two processes share a state, as with several PIDs. */
			format_pmap.print(devnull, s, &o, &st);
			format_pmap.print(devnull, s, &o, &st);
			format_pmap.finish(devnull, &o, &st);
			memset(&st, 0, sizeof(st));
			format_json.print(devnull, s, &o, &st);
			format_csv.print(devnull, s, &o, &st);
			format_csv.print(devnull, s, &o, &st);
		}
	}
	for (size_t i = 0; i < s->n; i++)
		(void)region_kind(s, &s->regions[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vms_snapshot s;
	struct vms_proc p;
	uint8_t sel = size ? data[0] : 0;
	char *text = malloc(size + 1);
	char *cmd;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	/* Both locale paths of the cmdline escaping (procps behaves differently in each). */
	memset(&p, 0, sizeof(p));
	if (!procfs_parse_stat(text, &p)) {
		setlocale(LC_ALL, sel & 16 ? "C.UTF-8" : "C");
		cmd = procfs_render_cmdline((const char *)data, size, &p);
		free(cmd);
		setlocale(LC_ALL, "C");
	}
	memset(&p, 0, sizeof(p));
	memcpy(p.comm, text, size < sizeof(p.comm) - 1 ? size : sizeof(p.comm) - 1);
	p.state = sel & 32 ? 'Z' : 'S';
	setlocale(LC_ALL, sel & 16 ? "C.UTF-8" : "C");
	cmd = procfs_render_cmdline((const char *)data, size, &p);
	free(cmd);
	setlocale(LC_ALL, "C");

	snapshot_init(&s);
	if (!procfs_parse_maps(text, &s, NULL))
		print_all(&s, sel);
	snapshot_free(&s);

	snapshot_init(&s);
	if (!procfs_parse_smaps(text, &s, NULL))
		print_all(&s, sel);
	snapshot_free(&s);

	/* One line at a time, with its exact length (the parser must not read past it). */
	{
		struct vms_region r;
		const char *nl = memchr(data, '\n', size);
		size_t len = nl ? (size_t)(nl - (const char *)data) : size;
		char *line = malloc(len ? len : 1);

		if (line) {
			memcpy(line, data, len);
			memset(&r, 0, sizeof(r));
			(void)procfs_parse_maps_line(line, len, &r);
			free(r.name);
			free(line);
		}
	}
	free(text);
	return 0;
}
