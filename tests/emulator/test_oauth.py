"""OAuth 2.0 token endpoint and session expiry."""

import time

from emutestlib import Client, fixture, start_emulator

OAUTH = "/services/oauth2/token"
CLIENT = {"client_id": "forcefs-test", "client_secret": "forcefs-test"}


def test_password_flow_returns_token_and_instance_url(emulator):
    c = Client(emulator.url)
    r = c.post(OAUTH, auth=False, form=dict(CLIENT, grant_type="password",
                                             username="test@example.com",
                                             password="forcefs-test"))
    assert r.status == 200
    assert r.headers["Content-Type"] == "application/json;charset=UTF-8"
    body = r.json()
    real = fixture("auth_success_response.json")
    assert set(real) <= set(body)
    assert body["instance_url"] == emulator.url
    assert body["token_type"] == "Bearer"
    assert body["issued_at"].isdigit() and len(body["issued_at"]) == 13
    assert body["id"].startswith(emulator.url + "/id/00D")
    assert body["access_token"].startswith("00D") and "!" in body["access_token"]
    assert body["refresh_token"]
    c.token = body["access_token"]
    assert c.get("sobjects").status == 200


def test_password_flow_rejects_bad_password_with_invalid_grant(emulator):
    c = Client(emulator.url)
    r = c.post(OAUTH, auth=False, form=dict(CLIENT, grant_type="password",
                                             username="test@example.com",
                                             password="wrong"))
    assert r.status == 400
    assert r.json() == {"error": "invalid_grant",
                        "error_description": "authentication failure"}
    assert set(r.json()) == set(fixture("auth_error_response.json"))


def test_refresh_token_flow_with_issued_and_fixed_tokens(emulator):
    c = Client(emulator.url)
    issued = c.login()["refresh_token"]
    for rt in (issued, "5Aep861forcefsTestRefreshToken.FixedForTests0000000000000000000000"):
        r = c.post(OAUTH, auth=False, form=dict(CLIENT, grant_type="refresh_token",
                                                 refresh_token=rt))
        assert r.status == 200, r
        body = r.json()
        assert set(fixture("refresh_success_response.json")) <= set(body)
        assert "refresh_token" not in body
        c.token = body["access_token"]
        assert c.get("limits").status == 200


def test_revoked_refresh_token_answers_invalid_grant(client):
    rt = client.login()["refresh_token"]
    r = client.control("POST", "revoke-refresh-token", {"refresh_token": rt})
    assert r.json() == {"revoked": 1}
    r = client.post(OAUTH, auth=False, form=dict(CLIENT, grant_type="refresh_token",
                                                  refresh_token=rt))
    assert r.status == 400
    assert r.json() == fixture("refresh_error_response.json")
    # revoking all also revokes the fixed token; reset restores it
    client.control("POST", "revoke-refresh-token", {})
    fixed = "5Aep861forcefsTestRefreshToken.FixedForTests0000000000000000000000"
    form = dict(CLIENT, grant_type="refresh_token", refresh_token=fixed)
    assert client.post(OAUTH, auth=False, form=form).status == 400
    client.control("POST", "reset", {"keep_records": True})
    assert client.post(OAUTH, auth=False, form=form).status == 200


def test_client_credentials_flow_returns_token_without_refresh_token(emulator):
    c = Client(emulator.url)
    r = c.post(OAUTH, auth=False, form=dict(CLIENT, grant_type="client_credentials"))
    assert r.status == 200
    body = r.json()
    assert "refresh_token" not in body
    assert body["instance_url"] == emulator.url
    # HTTP Basic client authentication works too
    import base64
    basic = base64.b64encode(b"forcefs-test:forcefs-test").decode()
    r = c.post(OAUTH, auth=False, form={"grant_type": "client_credentials"},
               headers={"Authorization": "Basic " + basic})
    assert r.status == 200
    c.token = r.json()["access_token"]
    assert c.get("sobjects").status == 200


def test_token_endpoint_rejects_unknown_client_and_grant_type(emulator):
    c = Client(emulator.url)
    r = c.post(OAUTH, auth=False, form={"grant_type": "password",
                                         "client_id": "nope", "client_secret": "x",
                                         "username": "test@example.com",
                                         "password": "forcefs-test"})
    assert (r.status, r.json()) == (400, {"error": "invalid_client_id",
                                          "error_description": "client identifier invalid"})
    r = c.post(OAUTH, auth=False, form=dict(CLIENT, grant_type="client_credentials",
                                             client_secret="bad"))
    assert (r.status, r.json()["error"]) == (400, "invalid_client")
    r = c.post(OAUTH, auth=False, form=dict(CLIENT, grant_type="magic"))
    assert (r.status, r.json()["error"]) == (400, "unsupported_grant_type")


def test_expired_token_answers_401_invalid_session_id(client):
    assert client.get("sobjects").status == 200
    assert client.control("POST", "expire-tokens").status == 200
    r = client.get("sobjects")
    assert r.status == 401
    assert r.json() == fixture("expired_session_response.json")
    assert r.headers["WWW-Authenticate"] == "Token"
    client.login()
    assert client.get("sobjects").status == 200


def test_token_lifetime_expires_tokens():
    emu = start_emulator("--seed", "empty", "--token-lifetime", "1")
    try:
        c = Client(emu.url)
        c.login()
        assert c.get("sobjects").status == 200
        time.sleep(1.2)
        r = c.get("sobjects")
        assert r.status == 401
        assert r.json() == [{"message": "Session expired or invalid",
                             "errorCode": "INVALID_SESSION_ID"}]
    finally:
        assert emu.stop() == 0


def test_missing_or_bad_authorization_header_answers_401(emulator):
    c = Client(emulator.url)
    r = c.get("sobjects")
    assert r.status == 401
    assert r.json()[0]["errorCode"] == "INVALID_SESSION_ID"
    r = c.get("sobjects", headers={"Authorization": "Bearer not-a-token"})
    assert r.status == 401
    r = c.get("sobjects", headers={"Authorization": "Basic eDp5"})
    assert (r.status, r.json()[0]["errorCode"]) == (401, "INVALID_AUTH_HEADER")


def test_oauth_header_scheme_is_accepted(client):
    r = client.get("sobjects", headers={"Authorization": "OAuth " + client.token})
    assert r.status == 200
