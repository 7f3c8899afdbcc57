// SPDX-License-Identifier: BSD-2-Clause
/* Prometheus text exposition, format 0.0.4 (HELP, TYPE, one line per sample). */
#include <inttypes.h>

#include "serve/prom.h"

void prom_label_value(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

static void help_text(FILE *f, const char *h)
{
	for (; *h; h++) {
		if (*h == '\\')
			fputs("\\\\", f);
		else if (*h == '\n')
			fputs("\\n", f);
		else
			fputc(*h, f);
	}
}

void prom_write(FILE *f, const struct metric_set *m)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct metric_family *fa = &m->f[i];

		fprintf(f, "# HELP %s ", fa->name);
		help_text(f, fa->help);
		fprintf(f, "\n# TYPE %s %s\n", fa->name, fa->type == METRIC_COUNTER ? "counter" : "gauge");
		for (size_t j = 0; j < fa->n; j++) {
			const struct metric_point *p = &fa->p[j];

			fputs(fa->name, f);
			if (fa->nl) {
				fputc('{', f);
				for (unsigned k = 0; k < fa->nl; k++) {
					fprintf(f, "%s%s=\"", k ? "," : "", fa->lk[k]);
					prom_label_value(f, p->lv[k]);
					fputc('"', f);
				}
				fputc('}', f);
			}
			if (fa->is_int)
				fprintf(f, " %" PRIu64 "\n", (uint64_t)p->v);
			else
				fprintf(f, " %.9g\n", p->v);
		}
	}
}
