// SPDX-License-Identifier: BSD-2-Clause
#include "region.h"

#include <stdlib.h>
#include <string.h>

#include "snapshot/codec.h"
#include "util.h"

static const char *const acct_names[ACCT__COUNT] = {
	[ACCT_SIZE] = "Size", [ACCT_RSS] = "Rss", [ACCT_PSS] = "Pss",
	[ACCT_SHARED_CLEAN] = "Shared_Clean", [ACCT_SHARED_DIRTY] = "Shared_Dirty",
	[ACCT_PRIVATE_CLEAN] = "Private_Clean", [ACCT_PRIVATE_DIRTY] = "Private_Dirty",
	[ACCT_ANONYMOUS] = "Anonymous", [ACCT_SWAP] = "Swap", [ACCT_LOCKED] = "Locked",
};

void snapshot_init(struct vms_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < ACCT__COUNT; i++)
		s->acct_idx[i] = -1;
}

const struct vms_region_more vms_region_more_none;

struct vms_region_more *region_more_set(struct vms_region *r)
{
	if (!r->more)
		r->more = xcalloc(1, sizeof(*r->more));
	return r->more;
}

void region_more_trim(struct vms_region *r)
{
	const struct vms_region_more *m = r->more;

	if (m && !m->vmflags && !m->faults_min && !m->faults_maj && !m->faults_read &&
	    !m->faults_write && !m->faults_exec && !m->numa && !m->psize) {
		free(r->more);
		r->more = NULL;
	}
}

/* Frees what a region owns (its name, accounting and extras); not the region itself. */
static void region_free_fields(struct vms_region *r)
{
	region_name_free(r->name);
	free(r->acct);
	if (r->more) {
		free(r->more->vmflags);
		free(r->more->numa);
		free(r->more->psize);
		free(r->more);
	}
}

void snapshot_truncate(struct vms_snapshot *s, size_t n)
{
	while (s->n > n)
		region_free_fields(&s->regions[--s->n]);
}

void snapshot_free_regions(struct vms_snapshot *s)
{
	snapshot_truncate(s, 0);
	free(s->regions);
	s->regions = NULL;
	s->n = s->cap = 0;
}

void snapshot_free(struct vms_snapshot *s)
{
	snapshot_free_regions(s);
	for (size_t i = 0; i < s->n_keys; i++)
		free(s->acct_keys[i]);
	free(s->acct_keys);
	free(s->acct_is_kb);
	free(s->proc.cmdline);
	free(s->threads);
	snapmeta_free(s->meta);
	snapshot_init(s);
}

char vms_region_noname[1];

char *region_name_dup(const char *name, size_t len)
{
	return len ? xstrndup(name, len) : vms_region_noname;
}

void region_name_free(char *name)
{
	if (name != vms_region_noname)
		free(name);
}

void snapshot_reserve(struct vms_snapshot *s, size_t n)
{
	if (s->cap - s->n < n) {
		s->cap = s->n + n;
		s->regions = xrealloc(s->regions, s->cap * sizeof(*s->regions));
	}
}

struct vms_region *snapshot_add(struct vms_snapshot *s)
{
	struct vms_region *r;

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->regions = xrealloc(s->regions, s->cap * sizeof(*s->regions));
	}
	r = &s->regions[s->n++];
	memset(r, 0, sizeof(*r));
	return r;
}

struct vms_thread *snapshot_add_thread(struct vms_snapshot *s, int tid)
{
	struct vms_thread *t;

	s->threads = xrealloc(s->threads, (s->n_threads + 1) * sizeof(*s->threads));
	t = &s->threads[s->n_threads++];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	return t;
}

void run_add(struct vms_run **runs, uint32_t *n, uint64_t start, uint64_t end, uint64_t value)
{
	struct vms_run *last = *n ? &(*runs)[*n - 1] : NULL;

	if (end <= start)
		return;
	if (last && last->end == start && last->value == value) {
		last->end = end;
		return;
	}
	/* grows by doubling: the count is a power of two whenever the array is full */
	if ((*n & (*n - 1)) == 0)
		*runs = xrealloc(*runs, (*n ? 2 * (size_t)*n : 1) * sizeof(**runs));
	(*runs)[(*n)++] = (struct vms_run){ start, end, value };
}

int snapshot_acct_key(struct vms_snapshot *s, const char *key, bool is_kb)
{
	size_t i;

	for (i = 0; i < s->n_keys; i++)
		if (!strcmp(s->acct_keys[i], key))
			return (int)i;
	s->acct_keys = xrealloc(s->acct_keys, (s->n_keys + 1) * sizeof(*s->acct_keys));
	s->acct_is_kb = xrealloc(s->acct_is_kb, (s->n_keys + 1) * sizeof(*s->acct_is_kb));
	s->acct_keys[s->n_keys] = xstrdup(key);
	s->acct_is_kb[s->n_keys] = is_kb;
	for (int f = 0; f < ACCT__COUNT; f++)
		if (!strcmp(acct_names[f], key))
			s->acct_idx[f] = (int)s->n_keys;
	/* Regions parsed before this key appeared get room for it (value 0). */
	for (size_t r = 0; r < s->n; r++)
		if (s->regions[r].acct) {
			s->regions[r].acct = xrealloc(s->regions[r].acct,
						      (s->n_keys + 1) * sizeof(uint64_t));
			s->regions[r].acct[s->n_keys] = 0;
		}
	return (int)s->n_keys++;
}

uint64_t region_acct(const struct vms_snapshot *s, const struct vms_region *r, enum vms_acct_field f)
{
	int i = s->acct_idx[f];

	if (i < 0 || !r->acct)
		return 0;
	return r->acct[i];
}

bool snapshot_acct_absent(const struct vms_snapshot *s, size_t key)
{
	return s->acct_absent && key < s->n_keys && strcmp(s->acct_keys[key], "Size");
}
