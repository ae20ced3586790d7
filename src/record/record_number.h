/*
 * record_number: JSON numbers as exact decimals, and doubles printed as jq prints them.
 *
 * A number is read from its text without converting it to binary, so int8 extremes, long
 * numeric values and every digit of a float's text are kept. Two numbers are equal when
 * they denote the same decimal value: "1", "1.0", "10e-1" and "0.1e1" are equal, and so
 * are "0" and "-0".
 *
 * Doubles are printed in the layout of jq 1.6: the shortest digits that read back to the
 * same double, plain notation unless the decimal exponent is small or large, then
 * "1e-05" / "1.5e+300" (sign always shown, at least two exponent digits).
 *
 * Pure functions, no I/O, no allocation except into the caller's GString, thread-safe and
 * independent of the C locale.
 */
#ifndef FORCEFS_RECORD_NUMBER_H
#define FORCEFS_RECORD_NUMBER_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * A decimal number as written, seen as sign × 0.D1D2...Dn × 10^exponent with D1 != 0.
 * Points into the text it was read from: that text must outlive it.
 */
struct record_number {
	bool negative;	    /* a '-' was written (also for "-0") */
	const char *digits; /* the mantissa as written: digits with at most one '.' */
	size_t int_len;	    /* digits before the '.' (all of them when there is none) */
	size_t first;	    /* index of D1 among the mantissa's digits, '.' not counted */
	size_t ndigits; /* n: significant digits, leading and trailing zeros dropped; 0 = zero */
	long long exponent; /* the decimal exponent above (0 when the value is zero) */
	bool is_integer;    /* written without '.' and without an exponent */
};

/*
 * Reads `text` (`len` bytes, no NUL needed) as -?D+(.D+)?([eE][+-]?D+)?, which covers JSON
 * numbers and what Postgres prints for integer, numeric and float columns. Leading zeros
 * are accepted here (strict JSON checks belong to the parser). Returns false, leaving `out`
 * unspecified, for anything else: "NaN", "Infinity", spaces, an empty text, or an exponent
 * beyond ±10^15 (no real number is written that way).
 */
bool record_number_read(const char *text, size_t len, struct record_number *out);

/* The i-th significant digit ('0'..'9') of `n`, i < n->ndigits. */
char record_number_digit(const struct record_number *n, size_t i);

/* True when `a` and `b` denote the same decimal value (signs of zero ignored). */
bool record_number_equal(const struct record_number *a, const struct record_number *b);

/*
 * Appends `n` in jq's layout, digit for digit: exponent form when the decimal exponent
 * (as in 0.D1... × 10^e) is <= -4 or greater than ndigits + 15, plain form otherwise.
 * Gives jq's bytes when the digits of `n` are the shortest ones of a double, which is what
 * Postgres 12+ prints for float4/float8 with extra_float_digits > 0.
 */
void record_number_append_jq(const struct record_number *n, GString *out);

/*
 * Appends the finite double `value` as jq 1.6 prints it: the shortest digits that read
 * back to the same double (the nearest such when there are several), in jq's layout.
 * -0.0 prints "-0". Must not be called with NaN or an infinity.
 */
void record_number_append_double(double value, GString *out);

#endif
