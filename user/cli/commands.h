/* SPDX-License-Identifier: BSD-2-Clause */
/* Subcommands: each takes the arguments after its name (argv[0] is the subcommand name)
 * and returns the process exit code. */
#ifndef VMS_COMMANDS_H
#define VMS_COMMANDS_H

#include <stdbool.h>

int cmd_map(int argc, char **argv);
int cmd_features(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_reconcile(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_strings(int argc, char **argv);
/* map's parser and print path; files: the targets are snapshot files (snapshot show). */
int map_main(const char *cmd, int argc, char **argv, bool files);
/* --backend NAME (and --faults) of map: the backend, or NULL after one error line. */
struct vms_backend;
const struct vms_backend *map_backend(const char *cmd, const char *name, bool faults);

#endif
