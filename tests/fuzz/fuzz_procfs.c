// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target for everything that reads /proc text: the data goes to the maps, smaps and
 * stat parsers and to cmdline rendering; whatever parses is then printed in every format, and
 * the output is checked: JSON parses, CSV is valid UTF-8, the pmap and -x totals are the sums
 * of their rows, the whole-snapshot classification is region_kind()'s. The seed tools' views
 * (vmmap, vmmap-summary, types, illumos with -x -S -s -L -r -a) print it too, with no control
 * byte; text after a blank line is also read as numa_maps onto the regions before it (-L), and
 * the data goes to the syscall and stat-field parsers. The pictures (svg, html, picture) hold
 * no control byte, and no name in svg or html became markup.
 * Options byte: 1 -p, 2 -k, 4 --faults, 8 shm minor 1, 16 C.UTF-8 locale, 32 zombie; its value
 * also picks the region -A and start_stack point at.
 */
#include "fuzz_common.h"

#include "core/classify.h"
#include "core/format/format.h"
#include "proc/procfs.h"

#include <sys/mman.h>
#include <unistd.h>

static bool text_controls_checked;

/* The block reader of /proc files (procfs_parse_fd, from a memfd) gives what the text parser
 * gives: the same answer, bad line and regions. */
static void fd_equals_text(const struct fuzz_input *in, bool smaps)
{
	struct vms_snapshot a, b;
	size_t len = strlen(in->data), bad_a = 0, bad_b = 0;
	int fd = memfd_create("fuzz", MFD_CLOEXEC), ea, eb;

	if (fd < 0 || write(fd, in->data, len) != (ssize_t)len || lseek(fd, 0, SEEK_SET)) {
		if (fd >= 0)
			close(fd);
		return;
	}
	snapshot_init(&a);
	snapshot_init(&b);
	ea = smaps ? procfs_parse_smaps(in->data, &a, &bad_a)
		   : procfs_parse_maps(in->data, &a, &bad_a);
	eb = procfs_parse_fd(fd, smaps, &b, &bad_b);
	close(fd);
	FUZZ_CHECK(ea == eb && bad_a == bad_b && a.n == b.n,
		   "procfs_parse_fd (%s): %d at line %zu with %zu regions, the text parser %d at %zu "
		   "with %zu", smaps ? "smaps" : "maps", eb, bad_b, b.n, ea, bad_a, a.n);
	for (size_t i = 0; i < a.n; i++)
		FUZZ_CHECK(a.regions[i].start == b.regions[i].start &&
			   !strcmp(a.regions[i].name, b.regions[i].name),
			   "procfs_parse_fd: region %zu differs", i);
	snapshot_free(&a);
	snapshot_free(&b);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* the header's escaping is being fixed elsewhere (issue 20, finding 2): on when it is */
	const char *controls = getenv("VMS_FUZZ_TEXT_CONTROLS");

	text_controls_checked = !controls || strcmp(controls, "0");
	return 0;
}

/* The pmap table (default or -x) of s: its rows add up to its total line. */
static void check_totals(const struct vms_snapshot *s, const struct format_opts *o,
			 const char *out, size_t len)
{
	unsigned long long kb = 0, rss = 0, dirty = 0, t_kb, t_rss, t_dirty, sum = 0, acct = 0;
	bool ext = o->mode == PMAP_EXTENDED, footer = false;

	/* only where /proc's own units hold: whole KiB, sums that fit */
	for (size_t i = 0; i < s->n; i++) {
		const struct vms_region *r = &s->regions[i];
		uint64_t a = region_acct(s, r, ACCT_RSS) + region_acct(s, r, ACCT_SHARED_DIRTY) +
			     region_acct(s, r, ACCT_PRIVATE_DIRTY);

		if (region_size(r) % 1024 || __builtin_add_overflow(sum, region_size(r), &sum) ||
		    a > (1ull << 60) || __builtin_add_overflow(acct, a, &acct) || acct > (1ull << 62))
			return;
	}
	for (size_t off = 0; off < len;) {
		const char *line = out + off, *nl = memchr(line, '\n', len - off);
		unsigned long long addr, a, b, c;
		char k;

		off = nl ? (size_t)(nl - out) + 1 : len;
		if (ext && sscanf(line, "total kB %llu %llu %llu", &t_kb, &t_rss, &t_dirty) == 3)
			footer = true;
		else if (!ext && sscanf(line, " total %lluK", &t_kb) == 1)
			footer = true;
		else if (strspn(line, "0123456789abcdef") == 16 && line[16] == ' ') {
			if (ext && sscanf(line, "%llx %llu %llu %llu", &addr, &a, &b, &c) == 4)
				kb += a, rss += b, dirty += c;
			else if (!ext && sscanf(line, "%llx %llu%c", &addr, &a, &k) == 3 && k == 'K')
				kb += a;
			else
				FUZZ_CHECK(0, "pmap: a row that does not parse: %.80s", line);
		}
	}
	FUZZ_CHECK(footer || o->quiet, "pmap: no total line");
	if (!footer)
		return;
	FUZZ_CHECK(kb == t_kb, "pmap%s: rows add up to %llu KiB, the total says %llu", ext ? " -x" : "",
		   kb, t_kb);
	if (ext)
		FUZZ_CHECK(rss == t_rss && dirty == t_dirty,
			   "pmap -x: rows RSS %llu Dirty %llu, the total says %llu %llu", rss, dirty,
			   t_rss, t_dirty);
}

static void print_all(struct vms_snapshot *s, uint8_t sel)
{
	static const enum pmap_mode modes[] = { PMAP_DEFAULT, PMAP_EXTENDED, PMAP_DEVICE, PMAP_X,
						PMAP_XX };
	const char **kinds;
	struct format_opts o;

	/* A start_stack inside some region exercises "[ stack ]"; the selector byte varies it. */
	s->proc.start_stack = s->n ? s->regions[sel % s->n].start + sel : sel;
	s->proc.cmdline = strdup("fuzz");
	kinds = region_kinds(s);
	for (size_t i = 0; i < s->n; i++)
		FUZZ_CHECK(!strcmp(kinds[i], region_kind(s, &s->regions[i])),
			   "region %zu: region_kinds() says %s, region_kind() %s", i, kinds[i],
			   region_kind(s, &s->regions[i]));
	free(kinds);
	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		for (int v = 0; v < 4; v++) {
			struct format_state st = { 0 };
			struct fuzz_out out;
			size_t bad = 0;

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
			fuzz_out_open(&out);
			format_pmap.print(out.f, s, &o, &st);
			fuzz_out_close(&out);
			if (o.mode == PMAP_DEFAULT || o.mode == PMAP_EXTENDED)
				check_totals(s, &o, out.buf, out.len);
			fuzz_out_free(&out);
			/* Two processes share a state, as with several PIDs. */
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
			format_csv.print(out.f, s, &o, &st);
			fuzz_out_close(&out);
			FUZZ_CHECK(fuzz_utf8_valid(out.buf, out.len), "csv: not valid UTF-8");
			fuzz_out_free(&out);
		}
	}
}

/* Markup (svg, html) holds a '<' only where a tag starts and a '&' only where an entity does:
 * no name became markup. In svg also no '>' but where a tag ends (html's script compares). */
static void check_markup(const char *what, const char *out, size_t len, bool gt)
{
	static const char *const entities[] = { "amp;", "lt;", "gt;", "quot;", "#39;" };
	bool in_tag = false, in_script = false;

	for (size_t i = 0; i < len; i++) {
		char c = out[i];

		if (in_script) { /* html's own script: "a<c" */
			in_script = strncmp(out + i, "</script>", 9) != 0;
			if (in_script)
				continue;
		}
		if (c == '<') {
			FUZZ_CHECK(!in_tag && i + 1 < len && (out[i + 1] == '/' || out[i + 1] == '?' ||
				   out[i + 1] == '!' || (out[i + 1] >= 'a' && out[i + 1] <= 'z')),
				   "%s: a '<' that starts no tag at %zu: %.80s", what, i, out + i);
			in_tag = true;
			if (!strncmp(out + i, "<script>", 8)) { /* on to its end */
				in_tag = false;
				in_script = true;
				i += 7;
			}
		} else if (c == '>') {
			FUZZ_CHECK(in_tag || !gt, "%s: a '>' outside a tag at %zu: %.80s", what, i,
				   out + (i > 40 ? i - 40 : 0));
			in_tag = false;
		} else if (c == '&') {
			size_t k;

			for (k = 0; k < sizeof(entities) / sizeof(entities[0]); k++)
				if (!strncmp(out + i + 1, entities[k], strlen(entities[k])))
					break;
			FUZZ_CHECK(k < sizeof(entities) / sizeof(entities[0]),
				   "%s: a '&' that starts no entity at %zu: %.80s", what, i, out + i);
		}
	}
}

/* The pictures: svg and html are valid UTF-8 without control bytes and well escaped; the
 * terminal tiles hold no control byte (colours off); several processes share one document. */
static void print_pictures(struct vms_snapshot *s, unsigned sel)
{
	static const struct vms_format *const fmts[] = { &format_svg, &format_html, &format_picture };
	struct format_opts o;

	for (size_t f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++) {
		struct format_state st = { 0 };
		struct fuzz_out out;
		long bad;

		format_opts_init(&o);
		o.show_path = sel & 1;
		o.faults = sel & 4;
		if (sel & 2 && s->n) {
			o.range_low = s->regions[sel % s->n].start;
			o.range_high = s->regions[sel % s->n].end;
		}
		fuzz_out_open(&out);
		fmts[f]->print(out.f, s, &o, &st);
		fmts[f]->print(out.f, s, &o, &st);
		if (fmts[f]->finish)
			fmts[f]->finish(out.f, &o, &st);
		fuzz_out_close(&out);
		bad = fuzz_first_control(out.buf, out.len);
		FUZZ_CHECK(bad < 0, "%s: a control byte 0x%02x at %ld", fmts[f]->name,
			   bad < 0 ? 0 : (unsigned char)out.buf[bad], bad);
		if (fmts[f] != &format_picture) {
			FUZZ_CHECK(fuzz_utf8_valid(out.buf, out.len), "%s: not valid UTF-8", fmts[f]->name);
			check_markup(fmts[f]->name, out.buf, out.len, fmts[f] == &format_svg);
		}
		fuzz_out_free(&out);
	}
}

/* The views, with the options the selector byte picks; their text holds no control byte. */
static void print_views(struct vms_snapshot *s, uint8_t sel)
{
	static const struct vms_format *const fmts[] = { &format_vmmap, &format_vmmap_summary,
							 &format_types, &format_illumos };
	struct format_opts o;

	for (size_t f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++) {
		for (int v = 0; v < 2; v++) {
			struct format_state st = { 0 };
			struct fuzz_out out;
			long bad;

			format_opts_init(&o);
			o.mode = v ? PMAP_EXTENDED : PMAP_DEFAULT;
			o.vm_resident = o.il_lgroup = sel & 1;
			o.vm_pages = o.il_pagesize = sel & 2;
			o.vm_no_coalesce = o.il_swap = sel & 4;
			o.vm_interleaved = o.il_reserved = v;
			o.il_shared_anon = sel & 8;
			fuzz_out_open(&out);
			fmts[f]->print(out.f, s, &o, &st);
			fmts[f]->print(out.f, s, &o, &st);
			fuzz_out_close(&out);
			bad = fuzz_first_control(out.buf, out.len);
			/* a tab is the legend's own; newlines end lines */
			while (bad >= 0 && (out.buf[bad] == '\n' || out.buf[bad] == '\t')) {
				long next = fuzz_first_control(out.buf + bad + 1, out.len - (size_t)bad - 1);

				bad = next < 0 ? -1 : bad + 1 + next;
			}
			FUZZ_CHECK(!text_controls_checked || bad < 0, "%s: a control byte 0x%02x at %ld",
				   fmts[f]->name, bad < 0 ? 0 : (unsigned char)out.buf[bad], bad);
			fuzz_out_free(&out);
		}
	}
}

static void render_cmdline(const struct fuzz_input *in, const struct vms_proc *p)
{
	char *cmd = procfs_render_cmdline(in->data, in->len, p);
	long bad = fuzz_first_control(cmd, strlen(cmd));

	FUZZ_CHECK(!text_controls_checked || bad < 0, "cmdline: a control byte 0x%02x at %ld",
		   bad < 0 ? 0 : (unsigned char)cmd[bad], bad);
	free(cmd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in;
	struct vms_snapshot s;
	struct vms_proc p;

	if (!fuzz_split(data, size, &in))
		return 0;
	/* Both locale paths of the cmdline escaping (procps behaves differently in each). */
	fuzz_locale(in.opt & 16);
	memset(&p, 0, sizeof(p));
	if (!procfs_parse_stat(in.data, &p))
		render_cmdline(&in, &p);
	memset(&p, 0, sizeof(p));
	memcpy(p.comm, in.data, in.len < sizeof(p.comm) - 1 ? in.len : sizeof(p.comm) - 1);
	p.state = in.opt & 32 ? 'Z' : 'S';
	render_cmdline(&in, &p);

	snapshot_init(&s);
	if (!procfs_parse_maps(in.data, &s, NULL)) {
		print_all(&s, in.opt);
		print_views(&s, in.opt);
		print_pictures(&s, in.opt);
	}
	snapshot_free(&s);

	fd_equals_text(&in, false);
	fd_equals_text(&in, true);

	snapshot_init(&s);
	if (!procfs_parse_smaps(in.data, &s, NULL)) {
		print_all(&s, in.opt);
		snapshot_add_thread(&s, 1)->sp = s.n ? s.regions[in.opt % s.n].start : 0;
		print_views(&s, in.opt);
	}
	snapshot_free(&s);

	/* "MAPS\n\nNUMA_MAPS": the numa_maps parser onto those regions, then -L */
	{
		char *sep = strstr(in.data, "\n\n");

		if (sep) {
			*sep = '\0';
			snapshot_init(&s);
			if (!procfs_parse_maps(in.data, &s, NULL) &&
			    !procfs_parse_numa_maps(sep + 2, &s, NULL)) {
				for (size_t i = 0; i < s.n; i++) {
					const struct vms_region_more *m = region_more(&s.regions[i]);
					uint64_t sum = 0;

					for (uint32_t k = 0; k < m->n_numa; k++)
						sum += m->numa[k].end - m->numa[k].start;
					FUZZ_CHECK(!m->numa || sum == region_size(&s.regions[i]),
						   "numa_maps: region %zu: runs of %llu bytes, size %llu", i,
						   (unsigned long long)sum,
						   (unsigned long long)region_size(&s.regions[i]));
				}
				print_views(&s, in.opt | 1);
			}
			snapshot_free(&s);
			*sep = '\n';
		}
	}
	{
		uint64_t v;

		(void)procfs_parse_syscall_sp(in.data, &v);
		(void)procfs_parse_stat_u64(in.data, 3 + in.opt % 60, &v);
	}

	/* One line at a time, with its exact length (the parser must not read past it). */
	{
		struct vms_region r;
		const char *nl = memchr(in.data, '\n', in.len);
		size_t len = nl ? (size_t)(nl - in.data) : in.len;
		char *line = malloc(len ? len : 1);

		if (line) {
			memcpy(line, in.data, len);
			memset(&r, 0, sizeof(r));
			(void)procfs_parse_maps_line(line, len, &r);
			region_name_free(r.name);
			free(line);
		}
	}
	fuzz_locale(false);
	free(in.data);
	return 0;
}
