/*
 * log: one place where forcefs tells a person what happened.
 *
 * Messages go to stderr while the process has a terminal or runs in the
 * foreground, and to syslog (ident "forcefs") once the mount has daemonized.
 * Every message is one line. Secrets must never be passed here.
 */
#ifndef FORCEFS_LOG_H
#define FORCEFS_LOG_H

#include <stdbool.h>

enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR };

void log_set_debug(bool on);
void log_use_syslog(bool on);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)

/* Prints "forcefs: <what>: <why>" on stderr, the form docs/contract.md §2 gives for command errors. */
void die_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
