#include "sf_csv.h"

#include <glib.h>

struct parser {
	const char *p, *end;
	char delim;
	size_t line; /* 1-based, for messages */
	GString *field;
	GPtrArray *row; /* of char * */
	GArray *rows;	/* of struct sf_csv_row */
	bool in_record; /* something of the current record has been read */
};

static void end_field(struct parser *ps)
{
	g_ptr_array_add(ps->row, g_strndup(ps->field->str, ps->field->len));
	g_string_truncate(ps->field, 0);
}

static void end_row(struct parser *ps)
{
	end_field(ps);
	struct sf_csv_row row = {.n_fields = ps->row->len};
	g_ptr_array_add(ps->row, NULL);
	row.fields = (char **)g_ptr_array_free(ps->row, FALSE);
	g_array_append_val(ps->rows, row);
	ps->row = g_ptr_array_new_with_free_func(g_free);
	ps->in_record = false;
}

/* Consumes a line ending at p (LF or CRLF); true when there was one. */
static bool line_end(struct parser *ps)
{
	if (ps->p < ps->end && *ps->p == '\n') {
		ps->p++;
		ps->line++;
		return true;
	}
	if (ps->end - ps->p >= 2 && ps->p[0] == '\r' && ps->p[1] == '\n') {
		ps->p += 2;
		ps->line++;
		return true;
	}
	return false;
}

static struct sf_error *quoted_field(struct parser *ps)
{
	size_t start_line = ps->line;
	ps->p++; /* opening quote */
	for (;;) {
		if (ps->p >= ps->end)
			return sf_error_new(SF_ERR_BAD_RESPONSE, 0, NULL,
					    "CSV: quoted field opened on line %zu never ends",
					    start_line);
		char c = *ps->p++;
		if (c == '"') {
			if (ps->p < ps->end && *ps->p == '"') {
				g_string_append_c(ps->field, '"');
				ps->p++;
				continue;
			}
			break;
		}
		if (c == '\n')
			ps->line++;
		g_string_append_c(ps->field, c);
	}
	if (ps->p < ps->end && *ps->p != ps->delim && *ps->p != '\n' && *ps->p != '\r')
		return sf_error_new(SF_ERR_BAD_RESPONSE, 0, NULL,
				    "CSV: unexpected text after a closing quote on line %zu",
				    ps->line);
	return NULL;
}

static struct sf_error *parse(struct parser *ps)
{
	while (ps->p < ps->end) {
		ps->in_record = true;
		if (*ps->p == '"' && ps->field->len == 0) {
			struct sf_error *err = quoted_field(ps);
			if (err)
				return err;
		}
		if (ps->p >= ps->end)
			break;
		if (*ps->p == ps->delim) {
			end_field(ps);
			ps->p++;
		} else if (line_end(ps)) {
			end_row(ps);
		} else if (*ps->p == '"') {
			return sf_error_new(SF_ERR_BAD_RESPONSE, 0, NULL,
					    "CSV: quote inside an unquoted field on line %zu",
					    ps->line);
		} else {
			g_string_append_c(ps->field, *ps->p++);
		}
	}
	/* A last record without a line ending. */
	if (ps->in_record)
		end_row(ps);
	return NULL;
}

static void free_rows(GArray *rows)
{
	for (guint i = 0; i < rows->len; i++)
		g_strfreev(g_array_index(rows, struct sf_csv_row, i).fields);
	g_array_free(rows, TRUE);
}

struct sf_error *sf_csv_parse(const char *text, size_t len, char delimiter, struct sf_csv **out)
{
	*out = NULL;
	struct parser ps = {
	    .p = text,
	    .end = text + len,
	    .delim = delimiter,
	    .line = 1,
	    .field = g_string_new(NULL),
	    .row = g_ptr_array_new_with_free_func(g_free),
	    .rows = g_array_new(FALSE, FALSE, sizeof(struct sf_csv_row)),
	};
	struct sf_error *err = len ? parse(&ps) : NULL;
	g_string_free(ps.field, TRUE);
	g_ptr_array_free(ps.row, TRUE);
	if (err) {
		free_rows(ps.rows);
		return err;
	}
	struct sf_csv *csv = g_new0(struct sf_csv, 1);
	csv->n_rows = ps.rows->len;
	csv->rows = (struct sf_csv_row *)(void *)g_array_free(ps.rows, FALSE);
	*out = csv;
	return NULL;
}

void sf_csv_free(struct sf_csv *csv)
{
	if (!csv)
		return;
	for (size_t i = 0; i < csv->n_rows; i++)
		g_strfreev(csv->rows[i].fields);
	g_free(csv->rows);
	g_free(csv);
}
