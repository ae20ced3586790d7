#include "sf_id.h"

#include <string.h>

static const char suffix_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

static bool is_id_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool all_id_chars(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_id_char(s[i]))
			return false;
	return true;
}

static void compute_suffix(const char *id15, char suffix[3])
{
	for (int chunk = 0; chunk < 3; chunk++) {
		int bits = 0;
		for (int j = 0; j < 5; j++) {
			char c = id15[chunk * 5 + j];
			if (c >= 'A' && c <= 'Z')
				bits |= 1 << j;
		}
		suffix[chunk] = suffix_chars[bits];
	}
}

/* The 5-bit value of a suffix character, or -1 (case-insensitive). */
static int suffix_value(char c)
{
	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	const char *p = c ? strchr(suffix_chars, c) : NULL;
	return p ? (int)(p - suffix_chars) : -1;
}

bool sf_id_is_valid(const char *id)
{
	if (!id)
		return false;
	size_t len = strlen(id);
	if (len == SF_ID15_LEN)
		return all_id_chars(id, len);
	if (len != SF_ID18_LEN || !all_id_chars(id, len))
		return false;
	char suffix[3];
	compute_suffix(id, suffix);
	for (int i = 0; i < 3; i++)
		if (suffix_value(id[15 + i]) != suffix_value(suffix[i]))
			return false;
	return true;
}

bool sf_id_to_18(const char *id, char out[SF_ID_BUF])
{
	out[0] = '\0';
	if (!sf_id_is_valid(id))
		return false;
	memcpy(out, id, SF_ID15_LEN);
	compute_suffix(id, out + SF_ID15_LEN);
	out[SF_ID18_LEN] = '\0';
	return true;
}

bool sf_id_restore_case(const char *id, char out[SF_ID_BUF])
{
	out[0] = '\0';
	if (!id || strlen(id) != SF_ID18_LEN || !all_id_chars(id, SF_ID18_LEN))
		return false;
	for (int chunk = 0; chunk < 3; chunk++) {
		int bits = suffix_value(id[15 + chunk]);
		if (bits < 0)
			return false;
		for (int j = 0; j < 5; j++) {
			char c = id[chunk * 5 + j];
			bool upper = bits & (1 << j);
			if (c >= 'a' && c <= 'z' && upper)
				c = (char)(c - 'a' + 'A');
			else if (c >= 'A' && c <= 'Z' && !upper)
				c = (char)(c - 'A' + 'a');
			else if (upper && !(c >= 'A' && c <= 'Z'))
				return false; /* suffix marks a digit as upper-case */
			out[chunk * 5 + j] = c;
		}
	}
	compute_suffix(out, out + SF_ID15_LEN);
	out[SF_ID18_LEN] = '\0';
	return true;
}

/* The canonical 18-character form of a 15-character id or of an 18-character
 * id in any letter case. */
static bool canonical(const char *id, char out[SF_ID_BUF])
{
	if (id && strlen(id) == SF_ID18_LEN)
		return sf_id_restore_case(id, out);
	return sf_id_to_18(id, out);
}

bool sf_id_equal(const char *a, const char *b)
{
	char a18[SF_ID_BUF], b18[SF_ID_BUF];
	return canonical(a, a18) && canonical(b, b18) && strcmp(a18, b18) == 0;
}

bool sf_id_key_prefix(const char *id, char out[4])
{
	out[0] = '\0';
	if (!sf_id_is_valid(id))
		return false;
	memcpy(out, id, 3);
	out[3] = '\0';
	return true;
}
