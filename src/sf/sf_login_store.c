#include "sf_login_store.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILE_PREFIX    "login-"
#define FILE_SUFFIX    ".json"
#define MAX_FILE_BYTES 65536

static void free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		g_free(s);
	}
}

void sf_stored_login_free(struct sf_stored_login *login)
{
	if (!login)
		return;
	g_free(login->alias);
	g_free(login->username);
	g_free(login->instance_url);
	g_free(login->login_url);
	g_free(login->client_id);
	free_secret(login->refresh_token);
	g_free(login->method);
	g_free(login->created);
	g_free(login->path);
	g_free(login);
}

bool sf_login_alias_valid(const char *alias)
{
	size_t len = alias ? strlen(alias) : 0;
	if (len == 0 || len > 100 || alias[0] == '.' || alias[0] == '-')
		return false;
	for (const char *p = alias; *p; p++)
		if (!g_ascii_isalnum(*p) && !strchr("._@+-", *p))
			return false;
	return true;
}

static struct sf_error *config_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static struct sf_error *config_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	struct sf_error *err = sf_error_new(SF_ERR_CONFIG, 0, NULL, "%s", msg);
	g_free(msg);
	return err;
}

struct sf_error *sf_login_store_dir(char **out)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	if (xdg && xdg[0] == '/')
		*out = g_build_filename(xdg, "forcefs", NULL);
	else if (home && home[0] == '/')
		*out = g_build_filename(home, ".config", "forcefs", NULL);
	else
		return config_error("cannot find the stored logins: set HOME or XDG_CONFIG_HOME");
	return NULL;
}

/* Refuses what another user could read or replace: the check ssh makes of its keys. */
static struct sf_error *check_private(const char *path, const struct stat *st, bool dir)
{
	if (dir ? !S_ISDIR(st->st_mode) : !S_ISREG(st->st_mode))
		return config_error("%s is not a %s: refusing to use it", path,
				    dir ? "directory" : "regular file");
	if (st->st_uid != geteuid())
		return config_error("%s belongs to another user (uid %u): refusing to use it", path,
				    (unsigned)st->st_uid);
	if (st->st_mode & 077)
		return config_error("%s has mode %04o, wider than %s: refusing it (chmod %s %s)",
				    path, (unsigned)(st->st_mode & 07777), dir ? "0700" : "0600",
				    dir ? "700" : "600", path);
	return NULL;
}

static char *file_path(const char *dir, const char *alias)
{
	char *name = g_strconcat(FILE_PREFIX, alias, FILE_SUFFIX, NULL);
	char *path = g_build_filename(dir, name, NULL);
	g_free(name);
	return path;
}

/* The directory, created 0700 when missing and checked. */
static struct sf_error *open_dir(bool create, char **out, bool *exists)
{
	char *dir;
	struct sf_error *err = sf_login_store_dir(&dir);
	if (err)
		return err;
	char *parent = g_path_get_dirname(dir);
	if (create && g_mkdir_with_parents(parent, 0700) < 0)
		err = config_error("cannot create %s: %s", parent, g_strerror(errno));
	else if (create && mkdir(dir, 0700) < 0 && errno != EEXIST)
		err = config_error("cannot create %s: %s", dir, g_strerror(errno));
	g_free(parent);
	struct stat st;
	*exists = false;
	if (!err && lstat(dir, &st) < 0) {
		if (errno != ENOENT)
			err = config_error("%s: %s", dir, g_strerror(errno));
	} else if (!err) {
		*exists = true;
		err = check_private(dir, &st, true);
	}
	if (err) {
		g_free(dir);
		return err;
	}
	*out = dir;
	return NULL;
}

static void add_string(cJSON *obj, const char *key, const char *value)
{
	if (value)
		cJSON_AddStringToObject(obj, key, value);
}

/* Writes all of `data` to a new 0600 file and renames it over `path`. */
static struct sf_error *write_atomically(const char *dir, const char *path, const char *data)
{
	char *tmp = g_strdup_printf("%s.tmp-%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		struct sf_error *err = config_error("cannot write %s: %s", tmp, g_strerror(errno));
		g_free(tmp);
		return err;
	}
	size_t len = strlen(data), done = 0;
	int saved = 0;
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			saved = n < 0 ? errno : EIO;
			break;
		}
		done += (size_t)n;
	}
	/* Renamed only once on disk: a crash leaves the old login or the new, whole. */
	if (!saved && fsync(fd) < 0)
		saved = errno;
	if (close(fd) < 0 && !saved)
		saved = errno;
	if (!saved && rename(tmp, path) < 0)
		saved = errno;
	if (saved) {
		unlink(tmp);
		struct sf_error *err = config_error("cannot write %s: %s", path, g_strerror(saved));
		g_free(tmp);
		return err;
	}
	g_free(tmp);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return NULL;
}

struct sf_error *sf_login_store_save(struct sf_stored_login *login)
{
	if (!sf_login_alias_valid(login->alias))
		return config_error("alias \"%.100s\" is not 1-100 letters, digits or ._@+- "
				    "(not starting with . or -)",
				    login->alias ? login->alias : "");
	char *dir;
	bool exists;
	struct sf_error *err = open_dir(true, &dir, &exists);
	if (err)
		return err;
	cJSON *obj = cJSON_CreateObject();
	add_string(obj, "alias", login->alias);
	add_string(obj, "username", login->username);
	add_string(obj, "instance_url", login->instance_url);
	add_string(obj, "login_url", login->login_url);
	add_string(obj, "client_id", login->client_id);
	add_string(obj, "method", login->method);
	add_string(obj, "created", login->created);
	add_string(obj, "refresh_token", login->refresh_token);
	char *text = cJSON_Print(obj);
	cJSON *secret = cJSON_GetObjectItemCaseSensitive(obj, "refresh_token");
	if (secret)
		explicit_bzero(secret->valuestring, strlen(secret->valuestring));
	cJSON_Delete(obj);
	char *path = file_path(dir, login->alias);
	char *data = g_strconcat(text, "\n", NULL);
	explicit_bzero(text, strlen(text));
	cJSON_free(text);
	err = write_atomically(dir, path, data);
	explicit_bzero(data, strlen(data));
	g_free(data);
	g_free(dir);
	if (err) {
		g_free(path);
		return err;
	}
	g_free(login->path);
	login->path = path;
	return NULL;
}

/* Reads the file at `path` after checking it through the open descriptor. */
static struct sf_error *read_private(const char *path, char **out)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return config_error("%s: %s", path, g_strerror(errno));
	struct stat st;
	struct sf_error *err = NULL;
	if (fstat(fd, &st) < 0)
		err = config_error("%s: %s", path, g_strerror(errno));
	else
		err = check_private(path, &st, false);
	if (!err && st.st_size > MAX_FILE_BYTES)
		err = config_error("%s is larger than a login file can be", path);
	if (err) {
		close(fd);
		return err;
	}
	char *buf = g_malloc0((size_t)st.st_size + 1);
	size_t done = 0;
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + done, (size_t)st.st_size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	close(fd);
	buf[done] = '\0';
	*out = buf;
	return NULL;
}

static char *json_dup(const cJSON *obj, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(item) && item->valuestring[0] ? g_strdup(item->valuestring) : NULL;
}

static struct sf_error *parse_login(const char *path, const char *text,
				    struct sf_stored_login **out)
{
	cJSON *obj = cJSON_Parse(text);
	struct sf_stored_login *l = g_new0(struct sf_stored_login, 1);
	if (cJSON_IsObject(obj)) {
		l->alias = json_dup(obj, "alias");
		l->username = json_dup(obj, "username");
		l->instance_url = json_dup(obj, "instance_url");
		l->login_url = json_dup(obj, "login_url");
		l->client_id = json_dup(obj, "client_id");
		l->method = json_dup(obj, "method");
		l->created = json_dup(obj, "created");
		l->refresh_token = json_dup(obj, "refresh_token");
		cJSON *secret = cJSON_GetObjectItemCaseSensitive(obj, "refresh_token");
		if (cJSON_IsString(secret))
			explicit_bzero(secret->valuestring, strlen(secret->valuestring));
	}
	cJSON_Delete(obj);
	l->path = g_strdup(path);
	if (!l->alias || !l->login_url || !l->client_id || !l->refresh_token) {
		sf_stored_login_free(l);
		return config_error("%s is not a forcefs login (no alias, login_url, client_id "
				    "or refresh_token): run forcefs login again",
				    path);
	}
	*out = l;
	return NULL;
}

struct sf_error *sf_login_store_load(const char *alias, struct sf_stored_login **out)
{
	*out = NULL;
	if (!sf_login_alias_valid(alias))
		return config_error("no stored login \"%.100s\": not an alias forcefs login "
				    "would store",
				    alias ? alias : "");
	char *dir;
	bool exists;
	struct sf_error *err = open_dir(false, &dir, &exists);
	if (err)
		return err;
	char *path = file_path(dir, alias);
	g_free(dir);
	struct stat st;
	if (!exists || (lstat(path, &st) < 0 && errno == ENOENT)) {
		err = config_error("no stored login \"%s\": run forcefs login --alias %s", alias,
				   alias);
		g_free(path);
		return err;
	}
	char *text = NULL;
	err = read_private(path, &text);
	if (!err) {
		err = parse_login(path, text, out);
		explicit_bzero(text, strlen(text));
		g_free(text);
	}
	g_free(path);
	return err;
}

static gint compare_strings(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct sf_error *sf_login_store_aliases(GPtrArray **out)
{
	*out = g_ptr_array_new_with_free_func(g_free);
	char *dir;
	bool exists;
	struct sf_error *err = open_dir(false, &dir, &exists);
	if (err || !exists) {
		if (!err)
			g_free(dir);
		return err;
	}
	DIR *d = opendir(dir);
	if (!d) {
		err = config_error("%s: %s", dir, g_strerror(errno));
		g_free(dir);
		return err;
	}
	size_t pre = strlen(FILE_PREFIX), suf = strlen(FILE_SUFFIX);
	for (struct dirent *e; (e = readdir(d));) {
		size_t len = strlen(e->d_name);
		if (len <= pre + suf || strncmp(e->d_name, FILE_PREFIX, pre) != 0 ||
		    strcmp(e->d_name + len - suf, FILE_SUFFIX) != 0)
			continue;
		char *alias = g_strndup(e->d_name + pre, len - pre - suf);
		if (sf_login_alias_valid(alias))
			g_ptr_array_add(*out, alias);
		else
			g_free(alias);
	}
	closedir(d);
	g_free(dir);
	g_ptr_array_sort(*out, compare_strings);
	return NULL;
}

struct sf_error *sf_login_store_remove(const char *alias, bool *removed)
{
	*removed = false;
	if (!sf_login_alias_valid(alias))
		return NULL;
	char *dir;
	bool exists;
	struct sf_error *err = open_dir(false, &dir, &exists);
	if (err || !exists) {
		if (!err)
			g_free(dir);
		return err;
	}
	char *path = file_path(dir, alias);
	if (unlink(path) == 0)
		*removed = true;
	else if (errno != ENOENT)
		err = config_error("cannot remove %s: %s", path, g_strerror(errno));
	g_free(path);
	g_free(dir);
	return err;
}

struct sf_error *sf_login_store_update_token(const char *alias, const char *refresh_token)
{
	struct sf_stored_login *l;
	struct sf_error *err = sf_login_store_load(alias, &l);
	if (err)
		return err;
	free_secret(l->refresh_token);
	l->refresh_token = g_strdup(refresh_token);
	err = sf_login_store_save(l);
	sf_stored_login_free(l);
	return err;
}
