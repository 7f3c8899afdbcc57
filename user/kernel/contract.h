/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * User space's half of the user/kernel contract (bpf/vmscope.h): the one place that turns the
 * kernel side's perm bits and name kinds into the text /proc/PID/maps shows and back, and that
 * computes name ids as the kernel side does.
 */
#ifndef VMS_CONTRACT_H
#define VMS_CONTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/region.h"
#include "vmscope.h"

/* VMS_VMA_READ..SHARED <-> "rwxs"/"r--p" (out: 5 bytes, NUL-terminated). */
void vms_perm_text(unsigned bits, char out[5]);
unsigned vms_perm_bits(const char *text);

/* The text /proc/PID/maps shows for a name of that kind (malloc'd; "" for VMS_NAME_NONE). */
char *vms_name_decode(unsigned kind, const char *raw, size_t len);
/* The inverse: the kind of a /proc name and the raw bytes the kernel side stores for it
 * (raw: at least strlen(text) bytes; *len gets their count). */
unsigned vms_name_encode(const char *text, char *raw, size_t *len);

/* The id the kernel side interns those raw bytes under (vmscope.h's name hash, with the key the
 * load drew: vms_info.name_key for the model). */
uint64_t vms_name_id(const __u64 key[2], const char *raw, size_t len);
/* Whether an interned entry holds those raw bytes: an id taken by another name (a collision) is
 * not used, as the kernel side's intern() does not. */
bool vms_name_same(const struct vms_name_ent *e, const char *raw, size_t len);

/* A record of the VMA iterator as a region (name decoded). */
void vma_rec_to_region(const struct vms_vma_rec *r, const char *name, struct vms_region *reg);

#endif
