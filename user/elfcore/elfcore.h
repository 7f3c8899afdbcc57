/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ELF core files (Linux: the kernel's core dumps and gdb's `gcore`) as a region list. Two layers:
 * core_elf.c walks the ELF (libelf: header, program headers, notes) and hands what it finds to
 * core_notes.c, which is pure byte parsing (no libelf, no files): the NT_FILE, NT_PRPSINFO,
 * NT_PRSTATUS and NT_AUXV notes, and the merge of PT_LOAD segments with NT_FILE entries into
 * regions. What a core does and does not record, and the rules for what it does not: README
 * "Core files".
 *
 * Every error is one sentence in err (for "vmscope: map: FILE: <err>") and a -errno: -EINVAL a
 * malformed, truncated or hostile core; -ENOEXEC not a core file; -ENOTSUP a core this reader
 * does not read (32-bit, big-endian). Allocation is bounded by the file's own size.
 */
#ifndef VMS_ELFCORE_H
#define VMS_ELFCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/region.h"

#define CORE_ERR_LEN 160
/* More segments or file entries than this: refused (Linux allows 65530 maps by default). */
#define CORE_MAX_ENTRIES (1u << 21)
/* A PT_NOTE larger than this is refused (a thread's notes are ~5 KB: 50,000 threads fit). */
#define CORE_MAX_NOTES (256u << 20)

struct core_seg {
	uint64_t start, end, filesz;
	uint32_t flags;		/* PF_R, PF_W, PF_X */
};

struct core_file {
	uint64_t start, end, offset;	/* offset in bytes (NT_FILE's pages times its page size) */
	char *name;			/* as /proc/PID/maps prints it */
};

struct core_info {
	uint16_t machine;		/* e_machine: which NT_PRSTATUS register is the sp */
	bool debugger_written;		/* has section headers: gdb (BFD), which marks every
					 * segment readable; the kernel writes none */
	struct core_seg *segs;
	size_t n_segs, cap_segs;
	struct core_file *files;
	size_t n_files;
	bool have_files, have_psinfo, have_auxv;
	uint64_t at_random, at_execfn, at_sysinfo_ehdr;	/* NT_AUXV; 0 if absent */
	char err[CORE_ERR_LEN];
};

void core_info_init(struct core_info *ci, uint16_t machine, bool debugger_written);
void core_info_free(struct core_info *ci);
/* A PT_LOAD segment. 0 or -EINVAL. */
int core_add_segment(struct core_info *ci, uint64_t vaddr, uint64_t memsz, uint64_t filesz,
		     uint32_t flags);
/* One note of owner "CORE" (64-bit little-endian layouts); the descriptor's bytes, len of them.
 * Notes this reader does not use are ignored. Fills s->proc and s->threads. 0 or -EINVAL. */
int core_note(struct core_info *ci, struct vms_snapshot *s, uint32_t type, const uint8_t *desc,
	      size_t len);
/* After the last segment and note: s->regions, in address order. 0 or -EINVAL. */
int core_build(struct core_info *ci, struct vms_snapshot *s);

/* Accounting asked of a core: the keys the formats name, every value absent but Size. */
void core_acct_absent(struct vms_snapshot *s);

/* The whole reader on a core in memory (the fuzzer's entry) or on a file. 0 or -errno; err
 * (CORE_ERR_LEN bytes) says why. */
int core_read_mem(void *buf, size_t len, struct vms_snapshot *s, char *err);
int core_read_file(const char *path, struct vms_snapshot *s, char *err);
/* Whether the file at path starts like an ELF core file (any class or byte order). */
bool core_file_claims(const char *path);

#endif
