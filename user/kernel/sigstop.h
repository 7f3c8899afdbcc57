/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SIGINT, SIGTERM and SIGHUP for commands that load BPF: a signal is never lost, whenever it
 * comes.
 *
 * Two phases. Early (from sigstop_install()): the process owns nothing that outlives it (BPF
 * objects held only by its fds, no pins), so a signal ends it at once: the handler writes one
 * line on stderr, restores the default action and re-raises the signal, so that the parent
 * sees a death by that signal (a shell's $? is 128 + the number). This is what makes a signal
 * during a long BPF_PROG_LOAD work: the verifier gives up with EAGAIN when a signal is pending,
 * and libbpf would retry the load, up to five times, if the handler just returned.
 *
 * Deferred (from sigstop_defer()): for code that must unwind (pins to remove, a summary to
 * print), the handler only records the signal; the code polls sigstop_requested(). The
 * handlers are installed without SA_RESTART: a blocking call (poll, epoll_wait, read) returns
 * EINTR, so a loop notices at once.
 *
 * SIGINT and SIGTERM are caught even when the process started with them ignored (a background
 * job of a non-interactive shell ignores SIGINT): `kill -INT` must stop it. SIGHUP is left
 * ignored when it was (nohup). Single-threaded use: the phase is process-wide.
 */
#ifndef VMS_SIGSTOP_H
#define VMS_SIGSTOP_H

#include <stdbool.h>

/* Installs the handlers, in the early phase. what names the command in the early line
 * ("vmscope: WHAT: interrupted by SIGINT while starting, nothing left behind"); NULL: no line.
 * Call it first thing: a signal before it gets the default action (or none, when ignored).
 * Calling it again (e.g. with NULL once -q is parsed) starts over in the early phase. */
void sigstop_install(const char *what);

/* From now on a signal is only recorded (see above), until the process exits: call it before
 * the first thing that must be undone (a pin), or once ready to run a loop that ends cleanly. */
void sigstop_defer(void);

/* Whether a stop signal came in the deferred phase, and which one (0 if none). */
bool sigstop_requested(void);
int sigstop_signal(void);

#endif
