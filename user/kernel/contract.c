// SPDX-License-Identifier: BSD-2-Clause
#include "kernel/contract.h"

#include <stdio.h>
#include <string.h>

#include "core/util.h"

void vms_perm_text(unsigned bits, char out[5])
{
	out[0] = bits & VMS_VMA_READ ? 'r' : '-';
	out[1] = bits & VMS_VMA_WRITE ? 'w' : '-';
	out[2] = bits & VMS_VMA_EXEC ? 'x' : '-';
	out[3] = bits & VMS_VMA_SHARED ? 's' : 'p';
	out[4] = '\0';
}

unsigned vms_perm_bits(const char *p)
{
	return (p[0] == 'r' ? VMS_VMA_READ : 0) | (p[1] == 'w' ? VMS_VMA_WRITE : 0) |
	       (p[2] == 'x' ? VMS_VMA_EXEC : 0) | (p[3] == 's' ? VMS_VMA_SHARED : 0);
}

/* /proc prints paths with seq_path(..., "\n"): a newline becomes the octal escape \012. */
static char *escape_path(const char *p, size_t n)
{
	char *out = xmalloc(n * 4 + 1), *o = out;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n') {
			memcpy(o, "\\012", 4);
			o += 4;
		} else {
			*o++ = p[i];
		}
	}
	*o = '\0';
	return out;
}

/* The spelling of fs/proc/task_mmu.c get_vma_name(). */
char *vms_name_decode(unsigned kind, const char *raw, size_t len)
{
	char *out = NULL;
	int n = (int)len;

	switch (kind) {
	case VMS_NAME_ANON:
		n = asprintf(&out, "[anon:%.*s]", n, raw);
		break;
	case VMS_NAME_ANON_SHMEM:
		n = asprintf(&out, "[anon_shmem:%.*s]", n, raw);
		break;
	case VMS_NAME_NONE:
		return xstrdup("");
	case VMS_NAME_PATH:
		return escape_path(raw, len);
	default:
		return xstrndup(raw, len);
	}
	if (n < 0)
		return xstrdup("?");
	return out;
}

unsigned vms_name_encode(const char *name, char *out, size_t *len)
{
	size_t n = strlen(name);

	*len = 0;
	if (!n)
		return VMS_NAME_NONE;
	if (!strncmp(name, "[anon:", 6) && name[n - 1] == ']') {
		*len = n - 7;
		memcpy(out, name + 6, *len);
		return VMS_NAME_ANON;
	}
	if (!strncmp(name, "[anon_shmem:", 12) && name[n - 1] == ']') {
		*len = n - 13;
		memcpy(out, name + 12, *len);
		return VMS_NAME_ANON_SHMEM;
	}
	if (name[0] == '[') {
		*len = n;
		memcpy(out, name, n);
		return VMS_NAME_STRING;
	}
	/* a path: /proc escapes only '\n' (as \012) */
	for (size_t i = 0; i < n; i++) {
		if (!strncmp(name + i, "\\012", 4)) {
			out[(*len)++] = '\n';
			i += 3;
		} else {
			out[(*len)++] = name[i];
		}
	}
	return VMS_NAME_PATH;
}

uint64_t vms_name_id(const __u64 key[2], const char *raw, size_t len)
{
	struct vms_sip st;
	uint64_t m, tail = 0;
	size_t i;

	vms_sip_init(&st, key[0], key[1]);
	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&m, raw + i, 8);
		vms_sip_block(&st, vms_le64(m));
	}
	for (size_t j = 0; i + j < len; j++)
		tail |= (uint64_t)(unsigned char)raw[i + j] << (8 * j);
	return vms_sip_final(&st, tail, (uint32_t)len);
}

bool vms_name_same(const struct vms_name_ent *e, const char *raw, size_t len)
{
	return e->len == len && !memcmp(e->name, raw, len);
}

void vma_rec_to_region(const struct vms_vma_rec *r, const char *name, struct vms_region *reg)
{
	reg->start = r->start;
	reg->end = r->end;
	reg->offset = r->pgoff;
	reg->inode = r->ino;
	reg->dev_major = r->dev >> 20;
	reg->dev_minor = r->dev & 0xfffff;
	vms_perm_text(r->flags, reg->perms);
	reg->name = vms_name_decode(r->name_kind, name, r->name_len);
}
