// SPDX-License-Identifier: BSD-2-Clause
/*
 * The user/kernel contract (bpf/vmscope.h, user/kernel/contract.c): the name ids user space
 * interns under must be the kernel side's (tier event-resync shares one names table), and the
 * kind packed into vms_vma_ent.flags must unpack to itself. The ids are SipHash-2-4's (checked
 * against its reference vectors); the kernel side steps the same contract functions.
 */
#include "unit.h"

#include "kernel/contract.h"

static void name_id_is_the_kernel_sides(void **state)
{
	/* SipHash-2-4's reference vectors (key 00..0f, message 00..len-1), from its paper */
	static const __u64 key[2] = { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL };
	static const struct { size_t len; uint64_t id; } cases[] = {
		{ 0, 0x726fdb47dd0e0e31ULL }, { 1, 0x74f839c593dc67fdULL },
		{ 7, 0xab0200f58b01d137ULL }, { 8, 0x93f5f5799a932462ULL },
		{ 15, 0xa129ca6149be45e5ULL }, { 63, 0x958a324ceb064572ULL },
	};
	char msg[64];

	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (char)i;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(vms_name_id(key, msg, cases[i].len), cases[i].id);
}

static void name_id_depends_on_the_key(void **state)
{
	static const __u64 k1[2] = { 1, 2 }, k2[2] = { 1, 3 };
	const char *libc = "/usr/lib/x86_64-linux-gnu/libc.so.6";

	assert_int_not_equal(vms_name_id(k1, libc, strlen(libc)),
			     vms_name_id(k2, libc, strlen(libc)));
	assert_int_not_equal(vms_name_id(k1, "", 0), 0); /* 0 is "no name" */
}

static void name_same_compares_content(void **state)
{
	struct vms_name_ent e = { .len = 6 };

	memcpy(e.name, "[heap]", 6);
	assert_true(vms_name_same(&e, "[heap]", 6));
	assert_false(vms_name_same(&e, "[heaq]", 6));
	assert_false(vms_name_same(&e, "[heap]x", 7));
	assert_false(vms_name_same(&e, "[hea", 4));
}

static void ent_kind_round_trips(void **state)
{
	unsigned perms = VMS_VMA_READ | VMS_VMA_EXEC | VMS_VMA_SHARED;

	for (unsigned kind = VMS_NAME_NONE; kind <= VMS_NAME_ANON_SHMEM; kind++) {
		uint32_t flags = vms_vma_ent_flags(perms | VMS_VMA_UNNAMED, kind);

		assert_int_equal(vms_vma_ent_kind(flags), kind);
		assert_int_equal(flags & 0xff, perms);
		assert_true(flags & VMS_VMA_UNNAMED);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(name_id_is_the_kernel_sides),
		cmocka_unit_test(name_id_depends_on_the_key),
		cmocka_unit_test(name_same_compares_content),
		cmocka_unit_test(ent_kind_round_trips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
