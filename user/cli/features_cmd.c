// SPDX-License-Identifier: BSD-2-Clause
/* `vmscope features`: probe the kernel's BPF features and name the tier the live model uses. */
#include <stdio.h>
#include <string.h>

#include "backend/bpf_off.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "features/features.h"
#include "model/faults.h"
#include "core/json.h"
#include "core/util.h"

struct features_args {
	bool json;
};

enum { OPT_JSON = 0x100 };

static const struct argp_option options[] = {
	{ "json", OPT_JSON, NULL, 0, "One JSON object instead of the table", 0 },
	CLI_COMMON_OPTIONS,
	{ 0 }
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct features_args *a = state->input;

	switch (key) {
	case OPT_JSON:
		a->json = true;
		return 0;
	case ARGP_KEY_ARG:
		return cli_fail(state, "features: unexpected argument '%s'", arg);
	default:
		return cli_default_key(key, arg, state);
	}
}

static const struct argp argp = {
	.options = options,
	.parser = parse_opt,
	.doc = "Probe the kernel's BPF features by loading, attaching and triggering tiny programs,"
	       " and name the tier the live model will use. Mounts bpffs and tracefs if missing."
	       " Needs root (CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN) for the BPF probes.",
};

static void print_json(const struct vms_features *f)
{
	struct json_writer w;

	json_init(&w, stdout);
	json_obj_begin(&w);
	json_kv_str(&w, "kernel", f->kernel);
	json_key(&w, "features");
	json_obj_begin(&w);
	for (int i = 0; i < VMS_FEAT_COUNT; i++) {
		json_key(&w, feature_name(i));
		json_obj_begin(&w);
		json_kv_bool(&w, "available", f->feat[i].available);
		json_kv_str(&w, "detail", f->feat[i].detail);
		json_obj_end(&w);
	}
	json_obj_end(&w);
	json_kv_str(&w, "tier", tier_name(f->tier));
	json_kv_str(&w, "tier_reason", f->tier_reason);
	json_kv_str(&w, "faults_source", faults_source_name(f->fault_source));
	json_kv_str(&w, "faults_reason", f->fault_reason);
	json_obj_end(&w);
	fputc('\n', stdout);
}

static void print_table(const struct vms_features *f)
{
	int w = (int)strlen("FEATURE");

	for (int i = 0; i < VMS_FEAT_COUNT; i++)
		if ((int)strlen(feature_name(i)) > w)
			w = strlen(feature_name(i));
	printf("kernel %s\n\n", f->kernel);
	printf("%-*s  %-9s  %s\n", w, "FEATURE", "AVAILABLE", "DETAIL");
	for (int i = 0; i < VMS_FEAT_COUNT; i++)
		printf("%-*s  %-9s  %s\n", w, feature_name(i), f->feat[i].available ? "yes" : "no",
		       f->feat[i].detail);
	printf("\ntier %s: %s\n", tier_name(f->tier), f->tier_reason);
	printf("faults (start --faults): %s\n", f->fault_reason);
}

int cmd_features(int argc, char **argv)
{
	struct features_args a = { 0 };
	struct vms_features f;
	int err;

	err = cli_parse(&argp, "features", argc, argv, &a);
	if (err >= 0)
		return err;
	err = features_probe(&f);
	if (err) {
		vms_err("features: cannot run the probes: %s", strerror(-err));
		return VMS_EXIT_FAIL;
	}
	if (bpf_off_reason()) /* the probes say it in detail; this says it once */
		vms_err("features: BPF is off: %s; vmscope reads /proc (procfs backend)",
			bpf_off_reason());
	if (a.json)
		print_json(&f);
	else
		print_table(&f);
	if (fflush(stdout) || ferror(stdout)) {
		vms_err("features: write error");
		return VMS_EXIT_FAIL;
	}
	return VMS_EXIT_OK;
}
