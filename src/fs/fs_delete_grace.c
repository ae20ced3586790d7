#include "fs_delete_grace.h"

struct fs_delete_grace {
	int64_t delay_ms;
	GArray *armed; /* struct fs_pending_delete; a handful at a time, so a list will do */
};

static void pending_delete_clear(gpointer data)
{
	struct fs_pending_delete *d = data;
	g_free(d->name);
	d->name = NULL;
}

GArray *fs_pending_delete_array_new(void)
{
	GArray *a = g_array_new(FALSE, FALSE, sizeof(struct fs_pending_delete));
	g_array_set_clear_func(a, pending_delete_clear);
	return a;
}

struct fs_delete_grace *fs_delete_grace_new(int64_t delay_ms)
{
	struct fs_delete_grace *grace = g_new0(struct fs_delete_grace, 1);
	grace->delay_ms = delay_ms;
	grace->armed = fs_pending_delete_array_new();
	return grace;
}

void fs_delete_grace_free(struct fs_delete_grace *grace)
{
	if (!grace)
		return;
	g_array_free(grace->armed, TRUE);
	g_free(grace);
}

int64_t fs_delete_grace_delay_ms(const struct fs_delete_grace *grace)
{
	return grace->delay_ms;
}

static struct fs_pending_delete *find(const struct fs_delete_grace *grace, size_t object,
				      int64_t id, guint *index)
{
	for (guint i = 0; i < grace->armed->len; i++) {
		struct fs_pending_delete *d =
		    &g_array_index(grace->armed, struct fs_pending_delete, i);
		if (d->object == object && d->id == id) {
			if (index)
				*index = i;
			return d;
		}
	}
	return NULL;
}

void fs_delete_grace_arm(struct fs_delete_grace *grace, size_t object, int64_t id, const char *name,
			 int64_t now_ms)
{
	struct fs_pending_delete *d = find(grace, object, id, NULL);
	if (d) {
		if (!d->committing) {
			g_free(d->name);
			d->name = g_strdup(name);
			d->due_ms = now_ms + grace->delay_ms;
		}
		return;
	}
	struct fs_pending_delete fresh = {object, id, g_strdup(name), now_ms + grace->delay_ms,
					  false};
	g_array_append_val(grace->armed, fresh);
}

bool fs_delete_grace_cancel(struct fs_delete_grace *grace, size_t object, int64_t id)
{
	guint index;
	struct fs_pending_delete *d = find(grace, object, id, &index);
	if (!d || d->committing)
		return false;
	g_array_remove_index_fast(grace->armed, index);
	return true;
}

bool fs_delete_grace_committing(const struct fs_delete_grace *grace, size_t object, int64_t id)
{
	struct fs_pending_delete *d = find(grace, object, id, NULL);
	return d && d->committing;
}

static struct fs_pending_delete copy_of(const struct fs_pending_delete *d)
{
	struct fs_pending_delete c = *d;
	c.name = g_strdup(d->name);
	return c;
}

size_t fs_delete_grace_take_due(struct fs_delete_grace *grace, int64_t now_ms, GArray *due)
{
	size_t n = 0;
	for (guint i = 0; i < grace->armed->len; i++) {
		struct fs_pending_delete *d =
		    &g_array_index(grace->armed, struct fs_pending_delete, i);
		if (d->committing || d->due_ms > now_ms)
			continue;
		d->committing = true;
		struct fs_pending_delete c = copy_of(d);
		g_array_append_val(due, c);
		n++;
	}
	return n;
}

void fs_delete_grace_done(struct fs_delete_grace *grace, size_t object, int64_t id)
{
	guint index;
	if (find(grace, object, id, &index))
		g_array_remove_index_fast(grace->armed, index);
}

size_t fs_delete_grace_take_all(struct fs_delete_grace *grace, GArray *out)
{
	size_t n = 0;
	for (guint i = 0; i < grace->armed->len; i++) {
		struct fs_pending_delete *d =
		    &g_array_index(grace->armed, struct fs_pending_delete, i);
		if (d->committing)
			continue;
		struct fs_pending_delete c = copy_of(d);
		g_array_append_val(out, c);
		n++;
	}
	g_array_set_size(grace->armed, 0);
	return n;
}
