// SPDX-License-Identifier: BSD-2-Clause
/* Probes for the fault counts' sources (`start --faults`): perf PAGE_FAULTS_MIN, its address
 * named by the maple-tree walk the counting uses, and tp_btf/page_fault_user with its
 * error_code. Both must see exactly the first-touch faults of 16 fresh pages of ours. */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "features/probe.h"
#include "model/faults.h"
#include "probe_faults.skel.h"
#include "vmscope.h"

enum { PAGES = 16 };	/* as in bpf/probe_faults.bpf.c */

void probe_faults(const struct probe_env *env, struct vms_feature *perf, struct vms_feature *user)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_PAGE_FAULTS_MIN,
		.sample_period = 1,
	};
	long page = sysconf(_SC_PAGESIZE);
	struct probe_faults_bpf *skel = NULL;
	struct bpf_link *link;
	bool want_user = env->vmlinux_btf &&
		btf__find_by_name_kind(env->vmlinux_btf, "btf_trace_page_fault_user", BTF_KIND_TYPEDEF) > 0;
	char *mem;
	int pfd, err;

	feat_set(user, false, want_user ? "not probed" : "no tracepoint exceptions:page_fault_user "
		 "(not x86, or no kernel BTF)");
	mem = mmap(NULL, PAGES * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		feat_set(perf, false, "%s mapping test pages", err_name(errno));
		return;
	}
	madvise(mem, PAGES * page, MADV_NOHUGEPAGE);	/* one fault per page */
	skel = probe_faults_bpf__open();
	if (!skel) {
		feat_set(perf, false, "%s at open", err_name(errno));
		goto cleanup;
	}
	PROBE_SET_TARGET(skel, env);
	skel->rodata->region_start = (uintptr_t)mem;
	bpf_program__set_autoload(skel->progs.vmsp_flt_user, want_user);
	err = probe_faults_bpf__load(skel);
	if (err) {
		feat_load_failed(perf, err);
		goto cleanup;
	}
	if (want_user) {
		skel->links.vmsp_flt_user = bpf_program__attach(skel->progs.vmsp_flt_user);
		if (!skel->links.vmsp_flt_user)
			feat_set(user, false, "%s at attach", err_name(errno));
	}
	/* This thread only (pid 0, any cpu): faults of other processes must not count. */
	pfd = syscall(__NR_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0) {
		feat_set(perf, false, "%s at perf_event_open", err_name(errno));
		goto cleanup;
	}
	link = bpf_program__attach_perf_event(skel->progs.vmsp_flt_min, pfd);
	if (!link) {
		feat_set(perf, false, "%s at attach", err_name(errno));
		close(pfd);
		goto cleanup;
	}
	skel->links.vmsp_flt_min = link;	/* the link owns pfd; destroy closes both */
	for (int i = 0; i < PAGES; i++)
		((volatile char *)mem)[i * page] = 1;
	if (skel->bss->min_in_region == PAGES)
		feat_set(perf, true, "PAGE_FAULTS_MIN ran on each of %d fresh pages, the maple-tree walk "
			 "named their VMA", PAGES);
	else
		feat_set(perf, false, "saw %llu minor faults, %llu in the test VMA (want %d)",
			 (unsigned long long)skel->bss->min_hits,
			 (unsigned long long)skel->bss->min_in_region, PAGES);
	if (skel->links.vmsp_flt_user) {
		if (skel->bss->user_writes == PAGES)
			feat_set(user, true, "fired on %d write faults with error_code's write bit", PAGES);
		else
			feat_set(user, false, "saw %llu faults, %llu writes (want %d)",
				 (unsigned long long)skel->bss->user_hits,
				 (unsigned long long)skel->bss->user_writes, PAGES);
	}
cleanup:
	probe_faults_bpf__destroy(skel);
	munmap(mem, PAGES * page);
}

unsigned features_fault_source(const struct vms_features *f, char *why, size_t len)
{
	const struct vms_feature *ft = f->feat;

	if (!ft[VMS_FEAT_PERF_FAULT_MINMAJ].available) {
		snprintf(why, len, "no per-region fault counts: %s", ft[VMS_FEAT_PERF_FAULT_MINMAJ].detail);
		return VMS_FAULTS_OFF;
	}
	if (!ft[VMS_FEAT_PAGE_FAULT_USER].available) {
		snprintf(why, len, "%s (no access types: %s)", faults_source_name(VMS_FAULTS_PERF),
			 ft[VMS_FEAT_PAGE_FAULT_USER].detail);
		return VMS_FAULTS_PERF;
	}
	snprintf(why, len, "%s", faults_source_name(VMS_FAULTS_PERF_ACCESS));
	return VMS_FAULTS_PERF_ACCESS;
}

int features_probe_faults(struct vms_features *f)
{
	struct probe_env env = { .tgid = getpid() };
	struct stat st;

	memset(f, 0, sizeof(*f));
	if (stat("/proc/self/ns/pid", &st))
		return -errno;
	env.pidns_dev = st.st_dev;
	env.pidns_ino = st.st_ino;
	env.vmlinux_btf = btf__load_vmlinux_btf();
	probe_faults(&env, &f->feat[VMS_FEAT_PERF_FAULT_MINMAJ], &f->feat[VMS_FEAT_PAGE_FAULT_USER]);
	btf__free(env.vmlinux_btf);
	return 0;
}
