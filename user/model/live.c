// SPDX-License-Identifier: BSD-2-Clause
#include "model/live.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kernel/contract.h"
#include "kernel/vma_reader.h"
#include "model/faults.h"
#include "model/pins.h"
#include "proc/procfs.h"
#include "kernel/bpf_diag.h"
#include "kernel/map_batch.h"
#include "core/escape.h"
#include "core/sort.h"
#include "core/util.h"
#include "model/live_read.h"

int live_pinned(void)
{
	int err = pins_check(), fd;

	if (err)
		return err == -ENOENT ? 0 : err;
	fd = pins_get("maps", "vms_procs", sizeof(__u32), sizeof(struct vms_proc_ent));
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	close(fd);
	return 1;
}

const char *live_open_why(int err)
{
	if (err == -ENOENT)
		return "the model is not running (start it with 'vmscope start')";
	if (err == -EPERM && pins_refused()[0])
		return pins_refused();
	return strerror(-err);
}

/* The subdirs of the pin dir live_open() takes its pins from, each opened (and checked) once
 * for all of them: -2 until its first pin. */
struct subs {
	int maps, progs;
};

/* pins_get(sub, ...) of one live_open(); d NULL: a pins_get of its own. */
static int get(struct subs *d, const char *sub, const char *name, __u32 key, __u32 value)
{
	int *fd;

	if (!d)
		return pins_get(sub, name, key, value);
	fd = !strcmp(sub, "maps") ? &d->maps : &d->progs;
	if (*fd == -2)
		*fd = pins_open_sub(sub);
	return *fd < 0 ? *fd : pins_get_at(*fd, sub, name, key, value);
}

/* vms_faults_info names the fault source that runs (VMS_FAULTS_OFF: none, as when it is
 * missing). */
static void live_open_faults(struct live *m, struct subs *d)
{
	struct vms_fault_info fi = { 0 };
	__u32 zero = 0;
	int info_fd = get(d, "maps", "vms_faults_info", sizeof(zero), sizeof(fi));

	if (info_fd < 0)
		return;
	if (!bpf_map_lookup_elem(info_fd, &zero, &fi) && fi.source != VMS_FAULTS_OFF) {
		m->faults_fd = get(d, "maps", "vms_faults", sizeof(struct vms_fault_key),
				   sizeof(struct vms_fault_ent));
		m->faults_lost_fd = get(d, "maps", "vms_faults_lost", sizeof(zero), sizeof(__u64));
		if (m->faults_fd >= 0 && m->faults_lost_fd >= 0) {
			m->faults_source = fi.source;
			m->faults_cpus = fi.ncpus;
		}
	}
	close(info_fd);
}

static void open_info(struct live *m, struct subs *d)
{
	__u32 zero = 0;
	int fd = get(d, "maps", "vms_info", sizeof(zero), sizeof(m->info));

	memset(&m->info, 0, sizeof(m->info));
	if (fd >= 0) {
		bpf_map_lookup_elem(fd, &zero, &m->info);
		close(fd);
	}
}

void live_open_info(struct live *m)
{
	open_info(m, NULL);
}

/* Tier kfunc-resync's storage (a model started before it has none: the hash is read). */
static void open_slab(struct live *m, struct subs *d)
{
	struct bpf_map_info mi = { 0 };
	__u32 len = sizeof(mi);

	m->index_fd = get(d, "maps", "vms_index", sizeof(struct vms_vma_key), sizeof(__u32));
	m->slab_fd = m->index_fd < 0 ? -1 : get(d, "maps", "vms_slab", sizeof(__u32),
						 sizeof(struct vms_slab_rec));
	if (m->slab_fd >= 0 && !bpf_obj_get_info_by_fd(m->slab_fd, &mi, &len) &&
	    (mi.map_flags & BPF_F_MMAPABLE) && mi.max_entries > 1) {
		m->slab_slots = mi.max_entries;
		return;
	}
	if (m->index_fd >= 0)
		close(m->index_fd);
	if (m->slab_fd >= 0)
		close(m->slab_fd);
	m->index_fd = m->slab_fd = -1;
}

int live_open(struct live *m)
{
	/* the sizes readers copy values with: a map of other sizes is not the model's */
	struct { int *fd; const char *sub, *name; __u32 key, value; } objs[] = {
		{ &m->procs_fd, "maps", "vms_procs", sizeof(__u32), sizeof(struct vms_proc_ent) },
		{ &m->vmas_fd, "maps", "vms_vmas", sizeof(struct vms_vma_key),
		  sizeof(struct vms_vma_ent) },
		{ &m->names_fd, "maps", "vms_names", sizeof(__u64), sizeof(struct vms_name_ent) },
		{ &m->stats_fd, "maps", "vms_stats", sizeof(__u32), sizeof(__u64) },
		{ &m->global_fd, "maps", "vms_global", sizeof(__u32), sizeof(struct vms_global) },
		{ &m->gc_fd, "progs", "gc" }, { &m->new_gen_fd, "progs", "new_gen" },
		{ &m->publish_fd, "progs", "publish" },
		{ &m->resync_fd, "progs", "resync" },	/* last: only in tier kfunc-resync */
	};
	struct subs d = { -2, -2 };
	int err = pins_check();

	for (size_t i = 0; i < ARRAY_SIZE(objs); i++)
		*objs[i].fd = -1;
	m->faults_fd = m->faults_lost_fd = -1;
	m->moves_fd = -1;
	m->index_fd = m->slab_fd = -1;
	m->slab = NULL;
	m->slab_slots = 0;
	m->dump_fd = m->dump_out_fd = m->dump_proc_fd = -1;
	m->dump_out = NULL;
	m->dump_out_mapped = 0;
	m->faults_source = VMS_FAULTS_OFF;
	if (err)
		return err;
	for (size_t i = 0; i < ARRAY_SIZE(objs); i++) {
		err = *objs[i].fd = get(&d, objs[i].sub, objs[i].name, objs[i].key, objs[i].value);
		if (err == -ENOENT && objs[i].fd == &m->resync_fd)
			break;
		if (err < 0) {
			*objs[i].fd = -1;
			live_close(m);
			goto out;
		}
	}
	err = 0;
	live_open_faults(m, &d);
	open_info(m, &d);
	/* optional: tier kfunc-resync's, and a model started before it had none */
	m->moves_fd = live_event_tier(m) ? -1 : get(&d, "maps", "vms_moves", sizeof(__u32),
						     sizeof(struct vms_move_log));
	if (m->moves_fd < 0)
		m->moves_fd = -1;
	/* the reader: optional (refused by this kernel, or a model started before it existed) */
	m->dump_fd = get(&d, "progs", "dump", 0, 0);
	m->dump_out_fd = m->dump_fd < 0 ? -1 : get(&d, "maps", "vms_dump_out", sizeof(__u32),
						   sizeof(struct vms_dump_rec));
	if (m->dump_out_fd >= 0) {
		struct bpf_map_info mi = { 0 };
		__u32 len = sizeof(mi);

		if (!bpf_obj_get_info_by_fd(m->dump_out_fd, &mi, &len))
			m->dump_out_bytes = (size_t)mi.max_entries * sizeof(struct vms_dump_rec);
	}
	if ((m->dump_out_fd < 0 || !m->dump_out_bytes) && m->dump_fd >= 0) {
		close(m->dump_fd);
		m->dump_fd = -1;
	}
	if (m->dump_fd >= 0) /* optional too: tier kfunc-resync only */
		m->dump_proc_fd = get(&d, "progs", "dump_proc", 0, 0);
	if (m->dump_proc_fd < 0)
		m->dump_proc_fd = -1;
	if (!live_event_tier(m))
		open_slab(m, &d);
out:
	if (d.maps >= 0)
		close(d.maps);
	if (d.progs >= 0)
		close(d.progs);
	return err;
}

void live_close(struct live *m)
{
	live_dump_unmap(m);
	int *fds[] = { &m->procs_fd, &m->vmas_fd, &m->names_fd, &m->stats_fd, &m->global_fd,
		       &m->gc_fd, &m->resync_fd, &m->new_gen_fd, &m->publish_fd, &m->faults_fd,
		       &m->faults_lost_fd, &m->dump_fd, &m->dump_out_fd, &m->dump_proc_fd,
		       &m->moves_fd, &m->index_fd, &m->slab_fd };

	for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

uint64_t live_start_time_ns(uint64_t ticks)
{
	return ticks * (1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK));
}

bool live_same_start(uint64_t model_ns, uint64_t ticks)
{
	return model_ns / (1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK)) == ticks;
}

int live_resync(struct live *m, pid_t pid)
{
	struct vms_resync_args args = { .pid = pid };
	/* syscall programs get ctx_in and write their answer back into it (no ctx_out) */
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &args, .ctx_size_in = sizeof(args));

	if (live_event_tier(m)) {
		struct vms_snapshot s;
		int err;

		snapshot_init(&s);
		err = procfs_read_proc(pid, &s.proc);
		if (!err)
			err = live_resync_from_proc(m, &s);
		snapshot_free(&s);
		return err;
	}

	if (bpf_prog_test_run_opts(m->resync_fd, &opts))
		return -errno;
	return args.ret;
}

int live_gc(struct live *m)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);

	return bpf_prog_test_run_opts(m->gc_fd, &opts) ? -errno : 0;
}

/* Every (key, value) of the VMA map, by batches. */

static int for_each_vma(struct live *m, map_elem_cb cb, void *ctx)
{
	if (m->slab_fd >= 0)
		return live_vmas(m, 0, 0, cb, ctx);
	return map_for_each_batch(m->vmas_fd, sizeof(struct vms_vma_key), sizeof(struct vms_vma_ent),
				  cb, ctx);
}

struct collect {
	uint32_t tgid, gen;
	struct live_vma *v;
	size_t n, cap;
};

static int collect_one(void *ctx, const void *key, const void *val)
{
	const struct vms_vma_key *k = key;
	struct collect *c = ctx;

	if (k->tgid != c->tgid || k->gen != c->gen)
		return 0;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		c->v = xrealloc(c->v, c->cap * sizeof(*c->v));
	}
	c->v[c->n].k = *k;
	c->v[c->n++].v = *(const struct vms_vma_ent *)val;
	return 0;
}

static void free_name(void *p)
{
	free(p);
}

void live_names_free(struct live_names *nc)
{
	for (size_t i = 0; i < ARRAY_SIZE(nc->by_kind); i++)
		u64map_free(&nc->by_kind[i], free_name);
	u64map_free(&nc->ino_now, NULL);
}

/*
 * The model names a file as it was when mapped. An unlink or a rename since changes /proc's
 * name (" (deleted)", the new path) and no event says so: a path is checked against the inode
 * it names now, from our root (cached per name and read) or else from the process's (a
 * container's files), and a region whose path names another inode or none is stale.
 */
static bool path_current(struct live_names *nc, pid_t pid, const struct vms_vma_ent *v,
			 const char *name)
{
	static const char deleted[] = " (deleted)";
	size_t len = strlen(name);
	uint64_t ino;
	void **slot;

	if (vms_vma_ent_kind(v->flags) != VMS_NAME_PATH || name[0] != '/' ||
	    (len >= sizeof(deleted) - 1 && !strcmp(name + len - (sizeof(deleted) - 1), deleted)))
		return true; /* not a path, or deleted already (it stays so) */
	slot = u64map_slot(&nc->ino_now, v->name_id);
	if (!*slot) {
		struct stat st;

		*slot = (void *)(fstatat(AT_FDCWD, name, &st, AT_NO_AUTOMOUNT) ? UINTPTR_MAX
									  : (uintptr_t)st.st_ino + 1);
	}
	if ((uintptr_t)*slot == (uintptr_t)v->ino + 1)
		return true;
	return !procfs_root_ino(pid, name, &ino) && ino == v->ino;
}

static char name_missing[] = "";	/* cached: the id has no (usable) name */

/* The region's name as /proc spells it (cached), or NULL if the model has none for it. */
static const char *name_of(struct live *m, struct live_names *nc, const struct vms_vma_ent *v)
{
	struct vms_name_ent ne;
	uint32_t kind = vms_vma_ent_kind(v->flags);
	void **slot;

	if (kind == VMS_NAME_NONE)
		return "";
	if (!v->name_id || kind >= ARRAY_SIZE(nc->by_kind))
		return NULL;
	slot = u64map_slot(&nc->by_kind[kind], v->name_id);
	if (!*slot) {
		char *name = NULL;

		if (!bpf_map_lookup_elem(m->names_fd, &v->name_id, &ne) && ne.len <= VMS_NAME_MAX)
			name = vms_name_decode(kind, ne.name, ne.len);
		*slot = name ? name : name_missing;
	}
	return *slot == name_missing ? NULL : *slot;
}

int live_fill_order(struct live *m, struct live_names *nc, const struct live_vma *v, uint32_t gen,
		    struct vms_sort_ent *order, size_t n, struct vms_sort_ent *tmp, bool gate,
		    struct vms_snapshot *s)
{
	size_t n0 = s->n;
	int err = 0;

	vms_sort_by_key_tmp(order, n, tmp);
	snapshot_reserve(s, n + 1); /* (a caller that keeps order in this room reserved it) */
	for (size_t i = 0; i < n; i++) {
		struct live_vma slot;
		const struct live_vma *e = v ? &v[order[i].idx] : &slot;
		const char *name;
		struct vms_region *reg;

		if (!v && !live_slab_get(m, order[i].idx, (uint32_t)s->proc.pid, gen, &slot)) {
			err = -EAGAIN;
			break;
		}
		name = e->v.flags & VMS_VMA_UNNAMED ? NULL : name_of(m, nc, &e->v);
		if (!name) {
			err = -ENODATA;
			break;
		}
		if (!path_current(nc, s->proc.pid, &e->v, name)) {
			char *shown = vms_escape_dup(name, strlen(name), VMS_ESC_TEXT);

			vms_debug("PID %d: %s was unlinked or renamed since it was mapped: "
				  "resyncing", (int)s->proc.pid, shown);
			free(shown);
			err = -ESTALE;
			break;
		}
		reg = snapshot_add(s);
		reg->start = e->k.start;
		reg->end = e->v.end;
		reg->offset = e->v.pgoff;
		reg->inode = e->v.ino;
		reg->dev_major = e->v.dev >> 20;
		reg->dev_minor = e->v.dev & 0xfffff;
		vms_perm_text(e->v.flags & 0xff, reg->perms);
		reg->name = region_name_dup(name, strlen(name));
	}
	if (err) {
		snapshot_truncate(s, n0);
		return err;
	}
	if (gate) {
		const struct vms_region *g = procfs_gate_region();

		if (g) {
			struct vms_region *r = snapshot_add(s);

			*r = *g;
			r->name = xstrdup(g->name);
		}
	}
	return 0;
}

int live_fill(struct live *m, struct live_names *nc, const struct live_vma *v, size_t n,
	      bool gate, struct vms_snapshot *s)
{
	struct vms_sort_ent *order = xmalloc((n ? n : 1) * sizeof(*order));
	int err;

	for (size_t i = 0; i < n; i++)
		order[i] = (struct vms_sort_ent){ .key = v[i].k.start, .idx = i };
	err = live_fill_order(m, nc, v, 0, order, n, NULL, gate, s);
	free(order);
	return err;
}

/* The published state of a process, resynced in the kernel once if the kernel side lost track,
 * or first of all with verify. 1: tier event-resync answered from /proc (done: *ret), 0: *pe is
 * published, else -errno. */
static int published(struct live *m, struct vms_snapshot *s, bool verify, struct vms_proc_ent *pe,
		     int *ret)
{
	uint32_t tgid = (uint32_t)s->proc.pid;

	for (int attempt = 0;; attempt++) {
		if (live_event_tier(m) &&
		    (verify || bpf_map_lookup_elem(m->procs_fd, &tgid, pe) ||
		     !live_same_start(pe->start_time, s->proc.start_time) || !VMS_STATE_GEN(pe->state) ||
		     (pe->flags & (VMS_PROC_DIRTY | VMS_PROC_OVERFLOW)))) {
			*ret = live_resync_from_proc(m, s);
			return 1;
		}
		if (bpf_map_lookup_elem(m->procs_fd, &tgid, pe) ||
		    !live_same_start(pe->start_time, s->proc.start_time))
			return -ENOENT;
		if (!verify && !(pe->flags & (VMS_PROC_DIRTY | VMS_PROC_OVERFLOW | VMS_PROC_STACK)) &&
		    VMS_STATE_GEN(pe->state))
			return 0;
		verify = false;
		/* The kernel side said it lost track: read the process again, in the kernel. */
		if (attempt || live_resync(m, s->proc.pid))
			return -EAGAIN;
	}
}

#define READ_PASSES 16

/* The most VMAs a process may have to be read at its VMA starts: there a lookup per VMA misses
 * the cache (about 0.75 us each, measured with 60,000), where a pass over the slab costs about
 * 12 ns a slot (its mapping and the copy: 1.5 ms for 131,072), and a walk of the whole hash
 * (tier event-resync) about 2 ms plus 0.3 us per entry it holds, entries of every process. */
static uint64_t by_start_max(struct live *m)
{
	struct vms_global g;
	__u32 zero = 0;
	uint64_t entries = 0;

	if (m->slab_fd >= 0)
		return m->slab_slots / 64;
	if (!bpf_map_lookup_elem(m->global_fd, &zero, &g))
		entries = g.live + g.garbage;
	return (2000 + entries * 3 / 10) * 4 / 3;
}	/* reads that overlapped a change are redone this often, then -EAGAIN */

static int read_once(struct live *m, struct vms_snapshot *s)
{
	struct vms_proc_ent pe, pe2;
	struct collect c = { 0 };
	struct live_names nc = { 0 };
	size_t n_order = 0, n0 = s->n;
	uint32_t tgid = (uint32_t)s->proc.pid;
	int err, ret, fill_err = 0;
	bool by_start, filled = false;
	/* the kernel skipped some run of ours since the model was last verified whole: this
	 * process may have missed a change, so it is resynced (once) before it is trusted */
	bool verify = live_missed_runs() != m->info.verified_misses;
	bool walk_all = false;	/* this pass walks the whole map (after a shortfall) */

	if (verify)
		vms_debug("PID %d: the kernel skipped runs of the model's programs: resyncing it "
			  "before reading", (int)s->proc.pid);
	/* A range update edits the published set in place (p->busy while it does, then the change
	 * count moves): a read that overlapped one may hold both or neither of a moved region, so
	 * it is redone, never returned. */
	for (int pass = 0;; pass++, verify = false) {
		err = published(m, s, verify, &pe, &ret);
		if (err) {
			err = err > 0 ? ret : err;
			goto out;
		}
		c.tgid = tgid;
		c.gen = VMS_STATE_GEN(pe.state);
		c.n = 0;
		/* the per-process reader first, where there is one, unless the process is so large
		 * that a walk of the whole map costs less */
		by_start = !walk_all && pe.nr_vmas <= by_start_max(m);
		walk_all = false;
		if ((by_start || m->slab_fd < 0 || pass) && c.cap < (size_t)pe.nr_vmas + 16) {
			c.cap = (size_t)pe.nr_vmas + 16;
			free(c.v);
			c.v = xmalloc(c.cap * sizeof(*c.v));
		}
		err = pe.busy ? 0 : by_start ? live_proc_vmas(m, tgid, c.gen, collect_one, &c) : 1;
		if (err == 1 && m->slab_fd >= 0 && !pass) {
			/* the slab: regions filled straight from its slots, voided below if the
			 * process changed meanwhile (no copy of the entries first). Only on the
			 * first pass: a process that changed during it may change again, and a
			 * copy of its slots (below) is a shorter window than the fill (a slow
			 * build's, an ASan one's, misses every pause of a process changing every
			 * 250 us, where the copy fits one). */
			size_t want = (size_t)pe.nr_vmas + 16;
			struct vms_sort_ent *order, *tmp;

			by_start = false;
			/* The pairs and the sort's scratch live in the room reserved for the regions
			 * (the regions, the gate page, then the pairs at its end), so that their pages
			 * are the regions' own, touched once (two arrays of their own were 460 page
			 * faults more for 60,000 regions). With R = sizeof(struct vms_region) and
			 * P = sizeof(pair), region i, written after pair i is read, ends before pair
			 * i + 1 begins: (i + 1) * R <= R * room - P * (want - i - 1) holds for every
			 * i < want as room >= want and R >= P. The scratch (P * want bytes at the
			 * room's start, R >= 2 * P) is dead by then. */
			_Static_assert(sizeof(struct vms_region) >= 2 * sizeof(struct vms_sort_ent),
				       "the slab read's pairs and scratch fit in the regions' room");
			snapshot_reserve(s, want + 1);
			order = (struct vms_sort_ent *)(void *)(s->regions + s->cap) - want;
			tmp = (struct vms_sort_ent *)(void *)(s->regions + s->n);
			err = live_slab_order(m, tgid, c.gen, order, want, &n_order);
			if (!err) {
				fill_err = live_fill_order(m, &nc, NULL, c.gen, order, n_order, tmp,
							   pe.flags & VMS_PROC_GATE, s);
				filled = true;
			} else if (err == -ENOSPC) { /* more slots than entries: it changed */
				err = 0;
				fill_err = -EAGAIN;
				filled = true;
			}
		} else if (err == 1) {
			by_start = false;
			c.n = 0;
			err = live_vmas(m, tgid, c.gen, collect_one, &c);
		}
		if (err)
			goto out;
		if (!pe.busy && !bpf_map_lookup_elem(m->procs_fd, &tgid, &pe2) && !pe2.busy &&
		    pe2.state == pe.state && !(pe2.flags & (VMS_PROC_DIRTY | VMS_PROC_OVERFLOW)) &&
		    !(filled && fill_err == -EAGAIN)) {
			size_t got = filled ? n_order : c.n;

			if (!by_start || got == pe2.nr_vmas) {
				vms_debug("PID %u: model generation %u after %u changes (flags %#x; "
					  "%llu full, %llu range resyncs), %zu VMAs%s", tgid,
					  VMS_STATE_GEN(pe.state), VMS_STATE_CHANGES(pe.state), pe.flags,
					  (unsigned long long)pe.full_resyncs,
					  (unsigned long long)pe.range_resyncs, got,
					  by_start ? " (read at the kernel's VMA starts)" : "");
				break;
			}
			/* an entry at a start the kernel does not have (the model is wrong there, or
			 * the process changed after the model's last event): only a walk of the
			 * whole map finds it */
			vms_debug("PID %u: %zu of the model's %u entries at the kernel's VMA starts: "
				  "walking the whole map", tgid, got, pe2.nr_vmas);
			walk_all = true;
		}
		if (filled) { /* read while the process changed: void */
			snapshot_truncate(s, n0);
			live_names_free(&nc);
			memset(&nc, 0, sizeof(nc));
			filled = false;
			fill_err = 0;
		}
		if (pass + 1 == READ_PASSES) {
			err = -EAGAIN;
			goto out;
		}
	}
	err = filled ? fill_err : live_fill(m, &nc, c.v, c.n, pe.flags & VMS_PROC_GATE, s);
out:
	live_names_free(&nc);
	free(c.v);
	return err;
}

int live_read(struct live *m, struct vms_snapshot *s)
{
	int err = read_once(m, s);

	/* a file unlinked or renamed since it was mapped: the kernel side names it again (or
	 * /proc, in tier event-resync), once */
	if (err == -ESTALE)
		err = live_resync(m, s->proc.pid) ? -ENODATA : read_once(m, s);
	return err == -ESTALE ? -ENODATA : err;
}

struct count_ctx {
	struct live *m;
	struct live_status *st;
};

static int count_one(void *ctx, const void *key, const void *val)
{
	const struct vms_vma_key *k = key;
	struct count_ctx *c = ctx;
	struct vms_proc_ent pe;

	c->st->entries++;
	if (bpf_map_lookup_elem(c->m->procs_fd, &k->tgid, &pe)) {
		c->st->garbage_entries++;
		c->st->dead_entries++;
	} else if (k->gen < VMS_STATE_GEN(pe.state))
		c->st->garbage_entries++;
	else if (k->gen == VMS_STATE_GEN(pe.state))
		c->st->vmas++;
	return 0;
}

/* The model's identity of a process, (tgid, start time), against the live one. */
static bool process_alive(uint32_t tgid, uint64_t start_ns)
{
	struct vms_proc p;

	return !procfs_read_stat((pid_t)tgid, &p) && live_same_start(start_ns, p.start_time) &&
	       p.state != 'Z';
}

/* A per-CPU counter, summed. */
static unsigned long long percpu_sum(int fd, __u32 key, int ncpu)
{
	unsigned long long *v = xcalloc((size_t)ncpu, sizeof(*v)), sum = 0;

	if (!bpf_map_lookup_elem(fd, &key, v))
		for (int c = 0; c < ncpu; c++)
			sum += v[c];
	free(v);
	return sum;
}

/*
 * Runs of the model's programs the kernel skipped (bpf_prog_info.recursion_misses): the program
 * was already running on that CPU, preempted inside it, which happens where syscall tracepoints
 * run preemptibly (7.x). Each is an event the model did not see, of a process nobody can name:
 * once this moves, readers verify a process before trusting it (see published()).
 */
unsigned long long live_missed_runs(void)
{
	unsigned long long sum = 0;
	struct dirent *e;
	int dfd = pins_open_sub("links"), lfd, pfd;
	DIR *d;

	/* links/ holds the hooks that follow VMA changes, and only them (see pins.h); listed
	 * through a second fd of the checked dir (closedir closes it) */
	if (dfd < 0)
		return 0;
	lfd = fcntl(dfd, F_DUPFD_CLOEXEC, 0);
	d = lfd < 0 ? NULL : fdopendir(lfd);
	if (!d && lfd >= 0)
		close(lfd);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.' || (pfd = pins_link_prog_at(dfd, "links", e->d_name)) < 0)
			continue;
		sum += bpf_prog_misses(pfd);
		close(pfd);
	}
	if (d)
		closedir(d);
	close(dfd);
	return sum;
}

static void add_prog_stat(struct live_prog_stat **v, size_t *n, int pfd)
{
	struct bpf_prog_info pi = { 0 };
	__u32 len = sizeof(pi);
	struct live_prog_stat *ps;

	if (bpf_obj_get_info_by_fd(pfd, &pi, &len))
		return;
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	ps = &(*v)[(*n)++];
	snprintf(ps->name, sizeof(ps->name), "%.15s", pi.name);
	ps->run_cnt = pi.run_cnt;
	ps->run_time_ns = pi.run_time_ns;
	ps->recursion_misses = pi.recursion_misses;
}

struct live_prog_stat *live_prog_stats(size_t *n)
{
	static const char *const subs[] = { "links", "progs" };
	struct live_prog_stat *v = NULL;
	char path[512];

	*n = 0;
	for (size_t s = 0; s < ARRAY_SIZE(subs); s++) {
		struct dirent *e;
		DIR *d;

		pins_path(path, sizeof(path), subs[s], NULL);
		d = opendir(path);
		while (d && (e = readdir(d))) {
			struct bpf_link_info li = { 0 };
			__u32 ll = sizeof(li);
			int fd, pfd;

			if (e->d_name[0] == '.' || (fd = pins_get(subs[s], e->d_name, 0, 0)) < 0)
				continue;
			if (s == 1) {
				add_prog_stat(&v, n, fd);
			} else if (!bpf_obj_get_info_by_fd(fd, &li, &ll) && li.prog_id &&
				   (pfd = bpf_prog_get_fd_by_id(li.prog_id)) >= 0) {
				add_prog_stat(&v, n, pfd);
				close(pfd);
			}
			close(fd);
		}
		if (d)
			closedir(d);
	}
	return v;
}

void live_set_verified(int info_fd, unsigned long long misses0)
{
	struct vms_info vi;
	__u32 zero = 0;

	if (live_missed_runs() != misses0 || bpf_map_lookup_elem(info_fd, &zero, &vi))
		return;
	vi.verified_misses = misses0;
	bpf_map_update_elem(info_fd, &zero, &vi, 0);
}

pid_t *live_pids(struct live *m, size_t *n)
{
	__u32 key = 0, next;
	pid_t *pids = NULL;

	*n = 0;
	for (void *k = NULL; !bpf_map_get_next_key(m->procs_fd, k, &next); k = &key) {
		key = next;
		pids = xrealloc(pids, (*n + 1) * sizeof(*pids));
		pids[(*n)++] = (pid_t)key;
	}
	return pids;
}

int live_verify_all(struct live *m)
{
	unsigned long long misses0 = live_missed_runs();
	int fd = pins_get("maps", "vms_info", sizeof(__u32), sizeof(struct vms_info));
	pid_t *pids;
	size_t n;

	if (fd < 0)
		return -errno;
	pids = live_pids(m, &n);
	for (size_t i = 0; i < n; i++)
		live_resync(m, pids[i]);
	free(pids);
	live_set_verified(fd, misses0);
	close(fd);
	return 0;
}

int live_status(struct live *m, struct live_status *st)
{
	struct count_ctx c = { m, st };
	struct bpf_map_info info;
	__u32 key = 0, next, info_len = sizeof(info);
	struct vms_proc_ent pe;
	int ncpu = libbpf_num_possible_cpus(), err;
	int fds[] = { m->procs_fd, m->vmas_fd, m->names_fd, m->stats_fd, m->global_fd,
		      m->dump_out_fd, m->moves_fd, m->index_fd, m->slab_fd };

	memset(st, 0, sizeof(*st));
	for (void *k = NULL; !bpf_map_get_next_key(m->procs_fd, k, &next); k = &key) {
		key = next;
		if (bpf_map_lookup_elem(m->procs_fd, &key, &pe))
			continue;
		st->procs++;
		if (!process_alive(key, pe.start_time))
			st->dead_procs++;
		if (pe.flags & VMS_PROC_DIRTY)
			st->dirty_procs++;
		if (pe.flags & VMS_PROC_OVERFLOW)
			st->overflow_procs++;
	}
	err = for_each_vma(m, count_one, &c);
	if (err)
		return err;
	{
		uint64_t nk = 0, nx;

		for (void *k = NULL; !bpf_map_get_next_key(m->names_fd, k, &nx); k = &nk) {
			nk = nx;
			st->names++;
		}
	}
	if (ncpu <= 0)
		ncpu = 1;
	for (__u32 i = 0; i < VMS_STAT__COUNT; i++)
		st->stats[i] = percpu_sum(m->stats_fd, i, ncpu);
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		st->kernel_bytes += procfs_fd_memlock(fds[i]);
	if (m->faults_source != VMS_FAULTS_OFF) {
		long n = faults_count_entries(m->faults_fd, 0);

		st->fault_entries = n > 0 ? (unsigned long long)n : 0;
		st->faults_lost = percpu_sum(m->faults_lost_fd, 0, ncpu);
		st->kernel_bytes += procfs_fd_memlock(m->faults_fd) + procfs_fd_memlock(m->faults_lost_fd);
	}
	live_thread_status(&st->thread_records, &st->thread_alts, &st->dead_thread_records,
			   &st->kernel_bytes);
	memset(&info, 0, sizeof(info));
	if (!bpf_obj_get_info_by_fd(m->slab_fd >= 0 ? m->slab_fd : m->vmas_fd, &info, &info_len))
		st->max_vmas = info.max_entries;
	st->missed_runs = live_missed_runs();
	st->move_logs = m->moves_fd < 0 ? ~0ull : 0;
	if (m->moves_fd >= 0) {
		__u32 mk = 0, mn;

		static struct vms_move_log log;

		for (void *k = NULL; !bpf_map_get_next_key(m->moves_fd, k, &mn); k = &mk) {
			mk = mn;
			st->move_logs++;
			if (!bpf_map_lookup_elem(m->moves_fd, &mk, &log) &&
			    !process_alive(mk, log.start_time))
				st->dead_move_logs++;
		}
	}
	return 0;
}
