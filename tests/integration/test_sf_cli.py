"""--target-org / SF_TARGET_ORG: the Salesforce CLI's session (src/sf/sf_cli.c).

A fake `sf` (a Python script first on PATH) records its argv and answers like
`sf org display --target-org ALIAS --json` does, from files the test writes.
"""

import json
import os
import re
import subprocess
import sys

import pytest

import forcefs_harness as ft
from test_sf_client import assert_error, emulator_token, probe

FAKE_SF = r'''#!%s
import json, os, sys
d = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(d, "calls.jsonl"), "a") as f:
    f.write(json.dumps(sys.argv[1:]) + "\n")
mode = open(os.path.join(d, "mode")).read().strip()
if mode == "ok":
    tokens = open(os.path.join(d, "tokens")).read().split()
    n = sum(1 for _ in open(os.path.join(d, "calls.jsonl")))
    tok = tokens[min(n, len(tokens)) - 1]
    print(json.dumps({"status": 0, "result": {
        "id": "00Dxx0000001gPFEAY", "apiVersion": "60.0", "accessToken": tok,
        "instanceUrl": open(os.path.join(d, "instance")).read().strip(),
        "username": "test@example.com", "clientId": "PlatformCLI",
        "connectedStatus": "Connected", "alias": sys.argv[4]}, "warnings": []}))
elif mode == "unknown":
    print(json.dumps({"name": "NoAuthInfoFoundError",
                      "message": "No authorization information found for %%s." %% sys.argv[4],
                      "exitCode": 1, "status": 1, "stack": "NoAuthInfoFoundError: ...",
                      "context": "OrgDisplay", "warnings": []}))
    sys.exit(1)
elif mode == "garbage":
    print("Warning: update available\n{not json")
elif mode == "noresult":
    print(json.dumps({"status": 0, "result": {"username": "test@example.com"}}))
elif mode == "silent-fail":
    sys.stderr.write("Error: something\n")
    sys.exit(3)
''' % sys.executable


@pytest.fixture
def fake_sf(tmp_path, emu):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    script = bindir / "sf"
    script.write_text(FAKE_SF)
    script.chmod(0o755)
    (bindir / "instance").write_text(emu.url)
    (bindir / "mode").write_text("ok")

    class Fake:
        dir = bindir
        path = str(bindir) + os.pathsep + os.environ["PATH"]

        def mode(self, m):
            (bindir / "mode").write_text(m)

        def tokens(self, *toks):
            (bindir / "tokens").write_text("\n".join(toks))

        def calls(self):
            p = bindir / "calls.jsonl"
            return [json.loads(l) for l in p.read_text().splitlines()] if p.exists() else []
    return Fake()


def cli_env(fake, alias="dev"):
    return {"PATH": fake.path, "SF_TARGET_ORG": alias}


def test_sf_target_org_session_is_used_and_sf_gets_one_argument(emu, fake_sf):
    token = emulator_token(emu)
    fake_sf.tokens(token)
    alias = "my org; touch /tmp/forcefs-pwned $(id)"
    res = probe("describe", "Account", env=cli_env(fake_sf, alias))
    assert res.ok, res
    assert fake_sf.calls() == [["org", "display", "--target-org", alias, "--json"]]
    assert not os.path.exists("/tmp/forcefs-pwned")
    assert token not in res.stdout + res.stderr
    assert res.json["logins"] == 1


def test_a_401_asks_sf_once_more(emu, fake_sf):
    first, second = emulator_token(emu), emulator_token(emu)
    fake_sf.tokens(first, second)
    emu.control("expire-tokens", {"token": first})
    res = probe("describe", "Account", env=cli_env(fake_sf))
    assert res.ok, res
    assert len(fake_sf.calls()) == 2
    assert res.json["logins"] == 2
    assert first not in res.stdout + res.stderr and second not in res.stdout + res.stderr


def test_a_second_401_is_final(emu, fake_sf):
    token = emulator_token(emu)
    fake_sf.tokens(token)
    emu.control("expire-tokens", {"token": token})
    res = probe("describe", "Account", env=cli_env(fake_sf))
    assert_error(res, "session_expired")
    assert len(fake_sf.calls()) == 2  # asked once more, no loop
    assert token not in res.stdout + res.stderr


@pytest.mark.parametrize("mode,message", [
    ("unknown", "sf org display --target-org dev: No authorization information found for dev."),
    ("garbage", "sf org display --target-org dev: unexpected answer: not JSON"),
    ("noresult", "sf org display --target-org dev: unexpected answer: no result.accessToken "
                 "and result.instanceUrl"),
    ("silent-fail", "sf org display --target-org dev: failed (exit 3) and gave no JSON answer"),
])
def test_sf_failures_are_one_line(emu, fake_sf, mode, message):
    fake_sf.mode(mode)
    res = probe("login", env=cli_env(fake_sf))
    assert_error(res, "config")
    assert res.error["message"] == message, res


def test_missing_sf_is_one_line(emu, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    res = probe("login", env={"PATH": str(empty), "SF_TARGET_ORG": "dev"})
    assert_error(res, "config")
    assert res.error["message"] == ("the Salesforce CLI (sf) is not on PATH: install it or "
                                    "log in another way")


def test_sf_target_org_comes_after_the_sf_variables(emu, fake_sf):
    env = dict(cli_env(fake_sf), SF_LOGIN_URL=emu.url, SF_CLIENT_ID="forcefs-test",
               SF_REFRESH_TOKEN="5Aep861forcefsTestRefreshToken.FixedForTests0000000000000000000000")
    res = probe("login", env=env)
    assert res.ok, res
    assert fake_sf.calls() == []


def forcefs(*args, env, timeout=60):
    full = {k: v for k, v in os.environ.items() if not k.startswith("SF_")}
    full.update(env)
    proc = subprocess.run([ft.forcefs_binary(), *args], capture_output=True, text=True,
                          env=full, timeout=timeout)
    assert not ft.SANITIZER_ERRORS.search(proc.stderr), proc.stderr
    return proc


def test_init_and_status_with_the_target_org_flag(pg, emu, fake_sf, schema_name):
    token = emulator_token(emu)
    fake_sf.tokens(token)
    # The flag wins over any SF_* variable, even a broken one.
    env = {"PATH": fake_sf.path, "DATABASE_URL": pg.url, "SF_USERNAME": "only-half",
           "SF_TARGET_ORG": "other"}
    alias = "team org; rm -rf ~"
    proc = forcefs("init", "--schema", schema_name, "--objects", "Account",
                   "--target-org", alias, env=env)
    assert proc.returncode == 0, proc.stderr
    assert fake_sf.calls() == [["org", "display", "--target-org", alias, "--json"]]
    assert token not in proc.stdout + proc.stderr
    st = forcefs("status", "--schema", schema_name, "--target-org", alias, env=env)
    assert st.returncode == 0, st.stderr
    assert 'Salesforce login: Salesforce CLI org "%s" (--target-org)' % alias in st.stdout
    st = forcefs("status", "--json", "--schema", schema_name, env={
        "PATH": fake_sf.path, "DATABASE_URL": pg.url, "SF_TARGET_ORG": "dev"})
    assert json.loads(st.stdout)["login"] == {
        "flow": "sf_cli", "source": 'Salesforce CLI org "dev" (SF_TARGET_ORG)'}
    assert len(fake_sf.calls()) == 1  # status never runs sf
    assert token not in st.stdout + st.stderr


def test_sync_with_an_unknown_alias_exits_1_with_sfs_message(pg, emu, fake_sf, schema_name):
    fake_sf.tokens(emulator_token(emu))
    proc = forcefs("init", "--schema", schema_name, "--objects", "Account", "--target-org",
                   "dev", env={"PATH": fake_sf.path, "DATABASE_URL": pg.url})
    assert proc.returncode == 0, proc.stderr
    fake_sf.mode("unknown")
    proc = forcefs("sync", "--once", "--schema", schema_name, "--target-org", "nope", env={
        "PATH": fake_sf.path, "DATABASE_URL": pg.url})
    assert proc.returncode == 1, proc
    errors = [l for l in proc.stderr.splitlines() if l.startswith("forcefs: ")]
    assert len(errors) == 1, proc.stderr
    assert "No authorization information found for nope." in proc.stderr, proc.stderr
    assert fake_sf.calls()[-1] == ["org", "display", "--target-org", "nope", "--json"]


@pytest.mark.parametrize("env,source", [
    ({"SF_CLIENT_ID": "x", "SF_REFRESH_TOKEN": "5Aep861secretRefresh"},
     "refresh token (SF_REFRESH_TOKEN) at https://login.salesforce.com"),
    ({"SF_CLIENT_ID": "x", "SF_CLIENT_SECRET": "cs-secret-1", "SF_USERNAME": "u@x.com",
      "SF_PASSWORD": "pw-secret-1"},
     "username-password (SF_USERNAME u@x.com) at https://login.salesforce.com"),
    ({"SF_INSTANCE_URL": "https://x.my.salesforce.com", "SF_ACCESS_TOKEN": "00Dsecret!tok"},
     "a given session (SF_ACCESS_TOKEN) at https://x.my.salesforce.com"),
    ({}, "not configured: no Salesforce credentials"),
])
def test_status_names_the_login_source_never_the_secret(pg, sample, schema_name, env, source):
    url, schema = pg.url, schema_name
    proc = forcefs("status", "--schema", schema, env=dict(env, DATABASE_URL=url))
    assert proc.returncode == 0, proc.stderr
    line = [l for l in proc.stdout.splitlines() if l.startswith("Salesforce login: ")]
    assert len(line) == 1 and line[0].startswith("Salesforce login: " + source), proc.stdout
    for secret in ("secretRefresh", "cs-secret-1", "pw-secret-1", "00Dsecret!tok"):
        assert secret not in proc.stdout + proc.stderr
