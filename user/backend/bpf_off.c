// SPDX-License-Identifier: BSD-2-Clause
#include "backend/bpf_off.h"

#include <linux/capability.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/util.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static bool has_cap(const struct __user_cap_data_struct d[2], int cap)
{
	return d[cap / 32].effective & (1u << (cap % 32));
}

/* CAP_BPF + CAP_PERFMON (5.8+), or CAP_SYS_ADMIN, effective now: what loading tracing BPF
 * takes. Read with capget: no libcap. */
static bool privileged(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d))
		return geteuid() == 0;
	return has_cap(d, CAP_SYS_ADMIN) || (has_cap(d, CAP_BPF) && has_cap(d, CAP_PERFMON));
}

/* "[confidentiality]" in securityfs' lockdown file (read only if securityfs is mounted): BPF
 * may not read kernel memory, which every vmscope program does. */
static bool locked_down(void)
{
	char buf[128] = "";
	FILE *f = fopen("/sys/kernel/security/lockdown", "re");

	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return strstr(buf, "[confidentiality]") != NULL;
}

const char *bpf_off_reason(void)
{
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		return "the kernel has no BTF (/sys/kernel/btf/vmlinux)";
	if (!privileged())
		return geteuid() ? "not root: loading BPF needs root, or CAP_BPF and CAP_PERFMON"
				 : "root without CAP_BPF and CAP_PERFMON (nor CAP_SYS_ADMIN): loading BPF "
				   "needs them";
	if (locked_down())
		return "the kernel is locked down (lockdown=confidentiality): BPF cannot read kernel memory";
	return NULL;
}

void bpf_off_note(const char *cmd, const struct vms_backend *be)
{
	static bool said;
	const char *why;

	if (said || be != &backend_procfs)
		return;
	said = true;
	why = bpf_off_reason();
	if (why)
		vms_err("%s: reading /proc (procfs backend): BPF is off: %s", cmd, why);
}
