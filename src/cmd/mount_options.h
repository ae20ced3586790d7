/*
 * mount_options: the -o options of forcefs mount, one table (mount_options.c) that
 * gives each its name, type, default, range and --help line. Parsing (through
 * libfuse's fuse_opt), the range check, --help and tests/integration/test_cli.py's
 * check that docs/configuration.md and forcefs(1) list the same names all read it.
 *
 * `objects=a,b` is in the table for --help and the docs; its value is taken out of -o
 * before parsing (cmd_mount.c: the list uses -o's own separator).
 */
#ifndef FORCEFS_MOUNT_OPTIONS_H
#define FORCEFS_MOUNT_OPTIONS_H

#include <fuse_lowlevel.h>
#include <stdio.h>

#include "error.h"

struct mount_options {
	int readonly;
	int allow_delete;
	double entry_timeout;
	double attr_timeout;
	unsigned int cache_mib;
	unsigned int batch_size;
	double watch_interval;
	double delete_delay;
	unsigned int uid;   /* owner shown for directories and records */
	unsigned int gid;
	unsigned int umask; /* bits cleared from 0777 (directories) and 0666 (records) */
	unsigned int max_scratch_per_dir; /* files that are not records, per directory */
	unsigned int max_scratch_files;	  /* ... in the whole mount */
	unsigned int max_pending_mib;	  /* bytes in those files */
};

/* Every option at its default. */
void mount_options_defaults(struct mount_options *opts);

/*
 * Parses `args` (as fuse_opt_parse does) into `opts`, taking out the options of the
 * table and leaving the others (FUSE's, and `ro`, which the kernel also gets), then
 * checks every value against its range. On failure returns -1 with a one-line message
 * in `err` naming the option and what it takes.
 */
int mount_options_parse(struct fuse_args *args, struct mount_options *opts, struct error *err);

/* Writes the "  -o name=ARG  meaning (default)" lines of --help, one per option. */
void mount_options_help(FILE *out);

#endif
