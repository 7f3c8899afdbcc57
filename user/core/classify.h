/* SPDX-License-Identifier: BSD-2-Clause */
/* What a region is for, in the vocabulary of the JSON contract (and VMMap's region types). */
#ifndef VMS_CLASSIFY_H
#define VMS_CLASSIFY_H

#include "region.h"

/* One of: image, mapped-file, private, shareable, heap, stack, guard, vdso, system. */
const char *region_kind(const struct vms_snapshot *s, const struct vms_region *r);
/* region_kind() of every region of s, in order (s->n entries; free() the array): in
 * O(n log n), where asking region_kind() of each is quadratic. */
const char **region_kinds(const struct vms_snapshot *s);

/* Whether a region's name is a Windows file name: a drive path (C:\dir\file), a UNC path
 * (\\server\share\file) or an NT device path (\Device\...): the last component follows the
 * last backslash. No Linux name looks like one (files start with /, the rest with [ or memfd:). */
bool region_name_is_win_path(const char *name);

#endif
