// SPDX-License-Identifier: BSD-2-Clause
#include "sort.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define DIGIT_BITS 12	/* 4,096 counters (32 KiB) stay in L1; 36 bits of page number: 3 passes */

static void insertion(struct vms_sort_ent *a, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct vms_sort_ent e = a[i];
		size_t j = i;

		for (; j > 0 && a[j - 1].key > e.key; j--)
			a[j] = a[j - 1];
		a[j] = e;
	}
}

/* The starts of a's ascending runs in bounds[0..r), bounds[r] = n: r, or 0 past max runs. */
static size_t ascending_runs(const struct vms_sort_ent *a, size_t n, size_t *bounds, size_t max)
{
	size_t r = 0;

	bounds[r++] = 0;
	for (size_t i = 1; i < n; i++)
		if (a[i].key < a[i - 1].key) {
			if (r == max)
				return 0;
			bounds[r++] = i;
		}
	bounds[r] = n;
	return r;
}

static bool descending(const struct vms_sort_ent *a, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (a[i - 1].key <= a[i].key)
			return false;
	return true;
}

/* Merges adjacent runs, pairwise, until one is left (stable: the left one's first on a tie). */
static void merge_runs(struct vms_sort_ent *a, struct vms_sort_ent *tmp, size_t n, size_t *bounds,
		       size_t r)
{
	struct vms_sort_ent *src = a, *dst = tmp;

	while (r > 1) {
		size_t w = 0;

		for (size_t k = 0; k < r; k += 2) {
			size_t i = bounds[k], mid = bounds[k + 1 < r ? k + 1 : r], j = mid;
			size_t end = bounds[k + 2 <= r ? k + 2 : r], o = i;

			while (i < mid && j < end)
				dst[o++] = src[j].key < src[i].key ? src[j++] : src[i++];
			memcpy(dst + o, src + i, (mid - i) * sizeof(*dst));
			o += mid - i;
			memcpy(dst + o, src + j, (end - j) * sizeof(*dst));
			bounds[w++] = bounds[k];
		}
		bounds[w] = n;
		r = w;
		{
			struct vms_sort_ent *t = src;

			src = dst;
			dst = t;
		}
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
}

/*
 * LSD radix over the bits that differ between keys only (page-aligned addresses share their low
 * 12 and top 17), 12 bits a pass; but where the keys come in a few ascending runs (a process's
 * slab slots, taken as it mapped: 60,000 of them in 7 runs), or in reverse order, the runs are
 * merged instead: 3 passes where radix makes 7, none of them scattered.
 */
void vms_sort_by_key(struct vms_sort_ent *a, size_t n)
{
	vms_sort_by_key_tmp(a, n, NULL);
}

void vms_sort_by_key_tmp(struct vms_sort_ent *a, size_t n, struct vms_sort_ent *scratch)
{
	struct vms_sort_ent *tmp, *src = a, *dst;
	uint64_t all_or = 0, all_and = ~0ULL, differ;
	size_t max_runs = n / 64 + 1, *bounds, r;

	if (n < 64) {
		insertion(a, n);
		return;
	}
	if (descending(a, n)) {
		for (size_t i = 0, j = n - 1; i < j; i++, j--) {
			struct vms_sort_ent t = a[i];

			a[i] = a[j];
			a[j] = t;
		}
		return;
	}
	bounds = xmalloc((max_runs + 1) * sizeof(*bounds));
	r = ascending_runs(a, n, bounds, max_runs);
	if (r) {
		if (r > 1) {
			tmp = scratch ? scratch : xmalloc(n * sizeof(*tmp));
			merge_runs(a, tmp, n, bounds, r);
			if (!scratch)
				free(tmp);
		}
		free(bounds);
		return;
	}
	free(bounds);
	for (size_t i = 0; i < n; i++) {
		all_or |= a[i].key;
		all_and &= a[i].key;
	}
	differ = all_or ^ all_and;	/* not 0: not in one run */
	tmp = scratch ? scratch : xmalloc(n * sizeof(*tmp));
	dst = tmp;
	for (unsigned shift = (unsigned)__builtin_ctzll(differ); shift < 64 && differ >> shift;
	     shift += DIGIT_BITS) {
		size_t count[1u << DIGIT_BITS] = { 0 }, pos = 0;
		const uint64_t mask = (1u << DIGIT_BITS) - 1;

		for (size_t i = 0; i < n; i++)
			count[(src[i].key >> shift) & mask]++;
		if (count[(src[0].key >> shift) & mask] == n)
			continue; /* one digit for all: nothing to move */
		for (size_t b = 0; b <= mask; b++) {
			size_t c = count[b];

			count[b] = pos;
			pos += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[count[(src[i].key >> shift) & mask]++] = src[i];
		{
			struct vms_sort_ent *t = src;

			src = dst;
			dst = t;
		}
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
	if (!scratch)
		free(tmp);
}
