// SPDX-License-Identifier: BSD-2-Clause
#include "model/pins.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "core/util.h"

/* Room for DIR/faults/PROG_N and the lock's name, in the path buffers below. */
#define PINS_DIR_MAX 200
#define LOCK_DIR "/run/vmscope"

static bool on_bpffs(const char *path)
{
	struct statfs st;

	return !statfs(path, &st) && (unsigned long)st.f_type == BPF_FS_MAGIC;
}

/* Why dir cannot be a pin dir (into why), or false. Its parent must be on a bpffs: the dir
 * itself is created and removed by start and stop, so it cannot be a mount point. */
static bool invalid(const char *dir, char *why, size_t len)
{
	char parent[PINS_DIR_MAX + 2];
	const char *last = strrchr(dir, '/'), *up;
	struct stat st;

	snprintf(parent, sizeof(parent), "%s", dir);
	up = dirname(parent);
	if (dir[0] != '/' || !dir[1] || strlen(dir) > PINS_DIR_MAX)
		snprintf(why, len, "not an absolute path below / of at most %d bytes", PINS_DIR_MAX);
	else if (strstr(dir, "//") || strstr(dir, "/./") || strstr(dir, "/../") ||
		 !strcmp(last, "/.") || !strcmp(last, "/.."))
		snprintf(why, len, "not a plain path (no '.', '..' or '//')");
	else if (!on_bpffs(up))
		snprintf(why, len, "%s is not a directory on a bpffs (mount -t bpf bpf DIR)", up);
	else if (!stat(dir, &st) && (!S_ISDIR(st.st_mode) || !on_bpffs(dir)))
		snprintf(why, len, "exists and is not a directory on that bpffs");
	else
		return false;
	return true;
}

const char *pins_dir(void)
{
	static char dir[PINS_DIR_MAX + 2];
	char why[PINS_DIR_MAX + 64];
	const char *env;
	size_t n;

	if (dir[0])
		return dir;
	env = getenv("VMSCOPE_PIN_DIR");
	if (!env || !*env) /* the default needs no check: start mounts /sys/fs/bpf if missing */
		return strcpy(dir, VMS_PIN_DIR_DEFAULT);
	n = strlen(env);
	while (n > 1 && env[n - 1] == '/')
		n--;
	/* one byte more than allowed: a longer value is cut, and then refused as too long */
	snprintf(dir, sizeof(dir), "%.*s", (int)n, env);
	if (invalid(dir, why, sizeof(why))) {
		vms_err("VMSCOPE_PIN_DIR=%s: %s", env, why);
		exit(VMS_EXIT_FAIL);
	}
	return dir;
}

void pins_path(char *buf, size_t len, const char *sub, const char *name)
{
	snprintf(buf, len, "%s/%s%s%s", pins_dir(), sub, name ? "/" : "", name ? name : "");
}

void pins_name(const char *prog, char *buf, size_t len)
{
	size_t n;

	if (!strncmp(prog, "vms_", 4))
		prog += 4;
	n = strlen(prog);
	if (n > 3 && !strcmp(prog + n - 3, "_ev"))
		n -= 3;
	snprintf(buf, len, "%.*s", (int)n, prog);
}

/*
 * One lock per pin dir: flock(2) on /run/vmscope/BASENAME.lock (0600, root's), taken by every
 * command that changes what is pinned there (start, stop) and by reconcile while it opens the
 * model. A second command WAITS for the first rather than failing: start and stop take seconds
 * at most, and waiting gives what was asked, in order (a stop after a start leaves nothing, a
 * second start says the model is running) where a failure would make every script retry.
 * reconcile holds it only to open the model (never one half pinned or half removed), so a long
 * `reconcile --interval` does not hold up stop. The holder writes "PID COMMAND" into the file
 * for the waiter's -v line. The file stays: removing a lock file races with its next taker.
 */
/* Says who holds the lock (-v), then waits for it. 0, or -1 with errno. */
static int wait_for(int fd, const char *what, const char *path)
{
	char holder[64] = "";
	ssize_t n = pread(fd, holder, sizeof(holder) - 1, 0);

	holder[n > 0 ? n : 0] = '\0';
	holder[strcspn(holder, "\n")] = '\0';
	vms_debug("%s: waiting for the lock of %s (%s), held by %s", what, pins_dir(), path,
		  holder[0] ? holder : "another process");
	while (flock(fd, LOCK_EX))
		if (errno != EINTR)
			return -1;
	return 0;
}

int pins_lock(const char *what)
{
	char path[PINS_DIR_MAX + 64];
	int fd, err;

	snprintf(path, sizeof(path), LOCK_DIR "/%s.lock", strrchr(pins_dir(), '/') + 1);
	/* /run is missing only in a bare initramfs (the kernel-matrix guests) */
	if ((mkdir("/run", 0755) && errno != EEXIST) || (mkdir(LOCK_DIR, 0700) && errno != EEXIST))
		goto fail;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		goto fail;
	if (flock(fd, LOCK_EX | LOCK_NB) && (errno != EWOULDBLOCK || wait_for(fd, what, path))) {
		err = errno;
		close(fd);
		errno = err;
		goto fail;
	}
	if (!ftruncate(fd, 0))
		dprintf(fd, "pid %d: %s\n", (int)getpid(), what);
	return fd;
fail:
	vms_err("%s: cannot take the lock %s: %s", what, path, strerror(errno));
	return -ENOLCK;
}

void pins_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* the last fd of the open file: the lock goes with it */
}

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR)
			remove_dir(path);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

int pins_remove(void)
{
	/* the links first: the hooks are detached before the model they write into goes */
	static const char *const order[] = { "links", "faults", "progs", "maps" };
	char path[PINS_DIR_MAX + 16];

	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		pins_path(path, sizeof(path), order[i], NULL);
		remove_dir(path);
	}
	remove_dir(pins_dir());
	return access(pins_dir(), F_OK) == 0 ? -EBUSY : 0;
}
