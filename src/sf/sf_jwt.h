/*
 * sf_jwt: the signed assertion of the OAuth 2.0 JWT bearer flow (docs/salesforce-client.md).
 *
 * An assertion is base64url(header) "." base64url(claims) "." base64url(signature) with
 * header {"alg":"RS256"}, claims {"iss": consumer key, "sub": username, "aud": login URL,
 * "exp": now + SF_JWT_LIFETIME_S} and an RSASSA-PKCS1-v1_5 SHA-256 signature made with
 * OpenSSL's EVP API from an unencrypted PEM RSA private key.
 *
 * The key is read from its file for each assertion and wiped from memory afterwards; its
 * contents never appear in an error message. Thread safety: no shared state, callers
 * may sign from several threads.
 */
#ifndef FORCEFS_SF_JWT_H
#define FORCEFS_SF_JWT_H

#include "sf_error.h"

#include <time.h>

#define SF_JWT_LIFETIME_S 180

/* Checks that `key_file` is a readable, unencrypted PEM RSA private key. A config error
 * ("SF_JWT_KEY_FILE <path>: <why>") names the cause: unreadable (errno), protected by a
 * passphrase, not a PEM private key, not an RSA key. */
struct sf_error *sf_jwt_check_key(const char *key_file);

/* Builds and signs an assertion expiring at now + SF_JWT_LIFETIME_S. *out is g_malloc'd
 * (free it with explicit_bzero + g_free); the same errors as sf_jwt_check_key(). */
struct sf_error *sf_jwt_assertion(const char *key_file, const char *client_id, const char *username,
				  const char *audience, time_t now, char **out);

/* base64url without padding (RFC 7515 §2) of `len` bytes; g_malloc'd. Pure. */
char *sf_jwt_base64url(const unsigned char *data, size_t len);

#endif
