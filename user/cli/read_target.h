/* SPDX-License-Identifier: BSD-2-Clause */
/* One process or file named on a command line, read through the backend seam (snapshot save,
 * diff, strings): the same targets and errors as map. */
#ifndef VMS_READ_TARGET_H
#define VMS_READ_TARGET_H

#include "backend/backend.h"

/* Parses spec (PID, NAME or a file a backend claims: a snapshot, a core file) as one target
 * into *t; NAME must name exactly one process. An exit code (VMS_EXIT_OK to go on). */
int cli_one_target(const char *cmd, const char *spec, struct vms_target *t);
/* Reads t into s (snapshot_init'd) with the backend named (auto...; a file: its own), flags
 * BACKEND_*. An exit code; an error is reported (one line). */
int cli_read_target(const char *cmd, const struct vms_target *t, const char *backend,
		    unsigned flags, struct vms_snapshot *s);

#endif
