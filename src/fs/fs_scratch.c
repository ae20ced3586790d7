#include "fs_scratch.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "log.h"

bool fs_scratch_is_record_name(const char *name)
{
	return g_str_has_suffix(name, ".json") && strlen(name) > strlen(".json") &&
	       name[0] != '.' && name[0] != '#';
}

int fs_scratch_room(struct fs_tree *tree, struct fs_object_state *os, struct error *err)
{
	const struct fs_tree_options *o = &tree->options;
	size_t here = g_hash_table_size(os->scratch), all = 0;
	for (size_t i = 0; i < tree->nobjects; i++)
		all += g_hash_table_size(tree->objects[i].scratch);
	int rc = 0;
	if (o->max_scratch_per_dir && here >= o->max_scratch_per_dir)
		rc = error_set(err, ENOSPC,
			       "%s/ already holds %zu files that are not records "
			       "(-o max_scratch_per_dir=%u)",
			       os->obj->table, here, o->max_scratch_per_dir);
	else if (o->max_scratch_files && all >= o->max_scratch_files)
		rc = error_set(err, ENOSPC,
			       "the mount already holds %zu files that are not records "
			       "(-o max_scratch_files=%u)",
			       all, o->max_scratch_files);
	if (rc)
		log_warn("a new file was refused: %s", err->message);
	return rc;
}

int fs_scratch_bytes_room(struct fs_tree *tree, size_t more, struct error *err)
{
	size_t max = tree->options.max_scratch_bytes;
	if (!max || more == 0)
		return 0;
	size_t held = 0;
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, tree->scratch_by_ino);
	while (g_hash_table_iter_next(&it, NULL, &value))
		held += ((struct fs_scratch *)value)->content->len;
	if (held + more <= max)
		return 0;
	return error_set(err, ENOSPC,
			 "files that are not records already hold %zu bytes (-o max_pending=%zu "
			 "MiB)",
			 held, max / (1024 * 1024));
}

struct fs_scratch *fs_scratch_new(struct fs_tree *tree, struct fs_object_state *os,
				  const char *name, mode_t mode, uid_t uid, gid_t gid)
{
	struct fs_scratch *sc = g_new0(struct fs_scratch, 1);
	sc->refs = 2; /* the directory's name and the inode table */
	sc->ino = tree->next_scratch_ino++;
	sc->object = fs_tree_object_index(tree, os);
	sc->name = g_strdup(name);
	sc->content = g_string_new(NULL);
	sc->mode = mode & 07777;
	sc->uid = uid;
	sc->gid = gid;
	clock_gettime(CLOCK_REALTIME, &sc->mtime);
	sc->record_candidate = fs_scratch_is_record_name(name);
	uint64_t *key = g_new(uint64_t, 1);
	*key = sc->ino;
	g_hash_table_insert(tree->scratch_by_ino, key, sc);
	g_hash_table_insert(os->scratch, g_strdup(name), sc);
	return sc;
}

void fs_scratch_remove_name(struct fs_tree *tree, struct fs_object_state *os, struct fs_scratch *sc)
{
	if (sc->hides) {
		g_hash_table_remove(os->hidden, sc->hides);
		fs_tree_inval_entry(tree, os->dir_ino, sc->hides);
		g_free(sc->hides);
		sc->hides = NULL;
	}
	char *name = sc->name;
	sc->name = NULL;
	uint64_t ino = sc->ino;
	bool drop_ino = g_hash_table_lookup(tree->scratch_by_ino, &ino) == sc && sc->record_id == 0;
	if (drop_ino)
		g_hash_table_remove(tree->scratch_by_ino, &ino);
	g_hash_table_remove(os->scratch, name); /* drops the directory's reference */
	g_free(name);
}

void fs_scratch_rename(struct fs_tree *tree, struct fs_object_state *os, struct fs_scratch *sc,
		       const char *newname)
{
	struct fs_scratch *old = g_hash_table_lookup(os->scratch, newname);
	if (old && old != sc)
		fs_scratch_remove_name(tree, os, old);
	sc->refs++; /* keep it alive across the re-keying */
	g_hash_table_remove(os->scratch, sc->name);
	g_free(sc->name);
	sc->name = g_strdup(newname);
	sc->record_candidate = fs_scratch_is_record_name(newname);
	g_hash_table_insert(os->scratch, g_strdup(newname), sc);
}

struct fs_scratch *fs_scratch_by_ino(struct fs_tree *tree, uint64_t ino,
				     struct fs_object_state **record_os, int64_t *record_id)
{
	struct fs_scratch *sc = g_hash_table_lookup(tree->scratch_by_ino, &ino);
	*record_os = sc && sc->record_id ? &tree->objects[sc->object] : NULL;
	*record_id = sc ? sc->record_id : 0;
	return sc && sc->record_id == 0 ? sc : NULL;
}
