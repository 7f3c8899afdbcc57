// SPDX-License-Identifier: BSD-2-Clause
#include "json.h"
#include "util.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

void json_init(struct json_writer *w, FILE *f)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
	w->first[0] = true;
}

/* Separator before a value or key at the current level. */
static void sep(struct json_writer *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (!w->first[w->depth])
		fputs(", ", w->f);
	w->first[w->depth] = false;
}

static void open(struct json_writer *w, char c)
{
	sep(w);
	fputc(c, w->f);
	if (w->depth < JSON_MAX_DEPTH - 1)
		w->depth++;
	w->first[w->depth] = true;
}

static void close_(struct json_writer *w, char c)
{
	fputc(c, w->f);
	if (w->depth > 0)
		w->depth--;
}

void json_obj_begin(struct json_writer *w) { open(w, '{'); }
void json_obj_end(struct json_writer *w) { close_(w, '}'); }
void json_arr_begin(struct json_writer *w) { open(w, '['); }
void json_arr_end(struct json_writer *w) { close_(w, ']'); }

static void write_string(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', f);
	while (*s) {
		const unsigned char *run = s;
		int n;

		/* a run of printable ASCII that needs no escape: one write */
		while (*s >= 0x20 && *s < 0x7f && *s != '"' && *s != '\\')
			s++;
		if (s != run)
			fwrite(run, 1, (size_t)(s - run), f);
		if (!*s)
			break;
		switch (*s) {
		case '"': fputs("\\\"", f); s++; continue;
		case '\\': fputs("\\\\", f); s++; continue;
		case '\n': fputs("\\n", f); s++; continue;
		case '\t': fputs("\\t", f); s++; continue;
		case '\r': fputs("\\r", f); s++; continue;
		}
		if (*s < 0x20 || *s == 0x7f) {
			fprintf(f, "\\u%04x", *s);
			s++;
			continue;
		}
		n = utf8_seq_len(s);
		if (!n) {
			/* a byte that is not UTF-8: the lone surrogate U+DC80+byte, as Python's
			 * surrogateescape reads it, so the exact bytes can be recovered */
			fprintf(f, "\\udc%02x", *s);
			s++;
			continue;
		}
		if (n == 2 && s[0] == 0xc2 && s[1] < 0xa0) {
			/* U+0080..U+009F, C1 controls (U+009B is CSI): JSON allows them raw, a
			 * terminal showing the output obeys them */
			fprintf(f, "\\u%04x", s[1]);
			s += 2;
			continue;
		}
		fwrite(s, 1, (size_t)n, f);
		s += n;
	}
	fputc('"', f);
}

void json_key(struct json_writer *w, const char *key)
{
	sep(w);
	write_string(w->f, key);
	fputs(": ", w->f);
	w->after_key = true;
}

void json_str(struct json_writer *w, const char *s)
{
	sep(w);
	write_string(w->f, s);
}

void json_u64(struct json_writer *w, uint64_t v)
{
	char buf[24], *p = buf + sizeof(buf);

	sep(w);
	do { /* no printf: a number per region field */
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	fwrite(p, 1, (size_t)(buf + sizeof(buf) - p), w->f);
}

void json_i64(struct json_writer *w, int64_t v)
{
	sep(w);
	fprintf(w->f, "%" PRId64, v);
}

void json_double(struct json_writer *w, double v)
{
	sep(w);
	if (isfinite(v))
		fprintf(w->f, "%.6g", v);
	else
		fputs("null", w->f);
}

void json_bool(struct json_writer *w, bool v)
{
	sep(w);
	fputs(v ? "true" : "false", w->f);
}

void json_null(struct json_writer *w)
{
	sep(w);
	fputs("null", w->f);
}

void json_hex(struct json_writer *w, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	char buf[24], *p = buf + sizeof(buf);

	sep(w);
	*--p = '"';
	do {
		*--p = digits[v & 0xf];
		v >>= 4;
	} while (v);
	*--p = 'x';
	*--p = '0';
	*--p = '"';
	fwrite(p, 1, (size_t)(buf + sizeof(buf) - p), w->f);
}
