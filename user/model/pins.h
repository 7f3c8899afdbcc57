/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Where the live model is pinned, and the lock taken to change what is pinned there.
 *
 * The pin dir is $VMSCOPE_PIN_DIR (an absolute path whose parent is on a bpffs), by default
 * /sys/fs/bpf/vmscope, so that models can run side by side (tests). Under it the loader pins
 * maps/MAP, progs/PROG (the programs readers run), links/PROG (the hooks that follow VMA
 * changes) and faults/PROG[_N] (the fault counters'), each named after its map or program.
 */
#ifndef VMS_PINS_H
#define VMS_PINS_H

#include <stddef.h>

#include <linux/types.h>

#define VMS_PIN_DIR_DEFAULT "/sys/fs/bpf/vmscope"

/* The pin dir, resolved once. An invalid $VMSCOPE_PIN_DIR is a setup error of the whole run:
 * the first use says why in one line and ends the process (exit 1), before anything changed. */
const char *pins_dir(void);

/* "DIR/SUB/NAME" (or "DIR/SUB" with NAME NULL) into buf. */
void pins_path(char *buf, size_t len, const char *sub, const char *name);

/* The pin name of a program: its name without the "vms_" every vmscope program has, and
 * without the "_ev" of a tier event-resync variant, which takes the pin of the program it
 * stands in for (readers open progs/gc in either tier). */
void pins_name(const char *prog, char *buf, size_t len);

/* Takes the pin dir's lock (see pins.c), waiting for its holder; what names the command in
 * messages. Returns the lock's fd, or -ENOLCK after saying why in one line. */
int pins_lock(const char *what);
void pins_unlock(int fd);

/*
 * Trust (pins.c says why): the pin dir and every dir under it must be real dirs (no symlink)
 * owned by root or us with no group or other write, on a bpffs, in a parent others cannot
 * rename entries in; a pin must be a BPF object pinned by root or us. What fails is refused:
 * -EPERM, and pins_refused() says why in one line's text (without "vmscope: CMD: ").
 */
const char *pins_refused(void);
/* 0: the pin dir is there and ours; -ENOENT: not there; -EPERM: refused. */
int pins_check(void);
/* Creates the pin dir and its subdirs (0700), or takes them if they are ours: 0, -EPERM, -errno. */
int pins_make(void);

/* Opens the pin SUB/NAME, checked as above and to be the object of vmscope's pinned there: a
 * map of that name (and key and value sizes, 0: any) in maps/, a program in progs/, a link of a
 * vmscope program in links/ and faults/. An fd, -ENOENT, -EPERM (refused), or -errno. */
int pins_get(const char *sub, const char *name, __u32 key_size, __u32 value_size);
/* pins_get in two steps, for a reader that opens several pins of one subdir (each pins_get
 * opens and checks the subdir: 3 syscalls, which the model's tracepoints make dearer): the
 * subdir, checked as pins_get does (an fd, -ENOENT, -EPERM), then each pin under it. */
int pins_open_sub(const char *sub);
int pins_get_at(int sub_fd, const char *sub, const char *name, __u32 key_size, __u32 value_size);
/* The program of the link pinned as SUB/NAME under sub_fd (checked as pins_get does; the
 * program must be vmscope's): a program fd, -ENOENT, -EPERM (refused), or -errno. */
int pins_link_prog_at(int sub_fd, const char *sub, const char *name);

/* Removes everything under the pin dir and the dir: unpinning the links detaches the
 * programs, the maps go with their last reference. Only vmscope pins in dirs of ours are
 * removed, never through a symlink; anything else stays. 0 (also when there is no pin dir),
 * -EPERM (refused: something is not ours, and stays) or -EBUSY if something stayed. */
int pins_remove(void);

#endif
