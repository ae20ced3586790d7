#include "fs_view_name.h"

#include <glib.h>
#include <string.h>

char *fs_view_display(enum record_kind kind, const char *text)
{
	if (!text)
		return NULL;
	switch (kind) {
	case RECORD_KIND_STRING:
	case RECORD_KIND_DATE:
	case RECORD_KIND_TIME:
	case RECORD_KIND_OTHER:
		return g_strdup(text);
	default:
		break;
	}
	GString *out = g_string_new(NULL);
	record_render_value(kind, text, out);
	/* Timestamps and the float/numeric specials render as JSON strings of plain
	 * characters (no escapes): the display form drops the quotes. */
	if (out->len >= 2 && out->str[0] == '"' && out->str[out->len - 1] == '"' &&
	    !strchr(out->str, '\\')) {
		char *inner = g_strndup(out->str + 1, out->len - 2);
		g_string_free(out, TRUE);
		return inner;
	}
	return g_string_free(out, FALSE);
}

static void append_escape(GString *out, unsigned char byte)
{
	g_string_append_printf(out, "%%%02X", byte);
}

/* The name of a display form, without shortening. */
static GString *encode_bytes(const char *s)
{
	GString *out = g_string_new(NULL);
	size_t len = strlen(s);
	for (size_t i = 0; i < len;) {
		unsigned char b = (unsigned char)s[i];
		if (b < 0x80) {
			if (b == '%' || b == '/' || b < 0x20 || b == 0x7f || (i == 0 && b == '.'))
				append_escape(out, b);
			else
				g_string_append_c(out, (char)b);
			i++;
			continue;
		}
		gunichar c = g_utf8_get_char_validated(s + i, (gssize)(len - i));
		if (c == (gunichar)-1 || c == (gunichar)-2) {
			append_escape(out, b);
			i++;
			continue;
		}
		size_t n = (size_t)(g_utf8_next_char(s + i) - (s + i));
		g_string_append_len(out, s + i, (gssize)n);
		i += n;
	}
	return out;
}

char *fs_view_name_encode(enum record_kind kind, const char *text)
{
	if (!text)
		return g_strdup(FS_VIEW_NULL_NAME);
	char *display = fs_view_display(kind, text);
	if (!*display) {
		g_free(display);
		return g_strdup(FS_VIEW_EMPTY_NAME);
	}
	GString *name = encode_bytes(display);
	g_free(display);
	if (name->len <= FS_VIEW_NAME_MAX)
		return g_string_free(name, FALSE);
	/* Cut at a boundary that splits neither a %XX escape nor a UTF-8 character. */
	size_t cut = FS_VIEW_NAME_MAX - 18;
	while (cut > 0 &&
	       (((unsigned char)name->str[cut] & 0xc0) == 0x80 ||
		(cut >= 1 && name->str[cut - 1] == '%') || (cut >= 2 && name->str[cut - 2] == '%')))
		cut--;
	g_string_truncate(name, cut);
	char *md5 = g_compute_checksum_for_string(G_CHECKSUM_MD5, text, -1);
	g_string_append_printf(name, "%%~%.16s", md5);
	g_free(md5);
	return g_string_free(name, FALSE);
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1; /* lower case is not canonical */
}

/* Decodes %XX escapes; false on a malformed escape. */
static bool decode_bytes(const char *s, size_t len, GString *out)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '%') {
			g_string_append_c(out, s[i]);
			continue;
		}
		if (i + 2 >= len)
			return false;
		int hi = hex_value(s[i + 1]), lo = hi < 0 ? -1 : hex_value(s[i + 2]);
		if (hi < 0 || lo < 0)
			return false;
		g_string_append_c(out, (char)(hi * 16 + lo));
		i += 2;
	}
	return true;
}

void fs_view_value_clear(struct fs_view_value *v)
{
	g_free(v->display);
	g_free(v->hash);
	memset(v, 0, sizeof(*v));
}

bool fs_view_name_decode(const char *name, struct fs_view_value *out)
{
	memset(out, 0, sizeof(*out));
	if (strcmp(name, FS_VIEW_NULL_NAME) == 0) {
		out->is_null = true;
		return true;
	}
	if (strcmp(name, FS_VIEW_EMPTY_NAME) == 0) {
		out->display = g_strdup("");
		return true;
	}
	size_t len = strlen(name);
	const char *mark = strstr(name, "%~");
	if (mark) {
		const char *hash = mark + 2;
		if (strlen(hash) != 16 || strspn(hash, "0123456789abcdef") != 16)
			return false;
		GString *prefix = g_string_new(NULL);
		bool ok = decode_bytes(name, (size_t)(mark - name), prefix);
		g_string_free(prefix, TRUE);
		if (!ok)
			return false;
		out->hash = g_strdup(hash);
		return true;
	}
	GString *text = g_string_new(NULL);
	if (len == 0 || !decode_bytes(name, len, text) || strlen(text->str) != text->len) {
		g_string_free(text, TRUE);
		return false;
	}
	/* Only the canonical name of a value is one: re-encoding must give it back. */
	GString *again = encode_bytes(text->str);
	bool canonical = strcmp(again->str, name) == 0;
	g_string_free(again, TRUE);
	if (!canonical) {
		g_string_free(text, TRUE);
		return false;
	}
	out->display = g_string_free(text, FALSE);
	return true;
}
