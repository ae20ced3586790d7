/* fs_attr: the attributes of directories, records, scratch files and .errors. */
#include "fs_attr.h"

#include <string.h>

#include "fs_record_cold.h"

static struct timespec ms_to_timespec(int64_t ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
	return ts;
}

void fs_tree_fill_common(const struct fs_tree *tree, struct stat *st, uint64_t ino)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_uid = tree->options.uid;
	st->st_gid = tree->options.gid;
	st->st_blksize = 4096;
}

void fs_tree_fill_dir(const struct fs_tree *tree, struct stat *st, uint64_t ino)
{
	fs_tree_fill_common(tree, st, ino);
	st->st_mode = S_IFDIR | (0777 & ~tree->options.umask);
	st->st_nlink = 2;
	st->st_mtim = st->st_ctim = st->st_atim = ms_to_timespec(tree->mount_time_ms);
}

void fs_tree_fill_record(struct fs_tree *tree, const struct fs_object_state *os,
			 struct fs_record *rec, struct stat *st)
{
	fs_tree_fill_common(tree, st, fs_tree_record_ino(os, rec->id));
	st->st_mode =
	    S_IFREG | ((fs_tree_object_readonly(tree, os) ? 0444 : 0666) & ~tree->options.umask);
	st->st_nlink = 1;
	const GString *pending = rec_pending(os, rec);
	uint32_t size = pending ? (uint32_t)pending->len : rec->size;
	st->st_size = size;
	st->st_blocks = (size + 511) / 512;
	int64_t mtime = rec->mtime_ms >= 0 ? rec->mtime_ms : tree->mount_time_ms;
	if (rec_local_write_ms(os, rec) > mtime)
		mtime = rec_local_write_ms(os, rec);
	st->st_mtim = st->st_ctim = st->st_atim = ms_to_timespec(mtime);
	rec->kernel_size = size;
}

void fs_tree_fill_scratch(struct fs_tree *tree, const struct fs_scratch *sc, struct stat *st)
{
	fs_tree_fill_common(tree, st, sc->ino);
	st->st_mode = S_IFREG | (sc->mode & 07777);
	st->st_uid = sc->uid;
	st->st_gid = sc->gid;
	st->st_nlink = sc->name ? 1 : 0;
	st->st_size = (off_t)sc->content->len;
	st->st_blocks = (st->st_size + 511) / 512;
	st->st_mtim = st->st_ctim = st->st_atim = sc->mtime;
}

GString *fs_tree_render_errors(const struct fs_tree *tree, const struct fs_object_state *os)
{
	GString *out = g_string_new(NULL);
	for (guint i = 0; i < fs_record_set_len(&os->records); i++) {
		const struct fs_record *rec = fs_record_set_at(&os->records, i);
		if (!rec_cold(os, rec))
			continue;
		const char *name = fs_record_name(os, rec);
		if (rec_cold(os, rec)->fs_error)
			g_string_append_printf(out, "%s\tforcefs\t%s\n", name, rec_cold(os, rec)->fs_error);
		if (rec_cold(os, rec)->sf_error && strcmp(fs_record_lastop(tree, os, rec), "FAILED") == 0)
			g_string_append_printf(out, "%s\tsalesforce\t%s\n", name,
					       rec_cold(os, rec)->sf_error);
	}
	GHashTableIter it;
	gpointer key, value;
	g_hash_table_iter_init(&it, os->scratch);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		const struct fs_scratch *sc = value;
		if (sc->error)
			g_string_append_printf(out, "%s\tforcefs\t%s\n", sc->name, sc->error);
	}
	for (guint i = 0; i < os->bad_rows->len; i++)
		g_string_append_printf(out, "%s\n",
				       (const char *)g_ptr_array_index(os->bad_rows, i));
	return out;
}

void fs_tree_fill_errors(struct fs_tree *tree, const struct fs_object_state *os, struct stat *st)
{
	fs_tree_fill_common(tree, st, os->dir_ino + 1);
	st->st_mode = S_IFREG | 0444;
	st->st_nlink = 1;
	GString *text = fs_tree_render_errors(tree, os);
	st->st_size = (off_t)text->len;
	g_string_free(text, TRUE);
	st->st_mtim = st->st_ctim = st->st_atim = ms_to_timespec(tree->mount_time_ms);
}
