// SPDX-License-Identifier: BSD-2-Clause
/*
 * procps-ng 4.0.2 pmap output, byte for byte: default, -x and -d here; -X/-XX in pmap_ext.c.
 * One deliberate difference: with -x -A, procps also counts RSS/Dirty of mappings before the
 * range in its totals; ours cover exactly the rows printed.
 */
#include <stdlib.h>
#include <string.h>

#include "format/fast.h"
#include "format/format.h"
#include "classify.h"
#include "escape.h"
#include "util.h"

static bool pmap_needs_accounting(const struct format_opts *o)
{
	return o->mode == PMAP_EXTENDED || o->mode == PMAP_X || o->mode == PMAP_XX;
}

/* procps mapping_name(): the text of the Mapping column. buf holds what is returned. */
static const char *mapping_name(const struct vms_snapshot *s, const struct vms_region *r,
				const struct format_opts *o, const char *name, char *buf, size_t bufsz)
{
	char sep = region_name_is_win_path(name) ? '\\' : '/';
	const char *cp;

	if (!(r->absent & VMS_ABSENT_DEVINO) && r->dev_major == 0 && r->dev_minor == o->shm_minor &&
	    strstr(name, "/SYSV")) {
		snprintf(buf, bufsz, "  [ shmid=0x%llx ]", (unsigned long long)r->inode);
		return buf;
	}
	cp = strrchr(name, sep);
	if (cp) {
		if (o->show_path)
			return sep == '/' ? strchr(name, '/') : name;
		return cp[1] ? cp + 1 : cp;
	}
	if (o->kernel_names && (cp = strrchr(name, ']')) && cp[1] == '\0' && (cp = strchr(name, '[')))
		return cp;
	if (s->proc.start_stack >= r->start && s->proc.start_stack <= r->end)
		return "  [ stack ]";
	return "  [ anon ]";
}

/* "rw-p" -> "rw---", "rw-s" -> "rw-s-" */
static void pmap_mode_str(const struct vms_region *r, char out[6])
{
	memcpy(out, r->perms, 4);
	if (out[3] == 'p')
		out[3] = '-';
	out[4] = '-';
	out[5] = '\0';
}

/* The fault columns: "%7llu %7llu ". */
static char *put_faults(char *p, const struct vms_region *r)
{
	p = fast_dec(p, region_more(r)->faults_min, 7);
	*p++ = ' ';
	p = fast_dec(p, region_more(r)->faults_maj, 7);
	*p++ = ' ';
	return p;
}

/* A row: its fields (line up to p), the mapping's name and a newline, into the block. */
static void put_row(struct fast_out *out, char *line, char *p, const char *shown)
{
	size_t n = strlen(shown);

	if (!fast_out_room(out, (size_t)(p - line) + n + 1)) {
		fast_out_flush(out);
		fwrite(line, 1, (size_t)(p - line), out->f);
		fwrite(shown, 1, n, out->f);
		fputc('\n', out->f);
		return;
	}
	out->p = fast_str(out->p, line, (size_t)(p - line));
	out->p = fast_str(out->p, shown, n);
	*out->p++ = '\n';
}

static void pmap_print(FILE *f, const struct vms_snapshot *s, const struct format_opts *o,
		       struct format_state *st)
{
	uint64_t total = 0, shared = 0, priv_w = 0, rss = 0, dirty = 0, fmin = 0, fmaj = 0;
	struct fast_out *out;

	if (o->mode == PMAP_X || o->mode == PMAP_XX) {
		pmap_ext_print(f, s, o, st);
		return;
	}
	print_pmap_header(f, s);
	if (!o->quiet) {
		if (o->mode == PMAP_EXTENDED && o->faults)
			fputs("Address           Kbytes     RSS   Dirty  MinFlt  MajFlt Mode  Mapping\n", f);
		else if (o->mode == PMAP_EXTENDED)
			fputs("Address           Kbytes     RSS   Dirty Mode  Mapping\n", f);
		else if (o->faults) /* pmap has no header here; numbers need one */
			fputs("Address           Kbytes  MinFlt  MajFlt Mode  Mapping\n", f);
		else if (o->mode == PMAP_DEVICE)
			fputs("Address           Kbytes Mode  Offset           Device    Mapping\n", f);
	}
	out = xmalloc(sizeof(*out));
	fast_out_init(out, f);
	for (size_t i = 0; i < s->n; i++) {
		const struct vms_region *r = &s->regions[i];
		uint64_t size = region_size(r);
		char mode[6], buf[64], line[512], *name = NULL, *p;
		const char *shown;

		if (r->end - 1 < o->range_low)
			continue;
		if (o->range_high < r->start)
			break;
		total += size;
		if (r->perms[3] == 's')
			shared += size;
		else if (r->perms[1] == 'w')
			priv_w += size;
		fmin += region_more(r)->faults_min;
		fmaj += region_more(r)->faults_maj;
		pmap_mode_str(r, mode);
		/* procps 4.0.2 replaces each byte it cannot print with '?' */
		if (!r->name[0]) { /* most regions of a big process: mapping_name's answer */
			shown = s->proc.start_stack >= r->start && s->proc.start_stack <= r->end
				? "  [ stack ]" : "  [ anon ]";
		} else {
			name = fast_plain(r->name, NULL) ? NULL /* nothing to escape */
				: vms_escape_dup(r->name, strlen(r->name), VMS_ESC_BYTES);
			shown = mapping_name(s, r, o, name ? name : r->name, buf, sizeof(buf));
		}
		/* each row without printf (60,000 rows: printf's parsing was most of the time), as
		 * procps' "%016llx %7llu ..." formats, gathered into blocks */
		p = fast_hex(line, r->start, 16);
		*p++ = ' ';
		switch (o->mode) {
		case PMAP_EXTENDED: {
			uint64_t rrss = region_acct(s, r, ACCT_RSS);
			uint64_t rdirty = region_acct(s, r, ACCT_SHARED_DIRTY) +
					  region_acct(s, r, ACCT_PRIVATE_DIRTY);

			rss += rrss;
			dirty += rdirty;
			p = fast_dec(p, size >> 10, 7);
			if (region_acct_absent(s, ACCT_RSS)) { /* a core file: '-', never 0 */
				p = fast_str(p, "       -       - ", 17);
			} else {
				*p++ = ' ';
				p = fast_dec(p, rrss, 7);
				*p++ = ' ';
				p = fast_dec(p, rdirty, 7);
				*p++ = ' ';
			}
			if (o->faults)
				p = put_faults(p, r);
			break;
		}
		case PMAP_DEVICE:
			p = fast_dec(p, size >> 10, 7);
			*p++ = ' ';
			p = fast_str(p, mode, 5);
			*p++ = ' ';
			p = fast_hex(p, r->offset, 16);
			*p++ = ' ';
			if (r->absent & VMS_ABSENT_DEVINO) {
				p = fast_str(p, "        -", 9);
			} else {
				p = fast_hex(p, r->dev_major, 3);
				*p++ = ':';
				p = fast_hex(p, r->dev_minor, 5);
			}
			break;
		default:
			p = fast_dec(p, size >> 10, 6);
			*p++ = 'K';
			*p++ = ' ';
			if (o->faults)
				p = put_faults(p, r);
		}
		if (o->mode != PMAP_DEVICE)
			p = fast_str(p, mode, 5);
		*p++ = ' ';
		put_row(out, line, p, shown);
		free(name);
	}
	fast_out_flush(out);
	free(out);
	if (o->quiet)
		return;
	switch (o->mode) {
	case PMAP_EXTENDED:
		fputs(o->faults ? "---------------- ------- ------- ------- ------- ------- \n"
				: "---------------- ------- ------- ------- \n", f);
		if (region_acct_absent(s, ACCT_RSS))
			fprintf(f, "%-16s %7lld %7s %7s", "total kB", (long long)(total >> 10), "-", "-");
		else
			fprintf(f, "%-16s %7lld %7llu %7llu", "total kB", (long long)(total >> 10),
				(unsigned long long)rss, (unsigned long long)dirty);
		if (o->faults)
			fprintf(f, " %7llu %7llu", (unsigned long long)fmin, (unsigned long long)fmaj);
		fputc('\n', f);
		break;
	case PMAP_DEVICE:
		fprintf(f, "mapped: %lldK    writeable/private: %lldK    shared: %lldK\n",
			(long long)(total >> 10), (long long)(priv_w >> 10), (long long)(shared >> 10));
		break;
	default:
		fprintf(f, " total %16lldK", (long long)(total >> 10));
		if (o->faults)
			fprintf(f, " %7llu %7llu", (unsigned long long)fmin, (unsigned long long)fmaj);
		fputc('\n', f);
	}
}

static void pmap_finish(FILE *f, const struct format_opts *o, struct format_state *st)
{
	pmap_ext_finish(st);
}

const struct vms_format format_pmap = {
	.name = "pmap",
	.summary = "procps-ng pmap tables (default, -x, -X, -XX, -d)",
	.needs_accounting = pmap_needs_accounting,
	.print = pmap_print,
	.print_unreadable = print_pmap_header, /* procps prints "PID:   cmdline" even then */
	.finish = pmap_finish,
};
