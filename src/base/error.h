/*
 * error: the one error value of forcefs. It carries an errno (what the system call
 * answers) and a message a person can read (what .errors, the xattr and the log show).
 */
#ifndef FORCEFS_ERROR_H
#define FORCEFS_ERROR_H

struct error {
	int code;	   /* errno value; 0 = no error */
	char message[512]; /* one line, no trailing newline */
};

/* Sets `e` (when not NULL) and returns -code, so callers can `return error_set(...)`. */
int error_set(struct error *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static inline void error_clear(struct error *e)
{
	e->code = 0;
	e->message[0] = '\0';
}

#endif
