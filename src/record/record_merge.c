/*
 * record_merge: field-level three-way merge of record files.
 * See record_merge.h for the rules and why they are what they are.
 */
#include "record_merge.h"

#include "record_number.h"

#include <string.h>

static bool numbers_equal(const struct record_value *a, const struct record_value *b)
{
	struct record_number x, y;

	/* record_parse guarantees both read; compare the spelling if someone else built them. */
	if (!record_number_read(a->text, a->len, &x) || !record_number_read(b->text, b->len, &y))
		return a->len == b->len && memcmp(a->text, b->text, a->len) == 0;
	return record_number_equal(&x, &y);
}

bool record_value_equal(const struct record_value *a, const struct record_value *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case RECORD_VALUE_NULL:
		return true;
	case RECORD_VALUE_BOOL:
		return a->boolean == b->boolean;
	case RECORD_VALUE_NUMBER:
		return numbers_equal(a, b);
	case RECORD_VALUE_STRING:
	case RECORD_VALUE_ARRAY:
	case RECORD_VALUE_OBJECT:
		return a->len == b->len && memcmp(a->text, b->text, a->len) == 0;
	}
	return false;
}

/* The value of `key` in `record`, or NULL when the key is missing. */
static const struct record_value *value_in(const struct record_parsed *record, const char *key)
{
	const struct record_field *field = record_parsed_find(record, key);

	return field != NULL ? &field->value : NULL;
}

/* Equality where NULL stands for a missing key, equal only to another missing key. */
static bool same(const struct record_value *a, const struct record_value *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return record_value_equal(a, b);
}

void record_merge(const struct record_parsed *base, const struct record_parsed *mine,
		  const struct record_parsed *theirs, struct record_merge_result *out)
{
	out->writes = g_ptr_array_new();
	out->conflicts = g_ptr_array_new();
	out->unknown = g_ptr_array_new();

	for (size_t i = 0; i < mine->nfields; i++) {
		const struct record_field *field = &mine->fields[i];
		const struct record_value *theirs_value = value_in(theirs, field->key);
		const struct record_value *base_value =
		    base != NULL ? value_in(base, field->key) : theirs_value;
		bool changed_by_me = !same(base_value, &field->value);

		if (theirs_value == NULL) {
			if (changed_by_me)
				g_ptr_array_add(out->unknown, (gpointer)field);
			continue;
		}
		if (!changed_by_me)
			continue;
		if (same(base_value, theirs_value))
			g_ptr_array_add(out->writes, (gpointer)field);
		else if (!record_value_equal(&field->value, theirs_value))
			g_ptr_array_add(out->conflicts, (gpointer)field);
	}
}

void record_merge_result_clear(struct record_merge_result *result)
{
	g_clear_pointer(&result->writes, g_ptr_array_unref);
	g_clear_pointer(&result->conflicts, g_ptr_array_unref);
	g_clear_pointer(&result->unknown, g_ptr_array_unref);
}
