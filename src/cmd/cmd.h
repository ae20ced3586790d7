/*
 * cmd: the subcommands of the forcefs binary. Each takes its own argv (argv[0] is the
 * subcommand name) and returns the process exit code: 0 success, 1 runtime failure,
 * 2 usage error (docs/contract.md §2).
 */
#ifndef FORCEFS_CMD_H
#define FORCEFS_CMD_H

#include <stdbool.h>

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

int cmd_mount(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_sync(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_login(int argc, char **argv);
int cmd_logout(int argc, char **argv);

/* `forcefs SCHEMA MOUNTPOINT [-o OPTS]`, as mount.fuse3 runs it for an fstab line of
 * type fuse.forcefs (cmd_fstab.c): whether argv has that shape, and running it. */
bool cmd_fstab_form(int argc, char **argv);
int cmd_fstab(int argc, char **argv);

#endif
