// SPDX-License-Identifier: BSD-2-Clause
#include "diff.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classify.h"
#include "escape.h"
#include "json.h"
#include "snapshot/codec.h"
#include "util.h"

const char *const diff_kinds[DIFF_N_KINDS] = { "image", "mapped-file", "private", "shareable",
					       "heap", "stack", "guard", "vdso", "system" };
static const char *const match_names[] = { "", "address", "file", "size", "model" };
static const char *const what_names[DIFF_N_WHAT] = { "added", "removed", "moved", "grown",
						     "shrunk", "prot", "resident", "split",
						     "merged" };

static int kind_index(const char *k)
{
	for (int i = 0; i < DIFF_N_KINDS; i++)
		if (!strcmp(diff_kinds[i], k))
			return i;
	return DIFF_N_KINDS - 1; /* unknown: system */
}

/* A core file knows a file by its name only (VMS_ABSENT_DEVINO, inode 0). */
static bool is_file(const struct vms_region *r)
{
	return r->inode != 0 || ((r->absent & VMS_ABSENT_DEVINO) && r->name[0] == '/');
}

/* The name first, then dev and inode when both sides know them: a core's file (no dev, no
 * inode) is the live one of its name, and the order stays one order for every pair. */
static int file_cmp(const struct vms_region *x, const struct vms_region *y)
{
	int c = strcmp(x->name, y->name);

	if (c || ((x->absent | y->absent) & VMS_ABSENT_DEVINO))
		return c;
	if (x->dev_major != y->dev_major)
		return x->dev_major < y->dev_major ? -1 : 1;
	if (x->dev_minor != y->dev_minor)
		return x->dev_minor < y->dev_minor ? -1 : 1;
	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	return 0;
}

/* A permission character one side does not know ('?': a core file's) is no change. */
static bool perms_differ(const char *x, const char *y)
{
	for (int i = 0; x[i] || y[i]; i++)
		if (x[i] != y[i] && x[i] != '?' && y[i] != '?')
			return true;
	return false;
}

/* Same start: the same mapping, if both anonymous or both the same file. */
static bool same_identity(const struct vms_region *x, const struct vms_region *y)
{
	if (is_file(x) != is_file(y))
		return false;
	return !is_file(x) || !file_cmp(x, y);
}

/* sort keys of the unmatched "before" regions, for passes 2 and 3 */
static int key_file(const void *p, const void *q)
{
	const struct vms_region *x = *(const struct vms_region *const *)p;
	const struct vms_region *y = *(const struct vms_region *const *)q;
	int c = file_cmp(x, y);

	if (c)
		return c;
	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

static int key_anon(const void *p, const void *q)
{
	const struct vms_region *x = *(const struct vms_region *const *)p;
	const struct vms_region *y = *(const struct vms_region *const *)q;
	int c;

	if (region_size(x) != region_size(y))
		return region_size(x) < region_size(y) ? -1 : 1;
	c = strcmp(x->perms, y->perms);
	if (c)
		return c;
	c = strcmp(x->name, y->name);
	if (c)
		return c;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* rb's key at another start (its size kept): the start is the keys' last criterion */
static void probe_at(struct vms_region *p, const struct vms_region *rb, uint64_t start)
{
	p->start = start;
	p->end = start + region_size(rb);
}

static uint64_t dirty(const struct vms_snapshot *s, const struct vms_region *r)
{
	return region_acct(s, r, ACCT_SHARED_DIRTY) + region_acct(s, r, ACCT_PRIVATE_DIRTY);
}

/* after - before, clamped to int64 (sizes from a file can be anything: no signed overflow) */
static int64_t sdiff(uint64_t after, uint64_t before)
{
	uint64_t m = after >= before ? after - before : before - after;

	if (m > INT64_MAX)
		m = INT64_MAX;
	return after >= before ? (int64_t)m : -(int64_t)m;
}

int64_t diff_delta(uint64_t after, uint64_t before)
{
	return sdiff(after, before);
}

static uint64_t mag(int64_t v)
{
	return v < 0 ? (uint64_t)-v : (uint64_t)v; /* never INT64_MIN: sdiff clamps */
}

static uint64_t weight(const struct diff_entry *e)
{
	uint64_t w = mag(e->d_size), x;

	x = mag(e->d_rss) << 10;
	w = x > w ? x : w;
	x = mag(e->d_dirty) << 10;
	w = x > w ? x : w;
	x = mag(e->d_swap) << 10;
	return x > w ? x : w;
}

static const struct vms_region *entry_region(const struct diff_entry *e)
{
	return e->b ? e->b : e->a;
}

static int entry_cmp(const void *p, const void *q)
{
	const struct diff_entry *x = p, *y = q;
	uint64_t wx = weight(x), wy = weight(y), sx, sy;

	if (wx != wy)
		return wx > wy ? -1 : 1;
	sx = region_size(entry_region(x));
	sy = region_size(entry_region(y));
	if (sx != sy)
		return sx > sy ? -1 : 1;
	if (entry_region(x)->start != entry_region(y)->start)
		return entry_region(x)->start < entry_region(y)->start ? -1 : 1;
	return (x->b != NULL) - (y->b != NULL); /* a removed and an added at one address */
}

static uint64_t type_weight(const struct diff_type *t)
{
	uint64_t ds = mag(sdiff(t->size[1], t->size[0]));
	uint64_t dr = mag(sdiff(t->rss[1], t->rss[0])) << 10;

	return ds > dr ? ds : dr;
}

static int type_cmp(const void *p, const void *q)
{
	uint64_t x = type_weight(p), y = type_weight(q);

	if (x != y)
		return x > y ? -1 : 1;
	return strcmp(((const struct diff_type *)p)->kind, ((const struct diff_type *)q)->kind);
}

void diff_type_sums(const struct vms_snapshot *s, struct diff_type t[DIFF_N_KINDS + 1], int side)
{
	const char **kinds = region_kinds(s);

	for (int k = 0; k <= DIFF_N_KINDS; k++)
		t[k].kind = k < DIFF_N_KINDS ? diff_kinds[k] : "total";
	for (size_t i = 0; i < s->n; i++) {
		const struct vms_region *r = &s->regions[i];
		int k = kind_index(kinds[i]);

		for (int j = 0; j < 2; j++, k = DIFF_N_KINDS) {
			t[k].size[side] += region_size(r);
			t[k].rss[side] += region_acct(s, r, ACCT_RSS);
			t[k].dirty[side] += dirty(s, r);
			t[k].swap[side] += region_acct(s, r, ACCT_SWAP);
			t[k].count[side]++;
		}
	}
	free(kinds);
}

static void add_entry(struct vms_diff *d, size_t *cap, const struct vms_snapshot *a,
		      const struct vms_snapshot *b, const struct vms_region *ra,
		      const struct vms_region *rb, const char *kind, unsigned by, bool all)
{
	struct diff_entry e = { ra, rb, NULL, kind, 0, by, 0, 0, 0, 0 };

	if (ra && rb) {
		if (ra->start != rb->start)
			e.what |= DIFF_MOVED;
		if (region_size(rb) > region_size(ra))
			e.what |= DIFF_GROWN;
		if (region_size(rb) < region_size(ra))
			e.what |= DIFF_SHRUNK;
		if (perms_differ(ra->perms, rb->perms))
			e.what |= DIFF_PROT;
	} else {
		e.what = ra ? DIFF_REMOVED : DIFF_ADDED;
	}
	e.d_size = sdiff(rb ? region_size(rb) : 0, ra ? region_size(ra) : 0);
	if (d->acct) {
		e.d_rss = sdiff(rb ? region_acct(b, rb, ACCT_RSS) : 0, ra ? region_acct(a, ra, ACCT_RSS) : 0);
		e.d_dirty = sdiff(rb ? dirty(b, rb) : 0, ra ? dirty(a, ra) : 0);
		e.d_swap = sdiff(rb ? region_acct(b, rb, ACCT_SWAP) : 0, ra ? region_acct(a, ra, ACCT_SWAP) : 0);
		if (!e.what && (e.d_rss || e.d_dirty || e.d_swap))
			e.what = DIFF_ACCT;
	}
	if (!e.what && !all)
		return;
	for (int i = 0; i < DIFF_N_WHAT; i++)
		if (e.what & (1u << i))
			d->n_what[i]++;
	if (e.matched == DIFF_BY_MODEL && ra && rb)
		d->n_by_model++;
	if (d->n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		d->e = xrealloc(d->e, *cap * sizeof(*d->e));
	}
	d->e[d->n++] = e;
}

/* The region of s holding [r->start, r->end) entirely, if it is r's kind of mapping (and for
 * a file, at the offset r's start implies). */
static const struct vms_region *container(const struct vms_snapshot *s, const struct vms_region *r)
{
	size_t lo = 0, hi = s->n;
	const struct vms_region *c;

	while (lo < hi) { /* the last region starting at or below r->start */
		size_t mid = (lo + hi) / 2;

		if (s->regions[mid].start <= r->start)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	c = &s->regions[lo - 1];
	if (r->end > c->end || !same_identity(c, r) || (c->start == r->start && c->end == r->end))
		return NULL;
	if (is_file(r) && r->offset - c->offset != r->start - c->start)
		return NULL;
	return c;
}

static void relabel(struct vms_diff *d, unsigned from, unsigned to, struct diff_entry *e)
{
	for (int i = 0; i < DIFF_N_WHAT; i++)
		if (e->what & (1u << i))
			d->n_what[i]--;
	e->what = (e->what & ~from) | to;
	for (int i = 0; i < DIFF_N_WHAT; i++)
		if (e->what & (1u << i))
			d->n_what[i]++;
}

/* Added regions inside one before: split off it; removed ones inside one after: merged in. */
static void splits_and_merges(struct vms_diff *d, const struct vms_snapshot *a,
			      const struct vms_snapshot *b)
{
	for (size_t i = 0; i < d->n; i++) {
		struct diff_entry *e = &d->e[i];
		const struct vms_region *c;

		if (e->what == DIFF_ADDED && (c = container(a, e->b))) {
			relabel(d, DIFF_ADDED, DIFF_SPLIT | (perms_differ(c->perms, e->b->perms) ? DIFF_PROT : 0), e);
			e->from = c;
			for (size_t j = 0; j < d->n; j++) /* the part that kept the start */
				if (d->e[j].a == c && d->e[j].b && (d->e[j].what & DIFF_SHRUNK))
					relabel(d, DIFF_SHRUNK, DIFF_SPLIT, &d->e[j]);
		} else if (e->what == DIFF_REMOVED && e->matched != DIFF_BY_MODEL &&
			   (c = container(b, e->a))) {
			relabel(d, DIFF_REMOVED, DIFF_MERGED | (perms_differ(c->perms, e->a->perms) ? DIFF_PROT : 0), e);
			e->from = c;
			for (size_t j = 0; j < d->n; j++)
				if (d->e[j].b == c && d->e[j].a && (d->e[j].what & DIFF_GROWN))
					relabel(d, DIFF_GROWN, DIFF_MERGED, &d->e[j]);
		}
	}
}

static bool str_eq(const char *x, const char *y)
{
	return x && y && !strcmp(x, y);
}

/* ---- the model's events ------------------------------------------------------------------------ */

static bool has_pos(const struct vms_snapshot *s)
{
	return s->meta && s->meta->model_id;
}

void diff_moves_free(struct diff_moves *mv)
{
	free(mv->m);
	mv->m = NULL;
	mv->n = 0;
}

int diff_events(const struct vms_snapshot *a, const struct vms_snapshot *b, struct diff_moves *mv,
		char *why, size_t len)
{
	const struct vms_snapshot *later;
	uint64_t lo, hi, need;
	size_t first = 0, got = 0;
	bool back;

	mv->m = NULL;
	mv->n = 0;
	why[0] = '\0';
	if (!has_pos(a) && !has_pos(b))
		return 0;
	if (!has_pos(a) || !has_pos(b)) {
		snprintf(why, len, "the %s snapshot was taken without the live model tracking the process",
			 has_pos(a) ? "second" : "first");
		return 0;
	}
	if (a->proc.pid != b->proc.pid || a->proc.start_time != b->proc.start_time ||
	    !a->meta->boot_id || !b->meta->boot_id || strcmp(a->meta->boot_id, b->meta->boot_id)) {
		snprintf(why, len, "the snapshots are not of the same process");
		return -1;
	}
	if (a->meta->model_id != b->meta->model_id) {
		snprintf(why, len, "the live model was restarted between the snapshots (its log is another)");
		return -1;
	}
	back = a->meta->move_seq > b->meta->move_seq;
	later = back ? a : b;
	lo = back ? b->meta->move_seq : a->meta->move_seq;
	hi = later->meta->move_seq;
	need = hi - lo;
	for (size_t i = 0; i < later->meta->n_moves; i++) { /* seq ascending (the codec checks) */
		uint64_t q = later->meta->moves[i].seq;

		if (q <= lo)
			first = i + 1;
		else if (q <= hi)
			got++;
	}
	if (got != need) {
		snprintf(why, len, "%llu moves between the snapshots, the model's log kept %zu of them "
			 "(it keeps a process's last 64, and an exec empties it)",
			 (unsigned long long)need, got);
		return -1;
	}
	if (!need)
		return 1;
	mv->m = xmalloc(need * sizeof(*mv->m));
	for (size_t i = 0; i < need; i++) {
		const struct vms_snapmove *m = &later->meta->moves[back ? first + need - 1 - i : first + i];

		mv->m[i] = *m;
		if (back) { /* undone, newest first */
			mv->m[i].old_start = m->new_start;
			mv->m[i].old_len = m->new_len;
			mv->m[i].new_start = m->old_start;
			mv->m[i].new_len = m->old_len;
		}
	}
	mv->n = need;
	return 1;
}

/* The index of the first region of s starting at or above start (s->n: none). */
static size_t from_start(const struct vms_snapshot *s, uint64_t start)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (s->regions[mid].start < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The index of the region of s starting at start, or -1. */
static ssize_t at_start(const struct vms_snapshot *s, uint64_t start)
{
	size_t i = from_start(s, start);

	return i < s->n && s->regions[i].start == start ? (ssize_t)i : -1;
}

/*
 * Pass 0: the regions of a the moves carried. A move takes the region that starts at its old
 * address then: one followed so far, else the region of a starting there (once: a region of a
 * moved away, its address taken again by a new mapping, is not the one moved next). A move's
 * destination ends what was there (MREMAP_FIXED). A region of a followed to the start of a region
 * of b of its kind (anonymous, or the same file) is matched with it. Unmaps are not logged: a
 * region unmapped and mapped again at its address before it moves counts as the same.
 */
static void model_pass(const struct vms_snapshot *a, const struct vms_snapshot *b,
		       const struct diff_moves *mv, ssize_t *match_b, bool *used_a, unsigned *by,
		       bool *gone_a)
{
	struct follow { size_t ai; uint64_t cur; bool gone; } *t;
	bool *taken, *followed;
	size_t nt = 0;

	if (!mv || !mv->n || !a->n || !b->n)
		return;
	t = xmalloc(mv->n * sizeof(*t));
	taken = xcalloc(a->n, sizeof(*taken));
	followed = xcalloc(a->n, sizeof(*followed));
	for (size_t i = 0; i < mv->n; i++) {
		const struct vms_snapmove *m = &mv->m[i];
		uint64_t dend = m->new_start + m->new_len < m->new_start ? UINT64_MAX
									  : m->new_start + m->new_len;
		ssize_t k = -1, ai;

		for (size_t j = 0; j < nt && k < 0; j++)
			if (!t[j].gone && t[j].cur == m->old_start)
				k = (ssize_t)j;
		if (k < 0 && (ai = at_start(a, m->old_start)) >= 0 && !taken[ai]) {
			taken[ai] = true;
			followed[ai] = true;
			t[nt] = (struct follow){ (size_t)ai, m->old_start, false };
			k = (ssize_t)nt++;
		}
		for (size_t j = 0; j < nt; j++) /* what the destination replaced */
			if ((ssize_t)j != k && t[j].cur >= m->new_start && t[j].cur < dend)
				t[j].gone = true;
		/* the regions of a there: gone by then */
		for (size_t x = from_start(a, m->new_start); x < a->n && a->regions[x].start < dend; x++)
			if (k < 0 || x != t[k].ai)
				taken[x] = true;
		if (k >= 0)
			t[k].cur = m->new_start;
	}
	for (size_t j = 0; j < nt; j++) {
		const struct vms_region *ra = &a->regions[t[j].ai];
		ssize_t bi = t[j].gone ? -1 : at_start(b, t[j].cur);

		if (t[j].gone)
			gone_a[t[j].ai] = true;
		if (bi < 0 || match_b[bi] >= 0 || used_a[t[j].ai] || !same_identity(ra, &b->regions[bi]))
			continue;
		match_b[bi] = (ssize_t)t[j].ai;
		used_a[t[j].ai] = true;
		by[bi] = DIFF_BY_MODEL;
	}
	/* replaced by a move's destination before any move of theirs: removed, for sure */
	for (size_t i = 0; i < a->n; i++)
		if (taken[i] && !followed[i])
			gone_a[i] = true;
	free(t);
	free(taken);
	free(followed);
}

void diff_compute(const struct vms_snapshot *a, const struct vms_snapshot *b, bool all,
		  struct vms_diff *d)
{
	struct diff_moves mv;
	char why[sizeof(d->events_why)];
	int ev = diff_events(a, b, &mv, why, sizeof(why));

	diff_compute_moves(a, b, ev > 0 ? &mv : NULL, all, d);
	d->events = ev;
	d->n_moves = mv.n;
	snprintf(d->events_why, sizeof(d->events_why), "%s", why);
	diff_moves_free(&mv);
}

void diff_compute_moves(const struct vms_snapshot *a, const struct vms_snapshot *b,
			const struct diff_moves *mv, bool all, struct vms_diff *d)
{
	const char **ka = region_kinds(a), **kb = region_kinds(b);
	ssize_t *match_b = xmalloc((b->n ? b->n : 1) * sizeof(*match_b)); /* b -> a index */
	unsigned *by = xcalloc(b->n ? b->n : 1, sizeof(*by));
	bool *used_a = xcalloc(a->n ? a->n : 1, sizeof(*used_a));
	bool *gone_a = xcalloc(a->n ? a->n : 1, sizeof(*gone_a)); /* the model says: removed */
	const struct vms_region **pool = xmalloc((a->n ? a->n : 1) * sizeof(*pool));
	size_t cap = 0, np, j = 0;

	memset(d, 0, sizeof(*d));
	d->events = mv ? 1 : 0;
	d->n_moves = mv ? mv->n : 0;
	d->acct = a->has_acct && b->has_acct && !a->acct_absent && !b->acct_absent; /* a core: none */
	/* a start time of 0 is unknown (a core file records none): the pid and boot decide */
	d->same_process = a->proc.pid == b->proc.pid &&
			  (a->proc.start_time == b->proc.start_time || !a->proc.start_time ||
			   !b->proc.start_time) &&
			  (!a->meta || !b->meta || !a->meta->boot_id || !b->meta->boot_id ||
			   str_eq(a->meta->boot_id, b->meta->boot_id));

	for (size_t i = 0; i < b->n; i++)
		match_b[i] = -1;
	model_pass(a, b, mv, match_b, used_a, by, gone_a);
	/* 1: the same start (both lists are sorted by address) */
	for (size_t i = 0; i < b->n; i++) {
		while (j < a->n && a->regions[j].start < b->regions[i].start)
			j++;
		if (match_b[i] < 0 && j < a->n && !used_a[j] && !gone_a[j] &&
		    a->regions[j].start == b->regions[i].start &&
		    same_identity(&a->regions[j], &b->regions[i])) {
			match_b[i] = (ssize_t)j;
			used_a[j] = true;
			by[i] = DIFF_BY_ADDRESS;
		}
	}
	/* 2 and 3: moves; the unmatched of a sorted by the key, each b bsearches its first */
	for (int pass = 0; pass < 2; pass++) {
		int (*cmp)(const void *, const void *) = pass ? key_anon : key_file;

		np = 0;
		for (size_t i = 0; i < a->n; i++)
			if (!used_a[i] && !gone_a[i] && is_file(&a->regions[i]) == !pass)
				pool[np++] = &a->regions[i];
		qsort(pool, np, sizeof(*pool), cmp);
		for (size_t i = 0; i < b->n && np; i++) {
			const struct vms_region *rb = &b->regions[i], *best = NULL;
			struct vms_region probe;
			const struct vms_region *pp = &probe;
			size_t lo = 0, hi = np;
			uint64_t best_d = UINT64_MAX;

			if (match_b[i] >= 0 || is_file(rb) == !!pass || container(a, rb))
				continue; /* matched, or split off a region: no move */
			probe = *rb;
			probe_at(&probe, rb, 0); /* the first candidate of this key */
			while (lo < hi) {
				size_t mid = (lo + hi) / 2;

				if (cmp(&pool[mid], &pp) < 0)
					lo = mid + 1;
				else
					hi = mid;
			}
			for (size_t k = lo; k < np; k++) {
				const struct vms_region *c = pool[k];
				uint64_t dist;

				probe_at(&probe, rb, c->start);
				if (cmp(&pool[k], &pp))
					break;
				if (used_a[c - a->regions])
					continue;
				/* anon: the closest resident size, then address */
				dist = mag(sdiff(region_acct(a, c, ACCT_RSS), region_acct(b, rb, ACCT_RSS)));
				if (!best || dist < best_d) {
					best = c;
					best_d = dist;
				}
				if (!pass)
					break; /* a file: its first unmatched mapping of that offset */
			}
			if (best) {
				match_b[i] = best - a->regions;
				used_a[best - a->regions] = true;
				by[i] = pass ? DIFF_BY_SIZE : DIFF_BY_FILE;
			}
		}
	}

	for (size_t i = 0; i < b->n; i++)
		add_entry(d, &cap, a, b, match_b[i] >= 0 ? &a->regions[match_b[i]] : NULL,
			  &b->regions[i], kb[i], by[i], all);
	for (size_t i = 0; i < a->n; i++)
		if (!used_a[i])
			add_entry(d, &cap, a, b, &a->regions[i], NULL, ka[i],
				  gone_a[i] ? DIFF_BY_MODEL : DIFF_BY_NONE, all);
	splits_and_merges(d, a, b);
	if (d->n)
		qsort(d->e, d->n, sizeof(*d->e), entry_cmp);

	diff_type_sums(a, d->types, 0);
	diff_type_sums(b, d->types, 1);
	qsort(d->types, DIFF_N_KINDS, sizeof(d->types[0]), type_cmp);
	free(ka);
	free(kb);
	free(match_b);
	free(by);
	free(used_a);
	free(gone_a);
	free(pool);
}

void diff_free(struct vms_diff *d)
{
	free(d->e);
	memset(d, 0, sizeof(*d));
}

const char *diff_what_str(unsigned what, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (int i = 0; i < DIFF_N_WHAT; i++)
		if (what & (1u << i))
			at += (size_t)snprintf(buf + at, at < len ? len - at : 0, "%s%s", at ? "+" : "",
					       what_names[i]);
	if (!at)
		snprintf(buf, len, "same");
	return buf;
}

/* ---- output ------------------------------------------------------------------------------------ */

static double elapsed(const struct vms_snapshot *a, const struct vms_snapshot *b)
{
	if (!a->meta || !b->meta || !a->meta->time_ns || !b->meta->time_ns)
		return 0;
	return ((double)b->meta->time_ns - (double)a->meta->time_ns) / 1e9;
}

static void stamp(const struct vms_snapshot *s, char *buf, size_t len)
{
	time_t t;
	struct tm tm;

	if (!s->meta || !s->meta->time_ns) {
		snprintf(buf, len, "?");
		return;
	}
	t = (time_t)(s->meta->time_ns / 1000000000ull);
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void signed_kb(FILE *f, int width, int64_t v, bool known)
{
	if (!known)
		fprintf(f, " %*s", width, "-");
	else
		fprintf(f, " %+*" PRId64, width, v);
}

void diff_print_text(FILE *f, const struct vms_snapshot *a, const struct vms_snapshot *b,
		     const struct vms_diff *d)
{
	char ta[32], tb[32], what[64];
	char *comm = vms_escape_dup(b->proc.comm, strlen(b->proc.comm), VMS_ESC_TEXT);

	stamp(a, ta, sizeof(ta));
	stamp(b, tb, sizeof(tb));
	fprintf(f, "PID %d (%s): %s -> %s (%.2f s)%s\n", (int)b->proc.pid, comm, ta, tb,
		elapsed(a, b), d->same_process ? "" : "  [not the same process]");
	free(comm);
	fprintf(f, "%u added, %u removed, %u moved, %u grown, %u shrunk, %u protection changed, "
		"%u resident only, %u split, %u merged\n", d->n_what[0], d->n_what[1], d->n_what[2],
		d->n_what[3], d->n_what[4], d->n_what[5], d->n_what[6], d->n_what[7], d->n_what[8]);
	if (d->events > 0 && d->n_moves)
		fprintf(f, "The model's events: %zu move%s by mremap between the snapshots, %u region%s "
			"followed by them\n", d->n_moves, d->n_moves == 1 ? "" : "s", d->n_by_model,
			d->n_by_model == 1 ? "" : "s");
	else if (d->events < 0)
		fprintf(f, "The model's events were not used: %s\n", d->events_why);
	fputc('\n', f);
	if (d->n) {
		fprintf(f, "%-16s %-16s %10s %10s %9s %9s %9s %-4s  %s\n", "Change", "Address",
			"Kbytes", "dKbytes", "dRSS", "dDirty", "dSwap", "Perm", "Mapping");
		for (size_t i = 0; i < d->n; i++) {
			const struct diff_entry *e = &d->e[i];
			const struct vms_region *r = entry_region(e);
			char *name = vms_escape_dup(r->name, strlen(r->name), VMS_ESC_TEXT);

			fprintf(f, "%-16s %016" PRIx64 " %10" PRIu64, diff_what_str(e->what, what, sizeof(what)),
				r->start, region_size(r) >> 10);
			signed_kb(f, 10, e->d_size / 1024, true);
			signed_kb(f, 9, e->d_rss, d->acct);
			signed_kb(f, 9, e->d_dirty, d->acct);
			signed_kb(f, 9, e->d_swap, d->acct);
			fprintf(f, " %-4s  %s", r->perms, name[0] ? name : "[anon]");
			if (e->what & DIFF_MOVED)
				fprintf(f, " (from %" PRIx64 ")%s", e->a->start,
					e->matched == DIFF_BY_MODEL ? " (followed by the model's events)" : "");
			if (e->a && e->b && (e->what & DIFF_PROT))
				fprintf(f, " (was %s)", e->a->perms);
			if (e->a && e->b && (e->what & (DIFF_GROWN | DIFF_SHRUNK | DIFF_SPLIT | DIFF_MERGED)))
				fprintf(f, " (was %" PRIu64 " kB)", region_size(e->a) >> 10);
			if (e->from && (e->what & DIFF_SPLIT))
				fprintf(f, " (split off %" PRIx64 "-%" PRIx64 " %s)", e->from->start,
					e->from->end, e->from->perms);
			if (e->from && (e->what & DIFF_MERGED))
				fprintf(f, " (merged into %" PRIx64 "-%" PRIx64 " %s)", e->from->start,
					e->from->end, e->from->perms);
			fputc('\n', f);
			free(name);
		}
		fputc('\n', f);
	}
	fprintf(f, "%-12s %12s %12s %10s %10s %10s %9s %9s %9s\n", "Type", "Kbytes-before",
		"Kbytes-after", "dKbytes", "RSS-before", "RSS-after", "dRSS", "dDirty", "dSwap");
	for (int k = 0; k <= DIFF_N_KINDS; k++) {
		const struct diff_type *t = &d->types[k];

		if (!t->count[0] && !t->count[1])
			continue;
		fprintf(f, "%-12s %12" PRIu64 " %12" PRIu64, t->kind, t->size[0] >> 10, t->size[1] >> 10);
		signed_kb(f, 10, sdiff(t->size[1] >> 10, t->size[0] >> 10), true);
		if (d->acct)
			fprintf(f, " %10" PRIu64 " %10" PRIu64, t->rss[0], t->rss[1]);
		else
			fprintf(f, " %10s %10s", "-", "-");
		signed_kb(f, 9, sdiff(t->rss[1], t->rss[0]), d->acct);
		signed_kb(f, 9, sdiff(t->dirty[1], t->dirty[0]), d->acct);
		signed_kb(f, 9, sdiff(t->swap[1], t->swap[0]), d->acct);
		fputc('\n', f);
	}
}

static void json_side(struct json_writer *w, const char *key, const struct vms_snapshot *s)
{
	json_key(w, key);
	json_obj_begin(w);
	json_kv_u64(w, "pid", (uint64_t)s->proc.pid);
	json_kv_str(w, "comm", s->proc.comm);
	json_key(w, "start_time");
	if (s->proc.start_time)
		json_u64(w, s->proc.start_time);
	else
		json_null(w); /* unknown: a core file records none */
	json_kv_str(w, "boot_id", s->meta ? s->meta->boot_id : NULL);
	json_kv_u64(w, "time_ns", s->meta ? s->meta->time_ns : 0);
	json_kv_u64(w, "regions", s->n);
	json_obj_end(w);
}

static void json_kv_i64(struct json_writer *w, const char *k, int64_t v)
{
	json_key(w, k);
	json_i64(w, v);
}

void diff_print_json(FILE *f, const struct vms_snapshot *a, const struct vms_snapshot *b,
		     const struct vms_diff *d)
{
	struct json_writer w;

	json_init(&w, f);
	json_obj_begin(&w);
	json_side(&w, "before", a);
	json_side(&w, "after", b);
	json_key(&w, "seconds");
	json_double(&w, elapsed(a, b));
	json_kv_bool(&w, "same_process", d->same_process);
	json_kv_bool(&w, "accounting", d->acct);
	json_key(&w, "model_events");
	json_obj_begin(&w);
	json_kv_bool(&w, "used", d->events > 0);
	json_kv_u64(&w, "moves", d->n_moves);
	json_kv_u64(&w, "matched", d->n_by_model);
	json_kv_str(&w, "why", d->events_why[0] ? d->events_why : NULL);
	json_obj_end(&w);
	json_key(&w, "summary");
	json_obj_begin(&w);
	for (int i = 0; i < DIFF_N_WHAT; i++)
		json_kv_u64(&w, what_names[i], d->n_what[i]);
	json_obj_end(&w);
	json_key(&w, "regions");
	json_arr_begin(&w);
	for (size_t i = 0; i < d->n; i++) {
		const struct diff_entry *e = &d->e[i];
		const struct vms_region *r = entry_region(e);

		json_obj_begin(&w);
		json_key(&w, "change");
		json_arr_begin(&w);
		for (int k = 0; k < DIFF_N_WHAT; k++)
			if (e->what & (1u << k))
				json_str(&w, what_names[k]);
		json_arr_end(&w);
		json_kv_str(&w, "kind", e->kind);
		json_kv_hex(&w, "start", r->start);
		json_kv_hex(&w, "end", r->end);
		json_kv_str(&w, "perm", r->perms);
		json_kv_str(&w, "name", r->name);
		if (e->a && e->b) {
			json_kv_hex(&w, "old_start", e->a->start);
			json_kv_hex(&w, "old_end", e->a->end);
			json_kv_str(&w, "old_perm", e->a->perms);
			json_kv_str(&w, "matched", match_names[e->matched]);
		}
		if (e->from) { /* split off it, or merged into it */
			json_kv_hex(&w, "from_start", e->from->start);
			json_kv_hex(&w, "from_end", e->from->end);
			json_kv_str(&w, "from_perm", e->from->perms);
		}
		json_kv_u64(&w, "size_kb", region_size(r) >> 10);
		json_kv_i64(&w, "d_size_kb", e->d_size / 1024);
		if (d->acct) {
			json_kv_i64(&w, "d_rss_kb", e->d_rss);
			json_kv_i64(&w, "d_dirty_kb", e->d_dirty);
			json_kv_i64(&w, "d_swap_kb", e->d_swap);
		}
		json_obj_end(&w);
	}
	json_arr_end(&w);
	json_key(&w, "types");
	json_arr_begin(&w);
	for (int k = 0; k <= DIFF_N_KINDS; k++) {
		const struct diff_type *t = &d->types[k];

		json_obj_begin(&w);
		json_kv_str(&w, "kind", t->kind);
		json_kv_u64(&w, "regions_before", t->count[0]);
		json_kv_u64(&w, "regions_after", t->count[1]);
		json_kv_u64(&w, "size_kb_before", t->size[0] >> 10);
		json_kv_u64(&w, "size_kb_after", t->size[1] >> 10);
		json_kv_i64(&w, "d_size_kb", sdiff(t->size[1] >> 10, t->size[0] >> 10));
		if (d->acct) {
			json_kv_u64(&w, "rss_kb_before", t->rss[0]);
			json_kv_u64(&w, "rss_kb_after", t->rss[1]);
			json_kv_i64(&w, "d_rss_kb", sdiff(t->rss[1], t->rss[0]));
			json_kv_i64(&w, "d_dirty_kb", sdiff(t->dirty[1], t->dirty[0]));
			json_kv_i64(&w, "d_swap_kb", sdiff(t->swap[1], t->swap[0]));
		}
		json_obj_end(&w);
	}
	json_arr_end(&w);
	json_obj_end(&w);
	fputc('\n', f);
}
