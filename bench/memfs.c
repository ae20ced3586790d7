/*
 * memfs: the FUSE baseline of the benchmark (scripts/bench), "the FUSE limit of this
 * machine".
 *
 * At start it loads a directory tree from disk (directories and regular files, any
 * depth; the benchmark gives it a root with one directory of record files, like a
 * forcefs mount) into memory, then serves those bytes through the libfuse3 low-level
 * API with the loop and kernel cache settings `forcefs mount` uses
 * by default: fuse_session_loop_mt() with at most 16 threads and clone_fd off, entry
 * and attribute timeouts of 3600 s (negative entries too), readdirplus, keep_cache on
 * every open, no writeback cache. A request costs a hash lookup or an array index and
 * a copy, so its times are what FUSE itself costs here: the floor forcefs is compared
 * to.
 *
 * Files can be written too (create, write, truncate, chmod, chown, utimes, rename and
 * unlink of regular files, in memory only, lost at exit), so that the benchmark's write
 * section has the same floor for `sed -i` and `rsync`: the requests those tools make of
 * any FUSE filesystem, with no work behind them. Extended attributes answer ENOTSUP,
 * as forcefs answers for every name outside user.*, so the tools ask the same things.
 *
 *   memfs [-d] [-o entry_timeout=S,attr_timeout=S,OPT...] SOURCE MOUNTPOINT
 *
 *   SOURCE   directory to load (read once, before mounting)
 *   -d       log every FUSE request (libfuse's debug output)
 *   -o       entry_timeout=, attr_timeout= as in forcefs (seconds, default 3600); other
 *            options go to libfuse and the kernel (allow_other, fsname=, ...)
 *
 * It stays in the foreground until unmounted (fusermount3 -u MOUNTPOINT) or sent
 * SIGINT/SIGTERM. The inode number of a node is its index in the node table plus 1
 * (the root is 1); nodes live until exit, so lookups need no counting.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

struct node {
	char *name;	     /* NULL for the root */
	struct stat st;	     /* as on disk, with st_ino = our inode number */
	char *data;	     /* regular files: the bytes (st.st_size of them) */
	size_t capacity;     /* bytes allocated at data (written files) */
	bool written;	     /* written since it was loaded (or created): its bytes can move */
	fuse_ino_t parent;   /* the root is its own parent */
	guint slot;	     /* index in the parent's children */
	GHashTable *by_name; /* directories: name -> inode number */
	GArray *children;    /* directories: inode numbers (fuse_ino_t), in name order */
};

struct memfs {
	GRWLock lock;	  /* held to read by lookups and reads, to write by writes */
	GPtrArray *nodes; /* struct node *, index = inode number - 1 */
	double entry_timeout;
	double attr_timeout;
	size_t files;
	size_t bytes;
};

/* --- loading ------------------------------------------------------------------------ */

static fuse_ino_t add_node(struct memfs *fs, const char *name, const struct stat *st,
			   fuse_ino_t parent)
{
	struct node *n = g_new0(struct node, 1);
	n->name = g_strdup(name);
	n->st = *st;
	n->st.st_ino = fs->nodes->len + 1;
	n->st.st_dev = 0;
	n->parent = parent ? parent : n->st.st_ino;
	if (S_ISDIR(st->st_mode)) {
		n->by_name = g_hash_table_new(g_str_hash, g_str_equal);
		n->children = g_array_new(FALSE, FALSE, sizeof(fuse_ino_t));
	}
	g_ptr_array_add(fs->nodes, n);
	return n->st.st_ino;
}

static struct node *node_of(const struct memfs *fs, fuse_ino_t ino)
{
	if (ino == 0 || ino > fs->nodes->len)
		return NULL;
	return g_ptr_array_index(fs->nodes, ino - 1);
}

static int read_file(const char *path, struct node *n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t size = (size_t)n->st.st_size, done = 0;
	n->data = g_malloc(size ? size : 1);
	n->capacity = size ? size : 1;
	while (done < size) {
		ssize_t got = read(fd, n->data + done, size - done);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			if (got == 0)
				errno = EIO; /* shrank while we read it */
			close(fd);
			return -1;
		}
		done += (size_t)got;
	}
	close(fd);
	return 0;
}

static int compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Loads the entries of directory `path` (node `ino`) and below. */
static int load_dir(struct memfs *fs, const char *path, fuse_ino_t ino)
{
	DIR *d = opendir(path);
	if (!d) {
		fprintf(stderr, "memfs: cannot open directory %s: %s\n", path, strerror(errno));
		return -1;
	}
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	struct dirent *de;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			g_ptr_array_add(names, g_strdup(de->d_name));
	closedir(d);
	g_ptr_array_sort(names, compare_names);

	int rc = 0;
	for (guint i = 0; i < names->len && rc == 0; i++) {
		const char *name = g_ptr_array_index(names, i);
		char *child_path = g_build_filename(path, name, NULL);
		struct stat st;
		if (lstat(child_path, &st) != 0) {
			fprintf(stderr, "memfs: cannot stat %s: %s\n", child_path, strerror(errno));
			rc = -1;
		} else if (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) {
			fuse_ino_t child = add_node(fs, name, &st, ino);
			struct node *dir = node_of(fs, ino), *n = node_of(fs, child);
			g_hash_table_insert(dir->by_name, n->name, GSIZE_TO_POINTER(child));
			n->slot = dir->children->len;
			g_array_append_val(dir->children, child);
			if (S_ISDIR(st.st_mode)) {
				rc = load_dir(fs, child_path, child);
			} else if (read_file(child_path, n) != 0) {
				fprintf(stderr, "memfs: cannot read %s: %s\n", child_path,
					strerror(errno));
				rc = -1;
			} else {
				fs->files++;
				fs->bytes += (size_t)st.st_size;
			}
		} else {
			fprintf(stderr, "memfs: skipping %s: not a directory or regular file\n",
				child_path);
		}
		g_free(child_path);
	}
	g_ptr_array_free(names, TRUE);
	return rc;
}

static int load_tree(struct memfs *fs, const char *source)
{
	struct stat st;
	if (stat(source, &st) != 0) {
		fprintf(stderr, "memfs: %s: %s\n", source, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "memfs: %s: not a directory\n", source);
		return -1;
	}
	fs->nodes = g_ptr_array_new();
	fuse_ino_t root = add_node(fs, NULL, &st, 0);
	g_assert(root == FUSE_ROOT_ID);
	return load_dir(fs, source, root);
}

/* --- FUSE operations -------------------------------------------------------------------- */

static void fill_entry(const struct memfs *fs, const struct node *n, struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	e->ino = n->st.st_ino;
	e->attr = n->st;
	e->attr_timeout = fs->attr_timeout;
	e->entry_timeout = fs->entry_timeout;
}

/* Takes name `name` out of directory `dir` (the node lives on: open files keep it). */
static void unlink_name(struct memfs *fs, struct node *dir, const char *name)
{
	struct node *n = node_of(fs, GPOINTER_TO_SIZE(g_hash_table_lookup(dir->by_name, name)));
	if (!n)
		return;
	g_hash_table_remove(dir->by_name, name);
	guint last = dir->children->len - 1;
	fuse_ino_t moved = g_array_index(dir->children, fuse_ino_t, last);
	g_array_index(dir->children, fuse_ino_t, n->slot) = moved;
	node_of(fs, moved)->slot = n->slot;
	g_array_set_size(dir->children, last);
}

static struct node *dir_of(struct memfs *fs, fuse_ino_t ino, int *err)
{
	struct node *dir = node_of(fs, ino);
	*err = !dir ? ENOENT : !dir->by_name ? ENOTDIR : 0;
	return *err ? NULL : dir;
}

static void resize_data(struct node *n, size_t size)
{
	if (size > n->capacity) {
		n->capacity = size > 2 * n->capacity ? size : 2 * n->capacity;
		n->data = g_realloc(n->data, n->capacity);
	}
	if (size > (size_t)n->st.st_size)
		memset(n->data + n->st.st_size, 0, size - (size_t)n->st.st_size);
	n->st.st_size = (off_t)size;
}

/* Before the first change to a loaded file's bytes: they move to a buffer of their own,
 * and the loaded one stays (until exit, like every node) for reads still sending it. */
static void make_written(struct node *n)
{
	if (n->written)
		return;
	n->data = g_memdup2(n->data, n->capacity);
	n->written = true;
}

static void mem_init(void *userdata, struct fuse_conn_info *conn)
{
	/* The settings forcefs's init asks for, so that only the work per request differs. */
	conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
	if (conn->capable & FUSE_CAP_READDIRPLUS)
		conn->want |= FUSE_CAP_READDIRPLUS;
	if (conn->capable & FUSE_CAP_PARALLEL_DIROPS)
		conn->want |= FUSE_CAP_PARALLEL_DIROPS;
	conn->max_readahead = 128 * 1024;
}

static void mem_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct memfs *fs = fuse_req_userdata(req);
	int err;
	g_rw_lock_reader_lock(&fs->lock);
	struct node *dir = dir_of(fs, parent, &err);
	struct fuse_entry_param e;
	struct node *n =
	    dir ? node_of(fs, GPOINTER_TO_SIZE(g_hash_table_lookup(dir->by_name, name))) : NULL;
	if (n) {
		fill_entry(fs, n, &e);
	} else {
		/* A negative entry, cached as long as a positive one (as forcefs does). */
		memset(&e, 0, sizeof(e));
		e.entry_timeout = fs->entry_timeout;
	}
	g_rw_lock_reader_unlock(&fs->lock);
	if (err)
		fuse_reply_err(req, err);
	else
		fuse_reply_entry(req, &e);
}

static void mem_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct memfs *fs = fuse_req_userdata(req);
	g_rw_lock_reader_lock(&fs->lock);
	struct node *n = node_of(fs, ino);
	struct stat st = n ? n->st : (struct stat){0};
	g_rw_lock_reader_unlock(&fs->lock);
	if (!n)
		fuse_reply_err(req, ENOENT);
	else
		fuse_reply_attr(req, &st, fs->attr_timeout);
}

static void list_dir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, bool plus)
{
	struct memfs *fs = fuse_req_userdata(req);
	g_rw_lock_reader_lock(&fs->lock);
	struct node *dir = node_of(fs, ino);
	if (!dir || !dir->children) {
		g_rw_lock_reader_unlock(&fs->lock);
		fuse_reply_err(req, dir ? ENOTDIR : ENOENT);
		return;
	}
	/* Offsets: 0 is ".", 1 is "..", 2 + i is the i-th child; an entry's cookie is the next. */
	char *buf = g_malloc(size);
	size_t used = 0;
	off_t end = (off_t)dir->children->len + 2;
	for (off_t i = off < 0 ? 0 : off; i < end; i++) {
		fuse_ino_t child = i == 0   ? ino
				   : i == 1 ? dir->parent
					    : g_array_index(dir->children, fuse_ino_t, i - 2);
		const struct node *n = node_of(fs, child);
		const char *name = i == 0 ? "." : i == 1 ? ".." : n->name;
		size_t need;
		if (plus) {
			struct fuse_entry_param e;
			fill_entry(fs, n, &e);
			need =
			    fuse_add_direntry_plus(req, buf + used, size - used, name, &e, i + 1);
		} else {
			need = fuse_add_direntry(req, buf + used, size - used, name, &n->st, i + 1);
		}
		if (need > size - used)
			break;
		used += need;
	}
	g_rw_lock_reader_unlock(&fs->lock);
	fuse_reply_buf(req, buf, used);
	g_free(buf);
}

static void mem_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			struct fuse_file_info *fi)
{
	list_dir(req, ino, size, off, false);
}

static void mem_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			    struct fuse_file_info *fi)
{
	list_dir(req, ino, size, off, true);
}

static void mem_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct memfs *fs = fuse_req_userdata(req);
	bool writes = (fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC);
	if (writes)
		g_rw_lock_writer_lock(&fs->lock);
	else
		g_rw_lock_reader_lock(&fs->lock);
	struct node *n = node_of(fs, ino);
	bool is_dir = n && S_ISDIR(n->st.st_mode);
	if (n && !is_dir && writes)
		make_written(n);
	if (n && !is_dir && (fi->flags & O_TRUNC))
		resize_data(n, 0);
	bool written = n && n->written;
	if (writes)
		g_rw_lock_writer_unlock(&fs->lock);
	else
		g_rw_lock_reader_unlock(&fs->lock);
	if (!n) {
		fuse_reply_err(req, ENOENT);
	} else if (is_dir) {
		fuse_reply_err(req, EISDIR);
	} else {
		/* The loaded bytes never change; a file written since is served uncached. */
		fi->keep_cache = !written;
		fi->direct_io = written;
		if (!writes)
			fi->noflush = 1; /* as forcefs does for readers */
		fuse_reply_open(req, fi);
	}
}

static void mem_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	struct memfs *fs = fuse_req_userdata(req);
	g_rw_lock_reader_lock(&fs->lock);
	struct node *n = node_of(fs, ino);
	size_t len = (size_t)n->st.st_size;
	size_t count = off < 0 || (size_t)off >= len ? 0
		       : len - (size_t)off < size    ? len - (size_t)off
						     : size;
	const char *from = n->data + (count ? off : 0);
	/* Loaded bytes never move (make_written() leaves them in place): sent as they are,
	 * no copy, so reads cost what they did before memfs took writes. */
	char *copy = n->written ? g_memdup2(from, count) : NULL;
	g_rw_lock_reader_unlock(&fs->lock);
	fuse_reply_buf(req, copy ? copy : from, count);
	g_free(copy);
}

static void mem_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	fuse_reply_err(req, 0);
}

static void mem_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct memfs *fs = fuse_req_userdata(req);
	struct statvfs st = {
	    .f_bsize = 4096,
	    .f_frsize = 4096,
	    .f_blocks = (fs->bytes + 4095) / 4096,
	    .f_files = fs->nodes->len,
	    .f_namemax = 255,
	};
	fuse_reply_statfs(req, &st);
}

static void mem_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		       struct fuse_file_info *fi)
{
	struct memfs *fs = fuse_req_userdata(req);
	const struct fuse_ctx *who = fuse_req_ctx(req);
	int err;
	g_rw_lock_writer_lock(&fs->lock);
	struct node *dir = dir_of(fs, parent, &err);
	if (dir && g_hash_table_contains(dir->by_name, name))
		err = EEXIST;
	if (err) {
		g_rw_lock_writer_unlock(&fs->lock);
		fuse_reply_err(req, err);
		return;
	}
	struct stat st = {.st_mode = S_IFREG | (mode & 07777 & ~who->umask),
			  .st_nlink = 1,
			  .st_uid = who->uid,
			  .st_gid = who->gid};
	clock_gettime(CLOCK_REALTIME, &st.st_mtim);
	st.st_ctim = st.st_atim = st.st_mtim;
	fuse_ino_t ino = add_node(fs, name, &st, parent);
	struct node *n = node_of(fs, ino);
	n->written = true; /* no loaded bytes to keep in place */
	g_hash_table_insert(dir->by_name, n->name, GSIZE_TO_POINTER(ino));
	n->slot = dir->children->len;
	g_array_append_val(dir->children, ino);
	struct fuse_entry_param e;
	fill_entry(fs, n, &e);
	g_rw_lock_writer_unlock(&fs->lock);
	fi->direct_io = 1; /* its bytes change: no page cache to keep right */
	fuse_reply_create(req, &e, fi);
}

static void mem_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		      struct fuse_file_info *fi)
{
	struct memfs *fs = fuse_req_userdata(req);
	g_rw_lock_writer_lock(&fs->lock);
	struct node *n = node_of(fs, ino);
	if (fi->flags & O_APPEND)
		off = n->st.st_size;
	if ((size_t)off + size > (size_t)n->st.st_size)
		resize_data(n, (size_t)off + size);
	memcpy(n->data + off, buf, size);
	clock_gettime(CLOCK_REALTIME, &n->st.st_mtim);
	g_rw_lock_writer_unlock(&fs->lock);
	fuse_reply_write(req, size);
}

static void mem_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
			struct fuse_file_info *fi)
{
	struct memfs *fs = fuse_req_userdata(req);
	g_rw_lock_writer_lock(&fs->lock);
	struct node *n = node_of(fs, ino);
	if (!n) {
		g_rw_lock_writer_unlock(&fs->lock);
		fuse_reply_err(req, ENOENT);
		return;
	}
	if ((to_set & FUSE_SET_ATTR_SIZE) && S_ISREG(n->st.st_mode)) {
		make_written(n);
		resize_data(n, (size_t)attr->st_size);
	}
	if (to_set & FUSE_SET_ATTR_MODE)
		n->st.st_mode = (n->st.st_mode & S_IFMT) | (attr->st_mode & 07777);
	if (to_set & FUSE_SET_ATTR_UID)
		n->st.st_uid = attr->st_uid;
	if (to_set & FUSE_SET_ATTR_GID)
		n->st.st_gid = attr->st_gid;
	if (to_set & FUSE_SET_ATTR_ATIME)
		n->st.st_atim = attr->st_atim;
	if (to_set & FUSE_SET_ATTR_MTIME)
		n->st.st_mtim = attr->st_mtim;
	if (to_set & (FUSE_SET_ATTR_MTIME_NOW | FUSE_SET_ATTR_ATIME_NOW)) {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		if (to_set & FUSE_SET_ATTR_MTIME_NOW)
			n->st.st_mtim = now;
		if (to_set & FUSE_SET_ATTR_ATIME_NOW)
			n->st.st_atim = now;
	}
	struct stat st = n->st;
	g_rw_lock_writer_unlock(&fs->lock);
	fuse_reply_attr(req, &st, fs->attr_timeout);
}

static void mem_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		       const char *newname, unsigned int flags)
{
	struct memfs *fs = fuse_req_userdata(req);
	int err = flags ? EINVAL : parent != newparent ? EXDEV : 0;
	g_rw_lock_writer_lock(&fs->lock);
	struct node *dir = err ? NULL : dir_of(fs, parent, &err);
	struct node *n =
	    dir ? node_of(fs, GPOINTER_TO_SIZE(g_hash_table_lookup(dir->by_name, name))) : NULL;
	if (dir && !n)
		err = ENOENT;
	else if (n && !S_ISREG(n->st.st_mode))
		err = EPERM; /* the benchmark renames files only */
	if (!err) {
		unlink_name(fs, dir, newname);
		unlink_name(fs, dir, name);
		g_free(n->name);
		n->name = g_strdup(newname);
		g_hash_table_insert(dir->by_name, n->name, GSIZE_TO_POINTER(n->st.st_ino));
		n->slot = dir->children->len;
		g_array_append_val(dir->children, n->st.st_ino);
	}
	g_rw_lock_writer_unlock(&fs->lock);
	fuse_reply_err(req, err);
}

static void mem_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct memfs *fs = fuse_req_userdata(req);
	int err;
	g_rw_lock_writer_lock(&fs->lock);
	struct node *dir = dir_of(fs, parent, &err);
	if (dir && !g_hash_table_contains(dir->by_name, name))
		err = ENOENT;
	if (!err)
		unlink_name(fs, dir, name);
	g_rw_lock_writer_unlock(&fs->lock);
	fuse_reply_err(req, err);
}

static void mem_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	fuse_reply_err(req, 0);
}

static void mem_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	fuse_reply_err(req, ENOTSUP);
}

static void mem_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
			 size_t size, int flags)
{
	fuse_reply_err(req, ENOTSUP);
}

static const struct fuse_lowlevel_ops mem_ops = {
    .init = mem_init,
    .lookup = mem_lookup,
    .getattr = mem_getattr,
    .readdir = mem_readdir,
    .readdirplus = mem_readdirplus,
    .open = mem_open,
    .read = mem_read,
    .release = mem_release,
    .statfs = mem_statfs,
    .create = mem_create,
    .write = mem_write,
    .setattr = mem_setattr,
    .rename = mem_rename,
    .unlink = mem_unlink,
    .flush = mem_flush,
    .getxattr = mem_getxattr,
    .setxattr = mem_setxattr,
};

/* --- command line ------------------------------------------------------------------------ */

struct cmdline {
	double entry_timeout;
	double attr_timeout;
	const char *source;
	const char *mountpoint;
	int help;
};

enum { KEY_HELP, KEY_FOREGROUND };

static const struct fuse_opt opt_table[] = {
    {"entry_timeout=%lf", offsetof(struct cmdline, entry_timeout), 0},
    {"attr_timeout=%lf", offsetof(struct cmdline, attr_timeout), 0},
    FUSE_OPT_KEY("-h", KEY_HELP),
    FUSE_OPT_KEY("--help", KEY_HELP),
    FUSE_OPT_KEY("-f", KEY_FOREGROUND),
    FUSE_OPT_END,
};

static int opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	struct cmdline *cl = data;
	switch (key) {
	case KEY_HELP:
		cl->help = 1;
		return 0;
	case KEY_FOREGROUND:
		return 0; /* always in the foreground */
	case FUSE_OPT_KEY_NONOPT:
		if (!cl->source)
			cl->source = arg;
		else if (!cl->mountpoint)
			cl->mountpoint = arg;
		else
			return -1;
		return 0;
	default:
		return 1; /* -d and -o options go to libfuse */
	}
}

static void usage(FILE *out)
{
	fprintf(out, "usage: memfs [-d] [-o entry_timeout=S,attr_timeout=S,OPT...] SOURCE "
		     "MOUNTPOINT\n"
		     "Serves a copy of SOURCE, loaded into memory, at MOUNTPOINT until "
		     "unmounted.\n");
}

int main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct cmdline cl = {.entry_timeout = 3600.0, .attr_timeout = 3600.0};
	if (fuse_opt_parse(&args, &cl, opt_table, opt_proc) != 0 || cl.help || !cl.mountpoint ||
	    cl.entry_timeout < 0 || cl.attr_timeout < 0) {
		usage(cl.help ? stdout : stderr);
		fuse_opt_free_args(&args);
		return cl.help ? 0 : 2;
	}

	struct memfs fs = {.entry_timeout = cl.entry_timeout, .attr_timeout = cl.attr_timeout};
	g_rw_lock_init(&fs.lock);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (load_tree(&fs, cl.source) != 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "memfs: loaded %zu files, %zu bytes from %s in %.2f s\n", fs.files,
		fs.bytes, cl.source,
		(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);

	int rc = 1;
	struct fuse_session *se = fuse_session_new(&args, &mem_ops, sizeof(mem_ops), &fs);
	if (!se)
		goto out;
	if (fuse_set_signal_handlers(se) != 0)
		goto destroy;
	if (fuse_session_mount(se, cl.mountpoint) != 0)
		goto handlers;
	struct fuse_loop_config *loop = fuse_loop_cfg_create();
	fuse_loop_cfg_set_clone_fd(loop, 0);
	fuse_loop_cfg_set_max_threads(loop, 16);
	rc = fuse_session_loop_mt(se, loop) < 0 ? 1 : 0;
	fuse_loop_cfg_destroy(loop);
	fuse_session_unmount(se);
handlers:
	fuse_remove_signal_handlers(se);
destroy:
	fuse_session_destroy(se);
out:
	fuse_opt_free_args(&args);
	/* The tree is left to the exit: freeing 100,000 nodes one by one only costs time. */
	return rc;
}
