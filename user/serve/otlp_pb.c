// SPDX-License-Identifier: BSD-2-Clause
/*
 * A metric set as an OTLP ExportMetricsServiceRequest in protobuf: the structs protoc-c generates
 * at build time from third_party/opentelemetry-proto (Makefile: otlp), packed by libprotobuf-c.
 * One resource (service.name=vmscope, host.name), one scope (vmscope); gauges as Gauge, counters
 * as cumulative monotonic Sum; a numeric pid attribute is an int, every other one a string.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "serve/otlp.h"
#include "core/util.h"

typedef Opentelemetry__Proto__Common__V1__KeyValue KeyValue;
typedef Opentelemetry__Proto__Common__V1__AnyValue AnyValue;
typedef Opentelemetry__Proto__Metrics__V1__NumberDataPoint Point;
typedef Opentelemetry__Proto__Metrics__V1__Metric Metric;
typedef Opentelemetry__Proto__Metrics__V1__Gauge Gauge;
typedef Opentelemetry__Proto__Metrics__V1__Sum Sum;

/* Everything of one request comes from here and goes at once. */
struct arena {
	void **p;
	size_t n, cap;
};

static void *amalloc(struct arena *a, size_t sz)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 256;
		a->p = xrealloc(a->p, a->cap * sizeof(*a->p));
	}
	return a->p[a->n++] = xcalloc(1, sz ? sz : 1);
}

static void afree(struct arena *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->p[i]);
	free(a->p);
}

static KeyValue *kv_str(struct arena *a, const char *k, const char *v)
{
	KeyValue *kv = amalloc(a, sizeof(*kv));
	AnyValue *av = amalloc(a, sizeof(*av));

	opentelemetry__proto__common__v1__key_value__init(kv);
	opentelemetry__proto__common__v1__any_value__init(av);
	kv->key = (char *)k;
	kv->value = av;
	av->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
	av->string_value = (char *)v;
	return kv;
}

static KeyValue *kv_attr(struct arena *a, const char *prom_key, const char *v)
{
	KeyValue *kv = kv_str(a, metrics_otel_key(prom_key), v);
	uint64_t n;

	if (!strcmp(prom_key, "pid") && !parse_u64(v, 10, &n)) {
		kv->value->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
		kv->value->int_value = (int64_t)n;
	}
	return kv;
}

static Metric *metric(struct arena *a, const struct metric_set *m, const struct metric_family *f)
{
	Metric *mt = amalloc(a, sizeof(*mt));
	Point **pts = amalloc(a, f->n * sizeof(*pts));

	opentelemetry__proto__metrics__v1__metric__init(mt);
	mt->name = (char *)f->otel;
	mt->description = (char *)f->help;
	mt->unit = (char *)f->unit;
	for (size_t i = 0; i < f->n; i++) {
		Point *p = pts[i] = amalloc(a, sizeof(*p));
		KeyValue **at = amalloc(a, f->nl * sizeof(*at));

		opentelemetry__proto__metrics__v1__number_data_point__init(p);
		p->time_unix_nano = m->time_ns;
		if (f->type == METRIC_COUNTER)
			p->start_time_unix_nano = m->start_ns;
		if (f->is_int) {
			p->value_case = OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT;
			p->as_int = (int64_t)f->p[i].v;
		} else {
			p->value_case = OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_DOUBLE;
			p->as_double = f->p[i].v;
		}
		for (unsigned k = 0; k < f->nl; k++)
			if (f->p[i].lv[k][0]) /* the rest rows have no comm */
				at[p->n_attributes++] = kv_attr(a, f->lk[k], f->p[i].lv[k]);
		p->attributes = at;
	}
	if (f->type == METRIC_COUNTER) {
		Sum *s = amalloc(a, sizeof(*s));

		opentelemetry__proto__metrics__v1__sum__init(s);
		s->n_data_points = f->n;
		s->data_points = pts;
		s->aggregation_temporality =
			OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_CUMULATIVE;
		s->is_monotonic = 1;
		mt->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM;
		mt->sum = s;
	} else {
		Gauge *g = amalloc(a, sizeof(*g));

		opentelemetry__proto__metrics__v1__gauge__init(g);
		g->n_data_points = f->n;
		g->data_points = pts;
		mt->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE;
		mt->gauge = g;
	}
	return mt;
}

int otlp_encode_pb(const struct metric_set *m, const struct otlp_resource *r, void **buf, size_t *len)
{
	struct arena a = { 0 };
	Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest req =
		OPENTELEMETRY__PROTO__COLLECTOR__METRICS__V1__EXPORT_METRICS_SERVICE_REQUEST__INIT;
	Opentelemetry__Proto__Metrics__V1__ResourceMetrics rm =
		OPENTELEMETRY__PROTO__METRICS__V1__RESOURCE_METRICS__INIT, *rmp = &rm;
	Opentelemetry__Proto__Resource__V1__Resource res =
		OPENTELEMETRY__PROTO__RESOURCE__V1__RESOURCE__INIT;
	Opentelemetry__Proto__Metrics__V1__ScopeMetrics sm =
		OPENTELEMETRY__PROTO__METRICS__V1__SCOPE_METRICS__INIT, *smp = &sm;
	Opentelemetry__Proto__Common__V1__InstrumentationScope scope =
		OPENTELEMETRY__PROTO__COMMON__V1__INSTRUMENTATION_SCOPE__INIT;
	KeyValue *rattr[3];
	Metric **metrics = amalloc(&a, m->n * sizeof(*metrics));

	rattr[0] = kv_str(&a, "service.name", "vmscope");
	rattr[1] = kv_str(&a, "service.version", r->version);
	rattr[2] = kv_str(&a, "host.name", r->host);
	res.n_attributes = 3;
	res.attributes = rattr;
	scope.name = "vmscope";
	scope.version = (char *)r->version;
	for (size_t i = 0; i < m->n; i++)
		metrics[i] = metric(&a, m, &m->f[i]);
	sm.scope = &scope;
	sm.n_metrics = m->n;
	sm.metrics = metrics;
	rm.resource = &res;
	rm.n_scope_metrics = 1;
	rm.scope_metrics = &smp;
	req.n_resource_metrics = 1;
	req.resource_metrics = &rmp;
	*len = opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__get_packed_size(&req);
	*buf = malloc(*len ? *len : 1);
	if (*buf)
		opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__pack(&req, *buf);
	afree(&a);
	return *buf ? 0 : -ENOMEM;
}
