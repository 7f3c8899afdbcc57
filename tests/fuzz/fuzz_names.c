// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target for the name half of the user/kernel contract (user/kernel/contract.c):
 * vms_name_decode() (escape_path) and vms_name_encode(). Properties:
 *  - a /proc name (no raw newline: /proc shows it as \012) encodes to raw bytes that decode to
 *    the same name;
 *  - raw bytes of kind anon, anon_shmem, and path (not starting with '[', no literal "\012":
 *    /proc itself cannot tell those apart) decode to a name that encodes back to them;
 *  - a decoded path holds no newline: one name is one line of maps.
 * Options byte: its value mod 5 is the kind given to the data.
 */
#include "fuzz_common.h"

#include "kernel/contract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in;
	unsigned kind, kind2;
	char *text, *raw, *back;
	size_t len, n;

	if (!fuzz_split(data, size, &in))
		return 0;
	kind = in.opt % 5;
	n = strnlen(in.data, in.len); /* names carry no NUL: the kernel's are C strings */

	/* raw -> text -> raw */
	text = vms_name_decode(kind, in.data, n);
	raw = malloc(strlen(text) + 1);
	kind2 = vms_name_encode(text, raw, &len);
	if (kind == VMS_NAME_PATH)
		FUZZ_CHECK(!strchr(text, '\n'), "decode: a path with a raw newline");
	if ((kind == VMS_NAME_ANON || kind == VMS_NAME_ANON_SHMEM ||
	     (kind == VMS_NAME_PATH && n && in.data[0] != '[' && !memmem(in.data, n, "\\012", 4))))
		FUZZ_CHECK(kind2 == kind && len == n && !memcmp(raw, in.data, n),
			   "kind %u raw '%.*s' -> '%s' -> kind %u raw '%.*s'", kind, (int)n, in.data,
			   text, kind2, (int)len, raw);
	free(raw);
	free(text);

	/* text -> raw -> text, for what /proc can show */
	if (!memchr(in.data, '\n', n)) {
		raw = malloc(n + 1);
		kind2 = vms_name_encode(in.data, raw, &len);
		back = vms_name_decode(kind2, raw, len);
		FUZZ_CHECK(!strcmp(back, in.data), "'%s' -> kind %u raw '%.*s' -> '%s'", in.data,
			   kind2, (int)len, raw, back);
		free(back);
		free(raw);
	}
	free(in.data);
	return 0;
}
