/*
 * cmd: the subcommands of the forcefs binary. Each takes its own argv (argv[0] is the
 * subcommand name) and returns the process exit code: 0 success, 1 runtime failure,
 * 2 usage error (SPEC §2).
 */
#ifndef FORCEFS_CMD_H
#define FORCEFS_CMD_H

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

int cmd_mount(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_sync(int argc, char **argv);
int cmd_status(int argc, char **argv);

#endif
