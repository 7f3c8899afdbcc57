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

/* Removes everything under the pin dir and the dir: unpinning the links detaches the
 * programs, the maps go with their last reference. 0, or -EBUSY if something stayed. */
int pins_remove(void);

#endif
