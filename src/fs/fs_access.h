/*
 * fs_access: who may read and who may change what the mount shows.
 *
 * forcefs checks the caller itself on every operation that reads or changes a record
 * (the kernel's default_permissions would refuse before forcefs sees the request, so a
 * refused write could not be logged). The rule is the kernel's own for the modes and
 * owners forcefs reports: owner bits for the file's owner, group bits for a member of its
 * group (supplementary groups included), other bits for everyone else; root (uid 0) may
 * read and write everything. docs/configuration.md ("Who can read and change records")
 * lists the operations and the permission each needs.
 */
#ifndef FORCEFS_FS_ACCESS_H
#define FORCEFS_FS_ACCESS_H

#include <fuse_lowlevel.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

enum fs_access_want {
	FS_MAY_SEARCH = 1, /* x: look a name up in a directory */
	FS_MAY_WRITE = 2,
	FS_MAY_READ = 4,
	FS_MAY_OWN = 8, /* be the owner (or root): chmod, chown, setting times */
};

/* A caller as the kernel describes it. */
struct fs_access_caller {
	uid_t uid;
	gid_t gid;
	const gid_t *groups; /* supplementary groups, or NULL */
	int ngroups;
};

/* Pure: true when `who` may do all of `want` (FS_MAY_* bits) on a file with `st`'s mode,
 * owner and group. */
bool fs_access_allows(const struct fs_access_caller *who, const struct stat *st, int want);

/* For a FUSE request: 0 when the caller may do `want` on `st`, else -EACCES after one log
 * line naming the caller's uid and pid, what was refused and `name` (a warning for a
 * change, a debug line for a read). */
int fs_access_check(fuse_req_t req, const struct stat *st, int want, const char *name);

#endif
