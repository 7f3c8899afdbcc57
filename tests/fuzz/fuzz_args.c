// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target for the CLI's number parsers (user/core/util.c): parse_u64, parse_size,
 * parse_seconds and the -A range parser, each against a reference written from its documented
 * grammar, so that what one accepts and the value it gives are checked, not only that it does
 * not crash ("1 " as 2^50, a leading tab, nan: issue 20, finding 7).
 * Options byte: 1 base 16 for parse_u64, 2 the seconds' bounds 0..1e9 (else 0.01..86400),
 * 16 C.UTF-8 locale.
 */
#include "fuzz_common.h"

#include <errno.h>
#include <math.h>

#include "core/util.h"

static int digit_value(char c, int base)
{
	int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
		: c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99;

	return v < base ? v : -1;
}

/* digits of the base (base 16: after an optional 0x), nothing else, no overflow */
static bool ref_u64(const char *s, int base, uint64_t *out)
{
	uint64_t v = 0;

	if (base == 16 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && digit_value(s[2], 16) >= 0)
		s += 2;
	if (!*s)
		return false;
	for (; *s; s++) {
		int d = digit_value(*s, base);

		if (d < 0 || __builtin_mul_overflow(v, (uint64_t)base, &v) ||
		    __builtin_add_overflow(v, (uint64_t)d, &v))
			return false;
	}
	*out = v;
	return true;
}

static bool ref_size(const char *s, uint64_t *out)
{
	static const char units[] = "kmgt";
	size_t n = strlen(s);
	int shift = 0;
	char num[32];
	uint64_t v;

	if (!n || n >= sizeof(num))
		return false;
	memcpy(num, s, n + 1);
	for (int i = 0; i < 4; i++)
		if ((num[n - 1] | 0x20) == units[i]) /* K or k: no other byte ORs to k */
			shift = 10 * (i + 1);
	if (shift)
		num[n - 1] = '\0';
	if (!ref_u64(num, 10, &v) || (shift && v > UINT64_MAX >> shift))
		return false;
	*out = v << shift;
	return true;
}

static bool seconds_grammar(const char *s)
{
	size_t d = strspn(s, "0123456789"), f = 0;

	if (s[d] == '.')
		f = strspn(s + d + 1, "0123456789"), d += 1 + f;
	return d && s[d] == '\0' && strcmp(s, ".");
}

static void check_range(const char *s)
{
	uint64_t lo = 0, hi = UINT64_MAX, rlo = 0, rhi = UINT64_MAX;
	const char *comma = strchr(s, ',');
	char a[64];
	bool ok;
	int err = parse_range(s, &lo, &hi);

	if (comma) {
		size_t l = (size_t)(comma - s);

		ok = l < sizeof(a) && !strchr(comma + 1, ',');
		if (ok) {
			memcpy(a, s, l);
			a[l] = '\0';
			ok = (!l || ref_u64(a, 16, &rlo)) && (!comma[1] || ref_u64(comma + 1, 16, &rhi));
		}
	} else {
		ok = (!*s || ref_u64(s, 16, &rlo)) && (!*s || ref_u64(s, 16, &rhi));
	}
	/* parse_range copies LOW to a buffer of 32: a longer one is malformed there */
	if (ok && (comma ? (size_t)(comma - s) >= 32 : strlen(s) >= 32))
		ok = false;
	if (ok && rlo > rhi) {
		FUZZ_CHECK(err == -ERANGE, "range '%s': low above high, but %d", s, err);
		return;
	}
	FUZZ_CHECK(ok == !err, "range '%s': parse_range %d, reference %s", s, err, ok ? "ok" : "bad");
	if (ok)
		FUZZ_CHECK(lo == rlo && hi == rhi, "range '%s': %llx,%llx want %llx,%llx", s,
			   (unsigned long long)lo, (unsigned long long)hi, (unsigned long long)rlo,
			   (unsigned long long)rhi);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in;
	int base;
	uint64_t v = 0, r = 0;
	double d = 0, lo, hi;
	bool ok;

	if (!fuzz_split(data, size, &in))
		return 0;
	/* a command line argument is a C string: up to its first NUL */
	base = in.opt & 1 ? 16 : 10;
	fuzz_locale(in.opt & 16);

	ok = ref_u64(in.data, base, &r);
	FUZZ_CHECK(ok == !parse_u64(in.data, base, &v), "parse_u64('%s', %d): reference says %s",
		   in.data, base, ok ? "ok" : "bad");
	FUZZ_CHECK(!ok || v == r, "parse_u64('%s', %d) = %llu, want %llu", in.data, base,
		   (unsigned long long)v, (unsigned long long)r);

	ok = ref_size(in.data, &r);
	FUZZ_CHECK(ok == !parse_size(in.data, &v), "parse_size('%s'): reference says %s", in.data,
		   ok ? "ok" : "bad");
	FUZZ_CHECK(!ok || v == r, "parse_size('%s') = %llu, want %llu", in.data,
		   (unsigned long long)v, (unsigned long long)r);

	lo = in.opt & 2 ? 0 : 0.01;
	hi = in.opt & 2 ? 1e9 : 86400;
	if (!parse_seconds(in.data, lo, hi, &d))
		FUZZ_CHECK(seconds_grammar(in.data) && isfinite(d) && d >= lo && d <= hi,
			   "parse_seconds('%s') accepted %g", in.data, d);
	else
		FUZZ_CHECK(!seconds_grammar(in.data) || !(strtod(in.data, NULL) >= lo &&
							  strtod(in.data, NULL) <= hi),
			   "parse_seconds('%s') refused a number of seconds in range", in.data);

	check_range(in.data);
	fuzz_locale(false);
	free(in.data);
	return 0;
}
