/*
 * sf_cdc_event: one Change Data Capture event as the Streaming API (CometD) delivers it.
 *
 * A CometD event message is {"channel": "/data/AccountChangeEvent", "data": {"schema",
 * "payload": {"ChangeEventHeader": {...}, <changed fields>}, "event": {"replayId": N}}}
 * (docs/sync.md "Streaming"). The header names the object (entityName), the records
 * (recordIds), what happened (changeType: CREATE, UPDATE, DELETE, UNDELETE, or a GAP_*
 * type when Salesforce could not build the event), who and where (changeOrigin,
 * commitUser) and the transaction (transactionKey, sequenceNumber, commitTimestamp,
 * commitNumber); the changed, nulled and diff fields of an update.
 *
 * Pure: no I/O, no globals; safe from any thread.
 */
#ifndef FORCEFS_SF_CDC_EVENT_H
#define FORCEFS_SF_CDC_EVENT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sf_error.h"

enum sf_cdc_change {
	SF_CDC_CREATE,
	SF_CDC_UPDATE,
	SF_CDC_DELETE,
	SF_CDC_UNDELETE,
	SF_CDC_GAP_CREATE,
	SF_CDC_GAP_UPDATE,
	SF_CDC_GAP_DELETE,
	SF_CDC_GAP_UNDELETE,
	SF_CDC_GAP_OVERFLOW,
	SF_CDC_OTHER, /* a type this version does not know (SNAPSHOT, a new one) */
};

struct sf_cdc_event {
	char *channel;		   /* "/data/AccountChangeEvent" */
	int64_t replay_id;	   /* data.event.replayId */
	char *entity;		   /* entityName, "Account" */
	enum sf_cdc_change change; /* from change_type */
	char *change_type;	   /* as sent, "UPDATE" */
	char *change_origin;	   /* "com/salesforce/api/rest/60.0;client=x", or "" */
	char *transaction_key;	   /* or "" */
	long sequence_number;
	int64_t commit_timestamp; /* ms since the epoch; 0 when absent */
	long long commit_number;
	char *commit_user;     /* or "" */
	char **record_ids;     /* NULL-terminated; may hold a wildcard such as "001*" */
	size_t n_records;      /* entries in record_ids */
	char **changed_fields; /* NULL-terminated, never NULL */
	char **nulled_fields;  /* NULL-terminated, never NULL */
	char **diff_fields;    /* NULL-terminated, never NULL */
	cJSON *fields;	       /* the payload without ChangeEventHeader (owned) */
};

/* Parses one CometD message. A message that is not a change event (no data.payload
 * with a ChangeEventHeader, no replayId, no entityName) is a bad_response error. */
struct sf_error *sf_cdc_event_parse(const cJSON *message, struct sf_cdc_event **out);

void sf_cdc_event_free(struct sf_cdc_event *event);

/* True for the GAP_* types: the event names records (or, for GAP_OVERFLOW, only the
 * object) but carries no field values. */
bool sf_cdc_event_is_gap(const struct sf_cdc_event *event);

/* True when the event's recordIds cannot be fetched one by one: empty, or a wildcard
 * ("001*", a field type conversion). A window poll covers it. */
bool sf_cdc_event_needs_poll(const struct sf_cdc_event *event);

/* True when changeOrigin carries the client id `client` (its ";client=<id>" part, as
 * the writing call's Sforce-Call-Options set it): the change is the caller's own. */
bool sf_cdc_origin_is_client(const char *change_origin, const char *client);

/* The CDC channel of an object: "/data/AccountChangeEvent"; a custom object's
 * "Customer_Record__c" gives "/data/Customer_Record__ChangeEvent". Newly allocated. */
char *sf_cdc_channel(const char *object);

/* The change type for a name ("GAP_UPDATE" -> SF_CDC_GAP_UPDATE), SF_CDC_OTHER if unknown. */
enum sf_cdc_change sf_cdc_change_from_name(const char *name);

#endif
