/* SPDX-License-Identifier: BSD-2-Clause */
/* Sorting (key, index) pairs by key without a comparison callback: readers of 60,000 regions
 * sort them per read, and qsort's indirect calls cost more than the rest of the read. */
#ifndef VMS_SORT_H
#define VMS_SORT_H

#include <stddef.h>
#include <stdint.h>

struct vms_sort_ent {
	uint64_t key;
	uint64_t idx;
};

/* Sorts a[0..n) by key, ascending (stable). */
void vms_sort_by_key(struct vms_sort_ent *a, size_t n);
/* The same with n entries of scratch at tmp (not overlapping a), or NULL to allocate them. */
void vms_sort_by_key_tmp(struct vms_sort_ent *a, size_t n, struct vms_sort_ent *tmp);

#endif
