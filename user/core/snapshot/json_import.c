// SPDX-License-Identifier: BSD-2-Clause
#include "snapshot/json_import.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_parse.h"
#include "snapshot/codec.h"
#include "util.h"

struct imp {
	char *why;
	size_t whylen;
	const char *where;
	size_t idx;
};

static int ifail(struct imp *im, const char *key, const char *what)
{
	if (im->where)
		snprintf(im->why, im->whylen, "%s %zu: \"%s\" %s", im->where, im->idx, key, what);
	else
		snprintf(im->why, im->whylen, "\"%s\" %s", key, what);
	return -EINVAL;
}

static int get_u64(struct imp *im, const struct json_val *o, const char *k, bool need, uint64_t max,
		   uint64_t *out)
{
	const struct json_val *v = json_get(o, k);

	if (!v)
		return need ? ifail(im, k, "missing") : 0;
	if (json_u64_of(v, out) || *out > max)
		return ifail(im, k, "is not a number in range");
	return 0;
}

static int get_i64(struct imp *im, const struct json_val *o, const char *k, int64_t lo,
		   int64_t hi, int64_t *out)
{
	const struct json_val *v = json_get(o, k);
	uint64_t u;

	if (!v)
		return 0;
	if (v->type == JSON_NUM && v->num[0] == '-') {
		struct json_val pos = *v;

		pos.num = v->num + 1;
		pos.n = v->n - 1;
		if (json_u64_of(&pos, &u) || u > (uint64_t)-lo)
			return ifail(im, k, "is not a number in range");
		*out = -(int64_t)u;
		return 0;
	}
	if (json_u64_of(v, &u) || u > (uint64_t)hi)
		return ifail(im, k, "is not a number in range");
	*out = (int64_t)u;
	return 0;
}

static int get_hex(struct imp *im, const struct json_val *o, const char *k, bool need, uint64_t *out)
{
	const struct json_val *v = json_get(o, k);

	if (!v)
		return need ? ifail(im, k, "missing") : 0;
	return json_hex_of(v, out) ? ifail(im, k, "is not a \"0x...\" hex string") : 0;
}

static int get_bool(struct imp *im, const struct json_val *o, const char *k, bool *out)
{
	const struct json_val *v = json_get(o, k);

	if (!v)
		return 0;
	if (v->type != JSON_BOOL)
		return ifail(im, k, "is not true or false");
	*out = v->b;
	return 0;
}

/* A string (NULL allowed when nullable): *out points into the tree. */
static int get_str(struct imp *im, const struct json_val *o, const char *k, bool need,
		   bool nullable, const char **out)
{
	const struct json_val *v = json_get(o, k);

	*out = NULL;
	if (!v)
		return need ? ifail(im, k, "missing") : 0;
	if (v->type == JSON_NULL && nullable)
		return 0;
	if (v->type != JSON_STR)
		return ifail(im, k, "is not a string");
	*out = v->s;
	return 0;
}

static const struct json_val *get_arr(struct imp *im, const struct json_val *o, const char *k,
				      bool need, int *err)
{
	const struct json_val *v = json_get(o, k);

	*err = 0;
	if (!v) {
		if (need)
			*err = ifail(im, k, "missing");
		return NULL;
	}
	if (v->type != JSON_ARR) {
		*err = ifail(im, k, "is not an array");
		return NULL;
	}
	return v;
}

static char *dup_opt(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* "model": {"id": "0x..", "move_seq": N, "moves": [{"seq", "old_start" ...}]}: the codec checks
 * the order and the bounds */
static int model(struct imp *im, const struct json_val *sn, struct vms_snapmeta *m)
{
	const struct json_val *mo = json_get(sn, "model"), *a;
	int err;

	if (!mo)
		return 0;
	if (mo->type != JSON_OBJ)
		return ifail(im, "model", "is not an object");
	if (get_hex(im, mo, "id", true, &m->model_id) ||
	    get_u64(im, mo, "move_seq", true, UINT32_MAX, &m->move_seq))
		return -EINVAL;
	if (!m->model_id)
		return ifail(im, "id", "is 0 (no model: leave \"model\" out)");
	a = get_arr(im, mo, "moves", false, &err);
	if (err)
		return err;
	if (a && a->n > VMS_SNAP_MAX_MOVES)
		return ifail(im, "moves", "holds too many moves");
	if (a && a->n)
		m->moves = xcalloc(a->n, sizeof(*m->moves));
	im->where = "move";
	for (size_t i = 0; a && i < a->n; i++) {
		const struct json_val *o = &a->items[i];
		struct vms_snapmove *mv = &m->moves[i];

		im->idx = i + 1;
		if (o->type != JSON_OBJ)
			return ifail(im, "moves", "holds something that is not an object");
		if (get_u64(im, o, "seq", true, UINT32_MAX, &mv->seq) ||
		    get_hex(im, o, "old_start", true, &mv->old_start) ||
		    get_hex(im, o, "old_len", true, &mv->old_len) ||
		    get_hex(im, o, "new_start", true, &mv->new_start) ||
		    get_hex(im, o, "new_len", true, &mv->new_len) ||
		    get_u64(im, o, "time_ns", false, UINT64_MAX, &mv->time_ns))
			return -EINVAL;
		m->n_moves++;
	}
	im->where = NULL;
	return 0;
}

static int head(struct imp *im, const struct json_val *root, struct vms_snapshot *s)
{
	struct vms_snapmeta *m = s->meta;
	const struct json_val *sn = json_get(root, "snapshot"), *pr = json_get(root, "proc");
	const char *str;
	uint64_t v;
	int64_t i;
	bool b = false;

	if (!sn || sn->type != JSON_OBJ)
		return ifail(im, "snapshot", "missing: not a `vmscope snapshot export` document");
	if (get_u64(im, sn, "version", true, UINT16_MAX, &v))
		return -EINVAL;
	if (v != VMS_SNAP_MAJOR)
		return ifail(im, "version", "is not a version this vmscope reads");
	if (get_u64(im, root, "pid", true, INT32_MAX, &v))
		return -EINVAL;
	s->proc.pid = (pid_t)v;
	if (get_str(im, root, "comm", true, false, &str))
		return -EINVAL;
	if (strlen(str) >= sizeof(s->proc.comm))
		return ifail(im, "comm", "is too long");
	strcpy(s->proc.comm, str);
	if (get_str(im, root, "cmdline", true, true, &str))
		return -EINVAL;
	s->proc.cmdline = dup_opt(str);
	if (get_str(im, root, "backend", true, false, &str))
		return -EINVAL;
	m->backend = xstrdup(str);
	if (get_str(im, sn, "boot_id", false, true, &str))
		return -EINVAL;
	m->boot_id = dup_opt(str);
	if (get_str(im, sn, "kernel", false, true, &str))
		return -EINVAL;
	m->kernel = dup_opt(str);
	if (get_str(im, sn, "hostname", false, true, &str))
		return -EINVAL;
	m->hostname = dup_opt(str);
	if (get_u64(im, sn, "time_ns", false, UINT64_MAX, &m->time_ns) ||
	    get_u64(im, sn, "shm_minor", false, UINT32_MAX, &v))
		return -EINVAL;
	m->shm_minor = json_get(sn, "shm_minor") ? (uint32_t)v : ~0u;
	if (get_bool(im, sn, "has_faults", &m->has_faults) || get_bool(im, sn, "has_acct", &b) ||
	    get_bool(im, sn, "fault_access", &s->fault_access) ||
	    get_bool(im, sn, "acct_absent", &s->acct_absent))
		return -EINVAL;
	s->has_acct = b;
	s->acct_absent = s->acct_absent && b;
	if (model(im, sn, m))
		return -EINVAL;
	if (!pr)
		return 0;
	if (pr->type != JSON_OBJ)
		return ifail(im, "proc", "is not an object");
	if (get_str(im, pr, "state", false, false, &str))
		return -EINVAL;
	if (str && strlen(str) > 1)
		return ifail(im, "state", "is more than one character");
	s->proc.state = str ? str[0] : 0;
	i = 0;
	if (get_i64(im, pr, "ppid", INT32_MIN, INT32_MAX, &i))
		return -EINVAL;
	s->proc.ppid = (int)i;
	b = false;
	if (get_bool(im, pr, "kernel_thread", &b) ||
	    get_u64(im, pr, "start_time", false, UINT64_MAX, &s->proc.start_time) ||
	    get_hex(im, pr, "start_stack", false, &s->proc.start_stack))
		return -EINVAL;
	s->proc.kernel_thread = b;
	return 0;
}

static int keys_threads(struct imp *im, const struct json_val *root, struct vms_snapshot *s)
{
	const struct json_val *a;
	int err;

	a = get_arr(im, root, "acct_keys", false, &err);
	if (err)
		return err;
	im->where = "acct_keys entry";
	for (size_t i = 0; a && i < a->n; i++) {
		const char *k;
		bool kb = false;

		im->idx = i + 1;
		if (get_str(im, &a->items[i], "key", true, false, &k) ||
		    get_bool(im, &a->items[i], "kb", &kb))
			return -EINVAL;
		if (!k[0] || strlen(k) > 64)
			return ifail(im, "key", "is empty or too long");
		if (s->n_keys >= VMS_SNAP_MAX_KEYS)
			return ifail(im, "key", "is one too many");
		for (size_t j = 0; j < s->n_keys; j++)
			if (!strcmp(s->acct_keys[j], k))
				return ifail(im, "key", "appears twice");
		snapshot_acct_key(s, k, kb);
	}
	a = get_arr(im, root, "threads", false, &err);
	if (err)
		return err;
	im->where = "thread";
	for (size_t i = 0; a && i < a->n; i++) {
		const struct json_val *t = &a->items[i];
		struct vms_thread th = { 0 };
		int64_t tid = 0;

		im->idx = i + 1;
		if (get_i64(im, t, "tid", 0, INT32_MAX, &tid) || get_hex(im, t, "sp", false, &th.sp) ||
		    get_hex(im, t, "stack_low", false, &th.stack_low) ||
		    get_hex(im, t, "stack_high", false, &th.stack_high) ||
		    get_hex(im, t, "clone_sp", false, &th.clone_sp) ||
		    get_hex(im, t, "alt_sp", false, &th.alt_sp) ||
		    get_hex(im, t, "alt_size", false, &th.alt_size) ||
		    get_u64(im, t, "start_time", false, UINT64_MAX, &th.start_time))
			return -EINVAL;
		th.tid = (int)tid;
		*snapshot_add_thread(s, th.tid) = th;
	}
	im->where = NULL;
	return 0;
}

/* {"exact": bool, "runs": [["0xSTART", "0xEND", VALUE or null], ...]}; the codec checks them */
static int runs(struct imp *im, const struct json_val *o, const char *k, struct vms_run **out,
		uint32_t *n, bool *exact)
{
	const struct json_val *v = json_get(o, k), *a;
	size_t cap = 1;
	int err;

	if (!v)
		return 0;
	if (v->type != JSON_OBJ || get_bool(im, v, "exact", exact))
		return ifail(im, k, "is not {\"exact\": ..., \"runs\": [...]}");
	a = get_arr(im, v, "runs", true, &err);
	if (err)
		return err;
	if (a->n > (1u << 24))
		return ifail(im, k, "has too many runs");
	while (cap < a->n)
		cap *= 2; /* a power of two, as run_add() expects */
	*out = xcalloc(cap, sizeof(**out));
	for (size_t i = 0; i < a->n; i++) {
		const struct json_val *e = &a->items[i];
		struct vms_run *x = &(*out)[i];

		if (e->type != JSON_ARR || e->n != 3 || json_hex_of(&e->items[0], &x->start) ||
		    json_hex_of(&e->items[1], &x->end) ||
		    (e->items[2].type == JSON_NULL ? (x->value = VMS_RUN_NONE, 0)
						   : json_u64_of(&e->items[2], &x->value)))
			return ifail(im, k, "holds a run that is not [\"0x...\", \"0x...\", N or null]");
		(*n)++;
	}
	return 0;
}

static int region(struct imp *im, const struct json_val *o, struct vms_snapshot *s)
{
	struct vms_region *r = snapshot_add(s);
	const struct json_val *acct;
	struct vms_region_more *x;
	const char *str;
	unsigned maj, min;
	char c;
	int err;

	if (o->type != JSON_OBJ)
		return ifail(im, "regions", "entry is not an object");
	if (get_hex(im, o, "start", true, &r->start) || get_hex(im, o, "end", true, &r->end) ||
	    get_hex(im, o, "offset", true, &r->offset))
		return -EINVAL;
	/* null dev and inode: unknown to the backend (a core file's), never 0 */
	if (json_get(o, "inode") && json_get(o, "inode")->type == JSON_NULL)
		r->absent |= VMS_ABSENT_DEVINO;
	else if (get_u64(im, o, "inode", true, UINT64_MAX, &r->inode))
		return -EINVAL;
	if (get_str(im, o, "perm", true, false, &str))
		return -EINVAL;
	if (strlen(str) != 4)
		return ifail(im, "perm", "is not 4 characters");
	memcpy(r->perms, str, 5);
	if (get_str(im, o, "dev", true, r->absent & VMS_ABSENT_DEVINO, &str))
		return -EINVAL;
	if (!str)
		str = "0:0"; /* absent, as the inode */
	else if (r->absent & VMS_ABSENT_DEVINO)
		return ifail(im, "dev", "is given but the inode is null");
	if (strspn(str, "0123456789abcdef:") != strlen(str) ||
	    sscanf(str, "%x:%x%c", &maj, &min, &c) != 2)
		return ifail(im, "dev", "is not MAJOR:MINOR in hex");
	r->dev_major = maj;
	r->dev_minor = min;
	if (get_str(im, o, "name", true, false, &str))
		return -EINVAL;
	r->name = xstrdup(str);
	if (get_str(im, o, "vmflags", false, false, &str))
		return -EINVAL;
	x = region_more_set(r); /* (dropped below if it holds nothing) */
	x->vmflags = dup_opt(str);
	if (get_u64(im, o, "faults_min", false, UINT64_MAX, &x->faults_min) ||
	    get_u64(im, o, "faults_maj", false, UINT64_MAX, &x->faults_maj) ||
	    get_u64(im, o, "faults_read", false, UINT64_MAX, &x->faults_read) ||
	    get_u64(im, o, "faults_write", false, UINT64_MAX, &x->faults_write) ||
	    get_u64(im, o, "faults_exec", false, UINT64_MAX, &x->faults_exec))
		return -EINVAL;
	if (runs(im, o, "numa", &x->numa, &x->n_numa, &x->numa_exact) ||
	    runs(im, o, "page_sizes", &x->psize, &x->n_psize, &x->psize_exact))
		return -EINVAL;
	region_more_trim(r);
	acct = get_arr(im, o, "acct", false, &err);
	if (err)
		return err;
	if (acct) {
		if (acct->n != s->n_keys)
			return ifail(im, "acct", "does not have one value per acct_keys entry");
		r->acct = xcalloc(s->n_keys ? s->n_keys : 1, sizeof(uint64_t));
		for (size_t k = 0; k < acct->n; k++)
			if (json_u64_of(&acct->items[k], &r->acct[k]))
				return ifail(im, "acct", "holds something that is not a number");
	}
	return 0;
}

int snap_from_json(const char *text, size_t len, struct vms_snapshot *s, char *why, size_t whylen)
{
	struct imp im = { why, whylen, NULL, 0 };
	const struct json_val *regs;
	struct vms_buf buf = { 0 };
	struct json_val root;
	char msg[200];
	int err;

	s->meta = xcalloc(1, sizeof(*s->meta));
	if (json_parse(text, len, &root, msg, sizeof(msg))) {
		snprintf(why, whylen, "not JSON: %s", msg);
		snapshot_free(s);
		return -EINVAL;
	}
	if (root.type != JSON_OBJ) {
		snprintf(why, whylen, "not a JSON object");
		err = -EINVAL;
		goto out;
	}
	err = head(&im, &root, s);
	if (!err)
		err = keys_threads(&im, &root, s);
	if (!err) {
		regs = get_arr(&im, &root, "regions", true, &err);
		im.where = "region";
		for (size_t i = 0; !err && i < regs->n; i++) {
			im.idx = i + 1;
			err = region(&im, &regs->items[i], s);
		}
	}
	if (!err) {
		/* the codec's checks (order, overlap, permissions, one value per key...) */
		struct vms_snapshot back;

		s->backend = s->meta->backend;
		snap_encode(s, &buf);
		snapshot_init(&back);
		err = snap_decode(buf.p, buf.len, &back, msg, sizeof(msg));
		if (err)
			snprintf(why, whylen, "%s", msg + (strncmp(msg, "corrupt snapshot: ", 18) ? 0 : 18));
		snapshot_free(s);
		*s = back; /* a freed (init'd) snapshot on failure */
	}
out:
	buf_free(&buf);
	json_val_free(&root);
	if (err) {
		snapshot_free(s);
		return -EINVAL;
	}
	return 0;
}
