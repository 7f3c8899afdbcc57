/* SPDX-License-Identifier: BSD-2-Clause */
/* Subcommands: each takes the arguments after its name (argv[0] is the subcommand name)
 * and returns the process exit code. */
#ifndef VMS_COMMANDS_H
#define VMS_COMMANDS_H

int cmd_map(int argc, char **argv);
int cmd_features(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_reconcile(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_serve(int argc, char **argv);

#endif
