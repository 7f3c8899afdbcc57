// SPDX-License-Identifier: BSD-2-Clause
/*
 * The pure half of the core reader (elfcore.h): note descriptors and the region merge. Bytes in,
 * bounds checked before every read; layouts are the 64-bit Linux ones (include/uapi/linux/
 * elfcore.h, fs/binfmt_elf.c), little-endian.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elfcore/elfcore.h"
#include "core/util.h"
#include "proc/procfs.h"

#define NT_PRSTATUS_ 1
#define NT_PRPSINFO_ 3
#define NT_AUXV_ 6
#define NT_FILE_ 0x46494c45u
#define PF_X_ 1u
#define PF_W_ 2u
#define PF_R_ 4u
#define EM_X86_64_ 62
#define EM_AARCH64_ 183
#define VSYSCALL_X86_64 0xffffffffff600000ull
#define AT_RANDOM_ 25
#define AT_EXECFN_ 31
#define AT_SYSINFO_EHDR_ 33

/* struct elf_prstatus (64-bit): pr_pid at 32, pr_reg at 112. */
#define PRSTATUS_PID 32
#define PRSTATUS_REG 112
/* struct elf_prpsinfo (64-bit): pr_sname 1, pr_pid 24, pr_ppid 28, pr_fname[16] 40,
 * pr_psargs[80] 56; 136 bytes. */
#define PRPSINFO_SIZE 136

static int bad(struct core_info *ci, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ci->err, sizeof(ci->err), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void core_info_init(struct core_info *ci, uint16_t machine, bool debugger_written)
{
	memset(ci, 0, sizeof(*ci));
	ci->machine = machine;
	ci->debugger_written = debugger_written;
}

void core_info_free(struct core_info *ci)
{
	for (size_t i = 0; i < ci->n_files; i++)
		free(ci->files[i].name);
	free(ci->files);
	free(ci->segs);
	ci->files = NULL;
	ci->segs = NULL;
	ci->n_files = ci->n_segs = ci->cap_segs = 0;
}

int core_add_segment(struct core_info *ci, uint64_t vaddr, uint64_t memsz, uint64_t filesz,
		     uint32_t flags)
{
	struct core_seg *g;

	if (memsz == 0)
		return 0; /* no address space: nothing the process had mapped */
	if (vaddr + memsz < vaddr)
		return bad(ci, "malformed core file: a segment wraps around the address space");
	if (ci->n_segs >= CORE_MAX_ENTRIES)
		return bad(ci, "malformed core file: more than %u segments", CORE_MAX_ENTRIES);
	if (ci->n_segs == ci->cap_segs) {
		ci->cap_segs = ci->cap_segs ? ci->cap_segs * 2 : 64;
		ci->segs = xrealloc(ci->segs, ci->cap_segs * sizeof(*ci->segs));
	}
	g = &ci->segs[ci->n_segs++];
	*g = (struct core_seg){ vaddr, vaddr + memsz, filesz, flags };
	return 0;
}

/* A file name as /proc/PID/maps prints it: the kernel's d_path (NT_FILE holds it raw) with
 * '\n' as "\012" (seq_file_path's escape). */
static char *maps_name(const char *raw, size_t len)
{
	size_t n = 0;
	char *out, *o;

	for (size_t i = 0; i < len; i++)
		n += raw[i] == '\n' ? 4 : 1;
	o = out = xmalloc(n + 1);
	for (size_t i = 0; i < len; i++) {
		if (raw[i] == '\n') {
			memcpy(o, "\\012", 4);
			o += 4;
		} else {
			*o++ = raw[i];
		}
	}
	*o = '\0';
	return out;
}

/*
 * NT_FILE: long count, long page_size, count x {start, end, file_ofs}, then count NUL-terminated
 * names. file_ofs is in units of page_size: the kernel writes its PAGE_SIZE, gdb writes 1 (its
 * offsets are bytes). Either way bytes = file_ofs * page_size.
 */
static int parse_file_note(struct core_info *ci, const uint8_t *d, size_t len)
{
	uint64_t count, page;
	const char *names, *end;

	if (ci->have_files)
		return bad(ci, "malformed core file: two NT_FILE notes");
	ci->have_files = true;
	if (len < 16)
		return bad(ci, "malformed core file: NT_FILE of %zu bytes", len);
	count = le64(d);
	page = le64(d + 8);
	if (count > (len - 16) / 24 || count > CORE_MAX_ENTRIES)
		return bad(ci, "malformed core file: NT_FILE says %llu entries, its %zu bytes cannot "
			   "hold them", (unsigned long long)count, len);
	if (page == 0 || (page & (page - 1)))
		return bad(ci, "malformed core file: NT_FILE page size %llu",
			   (unsigned long long)page);
	names = (const char *)d + 16 + count * 24;
	end = (const char *)d + len;
	ci->files = xcalloc(count ? count : 1, sizeof(*ci->files));
	for (uint64_t i = 0; i < count; i++) {
		const uint8_t *e = d + 16 + i * 24;
		struct core_file *f = &ci->files[ci->n_files];
		const char *nul = memchr(names, '\0', (size_t)(end - names));
		uint64_t ofs = le64(e + 16);

		if (!nul)
			return bad(ci, "malformed core file: NT_FILE has names for %llu of its %llu "
				   "entries", (unsigned long long)i, (unsigned long long)count);
		f->start = le64(e);
		f->end = le64(e + 8);
		if (f->start >= f->end)
			return bad(ci, "malformed core file: NT_FILE entry %llu is empty or reversed",
				   (unsigned long long)i);
		if (ofs > UINT64_MAX / page)
			return bad(ci, "malformed core file: NT_FILE offset %llu pages of %llu bytes",
				   (unsigned long long)ofs, (unsigned long long)page);
		f->offset = ofs * page;
		f->name = maps_name(names, (size_t)(nul - names));
		ci->n_files++;
		names = nul + 1;
	}
	return 0;
}

static void parse_psinfo(struct core_info *ci, struct vms_snapshot *s, const uint8_t *d)
{
	char args[81];
	size_t n;

	s->proc.state = d[1] >= 'A' && d[1] <= 'Z' ? (char)d[1] : 0;
	s->proc.pid = (pid_t)le32(d + 24);
	s->proc.ppid = (int)le32(d + 28);
	/* pr_fname: comm, NUL-terminated only when shorter than 16 */
	n = strnlen((const char *)d + 40, 16);
	memcpy(s->proc.comm, d + 40, n);
	s->proc.comm[n] = '\0';
	/* pr_psargs: the first 79 bytes of argv, NULs as spaces (the kernel; gdb may fill all 80) */
	n = strnlen((const char *)d + 56, 80);
	memcpy(args, d + 56, n);
	args[n] = '\0';
	free(s->proc.cmdline);
	s->proc.cmdline = procfs_render_cmdline(args, n, &s->proc);
	ci->have_psinfo = true;
}

static int parse_prstatus(struct core_info *ci, struct vms_snapshot *s, const uint8_t *d,
			  size_t len)
{
	size_t sp_at = 0;
	struct vms_thread *t;

	if (len < PRSTATUS_PID + 4)
		return bad(ci, "malformed core file: NT_PRSTATUS of %zu bytes", len);
	if (ci->machine == EM_X86_64_)
		sp_at = PRSTATUS_REG + 19 * 8;	/* user_regs_struct.sp (rsp) */
	else if (ci->machine == EM_AARCH64_)
		sp_at = PRSTATUS_REG + 31 * 8;	/* user_pt_regs.sp */
	if (sp_at && len < sp_at + 8)
		return bad(ci, "malformed core file: NT_PRSTATUS of %zu bytes for this machine", len);
	if (s->n_threads >= CORE_MAX_ENTRIES)
		return bad(ci, "malformed core file: more than %u threads", CORE_MAX_ENTRIES);
	t = snapshot_add_thread(s, (int)le32(d + PRSTATUS_PID));
	t->sp = sp_at ? le64(d + sp_at) : 0; /* another machine: tids without stack pointers */
	return 0;
}

static void parse_auxv(struct core_info *ci, const uint8_t *d, size_t len)
{
	for (size_t off = 0; off + 16 <= len; off += 16) {
		uint64_t type = le64(d + off), val = le64(d + off + 8);

		if (type == 0)
			break;
		if (type == AT_RANDOM_)
			ci->at_random = val;
		else if (type == AT_EXECFN_)
			ci->at_execfn = val;
		else if (type == AT_SYSINFO_EHDR_)
			ci->at_sysinfo_ehdr = val;
	}
	ci->have_auxv = true;
}

int core_note(struct core_info *ci, struct vms_snapshot *s, uint32_t type, const uint8_t *desc,
	      size_t len)
{
	switch (type) {
	case NT_FILE_:
		return parse_file_note(ci, desc, len);
	case NT_PRPSINFO_:
		if (ci->have_psinfo)
			return bad(ci, "malformed core file: two NT_PRPSINFO notes");
		if (len < PRPSINFO_SIZE)
			return bad(ci, "malformed core file: NT_PRPSINFO of %zu bytes", len);
		parse_psinfo(ci, s, desc);
		return 0;
	case NT_PRSTATUS_:
		return parse_prstatus(ci, s, desc, len);
	case NT_AUXV_:
		if (!ci->have_auxv)
			parse_auxv(ci, desc, len);
		return 0;
	}
	return 0;
}

static int seg_cmp(const void *a, const void *b)
{
	const struct core_seg *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static int file_cmp(const void *a, const void *b)
{
	const struct core_file *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Mappings that exist only as shared ones: MAP_SHARED|MAP_ANONYMOUS (and shared /dev/zero),
 * and SysV shm. A private /dev/zero mapping is anonymous: it has no file. */
static bool only_shared(const char *name)
{
	size_t n = strlen(name);

	if (!strcmp(name, "/dev/zero (deleted)"))
		return true;
	return !strncmp(name, "/SYSV", 5) && n > 15 && !strcmp(name + n - 10, " (deleted)");
}

/*
 * rwx from p_flags (gdb marks every segment readable: there 'r' is '?'); the fourth character:
 * 'p' for a region without a file (an anonymous VMA cannot be shared: shared anonymous memory has
 * a file, "/dev/zero (deleted)"); 's' for a file that is only ever mapped shared; 'p' for a file
 * mapping the kernel dumped in part (its ELF-header rule dumps one page, and only of private
 * mappings: a shared one is dumped whole or not at all, whatever coredump_filter says); else '?'.
 * A file region without a segment (gdb leaves out what it does not dump): "????".
 */
static void set_perms(const struct core_info *ci, struct vms_region *r, const struct core_seg *g,
		      const struct core_file *f)
{
	if (!g) {
		memcpy(r->perms, "????", 5);
		return;
	}
	r->perms[0] = ci->debugger_written ? '?' : g->flags & PF_R_ ? 'r' : '-';
	r->perms[1] = g->flags & PF_W_ ? 'w' : '-';
	r->perms[2] = g->flags & PF_X_ ? 'x' : '-';
	if (!f)
		r->perms[3] = 'p';
	else if (only_shared(f->name))
		r->perms[3] = 's';
	else if (!ci->debugger_written && g->filesz && g->filesz < g->end - g->start)
		r->perms[3] = 'p';
	else
		r->perms[3] = '?';
	r->perms[4] = '\0';
}

static void add_region(struct core_info *ci, struct vms_snapshot *s, const struct core_seg *g,
		       const struct core_file *f)
{
	struct vms_region *r = snapshot_add(s);
	uint64_t stack = ci->at_random ? ci->at_random : ci->at_execfn;

	r->start = g ? g->start : f->start;
	r->end = g ? g->end : f->end;
	set_perms(ci, r, g, f);
	if (f) {
		r->offset = f->offset;
		r->absent = VMS_ABSENT_DEVINO; /* NT_FILE has no device or inode */
		r->name = xstrdup(f->name);
	} else if (stack && stack >= r->start && stack < r->end) {
		/* what /proc calls [stack]: the VMA of the initial stack, where the kernel put
		 * AT_RANDOM's bytes and AT_EXECFN's string at exec */
		r->name = xstrdup("[stack]");
	} else if (ci->at_sysinfo_ehdr && ci->at_sysinfo_ehdr == r->start) {
		r->name = xstrdup("[vdso]");
	} else if (ci->machine == EM_X86_64_ && r->start == VSYSCALL_X86_64 &&
		   r->end == VSYSCALL_X86_64 + 4096) {
		r->name = xstrdup("[vsyscall]"); /* the x86-64 ABI's fixed page (VSYSCALL_ADDR) */
	} else {
		r->name = xstrdup(""); /* [heap], [vvar], [anon:NAME]: not in a core */
	}
}

int core_build(struct core_info *ci, struct vms_snapshot *s)
{
	size_t i = 0, j = 0;

	if (ci->n_segs)
		qsort(ci->segs, ci->n_segs, sizeof(*ci->segs), seg_cmp);
	if (ci->n_files)
		qsort(ci->files, ci->n_files, sizeof(*ci->files), file_cmp);
	for (size_t k = 1; k < ci->n_segs; k++)
		if (ci->segs[k].start < ci->segs[k - 1].end)
			return bad(ci, "malformed core file: segments at 0x%llx and 0x%llx overlap",
				   (unsigned long long)ci->segs[k - 1].start,
				   (unsigned long long)ci->segs[k].start);
	for (size_t k = 1; k < ci->n_files; k++)
		if (ci->files[k].start < ci->files[k - 1].end)
			return bad(ci, "malformed core file: NT_FILE entries at 0x%llx and 0x%llx "
				   "overlap", (unsigned long long)ci->files[k - 1].start,
				   (unsigned long long)ci->files[k].start);
	/* Both lists in address order: a file entry is a segment's (same bounds) or lies in a gap
	 * between segments (a mapping gdb did not dump); anything else is not a process's map. */
	while (i < ci->n_segs || j < ci->n_files) {
		const struct core_seg *g = i < ci->n_segs ? &ci->segs[i] : NULL;
		const struct core_file *f = j < ci->n_files ? &ci->files[j] : NULL;

		if (f && (!g || f->start < g->start)) {
			if (g && f->end > g->start)
				goto overlap;
			add_region(ci, s, NULL, f);
			j++;
		} else if (f && f->start == g->start && f->end == g->end) {
			add_region(ci, s, g, f);
			i++, j++;
		} else if (f && f->start < g->end) {
			goto overlap;
		} else {
			add_region(ci, s, g, NULL);
			i++;
		}
		continue;
overlap:
		return bad(ci, "malformed core file: NT_FILE entry 0x%llx-0x%llx straddles a segment",
			   (unsigned long long)f->start, (unsigned long long)f->end);
	}
	/* the main thread first (the kernel writes the dumping thread first) */
	for (size_t k = 1; k < s->n_threads; k++)
		if (s->threads[k].tid == s->proc.pid) {
			struct vms_thread t = s->threads[k];

			memmove(&s->threads[1], &s->threads[0], k * sizeof(t));
			s->threads[0] = t;
			break;
		}
	s->proc.start_stack = ci->at_random ? ci->at_random : ci->at_execfn;
	if (!s->proc.start_stack && s->n_threads && s->threads[0].tid == s->proc.pid)
		s->proc.start_stack = s->threads[0].sp;
	if (!s->proc.cmdline)
		s->proc.cmdline = xstrdup("");
	return 0;
}

void core_acct_absent(struct vms_snapshot *s)
{
	static const char *const keys[] = { "Size", "Rss", "Pss", "Shared_Clean", "Shared_Dirty",
		"Private_Clean", "Private_Dirty", "Anonymous", "Swap", "Locked" };

	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		snapshot_acct_key(s, keys[k], true);
	for (size_t i = 0; i < s->n; i++) {
		s->regions[i].acct = xcalloc(s->n_keys, sizeof(uint64_t));
		s->regions[i].acct[0] = region_size(&s->regions[i]) >> 10; /* Size: the bounds */
	}
	s->has_acct = true;
	s->acct_absent = true;
}
