"""forcefs login / logout and stored logins (src/cmd_login.c, src/sf_oauth_user.c,
src/loopback_redirect.c, src/sf_login_store.c) end to end against the emulator.

The browser is played by an HTTP client here: it GETs the authorize URL forcefs prints,
the emulator answers 302 to forcefs's loopback listener, and the client follows it, as
a browser would. The device flow's person is POST /__emulator/device.
"""

import http.client
import json
import os
import re
import stat
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest

import forcefs_harness as ft
from test_sf_client import CLIENT_ID, SF_VARS, USERNAME, probe, password_env

ACCESS_TOKEN = re.compile(r"00D\w{12}!")


@pytest.fixture
def cfg(tmp_path):
    return tmp_path / "config"


def base_env(cfg, **kw):
    env = {k: v for k, v in os.environ.items() if k not in SF_VARS}
    env["XDG_CONFIG_HOME"] = str(cfg)
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    env.update(kw)
    return env


class Login:
    """A running forcefs login; reads what it prints for the person."""

    def __init__(self, emu, cfg, *args, env=None):
        self.proc = subprocess.Popen(
            [ft.forcefs_binary(), "login", "--login-url", emu.url, "--client-id", CLIENT_ID,
             "--port", "0", *args], env=env or base_env(cfg), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        self.err_lines = []

    def prompt(self):
        """The authorize URL (browser) or the last prompt line (device)."""
        while True:
            line = self.proc.stderr.readline()
            assert line, "forcefs login printed no prompt: %s" % self.finish()
            self.err_lines.append(line)
            if line.startswith("http"):
                return line.strip()
            if "enter the code" in line:
                return line.strip()

    def finish(self, timeout=60):
        out, err = self.proc.communicate(timeout=timeout)
        self.stdout = out
        self.stderr = "".join(self.err_lines) + err
        assert "Sanitizer" not in self.stderr and "runtime error" not in self.stderr, \
            self.stderr
        return self.proc.returncode


def get_no_redirect(url):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    conn.request("GET", u.path + ("?" + u.query if u.query else ""))
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, dict(r.getheaders()), body


def browse(url):
    """What a browser does: GET the URL, follow the redirect. Returns (status, body, code)."""
    status, headers, _ = get_no_redirect(url)
    assert status == 302, (status, headers)
    loc = headers["Location"]
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(loc).query)
    status, _, body = get_no_redirect(loc)
    return status, body.decode(), (q.get("code") or [None])[0]


def stored_files(cfg):
    d = cfg / "forcefs"
    return sorted(p.name for p in d.iterdir()) if d.exists() else []


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def assert_clean(text, *secrets):
    for s in secrets:
        if s:
            assert s not in text, "a secret was printed: %s" % text
    assert not ACCESS_TOKEN.search(text), text


def refresh_works(emu, token):
    data = urllib.parse.urlencode({"grant_type": "refresh_token", "client_id": CLIENT_ID,
                                   "refresh_token": token}).encode()
    try:
        with urllib.request.urlopen(emu.url + "/services/oauth2/token", data, timeout=10) as r:
            return r.status == 200
    except urllib.error.HTTPError:
        return False


def browser_login(emu, cfg, *args):
    login = Login(emu, cfg, "--no-browser", *args)
    url = login.prompt()
    status, body, code = browse(url)
    assert status == 200 and "logged in" in body, body
    assert login.finish() == 0, login.stderr
    return login, url, code


def test_browser_login_stores_it_privately_and_init_sync_status_use_it(emu, cfg, pg,
                                                                         schema_name):
    login = Login(emu, cfg, "--no-browser")
    url = login.prompt()
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert url.startswith(emu.url + "/services/oauth2/authorize?"), url
    assert q["code_challenge_method"] == ["S256"] and len(q["code_challenge"][0]) == 43
    assert q["response_type"] == ["code"] and q["client_id"] == [CLIENT_ID]
    assert re.fullmatch(r"http://localhost:\d+/OauthRedirect", q["redirect_uri"][0])
    # a browser asks for other things too: 404, and the login goes on waiting
    port = urllib.parse.urlsplit(q["redirect_uri"][0]).port
    assert get_no_redirect("http://127.0.0.1:%d/favicon.ico" % port)[0] == 404
    status, body, code = browse(url)
    assert status == 200 and "forcefs is logged in" in body
    assert login.finish() == 0, login.stderr
    path = cfg / "forcefs" / ("login-%s.json" % USERNAME)
    assert login.stdout == 'logged in as %s at %s; stored as "%s" in %s\n' % (
        USERNAME, emu.url, USERNAME, path)
    assert mode(cfg / "forcefs") == 0o700 and mode(path) == 0o600
    assert stored_files(cfg) == [path.name]  # no temporary file left
    saved = json.loads(path.read_text())
    assert saved["instance_url"] == emu.url and saved["method"] == "browser"
    assert saved["client_id"] == CLIENT_ID and saved["login_url"] == emu.url
    refresh = saved["refresh_token"]
    assert refresh_works(emu, refresh)
    assert_clean(login.stdout + login.stderr, refresh, code, q["state"][0] + "x")

    env = base_env(cfg)
    res = probe("login", env={"XDG_CONFIG_HOME": str(cfg)})
    assert res.ok, res
    assert_clean(res.stdout + res.stderr, refresh)

    import test_init
    run = test_init.run_init("--schema", schema_name, "--objects", "Account",
                             env=dict(env, DATABASE_URL=pg.url))
    assert run.code == 0, run
    assert "refresh_token flow" in run.stderr, run
    assert_clean(run.stdout + run.stderr, refresh)

    st = ft.run_forcefs("status", "--schema", schema_name, env=dict(env, DATABASE_URL=pg.url))
    assert st.returncode == 0, st.stderr
    assert ('Salesforce login: stored login "%s" (forcefs login, user %s, %s; %s)'
            % (USERNAME, USERNAME, emu.url, path)) in st.stdout, st.stdout
    assert_clean(st.stdout + st.stderr, refresh)

    sync = ft.run_forcefs("sync", "--once", "--schema", schema_name,
                          env=dict(env, DATABASE_URL=pg.url), timeout=120)
    assert sync.returncode == 0, sync.stderr
    assert_clean(sync.stdout + sync.stderr, refresh)
    assert ft.psql(pg.url, 'SELECT count(*) > 0 FROM "%s".account' % schema_name) == ["t"]

    lst = ft.run_forcefs("login", "--list", env=env)
    assert lst.returncode == 0 and lst.stdout.startswith(USERNAME + " "), lst
    assert emu.url in lst.stdout and "browser login" in lst.stdout
    assert_clean(lst.stdout + lst.stderr, refresh)

    out = ft.run_forcefs("logout", env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout == 'logged out of "%s" (refresh token revoked; file removed)\n' % USERNAME
    assert not path.exists() and not refresh_works(emu, refresh)
    again = ft.run_forcefs("logout", env=env)
    assert again.returncode == 1 and again.stderr == "forcefs: logout: no stored login\n"


def test_xdg_open_gets_the_url_as_one_argument_when_there_is_a_display(emu, cfg, tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    seen = tmp_path / "argv.json"
    script = bindir / "xdg-open"
    # a stand-in browser: records its argv, then visits the URL and follows the redirect
    script.write_text("#!%s\nimport json, sys, urllib.request\n"
                      "json.dump(sys.argv[1:], open(%r, 'w'))\n"
                      "urllib.request.urlopen(sys.argv[1], timeout=30).read()\n"
                      % (sys.executable, str(seen)))
    script.chmod(0o755)
    env = base_env(cfg, DISPLAY=":99", PATH="%s:%s" % (bindir, os.environ["PATH"]))
    login = Login(emu, cfg, "--alias", "dev", env=env)
    url = login.prompt()
    assert login.finish() == 0, login.stderr
    assert json.loads(seen.read_text()) == [url]
    assert stored_files(cfg) == ["login-dev.json"]


def test_device_login_honours_slow_down_and_is_stored(emu, cfg):
    # announces 1 s but wants 3 s: only a client that adds 5 s after slow_down gets in
    emu.control("device", {"interval": 1, "min_interval": 3})
    try:
        login = Login(emu, cfg, "--device", "--alias", "box", "--timeout", "40")
        line = login.prompt()
        m = re.search(r"open (\S+) on any device and enter the code ([A-Z]+) ", line)
        assert m and m.group(1) == emu.url + "/setup/connect", line
        time.sleep(1.5)
        emu.control("device", {"user_code": m.group(2)})
        assert login.finish(timeout=60) == 0, login.stderr
    finally:
        emu.control("device", {"interval": 5, "min_interval": None, "lifetime": 600})
    path = cfg / "forcefs" / "login-box.json"
    saved = json.loads(path.read_text())
    assert saved["method"] == "device" and mode(path) == 0o600
    assert login.stdout.endswith('stored as "box" in %s\n' % path)
    assert_clean(login.stdout + login.stderr, saved["refresh_token"])


@pytest.mark.parametrize("case", ["denied", "expired"])
def test_device_login_failures_are_one_line_and_store_nothing(emu, cfg, case):
    emu.control("device", {"interval": 1, "lifetime": 2 if case == "expired" else 600})
    try:
        login = Login(emu, cfg, "--device")
        line = login.prompt()
        if case == "denied":
            code = re.search(r"enter the code ([A-Z]+) ", line).group(1)
            emu.control("device", {"user_code": code, "decision": "deny"})
        assert login.finish() == 1
    finally:
        emu.control("device", {"interval": 5, "lifetime": 600})
    lines = login.stderr.splitlines()
    assert len(lines) == 2 and lines[0] == login.err_lines[0].strip(), login.stderr
    want = ("the code was denied: " if case == "denied" else "waiting for the code: ")
    assert lines[1].startswith("forcefs: login: " + want), lines
    assert ("end-user denied authorization" if case == "denied"
            else "expired authorization code") in lines[1]
    assert login.stdout == "" and stored_files(cfg) == []


def test_browser_login_denied_closed_or_forged_stores_nothing(emu, cfg):
    emu.control("authorize", {"decision": "deny"})
    try:
        login = Login(emu, cfg, "--no-browser")
        url = login.prompt()
        status, body, _ = browse(url)
        assert status == 400
        assert login.finish() == 1
    finally:
        emu.control("authorize", {"decision": "allow"})
    assert login.stderr.splitlines()[-1] == ("forcefs: login: Salesforce refused the login: "
                                             "end-user denied authorization (access_denied)")
    # the browser window was closed: nothing comes back
    login = Login(emu, cfg, "--no-browser", "--timeout", "2")
    login.prompt()
    assert login.finish() == 1
    assert login.stderr.splitlines()[-1] == (
        "forcefs: login: no answer from the browser within 2 s (was the window closed?): "
        "nothing stored")
    # an answer with another state is not taken
    login = Login(emu, cfg, "--no-browser")
    url = login.prompt()
    redirect = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["redirect_uri"][0]
    status, _, _ = get_no_redirect(redirect + "?code=stolen-code&state=not-ours")
    assert status == 400
    assert login.finish() == 1
    assert "another state" in login.stderr.splitlines()[-1]
    assert "stolen-code" not in login.stderr
    assert login.stdout == "" and stored_files(cfg) == []


def test_stored_login_with_a_wide_mode_is_refused(emu, cfg, pg, schema_name):
    browser_login(emu, cfg, "--alias", "dev")
    path = cfg / "forcefs" / "login-dev.json"
    env = base_env(cfg, DATABASE_URL=pg.url)
    os.chmod(path, 0o644)
    sync = ft.run_forcefs("sync", "--once", "--schema", schema_name, env=env)
    assert sync.returncode == 1
    assert sync.stderr == ("forcefs: sync: %s has mode 0644, wider than 0600: refusing it "
                           "(chmod 600 %s)\n" % (path, path)), sync.stderr
    lst = ft.run_forcefs("login", "--list", env=env)
    assert lst.returncode == 1 and "mode 0644" in lst.stderr
    os.chmod(path, 0o600)
    os.chmod(cfg / "forcefs", 0o755)
    res = probe("login", env={"XDG_CONFIG_HOME": str(cfg)})
    assert not res.ok and "has mode 0755, wider than 0700" in res.error["message"], res
    os.chmod(cfg / "forcefs", 0o700)
    assert probe("login", env={"XDG_CONFIG_HOME": str(cfg)}).ok
    # logout of a file it will not read removes it without sending its token anywhere
    os.chmod(path, 0o640)
    out = ft.run_forcefs("logout", "dev", env=env)
    assert out.returncode == 0 and "not revoked: " in out.stdout and not path.exists()


def test_several_stored_logins_need_alias_and_flags_and_variables_win(emu, cfg, pg, sample,
                                                                       schema_name):
    browser_login(emu, cfg, "--alias", "one")
    browser_login(emu, cfg, "--alias", "two")
    env = {"XDG_CONFIG_HOME": str(cfg)}
    res = probe("login", env=env)
    assert not res.ok and res.error["message"] == (
        "no SF_* credentials and 2 stored logins (one, two): choose one with --alias"), res
    base = base_env(cfg, DATABASE_URL=pg.url)

    def source(*flags, **extra):
        st = ft.run_forcefs("status", "--schema", schema_name, *flags, env=dict(base, **extra))
        assert st.returncode == 0, st.stderr
        return [l for l in st.stdout.splitlines() if l.startswith("Salesforce login:")][0]

    assert source("--alias", "two").startswith('Salesforce login: stored login "two" ')
    # --alias comes before SF_*, SF_* before the only stored login
    assert source("--alias", "one", **password_env(emu)).startswith(
        'Salesforce login: stored login "one" ')
    assert source("--alias", "one", "--target-org", "x") == (
        "Salesforce login: not configured: --target-org and --alias name two logins: give one")
    assert source("--alias", "three") == (
        'Salesforce login: not configured: no stored login "three": run forcefs login '
        '--alias three')
    os.remove(cfg / "forcefs" / "login-two.json")
    assert source(**password_env(emu)).startswith("Salesforce login: username-password")
    assert source().startswith('Salesforce login: stored login "one" ')
    lst = ft.run_forcefs("login", "--list", env=base)
    assert lst.returncode == 0 and lst.stdout.startswith("one "), lst


def test_login_bad_input_is_one_line(emu, cfg):
    env = base_env(cfg)
    r = ft.run_forcefs("login", "--no-browser", "--login-url", emu.url, env=env)
    assert r.returncode == 2 and r.stderr == (
        "forcefs: login: give the connected app's consumer key with --client-id or "
        "SF_CLIENT_ID\n")
    r = ft.run_forcefs("login", "--alias", "../x", "--client-id", "c", env=env)
    assert r.returncode == 2 and r.stderr.startswith("forcefs: login: --alias \"../x\" is not")
    r = ft.run_forcefs("login", "--client-id", "c", "--login-url", "http://example.com",
                       env=env)
    assert r.returncode == 2 and "refusing plain http://" in r.stderr
    assert len(r.stderr.splitlines()) == 1
    r = Login(emu, cfg, "--no-browser", "--client-id", "someone-else")
    url = r.prompt()
    status, _, _ = get_no_redirect(url)
    assert status == 400  # Salesforce's error page: nothing comes back to forcefs
    r.proc.terminate()
    r.finish()
    assert stored_files(cfg) == []


def test_a_rotated_refresh_token_is_stored_for_the_next_run(emu, cfg):
    browser_login(emu, cfg, "--alias", "rot")
    path = cfg / "forcefs" / "login-rot.json"
    first = json.loads(path.read_text())["refresh_token"]
    emu.control("refresh-rotation", {"rotate": True})
    try:
        res = probe("login", env={"XDG_CONFIG_HOME": str(cfg)})
        assert res.ok, res
        second = json.loads(path.read_text())["refresh_token"]
        assert second != first and not refresh_works(emu, first)
        assert mode(path) == 0o600 and stored_files(cfg) == [path.name]
        # the next run logs in with the stored successor (the first one is revoked)
        res = probe("login", env={"XDG_CONFIG_HOME": str(cfg)})
        assert res.ok, res
        assert_clean(res.stdout + res.stderr, first, second)
    finally:
        emu.control("refresh-rotation", {"rotate": False})


def test_a_login_that_cannot_be_stored_is_revoked_and_one_line(emu, cfg):
    (cfg / "forcefs").mkdir(parents=True, mode=0o755)
    os.chmod(cfg / "forcefs", 0o755)
    live = emu.control("state", method="GET")["tokens"]["refresh"]
    login = Login(emu, cfg, "--no-browser")
    status, _, _ = browse(login.prompt())
    assert status == 200
    assert login.finish() == 1
    assert login.stderr.splitlines()[-1] == (
        "forcefs: login: %s has mode 0755, wider than 0700: refusing it (chmod 700 %s)"
        % (cfg / "forcefs", cfg / "forcefs"))
    assert login.stdout == "" and stored_files(cfg) == []
    # the refresh token Salesforce issued was revoked, not left alive unstored
    assert emu.control("state", method="GET")["tokens"]["refresh"] == live


def test_a_revoked_stored_login_is_one_line_naming_forcefs_login(emu, cfg, pg, schema_name):
    browser_login(emu, cfg, "--alias", "gone")
    token = json.loads((cfg / "forcefs" / "login-gone.json").read_text())["refresh_token"]
    emu.control("revoke-refresh-token", {"refresh_token": token})
    import test_init
    run = test_init.run_init("--schema", schema_name, "--objects", "Account",
                             env=base_env(cfg, DATABASE_URL=pg.url))
    assert run.code == 1, run
    line = run.error()
    assert "login (refresh_token flow)" in line and "expired access/refresh token" in line
    assert line.endswith("the stored login was refused (revoked or expired): run forcefs "
                         "login again"), line
    assert_clean(run.stdout + run.stderr, token)
    assert ft.psql(pg.url, "SELECT count(*) FROM pg_namespace WHERE nspname = '%s'"
                   % schema_name) == ["0"]


def test_device_login_gives_up_at_its_timeout_without_hot_polling(emu, cfg):
    # a server announcing interval 0 is still polled at most once a second
    emu.control("device", {"interval": 0})
    try:
        emu.control("stats", method="DELETE")
        login = Login(emu, cfg, "--device", "--timeout", "3")
        login.prompt()
        assert login.finish() == 1
        polls = emu.control("stats", method="GET")["by_endpoint"].get(
            "POST /services/oauth2/token", 0)
    finally:
        emu.control("device", {"interval": 5})
    last = login.stderr.splitlines()[-1]
    assert re.fullmatch(r"forcefs: login: the code [A-Z]+ was not approved within 3 s: "
                        r"nothing stored", last), last
    assert 2 <= polls <= 5, polls  # the device code request and about one poll a second
    assert stored_files(cfg) == []
