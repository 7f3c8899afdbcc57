// SPDX-License-Identifier: BSD-2-Clause
#include "model/pins.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <libgen.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <bpf/bpf.h>

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
 * What root trusts under the pin dir (and the lock dir). bpffs is often mounted 01777, so any
 * user can create the pin dir before start, or plant a symlink or a dir of their own in it; and
 * a path walked as root follows such a link. So: every dir of ours is opened with O_NOFOLLOW
 * and fstat'ed, and must be owned by root or us with no group or other write; its parent must
 * be root's or ours and not let others rename entries (no group/other write, or sticky). Every
 * step below one is relative to its fd, and a pin is opened only after lstat and checked to be
 * a BPF object. Anything else is refused, with why in pins_refused().
 */
static char refusal[PINS_DIR_MAX * 2 + 128];

const char *pins_refused(void)
{
	return refusal;
}

/* Keeps the first refusal (the one a walk met first); -EPERM. */
static int __attribute__((format(printf, 1, 2))) refuse(const char *fmt, ...)
{
	va_list ap;

	if (!refusal[0]) {
		va_start(ap, fmt);
		vsnprintf(refusal, sizeof(refusal), fmt, ap);
		va_end(ap);
	}
	return -EPERM;
}

static bool owner_trusted(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

/* A dir (or lock file) of ours: 0, or -EPERM. */
static int check_ours(const struct stat *st, const char *path)
{
	if (!owner_trusted(st->st_uid))
		return refuse("%s is owned by uid %u, neither root nor us: refusing it", path,
			      (unsigned)st->st_uid);
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return refuse("%s is writable by group or others (mode %04o): refusing it", path,
			      (unsigned)(st->st_mode & 07777));
	return 0;
}

/* Opens NAME under the dir fd at (AT_FDCWD: a path) as a dir of ours, never through a symlink.
 * An fd, -ENOENT, or -EPERM (refused) / -errno. */
static int open_ours(int at, const char *name, const char *path)
{
	struct stat st;
	int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), err;

	if (fd < 0 && (errno == ELOOP || errno == ENOTDIR))
		return refuse("%s is %s, not a directory: refusing it", path,
			      errno == ELOOP ? "a symbolic link" : "not a directory");
	if (fd < 0)
		return -errno;
	err = fstat(fd, &st) ? -errno : check_ours(&st, path);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/* The pin dir's parent: others must not be able to rename the pin dir away and put their own
 * in its place between two of our steps. */
static int open_parent(const char *dir)
{
	char parent[PINS_DIR_MAX + 2];
	const char *up;
	struct stat st;
	int fd;

	snprintf(parent, sizeof(parent), "%s", dir);
	up = dirname(parent);
	fd = open(up, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		close(fd);
		return -errno;
	}
	if (!owner_trusted(st.st_uid) ||
	    ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))) {
		close(fd);
		return refuse("%s (owner uid %u, mode %04o) lets others replace %s: refusing it", up,
			      (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777), dir);
	}
	return fd;
}

/* The pin dir, checked; *parent (if not NULL) gets its parent's fd. An fd, -ENOENT, -EPERM. */
static int open_pin_dir(int *parent)
{
	const char *dir = pins_dir();
	struct statfs sf;
	int pfd, fd;

	refusal[0] = '\0';
	pfd = open_parent(dir);
	if (pfd < 0)
		return pfd;
	fd = open_ours(pfd, strrchr(dir, '/') + 1, dir);
	if (fd >= 0 && (fstatfs(fd, &sf) || (unsigned long)sf.f_type != BPF_FS_MAGIC)) {
		close(fd);
		fd = refuse("%s is not on a bpffs: refusing it", dir);
	}
	if (fd >= 0 && parent)
		*parent = pfd;
	else
		close(pfd);
	return fd;
}

int pins_check(void)
{
	int fd = open_pin_dir(NULL);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

int pins_make(void)
{
	static const char *const dirs[] = { "maps", "progs", "links", "faults" };
	char path[PINS_DIR_MAX + 16];
	int fd, sub, err = 0;

	if (mkdir(pins_dir(), 0700) && errno != EEXIST)
		return -errno;
	fd = open_pin_dir(NULL); /* whoever made it: it must be ours now */
	if (fd < 0)
		return fd;
	for (size_t i = 0; i < ARRAY_SIZE(dirs) && !err; i++) {
		pins_path(path, sizeof(path), dirs[i], NULL);
		if (mkdirat(fd, dirs[i], 0700) && errno != EEXIST)
			err = -errno;
		else if ((sub = open_ours(fd, dirs[i], path)) < 0)
			err = sub;
		else
			close(sub);
	}
	close(fd);
	return err;
}

enum pins_kind { PINS_NONE, PINS_MAP, PINS_PROG, PINS_LINK };

/* The kind of BPF object an fd holds (PINS_NONE: not one), by its anon inode's name. */
static enum pins_kind pins_kind(int fd)
{
	static const struct { const char *link; enum pins_kind kind; } kinds[] = {
		{ "anon_inode:bpf-map", PINS_MAP }, { "anon_inode:bpf-prog", PINS_PROG },
		{ "anon_inode:bpf-link", PINS_LINK }, { "anon_inode:bpf_link", PINS_LINK },
	};
	char path[64], target[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	target[n > 0 ? n : 0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (!strcmp(target, kinds[i].link))
			return kinds[i].kind;
	return PINS_NONE;
}

static const char *const kind_names[] = {
	[PINS_NONE] = "BPF object", [PINS_MAP] = "BPF map", [PINS_PROG] = "BPF program",
	[PINS_LINK] = "BPF link",
};

/* The pin at path (under the dir fd at, as name), opened: not a symlink, made by root or us, a
 * BPF object of the kind asked for (PINS_NONE: any). An fd, -ENOENT, or -EPERM (refused). */
static int get_pin(int at, const char *name, const char *path, enum pins_kind kind)
{
	char via[64 + NAME_MAX];
	enum pins_kind got;
	struct stat st;
	int fd;

	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW))
		return -errno;
	if (S_ISLNK(st.st_mode) || !owner_trusted(st.st_uid))
		return refuse("%s is %s, not a vmscope pin: refusing it", path,
			      S_ISLNK(st.st_mode) ? "a symbolic link" : "someone else's");
	/* through the checked dir's fd, not the path: the object opened is the one stat'ed there */
	snprintf(via, sizeof(via), "/proc/self/fd/%d/%s", at, name);
	fd = bpf_obj_get(via);
	if (fd < 0)
		return errno == EINVAL || errno == EACCES || errno == EPERM
		       ? refuse("%s is not a BPF object: refusing it", path) : -errno;
	got = pins_kind(fd);
	if (got == PINS_NONE || (kind != PINS_NONE && got != kind)) {
		close(fd);
		return refuse("%s is not a %s: refusing it", path, kind_names[kind]);
	}
	return fd;
}

/* The name of a BPF object (a link: its program's), into buf[BPF_OBJ_NAME_LEN]. kind: what
 * the fd is, when the caller knows (PINS_NONE: found out here). */
static int obj_name(int fd, enum pins_kind kind, char *buf)
{
	union { struct bpf_map_info map; struct bpf_prog_info prog; struct bpf_link_info link; } i;
	__u32 len = sizeof(i);
	int pfd, err;

	if (kind == PINS_NONE)
		kind = pins_kind(fd);
	memset(&i, 0, sizeof(i));
	if (kind == PINS_NONE || bpf_obj_get_info_by_fd(fd, &i, &len))
		return -EINVAL;
	if (kind == PINS_MAP) {
		memcpy(buf, i.map.name, BPF_OBJ_NAME_LEN);
		return 0;
	}
	if (kind == PINS_LINK) {
		pfd = bpf_prog_get_fd_by_id(i.link.prog_id);
		if (pfd < 0)
			return -errno;
		err = obj_name(pfd, PINS_PROG, buf);
		close(pfd);
		return err;
	}
	memcpy(buf, i.prog.name, BPF_OBJ_NAME_LEN);
	return 0;
}

/* Whether a BPF object (of kind, or PINS_NONE: any) is vmscope's: a map or program named
 * vms_*, a link of one. */
static bool pins_is_ours(int fd, enum pins_kind kind)
{
	char name[BPF_OBJ_NAME_LEN];

	return !obj_name(fd, kind, name) && !strncmp(name, "vms_", 4);
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
	char name[PINS_DIR_MAX + 8], path[PINS_DIR_MAX + 32];
	struct stat st;
	int dfd = -1, fd = -1, err;

	snprintf(name, sizeof(name), "%s.lock", strrchr(pins_dir(), '/') + 1);
	snprintf(path, sizeof(path), LOCK_DIR "/%s", name);
	refusal[0] = '\0';
	/* /run is missing only in a bare initramfs (the kernel-matrix guests) */
	if ((mkdir("/run", 0755) && errno != EEXIST) || (mkdir(LOCK_DIR, 0700) && errno != EEXIST))
		goto fail;
	/* root writes the file: neither it nor its dir may lead elsewhere, or be others' */
	dfd = open_ours(AT_FDCWD, LOCK_DIR, LOCK_DIR);
	if (dfd < 0) {
		errno = -dfd;
		goto refused;
	}
	fd = openat(dfd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
	if (fd < 0 && errno == ELOOP)
		refuse("%s is a symbolic link: refusing it", path);
	if (fd < 0)
		goto refused;
	if (fstat(fd, &st))
		goto fail;
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1) {
		refuse("%s is not a plain file of its own (mode %06o, %u links): refusing it", path,
		       (unsigned)st.st_mode, (unsigned)st.st_nlink);
		goto refused;
	}
	if (check_ours(&st, path))
		goto refused;
	if (flock(fd, LOCK_EX | LOCK_NB) && (errno != EWOULDBLOCK || wait_for(fd, what, path)))
		goto fail;
	if (!ftruncate(fd, 0))
		dprintf(fd, "pid %d: %s\n", (int)getpid(), what);
	close(dfd);
	return fd;
refused:
	if (refusal[0]) {
		vms_err("%s: %s", what, refusal);
		goto cleanup;
	}
fail:
	err = errno;
	vms_err("%s: cannot take the lock %s: %s", what, path, strerror(err));
cleanup:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	return -ENOLCK;
}

void pins_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* the last fd of the open file: the lock goes with it */
}

/* Whether the object is the one pinned as NAME: a map of that name (key and value sizes as
 * asked, 0: any), a syscall program vms_NAME or vms_NAME_ev, a link of a vmscope program. A
 * look-alike would be read into our buffers with its own sizes, or run as ours. */
static bool is_pinned_as(int fd, enum pins_kind kind, const char *name, __u32 key, __u32 value)
{
	union { struct bpf_map_info map; struct bpf_prog_info prog; } i;
	char want[2][BPF_OBJ_NAME_LEN];
	__u32 len = sizeof(i);

	if (kind == PINS_LINK)
		return pins_is_ours(fd, PINS_LINK);
	memset(&i, 0, sizeof(i));
	if (bpf_obj_get_info_by_fd(fd, &i, &len))
		return false;
	/* the kernel keeps BPF_OBJ_NAME_LEN - 1 bytes of a name */
	snprintf(want[0], sizeof(want[0]), kind == PINS_MAP ? "%s" : "vms_%s", name);
	snprintf(want[1], sizeof(want[1]), "vms_%s_ev", name);
	if (kind == PINS_MAP)
		return !strncmp(i.map.name, want[0], BPF_OBJ_NAME_LEN) &&
		       (!key || i.map.key_size == key) && (!value || i.map.value_size == value);
	return i.prog.type == BPF_PROG_TYPE_SYSCALL &&
	       (!strncmp(i.prog.name, want[0], BPF_OBJ_NAME_LEN) ||
		!strncmp(i.prog.name, want[1], BPF_OBJ_NAME_LEN));
}

int pins_open_sub(const char *sub)
{
	char path[PINS_DIR_MAX + 16];

	pins_path(path, sizeof(path), sub, NULL);
	return open_ours(AT_FDCWD, path, path);
}

int pins_get_at(int sub_fd, const char *sub, const char *name, __u32 key_size, __u32 value_size)
{
	/* what each subdir holds (pins.h) */
	enum pins_kind kind = !strcmp(sub, "maps") ? PINS_MAP : !strcmp(sub, "progs") ? PINS_PROG
			      : PINS_LINK;
	char path[PINS_DIR_MAX + 80];
	int fd;

	pins_path(path, sizeof(path), sub, name);
	fd = get_pin(sub_fd, name, path, kind);
	if (fd >= 0 && !is_pinned_as(fd, kind, name, key_size, value_size)) {
		close(fd);
		fd = refuse("%s is a %s, but not vmscope's: refusing it", path, kind_names[kind]);
	}
	return fd;
}

int pins_get(const char *sub, const char *name, __u32 key_size, __u32 value_size)
{
	int dfd = pins_open_sub(sub), fd;

	if (dfd < 0)
		return dfd;
	fd = pins_get_at(dfd, sub, name, key_size, value_size);
	close(dfd);
	return fd;
}

int pins_link_prog_at(int sub_fd, const char *sub, const char *name)
{
	struct bpf_link_info li;
	char path[PINS_DIR_MAX + 80], pname[BPF_OBJ_NAME_LEN];
	__u32 len = sizeof(li);
	int fd, pfd;

	pins_path(path, sizeof(path), sub, name);
	fd = get_pin(sub_fd, name, path, PINS_LINK);
	if (fd < 0)
		return fd;
	memset(&li, 0, sizeof(li));
	pfd = bpf_obj_get_info_by_fd(fd, &li, &len) ? -errno : bpf_prog_get_fd_by_id(li.prog_id);
	close(fd);
	if (pfd < 0)
		return pfd;
	if (obj_name(pfd, PINS_PROG, pname) || strncmp(pname, "vms_", 4)) {
		close(pfd);
		return refuse("%s is a %s, but not vmscope's: refusing it", path, kind_names[PINS_LINK]);
	}
	return pfd;
}

/* Unpins NAME (path) under the dir fd at if it is a vmscope pin: 0, or -EPERM (left alone). */
static int remove_pin(int at, const char *name, const char *path)
{
	int fd = get_pin(at, name, path, PINS_NONE);
	bool ours = fd >= 0 && pins_is_ours(fd, PINS_NONE);

	if (fd >= 0)
		close(fd);
	if (fd == -ENOENT)
		return 0;
	if (fd >= 0 && !ours)
		fd = refuse("%s is not a vmscope pin (a BPF object of another program): left alone",
			    path);
	if (fd < 0)
		return fd;
	return unlinkat(at, name, 0) && errno != ENOENT ? -errno : 0;
}

/* Empties the dir of ours open at fd (named path; fd is closed): every entry relative to fd,
 * never through a symlink. A dir not ours, or an entry that is not a vmscope pin, is left
 * alone: 0, or the first refusal (-EPERM) or -errno; the walk goes on past it. */
static int empty_dir(int fd, const char *path)
{
	DIR *d = fdopendir(fd);
	char sub[PINS_DIR_MAX + 160];
	struct dirent *e;
	struct stat st;
	int err = 0, r, cfd;

	if (!d) {
		err = -errno;
		close(fd);
		return err;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW)) {
			r = errno == ENOENT ? 0 : -errno;
		} else if (S_ISDIR(st.st_mode)) {
			cfd = open_ours(fd, e->d_name, sub);
			r = cfd < 0 ? cfd : empty_dir(cfd, sub);
			if (!r && unlinkat(fd, e->d_name, AT_REMOVEDIR))
				r = -errno;
		} else {
			r = remove_pin(fd, e->d_name, sub);
		}
		if (!err)
			err = r;
	}
	closedir(d);
	return err;
}

int pins_remove(void)
{
	/* the links first: the hooks are detached before the model they write into goes */
	static const char *const order[] = { "links", "faults", "progs", "maps" };
	char path[PINS_DIR_MAX + 16];
	int pfd = -1, fd = open_pin_dir(&pfd), sub, err = 0, r;

	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		pins_path(path, sizeof(path), order[i], NULL);
		sub = open_ours(fd, order[i], path);
		if (sub == -ENOENT)
			continue;
		r = sub < 0 ? sub : empty_dir(sub, path);
		if (!r && unlinkat(fd, order[i], AT_REMOVEDIR))
			r = -errno;
		if (!err)
			err = r;
	}
	r = empty_dir(fd, pins_dir()); /* whatever else is there */
	if (!err)
		err = r;
	if (!err && unlinkat(pfd, strrchr(pins_dir(), '/') + 1, AT_REMOVEDIR))
		err = errno == ENOENT ? 0 : -EBUSY;
	close(pfd);
	return err;
}
