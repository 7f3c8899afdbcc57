// SPDX-License-Identifier: BSD-2-Clause
#include "sort.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

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

/* LSD radix, a byte per pass; a pass whose byte is the same in every key is skipped (user
 * addresses leave the top two bytes 0). */
void vms_sort_by_key(struct vms_sort_ent *a, size_t n)
{
	struct vms_sort_ent *tmp, *src = a, *dst;
	uint64_t all_or = 0, all_and = ~0ULL;

	if (n < 64) {
		insertion(a, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		all_or |= a[i].key;
		all_and &= a[i].key;
	}
	tmp = xmalloc(n * sizeof(*tmp));
	dst = tmp;
	for (unsigned shift = 0; shift < 64; shift += 8) {
		size_t count[256] = { 0 }, pos = 0;

		if ((((all_or ^ all_and) >> shift) & 0xff) == 0)
			continue;
		for (size_t i = 0; i < n; i++)
			count[(src[i].key >> shift) & 0xff]++;
		for (unsigned b = 0; b < 256; b++) {
			size_t c = count[b];

			count[b] = pos;
			pos += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[count[(src[i].key >> shift) & 0xff]++] = src[i];
		{
			struct vms_sort_ent *t = src;

			src = dst;
			dst = t;
		}
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
	free(tmp);
}
