#include "sf_describe.h"

#include "sf_soql.h"

#include <glib.h>
#include <string.h>

static const char *const type_names[] = {
    [SF_FIELD_UNKNOWN] = "unknown",
    [SF_FIELD_ID] = "id",
    [SF_FIELD_REFERENCE] = "reference",
    [SF_FIELD_STRING] = "string",
    [SF_FIELD_TEXTAREA] = "textarea",
    [SF_FIELD_PICKLIST] = "picklist",
    [SF_FIELD_MULTIPICKLIST] = "multipicklist",
    [SF_FIELD_COMBOBOX] = "combobox",
    [SF_FIELD_EMAIL] = "email",
    [SF_FIELD_PHONE] = "phone",
    [SF_FIELD_URL] = "url",
    [SF_FIELD_ENCRYPTEDSTRING] = "encryptedstring",
    [SF_FIELD_BOOLEAN] = "boolean",
    [SF_FIELD_INT] = "int",
    [SF_FIELD_LONG] = "long",
    [SF_FIELD_DOUBLE] = "double",
    [SF_FIELD_CURRENCY] = "currency",
    [SF_FIELD_PERCENT] = "percent",
    [SF_FIELD_DATE] = "date",
    [SF_FIELD_DATETIME] = "datetime",
    [SF_FIELD_TIME] = "time",
    [SF_FIELD_BASE64] = "base64",
    [SF_FIELD_ADDRESS] = "address",
    [SF_FIELD_LOCATION] = "location",
    [SF_FIELD_ANYTYPE] = "anyType",
    [SF_FIELD_COMPLEXVALUE] = "complexvalue",
    [SF_FIELD_DATACATEGORYGROUPREFERENCE] = "datacategorygroupreference",
    [SF_FIELD_JSON] = "json",
};

enum sf_field_type sf_field_type_from_name(const char *name)
{
	for (size_t i = 1; name && i < G_N_ELEMENTS(type_names); i++)
		if (g_ascii_strcasecmp(name, type_names[i]) == 0)
			return (enum sf_field_type)i;
	return SF_FIELD_UNKNOWN;
}

const char *sf_field_type_name(enum sf_field_type type)
{
	return (size_t)type < G_N_ELEMENTS(type_names) ? type_names[type] : "unknown";
}

static const char *str(const cJSON *obj, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(item) ? item->valuestring : NULL;
}

static char *str_copy(const cJSON *obj, const char *key)
{
	return g_strdup(str(obj, key));
}

static bool flag(const cJSON *obj, const char *key)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

static int number(const cJSON *obj, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!cJSON_IsNumber(item) || item->valuedouble < 0 || item->valuedouble > G_MAXINT)
		return 0;
	return (int)item->valuedouble;
}

static char **string_list(const cJSON *arr)
{
	GPtrArray *list = g_ptr_array_new();
	const cJSON *item;
	if (cJSON_IsArray(arr)) {
		cJSON_ArrayForEach(item, arr)
		{
			if (cJSON_IsString(item))
				g_ptr_array_add(list, g_strdup(item->valuestring));
		}
	}
	g_ptr_array_add(list, NULL);
	return (char **)g_ptr_array_free(list, FALSE);
}

static void read_object_info(const cJSON *obj, struct sf_object_info *info)
{
	info->name = str_copy(obj, "name");
	info->label = str_copy(obj, "label");
	info->label_plural = str_copy(obj, "labelPlural");
	info->key_prefix = str_copy(obj, "keyPrefix");
	info->queryable = flag(obj, "queryable");
	info->createable = flag(obj, "createable");
	info->updateable = flag(obj, "updateable");
	info->deletable = flag(obj, "deletable");
	info->custom = flag(obj, "custom");
	info->replicateable = flag(obj, "replicateable");
	info->retrieveable = flag(obj, "retrieveable");
	info->searchable = flag(obj, "searchable");
	info->triggerable = flag(obj, "triggerable");
	info->undeletable = flag(obj, "undeletable");
	info->custom_setting = flag(obj, "customSetting");
	info->deprecated_and_hidden = flag(obj, "deprecatedAndHidden");
}

static void free_object_info(struct sf_object_info *info)
{
	g_free(info->name);
	g_free(info->label);
	g_free(info->label_plural);
	g_free(info->key_prefix);
}

static void read_picklist(const cJSON *arr, struct sf_field *f)
{
	int n = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : 0;
	f->picklist_values = g_new0(struct sf_picklist_value, n > 0 ? n : 1);
	const cJSON *item;
	if (n == 0)
		return;
	cJSON_ArrayForEach(item, arr)
	{
		const char *value = str(item, "value");
		if (!value)
			continue;
		struct sf_picklist_value *v = &f->picklist_values[f->n_picklist_values++];
		v->value = g_strdup(value);
		v->label = str_copy(item, "label");
		v->active = flag(item, "active");
		v->default_value = flag(item, "defaultValue");
	}
}

static void read_field(const cJSON *obj, struct sf_field *f)
{
	f->name = str_copy(obj, "name");
	f->label = str_copy(obj, "label");
	f->type_name = str_copy(obj, "type");
	f->type = sf_field_type_from_name(f->type_name);
	f->length = number(obj, "length");
	f->byte_length = number(obj, "byteLength");
	f->precision = number(obj, "precision");
	f->scale = number(obj, "scale");
	f->digits = number(obj, "digits");
	f->nillable = flag(obj, "nillable");
	f->createable = flag(obj, "createable");
	f->updateable = flag(obj, "updateable");
	f->defaulted_on_create = flag(obj, "defaultedOnCreate");
	f->calculated = flag(obj, "calculated");
	f->auto_number = flag(obj, "autoNumber");
	f->external_id = flag(obj, "externalId");
	f->id_lookup = flag(obj, "idLookup");
	f->unique = flag(obj, "unique");
	f->case_sensitive = flag(obj, "caseSensitive");
	f->custom = flag(obj, "custom");
	f->restricted_picklist = flag(obj, "restrictedPicklist");
	f->dependent_picklist = flag(obj, "dependentPicklist");
	read_picklist(cJSON_GetObjectItemCaseSensitive(obj, "picklistValues"), f);
	f->reference_to = string_list(cJSON_GetObjectItemCaseSensitive(obj, "referenceTo"));
	f->relationship_name = str_copy(obj, "relationshipName");
	f->compound_field_name = str_copy(obj, "compoundFieldName");
	f->controller_name = str_copy(obj, "controllerName");
}

static void free_field(struct sf_field *f)
{
	g_free(f->name);
	g_free(f->label);
	g_free(f->type_name);
	for (size_t i = 0; i < f->n_picklist_values; i++) {
		g_free(f->picklist_values[i].value);
		g_free(f->picklist_values[i].label);
	}
	g_free(f->picklist_values);
	g_strfreev(f->reference_to);
	g_free(f->relationship_name);
	g_free(f->compound_field_name);
	g_free(f->controller_name);
}

struct sf_error *sf_describe_global_parse(const cJSON *json, struct sf_describe_global **out)
{
	*out = NULL;
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(json, "sobjects");
	if (!cJSON_IsObject(json) || !cJSON_IsArray(list))
		return sf_error_new(SF_ERR_BAD_RESPONSE, 0, NULL,
				    "describeGlobal answer has no \"sobjects\" list");
	const cJSON *item;
	cJSON_ArrayForEach(item, list)
	{
		if (!str(item, "name"))
			return sf_error_new(SF_ERR_BAD_RESPONSE, 0, NULL,
					    "describeGlobal answer lists an object without a "
					    "name");
	}
	struct sf_describe_global *g = g_new0(struct sf_describe_global, 1);
	g->encoding = str_copy(json, "encoding");
	g->max_batch_size = number(json, "maxBatchSize");
	int n = cJSON_GetArraySize(list);
	g->objects = g_new0(struct sf_object_info, n > 0 ? n : 1);
	cJSON_ArrayForEach(item, list)
	{
		read_object_info(item, &g->objects[g->n_objects++]);
	}
	*out = g;
	return NULL;
}

struct sf_error *sf_describe_object_parse(const cJSON *json, struct sf_object_describe **out)
{
	*out = NULL;
	const cJSON *fields = cJSON_GetObjectItemCaseSensitive(json, "fields");
	if (!cJSON_IsObject(json) || !str(json, "name") || !cJSON_IsArray(fields))
		return sf_error_new(SF_ERR_BAD_RESPONSE, 0, NULL,
				    "describe answer has no object name or no \"fields\" list");
	const cJSON *item;
	cJSON_ArrayForEach(item, fields)
	{
		if (!str(item, "name") || !str(item, "type"))
			return sf_error_new(SF_ERR_BAD_RESPONSE, 0, NULL,
					    "describe of %s lists a field without a name or type",
					    str(json, "name"));
	}
	struct sf_object_describe *d = g_new0(struct sf_object_describe, 1);
	read_object_info(json, &d->info);
	int n = cJSON_GetArraySize(fields);
	d->fields = g_new0(struct sf_field, n > 0 ? n : 1);
	cJSON_ArrayForEach(item, fields)
	{
		read_field(item, &d->fields[d->n_fields++]);
	}
	*out = d;
	return NULL;
}

struct sf_error *sf_describe_global(struct sf_client *client, struct sf_describe_global **out)
{
	*out = NULL;
	struct sf_call call = {.path = "sobjects"};
	cJSON *json;
	struct sf_error *err = sf_client_call_json(client, &call, &json, NULL);
	if (!err)
		err = sf_describe_global_parse(json, out);
	cJSON_Delete(json);
	if (err)
		sf_error_prefix(err, "describeGlobal");
	return err;
}

struct sf_error *sf_describe_object(struct sf_client *client, const char *object,
				    struct sf_object_describe **out)
{
	*out = NULL;
	if (!sf_soql_is_api_name(object))
		return sf_error_new(SF_ERR_INVALID_REQUEST, 0, NULL,
				    "describe: \"%s\" is not an object API name", object);
	char *path = g_strdup_printf("sobjects/%s/describe", object);
	struct sf_call call = {.path = path, .object = object};
	cJSON *json;
	struct sf_error *err = sf_client_call_json(client, &call, &json, NULL);
	if (!err)
		err = sf_describe_object_parse(json, out);
	cJSON_Delete(json);
	g_free(path);
	if (err)
		sf_error_prefix(err, "describe %s", object);
	return err;
}

const struct sf_field *sf_describe_find_field(const struct sf_object_describe *desc,
					      const char *name)
{
	for (size_t i = 0; name && i < desc->n_fields; i++)
		if (g_ascii_strcasecmp(desc->fields[i].name, name) == 0)
			return &desc->fields[i];
	return NULL;
}

void sf_describe_global_free(struct sf_describe_global *global)
{
	if (!global)
		return;
	for (size_t i = 0; i < global->n_objects; i++)
		free_object_info(&global->objects[i]);
	g_free(global->objects);
	g_free(global->encoding);
	g_free(global);
}

void sf_object_describe_free(struct sf_object_describe *desc)
{
	if (!desc)
		return;
	free_object_info(&desc->info);
	for (size_t i = 0; i < desc->n_fields; i++)
		free_field(&desc->fields[i]);
	g_free(desc->fields);
	g_free(desc);
}
