// SPDX-License-Identifier: BSD-2-Clause
/*
 * A metric set as an OTLP ExportMetricsServiceRequest in the OTLP JSON encoding (proto3 JSON
 * mapping: lowerCamelCase keys, 64-bit integers as strings, enums as numbers), through the one
 * JSON writer. The same shape as otlp_pb.c.
 */
#include <inttypes.h>
#include <string.h>

#include "serve/otlp.h"
#include "core/json.h"
#include "core/util.h"

static void json_u64_str(struct json_writer *w, uint64_t v)
{
	char b[24];

	snprintf(b, sizeof(b), "%" PRIu64, v);
	json_str(w, b);
}

static void attr(struct json_writer *w, const char *key, const char *v, bool as_int)
{
	json_obj_begin(w);
	json_kv_str(w, "key", key);
	json_key(w, "value");
	json_obj_begin(w);
	if (as_int) {
		json_key(w, "intValue");
		json_str(w, v);
	} else {
		json_kv_str(w, "stringValue", v);
	}
	json_obj_end(w);
	json_obj_end(w);
}

static void points(struct json_writer *w, const struct metric_set *m, const struct metric_family *f)
{
	json_key(w, "dataPoints");
	json_arr_begin(w);
	for (size_t i = 0; i < f->n; i++) {
		json_obj_begin(w);
		json_key(w, "attributes");
		json_arr_begin(w);
		for (unsigned k = 0; k < f->nl; k++) {
			const char *v = f->p[i].lv[k];
			uint64_t n;

			if (v[0])
				attr(w, metrics_otel_key(f->lk[k]), v,
				     !strcmp(f->lk[k], "pid") && !parse_u64(v, 10, &n));
		}
		json_arr_end(w);
		if (f->type == METRIC_COUNTER) {
			json_key(w, "startTimeUnixNano");
			json_u64_str(w, m->start_ns);
		}
		json_key(w, "timeUnixNano");
		json_u64_str(w, m->time_ns);
		if (f->is_int) {
			json_key(w, "asInt");
			json_u64_str(w, (uint64_t)f->p[i].v);
		} else {
			json_key(w, "asDouble");
			json_double(w, f->p[i].v);
		}
		json_obj_end(w);
	}
	json_arr_end(w);
}

void otlp_encode_json(FILE *f, const struct metric_set *m, const struct otlp_resource *r)
{
	struct json_writer w;

	json_init(&w, f);
	json_obj_begin(&w);
	json_key(&w, "resourceMetrics");
	json_arr_begin(&w);
	json_obj_begin(&w);
	json_key(&w, "resource");
	json_obj_begin(&w);
	json_key(&w, "attributes");
	json_arr_begin(&w);
	attr(&w, "service.name", "vmscope", false);
	attr(&w, "service.version", r->version, false);
	attr(&w, "host.name", r->host, false);
	json_arr_end(&w);
	json_obj_end(&w);
	json_key(&w, "scopeMetrics");
	json_arr_begin(&w);
	json_obj_begin(&w);
	json_key(&w, "scope");
	json_obj_begin(&w);
	json_kv_str(&w, "name", "vmscope");
	json_kv_str(&w, "version", r->version);
	json_obj_end(&w);
	json_key(&w, "metrics");
	json_arr_begin(&w);
	for (size_t i = 0; i < m->n; i++) {
		const struct metric_family *fa = &m->f[i];

		json_obj_begin(&w);
		json_kv_str(&w, "name", fa->otel);
		json_kv_str(&w, "description", fa->help);
		json_kv_str(&w, "unit", fa->unit);
		json_key(&w, fa->type == METRIC_COUNTER ? "sum" : "gauge");
		json_obj_begin(&w);
		points(&w, m, fa);
		if (fa->type == METRIC_COUNTER) {
			json_key(&w, "aggregationTemporality");
			json_u64(&w, 2); /* AGGREGATION_TEMPORALITY_CUMULATIVE */
			json_kv_bool(&w, "isMonotonic", true);
		}
		json_obj_end(&w);
		json_obj_end(&w);
	}
	json_arr_end(&w);
	json_obj_end(&w);
	json_arr_end(&w);
	json_obj_end(&w);
	json_arr_end(&w);
	json_obj_end(&w);
	fputc('\n', f);
}
