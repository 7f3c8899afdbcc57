// SPDX-License-Identifier: BSD-2-Clause
/* The number parsers every command's options go through (util.c): what they refuse. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>

#include "core/util.h"

static void u64_strict(void **state)
{
	static const char *const bad[] = { "", " 1", "\t1", "\n1", "\v1", "+1", "-1", "1 ", "1\n",
					   "1x", "18446744073709551616", "0x10" };
	uint64_t v;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(parse_u64(bad[i], 10, &v), -EINVAL);
	assert_int_equal(parse_u64("18446744073709551615", 10, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(parse_u64("0x1f", 16, &v), 0);
	assert_true(v == 0x1f);
	assert_int_equal(parse_u64("fF", 16, &v), 0);
	assert_true(v == 0xff);
	assert_int_equal(parse_u64(" f", 16, &v), -EINVAL);
	assert_int_equal(parse_u64("\tf", 16, &v), -EINVAL);
}

static void size_strict(void **state)
{
	/* "1 " was 1 << 50: strchr() finds the NUL that ' ' & ~0x20 is */
	static const char *const bad[] = { "", "1 ", "1@", "1`", " 1", "\t1K", "K", "1KK", "-1K",
					   "16777216T", "1P", "1.5M" };
	uint64_t v;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		v = 7;
		assert_int_equal(parse_size(bad[i], &v), -EINVAL);
		assert_true(v == 7);
	}
	assert_int_equal(parse_size("1", &v), 0);
	assert_true(v == 1);
	assert_int_equal(parse_size("4k", &v), 0);
	assert_true(v == 4096);
	assert_int_equal(parse_size("3G", &v), 0);
	assert_true(v == 3ull << 30);
	assert_int_equal(parse_size("16777215T", &v), 0);
	assert_true(v == 16777215ull << 40);
}

static void seconds_strict(void **state)
{
	static const char *const bad[] = { "", ".", "nan", "NAN", "inf", "-inf", "infinity", "-1",
					   "+1", " 1", "1 ", "\t1", "1s", "0x10", "1e3", "1e400",
					   "4295", "86401", "0.001", "1,5", "1..2" };
	double d;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		d = 7;
		assert_int_equal(parse_seconds(bad[i], 0.01, 4294, &d), -EINVAL);
		assert_true(d == 7);
	}
	assert_int_equal(parse_seconds("0.01", 0.01, 86400, &d), 0);
	assert_true(d == 0.01);
	assert_int_equal(parse_seconds("86400", 0.01, 86400, &d), 0);
	assert_true(d == 86400);
	assert_int_equal(parse_seconds(".5", 0, 1, &d), 0);
	assert_true(d == 0.5);
	assert_int_equal(parse_seconds("2.", 0, 10, &d), 0);
	assert_true(d == 2);
}

static void range_forms(void **state)
{
	static const char *const bad[] = { "x", " 1", "1 ", "1,2,3", "-1", "1,\t2", "+1,2", "g",
					   "0x", "10000000000000000", "111111111111111111111111111111111,1" };
	uint64_t lo, hi;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		lo = 0, hi = UINT64_MAX;
		assert_int_equal(parse_range(bad[i], &lo, &hi), -EINVAL);
	}
	lo = 0, hi = UINT64_MAX;
	assert_int_equal(parse_range("2,1", &lo, &hi), -ERANGE);
	lo = 0, hi = UINT64_MAX;
	assert_int_equal(parse_range("0x10,20", &lo, &hi), 0);
	assert_true(lo == 0x10 && hi == 0x20);
	lo = 0, hi = UINT64_MAX;
	assert_int_equal(parse_range("ab", &lo, &hi), 0);
	assert_true(lo == 0xab && hi == 0xab);
	lo = 0, hi = UINT64_MAX;
	assert_int_equal(parse_range("ab,", &lo, &hi), 0);
	assert_true(lo == 0xab && hi == UINT64_MAX);
	lo = 0, hi = UINT64_MAX;
	assert_int_equal(parse_range(",ab", &lo, &hi), 0);
	assert_true(lo == 0 && hi == 0xab);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(u64_strict),
		cmocka_unit_test(size_strict),
		cmocka_unit_test(seconds_strict),
		cmocka_unit_test(range_forms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
