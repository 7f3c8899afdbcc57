/* SPDX-License-Identifier: BSD-2-Clause */
/* Prometheus text exposition format 0.0.4 of a metric set. */
#ifndef VMS_SERVE_PROM_H
#define VMS_SERVE_PROM_H

#include <stdio.h>

#include "serve/metrics.h"

#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Writes the whole exposition to f. */
void prom_write(FILE *f, const struct metric_set *m);
/* A label value as the format wants it: \\, \" and \n escaped (metrics.c made it valid UTF-8
 * without control characters already). */
void prom_label_value(FILE *f, const char *v);

#endif
