/* SPDX-License-Identifier: BSD-2-Clause */
/* Small helpers shared by every part of vmscope: errors, allocation, file reads. */
#ifndef VMS_UTIL_H
#define VMS_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Exit codes follow procps pmap. */
enum { VMS_EXIT_OK = 0, VMS_EXIT_FAIL = 1, VMS_EXIT_NOTFOUND = 42 };

/* The exit code of two outcomes: not found (42) over other failures (1) over success. */
static inline int exit_worse(int a, int b)
{
	return a == VMS_EXIT_NOTFOUND || b == VMS_EXIT_NOTFOUND ? VMS_EXIT_NOTFOUND : a ? a : b;
}

extern int vms_verbose;

/* One line on stderr, prefixed "vmscope: ". Every user-visible failure goes through here. */
void vms_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Only with -v. */
void vms_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void *xmalloc(size_t n);
/* Big arrays of x*alloc on transparent huge pages from now on (util.c: commands that read once). */
void vms_alloc_huge(void);
void *xcalloc(size_t n, size_t sz);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Reads a whole file (procfs files report size 0, so this grows as needed).
 * Returns 0 and a NUL-terminated malloc'd buffer, or -errno. */
int read_file(const char *path, char **buf, size_t *len);
#ifndef _WIN32
/* Same, relative to a directory fd (e.g. an open /proc/PID). */
int read_file_at(int dirfd, const char *name, char **buf, size_t *len);
/* The same for a file that never returns less than asked before its end (/proc/PID/cmdline):
 * no last read that returns 0. */
int read_file_at_short_eof(int dirfd, const char *name, char **buf, size_t *len);
#endif

/* open_memstream(3) (on Windows, which has none, a temporary file read back when closed):
 * close it with vms_memstream_close(), then *buf (malloc'd, NUL-terminated) and *len hold
 * what was written. NULL when it cannot be opened. */
FILE *vms_memstream(char **buf, size_t *len);
int vms_memstream_close(FILE *f);

/* Parses an unsigned number in the given base; the whole string must be consumed. */
int parse_u64(const char *s, int base, uint64_t *out);

/* A byte count: digits with an optional K, M, G or T suffix (powers of 1024). */
int parse_size(const char *s, uint64_t *out);

/* Seconds as plain decimal digits with an optional fraction ("0.5", "2", "10."; no sign,
 * exponent, white space, hex, inf or nan), within [lo, hi]. 0 or -EINVAL. */
int parse_seconds(const char *s, double lo, double hi, double *out);

/* procps -A syntax: LOW,HIGH / LOW, / ,HIGH / ADDR (LOW = HIGH = ADDR), hex with an optional
 * 0x. Sets only the bounds given. 0, -EINVAL (malformed) or -ERANGE (LOW above HIGH). */
int parse_range(const char *s, uint64_t *low, uint64_t *high);

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if s does not start one. */
int utf8_seq_len(const unsigned char *s);

/* The registries (formats, backends, watch formats) are NULL-terminated tables of pointers to
 * structs whose first member is their name. */
#define REGISTRY(table) ((const void *const *)(table))
/* The entry of that name, or NULL. */
const void *table_find(const void *const *table, const char *name);
/* "a, b or c", for messages. A static buffer. */
const char *table_names(const void *const *table);

/* Human-readable message for an errno value in the context of reading a process. */
const char *proc_strerror(int err);

#endif
