"""Helpers for the emulator tests: process control and a urllib client."""

import gzip
import json
import signal
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO.parent / "shared" / "salesforce-fixtures"
RESTFORCE = FIXTURES / "restforce"
API = "/services/data/v60.0"

sys.path.insert(0, str(REPO / "tools"))

from emulator_process import SCRIPT, EmulatorProcess  # noqa: E402,F401  (test_cometd uses SCRIPT)


def fixture(name):
    """Parsed restforce fixture, or skip when ../shared is absent."""
    path = RESTFORCE / name
    if not path.exists():
        pytest.skip("salesforce fixtures not available at %s" % FIXTURES)
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if text.strip() else None


def enumeration(name):
    path = FIXTURES / name
    if not path.exists():
        pytest.skip("salesforce fixtures not available at %s" % FIXTURES)
    return {line.strip() for line in path.read_text().splitlines() if line.strip()}


class Emulator(EmulatorProcess):
    """One scripts/sf-emulator process (tools/emulator_process.py)."""

    def stop(self, sig=signal.SIGTERM):
        return super().stop(sig, timeout=20)


class Resp:
    def __init__(self, status, headers, raw):
        self.status = status
        self.headers = headers
        self.raw = raw

    @property
    def text(self):
        return self.raw.decode("utf-8")

    def json(self):
        return json.loads(self.raw.decode("utf-8")) if self.raw else None

    def __repr__(self):
        return "<Resp %d %r>" % (self.status, self.raw[:300])


class Client:
    def __init__(self, url, token=None, version="60.0"):
        self.url = url
        self.token = token
        self.api = "/services/data/v" + version

    def request(self, method, path, body=None, headers=None, auth=True,
                form=None, raw=None):
        hdrs = dict(headers or {})
        data = None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            hdrs.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif raw is not None:
            data = raw if isinstance(raw, bytes) else raw.encode("utf-8")
        elif body is not None:
            data = json.dumps(body).encode("utf-8")
            hdrs.setdefault("Content-Type", "application/json")
        if auth and self.token and "Authorization" not in hdrs:
            hdrs["Authorization"] = "Bearer " + self.token
        if not path.startswith("/"):
            path = self.api + "/" + path
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                raw_body = r.read()
                status, headers_ = r.status, r.headers
        except urllib.error.HTTPError as e:
            raw_body = e.read()
            status, headers_ = e.code, e.headers
        if headers_.get("Content-Encoding") == "gzip":
            raw_body = gzip.decompress(raw_body)
        return Resp(status, headers_, raw_body)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def query(self, soql, all=False, headers=None):
        return self.get("%s?q=%s" % ("queryAll" if all else "query",
                                     urllib.parse.quote(soql, safe="")),
                        headers=headers)

    def control(self, method, name, body=None):
        return self.request(method, "/__emulator/" + name, body, auth=False)

    def login(self):
        r = self.post("/services/oauth2/token", auth=False, form={
            "grant_type": "password", "client_id": "forcefs-test",
            "client_secret": "forcefs-test", "username": "test@example.com",
            "password": "forcefs-test"})
        assert r.status == 200, r
        self.token = r.json()["access_token"]
        return r.json()


def start_emulator(*args):
    return Emulator(*args)
