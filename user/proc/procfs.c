// SPDX-License-Identifier: BSD-2-Clause
#include "proc/procfs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "core/escape.h"
#include "core/util.h"

/* One more than each byte's value as a hex digit, 0 for none (not isxdigit(): no locale, and
 * one load a digit). */
static const uint8_t hex_digit1[256] = {
	['0'] = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
	['A'] = 11, 12, 13, 14, 15, 16,
	['a'] = 11, 12, 13, 14, 15, 16,
};

/* Scans a hex number; returns a pointer past it or NULL if there was none. */
static const char *scan_hex(const char *p, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	const char *start = p;
	unsigned d;

	while (p < end && (d = hex_digit1[(unsigned char)*p]) != 0) {
		if (v >> 60)
			return NULL; /* more than 64 bits */
		v = v << 4 | (d - 1);
		p++;
	}
	if (p == start)
		return NULL;
	*out = v;
	return p;
}

static const char *scan_dec(const char *p, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	const char *start = p;

	while (p < end && *p >= '0' && *p <= '9') {
		unsigned d = (unsigned)(*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return NULL;
		v = v * 10 + d;
		p++;
	}
	if (p == start)
		return NULL;
	*out = v;
	return p;
}

static const char *expect(const char *p, const char *end, char c)
{
	return p && p < end && *p == c ? p + 1 : NULL;
}

int procfs_parse_maps_line(const char *line, size_t len, struct vms_region *r)
{
	const char *p = line, *end = line + len;
	uint64_t start, stop, off, maj, min, ino;

	if (memchr(line, '\0', len)) /* /proc text has none; a name would be cut at it */
		return -EINVAL;
	p = scan_hex(p, end, &start);
	p = expect(p, end, '-');
	p = p ? scan_hex(p, end, &stop) : NULL;
	p = expect(p, end, ' ');
	if (!p || end - p < 5)
		return -EINVAL;
	if ((p[0] != 'r' && p[0] != '-') || (p[1] != 'w' && p[1] != '-') ||
	    (p[2] != 'x' && p[2] != '-') || (p[3] != 'p' && p[3] != 's'))
		return -EINVAL;
	memcpy(r->perms, p, 4);
	r->perms[4] = '\0';
	p = expect(p + 4, end, ' ');
	p = p ? scan_hex(p, end, &off) : NULL;
	p = expect(p, end, ' ');
	p = p ? scan_hex(p, end, &maj) : NULL;
	p = expect(p, end, ':');
	p = p ? scan_hex(p, end, &min) : NULL;
	p = expect(p, end, ' ');
	p = p ? scan_dec(p, end, &ino) : NULL;
	if (!p || stop < start || maj > 0xfff || min > 0xfffff)
		return -EINVAL;
	if (p < end && *p != ' ')
		return -EINVAL;
	/* The kernel pads the name to a column; names never start with a space. */
	while (p < end && *p == ' ')
		p++;
	r->start = start;
	r->end = stop;
	r->offset = off;
	r->dev_major = (uint32_t)maj;
	r->dev_minor = (uint32_t)min;
	r->inode = ino;
	region_name_free(r->name);
	r->name = region_name_dup(p, (size_t)(end - p));
	return 0;
}

typedef int (*line_fn)(void *ctx, const char *line, size_t len);
/* A run of whole lines a parser takes at p on its own, faster than line by line (smaps: its
 * fixed-width fields): the bytes taken, *lines: how many lines. 0 where it takes none. */
typedef size_t (*run_fn)(void *ctx, const char *p, size_t len, size_t *lines);

/* Calls fn for every whole line of [p, p + len) (without its newline), and for a last one with
 * none if last, after run (if any) took what it could; *used: the bytes taken. Stops at the
 * first error (-EINVAL). */
static int lines_in(const char *p, size_t len, bool last, line_fn fn, run_fn run, void *ctx,
		    size_t *lineno, size_t *used)
{
	const char *start = p, *end = p + len;

	while (p < end) {
		const char *nl;
		size_t l;

		if (run) {
			size_t lines = 0;

			p += run(ctx, p, (size_t)(end - p), &lines);
			*lineno += lines;
			if (p == end)
				break;
		}
		nl = memchr(p, '\n', (size_t)(end - p));
		l = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (!nl && !last)
			break;
		++*lineno;
		if (fn(ctx, p, l))
			return -EINVAL;
		p += l + (nl != NULL);
	}
	*used = (size_t)(p - start);
	return 0;
}

/* Calls fn for every line of text; stops at the first error. */
static int for_each_line(const char *text, line_fn fn, void *ctx, size_t *bad_line)
{
	size_t lineno = 0, used;
	int err = lines_in(text, strlen(text), true, fn, NULL, ctx, &lineno, &used);

	if (err && bad_line)
		*bad_line = lineno;
	return err;
}

/*
 * The same for the file behind fd, read a block at a time: a 60,000-VMA smaps is 45 MB, and
 * first touching a buffer for all of it cost a tenth of `map -x`. -EINVAL: a bad line, or a NUL
 * byte (none is in a /proc text); -errno of a read.
 */
#define LINE_BLOCK (256u << 10)

static int for_each_line_fd(int fd, line_fn fn, run_fn run, void *ctx, size_t *bad_line)
{
	size_t cap = LINE_BLOCK, have = 0, lineno = 0, used = 0;
	char *b = xmalloc(cap);
	int err = 0;

	for (;;) {
		ssize_t r;

		if (have == cap) { /* one line longer than the block */
			cap *= 2;
			b = xrealloc(b, cap);
		}
		r = read(fd, b + have, cap - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			break;
		}
		if (memchr(b + have, '\0', (size_t)r)) {
			err = -EINVAL;
			lineno++;
			break;
		}
		have += (size_t)r;
		err = lines_in(b, have, r == 0, fn, run, ctx, &lineno, &used);
		if (err || r == 0)
			break;
		memmove(b, b + used, have - used);
		have -= used;
	}
	free(b);
	if (err == -EINVAL && bad_line)
		*bad_line = lineno;
	return err;
}

/* Appends the region of one maps line; nothing is appended if the line is bad. */
static struct vms_region *add_maps_line(struct vms_snapshot *s, const char *line, size_t len)
{
	struct vms_region *r = snapshot_add(s);

	if (procfs_parse_maps_line(line, len, r)) {
		region_name_free(r->name);
		s->n--;
		return NULL;
	}
	return r;
}

static int maps_line(void *ctx, const char *line, size_t len)
{
	return add_maps_line(ctx, line, len) ? 0 : -EINVAL;
}

int procfs_parse_maps(const char *text, struct vms_snapshot *s, size_t *bad_line)
{
	return for_each_line(text, maps_line, s, bad_line);
}

/* "Key:   123 kB" or "Key:   1" (e.g. THPeligible, ProtectionKey). */
/* hint: where the key is expected (the kernel prints the same keys in the same order for every
 * region), so the key list is searched only when that guess fails. */
/* Past the spaces at p: the kernel pads every smaps value to its column (most of a line), so
 * eight at a time. */
static const char *skip_spaces(const char *p, const char *end)
{
	static const uint64_t eight = 0x2020202020202020ULL;
	uint64_t w;

	while (end - p >= 8 && (memcpy(&w, p, 8), w == eight))
		p += 8;
	while (p < end && *p == ' ')
		p++;
	return p;
}

struct smaps_ctx {
	struct vms_snapshot *s;
	struct vms_region *cur;
	size_t hint;	/* index of the next key expected in the current region */
	struct smaps_key *keys;	/* of s->acct_keys[i], i < n_keys (keys_update) */
	size_t n_keys;
};

/*
 * The kernel prints each smaps field as its key padded to 16 columns and the value to 8 more
 * ("Rss:            " "     123" " kB\n", task_mmu.c: SEQ_PUT_DEC), in the same order for every
 * region: a run of such lines, each holding the key expected next, is read by two compares and
 * eight digits a line, with no search for the newline (about 25 lines a region, most of a 60,000
 * -region `map -x`). Anything else (a wider value, another key, another layout) stops the run
 * and goes the general way (parse_smaps_field), which gives the same for these lines: the text
 * parser (procfs_parse_smaps) has no run, and the fuzzer and test_procfs compare the two.
 */
#define SMAPS_KEY_COLS	16
#define SMAPS_VAL_COLS	8

/* What each known key is matched by, cached for the parse. */
struct smaps_key {
	size_t len;		/* strlen */
	uint64_t padded[2];	/* "Key:" padded to SMAPS_KEY_COLS as the kernel prints it; all 0
				 * (no line starts with NUL) for a key too long for the column */
};

static void keys_update(struct smaps_ctx *c)
{
	const struct vms_snapshot *s = c->s;

	if (c->n_keys == s->n_keys) /* keys are only ever appended */
		return;
	c->keys = xrealloc(c->keys, s->n_keys * sizeof(*c->keys));
	for (; c->n_keys < s->n_keys; c->n_keys++) {
		struct smaps_key *k = &c->keys[c->n_keys];
		const char *key = s->acct_keys[c->n_keys];
		char pad[SMAPS_KEY_COLS];

		k->len = strlen(key);
		memset(k->padded, 0, sizeof(k->padded));
		if (k->len + 1 <= sizeof(pad)) {
			memset(pad, ' ', sizeof(pad));
			memcpy(pad, key, k->len);
			pad[k->len] = ':';
			memcpy(k->padded, pad, sizeof(pad));
		}
	}
}

/* The length of the key a line is expected to hold, or SIZE_MAX past the known keys. */
static size_t guess_len(struct smaps_ctx *c)
{
	if (c->hint >= c->s->n_keys)
		return SIZE_MAX;
	keys_update(c);
	return c->keys[c->hint].len;
}

static int parse_smaps_field(struct smaps_ctx *c, const char *p, size_t len)
{
	struct vms_snapshot *s = c->s;
	const char *end = p + len, *q;
	size_t klen = guess_len(c);
	char key[64];
	uint64_t v;
	bool kb;
	int idx = -1;

	/* the expected key (the kernel prints the same keys in the same order for every region):
	 * its colon, then its bytes, with no search and no copy */
	if (klen < len && p[klen] == ':' && !memcmp(p, s->acct_keys[c->hint], klen)) {
		idx = (int)c->hint;
	} else {
		q = memchr(p, ':', len);
		klen = q ? (size_t)(q - p) : 0;
	}
	if (!klen || klen >= sizeof(key))
		return -EINVAL;
	q = skip_spaces(p + klen + 1, end);
	q = scan_dec(q, end, &v);
	if (!q)
		return -EINVAL;
	kb = end - q >= 3 && !memcmp(q, " kB", 3);
	if (kb)
		q += 3;
	if (q != end)
		return -EINVAL;
	if (idx < 0) {
		memcpy(key, p, klen);
		key[klen] = '\0';
		idx = snapshot_acct_key(s, key, kb);
	}
	c->cur->acct[idx] = v;
	c->hint = (size_t)idx + 1;
	return 0;
}

/* Eight columns of a number right-aligned by spaces ("     123"): 1 and *v, or 0 for anything
 * else (all spaces, a space after a digit). Eight bytes at once (the SWAR sum of simdjson's
 * parse_eight_digits_unrolled, where bytes are little-endian). */
static bool padded_dec8(const char *p, uint64_t *v)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = 0x0101010101010101ULL;
	uint64_t x, lead, d;

	memcpy(&x, p, 8);
	lead = x ^ (ones * ' '); /* 0 for each space */
	if (!lead)
		return false;
	lead = (1ULL << (__builtin_ctzll(lead) & ~7u)) - 1; /* the leading spaces' bytes */
	x |= lead & (ones * 0x10); /* ' ' | 0x10 == '0' */
	if ((x & (ones * 0xf0)) != ones * '0' || ((x + ones * 6) & (ones * 0xf0)) != ones * '0')
		return false; /* a byte that is not a digit */
	d = x - ones * '0';
	d = d * 10 + (d >> 8);
	*v = (((d & 0x000000ff000000ffULL) * (100 + (1000000ULL << 32))) +
	      (((d >> 16) & 0x000000ff000000ffULL) * (1 + (10000ULL << 32)))) >> 32;
	return true;
#else
	const char *e = p + 8;
	uint64_t n = 0;

	while (p < e && *p == ' ')
		p++;
	if (p == e)
		return false;
	for (; p < e; p++) {
		if (*p < '0' || *p > '9')
			return false;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	*v = n;
	return true;
#endif
}

static size_t smaps_run(void *ctx, const char *p, size_t len, size_t *lines)
{
	struct smaps_ctx *c = ctx;
	const char *start = p, *end = p + len;
	const struct smaps_key *keys;
	uint64_t *acct;
	size_t hint, n, taken = 0;

	if (!c->cur)
		return 0;
	keys_update(c);
	/* in locals: the stores to acct could otherwise be c's fields, reloaded every line */
	keys = c->keys;
	acct = c->cur->acct;
	n = c->n_keys;
	for (hint = c->hint; hint < n && end - p >= SMAPS_KEY_COLS + SMAPS_VAL_COLS + 1; hint++) {
		const char *de = p + SMAPS_KEY_COLS + SMAPS_VAL_COLS;
		uint64_t w[2], v;

		memcpy(w, p, sizeof(w));
		if (w[0] != keys[hint].padded[0] || w[1] != keys[hint].padded[1] ||
		    !padded_dec8(p + SMAPS_KEY_COLS, &v))
			break;
		if (*de == '\n')
			p = de + 1;
		else if (end - de >= 4 && !memcmp(de, " kB\n", 4))
			p = de + 4;
		else
			break;
		acct[hint] = v;
		taken++;
	}
	c->hint = hint;
	*lines = taken;
	return (size_t)(p - start);
}

static int smaps_line(void *ctx, const char *p, size_t len)
{
	struct smaps_ctx *c = ctx;

	if (len >= 8 && *p == 'V' && !memcmp(p, "VmFlags:", 8)) {
		const char *f = p + 8, *e = p + len;

		if (!c->cur)
			return -EINVAL;
		while (f < e && *f == ' ')
			f++;
		while (e > f && e[-1] == ' ')
			e--;
		free(region_more(c->cur)->vmflags);
		region_more_set(c->cur)->vmflags = xstrndup(f, (size_t)(e - f));
		return 0;
	}
	if (len && *p >= 'A' && *p <= 'Z') /* keys start upper case, addresses are hex */
		return c->cur ? parse_smaps_field(c, p, len) : -EINVAL;
	c->cur = add_maps_line(c->s, p, len);
	if (!c->cur)
		return -EINVAL;
	c->hint = 0;
	c->cur->acct = xcalloc(c->s->n_keys ? c->s->n_keys : 1, sizeof(uint64_t));
	return 0;
}

int procfs_parse_smaps(const char *text, struct vms_snapshot *s, size_t *bad_line)
{
	struct smaps_ctx c = { .s = s };
	int err;

	s->has_acct = true;
	err = for_each_line(text, smaps_line, &c, bad_line);
	free(c.keys);
	return err;
}

int procfs_parse_fd(int fd, bool smaps, struct vms_snapshot *s, size_t *bad_line)
{
	struct smaps_ctx c = { .s = s };
	int err;

	if (!smaps)
		return for_each_line_fd(fd, maps_line, NULL, s, bad_line);
	s->has_acct = true;
	err = for_each_line_fd(fd, smaps_line, smaps_run, &c, bad_line);
	free(c.keys);
	return err;
}

int procfs_parse_stat(const char *text, struct vms_proc *p)
{
	const char *lp = strchr(text, '('), *rp = strrchr(text, ')');
	unsigned long long f[30] = {0};
	const char *q;
	char *end;
	size_t n;
	int i;

	if (!lp || !rp || rp < lp)
		return -EINVAL;
	n = (size_t)(rp - lp - 1);
	if (n >= sizeof(p->comm))
		n = sizeof(p->comm) - 1;
	memcpy(p->comm, lp + 1, n);
	p->comm[n] = '\0';
	q = rp + 1;
	if (q[0] != ' ' || !q[1] || !isalpha((unsigned char)q[1]))
		return -EINVAL;
	p->state = q[1];
	q += 2;
	/* Fields 4..28 after the state; f[k] holds field k. */
	for (i = 4; i <= 28; i++) {
		while (*q == ' ')
			q++;
		if (!*q)
			return -EINVAL;
		errno = 0;
		if (*q == '-') { /* priority/nice can be negative */
			(void)strtoll(q, &end, 10);
			f[i] = 0;
		} else {
			f[i] = strtoull(q, &end, 10);
		}
		if (end == q || errno)
			return -EINVAL;
		q = end;
	}
	p->ppid = (int)f[4];
	p->kernel_thread = f[9] & PF_KTHREAD_FLAG;
	p->start_time = f[22];
	p->start_stack = f[28];
	p->rss_pages = f[24];
	return 0;
}

char *procfs_render_cmdline(const char *raw, size_t len, const struct vms_proc *p)
{
	const size_t max = 128 * 1024 - 1; /* procps MAX_BUFSZ - 1 */
	size_t keep;
	char *out, *esc;

	if (len > max)
		len = max;
	keep = len;
	while (keep && raw[keep - 1] == '\0')
		keep--;
	if (keep) {
		bool ends_in_space = raw[len - 1] == ' ' || raw[len - 1] == '\n';

		out = xmalloc(keep + 1);
		memcpy(out, raw, keep);
		out[keep] = '\0';
		for (size_t i = 0; i < keep; i++)
			if (out[i] == '\0' || out[i] == '\n')
				out[i] = ' ';
		if (keep == len && ends_in_space)
			out[--keep] = '\0';
		/* procps escape_str, so that the header matches pmap's (escape.h) */
		esc = vms_escape_dup(out, keep, VMS_ESC_CMDLINE);
		free(out);
		if (*esc)
			return esc;
		free(esc);
	}
	if (len) /* a command line that renders as nothing */
		return xstrdup("?");
	{
		char comm[sizeof(p->comm)];

		vms_escape(comm, sizeof(comm), p->comm, strlen(p->comm), VMS_ESC_CMDLINE);
		if (asprintf(&out, "[%s]%s", comm, p->state == 'Z' ? " <defunct>" : "") < 0)
			return xstrdup("?");
	}
	return out;
}

/* A stat file (name relative to dfd) parsed into p's stat fields: 0 or -errno. */
static int read_stat_at(int dfd, const char *name, struct vms_proc *p)
{
	char *buf;
	int err = read_file_at(dfd, name, &buf, NULL);

	if (err)
		return err;
	err = procfs_parse_stat(buf, p);
	free(buf);
	return err;
}

static int proc_dir(pid_t pid)
{
	char path[32];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	return fd;
}

/* stat, then (if asked) cmdline, of the process whose dir is dfd; p->pid is set. */
static int read_ident_at(int dfd, struct vms_proc *p, bool cmdline)
{
	char *buf = NULL;
	size_t len;
	int err = read_stat_at(dfd, "stat", p);

	if (err || !cmdline)
		return err;
	/* each read of cmdline takes the target's mmap_lock (get_mm_cmdline): one fewer, the
	 * one that would return 0 */
	err = read_file_at_short_eof(dfd, "cmdline", &buf, &len);
	if (err) /* procps treats an unreadable command line as an empty one */
		len = 0;
	p->cmdline = procfs_render_cmdline(err ? "" : buf, len, p);
	if (!err)
		free(buf);
	return 0;
}

static int parse_status_tgid(const char *text, pid_t *tgid)
{
	const char *t = strstr(text, "\nTgid:");

	if (!t)
		return -EINVAL;
	*tgid = (pid_t)strtol(t + 6, NULL, 10);
	return *tgid > 0 ? 0 : -EINVAL;
}

int procfs_read_proc(pid_t pid, struct vms_proc *p)
{
	char *buf = NULL;
	int dfd, err;
	pid_t tgid = pid;

	memset(p, 0, sizeof(*p));
	dfd = proc_dir(pid);
	if (dfd < 0)
		return dfd;
	err = read_file_at(dfd, "status", &buf, NULL);
	if (!err) {
		err = parse_status_tgid(buf, &tgid);
		free(buf);
	}
	if (err)
		goto out;
	if (tgid != pid) { /* a thread id: describe its process, as procps does */
		close(dfd);
		dfd = proc_dir(tgid);
		if (dfd < 0)
			return dfd;
	}
	p->pid = tgid;
	err = read_ident_at(dfd, p, true);
out:
	close(dfd);
	return err == -ENOENT ? -ESRCH : err;
}

int procfs_read_tgid(pid_t tgid, struct vms_proc *p, bool cmdline)
{
	int dfd, err;

	memset(p, 0, sizeof(*p));
	dfd = proc_dir(tgid);
	if (dfd < 0)
		return dfd;
	p->pid = tgid;
	err = read_ident_at(dfd, p, cmdline);
	close(dfd);
	return err == -ENOENT ? -ESRCH : err;
}

/* For a zombie leader, /proc/PID/maps is empty although threads still run on the mm. */
static int live_thread(pid_t pid)
{
	char path[64];
	DIR *d;
	struct dirent *e;
	int found = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		struct vms_proc t;
		char *buf;
		char sp[96];
		int tid = atoi(e->d_name);

		if (tid <= 0 || tid == pid)
			continue;
		snprintf(sp, sizeof(sp), "/proc/%d/task/%d/stat", (int)pid, tid);
		if (read_file(sp, &buf, NULL))
			continue;
		memset(&t, 0, sizeof(t));
		if (!procfs_parse_stat(buf, &t) && t.state != 'Z' && t.state != 'X')
			found = tid;
		free(buf);
	}
	closedir(d);
	return found;
}

/* Whether the process behind dfd (an open /proc/PID) is still the one p describes: a pid
 * reused between procfs_read_proc() and the maps read would pair one process's header with
 * another's map. The dir fd of an exited process reads nothing, so its stat, read after the
 * maps through the same fd, names the process the maps came from. */
static int same_process(int dfd, const struct vms_proc *p)
{
	struct vms_proc now = { 0 };
	int err;

	if (!p->start_time) /* unknown (procfs_gate_region()'s own process) */
		return 0;
	err = read_stat_at(dfd, "stat", &now);
	if (err)
		return err == -ENOENT ? -ESRCH : err;
	return now.start_time == p->start_time ? 0 : -ESRCH;
}

int procfs_read_regions(const struct vms_proc *p, bool accounting, struct vms_snapshot *s)
{
	const char *file = accounting ? "smaps" : "maps";
	char path[96];
	size_t bad = 0, n0 = s->n;
	int err, tid = 0, dfd, fd;

	if (p->state == 'Z')
		tid = live_thread(p->pid);
	if (tid)
		snprintf(path, sizeof(path), "task/%d/%s", tid, file);
	else
		snprintf(path, sizeof(path), "%s", file);
	dfd = proc_dir(p->pid);
	if (dfd < 0)
		return dfd;
	fd = openat(dfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
	} else {
		err = procfs_parse_fd(fd, accounting, s, &bad);
		close(fd);
		if (err == -EINVAL)
			vms_debug("/proc/%d/%s: cannot parse line %zu", (int)p->pid, path, bad);
	}
	if (!err)
		err = same_process(dfd, p);
	close(dfd);
	if (err)
		snapshot_truncate(s, n0); /* nothing of a file read in part, or of another process */
	return err == -ENOENT ? -ESRCH : err;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

int procfs_read_stat(pid_t pid, struct vms_proc *p)
{
	char path[64];
	int err;

	memset(p, 0, sizeof(*p));
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	err = read_stat_at(AT_FDCWD, path, p);
	if (err)
		return err == -ENOENT ? -ESRCH : err;
	p->pid = pid;
	return 0;
}

int procfs_all_pids(pid_t **pids)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	size_t n = 0, cap = 0;
	pid_t *v = NULL;

	*pids = NULL;
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		uint64_t pid;

		if (parse_u64(e->d_name, 10, &pid) || !pid || pid > 0x7fffffff)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n++] = (pid_t)pid;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_pid);
	*pids = v;
	return (int)n;
}

int procfs_pids_by_name(const char *name, pid_t **pids)
{
	pid_t *all;
	int n = procfs_all_pids(&all), found = 0;

	*pids = NULL;
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		struct vms_proc p;

		if (!procfs_read_stat(all[i], &p) &&
		    (!strcmp(p.comm, name) ||
		     (strlen(name) >= 15 && strlen(p.comm) == 15 && !strncmp(p.comm, name, 15))))
			all[found++] = all[i];
	}
	if (!found) {
		free(all);
		return 0;
	}
	*pids = all;
	return found;
}

char *procfs_read_cgroup(pid_t pid)
{
	char path[64], *text = NULL, *line, *out = NULL;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	if (read_file(path, &text, NULL))
		return NULL;
	line = strstr(text, "0::");
	if (line && (line == text || line[-1] == '\n')) {
		line[strcspn(line, "\n")] = 0;
		out = xstrdup(line + 3);
	}
	free(text);
	return out;
}

unsigned long long procfs_fd_memlock(int fd)
{
	char path[64], *buf, *p;
	unsigned long long v = 0;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	if (read_file(path, &buf, NULL))
		return 0;
	p = strstr(buf, "memlock:");
	if (p)
		v = strtoull(p + 8, NULL, 10);
	free(buf);
	return v;
}

unsigned procfs_shm_minor(void)
{
	static unsigned minor = ~0u;
	static bool done;
	struct stat st;
	int fd;

	if (done)
		return minor;
	done = true;
	/* memfd, shared anon and SysV shm all live on the kernel's internal shm mount; asking a
	 * memfd avoids the IPC segment procps creates to learn the same number. */
	fd = memfd_create("vmscope-shm-probe", MFD_CLOEXEC);
	if (fd >= 0) {
		if (!fstat(fd, &st) && major(st.st_dev) == 0)
			minor = minor(st.st_dev);
		close(fd);
	}
	return minor;
}

const struct vms_region *procfs_gate_region(void)
{
	static struct vms_snapshot self;
	static bool done;
	static const struct vms_region *gate;

	if (done)
		return gate;
	done = true;
	snapshot_init(&self);
	self.proc.pid = getpid();
	if (procfs_read_regions(&self.proc, false, &self))
		return NULL;
	for (size_t i = 0; i < self.n; i++)
		if (!strcmp(self.regions[i].name, "[vsyscall]"))
			gate = &self.regions[i];
	return gate;
}

int procfs_bpf_stats_enabled(void)
{
	char *buf;
	int err = read_file_at(AT_FDCWD, "/proc/sys/kernel/bpf_stats_enabled", &buf, NULL), on;

	if (err)
		return err;
	on = buf[0] == '1';
	free(buf);
	return on;
}

char *procfs_boot_id(void)
{
	char *buf;
	size_t len;

	if (read_file("/proc/sys/kernel/random/boot_id", &buf, &len))
		return NULL;
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		buf[--len] = '\0';
	return buf;
}

int procfs_root_ino(pid_t pid, const char *path, uint64_t *ino)
{
	char root[64];
	struct stat st;
	int dfd;

	snprintf(root, sizeof(root), "/proc/%d/root", (int)pid);
	dfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	/* relative to that root: the leading '/' would start from ours */
	while (*path == '/')
		path++;
	if (fstatat(dfd, *path ? path : ".", &st, AT_NO_AUTOMOUNT)) {
		int err = -errno;

		close(dfd);
		return err;
	}
	close(dfd);
	*ino = st.st_ino;
	return 0;
}
