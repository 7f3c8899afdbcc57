/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Snapshot files (.vms): the core's payload (core/snapshot/codec.h), zlib-compressed, behind
 * its header. zlib lives here, not in libvmscope-core: the core stays free of libraries (a port
 * links what it has), and this folder is the whole of the zlib dependency (README "Snapshots").
 */
#ifndef VMS_SNAPFILE_H
#define VMS_SNAPFILE_H

#include <stddef.h>
#include <stdint.h>

#include "core/region.h"
#include "core/snapshot/codec.h"

/* Writes s (s->meta set) to path, through a temporary file renamed over it; "-" is stdout.
 * 0 or -errno, with why[] the reason. */
int snapfile_write(const char *path, const struct vms_snapshot *s, char *why, size_t whylen);
/* A whole file's bytes into s. 0, or -EINVAL with why[] the reason (one line). */
int snapfile_decode(const uint8_t *p, size_t len, struct vms_snapshot *s, char *why, size_t whylen);
/* Reads path into s. 0 or -errno, why[] filled. */
int snapfile_read(const char *path, struct vms_snapshot *s, char *why, size_t whylen);
/* Whether path is a readable file that starts like a snapshot. */
bool snapfile_is_snapshot(const char *path);

/* The when and where of a snapshot just read live (meta.c: boot id, uname, time, ...). */
void snapmeta_fill_live(struct vms_snapshot *s, bool has_faults);
/* The when of a snapshot read from a file that is not one (a core file): the file's mtime; boot
 * id, kernel and host unknown (NULL), so that a core is never taken for this boot's. */
void snapmeta_fill_file(struct vms_snapshot *s, const char *path);

#endif
