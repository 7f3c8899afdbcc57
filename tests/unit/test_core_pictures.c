// SPDX-License-Identifier: BSD-2-Clause
/*
 * The pictures of the address space (--format svg, html, picture; core/format/picture.h), on
 * snapshots built by hand and linked against libvmscope-core alone: the axis (items, gaps, the
 * top of user space), sizes, the /proc line of a region, markup escaping of hostile names, the
 * colour of a kind the table does not know, the exact terminal tiles, colours only when asked,
 * and one document for several processes. That the SVG parses and the HTML renders is checked
 * end to end (tests/e2e/map_pictures.sh) with a real XML parser and Chromium.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/format/format.h"
#include "core/classify.h"
#include "core/format/picture.h"
#include "core/region.h"
#include "core/util.h"

static void add(struct vms_snapshot *s, uint64_t start, uint64_t end, const char *perms,
		uint64_t ino, const char *name)
{
	struct vms_region *r = snapshot_add(s);

	r->start = start;
	r->end = end;
	r->inode = ino;
	r->dev_major = ino ? 8 : 0;
	r->dev_minor = ino ? 1 : 0;
	memcpy(r->perms, perms, 5);
	r->name = xstrdup(name);
}

/* A small process with a gap below each block, a hostile file name, and vsyscall. */
static void sample(struct vms_snapshot *s, int pid)
{
	snapshot_init(s);
	s->proc.pid = pid;
	snprintf(s->proc.comm, sizeof(s->proc.comm), "c<&>\"'%d", pid);
	s->proc.cmdline = xstrdup("/opt/p <b>&amp; \"x\"");
	s->proc.start_stack = 0x7ffd0000f000;
	s->backend = "by-hand";
	add(s, 0x400000, 0x401000, "r--p", 77, "/opt/p");
	add(s, 0x401000, 0x403000, "r-xp", 77, "/opt/p");
	add(s, 0x1000000, 0x1021000, "rw-p", 0, "[heap]");
	add(s, 0x7f0000000000, 0x7f0000001000, "r--s", 12,
	    "/tmp/<x>&\"y\"]]>'\x1b[2J\x9b\xef\xbf\xbe\xff.dat");
	add(s, 0x7ffd00000000, 0x7ffd00010000, "rw-p", 0, "[stack]");
	add(s, 0xffffffffff600000, 0xffffffffff601000, "--xp", 0, "[vsyscall]");
}

static char *render(const char *name, const struct format_opts *o, int n_procs)
{
	const struct vms_format *f = format_find(name);
	struct format_state st = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(f);
	assert_non_null(out);
	for (int i = 0; i < n_procs; i++) {
		struct vms_snapshot s;

		sample(&s, 100 + i);
		f->print(out, &s, o, &st);
		snapshot_free(&s);
	}
	if (f->finish)
		f->finish(out, o, &st);
	fclose(out);
	return text;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* Compares whole texts; prints both on a mismatch (cmocka cuts long strings). Frees got. */
static void expect_text(char *got, const char *want)
{
	size_t i = 0;

	if (!strcmp(got, want)) {
		free(got);
		return;
	}
	while (got[i] && got[i] == want[i])
		i++;
	fprintf(stderr, "--- expected ---\n%s--- got ---\n%s--- first difference at byte %zu\n",
		want, got, i);
	free(got);
	fail_msg("output differs at byte %zu", i);
}

static void sizes(void **state)
{
	static const struct { uint64_t b; const char *want; } cases[] = {
		{ 0, "0B" }, { 4096, "4K" }, { 135168, "132K" }, { 1048575, "1023K" },
		{ 1 << 20, "1.0M" }, { 74239590, "70.8M" }, { 1ull << 30, "1.0G" },
		{ 29467121950720ull, "26.8T" }, { UINT64_MAX, "16.0E" },
	};
	char buf[32];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		pic_size(buf, sizeof(buf), cases[i].b);
		assert_string_equal(buf, cases[i].want);
	}
	assert_int_equal(pic_log2_pages(0), 0);
	assert_int_equal(pic_log2_pages(4096), 0);
	assert_int_equal(pic_log2_pages(8191), 0);
	assert_int_equal(pic_log2_pages(1 << 21), 9);
	assert_int_equal(pic_log2_pages(UINT64_MAX), 51);
}

/* The kernel's show_map_vma(): the name at column 73, a trailing space when there is none. */
static void maps_line(void **state)
{
	struct vms_snapshot s;
	char *l;

	snapshot_init(&s);
	add(&s, 0x7f24e8257000, 0x7f24e82ae000, "r--p", 320475, "/usr/lib/locale/C.utf8/LC_CTYPE");
	add(&s, 0x557657e0d000, 0x557657e1d000, "rw-p", 0, "");
	s.regions[0].offset = 0x1000;
	s.regions[0].dev_major = 0xfe;
	s.regions[0].dev_minor = 0;
	l = pic_maps_line(&s.regions[0]);
	assert_string_equal(l, "7f24e8257000-7f24e82ae000 r--p 00001000 fe:00 320475"
			       "                     /usr/lib/locale/C.utf8/LC_CTYPE");
	assert_int_equal(strchr(l, '/') - l, 73);
	free(l);
	l = pic_maps_line(&s.regions[1]);
	assert_string_equal(l, "557657e0d000-557657e1d000 rw-p 00000000 00:00 0 ");
	free(l);
	snapshot_free(&s);
}

static void items(void **state)
{
	static const char *kinds[] = { "image", "image", "heap", "mapped-file", "stack", "system" };
	struct vms_class *cls;
	struct vms_snapshot s;
	struct format_opts o;
	struct pic_item *it;
	uint64_t mapped, largest;
	size_t n;

	sample(&s, 1);
	cls = region_classify(&s);
	format_opts_init(&o);
	n = pic_items(&s, &o, cls, &it);
	/* vsyscall, top, stack, free, shm, free, heap, free, text, data(adjacent), free from 0 */
	assert_int_equal(n, 11);
	assert_int_equal(it[0].what, PIC_REGION);
	assert_int_equal(it[0].idx, 5);
	for (size_t i = 0; i < n; i++) { /* each region's class; gaps are free */
		assert_string_equal(it[i].kind, it[i].what == PIC_REGION ? kinds[it[i].idx] : "free");
		assert_true(it[i].what == PIC_REGION ? it[i].cls == &cls[it[i].idx] : !it[i].cls);
	}
	assert_int_equal(it[1].what, PIC_TOP);
	assert_int_equal(it[1].start, 0x7ffd00010000);
	assert_int_equal(it[1].end, 0xffffffffff600000);
	assert_int_equal(it[3].what, PIC_FREE);
	assert_int_equal(it[3].start, 0x7f0000001000);
	assert_int_equal(it[3].end, 0x7ffd00000000);
	assert_int_equal(it[8].idx, 1);
	assert_int_equal(it[9].idx, 0); /* adjacent: no gap between them */
	assert_int_equal(it[10].what, PIC_FREE);
	assert_int_equal(it[10].start, 0);
	assert_int_equal(it[10].end, 0x400000);
	for (size_t i = 1; i < n; i++)
		assert_true(it[i].end == it[i - 1].start); /* the whole axis, no overlap */
	pic_totals(it, n, &mapped, &largest);
	assert_int_equal(mapped, 0x3000 + 0x21000 + 0x1000 + 0x10000 + 0x1000);
	assert_int_equal(largest, 0x7f0000000000 - 0x1021000); /* not the top: that is no free space */
	free(it);

	/* with a range, what lies outside it is unknown: no gap from 0 */
	o.range_low = 0x401000;
	o.range_high = 0x7f0000000fff;
	n = pic_items(&s, &o, cls, &it);
	assert_int_equal(n, 5); /* the file, free, heap, free, text */
	assert_int_equal(it[4].idx, 1);
	free(it);
	free(cls);
	snapshot_free(&s);
}

static void markup(void **state)
{
	char *t = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&t, &len);

	markup_text(f, "a<b>&\"c\"'d'\x1b[2J\x07\x7f|\xc2\x9b|\x9b|\xff\xfe|\xef\xbf\xbe|\xef\xbf\xbf|\xe2\x82\xac", 0);
	fputc('\n', f);
	markup_text(f, "abcdef", 4);
	fputc('\n', f);
	markup_text(f, "abcd", 4);
	fputc('\n', f);
	markup_text(f, "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac", 2);
	fclose(f);
	assert_string_equal(t, "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;?[2J??|?|\xef\xbf\xbd|"
			       "\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd|\xef\xbf\xbd|\xe2\x82\xac\n"
			       "abc\xe2\x80\xa6\nabcd\n\xe2\x82\xac\xe2\x80\xa6");
	free(t);
}

/* A kind a newer classifier adds gets a colour and its name as its label, always the same. */
static void colours(void **state)
{
	const struct pic_color *c = pic_color("heap");
	char fill[16];

	assert_string_equal(c->label, "Heap");
	c = pic_color("managed-heap");
	assert_non_null(c->fill);
	assert_string_equal(c->label, "managed-heap");
	snprintf(fill, sizeof(fill), "%s", c->fill);
	assert_string_equal(pic_color("managed-heap")->fill, fill);
	for (size_t i = 0; pic_colors[i].kind; i++)
		assert_ptr_equal(pic_color(pic_colors[i].kind), &pic_colors[i]);
}

static void svg_doc(void **state)
{
	struct format_opts o;
	char *t;

	format_opts_init(&o);
	t = render("svg", &o, 1);
	assert_int_equal(strncmp(t, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg ", 44), 0);
	assert_int_equal(count(t, "<svg"), 1);
	assert_int_equal(count(t, "</svg>"), 1);
	assert_non_null(strstr(t, "<title>vmscope: PID 100 (c&lt;&amp;&gt;&quot;&#39;100)</title>"));
	assert_int_equal(count(t, "<g class=\"vr\""), 6);	/* a group per region */
	assert_int_equal(count(t, "<g class=\"vg\""), 5);	/* and per gap */
	assert_int_equal(count(t, "data-row"), 0);		/* only html links rows */
	/* the hostile name, escaped, in the /proc line of its hover title */
	assert_non_null(strstr(t, "<title>7f0000000000-7f0000001000 r--s 00000000 08:01 12"));
	assert_non_null(strstr(t, "/tmp/&lt;x&gt;&amp;&quot;y&quot;]]&gt;&#39;?[2J\xef\xbf\xbd"
				  "\xef\xbf\xbd\xef\xbf\xbd.dat</title>"));
	assert_null(strstr(t, "\x1b"));
	assert_non_null(strstr(t, ">free 127.0T<"));
	assert_non_null(strstr(t, ">end of user space<"));
	assert_non_null(strstr(t, ">0x000000400000<"));	/* boundary labels */
	assert_non_null(strstr(t, ">Heap</text>"));		/* the legend */
	assert_null(strstr(t, ">Guard</text>"));		/* only what is drawn */
	/* the summary bar: mapped bytes by type, in the legend's order (216K in all) */
	assert_non_null(strstr(t, "<title>Image: 12K, 5.6% of the mapped space</title>"));
	assert_true(strstr(t, ">Image: ") < strstr(t, ">Heap: 132K, 61.1% of the mapped space<"));
	assert_true(strstr(t, ">Heap: ") < strstr(t, ">Stack: 64K, "));
	free(t);

	/* several processes: one document, a column each */
	t = render("svg", &o, 3);
	assert_int_equal(count(t, "<?xml"), 1);
	assert_int_equal(count(t, "</svg>"), 1);
	assert_int_equal(count(t, "<g class=\"vproc\""), 3);
	assert_int_equal(count(t, "id=\"vms-free\""), 1);
	assert_non_null(strstr(t, "<title>vmscope: PID 100 (c&lt;&amp;&gt;&quot;&#39;100), PID 101 "));
	assert_non_null(strstr(t, "translate(1560.0,0.0)"));
	free(t);

	/* no process read: still one valid document */
	t = render("svg", &o, 0);
	assert_int_equal(count(t, "<svg"), 1);
	assert_non_null(strstr(t, "<title>vmscope: no process</title>"));
	free(t);
}

static void html_doc(void **state)
{
	struct format_opts o;
	char *t;

	format_opts_init(&o);
	assert_true(format_html.needs_accounting(&o));
	t = render("html", &o, 2);
	assert_int_equal(strncmp(t, "<!DOCTYPE html>\n", 16), 0);
	assert_int_equal(count(t, "<html"), 1);
	assert_int_equal(count(t, "</html>"), 1);
	assert_non_null(strstr(t, "<title>vmscope: PID 100 (c&lt;&amp;&gt;&quot;&#39;100), PID 101 "
				  "(c&lt;&amp;&gt;&quot;&#39;101)</title>"));
	assert_int_equal(count(t, "<section class=\"proc\""), 2);
	assert_int_equal(count(t, "id=\"vms-free\""), 1); /* ids are unique in a page */
	assert_int_equal(count(t, "<table class=\"regions\""), 2);
	assert_int_equal(count(t, "<tr data-row="), 12);
	assert_int_equal(count(t, "<g class=\"vr\" data-row="), 12);
	assert_non_null(strstr(t, "<h2 title=\"/opt/p &lt;b&gt;&amp;amp; &quot;x&quot;\">PID 101: "
				  "/opt/p &lt;b&gt;&amp;amp; &quot;x&quot;</h2>"));
	/* self-contained: nothing to fetch (the only URL is the SVG namespace's name) */
	assert_null(strstr(t, "src="));
	assert_null(strstr(t, "<link"));
	assert_null(strstr(t, "url(http"));
	assert_int_equal(count(t, "http"), count(t, "xmlns=\"http://www.w3.org/2000/svg\""));
	assert_null(strstr(t, "\x1b"));
	free(t);
	/* --faults: two more columns, and -A: only the rows in the range */
	o.faults = true;
	o.range_low = 0x1000000;
	o.range_high = 0x1000fff;
	t = render("html", &o, 1);
	assert_non_null(strstr(t, "<th class=\"n\">MinFlt</th><th class=\"n\">MajFlt</th>"));
	assert_int_equal(count(t, "<tr data-row="), 1);
	assert_non_null(strstr(t, "<td class=\"name\" title=\"[heap]\">[heap]</td>"));
	free(t);
	format_opts_init(&o);
	t = render("html", &o, 0);
	assert_non_null(strstr(t, "<title>vmscope: no process</title>"));
	assert_int_equal(count(t, "</html>"), 1);
	free(t);
}

static void picture_plain(void **state)
{
	struct format_opts o;
	char *t;

	format_opts_init(&o);
	expect_text(render("picture", &o, 1),
		"100:   /opt/p <b>&amp; \"x\"\n"
		"6 regions, 216K mapped, largest free block 127.0T, from by-hand\n"
		"\n"
		"0xffffffffff601000 +-----------------------------------------------------------+\n"
		"                   | [vsyscall]                       System      --xp      4K |\n"
		"0xffffffffff600000 +-----------------------------------------------------------+\n"
		"                   :                     end of user space                     :\n"
		"    0x7ffd00010000 +-----------------------------------------------------------+\n"
		"                   | [stack]                          Stack       rw-p     64K |\n"
		"    0x7ffd00000000 +-----------------------------------------------------------+\n"
		"                   :                       free 1012.0G                        :\n"
		"    0x7f0000001000 +-----------------------------------------------------------+\n"
		"                   | <x>&\"y\"]]>'?[2J?????.dat         Mapped File r--s      4K |\n"
		"    0x7f0000000000 +-----------------------------------------------------------+\n"
		"                   :                        free 127.0T                        :\n"
		"    0x000001021000 +-----------------------------------------------------------+\n"
		"                   | [heap]                           Heap        rw-p    132K |\n"
		"    0x000001000000 +-----------------------------------------------------------+\n"
		"                   :                        free 12.0M                         :\n"
		"    0x000000403000 +-----------------------------------------------------------+\n"
		"                   | p                                Image       r-xp      8K |\n"
		"    0x000000401000 +-----------------------------------------------------------+\n"
		"                   | p                                Image       r--p      4K |\n"
		"    0x000000400000 +-----------------------------------------------------------+\n"
		"                   :                         free 4.0M                         :\n"
		"    0x000000000000 +-----------------------------------------------------------+\n"
		"\n"
		"by type:  Image 12K  Mapped File 4K  Heap 132K  Stack 64K  System 4K\n");
	/* -p: the path (in the C locale each byte that is not ASCII is a '?') */
	o.show_path = true;
	t = render("picture", &o, 2);
	assert_non_null(strstr(t, "| /tmp/<x>&\"y\"]]>'?[2J?????.dat    Mapped File"));
	assert_non_null(strstr(t, "\n\n101:   /opt/p")); /* processes one after the other */
	free(t);
}

static void picture_colours(void **state)
{
	struct format_opts o;
	char *t;

	format_opts_init(&o);
	o.color = true;
	t = render("picture", &o, 1);
	/* the heap's tile on its colour, reset before the border; the types in colour at the end */
	assert_non_null(strstr(t, "|\033[48;5;209m\033[38;5;16m [heap] "));
	assert_non_null(strstr(t, "\033[0m|\n"));
	assert_non_null(strstr(t, "\nby type:  \033[48;5;141m  \033[0m Image 12K  "));
	assert_non_null(strstr(t, "  \033[48;5;209m  \033[0m Heap 132K  "));
	/* the name's own escape stays escaped */
	assert_null(strstr(t, "\033[2J"));
	free(t);
}

/* A long name fits its column by display width in a UTF-8 locale. */
static void picture_wide(void **state)
{
	struct vms_snapshot s;
	struct format_opts o;
	struct format_state st = { 0 };
	char *t = NULL;
	size_t len = 0;
	FILE *f;

	if (!setlocale(LC_ALL, "C.UTF-8"))
		skip();
	snapshot_init(&s);
	s.proc.pid = 1;
	s.backend = "by-hand";
	add(&s, 0x1000, 0x2000, "rw-p", 5,
	    "/x/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
	format_opts_init(&o);
	f = open_memstream(&t, &len);
	format_picture.print(f, &s, &o, &st);
	fclose(f);
	/* 14 double-width characters (28 columns) and "..." in the 32 of the name */
	assert_non_null(strstr(t, "| \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x97\xa5\xe6\x9c\xac"
				  "\xe8\xaa\x9e\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x97\xa5\xe6"
				  "\x9c\xac\xe8\xaa\x9e\xe6\x97\xa5\xe6\x9c\xac...  Mapped File rw-p"));
	free(t);
	snapshot_free(&s);
	setlocale(LC_ALL, "C");
}

/* A thread's stack and its guard are labelled with its tid (region_classify()'s), as illumos
 * labels them, in every picture; html's table says it in the Type column. */
static void thread_stacks(void **state)
{
	struct format_state st = { 0 };
	struct vms_snapshot s;
	struct format_opts o;
	char *t = NULL;
	size_t len = 0;
	FILE *f;

	snapshot_init(&s);
	s.proc.pid = 4242;
	s.proc.start_stack = 0x7ffd0000f000;
	s.backend = "by-hand";
	add(&s, 0x7f00000ff000, 0x7f0000100000, "---p", 0, "");
	add(&s, 0x7f0000100000, 0x7f0000900000, "rw-p", 0, "");
	add(&s, 0x7ffd00000000, 0x7ffd00010000, "rw-p", 0, "[stack]");
	snapshot_add_thread(&s, 4242)->sp = 0x7ffd0000e000;
	snapshot_add_thread(&s, 4243)->sp = 0x7f00008ff000;
	format_opts_init(&o);
	f = open_memstream(&t, &len);
	format_picture.print(f, &s, &o, &st);
	fclose(f);
	assert_non_null(strstr(t, "| [stack tid=4243]                 Stack       rw-p    8.0M |"));
	assert_non_null(strstr(t, "| [guard tid=4243]                 Guard       ---p      4K |"));
	assert_non_null(strstr(t, "| [stack]                          Stack "));
	free(t);
	memset(&st, 0, sizeof(st));
	f = open_memstream(&t, &len);
	format_html.print(f, &s, &o, &st);
	format_html.finish(f, &o, &st);
	fclose(f);
	assert_non_null(strstr(t, ">[stack tid=4243]</text>"));
	assert_non_null(strstr(t, "Stack (tid 4243)</td>"));
	assert_non_null(strstr(t, "Guard (tid 4243)</td>"));
	assert_non_null(strstr(t, "Stack (tid 4242)</td>")); /* the main thread's, named [stack] */
	free(t);
	snapshot_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sizes),
		cmocka_unit_test(maps_line),
		cmocka_unit_test(items),
		cmocka_unit_test(markup),
		cmocka_unit_test(colours),
		cmocka_unit_test(svg_doc),
		cmocka_unit_test(html_doc),
		cmocka_unit_test(picture_plain),
		cmocka_unit_test(picture_colours),
		cmocka_unit_test(picture_wide),
		cmocka_unit_test(thread_stacks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
