// SPDX-License-Identifier: BSD-2-Clause
/* `vmscope serve`: options, the listen address and its check, then user/serve/serve.c. */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "serve/serve.h"
#include "core/util.h"

enum { OPT_ALLOW_REMOTE = 0x100, OPT_INTERVAL, OPT_TOP, OPT_BY, OPT_RANK_BY, OPT_FAULTS,
       OPT_NO_SMAPS, OPT_REQUIRE_MODEL, OPT_OTLP, OPT_OTLP_ENC, OPT_OTLP_TIMEOUT, OPT_OTLP_RETRIES,
       OPT_THREADS, OPT_MAX_CONNS, OPT_TIMEOUT, OPT_ONCE };

static const struct argp_option options[] = {
	{ "listen", 'l', "ADDR:PORT", 0, "Where /metrics is served (default 127.0.0.1:9717; "
	  "[::1]:PORT for IPv6, port 0: any free one; 'none': no HTTP, --otlp only)", 0 },
	{ "allow-remote", OPT_ALLOW_REMOTE, NULL, 0, "Allow a non-loopback --listen address "
	  "(put a TLS reverse proxy in front: see the README)", 0 },
	{ "interval", OPT_INTERVAL, "SEC", 0, "Collect every SEC seconds (default 10); scrapes "
	  "and pushes get the last collection", 0 },
	{ "top", OPT_TOP, "N", 0, "Export the top N processes (or cgroups) one by one, sum the "
	  "others in one pid=\"rest\" row (default 50, 0..10000)", 0 },
	{ "rank-by", OPT_RANK_BY, "MEASURE", 0, "What ranks them: resident (default), virtual or "
	  "vmas", 0 },
	{ "by", OPT_BY, "GROUP", 0, "process (default) or cgroup: one row per cgroup v2", 0 },
	{ "faults", OPT_FAULTS, NULL, 0, "Page faults by region type (needs 'vmscope start "
	  "--faults')", 0 },
	{ "no-smaps", OPT_NO_SMAPS, NULL, 0, "No resident/swap bytes per region type (they read "
	  "/proc/PID/smaps of the top processes at each collection)", 0 },
	{ "require-model", OPT_REQUIRE_MODEL, NULL, 0, "Without a live model, export only "
	  "vmscope_model_up 0 instead of reading /proc/PID/maps of every process", 0 },
	{ "otlp", OPT_OTLP, "URL", 0, "Also push OTLP/HTTP metrics to this endpoint every "
	  "interval (e.g. http://127.0.0.1:4318/v1/metrics)", 0 },
	{ "otlp-encoding", OPT_OTLP_ENC, "ENC", 0, "protobuf (default) or json", 0 },
	{ "otlp-timeout", OPT_OTLP_TIMEOUT, "SEC", 0, "Per push attempt (default 5)", 0 },
	{ "otlp-retries", OPT_OTLP_RETRIES, "N", 0, "Retries of a failed push, after 1, 2, 4... s "
	  "(default 3), then it is dropped and counted", 0 },
	{ "threads", OPT_THREADS, "N", 0, "HTTP threads (default 2)", 0 },
	{ "max-connections", OPT_MAX_CONNS, "N", 0, "HTTP connections at once (default 64)", 0 },
	{ "timeout", OPT_TIMEOUT, "SEC", 0, "Idle HTTP connections are closed after SEC seconds "
	  "(default 10)", 0 },
	{ "once", OPT_ONCE, NULL, 0, "One collection, its exposition on stdout, and exit (e.g. "
	  "for node_exporter's textfile collector)", 0 },
	CLI_COMMON_OPTIONS,
	{ 0 }
};

struct serve_args {
	struct serve_opts o;
	const char *listen;
	bool allow_remote;
};

static bool loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	if (ss->ss_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;

		return IN6_IS_ADDR_LOOPBACK(a) ||
		       (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return false;
}

/* ADDR:PORT, [V6]:PORT. 0, or -1 after one error line. */
static int parse_listen(struct serve_args *a)
{
	char host[128], *colon;
	const char *port, *s = a->listen;
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV }, *res;
	uint64_t pv;
	int err;

	if (!strcmp(s, "none")) {
		a->o.listen = false;
		return 0;
	}
	if (strlen(s) >= sizeof(host)) {
		vms_err("serve: --listen: address too long");
		return -1;
	}
	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (!end || end[1] != ':') {
			vms_err("serve: --listen '%s': want [IPV6]:PORT", s);
			return -1;
		}
		snprintf(host, sizeof(host), "%.*s", (int)(end - s - 1), s + 1);
		port = end + 2;
	} else {
		snprintf(host, sizeof(host), "%s", s);
		colon = strrchr(host, ':');
		if (!colon || strchr(host, ':') != colon) {
			vms_err("serve: --listen '%s': want ADDR:PORT (IPv6: [ADDR]:PORT)", s);
			return -1;
		}
		*colon = 0;
		port = s + (colon - host) + 1;
	}
	if (parse_u64(port, 10, &pv) || pv > 65535) {
		vms_err("serve: --listen '%s': bad port '%s' (0..65535)", s, port);
		return -1;
	}
	if (!host[0]) {
		vms_err("serve: --listen '%s': give the address (0.0.0.0:%s for every interface, "
			"with --allow-remote)", s, port);
		return -1;
	}
	err = getaddrinfo(host, port, &hints, &res);
	if (err) {
		vms_err("serve: --listen '%s': %s", s, gai_strerror(err));
		return -1;
	}
	memcpy(&a->o.addr, res->ai_addr, res->ai_addrlen);
	a->o.addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	if (!loopback(&a->o.addr) && !a->allow_remote) {
		vms_err("serve: --listen '%s' is not a loopback address: refused without "
			"--allow-remote (metrics name every process; put a TLS reverse proxy in front, "
			"see the README)", s);
		return -1;
	}
	a->o.listen = true;
	snprintf(a->o.addr_text, sizeof(a->o.addr_text), "%s", s);
	return 0;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct serve_args *a = state->input;
	uint64_t v;
	double d;

	switch (key) {
	case 'l': a->listen = arg; return 0;
	case OPT_ALLOW_REMOTE: a->allow_remote = true; return 0;
	case OPT_INTERVAL:
		if (parse_seconds(arg, 0.1, 86400, &d))
			return cli_fail(state, "serve: bad interval '%s' (seconds, 0.1..86400)", arg);
		a->o.interval = d;
		return 0;
	case OPT_TOP:
		if (parse_u64(arg, 10, &v) || v > 10000)
			return cli_fail(state, "serve: bad --top '%s' (0..10000)", arg);
		a->o.m.top = a->o.c.top = (unsigned)v;
		return 0;
	case OPT_RANK_BY:
		for (int i = 0; i < CM__COUNT; i++)
			if (!strcmp(arg, collect_measure_names[i])) {
				a->o.m.measure = a->o.c.measure = (enum collect_measure)i;
				return 0;
			}
		return cli_fail(state, "serve: bad --rank-by '%s' (resident, virtual or vmas)", arg);
	case OPT_BY:
		if (!strcmp(arg, "process"))
			a->o.m.by = MG_PROCESS;
		else if (!strcmp(arg, "cgroup"))
			a->o.m.by = MG_CGROUP;
		else
			return cli_fail(state, "serve: bad --by '%s' (process or cgroup)", arg);
		return 0;
	case OPT_FAULTS: a->o.m.faults = a->o.c.faults = true; return 0;
	case OPT_NO_SMAPS: a->o.c.smaps = false; return 0;
	case OPT_REQUIRE_MODEL: a->o.c.model_only = true; return 0;
	case OPT_OTLP:
		if (strncmp(arg, "http://", 7) && strncmp(arg, "https://", 8))
			return cli_fail(state, "serve: --otlp '%s': want an http:// or https:// URL", arg);
		a->o.otlp = true;
		a->o.otlp_o.url = arg;
		return 0;
	case OPT_OTLP_ENC:
		if (!strcmp(arg, "protobuf"))
			a->o.otlp_o.json = false;
		else if (!strcmp(arg, "json"))
			a->o.otlp_o.json = true;
		else
			return cli_fail(state, "serve: bad --otlp-encoding '%s' (protobuf or json)", arg);
		return 0;
	case OPT_OTLP_TIMEOUT:
		if (parse_seconds(arg, 0.1, 600, &d))
			return cli_fail(state, "serve: bad --otlp-timeout '%s' (seconds, 0.1..600)", arg);
		a->o.otlp_o.timeout_s = d;
		return 0;
	case OPT_OTLP_RETRIES:
		if (parse_u64(arg, 10, &v) || v > 20)
			return cli_fail(state, "serve: bad --otlp-retries '%s' (0..20)", arg);
		a->o.otlp_o.retries = (unsigned)v;
		return 0;
	case OPT_THREADS:
		if (parse_u64(arg, 10, &v) || !v || v > 64)
			return cli_fail(state, "serve: bad --threads '%s' (1..64)", arg);
		a->o.http.threads = (unsigned)v;
		return 0;
	case OPT_MAX_CONNS:
		if (parse_u64(arg, 10, &v) || !v || v > 10000)
			return cli_fail(state, "serve: bad --max-connections '%s' (1..10000)", arg);
		a->o.http.max_conns = (unsigned)v;
		return 0;
	case OPT_TIMEOUT:
		if (parse_u64(arg, 10, &v) || !v || v > 3600)
			return cli_fail(state, "serve: bad --timeout '%s' (whole seconds, 1..3600)", arg);
		a->o.http.timeout_s = (unsigned)v;
		return 0;
	case OPT_ONCE: a->o.once = true; return 0;
	case ARGP_KEY_ARG:
		return cli_fail(state, "serve: unexpected argument '%s'", arg);
	default:
		return cli_default_key(key, arg, state);
	}
}

static const struct argp argp = {
	.options = options,
	.parser = parse_opt,
	.doc = "Export the regions of every process, and the live model's health, to Prometheus "
	       "(/metrics, text format 0.0.4) and OTLP/HTTP collectors. With a live model "
	       "('vmscope start') nothing reads /proc/PID/maps; without one serve says so and "
	       "reads /proc. Addresses are never exported.\v"
	       "Prometheus scrape config (prometheus.yml):\n"
	       "  scrape_configs:\n"
	       "    - job_name: vmscope\n"
	       "      static_configs:\n"
	       "        - targets: ['127.0.0.1:9717']\n"
	       "\nGrafana (PromQL), resident bytes of the 10 biggest processes by region type:\n"
	       "  topk(10, sum by (pid, comm, type) (vmscope_process_region_resident_bytes))\n"
	       "VMA count against vm.max_map_count (65530 by default):\n"
	       "  max by (instance, pid, comm) (vmscope_process_vmas) / 65530\n"
	       "\nOne line on stderr says where it listens ('vmscope: serve: listening on "
	       "http://ADDR:PORT/metrics') once the first collection is published. SIGTERM or "
	       "SIGINT end it (status 0); SIGHUP collects at once. Exit status 1 on a setup "
	       "error (bad option, address refused or in use).",
};

int cmd_serve(int argc, char **argv)
{
	struct serve_args a = {
		.listen = "127.0.0.1:9717",
		.o = {
			.interval = 10,
			.http = { .threads = 2, .max_conns = 64, .timeout_s = 10,
				  .conn_memory = 32 * 1024 },
			.c = { .top = 50, .measure = CM_RESIDENT, .smaps = true },
			.m = { .top = 50, .measure = CM_RESIDENT, .by = MG_PROCESS },
			.otlp_o = { .timeout_s = 5, .retries = 3 },
		},
	};
	int rc = cli_parse(&argp, "serve", argc, argv, &a);

	if (rc >= 0)
		return rc;
	if (!a.o.once && parse_listen(&a))
		return VMS_EXIT_FAIL;
	if (!a.o.once && !a.o.listen && !a.o.otlp) {
		vms_err("serve: --listen none needs --otlp (nothing to export to)");
		return VMS_EXIT_FAIL;
	}
	if (a.o.m.by == MG_CGROUP) {
		/* per-type resident bytes of a cgroup would need smaps of all its processes */
		a.o.c.cgroups = true;
		a.o.c.smaps = false;
	}
	return serve_run(&a.o);
}
