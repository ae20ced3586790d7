/*
 * record_number: exact decimal reading and jq-style printing of JSON numbers.
 * See record_number.h for the contract.
 */
#include "record_number.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* Exponents are accumulated up to this magnitude; anything larger is refused. */
#define EXPONENT_LIMIT 1000000000000000LL

/* A double never needs more than 17 significant digits to read back exactly. */
#define DOUBLE_MAX_DIGITS 17

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

bool record_number_read(const char *text, size_t len, struct record_number *out)
{
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	if (i < len && text[i] == '-') {
		out->negative = true;
		i++;
	}
	out->digits = text + i;

	size_t int_start = i;
	while (i < len && is_digit(text[i]))
		i++;
	if (i == int_start)
		return false;
	size_t int_digits = i - int_start;

	size_t frac_digits = 0;
	if (i < len && text[i] == '.') {
		i++;
		size_t frac_start = i;
		while (i < len && is_digit(text[i]))
			i++;
		if (i == frac_start)
			return false;
		frac_digits = i - frac_start;
	}
	out->int_len = int_digits;

	long long written_exponent = 0;
	bool has_exponent = i < len && (text[i] == 'e' || text[i] == 'E');
	if (has_exponent) {
		bool exp_negative = false;
		i++;
		if (i < len && (text[i] == '+' || text[i] == '-')) {
			exp_negative = text[i] == '-';
			i++;
		}
		size_t exp_start = i;
		while (i < len && is_digit(text[i])) {
			written_exponent = written_exponent * 10 + (text[i] - '0');
			if (written_exponent > EXPONENT_LIMIT)
				return false;
			i++;
		}
		if (i == exp_start)
			return false;
		if (exp_negative)
			written_exponent = -written_exponent;
	}
	if (i != len)
		return false;
	out->is_integer = frac_digits == 0 && !has_exponent;

	/* Significant digits: skip leading zeros (and the '.'), then trailing zeros. */
	size_t all = int_digits + frac_digits; /* digit positions, '.' not counted */
	size_t lead = 0;
	while (lead < all) {
		size_t at = lead < int_digits ? lead : lead + 1;
		if (out->digits[at] != '0')
			break;
		lead++;
	}
	if (lead == all)
		return true; /* zero: ndigits 0, exponent 0 */
	size_t trail = all;
	while (trail > lead) {
		size_t at = trail - 1 < int_digits ? trail - 1 : trail;
		if (out->digits[at] != '0')
			break;
		trail--;
	}
	out->first = lead;
	out->ndigits = trail - lead;
	/* 0.D1... × 10^e: D1 sits at position `lead`; the point sits after int_digits. */
	out->exponent = written_exponent + (long long)int_digits - (long long)lead;
	return true;
}

char record_number_digit(const struct record_number *n, size_t i)
{
	size_t at = n->first + i;

	return n->digits[at < n->int_len ? at : at + 1];
}

bool record_number_equal(const struct record_number *a, const struct record_number *b)
{
	if (a->ndigits == 0 || b->ndigits == 0)
		return a->ndigits == b->ndigits;
	if (a->negative != b->negative || a->ndigits != b->ndigits || a->exponent != b->exponent)
		return false;
	for (size_t i = 0; i < a->ndigits; i++) {
		if (record_number_digit(a, i) != record_number_digit(b, i))
			return false;
	}
	return true;
}

/* Appends the digits [from, to) of `n`, padding with '0' past its last digit. */
static void append_digits(const struct record_number *n, size_t from, size_t to, GString *out)
{
	for (size_t i = from; i < to; i++)
		g_string_append_c(out, i < n->ndigits ? record_number_digit(n, i) : '0');
}

void record_number_append_jq(const struct record_number *n, GString *out)
{
	if (n->negative)
		g_string_append_c(out, '-');
	if (n->ndigits == 0) {
		g_string_append_c(out, '0');
		return;
	}

	long long e = n->exponent;
	long long nd = (long long)n->ndigits;
	if (e <= -4 || e > nd + 15) {
		long long shown = e - 1; /* D1.D2... × 10^shown */
		append_digits(n, 0, 1, out);
		if (n->ndigits > 1) {
			g_string_append_c(out, '.');
			append_digits(n, 1, n->ndigits, out);
		}
		g_string_append_printf(out, "e%c%02lld", shown < 0 ? '-' : '+',
				       shown < 0 ? -shown : shown);
	} else if (e <= 0) {
		g_string_append(out, "0.");
		for (long long z = e; z < 0; z++)
			g_string_append_c(out, '0');
		append_digits(n, 0, n->ndigits, out);
	} else if (e >= nd) {
		append_digits(n, 0, (size_t)e, out);
	} else {
		append_digits(n, 0, (size_t)e, out);
		g_string_append_c(out, '.');
		append_digits(n, (size_t)e, n->ndigits, out);
	}
}

/*
 * Candidate decimal for a double: sign, up to DOUBLE_MAX_DIGITS + 1 digits (room for a
 * carry) and the exponent of 0.D1D2... × 10^exponent.
 */
struct candidate {
	bool negative;
	char digits[DOUBLE_MAX_DIGITS + 2];
	size_t ndigits;
	long long exponent;
};

/* The correctly rounded `ndigits`-digit decimal of the finite, non-zero `value`. */
static void candidate_rounded(double value, int ndigits, struct candidate *c)
{
	char format[8], text[G_ASCII_DTOSTR_BUF_SIZE];
	struct record_number n;

	g_snprintf(format, sizeof(format), "%%.%de", ndigits - 1);
	g_ascii_formatd(text, sizeof(text), format, value);
	/* "%e" output is always a valid number for a finite double. */
	record_number_read(text, strlen(text), &n);
	c->negative = n.negative;
	c->ndigits = (size_t)ndigits; /* trailing zeros kept: candidate_step needs them */
	c->exponent = n.exponent;
	for (size_t i = 0; i < (size_t)ndigits; i++)
		c->digits[i] = i < n.ndigits ? record_number_digit(&n, i) : '0';
}

static double candidate_value(const struct candidate *c)
{
	char text[DOUBLE_MAX_DIGITS + 40];

	g_snprintf(text, sizeof(text), "%s0.%.*se%lld", c->negative ? "-" : "", (int)c->ndigits,
		   c->digits, c->exponent);
	return g_ascii_strtod(text, NULL);
}

/*
 * Moves `c` one unit of its last digit away from zero (`up`) or toward zero, keeping the
 * digit count except for a carry out of the first digit or a borrow into it.
 */
static void candidate_step(struct candidate *c, bool up)
{
	size_t i = c->ndigits;

	if (up) {
		while (i > 0 && c->digits[i - 1] == '9')
			c->digits[--i] = '0';
		if (i == 0) {
			memmove(c->digits + 1, c->digits, c->ndigits);
			c->digits[0] = '1';
			c->ndigits++;
			c->exponent++;
		} else {
			c->digits[i - 1]++;
		}
	} else {
		while (i > 0 && c->digits[i - 1] == '0')
			c->digits[--i] = '9';
		c->digits[i - 1]--; /* D1 != 0, so the borrow stops at the latest there */
		if (c->digits[0] == '0') {
			memmove(c->digits, c->digits + 1, c->ndigits - 1);
			c->ndigits--;
			c->exponent--;
		}
	}
	while (c->ndigits > 0 && c->digits[c->ndigits - 1] == '0')
		c->ndigits--;
}

/*
 * The shortest candidate with at most `ndigits` digits that reads back as `value`, or
 * false when there is none. The correctly rounded decimal is the nearest one; when it
 * misses, only its neighbour on the other side of `value` can still hit, which happens
 * where the gap to the next double down is half the gap up (at powers of two).
 */
static bool shortest_with_digits(double value, int ndigits, struct candidate *c)
{
	candidate_rounded(value, ndigits, c);
	double got = candidate_value(c);
	if (got == value)
		return true;
	bool below = fabs(got) < fabs(value);
	candidate_step(c, below);
	return candidate_value(c) == value;
}

void record_number_append_double(double value, GString *out)
{
	struct candidate c = {.negative = signbit(value) != 0};

	if (value != 0) {
		/*
		 * A normal double is at least 4 ulps away from every 15-digit decimal but
		 * its own, so if its rounded 15 digits read back, their prefix without
		 * trailing zeros is the shortest form. Subnormals have fewer bits and need
		 * the search from one digit up.
		 */
		int from = fabs(value) >= DBL_MIN ? 15 : 1;
		for (int nd = from; nd <= DOUBLE_MAX_DIGITS; nd++) {
			if (nd == 15 && from == 15) {
				candidate_rounded(value, nd, &c);
				if (candidate_value(&c) == value)
					break;
				continue;
			}
			if (nd == DOUBLE_MAX_DIGITS) {
				candidate_rounded(value, nd, &c);
				break;
			}
			if (shortest_with_digits(value, nd, &c))
				break;
		}
	}

	while (c.ndigits > 0 && c.digits[c.ndigits - 1] == '0')
		c.ndigits--;
	struct record_number n = {
	    .negative = c.negative,
	    .digits = c.digits,
	    .int_len = c.ndigits,
	    .first = 0,
	    .ndigits = c.ndigits,
	    .exponent = c.ndigits ? c.exponent : 0,
	};
	record_number_append_jq(&n, out);
}
