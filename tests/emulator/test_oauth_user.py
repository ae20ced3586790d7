"""The web server flow with PKCE and the device flow (tools/sfemu/oauth_user.py).

Answers as Salesforce documents them: help.salesforce.com "OAuth 2.0 Web Server Flow for
Web App Integration", "OAuth 2.0 Device Flow for IoT Integration" and "OAuth 2.0
Authorization Errors"; PKCE is RFC 7636 (S256).
"""

import base64
import hashlib
import secrets
import time
import urllib.parse

import pytest

from emutestlib import Client

TOKEN = "/services/oauth2/token"
AUTHORIZE = "/services/oauth2/authorize"
REDIRECT = "http://localhost:1717/OauthRedirect"


def pkce():
    verifier = secrets.token_urlsafe(64)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


def authorize(c, **params):
    q = {"response_type": "code", "client_id": "forcefs-test", "redirect_uri": REDIRECT,
         "state": "st-123"}
    q.update(params)
    q = {k: v for k, v in q.items() if v is not None}
    return no_redirect_get(c, AUTHORIZE + "?" + urllib.parse.urlencode(q))


def no_redirect_get(c, path):
    import http.client
    u = urllib.parse.urlsplit(c.url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    conn.request("GET", path)
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, dict(r.getheaders()), body


def redirect_params(headers):
    loc = headers["Location"]
    assert loc.startswith(REDIRECT + "?"), loc
    return {k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlsplit(loc).query).items()}


@pytest.fixture
def anon(client):
    c = Client(client.url)
    yield c


def test_authorize_redirects_with_a_code_and_the_state(anon):
    verifier, challenge = pkce()
    status, headers, _ = authorize(anon, code_challenge=challenge, code_challenge_method="S256")
    assert status == 302
    q = redirect_params(headers)
    assert q["state"] == "st-123" and q["code"]
    r = anon.post(TOKEN, auth=False, form={
        "grant_type": "authorization_code", "code": q["code"], "client_id": "forcefs-test",
        "redirect_uri": REDIRECT, "code_verifier": verifier})
    assert r.status == 200, r
    body = r.json()
    for key in ("access_token", "refresh_token", "signature", "scope", "instance_url", "id",
                "token_type", "issued_at"):
        assert key in body, body
    assert body["scope"] == "refresh_token api"
    anon.token = body["access_token"]
    assert anon.get("sobjects/Account/describe").status == 200
    # the refresh token works, and the code is single use
    r = anon.post(TOKEN, auth=False, form={"grant_type": "refresh_token",
                                           "client_id": "forcefs-test",
                                           "refresh_token": body["refresh_token"]})
    assert r.status == 200, r
    r = anon.post(TOKEN, auth=False, form={
        "grant_type": "authorization_code", "code": q["code"], "client_id": "forcefs-test",
        "redirect_uri": REDIRECT, "code_verifier": verifier})
    assert r.status == 400 and r.json() == {"error": "invalid_grant",
                                            "error_description": "invalid authorization code"}


def test_a_wrong_code_verifier_is_invalid_grant(anon):
    _, challenge = pkce()
    _, headers, _ = authorize(anon, code_challenge=challenge)
    code = redirect_params(headers)["code"]
    r = anon.post(TOKEN, auth=False, form={
        "grant_type": "authorization_code", "code": code, "client_id": "forcefs-test",
        "redirect_uri": REDIRECT, "code_verifier": "not-the-verifier"})
    assert r.status == 400
    assert r.json() == {"error": "invalid_grant", "error_description": "invalid code verifier"}


def test_the_redirect_uri_must_be_the_same_at_the_token_endpoint(anon):
    verifier, challenge = pkce()
    _, headers, _ = authorize(anon, code_challenge=challenge)
    r = anon.post(TOKEN, auth=False, form={
        "grant_type": "authorization_code", "code": redirect_params(headers)["code"],
        "client_id": "forcefs-test", "redirect_uri": "http://localhost:1718/OauthRedirect",
        "code_verifier": verifier})
    assert r.json()["error_description"] == "redirect_uri must match configuration"


def test_unknown_client_or_redirect_is_an_error_page_not_a_redirect(anon):
    status, headers, body = authorize(anon, client_id="nobody")
    assert status == 400 and "Location" not in headers
    assert b"invalid_client_id" in body
    status, headers, body = authorize(anon, redirect_uri="https://evil.example.com/cb")
    assert status == 400 and "Location" not in headers
    assert b"redirect_uri_mismatch" in body


def test_bad_requests_go_back_to_the_redirect_uri_with_an_error(anon):
    status, headers, _ = authorize(anon, response_type="token")
    assert status == 302
    assert redirect_params(headers)["error"] == "unsupported_response_type"
    status, headers, _ = authorize(anon, code_challenge="x" * 43, code_challenge_method="plain")
    q = redirect_params(headers)
    assert q["error"] == "invalid_request" and q["state"] == "st-123"


def test_a_denied_authorization_redirects_with_access_denied(anon):
    assert anon.control("POST", "authorize", {"decision": "deny"}).status == 200
    try:
        status, headers, _ = authorize(anon, code_challenge=pkce()[1])
        q = redirect_params(headers)
        assert q == {"error": "access_denied",
                     "error_description": "end-user denied authorization", "state": "st-123"}
    finally:
        anon.control("POST", "authorize", {"decision": "allow"})


def device_start(c):
    r = c.post(TOKEN, auth=False, form={"response_type": "device_code",
                                        "client_id": "forcefs-test",
                                        "scope": "api refresh_token"})
    assert r.status == 200, r
    return r.json()


def poll(c, code):
    return c.post(TOKEN, auth=False, form={"grant_type": "device", "client_id": "forcefs-test",
                                           "code": code})


def test_device_flow_pending_slow_down_then_a_session(anon):
    anon.control("POST", "device", {"interval": 1})
    d = device_start(anon)
    assert set(d) == {"device_code", "user_code", "verification_uri", "interval"}
    assert d["interval"] == 1
    assert d["verification_uri"] == anon.url + "/setup/connect"
    r = poll(anon, d["device_code"])
    assert r.status == 400 and r.json() == {"error": "authorization_pending",
                                            "error_description": "authorization pending"}
    r = poll(anon, d["device_code"])  # at once: too fast
    assert r.json() == {"error": "slow_down", "error_description": "polling too quickly"}
    assert anon.control("POST", "device", {"user_code": d["user_code"]}).json()["state"] == \
        "approved"
    time.sleep(1.1)
    r = poll(anon, d["device_code"])
    assert r.status == 200, r
    assert r.json()["refresh_token"] and r.json()["access_token"]


def test_device_flow_denied_and_expired(anon):
    anon.control("POST", "device", {"interval": 0})
    d = device_start(anon)
    anon.control("POST", "device", {"user_code": d["user_code"], "decision": "deny"})
    r = poll(anon, d["device_code"])
    assert r.json() == {"error": "access_denied",
                        "error_description": "end-user denied authorization"}
    anon.control("POST", "device", {"lifetime": 0})
    d = device_start(anon)
    r = poll(anon, d["device_code"])
    assert r.json() == {"error": "invalid_grant",
                        "error_description": "expired authorization code"}


def test_device_flow_unknown_client(anon):
    r = anon.post(TOKEN, auth=False, form={"response_type": "device_code",
                                           "client_id": "nobody"})
    assert r.status == 400 and r.json()["error"] == "invalid_client_id"


def test_device_flow_min_interval_asks_for_slower_polls(anon):
    anon.control("POST", "device", {"interval": 0, "min_interval": 30})
    d = device_start(anon)
    assert d["interval"] == 0
    assert poll(anon, d["device_code"]).json()["error"] == "authorization_pending"
    assert poll(anon, d["device_code"]).json()["error"] == "slow_down"


def test_refresh_token_rotation_revokes_the_used_token(anon):
    verifier, challenge = pkce()
    _, headers, _ = authorize(anon, code_challenge=challenge)
    first = anon.post(TOKEN, auth=False, form={
        "grant_type": "authorization_code", "code": redirect_params(headers)["code"],
        "client_id": "forcefs-test", "redirect_uri": REDIRECT,
        "code_verifier": verifier}).json()["refresh_token"]
    assert anon.control("POST", "refresh-rotation", {"rotate": True}).status == 200
    try:
        def refresh(tok):
            return anon.post(TOKEN, auth=False, form={
                "grant_type": "refresh_token", "client_id": "forcefs-test",
                "refresh_token": tok})
        r = refresh(first)
        assert r.status == 200
        second = r.json()["refresh_token"]
        assert second != first
        assert refresh(first).json()["error"] == "invalid_grant"
        assert refresh(second).status == 200
    finally:
        anon.control("POST", "refresh-rotation", {"rotate": False})
