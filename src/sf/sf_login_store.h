/*
 * sf_login_store: the logins `forcefs login` keeps, one file per alias.
 *
 * Where: $XDG_CONFIG_HOME/forcefs/login-<ALIAS>.json ($HOME/.config when XDG_CONFIG_HOME
 * is unset, empty or relative). The directory is created 0700 and each file 0600; a
 * file is written to a temporary name, fsync'd and renamed, so a login is either stored
 * whole or not at all. A stored file or the directory that is not the user's, not a
 * regular file/directory, or whose mode gives the group or others any access is
 * refused (a config error naming the path and the mode), never read.
 *
 * A file holds a refresh token: struct sf_stored_login's refresh_token is wiped from
 * memory when freed and never appears in a message. Blocking; no shared state.
 */
#ifndef FORCEFS_SF_LOGIN_STORE_H
#define FORCEFS_SF_LOGIN_STORE_H

#include "sf_error.h"

#include <glib.h>
#include <stdbool.h>

struct sf_stored_login {
	char *alias;
	char *username;	     /* from the identity URL; may be NULL */
	char *instance_url;  /* the org's URL when logged in */
	char *login_url;     /* where to refresh: https://login.salesforce.com, ... */
	char *client_id;     /* the connected app's consumer key */
	char *refresh_token; /* the secret */
	char *method;	     /* "browser" or "device" */
	char *created;	     /* ISO 8601 UTC */
	char *path;	     /* the file it was read from or written to */
};

/* True when `alias` is 1-100 characters of [A-Za-z0-9._@+-], not starting with '.'
 * or '-' (a file name on every system, and no option). Pure. */
bool sf_login_alias_valid(const char *alias);

/* The store's directory (g_malloc'd), or a config error when neither XDG_CONFIG_HOME
 * nor HOME gives one. */
struct sf_error *sf_login_store_dir(char **out);

/* Writes `login` (alias, refresh token, URLs and client id must be set) as its
 * alias's file, replacing an older one atomically. Sets login->path. */
struct sf_error *sf_login_store_save(struct sf_stored_login *login);

/* Replaces the refresh token of the login stored as `alias` (Salesforce rotated it),
 * atomically as sf_login_store_save(). */
struct sf_error *sf_login_store_update_token(const char *alias, const char *refresh_token);

/* Reads the login stored as `alias`: a config error when there is none ("no stored
 * login \"x\": run forcefs login --alias x"), its mode is too wide or it is not a
 * well-formed login file. */
struct sf_error *sf_login_store_load(const char *alias, struct sf_stored_login **out);

/* The aliases stored (sorted; an empty array when the directory does not exist). */
struct sf_error *sf_login_store_aliases(GPtrArray **out);

/* Removes `alias`'s file. *removed says whether there was one. */
struct sf_error *sf_login_store_remove(const char *alias, bool *removed);

void sf_stored_login_free(struct sf_stored_login *login);

#endif
