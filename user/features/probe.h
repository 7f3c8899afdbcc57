/* SPDX-License-Identifier: BSD-2-Clause */
/* Internal to user/features: the individual probes and what they share. */
#ifndef VMS_FEATURES_PROBE_H
#define VMS_FEATURES_PROBE_H

#include <stdint.h>

#include "features/features.h"

struct btf;

struct probe_env {
	struct btf *vmlinux_btf;	/* NULL when kernel BTF is missing */
	uint64_t pidns_dev, pidns_ino;	/* our pid namespace, for the in-BPF pid filter */
	uint32_t tgid;			/* our pid in that namespace */
};

/* Sets the pid-filter knobs of bpf/probe_common.h in an opened, not yet loaded skeleton. */
#define PROBE_SET_TARGET(skel, env)                           \
	do {                                                  \
		(skel)->rodata->pidns_dev = (env)->pidns_dev; \
		(skel)->rodata->pidns_ino = (env)->pidns_ino; \
		(skel)->rodata->target_tgid = (env)->tgid;    \
	} while (0)

/*
 * The open, load and attach of the probe skeleton probe_NAME (probe_NAME.skel.h), in a function
 * that ends with a `cleanup:` label destroying skel. A failed open says why in f and returns; a
 * failed load or attach says why and goes to cleanup. Knobs are set between the two macros.
 */
#define PROBE_OPEN(name, skel, env, f)                                         \
	do {                                                                   \
		(skel) = name##_bpf__open();                                   \
		if (!(skel)) {                                                 \
			feat_set(f, false, "%s at open", err_name(errno));     \
			return;                                                \
		}                                                              \
		PROBE_SET_TARGET(skel, env);                                   \
	} while (0)

#define PROBE_LOAD_ATTACH(name, skel, f, where)                                \
	do {                                                                   \
		int err_ = name##_bpf__load(skel);                             \
		if (err_) {                                                    \
			feat_load_failed(f, err_);                             \
			goto cleanup;                                          \
		}                                                              \
		err_ = name##_bpf__attach(skel);                               \
		if (err_) {                                                    \
			feat_set(f, false, "%s at attach%s", err_name(err_), where); \
			goto cleanup;                                          \
		}                                                              \
	} while (0)

/* A few syscalls of our own, for the sys_enter/sys_exit probes to see. */
void probe_trigger_syscalls(void);

/* Sets a result: detail is printf-formatted. */
void feat_set(struct vms_feature *f, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A probe's program did not load: "EACCES at load", with the verifier's reason if it refused. */
void feat_load_failed(struct vms_feature *f, int err);
/* "EPERM" for -EPERM etc. */
const char *err_name(int err);

void probe_ringbuf(const struct probe_env *env, struct vms_feature *f);
void probe_tp_btf(const struct probe_env *env, struct vms_feature *f);
void probe_raw_tp(const struct probe_env *env, struct vms_feature *f);
void probe_iter_task_vma(const struct probe_env *env, struct vms_feature *f);
void probe_kfunc_iter(const struct probe_env *env, struct vms_feature *f);
void probe_find_vma(const struct probe_env *env, struct vms_feature *f);
void probe_fentry(const struct probe_env *env, struct vms_feature *f);
void probe_perf_pagefault(const struct probe_env *env, struct vms_feature *f);
void probe_faults(const struct probe_env *env, struct vms_feature *perf, struct vms_feature *user);
void probe_procmap_query(struct vms_feature *f);
void probe_pagemap_scan(struct vms_feature *f);

#endif
