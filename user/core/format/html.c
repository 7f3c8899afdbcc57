// SPDX-License-Identifier: BSD-2-Clause
/*
 * --format html: one self-contained page (inline CSS, SVG and script; nothing is fetched), one
 * section per process: the picture of svg.c beside a table of the regions, which sorts by any
 * column when its header is clicked (again: the other way). Clicking a region in the picture
 * selects its row and the other way round. The table is plain HTML, so the page reads without
 * script too. The page's title names the processes. Accounting (RSS, PSS, dirty, swap) is always
 * read: a report is opened to be read, not to be fast.
 */
#include <stdlib.h>
#include <string.h>

#include "format/picture.h"
#include "classify.h"
#include "util.h"

static const char css[] =
	"body{margin:0;font:13px system-ui,sans-serif;color:#1f2328;background:#f6f8fa}"
	"header{padding:12px 20px;background:#24292f;color:#f6f8fa}"
	"header h1{margin:0;font-size:17px;font-weight:600}"
	"header p{margin:4px 0 0;color:#afb8c1;font-size:12px}"
	"section.proc{margin:16px 20px;padding:14px 16px;background:#fff;border:1px solid #d0d7de;"
	"border-radius:6px}"
	"section.proc h2{margin:0 0 2px;font-size:15px;font-weight:600;white-space:nowrap;overflow:hidden;"
	"text-overflow:ellipsis}"
	"p.sum{margin:0 0 10px;color:#57606a}"
	".cols{display:flex;gap:18px;align-items:flex-start}"
	".pic{flex:none;max-height:calc(100vh - 40px);overflow:auto;position:sticky;top:8px;"
	"border:1px solid #d8dee4;border-radius:4px;background:#fff}"
	".tbl{flex:1;min-width:0;max-height:calc(100vh - 40px);overflow:auto;border:1px solid #d8dee4;"
	"border-radius:4px}"
	"table{border-collapse:collapse;width:max-content;min-width:100%;font-size:12px}"
	"th{position:sticky;top:0;background:#eaeef2;text-align:left;padding:5px 8px;cursor:pointer;"
	"user-select:none;white-space:nowrap;border-bottom:1px solid #d0d7de}"
	"th:hover{background:#dde3ea}"
	"th[aria-sort=ascending]::after{content:' \\25B2';font-size:9px}"
	"th[aria-sort=descending]::after{content:' \\25BC';font-size:9px}"
	"td{padding:3px 7px;border-bottom:1px solid #eef1f4;white-space:nowrap}"
	"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
	"td.m{font-family:ui-monospace,monospace}"
	"td.name{white-space:normal;overflow-wrap:anywhere;max-width:40em}"
	"tbody tr:hover{background:#f3f6f9}"
	"tbody tr.sel{background:#fff8c5}"
	".sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;"
	"vertical-align:-1px;border:1px solid rgba(0,0,0,.15)}"
	"g.vr{cursor:pointer}";

/* Sorting and selection; addresses sort as 16-digit hex strings (exact beyond 2^53). */
static const char script[] =
	"(function(){\n"
	"function each(l,f){Array.prototype.forEach.call(l,f);}\n"
	"each(document.querySelectorAll('table.regions'),function(t){\n"
	" var ths=t.tHead.rows[0].cells;\n"
	" each(ths,function(th,i){th.addEventListener('click',function(){\n"
	"  var asc=th.getAttribute('aria-sort')!=='ascending',num=th.classList.contains('n');\n"
	"  each(ths,function(h){h.removeAttribute('aria-sort');});\n"
	"  th.setAttribute('aria-sort',asc?'ascending':'descending');\n"
	"  var b=t.tBodies[0],rows=Array.prototype.slice.call(b.rows);\n"
	"  function key(r){var c=r.cells[i];return c.hasAttribute('data-v')?c.getAttribute('data-v'):c.textContent;}\n"
	"  rows.sort(function(x,y){var a=key(x),c=key(y),d=num?a-c:(a<c?-1:a>c?1:0);\n"
	"   if(!d)d=x.getAttribute('data-row')-y.getAttribute('data-row');return asc?d:-d;});\n"
	"  rows.forEach(function(r){b.appendChild(r);});\n"
	" });});\n"
	"});\n"
	/* #sort=N (ascending) or #sort=-N (descending): column N sorted on load, for links */
	"var m=/^#sort=(-?)(\\d+)$/.exec(location.hash);\n"
	"if(m)each(document.querySelectorAll('table.regions'),function(t){\n"
	" var th=t.tHead.rows[0].cells[+m[2]];if(th){th.click();if(m[1])th.click();}});\n"
	"each(document.querySelectorAll('section.proc'),function(sec){\n"
	" function sel(i,from){\n"
	"  each(sec.querySelectorAll('.sel'),function(e){e.classList.remove('sel');});\n"
	"  var g=sec.querySelector('g.vr[data-row=\"'+i+'\"]'),r=sec.querySelector('tr[data-row=\"'+i+'\"]');\n"
	"  if(g){g.classList.add('sel');if(from!=='pic')g.scrollIntoView({block:'nearest'});}\n"
	"  if(r){r.classList.add('sel');if(from!=='tbl')r.scrollIntoView({block:'nearest'});}\n"
	" }\n"
	" sec.addEventListener('click',function(e){\n"
	"  var g=e.target.closest('g.vr');if(g){sel(g.getAttribute('data-row'),'pic');return;}\n"
	"  var r=e.target.closest('tbody tr');if(r)sel(r.getAttribute('data-row'),'tbl');\n"
	" });\n"
	"});\n"
	"})();\n";

static bool html_needs_accounting(const struct format_opts *o)
{
	return true;
}

static void num_cell(FILE *f, uint64_t kb)
{
	fprintf(f, "<td class=\"n\" data-v=\"%llu\">%llu</td>", (unsigned long long)kb,
		(unsigned long long)kb);
}

static void table(FILE *f, const struct vms_snapshot *s, const struct format_opts *o,
		  const struct vms_class *cls)
{
	int row = 0;

	/* what a region is first, where it is seen without scrolling; its numbers after */
	fprintf(f, "<div class=\"tbl\"><table class=\"regions\" data-pid=\"%d\"><thead><tr>"
		"<th>Start</th><th>End</th><th class=\"n\">Size kB</th><th>Perm</th><th>Type</th>"
		"<th>Name</th>", (int)s->proc.pid);
	if (s->has_acct && !s->acct_absent) /* a core file: none to show */
		fputs("<th class=\"n\">RSS kB</th><th class=\"n\">PSS kB</th><th class=\"n\">Dirty kB</th>"
		      "<th class=\"n\">Swap kB</th>", f);
	if (o->faults)
		fputs("<th class=\"n\">MinFlt</th><th class=\"n\">MajFlt</th>", f);
	fputs("<th>Offset</th><th>Device</th><th class=\"n\">Inode</th></tr></thead>\n<tbody>\n", f);
	for (size_t i = 0; i < s->n; i++) {
		const struct vms_region *r = &s->regions[i];
		const struct pic_color *c;

		if (!region_in_range(o, r))
			continue;
		c = pic_color(cls[i].kind);
		/* shown as the pictures show them, sorted by all 16 digits */
		fprintf(f, "<tr data-row=\"%d\"><td class=\"m\" data-v=\"%016llx\">%012llx</td>"
			"<td class=\"m\" data-v=\"%016llx\">%012llx</td>", row,
			(unsigned long long)r->start, (unsigned long long)r->start,
			(unsigned long long)r->end, (unsigned long long)r->end);
		num_cell(f, (r->end - r->start) >> 10);
		fputs("<td class=\"m\">", f);
		markup_text(f, r->perms, 0);
		fprintf(f, "</td><td><span class=\"sw\" style=\"background:%s\"></span>", c->fill);
		markup_text(f, c->label, 40);
		if (cls[i].tid && (cls[i].type == VMS_T_STACK || cls[i].type == VMS_T_GUARD))
			fprintf(f, " (tid %d)", cls[i].tid);
		fputs("</td><td class=\"name\" title=\"", f);
		markup_text(f, r->name, 0);
		fputs("\">", f);
		markup_text(f, r->name, 0);
		fputs("</td>", f);
		if (s->has_acct && !s->acct_absent) {
			num_cell(f, region_acct(s, r, ACCT_RSS));
			num_cell(f, region_acct(s, r, ACCT_PSS));
			num_cell(f, region_acct(s, r, ACCT_SHARED_DIRTY) +
				    region_acct(s, r, ACCT_PRIVATE_DIRTY));
			num_cell(f, region_acct(s, r, ACCT_SWAP));
		}
		if (o->faults) {
			num_cell(f, region_more(r)->faults_min);
			num_cell(f, region_more(r)->faults_maj);
		}
		if (r->absent & VMS_ABSENT_DEVINO) { /* a core file's: unknown, never 0 */
			fprintf(f, "<td class=\"m\">%08llx</td><td class=\"m\">-</td>"
				"<td class=\"n\" data-v=\"0\">-</td>", (unsigned long long)r->offset);
		} else {
			fprintf(f, "<td class=\"m\">%08llx</td><td class=\"m\">%02x:%02x</td>",
				(unsigned long long)r->offset, r->dev_major, r->dev_minor);
			num_cell(f, r->inode);
		}
		fputs("</tr>\n", f);
		row++;
	}
	fputs("</tbody></table></div>\n", f);
}

static void html_print(FILE *f, const struct vms_snapshot *s, const struct format_opts *o,
		       struct format_state *st)
{
	struct pic_doc *d = pic_doc_add(st, s);
	struct pic_legend legend = { 0 };
	struct vms_class *cls = region_classify(s);
	struct pic_item *it;
	size_t n = pic_items(s, o, cls, &it);
	FILE *pic = NULL;
	char *pic_buf = NULL;
	size_t pic_len = 0;
	double w, h, lh;

	const char *cmd = s->proc.cmdline ? s->proc.cmdline : s->proc.comm;

	/* one line: a long command line is cut, whole in the tooltip */
	fprintf(d->body, "<section class=\"proc\" id=\"pid-%d\">\n<h2 title=\"", (int)s->proc.pid);
	markup_text(d->body, cmd, 0);
	fprintf(d->body, "\">PID %d: ", (int)s->proc.pid);
	markup_text(d->body, cmd, 200);
	fputs("</h2>\n<p class=\"sum\">", d->body);
	pic_summary(d->body, s, it, n);
	fputs("</p>\n<div class=\"cols\">\n", d->body);
	/* the drawing first (it tells the legend what it used), then its <svg> around it */
	pic = vms_memstream(&pic_buf, &pic_len);
	if (!pic) {
		vms_err("out of memory");
		exit(VMS_EXIT_FAIL);
	}
	pic_svg_process(pic, s, o, 0, 0, true, &legend, &w, &h);
	vms_memstream_close(pic);
	lh = pic_svg_legend(NULL, &legend, s->has_acct && !s->acct_absent, 0, 0, w - 16);
	fprintf(d->body, "<div class=\"pic\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
		"height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">\n", w, h + lh + 10, w, h + lh + 10);
	pic_svg_legend(d->body, &legend, s->has_acct && !s->acct_absent, 8, 8, w - 16);
	fprintf(d->body, "<g transform=\"translate(0,%.1f)\">\n", lh + 6);
	fwrite(pic_buf, 1, pic_len, d->body);
	fputs("</g></svg></div>\n", d->body);
	table(d->body, s, o, cls);
	fputs("</div>\n</section>\n", d->body);
	pic_legend_free(&legend);
	free(pic_buf);
	free(it);
	free(cls);
	st->n_done++;
}

static void html_finish(FILE *f, const struct format_opts *o, struct format_state *st)
{
	struct pic_doc *d = st->priv;

	pic_doc_close(d);
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>", f);
	pic_doc_title(f, d);
	fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n<header><h1>", css);
	pic_doc_title(f, d);
	fputs("</h1><p>vmscope map --format html: the address space of each process, drawn to a "
	      "log scale (high addresses at the top; hover for the /proc/PID/maps line, click to "
	      "select), beside its regions (click a column to sort)</p></header>\n", f);
	/* the drawings' pattern and style, once for all (ids are unique in a page) */
	fputs("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"0\" height=\"0\" "
	      "style=\"position:absolute\" aria-hidden=\"true\">\n", f);
	pic_svg_defs(f);
	fputs("</svg>\n", f);
	if (d && d->len)
		fwrite(d->buf, 1, d->len, f);
	else
		fputs("<section class=\"proc\"><p class=\"sum\">No process could be read.</p></section>\n", f);
	fprintf(f, "<script>\n%s</script>\n</body>\n</html>\n", script);
	pic_doc_free(st);
}

const struct vms_format format_html = {
	.name = "html",
	.summary = "one self-contained HTML page: the picture beside a sortable table",
	.needs_accounting = html_needs_accounting,
	.needs = format_needs_threads,
	.print = html_print,
	.finish = html_finish,
};
