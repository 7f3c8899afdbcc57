// SPDX-License-Identifier: BSD-2-Clause
/* CSV (RFC 4180): a header row, then one row per region, all processes in one table. */
#include <stdlib.h>
#include <string.h>

#include "format/fast.h"
#include "format/format.h"
#include "classify.h"
#include "escape.h"
#include "util.h"

static bool csv_needs_accounting(const struct format_opts *o)
{
	return o->mode == PMAP_EXTENDED || o->mode == PMAP_X || o->mode == PMAP_XX;
}

static void csv_field_escaped(FILE *f, const char *str);

/* RFC 4180 quoting of the escaped name: valid UTF-8 (a byte that is not is U+FFFD), control
 * characters as '?' (escape.h), so that no name moves a terminal's cursor or ends a row. */
static void csv_field(FILE *f, const char *str)
{
	if (fast_plain(str, ",\"")) { /* the common case: nothing to escape or quote */
		fputs(str, f);
		return;
	}
	csv_field_escaped(f, str);
}

static void csv_field_escaped(FILE *f, const char *str)
{
	char *esc = vms_escape_dup(str, strlen(str), VMS_ESC_UTF8);
	bool quote = strpbrk(esc, ",\"") != NULL;

	if (quote)
		fputc('"', f);
	for (const char *s = esc; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	if (quote)
		fputc('"', f);
	free(esc);
}

static void csv_print(FILE *f, const struct vms_snapshot *s, const struct format_opts *o,
		      struct format_state *st)
{
	bool acct = csv_needs_accounting(o);
	const char **kinds = region_kinds(s);

	if (st->n_done++ == 0) {
		fputs("pid,start,end,perm,offset,dev,inode,kind,name,size_kb", f);
		if (acct)
			fputs(",rss_kb,pss_kb,anon_kb,dirty_kb,swap_kb,locked_kb", f);
		if (o->faults)
			fputs(",faults_min,faults_maj", f);
		fputs("\r\n", f);
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct vms_region *r = &s->regions[i];

		if (!region_in_range(o, r))
			continue;
		{	/* "%d,0x%llx,0x%llx,%s,0x%llx,%02x:%02x,%llu,%s," without printf */
			char line[256], *p = line;

			p = fast_dec(p, (uint64_t)s->proc.pid, 0);
			p = fast_str(p, ",0x", 3);
			p = fast_hex(p, r->start, 0);
			p = fast_str(p, ",0x", 3);
			p = fast_hex(p, r->end, 0);
			*p++ = ',';
			p = fast_str(p, r->perms, strlen(r->perms));
			p = fast_str(p, ",0x", 3);
			p = fast_hex(p, r->offset, 0);
			*p++ = ',';
			/* absent (a core file's): an empty field, never 0 */
			if (!(r->absent & VMS_ABSENT_DEVINO)) {
				p = fast_hex(p, r->dev_major, 2);
				*p++ = ':';
				p = fast_hex(p, r->dev_minor, 2);
				*p++ = ',';
				p = fast_dec(p, r->inode, 0);
			} else {
				*p++ = ',';
			}
			*p++ = ',';
			p = fast_str(p, kinds[i], strlen(kinds[i]));
			*p++ = ',';
			fwrite(line, 1, (size_t)(p - line), f);
			csv_field(f, r->name);
			p = line;
			*p++ = ',';
			p = fast_dec(p, region_size(r) >> 10, 0);
			fwrite(line, 1, (size_t)(p - line), f);
		}
		if (acct && s->acct_absent)
			fputs(",,,,,,", f);
		else if (acct)
			fprintf(f, ",%llu,%llu,%llu,%llu,%llu,%llu",
				(unsigned long long)region_acct(s, r, ACCT_RSS),
				(unsigned long long)region_acct(s, r, ACCT_PSS),
				(unsigned long long)region_acct(s, r, ACCT_ANONYMOUS),
				(unsigned long long)(region_acct(s, r, ACCT_SHARED_DIRTY) +
						     region_acct(s, r, ACCT_PRIVATE_DIRTY)),
				(unsigned long long)region_acct(s, r, ACCT_SWAP),
				(unsigned long long)region_acct(s, r, ACCT_LOCKED));
		if (o->faults)
			fprintf(f, ",%llu,%llu", (unsigned long long)region_more(r)->faults_min,
				(unsigned long long)region_more(r)->faults_maj);
		fputs("\r\n", f);
	}
	free(kinds);
}

const struct vms_format format_csv = {
	.name = "csv",
	.summary = "RFC 4180 CSV, one row per region",
	.needs_accounting = csv_needs_accounting,
	.print = csv_print,
	.skips_cmdline = true,
};
