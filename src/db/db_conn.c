#include "db_conn.h"

#include <errno.h>
#include <glib.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "redact.h"

struct db_pool {
	char *url;
	char *application_name;
	pthread_mutex_t lock;
	pthread_cond_t available;
	int size;
	int in_use;
	GPtrArray *idle; /* PGconn* ready to lend */
};

static const char session_setup[] = "SET DateStyle = 'ISO'; SET TimeZone = 'UTC'; "
				    "SET extra_float_digits = 1; SET client_encoding = 'UTF8'; "
				    "SET IntervalStyle = 'iso_8601'";

static void first_line(char *s)
{
	char *nl = strchr(s, '\n');
	if (nl)
		*nl = '\0';
}

PGconn *db_connect(const char *url, const char *application_name, struct error *err)
{
	const char *keys[] = {"dbname", "fallback_application_name", "connect_timeout", NULL};
	const char *vals[] = {url, application_name, "5", NULL};
	PGconn *conn = PQconnectdbParams(keys, vals, 1);
	if (!conn || PQstatus(conn) != CONNECTION_OK) {
		char why[400];
		char *shown = redact_message(conn ? PQerrorMessage(conn) : "out of memory", url);
		snprintf(why, sizeof(why), "%s", shown);
		g_free(shown);
		first_line(why);
		error_set(err, EIO, "cannot connect to the database: %s", why);
		PQfinish(conn);
		return NULL;
	}
	PGresult *res = PQexec(conn, session_setup);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		db_error(conn, res, "setting up the session", err);
		PQclear(res);
		PQfinish(conn);
		return NULL;
	}
	PQclear(res);
	return conn;
}

struct db_pool *db_pool_open(const char *url, int size, const char *application_name,
			     struct error *err)
{
	PGconn *first = db_connect(url, application_name, err);
	if (!first)
		return NULL;
	struct db_pool *pool = g_new0(struct db_pool, 1);
	pool->url = g_strdup(url);
	pool->application_name = g_strdup(application_name);
	pool->size = size > 0 ? size : 1;
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->available, NULL);
	pool->idle = g_ptr_array_new();
	g_ptr_array_add(pool->idle, first);
	return pool;
}

void db_pool_close(struct db_pool *pool)
{
	if (!pool)
		return;
	for (guint i = 0; i < pool->idle->len; i++)
		PQfinish(g_ptr_array_index(pool->idle, i));
	g_ptr_array_free(pool->idle, TRUE);
	pthread_mutex_destroy(&pool->lock);
	pthread_cond_destroy(&pool->available);
	g_free(pool->url);
	g_free(pool->application_name);
	g_free(pool);
}

PGconn *db_acquire(struct db_pool *pool, struct error *err)
{
	pthread_mutex_lock(&pool->lock);
	while (pool->idle->len == 0 && pool->in_use >= pool->size)
		pthread_cond_wait(&pool->available, &pool->lock);
	PGconn *conn = NULL;
	if (pool->idle->len > 0)
		conn = g_ptr_array_steal_index(pool->idle, pool->idle->len - 1);
	pool->in_use++;
	pthread_mutex_unlock(&pool->lock);

	if (conn && PQstatus(conn) == CONNECTION_OK)
		return conn;
	PQfinish(conn);
	conn = db_connect(pool->url, pool->application_name, err);
	if (!conn) {
		pthread_mutex_lock(&pool->lock);
		pool->in_use--;
		pthread_cond_signal(&pool->available);
		pthread_mutex_unlock(&pool->lock);
	}
	return conn;
}

void db_release(struct db_pool *pool, PGconn *conn)
{
	if (!conn)
		return;
	/* A connection left inside a failed transaction or broken is not lent again. */
	bool reusable =
	    PQstatus(conn) == CONNECTION_OK && PQtransactionStatus(conn) == PQTRANS_IDLE;
	if (!reusable)
		PQfinish(conn);
	pthread_mutex_lock(&pool->lock);
	if (reusable)
		g_ptr_array_add(pool->idle, conn);
	pool->in_use--;
	pthread_cond_signal(&pool->available);
	pthread_mutex_unlock(&pool->lock);
}

bool db_error_is_unavailable(const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (!state)
		return true; /* no server answer at all */
	/* 08 connection, 53 resources, 57 operator intervention (shutdown), 58 system */
	return strncmp(state, "08", 2) == 0 || strncmp(state, "53", 2) == 0 ||
	       strncmp(state, "57", 2) == 0 || strncmp(state, "58", 2) == 0;
}

int db_error(PGconn *conn, const PGresult *res, const char *what, struct error *err)
{
	char why[400];
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	if (!msg || !*msg)
		msg = PQerrorMessage(conn);
	snprintf(why, sizeof(why), "%s", msg && *msg ? msg : "unknown error");
	first_line(why);
	if (PQstatus(conn) != CONNECTION_OK || db_error_is_unavailable(res))
		return error_set(err, EIO, "%s: database unreachable: %s", what, why);
	return error_set(err, EINVAL, "%s: %s", what, why);
}

PGresult *db_query(PGconn *conn, const char *what, const char *sql, int nparams,
		   const char *const *params, struct error *err)
{
	PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
		return res;
	db_error(conn, res, what, err);
	PQclear(res);
	return NULL;
}

char *db_quote_ident(PGconn *conn, const char *name)
{
	char *q = PQescapeIdentifier(conn, name, strlen(name));
	/* NULL means out of memory (or bytes invalid in the client encoding, which SQL_ASCII
	 * and UTF8 names from the catalog or sf_soql_is_api_name() never are). Going on would
	 * paste a NULL into SQL; stop as g_malloc() does when memory runs out. */
	if (!q)
		g_error("quoting the SQL name \"%s\": %s", name, PQerrorMessage(conn));
	char *copy = g_strdup(q);
	PQfreemem(q);
	return copy;
}

char *db_qualified_name(PGconn *conn, const char *schema, const char *name)
{
	char *s = db_quote_ident(conn, schema);
	char *n = db_quote_ident(conn, name);
	char *full = g_strconcat(s, ".", n, NULL);
	g_free(s);
	g_free(n);
	return full;
}
