// SPDX-License-Identifier: BSD-2-Clause
#include "model/faults.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kernel/map_batch.h"
#include "model/pins.h"
#include "core/util.h"
#include "vmscope.h"

const char *faults_source_name(unsigned source)
{
	switch (source) {
	case VMS_FAULTS_PERF:
		return "perf PAGE_FAULTS_MIN/MAJ";
	case VMS_FAULTS_PERF_ACCESS:
		return "perf PAGE_FAULTS_MIN/MAJ + page_fault_user (access types)";
	default:
		return "off";
	}
}

/* One software event on one CPU, every process, a sample (a program run) per fault. */
static struct bpf_link *attach_one(struct bpf_program *prog, unsigned long long config, int cpu)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = config,
		.sample_period = 1,
	};
	struct bpf_link *link;
	int pfd, err;

	pfd = syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0)
		return NULL;
	link = bpf_program__attach_perf_event(prog, pfd);
	if (!link) {
		err = errno;
		close(pfd);
		errno = err;
	}
	return link;	/* the link owns pfd now */
}

int faults_attach_perf(struct bpf_program *min_prog, struct bpf_program *maj_prog,
		       struct faults_links *out)
{
	int ncpu = libbpf_num_possible_cpus(), err = 0;

	out->n = out->ncpus = 0;
	out->progs[0] = min_prog;
	out->progs[1] = maj_prog;
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	out->links = xcalloc((size_t)ncpu * 2, sizeof(*out->links));
	for (int cpu = 0; cpu < ncpu; cpu++) {
		struct bpf_link *lmin = attach_one(min_prog, PERF_COUNT_SW_PAGE_FAULTS_MIN, cpu), *lmaj;

		if (!lmin && errno == ENODEV)
			continue; /* possible but offline */
		if (!lmin) {
			err = -errno;
			goto cleanup;
		}
		out->links[out->n++] = lmin;
		lmaj = attach_one(maj_prog, PERF_COUNT_SW_PAGE_FAULTS_MAJ, cpu);
		if (!lmaj) {
			err = -errno;
			goto cleanup;
		}
		out->links[out->n++] = lmaj;
		out->ncpus++;
	}
	if (!out->ncpus)
		err = -ENODEV;
cleanup:
	if (err)
		faults_links_destroy(out);
	return err;
}

int faults_pin_links(const struct faults_links *l, const char *dir)
{
	char path[512], name[64];
	int err;

	for (int i = 0; i < l->n; i++) {
		/* links go in (min, maj) pairs, one pair per attached CPU */
		pins_name(bpf_program__name(l->progs[i % 2]), name, sizeof(name));
		snprintf(path, sizeof(path), "%s/%s_%d", dir, name, i / 2);
		err = bpf_link__pin(l->links[i], path);
		if (err)
			return err;
	}
	return 0;
}

void faults_links_release(struct faults_links *l)
{
	/* destroying a perf link would disable its event, pinned or not */
	for (int i = 0; i < l->n; i++)
		bpf_link__disconnect(l->links[i]);
	faults_links_destroy(l);
}

void faults_links_destroy(struct faults_links *l)
{
	for (int i = 0; i < l->n; i++)
		bpf_link__destroy(l->links[i]);
	free(l->links);
	l->links = NULL;
	l->n = l->ncpus = 0;
}

/* Every (key, value) of the fault map, by batches. */

static int for_each_fault(int fd, map_elem_cb cb, void *ctx)
{
	return map_for_each_batch(fd, sizeof(struct vms_fault_key), sizeof(struct vms_fault_ent),
				  cb, ctx);
}

struct fill_ctx {
	uint32_t tgid;
	struct vms_snapshot *s;
	long n;
};

/* Adds one entry's counts to the region of s that holds its key (regions sorted by start). */
static void add_to_region(struct vms_snapshot *s, const struct vms_fault_key *k,
			  const struct vms_fault_ent *v)
{
	size_t lo = 0, hi = s->n;

	/* the region holding the key: the last one starting at or below it */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->regions[mid].start <= k->start)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && k->start < s->regions[lo - 1].end) {
		struct vms_region *r = &s->regions[lo - 1];

		region_more_set(r)->faults_min += v->min;
		region_more_set(r)->faults_maj += v->maj;
		region_more_set(r)->faults_read += v->read;
		region_more_set(r)->faults_write += v->write;
		region_more_set(r)->faults_exec += v->exec;
	}
}

static int fill_one(void *ctx, const void *key, const void *val)
{
	struct fill_ctx *c = ctx;
	const struct vms_fault_key *k = key;

	if (k->tgid == c->tgid)
		add_to_region(c->s, k, val);
	return 0;
}

int faults_fill(int faults_fd, uint32_t tgid, struct vms_snapshot *s)
{
	struct fill_ctx c = { .tgid = tgid, .s = s };

	return for_each_fault(faults_fd, fill_one, &c);
}

static int count_one(void *ctx, const void *key, const void *val)
{
	const struct vms_fault_key *k = key;
	struct fill_ctx *c = ctx;

	if (!c->tgid || k->tgid == c->tgid)
		c->n++;
	return 0;
}

long faults_count_entries(int faults_fd, uint32_t tgid)
{
	struct fill_ctx c = { .tgid = tgid };
	int err = for_each_fault(faults_fd, count_one, &c);

	return err ? err : c.n;
}

static int table_add(void *ctx, const void *key, const void *val)
{
	struct faults_table *t = ctx;

	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		t->e = xrealloc(t->e, t->cap * sizeof(*t->e));
	}
	t->e[t->n].k = *(const struct vms_fault_key *)key;
	t->e[t->n++].v = *(const struct vms_fault_ent *)val;
	return 0;
}

static int cmp_tgid(const void *a, const void *b)
{
	uint32_t x = ((const struct faults_table_ent *)a)->k.tgid;
	uint32_t y = ((const struct faults_table_ent *)b)->k.tgid;

	return (x > y) - (x < y);
}

int faults_table_read(int faults_fd, struct faults_table *t)
{
	int err;

	*t = (struct faults_table){ 0 };
	err = for_each_fault(faults_fd, table_add, t);
	if (err) {
		faults_table_free(t);
		return err;
	}
	qsort(t->e, t->n, sizeof(*t->e), cmp_tgid);
	return 0;
}

void faults_table_fill(const struct faults_table *t, size_t from, size_t to,
		       struct vms_snapshot *s)
{
	for (size_t i = from; i < to; i++)
		add_to_region(s, &t->e[i].k, &t->e[i].v);
}

void faults_table_free(struct faults_table *t)
{
	free(t->e);
	*t = (struct faults_table){ 0 };
}
