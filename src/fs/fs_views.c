/*
 * fs_views: the FUSE replies of the views (fs_views.h). Their nodes and inodes are in
 * fs_view_nodes.c; what each view holds is in fs_view_by.c, fs_view_history.c and
 * fs_view_changes.c.
 */
#include "fs_views.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "fs_views_internal.h"
#include "log.h"

#define BY_NAME	     ".by"
#define HISTORY_NAME ".history"
#define CHANGES_NAME ".changes"

struct fs_views *fs_views_new(struct fs_tree *tree, struct db_pool *pool,
			      const struct fs_views_options *options)
{
	struct fs_views *v = g_new0(struct fs_views, 1);
	v->tree = tree;
	v->pool = pool;
	v->options = *options;
	v->schema = g_strdup(options->schema);
	v->options.schema = v->schema;
	if (v->options.value_limit <= 0)
		v->options.value_limit = 10000;
	g_mutex_init(&v->lock);
	v->nodes = g_ptr_array_new_with_free_func(fs_view_node_free);
	v->by_key = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	v->mount_time_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	/* The fixed nodes, at the fixed inodes VIEW_INO_*. */
	struct fs_view_node by = {.kind = VIEW_BY, .parent = FS_ROOT_INO};
	struct fs_view_node history = {.kind = VIEW_HISTORY, .parent = FS_ROOT_INO};
	struct fs_view_node changes = {.kind = VIEW_CHANGES, .parent = FS_ROOT_INO};
	fs_views_child(v, FS_ROOT_INO, BY_NAME, &by);
	fs_views_child(v, FS_ROOT_INO, HISTORY_NAME, &history);
	fs_views_child(v, FS_ROOT_INO, CHANGES_NAME, &changes);
	if (v->options.history)
		v->changes = fs_view_changes_new(v);
	return v;
}

void fs_views_free(struct fs_views *v)
{
	if (!v)
		return;
	fs_view_changes_free(v->changes);
	g_hash_table_destroy(v->by_key);
	g_ptr_array_free(v->nodes, TRUE);
	g_mutex_clear(&v->lock);
	g_free(v->schema);
	g_free(v);
}

/* --- attributes ----------------------------------------------------------------- */

static bool is_dir_kind(enum fs_view_kind kind)
{
	return kind != VIEW_BY_LINK && kind != VIEW_HISTORY_FILE && kind != VIEW_CHANGES;
}

void fs_views_fill_attr(struct fs_views *v, const struct fs_view_node *n, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = n->ino;
	st->st_uid = v->options.uid;
	st->st_gid = v->options.gid;
	st->st_blksize = 4096;
	st->st_mtim.tv_sec = v->mount_time_ms / 1000;
	st->st_mtim.tv_nsec = (v->mount_time_ms % 1000) * 1000000;
	st->st_nlink = 1;
	if (is_dir_kind(n->kind)) {
		st->st_mode = S_IFDIR | (0555 & ~v->options.umask);
		st->st_nlink = 2;
	} else if (n->kind == VIEW_BY_LINK) {
		st->st_mode = S_IFLNK | 0777;
		st->st_size = (off_t)strlen(n->target);
	} else {
		st->st_mode = S_IFREG | (0444 & ~v->options.umask);
		st->st_size = n->size;
	}
	st->st_blocks = (st->st_size + 511) / 512;
	if (n->kind == VIEW_CHANGES && v->changes)
		fs_view_changes_attr(v, st);
	st->st_ctim = st->st_atim = st->st_mtim;
}

static void reply_entry(struct fs_views *v, fuse_req_t req, const struct fs_view_node *n)
{
	/* Views change with every write anywhere: the kernel asks again each time. */
	struct fuse_entry_param e = {.ino = n->ino};
	fs_views_fill_attr(v, n, &e.attr);
	fuse_reply_entry(req, &e);
}

static int reply_error(fuse_req_t req, int rc, const struct error *err)
{
	if (rc != -ENOENT && err->message[0])
		log_warn("%s", err->message);
	if (rc == -ENOENT) {
		struct fuse_entry_param e = {.ino = 0};
		return fuse_reply_entry(req, &e);
	}
	return fuse_reply_err(req, -rc);
}

/* --- requests ------------------------------------------------------------------- */

bool fs_views_claims(const struct fs_views *v, uint64_t parent, const char *name)
{
	if (!v)
		return false;
	if (fs_views_owns(parent))
		return true;
	if (parent != FS_ROOT_INO)
		return false;
	return strcmp(name, BY_NAME) == 0 ||
	       (v->options.history &&
		(strcmp(name, HISTORY_NAME) == 0 || strcmp(name, CHANGES_NAME) == 0));
}

void fs_views_lookup(struct fs_views *v, fuse_req_t req, uint64_t parent, const char *name)
{
	struct error err = {0};
	if (parent == FS_ROOT_INO) {
		uint64_t ino = strcmp(name, BY_NAME) == 0	 ? VIEW_INO_BY
			       : strcmp(name, HISTORY_NAME) == 0 ? VIEW_INO_HISTORY
								 : VIEW_INO_CHANGES;
		reply_entry(v, req, fs_views_node(v, ino));
		return;
	}
	struct fs_view_node *dir = fs_views_node(v, parent);
	if (!dir) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (!is_dir_kind(dir->kind)) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	struct fs_view_node *n = NULL;
	int rc;
	switch (dir->kind) {
	case VIEW_BY:
	case VIEW_BY_OBJECT:
	case VIEW_BY_FIELD:
	case VIEW_BY_VALUE:
		rc = fs_view_by_lookup(v, dir, name, &n, &err);
		break;
	case VIEW_HISTORY:
	case VIEW_HISTORY_OBJECT:
	case VIEW_HISTORY_RECORD:
		rc = fs_view_history_lookup(v, dir, name, &n, &err);
		break;
	default:
		rc = -ENOENT;
		break;
	}
	if (rc)
		reply_error(req, rc, &err);
	else
		reply_entry(v, req, n);
}

void fs_views_getattr(struct fs_views *v, fuse_req_t req, uint64_t ino)
{
	struct fs_view_node *n = fs_views_node(v, ino);
	if (!n) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	struct stat st;
	fs_views_fill_attr(v, n, &st);
	fuse_reply_attr(req, &st, 0);
}

int fs_views_stat(struct fs_views *v, uint64_t ino, struct stat *st)
{
	struct fs_view_node *n = fs_views_node(v, ino);
	if (!n)
		return -ENOENT;
	fs_views_fill_attr(v, n, st);
	return 0;
}

static void dir_free(struct fs_view_dir *d)
{
	if (!d)
		return;
	g_ptr_array_free(d->nodes, TRUE);
	g_free(d);
}

void fs_views_opendir(struct fs_views *v, fuse_req_t req, uint64_t ino, struct fuse_file_info *fi)
{
	struct fs_view_node *n = fs_views_node(v, ino);
	if (!n) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (!is_dir_kind(n->kind)) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	struct fs_view_dir *d = g_new0(struct fs_view_dir, 1);
	d->nodes = g_ptr_array_new();
	d->self = n->ino;
	d->parent = n->parent;
	struct error err = {0};
	int rc;
	switch (n->kind) {
	case VIEW_BY:
	case VIEW_BY_OBJECT:
	case VIEW_BY_FIELD:
	case VIEW_BY_VALUE:
		rc = fs_view_by_list(v, n, d, &err);
		break;
	case VIEW_HISTORY:
	case VIEW_HISTORY_OBJECT:
	case VIEW_HISTORY_RECORD:
		rc = fs_view_history_list(v, n, d, &err);
		break;
	default:
		rc = -ENOENT;
		break;
	}
	if (rc) {
		if (err.message[0])
			log_warn("%s", err.message);
		dir_free(d);
		fuse_reply_err(req, -rc);
		return;
	}
	fi->fh = (uint64_t)(uintptr_t)d;
	if (fuse_reply_open(req, fi) != 0)
		dir_free(d);
}

void fs_views_readdir(struct fs_views *v, fuse_req_t req, uint64_t ino, size_t size, off_t off,
		      struct fuse_file_info *fi, bool plus)
{
	struct fs_view_dir *d = (struct fs_view_dir *)(uintptr_t)fi->fh;
	char *buf = g_malloc(size);
	size_t used = 0;
	for (off_t i = off; i < (off_t)d->nodes->len + 2; i++) {
		struct fuse_entry_param e = {0};
		const char *name;
		if (i < 2) {
			name = i == 0 ? "." : "..";
			e.ino = i == 0 ? d->self : d->parent;
			e.attr.st_ino = e.ino;
			e.attr.st_mode = S_IFDIR | (0555 & ~v->options.umask);
			if (plus) {
				/* "." and ".." carry no entry: the kernel ignores them. */
				e.ino = 0;
			}
		} else {
			const struct fs_view_node *n = g_ptr_array_index(d->nodes, i - 2);
			name = n->name;
			e.ino = n->ino;
			fs_views_fill_attr(v, n, &e.attr);
		}
		size_t room = size - used;
		size_t need = plus ? fuse_add_direntry_plus(req, buf + used, room, name, &e, i + 1)
				   : fuse_add_direntry(req, buf + used, room, name, &e.attr, i + 1);
		if (need > room)
			break;
		used += need;
	}
	fuse_reply_buf(req, buf, used);
	g_free(buf);
}

void fs_views_releasedir(struct fs_views *v, fuse_req_t req, uint64_t ino,
			 struct fuse_file_info *fi)
{
	dir_free((struct fs_view_dir *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

void fs_views_readlink(struct fs_views *v, fuse_req_t req, uint64_t ino)
{
	struct fs_view_node *n = fs_views_node(v, ino);
	if (!n || n->kind != VIEW_BY_LINK)
		fuse_reply_err(req, n ? EINVAL : ENOENT);
	else
		fuse_reply_readlink(req, n->target);
}

/* An open view file. */
struct view_handle {
	GBytes *bytes;		       /* a history file */
	struct fs_view_reader *reader; /* .changes */
};

void fs_views_open(struct fs_views *v, fuse_req_t req, uint64_t ino, struct fuse_file_info *fi)
{
	struct fs_view_node *n = fs_views_node(v, ino);
	if (!n) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (is_dir_kind(n->kind)) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC)) {
		fuse_reply_err(req, EROFS);
		return;
	}
	struct view_handle *h = g_new0(struct view_handle, 1);
	struct error err = {0};
	int rc = 0;
	if (n->kind == VIEW_HISTORY_FILE) {
		rc = fs_view_history_content(v, n, &h->bytes, &err);
		fi->keep_cache = 1; /* an earlier version never changes */
	} else if (n->kind == VIEW_CHANGES && v->changes) {
		/* Every read asks for the lines after the reader's own position. */
		h->reader = fs_view_changes_open(v);
		fi->direct_io = 1;
	} else {
		rc = -EINVAL;
	}
	if (rc) {
		if (rc != -ENOENT && err.message[0])
			log_warn("%s", err.message);
		g_free(h);
		fuse_reply_err(req, -rc);
		return;
	}
	fi->fh = (uint64_t)(uintptr_t)h;
	fi->noflush = 1;
	if (fuse_reply_open(req, fi) != 0) {
		if (h->bytes)
			g_bytes_unref(h->bytes);
		if (h->reader)
			fs_view_changes_close(v, h->reader);
		g_free(h);
	}
}

void fs_views_read(struct fs_views *v, fuse_req_t req, uint64_t ino, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	struct view_handle *h = (struct view_handle *)(uintptr_t)fi->fh;
	if (h && h->reader) {
		/* A stream: the offset is the reader's own, whatever the kernel's says; at the
		 * end a read answers 0 bytes, and `tail -f` waits for the size to grow. */
		GBytes *bytes = fs_view_changes_read(v, h->reader, size);
		gsize len;
		const char *data = g_bytes_get_data(bytes, &len);
		fuse_reply_buf(req, data, len);
		g_bytes_unref(bytes);
		return;
	}
	if (!h || !h->bytes) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	/* The reply completes the request, and with it the kernel may send RELEASE, which
	 * another thread answers by freeing the handle's bytes while this writev() has not
	 * returned yet: they are held until it has (ASan reads the buffer after the call). */
	GBytes *bytes = g_bytes_ref(h->bytes);
	gsize len;
	const char *data = g_bytes_get_data(bytes, &len);
	if (off < 0 || (gsize)off >= len)
		fuse_reply_buf(req, NULL, 0);
	else
		fuse_reply_buf(req, data + off, MIN(size, len - (gsize)off));
	g_bytes_unref(bytes);
}

void fs_views_release(struct fs_views *v, fuse_req_t req, uint64_t ino, struct fuse_file_info *fi)
{
	struct view_handle *h = (struct view_handle *)(uintptr_t)fi->fh;
	if (h) {
		if (h->bytes)
			g_bytes_unref(h->bytes);
		if (h->reader)
			fs_view_changes_close(v, h->reader);
		g_free(h);
	}
	fuse_reply_err(req, 0);
}

void fs_views_poll(void *views)
{
	struct fs_views *v = views;
	if (v->changes)
		fs_view_changes_poll(v);
}
