/* sf_csv: Bulk API 2.0 CSV with quotes, embedded newlines and CRLF. */
#include "sf_csv.h"

#include <glib.h>
#include <string.h>

static struct sf_csv *parse_ok(const char *text)
{
	struct sf_csv *csv;
	struct sf_error *err = sf_csv_parse(text, strlen(text), ',', &csv);
	if (err)
		g_error("%s", err->message);
	return csv;
}

static void test_parses_quoted_fields_with_newlines_and_quotes(void)
{
	struct sf_csv *csv = parse_ok("\"Id\",\"Name\",\"Description\"\n"
				      "\"001000000000001AAA\",\"Acme, Inc.\",\"line one\nline "
				      "two\"\n"
				      "\"001000000000002AAA\",\"Say \"\"hi\"\"\",\"\"\n");
	g_assert_cmpuint(csv->n_rows, ==, 3);
	g_assert_cmpuint(csv->rows[0].n_fields, ==, 3);
	g_assert_cmpstr(csv->rows[0].fields[2], ==, "Description");
	g_assert_cmpstr(csv->rows[1].fields[1], ==, "Acme, Inc.");
	g_assert_cmpstr(csv->rows[1].fields[2], ==, "line one\nline two");
	g_assert_cmpstr(csv->rows[2].fields[1], ==, "Say \"hi\"");
	g_assert_cmpstr(csv->rows[2].fields[2], ==, "");
	g_assert_null(csv->rows[2].fields[3]);
	sf_csv_free(csv);
}

static void test_handles_crlf_and_missing_final_newline(void)
{
	struct sf_csv *csv = parse_ok("a,b\r\n1,\r\n,2");
	g_assert_cmpuint(csv->n_rows, ==, 3);
	g_assert_cmpstr(csv->rows[1].fields[0], ==, "1");
	g_assert_cmpstr(csv->rows[1].fields[1], ==, "");
	g_assert_cmpstr(csv->rows[2].fields[0], ==, "");
	g_assert_cmpstr(csv->rows[2].fields[1], ==, "2");
	sf_csv_free(csv);
	csv = parse_ok("\"\"");
	g_assert_cmpuint(csv->n_rows, ==, 1);
	g_assert_cmpstr(csv->rows[0].fields[0], ==, "");
	sf_csv_free(csv);
	csv = parse_ok("");
	g_assert_cmpuint(csv->n_rows, ==, 0);
	sf_csv_free(csv);
	csv = parse_ok("x\n\ny\n");
	g_assert_cmpuint(csv->n_rows, ==, 3);
	g_assert_cmpuint(csv->rows[1].n_fields, ==, 1);
	sf_csv_free(csv);
}

static void test_rejects_malformed_csv_naming_the_line(void)
{
	const char *bad[] = {"a,b\n\"open,c\n", "a,b\nx\"y,z\n", "a\n\"q\"x,1\n"};
	const char *where[] = {"line 2", "line 2", "line 2"};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		struct sf_csv *csv = (void *)1;
		struct sf_error *err = sf_csv_parse(bad[i], strlen(bad[i]), ',', &csv);
		g_assert_nonnull(err);
		g_assert_null(csv);
		g_assert_cmpint(err->kind, ==, SF_ERR_BAD_RESPONSE);
		g_assert_nonnull(strstr(err->message, where[i]));
		sf_error_free(err);
	}
}

static void test_other_delimiters(void)
{
	struct sf_csv *csv;
	g_assert_null(sf_csv_parse("a;\"b;c\"\n", 8, ';', &csv));
	g_assert_cmpstr(csv->rows[0].fields[1], ==, "b;c");
	sf_csv_free(csv);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sf_csv/parses_quoted_fields_with_newlines_and_quotes",
			test_parses_quoted_fields_with_newlines_and_quotes);
	g_test_add_func("/sf_csv/handles_crlf_and_missing_final_newline",
			test_handles_crlf_and_missing_final_newline);
	g_test_add_func("/sf_csv/rejects_malformed_csv_naming_the_line",
			test_rejects_malformed_csv_naming_the_line);
	g_test_add_func("/sf_csv/other_delimiters", test_other_delimiters);
	return g_test_run();
}
