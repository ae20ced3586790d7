#include "redact.h"

#include <glib.h>
#include <stdbool.h>
#include <string.h>

static bool is_secret_key(const char *key, size_t len)
{
	static const char *const words[] = {"pass", "secret", "token", "key", "sig", "auth"};
	char *lower = g_ascii_strdown(key, (gssize)len);
	bool secret = false;
	for (size_t i = 0; i < G_N_ELEMENTS(words) && !secret; i++)
		secret = strstr(lower, words[i]) != NULL;
	g_free(lower);
	return secret;
}

/* A secret found in the text: where it starts and how long it is. */
struct span {
	size_t at, len;
};

/* The password of "scheme://user:PW@host...": after the first ':' of the text between
 * "://" and the last '@' before the first '/', '?' or '#'. */
static bool userinfo_password(const char *url, struct span *out)
{
	const char *start = strstr(url, "://");
	if (!start)
		return false;
	start += 3;
	size_t authority = strcspn(start, "/?#");
	const char *at = g_strrstr_len(start, (gssize)authority, "@");
	const char *colon = at ? memchr(start, ':', (size_t)(at - start)) : NULL;
	if (!colon)
		return false;
	out->at = (size_t)(colon + 1 - url);
	out->len = (size_t)(at - colon - 1);
	return out->len > 0;
}

/* Values of secret-looking "key=value" items, separated by '&', '?', ';' or blanks
 * (a libpq keyword value may be single-quoted). */
static void secret_values(const char *url, GArray *spans)
{
	for (const char *eq = strchr(url, '='); eq; eq = strchr(eq + 1, '=')) {
		const char *key = eq;
		while (key > url && (g_ascii_isalnum(key[-1]) || key[-1] == '_' || key[-1] == '-'))
			key--;
		if (key == eq || !is_secret_key(key, (size_t)(eq - key)))
			continue;
		const char *v = eq + 1;
		while (*v == ' ')
			v++;
		size_t len;
		if (*v == '\'') {
			const char *close = v + 1;
			while (*close && !(*close == '\'' && close[-1] != '\\'))
				close++;
			len = (size_t)(close - v) + (*close ? 1 : 0);
		} else {
			len = strcspn(v, "&;# \t\n");
		}
		if (len > 0) {
			struct span s = {(size_t)(v - url), len};
			g_array_append_val(spans, s);
		}
	}
}

static GArray *secrets_of(const char *url)
{
	GArray *spans = g_array_new(FALSE, FALSE, sizeof(struct span));
	struct span pw;
	if (userinfo_password(url, &pw))
		g_array_append_val(spans, pw);
	secret_values(url, spans);
	return spans;
}

static gint by_start(gconstpointer a, gconstpointer b)
{
	const struct span *x = a, *y = b;
	return x->at < y->at ? -1 : x->at > y->at;
}

char *redact_url(const char *url)
{
	if (!url)
		return NULL;
	GArray *spans = secrets_of(url);
	g_array_sort(spans, by_start);
	GString *out = g_string_new(NULL);
	size_t pos = 0;
	for (guint i = 0; i < spans->len; i++) {
		const struct span *s = &g_array_index(spans, struct span, i);
		if (s->at < pos)
			continue; /* overlaps one already hidden */
		g_string_append_len(out, url + pos, (gssize)(s->at - pos));
		g_string_append(out, REDACTED);
		pos = s->at + s->len;
	}
	g_string_append(out, url + pos);
	g_array_free(spans, TRUE);
	return g_string_free(out, FALSE);
}

/* Replaces every occurrence of `needle` in `text` by `with`, left to right, never
 * looking again inside what was put in. */
static void replace_all(GString *text, const char *needle, const char *with)
{
	size_t n = strlen(needle), w = strlen(with);
	if (n == 0)
		return;
	size_t from = 0;
	char *hit;
	while (from <= text->len && (hit = strstr(text->str + from, needle)) != NULL) {
		gssize at = hit - text->str;
		g_string_erase(text, at, (gssize)n);
		g_string_insert(text, at, with);
		from = (size_t)at + w;
	}
}

char *redact_message(const char *message, const char *url)
{
	GString *out = g_string_new(message ? message : "");
	if (!url || !*url)
		return g_string_free(out, FALSE);
	char *shown = redact_url(url);
	replace_all(out, url, shown);
	g_free(shown);
	GArray *spans = secrets_of(url);
	for (guint i = 0; i < spans->len; i++) {
		const struct span *s = &g_array_index(spans, struct span, i);
		char *raw = g_strndup(url + s->at, s->len);
		char *decoded = g_uri_unescape_string(raw, NULL);
		/* A quoted libpq value: hide what is between the quotes too. */
		char *unquoted = s->len > 2 && raw[0] == '\'' ? g_strndup(raw + 1, s->len - 2) : NULL;
		/* Longest first, so a shorter form inside a longer one cannot leave a tail. */
		replace_all(out, raw, REDACTED);
		if (unquoted)
			replace_all(out, unquoted, REDACTED);
		if (decoded && strcmp(decoded, raw) != 0)
			replace_all(out, decoded, REDACTED);
		g_free(raw);
		g_free(decoded);
		g_free(unquoted);
	}
	g_array_free(spans, TRUE);
	return g_string_free(out, FALSE);
}
