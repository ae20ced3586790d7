"""Helpers for the sync engine's tests (test_sync.py, test_sync_faults.py); no tests here.

An `Org` is a running Salesforce emulator (scripts/sf-emulator) with a REST client that
reads records back the way a person would check Salesforce; an `Engine` is a running
`forcefs sync` (or a `--once` run) against it; `synced_schema` makes a schema with
`forcefs init` from the emulator's describe and loads it with `forcefs sync --once`.
"""
import json
import os
import signal
import subprocess
import time
import urllib.parse
import urllib.request

import forcefs_harness as ft
from emulator_process import EmulatorProcess

OBJECTS = "Account,Contact,Customer_Record__c"
SF_VARS = ("SF_LOGIN_URL", "SF_CLIENT_ID", "SF_CLIENT_SECRET", "SF_REFRESH_TOKEN",
           "SF_USERNAME", "SF_PASSWORD", "SF_INSTANCE_URL", "SF_ACCESS_TOKEN", "SF_API_VERSION",
           "SF_JWT_KEY_FILE", "SF_TARGET_ORG")

# Fast retries so that fault tests end quickly; the schedule itself is unit-tested.
FAST_RETRIES = {
    "FORCEFS_SYNC_RETRY_BASE_MS": "50",
    "FORCEFS_SYNC_RETRY_MAX_MS": "400",
    "FORCEFS_SYNC_LIMIT_WAIT_MS": "200",
    "FORCEFS_SYNC_LIMIT_MAX_MS": "800",
    "FORCEFS_SYNC_SWEEP_MS": "500",
}


class Org(EmulatorProcess):
    """A Salesforce emulator process (tools/emulator_process.py) and a REST client for it."""

    def __init__(self, counts="Account=40,Contact=40,Customer_Record__c=20", fault_seed=7,
                 extra=()):
        args = ["--seed", "demo", "--fault-seed", str(fault_seed)]
        if counts:
            args += ["--counts", counts]
        super().__init__(*args, *extra)
        self.token = None

    def env(self):
        return {"SF_LOGIN_URL": self.url, "SF_CLIENT_ID": "forcefs-test",
                "SF_CLIENT_SECRET": "forcefs-test", "SF_USERNAME": "test@example.com",
                "SF_PASSWORD": "forcefs-test"}

    def faults(self, *rules, seed=None):
        body = {"rules": list(rules)}
        if seed is not None:
            body["seed"] = seed
        return self.control("faults", body)

    def clear_faults(self):
        self.control("faults", method="DELETE")

    def edit(self, obj, sfid, **values):
        """A change made in Salesforce by another user."""
        return self.control("edit", {"object": obj, "id": sfid, "values": values})

    def _login(self):
        form = urllib.parse.urlencode({"grant_type": "password", "client_id": "forcefs-test",
                                       "client_secret": "forcefs-test",
                                       "username": "test@example.com",
                                       "password": "forcefs-test"}).encode()
        with urllib.request.urlopen(self.url + "/services/oauth2/token", data=form,
                                    timeout=30) as resp:
            self.token = json.loads(resp.read())["access_token"]

    def rest(self, path):
        if not self.token:
            self._login()
        req = urllib.request.Request(self.url + path,
                                     headers={"Authorization": "Bearer " + self.token})
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.loads(resp.read())

    def query(self, soql):
        """All records of a SOQL query (live records only), following nextRecordsUrl."""
        page = self.rest("/services/data/v60.0/query?q=" + urllib.parse.quote(soql))
        records = page["records"]
        while not page["done"]:
            page = self.rest(page["nextRecordsUrl"])
            records += page["records"]
        for r in records:
            r.pop("attributes", None)
        return records

    def record(self, obj, sfid, *fields):
        rec = self.rest("/services/data/v60.0/sobjects/%s/%s?fields=%s"
                        % (obj, sfid, ",".join(fields)))
        rec.pop("attributes", None)
        if "Id" not in fields:
            rec.pop("Id")  # Salesforce answers with the Id whatever fields asked for
        return rec

    def stats(self):
        return self.control("stats", method="GET")

    def stop(self):
        super().stop(timeout=15)
        err = self.stderr_text()
        assert "Traceback" not in err, "the emulator failed:\n" + err


def engine_env(org, url, extra=None):
    env = {k: v for k, v in os.environ.items() if k not in SF_VARS}
    env.update(org.env())
    env["DATABASE_URL"] = url
    env.update(FAST_RETRIES)
    env.update(extra or {})
    return env


def run_sync(org, url, schema, *args, env=None, timeout=120, expect=0):
    """`forcefs sync --once`: returns its stderr (the log)."""
    proc = subprocess.run([ft.forcefs_binary(), "sync", "--once", "--schema", schema, *args],
                          env=engine_env(org, url, env), capture_output=True, text=True,
                          timeout=timeout)
    assert not ft.SANITIZER_ERRORS.search(proc.stderr), proc.stderr
    assert proc.returncode == expect, "sync --once exited %d:\n%s" % (proc.returncode,
                                                                       proc.stderr)
    return proc.stderr


class Engine:
    """A `forcefs sync` daemon; stop() sends SIGTERM and checks a clean exit."""

    def __init__(self, org, url, schema, workdir, name="sync", args=(), env=None, poll=1):
        self.log_path = os.path.join(workdir, name + ".log")
        self.log = open(self.log_path, "w+")
        cmd = [ft.forcefs_binary(), "sync", "--schema", schema, "--poll-interval", str(poll),
               *args]
        self.proc = subprocess.Popen(cmd, env=engine_env(org, url, env), stdout=self.log,
                                     stderr=subprocess.STDOUT)

    def read_log(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def wait_log(self, text, timeout=20):
        return ft.wait_for(lambda: text in self.read_log(), timeout=timeout,
                           what="%r in the engine's log:\n%s" % (text, self.read_log()[-3000:]))

    def kill(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self, expect=0):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("forcefs sync did not stop on SIGTERM:\n" +
                                     self.read_log())
        log = self.read_log()
        self.log.close()
        assert not ft.SANITIZER_ERRORS.search(log), "sanitizer report:\n" + log
        assert self.proc.returncode == expect, "forcefs sync exited %s:\n%s" % (
            self.proc.returncode, log)
        return log


def synced_schema(org, url, schema, objects=OBJECTS, env=None):
    """Creates the schema with `forcefs init` and loads it with `forcefs sync --once`."""
    proc = subprocess.run([ft.forcefs_binary(), "init", "--objects", objects, "--schema",
                           schema], env=engine_env(org, url), capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    return run_sync(org, url, schema, env=env)


def sql(url, text):
    """Runs SQL as a user would (writes are captured); returns the rows."""
    return ft.psql(url, text)


def rows(url, text):
    """Runs a query and returns its rows as dicts (via row_to_json)."""
    out = ft.psql(url, "SELECT row_to_json(q) FROM (%s) q" % text)
    return [json.loads(r) for r in out]


def status(url, schema):
    proc = subprocess.run([ft.forcefs_binary(), "status", "--json", "--schema", schema],
                          env=dict(os.environ, DATABASE_URL=url), capture_output=True,
                          text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert not ft.SANITIZER_ERRORS.search(proc.stderr), proc.stderr
    return json.loads(proc.stdout)


def queue_empty(url, schema):
    q = ft.quote_ident(schema)
    return sql(url, f"SELECT count(*) FROM {q}._trigger_log "
                    "WHERE state IN ('NEW', 'PENDING')") == ["0"]


def wait_queue_empty(url, schema, timeout=60):
    ft.wait_for(lambda: queue_empty(url, schema), timeout=timeout, interval=0.1,
                what="the trigger log to drain")


def time_until(predicate, timeout=10.0, interval=0.02, what="condition"):
    start = time.monotonic()
    ft.wait_for(predicate, timeout=timeout, interval=interval, what=what)
    return time.monotonic() - start
