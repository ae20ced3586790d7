/* sf_http: which URLs may be used, Sforce-Limit-Info, refusal before connecting. */
#include "sf_http.h"

#include <arpa/inet.h>
#include <glib.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void test_allows_https_and_loopback_http(void)
{
	const char *ok[] = {
	    "https://login.salesforce.com",
	    "https://na1.salesforce.com/services/data/v60.0/",
	    "HTTPS://Example.my.salesforce.com",
	    "http://127.0.0.1:8080",
	    "http://127.1.2.3/x",
	    "http://localhost:1234",
	    "http://LOCALHOST",
	    "http://[::1]:9000/services",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(ok); i++) {
		struct sf_error *err = sf_http_check_url(ok[i]);
		if (err)
			g_error("%s refused: %s", ok[i], err->message);
	}
}

static void test_refuses_plain_http_to_remote_hosts(void)
{
	const char *bad[] = {"http://192.0.2.1/services",
			     "http://na1.salesforce.com",
			     "http://128.0.0.1",
			     "http://localhost.example.com",
			     "http://[::2]/",
			     "http://10.0.0.1"};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		struct sf_error *err = sf_http_check_url(bad[i]);
		g_assert_nonnull(err);
		g_assert_cmpint(err->kind, ==, SF_ERR_CONFIG);
		g_assert_nonnull(strstr(err->message, "refusing plain http://"));
		sf_error_free(err);
	}
}

static void test_refuses_other_schemes_credentials_and_junk(void)
{
	const char *bad[] = {"ftp://example.com",	    "file:///etc/passwd", "not a url", "",
			     "https://user:pw@example.com", "gopher://x"};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		struct sf_error *err = sf_http_check_url(bad[i]);
		g_assert_nonnull(err);
		g_assert_cmpint(err->kind, ==, SF_ERR_CONFIG);
		g_assert_null(strstr(err->message, "pw@")); /* the password is not repeated */
		sf_error_free(err);
	}
	struct sf_error *err = sf_http_check_url(NULL);
	g_assert_nonnull(err);
	sf_error_free(err);
}

/* 192.0.2.1 is a documentation address: a connection attempt would hang until
 * the timeout. The refusal must come at once. */
static void test_perform_refuses_before_connecting(void)
{
	struct sf_http *http;
	struct sf_http_options opts = {.connect_timeout_ms = 5000, .timeout_ms = 5000};
	g_assert_null(sf_http_new(&opts, &http));
	struct sf_http_request req = {.method = "GET",
				      .url = "http://192.0.2.1/services/data/",
				      .bearer_token = "SECRET-TOKEN"};
	struct sf_http_response resp = {0};
	gint64 start = g_get_monotonic_time();
	struct sf_error *err = sf_http_perform(http, &req, &resp);
	g_assert_cmpint(g_get_monotonic_time() - start, <, 1000000);
	g_assert_nonnull(err);
	g_assert_cmpint(err->kind, ==, SF_ERR_CONFIG);
	g_assert_null(strstr(err->message, "SECRET"));
	g_assert_null(resp.body);
	sf_error_free(err);
	sf_http_free(http);
}

static void test_connection_refused_is_network_error(void)
{
	/* Bind a port, close it: nothing listens there any more. */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in addr = {.sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(addr);
	g_assert_cmpint(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
	g_assert_cmpint(getsockname(fd, (struct sockaddr *)&addr, &alen), ==, 0);
	unsigned port = ntohs(addr.sin_port);
	close(fd);
	char *url = g_strdup_printf("http://127.0.0.1:%u/services/data/", port);

	struct sf_http *http;
	g_assert_null(sf_http_new(NULL, &http));
	struct sf_http_request req = {.method = "GET", .url = url};
	struct sf_http_response resp = {0};
	struct sf_error *err = sf_http_perform(http, &req, &resp);
	g_assert_nonnull(err);
	g_assert_cmpint(err->kind, ==, SF_ERR_NETWORK);
	g_assert_true(sf_error_is_transient(err));
	g_assert_nonnull(strstr(err->message, "127.0.0.1"));
	sf_error_free(err);
	sf_http_free(http);
	g_free(url);
}

static void test_parses_limit_info(void)
{
	long long used = -1, max = -1;
	g_assert_true(sf_http_parse_limit_info("api-usage=18/5000", &used, &max));
	g_assert_cmpint(used, ==, 18);
	g_assert_cmpint(max, ==, 5000);
	g_assert_true(
	    sf_http_parse_limit_info("api-usage=10018/100000; api-bursts=1/750", &used, &max));
	g_assert_cmpint(used, ==, 10018);
	g_assert_cmpint(max, ==, 100000);
	g_assert_true(sf_http_parse_limit_info(
	    "per-app-api-usage=17/250(appName=x); api-usage=3/15000", &used, &max));
	g_assert_cmpint(used, ==, 3);
	g_assert_cmpint(max, ==, 15000);
	g_assert_false(sf_http_parse_limit_info("per-app-api-usage=17/250", &used, &max));
	g_assert_false(sf_http_parse_limit_info("api-usage=x/1", &used, &max));
	g_assert_false(sf_http_parse_limit_info("api-usage=1", &used, &max));
	g_assert_false(sf_http_parse_limit_info(NULL, &used, &max));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sf_http/allows_https_and_loopback_http",
			test_allows_https_and_loopback_http);
	g_test_add_func("/sf_http/refuses_plain_http_to_remote_hosts",
			test_refuses_plain_http_to_remote_hosts);
	g_test_add_func("/sf_http/refuses_other_schemes_credentials_and_junk",
			test_refuses_other_schemes_credentials_and_junk);
	g_test_add_func("/sf_http/perform_refuses_before_connecting",
			test_perform_refuses_before_connecting);
	g_test_add_func("/sf_http/connection_refused_is_network_error",
			test_connection_refused_is_network_error);
	g_test_add_func("/sf_http/parses_limit_info", test_parses_limit_info);
	return g_test_run();
}
