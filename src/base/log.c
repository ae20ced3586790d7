#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <time.h>

static bool debug_on;
static bool syslog_on;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void log_set_debug(bool on)
{
	debug_on = on;
}

void log_use_syslog(bool on)
{
	if (on && !syslog_on)
		openlog("forcefs", LOG_PID, LOG_USER);
	syslog_on = on;
}

static const char *level_name(enum log_level level)
{
	static const char *const names[] = {
	    [LOG_LEVEL_DEBUG] = "debug",
	    [LOG_LEVEL_INFO] = "info",
	    [LOG_LEVEL_WARN] = "warning",
	    [LOG_LEVEL_ERROR] = "error",
	};
	return names[level];
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (level == LOG_LEVEL_DEBUG && !debug_on)
		return;
	char line[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (syslog_on) {
		static const int prio[] = {
		    [LOG_LEVEL_DEBUG] = LOG_DEBUG,
		    [LOG_LEVEL_INFO] = LOG_INFO,
		    [LOG_LEVEL_WARN] = LOG_WARNING,
		    [LOG_LEVEL_ERROR] = LOG_ERR,
		};
		syslog(prio[level], "%s", line);
		return;
	}
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	struct tm tm;
	gmtime_r(&now.tv_sec, &tm);
	pthread_mutex_lock(&log_lock);
	fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ forcefs %s: %s\n", tm.tm_year + 1900,
		tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, now.tv_nsec / 1000000,
		level_name(level), line);
	fflush(stderr);
	pthread_mutex_unlock(&log_lock);
}

void die_msg(const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "forcefs: %s\n", line);
	if (syslog_on)
		syslog(LOG_ERR, "%s", line);
}
