// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target for serve's metrics and their encoders: processes whose comm and cgroup
 * names come from the data (any byte), ranked and grouped as serve does, then the Prometheus
 * text and the OTLP JSON. Properties: both outputs are valid UTF-8 with no control byte but the
 * newline; every Prometheus line is a HELP or TYPE line or a sample of the last TYPE's name,
 * whose label values hold only the format's escapes (\\, \", \n); a family's samples follow its
 * TYPE. Options byte: bits 0-1 --top (0..3), 4 --by cgroup, 8 --faults, 16 the measure.
 * The data: NUL-separated comm, cgroup, comm, cgroup...
 */
#include "fuzz_common.h"

#include "serve/metrics.h"
#include "serve/otlp.h"
#include "serve/prom.h"

static void check_prom(const char *t, size_t n)
{
	char typed[128] = "";
	const char *line = t, *end = t + n;

	FUZZ_CHECK(fuzz_utf8_valid(t, n), "exposition is not UTF-8");
	FUZZ_CHECK(fuzz_first_control(t, n) < 0, "a control byte in the exposition");
	while (line < end) {
		const char *nl = memchr(line, '\n', end - line), *p;
		size_t len;

		FUZZ_CHECK(nl, "a line without its newline");
		if (!strncmp(line, "# HELP ", 7)) {
			line = nl + 1;
			continue;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			len = strcspn(line + 7, " ");
			FUZZ_CHECK(len < sizeof(typed), "a long name");
			memcpy(typed, line + 7, len);
			typed[len] = 0;
			line = nl + 1;
			continue;
		}
		len = strlen(typed);
		FUZZ_CHECK(len && !strncmp(line, typed, len) && (line[len] == '{' || line[len] == ' '),
			   "a sample of a family without its TYPE: %.60s", line);
		p = line + len;
		if (*p == '{') {
			p++;
			while (*p != '}') {
				while (*p >= 'a' && *p <= 'z') p++;
				while (*p == '_') { p++; while (*p >= 'a' && *p <= 'z') p++; }
				FUZZ_CHECK(p[0] == '=' && p[1] == '"', "bad label: %.60s", line);
				p += 2;
				while (*p != '"') {
					FUZZ_CHECK(*p != '\n', "a raw newline in a label value");
					if (*p == '\\') {
						FUZZ_CHECK(p[1] == '\\' || p[1] == '"' || p[1] == 'n',
							   "a bad escape in %.60s", line);
						p++;
					}
					p++;
				}
				p++;
				if (*p == ',')
					p++;
			}
			p++;
		}
		FUZZ_CHECK(*p == ' ' && p[1] >= '0' && p[1] <= '9', "bad value: %.60s", line);
		line = nl + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in;
	struct collect_sample s = { 0 };
	struct metric_opts o;
	struct serve_stats st = { 0 };
	struct otlp_resource r = { .host = "h", .version = "v" };
	struct metric_set m;
	struct fuzz_out out;
	const char *p;

	if (!fuzz_split(data, size, &in))
		return 0;
	o = (struct metric_opts){ .top = in.opt & 3, .by = in.opt & 4 ? MG_CGROUP : MG_PROCESS,
				  .faults = in.opt & 8, .measure = in.opt & 16 ? CM_VMAS : CM_RESIDENT };
	s.h.source = "procfs";
	s.h.faults_on = true;
	p = in.data;
	for (int i = 0; i < 8 && p < in.data + in.len; i++) {
		struct collect_proc *c;
		size_t l = strlen(p);

		s.p = realloc(s.p, (s.n + 1) * sizeof(*s.p));
		c = &s.p[s.n++];
		memset(c, 0, sizeof(*c));
		c->pid = 100 + i;
		snprintf(c->comm, sizeof(c->comm), "%s", p);
		p += l + 1;
		if (p < in.data + in.len) {
			c->cgroup = strdup(p);
			p += strlen(p) + 1;
		}
		c->vmas = 2 + i;
		c->rss = 4096u * (8 - i);
		c->kind[i % CK__COUNT].vmas = c->vmas;
		c->kind[i % CK__COUNT].rss = c->rss;
		c->has_acct = i & 1;
	}
	metrics_build(&s, &o, &st, &m);
	fuzz_out_open(&out);
	prom_write(out.f, &m);
	fuzz_out_close(&out);
	check_prom(out.buf, out.len);
	fuzz_out_free(&out);
	fuzz_out_open(&out);
	otlp_encode_json(out.f, &m, &r);
	fuzz_out_close(&out);
	FUZZ_CHECK(fuzz_utf8_valid(out.buf, out.len), "OTLP JSON is not UTF-8");
	FUZZ_CHECK(fuzz_first_control(out.buf, out.len) < 0, "a control byte in the OTLP JSON");
	fuzz_out_free(&out);
	metrics_free(&m);
	collect_sample_free(&s);
	free(in.data);
	return 0;
}
