/* redact: no secret of a URL survives in what is shown, whatever libpq or libcurl quote. */
#include "redact.h"

#include <glib.h>
#include <libpq-fe.h>
#include <string.h>

static void assert_url(const char *url, const char *shown)
{
	char *got = redact_url(url);
	g_assert_cmpstr(got, ==, shown);
	g_free(got);
}

static void test_urls_show_no_password(void)
{
	assert_url("postgres://u:hunter2@db.example:5432/crm", "postgres://u:***@db.example:5432/crm");
	assert_url("postgresql://u:p@ss:w@rd@h/db?x=1", "postgresql://u:***@h/db?x=1");
	assert_url("postgresql://u@h/db", "postgresql://u@h/db");
	assert_url("postgresql://h/db?sslmode=require&password=hunter2&x=1",
		   "postgresql://h/db?sslmode=require&password=***&x=1");
	assert_url("host=h password='hun ter2' dbname=crm", "host=h password=*** dbname=crm");
	assert_url("host=h password=hunter2 dbname=crm", "host=h password=*** dbname=crm");
	assert_url("https://x.my.salesforce.com/a?access_token=00D!tok&b=2",
		   "https://x.my.salesforce.com/a?access_token=***&b=2");
	assert_url("https://user:pw@login.salesforce.com", "https://user:***@login.salesforce.com");
	assert_url("", "");
	assert_url("password=", "password=");
}

static void assert_hidden(const char *message, const char *url, const char *secret)
{
	char *got = redact_message(message, url);
	if (strstr(got, secret))
		g_error("\"%s\" still shows \"%s\"", got, secret);
	g_free(got);
}

static void test_libpq_parse_errors_show_no_password(void)
{
	const char *urls[] = {
	    "postgresql://u:hunter2%zz@h/db",
	    "postgresql://u:hunter2@[::1/db",
	    "postgresql://u:hunter2@h/db?sslmode",
	    "postgresql://u:hunter2@h/db?nosuchoption=1",
	    "postgresql://h/db?password=hunter2%zz",
	    "host=h password='hunter2",
	    "host=h password=hunter2 nosuch=1",
	    "host=h password=hunter2 junk",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(urls); i++) {
		char *why = NULL;
		PQconninfoOption *opts = PQconninfoParse(urls[i], &why);
		if (opts || !why)
			g_error("libpq accepted %s", urls[i]);
		assert_hidden(why, urls[i], "hunter2");
		PQfreemem(why);
	}
}

static void test_messages_quoting_the_url_show_it_redacted(void)
{
	const char *url = "postgresql://u:s3cr%40t@h/db";
	char *got = redact_message("bad URI \"postgresql://u:s3cr%40t@h/db\" and s3cr@t", url);
	g_assert_cmpstr(got, ==, "bad URI \"postgresql://u:***@h/db\" and ***");
	g_free(got);
	got = redact_message("nothing secret", NULL);
	g_assert_cmpstr(got, ==, "nothing secret");
	g_free(got);
	/* A password that is part of what replaces it must not loop. */
	got = redact_message("a * b", "postgresql://u:*@h/db");
	g_assert_cmpstr(got, ==, "a *** b");
	g_free(got);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/redact/urls_show_no_password", test_urls_show_no_password);
	g_test_add_func("/redact/libpq_parse_errors_show_no_password",
			test_libpq_parse_errors_show_no_password);
	g_test_add_func("/redact/messages_quoting_the_url_show_it_redacted",
			test_messages_quoting_the_url_show_it_redacted);
	return g_test_run();
}
