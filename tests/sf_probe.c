/*
 * sf_probe: runs one Salesforce client operation and prints the result as JSON.
 *
 * A test driver for tests/integration/test_sf_client.py, not a user command.
 * Credentials come from the SF_* environment variables (sf_auth.h).
 *
 *   sf_probe [--timeout-ms N] [--connect-timeout-ms N] [--login-first] COMMAND ...
 *     login
 *     describe-global
 *     describe OBJECT
 *     query [--all] [--batch N] SOQL
 *     updated OBJECT START END      START/END: Salesforce datetimes
 *     deleted OBJECT START END
 *     create OBJECT FILE [--all-or-none]       FILE: JSON array of records
 *     update OBJECT FILE [--all-or-none]
 *     upsert OBJECT EXT_FIELD FILE [--all-or-none]
 *     delete OBJECT FILE [--all-or-none]       FILE: JSON array of ids
 *     bulk-query [--all] [--page N] SOQL
 *
 * Output on stdout, one JSON object:
 *   {"ok": true, "result": {...}, "calls": {...}, "logins": N, "api_usage": {...}}
 *   {"ok": false, "error": {"kind", "http_status", "code", "message", "fields",
 *                           "transient"}, ...}
 * Exit status 0 on success, 1 on an error, 2 on a usage error.
 */
#include "log.h"
#include "sf_bulk.h"
#include "sf_changes.h"
#include "sf_client.h"
#include "sf_collections.h"
#include "sf_describe.h"
#include "sf_query.h"
#include "sf_time.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct probe {
	struct sf_client *client;
	int argc;
	char **argv;
	cJSON *result;
};

static void usage(const char *why)
{
	fprintf(stderr, "sf_probe: %s\nsee the comment at the top of tests/sf_probe.c\n", why);
	exit(2);
}

/* Removes a flag from the arguments; true when it was there. */
static bool take_flag(struct probe *p, const char *flag)
{
	for (int i = 0; i < p->argc; i++) {
		if (strcmp(p->argv[i], flag) == 0) {
			memmove(&p->argv[i], &p->argv[i + 1],
				sizeof(char *) * (size_t)(p->argc - i));
			p->argc--;
			return true;
		}
	}
	return false;
}

/* Removes "--name VALUE"; returns VALUE or NULL. */
static const char *take_option(struct probe *p, const char *name)
{
	for (int i = 0; i + 1 < p->argc; i++) {
		if (strcmp(p->argv[i], name) == 0) {
			const char *value = p->argv[i + 1];
			memmove(&p->argv[i], &p->argv[i + 2],
				sizeof(char *) * (size_t)(p->argc - i - 1));
			p->argc -= 2;
			return value;
		}
	}
	return NULL;
}

static const char *arg(struct probe *p, int i)
{
	if (i >= p->argc)
		usage("missing argument");
	return p->argv[i];
}

static cJSON *error_json(const struct sf_error *err)
{
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "kind", sf_error_kind_name(err->kind));
	cJSON_AddNumberToObject(e, "http_status", (double)err->http_status);
	if (err->code)
		cJSON_AddStringToObject(e, "code", err->code);
	else
		cJSON_AddNullToObject(e, "code");
	cJSON_AddStringToObject(e, "message", err->message);
	cJSON *fields = cJSON_AddArrayToObject(e, "fields");
	for (char **f = err->fields; *f; f++)
		cJSON_AddItemToArray(fields, cJSON_CreateString(*f));
	cJSON_AddBoolToObject(e, "transient", sf_error_is_transient(err));
	return e;
}

static void add_time(cJSON *obj, const char *key, int64_t ms)
{
	char buf[SF_TIME_BUF];
	sf_time_format(ms, buf);
	cJSON_AddStringToObject(obj, key, buf);
}

static int64_t time_arg(struct probe *p, int i)
{
	int64_t ms;
	if (!sf_time_parse(arg(p, i), &ms))
		usage("a time must look like 2023-10-01T12:34:56.000Z");
	return ms;
}

static cJSON *read_json_file(const char *path)
{
	char *text;
	gsize len;
	if (!g_file_get_contents(path, &text, &len, NULL))
		usage("cannot read the JSON file");
	cJSON *json = cJSON_ParseWithLength(text, len);
	g_free(text);
	if (!json)
		usage("the file is not JSON");
	return json;
}

static struct sf_error *cmd_login(struct probe *p)
{
	struct sf_error *err = sf_client_login(p->client);
	if (err)
		return err;
	p->result = cJSON_CreateObject();
	cJSON_AddStringToObject(p->result, "instance_url", sf_client_instance_url(p->client));
	const char *identity = sf_client_identity_url(p->client);
	if (identity)
		cJSON_AddStringToObject(p->result, "identity_url", identity);
	cJSON_AddStringToObject(p->result, "api_version", sf_client_api_version(p->client));
	return NULL;
}

static cJSON *object_info_json(const struct sf_object_info *o)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "name", o->name);
	if (o->label)
		cJSON_AddStringToObject(j, "label", o->label);
	if (o->key_prefix)
		cJSON_AddStringToObject(j, "key_prefix", o->key_prefix);
	else
		cJSON_AddNullToObject(j, "key_prefix");
	cJSON_AddBoolToObject(j, "queryable", o->queryable);
	cJSON_AddBoolToObject(j, "createable", o->createable);
	cJSON_AddBoolToObject(j, "updateable", o->updateable);
	cJSON_AddBoolToObject(j, "deletable", o->deletable);
	cJSON_AddBoolToObject(j, "custom", o->custom);
	cJSON_AddBoolToObject(j, "replicateable", o->replicateable);
	return j;
}

static struct sf_error *cmd_describe_global(struct probe *p)
{
	struct sf_describe_global *g;
	struct sf_error *err = sf_describe_global(p->client, &g);
	if (err)
		return err;
	p->result = cJSON_CreateObject();
	cJSON *list = cJSON_AddArrayToObject(p->result, "objects");
	for (size_t i = 0; i < g->n_objects; i++)
		cJSON_AddItemToArray(list, object_info_json(&g->objects[i]));
	sf_describe_global_free(g);
	return NULL;
}

static cJSON *field_json(const struct sf_field *f)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "name", f->name);
	cJSON_AddStringToObject(j, "type", sf_field_type_name(f->type));
	cJSON_AddStringToObject(j, "type_name", f->type_name);
	cJSON_AddNumberToObject(j, "length", f->length);
	cJSON_AddNumberToObject(j, "precision", f->precision);
	cJSON_AddNumberToObject(j, "scale", f->scale);
	cJSON_AddBoolToObject(j, "nillable", f->nillable);
	cJSON_AddBoolToObject(j, "createable", f->createable);
	cJSON_AddBoolToObject(j, "updateable", f->updateable);
	cJSON_AddBoolToObject(j, "defaulted_on_create", f->defaulted_on_create);
	cJSON_AddBoolToObject(j, "external_id", f->external_id);
	cJSON_AddBoolToObject(j, "restricted_picklist", f->restricted_picklist);
	cJSON *values = cJSON_AddArrayToObject(j, "picklist_values");
	for (size_t i = 0; i < f->n_picklist_values; i++)
		cJSON_AddItemToArray(values, cJSON_CreateString(f->picklist_values[i].value));
	cJSON *refs = cJSON_AddArrayToObject(j, "reference_to");
	for (char **r = f->reference_to; *r; r++)
		cJSON_AddItemToArray(refs, cJSON_CreateString(*r));
	return j;
}

static struct sf_error *cmd_describe(struct probe *p)
{
	struct sf_object_describe *d;
	struct sf_error *err = sf_describe_object(p->client, arg(p, 1), &d);
	if (err)
		return err;
	p->result = object_info_json(&d->info);
	cJSON *fields = cJSON_AddArrayToObject(p->result, "fields");
	for (size_t i = 0; i < d->n_fields; i++)
		cJSON_AddItemToArray(fields, field_json(&d->fields[i]));
	sf_object_describe_free(d);
	return NULL;
}

static struct sf_error *cmd_query(struct probe *p)
{
	bool all = take_flag(p, "--all");
	const char *batch = take_option(p, "--batch");
	struct sf_query *q;
	struct sf_error *err =
	    sf_query_open(p->client, arg(p, 1), all, batch ? atoi(batch) : 0, &q);
	if (err)
		return err;
	cJSON *records = cJSON_CreateArray();
	cJSON *rec;
	while (!(err = sf_query_next(q, &rec)) && rec)
		cJSON_AddItemToArray(records, rec);
	if (!err) {
		p->result = cJSON_CreateObject();
		cJSON_AddNumberToObject(p->result, "total_size", (double)sf_query_total_size(q));
		cJSON_AddNumberToObject(p->result, "pages", sf_query_pages(q));
		cJSON_AddItemToObject(p->result, "records", records);
	} else {
		cJSON_Delete(records);
	}
	sf_query_close(q);
	return err;
}

static struct sf_error *cmd_updated(struct probe *p)
{
	struct sf_updated *u;
	struct sf_error *err =
	    sf_changes_updated(p->client, arg(p, 1), time_arg(p, 2), time_arg(p, 3), &u);
	if (err)
		return err;
	p->result = cJSON_CreateObject();
	cJSON_AddItemToObject(p->result, "ids",
			      cJSON_CreateStringArray((const char *const *)u->ids, (int)u->n_ids));
	add_time(p->result, "latest_date_covered", u->latest_date_covered);
	sf_updated_free(u);
	return NULL;
}

static struct sf_error *cmd_deleted(struct probe *p)
{
	struct sf_deleted *d;
	struct sf_error *err =
	    sf_changes_deleted(p->client, arg(p, 1), time_arg(p, 2), time_arg(p, 3), &d);
	if (err)
		return err;
	p->result = cJSON_CreateObject();
	cJSON *list = cJSON_AddArrayToObject(p->result, "records");
	for (size_t i = 0; i < d->n_records; i++) {
		cJSON *r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "id", d->records[i].id);
		add_time(r, "deleted_date", d->records[i].deleted_date);
		cJSON_AddItemToArray(list, r);
	}
	add_time(p->result, "latest_date_covered", d->latest_date_covered);
	if (d->earliest_date_available)
		add_time(p->result, "earliest_date_available", d->earliest_date_available);
	sf_deleted_free(d);
	return NULL;
}

static cJSON *results_json(const struct sf_collection_results *r)
{
	cJSON *list = cJSON_CreateArray();
	for (size_t i = 0; i < r->n; i++) {
		const struct sf_record_result *res = &r->results[i];
		cJSON *j = cJSON_CreateObject();
		cJSON_AddBoolToObject(j, "success", res->success);
		if (res->id)
			cJSON_AddStringToObject(j, "id", res->id);
		else
			cJSON_AddNullToObject(j, "id");
		if (res->created >= 0)
			cJSON_AddBoolToObject(j, "created", res->created == 1);
		cJSON *errors = cJSON_AddArrayToObject(j, "errors");
		for (size_t e = 0; e < res->n_errors; e++)
			cJSON_AddItemToArray(errors, error_json(res->errors[e]));
		cJSON_AddItemToArray(list, j);
	}
	return list;
}

static struct sf_error *cmd_write(struct probe *p)
{
	const char *cmd = p->argv[0];
	bool all_or_none = take_flag(p, "--all-or-none");
	bool upsert = strcmp(cmd, "upsert") == 0;
	const char *object = arg(p, 1);
	cJSON *input = read_json_file(arg(p, upsert ? 3 : 2));
	struct sf_collection_results *r = NULL;
	struct sf_error *err;
	if (strcmp(cmd, "create") == 0) {
		err = sf_collections_create(p->client, object, input, all_or_none, &r);
	} else if (strcmp(cmd, "update") == 0) {
		err = sf_collections_update(p->client, object, input, all_or_none, &r);
	} else if (upsert) {
		err = sf_collections_upsert(p->client, object, arg(p, 2), input, all_or_none, &r);
	} else {
		int n = cJSON_GetArraySize(input);
		const char **ids = g_new0(const char *, n + 1);
		for (int i = 0; i < n; i++)
			ids[i] = cJSON_GetStringValue(cJSON_GetArrayItem(input, i));
		err = sf_collections_delete(p->client, object, ids, (size_t)n, all_or_none, &r);
		g_free(ids);
	}
	cJSON_Delete(input);
	if (err)
		return err;
	p->result = cJSON_CreateObject();
	cJSON_AddItemToObject(p->result, "results", results_json(r));
	sf_collection_results_free(r);
	return NULL;
}

static struct sf_error *cmd_bulk_query(struct probe *p)
{
	bool all = take_flag(p, "--all");
	const char *page = take_option(p, "--page");
	struct sf_bulk_options opts = {.poll_initial_ms = 50,
				       .poll_max_ms = 500,
				       .max_wait_ms = 60000,
				       .page_records = page ? atol(page) : 0};
	struct sf_bulk_query *q;
	struct sf_error *err = sf_bulk_query_open(p->client, arg(p, 1), all, &opts, &q);
	if (err)
		return err;
	cJSON *rows = cJSON_CreateArray();
	const struct sf_csv_row *row;
	while (!(err = sf_bulk_query_next(q, &row)) && row)
		cJSON_AddItemToArray(rows, cJSON_CreateStringArray((const char *const *)row->fields,
								   (int)row->n_fields));
	if (!err) {
		p->result = cJSON_CreateObject();
		const struct sf_csv_row *cols = sf_bulk_query_columns(q);
		cJSON_AddItemToObject(
		    p->result, "columns",
		    cols ? cJSON_CreateStringArray((const char *const *)cols->fields,
						   (int)cols->n_fields)
			 : cJSON_CreateArray());
		cJSON_AddItemToObject(p->result, "rows", rows);
		cJSON_AddNumberToObject(p->result, "pages", sf_bulk_query_pages(q));
		cJSON_AddNumberToObject(p->result, "records", (double)sf_bulk_query_records(q));
	} else {
		cJSON_Delete(rows);
	}
	sf_bulk_query_close(q);
	return err;
}

static const struct {
	const char *name;
	struct sf_error *(*run)(struct probe *p);
} commands[] = {
    {"login", cmd_login},	    {"describe-global", cmd_describe_global},
    {"describe", cmd_describe},	    {"query", cmd_query},
    {"updated", cmd_updated},	    {"deleted", cmd_deleted},
    {"create", cmd_write},	    {"update", cmd_write},
    {"upsert", cmd_write},	    {"delete", cmd_write},
    {"bulk-query", cmd_bulk_query},
};

static void add_call_count(const char *object, unsigned long calls, void *ud)
{
	cJSON_AddNumberToObject(ud, *object ? object : "(none)", (double)calls);
}

int main(int argc, char **argv)
{
	struct probe p = {.argc = argc - 1, .argv = argv + 1};
	if (g_getenv("SF_PROBE_DEBUG"))
		log_set_debug(true);
	const char *timeout = take_option(&p, "--timeout-ms");
	const char *connect_timeout = take_option(&p, "--connect-timeout-ms");
	bool login_first = take_flag(&p, "--login-first");
	if (p.argc < 1)
		usage("no command");
	struct sf_error *(*run)(struct probe *) = NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		if (strcmp(p.argv[0], commands[i].name) == 0)
			run = commands[i].run;
	if (!run)
		usage("unknown command");

	struct sf_http_options opts = {
	    .timeout_ms = timeout ? atol(timeout) : 0,
	    .connect_timeout_ms = connect_timeout ? atol(connect_timeout) : 0,
	};
	struct sf_error *err = sf_client_from_env(&opts, &p.client);
	if (!err && login_first)
		err = sf_client_login(p.client);
	if (!err)
		err = run(&p);

	cJSON *out = cJSON_CreateObject();
	cJSON_AddBoolToObject(out, "ok", err == NULL);
	if (err)
		cJSON_AddItemToObject(out, "error", error_json(err));
	else
		cJSON_AddItemToObject(out, "result", p.result);
	if (p.client) {
		cJSON *calls = cJSON_AddObjectToObject(out, "calls");
		cJSON_AddNumberToObject(calls, "total", (double)sf_client_calls(p.client, NULL));
		cJSON *per = cJSON_AddObjectToObject(calls, "per_object");
		sf_client_foreach_calls(p.client, add_call_count, per);
		cJSON_AddNumberToObject(out, "logins", (double)sf_client_logins(p.client));
		long long used, max;
		if (sf_client_api_usage(p.client, &used, &max)) {
			cJSON *usage_json = cJSON_AddObjectToObject(out, "api_usage");
			cJSON_AddNumberToObject(usage_json, "used", (double)used);
			cJSON_AddNumberToObject(usage_json, "max", (double)max);
		}
	}
	char *text = cJSON_Print(out);
	puts(text);
	cJSON_free(text);
	cJSON_Delete(out);
	int status = err ? 1 : 0;
	if (err)
		fprintf(stderr, "sf_probe: %s: %s\n", p.argv[0], err->message);
	sf_error_free(err);
	sf_client_free(p.client);
	return status;
}
