// SPDX-License-Identifier: BSD-2-Clause
#include "cli/read_target.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backend/bpf_off.h"
#include "cli/commands.h"
#include "core/util.h"
#include "model/live.h"
#include "snapshot/file.h"

/* A path (it has a '/', no comm has) that no backend claims: say what it is not. */
static bool bad_path(const char *cmd, const char *spec)
{
	struct stat st;

	if (!strchr(spec, '/') || !strncmp(spec, "/proc/", 6))
		return false;
	for (int i = 0; vms_backends[i]; i++)
		if (vms_backends[i]->claims && vms_backends[i]->claims(spec))
			return false;
	if (stat(spec, &st))
		vms_err("%s: %s: %s", cmd, spec, strerror(errno));
	else if (S_ISDIR(st.st_mode))
		vms_err("%s: %s: a directory (a timeline is read alone: vmscope diff DIR)", cmd, spec);
	else
		vms_err("%s: %s: not a file vmscope reads (no snapshot magic)", cmd, spec);
	return true;
}

int cli_one_target(const char *cmd, const char *spec, struct vms_target *t)
{
	struct vms_target *v = NULL;
	size_t n = 0;
	int rc;

	if (bad_path(cmd, spec))
		return VMS_EXIT_FAIL;
	rc = target_parse(cmd, spec, &v, &n);

	if (rc == VMS_EXIT_OK && n > 1) {
		vms_err("%s: %zu processes are named '%s' (%d, %d%s): give a PID", cmd, n, spec,
			(int)v[0].pid, (int)v[1].pid, n > 2 ? ", ..." : "");
		rc = VMS_EXIT_FAIL;
	}
	if (rc == VMS_EXIT_OK)
		*t = v[0];
	free(v);
	return rc;
}

/*
 * The live model's position around a live read (core/snapshot/codec.h: model_id, move_seq, the
 * log): the same move count before and after the regions were read, or the read is redone (a
 * move in between would be on either side of it). Silent: without the model there is none.
 */
static bool position(struct live *m, bool open, pid_t pid, struct live_movepos *p)
{
	return open && !live_move_pos(m, pid, p);
}

static void record_position(struct live *m, const struct live_movepos *p, struct vms_snapshot *s)
{
	struct vms_snapmove log[VMS_MOVES_N];
	int n;

	if (!live_same_start(p->start_ns, s->proc.start_time))
		return;
	n = live_move_log(m, s->proc.pid, p, log);
	if (n < 0)
		return;
	s->meta->model_id = p->model_id;
	s->meta->move_seq = p->seq;
	free(s->meta->moves);
	s->meta->moves = NULL;
	s->meta->n_moves = (size_t)n;
	if (n) {
		s->meta->moves = xmalloc((size_t)n * sizeof(*log));
		memcpy(s->meta->moves, log, (size_t)n * sizeof(*log));
	}
}

int cli_read_target(const char *cmd, const struct vms_target *t, const char *backend,
		    unsigned flags, struct vms_snapshot *s)
{
	const struct vms_backend *be = t->path ? t->backend
					       : map_backend(cmd, backend, flags & BACKEND_FAULTS);
	struct live_movepos p0, p1;
	struct live m;
	bool open, pos = false;
	int err;

	if (!be)
		return VMS_EXIT_FAIL;
	if (t->path) {
		err = be->snapshot(t, s, flags);
		if (!err && !s->meta)
			snapmeta_fill_file(s, t->path); /* a core: its dump's time, not now */
		return err ? target_report(cmd, t, s, err) : VMS_EXIT_OK;
	}
	open = !live_open(&m);
	for (int attempt = 0; attempt < 3; attempt++) {
		if (attempt) {
			snapshot_free(s);
			snapshot_init(s);
		}
		pos = position(&m, open, t->pid, &p0);
		err = be->snapshot(t, s, flags);
		if (err || !pos)
			break;
		pos = position(&m, open, t->pid, &p1) && p1.seq == p0.seq;
		if (pos)
			break;
	}
	if (!err) {
		if (!strcmp(backend, "auto"))
			bpf_off_note(cmd, be); /* once, as map: why not BPF */
		if (!s->meta)
			snapmeta_fill_live(s, flags & BACKEND_FAULTS);
		if (pos)
			record_position(&m, &p0, s);
	}
	if (open)
		live_close(&m);
	return err ? target_report(cmd, t, s, err) : VMS_EXIT_OK;
}
