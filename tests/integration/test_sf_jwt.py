"""JWT bearer login (src/sf/sf_jwt.c, src/sf/sf_auth.c) end to end against the emulator.

Keys are made here with python3-cryptography; the emulator learns the connected app's
certificate through POST /__emulator/jwt-certificate (docs/emulator.md).
"""

import datetime
import os
import re
import subprocess
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

import forcefs_harness as ft
from test_sf_client import CLIENT_ID, USERNAME, assert_error, probe

PEM_MARK = "PRIVATE KEY"


def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def key_pem(key, password=None):
    enc = (serialization.BestAvailableEncryption(password) if password
           else serialization.NoEncryption())
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.TraditionalOpenSSL
                             if key.__class__.__name__.startswith("_RSA") and not password
                             else serialization.PrivateFormat.PKCS8, enc)


def cert_pem(key):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "forcefs-test-app")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture(scope="module")
def app_key():
    return rsa_key()


@pytest.fixture
def jwt_emu(emu, app_key):
    emu.control("jwt-certificate", {"pem": cert_pem(app_key)})
    yield emu
    emu.control("jwt-certificate", method="DELETE")


def write_key(tmp_path, data, name="app.key", mode=0o600):
    path = tmp_path / name
    path.write_bytes(data)
    os.chmod(path, mode)
    return str(path)


def jwt_env(emu, key_file, **kw):
    env = {"SF_LOGIN_URL": emu.url, "SF_CLIENT_ID": CLIENT_ID, "SF_USERNAME": USERNAME,
           "SF_JWT_KEY_FILE": key_file}
    env.update(kw)
    return env


def key_body(pem):
    """The base64 lines of a PEM key: none of them may show anywhere."""
    return [line for line in pem.decode().splitlines() if line and "-----" not in line]


def assert_no_key(res, pem):
    for line in key_body(pem):
        assert line not in res.stdout and line not in res.stderr, res
    assert PEM_MARK not in res.stdout + res.stderr


def test_jwt_bearer_logs_in_and_describes(jwt_emu, app_key, tmp_path):
    pem = key_pem(app_key)
    res = probe("describe", "Account", env=jwt_env(jwt_emu, write_key(tmp_path, pem)))
    assert res.ok, res
    assert res.json["logins"] == 1
    assert_no_key(res, pem)
    assert "!" not in res.stderr  # no access token (00D...!AQ...) in the log


def test_jwt_bearer_signs_again_when_the_session_expires(jwt_emu, app_key, tmp_path):
    jwt_emu.faults({"match": "GET /sobjects/Account/describe", "fault": "expire_token",
                    "count": 1})
    res = probe("describe", "Account", env=jwt_env(jwt_emu, write_key(tmp_path, key_pem(app_key))))
    assert res.ok, res
    assert res.json["logins"] == 2  # a second assertion, no refresh token


def test_jwt_key_that_is_not_the_apps_is_an_invalid_assertion(jwt_emu, tmp_path):
    pem = key_pem(rsa_key())
    res = probe("login", env=jwt_env(jwt_emu, write_key(tmp_path, pem)))
    assert_error(res, "auth")
    assert "invalid assertion" in res.error["message"]
    assert_no_key(res, pem)


def test_jwt_unknown_consumer_key_is_invalid_client_id(jwt_emu, app_key, tmp_path):
    res = probe("login", env=jwt_env(jwt_emu, write_key(tmp_path, key_pem(app_key)),
                                     SF_CLIENT_ID="someone-else"))
    assert_error(res, "auth")
    assert "client identifier invalid" in res.error["message"]


def test_jwt_user_not_pre_authorized(jwt_emu, app_key, tmp_path):
    res = probe("login", env=jwt_env(jwt_emu, write_key(tmp_path, key_pem(app_key)),
                                     SF_USERNAME="integration@example.com"))
    assert_error(res, "auth")
    assert "user hasn't approved this consumer" in res.error["message"]


@pytest.mark.parametrize("case", ["missing", "unreadable", "directory", "passphrase",
                                  "not-pem", "ec", "public"])
def test_bad_key_files_are_one_line_naming_the_cause(jwt_emu, app_key, tmp_path, case):
    pem = key_pem(app_key)
    if case == "missing":
        path, why = str(tmp_path / "nope.key"), "No such file or directory"
    elif case == "unreadable":
        if os.geteuid() == 0:
            path, why = "/proc/self/mem", "cannot read it"
        else:
            path, why = write_key(tmp_path, pem, mode=0), "Permission denied"
    elif case == "directory":
        path, why = str(tmp_path), "cannot read it"
    elif case == "passphrase":
        pem = key_pem(app_key, password=b"hunter2-pass")
        path, why = write_key(tmp_path, pem), "protected by a passphrase"
    elif case == "not-pem":
        pem = app_key.private_bytes(serialization.Encoding.DER,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        path, why = write_key(tmp_path, pem), "not a PEM private key"
    elif case == "ec":
        pem = key_pem(ec.generate_private_key(ec.SECP256R1()))
        path, why = write_key(tmp_path, pem), "not an RSA key"
    else:
        pem = app_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                serialization.PublicFormat.SubjectPublicKeyInfo)
        path, why = write_key(tmp_path, pem), "not a PEM private key"
    res = probe("login", env=jwt_env(jwt_emu, path))
    assert_error(res, "config")
    assert res.error["message"].startswith("SF_JWT_KEY_FILE %s: " % path), res
    assert why in res.error["message"], res
    assert jwt_emu.control("stats", method="GET") is not None
    if case != "directory" and case != "missing":
        for line in key_body(pem) if b"-----" in pem else []:
            assert line not in res.stdout + res.stderr


def test_jwt_needs_client_id_and_username(jwt_emu, app_key, tmp_path):
    env = jwt_env(jwt_emu, write_key(tmp_path, key_pem(app_key)))
    del env["SF_USERNAME"]
    res = probe("login", env=env)
    assert_error(res, "config")
    assert "SF_JWT_KEY_FILE needs SF_CLIENT_ID" in res.error["message"]


def test_forcefs_sync_with_a_passphrase_key_exits_1_with_one_line(tmp_path, app_key):
    pem = key_pem(app_key, password=b"hunter2-pass")
    path = write_key(tmp_path, pem)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SF_")}
    env.update({"SF_CLIENT_ID": CLIENT_ID, "SF_USERNAME": USERNAME, "SF_JWT_KEY_FILE": path,
                "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    proc = subprocess.run([ft.forcefs_binary(), "sync", "--once"], capture_output=True,
                          text=True, env=env, timeout=30)
    assert proc.returncode == 1, proc
    lines = proc.stderr.splitlines()
    assert lines == ["forcefs: sync: SF_JWT_KEY_FILE %s: the key is protected by a passphrase: "
                     "give an unencrypted key (openssl rsa -in KEY -out NEW)" % path], proc
    assert proc.stdout == ""
    for line in key_body(pem):
        assert line not in proc.stderr


def test_forcefs_init_logs_in_with_jwt_and_prints_no_secret(pg, jwt_emu, app_key, schema_name,
                                                            tmp_path):
    import test_init
    pem = key_pem(app_key)
    env = jwt_env(jwt_emu, write_key(tmp_path, pem), DATABASE_URL=pg.url)
    run = test_init.run_init("--schema", schema_name, "--objects", "Account", env=env)
    assert run.code == 0, run
    assert run.stdout.endswith('schema "%s" is ready\n' % schema_name), run
    assert "jwt_bearer flow" in run.stderr, run
    for line in key_body(pem):
        assert line not in run.stdout + run.stderr
    assert not re.search(r"00D\w{12}!", run.stdout + run.stderr), run


def test_forcefs_init_with_a_key_the_app_does_not_know_changes_nothing(pg, jwt_emu,
                                                                       schema_name, tmp_path):
    import test_init
    pem = key_pem(rsa_key())
    env = jwt_env(jwt_emu, write_key(tmp_path, pem), DATABASE_URL=pg.url)
    run = test_init.run_init("--schema", schema_name, "--objects", "Account", env=env)
    assert run.code == 1, run
    line = run.error()
    assert "login (jwt_bearer flow)" in line and "invalid assertion" in line, line
    assert "holds the key's certificate" in line
    assert ft.psql(pg.url, "SELECT count(*) FROM pg_namespace WHERE nspname = '%s'"
                   % schema_name) == ["0"]
    for k in key_body(pem):
        assert k not in run.stdout + run.stderr


def test_status_names_the_jwt_source_and_a_bad_key_without_its_contents(pg, sample, schema_name,
                                                                        app_key, tmp_path):
    pem = key_pem(app_key)
    good = write_key(tmp_path, pem)
    bad_pem = key_pem(app_key, password=b"hunter2-pass")
    bad = write_key(tmp_path, bad_pem, name="locked.key")
    base = {k: v for k, v in os.environ.items() if not k.startswith("SF_")}
    base.update({"DATABASE_URL": pg.url, "SF_CLIENT_ID": CLIENT_ID, "SF_USERNAME": USERNAME,
                 "SF_REFRESH_TOKEN": "5Aep861ignoredWhenJwtIsSet"})
    for path, want in ((good, "Salesforce login: JWT bearer (SF_JWT_KEY_FILE, user %s, "
                              "audience https://login.salesforce.com)" % USERNAME),
                       (bad, "Salesforce login: not configured: SF_JWT_KEY_FILE %s: the key "
                             "is protected by a passphrase" % bad)):
        proc = subprocess.run([ft.forcefs_binary(), "status", "--schema", schema_name],
                              env=dict(base, SF_JWT_KEY_FILE=path), capture_output=True,
                              text=True, timeout=30)
        assert proc.returncode == 0, proc.stderr
        assert want in proc.stdout, proc.stdout
        for line in key_body(pem) + key_body(bad_pem):
            assert line not in proc.stdout + proc.stderr
        assert "5Aep861ignored" not in proc.stdout + proc.stderr
