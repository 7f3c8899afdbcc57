// SPDX-License-Identifier: BSD-2-Clause
/*
 * Snapshot payload: records of (tag, length, body), tag and length LEB128 varints; a body is
 * fields of the same shape. Integers are varints, strings raw bytes (no NUL). A reader skips
 * records and fields whose tag it does not know, so new data (per-region NUMA or page-size
 * runs, ...) is a new tag, not a new version. See docs/snapshot-format.md.
 */
#include "snapshot/codec.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "util.h"

enum { REC_HEAD = 1, REC_PROC = 2, REC_KEY = 3, REC_THREAD = 4, REC_REGION = 5, REC_MOVE = 6 };
enum { H_BACKEND = 1, H_BOOT_ID, H_KERNEL, H_HOSTNAME, H_TIME_NS, H_SHM_MINOR, H_FLAGS,
       H_N_KEYS, H_N_THREADS, H_N_REGIONS, H_MODEL_ID, H_MOVE_SEQ, H_N_MOVES };
enum { HF_ACCT = 1, HF_FAULT_ACCESS = 2, HF_FAULTS = 4, HF_ACCT_ABSENT = 8 };
enum { P_PID = 1, P_STATE, P_PPID, P_KTHREAD, P_START_TIME, P_START_STACK, P_COMM, P_CMDLINE };
enum { K_NAME = 1, K_IS_KB };
enum { T_TID = 1, T_SP, T_LOW, T_HIGH, T_CLONE_SP, T_ALT_SP, T_ALT_SIZE, T_START_TIME };
enum { R_START = 1, R_END, R_OFFSET, R_INODE, R_DEV_MAJOR, R_DEV_MINOR, R_PERMS, R_NAME,
       R_ACCT, R_VMFLAGS, R_FAULTS_MIN, R_FAULTS_MAJ, R_FAULTS_READ, R_FAULTS_WRITE,
       R_FAULTS_EXEC, R_NUMA, R_PSIZE, R_ABSENT };
#define MAX_RUNS (1u << 24)
/* REC_MOVE's fields (1.1): one move of the model's log */
enum { M_SEQ = 1, M_OLD_START, M_OLD_LEN, M_NEW_START, M_NEW_LEN, M_TIME_NS };

/* ---- buffers and the header ------------------------------------------------------------- */

void buf_free(struct vms_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static void buf_put(struct vms_buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = b->cap ? b->cap : 4096;
		while (b->len + n > b->cap)
			b->cap *= 2;
		b->p = xrealloc(b->p, b->cap);
	}
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void put_varint(struct vms_buf *b, uint64_t v)
{
	uint8_t t[10];
	size_t n = 0;

	do {
		t[n] = v & 0x7f;
		v >>= 7;
		if (v)
			t[n] |= 0x80;
		n++;
	} while (v);
	buf_put(b, t, n);
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

void snap_header_write(uint8_t out[VMS_SNAP_HDR_LEN], uint64_t raw_len, uint64_t stored_len)
{
	memcpy(out, VMS_SNAP_MAGIC, 8);
	put_le(out + 8, VMS_SNAP_MAJOR, 2);
	put_le(out + 10, VMS_SNAP_MINOR, 2);
	put_le(out + 12, VMS_SNAP_FLAG_ZLIB, 4);
	put_le(out + 16, raw_len, 4);
	put_le(out + 20, stored_len, 4);
}

bool snap_is_snapshot(const uint8_t *p, size_t len)
{
	return len >= 8 && !memcmp(p, VMS_SNAP_MAGIC, 8);
}

int snap_header_parse(const uint8_t *p, size_t file_len, uint64_t *raw_len, uint64_t *stored_len,
		      uint16_t *major, uint16_t *minor, const char **why)
{
	uint32_t flags;

	if (!snap_is_snapshot(p, file_len)) {
		*why = "not a vmscope snapshot (no VMSNAP magic)";
		return -EINVAL;
	}
	if (file_len < VMS_SNAP_HDR_LEN) {
		*why = "truncated header";
		return -EINVAL;
	}
	*major = (uint16_t)get_le(p + 8, 2);
	*minor = (uint16_t)get_le(p + 10, 2);
	flags = (uint32_t)get_le(p + 12, 4);
	*raw_len = get_le(p + 16, 4);
	*stored_len = get_le(p + 20, 4);
	if (*major != VMS_SNAP_MAJOR) {
		*why = *major > VMS_SNAP_MAJOR ? "format version too new for this vmscope"
					       : "unknown format version";
		return -EINVAL;
	}
	if (flags != VMS_SNAP_FLAG_ZLIB) {
		*why = "unknown flags in the header";
		return -EINVAL;
	}
	if (*stored_len != file_len - VMS_SNAP_HDR_LEN) {
		*why = *stored_len > file_len - VMS_SNAP_HDR_LEN ? "truncated (shorter than its header says)"
								 : "trailing bytes after the payload";
		return -EINVAL;
	}
	if (*raw_len > VMS_SNAP_MAX_RAW || *raw_len > *stored_len * (uint64_t)VMS_SNAP_MAX_RATIO + 64) {
		*why = "announces more data than it can hold (refused)";
		return -EINVAL;
	}
	return 0;
}

/* ---- writing ------------------------------------------------------------------------------- */

static void field_u64(struct vms_buf *b, unsigned tag, uint64_t v)
{
	put_varint(b, tag);
	put_varint(b, 0); /* patched below: the length of the varint */
	size_t at = b->len;

	put_varint(b, v);
	b->p[at - 1] = (uint8_t)(b->len - at);
}

static void field_bytes(struct vms_buf *b, unsigned tag, const void *p, size_t n)
{
	put_varint(b, tag);
	put_varint(b, n);
	buf_put(b, p, n);
}

static void field_str(struct vms_buf *b, unsigned tag, const char *s)
{
	if (s)
		field_bytes(b, tag, s, strlen(s));
}

/* Runs (NUMA nodes, page sizes): exact (0/1), then start, end, value of each (VMS_RUN_NONE is
 * UINT64_MAX: ten bytes, rare). tmp: a scratch buffer. */
static void field_runs(struct vms_buf *b, struct vms_buf *tmp, unsigned tag, const struct vms_run *runs,
		       uint32_t n, bool exact)
{
	tmp->len = 0;
	put_varint(tmp, exact);
	for (uint32_t i = 0; i < n; i++) {
		put_varint(tmp, runs[i].start);
		put_varint(tmp, runs[i].end);
		put_varint(tmp, runs[i].value);
	}
	field_bytes(b, tag, tmp->p, tmp->len);
	tmp->len = 0;
}

/* A record: its body is built in a scratch buffer, then framed. */
static void record(struct vms_buf *out, unsigned tag, struct vms_buf *body)
{
	put_varint(out, tag);
	put_varint(out, body->len);
	buf_put(out, body->p, body->len);
	body->len = 0;
}

void snap_encode(const struct vms_snapshot *s, struct vms_buf *out)
{
	const struct vms_snapmeta *m = s->meta;
	struct vms_buf b = { 0 }, acct = { 0 };
	unsigned flags = (s->has_acct ? HF_ACCT : 0) | (s->fault_access ? HF_FAULT_ACCESS : 0) |
			 (m->has_faults ? HF_FAULTS : 0) | (s->acct_absent ? HF_ACCT_ABSENT : 0);

	field_str(&b, H_BACKEND, s->backend);
	field_str(&b, H_BOOT_ID, m->boot_id);
	field_str(&b, H_KERNEL, m->kernel);
	field_str(&b, H_HOSTNAME, m->hostname);
	field_u64(&b, H_TIME_NS, m->time_ns);
	field_u64(&b, H_SHM_MINOR, m->shm_minor);
	field_u64(&b, H_FLAGS, flags);
	field_u64(&b, H_N_KEYS, s->n_keys);
	field_u64(&b, H_N_THREADS, s->n_threads);
	field_u64(&b, H_N_REGIONS, s->n);
	if (m->model_id) {
		field_u64(&b, H_MODEL_ID, m->model_id);
		field_u64(&b, H_MOVE_SEQ, m->move_seq);
		field_u64(&b, H_N_MOVES, m->n_moves);
	}
	record(out, REC_HEAD, &b);

	field_u64(&b, P_PID, (uint64_t)(uint32_t)s->proc.pid);
	field_u64(&b, P_STATE, (uint8_t)s->proc.state);
	field_u64(&b, P_PPID, (uint64_t)(uint32_t)s->proc.ppid);
	field_u64(&b, P_KTHREAD, s->proc.kernel_thread);
	field_u64(&b, P_START_TIME, s->proc.start_time);
	field_u64(&b, P_START_STACK, s->proc.start_stack);
	field_str(&b, P_COMM, s->proc.comm);
	field_str(&b, P_CMDLINE, s->proc.cmdline);
	record(out, REC_PROC, &b);

	for (size_t i = 0; i < s->n_keys; i++) {
		field_str(&b, K_NAME, s->acct_keys[i]);
		field_u64(&b, K_IS_KB, s->acct_is_kb[i]);
		record(out, REC_KEY, &b);
	}
	for (size_t i = 0; i < s->n_threads; i++) {
		const struct vms_thread *t = &s->threads[i];

		field_u64(&b, T_TID, (uint64_t)(uint32_t)t->tid);
		field_u64(&b, T_SP, t->sp);
		field_u64(&b, T_LOW, t->stack_low);
		field_u64(&b, T_HIGH, t->stack_high);
		field_u64(&b, T_CLONE_SP, t->clone_sp);
		field_u64(&b, T_ALT_SP, t->alt_sp);
		field_u64(&b, T_ALT_SIZE, t->alt_size);
		field_u64(&b, T_START_TIME, t->start_time);
		record(out, REC_THREAD, &b);
	}
	for (size_t i = 0; m->model_id && i < m->n_moves; i++) {
		const struct vms_snapmove *mv = &m->moves[i];

		field_u64(&b, M_SEQ, mv->seq);
		field_u64(&b, M_OLD_START, mv->old_start);
		field_u64(&b, M_OLD_LEN, mv->old_len);
		field_u64(&b, M_NEW_START, mv->new_start);
		field_u64(&b, M_NEW_LEN, mv->new_len);
		field_u64(&b, M_TIME_NS, mv->time_ns);
		record(out, REC_MOVE, &b);
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct vms_region *r = &s->regions[i];
		const struct vms_region_more *x = region_more(r);

		field_u64(&b, R_START, r->start);
		field_u64(&b, R_END, r->end);
		field_u64(&b, R_OFFSET, r->offset);
		field_u64(&b, R_INODE, r->inode);
		field_u64(&b, R_DEV_MAJOR, r->dev_major);
		field_u64(&b, R_DEV_MINOR, r->dev_minor);
		field_bytes(&b, R_PERMS, r->perms, 4);
		field_str(&b, R_NAME, r->name ? r->name : "");
		if (r->acct) {
			for (size_t k = 0; k < s->n_keys; k++)
				put_varint(&acct, r->acct[k]);
			field_bytes(&b, R_ACCT, acct.p, acct.len);
			acct.len = 0;
		}
		field_str(&b, R_VMFLAGS, x->vmflags);
		if (x->faults_min)
			field_u64(&b, R_FAULTS_MIN, x->faults_min);
		if (x->faults_maj)
			field_u64(&b, R_FAULTS_MAJ, x->faults_maj);
		if (x->faults_read)
			field_u64(&b, R_FAULTS_READ, x->faults_read);
		if (x->faults_write)
			field_u64(&b, R_FAULTS_WRITE, x->faults_write);
		if (x->faults_exec)
			field_u64(&b, R_FAULTS_EXEC, x->faults_exec);
		if (x->numa)
			field_runs(&b, &acct, R_NUMA, x->numa, x->n_numa, x->numa_exact);
		if (x->psize)
			field_runs(&b, &acct, R_PSIZE, x->psize, x->n_psize, x->psize_exact);
		if (r->absent) /* what the backend did not know (a core file's dev and inode) */
			field_u64(&b, R_ABSENT, r->absent);
		record(out, REC_REGION, &b);
	}
	buf_free(&b);
	buf_free(&acct);
}

/* ---- reading ------------------------------------------------------------------------------- */

struct cur {
	const uint8_t *p, *end;
};

static int get_varint(struct cur *c, uint64_t *v)
{
	uint64_t x = 0;

	for (int shift = 0; shift < 64; shift += 7) {
		uint8_t byte;

		if (c->p >= c->end)
			return -1;
		byte = *c->p++;
		if (shift == 63 && byte > 1)
			return -1; /* more than 64 bits */
		x |= (uint64_t)(byte & 0x7f) << shift;
		if (!(byte & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return -1;
}

/* The next (tag, body) of c; 1 at the end, -1 if malformed. */
static int next_tlv(struct cur *c, uint64_t *tag, struct cur *body)
{
	uint64_t len;

	if (c->p == c->end)
		return 1;
	if (get_varint(c, tag) || get_varint(c, &len) || len > (uint64_t)(c->end - c->p))
		return -1;
	body->p = c->p;
	body->end = c->p + len;
	c->p += len;
	return 0;
}

struct dec {
	struct vms_snapshot *s;
	char *why;
	size_t whylen;
	const char *where;	/* "region 12", ... */
	size_t idx;
	size_t moves_cap;
};

static int bad(struct dec *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct dec *d, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (d->where)
		snprintf(d->why, d->whylen, "corrupt snapshot: %s %zu: %s", d->where, d->idx, msg);
	else
		snprintf(d->why, d->whylen, "corrupt snapshot: %s", msg);
	return -EINVAL;
}

static int val_u64(struct dec *d, const struct cur *f, uint64_t *v)
{
	struct cur c = *f;

	if (get_varint(&c, v) || c.p != c.end)
		return bad(d, "malformed number");
	return 0;
}

static int val_u32(struct dec *d, const struct cur *f, uint64_t max, uint64_t *v)
{
	if (val_u64(d, f, v))
		return -EINVAL;
	if (*v > max)
		return bad(d, "number out of range");
	return 0;
}

/* A string field: no NUL inside (it would cut the string), at most max bytes. */
static int val_str(struct dec *d, const struct cur *f, size_t max, char **out)
{
	size_t n = (size_t)(f->end - f->p);

	if (n > max)
		return bad(d, "text too long");
	if (memchr(f->p, 0, n))
		return bad(d, "NUL byte in a text");
	free(*out);
	*out = xstrndup((const char *)f->p, n);
	return 0;
}

#define MAX_TEXT (1u << 24)
/* what smaps keys are made of: they are printed as -X column headers */
#define WORD_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"


static int dec_head(struct dec *d, struct cur *c, struct vms_snapmeta *m, uint64_t n[4])
{
	struct cur f;
	uint64_t tag, v;
	int r;

	while ((r = next_tlv(c, &tag, &f)) == 0) {
		switch (tag) {
		case H_BACKEND:
			r = val_str(d, &f, 64, &m->backend);
			if (!r && strspn(m->backend, WORD_CHARS "-") != strlen(m->backend))
				r = bad(d, "the backend's name is not a word");
			break;
		case H_BOOT_ID: r = val_str(d, &f, 64, &m->boot_id); break;
		case H_KERNEL: r = val_str(d, &f, 1024, &m->kernel); break;
		case H_HOSTNAME: r = val_str(d, &f, 256, &m->hostname); break;
		case H_TIME_NS: r = val_u64(d, &f, &m->time_ns); break;
		case H_SHM_MINOR: r = val_u32(d, &f, UINT32_MAX, &v); m->shm_minor = (uint32_t)v; break;
		case H_FLAGS:
			r = val_u32(d, &f, UINT32_MAX, &v);
			d->s->has_acct = v & HF_ACCT;
			d->s->fault_access = v & HF_FAULT_ACCESS;
			m->has_faults = v & HF_FAULTS;
			d->s->acct_absent = (v & HF_ACCT_ABSENT) && (v & HF_ACCT);
			break;
		case H_N_KEYS: r = val_u64(d, &f, &n[0]); break;
		case H_N_THREADS: r = val_u64(d, &f, &n[1]); break;
		case H_N_REGIONS: r = val_u64(d, &f, &n[2]); break;
		case H_MODEL_ID: r = val_u64(d, &f, &m->model_id); break;
		case H_MOVE_SEQ: r = val_u32(d, &f, UINT32_MAX, &m->move_seq); break;
		case H_N_MOVES: r = val_u32(d, &f, VMS_SNAP_MAX_MOVES, &n[3]); break;
		default: r = 0; /* a newer writer's field */
		}
		if (r)
			return r;
	}
	return r < 0 ? bad(d, "malformed header record") : 0;
}

static int dec_proc(struct dec *d, struct cur *c)
{
	struct vms_proc *p = &d->s->proc;
	char *comm = NULL;
	struct cur f;
	uint64_t tag, v;
	int r;

	while ((r = next_tlv(c, &tag, &f)) == 0) {
		switch (tag) {
		case P_PID: r = val_u32(d, &f, INT32_MAX, &v); p->pid = (pid_t)v; break;
		case P_STATE: r = val_u32(d, &f, 127, &v); p->state = (char)v; break;
		case P_PPID: r = val_u32(d, &f, UINT32_MAX, &v); p->ppid = (int)(uint32_t)v; break;
		case P_KTHREAD: r = val_u32(d, &f, 1, &v); p->kernel_thread = v; break;
		case P_START_TIME: r = val_u64(d, &f, &p->start_time); break;
		case P_START_STACK: r = val_u64(d, &f, &p->start_stack); break;
		case P_COMM:
			r = val_str(d, &f, sizeof(p->comm) - 1, &comm);
			if (!r)
				strcpy(p->comm, comm);
			break;
		case P_CMDLINE: r = val_str(d, &f, MAX_TEXT, &p->cmdline); break;
		default: r = 0;
		}
		if (r)
			break;
	}
	free(comm);
	if (r > 0)
		r = 0;
	return r < 0 && r != -EINVAL ? bad(d, "malformed process record") : r;
}

static int dec_key(struct dec *d, struct cur *c)
{
	struct vms_snapshot *s = d->s;
	char *name = NULL;
	uint64_t tag, kb = 0;
	struct cur f;
	int r;

	while ((r = next_tlv(c, &tag, &f)) == 0) {
		if (tag == K_NAME) {
			r = val_str(d, &f, 64, &name);
			if (!r && strspn(name, WORD_CHARS) != strlen(name))
				r = bad(d, "accounting key is not a word");
		}
		else if (tag == K_IS_KB)
			r = val_u32(d, &f, 1, &kb);
		if (r)
			goto out;
	}
	if (r < 0) {
		r = bad(d, "malformed record");
		goto out;
	}
	r = 0;
	if (!name || !name[0])
		r = bad(d, "accounting key without a name");
	else if (s->n_keys >= VMS_SNAP_MAX_KEYS)
		r = bad(d, "too many accounting keys");
	else if (s->n)
		r = bad(d, "accounting key after the regions");
	else {
		for (size_t i = 0; i < s->n_keys && !r; i++)
			if (!strcmp(s->acct_keys[i], name))
				r = bad(d, "accounting key '%s' twice", name);
		if (!r)
			snapshot_acct_key(s, name, kb);
	}
out:
	free(name);
	return r;
}

static int dec_thread(struct dec *d, struct cur *c)
{
	struct vms_thread t = { 0 };
	uint64_t tag, v;
	struct cur f;
	int r;

	while ((r = next_tlv(c, &tag, &f)) == 0) {
		switch (tag) {
		case T_TID: r = val_u32(d, &f, INT32_MAX, &v); t.tid = (int)v; break;
		case T_SP: r = val_u64(d, &f, &t.sp); break;
		case T_LOW: r = val_u64(d, &f, &t.stack_low); break;
		case T_HIGH: r = val_u64(d, &f, &t.stack_high); break;
		case T_CLONE_SP: r = val_u64(d, &f, &t.clone_sp); break;
		case T_ALT_SP: r = val_u64(d, &f, &t.alt_sp); break;
		case T_ALT_SIZE: r = val_u64(d, &f, &t.alt_size); break;
		case T_START_TIME: r = val_u64(d, &f, &t.start_time); break;
		default: r = 0;
		}
		if (r)
			return r;
	}
	if (r < 0)
		return bad(d, "malformed record");
	if (!t.tid)
		return bad(d, "no thread id");
	*snapshot_add_thread(d->s, t.tid) = t;
	return 0;
}

/* A move of the model's log: seqs ascend, none after the snapshot's position (at most HEAD's
 * count, itself at most VMS_SNAP_MAX_MOVES; the array grows with the records read). */
static int dec_move(struct dec *d, struct cur *c)
{
	struct vms_snapmeta *m = d->s->meta;
	struct vms_snapmove mv = { 0 };
	uint64_t tag;
	struct cur f;
	int r;

	while ((r = next_tlv(c, &tag, &f)) == 0) {
		switch (tag) {
		case M_SEQ: r = val_u32(d, &f, UINT32_MAX, &mv.seq); break;
		case M_OLD_START: r = val_u64(d, &f, &mv.old_start); break;
		case M_OLD_LEN: r = val_u64(d, &f, &mv.old_len); break;
		case M_NEW_START: r = val_u64(d, &f, &mv.new_start); break;
		case M_NEW_LEN: r = val_u64(d, &f, &mv.new_len); break;
		case M_TIME_NS: r = val_u64(d, &f, &mv.time_ns); break;
		default: r = 0;
		}
		if (r)
			return r;
	}
	if (r < 0)
		return bad(d, "malformed record");
	if (!m->model_id)
		return bad(d, "a move without the model's position");
	if (!mv.seq || mv.seq > m->move_seq || (m->n_moves && mv.seq <= m->moves[m->n_moves - 1].seq))
		return bad(d, "moves out of order, or after the snapshot's position");
	if (m->n_moves == d->moves_cap) {
		d->moves_cap = d->moves_cap ? d->moves_cap * 2 : 16;
		m->moves = xrealloc(m->moves, d->moves_cap * sizeof(*m->moves));
	}
	m->moves[m->n_moves++] = mv;
	return 0;
}

/* '?': a character the backend could not know (a core file: README "Core files") */
static bool perms_ok(const uint8_t *p)
{
	return (p[0] == 'r' || p[0] == '-' || p[0] == '?') && (p[1] == 'w' || p[1] == '-' || p[1] == '?') &&
	       (p[2] == 'x' || p[2] == '-' || p[2] == '?') && (p[3] == 'p' || p[3] == 's' || p[3] == '?');
}

static int dec_acct(struct dec *d, const struct cur *f, struct vms_region *r)
{
	struct cur c = *f;

	if (!d->s->has_acct)
		return bad(d, "accounting in a snapshot without accounting");
	free(r->acct);
	r->acct = xcalloc(d->s->n_keys ? d->s->n_keys : 1, sizeof(uint64_t));
	for (size_t k = 0; k < d->s->n_keys; k++)
		if (get_varint(&c, &r->acct[k]))
			return bad(d, "fewer accounting values than keys");
	return c.p == c.end ? 0 : bad(d, "more accounting values than keys");
}

/* Runs as the /proc readers build them: exact ones ascend without overlap inside the region;
 * amounts all start at the region's start and end inside it. The formats rely on it. */
static int dec_runs(struct dec *d, const struct cur *f, const struct vms_region *r,
		    struct vms_run **runs, uint32_t *n, bool *exact)
{
	struct cur c = *f;
	uint64_t ex, cap = 1;
	size_t room = (size_t)(f->end - f->p) / 3 + 1;

	if (*runs)
		return bad(d, "runs given twice");
	if (get_varint(&c, &ex) || ex > 1)
		return bad(d, "malformed runs");
	*exact = ex;
	while (cap < room && cap < MAX_RUNS)
		cap *= 2; /* a power of two: what run_add() expects of a full array */
	*runs = xmalloc(cap * sizeof(**runs));
	while (c.p < c.end) {
		struct vms_run x;

		if (*n >= MAX_RUNS || get_varint(&c, &x.start) || get_varint(&c, &x.end) ||
		    get_varint(&c, &x.value))
			return bad(d, "malformed runs");
		if (x.start >= x.end || x.start < r->start || x.end > r->end ||
		    (!ex && x.start != r->start) ||
		    (ex && *n && x.start < (*runs)[*n - 1].end))
			return bad(d, "a run outside its region or out of order");
		(*runs)[(*n)++] = x;
	}
	return 0;
}

static int dec_region(struct dec *d, struct cur *c)
{
	struct vms_snapshot *s = d->s;
	struct vms_region *r = snapshot_add(s);
	bool have_start = false, have_end = false, have_perms = false, have_numa = false,
	     have_psize = false;
	struct cur numa = { 0 }, psize = { 0 };
	struct vms_region_more *x;
	uint64_t tag, v;
	struct cur f;
	int rc;

	while ((rc = next_tlv(c, &tag, &f)) == 0) {
		switch (tag) {
		case R_START: rc = val_u64(d, &f, &r->start); have_start = true; break;
		case R_END: rc = val_u64(d, &f, &r->end); have_end = true; break;
		case R_OFFSET: rc = val_u64(d, &f, &r->offset); break;
		case R_INODE: rc = val_u64(d, &f, &r->inode); break;
		case R_DEV_MAJOR: rc = val_u32(d, &f, UINT32_MAX, &v); r->dev_major = (uint32_t)v; break;
		case R_DEV_MINOR: rc = val_u32(d, &f, UINT32_MAX, &v); r->dev_minor = (uint32_t)v; break;
		case R_PERMS:
			if (f.end - f.p != 4 || !perms_ok(f.p))
				return bad(d, "malformed permissions");
			memcpy(r->perms, f.p, 4);
			r->perms[4] = '\0';
			have_perms = true;
			break;
		case R_NAME: rc = val_str(d, &f, MAX_TEXT, &r->name); break;
		case R_ACCT: rc = dec_acct(d, &f, r); break;
		case R_VMFLAGS:
			rc = val_str(d, &f, 4096, &region_more_set(r)->vmflags);
			if (!rc && strspn(r->more->vmflags, "abcdefghijklmnopqrstuvwxyz0123456789 ")
				   != strlen(r->more->vmflags))
				rc = bad(d, "VmFlags holds more than two-letter words");
			break;
		case R_FAULTS_MIN: rc = val_u64(d, &f, &region_more_set(r)->faults_min); break;
		case R_FAULTS_MAJ: rc = val_u64(d, &f, &region_more_set(r)->faults_maj); break;
		case R_FAULTS_READ: rc = val_u64(d, &f, &region_more_set(r)->faults_read); break;
		case R_FAULTS_WRITE: rc = val_u64(d, &f, &region_more_set(r)->faults_write); break;
		case R_FAULTS_EXEC: rc = val_u64(d, &f, &region_more_set(r)->faults_exec); break;
		case R_NUMA: numa = f; have_numa = true; break;
		case R_PSIZE: psize = f; have_psize = true; break;
		case R_ABSENT: rc = val_u32(d, &f, VMS_ABSENT_DEVINO, &v); r->absent = (unsigned)v; break;
		default: rc = 0;
		}
		if (rc)
			return rc;
	}
	if (rc < 0)
		return bad(d, "malformed record");
	if (!have_start || !have_end || !have_perms)
		return bad(d, "start, end or permissions missing");
	/* the runs once the region's bounds are known, whatever the order of the fields */
	if (have_numa && (x = region_more_set(r)) &&
	    dec_runs(d, &numa, r, &x->numa, &x->n_numa, &x->numa_exact))
		return -EINVAL;
	if (have_psize && (x = region_more_set(r)) &&
	    dec_runs(d, &psize, r, &x->psize, &x->n_psize, &x->psize_exact))
		return -EINVAL;
	if (r->end <= r->start)
		return bad(d, "end 0x%llx not above start 0x%llx", (unsigned long long)r->end,
			   (unsigned long long)r->start);
	if (s->n > 1 && r->start < s->regions[s->n - 2].end)
		return bad(d, "overlaps or precedes the region before it");
	if (!r->name)
		r->name = xstrdup("");
	return 0;
}

int snap_decode(const uint8_t *p, size_t len, struct vms_snapshot *s, char *why, size_t whylen)
{
	struct vms_snapmeta *m = xcalloc(1, sizeof(*m));
	struct dec d = { .s = s, .why = why, .whylen = whylen };
	struct cur c = { p, p + len }, body;
	uint64_t tag, n[4] = { 0 };
	bool head = false, proc = false;
	int r;

	s->meta = m;
	m->major = VMS_SNAP_MAJOR;
	while ((r = next_tlv(&c, &tag, &body)) == 0) {
		d.where = NULL;
		if (!head && tag != REC_HEAD) {
			r = bad(&d, "does not start with its header record");
			break;
		}
		switch (tag) {
		case REC_HEAD:
			if (head) {
				r = bad(&d, "two header records");
				break;
			}
			head = true;
			r = dec_head(&d, &body, m, n);
			if (!r && n[3] && !m->model_id)
				r = bad(&d, "moves without the model's position");
			break;
		case REC_PROC:
			proc = true;
			r = dec_proc(&d, &body);
			break;
		case REC_KEY:
			d.where = "accounting key";
			d.idx = s->n_keys + 1;
			r = dec_key(&d, &body);
			break;
		case REC_THREAD:
			d.where = "thread";
			d.idx = s->n_threads + 1;
			r = s->n_threads >= n[1] ? bad(&d, "more threads than announced")
						 : dec_thread(&d, &body);
			break;
		case REC_MOVE:
			d.where = "move";
			d.idx = m->n_moves + 1;
			r = m->n_moves >= n[3] ? bad(&d, "more moves than announced") : dec_move(&d, &body);
			break;
		case REC_REGION:
			d.where = "region";
			d.idx = s->n + 1;
			r = s->n >= n[2] ? bad(&d, "more regions than announced") : dec_region(&d, &body);
			break;
		default:
			r = 0; /* a newer writer's record */
		}
		if (r)
			break;
	}
	d.where = NULL;
	if (r > 0) {
		r = 0;
		if (!head)
			r = bad(&d, "empty");
		else if (!proc)
			r = bad(&d, "no process record");
		else if (s->n_keys != n[0] || s->n_threads != n[1] || s->n != n[2] ||
			 m->n_moves != n[3])
			r = bad(&d, "truncated: %zu of %llu regions, %zu of %llu threads", s->n,
				(unsigned long long)n[2], s->n_threads, (unsigned long long)n[1]);
		else if (s->has_acct && !s->n_keys)
			r = bad(&d, "accounting without keys");
	} else if (r < 0 && r != -EINVAL) {
		r = bad(&d, "malformed record framing");
	}
	if (r == -1)
		r = bad(&d, "malformed record framing");
	if (r) {
		snapshot_free(s);
		return -EINVAL;
	}
	s->backend = m->backend ? m->backend : "";
	if (s->proc.cmdline) {
		/* as procfs_render_cmdline() gives it live: escaped for this locale (idempotent:
		 * the same text when saved in this locale), so no format prints a control byte */
		char *esc = vms_escape_dup(s->proc.cmdline, strlen(s->proc.cmdline), VMS_ESC_CMDLINE);

		free(s->proc.cmdline);
		s->proc.cmdline = esc;
	}
	return 0;
}

/* ---- the metadata ---------------------------------------------------------------------------- */

void snapmeta_free(struct vms_snapmeta *m)
{
	if (!m)
		return;
	free(m->backend);
	free(m->boot_id);
	free(m->kernel);
	free(m->hostname);
	free(m->moves);
	free(m);
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

struct vms_snapmeta *snapmeta_dup(const struct vms_snapmeta *m)
{
	struct vms_snapmeta *c = xcalloc(1, sizeof(*c));

	*c = *m;
	c->backend = dup_or_null(m->backend);
	c->boot_id = dup_or_null(m->boot_id);
	c->kernel = dup_or_null(m->kernel);
	c->hostname = dup_or_null(m->hostname);
	c->moves = NULL;
	if (m->n_moves) {
		c->moves = xmalloc(m->n_moves * sizeof(*c->moves));
		memcpy(c->moves, m->moves, m->n_moves * sizeof(*c->moves));
	}
	return c;
}
