// SPDX-License-Identifier: BSD-2-Clause
/*
 * watch's terminal format: one aligned line per event, colored by kind on a terminal. The line
 * is built by hand in a buffer, because the reader must keep up with a million events a second.
 */
#include <string.h>
#include <time.h>

#include "core/escape.h"
#include "kernel/contract.h"
#include "watch/watch.h"

/* ANSI colors by kind: additions green, removals red, changes yellow, moves cyan. */
static const char *const kind_colors[VMS_EV__COUNT] = {
	[VMS_EV_MAP] = "\033[32m", [VMS_EV_UNMAP] = "\033[31m", [VMS_EV_PROTECT] = "\033[33m",
	[VMS_EV_REMAP] = "\033[36m", [VMS_EV_BRK] = "\033[34m", [VMS_EV_GROW] = "\033[34m",
	[VMS_EV_MADVISE] = "\033[35m", [VMS_EV_LOCK] = "\033[2m", [VMS_EV_UNLOCK] = "\033[2m",
	[VMS_EV_EXEC] = "\033[1m", [VMS_EV_FORK] = "\033[1m", [VMS_EV_EXIT] = "\033[1m",
	[VMS_EV_FAULTS] = "\033[35m",
};
#define COLOR_OFF "\033[0m"

struct line {
	char buf[4096 + 512];
	size_t n;
};

static void put(struct line *l, const char *s, size_t len)
{
	if (len > sizeof(l->buf) - 1 - l->n)
		len = sizeof(l->buf) - 1 - l->n;
	memcpy(l->buf + l->n, s, len);
	l->n += len;
}

static void puts_(struct line *l, const char *s)
{
	put(l, s, strlen(s));
}

/* comm and names are the watched processes' choice: escaped (core/escape.h), at memcpy speed
 * while they are printable ASCII */
static void put_esc(struct line *l, const char *s, size_t len)
{
	l->n += vms_escape(l->buf + l->n, sizeof(l->buf) - l->n, s, len, VMS_ESC_TEXT);
}

static void pad_to(struct line *l, size_t col)
{
	while (l->n < col && l->n < sizeof(l->buf) - 1)
		l->buf[l->n++] = ' ';
}

/* right-aligned in width (0: no padding) */
static void put_u_w(struct line *l, uint64_t v, int width)
{
	char t[24];
	int i = sizeof(t);

	do {
		t[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while ((int)sizeof(t) - i < width)
		t[--i] = ' ';
	put(l, t + i, sizeof(t) - i);
}

static void put_u(struct line *l, uint64_t v)
{
	put_u_w(l, v, 0);
}

static void put_hex(struct line *l, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	char t[16];
	int i = 16;

	do {
		t[--i] = hex[v & 15];
		v >>= 4;
	} while (v);
	while (16 - i < 12) /* 12 digits: user addresses line up */
		t[--i] = '0';
	put(l, t + i, 16 - i);
}

static void put_perm(struct line *l, unsigned perm)
{
	char p[5];

	vms_perm_text(perm, p);
	put(l, p, 4);
}

static void put_range(struct line *l, uint64_t a, uint64_t b)
{
	put_hex(l, a);
	put(l, "-", 1);
	put_hex(l, b);
}

/* HH:MM:SS.mmm local time; localtime_r once per second, not per event */
static void put_time(struct line *l, uint64_t ns)
{
	static time_t last = (time_t)-1;
	static char hms[16];
	time_t t = (time_t)(ns / 1000000000ULL);
	unsigned ms = (unsigned)(ns / 1000000ULL % 1000);
	char frac[5] = { '.', (char)('0' + ms / 100), (char)('0' + ms / 10 % 10),
			 (char)('0' + ms % 10), 0 };

	if (t != last) {
		struct tm tm;

		localtime_r(&t, &tm);
		strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
		last = t;
	}
	puts_(l, hms);
	put(l, frac, 4);
}

/* Columns: TIME PID TID COMM EVENT RANGE SIZE PERM NAME [details] */
enum { C_PID = 13, C_TID = 21, C_COMM = 29, C_EVENT = 46, C_RANGE = 54, C_SIZE = 80,
       C_PERM = 87, C_NAME = 97 };

static void text_header(FILE *f, bool color)
{
	struct line l = { .n = 0 };

	puts_(&l, "TIME");
	pad_to(&l, C_PID + 3);
	puts_(&l, "PID");
	pad_to(&l, C_TID + 3);
	puts_(&l, "TID");
	pad_to(&l, C_COMM);
	puts_(&l, "COMM");
	pad_to(&l, C_EVENT);
	puts_(&l, "EVENT");
	pad_to(&l, C_RANGE);
	puts_(&l, "RANGE");
	pad_to(&l, C_SIZE + 2);
	puts_(&l, "SIZE");
	pad_to(&l, C_PERM);
	puts_(&l, "PERM");
	pad_to(&l, C_NAME);
	puts_(&l, "NAME");
	put(&l, "\n", 1);
	fwrite(l.buf, 1, l.n, f);
	(void)color;
}

static void text_event(FILE *f, const struct watch_event *ev, bool color)
{
	const struct vms_event *e = ev->e;
	struct line l = { .n = 0 };
	char size[8];
	const char *adv;
	size_t base;

	put_time(&l, ev->realtime_ns);
	pad_to(&l, C_PID);
	put_u_w(&l, e->pid, 7);
	pad_to(&l, C_TID);
	put_u_w(&l, e->tid, 7);
	pad_to(&l, C_COMM);
	put_esc(&l, e->comm, strnlen(e->comm, sizeof(e->comm)));
	pad_to(&l, C_EVENT);
	if (color && e->kind < VMS_EV__COUNT && kind_colors[e->kind]) {
		/* color codes take no columns: shift the rest by their length */
		base = l.n;
		puts_(&l, kind_colors[e->kind]);
		puts_(&l, watch_kind_name(e->kind));
		puts_(&l, COLOR_OFF);
		base = l.n - base - strlen(watch_kind_name(e->kind));
	} else {
		puts_(&l, watch_kind_name(e->kind));
		base = 0;
	}
	if (e->flags & VMS_EVF_RANGE) {
		pad_to(&l, C_RANGE + base);
		put_range(&l, e->start, e->end);
		watch_human_size(e->end - e->start, size);
		pad_to(&l, C_SIZE + base + 6 - strlen(size));
		puts_(&l, size);
	}
	if (e->flags & VMS_EVF_PERM) {
		pad_to(&l, C_PERM + base);
		if (e->flags & VMS_EVF_OLD_PERM) {
			put_perm(&l, e->old_perm);
			put(&l, ">", 1);
		}
		put_perm(&l, e->perm);
	}
	pad_to(&l, C_NAME + base);
	switch (e->kind) {
	case VMS_EV_FORK:
		puts_(&l, "child ");
		put_u(&l, e->arg);
		break;
	case VMS_EV_EXIT:
		if (e->flags & VMS_EVF_THREAD)
			puts_(&l, "thread ");
		if (e->arg & 0x7f) {
			puts_(&l, "killed by signal ");
			put_u(&l, e->arg & 0x7f);
		} else {
			puts_(&l, "status ");
			put_u(&l, e->arg >> 8 & 0xff);
		}
		break;
	case VMS_EV_LOCK: case VMS_EV_UNLOCK:
		if (!(e->flags & VMS_EVF_RANGE)) {
			puts_(&l, "all");
			break;
		}
		/* fallthrough */
	default:
		if (e->flags & VMS_EVF_PARTIAL)
			puts_(&l, "(regions not read)");
		else if (ev->name)
			put_esc(&l, ev->name, strlen(ev->name));
		else
			puts_(&l, "?");
	}
	if (e->kind == VMS_EV_MADVISE) {
		puts_(&l, " advice=");
		adv = watch_advice_name(e->arg);
		if (adv)
			puts_(&l, adv);
		else
			put_u(&l, e->arg);
	}
	if (e->flags & VMS_EVF_OLD_RANGE) {
		puts_(&l, " was ");
		put_range(&l, e->old_start, e->old_end);
		watch_human_size(e->old_end - e->old_start, size);
		put(&l, " ", 1);
		puts_(&l, size);
	}
	if (e->flags & VMS_EVF_FAULTS) {
		puts_(&l, e->kind == VMS_EV_FAULTS ? " +" : " faults ");
		put_u(&l, e->faults_min);
		puts_(&l, " min ");
		if (e->kind == VMS_EV_FAULTS)
			put(&l, "+", 1);
		put_u(&l, e->faults_maj);
		puts_(&l, " maj");
		if (e->kind == VMS_EV_FAULTS && ev->interval > 0) {
			puts_(&l, " (");
			double rate = (e->faults_min + e->faults_maj) / ev->interval + 0.5;

			/* a tiny interval must not make the cast undefined */
			put_u(&l, rate < 1e18 ? (uint64_t)rate : (uint64_t)1e18);
			puts_(&l, "/s)");
		}
	}
	if (e->dropped_before) {
		puts_(&l, " (");
		put_u(&l, e->dropped_before);
		puts_(&l, " lost before)");
	}
	put(&l, "\n", 1);
	fwrite(l.buf, 1, l.n, f);
}

static void text_lost(FILE *f, uint64_t lost, uint64_t realtime_ns, bool color)
{
	struct line l = { .n = 0 };

	put_time(&l, realtime_ns);
	pad_to(&l, C_EVENT);
	if (color)
		puts_(&l, "\033[1;31m");
	puts_(&l, "lost ");
	put_u(&l, lost);
	puts_(&l, lost == 1 ? " event" : " events");
	puts_(&l, " (ring buffer full; try a larger --buffer-size)");
	if (color)
		puts_(&l, COLOR_OFF);
	put(&l, "\n", 1);
	fwrite(l.buf, 1, l.n, f);
}

const struct watch_format watch_format_text = {
	.name = "text",
	.summary = "aligned columns, colored on a terminal (default)",
	.colors = true,
	.header = text_header,
	.event = text_event,
	.lost = text_lost,
};
