/*
 * db_status: what `forcefs status` reports, read from the database alone (no Salesforce
 * call): per object the records, the records with changes waiting to be sent, the failed
 * records, the last pull and push and today's API calls, whether the object streams its
 * changes (Change Data Capture) or polls, the age of its replay id and today's change
 * events (from _forcefs_sync, when the sync engine has run), the engine that leads (from pg_locks), and the failed records
 * with their messages.
 *
 * Works on any Heroku Connect layout; without _forcefs_sync the engine columns are empty.
 */
#ifndef FORCEFS_DB_STATUS_H
#define FORCEFS_DB_STATUS_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct db_status_object {
	char *object; /* Salesforce API name when known, else the table */
	char *table;
	long records;	 /* not deleted */
	long pending;	 /* records with NEW or PENDING log rows */
	long failed;	 /* records whose last sync failed (_hc_lastop FAILED) */
	bool loaded;	 /* initial load done */
	char *last_pull; /* "2026-11-01T10:00:00Z", or NULL: never */
	char *last_push;
	long api_calls_today;
	char *last_error; /* the engine's last error for this object, or NULL */
	char *stream;	  /* "streaming", "polling" (no CDC subscription), or NULL: unknown */
	char *stream_note; /* why it polls (the refusal), or NULL */
	long long replay_id; /* the last change event applied; -1 none */
	long replay_age_seconds; /* since that event was committed in Salesforce; -1 unknown */
	long events_today;	 /* change events received today (UTC) */
};

struct db_status_failure {
	char *table;
	char *file;    /* the record's file name in the mount: <sfid>.json or local-<id>.json */
	int64_t id;    /* row id */
	char *sfid;    /* or NULL */
	char *op;      /* INSERT, UPDATE, DELETE */
	char *message; /* Salesforce's message */
};

struct db_status {
	char *schema;
	bool engine_state; /* _forcefs_sync exists: the sync engine has run */
	int leader_pid;	   /* backend pid of the leading engine's session; 0: none */
	char *leader_since;
	char *leader_client; /* client address, or "local" */
	long api_calls_today;
	long long org_api_used; /* last Sforce-Limit-Info seen; -1 unknown */
	long long org_api_max;
	struct db_status_object *objects;
	size_t nobjects;
	struct db_status_failure *failures;
	size_t nfailures;
};

/* Reads the status of `schema`. ENOENT when the schema does not exist, EIO when the
 * database is unreachable. At most `max_failures` failures are listed. */
int db_status_load(PGconn *conn, const char *schema, size_t max_failures, struct db_status **out,
		   struct error *err);

void db_status_free(struct db_status *status);

#endif
