// SPDX-License-Identifier: BSD-2-Clause
/*
 * The libelf half of the core reader (elfcore.h): the ELF header, the program headers (PT_LOAD
 * segments, PT_NOTE notes) and nothing else. Segment contents are never read: a core truncated
 * after its notes (ulimit -c, a full disk) still gives its map.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfcore/elfcore.h"

static int fail(char *err, int code, const char *msg)
{
	snprintf(err, CORE_ERR_LEN, "%s", msg);
	return code;
}

static const char *elf_type_name(unsigned type)
{
	switch (type) {
	case ET_EXEC: return "an executable";
	case ET_DYN: return "a shared object or PIE executable";
	case ET_REL: return "an object file";
	}
	return "not of type ET_CORE";
}

/* The notes of one PT_NOTE segment; only owner "CORE" carries what we read. */
static int read_notes(Elf *e, const GElf_Phdr *ph, struct core_info *ci, struct vms_snapshot *s)
{
	Elf_Data *d;
	size_t off = 0, next, name_off, desc_off;
	GElf_Nhdr nh;

	if (!ph->p_filesz)
		return 0;
	if (ph->p_filesz > CORE_MAX_NOTES) {
		/* a file that cannot be mapped is read, and notes are copied: never unbounded */
		snprintf(ci->err, sizeof(ci->err), "malformed core file: %llu bytes of notes (more than "
			 "%u MiB)", (unsigned long long)ph->p_filesz, CORE_MAX_NOTES >> 20);
		return -EINVAL;
	}
	d = elf_getdata_rawchunk(e, (int64_t)ph->p_offset, ph->p_filesz, ELF_T_NHDR);
	if (!d || !d->d_buf) {
		snprintf(ci->err, sizeof(ci->err), "malformed core file: its notes (%llu bytes at "
			 "%llu) are not in the file (truncated?)", (unsigned long long)ph->p_filesz,
			 (unsigned long long)ph->p_offset);
		return -EINVAL;
	}
	while (off < d->d_size && (next = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
		const char *name = (const char *)d->d_buf + name_off;
		int err;

		if (nh.n_namesz == 5 && !memcmp(name, "CORE", 5)) {
			err = core_note(ci, s, nh.n_type, (const uint8_t *)d->d_buf + desc_off,
					nh.n_descsz);
			if (err)
				return err;
		}
		off = next;
	}
	/* a note gelf_getnote refused (sizes past the end): never a silent end of the notes, which
	 * would read as a core without them; only a few zero bytes of padding may follow */
	for (size_t k = off; k < d->d_size; k++)
		if (d->d_size - off >= sizeof(Elf64_Nhdr) || ((const uint8_t *)d->d_buf)[k]) {
			snprintf(ci->err, sizeof(ci->err), "malformed core file: the note %zu bytes into "
				 "its notes (%llu bytes) overruns them", off,
				 (unsigned long long)ph->p_filesz);
			return -EINVAL;
		}
	return 0;
}

static int read_elf(Elf *e, struct vms_snapshot *s, char *err)
{
	struct core_info ci;
	GElf_Ehdr eh;
	size_t phnum, shnum;
	int rc = 0;

	if (elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh))
		return fail(err, -ENOEXEC, "not an ELF file");
	if (eh.e_type != ET_CORE) {
		snprintf(err, CORE_ERR_LEN, "not a core file (%s)", elf_type_name(eh.e_type));
		return -ENOEXEC;
	}
	if (eh.e_ident[EI_CLASS] != ELFCLASS64)
		return fail(err, -ENOTSUP, "32-bit core files are not supported");
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return fail(err, -ENOTSUP, "big-endian core files are not supported");
	if (elf_getphdrnum(e, &phnum))
		return fail(err, -EINVAL, "malformed core file: no readable program header count");
	if (elf_getshdrnum(e, &shnum))
		shnum = 0;
	/* The kernel writes no sections but the PN_XNUM extension (one); gdb writes many. */
	core_info_init(&ci, eh.e_machine, shnum > 1);
	for (size_t i = 0; i < phnum && !rc; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e, (int)i, &ph)) {
			snprintf(ci.err, sizeof(ci.err), "malformed core file: program header %zu of "
				 "%zu is not in the file", i, phnum);
			rc = -EINVAL;
		} else if (ph.p_type == PT_LOAD) {
			rc = core_add_segment(&ci, ph.p_vaddr, ph.p_memsz, ph.p_filesz, ph.p_flags);
		} else if (ph.p_type == PT_NOTE) {
			rc = read_notes(e, &ph, &ci, s);
		}
	}
	if (!rc && !ci.n_segs && !ci.n_files)
		rc = -EINVAL, snprintf(ci.err, sizeof(ci.err), "malformed core file: no segments");
	/* Linux (3.7+) and gdb write both: without NT_FILE every file mapping would read as
	 * anonymous memory (00:00 0, 'p'), without NT_PRPSINFO the process as pid 0: made up */
	if (!rc && !ci.have_files)
		rc = -EINVAL, snprintf(ci.err, sizeof(ci.err), "malformed core file: no NT_FILE note "
				       "(which regions map which files)");
	if (!rc && !ci.have_psinfo)
		rc = -EINVAL, snprintf(ci.err, sizeof(ci.err), "malformed core file: no NT_PRPSINFO "
				       "note (the process's pid and name)");
	if (!rc)
		rc = core_build(&ci, s);
	if (rc)
		snprintf(err, CORE_ERR_LEN, "%s", ci.err);
	core_info_free(&ci);
	return rc;
}

int core_read_mem(void *buf, size_t len, struct vms_snapshot *s, char *err)
{
	Elf *e;
	int rc;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return fail(err, -ENOTSUP, "libelf is too old");
	e = elf_memory(buf, len);
	if (!e)
		return fail(err, -ENOEXEC, "not an ELF file");
	rc = read_elf(e, s, err);
	elf_end(e);
	return rc;
}

int core_read_file(const char *path, struct vms_snapshot *s, char *err)
{
	struct stat st;
	Elf *e;
	int fd, rc;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return fail(err, -ENOTSUP, "libelf is too old");
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st)) {
		rc = -errno;
		snprintf(err, CORE_ERR_LEN, "cannot open it: %s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = fail(err, -ENOEXEC, "not a regular file");
		goto out;
	}
	e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!e) {
		rc = fail(err, -ENOEXEC, "not an ELF file");
		goto out;
	}
	rc = read_elf(e, s, err);
	elf_end(e);
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

bool core_file_claims(const char *path)
{
	unsigned char h[18];
	struct stat st;
	bool core = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0)
		return false;
	/* e_type (offset 16) in the file's byte order */
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && read(fd, h, sizeof(h)) == sizeof(h) &&
	    !memcmp(h, ELFMAG, SELFMAG))
		core = (h[EI_DATA] == ELFDATA2MSB ? (h[16] << 8 | h[17]) : (h[17] << 8 | h[16])) ==
		       ET_CORE;
	close(fd);
	return core;
}
