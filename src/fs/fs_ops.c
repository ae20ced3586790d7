#include "fs_ops.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <time.h>

#include "fs_access.h"
#include "log.h"

static struct fs_ops_config *config_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

/* Requests on the views' inodes go to fs_views; nothing there can be changed. */
#define VIEWS_TAKE(ino, call)                                                                     \
	do {                                                                                       \
		if (fs_views_owns(ino)) {                                                          \
			call;                                                                      \
			return;                                                                    \
		}                                                                                  \
	} while (0)
#define VIEWS_REFUSE(ino) VIEWS_TAKE(ino, fuse_reply_err(req, EROFS))

/*
 * Permission checks (fs_access): the attributes the kernel was shown decide. Replies with
 * the error and returns false when the caller may not do `want` on `ino`; `name` is
 * what the log line calls it (NULL: the inode number).
 */
static bool allowed(fuse_req_t req, fuse_ino_t ino, int want, const char *name)
{
	if (fuse_req_ctx(req)->uid == 0)
		return true; /* root may do anything (the operation itself may still refuse) */
	struct fs_ops_config *cfg = config_of(req);
	struct stat st;
	struct error err = {0};
	int rc = fs_views_owns(ino) ? fs_views_stat(cfg->views, ino, &st)
				    : fs_tree_getattr(cfg->tree, ino, &st, &err);
	char label[48];
	if (!name) {
		snprintf(label, sizeof(label), "inode %llu", (unsigned long long)ino);
		name = label;
	}
	if (rc == 0)
		rc = fs_access_check(req, &st, want, name);
	if (rc)
		fuse_reply_err(req, -rc);
	return rc == 0;
}

static int open_want(int flags)
{
	int acc = flags & O_ACCMODE;
	int want = acc == O_WRONLY ? FS_MAY_WRITE : acc == O_RDWR ? FS_MAY_READ | FS_MAY_WRITE
								   : FS_MAY_READ;
	return flags & O_TRUNC ? want | FS_MAY_WRITE : want;
}

static void fill_entry(const struct fs_ops_config *cfg, const struct stat *st,
		       struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	e->ino = st->st_ino;
	e->attr = *st;
	e->attr_timeout = fs_tree_attr_volatile(st->st_ino) ? 0 : cfg->attr_timeout;
	e->entry_timeout = cfg->entry_timeout;
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	/* Writes are whole-file commits at close: the kernel must not merge or reorder them. */
	conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
	if (conn->capable & FUSE_CAP_READDIRPLUS)
		conn->want |= FUSE_CAP_READDIRPLUS;
	if (conn->capable & FUSE_CAP_PARALLEL_DIROPS)
		conn->want |= FUSE_CAP_PARALLEL_DIROPS;
	conn->max_readahead = 128 * 1024;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fs_ops_config *cfg = config_of(req);
	if (!allowed(req, parent, FS_MAY_SEARCH, name))
		return;
	if (fs_views_claims(cfg->views, parent, name)) {
		fs_views_lookup(cfg->views, req, parent, name);
		return;
	}
	struct stat st;
	struct error err = {0};
	int rc = fs_tree_lookup(cfg->tree, parent, name, &st, &err);
	if (rc == -ENOENT) {
		/* A negative entry: cached as long as a positive one when the tree will take
		 * it back once the name appears (fs_tree_hold_negative), else not cached. */
		bool hold = fs_tree_hold_negative(cfg->tree, parent, name);
		struct fuse_entry_param e = {.ino = 0, .entry_timeout = hold ? cfg->entry_timeout : 0};
		fuse_reply_entry(req, &e);
		return;
	}
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	struct fuse_entry_param e;
	fill_entry(cfg, &st, &e);
	fuse_reply_entry(req, &e);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs_ops_config *cfg = config_of(req);
	VIEWS_TAKE(ino, fs_views_getattr(cfg->views, req, ino));
	struct stat st;
	struct error err = {0};
	int rc = fs_tree_getattr(cfg->tree, ino, &st, &err);
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_attr(req, &st, fs_tree_attr_volatile(ino) ? 0 : cfg->attr_timeout);
}

static struct fs_handle *handle_of(const struct fuse_file_info *fi)
{
	return fi ? (struct fs_handle *)(uintptr_t)fi->fh : NULL;
}

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		       struct fuse_file_info *fi)
{
	struct fs_ops_config *cfg = config_of(req);
	int mask = 0;
	VIEWS_REFUSE(ino);
	int may = 0;
	if (to_set & FUSE_SET_ATTR_SIZE)
		may |= FS_MAY_WRITE;
	if (to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID |
		      FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME))
		may |= FS_MAY_OWN;
	else if (to_set & (FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW))
		may |= FS_MAY_WRITE; /* touch: the owner or anyone who may write */
	if (may && !allowed(req, ino, may, NULL))
		return;
	struct stat want = *attr;
	if (to_set & FUSE_SET_ATTR_SIZE)
		mask |= FS_ATTR_SIZE;
	if (to_set & FUSE_SET_ATTR_MODE)
		mask |= FS_ATTR_MODE;
	if (to_set & FUSE_SET_ATTR_UID)
		mask |= FS_ATTR_UID;
	if (to_set & FUSE_SET_ATTR_GID)
		mask |= FS_ATTR_GID;
	if (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_ATIME_NOW))
		mask |= FS_ATTR_ATIME;
	if (to_set & (FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_MTIME_NOW)) {
		mask |= FS_ATTR_MTIME;
		if (to_set & FUSE_SET_ATTR_MTIME_NOW)
			clock_gettime(CLOCK_REALTIME, &want.st_mtim);
	}
	struct stat st;
	struct error err = {0};
	int rc = fs_tree_setattr(cfg->tree, ino, handle_of(fi), &want, mask, &st, &err);
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_attr(req, &st, fs_tree_attr_volatile(ino) ? 0 : cfg->attr_timeout);
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	if (!allowed(req, ino, FS_MAY_READ, NULL))
		return;
	VIEWS_TAKE(ino, fs_views_opendir(config_of(req)->views, req, ino, fi));
	if (!fs_tree_is_dir(ino)) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	fuse_reply_open(req, fi);
}

struct dir_reply {
	fuse_req_t req;
	const struct fs_ops_config *cfg;
	char *buf;
	size_t size;
	size_t used;
	bool plus;
};

static int add_dirent(const struct fs_dirent *entry, void *data)
{
	struct dir_reply *r = data;
	size_t room = r->size - r->used;
	size_t need;
	if (r->plus) {
		struct fuse_entry_param e;
		fill_entry(r->cfg, &entry->st, &e);
		if (entry->st.st_nlink == 0) { /* no attributes yet: a name only, no dentry */
			e.ino = 0;
			e.attr_timeout = e.entry_timeout = 0;
		}
		need = fuse_add_direntry_plus(r->req, r->buf + r->used, room, entry->name, &e,
					      entry->cookie);
	} else {
		need = fuse_add_direntry(r->req, r->buf + r->used, room, entry->name, &entry->st,
					 entry->cookie);
	}
	if (need > room)
		return 1;
	r->used += need;
	return 0;
}

static void reply_dir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, bool plus)
{
	struct fs_ops_config *cfg = config_of(req);
	struct dir_reply r = {.req = req, .cfg = cfg, .size = size, .plus = plus};
	r.buf = g_malloc(size);
	struct error err = {0};
	int rc = fs_tree_list(cfg->tree, ino, off, plus, add_dirent, &r, &err);
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_buf(req, r.buf, r.used);
	g_free(r.buf);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	VIEWS_TAKE(ino, fs_views_readdir(config_of(req)->views, req, ino, size, off, fi, false));
	reply_dir(req, ino, size, off, false);
}

static void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			   struct fuse_file_info *fi)
{
	VIEWS_TAKE(ino, fs_views_readdir(config_of(req)->views, req, ino, size, off, fi, true));
	reply_dir(req, ino, size, off, true);
}

static void op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	VIEWS_TAKE(ino, fs_views_releasedir(config_of(req)->views, req, ino, fi));
	fuse_reply_err(req, 0);
}

static void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	VIEWS_TAKE(ino, fs_views_readlink(config_of(req)->views, req, ino));
	fuse_reply_err(req, EINVAL);
}

static void reply_opened(fuse_req_t req, struct fuse_file_info *fi, struct fs_handle *h,
			 const struct fs_open_hints *hints)
{
	fi->fh = (uint64_t)(uintptr_t)h;
	fi->keep_cache = hints->keep_cache;
	fi->direct_io = hints->direct_io;
	/* A reader has nothing to commit at close: spare the FLUSH round trip. */
	if ((fi->flags & O_ACCMODE) == O_RDONLY)
		fi->noflush = 1;
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs_ops_config *cfg = config_of(req);
	/* A view refuses writing itself (EROFS); only reading it needs permission. */
	if (!allowed(req, ino, fs_views_owns(ino) ? FS_MAY_READ : open_want(fi->flags), NULL))
		return;
	VIEWS_TAKE(ino, fs_views_open(cfg->views, req, ino, fi));
	struct fs_handle *h = NULL;
	struct fs_open_hints hints = {0};
	struct error err = {0};
	int rc = fs_tree_open(cfg->tree, ino, fi->flags, &h, &hints, &err);
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	reply_opened(req, fi, h, &hints);
	if (fuse_reply_open(req, fi) != 0)
		fs_tree_release(cfg->tree, h); /* the opener was interrupted */
}

static void op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		      struct fuse_file_info *fi)
{
	struct fs_ops_config *cfg = config_of(req);
	const struct fuse_ctx *who = fuse_req_ctx(req);
	VIEWS_REFUSE(parent);
	if (!allowed(req, parent, FS_MAY_WRITE | FS_MAY_SEARCH, name))
		return;
	struct fs_handle *h = NULL;
	struct fs_open_hints hints = {0};
	struct stat st;
	struct error err = {0};
	int rc = fs_tree_create(cfg->tree, parent, name, mode & ~who->umask, fi->flags, who->uid,
				who->gid, &st, &h, &hints, &err);
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	struct fuse_entry_param e;
	fill_entry(cfg, &st, &e);
	reply_opened(req, fi, h, &hints);
	if (fuse_reply_create(req, &e, fi) != 0)
		fs_tree_release(cfg->tree, h);
}

static void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	struct fs_ops_config *cfg = config_of(req);
	VIEWS_REFUSE(parent);
	if (!S_ISREG(mode)) {
		fuse_reply_err(req, EPERM);
		return;
	}
	if (!allowed(req, parent, FS_MAY_WRITE | FS_MAY_SEARCH, name))
		return;
	const struct fuse_ctx *who = fuse_req_ctx(req);
	struct fs_handle *h = NULL;
	struct fs_open_hints hints = {0};
	struct stat st;
	struct error err = {0};
	int rc = fs_tree_create(cfg->tree, parent, name, mode & ~who->umask, O_CREAT | O_EXCL,
				who->uid, who->gid, &st, &h, &hints, &err);
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	fs_tree_release(cfg->tree, h);
	struct fuse_entry_param e;
	fill_entry(cfg, &st, &e);
	fuse_reply_entry(req, &e);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct fs_ops_config *cfg = config_of(req);
	VIEWS_TAKE(ino, fs_views_read(cfg->views, req, ino, size, off, fi));
	GBytes *bytes = fs_tree_read(cfg->tree, handle_of(fi), off, size);
	if (!bytes) {
		fuse_reply_err(req, EIO);
		return;
	}
	gsize len;
	const char *data = g_bytes_get_data(bytes, &len);
	fuse_reply_buf(req, data, len);
	g_bytes_unref(bytes);
}

static void op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	VIEWS_REFUSE(ino);
	struct fs_ops_config *cfg = config_of(req);
	struct error err = {0};
	ssize_t n = fs_tree_write(cfg->tree, handle_of(fi), off, buf, size, &err);
	if (n < 0)
		fuse_reply_err(req, (int)-n);
	else
		fuse_reply_write(req, (size_t)n);
}

/* close(2) and fsync(2) are the commit points; their errno is what the editor sees. */
static void op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	VIEWS_TAKE(ino, fuse_reply_err(req, 0));
	struct fs_ops_config *cfg = config_of(req);
	struct error err = {0};
	fuse_reply_err(req, -fs_tree_flush(cfg->tree, handle_of(fi), &err));
}

static void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	VIEWS_TAKE(ino, fuse_reply_err(req, 0));
	struct fs_ops_config *cfg = config_of(req);
	struct error err = {0};
	fuse_reply_err(req, -fs_tree_flush(cfg->tree, handle_of(fi), &err));
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs_ops_config *cfg = config_of(req);
	VIEWS_TAKE(ino, fs_views_release(cfg->views, req, ino, fi));
	fs_tree_release(cfg->tree, handle_of(fi));
	fuse_reply_err(req, 0);
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs st = {
	    .f_bsize = 4096,
	    .f_frsize = 4096,
	    .f_namemax = 255,
	};
	fuse_reply_statfs(req, &st);
}

static void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	struct fs_ops_config *cfg = config_of(req);
	char *value = NULL;
	struct error err = {0};
	/* Only user.* exists here: ENOTSUP lets ls stop asking for security.* and system.*. */
	if (strncmp(name, "user.", 5) != 0) {
		fuse_reply_err(req, ENOTSUP);
		return;
	}
	if (!allowed(req, ino, FS_MAY_READ, NULL))
		return;
	int rc = fs_tree_getxattr(cfg->tree, ino, name, &value, &err);
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	size_t len = strlen(value);
	if (size == 0)
		fuse_reply_xattr(req, len);
	else if (size < len)
		fuse_reply_err(req, ERANGE);
	else
		fuse_reply_buf(req, value, len);
	g_free(value);
}

static void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	struct fs_ops_config *cfg = config_of(req);
	if (!allowed(req, ino, FS_MAY_READ, NULL))
		return;
	GString *names = g_string_new(NULL);
	struct error err = {0};
	int rc = fs_tree_listxattr(cfg->tree, ino, names, &err);
	if (rc)
		fuse_reply_err(req, -rc);
	else if (size == 0)
		fuse_reply_xattr(req, names->len);
	else if (size < names->len)
		fuse_reply_err(req, ERANGE);
	else
		fuse_reply_buf(req, names->str, names->len);
	g_string_free(names, TRUE);
}

static bool is_forcefs_xattr(const char *name)
{
	return strncmp(name, "user.forcefs.", strlen("user.forcefs.")) == 0;
}

static void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
			size_t size, int flags)
{
	VIEWS_REFUSE(ino);
	/* forcefs's own attributes are read-only; nothing else can be stored. */
	fuse_reply_err(req, is_forcefs_xattr(name) ? EPERM : ENOTSUP);
}

static void op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	VIEWS_REFUSE(ino);
	fuse_reply_err(req, is_forcefs_xattr(name) ? EPERM : ENOTSUP);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	VIEWS_REFUSE(parent);
	fuse_reply_err(req, EPERM);
}

static void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	VIEWS_REFUSE(parent);
	fuse_reply_err(req, EPERM);
}

static void op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	VIEWS_REFUSE(parent);
	fuse_reply_err(req, EPERM);
}

static void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
	VIEWS_REFUSE(newparent);
	fuse_reply_err(req, EPERM);
}

static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	VIEWS_REFUSE(parent);
	if (!allowed(req, parent, FS_MAY_WRITE | FS_MAY_SEARCH, name))
		return;
	struct fs_ops_config *cfg = config_of(req);
	struct error err = {0};
	fuse_reply_err(req, -fs_tree_unlink(cfg->tree, parent, name, &err));
}

static void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		      const char *newname, unsigned int flags)
{
	VIEWS_REFUSE(parent);
	VIEWS_REFUSE(newparent);
	if (!allowed(req, parent, FS_MAY_WRITE | FS_MAY_SEARCH, name) ||
	    (newparent != parent &&
	     !allowed(req, newparent, FS_MAY_WRITE | FS_MAY_SEARCH, newname)))
		return;
	struct fs_ops_config *cfg = config_of(req);
	struct error err = {0};
	fuse_reply_err(req,
		       -fs_tree_rename(cfg->tree, parent, name, newparent, newname, flags, &err));
}

/* The kernel evicted inodes: what it cached for them (pages included) is gone. */
static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	fs_tree_forget(config_of(req)->tree, ino);
	fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	struct fs_ops_config *cfg = config_of(req);
	for (size_t i = 0; i < count; i++)
		fs_tree_forget(cfg->tree, forgets[i].ino);
	fuse_reply_none(req);
}

const struct fuse_lowlevel_ops fs_ops = {
    .init = op_init,
    .lookup = op_lookup,
    .forget = op_forget,
    .forget_multi = op_forget_multi,
    .getattr = op_getattr,
    .setattr = op_setattr,
    .opendir = op_opendir,
    .readdir = op_readdir,
    .readdirplus = op_readdirplus,
    .releasedir = op_releasedir,
    .readlink = op_readlink,
    .open = op_open,
    .read = op_read,
    .flush = op_flush,
    .fsync = op_fsync,
    .release = op_release,
    .statfs = op_statfs,
    .getxattr = op_getxattr,
    .listxattr = op_listxattr,
    .setxattr = op_setxattr,
    .removexattr = op_removexattr,
    .mknod = op_mknod,
    .mkdir = op_mkdir,
    .unlink = op_unlink,
    .rmdir = op_rmdir,
    .rename = op_rename,
    .create = op_create,
    .write = op_write,
    .symlink = op_symlink,
    .link = op_link,
};
