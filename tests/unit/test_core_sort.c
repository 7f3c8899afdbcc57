// SPDX-License-Identifier: BSD-2-Clause
/* The region readers' sort (core/sort.c) against qsort, and the printf-free number formatting
 * of the formats (core/format/fast.h) against printf. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sort.h"
#include "core/format/fast.h"

static int cmp_ent(const void *a, const void *b)
{
	const struct vms_sort_ent *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx; /* stable: the input order */
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void sort_matches_qsort(void **state)
{
	static const size_t sizes[] = { 0, 1, 2, 63, 64, 65, 1000, 70000 };
	uint64_t seed = 88172645463325252ULL;

	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t n = sizes[k];
		struct vms_sort_ent *a = calloc(n + 1, sizeof(*a)), *b = calloc(n + 1, sizeof(*b));

		for (size_t i = 0; i < n; i++) {
			/* page-aligned user addresses, some repeated, and a few full 64-bit keys */
			uint64_t v = (rnd(&seed) & 0x7ffffffff000ULL) >> (i % 3 ? 0 : 20);

			a[i] = (struct vms_sort_ent){ .key = i % 97 ? v : ~0ULL - i % 5, .idx = i };
		}
		memcpy(b, a, n * sizeof(*a));
		vms_sort_by_key(a, n);
		qsort(b, n, sizeof(*b), cmp_ent);
		assert_memory_equal(a, b, n * sizeof(*a) + 1);
		free(a);
		free(b);
	}
}

/* Keys of one of the shapes a reader sees: in order, in reverse order, in a few ascending runs
 * (a process's slab slots), equal keys across runs (stability), and reversed but for one pair. */
static uint64_t shaped_key(int shape, size_t i, size_t n)
{
	const uint64_t base = 0x7f0000000000ULL;

	switch (shape) {
	case 0: return base + i * 0x2000;
	case 1: return base + (n - i) * 0x2000;
	case 2: return base + i / 3 * 0x1000;
	case 3: return base + (i % (n / 7 + 1)) * 0x3000;
	default: return base + (n - i) * 0x2000 + (i == n / 2) * 0x2000;
	}
}

static void sort_presorted_inputs(void **state)
{
	static const size_t sizes[] = { 2, 63, 64, 65, 5000, 70000 };

	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t n = sizes[k];
		struct vms_sort_ent *a = calloc(n, sizeof(*a)), *b = calloc(n, sizeof(*b));

		for (int shape = 0; shape < 5; shape++) {
			for (size_t i = 0; i < n; i++)
				a[i] = (struct vms_sort_ent){ .key = shaped_key(shape, i, n), .idx = i };
			memcpy(b, a, n * sizeof(*a));
			vms_sort_by_key(a, n);
			qsort(b, n, sizeof(*b), cmp_ent);
			assert_memory_equal(a, b, n * sizeof(*a));
		}
		free(a);
		free(b);
	}
}

static void fast_numbers_match_printf(void **state)
{
	static const uint64_t vals[] = { 0, 1, 9, 10, 15, 16, 255, 4096, 99999, 1000000,
					 0x7fffffffe000ULL, 0xffffffffff600000ULL, UINT64_MAX };
	char want[64], got[64];

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		for (int w = 0; w <= 16; w += 8) {
			snprintf(want, sizeof(want), "%0*llx", w, (unsigned long long)vals[i]);
			*fast_hex(got, vals[i], w) = '\0';
			assert_string_equal(got, want);
			snprintf(want, sizeof(want), "%*llu", w, (unsigned long long)vals[i]);
			*fast_dec(got, vals[i], w) = '\0';
			assert_string_equal(got, want);
		}
	}
	assert_true(fast_plain("/usr/lib/libc.so.6", ",\""));
	assert_false(fast_plain("a,b", ",\""));
	assert_false(fast_plain("tab\there", NULL));
	assert_false(fast_plain("caf\xc3\xa9", NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sort_matches_qsort),
		cmocka_unit_test(sort_presorted_inputs),
		cmocka_unit_test(fast_numbers_match_printf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
