/*
 * `forcefs mount MOUNTPOINT`: checks everything that can be checked (database,
 * schema, objects, mount point) while errors can still reach the terminal, then
 * mounts, daemonizes unless -f, and serves until unmounted or signalled.
 */
#include <errno.h>
#include <fuse_lowlevel.h>
#include <getopt.h>
#include <glib.h>
#include <limits.h>
#include <malloc.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd_args.h"
#include "config.h"
#include "db_conn.h"
#include "db_fields.h"
#include "db_history.h"
#include "db_records.h"
#include "db_schema.h"
#include "fs_notify.h"
#include "fs_ops.h"
#include "fs_tree.h"
#include "fs_views.h"
#include "fs_watch.h"
#include "log.h"
#include "mount_options.h"

static void mount_usage(FILE *out)
{
	fprintf(out,
		"usage: forcefs mount MOUNTPOINT [-f] [-d] [-o OPT[,OPT...]] [--db URL] "
		"[--schema NAME]\n"
		"\n"
		"Shows each object of the schema as a directory and each record as <sfid>.json.\n"
		"\n"
		"  -f               stay in the foreground (log to stderr)\n"
		"  -d               debug: log every FUSE request (implies -f)\n");
	cmd_args_help_common(out, 19);
	mount_options_help(out);
	fprintf(out, "  -o allow_other and the other FUSE mount options pass through\n"
		     "\n"
		     "Unmount with: fusermount3 -u MOUNTPOINT\n");
}

/* libfuse's own messages: kept for our one-line errors, then sent to the log. */
static char fuse_last_message[512];

static void fuse_log_to_forcefs(enum fuse_log_level level, const char *fmt, va_list ap)
{
	char line[512];
	vsnprintf(line, sizeof(line), fmt, ap);
	g_strchomp(line);
	if (level <= FUSE_LOG_ERR)
		g_strlcpy(fuse_last_message, line, sizeof(fuse_last_message));
	log_msg(level <= FUSE_LOG_ERR ? LOG_LEVEL_ERROR : LOG_LEVEL_DEBUG, "libfuse: %s", line);
}

static void fuse_log_quiet(enum fuse_log_level level, const char *fmt, va_list ap)
{
	char line[512];
	vsnprintf(line, sizeof(line), fmt, ap);
	g_strchomp(line);
	if (level <= FUSE_LOG_ERR)
		g_strlcpy(fuse_last_message, line, sizeof(fuse_last_message));
}

/* Options libfuse or the kernel take without a value (so never an object name). */
static bool is_flag_option(const char *item)
{
	static const char *const flags[] = {"ro",
					    "rw",
					    "allow_delete",
					    "allow_other",
					    "allow_root",
					    "auto_unmount",
					    "default_permissions",
					    "suid",
					    "nosuid",
					    "dev",
					    "nodev",
					    "exec",
					    "noexec",
					    "async",
					    "sync",
					    "atime",
					    "noatime",
					    "dirsync",
					    "debug",
					    "nonempty"};
	for (size_t i = 0; i < G_N_ELEMENTS(flags); i++)
		if (strcmp(item, flags[i]) == 0)
			return true;
	return false;
}

/*
 * `-o objects=a,b` uses the comma that also separates options, so the object list is
 * taken out before libfuse splits the string: after objects=, every item without '='
 * that is not a known flag option is one more object name.
 */
static char *extract_objects(const char *options, GString *rest)
{
	char **items = g_strsplit(options, ",", -1);
	GString *objects = NULL;
	bool in_objects = false;
	for (char **p = items; *p; p++) {
		if (g_str_has_prefix(*p, "objects=")) {
			if (!objects)
				objects = g_string_new(NULL);
			g_string_append_printf(objects, "%s%s", objects->len ? "," : "",
					       *p + strlen("objects="));
			in_objects = true;
		} else if (in_objects && !strchr(*p, '=') && !is_flag_option(*p) && **p) {
			g_string_append_printf(objects, ",%s", *p);
		} else {
			in_objects = false;
			g_string_append_printf(rest, "%s%s", rest->len ? "," : "", *p);
		}
	}
	g_strfreev(items);
	return objects ? g_string_free(objects, FALSE) : NULL;
}

/* Refuses a missing, non-directory, or already mounted mount point, in words. */
static int check_mountpoint(const char *path)
{
	struct stat st, parent;
	if (stat(path, &st) != 0) {
		if (errno == ENOTCONN)
			die_msg("cannot mount on %s: a previous mount there died; run "
				"fusermount3 -u %s first",
				path, path);
		else
			die_msg("cannot mount on %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		die_msg("cannot mount on %s: not a directory", path);
		return -1;
	}
	char *up = g_build_filename(path, "..", NULL);
	int rc = stat(up, &parent);
	g_free(up);
	if (rc == 0 && (parent.st_dev != st.st_dev || parent.st_ino == st.st_ino)) {
		die_msg("cannot mount on %s: something is already mounted there (unmount it "
			"with fusermount3 -u %s or umount)",
			path, path);
		return -1;
	}
	return 0;
}

/* Splits -o objects=a,b (':' also accepted) and checks each exists. */
static int check_objects(const struct db_catalog *cat, const char *list, char ***out)
{
	if (!list)
		return 0;
	char **names = g_strsplit_set(list, ":,", -1);
	for (char **p = names; *p; p++) {
		if (!db_catalog_find(cat, *p)) {
			die_msg("-o objects: no object \"%s\" in schema \"%s\" (objects are the "
				"tables that have an sfid column)",
				*p, cat->schema);
			g_strfreev(names);
			return -1;
		}
	}
	*out = names;
	return 0;
}

/*
 * The first cat after mounting then costs what any other does: the pooled connection
 * runs each object's lookup query for a name that matches nothing, a few times (the
 * first runs on a fresh backend cost several times the later ones: catalog caches,
 * then the backend's own warming), after the watcher's first pass has run.
 */
#define WARM_UP_ROUNDS 4

static void warm_up(struct db_pool *pool, const struct db_catalog *catalog)
{
	struct error err = {0};
	PGconn *conn = db_acquire(pool, &err);
	for (int round = 0; conn && round < WARM_UP_ROUNDS; round++) {
		for (size_t i = 0; i < catalog->nobjects; i++) {
			if (db_records_warm(conn, &catalog->objects[i], &err) < 0) {
				log_debug("warming up %s: %s", catalog->objects[i].table,
					  err.message);
				err = (struct error){0};
			}
		}
	}
	if (conn)
		db_release(pool, conn);
}

int cmd_mount(int argc, char **argv)
{
	static const struct option long_opts[] = {
	    CMD_ARGS_COMMON_OPTIONS,
	    {NULL, 0, NULL, 0},
	};
	struct cmd_args_common common = {0};
	const char *mountpoint = NULL;
	bool foreground = false, debug = false;
	GString *fuse_o = g_string_new(NULL);
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "-:fdho:", long_opts, NULL)) != -1) {
		switch (c) {
		case 1:
			if (mountpoint) {
				die_msg(
				    "mount: unexpected argument \"%s\": see forcefs mount --help",
				    optarg);
				return EXIT_USAGE;
			}
			mountpoint = optarg;
			break;
		case 'f':
			foreground = true;
			break;
		case 'd':
			debug = foreground = true;
			break;
		case 'o':
			g_string_append_printf(fuse_o, "%s%s", fuse_o->len ? "," : "", optarg);
			break;
		case 'h':
			mount_usage(stdout);
			return EXIT_OK;
		default:
			if (cmd_args_take_common(c, &common))
				break;
			return cmd_args_usage_error("mount", c, argv);
		}
	}
	if (!mountpoint) {
		die_msg("mount: no mount point given: forcefs mount MOUNTPOINT (see --help)");
		return EXIT_USAGE;
	}

	struct mount_options opts;
	mount_options_defaults(&opts);
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	fuse_opt_add_arg(&args, "forcefs");
	GString *other_o = g_string_new(NULL);
	char *object_list = extract_objects(fuse_o->str, other_o);
	bool names_given = strstr(other_o->str, "fsname=") || strstr(other_o->str, "subtype=");
	if (other_o->len) {
		fuse_opt_add_arg(&args, "-o");
		fuse_opt_add_arg(&args, other_o->str);
	}
	g_string_free(fuse_o, TRUE);
	g_string_free(other_o, TRUE);
	struct error opt_err = {0};
	if (mount_options_parse(&args, &opts, &opt_err) != 0) {
		die_msg("mount: %s", opt_err.message);
		fuse_opt_free_args(&args);
		g_free(object_list);
		return EXIT_USAGE;
	}
	/* /proc/mounts then says "forcefs:<schema> MOUNTPOINT fuse.forcefs", as findmnt,
	 * df and mount -t fuse.forcefs expect (as sshfs does), unless the user named them. */
	if (!names_given) {
		const char *shown_schema = config_schema(common.schema);
		bool plain = strspn(shown_schema, "abcdefghijklmnopqrstuvwxyz"
						  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") ==
			     strlen(shown_schema);
		char *names =
		    plain ? g_strdup_printf("subtype=forcefs,fsname=forcefs:%s", shown_schema)
			  : g_strdup("subtype=forcefs,fsname=forcefs");
		fuse_opt_add_arg(&args, "-o");
		fuse_opt_add_arg(&args, names);
		g_free(names);
	}
	if (debug)
		fuse_opt_add_arg(&args, "-d");
	log_set_debug(debug);

	int exit_code = EXIT_RUNTIME;
	struct error err = {0};
	char *url = NULL;
	char **only_objects = NULL;
	struct db_pool *pool = NULL;
	struct db_catalog *catalog = NULL;
	struct db_fields *fields = NULL;
	struct fuse_session *se = NULL;
	struct fs_notify *notify = NULL;
	struct fs_tree *tree = NULL;
	struct fs_watch *watch = NULL;
	struct fs_views *views = NULL;
	bool mounted = false, handlers = false;

	if ((exit_code = cmd_args_database_url("mount", &common, &url)) != 0)
		goto out;
	exit_code = EXIT_RUNTIME;
	const char *schema = config_schema(common.schema);
	if (check_mountpoint(mountpoint) < 0)
		goto out;
	pool = db_pool_open(url, 8, "forcefs mount", &err);
	if (!pool) {
		die_msg("mount: %s", err.message);
		goto out;
	}
	PGconn *conn = db_acquire(pool, &err);
	int rc = conn ? db_catalog_load(conn, schema, &catalog, &err) : -err.code;
	if (rc == 0)
		rc = db_fields_load((struct pg_conn *)conn, schema, &fields, &err);
	bool history = false;
	if (rc == 0)
		rc = db_history_present(conn, schema, &history, &err);
	db_release(pool, conn);
	if (rc) {
		die_msg("mount: %s", err.message);
		goto out;
	}
	if (catalog->nobjects == 0)
		log_warn("schema \"%s\" has no objects (tables with an sfid column); the mount "
			 "will be empty",
			 schema);
	if (check_objects(catalog, object_list, &only_objects) < 0) {
		exit_code = EXIT_USAGE;
		goto out;
	}

	struct fs_ops_config cfg = {
	    .entry_timeout = opts.entry_timeout,
	    .attr_timeout = opts.attr_timeout,
	};
	fuse_set_log_func(fuse_log_quiet);
	se = fuse_session_new(&args, &fs_ops, sizeof(fs_ops), &cfg);
	if (!se) {
		die_msg("mount: invalid mount options (%s): see forcefs mount --help",
			fuse_last_message[0] ? fuse_last_message : "refused by libfuse");
		exit_code = EXIT_USAGE;
		goto out;
	}
	if (fuse_set_signal_handlers(se) != 0) {
		die_msg("mount: cannot install signal handlers");
		goto out;
	}
	handlers = true;

	notify = fs_notify_new(se);
	struct fs_tree_options tree_opts = {
	    .readonly = opts.readonly,
	    .allow_delete = opts.allow_delete,
	    .delete_delay_ms = (int)(opts.delete_delay * 1000),
	    .fields = fields,
	    .only_objects = only_objects,
	    .cache_bytes = (size_t)opts.cache_mib * 1024 * 1024,
	    .batch_size = (int)opts.batch_size,
	    .uid = opts.uid,
	    .gid = opts.gid,
	    .umask = opts.umask,
	    .max_scratch_per_dir = opts.max_scratch_per_dir,
	    .max_scratch_files = opts.max_scratch_files,
	    .max_scratch_bytes = (size_t)opts.max_pending_mib * 1024 * 1024,
	};
	struct fs_tree_notify tree_notify = {
	    .inval_inode = fs_notify_inval_inode,
	    .inval_entry = fs_notify_inval_entry,
	    .ctx = notify,
	};
	tree = fs_tree_new(pool, catalog, &tree_opts, &tree_notify);
	cfg.tree = tree;
	struct fs_views_options view_opts = {
	    .schema = schema,
	    .history = history,
	    .uid = tree_opts.uid,
	    .gid = tree_opts.gid,
	    .umask = tree_opts.umask,
	};
	views = fs_views_new(tree, pool, &view_opts);
	cfg.views = views;
	watch = fs_watch_open(tree, url, schema, (int)(opts.watch_interval * 1000), &err);
	if (!watch) {
		die_msg("mount: %s", err.message);
		goto out;
	}
	fs_watch_on_poll(watch, fs_views_poll, views);
	warm_up(pool, catalog);

	if (fuse_session_mount(se, mountpoint) != 0) {
		die_msg("mount: cannot mount on %s: %s", mountpoint,
			fuse_last_message[0] ? fuse_last_message
					     : "is /dev/fuse available and fusermount3 installed?");
		goto out;
	}
	mounted = true;
	if (fuse_daemonize(foreground) != 0) {
		die_msg("mount: cannot daemonize");
		goto out;
	}
	if (!foreground)
		log_use_syslog(true);
	fuse_set_log_func(fuse_log_to_forcefs);

	/*
	 * glibc gives every thread that allocates its own arena; with 16 FUSE threads that
	 * is tens of MB held for nothing (docs/performance.md). Two arenas are plenty for
	 * a filesystem whose threads mostly wait on the kernel and the database.
	 */
	mallopt(M_ARENA_MAX, 2);

	/* Threads start only now: fuse_daemonize() forks, and threads do not survive it. */
	fs_notify_start(notify);
	fs_watch_start(watch);
	log_info("mounted schema \"%s\" (%zu objects) on %s", schema, fs_tree_object_count(tree),
		 mountpoint);

	struct fuse_loop_config *loop = fuse_loop_cfg_create();
	fuse_loop_cfg_set_clone_fd(loop, 0);
	fuse_loop_cfg_set_max_threads(loop, 16);
	rc = fuse_session_loop_mt(se, loop);
	fuse_loop_cfg_destroy(loop);
	/* The loop returns the signal number when SIGTERM/SIGINT/SIGHUP ended it. */
	exit_code = rc >= 0 ? EXIT_OK : EXIT_RUNTIME;
	log_info("unmounting %s", mountpoint);

out:
	if (mounted)
		fuse_session_unmount(se);
	if (handlers)
		fuse_remove_signal_handlers(se);
	if (tree)
		fs_tree_stop_loading(tree);
	fs_watch_stop(watch);
	fs_notify_stop(notify);
	if (se)
		fuse_session_destroy(se);
	fs_views_free(views);
	fs_tree_free(tree);
	db_catalog_free(catalog);
	db_fields_free(fields);
	db_pool_close(pool);
	g_strfreev(only_objects);
	fuse_opt_free_args(&args);
	g_free(object_list);
	free(url);
	return exit_code;
}
