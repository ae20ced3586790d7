#include "sf_jwt.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <glib.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

char *sf_jwt_base64url(const unsigned char *data, size_t len)
{
	char *s = g_base64_encode(data, len);
	size_t n = strlen(s);
	while (n > 0 && s[n - 1] == '=')
		s[--n] = '\0';
	for (char *p = s; *p; p++) {
		if (*p == '+')
			*p = '-';
		else if (*p == '/')
			*p = '_';
	}
	return s;
}

/* Passphrase callback: a key that asks for one is refused (no prompt, no secret in env). */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	*(bool *)u = true;
	return -1;
}

static struct sf_error *key_error(const char *key_file, const char *why)
{
	return sf_error_new(SF_ERR_CONFIG, 0, NULL, "SF_JWT_KEY_FILE %s: %s", key_file, why);
}

/* Loads the private key; *out is an RSA key on success. */
static struct sf_error *load_key(const char *key_file, EVP_PKEY **out)
{
	*out = NULL;
	gchar *pem = NULL;
	gsize len = 0;
	GError *gerr = NULL;
	if (!g_file_get_contents(key_file, &pem, &len, &gerr)) {
		struct sf_error *e = sf_error_new(
		    SF_ERR_CONFIG, 0, NULL, "SF_JWT_KEY_FILE %s: cannot read it: %s", key_file,
		    g_strerror(gerr->code == G_FILE_ERROR_NOENT	  ? ENOENT
			       : gerr->code == G_FILE_ERROR_ACCES ? EACCES
			       : gerr->code == G_FILE_ERROR_ISDIR ? EISDIR
								  : EIO));
		g_error_free(gerr);
		return e;
	}
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	bool asked = false;
	EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, &asked) : NULL;
	BIO_free(bio);
	ERR_clear_error();
	explicit_bzero(pem, len);
	g_free(pem);
	if (!key)
		return key_error(key_file,
				 asked ? "the key is protected by a passphrase: "
					 "give an unencrypted key (openssl rsa -in KEY -out NEW)"
				       : "not a PEM private key");
	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
		EVP_PKEY_free(key);
		return key_error(key_file, "not an RSA key (RS256 needs one)");
	}
	*out = key;
	return NULL;
}

struct sf_error *sf_jwt_check_key(const char *key_file)
{
	EVP_PKEY *key;
	struct sf_error *e = load_key(key_file, &key);
	EVP_PKEY_free(key);
	return e;
}

static char *json_part(cJSON *obj)
{
	char *json = cJSON_PrintUnformatted(obj);
	char *b64 = sf_jwt_base64url((const unsigned char *)json, strlen(json));
	cJSON_free(json);
	return b64;
}

struct sf_error *sf_jwt_assertion(const char *key_file, const char *client_id, const char *username,
				  const char *audience, time_t now, char **out)
{
	*out = NULL;
	EVP_PKEY *key;
	struct sf_error *e = load_key(key_file, &key);
	if (e)
		return e;

	cJSON *header = cJSON_CreateObject();
	cJSON_AddStringToObject(header, "alg", "RS256");
	cJSON *claims = cJSON_CreateObject();
	cJSON_AddStringToObject(claims, "iss", client_id);
	cJSON_AddStringToObject(claims, "sub", username);
	cJSON_AddStringToObject(claims, "aud", audience);
	cJSON_AddNumberToObject(claims, "exp", (double)(now + SF_JWT_LIFETIME_S));
	char *h = json_part(header), *c = json_part(claims);
	cJSON_Delete(header);
	cJSON_Delete(claims);
	char *input = g_strconcat(h, ".", c, NULL);
	g_free(h);
	g_free(c);

	unsigned char *sig = NULL;
	size_t sig_len = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok =
	    ctx && EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
	    EVP_DigestSign(ctx, NULL, &sig_len, (const unsigned char *)input, strlen(input)) == 1;
	if (ok) {
		sig = g_malloc(sig_len);
		ok = EVP_DigestSign(ctx, sig, &sig_len, (const unsigned char *)input,
				    strlen(input)) == 1;
	}
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(key);
	if (!ok) {
		unsigned long code = ERR_get_error();
		ERR_clear_error();
		g_free(sig);
		g_free(input);
		return sf_error_new(
		    SF_ERR_CONFIG, 0, NULL, "SF_JWT_KEY_FILE %s: signing the assertion failed: %s",
		    key_file,
		    code && ERR_reason_error_string(code) ? ERR_reason_error_string(code)
							  : "unknown error");
	}
	char *s = sf_jwt_base64url(sig, sig_len);
	g_free(sig);
	*out = g_strconcat(input, ".", s, NULL);
	g_free(s);
	g_free(input);
	return NULL;
}
