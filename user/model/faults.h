/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Page-fault counting (bpf/faults.bpf.h), the user-space half: attach the perf programs to one
 * PAGE_FAULTS_MIN and one PAGE_FAULTS_MAJ software event per online CPU, and read the counts back
 * into a region list. Used by the live model (`start --faults`, `map --faults`); meant for
 * `watch --faults` too.
 */
#ifndef VMS_FAULTS_H
#define VMS_FAULTS_H

#include <stdint.h>

#include "core/region.h"
#include "vmscope.h"

struct bpf_program;
struct bpf_link;

struct faults_links {
	struct bpf_link **links;
	int n;
	int ncpus;	/* CPUs with both events attached */
	const struct bpf_program *progs[2];	/* min, maj: their links' pin names */
};

/* Opens the events (system-wide, sample_period 1) and attaches min_prog / maj_prog to them.
 * Offline CPUs are skipped. On failure nothing stays attached. Returns 0 or -errno. */
int faults_attach_perf(struct bpf_program *min_prog, struct bpf_program *maj_prog,
		       struct faults_links *out);
/* Pins every link as DIR/NAME_N: NAME the pin name of its program (pins.h), N the CPU's
 * number among those attached. */
int faults_pin_links(const struct faults_links *l, const char *dir);
/* Detaches and frees. */
void faults_links_destroy(struct faults_links *l);
/* Frees, leaving the events attached (for pinned links, which then keep them). */
void faults_links_release(struct faults_links *l);

/* Adds the counts of process tgid, from the fault map, to the regions that hold their keys
 * (s->regions sorted by start). Returns 0 or -errno. */
int faults_fill(int faults_fd, uint32_t tgid, struct vms_snapshot *s);
/* Entries in the fault map (all processes, or one tgid when tgid != 0). */
long faults_count_entries(int faults_fd, uint32_t tgid);

/* The fault map read once, sorted by tgid: for a reader of many processes (watch --faults),
 * which would otherwise read the whole map again for each one. */
struct faults_table_ent {
	struct vms_fault_key k;
	struct vms_fault_ent v;
};
struct faults_table {
	struct faults_table_ent *e;
	size_t n, cap;
};
int faults_table_read(int faults_fd, struct faults_table *t);
/* Adds the counts of entries [from, to) (one process's run) to the regions holding their keys
 * (s->regions sorted by start), as faults_fill() does from the map. */
void faults_table_fill(const struct faults_table *t, size_t from, size_t to,
		       struct vms_snapshot *s);
void faults_table_free(struct faults_table *t);

const char *faults_source_name(unsigned source);

#endif
