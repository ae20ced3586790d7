/*
 * The argument shape of mount(8) and fstab: an fstab line
 *
 *   salesforce  /srv/sf  fuse.forcefs  db=postgresql://app@db.internal/crm,allow_other,_netdev  0 0
 *
 * makes mount.fuse3 run `forcefs salesforce /srv/sf -o db=...,allow_other` (it drops
 * _netdev, nofail, noauto, user and the like itself). The first field names the schema.
 * This rewrites that into `forcefs mount /srv/sf --schema salesforce --db URL -o ...`:
 * db= becomes --db (refused with a password in it, which would show in ps and in a
 * world-readable /etc/fstab), and the options meant for mount(8) and systemd that
 * mount.fuse3 passes on (x-*, comment=) are dropped. docs/operations.md has the
 * worked example.
 */
#include <glib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "log.h"

bool cmd_fstab_form(int argc, char **argv)
{
	return argc >= 3 && argv[1][0] != '-' && argv[2][0] != '-';
}

/* Options for mount(8), fstab and systemd, never for the filesystem. */
static bool for_mount_only(const char *item)
{
	return g_str_has_prefix(item, "x-") || g_str_has_prefix(item, "comment=") ||
	       strcmp(item, "_netdev") == 0 || strcmp(item, "nofail") == 0 ||
	       strcmp(item, "noauto") == 0 || strcmp(item, "auto") == 0 ||
	       strcmp(item, "user") == 0 || strcmp(item, "users") == 0 ||
	       strcmp(item, "nouser") == 0 || strcmp(item, "defaults") == 0;
}

int cmd_fstab(int argc, char **argv)
{
	const char *schema = argv[1], *mountpoint = argv[2];
	GPtrArray *args = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(args, g_strdup("mount"));
	g_ptr_array_add(args, g_strdup(mountpoint));
	g_ptr_array_add(args, g_strdup("--schema"));
	g_ptr_array_add(args, g_strdup(schema));
	GString *rest = g_string_new(NULL);
	char *db = NULL;
	int code = EXIT_OK;
	for (int i = 3; i < argc && code == EXIT_OK; i++) {
		if (strcmp(argv[i], "-o") != 0) {
			g_ptr_array_add(args, g_strdup(argv[i])); /* -f, -d, ... */
			continue;
		}
		if (++i >= argc) {
			die_msg("mount: -o needs a value: see forcefs mount --help");
			code = EXIT_USAGE;
			break;
		}
		/* objects=a,b keeps its commas: only db= and mount-only items are taken out. */
		char **items = g_strsplit(argv[i], ",", -1);
		for (char **p = items; *p; p++) {
			if (g_str_has_prefix(*p, "db=")) {
				g_free(db);
				db = g_strdup(*p + strlen("db="));
			} else if (**p && !for_mount_only(*p)) {
				g_string_append_printf(rest, "%s%s", rest->len ? "," : "", *p);
			}
		}
		g_strfreev(items);
	}
	if (code == EXIT_OK && db) {
		int has = config_url_has_password(db);
		if (has != 0) {
			die_msg(has > 0
				    ? "mount: db= must not carry a password (it would show in ps "
				      "and in /etc/fstab): put it in the mounting user's "
				      "~/.pgpass or PGPASSFILE"
				    : "mount: db= is not a valid PostgreSQL URL");
			code = EXIT_USAGE;
		} else {
			g_ptr_array_add(args, g_strdup("--db"));
			g_ptr_array_add(args, g_strdup(db));
		}
	}
	if (code == EXIT_OK && rest->len) {
		g_ptr_array_add(args, g_strdup("-o"));
		g_ptr_array_add(args, g_strdup(rest->str));
	}
	if (code == EXIT_OK) {
		g_ptr_array_add(args, NULL);
		code = cmd_mount((int)args->len - 1, (char **)args->pdata);
	}
	g_free(db);
	g_string_free(rest, TRUE);
	g_ptr_array_free(args, TRUE);
	return code;
}
