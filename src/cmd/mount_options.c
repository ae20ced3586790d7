#include "mount_options.h"

#include <errno.h>
#include <float.h>
#include <glib.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <unistd.h>

enum option_kind {
	OPTION_FLAG,	/* no value: sets an int to 1 */
	OPTION_UINT,	/* name=N */
	OPTION_SECONDS, /* name=S, a decimal number */
	OPTION_OCTAL,	/* name=M, octal */
	OPTION_ID,	/* uid=N, gid=N: the mounting user's by default */
	OPTION_OBJECTS, /* objects=a,b: taken out of -o before parsing */
};

struct option_spec {
	const char *name;
	const char *arg; /* what --help shows after "=", NULL for flags */
	enum option_kind kind;
	size_t offset; /* in struct mount_options */
	double value;  /* default */
	double min, max;
	const char *help;
};

#define FIELD(f) offsetof(struct mount_options, f)

static const struct option_spec options[] = {
    {"ro", NULL, OPTION_FLAG, FIELD(readonly), 0, 0, 1, "read-only mount"},
    {"allow_delete", NULL, OPTION_FLAG, FIELD(allow_delete), 0, 0, 1,
     "let rm delete records (off: rm answers EPERM)"},
    {"delete_delay", "S", OPTION_SECONDS, FIELD(delete_delay), 2, 0, 3600,
     "rm's delete waits S seconds for the name to be written again, which makes it an "
     "update (0: delete at once)"},
    {"objects", "a,b", OPTION_OBJECTS, 0, 0, 0, 0, "show only these objects"},
    {"entry_timeout", "S", OPTION_SECONDS, FIELD(entry_timeout), 3600, 0, DBL_MAX,
     "seconds the kernel may cache names"},
    {"attr_timeout", "S", OPTION_SECONDS, FIELD(attr_timeout), 3600, 0, DBL_MAX,
     "seconds the kernel may cache attributes"},
    {"cache_size", "MIB", OPTION_UINT, FIELD(cache_mib), 32, 0, UINT_MAX,
     "memory for rendered records"},
    {"batch_size", "N", OPTION_UINT, FIELD(batch_size), 256, 1, 10000,
     "records read per query when a file is opened"},
    {"watch_interval", "S", OPTION_SECONDS, FIELD(watch_interval), 0.5, 0.05, 3600,
     "how often to look for changes made by others"},
    {"uid", "N", OPTION_ID, FIELD(uid), 0, 0, UINT_MAX - 1,
     "owner of directories and records"},
    {"gid", "N", OPTION_ID, FIELD(gid), 0, 0, UINT_MAX - 1,
     "group of directories and records"},
    {"umask", "M", OPTION_OCTAL, FIELD(umask), 022, 0, 0777,
     "octal bits taken from 0777/0666; forcefs checks every caller against the modes "
     "(forcefs(1))"},
    {"max_scratch_per_dir", "N", OPTION_UINT, FIELD(max_scratch_per_dir), 1000, 0, UINT_MAX,
     "files that are not records (editors' temporaries) one directory may hold; past it "
     "creating one answers ENOSPC (0: no bound)"},
    {"max_scratch_files", "N", OPTION_UINT, FIELD(max_scratch_files), 10000, 0, UINT_MAX,
     "the same in the whole mount"},
    {"max_pending", "MIB", OPTION_UINT, FIELD(max_pending_mib), 256, 0, 1024 * 1024,
     "bytes in those files; past it writes answer ENOSPC (0: no bound)"},
};

#define NOPTIONS G_N_ELEMENTS(options)

static void *field(struct mount_options *opts, const struct option_spec *o)
{
	return (char *)opts + o->offset;
}

void mount_options_defaults(struct mount_options *opts)
{
	*opts = (struct mount_options){0};
	for (size_t i = 0; i < NOPTIONS; i++) {
		const struct option_spec *o = &options[i];
		if (o->kind == OPTION_UINT || o->kind == OPTION_OCTAL)
			*(unsigned int *)field(opts, o) = (unsigned int)o->value;
		else if (o->kind == OPTION_ID)
			*(unsigned int *)field(opts, o) = o->offset == FIELD(uid) ? getuid() : getgid();
		else if (o->kind == OPTION_SECONDS)
			*(double *)field(opts, o) = o->value;
	}
}

enum { KEY_RO };

/* Every option fuse_opt does not store is kept for libfuse; `ro` also sets readonly. */
static int keep_ro(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	struct mount_options *opts = data;
	if (key == KEY_RO)
		opts->readonly = 1; /* and kept: the kernel then refuses writes itself */
	return 1;
}

/* What libfuse says about a value it cannot read, for the one-line error. */
static char parse_message[256];

static void keep_parse_message(enum fuse_log_level level, const char *fmt, va_list ap)
{
	vsnprintf(parse_message, sizeof(parse_message), fmt, ap);
	g_strchomp(parse_message);
}

int mount_options_parse(struct fuse_args *args, struct mount_options *opts, struct error *err)
{
	struct fuse_opt table[NOPTIONS + 1];
	char *templates[NOPTIONS];
	size_t n = 0;
	for (size_t i = 0; i < NOPTIONS; i++) {
		const struct option_spec *o = &options[i];
		templates[i] = NULL;
		if (o->kind == OPTION_OBJECTS)
			continue;
		if (o->kind == OPTION_FLAG && o->offset == FIELD(readonly)) {
			table[n++] = (struct fuse_opt)FUSE_OPT_KEY("ro", KEY_RO);
			continue;
		}
		templates[i] = o->kind == OPTION_FLAG	  ? g_strdup(o->name)
			       : o->kind == OPTION_OCTAL ? g_strdup_printf("%s=%%o", o->name)
			       : o->kind == OPTION_SECONDS ? g_strdup_printf("%s=%%lf", o->name)
							   : g_strdup_printf("%s=%%u", o->name);
		table[n++] = (struct fuse_opt){templates[i], (unsigned long)o->offset, 1};
	}
	table[n] = (struct fuse_opt)FUSE_OPT_END;
	parse_message[0] = '\0';
	fuse_set_log_func(keep_parse_message);
	int rc = fuse_opt_parse(args, opts, table, keep_ro);
	fuse_set_log_func(NULL); /* libfuse's default again */
	for (size_t i = 0; i < NOPTIONS; i++)
		g_free(templates[i]);
	if (rc != 0) {
		if (parse_message[0])
			error_set(err, EINVAL, "invalid -o options (%s): see forcefs mount --help",
				  parse_message);
		else
			error_set(err, EINVAL, "invalid -o options: see forcefs mount --help");
		return -1;
	}
	for (size_t i = 0; i < NOPTIONS; i++) {
		const struct option_spec *o = &options[i];
		bool is_uint = o->kind == OPTION_UINT || o->kind == OPTION_OCTAL || o->kind == OPTION_ID;
		double v = is_uint			 ? *(unsigned int *)field(opts, o)
			   : o->kind == OPTION_SECONDS ? *(double *)field(opts, o)
						       : o->min;
		if (v >= o->min && v <= o->max)
			continue;
		if (o->kind == OPTION_OCTAL)
			error_set(err, EINVAL, "invalid -o value: %s must be 000..%03o (octal)", o->name,
				  (unsigned int)o->max);
		else if (o->kind == OPTION_ID)
			error_set(err, EINVAL, "invalid -o value: %s must be a user or group id",
				  o->name);
		else if (o->max == DBL_MAX)
			error_set(err, EINVAL, "invalid -o value: %s must be >= %g", o->name, o->min);
		else
			error_set(err, EINVAL, "invalid -o value: %s must be %g..%g", o->name, o->min,
				  o->max);
		return -1;
	}
	return 0;
}

void mount_options_help(FILE *out)
{
	for (size_t i = 0; i < NOPTIONS; i++) {
		const struct option_spec *o = &options[i];
		char *usage = o->arg ? g_strdup_printf("%s=%s", o->name, o->arg) : g_strdup(o->name);
		fprintf(out, "  -o %-21s  %s", usage, o->help);
		if (o->kind == OPTION_UINT || o->kind == OPTION_SECONDS)
			fprintf(out, " (%g)", o->value);
		else if (o->kind == OPTION_OCTAL)
			fprintf(out, " (%03o)", (unsigned int)o->value);
		else if (o->kind == OPTION_ID)
			fprintf(out, " (yours)");
		fputc('\n', out);
		g_free(usage);
	}
}
