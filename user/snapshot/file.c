// SPDX-License-Identifier: BSD-2-Clause
#include "snapshot/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/util.h"

static int write_all(int fd, const void *p, size_t n)
{
	const uint8_t *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int snapfile_write(const char *path, const struct vms_snapshot *s, char *why, size_t whylen)
{
	struct vms_buf raw = { 0 };
	uint8_t *out = NULL;
	uLongf stored;
	char *tmp = NULL;
	int fd = -1, err = 0;

	snap_encode(s, &raw);
	if (raw.len > VMS_SNAP_MAX_RAW) {
		snprintf(why, whylen, "snapshot too large (%zu bytes, at most %u)", raw.len,
			 VMS_SNAP_MAX_RAW);
		err = -EFBIG;
		goto cleanup;
	}
	stored = compressBound(raw.len);
	out = xmalloc(VMS_SNAP_HDR_LEN + stored);
	if (compress2(out + VMS_SNAP_HDR_LEN, &stored, raw.p, raw.len, 6) != Z_OK) {
		snprintf(why, whylen, "zlib compression failed");
		err = -EIO;
		goto cleanup;
	}
	snap_header_write(out, raw.len, stored);
	if (!strcmp(path, "-")) {
		fd = STDOUT_FILENO;
	} else {
		if (asprintf(&tmp, "%s.tmp.%d", path, (int)getpid()) < 0) {
			tmp = NULL;
			err = -ENOMEM;
			goto fail;
		}
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0) {
			err = -errno;
			goto fail;
		}
	}
	err = write_all(fd, out, VMS_SNAP_HDR_LEN + stored);
	if (fd != STDOUT_FILENO) {
		if (!err && fsync(fd))
			err = -errno;
		if (close(fd) && !err)
			err = -errno;
		if (!err && rename(tmp, path))
			err = -errno;
		if (err)
			unlink(tmp);
	}
fail:
	if (err)
		snprintf(why, whylen, "%s", strerror(-err));
cleanup:
	free(tmp);
	free(out);
	buf_free(&raw);
	return err;
}

int snapfile_decode(const uint8_t *p, size_t len, struct vms_snapshot *s, char *why, size_t whylen)
{
	uint64_t raw_len, stored_len;
	uint16_t major, minor;
	const char *msg;
	uLongf got;
	uint8_t *raw;
	int err;

	if (snap_header_parse(p, len, &raw_len, &stored_len, &major, &minor, &msg)) {
		snprintf(why, whylen, "%s", msg);
		return -EINVAL;
	}
	/* exactly raw_len bytes (bounded by the header check): more is refused by zlib */
	raw = xmalloc(raw_len ? raw_len : 1);
	got = raw_len;
	err = uncompress(raw, &got, p + VMS_SNAP_HDR_LEN, stored_len);
	if (err != Z_OK || got != raw_len) {
		snprintf(why, whylen, "corrupt snapshot: %s",
			 err == Z_BUF_ERROR ? "the data is longer or shorter than its header says"
			 : err == Z_DATA_ERROR ? "the compressed data is damaged"
			 : "decompression failed");
		free(raw);
		return -EINVAL;
	}
	err = snap_decode(raw, raw_len, s, why, whylen);
	free(raw);
	if (!err) {
		s->meta->major = major;
		s->meta->minor = minor;
	}
	return err;
}

int snapfile_read(const char *path, struct vms_snapshot *s, char *why, size_t whylen)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t got = 0;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		err = -errno;
		snprintf(why, whylen, "%s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = -EINVAL;
		snprintf(why, whylen, "not a regular file");
		goto out;
	}
	if (st.st_size > (off_t)VMS_SNAP_MAX_RAW + VMS_SNAP_HDR_LEN) {
		err = -EFBIG;
		snprintf(why, whylen, "too large for a snapshot (%lld bytes)", (long long)st.st_size);
		goto out;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) { /* not more than stat said: a growing file is cut */
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			snprintf(why, whylen, "%s", strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	err = snapfile_decode(buf, got, s, why, whylen);
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return err;
}

bool snapfile_is_snapshot(const char *path)
{
	uint8_t magic[8];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	bool yes = false;
	struct stat st;

	if (fd < 0)
		return false;
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && read(fd, magic, 8) == 8)
		yes = snap_is_snapshot(magic, 8);
	close(fd);
	return yes;
}
