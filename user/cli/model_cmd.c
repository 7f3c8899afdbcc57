// SPDX-License-Identifier: BSD-2-Clause
/* vmscope start | stop | status: the pinned, daemon-less live model. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/bpf_off.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "model/faults.h"
#include "model/live.h"
#include "model/loader.h"
#include "model/pins.h"
#include "model/reconcile.h"
#include "proc/procfs.h"
#include "core/escape.h"
#include "core/json.h"
#include "kernel/sigstop.h"
#include "core/util.h"

struct model_args {
	struct live_limits lim;
	bool faults;
	bool json;
	struct reconcile_opts rec;
};

static const struct argp_option start_options[] = {
	{ "max-procs", 'P', "N", 0, "Processes the model can hold (default 32768)", 0 },
	{ "max-vmas", 'M', "N", 0, "VMAs the model can hold (default 131072)", 0 },
	{ "max-names", 'N', "N", 0, "Distinct names the model can hold (default 16384)", 0 },
	{ "max-threads", 'T', "N", 0, "Threads whose stacks the model can label (default 32768)", 0 },
	{ "faults", 'f', NULL, 0, "Also count minor/major page faults per region (see 'map --faults')", 0 },
	CLI_COMMON_OPTIONS,
	{ 0 }
};

static const struct argp_option reconcile_options[] = {
	{ "interval", 'i', "SEC", 0, "Repeat every SEC seconds (default: one pass)", 0 },
	{ "passes", 'n', "N", 0, "Stop after N passes", 0 },
	{ "quiet", 'q', NULL, 0, "No line per divergence", 0 },
	CLI_COMMON_OPTIONS,
	{ 0 }
};

static const struct argp_option status_options[] = {
	{ "json", 'j', NULL, 0, "One JSON object", 0 },
	CLI_COMMON_OPTIONS,
	{ 0 }
};

static error_t parse_limit(struct argp_state *state, const char *arg, uint32_t *out)
{
	uint64_t v;

	if (parse_u64(arg, 10, &v) || v < 16 || v > (1u << 26))
		return cli_fail(state, "%s: bad size '%s' (want 16..67108864)", state->name + 8, arg);
	*out = (uint32_t)v;
	return 0;
}

static error_t model_parse(int key, char *arg, struct argp_state *state)
{
	struct model_args *a = state->input;

	switch (key) {
	case 'P': return parse_limit(state, arg, &a->lim.max_procs);
	case 'M': return parse_limit(state, arg, &a->lim.max_vmas);
	case 'N': return parse_limit(state, arg, &a->lim.max_names);
	case 'T': return parse_limit(state, arg, &a->lim.max_threads);
	case 'j': a->json = true; return 0;
	case 'f': a->faults = true; return 0;
	case 'q': a->rec.quiet = true; return 0;
	case 'i':
		if (parse_seconds(arg, 0.01, 86400, &a->rec.interval))
			return cli_fail(state, "reconcile: bad interval '%s' (seconds, 0.01..86400)", arg);
		return 0;
	case 'n': {
		uint64_t v;

		if (parse_u64(arg, 10, &v) || !v || v > 1000000)
			return cli_fail(state, "reconcile: bad pass count '%s'", arg);
		a->rec.passes = (unsigned)v;
		return 0;
	}
	case ARGP_KEY_ARG:
		return cli_fail(state, "%s: unexpected argument '%s'", state->name + 8, arg);
	default:
		return cli_default_key(key, arg, state);
	}
}

int cmd_start(int argc, char **argv)
{
	struct model_args a = { 0 };
	struct argp argp = { .options = start_options, .parser = model_parse,
		.doc = "Load the live VMA model, pin it under $VMSCOPE_PIN_DIR (default "
		       VMS_PIN_DIR_DEFAULT ") and seed it from every process. It then stays current "
		       "with no vmscope process running." };
	struct loader_opts o;
	struct live_start_info info;
	int r, err;

	sigstop_install("start"); /* a stop signal at any moment: nothing stays pinned */
	r = cli_parse(&argp, "start", argc, argv, &a);
	if (r >= 0)
		return r;
	if (bpf_off_reason()) { /* before any lock or pin: name what is missing */
		vms_err("start: BPF is off: %s; no live model ('vmscope map' reads /proc without it)",
			bpf_off_reason());
		return VMS_EXIT_FAIL;
	}
	o = (struct loader_opts){ .lim = a.lim, .faults = a.faults };
	err = live_start(&o, &info);
	if (err == -ENOLCK) /* said */
		return VMS_EXIT_FAIL;
	if (err == -EPERM && pins_refused()[0]) {
		vms_err("start: %s", pins_refused());
		return VMS_EXIT_FAIL;
	}
	if (err == -EEXIST) {
		vms_err("start: the model is already running (see 'vmscope status'; 'vmscope stop' removes it)");
		return VMS_EXIT_FAIL;
	}
	if (err == -EINTR && sigstop_requested()) {
		int sig = sigstop_signal();

		vms_err("start: interrupted by SIG%s, nothing left pinned",
			sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
		signal(sig, SIG_DFL); /* die of it, as before the first pin */
		raise(sig);
		return 128 + sig;
	}
	if (err == -ENOENT && info.plan.tier == VMS_TIER_PROCFS) {
		vms_err("start: this kernel has no BTF (/sys/kernel/btf/vmlinux): no live model; "
			"'vmscope map --backend procfs' works everywhere");
		return VMS_EXIT_FAIL;
	}
	if (err && info.plan.tier == VMS_TIER_PROCFS && info.plan.tier_why[0]) {
		vms_err("start: cannot load the model: %s", info.plan.tier_why);
		return VMS_EXIT_FAIL;
	}
	if (err) {
		vms_err("start: cannot start the model: %s", strerror(-err));
		return VMS_EXIT_FAIL;
	}
	/* a fallback is not an error, but it is never silent */
	if (info.plan.refused[0])
		vms_err("start: %s; running tier %s", info.plan.refused, tier_name(info.plan.tier));
	if (a.faults && info.plan.faults == VMS_FAULTS_OFF)
		vms_err("start: page fault counts off, because %s", info.plan.faults_why);
	if (info.plan.reader_why[0])
		vms_err("start: %s, because %s",
			info.plan.reader_off == 1
				? "the model's per-process reader is off (a read of one process "
				  "walks the whole map)"
				: "the model's reader is off (reads copy the map by batches)",
			info.plan.reader_why);
	printf("vmscope: model pinned at %s: %llu processes, %llu VMAs seeded in %.3f s\n",
	       pins_dir(), info.seeded_procs, info.seeded_vmas, info.seconds);
	if (info.plan.faults != VMS_FAULTS_OFF)
		printf("vmscope: page faults counted per region: %s\n", faults_source_name(info.plan.faults));
	return VMS_EXIT_OK;
}

int cmd_stop(int argc, char **argv)
{
	struct model_args a = { 0 };
	struct argp argp = { .options = status_options + 1, .parser = model_parse,
		.doc = "Detach the live model and remove everything under $VMSCOPE_PIN_DIR (default "
		       VMS_PIN_DIR_DEFAULT ")." };
	int r = cli_parse(&argp, "stop", argc, argv, &a), err;

	if (r >= 0)
		return r;
	err = live_stop();
	if (err == -EPERM && pins_refused()[0])
		vms_err("stop: %s", pins_refused());
	else if (err && err != -ENOLCK)
		vms_err("stop: cannot remove %s: %s", pins_dir(), strerror(-err));
	return err ? VMS_EXIT_FAIL : VMS_EXIT_OK;
}

static const char *const stat_names[VMS_STAT__COUNT] = {
	[VMS_STAT_EVENTS] = "events", [VMS_STAT_RANGE_RESYNC] = "range_resyncs",
	[VMS_STAT_FULL_RESYNC] = "full_resyncs", [VMS_STAT_ITER_BUSY] = "lock_busy",
	[VMS_STAT_MAP_FULL] = "map_full", [VMS_STAT_UNNAMED] = "unnamed",
	[VMS_STAT_GC_RUNS] = "gc_runs", [VMS_STAT_GC_DELETED] = "gc_deleted",
	[VMS_STAT_EXITS] = "exits", [VMS_STAT_FORKS] = "forks", [VMS_STAT_EXECS] = "execs",
	[VMS_STAT_STACK_GROW] = "stack_grows", [VMS_STAT_CONCURRENT] = "concurrent_ops",
	[VMS_STAT_FOREIGN] = "foreign_writes", [VMS_STAT_RECONCILED] = "reconciled", [VMS_STAT_DIVERGENCES] = "divergences",
	[VMS_STAT_LOST_ENTRY] = "lost_entries", [VMS_STAT_LOST_EXIT] = "lost_exits",
	[VMS_STAT_FAST_UNMAP] = "fast_unmaps", [VMS_STAT_THREAD_FULL] = "thread_map_full",
	[VMS_STAT_FAST_SPAN] = "fast_spans",
};

static void print_escaped(const char *label, const char *text)
{
	char *esc = vms_escape_dup(text, strlen(text), VMS_ESC_TEXT);

	printf("%s%s\n", label, esc);
	free(esc);
}

int cmd_status(int argc, char **argv)
{
	struct model_args a = { 0 };
	struct argp argp = { .options = status_options, .parser = model_parse,
		.doc = "Report the live model: tier, what it tracks, kernel memory, losses." };
	struct live m;
	struct live_status st;
	bool event_tier;
	unsigned faults, faults_cpus;
	struct vms_info info;
	struct live_prog_stat *progs = NULL;
	size_t n_progs = 0;
	int r = cli_parse(&argp, "status", argc, argv, &a), err;

	if (r >= 0)
		return r;
	err = live_open(&m);
	if (err) {
		bool said = err == -ENOENT || (err == -EPERM && pins_refused()[0]);

		vms_err("status: %s%s", said ? "" : "cannot open the model: ", live_open_why(err));
		return VMS_EXIT_FAIL;
	}
	/* Collect dead generations first, so the counts are what is really tracked. */
	live_gc(&m);
	err = live_status(&m, &st);
	event_tier = live_event_tier(&m);
	faults = m.faults_source;
	faults_cpus = m.faults_cpus;
	info = m.info;
	live_close(&m);
	progs = live_prog_stats(&n_progs);
	if (err) {
		vms_err("status: cannot read the model: %s", strerror(-err));
		return VMS_EXIT_FAIL;
	}
	if (a.json) {
		struct json_writer w;

		json_init(&w, stdout);
		json_obj_begin(&w);
		json_kv_str(&w, "tier", event_tier ? "event-resync" : "kfunc-resync");
		json_kv_str(&w, "tier_fallback", info.tier_fallback);
		json_kv_str(&w, "pinned", pins_dir());
		json_kv_u64(&w, "processes", st.procs);
		json_kv_u64(&w, "vmas", st.vmas);
		json_kv_u64(&w, "entries", st.entries);
		json_kv_u64(&w, "garbage_entries", st.garbage_entries);
		json_kv_u64(&w, "dead_process_entries", st.dead_entries);
		json_kv_u64(&w, "names", st.names);
		json_kv_u64(&w, "thread_records", st.thread_records);
		json_kv_u64(&w, "thread_altstacks", st.thread_alts);
		json_kv_u64(&w, "dead_thread_records", st.dead_thread_records);
		json_kv_u64(&w, "dead_processes", st.dead_procs);
		json_kv_u64(&w, "dirty_processes", st.dirty_procs);
		json_kv_u64(&w, "overflow_processes", st.overflow_procs);
		json_kv_u64(&w, "max_vmas", st.max_vmas);
		json_kv_u64(&w, "kernel_bytes", st.kernel_bytes);
		json_kv_bool(&w, "faults", faults != VMS_FAULTS_OFF);
		json_kv_str(&w, "faults_source", faults_source_name(faults));
		json_kv_str(&w, "faults_off_reason", faults == VMS_FAULTS_OFF ? info.faults_why : "");
		json_kv_u64(&w, "faults_cpus", faults_cpus);
		json_kv_u64(&w, "fault_entries", st.fault_entries);
		json_kv_u64(&w, "faults_lost", st.faults_lost);
		json_kv_u64(&w, "missed_runs", st.missed_runs);
		json_key(&w, "move_logs"); /* null: no move log in this tier */
		if (st.move_logs == ~0ull)
			json_null(&w);
		else
			json_u64(&w, st.move_logs);
		json_kv_u64(&w, "dead_move_logs", st.dead_move_logs);
		json_kv_bool(&w, "verified", st.missed_runs == info.verified_misses);
		json_key(&w, "kernel_bytes_per_vma");
		json_double(&w, st.vmas ? (double)st.kernel_bytes / st.vmas : 0);
		json_key(&w, "counters");
		json_obj_begin(&w);
		for (int i = 0; i < VMS_STAT__COUNT; i++)
			json_kv_u64(&w, stat_names[i], st.stats[i]);
		json_obj_end(&w);
		/* bpf_stats: counted only while the kernel's BPF statistics are on */
		json_kv_bool(&w, "bpf_stats_enabled", procfs_bpf_stats_enabled() == 1);
		json_key(&w, "programs");
		json_arr_begin(&w);
		for (size_t i = 0; i < n_progs; i++) {
			json_obj_begin(&w);
			json_kv_str(&w, "name", progs[i].name);
			json_kv_u64(&w, "run_cnt", progs[i].run_cnt);
			json_kv_u64(&w, "run_time_ns", progs[i].run_time_ns);
			json_key(&w, "ns_per_run");
			json_double(&w, progs[i].run_cnt ? (double)progs[i].run_time_ns /
						       (double)progs[i].run_cnt : 0);
			json_kv_u64(&w, "recursion_misses", progs[i].recursion_misses);
			json_obj_end(&w);
		}
		json_arr_end(&w);
		json_obj_end(&w);
		putchar('\n');
		free(progs);
		return VMS_EXIT_OK;
	}
	printf("tier               %s\n", event_tier ? "event-resync (tp_btf events invalidate; "
	       "readers resync from /proc)" : "kfunc-resync (tp_btf + kfunc VMA iterator)");
	/* the pinned info's strings are escaped too: a pin is only as safe as bpffs (escape.h) */
	if (info.tier_fallback[0])
		print_escaped("fallback           ", info.tier_fallback);
	printf("pinned at          %s\n", pins_dir());
	printf("processes          %llu (%llu no longer running)\n", st.procs, st.dead_procs);
	printf("VMAs               %llu (map holds %llu)\n", st.vmas, st.max_vmas);
	printf("names              %llu\n", st.names);
	printf("thread records     %llu (%llu with a sigaltstack, %llu no longer running)\n",
	       st.thread_records, st.thread_alts, st.dead_thread_records);
	printf("kernel memory      %llu bytes (%.1f per VMA)\n", st.kernel_bytes,
	       st.vmas ? (double)st.kernel_bytes / st.vmas : 0.0);
	if (st.move_logs == ~0ull)
		printf("move log           none in this tier (diff matches moved regions by address)\n");
	else
		printf("move log           %llu processes (%llu no longer running): the last %d "
		       "mremap moves of each, %zu bytes a process, in kernel memory\n", st.move_logs,
		       st.dead_move_logs, VMS_MOVES_N, sizeof(struct vms_move_log));
	printf("dirty / overflow   %llu / %llu processes%s\n", st.dirty_procs, st.overflow_procs,
	       st.overflow_procs ? " (read from /proc until restarted with larger maps)" : "");
	printf("garbage entries    %llu (%llu of exited processes), swept lazily\n", st.garbage_entries,
	       st.dead_entries);
	if (faults != VMS_FAULTS_OFF)
		printf("page faults        on: %s on %u CPUs; %llu entries, %llu not attributed\n",
		       faults_source_name(faults), faults_cpus, st.fault_entries, st.faults_lost);
	else if (info.faults_why[0])
		print_escaped("page faults        off, because ", info.faults_why);
	else
		printf("page faults        off (start with --faults to count them per region)\n");
	for (int i = 0; i < VMS_STAT__COUNT; i++)
		printf("%-18s %llu\n", stat_names[i], st.stats[i]);
	printf("%-18s %llu%s\n", "missed_runs", st.missed_runs,
	       st.missed_runs != info.verified_misses ? " (not verified since: readers resync a "
	       "process before reading it; 'vmscope reconcile' verifies all)" : "");
	if (procfs_bpf_stats_enabled() != 1) {
		printf("program run time   off (sysctl kernel.bpf_stats_enabled=1 to count it)\n");
	} else {
		for (size_t i = 0; i < n_progs; i++)
			if (progs[i].run_cnt)
				printf("run time %-15s %.0f ns a run, %llu runs\n", progs[i].name,
				       (double)progs[i].run_time_ns / (double)progs[i].run_cnt,
				       progs[i].run_cnt);
	}
	free(progs);
	return VMS_EXIT_OK;
}

int cmd_reconcile(int argc, char **argv)
{
	struct model_args a = { 0 };
	struct argp argp = { .options = reconcile_options, .parser = model_parse,
		.doc = "Compare the live model with /proc/PID/maps for every process it tracks; log and "
		       "count every divergence (see 'vmscope status'), and resync the process. Reading "
		       "/proc takes each target's mmap_lock, so passes are rate-limited per process." };
	struct reconcile_totals t;
	struct live m;
	int r = cli_parse(&argp, "reconcile", argc, argv, &a), err, lock;

	if (r >= 0)
		return r;
	/* only while opening (pins.c says why): never a model half pinned or half removed */
	lock = pins_lock("reconcile");
	if (lock < 0)
		return VMS_EXIT_FAIL;
	err = live_open(&m);
	pins_unlock(lock);
	if (err) {
		vms_err("reconcile: %s", live_open_why(err));
		return VMS_EXIT_FAIL;
	}
	err = reconcile_run(&m, &a.rec, &t);
	live_close(&m);
	if (err) {
		vms_err("reconcile: %s", strerror(-err));
		return VMS_EXIT_FAIL;
	}
	printf("vmscope: reconcile: %llu processes compared, %llu divergences, %llu repaired\n",
	       t.compared, t.divergences, t.repaired);
	return VMS_EXIT_OK;
}
