// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target for the bpf-iter record stream (user/kernel/vma_records.c), as the
 * iterator's read would hand it over, without BPF. Properties: the walk never reads past the
 * buffer (ASan); when it accepts, the records it gave tile the buffer exactly, each with at most
 * VMS_NAME_MAX name bytes inside it; a callback's error stops the walk and is returned; each
 * record becomes a region whose perms are /proc's and whose path is one line.
 * Options byte: a callback error after (value & 15) records, 0 for none.
 */
#include "fuzz_common.h"

#include <errno.h>

#include "core/region.h"
#include "kernel/contract.h"
#include "kernel/vma_reader.h"

struct walk {
	const char *buf;
	size_t len, covered, calls, fail_at;
};

static int on_rec(void *ctx, const struct vms_vma_rec *r, const char *name)
{
	struct walk *w = ctx;
	struct vms_region reg;

	FUZZ_CHECK(name == w->buf + w->covered + sizeof(*r), "record %zu: its name is not after it",
		   w->calls);
	FUZZ_CHECK(r->name_len <= VMS_NAME_MAX && w->covered + sizeof(*r) + r->name_len <= w->len,
		   "record %zu: name of %u bytes past the buffer", w->calls, r->name_len);
	w->covered += sizeof(*r) + r->name_len;
	if (++w->calls == w->fail_at)
		return -EL2HLT; /* an error only the callback gives */
	memset(&reg, 0, sizeof(reg));
	vma_rec_to_region(r, name, &reg);
	FUZZ_CHECK(strchr("r-", reg.perms[0]) && strchr("w-", reg.perms[1]) &&
		   strchr("x-", reg.perms[2]) && strchr("sp", reg.perms[3]) && !reg.perms[4],
		   "record %zu: perms '%s'", w->calls, reg.perms);
	/* paths only: the kernel refuses anon names that are not printable (PR_SET_VMA) */
	FUZZ_CHECK(r->name_kind != VMS_NAME_PATH || !strchr(reg.name, '\n'),
		   "record %zu: a path of two lines", w->calls);
	free(reg.name);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in;
	struct walk w = { 0 };
	int err;

	if (!fuzz_split(data, size, &in))
		return 0;
	/* an exact-size copy: ASan sees any read past the end */
	w.buf = memcpy(malloc(in.len ? in.len : 1), in.data, in.len);
	w.len = in.len;
	w.fail_at = in.opt & 15;
	err = vma_records_walk(w.buf, w.len, on_rec, &w);
	if (w.fail_at && w.calls == w.fail_at)
		FUZZ_CHECK(err == -EL2HLT, "the callback's error became %d", err);
	else if (!err)
		FUZZ_CHECK(w.covered == w.len, "accepted, but records cover %zu of %zu bytes",
			   w.covered, w.len);
	else
		FUZZ_CHECK(err == -EPROTO, "error %d", err);
	free((void *)w.buf);
	free(in.data);
	return 0;
}
