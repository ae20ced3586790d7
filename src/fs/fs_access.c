#include "fs_access.h"
#include <glib.h>

#include <errno.h>

#include "log.h"

static bool in_group(const struct fs_access_caller *who, gid_t gid)
{
	if (who->gid == gid)
		return true;
	for (int i = 0; i < who->ngroups; i++)
		if (who->groups[i] == gid)
			return true;
	return false;
}

bool fs_access_allows(const struct fs_access_caller *who, const struct stat *st, int want)
{
	if (who->uid == 0)
		return true;
	if ((want & FS_MAY_OWN) && who->uid != st->st_uid)
		return false;
	int rwx = want & (FS_MAY_READ | FS_MAY_WRITE | FS_MAY_SEARCH);
	mode_t bits;
	if (who->uid == st->st_uid)
		bits = (st->st_mode >> 6) & 7;
	else if (in_group(who, st->st_gid))
		bits = (st->st_mode >> 3) & 7;
	else
		bits = st->st_mode & 7;
	return ((mode_t)rwx & ~bits) == 0;
}

static const char *wanted(int want)
{
	if (want & FS_MAY_OWN)
		return "change the attributes of";
	if (want & FS_MAY_WRITE)
		return "change";
	if (want & FS_MAY_READ)
		return "read";
	return "look into";
}

int fs_access_check(fuse_req_t req, const struct stat *st, int want, const char *name)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct fs_access_caller who = {.uid = ctx->uid, .gid = ctx->gid};
	if (fs_access_allows(&who, st, want))
		return 0;
	gid_t groups[64];
	if (st->st_uid != ctx->uid) {
		int n = fuse_req_getgroups(req, (int)G_N_ELEMENTS(groups), groups);
		if (n > 0) {
			who.groups = groups;
			who.ngroups = n < (int)G_N_ELEMENTS(groups) ? n : (int)G_N_ELEMENTS(groups);
			if (fs_access_allows(&who, st, want))
				return 0;
		}
	}
	enum log_level level = want & (FS_MAY_WRITE | FS_MAY_OWN) ? LOG_LEVEL_WARN : LOG_LEVEL_DEBUG;
	log_msg(level, "permission denied: uid %u (pid %d) may not %s %s (mode %04o, owner %u:%u)",
		(unsigned)ctx->uid, (int)ctx->pid, wanted(want), name, (unsigned)(st->st_mode & 07777),
		(unsigned)st->st_uid, (unsigned)st->st_gid);
	return -EACCES;
}
