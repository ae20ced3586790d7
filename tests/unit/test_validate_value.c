/*
 * Tests for validate_value: one value against its column (the Postgres catalog) and its
 * Salesforce field metadata, and the text Postgres takes (docs/contract.md §5.1, docs/validation.md).
 *
 * Each check reads `value_for(column, meta, json)`: "=<sql text>", "=NULL" for SQL NULL,
 * or "!<message>" when refused (always EINVAL).
 */
#include "validate_value.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

/* Built-in type OIDs. */
enum {
	BOOL = 16,
	INT8 = 20,
	INT2 = 21,
	INT4 = 23,
	TEXT = 25,
	OID = 26,
	FLOAT4 = 700,
	FLOAT8 = 701,
	BPCHAR = 1042,
	VARCHAR = 1043,
	DATE = 1082,
	TIME = 1083,
	TIMESTAMP = 1114,
	TIMESTAMPTZ = 1184,
	INTERVAL = 1186,
	NUMERIC = 1700,
	UUID = 2950,
	JSONB = 3802,
};

static struct db_column column(const char *name, unsigned int oid, const char *type_name,
			       int max_chars)
{
	return (struct db_column){.name = (char *)name,
				  .type_oid = oid,
				  .type_name = (char *)type_name,
				  .max_chars = max_chars};
}

static char *value_for(const struct db_column *col, const struct db_field *meta, const char *json)
{
	g_autoptr(GError) error = NULL;
	GString *doc = g_string_new("{\"v\": ");
	g_string_append(doc, json);
	g_string_append(doc, "}");
	struct record_parsed *parsed = record_parse(doc->str, doc->len, &error);
	g_assert_no_error(error);
	g_string_free(doc, TRUE);

	struct error err;
	error_clear(&err);
	char *sql = (char *)"unset";
	int rc = validate_value(col, meta, &parsed->fields[0].value, &sql, &err);
	char *out;
	if (rc == 0) {
		g_assert_cmpint(err.code, ==, 0);
		out = g_strconcat("=", sql ? sql : "NULL", NULL);
		g_free(sql);
	} else {
		g_assert_cmpint(rc, ==, -EINVAL);
		g_assert_cmpint(err.code, ==, EINVAL);
		g_assert_null(sql);
		g_assert_null(strchr(err.message, '\n'));
		out = g_strconcat("!", err.message, NULL);
	}
	record_parsed_free(parsed);
	return out;
}

#define assert_value(col, meta, json, expected)                                                    \
	do {                                                                                       \
		g_autofree char *got_ = value_for((col), (meta), (json));                          \
		g_assert_cmpstr(got_, ==, (expected));                                             \
	} while (0)

/* --- JSON type vs column kind --------------------------------------------------------- */

static void test_json_type_must_match_column_kind(void)
{
	struct db_column name = column("name", VARCHAR, "character varying(255)", 255);
	struct db_column revenue = column("annualrevenue", FLOAT8, "double precision", -1);
	struct db_column employees = column("numberofemployees", INT4, "integer", -1);
	struct db_column active = column("active__c", BOOL, "boolean", -1);
	struct db_column day = column("closedate", DATE, "date", -1);
	struct db_column at = column("lastseen__c", TIMESTAMP, "timestamp without time zone", -1);
	struct db_column clock = column("start__c", TIME, "time without time zone", -1);
	struct db_column amount = column("amount__c", NUMERIC, "numeric", -1);

	assert_value(&revenue, NULL, "\"lots\"",
		     "!field \"annualrevenue\": expected a number, got \"lots\"");
	assert_value(&name, NULL, "42", "!field \"name\": expected a string, got 42");
	assert_value(&name, NULL, "true", "!field \"name\": expected a string, got true");
	assert_value(&employees, NULL, "\"42\"",
		     "!field \"numberofemployees\": expected an integer, got \"42\"");
	assert_value(&active, NULL, "\"yes\"",
		     "!field \"active__c\": expected true or false, got \"yes\"");
	assert_value(&active, NULL, "1", "!field \"active__c\": expected true or false, got 1");
	assert_value(&day, NULL, "20231001",
		     "!field \"closedate\": expected a date like \"2023-10-01\", got 20231001");
	assert_value(&at, NULL, "false",
		     "!field \"lastseen__c\": expected a timestamp like \"2023-10-01T12:34:56Z\", "
		     "got false");
	assert_value(&clock, NULL, "1234",
		     "!field \"start__c\": expected a time like \"12:34:56\", got 1234");
	assert_value(&amount, NULL, "\"12.5\"",
		     "!field \"amount__c\": expected a number, got \"12.5\"");
}

static void test_arrays_and_objects_refused_for_every_column(void)
{
	struct db_column cols[] = {
	    column("t", TEXT, "text", -1),    column("i", INT4, "integer", -1),
	    column("j", JSONB, "jsonb", -1),  column("u", UUID, "uuid", -1),
	    column("d", DATE, "date", -1),    column("f", FLOAT8, "double precision", -1),
	    column("b", BOOL, "boolean", -1), column("n", NUMERIC, "numeric", -1),
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cols); i++) {
		g_autofree char *array = value_for(&cols[i], NULL, "[1, 2]");
		g_autofree char *object = value_for(&cols[i], NULL, "{\"a\": 1}");
		g_assert_true(g_str_has_prefix(array, "!"));
		g_assert_true(g_str_has_suffix(array, ", got an array"));
		g_assert_true(g_str_has_suffix(object, ", got an object"));
	}
	struct db_column t = column("description", TEXT, "text", -1);
	assert_value(&t, NULL, "{\"a\": [1]}",
		     "!field \"description\": expected a string, got an object");
}

static void test_null_allowed_unless_not_null_or_not_nillable(void)
{
	struct db_column nullable = column("description", TEXT, "text", -1);
	struct db_column not_null = column("name", VARCHAR, "character varying(255)", 255);
	not_null.not_null = true;
	struct db_field nillable = {.column = (char *)"description",
				    .type = (char *)"textarea",
				    .nillable = true,
				    .createable = true,
				    .updateable = true};
	struct db_field required = {.column = (char *)"description",
				    .type = (char *)"textarea",
				    .nillable = false,
				    .createable = true,
				    .updateable = true};

	assert_value(&nullable, NULL, "null", "=NULL");
	assert_value(&nullable, &nillable, "null", "=NULL");
	assert_value(&not_null, NULL, "null", "!field \"name\" cannot be null");
	assert_value(&nullable, &required, "null", "!field \"description\" cannot be null");
}

/* --- integers ------------------------------------------------------------------------- */

static void test_integer_accepts_integral_numbers_and_writes_digits(void)
{
	struct db_column i = column("numberofemployees", INT4, "integer", -1);

	assert_value(&i, NULL, "42", "=42");
	assert_value(&i, NULL, "-7", "=-7");
	assert_value(&i, NULL, "1.0", "=1");
	assert_value(&i, NULL, "1e2", "=100");
	assert_value(&i, NULL, "1E+2", "=100");
	assert_value(&i, NULL, "0.5e1", "=5");
	assert_value(&i, NULL, "12.50e1", "=125");
	assert_value(&i, NULL, "-0", "=0");
	assert_value(&i, NULL, "0.0e5", "=0");
	assert_value(&i, NULL, "-0.0", "=0");
}

static void test_integer_refuses_fractions(void)
{
	struct db_column i = column("numberofemployees", INT4, "integer", -1);

	assert_value(&i, NULL, "1.5", "!field \"numberofemployees\": expected an integer, got 1.5");
	assert_value(&i, NULL, "1e-1",
		     "!field \"numberofemployees\": expected an integer, got 1e-1");
	assert_value(&i, NULL, "100.0000001",
		     "!field \"numberofemployees\": expected an integer, got 100.0000001");
}

static void test_integer_range_by_type(void)
{
	struct db_column i2 = column("small__c", INT2, "smallint", -1);
	struct db_column i4 = column("numberofemployees", INT4, "integer", -1);
	struct db_column i8 = column("big__c", INT8, "bigint", -1);
	struct db_column o = column("o", OID, "oid", -1);

	assert_value(&i2, NULL, "32767", "=32767");
	assert_value(&i2, NULL, "-32768", "=-32768");
	assert_value(&i2, NULL, "32768",
		     "!field \"small__c\": 32768 is out of range for a smallint");
	assert_value(&i4, NULL, "2147483647", "=2147483647");
	assert_value(&i4, NULL, "-2147483648", "=-2147483648");
	assert_value(&i4, NULL, "3000000000",
		     "!field \"numberofemployees\": 3000000000 is out of range for an integer");
	assert_value(&i4, NULL, "3e9",
		     "!field \"numberofemployees\": 3e9 is out of range for an integer");
	assert_value(&i8, NULL, "9223372036854775807", "=9223372036854775807");
	assert_value(&i8, NULL, "-9223372036854775808", "=-9223372036854775808");
	assert_value(&i8, NULL, "9223372036854775808",
		     "!field \"big__c\": 9223372036854775808 is out of range for a bigint");
	assert_value(&i8, NULL, "1e30", "!field \"big__c\": 1e30 is out of range for a bigint");
	assert_value(&i8, NULL, "1e999999999",
		     "!field \"big__c\": 1e999999999 is out of range for a bigint");
	assert_value(&o, NULL, "4294967295", "=4294967295");
	assert_value(&o, NULL, "4294967296", "!field \"o\": 4294967296 is out of range for an oid");
	assert_value(&o, NULL, "-1", "!field \"o\": -1 is out of range for an oid");
}

/* --- floats and numerics -------------------------------------------------------------- */

static void test_float_takes_numbers_as_written_and_nan_infinity_strings(void)
{
	struct db_column f = column("annualrevenue", FLOAT8, "double precision", -1);
	struct db_column r = column("ratio__c", FLOAT4, "real", -1);

	assert_value(&f, NULL, "1500000.5", "=1500000.5");
	assert_value(&f, NULL, "1e-07", "=1e-07");
	assert_value(&f, NULL, "-0", "=-0");
	assert_value(&f, NULL, "1.7976931348623157e+308", "=1.7976931348623157e+308");
	assert_value(&f, NULL, "5e-324", "=5e-324");
	assert_value(&f, NULL, "42", "=42");
	assert_value(&f, NULL, "\"NaN\"", "=NaN");
	assert_value(&f, NULL, "\"Infinity\"", "=Infinity");
	assert_value(&f, NULL, "\"-Infinity\"", "=-Infinity");
	assert_value(&f, NULL, "\"nan\"",
		     "!field \"annualrevenue\": expected a number, got \"nan\"");
	assert_value(&f, NULL, "\"inf\"",
		     "!field \"annualrevenue\": expected a number, got \"inf\"");
	assert_value(&r, NULL, "3.4028235e+38", "=3.4028235e+38");
	assert_value(&r, NULL, "1e-45", "=1e-45");
	assert_value(&r, NULL, "\"NaN\"", "=NaN");
}

static void test_float_refuses_out_of_range(void)
{
	struct db_column f = column("annualrevenue", FLOAT8, "double precision", -1);
	struct db_column r = column("ratio__c", FLOAT4, "real", -1);

	assert_value(&f, NULL, "1e400",
		     "!field \"annualrevenue\": 1e400 is out of range for double precision");
	assert_value(&f, NULL, "-1e400",
		     "!field \"annualrevenue\": -1e400 is out of range for double precision");
	assert_value(&f, NULL, "1e-400",
		     "!field \"annualrevenue\": 1e-400 is out of range for double precision");
	assert_value(&r, NULL, "1e39", "!field \"ratio__c\": 1e39 is out of range for real");
	assert_value(&r, NULL, "3.5e38", "!field \"ratio__c\": 3.5e38 is out of range for real");
	assert_value(&r, NULL, "1e-50", "!field \"ratio__c\": 1e-50 is out of range for real");
}

static void test_numeric_takes_exact_text_and_nan(void)
{
	struct db_column n = column("amount__c", NUMERIC, "numeric", -1);

	assert_value(&n, NULL, "123.4500", "=123.4500");
	assert_value(&n, NULL, "12345678901234567890.123456789012345678901",
		     "=12345678901234567890.123456789012345678901");
	assert_value(&n, NULL, "-0", "=-0");
	assert_value(&n, NULL, "\"NaN\"", "=NaN");
	assert_value(&n, NULL, "\"Infinity\"", "=Infinity");
	assert_value(&n, NULL, "\"-Infinity\"", "=-Infinity");
	/* Exponents are written out: Postgres before 16 refuses numeric exponents over 1000. */
	assert_value(&n, NULL, "1.5e3", "=1500");
	assert_value(&n, NULL, "-1e-5", "=-0.00001");
	assert_value(&n, NULL, "1.25E+1", "=12.5");
	g_autofree char *zeros = g_strnfill(1001, '0');
	g_autofree char *big = g_strconcat("=1", zeros, NULL);
	assert_value(&n, NULL, "1e1001", big);
	assert_value(&n, NULL, "1e200000",
		     "!field \"amount__c\": 1e200000 is out of range for numeric");
	assert_value(&n, NULL, "1e-20000",
		     "!field \"amount__c\": 1e-20000 is out of range for numeric");
}

static void test_numeric_fits_precision_and_scale(void)
{
	struct db_column n = column("amount__c", NUMERIC, "numeric(5,2)", -1);
	struct db_column whole = column("count__c", NUMERIC, "numeric(3)", -1);
	struct db_column tiny = column("tiny__c", NUMERIC, "numeric(2,3)", -1);

	assert_value(&n, NULL, "999.99", "=999.99");
	assert_value(&n, NULL, "-999.994", "=-999.994");
	assert_value(&n, NULL, "0.001", "=0.001");
	assert_value(&n, NULL, "999.995",
		     "!field \"amount__c\": 999.995 has too many digits before the decimal point: "
		     "at most 3 for numeric(5,2)");
	assert_value(&n, NULL, "1000",
		     "!field \"amount__c\": 1000 has too many digits before the decimal point: "
		     "at most 3 for numeric(5,2)");
	assert_value(&whole, NULL, "999.4", "=999.4");
	assert_value(&whole, NULL, "999.5",
		     "!field \"count__c\": 999.5 has too many digits before the decimal point: "
		     "at most 3 for numeric(3)");
	assert_value(&tiny, NULL, "0.099", "=0.099");
	assert_value(&tiny, NULL, "0.0994", "=0.0994");
	assert_value(&tiny, NULL, "0.0995",
		     "!field \"tiny__c\": 0.0995 is too large for numeric(2,3)");
	assert_value(&tiny, NULL, "0.1", "!field \"tiny__c\": 0.1 is too large for numeric(2,3)");
}

static void test_salesforce_number_precision(void)
{
	struct db_column f = column("annualrevenue", FLOAT8, "double precision", -1);
	struct db_field currency = {.column = (char *)"annualrevenue",
				    .type = (char *)"currency",
				    .precision = 18,
				    .scale = 2,
				    .nillable = true,
				    .createable = true,
				    .updateable = true};

	assert_value(&f, &currency, "9999999999999999.99", "=9999999999999999.99");
	assert_value(&f, &currency, "1e20",
		     "!field \"annualrevenue\": 1e20 has too many digits before the decimal point: "
		     "at most 16 in Salesforce (precision 18, scale 2)");
	assert_value(&f, &currency, "\"NaN\"", "=NaN");
}

/* --- booleans, text, other types ------------------------------------------------------ */

static void test_boolean_takes_true_and_false(void)
{
	struct db_column b = column("active__c", BOOL, "boolean", -1);

	assert_value(&b, NULL, "true", "=true");
	assert_value(&b, NULL, "false", "=false");
	assert_value(&b, NULL, "\"true\"",
		     "!field \"active__c\": expected true or false, got \"true\"");
}

static void test_varchar_length_counts_characters_not_bytes(void)
{
	struct db_column v = column("name", VARCHAR, "character varying(5)", 5);
	struct db_column c = column("code__c", BPCHAR, "character(5)", 5);

	assert_value(&v, NULL, "\"caf\u00e9s\"", "=caf\u00e9s"); /* 6 bytes */
	assert_value(&v, NULL, "\"\u65e5\u672c\u8a9e\u65e5\u672c\"",
		     "=\u65e5\u672c\u8a9e\u65e5\u672c"); /* 15 */
	assert_value(&v, NULL, "\"\U0001F600\U0001F600\U0001F600\U0001F600\U0001F600\"",
		     "=\U0001F600\U0001F600\U0001F600\U0001F600\U0001F600");
	assert_value(&v, NULL, "\"caf\u00e9s!\"", "!field \"name\": 6 characters, at most 5");
	assert_value(&c, NULL, "\"ab   \"", "=ab   ");
	assert_value(&c, NULL, "\"abcdef\"", "!field \"code__c\": 6 characters, at most 5");

	struct db_column name = column("name", VARCHAR, "character varying(255)", 255);
	GString *json = g_string_new("\"");
	for (int i = 0; i < 300; i++)
		g_string_append(json, "\u00e9");
	g_string_append(json, "\"");
	assert_value(&name, NULL, json->str, "!field \"name\": 300 characters, at most 255");
	g_string_free(json, TRUE);
}

static void test_metadata_length_limits_text_when_smaller(void)
{
	struct db_column v = column("phone", VARCHAR, "character varying(255)", 255);
	struct db_column t = column("description", TEXT, "text", -1);
	struct db_field phone = {.column = (char *)"phone",
				 .type = (char *)"phone",
				 .length = 10,
				 .nillable = true,
				 .createable = true,
				 .updateable = true};
	struct db_field wide = {.column = (char *)"phone",
				.type = (char *)"phone",
				.length = 4000,
				.nillable = true,
				.createable = true,
				.updateable = true};

	assert_value(&v, &phone, "\"0123456789\"", "=0123456789");
	assert_value(&v, &phone, "\"01234567890\"", "!field \"phone\": 11 characters, at most 10");
	assert_value(&t, &phone, "\"01234567890\"",
		     "!field \"description\": 11 characters, at most 10");
	/* The column's own limit still holds when the metadata allows more. */
	struct db_column narrow = column("phone", VARCHAR, "character varying(3)", 3);
	assert_value(&narrow, &wide, "\"0123\"", "!field \"phone\": 4 characters, at most 3");
}

static void test_other_types_take_strings_as_text(void)
{
	struct db_column u = column("guid__c", UUID, "uuid", -1);
	struct db_column j = column("data__c", JSONB, "jsonb", -1);
	struct db_column iv = column("wait__c", INTERVAL, "interval", -1);

	assert_value(&u, NULL, "\"8c5f5c4e-0000-4000-8000-000000000000\"",
		     "=8c5f5c4e-0000-4000-8000-000000000000");
	assert_value(&j, NULL, "\"{\\\"a\\\": [1, 2]}\"", "={\"a\": [1, 2]}");
	assert_value(&iv, NULL, "\"1 day\"", "=1 day");
	assert_value(&u, NULL, "42", "!field \"guid__c\": expected a string, got 42");
}

/* --- Salesforce metadata -------------------------------------------------------------- */

static char *ratings[] = {(char *)"Hot", (char *)"Warm", (char *)"Cold", NULL};

static void test_restricted_picklist(void)
{
	struct db_column c = column("rating", VARCHAR, "character varying(255)", 255);
	struct db_field rating = {.column = (char *)"rating",
				  .type = (char *)"picklist",
				  .length = 255,
				  .nillable = true,
				  .createable = true,
				  .updateable = true,
				  .picklist_values = ratings,
				  .npicklist_values = 3,
				  .restricted = true};

	assert_value(&c, &rating, "\"Warm\"", "=Warm");
	assert_value(&c, &rating, "\"Lukewarm\"",
		     "!field \"rating\": \"Lukewarm\" is not one of Hot, Warm, Cold");
	assert_value(&c, &rating, "\"hot\"",
		     "!field \"rating\": \"hot\" is not one of Hot, Warm, Cold");
	assert_value(&c, &rating, "\"\"", "="); /* empty: Salesforce reads it as null */
	assert_value(&c, &rating, "null", "=NULL");

	rating.restricted = false;
	assert_value(&c, &rating, "\"Lukewarm\"", "=Lukewarm");
}

static void test_restricted_picklist_message_lists_a_line_of_values(void)
{
	struct db_column c = column("country__c", VARCHAR, "character varying(255)", 255);
	GPtrArray *values = g_ptr_array_new_with_free_func(g_free);
	for (int i = 0; i < 100; i++)
		g_ptr_array_add(values, g_strdup_printf("Country number %d", i));
	g_ptr_array_add(values, NULL);
	struct db_field meta = {.column = (char *)"country__c",
				.type = (char *)"picklist",
				.nillable = true,
				.createable = true,
				.updateable = true,
				.picklist_values = (char **)values->pdata,
				.npicklist_values = 100,
				.restricted = true};

	g_autofree char *got = value_for(&c, &meta, "\"Atlantis\"");
	g_assert_true(g_str_has_prefix(
	    got, "!field \"country__c\": \"Atlantis\" is not one of Country number 0, Country "));
	g_assert_true(g_str_has_suffix(got, ", ... (100 values)"));
	g_assert_cmpuint(strlen(got), <, 260);
	g_ptr_array_free(values, TRUE);
}

static void test_multipicklist_values_checked_and_distinct(void)
{
	char *colours[] = {(char *)"Red", (char *)"Green", (char *)"Blue", NULL};
	struct db_column c = column("interests__c", VARCHAR, "character varying(4099)", 4099);
	struct db_field meta = {.column = (char *)"interests__c",
				.type = (char *)"multipicklist",
				.nillable = true,
				.createable = true,
				.updateable = true,
				.picklist_values = colours,
				.npicklist_values = 3,
				.restricted = true};

	assert_value(&c, &meta, "\"Red;Blue\"", "=Red;Blue");
	assert_value(&c, &meta, "\"Red; Blue\"", "=Red; Blue");
	assert_value(&c, &meta, "\"Green\"", "=Green");
	assert_value(&c, &meta, "\"Red;Purple\"",
		     "!field \"interests__c\": \"Purple\" is not one of Red, Green, Blue");
	assert_value(&c, &meta, "\"Red;Blue;Red\"",
		     "!field \"interests__c\": \"Red;Blue;Red\" lists \"Red\" twice");
	assert_value(&c, &meta, "\"Red;;Blue\"",
		     "!field \"interests__c\": \"Red;;Blue\" has an empty value (values are "
		     "separated by ';')");
	assert_value(&c, &meta, "\"Red;\"",
		     "!field \"interests__c\": \"Red;\" has an empty value (values are "
		     "separated by ';')");

	meta.restricted = false;
	assert_value(&c, &meta, "\"Red;Purple\"", "=Red;Purple");
	assert_value(&c, &meta, "\"Purple;Purple\"",
		     "!field \"interests__c\": \"Purple;Purple\" lists \"Purple\" twice");
}

static void test_email_syntax(void)
{
	struct db_column c = column("email", VARCHAR, "character varying(80)", 80);
	struct db_field meta = {.column = (char *)"email",
				.type = (char *)"email",
				.length = 80,
				.nillable = true,
				.createable = true,
				.updateable = true};
	const char *good[] = {"jane@example.com", "jane.doe+sf@mail.example.co.uk",
			      "o'hara@example-corp.com", "x@a.io"};
	const char *bad[] = {"jane",
			     "@example.com",
			     "jane@example",
			     "jane@@example.com",
			     "jane doe@example.com",
			     "jane@exa mple.com",
			     "jane@.example.com",
			     "jane@example.com.",
			     "jane@-example.com",
			     "j\u00e9@example.com",
			     "jane@example..com",
			     "a@b@example.com"};

	for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
		g_autofree char *json = g_strdup_printf("\"%s\"", good[i]);
		g_autofree char *expected = g_strconcat("=", good[i], NULL);
		assert_value(&c, &meta, json, expected);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree char *json = g_strdup_printf("\"%s\"", bad[i]);
		g_autofree char *expected = g_strdup_printf(
		    "!field \"email\": \"%s\" is not an email address (name@example.com)", bad[i]);
		assert_value(&c, &meta, json, expected);
	}
	assert_value(&c, &meta, "\"\"", "=");
	assert_value(&c, NULL, "\"not an email\"", "=not an email"); /* no metadata, no check */
}

static void test_url_syntax(void)
{
	struct db_column c = column("website", VARCHAR, "character varying(255)", 255);
	struct db_field meta = {.column = (char *)"website",
				.type = (char *)"url",
				.length = 255,
				.nillable = true,
				.createable = true,
				.updateable = true};

	assert_value(&c, &meta, "\"https://www.example.com/a?b=c#d\"",
		     "=https://www.example.com/a?b=c#d");
	assert_value(&c, &meta, "\"www.example.com\"", "=www.example.com");
	assert_value(
	    &c, &meta, "\"http://exa mple.com\"",
	    "!field \"website\": \"http://exa mple.com\" is not a URL: it contains a space");
	assert_value(&c, &meta, "\"http://example.com/\\t\"",
		     "!field \"website\": \"http://example.com/\\t\" is not a URL: it contains a "
		     "control character");
}

static void test_reference_is_a_salesforce_id(void)
{
	struct db_column c = column("parentid", VARCHAR, "character varying(18)", 18);
	struct db_field meta = {.column = (char *)"parentid",
				.type = (char *)"reference",
				.length = 18,
				.nillable = true,
				.createable = true,
				.updateable = true};

	assert_value(&c, &meta, "\"001xx000003DGb2AAG\"", "=001xx000003DGb2AAG");
	assert_value(&c, &meta, "\"001xx000003DGb2\"", "=001xx000003DGb2");
	assert_value(&c, &meta, "\"001xx000003DGb2AA\"",
		     "!field \"parentid\": \"001xx000003DGb2AA\" is not a Salesforce id (15 or 18 "
		     "letters and digits)");
	assert_value(&c, &meta, "\"001xx000003DGb2-AG\"",
		     "!field \"parentid\": \"001xx000003DGb2-AG\" is not a Salesforce id (15 or 18 "
		     "letters and digits)");
}

/* --- dates and times through their columns -------------------------------------------- */

static void test_timestamp_column_takes_utc_text(void)
{
	struct db_column ts = column("lastseen__c", TIMESTAMP, "timestamp without time zone", -1);
	struct db_column tz = column("lastseen__c", TIMESTAMPTZ, "timestamp with time zone", -1);
	struct db_column d = column("closedate", DATE, "date", -1);
	struct db_column t = column("start__c", TIME, "time without time zone", -1);

	assert_value(&ts, NULL, "\"2023-10-01T14:34:56.789+02:00\"", "=2023-10-01 12:34:56.789");
	assert_value(&tz, NULL, "\"2023-10-01T14:34:56.789+02:00\"", "=2023-10-01 12:34:56.789+00");
	assert_value(&ts, NULL, "\"2023-02-30T12:00:00Z\"",
		     "!field \"lastseen__c\": \"2023-02-30T12:00:00Z\" is not a valid timestamp: "
		     "February 2023 has 28 days");
	assert_value(&ts, NULL, "\"yesterday\"",
		     "!field \"lastseen__c\": expected a timestamp like \"2023-10-01T12:34:56Z\", "
		     "got \"yesterday\"");
	assert_value(&d, NULL, "\"2023-02-30\"",
		     "!field \"closedate\": \"2023-02-30\" is not a valid date: February 2023 has "
		     "28 days");
	assert_value(
	    &d, NULL, "\"10/01/2023\"",
	    "!field \"closedate\": expected a date like \"2023-10-01\", got \"10/01/2023\"");
	assert_value(
	    &t, NULL, "\"25:00:00\"",
	    "!field \"start__c\": \"25:00:00\" is not a valid time: hour 25 does not exist");
}

/* --- messages ------------------------------------------------------------------------- */

static void test_messages_quote_values_in_json_and_stay_short(void)
{
	struct db_column i = column("numberofemployees", INT4, "integer", -1);

	/* Escaped as JSON: a message is one line. */
	assert_value(&i, NULL, "\"a\\nb\\\"c\\\\\"",
		     "!field \"numberofemployees\": expected an integer, got \"a\\nb\\\"c\\\\\"");
	/* Cut after 60 bytes of the value, inside the quotes. */
	g_autofree char *long_text = g_strnfill(200, 'x');
	g_autofree char *json = g_strdup_printf("\"%s\"", long_text);
	g_autofree char *x60 = g_strnfill(60, 'x');
	g_autofree char *expected = g_strdup_printf(
	    "!field \"numberofemployees\": expected an integer, got \"%s...\"", x60);
	assert_value(&i, NULL, json, expected);
	/* Never inside a UTF-8 sequence or an escape. */
	GString *multi = g_string_new("\"");
	for (int k = 0; k < 100; k++)
		g_string_append(multi, "\u00e9\\t");
	g_string_append(multi, "\"");
	g_autofree char *got = value_for(&i, NULL, multi->str);
	g_assert_true(g_utf8_validate(got, -1, NULL));
	g_assert_true(g_str_has_suffix(got, "\\t...\""));
	g_string_free(multi, TRUE);
	/* Long numbers too. */
	g_autofree char *digits = g_strnfill(100, '9');
	g_autofree char *got_number = value_for(&i, NULL, digits);
	g_autofree char *d60 = g_strnfill(60, '9');
	g_autofree char *expected_number = g_strdup_printf(
	    "!field \"numberofemployees\": %s... is out of range for an integer", d60);
	g_assert_cmpstr(got_number, ==, expected_number);
}

static void test_messages_cut_long_field_names(void)
{
	g_autofree char *name = g_strnfill(100, 'n');
	struct db_column c = column(name, INT4, "integer", -1);
	g_autofree char *got = value_for(&c, NULL, "\"x\"");
	g_autofree char *n64 = g_strnfill(64, 'n');
	g_autofree char *expected =
	    g_strdup_printf("!field \"%s...\": expected an integer, got \"x\"", n64);
	g_assert_cmpstr(got, ==, expected);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	g_test_add_func("/validate/json_type_must_match_column_kind",
			test_json_type_must_match_column_kind);
	g_test_add_func("/validate/arrays_and_objects_refused_for_every_column",
			test_arrays_and_objects_refused_for_every_column);
	g_test_add_func("/validate/null_allowed_unless_not_null_or_not_nillable",
			test_null_allowed_unless_not_null_or_not_nillable);
	g_test_add_func("/validate/integer_accepts_integral_numbers_and_writes_digits",
			test_integer_accepts_integral_numbers_and_writes_digits);
	g_test_add_func("/validate/integer_refuses_fractions", test_integer_refuses_fractions);
	g_test_add_func("/validate/integer_range_by_type", test_integer_range_by_type);
	g_test_add_func("/validate/float_takes_numbers_as_written_and_nan_infinity_strings",
			test_float_takes_numbers_as_written_and_nan_infinity_strings);
	g_test_add_func("/validate/float_refuses_out_of_range", test_float_refuses_out_of_range);
	g_test_add_func("/validate/numeric_takes_exact_text_and_nan",
			test_numeric_takes_exact_text_and_nan);
	g_test_add_func("/validate/numeric_fits_precision_and_scale",
			test_numeric_fits_precision_and_scale);
	g_test_add_func("/validate/salesforce_number_precision", test_salesforce_number_precision);
	g_test_add_func("/validate/boolean_takes_true_and_false",
			test_boolean_takes_true_and_false);
	g_test_add_func("/validate/varchar_length_counts_characters_not_bytes",
			test_varchar_length_counts_characters_not_bytes);
	g_test_add_func("/validate/metadata_length_limits_text_when_smaller",
			test_metadata_length_limits_text_when_smaller);
	g_test_add_func("/validate/other_types_take_strings_as_text",
			test_other_types_take_strings_as_text);
	g_test_add_func("/validate/restricted_picklist", test_restricted_picklist);
	g_test_add_func("/validate/restricted_picklist_message_lists_a_line_of_values",
			test_restricted_picklist_message_lists_a_line_of_values);
	g_test_add_func("/validate/multipicklist_values_checked_and_distinct",
			test_multipicklist_values_checked_and_distinct);
	g_test_add_func("/validate/email_syntax", test_email_syntax);
	g_test_add_func("/validate/url_syntax", test_url_syntax);
	g_test_add_func("/validate/reference_is_a_salesforce_id",
			test_reference_is_a_salesforce_id);
	g_test_add_func("/validate/timestamp_column_takes_utc_text",
			test_timestamp_column_takes_utc_text);
	g_test_add_func("/validate/messages_quote_values_in_json_and_stay_short",
			test_messages_quote_values_in_json_and_stay_short);
	g_test_add_func("/validate/messages_cut_long_field_names",
			test_messages_cut_long_field_names);

	return g_test_run();
}
