// SPDX-License-Identifier: BSD-2-Clause
/*
 * vmscope diff with the live model's events, in libvmscope-core alone: the moves are plain data.
 * A region moved and resized is one move; chains compose; an address taken again by a new
 * mapping, or a destination that replaced a region, are not confused with the moved one; the
 * events are used only for one process and one model instance whose log holds every move
 * between the two positions (diff B A inverts them); the position and log round-trip through
 * the codec and the JSON export/import, and a malformed log is refused. A core file against a
 * live snapshot: what the core does not know is no change.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/diff.h"
#include "core/format/format.h"
#include "core/snapshot/codec.h"
#include "core/snapshot/json_import.h"
#include "core/util.h"

#define MB 0x100000ull
#define X 0x200000000000ull
#define Y (X + 64 * MB)
#define Z (X + 128 * MB)

static void region(struct vms_snapshot *s, uint64_t start, uint64_t len, uint64_t ino)
{
	struct vms_region *r = snapshot_add(s);

	r->start = start;
	r->end = start + len;
	r->inode = ino;
	r->dev_major = ino ? 8 : 0;
	memcpy(r->perms, "rw-p", 5);
	r->name = xstrdup(ino ? "/data/file" : "");
}

/* a snapshot of pid 77 with a model position (id 0: none) */
static void snap(struct vms_snapshot *s, uint64_t model_id, uint64_t seq)
{
	snapshot_init(s);
	s->proc.pid = 77;
	s->proc.start_time = 1000;
	strcpy(s->proc.comm, "mover");
	s->meta = xcalloc(1, sizeof(*s->meta));
	s->meta->backend = xstrdup("procfs");
	s->backend = s->meta->backend;
	s->meta->boot_id = xstrdup("b00t");
	s->meta->time_ns = 1;
	s->meta->model_id = model_id;
	s->meta->move_seq = seq;
}

static void log_move(struct vms_snapshot *s, uint64_t seq, uint64_t from, uint64_t flen,
		     uint64_t to, uint64_t tlen)
{
	struct vms_snapmeta *m = s->meta;

	m->moves = xrealloc(m->moves, (m->n_moves + 1) * sizeof(*m->moves));
	m->moves[m->n_moves++] = (struct vms_snapmove){ seq, from, flen, to, tlen, 5 };
}

static const struct diff_entry *entry_at(const struct vms_diff *d, uint64_t start, bool after)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct vms_region *r = after ? d->e[i].b : d->e[i].a;

		if (r && r->start == start)
			return &d->e[i];
	}
	fail_msg("no entry at %llx", (unsigned long long)start);
	return NULL;
}

static void moved_and_resized(void **state)
{
	struct vms_snapshot a, b;
	struct vms_diff d;
	const struct diff_entry *e;

	snap(&a, 42, 3);
	snap(&b, 42, 4);
	region(&a, X, MB, 0);
	region(&b, Y, 3 * MB, 0);
	log_move(&b, 4, X, MB, Y, 3 * MB);
	diff_compute(&a, &b, false, &d);
	assert_int_equal(d.events, 1);
	assert_int_equal(d.n_moves, 1);
	assert_int_equal(d.n, 1);
	e = &d.e[0];
	assert_int_equal(e->what, DIFF_MOVED | DIFF_GROWN);
	assert_int_equal(e->matched, DIFF_BY_MODEL);
	assert_int_equal(e->a->start, X);
	assert_int_equal(e->d_size, 2 * MB);
	assert_int_equal(d.n_by_model, 1);
	diff_free(&d);
	/* the same without the model's position: removed + added */
	b.meta->model_id = 0;
	diff_compute(&a, &b, false, &d);
	assert_int_equal(d.events, 0);
	assert_int_equal(d.n_what[0], 1);
	assert_int_equal(d.n_what[1], 1);
	assert_int_equal(d.n_what[2], 0);
	assert_string_equal(d.events_why, "the second snapshot was taken without the live model tracking the process");
	diff_free(&d);
	snapshot_free(&a);
	snapshot_free(&b);
}

static void chains_compose(void **state)
{
	struct vms_snapshot a, b;
	struct diff_moves mv = { xmalloc(3 * sizeof(struct vms_snapmove)), 3 };
	struct vms_diff d;

	snapshot_init(&a);
	snapshot_init(&b);
	region(&a, X, MB, 0);
	region(&a, Z + 64 * MB, MB, 0);		/* W: moves onto X once X moved away */
	/* X -> Y (3 MiB), W -> X, Y -> Z (2 MiB) */
	mv.m[0] = (struct vms_snapmove){ 1, X, MB, Y, 3 * MB, 0 };
	mv.m[1] = (struct vms_snapmove){ 2, Z + 64 * MB, MB, X, MB, 0 };
	mv.m[2] = (struct vms_snapmove){ 3, Y, 3 * MB, Z, 2 * MB, 0 };
	region(&b, X, MB, 0);
	region(&b, Z, 2 * MB, 0);
	diff_compute_moves(&a, &b, &mv, false, &d);
	assert_int_equal(d.n, 2);
	assert_int_equal(entry_at(&d, Z, true)->a->start, X);
	assert_int_equal(entry_at(&d, Z, true)->what, DIFF_MOVED | DIFF_GROWN);
	/* W is at X now: not "the same start" as a's X */
	assert_int_equal(entry_at(&d, X, true)->a->start, Z + 64 * MB);
	assert_int_equal(entry_at(&d, X, true)->matched, DIFF_BY_MODEL);
	assert_int_equal(d.n_what[0] + d.n_what[1], 0);
	diff_free(&d);
	diff_moves_free(&mv);
	snapshot_free(&a);
	snapshot_free(&b);
}

static void addresses_taken_again(void **state)
{
	struct vms_snapshot a, b;
	struct diff_moves mv = { xmalloc(2 * sizeof(struct vms_snapmove)), 2 };
	struct vms_diff d;

	snapshot_init(&a);
	snapshot_init(&b);
	region(&a, X, MB, 0);
	region(&a, Y, MB, 0);		/* replaced by the move onto it (MREMAP_FIXED) */
	/* X -> Y over a's Y; then a new mapping at X moves to Z */
	mv.m[0] = (struct vms_snapmove){ 1, X, MB, Y, 2 * MB, 0 };
	mv.m[1] = (struct vms_snapmove){ 2, X, MB, Z, MB, 0 };
	region(&b, X, 4 * MB, 0);	/* newer still, at the old address */
	region(&b, Y, 2 * MB, 0);
	region(&b, Z, MB, 0);
	diff_compute_moves(&a, &b, &mv, false, &d);
	assert_int_equal(entry_at(&d, Y, true)->a->start, X);
	assert_int_equal(entry_at(&d, Y, true)->matched, DIFF_BY_MODEL);
	assert_int_equal(entry_at(&d, Y, false)->what, DIFF_REMOVED);	/* a's Y: replaced */
	assert_int_equal(entry_at(&d, X, true)->what, DIFF_ADDED);	/* not a's X grown */
	assert_int_equal(entry_at(&d, Z, true)->what, DIFF_ADDED);	/* the new mapping moved */
	assert_int_equal(d.n_by_model, 1);
	diff_free(&d);
	diff_moves_free(&mv);
	/* a file mapping followed to an anonymous region is not matched by the model */
	snapshot_free(&a);
	snapshot_free(&b);
	snapshot_init(&a);
	snapshot_init(&b);
	region(&a, X, MB, 7);
	region(&b, Y, MB, 0);
	mv.m = xmalloc(sizeof(*mv.m));
	mv.n = 1;
	mv.m[0] = (struct vms_snapmove){ 1, X, MB, Y, MB, 0 };
	diff_compute_moves(&a, &b, &mv, false, &d);
	assert_int_equal(d.n_by_model, 0);
	assert_int_equal(d.n_what[0] + d.n_what[1], 2);
	diff_free(&d);
	diff_moves_free(&mv);
	snapshot_free(&a);
	snapshot_free(&b);
}

static void when_events_are_used(void **state)
{
	struct vms_snapshot a, b;
	struct diff_moves mv;
	char why[200];

	snap(&a, 42, 10);
	snap(&b, 42, 12);
	log_move(&b, 9, 1, 1, 2, 1);	/* before a: not between */
	log_move(&b, 11, X, MB, Y, MB);
	log_move(&b, 12, Y, MB, Z, 2 * MB);
	assert_int_equal(diff_events(&a, &b, &mv, why, sizeof(why)), 1);
	assert_int_equal(mv.n, 2);
	assert_int_equal(mv.m[0].seq, 11);
	assert_int_equal(mv.m[1].new_start, Z);
	diff_moves_free(&mv);
	/* b -> a: a's log... b's, inverted, newest first */
	assert_int_equal(diff_events(&b, &a, &mv, why, sizeof(why)), 1);
	assert_int_equal(mv.n, 2);
	assert_int_equal(mv.m[0].old_start, Z);
	assert_int_equal(mv.m[0].new_start, Y);
	assert_int_equal(mv.m[0].new_len, MB);
	assert_int_equal(mv.m[1].new_start, X);
	diff_moves_free(&mv);
	/* one move missing from the log (an exec counted one, or the ring wrapped) */
	b.meta->move_seq = 13;
	assert_int_equal(diff_events(&a, &b, &mv, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "3 moves between the snapshots, the model's log kept 2"));
	b.meta->move_seq = 12;
	/* another instance of the model */
	b.meta->model_id = 43;
	assert_int_equal(diff_events(&a, &b, &mv, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "restarted"));
	b.meta->model_id = 42;
	/* another process of that pid */
	b.proc.start_time++;
	assert_int_equal(diff_events(&a, &b, &mv, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "not of the same process"));
	b.proc.start_time--;
	/* the same position: used, nothing moved */
	a.meta->move_seq = 12;
	assert_int_equal(diff_events(&a, &b, &mv, why, sizeof(why)), 1);
	assert_int_equal(mv.n, 0);
	/* no position in either: nothing to say */
	a.meta->model_id = b.meta->model_id = 0;
	assert_int_equal(diff_events(&a, &b, &mv, why, sizeof(why)), 0);
	assert_string_equal(why, "");
	snapshot_free(&a);
	snapshot_free(&b);
}

/* A core file against the live snapshot of its process: what the core does not know ('?' perms,
 * a file by its name alone, no start time) is no change; what it says still counts. */
static void core_against_live(void **state)
{
	struct vms_snapshot a, b;
	struct vms_diff d;
	struct vms_region *r;

	snap(&a, 0, 0);
	snap(&b, 0, 0);
	b.proc.start_time = 0;
	region(&a, X, MB, 5);
	memcpy(a.regions[0].perms, "r-xp", 5);
	region(&a, Y, MB, 0);
	region(&b, X, MB, 0);
	r = &b.regions[0];
	free(r->name);
	r->name = xstrdup("/data/file");
	r->absent = VMS_ABSENT_DEVINO;
	memcpy(r->perms, "?-x?", 5);
	region(&b, Y, MB, 0);
	memcpy(b.regions[1].perms, "?w-p", 5);
	diff_compute(&a, &b, false, &d);
	assert_true(d.same_process);
	assert_int_equal(d.n, 0);
	diff_free(&d);
	diff_compute(&b, &a, false, &d);
	assert_true(d.same_process);
	assert_int_equal(d.n, 0);
	diff_free(&d);
	/* a permission the core does record, changed: a change */
	memcpy(b.regions[1].perms, "?--p", 5);
	diff_compute(&a, &b, false, &d);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.e[0].what, DIFF_PROT);
	diff_free(&d);
	/* another file at that address: removed and added */
	free(r->name);
	r->name = xstrdup("/data/other");
	diff_compute(&a, &b, false, &d);
	assert_int_equal(d.n_what[0], 1);
	assert_int_equal(d.n_what[1], 1);
	diff_free(&d);
	/* another process of that pid: both start times known and different */
	b.proc.start_time = 999;
	diff_compute(&a, &b, false, &d);
	assert_false(d.same_process);
	diff_free(&d);
	snapshot_free(&a);
	snapshot_free(&b);
}

static void position_round_trips(void **state)
{
	struct vms_snapshot s, t, u;
	struct vms_buf buf = { 0 };
	struct format_state st = { 0 };
	struct format_opts o;
	char why[200], *text = NULL;
	size_t len = 0;
	FILE *f;

	snap(&s, 0xfedcba9876543210ull, 70);
	region(&s, Y, MB, 0);
	log_move(&s, 7, X, MB, Y, MB);
	log_move(&s, 70, Y, MB, Z, 2 * MB);
	snap_encode(&s, &buf);
	snapshot_init(&t);
	assert_int_equal(snap_decode(buf.p, buf.len, &t, why, sizeof(why)), 0);
	assert_int_equal(t.meta->model_id, s.meta->model_id);
	assert_int_equal(t.meta->move_seq, 70);
	assert_int_equal(t.meta->n_moves, 2);
	assert_memory_equal(t.meta->moves, s.meta->moves, 2 * sizeof(*s.meta->moves));
	/* the JSON export carries them, and the import gives them back */
	format_opts_init(&o);
	o.full = true;
	f = open_memstream(&text, &len);
	format_json.print(f, &t, &o, &st);
	fclose(f);
	snapshot_init(&u);
	assert_int_equal(snap_from_json(text, len, &u, why, sizeof(why)), 0);
	assert_int_equal(u.meta->model_id, s.meta->model_id);
	assert_int_equal(u.meta->n_moves, 2);
	assert_memory_equal(u.meta->moves, s.meta->moves, 2 * sizeof(*s.meta->moves));
	snapshot_free(&u);
	free(text);
	snapshot_free(&t);
	buf_free(&buf);
	/* refused: a move after the position, out of order, or without a position */
	s.meta->move_seq = 69;
	snap_encode(&s, &buf);
	snapshot_init(&t);
	assert_int_equal(snap_decode(buf.p, buf.len, &t, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "move 2"));
	buf_free(&buf);
	s.meta->move_seq = 70;
	s.meta->moves[1].seq = 7;
	snap_encode(&s, &buf);
	snapshot_init(&t);
	assert_int_equal(snap_decode(buf.p, buf.len, &t, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "out of order"));
	buf_free(&buf);
	snapshot_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(moved_and_resized),
		cmocka_unit_test(chains_compose),
		cmocka_unit_test(addresses_taken_again),
		cmocka_unit_test(when_events_are_used),
		cmocka_unit_test(position_round_trips),
		cmocka_unit_test(core_against_live),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
