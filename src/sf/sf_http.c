#include "sf_http.h"

#include "log.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef FORCEFS_VERSION
#define FORCEFS_VERSION "dev"
#endif

#define DEFAULT_CONNECT_TIMEOUT_MS 10000L
#define DEFAULT_TIMEOUT_MS	   120000L
#define DEFAULT_MAX_BODY_BYTES	   ((size_t)512 * 1024 * 1024)

struct sf_http {
	CURL *curl;
	struct sf_http_options opts;
	char *ca_file;
	char errbuf[CURL_ERROR_SIZE];
	bool cookie_engine; /* CURLOPT_COOKIEFILE "" is set */
};

/* What the curl callbacks fill while a request runs. */
struct transfer {
	GString *body;
	size_t max_body;
	bool too_large;
	GHashTable *headers;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;

static void init_curl(void)
{
	curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct sf_error *sf_http_new(const struct sf_http_options *opts, struct sf_http **out)
{
	*out = NULL;
	pthread_once(&curl_once, init_curl);
	if (curl_init_result != CURLE_OK)
		return sf_error_new(SF_ERR_CONFIG, 0, NULL, "cannot initialise libcurl: %s",
				    curl_easy_strerror(curl_init_result));
	struct sf_http *http = g_new0(struct sf_http, 1);
	http->curl = curl_easy_init();
	if (!http->curl) {
		g_free(http);
		return sf_error_new(SF_ERR_CONFIG, 0, NULL, "cannot create a libcurl handle");
	}
	if (opts)
		http->opts = *opts;
	if (http->opts.connect_timeout_ms <= 0)
		http->opts.connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
	if (http->opts.timeout_ms <= 0)
		http->opts.timeout_ms = DEFAULT_TIMEOUT_MS;
	if (http->opts.max_body_bytes == 0)
		http->opts.max_body_bytes = DEFAULT_MAX_BODY_BYTES;
	http->ca_file = g_strdup(http->opts.ca_file);
	http->opts.ca_file = http->ca_file;
	*out = http;
	return NULL;
}

static struct curl_slist *take_cookies(struct sf_http *http);

void sf_http_free(struct sf_http *http)
{
	if (!http)
		return;
	curl_slist_free_all(take_cookies(http));
	curl_easy_cleanup(http->curl);
	g_free(http->ca_file);
	g_free(http);
}

static bool is_loopback_host(const char *host)
{
	if (g_ascii_strcasecmp(host, "localhost") == 0 ||
	    g_ascii_strcasecmp(host, "localhost.") == 0)
		return true;
	struct in_addr v4;
	if (inet_pton(AF_INET, host, &v4) == 1)
		return (ntohl(v4.s_addr) >> 24) == 127;
	char *bare = g_strdup(host);
	size_t len = strlen(bare);
	if (len >= 2 && bare[0] == '[' && bare[len - 1] == ']') {
		memmove(bare, bare + 1, len - 2);
		bare[len - 2] = '\0';
	}
	struct in6_addr v6;
	bool loop = false;
	if (inet_pton(AF_INET6, bare, &v6) == 1) {
		static const unsigned char mapped_prefix[12] = {0, 0, 0, 0, 0,	  0,
								0, 0, 0, 0, 0xff, 0xff};
		loop = memcmp(&v6, &in6addr_loopback, sizeof(v6)) == 0 ||
		       (memcmp(&v6, mapped_prefix, 12) == 0 && v6.s6_addr[12] == 127);
	}
	g_free(bare);
	return loop;
}

struct sf_error *sf_http_check_url(const char *url)
{
	if (!url || !*url)
		return sf_error_new(SF_ERR_CONFIG, 0, NULL, "no URL given");
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *user = NULL, *password = NULL;
	struct sf_error *err = NULL;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		/* Not quoted: what cannot be parsed cannot be told apart from a secret in it. */
		err = sf_error_new(SF_ERR_CONFIG, 0, NULL,
				   "not a URL (expected https://host/...; the %zu characters given "
				   "are not shown, they may hold a secret)",
				   strlen(url));
		goto out;
	}
	curl_url_get(u, CURLUPART_USER, &user, 0);
	curl_url_get(u, CURLUPART_PASSWORD, &password, 0);
	if (user || password) {
		err = sf_error_new(SF_ERR_CONFIG, 0, NULL,
				   "URL for %s carries a user name or password; give credentials "
				   "through the SF_* environment variables instead",
				   host);
	} else if (strcmp(scheme, "https") == 0) {
		err = NULL;
	} else if (strcmp(scheme, "http") == 0) {
		if (!is_loopback_host(host))
			err = sf_error_new(SF_ERR_CONFIG, 0, NULL,
					   "refusing plain http:// to %s: tokens would travel "
					   "unencrypted; use https:// (http:// is allowed only for "
					   "localhost, 127.0.0.0/8 and ::1)",
					   host);
	} else {
		err = sf_error_new(SF_ERR_CONFIG, 0, NULL,
				   "unsupported URL scheme \"%s\" in %s (expected https://)",
				   scheme, host);
	}
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_free(password);
	curl_url_cleanup(u);
	return err;
}

bool sf_http_parse_limit_info(const char *value, long long *used, long long *max)
{
	const char *p = value ? strstr(value, "api-usage=") : NULL;
	while (p && p != value && p[-1] != ' ' && p[-1] != ';' && p[-1] != ',')
		p = strstr(p + 1, "api-usage=");
	if (!p)
		return false;
	p += strlen("api-usage=");
	char *end;
	long long u = strtoll(p, &end, 10);
	if (end == p || *end != '/' || u < 0)
		return false;
	p = end + 1;
	long long m = strtoll(p, &end, 10);
	if (end == p || m < 0)
		return false;
	*used = u;
	*max = m;
	return true;
}

static size_t on_body(char *data, size_t size, size_t n, void *userdata)
{
	struct transfer *t = userdata;
	size_t len = size * n;
	if (t->body->len + len > t->max_body) {
		t->too_large = true;
		return 0; /* makes curl fail with CURLE_WRITE_ERROR */
	}
	g_string_append_len(t->body, data, (gssize)len);
	return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *userdata)
{
	struct transfer *t = userdata;
	size_t len = size * n;
	if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		/* A new response begins (after 100 Continue, say): forget earlier headers. */
		g_hash_table_remove_all(t->headers);
		return len;
	}
	const char *colon = memchr(data, ':', len);
	if (!colon)
		return len;
	char *name = g_ascii_strdown(data, colon - data);
	char *value = g_strndup(colon + 1, len - (size_t)(colon + 1 - data));
	g_strstrip(name);
	g_strstrip(value);
	g_hash_table_replace(t->headers, name, value);
	return len;
}

/* The URL up to its query string: what logs and messages show. */
static char *url_without_query(const char *url)
{
	const char *q = strchr(url, '?');
	return q ? g_strndup(url, (gsize)(q - url)) : g_strdup(url);
}

static struct sf_error *transport_error(struct sf_http *http, CURLcode rc,
					const struct sf_http_request *req, const struct transfer *t)
{
	char *where = url_without_query(req->url);
	const char *detail = http->errbuf[0] ? http->errbuf : curl_easy_strerror(rc);
	struct sf_error *err;
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		err = sf_error_new(
		    SF_ERR_TIMEOUT, 0, NULL,
		    "%s %s: no complete answer in time (timeout; connect limit %ld ms, "
		    "request limit %ld ms): %s",
		    req->method, where, http->opts.connect_timeout_ms, http->opts.timeout_ms,
		    detail);
		break;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_USE_SSL_FAILED:
		err = sf_error_new(SF_ERR_TLS, 0, NULL,
				   "%s %s: TLS failed (is this an https server with a trusted "
				   "certificate?): %s",
				   req->method, where, detail);
		break;
	case CURLE_WRITE_ERROR:
		if (t->too_large) {
			err = sf_error_new(SF_ERR_BAD_RESPONSE, 0, NULL,
					   "%s %s: answer larger than %zu bytes", req->method,
					   where, t->max_body);
			break;
		}
		/* fall through */
	case CURLE_BAD_CONTENT_ENCODING:
		err = sf_error_new(SF_ERR_BAD_RESPONSE, 0, NULL, "%s %s: unreadable answer: %s",
				   req->method, where, detail);
		break;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		err = sf_error_new(SF_ERR_CONFIG, 0, NULL, "%s %s: %s", req->method, where, detail);
		break;
	default:
		err =
		    sf_error_new(SF_ERR_NETWORK, 0, NULL, "%s %s: %s", req->method, where, detail);
	}
	g_free(where);
	return err;
}

static struct curl_slist *request_headers(const struct sf_http_request *req)
{
	struct curl_slist *list = NULL;
	if (req->bearer_token) {
		char *auth = g_strconcat("Authorization: Bearer ", req->bearer_token, NULL);
		list = curl_slist_append(list, auth);
		explicit_bzero(auth, strlen(auth));
		g_free(auth);
	}
	char *accept =
	    g_strconcat("Accept: ", req->accept ? req->accept : "application/json", NULL);
	list = curl_slist_append(list, accept);
	g_free(accept);
	if (req->content_type) {
		char *ct = g_strconcat("Content-Type: ", req->content_type, NULL);
		list = curl_slist_append(list, ct);
		g_free(ct);
	}
	list = curl_slist_append(list, "Expect:"); /* no 100-continue round trip */
	for (const char *const *h = req->headers; h && *h; h++)
		list = curl_slist_append(list, *h);
	return list;
}

/* Frees a header list, wiping the Authorization line first. */
static void free_headers(struct curl_slist *list)
{
	for (struct curl_slist *l = list; l; l = l->next)
		if (g_ascii_strncasecmp(l->data, "Authorization:", 14) == 0)
			explicit_bzero(l->data, strlen(l->data));
	curl_slist_free_all(list);
}

/* Ends a transfer when the abort flag is set (CURLOPT_XFERINFOFUNCTION). */
static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	const volatile int *abort = userdata;
	return *abort ? 1 : 0;
}

/* Takes the cookies out of the handle and turns its cookie engine off. libcurl 7.88
 * loses (leaks) the CURLOPT_COOKIEFILE list in curl_easy_reset; turning the engine off
 * first frees it, and the cookies go back in after the reset. */
static struct curl_slist *take_cookies(struct sf_http *http)
{
	if (!http->cookie_engine)
		return NULL;
	struct curl_slist *cookies = NULL;
	curl_easy_getinfo(http->curl, CURLINFO_COOKIELIST, &cookies);
	curl_easy_setopt(http->curl, CURLOPT_COOKIEFILE, (char *)NULL);
	http->cookie_engine = false;
	return cookies;
}

static void set_options(struct sf_http *http, const struct sf_http_request *req,
			struct curl_slist *headers, struct transfer *t)
{
	CURL *c = http->curl;
	struct curl_slist *cookies = take_cookies(http);
	curl_easy_reset(c); /* keeps the connection, DNS and TLS session caches */
	if (http->opts.cookies) {
		curl_easy_setopt(c, CURLOPT_COOKIEFILE, ""); /* the engine on, no file */
		http->cookie_engine = true;
		for (struct curl_slist *l = cookies; l; l = l->next)
			curl_easy_setopt(c, CURLOPT_COOKIELIST, l->data);
	}
	curl_slist_free_all(cookies);
	http->errbuf[0] = '\0';
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, http->errbuf);
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (http->opts.ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, http->opts.ca_file);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, http->opts.connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, http->opts.timeout_ms);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, ""); /* every encoding curl supports */
	curl_easy_setopt(c, CURLOPT_USERAGENT, "forcefs/" FORCEFS_VERSION);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, t);
	if (http->opts.abort) {
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)http->opts.abort);
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	}
	const char *method = req->method ? req->method : "GET";
	if (req->body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
	}
	if (strcmp(method, "GET") == 0)
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	else if (strcmp(method, "POST") != 0 || !req->body)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
}

struct sf_error *sf_http_perform(struct sf_http *http, const struct sf_http_request *req,
				 struct sf_http_response *resp)
{
	struct sf_error *err = sf_http_check_url(req->url);
	if (err)
		return err;
	struct transfer t = {
	    .body = g_string_new(NULL),
	    .max_body = http->opts.max_body_bytes,
	    .headers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
	};
	struct curl_slist *headers = request_headers(req);
	set_options(http, req, headers, &t);
	gint64 start = g_get_monotonic_time();
	CURLcode rc = curl_easy_perform(http->curl);
	free_headers(headers);
	char *where = url_without_query(req->url);
	if (rc != CURLE_OK) {
		err = transport_error(http, rc, req, &t);
		log_debug("%s %s failed after %.0f ms: %s", req->method, where,
			  (double)(g_get_monotonic_time() - start) / 1000.0, err->message);
		g_string_free(t.body, TRUE);
		g_hash_table_destroy(t.headers);
		g_free(where);
		return err;
	}
	resp->status = 0;
	curl_easy_getinfo(http->curl, CURLINFO_RESPONSE_CODE, &resp->status);
	resp->body_len = t.body->len;
	resp->body = g_string_free(t.body, FALSE);
	resp->headers = t.headers;
	resp->has_api_usage = sf_http_parse_limit_info(
	    sf_http_response_header(resp, "sforce-limit-info"), &resp->api_used, &resp->api_max);
	log_debug("%s %s -> HTTP %ld, %zu bytes, %.0f ms", req->method, where, resp->status,
		  resp->body_len, (double)(g_get_monotonic_time() - start) / 1000.0);
	g_free(where);
	return NULL;
}

const char *sf_http_response_header(const struct sf_http_response *resp, const char *name)
{
	if (!resp->headers || !name)
		return NULL;
	char *lower = g_ascii_strdown(name, -1);
	const char *value = g_hash_table_lookup(resp->headers, lower);
	g_free(lower);
	return value;
}

const char *sf_http_response_content_type(const struct sf_http_response *resp)
{
	return sf_http_response_header(resp, "content-type");
}

void sf_http_response_clear(struct sf_http_response *resp)
{
	g_free(resp->body);
	if (resp->headers)
		g_hash_table_destroy(resp->headers);
	memset(resp, 0, sizeof(*resp));
}
