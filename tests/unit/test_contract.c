// SPDX-License-Identifier: BSD-2-Clause
/*
 * The user/kernel contract (bpf/vmscope.h, user/kernel/contract.c): the name ids user space
 * interns under must be the kernel side's (tier event-resync shares one names table), and the
 * kind packed into vms_vma_ent.flags must unpack to itself. The ids below are FNV-1a, seeded with
 * the length, as the kernel side computed them before the hash moved into the contract.
 */
#include "unit.h"

#include "kernel/contract.h"

static void name_id_is_the_kernel_sides(void **state)
{
	static const struct { const char *raw; uint64_t id; } cases[] = {
		{ "a", 0xaf63dd4c8601ee3fULL },
		{ "[heap]", 0x8b75b9863cef9fd9ULL },
		{ "/usr/lib/x86_64-linux-gnu/libc.so.6", 0xfda88ec75e9a2f54ULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(vms_name_id(cases[i].raw, strlen(cases[i].raw)), cases[i].id);
	assert_int_not_equal(vms_name_id("", 0), 0); /* 0 is "no name" */
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
		cmocka_unit_test(ent_kind_round_trips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
