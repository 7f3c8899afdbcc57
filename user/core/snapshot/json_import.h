/* SPDX-License-Identifier: BSD-2-Clause */
/* `snapshot import`: a snapshot from the JSON that `snapshot export` writes (format json with
 * format_opts.full; schema in docs/snapshot-format.md). Pure: text in, snapshot out. */
#ifndef VMS_SNAP_JSON_IMPORT_H
#define VMS_SNAP_JSON_IMPORT_H

#include <stddef.h>

#include "region.h"

/* Fills s (snapshot_init'd, s->meta set). 0, or -EINVAL with why[] the reason (s freed). The
 * result passes the same checks as a snapshot file read back (it is encoded and decoded). */
int snap_from_json(const char *text, size_t len, struct vms_snapshot *s, char *why, size_t whylen);

#endif
