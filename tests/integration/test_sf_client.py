"""The Salesforce REST client (src/sf/) against the emulator and hostile servers.

Each test runs tests/sf_probe.c (built as <build>/sf_probe): one client call per
run, printed as JSON. The emulator is scripts/sf-emulator; faults are switched
on through its /__emulator control endpoint. Servers that answer HTML, garbage
or cut-off JSON are small http.server instances started here.
"""

import http.server
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("FORCEFS_BUILD_DIR", os.path.join(REPO, "build"))
PROBE = os.path.join(BUILD, "sf_probe")

CLIENT_ID = "forcefs-test"
CLIENT_SECRET = "forcefs-test"
USERNAME = "test@example.com"
PASSWORD = "forcefs-test"
FIXED_REFRESH_TOKEN = "5Aep861forcefsTestRefreshToken.FixedForTests0000000000000000000000"

SF_VARS = ("SF_LOGIN_URL", "SF_CLIENT_ID", "SF_CLIENT_SECRET", "SF_REFRESH_TOKEN",
           "SF_USERNAME", "SF_PASSWORD", "SF_INSTANCE_URL", "SF_ACCESS_TOKEN",
           "SF_API_VERSION", "SF_JWT_KEY_FILE", "SF_TARGET_ORG")



@pytest.fixture(autouse=True, scope="module")
def probe_is_built():
    """A missing driver is a broken build, not a reason to skip the client's tests."""
    assert os.path.exists(PROBE), "sf_probe is not built in %s: run scripts/setup --test" % BUILD


class Result:
    def __init__(self, proc, elapsed):
        self.status = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.elapsed = elapsed
        try:
            self.json = json.loads(proc.stdout)
        except ValueError:
            raise AssertionError("sf_probe printed no JSON (exit %d):\n%s\n%s"
                                 % (proc.returncode, proc.stdout, proc.stderr))
        self.ok = self.json["ok"]
        self.result = self.json.get("result")
        self.error = self.json.get("error")

    def __repr__(self):
        return "exit %d %s" % (self.status, self.stdout)


def probe(*args, env=None, timeout=60):
    """Runs sf_probe with exactly the SF_* variables in env."""
    full = {k: v for k, v in os.environ.items() if k not in SF_VARS}
    full.update(env or {})
    start = time.monotonic()
    proc = subprocess.run([PROBE] + [str(a) for a in args], env=full, capture_output=True,
                          text=True, timeout=timeout)
    res = Result(proc, time.monotonic() - start)
    assert "Sanitizer" not in proc.stderr and "runtime error" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 1), res
    assert (proc.returncode == 0) == res.ok, res
    return res


def password_env(emu):
    return {"SF_LOGIN_URL": emu.url, "SF_CLIENT_ID": CLIENT_ID,
            "SF_CLIENT_SECRET": CLIENT_SECRET, "SF_USERNAME": USERNAME,
            "SF_PASSWORD": PASSWORD}


def assert_no_secrets(res, *secrets):
    for s in secrets + (CLIENT_SECRET + "x",):
        assert s not in res.stdout and s not in res.stderr, res


def assert_error(res, kind, transient=None):
    assert not res.ok, res
    assert res.status == 1
    assert res.error["kind"] == kind, res
    if transient is not None:
        assert res.error["transient"] is transient, res
    msg = res.error["message"]
    assert "\n" not in msg and msg.strip() == msg and msg, res
    # stderr is the one-line form a person reads
    assert res.stderr.strip().endswith(msg), res.stderr


# --- logging in -------------------------------------------------------------

def test_password_flow_logs_in(emu):
    res = probe("login", env=password_env(emu))
    assert res.ok, res
    assert res.result["instance_url"] == emu.url
    assert "/id/" in res.result["identity_url"]
    assert res.json["logins"] == 1
    assert "access_token" not in res.stdout
    assert_no_secrets(res, PASSWORD)


def test_refresh_token_flow_logs_in(emu):
    env = {"SF_LOGIN_URL": emu.url, "SF_CLIENT_ID": CLIENT_ID,
           "SF_REFRESH_TOKEN": FIXED_REFRESH_TOKEN}
    res = probe("describe", "Account", env=env)
    assert res.ok, res
    assert res.json["logins"] == 1
    assert_no_secrets(res, FIXED_REFRESH_TOKEN)


def test_client_credentials_flow_logs_in(emu):
    env = {"SF_LOGIN_URL": emu.url, "SF_CLIENT_ID": CLIENT_ID,
           "SF_CLIENT_SECRET": CLIENT_SECRET}
    res = probe("login", env=env)
    assert res.ok, res
    assert res.result["instance_url"] == emu.url


def emulator_token(emu):
    form = ("grant_type=password&client_id=%s&client_secret=%s&username=%s&password=%s"
            % (CLIENT_ID, CLIENT_SECRET, "test%40example.com", PASSWORD)).encode()
    with urllib.request.urlopen(emu.url + "/services/oauth2/token", data=form,
                                timeout=10) as resp:
        return json.loads(resp.read())["access_token"]


def test_given_access_token_is_used_without_login(emu):
    token = emulator_token(emu)
    env = {"SF_INSTANCE_URL": emu.url, "SF_ACCESS_TOKEN": token}
    res = probe("describe-global", env=env)
    assert res.ok, res
    names = [o["name"] for o in res.result["objects"]]
    assert "Account" in names and "Contact" in names
    assert_no_secrets(res, token)


def test_wrong_password_is_an_auth_error(emu):
    env = dict(password_env(emu), SF_PASSWORD="not-the-password")
    res = probe("login", env=env)
    assert_error(res, "auth", transient=False)
    assert res.error["code"] == "invalid_grant"
    assert res.error["http_status"] == 400
    assert "authentication failure" in res.error["message"]
    assert "password flow" in res.error["message"]
    assert_no_secrets(res, "not-the-password")


def test_revoked_refresh_token_is_an_auth_error(emu):
    emu.control("revoke-refresh-token", {"refresh_token": FIXED_REFRESH_TOKEN})
    try:
        env = {"SF_LOGIN_URL": emu.url, "SF_CLIENT_ID": CLIENT_ID,
               "SF_REFRESH_TOKEN": FIXED_REFRESH_TOKEN}
        res = probe("login", env=env)
        assert_error(res, "auth", transient=False)
        assert "expired access/refresh token" in res.error["message"]
        assert_no_secrets(res, FIXED_REFRESH_TOKEN)
    finally:
        emu.control("reset", {"keep_records": True})


def test_missing_settings_name_the_variable():
    res = probe("login", env={"SF_USERNAME": "u"})
    assert_error(res, "config")
    assert "SF_PASSWORD" in res.error["message"]


# --- sessions ---------------------------------------------------------------

def test_expired_session_logs_in_again_once_and_retries(emu):
    emu.faults({"match": "GET /sobjects/Account/describe", "fault": "expire_token",
                "count": 1})
    res = probe("describe", "Account", env=password_env(emu))
    assert res.ok, res
    assert res.json["logins"] == 2
    assert res.json["calls"]["per_object"]["Account"] == 2  # the 401 and the retry


def test_expired_session_twice_is_reported(emu):
    emu.faults({"match": "GET /sobjects/Account/describe", "fault": "expire_token"})
    res = probe("describe", "Account", env=password_env(emu))
    assert_error(res, "session_expired", transient=False)
    assert res.json["logins"] == 2  # one login, one re-login, no loop
    assert res.error["code"] == "INVALID_SESSION_ID"


def test_expired_given_token_without_credentials_is_final(emu):
    token = emulator_token(emu)
    emu.control("expire-tokens", {"token": token})
    res = probe("describe", "Account",
                env={"SF_INSTANCE_URL": emu.url, "SF_ACCESS_TOKEN": token})
    assert_error(res, "session_expired")
    assert res.json["calls"]["total"] == 1


# --- describe and query -----------------------------------------------------

def test_describe_reads_fields(emu):
    res = probe("describe", "Account", env=password_env(emu))
    assert res.ok, res
    assert res.result["name"] == "Account" and res.result["key_prefix"] == "001"
    fields = {f["name"]: f for f in res.result["fields"]}
    assert fields["Id"]["type"] == "id"
    assert fields["Name"]["type"] == "string" and fields["Name"]["length"] > 0
    assert fields["External_ID__c"]["external_id"]
    assert res.json["api_usage"]["max"] > 0


def test_unknown_object_is_not_found(emu):
    res = probe("describe", "No_Such_Object__c", env=password_env(emu))
    assert_error(res, "not_found", transient=False)
    assert res.error["http_status"] == 404
    assert res.error["code"] == "NOT_FOUND"
    assert res.error["message"].startswith("describe No_Such_Object__c: ")


def test_query_follows_pages(emu):
    env = password_env(emu)
    res = probe("query", "--batch", 200, "SELECT Id, Name FROM Account ORDER BY Id", env=env)
    assert res.ok, res
    records = res.result["records"]
    assert res.result["total_size"] == len(records) > 400
    assert res.result["pages"] >= 3
    assert len({r["Id"] for r in records}) == len(records)
    assert records[0]["attributes"]["type"] == "Account"
    assert res.json["calls"]["per_object"]["Account"] == res.result["pages"]


def test_query_quotes_and_errors(emu):
    env = password_env(emu)
    res = probe("query", "SELECT Id FROM Account WHERE Name = 'O\\'Hara \\\\ Co'", env=env)
    assert res.ok, res
    assert res.result["records"] == []
    res = probe("query", "SELECT NoSuchField__c FROM Account", env=env)
    assert_error(res, "invalid_request", transient=False)
    assert res.error["http_status"] == 400


# --- replication windows ----------------------------------------------------

def sf_time(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(t))


def test_updated_and_deleted_windows(emu, tmp_path):
    env = password_env(emu)
    rec = tmp_path / "rec.json"
    rec.write_text(json.dumps([{"Name": "Window test"}]))
    created = probe("create", "Account", rec, env=env)
    assert created.ok, created
    rid = created.result["results"][0]["id"]
    emu.control("clock", {"advance_ms": 120000})
    now = json.loads(json.dumps(emu.control("clock", method="GET")))["now"]
    start = sf_time(time.time() - 3600)
    end = now
    upd = probe("updated", "Account", start, end, env=env)
    assert upd.ok, upd
    assert rid in upd.result["ids"]
    assert upd.result["latest_date_covered"] <= end

    ids = tmp_path / "ids.json"
    ids.write_text(json.dumps([rid]))
    assert probe("delete", "Account", ids, env=env).ok
    emu.control("clock", {"advance_ms": 120000})
    end = emu.control("clock", method="GET")["now"]
    dele = probe("deleted", "Account", start, end, env=env)
    assert dele.ok, dele
    assert rid in [r["id"] for r in dele.result["records"]]


# --- sObject Collections ----------------------------------------------------

def test_collections_report_each_record(emu, tmp_path):
    env = password_env(emu)
    f = tmp_path / "recs.json"
    f.write_text(json.dumps([{"Name": "First"}, {"Name": ""}, {"Name": "Third"}]))
    res = probe("create", "Account", f, env=env)
    assert res.ok, res
    first, bad, third = res.result["results"]
    assert first["success"] and first["id"].startswith("001")
    assert not bad["success"] and bad["id"] is None
    assert bad["errors"][0]["code"] == "REQUIRED_FIELD_MISSING"
    assert bad["errors"][0]["fields"] == ["Name"]
    assert third["success"]

    f.write_text(json.dumps([{"Id": first["id"], "Name": "First, renamed"},
                             {"Id": third["id"], "Name": ""}]))
    res = probe("update", "Account", f, env=env)
    assert res.ok, res
    ok, bad = res.result["results"]
    assert ok["success"] and ok["id"] == first["id"]
    assert not bad["success"] and bad["errors"][0]["kind"] == "invalid_request"

    # A request Salesforce refuses as a whole is one error, not per-record results.
    f.write_text(json.dumps([{"Id": third["id"], "NoSuchField__c": 1}]))
    res = probe("update", "Account", f, env=env)
    assert_error(res, "invalid_request", transient=False)
    assert res.error["http_status"] == 400
    assert res.error["message"].startswith("update Account: ")

    f.write_text(json.dumps([{"External_ID__c": "probe-ext-1", "Name": "Upserted"}]))
    res = probe("upsert", "Account", "External_ID__c", f, env=env)
    assert res.ok, res
    assert res.result["results"][0]["created"] is True
    res = probe("upsert", "Account", "External_ID__c", f, env=env)
    assert res.result["results"][0]["created"] is False

    f.write_text(json.dumps([first["id"], "001000000000000AAA"]))
    res = probe("delete", "Account", f, env=env)
    assert res.ok, res
    gone, missing = res.result["results"]
    assert gone["success"]
    assert not missing["success"]


def test_collections_all_or_none_rolls_back(emu, tmp_path):
    f = tmp_path / "recs.json"
    f.write_text(json.dumps([{"Name": "Kept?"}, {"Name": ""}]))
    res = probe("create", "Account", f, "--all-or-none", env=password_env(emu))
    assert res.ok, res
    first, second = res.result["results"]
    assert not first["success"] and not second["success"]
    assert first["errors"][0]["kind"] == "rolled_back"
    assert first["errors"][0]["transient"] is True


def test_collections_refuse_more_than_200_without_a_call(emu, tmp_path):
    f = tmp_path / "recs.json"
    f.write_text(json.dumps([{"Name": "n%d" % i} for i in range(201)]))
    res = probe("create", "Account", f, env=password_env(emu))
    assert_error(res, "invalid_request")
    assert "at most 200" in res.error["message"]
    assert res.json["calls"]["total"] == 0


def test_locked_rows_are_transient_record_errors(emu, tmp_path):
    emu.faults({"match": "POST /composite/sobjects", "fault": "unable_to_lock_row",
                "count": 1})
    f = tmp_path / "recs.json"
    f.write_text(json.dumps([{"Name": "Locked"}]))
    res = probe("create", "Account", f, env=password_env(emu))
    assert res.ok, res
    err = res.result["results"][0]["errors"][0]
    assert err["kind"] == "lock_row" and err["transient"] is True


# --- server faults ----------------------------------------------------------

@pytest.mark.parametrize("fault,status,code", [("http500", 500, "UNKNOWN_EXCEPTION"),
                                               ("http503", 503, "SERVER_UNAVAILABLE")])
def test_server_errors_are_transient(emu, fault, status, code):
    emu.faults({"match": "GET /sobjects/Account/describe", "fault": fault})
    res = probe("describe", "Account", env=password_env(emu))
    assert_error(res, "transient_server", transient=True)
    assert res.error["http_status"] == status
    assert res.error["code"] == code


def test_request_limit_is_transient(emu):
    emu.faults({"match": "GET /sobjects/Account/describe", "fault": "request_limit"})
    res = probe("describe", "Account", env=password_env(emu))
    assert_error(res, "limit_exceeded", transient=True)
    assert res.error["code"] == "REQUEST_LIMIT_EXCEEDED"


def test_slow_answer_hits_the_timeout(emu):
    emu.faults({"match": "GET /sobjects/Account/describe", "fault": "slow",
                "delay_ms": 5000, "count": 1})
    res = probe("--timeout-ms", 700, "describe", "Account", env=password_env(emu))
    assert_error(res, "timeout", transient=True)
    assert res.elapsed < 4.5, res.elapsed


def test_bulk_query_reads_every_row(emu):
    env = password_env(emu)
    rest = probe("query", "SELECT Id, Name FROM Contact", env=env)
    bulk = probe("bulk-query", "--page", 300, "SELECT Id, Name FROM Contact", env=env)
    assert bulk.ok, bulk
    assert bulk.result["columns"] == ["Id", "Name"]
    assert bulk.result["pages"] >= 2
    assert sorted(r[0] for r in bulk.result["rows"]) == \
        sorted(r["Id"] for r in rest.result["records"])


def csv_text(rows):
    return "".join(",".join('"%s"' % c.replace('"', '""') for c in row) + "\n" for row in rows)


# --- transport security -----------------------------------------------------

def test_tls_to_a_plain_http_port_is_a_tls_error(emu):
    port = emu.url.rsplit(":", 1)[1]
    res = probe("--connect-timeout-ms", 5000, "describe", "Account",
                env={"SF_INSTANCE_URL": "https://127.0.0.1:%s" % port,
                     "SF_ACCESS_TOKEN": "00Dx!token"})
    assert_error(res, "tls", transient=False)
    assert "TLS" in res.error["message"]
    assert_no_secrets(res, "00Dx!token")


@pytest.mark.parametrize("var", ["SF_LOGIN_URL", "SF_INSTANCE_URL"])
def test_plain_http_to_remote_host_is_refused_before_connecting(var):
    env = {"SF_CLIENT_ID": CLIENT_ID, "SF_CLIENT_SECRET": CLIENT_SECRET,
           "SF_USERNAME": USERNAME, "SF_PASSWORD": PASSWORD}
    if var == "SF_INSTANCE_URL":
        env = {"SF_ACCESS_TOKEN": "tok"}
    env[var] = "http://192.0.2.1/"
    res = probe("--connect-timeout-ms", 20000, "login", env=env)
    assert_error(res, "config", transient=False)
    assert "refusing plain http:// to 192.0.2.1" in res.error["message"]
    assert res.elapsed < 2
    assert res.json.get("calls", {"total": 0})["total"] == 0  # refused while reading settings


# --- servers that do not speak Salesforce -----------------------------------

class Hostile(http.server.BaseHTTPRequestHandler):
    """Answers every request the way server.mode says."""

    def log_message(self, *args):
        pass

    def _send(self, status, ctype, body, length=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(length if length is not None else len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        mode = self.server.mode
        if mode == "insecure_instance":
            self._send(200, "application/json", json.dumps(
                {"access_token": "00Dx!secret", "instance_url": "http://192.0.2.1"}).encode())
        else:
            self.do_GET()

    def do_GET(self):
        mode = self.server.mode
        if mode == "html":
            self._send(200, "text/html", b"<html><head><title>Please log in</title></head>"
                                         b"<body>SSO</body></html>")
        elif mode == "html503":
            self._send(503, "text/html", b"<html><head><title>Down for maintenance"
                                         b"</title></head></html>")
        elif mode == "garbage":
            self._send(200, "application/json", b"\x00\x01garbage\r\nnot json at all")
        elif mode == "truncated":
            self._send(200, "application/json", b'{"encoding":"UTF-8","sobjects":[{"name":"Acc')
        elif mode == "cut_transfer":
            self._send(200, "application/json", b'{"sobjects":[', length=5000)
        elif mode == "wrong_shape":
            self._send(200, "application/json", b'{"hello":"world"}')


@pytest.fixture
def hostile():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    server.mode = "html"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = "http://127.0.0.1:%d" % server.server_address[1]
    yield server
    server.shutdown()
    server.server_close()


def hostile_env(server):
    return {"SF_INSTANCE_URL": server.url, "SF_ACCESS_TOKEN": "00Dx!token"}


def test_html_answer_is_a_bad_response_naming_the_page(hostile):
    hostile.mode = "html"
    res = probe("describe-global", env=hostile_env(hostile))
    assert_error(res, "bad_response", transient=False)
    assert 'an HTML page titled "Please log in"' in res.error["message"]


def test_html_error_page_keeps_the_status_kind(hostile):
    hostile.mode = "html503"
    res = probe("describe-global", env=hostile_env(hostile))
    assert_error(res, "transient_server", transient=True)
    assert "Down for maintenance" in res.error["message"]


def test_garbage_answer_is_quoted_sanitized(hostile):
    hostile.mode = "garbage"
    res = probe("describe-global", env=hostile_env(hostile))
    assert_error(res, "bad_response")
    assert '"garbage not json at all"' in res.error["message"]


def test_truncated_json_is_reported(hostile):
    hostile.mode = "truncated"
    res = probe("describe-global", env=hostile_env(hostile))
    assert_error(res, "bad_response")
    assert "truncated" in res.error["message"]


def test_transfer_cut_short_is_a_network_error(hostile):
    hostile.mode = "cut_transfer"
    res = probe("--timeout-ms", 5000, "describe-global", env=hostile_env(hostile))
    assert_error(res, "network", transient=True)


def test_unexpected_json_shape_is_a_bad_response(hostile):
    hostile.mode = "wrong_shape"
    res = probe("describe-global", env=hostile_env(hostile))
    assert_error(res, "bad_response")
    assert "sobjects" in res.error["message"]


def test_token_endpoint_sending_an_insecure_instance_is_refused(hostile):
    hostile.mode = "insecure_instance"
    env = {"SF_LOGIN_URL": hostile.url, "SF_CLIENT_ID": CLIENT_ID,
           "SF_CLIENT_SECRET": CLIENT_SECRET}
    res = probe("--connect-timeout-ms", 20000, "describe-global", env=env)
    assert_error(res, "config")
    assert "192.0.2.1" in res.error["message"]
    assert res.elapsed < 2
    assert_no_secrets(res, "00Dx!secret")
