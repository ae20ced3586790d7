/* sf_auth: choosing the login flow from the SF_* variables, token answers. */
#include "sf_auth.h"
#include "sf_jwt.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

static const char *const vars[] = {"SF_LOGIN_URL",     "SF_CLIENT_ID",	  "SF_CLIENT_SECRET",
				   "SF_REFRESH_TOKEN", "SF_USERNAME",	  "SF_PASSWORD",
				   "SF_INSTANCE_URL",  "SF_ACCESS_TOKEN", "SF_API_VERSION",
				   "SF_JWT_KEY_FILE",  "SF_TARGET_ORG"};

/* Sets exactly the given NAME=VALUE pairs (NULL-terminated), unsetting the rest. */
static void set_env(const char *const *pairs)
{
	for (size_t i = 0; i < G_N_ELEMENTS(vars); i++)
		g_unsetenv(vars[i]);
	for (const char *const *p = pairs; *p; p++) {
		char **kv = g_strsplit(*p, "=", 2);
		g_setenv(kv[0], kv[1], TRUE);
		g_strfreev(kv);
	}
}

static struct sf_auth_config *config_ok(const char *const *pairs)
{
	set_env(pairs);
	struct sf_auth_config *cfg;
	struct sf_error *err = sf_auth_config_from_env(&cfg);
	if (err)
		g_error("%s", err->message);
	return cfg;
}

static struct sf_error *config_err(const char *const *pairs)
{
	set_env(pairs);
	struct sf_auth_config *cfg = (void *)1;
	struct sf_error *err = sf_auth_config_from_env(&cfg);
	g_assert_nonnull(err);
	g_assert_null(cfg);
	g_assert_cmpint(err->kind, ==, SF_ERR_CONFIG);
	return err;
}

static void test_refresh_token_flow_with_defaults(void)
{
	const char *env[] = {"SF_CLIENT_ID=cid", "SF_REFRESH_TOKEN=rt", NULL};
	struct sf_auth_config *cfg = config_ok(env);
	g_assert_cmpint(cfg->flow, ==, SF_AUTH_REFRESH_TOKEN);
	g_assert_cmpstr(cfg->login_url, ==, "https://login.salesforce.com");
	g_assert_cmpstr(cfg->api_version, ==, "60.0");
	g_assert_true(sf_auth_can_login(cfg));
	sf_auth_config_free(cfg);
}

static void test_password_flow_needs_client_secret(void)
{
	const char *env[] = {"SF_CLIENT_ID=cid",
			     "SF_CLIENT_SECRET=cs",
			     "SF_USERNAME=u",
			     "SF_PASSWORD=p",
			     "SF_LOGIN_URL=https://test.salesforce.com/",
			     "SF_API_VERSION=v59.0",
			     NULL};
	struct sf_auth_config *cfg = config_ok(env);
	g_assert_cmpint(cfg->flow, ==, SF_AUTH_PASSWORD);
	g_assert_cmpstr(cfg->login_url, ==, "https://test.salesforce.com");
	g_assert_cmpstr(cfg->api_version, ==, "59.0");
	sf_auth_config_free(cfg);

	const char *no_secret[] = {"SF_CLIENT_ID=cid", "SF_USERNAME=u", "SF_PASSWORD=hunter2",
				   NULL};
	struct sf_error *err = config_err(no_secret);
	g_assert_nonnull(strstr(err->message, "SF_CLIENT_SECRET"));
	g_assert_null(strstr(err->message, "hunter2"));
	sf_error_free(err);
}

static void test_client_credentials_flow(void)
{
	const char *env[] = {"SF_CLIENT_ID=cid", "SF_CLIENT_SECRET=cs",
			     "SF_LOGIN_URL=https://acme.my.salesforce.com", NULL};
	struct sf_auth_config *cfg = config_ok(env);
	g_assert_cmpint(cfg->flow, ==, SF_AUTH_CLIENT_CREDENTIALS);
	g_assert_cmpstr(sf_auth_flow_name(cfg->flow), ==, "client_credentials");
	sf_auth_config_free(cfg);
}

static void test_given_token_alone_cannot_log_in_again(void)
{
	const char *env[] = {"SF_INSTANCE_URL=https://na1.salesforce.com/", "SF_ACCESS_TOKEN=00D!x",
			     NULL};
	struct sf_auth_config *cfg = config_ok(env);
	g_assert_cmpint(cfg->flow, ==, SF_AUTH_GIVEN_TOKEN);
	g_assert_false(sf_auth_can_login(cfg));
	g_assert_cmpstr(cfg->instance_url, ==, "https://na1.salesforce.com");
	struct sf_session *s;
	g_assert_null(sf_auth_login(NULL, cfg, &s)); /* no request is made */
	g_assert_cmpstr(s->access_token, ==, "00D!x");
	sf_session_free(s);
	sf_auth_config_free(cfg);
}

static void test_given_token_with_a_flow_keeps_both(void)
{
	const char *env[] = {"SF_INSTANCE_URL=https://na1.salesforce.com", "SF_ACCESS_TOKEN=00D!x",
			     "SF_CLIENT_ID=cid", "SF_REFRESH_TOKEN=rt", NULL};
	struct sf_auth_config *cfg = config_ok(env);
	g_assert_cmpint(cfg->flow, ==, SF_AUTH_REFRESH_TOKEN);
	g_assert_cmpstr(cfg->access_token, ==, "00D!x");
	struct sf_auth_config *copy = sf_auth_config_copy(cfg);
	g_assert_cmpstr(copy->refresh_token, ==, "rt");
	sf_auth_config_free(copy);
	sf_auth_config_free(cfg);
}

static void test_incomplete_settings_name_the_missing_variable(void)
{
	struct {
		const char *env[4];
		const char *needle;
	} cases[] = {
	    {{NULL}, "no Salesforce credentials"},
	    {{"SF_USERNAME=u", NULL}, "SF_PASSWORD"},
	    {{"SF_PASSWORD=p", NULL}, "SF_USERNAME"},
	    {{"SF_INSTANCE_URL=https://x.my.salesforce.com", NULL}, "SF_ACCESS_TOKEN"},
	    {{"SF_REFRESH_TOKEN=rt", NULL}, "SF_CLIENT_ID"},
	    {{"SF_CLIENT_ID=c", "SF_REFRESH_TOKEN=rt", "SF_API_VERSION=sixty", NULL},
	     "SF_API_VERSION"},
	    {{"SF_CLIENT_ID=c", "SF_REFRESH_TOKEN=rt", "SF_LOGIN_URL=http://login.example.com",
	      NULL},
	     "SF_LOGIN_URL: refusing plain http://"},
	    {{"SF_INSTANCE_URL=http://192.0.2.1", "SF_ACCESS_TOKEN=t", NULL},
	     "SF_INSTANCE_URL: refusing plain http://"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct sf_error *err = config_err(cases[i].env);
		if (!strstr(err->message, cases[i].needle))
			g_error("case %zu: \"%s\" lacks \"%s\"", i, err->message, cases[i].needle);
		sf_error_free(err);
	}
}

/* base64url (RFC 7515 §2): '-' and '_' for '+' and '/', no '=' padding. */
static void test_jwt_base64url(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {{"", ""}, {"f", "Zg"}, {"fo", "Zm8"}, {"foo", "Zm9v"},
		     {"\xfb\xff", "-_8"}, {"{\"alg\":\"RS256\"}", "eyJhbGciOiJSUzI1NiJ9"}};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *got = sf_jwt_base64url((const unsigned char *)cases[i].in,
					     strlen(cases[i].in));
		g_assert_cmpstr(got, ==, cases[i].out);
		g_free(got);
	}
}

static void test_jwt_flow_checks_the_key_first(void)
{
	struct sf_error *err = config_err((const char *const[]){
	    "SF_JWT_KEY_FILE=/nonexistent/app.key", "SF_CLIENT_ID=id", "SF_USERNAME=u", NULL});
	g_assert_cmpstr(err->message, ==,
			"SF_JWT_KEY_FILE /nonexistent/app.key: cannot read it: No such file or "
			"directory");
	sf_error_free(err);
	err = config_err((const char *const[]){"SF_JWT_KEY_FILE=/nonexistent/app.key",
						"SF_USERNAME=u", NULL});
	g_assert_nonnull(strstr(err->message, "SF_JWT_KEY_FILE needs SF_CLIENT_ID"));
	sf_error_free(err);
}

/* docs/configuration.md's table: --target-org, JWT, refresh token, password, client
 * credentials, SF_TARGET_ORG, a given session. */
static void test_login_source_precedence(void)
{
	struct sf_auth_config *cfg =
	    config_ok((const char *const[]){"SF_TARGET_ORG=dev", "SF_INSTANCE_URL=https://x.my.salesforce.com",
					    "SF_ACCESS_TOKEN=t", NULL});
	g_assert_cmpint(cfg->flow, ==, SF_AUTH_SF_CLI);
	g_assert_true(sf_auth_can_login(cfg));
	char *d = sf_auth_describe(cfg);
	g_assert_cmpstr(d, ==, "Salesforce CLI org \"dev\" (SF_TARGET_ORG)");
	g_free(d);
	sf_auth_config_free(cfg);

	cfg = config_ok((const char *const[]){"SF_TARGET_ORG=dev", "SF_CLIENT_ID=c",
					      "SF_REFRESH_TOKEN=rt", NULL});
	g_assert_cmpint(cfg->flow, ==, SF_AUTH_REFRESH_TOKEN);
	sf_auth_config_free(cfg);

	/* The flag wins, even over a half-set variable pair. */
	set_env((const char *const[]){"SF_USERNAME=u", "SF_CLIENT_ID=c", "SF_REFRESH_TOKEN=rt",
				      "SF_INSTANCE_URL=http://192.0.2.1", NULL});
	struct sf_error *err = sf_auth_config_load("a b; c", NULL, &cfg);
	g_assert_null(err);
	g_assert_cmpint(cfg->flow, ==, SF_AUTH_SF_CLI);
	g_assert_cmpstr(cfg->target_org, ==, "a b; c");
	d = sf_auth_describe(cfg);
	g_assert_cmpstr(d, ==, "Salesforce CLI org \"a b; c\" (--target-org)");
	g_free(d);
	sf_auth_config_free(cfg);
	err = sf_auth_config_load("", NULL, &cfg);
	g_assert_nonnull(err);
	g_assert_cmpstr(err->message, ==, "--target-org needs an alias or username");
	sf_error_free(err);
}

static void test_token_answer_shapes(void)
{
	struct sf_session *s;
	const char *no_token = "{\"instance_url\":\"https://na1.salesforce.com\"}";
	struct sf_error *err =
	    sf_auth_parse_token_response(200, NULL, no_token, strlen(no_token), &s);
	g_assert_cmpint(err->kind, ==, SF_ERR_BAD_RESPONSE);
	sf_error_free(err);

	const char *insecure =
	    "{\"access_token\":\"SECRET\",\"instance_url\":\"http://evil.example\"}";
	err = sf_auth_parse_token_response(200, NULL, insecure, strlen(insecure), &s);
	g_assert_cmpint(err->kind, ==, SF_ERR_CONFIG);
	g_assert_null(strstr(err->message, "SECRET"));
	sf_error_free(err);

	const char *cut = "{\"access_token\":\"SECRET";
	err = sf_auth_parse_token_response(200, NULL, cut, strlen(cut), &s);
	g_assert_cmpint(err->kind, ==, SF_ERR_BAD_RESPONSE);
	g_assert_null(strstr(err->message, "SECRET"));
	sf_error_free(err);

	const char *rotated = "{\"access_token\":\"a\",\"instance_url\":\"http://127.0.0.1:5/\","
			      "\"refresh_token\":\"new\"}";
	g_assert_null(sf_auth_parse_token_response(200, NULL, rotated, strlen(rotated), &s));
	g_assert_cmpstr(s->instance_url, ==, "http://127.0.0.1:5");
	g_assert_cmpstr(s->refresh_token, ==, "new");
	g_assert_null(s->identity_url);
	sf_session_free(s);

	const char *html = "<html><title>Down</title></html>";
	err = sf_auth_parse_token_response(503, "text/html", html, strlen(html), &s);
	g_assert_cmpint(err->kind, ==, SF_ERR_TRANSIENT_SERVER);
	sf_error_free(err);
}

/* Regression: a token endpoint error that is not an OAuth envelope was quoted in the
 * message (sf_auth.h promises never to), and it may echo the form: password, secrets. */
static void test_token_errors_never_quote_the_body(void)
{
	struct sf_session *s = NULL;
	const char *bodies[] = {
	    "grant_type=password&password=hunter2SECRET&client_secret=cs",
	    "{\"echo\":\"hunter2SECRET\"}",
	    "[\"hunter2SECRET\"]",
	    "<html><title>hunter2SECRET</title></html>",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bodies); i++) {
		for (long status = 400; status <= 500; status += 100) {
			struct sf_error *err = sf_auth_parse_token_response(
			    status, i == 3 ? "text/html" : NULL, bodies[i], strlen(bodies[i]), &s);
			g_assert_nonnull(err);
			g_assert_null(s);
			if (strstr(err->message, "hunter2SECRET"))
				g_error("token error quotes the body: %s", err->message);
			g_assert_nonnull(strstr(err->message, status == 400 ? "HTTP 400" : "HTTP 500"));
			sf_error_free(err);
		}
	}
	/* The documented OAuth envelope still reaches the user. */
	const char *oauth = "{\"error\":\"invalid_grant\",\"error_description\":\"authentication "
			    "failure\"}";
	struct sf_error *err = sf_auth_parse_token_response(400, "application/json", oauth,
							    strlen(oauth), &s);
	g_assert_nonnull(strstr(err->message, "authentication failure"));
	sf_error_free(err);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	/* No stored login of the machine's (forcefs login) takes part. */
	char *config_home = g_dir_make_tmp("forcefs-auth-XXXXXX", NULL);
	g_setenv("XDG_CONFIG_HOME", config_home, TRUE);
	g_test_add_func("/sf_auth/token_errors_never_quote_the_body",
			test_token_errors_never_quote_the_body);
	g_test_add_func("/sf_auth/refresh_token_flow_with_defaults",
			test_refresh_token_flow_with_defaults);
	g_test_add_func("/sf_auth/password_flow_needs_client_secret",
			test_password_flow_needs_client_secret);
	g_test_add_func("/sf_auth/client_credentials_flow", test_client_credentials_flow);
	g_test_add_func("/sf_auth/given_token_alone_cannot_log_in_again",
			test_given_token_alone_cannot_log_in_again);
	g_test_add_func("/sf_auth/given_token_with_a_flow_keeps_both",
			test_given_token_with_a_flow_keeps_both);
	g_test_add_func("/sf_auth/incomplete_settings_name_the_missing_variable",
			test_incomplete_settings_name_the_missing_variable);
	g_test_add_func("/sf_auth/token_answer_shapes", test_token_answer_shapes);
	g_test_add_func("/sf_auth/jwt_base64url", test_jwt_base64url);
	g_test_add_func("/sf_auth/login_source_precedence", test_login_source_precedence);
	g_test_add_func("/sf_auth/jwt_flow_checks_the_key_first", test_jwt_flow_checks_the_key_first);
	int rc = g_test_run();
	g_rmdir(config_home);
	g_free(config_home);
	return rc;
}
