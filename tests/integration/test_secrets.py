"""No secret in any message (docs/configuration.md, "Secrets"): every error path reachable
from the environment is run with a known password and token, and neither may appear in
what forcefs prints or logs; URLs are shown with the password replaced by ***."""
import os

import pytest

import forcefs_harness as ft

PASSWORD = "Hunter2Pw"
TOKEN = "00DSecretTok"
SECRETS = (PASSWORD, TOKEN, "Hunter2%7A", "cs-Secret9")

CLEARED = ("SF_LOGIN_URL", "SF_CLIENT_ID", "SF_CLIENT_SECRET", "SF_REFRESH_TOKEN",
           "SF_USERNAME", "SF_PASSWORD", "SF_INSTANCE_URL", "SF_ACCESS_TOKEN",
           "SF_API_VERSION", "SF_JWT_KEY_FILE", "SF_TARGET_ORG", "DATABASE_URL",
           "HEROKUCONNECT_URL", "HEROKUCONNECT_SCHEMA", "FORCEFS_MAPPING")

BAD_DATABASE_URLS = [
    f"postgresql://u:{PASSWORD}%zz@127.0.0.1/db",        # libpq: invalid percent-encoded token
    f"postgresql://u:{PASSWORD}@[::1/db",                 # unterminated IPv6 address
    f"postgresql://u:{PASSWORD}@127.0.0.1/db?nosuch=1",   # invalid URI query parameter
    f"postgresql://127.0.0.1/db?password={PASSWORD}%zz",
    f"host=127.0.0.1 password='{PASSWORD}",               # unterminated quoted string
    f"host=127.0.0.1 password={PASSWORD} nosuch=1",
    f"postgresql://u:Hunter2%7A@127.0.0.1:1/db",          # valid, unreachable: connect error
]

BAD_SALESFORCE = [
    {"SF_INSTANCE_URL": f"https://u:{PASSWORD}@x.my.salesforce.com", "SF_ACCESS_TOKEN": TOKEN},
    {"SF_INSTANCE_URL": f"ht tp://{PASSWORD}", "SF_ACCESS_TOKEN": TOKEN},
    {"SF_INSTANCE_URL": f"http://evil.example/?access_token={TOKEN}", "SF_ACCESS_TOKEN": TOKEN},
    {"SF_LOGIN_URL": f"https://u:{PASSWORD}@login.example", "SF_CLIENT_ID": "x",
     "SF_CLIENT_SECRET": "cs-Secret9", "SF_USERNAME": "u@x.com", "SF_PASSWORD": PASSWORD},
    {"SF_LOGIN_URL": f"::{PASSWORD}::", "SF_CLIENT_ID": "x", "SF_REFRESH_TOKEN": TOKEN},
    {"SF_LOGIN_URL": "http://127.0.0.1:1", "SF_CLIENT_ID": "x",
     "SF_CLIENT_SECRET": "cs-Secret9", "SF_USERNAME": "u@x.com", "SF_PASSWORD": PASSWORD},
]


def run(*args, env):
    full = {k: v for k, v in os.environ.items() if k not in CLEARED}
    full.update(env)
    import subprocess
    return subprocess.run([ft.forcefs_binary(), *args], capture_output=True, text=True,
                          timeout=60, env=full)


def assert_no_secret(r):
    shown = r.stdout + r.stderr
    for secret in SECRETS:
        assert secret not in shown, shown


def commands(workdir, schema):
    mp = os.path.join(workdir, "m")
    os.makedirs(mp, exist_ok=True)
    return [("mount", mp, "-f", "--schema", schema), ("status", "--schema", schema),
            ("sync", "--once", "--schema", schema),
            ("init", "--objects", "Account", "--schema", schema)]


@pytest.mark.parametrize("url", BAD_DATABASE_URLS)
def test_database_url_errors_show_no_password(workdir, url):
    for argv in commands(workdir, "salesforce"):
        r = run(*argv, env={"DATABASE_URL": url})
        assert r.returncode != 0, (argv, r.stdout)
        assert_no_secret(r)
        assert len(r.stderr.strip().splitlines()) == 1, (argv, r.stderr)


def test_a_malformed_url_is_shown_redacted(workdir):
    mp = os.path.join(workdir, "m")
    os.mkdir(mp)
    r = run("mount", mp, "-f", env={"DATABASE_URL": f"postgresql://u:{PASSWORD}@[::1/db"})
    assert "DATABASE_URL is not a valid PostgreSQL URL" in r.stderr
    assert "u:***@" in r.stderr, r.stderr
    r = run("status", env={"DATABASE_URL": "postgresql://127.0.0.1:1/db",
                           "SF_INSTANCE_URL": f"ht tp://{PASSWORD}", "SF_ACCESS_TOKEN": TOKEN})
    assert_no_secret(r)


@pytest.mark.parametrize("sf_env", BAD_SALESFORCE)
def test_salesforce_errors_show_no_secret(pg, sample, workdir, sf_env):
    env = dict(sf_env, DATABASE_URL=pg.url)
    for argv in (("sync", "--once", "--schema", sample, "--timeout", "3"),
                 ("status", "--schema", sample),
                 ("init", "--objects", "Account", "--schema", sample + "x", "--timeout", "3")):
        r = run(*argv, env=env)
        assert_no_secret(r)
        if argv[0] != "status":
            assert r.returncode != 0, (argv, r.stdout, r.stderr)


class EchoingTokenEndpoint:
    """A token endpoint that answers every login with the form it was sent, in a shape
    that is no OAuth error (as a misconfigured proxy or a debug page might)."""

    def __init__(self, status, content_type, wrap):
        import http.server
        import threading

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                form = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                body = wrap(form.decode())
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("status,content_type,wrap", [
    (400, "text/plain", lambda form: form.encode()),
    (401, "application/json", lambda form: ('{"echo": "%s"}' % form).encode()),
    (500, "application/json", lambda form: ('[{"message": "%s"}]' % form).encode()),
    (200, "application/json", lambda form: ('{"form": "%s"}' % form).encode()),
    (200, "text/html", lambda form: ("<title>%s</title>" % form).encode()),
])
def test_token_endpoint_answers_are_never_quoted(pg, sample, status, content_type, wrap):
    endpoint = EchoingTokenEndpoint(status, content_type, wrap)
    try:
        env = {"DATABASE_URL": pg.url, "SF_LOGIN_URL": endpoint.url, "SF_CLIENT_ID": "cid",
               "SF_CLIENT_SECRET": "cs-Secret9", "SF_USERNAME": "u@x.com",
               "SF_PASSWORD": PASSWORD}
        # init logs in first thing (sync would stop earlier: this schema has nothing to
        # sync); -d adds the debug log lines to what must not show a secret.
        r = run("init", "--objects", "Account", "--schema", sample + "x", "--timeout", "5",
                "-d", env=env)
        assert r.returncode != 0, (r.stdout, r.stderr)
        assert_no_secret(r)
        assert "login" in r.stderr, r.stderr
    finally:
        endpoint.stop()
