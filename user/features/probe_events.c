// SPDX-License-Identifier: BSD-2-Clause
/* Probes for the event side of the model: ring buffer, tp_btf, raw_tp, fentry, perf page faults.
 * Each loads its own tiny program (bpf/probe_*.bpf.c), triggers it and checks it really ran. */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "features/probe.h"
#include "probe_fentry.skel.h"
#include "probe_perf_pf.skel.h"
#include "probe_raw_tp.skel.h"
#include "probe_ringbuf.skel.h"
#include "probe_tp_btf.skel.h"

#define PROBE_RINGBUF_MAGIC 0x766d7363u	/* same as bpf/probe_ringbuf.bpf.c */

static int rb_record(void *ctx, void *data, size_t size)
{
	if (size >= sizeof(uint32_t))
		*(uint32_t *)ctx = *(uint32_t *)data;
	return 0;
}

void probe_ringbuf(const struct probe_env *env, struct vms_feature *f)
{
	LIBBPF_OPTS(bpf_test_run_opts, topts);
	struct probe_ringbuf_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	uint32_t got = 0;
	int fd, err;

	/* The map alone first, so the reason says which half is missing. */
	fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, NULL, 0, 0, 4096, NULL);
	if (fd < 0) {
		feat_set(f, false, "%s creating a ringbuf map", err_name(errno));
		return;
	}
	close(fd);
	skel = probe_ringbuf_bpf__open_and_load();
	if (!skel) {
		feat_load_failed(f, -errno);
		return;
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.vmsp_rb), rb_record, &got, NULL);
	if (!rb) {
		feat_set(f, false, "%s in ring_buffer__new", err_name(errno));
		goto cleanup;
	}
	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.vmsp_ringbuf), &topts);
	if (err || topts.retval) {
		feat_set(f, false, "%s running the reserve/submit program", err ? err_name(err) : "no space");
		goto cleanup;
	}
	err = ring_buffer__poll(rb, 100);
	if (err < 0 || got != PROBE_RINGBUF_MAGIC)
		feat_set(f, false, "record not received (%s)", err < 0 ? err_name(err) : "poll empty");
	else
		feat_set(f, true, "program reserved/submitted a record, ring_buffer__poll got it");
cleanup:
	ring_buffer__free(rb);
	probe_ringbuf_bpf__destroy(skel);
}

void probe_tp_btf(const struct probe_env *env, struct vms_feature *f)
{
	struct probe_tp_btf_bpf *skel;

	if (!env->vmlinux_btf) {
		feat_set(f, false, "needs kernel BTF");
		return;
	}
	PROBE_OPEN(probe_tp_btf, skel, env, f);
	PROBE_LOAD_ATTACH(probe_tp_btf, skel, f, "");
	probe_trigger_syscalls();
	if (skel->bss->hits)
		feat_set(f, true, "tp_btf/sys_exit fired on our own syscalls");
	else
		feat_set(f, false, "tp_btf/sys_exit attached but never fired");
cleanup:
	probe_tp_btf_bpf__destroy(skel);
}

void probe_raw_tp(const struct probe_env *env, struct vms_feature *f)
{
	struct probe_raw_tp_bpf *skel;

	PROBE_OPEN(probe_raw_tp, skel, env, f);
	PROBE_LOAD_ATTACH(probe_raw_tp, skel, f, "");
	probe_trigger_syscalls();
	if (skel->bss->hits)
		feat_set(f, true, "raw_tp/sys_enter fired on our own syscalls");
	else
		feat_set(f, false, "raw_tp/sys_enter attached but never fired");
cleanup:
	probe_raw_tp_bpf__destroy(skel);
}

void probe_fentry(const struct probe_env *env, struct vms_feature *f)
{
	/* Functions on the mmap(2) path; names and inlining differ between kernels. */
	static const char *const targets[] = { "vm_mmap_pgoff", "ksys_mmap_pgoff", "do_mmap" };
	struct probe_fentry_bpf *skel;
	const char *target = NULL;
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	if (!env->vmlinux_btf) {
		feat_set(f, false, "needs kernel BTF");
		return;
	}
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]) && !target; i++)
		if (btf__find_by_name_kind(env->vmlinux_btf, targets[i], BTF_KIND_FUNC) >= 0)
			target = targets[i];
	if (!target) {
		feat_set(f, false, "no mmap function in kernel BTF to attach to");
		return;
	}
	PROBE_OPEN(probe_fentry, skel, env, f);
	bpf_program__set_attach_target(skel->progs.vmsp_fentry, 0, target);
	PROBE_LOAD_ATTACH(probe_fentry, skel, f, "");
	p = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED)
		munmap(p, page);
	if (skel->bss->hits)
		feat_set(f, true, "fentry/%s fired on our own mmap", target);
	else
		feat_set(f, false, "fentry/%s attached but never fired", target);
cleanup:
	probe_fentry_bpf__destroy(skel);
}

void probe_perf_pagefault(const struct probe_env *env, struct vms_feature *f)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_PAGE_FAULTS,
		.sample_period = 1,
	};
	enum { PAGES = 16 };
	long page = sysconf(_SC_PAGESIZE);
	struct probe_perf_pf_bpf *skel;
	struct bpf_link *link;
	char *mem;
	int pfd;

	skel = probe_perf_pf_bpf__open_and_load();
	if (!skel) {
		feat_load_failed(f, -errno);
		return;
	}
	/* This thread only (pid 0, any cpu): faults of other processes must not count. */
	pfd = syscall(__NR_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0) {
		feat_set(f, false, "%s at perf_event_open", err_name(errno));
		goto cleanup;
	}
	link = bpf_program__attach_perf_event(skel->progs.vmsp_perf_pf, pfd);
	if (!link) {
		feat_set(f, false, "%s at attach", err_name(errno));
		close(pfd);
		goto cleanup;
	}
	skel->links.vmsp_perf_pf = link;	/* the link owns pfd; destroy closes both */
	mem = mmap(NULL, PAGES * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		feat_set(f, false, "%s mapping test pages", err_name(errno));
		goto cleanup;
	}
	for (int i = 0; i < PAGES; i++)
		((volatile char *)mem)[i * page] = 1;
	munmap(mem, PAGES * page);
	if (skel->bss->hits)
		feat_set(f, true, "program ran on page faults of %d fresh pages", PAGES);
	else
		feat_set(f, false, "attached but saw no page faults");
cleanup:
	probe_perf_pf_bpf__destroy(skel);
}
