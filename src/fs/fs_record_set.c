#include "fs_record_set.h"

#include <string.h>

#define FS_NAME_BLOCK	   65536u /* a name reference is block << 16 | offset */
#define SLOT_EMPTY	   UINT64_C(0)
#define SLOT_REMOVED	   UINT64_MAX
#define SLOT_ID_BITS	   40
#define SLOT_ID_MASK	   ((UINT64_C(1) << SLOT_ID_BITS) - 1)
#define SLOT_MIN	   64u

G_STATIC_ASSERT(sizeof(struct fs_record) == 40);

void fs_record_set_init(struct fs_record_set *set)
{
	memset(set, 0, sizeof(*set));
	set->records = g_array_new(FALSE, FALSE, sizeof(struct fs_record));
	set->blocks = g_ptr_array_new_with_free_func(g_free);
}

void fs_record_set_clear(struct fs_record_set *set)
{
	g_array_free(set->records, TRUE);
	g_ptr_array_free(set->blocks, TRUE);
	g_free(set->slots);
	memset(set, 0, sizeof(*set));
}

guint fs_record_set_len(const struct fs_record_set *set)
{
	return set->records->len;
}

struct fs_record *fs_record_set_at(const struct fs_record_set *set, guint at)
{
	return &g_array_index(set->records, struct fs_record, at);
}

guint fs_record_set_find_index(const struct fs_record_set *set, int64_t id, bool *found)
{
	guint lo = 0, hi = set->records->len;
	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;
		if (fs_record_set_at(set, mid)->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < set->records->len && fs_record_set_at(set, lo)->id == id;
	return lo;
}

struct fs_record *fs_record_set_find(const struct fs_record_set *set, int64_t id)
{
	bool found;
	guint at = fs_record_set_find_index(set, id, &found);
	return found ? fs_record_set_at(set, at) : NULL;
}

/* --- the name arena -------------------------------------------------------------------- */

const char *fs_record_set_name(const struct fs_record_set *set, const struct fs_record *rec)
{
	const char *block = g_ptr_array_index(set->blocks, rec->name >> 16);
	return block + (rec->name & 0xffff);
}

static uint32_t arena_add(struct fs_record_set *set, const char *name)
{
	size_t len = strlen(name) + 1;
	g_assert(len <= 256);
	if (set->blocks->len == 0 || set->block_used + len > FS_NAME_BLOCK) {
		/* 2^16 blocks of 64 KiB: 4 GiB of names, far past any table's row ids. */
		g_assert(set->blocks->len < 65536);
		g_ptr_array_add(set->blocks, g_malloc(FS_NAME_BLOCK));
		set->block_used = 0;
	}
	uint32_t block = set->blocks->len - 1;
	uint32_t ref = block << 16 | set->block_used;
	memcpy((char *)g_ptr_array_index(set->blocks, block) + set->block_used, name, len);
	set->block_used += (uint32_t)len;
	return ref;
}

/* --- the index: row ids by name ---------------------------------------------------------- */

static uint64_t name_hash(const char *name)
{
	return (uint64_t)g_str_hash(name) * UINT64_C(0x9E3779B97F4A7C15);
}

/* The slot value of a name's record: 24 bits of its hash (to skip most mismatches
 * without looking at the record) and the row id. */
static uint64_t slot_value(uint64_t hash, int64_t id)
{
	return (hash & ~SLOT_ID_MASK) | (uint64_t)id;
}

static void index_put(struct fs_record_set *set, uint64_t hash, int64_t id)
{
	uint32_t i = (uint32_t)((hash >> 16) % set->nslots);
	while (set->slots[i] != SLOT_EMPTY && set->slots[i] != SLOT_REMOVED)
		i = i + 1 == set->nslots ? 0 : i + 1;
	if (set->slots[i] == SLOT_REMOVED)
		set->slots_removed--;
	set->slots[i] = slot_value(hash, id);
	set->slots_used++;
}

/* Rebuilds the index from the records, with room for `extra` more before it grows. */
static void index_rebuild(struct fs_record_set *set, guint extra)
{
	g_free(set->slots);
	set->nslots = MAX(SLOT_MIN, (set->records->len + extra) * 2);
	set->slots = g_new0(uint64_t, set->nslots);
	set->slots_used = set->slots_removed = 0;
	for (guint i = 0; i < set->records->len; i++) {
		const struct fs_record *rec = fs_record_set_at(set, i);
		index_put(set, name_hash(fs_record_set_name(set, rec)), rec->id);
	}
}

/* Adds `rec` (already in the array) to the index, growing it past 3/4 full. */
static void index_add(struct fs_record_set *set, const struct fs_record *rec)
{
	if ((uint64_t)(set->slots_used + set->slots_removed + 1) * 4 > (uint64_t)set->nslots * 3)
		index_rebuild(set, 0); /* includes rec */
	else
		index_put(set, name_hash(fs_record_set_name(set, rec)), rec->id);
}

static void index_remove(struct fs_record_set *set, const char *name, int64_t id)
{
	if (!set->slots)
		return;
	uint64_t hash = name_hash(name);
	uint64_t want = slot_value(hash, id);
	for (uint32_t i = (uint32_t)((hash >> 16) % set->nslots); set->slots[i] != SLOT_EMPTY;
	     i = i + 1 == set->nslots ? 0 : i + 1) {
		if (set->slots[i] == want) {
			set->slots[i] = SLOT_REMOVED;
			set->slots_used--;
			set->slots_removed++;
			return;
		}
	}
}

struct fs_record *fs_record_set_named(const struct fs_record_set *set, const char *name)
{
	if (!set->slots)
		return NULL;
	uint64_t hash = name_hash(name);
	for (uint32_t i = (uint32_t)((hash >> 16) % set->nslots); set->slots[i] != SLOT_EMPTY;
	     i = i + 1 == set->nslots ? 0 : i + 1) {
		uint64_t v = set->slots[i];
		if (v == SLOT_REMOVED || (v & ~SLOT_ID_MASK) != (hash & ~SLOT_ID_MASK))
			continue;
		struct fs_record *rec = fs_record_set_find(set, (int64_t)(v & SLOT_ID_MASK));
		if (rec && strcmp(fs_record_set_name(set, rec), name) == 0)
			return rec;
	}
	return NULL;
}

/* --- changes ------------------------------------------------------------------------------ */

struct fs_record *fs_record_set_insert(struct fs_record_set *set, guint at, int64_t id,
				       const char *name)
{
	g_assert(id > 0 && (uint64_t)id <= SLOT_ID_MASK);
	struct fs_record rec = {.id = id, .name = arena_add(set, name)};
	g_array_insert_val(set->records, at, rec);
	index_add(set, fs_record_set_at(set, at));
	return fs_record_set_at(set, at);
}

void fs_record_set_rename(struct fs_record_set *set, struct fs_record *rec, const char *name)
{
	index_remove(set, fs_record_set_name(set, rec), rec->id);
	rec->name = arena_add(set, name);
	index_add(set, rec);
}

void fs_record_set_remove(struct fs_record_set *set, guint at)
{
	const struct fs_record *rec = fs_record_set_at(set, at);
	index_remove(set, fs_record_set_name(set, rec), rec->id);
	g_array_remove_index(set->records, at);
}

void fs_record_set_filter(struct fs_record_set *set, bool (*keep)(struct fs_record *, void *),
			  void *ctx)
{
	guint kept = 0;
	for (guint i = 0; i < set->records->len; i++) {
		struct fs_record *rec = fs_record_set_at(set, i);
		if (!keep(rec, ctx))
			continue;
		if (kept != i)
			*fs_record_set_at(set, kept) = *rec;
		kept++;
	}
	if (kept == set->records->len)
		return;
	g_array_set_size(set->records, kept);
	index_rebuild(set, 0);
}

size_t fs_record_set_bytes(const struct fs_record_set *set)
{
	return (size_t)set->records->len * sizeof(struct fs_record) +
	       (size_t)set->blocks->len * FS_NAME_BLOCK + (size_t)set->nslots * sizeof(uint64_t);
}
