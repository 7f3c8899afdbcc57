// SPDX-License-Identifier: BSD-2-Clause
/* Probes for reading VMAs from BPF: iter/task_vma, the kfunc VMA iterator, bpf_find_vma.
 * Each must find the VMA of a known address of ours, not merely load. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "features/probe.h"
#include "probe_find_vma.skel.h"
#include "probe_iter_task_vma.skel.h"
#include "probe_kfunc_iter.skel.h"

/* A mapped address of ours (in vmscope's data segment) for the probes to look up. */
static int anchor;
#define ANCHOR_ADDR ((uint64_t)(uintptr_t)&anchor)

/* Reads an iterator fd to the end. Returns bytes read or -errno; *buf is malloc'd. */
static ssize_t read_all(int fd, char **buf)
{
	size_t cap = 4096, len = 0;
	char *p = malloc(cap), *np;
	ssize_t n;

	if (!p)
		return -ENOMEM;
	while ((n = read(fd, p + len, cap - len)) > 0) {
		len += n;
		if (len == cap) {
			np = realloc(p, cap *= 2);
			if (!np) {
				free(p);
				return -ENOMEM;
			}
			p = np;
		}
	}
	if (n < 0) {
		n = -errno;
		free(p);
		return n;
	}
	*buf = p;
	return len;
}

void probe_iter_task_vma(const struct probe_env *env, struct vms_feature *f)
{
	union bpf_iter_link_info linfo = { .task.pid = env->tgid };
	LIBBPF_OPTS(bpf_iter_attach_opts, opts, .link_info = &linfo, .link_info_len = sizeof(linfo));
	struct probe_iter_task_vma_bpf *skel;
	struct bpf_link *link;
	char *buf = NULL;
	const uint64_t *r;
	size_t n, hit = 0;
	ssize_t len;
	int fd;

	if (!env->vmlinux_btf) {
		feat_set(f, false, "needs kernel BTF");
		return;
	}
	skel = probe_iter_task_vma_bpf__open_and_load();
	if (!skel) {
		feat_load_failed(f, -errno);
		return;
	}
	/* pid filter in the kernel (6.1+): walk only our own VMAs, not every task's. */
	link = bpf_program__attach_iter(skel->progs.vmsp_iter_vma, &opts);
	if (!link) {
		feat_set(f, false, "%s at attach", err_name(errno));
		goto cleanup;
	}
	skel->links.vmsp_iter_vma = link;
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		feat_set(f, false, "%s creating the iterator", err_name(fd));
		goto cleanup;
	}
	len = read_all(fd, &buf);
	close(fd);
	if (len < 0) {
		feat_set(f, false, "%s reading the iterator", err_name(len));
		goto cleanup;
	}
	r = (const uint64_t *)buf;
	n = len / (2 * sizeof(uint64_t));
	for (size_t i = 0; i < n; i++)
		hit += r[2 * i] <= ANCHOR_ADDR && ANCHOR_ADDR < r[2 * i + 1];
	if (hit == 1)
		feat_set(f, true, "walked our %zu VMAs, found a known address", n);
	else
		feat_set(f, false, "walked %zu VMAs but %zu contain a known address", n, hit);
cleanup:
	free(buf);
	probe_iter_task_vma_bpf__destroy(skel);
}

void probe_kfunc_iter(const struct probe_env *env, struct vms_feature *f)
{
	struct probe_kfunc_iter_bpf *skel;

	if (!env->vmlinux_btf) {
		feat_set(f, false, "needs kernel BTF");
		return;
	}
	/* Before loading: an unresolved weak kfunc sends old verifiers to their 1M-insn limit. */
	if (btf__find_by_name_kind(env->vmlinux_btf, "bpf_iter_task_vma_new", BTF_KIND_FUNC) < 0) {
		feat_set(f, false, "kfunc not in kernel BTF");
		return;
	}
	PROBE_OPEN(probe_kfunc_iter, skel, env, f);
	skel->rodata->target_addr = ANCHOR_ADDR;
	PROBE_LOAD_ATTACH(probe_kfunc_iter, skel, f, " (raw_tp/sys_enter)");
	probe_trigger_syscalls();
	if (!skel->bss->done)
		feat_set(f, false, "program attached but never ran");
	else if (skel->bss->new_ret)
		feat_set(f, false, "bpf_iter_task_vma_new: %s", err_name(skel->bss->new_ret));
	else if (!skel->bss->found)
		feat_set(f, false, "walked %llu VMAs, none contains a known address",
			 (unsigned long long)skel->bss->vmas);
	else
		feat_set(f, true, "bpf_iter_task_vma_* walked our %llu VMAs from raw_tp",
			 (unsigned long long)skel->bss->vmas);
cleanup:
	probe_kfunc_iter_bpf__destroy(skel);
}

void probe_find_vma(const struct probe_env *env, struct vms_feature *f)
{
	struct probe_find_vma_bpf *skel;

	if (!env->vmlinux_btf) {
		feat_set(f, false, "needs kernel BTF");
		return;
	}
	PROBE_OPEN(probe_find_vma, skel, env, f);
	skel->rodata->target_addr = ANCHOR_ADDR;
	PROBE_LOAD_ATTACH(probe_find_vma, skel, f, " (raw_tp/sys_enter)");
	probe_trigger_syscalls();
	if (!skel->bss->done)
		feat_set(f, false, "program attached but never ran");
	else if (skel->bss->find_ret)
		feat_set(f, false, "bpf_find_vma: %s", err_name(skel->bss->find_ret));
	else if (!(skel->bss->vma_start <= ANCHOR_ADDR && ANCHOR_ADDR < skel->bss->vma_end))
		feat_set(f, false, "callback did not get the VMA of a known address");
	else
		feat_set(f, true, "found the VMA of a known address of ours");
cleanup:
	probe_find_vma_bpf__destroy(skel);
}
