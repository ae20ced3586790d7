/* sf_oauth_user and sf_login_store: PKCE (RFC 7636 Appendix B), the authorize URL,
 * aliases, and stored login files' modes. */
#include "sf_login_store.h"
#include "sf_oauth_user.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

static void test_pkce_rfc7636_vector(void)
{
	char challenge[48];
	sf_pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", challenge);
	g_assert_cmpstr(challenge, ==, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

static void test_pkce_new_is_random_and_well_formed(void)
{
	struct sf_pkce a, b;
	g_assert_null(sf_pkce_new(&a));
	g_assert_null(sf_pkce_new(&b));
	g_assert_cmpuint(strlen(a.verifier), ==, 64);
	g_assert_cmpuint(strlen(a.challenge), ==, 43);
	g_assert_cmpstr(a.verifier, !=, b.verifier);
	g_assert_cmpstr(a.state, !=, b.state);
	for (const char *p = a.verifier; *p; p++)
		g_assert_true(g_ascii_isalnum(*p) || *p == '-' || *p == '_');
	char again[48];
	sf_pkce_challenge(a.verifier, again);
	g_assert_cmpstr(again, ==, a.challenge);
}

static void test_authorize_url(void)
{
	struct sf_pkce p = {.verifier = "v", .challenge = "c-h_", .state = "s t"};
	char *url = sf_oauth_authorize_url("https://login.salesforce.com", "3MVG9 id",
					   "http://localhost:1717/OauthRedirect", &p);
	g_assert_cmpstr(url, ==,
			"https://login.salesforce.com/services/oauth2/authorize?response_type=code"
			"&client_id=3MVG9%20id&redirect_uri=http%3A%2F%2Flocalhost%3A1717%2F"
			"OauthRedirect&scope=api%20refresh_token&code_challenge=c-h_"
			"&code_challenge_method=S256&state=s%20t");
	g_assert_null(strstr(url, "v&"));
	g_free(url);
}

static void test_alias_valid(void)
{
	g_assert_true(sf_login_alias_valid("dev"));
	g_assert_true(sf_login_alias_valid("test@example.com"));
	g_assert_true(sf_login_alias_valid("a+b_c-1.2"));
	g_assert_false(sf_login_alias_valid(""));
	g_assert_false(sf_login_alias_valid(NULL));
	g_assert_false(sf_login_alias_valid(".hidden"));
	g_assert_false(sf_login_alias_valid("-rf"));
	g_assert_false(sf_login_alias_valid("../x"));
	g_assert_false(sf_login_alias_valid("a b"));
	g_assert_false(sf_login_alias_valid("a;b"));
	char *long_alias = g_strnfill(101, 'a');
	g_assert_false(sf_login_alias_valid(long_alias));
	g_free(long_alias);
}

static struct sf_stored_login *sample(void)
{
	struct sf_stored_login *l = g_new0(struct sf_stored_login, 1);
	l->alias = g_strdup("dev");
	l->username = g_strdup("u@example.com");
	l->instance_url = g_strdup("https://x.my.salesforce.com");
	l->login_url = g_strdup("https://login.salesforce.com");
	l->client_id = g_strdup("cid");
	l->refresh_token = g_strdup("5Aep861SECRET");
	l->method = g_strdup("browser");
	return l;
}

static void test_store_roundtrip_and_modes(void)
{
	char *home = g_dir_make_tmp("forcefs-store-XXXXXX", NULL);
	g_setenv("XDG_CONFIG_HOME", home, TRUE);
	struct sf_stored_login *l = sample();
	g_assert_null(sf_login_store_save(l));
	char *dir = g_build_filename(home, "forcefs", NULL);
	char *path = g_build_filename(dir, "login-dev.json", NULL);
	g_assert_cmpstr(l->path, ==, path);
	struct stat st;
	g_assert_cmpint(stat(dir, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 07777, ==, 0700);
	g_assert_cmpint(stat(path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 07777, ==, 0600);

	struct sf_stored_login *back;
	g_assert_null(sf_login_store_load("dev", &back));
	g_assert_cmpstr(back->refresh_token, ==, "5Aep861SECRET");
	g_assert_cmpstr(back->instance_url, ==, "https://x.my.salesforce.com");
	sf_stored_login_free(back);

	GPtrArray *aliases;
	g_assert_null(sf_login_store_aliases(&aliases));
	g_assert_cmpuint(aliases->len, ==, 1);
	g_ptr_array_free(aliases, TRUE);

	g_chmod(path, 0640);
	struct sf_error *err = sf_login_store_load("dev", &back);
	g_assert_nonnull(err);
	g_assert_nonnull(strstr(err->message, "has mode 0640, wider than 0600"));
	g_assert_null(strstr(err->message, "SECRET"));
	sf_error_free(err);
	g_chmod(path, 0600);
	g_chmod(dir, 0750);
	err = sf_login_store_load("dev", &back);
	g_assert_nonnull(err);
	g_assert_nonnull(strstr(err->message, "has mode 0750, wider than 0700"));
	sf_error_free(err);
	g_chmod(dir, 0700);

	err = sf_login_store_load("other", &back);
	g_assert_cmpstr(err->message, ==,
			"no stored login \"other\": run forcefs login --alias other");
	sf_error_free(err);

	bool removed;
	g_assert_null(sf_login_store_remove("dev", &removed));
	g_assert_true(removed);
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	sf_stored_login_free(l);
	g_rmdir(dir);
	g_rmdir(home);
	g_free(path);
	g_free(dir);
	g_free(home);
}

static void test_store_refuses_a_bad_alias_and_a_torn_file(void)
{
	char *home = g_dir_make_tmp("forcefs-store-XXXXXX", NULL);
	g_setenv("XDG_CONFIG_HOME", home, TRUE);
	struct sf_stored_login *l = sample();
	g_free(l->alias);
	l->alias = g_strdup("../etc");
	struct sf_error *err = sf_login_store_save(l);
	g_assert_nonnull(err);
	sf_error_free(err);
	g_free(l->alias);
	l->alias = g_strdup("dev");
	g_assert_null(sf_login_store_save(l));
	g_assert_true(g_file_set_contents(l->path, "{\"alias\":\"dev\"", -1, NULL));
	g_chmod(l->path, 0600);
	struct sf_stored_login *back;
	err = sf_login_store_load("dev", &back);
	g_assert_nonnull(err);
	g_assert_nonnull(strstr(err->message, "is not a forcefs login"));
	sf_error_free(err);
	g_unlink(l->path);
	char *dir = g_build_filename(home, "forcefs", NULL);
	g_rmdir(dir);
	g_rmdir(home);
	g_free(dir);
	g_free(home);
	sf_stored_login_free(l);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sf_oauth_user/pkce_rfc7636_vector", test_pkce_rfc7636_vector);
	g_test_add_func("/sf_oauth_user/pkce_new", test_pkce_new_is_random_and_well_formed);
	g_test_add_func("/sf_oauth_user/authorize_url", test_authorize_url);
	g_test_add_func("/sf_login_store/alias_valid", test_alias_valid);
	g_test_add_func("/sf_login_store/roundtrip_and_modes", test_store_roundtrip_and_modes);
	g_test_add_func("/sf_login_store/bad_alias_and_torn_file",
			test_store_refuses_a_bad_alias_and_a_torn_file);
	return g_test_run();
}
