/*
 * Tests for the pure part of db_fields: rows of `_forcefs_fields`, as libpq text, become
 * the metadata structs validation reads (db_fields.h). The query itself is covered end to
 * end through the mount.
 */
#include "db_fields.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

#define NCOLS DB_FIELDS_NCOLUMNS

/* One row: object, field, column, type, length, precision, scale, then the booleans
 * nillable, createable, updateable, defaulted_on_create, calculated, external_id (as
 * "tfttff"), picklist_values, restricted. */
static void row(const char **out, const char *object, const char *field, const char *column,
		const char *type, const char *length, const char *flags, const char *picklist,
		const char *restricted)
{
	static const char *const t = "t", *const f = "f";
	out[DB_FIELDS_OBJECT] = object;
	out[DB_FIELDS_FIELD] = field;
	out[DB_FIELDS_COLUMN] = column;
	out[DB_FIELDS_TYPE] = type;
	out[DB_FIELDS_LENGTH] = length;
	out[DB_FIELDS_PRECISION] = "18";
	out[DB_FIELDS_SCALE] = "2";
	const enum db_fields_column bools[] = {DB_FIELDS_NILLABLE,   DB_FIELDS_CREATEABLE,
					       DB_FIELDS_UPDATEABLE, DB_FIELDS_DEFAULTED_ON_CREATE,
					       DB_FIELDS_CALCULATED, DB_FIELDS_EXTERNAL_ID};
	for (size_t i = 0; i < G_N_ELEMENTS(bools); i++)
		out[bools[i]] = flags[i] == 't' ? t : flags[i] == 'f' ? f : "?";
	out[DB_FIELDS_PICKLIST_VALUES] = picklist;
	out[DB_FIELDS_RESTRICTED] = restricted;
}

static struct db_fields *load(const char **values, size_t nrows)
{
	struct db_fields *fields = NULL;
	struct error err;
	error_clear(&err);
	int rc = db_fields_from_rows(values, nrows, &fields, &err);
	g_assert_cmpstr(err.message, ==, "");
	g_assert_cmpint(rc, ==, 0);
	g_assert_nonnull(fields);
	return fields;
}

static void test_rows_become_objects_keyed_by_lower_table_and_column(void)
{
	const char *v[4 * NCOLS];
	row(v, "Contact", "LastName", "lastname", "string", "80", "fttfff", NULL, "f");
	row(v + NCOLS, "Account", "Name", "name", "string", "255", "fttfff", NULL, "f");
	row(v + 2 * NCOLS, "Customer_Records__c", "Code__c", "code__c", "string", "10", "ttttft",
	    NULL, "f");
	row(v + 3 * NCOLS, "Account", "AnnualRevenue", "annualrevenue", "currency", "0", "tttfff",
	    NULL, "f");
	struct db_fields *fields = load(v, 4);

	g_assert_true(fields->present);
	g_assert_cmpuint(fields->nobjects, ==, 3);
	g_assert_cmpstr(fields->objects[0].table, ==, "account");
	g_assert_cmpstr(fields->objects[1].table, ==, "contact");
	g_assert_cmpstr(fields->objects[2].table, ==, "customer_records__c");
	g_assert_cmpstr(fields->objects[2].object, ==, "Customer_Records__c");

	const struct db_object_fields *account = db_fields_find_object(fields, "account");
	g_assert_nonnull(account);
	g_assert_cmpstr(account->object, ==, "Account");
	g_assert_cmpuint(account->nfields, ==, 2);
	g_assert_cmpstr(account->fields[0].column, ==, "name"); /* in row order */
	const struct db_field *revenue = db_object_fields_find(account, "annualrevenue");
	g_assert_nonnull(revenue);
	g_assert_cmpstr(revenue->field, ==, "AnnualRevenue");
	g_assert_cmpstr(revenue->type, ==, "currency");
	g_assert_cmpint(revenue->precision, ==, 18);
	g_assert_cmpint(revenue->scale, ==, 2);
	g_assert_null(db_object_fields_find(account, "AnnualRevenue"));
	g_assert_null(db_object_fields_find(account, "lastname"));
	g_assert_null(db_fields_find_object(fields, "Account"));
	g_assert_null(db_fields_find_object(fields, "lead"));
	g_assert_null(db_fields_find_object(NULL, "account"));
	g_assert_null(db_object_fields_find(NULL, "name"));
	db_fields_free(fields);
}

static void test_booleans_and_integers_read(void)
{
	const char *v[2 * NCOLS];
	row(v, "Account", "Name", "name", "string", "255", "ftfttf", NULL, "f");
	row(v + NCOLS, "Account", "Ext__c", "ext__c", "string", "0", "tftfft", NULL, NULL);
	struct db_fields *fields = load(v, 2);
	const struct db_field *name = db_object_fields_find(&fields->objects[0], "name");
	g_assert_cmpint(name->length, ==, 255);
	g_assert_false(name->nillable);
	g_assert_true(name->createable);
	g_assert_false(name->updateable);
	g_assert_true(name->defaulted_on_create);
	g_assert_true(name->calculated);
	g_assert_false(name->external_id);
	g_assert_false(name->restricted);
	g_assert_null(name->picklist_values);
	const struct db_field *ext = db_object_fields_find(&fields->objects[0], "ext__c");
	g_assert_true(ext->external_id);
	g_assert_false(ext->restricted); /* NULL restricted: not restricted */
	db_fields_free(fields);
}

/* The picklist values a text[] literal gives, joined by '|'. */
static char *picklist_of(const char *literal)
{
	const char *v[NCOLS];
	row(v, "Account", "Rating", "rating", "picklist", "255", "tttfff", literal, "t");
	struct db_fields *fields = NULL;
	struct error err;
	error_clear(&err);
	int rc = db_fields_from_rows(v, 1, &fields, &err);
	if (rc != 0)
		return g_strconcat("!", err.message, NULL);
	const struct db_field *f = &fields->objects[0].fields[0];
	g_assert_cmpuint(g_strv_length(f->picklist_values), ==, f->npicklist_values);
	char *out = g_strjoinv("|", f->picklist_values);
	db_fields_free(fields);
	return out;
}

#define assert_picklist(literal, expected)                                                         \
	do {                                                                                       \
		g_autofree char *got_ = picklist_of(literal);                                      \
		g_assert_cmpstr(got_, ==, (expected));                                             \
	} while (0)

static void test_picklist_values_read_from_text_array_literals(void)
{
	assert_picklist("{Hot,Warm,Cold}", "Hot|Warm|Cold");
	assert_picklist("{}", "");
	assert_picklist("{\"Cold Day\",\"a,b\",\"q\\\"uote\",\"back\\\\slash\",\"{x}\"}",
			"Cold Day|a,b|q\"uote|back\\slash|{x}");
	assert_picklist("{\"\",\"NULL\",NULL,null}", "|NULL");
	assert_picklist("{Caf\u00e9,\u65e5\u672c}", "Caf\u00e9|\u65e5\u672c");
	assert_picklist("[0:1]={a,b}", "a|b");
	const char *bad[] = {"Hot,Warm",  "{Hot,Warm", "{Hot,,Warm}", "{\"Hot}",
			     "{{a},{b}}", "{a} ",      "{a,b}x",      ""};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree char *got = picklist_of(bad[i]);
		g_assert_cmpstr(
		    got, ==,
		    "!reading _forcefs_fields: row 1 (Account.Rating): bad picklist_values");
	}
}

static void test_bad_rows_refused_naming_object_and_field(void)
{
	const char *v[2 * NCOLS];
	struct db_fields *fields = NULL;
	struct error err;

	row(v, "Account", "Name", "name", "string", "255", "fttfff", NULL, "f");
	row(v + NCOLS, "Account", "Rating", "rating", "picklist", "lots", "tttfff", NULL, "f");
	g_assert_cmpint(db_fields_from_rows(v, 2, &fields, &err), ==, -EINVAL);
	g_assert_null(fields);
	g_assert_cmpint(err.code, ==, EINVAL);
	g_assert_cmpstr(err.message, ==,
			"reading _forcefs_fields: row 2 (Account.Rating): bad length");

	row(v + NCOLS, "Account", "Rating", "rating", "picklist", "255", "tt?fff", NULL, "f");
	g_assert_cmpint(db_fields_from_rows(v, 2, &fields, &err), ==, -EINVAL);
	g_assert_cmpstr(err.message, ==,
			"reading _forcefs_fields: row 2 (Account.Rating): bad updateable");

	row(v + NCOLS, "Account", "Rating", NULL, "picklist", "255", "tttfff", NULL, "f");
	g_assert_cmpint(db_fields_from_rows(v, 2, &fields, &err), ==, -EINVAL);
	g_assert_cmpstr(err.message, ==,
			"reading _forcefs_fields: row 2 (Account.Rating): bad column");

	row(v + NCOLS, NULL, "Rating", "rating", "picklist", "255", "tttfff", NULL, "f");
	g_assert_cmpint(db_fields_from_rows(v, 2, &fields, &err), ==, -EINVAL);
	g_assert_cmpstr(err.message, ==,
			"reading _forcefs_fields: row 2 (NULL.Rating): bad object");
	g_assert_null(fields);
}

static void test_first_row_wins_for_a_column(void)
{
	const char *v[2 * NCOLS];
	row(v, "Account", "Name", "name", "string", "255", "fttfff", NULL, "f");
	row(v + NCOLS, "account", "Name2", "name", "string", "80", "tttfff", NULL, "f");
	struct db_fields *fields = load(v, 2);
	g_assert_cmpuint(fields->nobjects, ==, 1);
	g_assert_cmpuint(fields->objects[0].nfields, ==, 1);
	g_assert_cmpstr(fields->objects[0].fields[0].field, ==, "Name");
	db_fields_free(fields);
}

static void test_no_rows_is_empty_metadata(void)
{
	struct db_fields *fields = load(NULL, 0);
	g_assert_true(fields->present);
	g_assert_cmpuint(fields->nobjects, ==, 0);
	g_assert_null(db_fields_find_object(fields, "account"));
	db_fields_free(fields);
	db_fields_free(NULL);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	g_test_add_func("/db_fields/rows_become_objects_keyed_by_lower_table_and_column",
			test_rows_become_objects_keyed_by_lower_table_and_column);
	g_test_add_func("/db_fields/booleans_and_integers_read", test_booleans_and_integers_read);
	g_test_add_func("/db_fields/picklist_values_read_from_text_array_literals",
			test_picklist_values_read_from_text_array_literals);
	g_test_add_func("/db_fields/bad_rows_refused_naming_object_and_field",
			test_bad_rows_refused_naming_object_and_field);
	g_test_add_func("/db_fields/first_row_wins_for_a_column", test_first_row_wins_for_a_column);
	g_test_add_func("/db_fields/no_rows_is_empty_metadata", test_no_rows_is_empty_metadata);

	return g_test_run();
}
