// SPDX-License-Identifier: BSD-2-Clause
/* features_probe(): runs the probes (probe_bpf.c, probe_ioctl.c) and picks the model tier. */
#include "features/features.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "features/probe.h"
#include "model/loader.h"
#include "kernel/bpf_diag.h"
#include "kernel/mounts.h"
#include "core/util.h"

static const char *const names[VMS_FEAT_COUNT] = {
	[VMS_FEAT_BPFFS] = "bpffs",
	[VMS_FEAT_TRACEFS] = "tracefs",
	[VMS_FEAT_BTF] = "btf",
	[VMS_FEAT_RINGBUF] = "ringbuf",
	[VMS_FEAT_TP_BTF] = "tp_btf",
	[VMS_FEAT_RAW_TP] = "raw_tp",
	[VMS_FEAT_ITER_TASK_VMA] = "iter_task_vma",
	[VMS_FEAT_KFUNC_ITER] = "kfunc_iter",
	[VMS_FEAT_FIND_VMA] = "find_vma",
	[VMS_FEAT_FENTRY] = "fentry",
	[VMS_FEAT_PERF_PAGEFAULT] = "perf_pagefault",
	[VMS_FEAT_PERF_FAULT_MINMAJ] = "perf_fault_minmaj",
	[VMS_FEAT_PAGE_FAULT_USER] = "page_fault_user",
	[VMS_FEAT_PROCMAP_QUERY] = "procmap_query",
	[VMS_FEAT_PAGEMAP_SCAN] = "pagemap_scan",
};

const char *feature_name(enum vms_feature_id id)
{
	return id < VMS_FEAT_COUNT ? names[id] : "?";
}

const char *tier_name(enum vms_tier tier)
{
	switch (tier) {
	case VMS_TIER_KFUNC_RESYNC:
		return "kfunc-resync";
	case VMS_TIER_EVENT_RESYNC:
		return "event-resync";
	default:
		return "procfs";
	}
}

void feat_set(struct vms_feature *f, bool ok, const char *fmt, ...)
{
	va_list ap;

	f->available = ok;
	va_start(ap, fmt);
	vsnprintf(f->detail, sizeof(f->detail), fmt, ap);
	va_end(ap);
}

void feat_load_failed(struct vms_feature *f, int err)
{
	const char *refusal = bpf_diag_refusal();

	if (refusal)
		feat_set(f, false, "%s at load: %s", err_name(err), refusal);
	else
		feat_set(f, false, "%s at load", err_name(err));
	bpf_diag_reset(); /* consumed: the next probe's failure is its own */
}

void probe_trigger_syscalls(void)
{
	for (int i = 0; i < 8; i++)
		syscall(__NR_getpgid, 0);
}

const char *err_name(int err)
{
	const char *s = strerrorname_np(err < 0 ? -err : err);

	return s ? s : "unknown error";
}

/*
 * The tier and the fault source are what `vmscope start` would run: the same decision
 * (live_load), made by loading the real model objects, never inferred from the probes above.
 */
static void pick_tier(struct vms_features *f)
{
	struct live_plan plan;
	char probe_why[192];
	unsigned source = features_fault_source(f, probe_why, sizeof(probe_why));

	live_load(source, &plan);
	f->tier = plan.tier;
	snprintf(f->tier_reason, sizeof(f->tier_reason), "%s", plan.tier_why);
	f->fault_source = plan.faults;
	if (plan.faults != VMS_FAULTS_OFF)
		snprintf(f->fault_reason, sizeof(f->fault_reason), "%s", probe_why);
	else
		snprintf(f->fault_reason, sizeof(f->fault_reason), "off, because %s",
			 source == VMS_FAULTS_OFF ? probe_why
			 : plan.faults_why[0] ? plan.faults_why : "no model tier loads");
}

static void probe_mount(struct vms_feature *f, int (*ensure)(void), const char *path)
{
	int err = ensure();

	if (err < 0)
		feat_set(f, false, "cannot mount on %s: %s", path, err_name(err));
	else
		feat_set(f, true, "%s%s", path, err ? " (mounted now)" : "");
}

static void probe_btf(struct probe_env *env, struct vms_feature *f)
{
	struct btf *btf;

	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		feat_set(f, false, "no /sys/kernel/btf/vmlinux (%s)", err_name(errno));
		return;
	}
	btf = btf__load_vmlinux_btf();
	if (!btf) {
		feat_set(f, false, "%s loading /sys/kernel/btf/vmlinux", err_name(errno));
		return;
	}
	env->vmlinux_btf = btf;
	feat_set(f, true, "/sys/kernel/btf/vmlinux, %u types", btf__type_cnt(btf));
}

int features_probe(struct vms_features *f)
{
	struct probe_env env = { .tgid = getpid() };
	struct vms_feature *ft = f->feat;
	struct utsname uts;
	struct stat st;

	memset(f, 0, sizeof(*f));
	if (uname(&uts))
		return -errno;
	snprintf(f->kernel, sizeof(f->kernel), "%s", uts.release);
	/* The BPF pid filter compares pids in our own namespace, so it is right in containers. */
	if (stat("/proc/self/ns/pid", &st))
		return -errno;
	env.pidns_dev = st.st_dev;
	env.pidns_ino = st.st_ino;

	bpf_diag_reset();
	probe_mount(&ft[VMS_FEAT_BPFFS], ensure_bpffs, VMS_BPFFS_PATH);
	probe_mount(&ft[VMS_FEAT_TRACEFS], ensure_tracefs, VMS_TRACEFS_PATH);
	probe_btf(&env, &ft[VMS_FEAT_BTF]);
	probe_ringbuf(&env, &ft[VMS_FEAT_RINGBUF]);
	probe_tp_btf(&env, &ft[VMS_FEAT_TP_BTF]);
	probe_raw_tp(&env, &ft[VMS_FEAT_RAW_TP]);
	probe_iter_task_vma(&env, &ft[VMS_FEAT_ITER_TASK_VMA]);
	probe_kfunc_iter(&env, &ft[VMS_FEAT_KFUNC_ITER]);
	probe_find_vma(&env, &ft[VMS_FEAT_FIND_VMA]);
	probe_fentry(&env, &ft[VMS_FEAT_FENTRY]);
	probe_perf_pagefault(&env, &ft[VMS_FEAT_PERF_PAGEFAULT]);
	probe_faults(&env, &ft[VMS_FEAT_PERF_FAULT_MINMAJ], &ft[VMS_FEAT_PAGE_FAULT_USER]);
	probe_procmap_query(&ft[VMS_FEAT_PROCMAP_QUERY]);
	probe_pagemap_scan(&ft[VMS_FEAT_PAGEMAP_SCAN]);
	btf__free(env.vmlinux_btf);

	pick_tier(f);
	return 0;
}
