"""The JWT bearer grant of the token endpoint (tools/sfemu/oauth.py)."""

import base64
import datetime
import json
import os
import tempfile
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from emutestlib import Client, start_emulator

OAUTH = "/services/oauth2/token"
GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def assertion(key=KEY, aud=None, iss="forcefs-test", sub="test@example.com", exp=None,
              alg="RS256"):
    head = b64(json.dumps({"alg": alg}).encode())
    claims = b64(json.dumps({"iss": iss, "sub": sub, "aud": aud,
                             "exp": exp if exp is not None else int(time.time()) + 180})
                 .encode())
    sig = key.sign((head + "." + claims).encode(), padding.PKCS1v15(), hashes.SHA256())
    return head + "." + claims + "." + b64(sig)


def cert_pem(key):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "forcefs-test-app")])
    now = datetime.datetime.now(datetime.timezone.utc)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode())


@pytest.fixture
def jwt_client(client):
    assert client.control("POST", "jwt-certificate", {"pem": cert_pem(KEY)}).status == 200
    yield client
    client.control("DELETE", "jwt-certificate")


def token(c, a):
    return c.post(OAUTH, auth=False, form={"grant_type": GRANT, "assertion": a})


def test_jwt_bearer_returns_a_token_without_refresh_token_or_signature(jwt_client):
    c = jwt_client
    r = token(c, assertion(aud=c.url))
    assert r.status == 200, r
    body = r.json()
    assert set(body) == {"access_token", "scope", "instance_url", "id", "token_type"}
    assert body["token_type"] == "Bearer"
    c.token = body["access_token"]
    assert c.get("limits").status == 200


@pytest.mark.parametrize("aud", ["https://login.salesforce.com", "https://test.salesforce.com"])
def test_jwt_bearer_accepts_the_login_hosts_as_audience(jwt_client, aud):
    assert token(jwt_client, assertion(aud=aud)).status == 200


@pytest.mark.parametrize("kw,error,description", [
    ({"key": OTHER_KEY}, "invalid_grant", "invalid assertion"),
    ({"alg": "HS256"}, "invalid_grant", "invalid assertion"),
    ({"iss": "unknown-app"}, "invalid_client_id", "client identifier invalid"),
    ({"aud": "https://evil.example.com"}, "invalid_grant", "audience is invalid"),
    ({"exp": 1000}, "invalid_grant", "expired access/refresh token"),
    ({"sub": "integration@example.com"}, "invalid_grant",
     "user hasn't approved this consumer"),
])
def test_jwt_bearer_errors_are_salesforces(jwt_client, kw, error, description):
    kw.setdefault("aud", "https://login.salesforce.com")
    r = token(jwt_client, assertion(**kw))
    assert r.status == 400
    assert r.json() == {"error": error, "error_description": description}


def test_garbage_assertion_and_no_certificate_are_invalid_assertions(client):
    for a in ("", "a.b", "not.base64!.x", assertion(aud="https://login.salesforce.com")):
        r = token(client, a)
        assert r.status == 400
        assert r.json() == {"error": "invalid_grant", "error_description": "invalid assertion"}


def test_jwt_cert_option_configures_the_certificate():
    with tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False) as f:
        f.write(cert_pem(KEY))
    try:
        emu = start_emulator("--seed", "empty", "--jwt-cert", f.name)
        try:
            c = Client(emu.url)
            assert token(c, assertion(aud="https://login.salesforce.com")).status == 200
        finally:
            emu.stop()
    finally:
        os.unlink(f.name)
