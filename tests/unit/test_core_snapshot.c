// SPDX-License-Identifier: BSD-2-Clause
/*
 * Snapshots in libvmscope-core alone (no zlib, no /proc): the payload codec round-trips every
 * field of a snapshot built by hand (threads, accounting keys, VmFlags, fault counts, odd
 * names); it refuses what is malformed with one line; the JSON reader is strict; the importer
 * rebuilds what the full JSON export wrote; diff matches moves; the string scanner streams.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/diff.h"
#include "core/format/format.h"
#include "core/json_parse.h"
#include "core/snapshot/codec.h"
#include "core/snapshot/json_import.h"
#include "core/strscan.h"
#include "core/util.h"

static struct vms_region *add(struct vms_snapshot *s, uint64_t start, uint64_t end,
			      const char *perms, uint64_t ino, const char *name)
{
	struct vms_region *r = snapshot_add(s);

	r->start = start;
	r->end = end;
	r->inode = ino;
	r->dev_major = ino ? 8 : 0;
	r->dev_minor = ino ? 1 : 0;
	memcpy(r->perms, perms, 5);
	r->name = xstrdup(name);
	if (s->has_acct) {
		r->acct = xcalloc(s->n_keys, sizeof(uint64_t));
		for (size_t k = 0; k < s->n_keys; k++)
			r->acct[k] = (end - start) / 1024 / (k + 1);
	}
	return r;
}

static void sample(struct vms_snapshot *s)
{
	struct vms_region_more *m1, *m2;

	snapshot_init(s);
	s->proc.pid = 4242;
	s->proc.state = 'S';
	s->proc.ppid = -1;
	s->proc.start_time = 123456789;
	strcpy(s->proc.comm, "port");
	s->proc.cmdline = xstrdup("/opt/port --flag \xc3\xa9");
	s->proc.start_stack = 0x7ffd0000f000;
	s->has_acct = true;
	s->fault_access = true;
	snapshot_acct_key(s, "Size", true);
	snapshot_acct_key(s, "Rss", true);
	snapshot_acct_key(s, "Private_Dirty", true);
	snapshot_acct_key(s, "THPeligible", false);
	snapshot_add_thread(s, 4242)->sp = 0x7ffd0000e000;
	snapshot_add_thread(s, 4243)->stack_high = 0x7f0000100000;
	{ /* what the live model adds (minor version 1) */
		struct vms_thread *t = snapshot_add_thread(s, 4244);

		t->clone_sp = 0x7f0000200000;
		t->alt_sp = 0x7f0000300000;
		t->alt_size = 0x10000;
		t->start_time = 123456;
	}
	region_more_set(add(s, 0x400000, 0x401000, "r--p", 77, "/opt/port"))->vmflags =
		xstrdup("rd mr mw me");
	region_more_set(add(s, 0x1000000, 0x1021000, "rw-p", 0, "[heap]"))->faults_min = 12;
	region_more_set(add(s, 0x7f0000000000, 0x7f0000100000, "rw-p", 0, "odd \x80 name\n"))
		->faults_exec = 3;
	add(s, 0x7ffd00000000, 0x7ffd00010000, "rw-p", 0, "[stack]");
	/* the views' runs: NUMA amounts, exact page sizes with a hole */
	m1 = region_more_set(&s->regions[1]);
	m2 = region_more_set(&s->regions[2]);
	run_add(&m1->numa, &m1->n_numa, 0x1000000, 0x1010000, 0);
	run_add(&m1->numa, &m1->n_numa, 0x1000000, 0x1021000, VMS_RUN_NONE);
	run_add(&m2->psize, &m2->n_psize, 0x7f0000000000, 0x7f0000001000, 4);
	run_add(&m2->psize, &m2->n_psize, 0x7f0000001000, 0x7f0000100000, VMS_RUN_NONE);
	m2->psize_exact = true;
	s->meta = xcalloc(1, sizeof(*s->meta));
	s->meta->backend = xstrdup("by-hand");
	s->meta->boot_id = xstrdup("b00t");
	s->meta->kernel = xstrdup("Linux 6.18");
	s->meta->time_ns = 1700000000123456789ull;
	s->meta->shm_minor = 7;
	s->meta->has_faults = true;
	s->backend = s->meta->backend;
}

static void assert_same(const struct vms_snapshot *a, const struct vms_snapshot *b)
{
	assert_int_equal(a->proc.pid, b->proc.pid);
	assert_int_equal(a->proc.state, b->proc.state);
	assert_int_equal(a->proc.ppid, b->proc.ppid);
	assert_int_equal(a->proc.start_time, b->proc.start_time);
	assert_int_equal(a->proc.start_stack, b->proc.start_stack);
	assert_string_equal(a->proc.comm, b->proc.comm);
	assert_string_equal(a->proc.cmdline, b->proc.cmdline);
	assert_string_equal(a->backend, b->backend);
	assert_string_equal(a->meta->boot_id, b->meta->boot_id);
	assert_int_equal(a->meta->time_ns, b->meta->time_ns);
	assert_int_equal(a->meta->shm_minor, b->meta->shm_minor);
	assert_int_equal(a->meta->has_faults, b->meta->has_faults);
	assert_int_equal(a->has_acct, b->has_acct);
	assert_int_equal(a->fault_access, b->fault_access);
	assert_int_equal(a->n_keys, b->n_keys);
	for (size_t k = 0; k < a->n_keys; k++) {
		assert_string_equal(a->acct_keys[k], b->acct_keys[k]);
		assert_int_equal(a->acct_is_kb[k], b->acct_is_kb[k]);
	}
	for (int f = 0; f < ACCT__COUNT; f++)
		assert_int_equal(a->acct_idx[f], b->acct_idx[f]);
	assert_int_equal(a->n_threads, b->n_threads);
	assert_memory_equal(a->threads, b->threads, a->n_threads * sizeof(*a->threads));
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		const struct vms_region *x = &a->regions[i], *y = &b->regions[i];
		const struct vms_region_more *mx = region_more(x), *my = region_more(y);

		assert_int_equal(x->start, y->start);
		assert_int_equal(x->end, y->end);
		assert_int_equal(x->inode, y->inode);
		assert_int_equal(x->dev_major, y->dev_major);
		assert_string_equal(x->perms, y->perms);
		assert_string_equal(x->name, y->name);
		assert_memory_equal(x->acct, y->acct, a->n_keys * sizeof(uint64_t));
		assert_true((!mx->vmflags && !my->vmflags) || !strcmp(mx->vmflags, my->vmflags));
		assert_int_equal(mx->faults_min, my->faults_min);
		assert_int_equal(mx->faults_exec, my->faults_exec);
		assert_int_equal(mx->n_numa, my->n_numa);
		assert_int_equal(mx->numa_exact, my->numa_exact);
		assert_memory_equal(mx->numa, my->numa, mx->n_numa * sizeof(*mx->numa));
		assert_int_equal(mx->n_psize, my->n_psize);
		assert_int_equal(mx->psize_exact, my->psize_exact);
		assert_memory_equal(mx->psize, my->psize, mx->n_psize * sizeof(*mx->psize));
		assert_true(!mx->numa == !my->numa && !mx->psize == !my->psize);
	}
}

static void codec_round_trip(void **state)
{
	struct vms_snapshot s, t;
	struct vms_buf b = { 0 };
	char why[200];

	sample(&s);
	snap_encode(&s, &b);
	snapshot_init(&t);
	assert_int_equal(snap_decode(b.p, b.len, &t, why, sizeof(why)), 0);
	assert_same(&s, &t);
	snapshot_free(&t);
	/* every truncation is refused with one line, at every byte */
	for (size_t n = 0; n < b.len; n++) {
		snapshot_init(&t);
		assert_int_equal(snap_decode(b.p, n, &t, why, sizeof(why)), -EINVAL);
		assert_non_null(strstr(why, "corrupt snapshot"));
		assert_null(strchr(why, '\n'));
	}
	buf_free(&b);
	snapshot_free(&s);
}

static void cmdline_escaped_on_load(void **state)
{
	struct vms_snapshot s, t;
	struct vms_buf b = { 0 };
	char why[200];

	sample(&s);
	free(s.proc.cmdline);
	s.proc.cmdline = xstrdup("evil \x1b[2J \xc2\x9b x"); /* ESC and a C1 CSI in a file */
	snap_encode(&s, &b);
	snapshot_init(&t);
	assert_int_equal(snap_decode(b.p, b.len, &t, why, sizeof(why)), 0);
	assert_string_equal(t.proc.cmdline, "evil ?[2J ? x");
	snapshot_free(&t);
	buf_free(&b);
	snapshot_free(&s);
}

static void codec_skips_unknown_tags(void **state)
{
	struct vms_snapshot s, t;
	struct vms_buf b = { 0 };
	char why[200];
	/* a record of tag 99 (3 bytes) a newer writer added, between two records */
	static const uint8_t extra[] = { 99, 3, 1, 2, 3 };
	uint8_t *p;
	size_t head;

	sample(&s);
	snap_encode(&s, &b);
	head = 2 + b.p[1]; /* the header record: tag, 1-byte length, body */
	p = xmalloc(b.len + sizeof(extra));
	memcpy(p, b.p, head);
	memcpy(p + head, extra, sizeof(extra));
	memcpy(p + head + sizeof(extra), b.p + head, b.len - head);
	snapshot_init(&t);
	assert_int_equal(snap_decode(p, b.len + sizeof(extra), &t, why, sizeof(why)), 0);
	assert_same(&s, &t);
	snapshot_free(&t);
	free(p);
	buf_free(&b);
	snapshot_free(&s);
}

static void header_bounds(void **state)
{
	uint8_t h[VMS_SNAP_HDR_LEN];
	uint64_t raw, stored;
	uint16_t maj, min;
	const char *why;

	snap_header_write(h, 1000, 0); /* 1000 bytes from nothing: more than zlib can hold */
	assert_int_equal(snap_header_parse(h, sizeof(h), &raw, &stored, &maj, &min, &why), -EINVAL);
	assert_non_null(strstr(why, "refused"));
	snap_header_write(h, 1000, 10);
	assert_int_equal(snap_header_parse(h, sizeof(h), &raw, &stored, &maj, &min, &why), -EINVAL);
	assert_non_null(strstr(why, "truncated"));
	h[8] = 2;
	assert_int_equal(snap_header_parse(h, sizeof(h), &raw, &stored, &maj, &min, &why), -EINVAL);
	assert_non_null(strstr(why, "too new"));
}

static void json_reader_is_strict(void **state)
{
	static const char *const bad[] = { "", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "\"\\u0000\"",
		"\"\\ud800\"", "\"\\udc00x\"", "\"a\tb\"", "{\"a\":1,\"a\":2}", "[1] [2]", "nul", "\"\xff\"",
		"tru", "1e", "\"\\x\"" };
	static const char good[] = " {\"k\": [1, -2.5e3, true, null, \"\\udc80\\u00e9\\ud83d\\ude00\"]} ";
	struct json_val v;
	char why[100];
	uint64_t u;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(json_parse(bad[i], strlen(bad[i]), &v, why, sizeof(why)), -EINVAL);
		assert_non_null(strstr(why, "at byte"));
	}
	assert_int_equal(json_parse(good, strlen(good), &v, why, sizeof(why)), 0);
	assert_int_equal(json_get(&v, "k")->n, 5);
	assert_string_equal(json_get(&v, "k")->items[4].s, "\x80\xc3\xa9\xf0\x9f\x98\x80");
	assert_int_equal(json_u64_of(&json_get(&v, "k")->items[0], &u), 0);
	assert_int_equal(u, 1);
	assert_int_equal(json_u64_of(&json_get(&v, "k")->items[1], &u), -EINVAL);
	json_val_free(&v);
}

static void import_of_export(void **state)
{
	struct format_state st = { 0 };
	struct vms_snapshot s, t;
	struct format_opts o;
	char *text = NULL, why[200];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	sample(&s);
	format_opts_init(&o);
	o.full = true;
	o.faults = true;
	format_json.print(f, &s, &o, &st);
	fclose(f);
	snapshot_init(&t);
	assert_int_equal(snap_from_json(text, len, &t, why, sizeof(why)), 0);
	assert_same(&s, &t);
	snapshot_free(&t);
	/* the export without its "snapshot" object is map's JSON: refused, one line */
	snapshot_init(&t);
	assert_int_equal(snap_from_json("{\"pid\": 1, \"regions\": []}", 25, &t, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "snapshot"));
	free(text);
	snapshot_free(&s);
}

static void diff_moves(void **state)
{
	struct vms_snapshot a, b;
	struct vms_diff d;

	sample(&a);
	sample(&b);
	/* b: the anonymous 1 MiB region moved up, the heap grew, the stack lost write */
	b.regions[2].start += 0x10000000;
	b.regions[2].end += 0x10000000;
	b.regions[1].end += 0x1000;
	memcpy(b.regions[3].perms, "r--p", 5);
	diff_compute(&a, &b, false, &d);
	assert_int_equal(d.n, 3);
	assert_int_equal(d.n_what[2], 1); /* moved */
	assert_int_equal(d.n_what[3], 1); /* grown */
	assert_int_equal(d.n_what[5], 1); /* prot */
	assert_int_equal(d.n_what[0] + d.n_what[1], 0);
	for (size_t i = 0; i < d.n; i++)
		if (d.e[i].what & DIFF_MOVED)
			assert_int_equal(d.e[i].a->start, 0x7f0000000000);
	assert_true(d.same_process);
	diff_free(&d);
	snapshot_free(&a);
	snapshot_free(&b);
}

static void diff_split_and_merge(void **state)
{
	struct vms_snapshot a, b;
	struct vms_diff d;
	unsigned want[3] = { DIFF_SPLIT, DIFF_SPLIT | DIFF_PROT, DIFF_SPLIT };

	snapshot_init(&a);
	snapshot_init(&b);
	add(&a, 0x10000, 0x50000, "rw-p", 0, "");
	add(&a, 0x90000, 0x91000, "rw-p", 0, ""); /* removed: the same size as a split part */
	/* mprotect of the middle page: three regions, none a move of the one removed */
	add(&b, 0x10000, 0x20000, "rw-p", 0, "");
	add(&b, 0x20000, 0x21000, "r--p", 0, "");
	add(&b, 0x21000, 0x50000, "rw-p", 0, "");
	diff_compute(&a, &b, false, &d);
	assert_int_equal(d.n, 4);
	for (size_t i = 0; i < d.n; i++) {
		const struct vms_region *r = d.e[i].b ? d.e[i].b : d.e[i].a;

		if (!d.e[i].b)
			assert_int_equal(d.e[i].what, DIFF_REMOVED);
		else
			assert_int_equal(d.e[i].what, want[r - b.regions]);
	}
	assert_int_equal(d.n_what[7], 3);
	assert_int_equal(d.n_what[4] + d.n_what[0] + d.n_what[2], 0); /* no shrunk, added, moved */
	diff_free(&d);
	/* and back: merged */
	diff_compute(&b, &a, false, &d);
	assert_int_equal(d.n_what[8], 3);
	assert_int_equal(d.n_what[0], 1); /* the one added back */
	assert_int_equal(d.n_what[3] + d.n_what[1], 0);
	diff_free(&d);
	snapshot_free(&a);
	snapshot_free(&b);
}

static void strscan_streams(void **state)
{
	struct strscan sc;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	static const uint8_t one[] = "ab\x01hello wor", two[] = "ld\x7f" "xyz";

	strscan_init(&sc, f, 4, false);
	strscan_feed(&sc, 0x1000, one, sizeof(one) - 1); /* a string across two feeds */
	strscan_feed(&sc, 0x1000 + sizeof(one) - 1, two, sizeof(two) - 1);
	strscan_break(&sc);
	fclose(f);
	assert_string_equal(text, "0000000000001003 hello world\n");
	free(text);
}

int main(void)
{
	/* a loaded cmdline is escaped for the locale (as a live one): UTF-8 passes in a UTF-8 one */
	if (!setlocale(LC_ALL, "C.UTF-8"))
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(codec_round_trip),
		cmocka_unit_test(codec_skips_unknown_tags),
		cmocka_unit_test(cmdline_escaped_on_load),
		cmocka_unit_test(header_bounds),
		cmocka_unit_test(json_reader_is_strict),
		cmocka_unit_test(import_of_export),
		cmocka_unit_test(diff_moves),
		cmocka_unit_test(diff_split_and_merge),
		cmocka_unit_test(strscan_streams),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
