// SPDX-License-Identifier: BSD-2-Clause
/* serve's metrics from a hand-made sample: top N plus the rest row, per-type rows, cgroups,
 * Prometheus label escaping of any byte, and the OTLP JSON encoding's shape. */
#include "unit.h"
#include "serve/metrics.h"
#include "serve/otlp.h"
#include "serve/prom.h"

static struct collect_proc *proc(struct collect_sample *s, pid_t pid, const char *comm,
				 const char *cgroup, uint64_t rss)
{
	struct collect_proc *p;

	s->p = realloc(s->p, (s->n + 1) * sizeof(*s->p));
	p = &s->p[s->n++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	snprintf(p->comm, sizeof(p->comm), "%s", comm);
	p->cgroup = cgroup ? strdup(cgroup) : NULL;
	p->rss = rss;
	p->kind[CK_HEAP] = (struct collect_kind_sum){ .vmas = 1, .virt = 4096, .rss = rss / 2 };
	p->kind[CK_IMAGE] = (struct collect_kind_sum){ .vmas = 2, .virt = 8192, .rss = rss / 2,
						       .faults_min = 3, .faults_maj = 1 };
	p->vmas = 3;
	p->virt = 12288;
	p->has_acct = true;
	return p;
}

static void sample(struct collect_sample *s)
{
	memset(s, 0, sizeof(*s));
	s->h.source = "procfs";
	s->h.faults_on = true;
	/* sorted by resident, as collect_sample() leaves them */
	proc(s, 10, "a\"b\\c", "/x.slice", 3000);
	proc(s, 20, "n\nl\x1b\xff", "/x.slice", 2000);
	proc(s, 30, "three", "/y.slice", 1000)->has_acct = false;
}

static char *render(const struct collect_sample *s, const struct metric_opts *o)
{
	struct serve_stats st = { 0 };
	struct metric_set m;
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	metrics_build(s, o, &st, &m);
	prom_write(f, &m);
	fclose(f);
	metrics_free(&m);
	return buf;
}

static void has(const char *text, const char *line)
{
	if (!strstr(text, line)) {
		fprintf(stderr, "missing: %s\n", line);
		fail();
	}
}

static void top_and_rest(void **state)
{
	struct collect_sample s;
	struct metric_opts o = { .top = 2, .by = MG_PROCESS, .faults = true };
	char *t;

	sample(&s);
	t = render(&s, &o);
	has(t, "# TYPE vmscope_process_vmas gauge\n");
	has(t, "vmscope_process_vmas{pid=\"10\",comm=\"a\\\"b\\\\c\"} 3\n");
	/* newline and ESC are '?', a byte that is not UTF-8 U+FFFD */
	has(t, "vmscope_process_vmas{pid=\"20\",comm=\"n?l?\xef\xbf\xbd\"} 3\n");
	has(t, "vmscope_process_vmas{pid=\"rest\",comm=\"\"} 3\n");
	has(t, "vmscope_process_resident_bytes{pid=\"rest\",comm=\"\"} 1000\n");
	has(t, "vmscope_process_region_vmas{pid=\"10\",comm=\"a\\\"b\\\\c\",type=\"image\"} 2\n");
	has(t, "vmscope_process_region_resident_bytes{pid=\"10\",comm=\"a\\\"b\\\\c\",type=\"heap\"} 1500\n");
	/* the rest has no per-type resident bytes (no smaps past the top) */
	assert_null(strstr(t, "vmscope_process_region_resident_bytes{pid=\"rest\""));
	/* types without a VMA are left out */
	assert_null(strstr(t, "type=\"stack\""));
	has(t, "# TYPE vmscope_process_region_page_faults_total counter\n");
	has(t, "vmscope_process_region_page_faults_total{pid=\"rest\",comm=\"\",type=\"image\",fault_type=\"major\"} 1\n");
	has(t, "vmscope_rest_processes 1\n");
	has(t, "vmscope_model_up 0\n");
	has(t, "vmscope_serve_info{source=\"procfs\",version=");
	free(t);
	collect_sample_free(&s);
}

static void no_rest_when_all_fit(void **state)
{
	struct collect_sample s;
	struct metric_opts o = { .top = 50, .by = MG_PROCESS };
	char *t;

	sample(&s);
	t = render(&s, &o);
	assert_null(strstr(t, "{pid=\"rest\""));
	assert_null(strstr(t, "page_faults")); /* without --faults */
	has(t, "vmscope_rest_processes 0\n");
	free(t);
	collect_sample_free(&s);
}

static void by_cgroup(void **state)
{
	struct collect_sample s;
	struct metric_opts o = { .top = 1, .by = MG_CGROUP, .measure = CM_RESIDENT };
	char *t;

	sample(&s);
	t = render(&s, &o);
	has(t, "vmscope_cgroup_processes{cgroup=\"/x.slice\"} 2\n");
	has(t, "vmscope_cgroup_resident_bytes{cgroup=\"/x.slice\"} 5000\n");
	has(t, "vmscope_cgroup_vmas{cgroup=\"rest\"} 3\n");
	has(t, "vmscope_cgroup_region_virtual_bytes{cgroup=\"/x.slice\",type=\"image\"} 16384\n");
	has(t, "vmscope_rest_cgroups 1\n");
	assert_null(strstr(t, "pid="));
	free(t);
	collect_sample_free(&s);
}

static void otlp_json_shape(void **state)
{
	struct collect_sample s;
	struct metric_opts o = { .top = 1, .by = MG_PROCESS };
	struct serve_stats st = { 0 };
	struct otlp_resource r = { .host = "h", .version = "1" };
	struct metric_set m;
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	sample(&s);
	metrics_build(&s, &o, &st, &m);
	m.time_ns = 5;
	otlp_encode_json(f, &m, &r);
	fclose(f);
	has(buf, "{\"resourceMetrics\": [{\"resource\": {\"attributes\": [{\"key\": \"service.name\", "
		 "\"value\": {\"stringValue\": \"vmscope\"}}");
	has(buf, "{\"name\": \"process.memory.usage\", \"description\": ");
	has(buf, "\"unit\": \"By\", \"gauge\": {\"dataPoints\": [{\"attributes\": [{\"key\": "
		 "\"process.pid\", \"value\": {\"intValue\": \"10\"}}, {\"key\": "
		 "\"process.executable.name\", \"value\": {\"stringValue\": \"a\\\"b\\\\c\"}}], "
		 "\"timeUnixNano\": \"5\", \"asInt\": \"3000\"}");
	/* the rest row: pid "rest" is a string, and no empty comm attribute */
	has(buf, "{\"attributes\": [{\"key\": \"process.pid\", \"value\": {\"stringValue\": \"rest\"}}], "
		 "\"timeUnixNano\": \"5\", \"asInt\": \"3000\"}");
	has(buf, "\"aggregationTemporality\": 2, \"isMonotonic\": true}");
	free(buf);
	metrics_free(&m);
	collect_sample_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(top_and_rest),
		cmocka_unit_test(no_rest_when_all_fit),
		cmocka_unit_test(by_cgroup),
		cmocka_unit_test(otlp_json_shape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
