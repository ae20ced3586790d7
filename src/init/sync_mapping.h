/*
 * sync_mapping: which Salesforce objects and fields forcefs syncs, and how (docs/contract.md §7).
 *
 * A mapping comes either from a file in the form Heroku Connect exports
 * (`heroku connect:export`):
 *
 *   {"mappings": [{"object_name": "Account",
 *                  "config": {"access": "read_write",           (or "read_only")
 *                             "sf_polling_seconds": 600,        (optional)
 *                             "upsert_field": "External_ID__c", (optional)
 *                             "fields": {"Id": {}, "Name": {}, ...},
 *                             "indexes": {"Name": {"unique": false}, ...}}}]}   (optional)
 *
 * or from a list of object names (`--objects Account,Contact`), which maps every
 * field the describe lists, read-write. Other keys of the export (connection,
 * version, sf_notify_enabled, ...) are accepted and ignored.
 *
 * Reading validates everything that can be checked without Salesforce and fails with
 * EINVAL and one line naming the file and the entry:
 *   mapping m.json: mappings[1] (Contact): config.access must be "read_write" or
 *   "read_only", got "write"
 * Whether the objects and fields exist is for the describe to say (forcefs init).
 *
 * The structs are plain data, shared by `forcefs init` and the sync engine.
 */
#ifndef FORCEFS_SYNC_MAPPING_H
#define FORCEFS_SYNC_MAPPING_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* docs/contract.md §7: the pull interval, per object. */
#define SYNC_DEFAULT_POLLING_SECONDS 60
#define SYNC_MIN_POLLING_SECONDS     10

/* An index the mapping asks for besides the sfid and systemmodstamp ones. */
struct sync_mapping_index {
	char *field; /* field API name, as the mapping spells it */
	bool unique; /* hcu_idx_<table>_<column> when true, hc_idx_... otherwise */
};

/* One mapped object. */
struct sync_mapping_object {
	char *name;		  /* object API name as the mapping spells it, "Account" */
	bool read_only;		  /* access "read_only": writes are captured as READONLY */
	int polling_seconds;	  /* sf_polling_seconds, or SYNC_DEFAULT_POLLING_SECONDS */
	long max_daily_api_calls; /* sf_max_daily_api_calls, or 0 when not given */
	char *upsert_field;	  /* external id used for inserts, or NULL */
	char **fields;		  /* NULL-terminated field API names in file order, or NULL:
				     every field of the describe (--objects) */
	size_t nfields;
	struct sync_mapping_index *indexes;
	size_t nindexes;
};

struct sync_mapping {
	char *source; /* the file name, or "--objects" */
	struct sync_mapping_object *objects;
	size_t nobjects;
};

/*
 * Parses a Heroku Connect mapping export held in `text` (`len` bytes; need not be
 * NUL-terminated). `source` names it in messages (the file name). Returns 0 and a new
 * mapping in *out, or -EINVAL with `err` set. Object names are unique
 * (case-insensitively, as Salesforce compares them), and so are the fields of an object.
 */
int sync_mapping_parse(const char *text, size_t len, const char *source, struct sync_mapping **out,
		       struct error *err);

/* Reads and parses the file at `path`; a file that cannot be read is an error too. */
int sync_mapping_load(const char *path, struct sync_mapping **out, struct error *err);

/*
 * The mapping `--objects Account,Contact` means: each object read-write with every field
 * the describe lists. Blanks around names are ignored, repeated names kept once.
 * -EINVAL when the list is empty or a name is not an API name.
 */
int sync_mapping_from_objects(const char *list, struct sync_mapping **out, struct error *err);

void sync_mapping_free(struct sync_mapping *mapping);

/* The object named `name` (case-insensitively), or NULL. */
const struct sync_mapping_object *sync_mapping_find(const struct sync_mapping *mapping,
						    const char *name);

#endif
