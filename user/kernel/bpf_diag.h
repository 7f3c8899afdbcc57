/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What libbpf said while loading, kept so that a refusal can be told in one line: which program
 * the kernel's verifier refused and the last line of its log (the whole log shows with -v).
 * bpf_diag_install() makes it the process's libbpf print callback (main.c calls it first).
 */
#ifndef VMS_BPF_DIAG_H
#define VMS_BPF_DIAG_H

#include <stdbool.h>
#include <stdint.h>

/* Probe failures and fallbacks are expected output, not noise: libbpf speaks only with -v, but
 * a refusal is remembered so that it can be told in one line. */
void bpf_diag_install(void);

/* Forgets what an earlier load said: call before a load whose failure is to be explained. */
void bpf_diag_reset(void);

/* Since the last reset: "the verifier refused program 'P': LAST LOG LINE", or NULL when no
 * program load was refused (the failure was elsewhere: map creation, attach, ...). */
const char *bpf_diag_refusal(void);

/* One line for a failed load: the refusal if there was one, else strerror(-err). */
const char *bpf_diag_why(int err);

/* Runs of a loaded program the kernel skipped (bpf_prog_info.recursion_misses): the program was
 * already running on that CPU, preempted inside it (where tracepoints run preemptibly). */
unsigned long long bpf_prog_misses(int prog_fd);

/* Tests only: VMSCOPE_INJECT_REFUSAL=kfunc-resync,event-resync,faults,bpf-iter names programs
 * to be made refusable (VMS_INJECT_* of bpf/vmscope.h, for their inject_refusal knob), so that
 * every fallback is tested with a real verifier refusal. */
unsigned bpf_inject_refusal(void);

/* A fresh random key for the name hash (vmscope.h), drawn at each load: 0 or
 * -errno. Tests only:
 * VMSCOPE_TEST_NAME_KEY=<32 hex digits> (k0 then k1) makes it known. */
int bpf_name_key(uint64_t key[2]);

#endif
