// SPDX-License-Identifier: BSD-2-Clause
/* Stop signals in two phases: exit at once while nothing needs undoing, then only a flag. */
#include "kernel/sigstop.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const int stop_sigs[] = { SIGINT, SIGTERM, SIGHUP };
static const char *const stop_names[] = { "SIGINT", "SIGTERM", "SIGHUP" };

static volatile sig_atomic_t deferred;
static volatile sig_atomic_t got_signal;
/* The early line per signal, built at install time: the handler only calls write(2). */
static char early_msg[3][160];
static size_t early_len[3];

static void on_stop(int sig)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t set;

	if (deferred) {
		if (!got_signal)
			got_signal = sig;
		return;
	}
	for (int i = 0; i < 3; i++) {
		if (stop_sigs[i] == sig && early_len[i]) {
			ssize_t n = write(STDERR_FILENO, early_msg[i], early_len[i]);

			(void)n; /* nothing to do about a short write to stderr */
		}
	}
	/* die of the signal itself, so that a parent (a shell loop) sees it */
	sigaction(sig, &dfl, NULL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	_exit(128 + sig);
}

void sigstop_install(const char *what)
{
	struct sigaction sa = { .sa_handler = on_stop }, old;

	deferred = 0;
	got_signal = 0;
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 3; i++) {
		sigaddset(&sa.sa_mask, stop_sigs[i]);
		early_len[i] = 0;
		if (what) {
			int n = snprintf(early_msg[i], sizeof(early_msg[i]), "vmscope: %s: interrupted "
					 "by %s while starting, nothing left behind\n", what,
					 stop_names[i]);

			if (n > 0 && (size_t)n < sizeof(early_msg[i]))
				early_len[i] = (size_t)n;
		}
	}
	/* no SA_RESTART: a blocking call returns EINTR and its loop sees the flag */
	sa.sa_flags = 0;
	for (int i = 0; i < 3; i++) {
		if (stop_sigs[i] == SIGHUP && !sigaction(SIGHUP, NULL, &old) &&
		    old.sa_handler == SIG_IGN)
			continue; /* nohup */
		sigaction(stop_sigs[i], &sa, NULL);
	}
}

void sigstop_defer(void)
{
	deferred = 1;
}

bool sigstop_requested(void)
{
	return got_signal != 0;
}

int sigstop_signal(void)
{
	return got_signal;
}
