#include "sync_window.h"

#include <glib.h>
#include <string.h>

#include "sf_soql.h"

struct sync_cursor sync_window_poll_start(const struct sync_cursor *saved, int64_t overlap_ms)
{
	struct sync_cursor start = {0};
	if (saved->stamp_ms > 0)
		start.stamp_ms = saved->stamp_ms > overlap_ms ? saved->stamp_ms - overlap_ms : 1;
	return start;
}

char *sync_window_condition(const struct sync_cursor *from)
{
	if (from->stamp_ms <= 0 && !from->id[0])
		return NULL;
	char *t = sf_soql_datetime(from->stamp_ms > 0 ? from->stamp_ms : 0);
	if (!t)
		return NULL;
	char *cond;
	if (!from->id[0]) {
		cond = g_strdup_printf("SystemModstamp >= %s", t);
	} else {
		char *id = sf_soql_quote(from->id);
		cond = g_strdup_printf("(SystemModstamp > %s OR (SystemModstamp = %s AND Id > %s))",
				       t, t, id);
		g_free(id);
	}
	g_free(t);
	return cond;
}

char *sync_window_soql(const char *object, const char *const *fields, size_t nfields,
		       const struct sync_cursor *from, long limit)
{
	if (!sf_soql_is_api_name(object) || nfields == 0)
		return NULL;
	GString *q = g_string_new("SELECT ");
	for (size_t i = 0; i < nfields; i++) {
		if (!sf_soql_is_api_name(fields[i])) {
			g_string_free(q, TRUE);
			return NULL;
		}
		g_string_append_printf(q, "%s%s", i ? ", " : "", fields[i]);
	}
	g_string_append_printf(q, " FROM %s", object);
	char *cond = sync_window_condition(from);
	if (cond)
		g_string_append_printf(q, " WHERE %s", cond);
	g_free(cond);
	g_string_append(q, " ORDER BY SystemModstamp, Id");
	if (limit > 0)
		g_string_append_printf(q, " LIMIT %ld", limit);
	return g_string_free(q, FALSE);
}

bool sync_cursor_advance(struct sync_cursor *cursor, int64_t stamp_ms, const char *id)
{
	if (stamp_ms < cursor->stamp_ms)
		return false;
	/* Within one stamp, records arrive in the server's Id order: the later one wins. */
	if (stamp_ms == cursor->stamp_ms && strcmp(cursor->id, id ? id : "") == 0)
		return false;
	cursor->stamp_ms = stamp_ms;
	g_strlcpy(cursor->id, id ? id : "", sizeof(cursor->id));
	return true;
}
