"""Helpers for the integration tests: throwaway PostgreSQL, schemas, real mounts."""
import os
import re
import signal
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tools"))

import hcschema  # noqa: E402
from emulator_process import EmulatorProcess  # noqa: E402
import pgtmp  # noqa: E402

SANITIZER_ERRORS = re.compile(r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:")


def forcefs_binary():
    build = os.environ.get("FORCEFS_BUILD_DIR", os.path.join(REPO, "build"))
    path = os.path.join(build, "forcefs")
    if not os.path.exists(path):
        raise RuntimeError("no forcefs binary at %s: run scripts/setup --test" % path)
    return path


def run_forcefs(*args, env=None, timeout=30, input=None):
    """Runs the forcefs binary to completion; returns CompletedProcess (text)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([forcefs_binary(), *args], capture_output=True, text=True,
                          timeout=timeout, env=full_env, input=input)


def is_mounted(path):
    path = os.path.realpath(path)
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4] == path for line in f)


def wait_for(predicate, timeout=10.0, interval=0.02, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out after %.1fs waiting for %s" % (timeout, what))


def read_text(path):
    """The whole file as text."""
    with open(path) as f:
        return f.read()


def write_text(path, text):
    """One open, one write, one close: the file's content becomes `text`."""
    with open(path, "w") as f:
        f.write(text)


def statements_since(pg, offset):
    """The statements the server logged since `offset`, each with its parameters."""
    with open(pg.log, errors="replace") as f:
        f.seek(offset)
        text = f.read()
    statements = []
    for line in text.splitlines():
        # Simple queries are logged as "statement: SQL", extended-protocol ones (every
        # PQexecParams and pipeline statement) as "execute <name>: SQL".
        found = re.search(r"LOG:  (?:statement|execute [^:]*): (.*)", line)
        if found:
            statements.append(found.group(1))
        elif "DETAIL:  parameters:" in line and statements:
            statements[-1] += " " + line.split("DETAIL:  ", 1)[1]
    return statements


def psql(url, sql, *params_unused):
    """Runs SQL as a user session (xmlbinary stays base64) and returns stdout rows."""
    out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url,
                          "-c", sql], check=True, capture_output=True, text=True)
    return [line for line in out.stdout.splitlines() if line != ""]


class Mount:
    """A `forcefs mount -f` process serving one mount point."""

    def __init__(self, mountpoint, url, schema, options=(), extra_args=(), env=None):
        self.mountpoint = mountpoint
        self.log_path = mountpoint.rstrip("/") + ".log"
        os.makedirs(mountpoint, exist_ok=True)
        full_env = dict(os.environ)
        full_env["DATABASE_URL"] = url
        full_env.update(env or {})
        args = [forcefs_binary(), "mount", mountpoint, "-f", "--schema", schema]
        if options:
            args += ["-o", ",".join(options)]
        args += list(extra_args)
        self.log = open(self.log_path, "w+")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT,
                                     env=full_env)
        try:
            wait_for(lambda: is_mounted(mountpoint) or self.proc.poll() is not None,
                     timeout=15, what="the mount")
        except AssertionError:
            self.proc.kill()
            raise
        if self.proc.poll() is not None:
            raise RuntimeError("forcefs mount exited %s: %s" % (self.proc.returncode,
                                                                self.read_log()))

    def path(self, *parts):
        return os.path.join(self.mountpoint, *parts)

    def read_log(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def unmount(self, expect_code=0):
        """Unmounts with fusermount3 -u and checks the process ended cleanly."""
        if is_mounted(self.mountpoint):
            subprocess.run(["fusermount3", "-u", self.mountpoint], check=True)
        return self.wait_exit(expect_code)

    def wait_exit(self, expect_code=0, timeout=15):
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("forcefs did not exit after unmount:\n" + self.read_log())
        log = self.read_log()
        self.log.close()
        assert not SANITIZER_ERRORS.search(log), "sanitizer report in the mount's log:\n" + log
        assert code == expect_code, "forcefs exited %s, expected %s:\n%s" % (
            code, expect_code, log)
        assert not is_mounted(self.mountpoint)
        return log

    def signal(self, sig):
        self.proc.send_signal(sig)

    def kill(self):
        """Kills the process hard and cleans up the dead mount."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        if is_mounted(self.mountpoint):
            subprocess.run(["fusermount3", "-u", "-z", self.mountpoint])
        if not self.log.closed:
            self.log.close()


def create_schema(url, schema, tables, heroku_connect=True, readonly_tables=()):
    """Creates a schema with the Heroku Connect system tables and the given tables.

    tables: {table: [(column, sql type), ...]} (system columns are added).
    """
    sql = [hcschema.system_sql(schema)]
    for table, columns in tables.items():
        sql.append(hcschema.table_sql(schema, table, columns))
        if heroku_connect:
            sql.append(hcschema.triggers_sql(schema, table, table in readonly_tables))
    hcschema.psql(url, "\n".join(sql))


def quote_ident(name):
    return hcschema.quote_ident(name)


def trigger_log_mark(url, schema):
    """The newest _trigger_log id, to look at what a step logs after it."""
    return int(psql(url, f"SELECT coalesce(max(id), 0) FROM {quote_ident(schema)}._trigger_log")[0])


def trigger_log_since(url, schema, mark):
    """Log rows after `mark`: [(action, table, record_id, state, {column: value})]."""
    rows = psql(url, f"""SELECT action, table_name, record_id, state,
                 coalesce(hstore_to_json("values"::hstore)::text, '{{}}')
                 FROM {quote_ident(schema)}._trigger_log WHERE id > {int(mark)} ORDER BY id""")
    out = []
    import json as _json
    for r in rows:
        action, table, record_id, state, values = r.split("|", 4)
        out.append((action, table, int(record_id), state, _json.loads(values)))
    return out


def row(url, schema, table, where):
    """One row as a dict (column -> text or None), by a WHERE clause written by the test."""
    import json as _json
    rows = psql(url, f"SELECT row_to_json(t) FROM {quote_ident(schema)}.{quote_ident(table)} t "
                     f"WHERE {where}")
    return _json.loads(rows[0]) if rows else None


class Emulator(EmulatorProcess):
    """scripts/sf-emulator with the demo org (tools/emulator_process.py)."""

    def __init__(self):
        super().__init__("--seed", "demo")

    def faults(self, *rules):
        self.control("faults", {"rules": list(rules)})
