/*
 * sf_describe: what objects an org has and what fields they carry.
 *
 *   GET /services/data/vXX.X/sobjects                 -> sf_describe_global()
 *   GET /services/data/vXX.X/sobjects/{Obj}/describe  -> sf_describe_object()
 *
 * Only the properties forcefs uses are kept (table layout, §5.1 validation,
 * sync). A field type this client does not know (Salesforce adds some now and
 * then) is kept as SF_FIELD_UNKNOWN with its original name in `type_name`; it
 * is never an error. Absent properties read as false / 0 / empty.
 */
#ifndef FORCEFS_SF_DESCRIBE_H
#define FORCEFS_SF_DESCRIBE_H

#include "sf_client.h"
#include "sf_error.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

enum sf_field_type {
	SF_FIELD_UNKNOWN,
	SF_FIELD_ID,
	SF_FIELD_REFERENCE,
	SF_FIELD_STRING,
	SF_FIELD_TEXTAREA,
	SF_FIELD_PICKLIST,
	SF_FIELD_MULTIPICKLIST,
	SF_FIELD_COMBOBOX,
	SF_FIELD_EMAIL,
	SF_FIELD_PHONE,
	SF_FIELD_URL,
	SF_FIELD_ENCRYPTEDSTRING,
	SF_FIELD_BOOLEAN,
	SF_FIELD_INT,
	SF_FIELD_LONG,
	SF_FIELD_DOUBLE,
	SF_FIELD_CURRENCY,
	SF_FIELD_PERCENT,
	SF_FIELD_DATE,
	SF_FIELD_DATETIME,
	SF_FIELD_TIME,
	SF_FIELD_BASE64,
	SF_FIELD_ADDRESS,
	SF_FIELD_LOCATION,
	SF_FIELD_ANYTYPE,
	SF_FIELD_COMPLEXVALUE,
	SF_FIELD_DATACATEGORYGROUPREFERENCE,
	SF_FIELD_JSON,
};

struct sf_picklist_value {
	char *value;
	char *label; /* NULL when absent */
	bool active;
	bool default_value;
};

struct sf_field {
	char *name;		 /* API name, "Name", "Custom__c" */
	char *label;		 /* NULL when absent */
	enum sf_field_type type; /* SF_FIELD_UNKNOWN for types not listed above */
	char *type_name;	 /* the type as Salesforce wrote it, "string" */
	int length;		 /* max characters of text fields, else 0 */
	int byte_length;
	int precision; /* total digits of double/currency/percent */
	int scale;     /* digits after the decimal point */
	int digits;    /* max digits of int fields */
	bool nillable;
	bool createable;
	bool updateable;
	bool defaulted_on_create;
	bool calculated;  /* formula or roll-up: read-only */
	bool auto_number; /* read-only */
	bool external_id; /* usable as an upsert key */
	bool id_lookup;
	bool unique;
	bool case_sensitive;
	bool custom;
	bool restricted_picklist; /* only active picklist values are accepted */
	bool dependent_picklist;
	size_t n_picklist_values;
	struct sf_picklist_value *picklist_values;
	char **reference_to;	   /* NULL-terminated object names; never NULL */
	char *relationship_name;   /* "Owner" for OwnerId, or NULL */
	char *compound_field_name; /* "BillingAddress" for BillingCity, or NULL */
	char *controller_name;	   /* controlling field of a dependent picklist, or NULL */
};

struct sf_object_info {
	char *name;	    /* "Account" */
	char *label;	    /* NULL when absent */
	char *label_plural; /* NULL when absent */
	char *key_prefix;   /* "001"; NULL for objects without ids */
	bool queryable;
	bool createable;
	bool updateable;
	bool deletable;
	bool custom;
	bool replicateable; /* usable with /updated/ and /deleted/ */
	bool retrieveable;
	bool searchable;
	bool triggerable;
	bool undeletable;
	bool custom_setting;
	bool deprecated_and_hidden;
};

struct sf_describe_global {
	char *encoding;	    /* "UTF-8", or NULL */
	int max_batch_size; /* 200, or 0 when absent */
	size_t n_objects;
	struct sf_object_info *objects;
};

struct sf_object_describe {
	struct sf_object_info info;
	size_t n_fields;
	struct sf_field *fields; /* in the order Salesforce lists them */
};

/* describeGlobal: every object of the org. */
struct sf_error *sf_describe_global(struct sf_client *client, struct sf_describe_global **out);

/* The describe of one object. An unknown object is a not_found error; a name
 * that is not an API name is refused (invalid_request) without a call. */
struct sf_error *sf_describe_object(struct sf_client *client, const char *object,
				    struct sf_object_describe **out);

/* Reads a describeGlobal body. A bad_response error when it has no "sobjects"
 * list or an entry without a name. */
struct sf_error *sf_describe_global_parse(const cJSON *json, struct sf_describe_global **out);

/* Reads an object describe body. A bad_response error when it has no name,
 * no "fields" list, or a field without a name or type. */
struct sf_error *sf_describe_object_parse(const cJSON *json, struct sf_object_describe **out);

/* The field named `name` (case-insensitively, as Salesforce compares), or NULL. */
const struct sf_field *sf_describe_find_field(const struct sf_object_describe *desc,
					      const char *name);

/* The type of a Salesforce type name ("picklist"), or SF_FIELD_UNKNOWN. */
enum sf_field_type sf_field_type_from_name(const char *name);

/* The Salesforce name of a known type ("picklist"), "unknown" for SF_FIELD_UNKNOWN. */
const char *sf_field_type_name(enum sf_field_type type);

void sf_describe_global_free(struct sf_describe_global *global);
void sf_object_describe_free(struct sf_object_describe *desc);

#endif
