// SPDX-License-Identifier: BSD-2-Clause
#include "util.h"
#include "escape.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#ifdef __linux__
#include <malloc.h>
#include <sys/mman.h>
#endif
#include <string.h>
#include <unistd.h>

int vms_verbose;

/* One line on stderr. The message often holds names other users chose (comm, file names): it
 * is escaped whole (escape.h), so that none of their control characters reaches the terminal
 * and no newline forges a line. */
static void vms_log(const char *prefix, const char *fmt, va_list ap)
{
	char *msg = NULL, *esc;
	int n = vasprintf(&msg, fmt, ap);

	if (n < 0) {
		fputs(prefix, stderr);
		fputs("(message lost: out of memory)\n", stderr);
		return;
	}
	esc = vms_escape_dup(msg, (size_t)n, VMS_ESC_TEXT);
	fprintf(stderr, "%s%s\n", prefix, esc);
	free(esc);
	free(msg);
}

void vms_err(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout); /* keep stdout and stderr in order when both go to a terminal */
	va_start(ap, fmt);
	vms_log("vmscope: ", fmt, ap);
	va_end(ap);
}

void vms_debug(const char *fmt, ...)
{
	va_list ap;

	if (!vms_verbose)
		return;
	va_start(ap, fmt);
	vms_log("vmscope: debug: ", fmt, ap);
	va_end(ap);
}

static void oom(void)
{
	fputs("vmscope: out of memory\n", stderr);
	exit(VMS_EXIT_FAIL);
}

/*
 * With vms_alloc_huge(), a big array (a 60,000-region table is about 10 MiB) is asked to use
 * transparent huge pages: first touching it 4 KiB at a time cost more than all the rest of such
 * a read (a fault, a memory cgroup charge and an LRU insertion per page). Where THP is
 * "madvise" (Debian's default) nothing else would. Best effort: only whole 2 MiB pages inside
 * it can be huge. Only for a command that reads once and exits: malloc then serves big blocks
 * by mmap always (never from the heap, where a huge page would outlive its block), and a
 * long-running process (serve, watch) never calls it, so that its RSS follows what it uses.
 */
#define BIG_ALLOC (2u << 20)

static bool alloc_huge;

void vms_alloc_huge(void)
{
#ifdef M_MMAP_THRESHOLD
	alloc_huge = mallopt(M_MMAP_THRESHOLD, 1 << 20) == 1;
#endif
}

static void *big(void *p, size_t n)
{
	if (alloc_huge && n >= BIG_ALLOC) {
#ifdef MADV_HUGEPAGE
		uintptr_t lo = (uintptr_t)p & ~(uintptr_t)4095;

		madvise((void *)lo, (uintptr_t)p + n - lo, MADV_HUGEPAGE);
#endif
	}
	return p;
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom();
	return big(p, n);
}

void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);

	if (!p)
		oom();
	return n && sz && n <= SIZE_MAX / sz ? big(p, n * sz) : p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return big(p, n);
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		oom();
	return p;
}

/* Not strndup(): the Windows C runtime has none. */
char *xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* short_eof: a read shorter than asked ends the file (true of /proc/PID/cmdline, where every
 * read, the one that would return 0 too, takes the target's mmap_lock). */
static int read_fd(int fd, char **buf, size_t *len, bool short_eof)
{
	size_t cap = 16384, n = 0;
	char *b = xmalloc(cap);

	for (;;) {
		size_t want;
		ssize_t r;

		if (cap - n < 4096) {
			cap *= 2;
			b = xrealloc(b, cap);
		}
		want = cap - n - 1;
		r = read(fd, b + n, want);
		if (r < 0) {
			int err = errno;

			if (err == EINTR)
				continue;
			free(b);
			return -err;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (short_eof && (size_t)r < want)
			break;
	}
	b[n] = '\0';
	*buf = b;
	if (len)
		*len = n;
	return 0;
}

static int read_opened(int fd, char **buf, size_t *len, bool short_eof)
{
	int err;

	if (fd < 0)
		return -errno;
	err = read_fd(fd, buf, len, short_eof);
	close(fd);
	return err;
}

#ifdef _WIN32
/* No openat() (nor /proc) there; O_BINARY: the bytes as they are, no \r\n rewriting. */
int read_file(const char *path, char **buf, size_t *len)
{
	return read_opened(open(path, O_RDONLY | O_BINARY), buf, len, false);
}
#else
int read_file_at(int dirfd, const char *name, char **buf, size_t *len)
{
	return read_opened(openat(dirfd, name, O_RDONLY | O_CLOEXEC), buf, len, false);
}

int read_file_at_short_eof(int dirfd, const char *name, char **buf, size_t *len)
{
	return read_opened(openat(dirfd, name, O_RDONLY | O_CLOEXEC), buf, len, true);
}

int read_file(const char *path, char **buf, size_t *len)
{
	return read_file_at(AT_FDCWD, path, buf, len);
}
#endif

/* Not isdigit()/isxdigit(): the locale must not change what a number is. */
static bool digit_in_base(char c, int base)
{
	return (c >= '0' && c <= '9') ||
	       (base == 16 && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
}

int parse_u64(const char *s, int base, uint64_t *out)
{
	char *end;
	unsigned long long v;

	/* strtoull would skip leading white space of any kind and take a sign: digits only */
	if (!s || !digit_in_base(*s, base))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

const char *proc_strerror(int err)
{
	switch (err) {
	case EACCES:
	case EPERM:
		return "permission denied (need root, CAP_PERFMON or ptrace access)";
	case ENOENT:
	case ESRCH:
		return "no such process";
	default:
		return strerror(err);
	}
}

int parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "KMGT";
	char num[32];
	size_t n = strlen(s);
	const char *u;
	uint64_t v;
	int shift = 0;

	if (n == 0 || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, n + 1);
	/* strchr() finds the terminating NUL too: a byte that masks to 0 (' ', '@') is no unit */
	u = num[n - 1] & ~0x20 ? strchr(units, num[n - 1] & ~0x20) : NULL;
	if (u) {
		shift = 10 * (int)(u - units + 1);
		num[n - 1] = 0;
	}
	if (parse_u64(num, 10, &v) || (shift && v > (UINT64_MAX >> shift)))
		return -EINVAL;
	*out = v << shift;
	return 0;
}

int parse_seconds(const char *s, double lo, double hi, double *out)
{
	const char *p = s;
	char *end;
	double v;

	/* decimal only: strtod would take white space, a sign, hex, inf and nan */
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p == '.')
		p++;
	while (*p >= '0' && *p <= '9')
		p++;
	if (p == s || (p == s + 1 && *s == '.') || *p)
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !(v >= lo && v <= hi))
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_range(const char *s, uint64_t *low, uint64_t *high)
{
	const char *comma = strchr(s, ',');
	size_t l1 = comma ? (size_t)(comma - s) : strlen(s);
	const char *p2 = comma ? comma + 1 : s;
	char buf[32];

	if (l1 >= sizeof(buf) || (comma && strchr(p2, ',')))
		return -EINVAL;
	memcpy(buf, s, l1);
	buf[l1] = '\0';
	if ((l1 && parse_u64(buf, 16, low)) || (*p2 && parse_u64(p2, 16, high)))
		return -EINVAL;
	return *low > *high ? -ERANGE : 0;
}

int utf8_seq_len(const unsigned char *s)
{
	int n;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static const char *entry_name(const void *entry)
{
	return *(const char *const *)entry;
}

const void *table_find(const void *const *table, const char *name)
{
	for (size_t i = 0; table[i]; i++)
		if (!strcmp(entry_name(table[i]), name))
			return table[i];
	return NULL;
}

const char *table_names(const void *const *table)
{
	static char buf[256];
	size_t n = 0, count = 0;

	while (table[count])
		count++;
	buf[0] = '\0';
	for (size_t i = 0; i < count && n < sizeof(buf); i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s",
				      i == 0 ? "" : i + 1 == count ? " or " : ", ",
				      entry_name(table[i]));
	return buf;
}

#ifdef _WIN32
/* The Windows C runtime has no open_memstream(): a temporary file (in %TMP%, deleted when
 * closed: "D"), read back into the buffer when closed. A few open at once are enough. */
static struct { FILE *f; char **buf; size_t *len; } memstreams[8];

FILE *vms_memstream(char **buf, size_t *len)
{
	for (size_t i = 0; i < ARRAY_SIZE(memstreams); i++) {
		char *name;
		FILE *f;

		if (memstreams[i].f)
			continue;
		name = _tempnam(NULL, "vms");
		f = name ? fopen(name, "w+bTD") : NULL;
		free(name);
		if (!f)
			return NULL;
		memstreams[i].f = f;
		memstreams[i].buf = buf;
		memstreams[i].len = len;
		*buf = NULL;
		*len = 0;
		return f;
	}
	return NULL;
}

int vms_memstream_close(FILE *f)
{
	for (size_t i = 0; i < ARRAY_SIZE(memstreams); i++) {
		long n;
		size_t got;
		char *b;

		if (memstreams[i].f != f)
			continue;
		memstreams[i].f = NULL;
		if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
			fclose(f);
			return EOF;
		}
		b = xmalloc((size_t)n + 1);
		got = fread(b, 1, (size_t)n, f);
		b[got] = '\0';
		*memstreams[i].buf = b;
		*memstreams[i].len = got;
		return fclose(f);
	}
	return fclose(f);
}
#else
FILE *vms_memstream(char **buf, size_t *len)
{
	return open_memstream(buf, len);
}

int vms_memstream_close(FILE *f)
{
	return fclose(f);
}
#endif
