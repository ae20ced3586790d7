/*
 * sync_objects: which objects and fields the sync engine moves, and how it inserts them.
 *
 * The objects are the tables of the schema that have `_forcefs_fields` rows (made by
 * `forcefs init`), or, with a mapping (sync_mapping), the mapped objects; `--objects`
 * narrows either to a subset. The fields of an object are its _forcefs_fields rows that
 * have a column in the table (and, with a mapping, that the mapping lists, plus Id,
 * SystemModstamp, IsDeleted and CreatedDate).
 *
 * The upsert field (docs/sync.md "Idempotent inserts"): the mapping's upsert_field, or
 * else an external-id text field of at least 36 characters that is createable and
 * updateable (External_ID__c when there are several). When the row being inserted has no
 * value in it, the push generates a UUID into it first, so that a retry after a lost
 * answer upserts the same record instead of creating a second one.
 *
 * Pure apart from logging the warnings: catalog and metadata in, plain structs out.
 */
#ifndef FORCEFS_SYNC_OBJECTS_H
#define FORCEFS_SYNC_OBJECTS_H

#include <stdbool.h>
#include <stddef.h>

#include "db_fields.h"
#include "db_schema.h"
#include "error.h"
#include "sync_mapping.h"

/* Length of a generated external id: a UUID, 8-4-4-4-12 hex digits. */
#define SYNC_UUID_LEN 36

/* One synced field. Strings are borrowed from the metadata. */
struct sync_field {
	const char *api;    /* field API name, "AnnualRevenue" */
	const char *column; /* column, "annualrevenue" */
	const char *type;   /* Salesforce type, "currency" */
	int length;
	bool createable;
	bool updateable;
};

struct sync_object {
	char *name;  /* API name, "Account" */
	char *table; /* table, "account" */
	const struct db_object *db;
	struct sync_field *fields; /* every synced field, Id first */
	size_t nfields;
	const struct sync_field *upsert; /* external id used for inserts, or NULL */
	bool upsert_from_mapping;	 /* named by the mapping (else chosen by forcefs) */
	bool upsert_generated;		 /* forcefs fills it with a UUID when empty */
	bool read_only;			 /* never pushed */
	int poll_seconds;
	long max_daily_api_calls; /* the mapping's sf_max_daily_api_calls, or 0 */
};

struct sync_objects {
	struct sync_object *objects;
	size_t nobjects;
};

/*
 * Resolves the objects to sync. `mapping` may be NULL (every object with metadata);
 * `only` is a comma-separated list of object names (or tables), or NULL for all;
 * `poll_override` > 0 replaces every object's interval (--poll-interval).
 * Fails with EINVAL naming the object when a mapped object has no table or no metadata,
 * an object has no Id or SystemModstamp column, or the mapping's upsert_field is not one
 * of its fields; with ENOENT when there is nothing to sync.
 */
int sync_objects_resolve(const struct db_catalog *catalog, const struct db_fields *fields,
			 const struct sync_mapping *mapping, const char *only, int poll_override,
			 struct sync_objects **out, struct error *err);

void sync_objects_free(struct sync_objects *objects);

/* The field in `column`, or NULL. */
const struct sync_field *sync_object_field(const struct sync_object *object, const char *column);

/* The object of table `table`, or NULL. */
struct sync_object *sync_objects_find(const struct sync_objects *objects, const char *table);

#endif
