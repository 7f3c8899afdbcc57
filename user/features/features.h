/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Kernel feature probes. Every BPF feature is tested by really loading, attaching and triggering
 * a tiny program (bpf/probe_*.bpf.c), never inferred from the kernel version. The tier is the
 * live model's own decision (live_load(): its real programs, loaded in tier order).
 */
#ifndef VMS_FEATURES_H
#define VMS_FEATURES_H

#include <stdbool.h>
#include <stddef.h>

enum vms_feature_id {
	VMS_FEAT_BPFFS,
	VMS_FEAT_TRACEFS,
	VMS_FEAT_BTF,
	VMS_FEAT_RINGBUF,
	VMS_FEAT_TP_BTF,
	VMS_FEAT_RAW_TP,
	VMS_FEAT_ITER_TASK_VMA,
	VMS_FEAT_KFUNC_ITER,
	VMS_FEAT_FIND_VMA,
	VMS_FEAT_FENTRY,
	VMS_FEAT_PERF_PAGEFAULT,
	VMS_FEAT_PERF_FAULT_MINMAJ,	/* perf PAGE_FAULTS_MIN/MAJ + bpf_find_vma: fault counts */
	VMS_FEAT_PAGE_FAULT_USER,	/* tp_btf/page_fault_user: access types of the faults */
	VMS_FEAT_PROCMAP_QUERY,
	VMS_FEAT_PAGEMAP_SCAN,
	VMS_FEAT_COUNT
};

enum vms_tier {
	VMS_TIER_PROCFS,	/* no usable BPF: the /proc backend only */
	VMS_TIER_EVENT_RESYNC,	/* events mark ranges dirty; user space re-reads them */
	VMS_TIER_KFUNC_RESYNC,	/* events + the kfunc VMA iterator re-read ranges in the kernel */
};

struct vms_feature {
	bool available;
	char detail[320];	/* what was seen, or why not (e.g. "EPERM at load") */
};

struct vms_features {
	char kernel[65];	/* uname release */
	struct vms_feature feat[VMS_FEAT_COUNT];
	enum vms_tier tier;	/* what `vmscope start` runs: decided by loading it (live_load) */
	char tier_reason[1024];
	unsigned fault_source;	/* enum vms_fault_source: what `start --faults` uses */
	char fault_reason[320];
};

/* Mounts bpffs and tracefs if missing, runs every probe and picks the tier. Everything loaded
 * is destroyed before it returns; libbpf output shows only with -v (vms_verbose).
 * Returns 0 (even when features are missing) or -errno if the probe could not run at all. */
int features_probe(struct vms_features *f);

/* Runs only the fault-source probes (for `start --faults`); the rest of *f is zeroed. */
int features_probe_faults(struct vms_features *f);
/* The fault-count source for a set of probe results (enum vms_fault_source); why says what. */
unsigned features_fault_source(const struct vms_features *f, char *why, size_t len);

static inline bool features_has(const struct vms_features *f, enum vms_feature_id id)
{
	return f->feat[id].available;
}

/* Stable names: the JSON keys ("btf", "kfunc_iter", ...) and "procfs"/"event-resync"/... */
const char *feature_name(enum vms_feature_id id);
const char *tier_name(enum vms_tier tier);

#endif
