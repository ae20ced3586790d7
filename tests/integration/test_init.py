"""`forcefs init` (docs/contract.md §2, §6): the Heroku Connect layout, built from Salesforce's describe.

The Salesforce side is scripts/sf-emulator (faults through its /__emulator control
endpoint) or, for answers the emulator never gives (an object that is not queryable,
HTML, garbage), a small http.server started here. The reference layout is
tools/hcschema.py fed with the emulator's own describe JSON: init must build the same
tables, columns, indexes, constraints, triggers and function bodies, and the triggers
must log the same rows. Refusals run against a database of their own, so the tests can
show that nothing at all was left behind (not even the hstore extension).
"""
import http.server
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
import uuid

import pytest

import forcefs_harness as ft
from forcefs_harness import hcschema

CLIENT_ID = "forcefs-test"
CLIENT_SECRET = "forcefs-test"
USERNAME = "test@example.com"
PASSWORD = "forcefs-test"
FIXED_REFRESH_TOKEN = "5Aep861forcefsTestRefreshToken.FixedForTests0000000000000000000000"
DEMO_OBJECTS = ["Account", "Contact", "Customer_Record__c", "User"]

# Variables of the outer environment that must not leak into a run.
CLEARED = ("SF_LOGIN_URL", "SF_CLIENT_ID", "SF_CLIENT_SECRET", "SF_REFRESH_TOKEN",
           "SF_USERNAME", "SF_PASSWORD", "SF_INSTANCE_URL", "SF_ACCESS_TOKEN",
           "SF_API_VERSION", "SF_JWT_KEY_FILE", "SF_TARGET_ORG", "DATABASE_URL",
           "HEROKUCONNECT_URL", "HEROKUCONNECT_SCHEMA", "FORCEFS_MAPPING")
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z forcefs (debug|info|warning): ")


# --- the Salesforce side ------------------------------------------------------

class Emulator(ft.Emulator):
    def describe(self, name):
        """The describe JSON the REST API serves, as hcschema takes it."""
        form = ("grant_type=password&client_id=%s&client_secret=%s&username=%s&password=%s"
                % (CLIENT_ID, CLIENT_SECRET, "test%40example.com", PASSWORD)).encode()
        with urllib.request.urlopen(self.url + "/services/oauth2/token", data=form,
                                    timeout=10) as resp:
            token = json.loads(resp.read())["access_token"]
        req = urllib.request.Request(
            "%s/services/data/v60.0/sobjects/%s/describe" % (self.url, name),
            headers={"Authorization": "Bearer " + token})
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())


@pytest.fixture(scope="module")
def emulator():
    """The shared emulator, with the describe() this module's layout tests need."""
    emu = Emulator()
    yield emu
    emu.stop()


class FakeSalesforce(http.server.BaseHTTPRequestHandler):
    """Answers the way server.mode says: a describe Salesforce could send, or junk."""

    def log_message(self, *args):
        pass

    def _send(self, status, ctype, body):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.do_GET()

    def do_GET(self):
        mode = self.server.mode
        if mode == "not_queryable":
            self._send(200, "application/json", json.dumps({
                "name": "Thing__c", "queryable": False, "custom": True,
                "fields": [{"name": "Id", "type": "id", "length": 18}]}).encode())
        elif mode == "html":
            self._send(200, "text/html", b"<html><head><title>Please log in</title></head>"
                                         b"<body>SSO</body></html>")
        elif mode == "garbage":
            self._send(200, "application/json", b"\x00\x01garbage\r\nnot json at all")


@pytest.fixture
def fake_sf():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeSalesforce)
    server.mode = "html"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = "http://127.0.0.1:%d" % server.server_address[1]
    yield server
    server.shutdown()
    server.server_close()


def sf_env(emu):
    return {"SF_LOGIN_URL": emu.url, "SF_CLIENT_ID": CLIENT_ID,
            "SF_CLIENT_SECRET": CLIENT_SECRET, "SF_USERNAME": USERNAME,
            "SF_PASSWORD": PASSWORD}


# --- running init -------------------------------------------------------------

class Run:
    def __init__(self, proc, elapsed):
        self.code = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.elapsed = elapsed

    def __repr__(self):
        return "exit %d\nstdout:\n%s\nstderr:\n%s" % (self.code, self.stdout, self.stderr)

    def error(self):
        """The one `forcefs: ...` line; every other stderr line is a log line."""
        lines = self.stderr.splitlines()
        errors = [line for line in lines if line.startswith("forcefs: ")]
        assert len(errors) == 1, self
        assert all(line in errors or LOG_LINE.match(line) for line in lines), self
        return errors[0]


def run_init(*args, env=None, timeout=60):
    full = {k: v for k, v in os.environ.items() if k not in CLEARED}
    full.update(env or {})
    start = time.monotonic()
    proc = subprocess.run([ft.forcefs_binary(), "init", *args], capture_output=True, text=True,
                          env=full, timeout=timeout)
    run = Run(proc, time.monotonic() - start)
    assert not ft.SANITIZER_ERRORS.search(proc.stderr), run
    # Secrets never show. The emulator's password and client secret are both
    # "forcefs-test", which is also the prefix of the tests' temporary directories.
    for secret in (r"forcefs-test(?!-)", re.escape(FIXED_REFRESH_TOKEN), r"00Dx!token",
                   r"not-the-password", r"u:secret"):
        assert not re.search(secret, proc.stdout + proc.stderr), run
    return run


def init(url, schema, *args, emu, env=None):
    """A successful init of `schema`."""
    e = dict(sf_env(emu), DATABASE_URL=url)
    e.update(env or {})
    run = run_init("--schema", schema, *args, env=e)
    assert run.code == 0, run
    assert run.stdout.endswith('schema "%s" is ready\n' % schema), run
    return run


def init_error(url, schema, *args, emu=None, env=None, code=1):
    """An init that must fail with `code` and one error line; returns the line."""
    e = dict(sf_env(emu) if emu else {}, DATABASE_URL=url)
    e.update(env or {})
    if schema is not None:
        args = ("--schema", schema) + args
    run = run_init(*args, env=e)
    assert run.code == code, run
    assert run.stdout == "", run
    return run.error()


def sql(url, text):
    return ft.psql(url, text)


def sync_sql(url, text):
    """SQL as the sync engine runs it: not captured, rows SYNCED."""
    hcschema.psql(url, text, sync_session=True)


@pytest.fixture
def fresh_db(pg):
    """A database of its own, so a test can show init left nothing anywhere in it."""
    name = "init_" + uuid.uuid4().hex[:10]
    sql(pg.url, "CREATE DATABASE %s" % name)
    yield pg.url.rsplit("/", 1)[0] + "/" + name
    sql(pg.url, "DROP DATABASE %s WITH (FORCE)" % name)


def db_state(url):
    """Everything init could create: schemas, relations, functions, extensions, rows."""
    state = {
        "schemas": sql(url, "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' "
                            "ORDER BY 1"),
        "relations": sql(url, "SELECT n.nspname, c.relname, c.relkind, c.xmin FROM pg_class c "
                              "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname "
                              "NOT IN ('pg_catalog', 'information_schema', 'pg_toast') "
                              "ORDER BY 1, 2"),
        "functions": sql(url, "SELECT n.nspname, p.proname, p.xmin FROM pg_proc p JOIN "
                              "pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname NOT IN "
                              "('pg_catalog', 'information_schema') ORDER BY 1, 2"),
        "extensions": sql(url, "SELECT extname FROM pg_extension ORDER BY 1"),
        "triggers": sql(url, "SELECT tgname, xmin FROM pg_trigger ORDER BY 1"),
    }
    return state


# --- the layout ---------------------------------------------------------------

def layout(url, schema):
    """The catalog of a schema, with the schema's name replaced by S. forcefs's history
    (_forcefs_history, its function and triggers: docs/views.md) is not Heroku Connect's
    layout and is left out; test_init_keeps_history checks it."""
    s = schema

    def q(text):
        return [row.replace(s, "S") for row in sql(url, text) if "_forcefs_history" not in row]
    ns = "'%s'::regnamespace" % s
    return {
        "relations": q("SELECT relname, relkind FROM pg_class WHERE relnamespace = %s "
                       "ORDER BY 1" % ns),
        "columns": q("SELECT table_name, ordinal_position, column_name, data_type, "
                     "coalesce(character_maximum_length, 0), is_nullable, "
                     "coalesce(column_default, '') FROM information_schema.columns "
                     "WHERE table_schema = '%s' ORDER BY 1, 2" % s),
        "indexes": q("SELECT tablename, indexname, indexdef FROM pg_indexes "
                     "WHERE schemaname = '%s' ORDER BY 1, 2" % s),
        "constraints": q("SELECT c.relname, con.conname, pg_get_constraintdef(con.oid) "
                         "FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid "
                         "WHERE c.relnamespace = %s ORDER BY 1, 2" % ns),
        "triggers": q("SELECT c.relname, t.tgname, t.tgenabled, pg_get_triggerdef(t.oid) "
                      "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                      "WHERE c.relnamespace = %s AND NOT t.tgisinternal ORDER BY 1, 2" % ns),
        "functions": q("SELECT proname, prorettype::regtype, prolang::regnamespace, prosrc "
                       "FROM pg_proc WHERE pronamespace = %s AND proname <> '_forcefs_history_log' "
                       "ORDER BY 1" % ns),
        "fields": q("SELECT * FROM %s._forcefs_fields ORDER BY object, field"
                    % ft.quote_ident(s)),
    }


def reference_schema(url, schema, objects, readonly=()):
    """tools/hcschema.py's layout for the same describes."""
    parts = [hcschema.system_sql(schema)]
    for obj in objects:
        parts.append(hcschema.object_sql(schema, obj, obj["name"] in readonly))
    parts.append(hcschema.forcefs_fields_sql(schema, objects))
    hcschema.psql(url, "\n".join(parts))


def capture_script(s):
    """The same writes on any schema; what the triggers make of them is compared."""
    s = ft.quote_ident(s)
    return f"""
        INSERT INTO {s}.account (name, industry, annualrevenue) VALUES ('Acme', 'Energy', 12.5);
        UPDATE {s}.account SET name = 'Acme 2' WHERE name = 'Acme';
        UPDATE {s}.account SET name = 'Acme 2';
        DELETE FROM {s}.account;
        SET xmlbinary = 'hex';
        INSERT INTO {s}.account (sfid, name, systemmodstamp, isdeleted)
            VALUES ('001000000000009AAA', 'Synced', '2024-01-01 00:00:00', false);
        INSERT INTO {s}.account (sfid, name) VALUES ('001000000000008AAA', 'Written back');
        UPDATE {s}.account SET _hc_lastop = 'UPDATED' WHERE sfid = '001000000000008AAA';
        SET xmlbinary = 'base64';
        UPDATE {s}.account SET industry = 'Retail' WHERE sfid = '001000000000009AAA';
        DELETE FROM {s}.account WHERE sfid = '001000000000009AAA';
        INSERT INTO {s}.contact (lastname) VALUES ('Doe');
    """


def capture_result(url, s):
    q = ft.quote_ident(s)
    return {
        "log": sql(url, "SELECT state, action, table_name, record_id, coalesce(sfid, '-'), "
                        "coalesce(old, '-'), coalesce(\"values\", '-') FROM %s._trigger_log "
                        "ORDER BY id" % q),
        "rows": sql(url, "SELECT id, sfid, name, _hc_lastop FROM %s.account ORDER BY id" % q),
    }


def test_init_creates_the_layout_of_hcschema(pg, emu, schema_name):
    ref = schema_name + "_ref"
    run = init(pg.url, schema_name, "--objects", ",".join(DEMO_OBJECTS), emu=emu)
    assert run.stdout.splitlines()[:4] == [
        "account: created (27 fields)", "contact: created (30 fields)",
        "customer_record__c: created (21 fields)", "user: created (13 fields)"]
    reference_schema(pg.url, ref, [emu.describe(o) for o in DEMO_OBJECTS])
    got, want = layout(pg.url, schema_name), layout(pg.url, ref)
    for part in want:
        assert got[part] == want[part], part
    assert len(got["fields"]) == 27 + 30 + 21 + 13
    assert "account|9|name|character varying|255|YES|" in got["columns"]
    assert "account|6|_hc_lastop|character varying|32|YES|" in got["columns"]
    # public.get_xmlbinary(), whoever created it, has hcschema's body.
    body = re.search(r"get_xmlbinary\(\) RETURNS varchar AS \$\$(.*?)\$\$",
                     hcschema.system_sql(ref), re.S).group(1)
    assert "\n".join(sql(pg.url, "SELECT prosrc FROM pg_proc WHERE proname = 'get_xmlbinary' "
                                 "AND pronamespace = 'public'::regnamespace")) \
        == "\n".join(line for line in body.splitlines() if line)


def test_triggers_capture_like_hcschema(pg, emu, schema_name):
    ref = schema_name + "_ref"
    init(pg.url, schema_name, "--objects", "Account,Contact", emu=emu)
    reference_schema(pg.url, ref, [emu.describe(o) for o in ("Account", "Contact")])
    for s in (schema_name, ref):
        sql(pg.url, capture_script(s))
    assert capture_result(pg.url, schema_name) == capture_result(pg.url, ref)


def test_user_writes_are_logged_pending_and_sync_writes_are_not(pg, emu, schema_name):
    init(pg.url, schema_name, "--objects", "Account", emu=emu)
    s = ft.quote_ident(schema_name)
    sql(pg.url, f"INSERT INTO {s}.account (name, industry) VALUES ('Acme', 'Energy')")
    assert sql(pg.url, f"SELECT _hc_lastop FROM {s}.account") == ["PENDING"]
    log = sql(pg.url, f"SELECT state, action, table_name, record_id, \"values\" "
                      f"FROM {s}._trigger_log")
    assert len(log) == 1
    state, action, table, record_id, values = log[0].split("|", 4)
    assert (state, action, table, record_id) == ("NEW", "INSERT", "account", "1")
    assert '"name"=>"Acme"' in values and '"industry"=>"Energy"' in values
    assert "_hc_lastop" not in values

    sql(pg.url, f"UPDATE {s}.account SET industry = 'Retail'")
    assert sql(pg.url, f"SELECT state, action, \"values\" FROM {s}._trigger_log "
                       f"ORDER BY id DESC LIMIT 1") == ['NEW|UPDATE|"industry"=>"Retail"']

    sync_sql(pg.url, f"INSERT INTO {s}.account (sfid, name) VALUES ('001000000000001AAA', 'S');"
                     f"UPDATE {s}.account SET name = 'Acme 3' WHERE id = 1")
    assert sql(pg.url, f"SELECT count(*) FROM {s}._trigger_log") == ["2"]
    assert sql(pg.url, f"SELECT _hc_lastop FROM {s}.account ORDER BY id") == ["SYNCED", "SYNCED"]


def test_log_insert_notifies_the_schema_channel(pg, emu, schema_name):
    init(pg.url, schema_name, "--objects", "Contact", emu=emu)
    out = subprocess.run(
        ["psql", "-X", "-q", "-d", pg.url, "-c",
         'LISTEN "%s.hc_trigger_log"; INSERT INTO %s.contact (lastname) VALUES (\'Doe\');'
         % (schema_name, ft.quote_ident(schema_name))],
        capture_output=True, text=True, check=True)
    assert 'notification "%s.hc_trigger_log" with payload "ping"' % schema_name in out.stdout


def write_mapping(workdir, mappings, name="mapping.json"):
    path = os.path.join(workdir, name)
    with open(path, "w") as f:
        json.dump({"mappings": mappings}, f)
    return path


def mapping_entry(obj, fields, access="read_write", **config):
    config.update({"access": access, "sf_polling_seconds": 600,
                   "fields": {f: {} for f in fields}})
    return {"object_name": obj, "config": config}


def test_read_only_mapping_logs_readonly_and_mounts_0444(pg, emu, schema_name, workdir, mounts):
    path = write_mapping(workdir, [
        mapping_entry("Account", ["Id", "Name", "Industry"]),
        mapping_entry("Contact", ["Id", "LastName", "Email"], access="read_only")])
    run = init(pg.url, schema_name, "--mapping", path, emu=emu)
    assert "contact: created (6 fields, read-only)" in run.stdout
    s = ft.quote_ident(schema_name)
    sql(pg.url, f"INSERT INTO {s}.contact (lastname) VALUES ('Doe')")
    assert sql(pg.url, f"SELECT state FROM {s}._trigger_log") == ["READONLY"]
    assert sql(pg.url, "SELECT column_name FROM information_schema.columns WHERE "
                       f"table_schema = '{schema_name}' AND table_name = 'contact' "
                       "ORDER BY ordinal_position") == [
        "id", "sfid", "systemmodstamp", "isdeleted", "createddate", "_hc_lastop", "_hc_err",
        "lastname", "email"]
    sync_sql(pg.url, f"INSERT INTO {s}.contact (sfid, lastname, isdeleted) "
                     f"VALUES ('003000000000001AAA', 'Roe', false);"
                     f"INSERT INTO {s}.account (sfid, name, isdeleted) "
                     f"VALUES ('001000000000001AAA', 'Acme', false)")
    m = mounts(pg.url, schema_name)
    assert os.stat(m.path("contact", "003000000000001AAA.json")).st_mode & 0o777 == 0o444
    assert os.stat(m.path("account", "001000000000001AAA.json")).st_mode & 0o777 == 0o644

    # The mapping turns read-write: the logger follows, nothing else changes.
    path = write_mapping(workdir, [mapping_entry("Contact", ["Id", "LastName", "Email"])])
    run = init(pg.url, schema_name, "--mapping", path, emu=emu)
    assert run.stdout.startswith("contact: updated\n"), run
    assert "capture trigger function hc_contact_logger updated (writes are logged as NEW)" \
        in run.stderr
    sql(pg.url, f"UPDATE {s}.contact SET email = 'roe@example.com' WHERE lastname = 'Roe'")
    assert sql(pg.url, f"SELECT state FROM {s}._trigger_log ORDER BY id DESC LIMIT 1") == ["NEW"]


def test_mapping_fields_metadata_and_indexes(pg, emu, schema_name, workdir):
    path = write_mapping(workdir, [mapping_entry(
        "Customer_Record__c", ["Id", "Name", "Status__c", "Tags__c", "External_ID__c"],
        upsert_field="External_ID__c",
        indexes={"Id": {"unique": True}, "External_ID__c": {"unique": True},
                 "Status__c": {"unique": False}})])
    init(pg.url, schema_name, "--mapping", path, emu=emu)
    fields = sql(pg.url, "SELECT field, \"column\", type, length, nillable, picklist_values, "
                         f"restricted FROM {ft.quote_ident(schema_name)}._forcefs_fields "
                         "ORDER BY field")
    assert fields == [
        "CreatedDate|createddate|datetime|0|f||f",
        "External_ID__c|external_id__c|string|36|t||f",
        "Id|sfid|id|18|f||f",
        "IsDeleted|isdeleted|boolean|0|f||f",
        "Name|name|string|80|t||f",
        "Status__c|status__c|picklist|255|t|{New,Active,\"On Hold\",Churned,Closed}|t",
        "SystemModstamp|systemmodstamp|datetime|0|f||f",
        "Tags__c|tags__c|multipicklist|4099|t|{Gold,Silver,Bronze,Priority,Renewal,Upsell,"
        "\"At Risk\",Reference}|f"]
    assert sorted(sql(pg.url, f"SELECT indexname FROM pg_indexes WHERE schemaname = "
                              f"'{schema_name}' AND tablename = 'customer_record__c'")) == [
        "customer_record__c_pkey", "hc_idx_customer_record__c_status__c",
        "hc_idx_customer_record__c_systemmodstamp", "hcu_idx_customer_record__c_external_id__c",
        "hcu_idx_customer_record__c_sfid"]


# --- idempotency --------------------------------------------------------------

def test_second_init_changes_nothing_and_keeps_data(pg, emu, schema_name):
    objects = "Account,Contact,Customer_Record__c"
    init(pg.url, schema_name, "--objects", objects, emu=emu)
    s = ft.quote_ident(schema_name)
    sql(pg.url, f"INSERT INTO {s}.account (name) VALUES ('Pending one')")
    sync_sql(pg.url, f"INSERT INTO {s}.contact (sfid, lastname) VALUES ('003000000000001AAA', 'D')")
    before = db_state(pg.url)
    rows = [sql(pg.url, f"SELECT * FROM {s}.{t} ORDER BY 1, 2")
            for t in ("account", "contact", "_trigger_log", "_forcefs_fields")]
    run = init(pg.url, schema_name, "--objects", objects, emu=emu)
    assert run.stdout.splitlines() == ["account: unchanged", "contact: unchanged",
                                       "customer_record__c: unchanged",
                                       'schema "%s" is ready' % schema_name]
    assert db_state(pg.url) == before  # not even a catalog row rewritten (same xmin)
    assert [sql(pg.url, f"SELECT * FROM {s}.{t} ORDER BY 1, 2")
            for t in ("account", "contact", "_trigger_log", "_forcefs_fields")] == rows


def test_second_init_brings_field_metadata_up_to_date(pg, emu, schema_name):
    init(pg.url, schema_name, "--objects", "Account", emu=emu)
    s = ft.quote_ident(schema_name)
    sql(pg.url, f"UPDATE {s}._forcefs_fields SET length = 1, picklist_values = '{{Old}}' "
                f"WHERE field IN ('Name', 'Rating')")
    run = init(pg.url, schema_name, "--objects", "Account", emu=emu)
    assert run.stdout.startswith("account: updated\n"), run
    assert sql(pg.url, f"SELECT field, length, picklist_values FROM {s}._forcefs_fields "
                       f"WHERE field IN ('Name', 'Rating') ORDER BY field") == [
        "Name|255|", "Rating|255|{Hot,Warm,Cold}"]


def test_view_in_the_way_is_refused(fresh_db, emu):
    sql(fresh_db, "CREATE SCHEMA salesforce; CREATE VIEW salesforce.account AS SELECT 1 AS x")
    before = db_state(fresh_db)
    line = init_error(fresh_db, "salesforce", "--objects", "Account", emu=emu)
    assert line.endswith("salesforce.account exists and is not a table: rename or drop it, or "
                         "use another --schema")
    assert db_state(fresh_db) == before


def test_existing_get_xmlbinary_is_left_alone(fresh_db, emu):
    """public.get_xmlbinary() may be Heroku Connect's (another schema's): never replaced."""
    sql(fresh_db, "CREATE FUNCTION public.get_xmlbinary() RETURNS varchar AS "
                  "$$ SELECT setting FROM pg_settings WHERE name = 'xmlbinary' $$ LANGUAGE sql")
    before = sql(fresh_db, "SELECT xmin, prosrc FROM pg_proc WHERE proname = 'get_xmlbinary'")
    init(fresh_db, "salesforce", "--objects", "Contact", "--api-version", "v59.0", emu=emu)
    assert sql(fresh_db, "SELECT xmin, prosrc FROM pg_proc WHERE proname = 'get_xmlbinary'") \
        == before
    sql(fresh_db, "INSERT INTO salesforce.contact (lastname) VALUES ('Doe')")
    assert sql(fresh_db, "SELECT state FROM salesforce._trigger_log") == ["NEW"]


def test_added_field_adds_a_column_and_removed_field_stays(pg, emu, schema_name, workdir):
    s = ft.quote_ident(schema_name)
    path = write_mapping(workdir, [mapping_entry("Account", ["Id", "Name"])])
    init(pg.url, schema_name, "--mapping", path, emu=emu)
    sql(pg.url, f"INSERT INTO {s}.account (name) VALUES ('Kept')")

    path = write_mapping(workdir, [mapping_entry("Account", ["Id", "Name", "Industry",
                                                            "BillingAddress"])])
    run = init(pg.url, schema_name, "--mapping", path, emu=emu)
    assert run.stdout.startswith("account: 8 columns added\n"), run
    assert "account: added column industry (varchar(255))" in run.stderr
    assert "BillingAddress is a compound field: mapped as its 7 component fields" in run.stderr
    cols = sql(pg.url, "SELECT column_name FROM information_schema.columns WHERE "
                       f"table_schema = '{schema_name}' AND table_name = 'account' "
                       "ORDER BY ordinal_position")
    assert cols[7:] == ["name", "industry", "billingstreet", "billingcity", "billingstate",
                        "billingpostalcode", "billingcountry", "billinglatitude",
                        "billinglongitude"]
    assert sql(pg.url, f"SELECT \"column\" FROM {s}._forcefs_fields WHERE field = 'Industry'") \
        == ["industry"]
    assert sql(pg.url, f"SELECT name, industry FROM {s}.account") == ["Kept|"]

    path = write_mapping(workdir, [mapping_entry("Account", ["Id", "Name"])])
    run = init(pg.url, schema_name, "--mapping", path, emu=emu)
    assert run.stdout.startswith("account: unchanged\n"), run
    assert "account: column industry is not in the mapping: left in place with its data" \
        in run.stderr
    assert "industry" in sql(pg.url, "SELECT column_name FROM information_schema.columns "
                                     f"WHERE table_schema = '{schema_name}'")


def test_mapping_from_the_environment(pg, emu, schema_name, workdir):
    path = write_mapping(workdir, [mapping_entry("Contact", ["Id", "LastName"])])
    run = init(pg.url, schema_name, emu=emu, env={"FORCEFS_MAPPING": path})
    assert run.stdout.startswith("contact: created (5 fields)\n")
    # --objects on the command line wins over the environment's mapping.
    run = init(pg.url, schema_name, "--objects", "Account", emu=emu,
               env={"FORCEFS_MAPPING": path})
    assert run.stdout.startswith("account: created")


def test_schema_and_database_from_the_environment(pg, emu, schema_name):
    e = dict(sf_env(emu), HEROKUCONNECT_URL=pg.url, HEROKUCONNECT_SCHEMA=schema_name)
    run = run_init("--objects", "Contact", env=e)
    assert run.code == 0, run
    assert sql(pg.url, f"SELECT count(*) FROM {ft.quote_ident(schema_name)}.contact") == ["0"]


# --- refusals: one line, nothing left behind ----------------------------------

def test_heroku_connect_schema_is_refused(fresh_db, emu):
    sql(fresh_db, "CREATE SCHEMA salesforce; CREATE TABLE salesforce._hcmeta "
                  "(id serial, hcver int, org_id varchar(50), details text)")
    before = db_state(fresh_db)
    line = init_error(fresh_db, None, "--objects", "Account", emu=emu)
    assert line == ('forcefs: init: schema "salesforce" is managed by Heroku Connect (it has '
                    '_hcmeta); forcefs uses it as it is, nothing to init')
    assert db_state(fresh_db) == before


def test_wrong_password_is_refused_without_trace(fresh_db, emu):
    before = db_state(fresh_db)
    line = init_error(fresh_db, "salesforce", "--objects", "Account", emu=emu,
                      env={"SF_PASSWORD": "not-the-password"})
    assert "authentication failure" in line and "check SF_USERNAME and SF_PASSWORD" in line
    assert "not-the-password" not in line
    assert db_state(fresh_db) == before


def test_revoked_refresh_token_is_refused(fresh_db, emu):
    emu.control("revoke-refresh-token", {"refresh_token": FIXED_REFRESH_TOKEN})
    try:
        before = db_state(fresh_db)
        env = {"SF_LOGIN_URL": emu.url, "SF_CLIENT_ID": CLIENT_ID,
               "SF_REFRESH_TOKEN": FIXED_REFRESH_TOKEN, "DATABASE_URL": fresh_db}
        run = run_init("--objects", "Account", env=env)
        assert run.code == 1, run
        line = run.error()
        assert "expired access/refresh token" in line
        assert "SF_REFRESH_TOKEN was refused (revoked or expired): get a new one" in line
        assert db_state(fresh_db) == before
    finally:
        emu.control("reset", {"keep_records": True})


def test_unknown_object_is_refused_before_anything_is_created(fresh_db, emu):
    before = db_state(fresh_db)
    line = init_error(fresh_db, "salesforce", "--objects", "Account,Nope", emu=emu)
    assert line.startswith('forcefs: init: Salesforce has no object "Nope" (or the user cannot '
                           'see it): describe Nope: ')
    assert "NOT_FOUND" in line
    assert db_state(fresh_db) == before


def test_mapped_field_unknown_to_salesforce_is_refused(fresh_db, emu, workdir):
    path = write_mapping(workdir, [mapping_entry("Account", ["Id", "Name", "Nope__c"])])
    before = db_state(fresh_db)
    line = init_error(fresh_db, "salesforce", "--mapping", path, emu=emu)
    assert line == ('forcefs: init: mapping %s: Account: Salesforce has no field "Nope__c" on '
                    'Account (or the user cannot see it): remove it from the mapping' % path)
    assert db_state(fresh_db) == before


def test_object_that_is_not_queryable_is_refused(fresh_db, fake_sf):
    fake_sf.mode = "not_queryable"
    before = db_state(fresh_db)
    line = init_error(fresh_db, "salesforce", "--objects", "Thing__c",
                      env={"SF_INSTANCE_URL": fake_sf.url, "SF_ACCESS_TOKEN": "00Dx!token"})
    assert line == ("forcefs: init: Salesforce says Thing__c is not queryable, so forcefs "
                    "cannot sync it: leave it out of the mapping")
    assert db_state(fresh_db) == before


@pytest.mark.parametrize("mode,expected", [
    ("html", 'an HTML page titled "Please log in"'),
    ("garbage", '"garbage not json at all"'),
])
def test_instance_answering_junk_is_refused(fresh_db, fake_sf, mode, expected):
    fake_sf.mode = mode
    before = db_state(fresh_db)
    line = init_error(fresh_db, "salesforce", "--objects", "Account",
                      env={"SF_INSTANCE_URL": fake_sf.url, "SF_ACCESS_TOKEN": "00Dx!token"})
    assert line.startswith("forcefs: init: describe Account: ") and expected in line, line
    assert db_state(fresh_db) == before


def test_login_url_answering_html_is_refused(fresh_db, fake_sf):
    fake_sf.mode = "html"
    env = {"SF_LOGIN_URL": fake_sf.url, "SF_CLIENT_ID": CLIENT_ID,
           "SF_CLIENT_SECRET": CLIENT_SECRET, "SF_USERNAME": USERNAME, "SF_PASSWORD": PASSWORD}
    line = init_error(fresh_db, "salesforce", "--objects", "Account", env=env)
    assert "login (password flow)" in line and "HTML page" in line, line


def test_slow_salesforce_hits_the_timeout(fresh_db, emu):
    emu.control("faults", {"rules": [{"match": "GET /sobjects/Contact/describe",
                                      "fault": "slow", "delay_ms": 5000, "count": 1}]})
    before = db_state(fresh_db)
    start = time.monotonic()
    line = init_error(fresh_db, "salesforce", "--objects", "Account,Contact", "--timeout", "1",
                      emu=emu)
    assert time.monotonic() - start < 4.5
    assert "describe Contact" in line and "timeout" in line and "a longer --timeout" in line
    assert db_state(fresh_db) == before


def test_unreachable_database_is_refused(emu):
    line = init_error("postgresql://postgres@127.0.0.1:1/forcefs", "salesforce",
                      "--objects", "Account", emu=emu)
    assert line.startswith("forcefs: init: cannot connect to the database: ")


def test_table_in_the_way_rolls_everything_back(fresh_db, emu):
    """A failure in the middle of the DDL: the transaction leaves the database as it was."""
    sql(fresh_db, "CREATE SCHEMA salesforce; CREATE TABLE salesforce.contact (name text)")
    before = db_state(fresh_db)
    line = init_error(fresh_db, "salesforce", "--objects", "Account,Contact", emu=emu)
    assert line == ('forcefs: init: schema "salesforce" left as it was: table '
                    'salesforce.contact exists and is not a Heroku Connect table (it has no id '
                    'or sfid column): rename or drop it, or use another --schema')
    assert db_state(fresh_db) == before  # no account table, no hstore, no get_xmlbinary


@pytest.mark.parametrize("args,env,code,expected", [
    (["--schema", "Bad-Name"], {}, 2, 'invalid schema name "Bad-Name": use lower-case'),
    ([], {"HEROKUCONNECT_SCHEMA": "pg_x"}, 1,
     'invalid schema name "pg_x" (from HEROKUCONNECT_SCHEMA)'),
    (["--api-version", "latest"], {}, 2, 'invalid API version "latest"'),
    ([], {"SF_API_VERSION": "latest"}, 1, 'SF_API_VERSION "latest" is not a version'),
    (["--timeout", "0"], {}, 2, "--timeout takes whole seconds from 1 to 3600"),
    (["--db", "postgresql://u:secret@127.0.0.1/x"], {}, 2, "--db must not carry a password"),
])
def test_bad_settings_are_refused(fresh_db, emu, args, env, code, expected):
    before = db_state(fresh_db)
    line = init_error(fresh_db, None, "--objects", "Account", *args, emu=emu, env=env, code=code)
    assert line.startswith("forcefs: init: ") and expected in line, line
    assert "secret" not in line
    assert db_state(fresh_db) == before


@pytest.mark.parametrize("content,expected", [
    ('{"mappings": [', "not valid JSON (line 1, column 14)"),
    ('{"mappings": [{"config": {"access": "read_write", "fields": {"Id": {}}}}]}',
     "mappings[0]: object_name is missing"),
    ('{"mappings": [{"object_name": "Account", "config": {"access": "write", '
     '"fields": {"Id": {}}}}]}',
     'mappings[0] (Account): config.access must be "read_write" or "read_only", got "write"'),
])
def test_malformed_mapping_is_refused(fresh_db, emu, workdir, content, expected):
    path = os.path.join(workdir, "bad.json")
    with open(path, "w") as f:
        f.write(content)
    before = db_state(fresh_db)
    line = init_error(fresh_db, "salesforce", "--mapping", path, emu=emu)
    assert line == "forcefs: init: mapping %s: %s" % (path, expected)
    assert db_state(fresh_db) == before


def test_missing_mapping_file_is_refused(fresh_db, emu, workdir):
    path = os.path.join(workdir, "nope.json")
    line = init_error(fresh_db, "salesforce", emu=emu, env={"FORCEFS_MAPPING": path})
    assert line.startswith("forcefs: init: cannot read mapping file %s: " % path)


@pytest.mark.parametrize("args,expected", [
    ([], "which objects? pass --objects Account,Contact or --mapping FILE"),
    (["--objects", "Account", "--mapping", "m.json"], "give --objects or --mapping, not both"),
    (["--objects", "Acc ount"], '--objects: "Acc ount" is not a Salesforce object name'),
    (["--objects", "Account", "extra"], 'unexpected argument "extra"'),
    (["--frobnicate"], 'unknown option "--frobnicate"'),
    (["--objects"], "--objects needs a value"),
])
def test_usage_errors_exit_2(fresh_db, emu, args, expected):
    line = init_error(fresh_db, None, *args, emu=emu, code=2)
    assert line.startswith("forcefs: init: ") and expected in line, line


def test_help_describes_init():
    run = run_init("--help")
    assert run.code == 0 and run.stderr == ""
    assert run.stdout.startswith("usage: forcefs init (--objects A,B,... | --mapping FILE)")
    for word in ("--db URL", "--schema NAME", "--api-version", "FORCEFS_MAPPING", "SF_LOGIN_URL",
                 "one transaction"):
        assert word in run.stdout
    top = subprocess.run([ft.forcefs_binary(), "--help"], capture_output=True, text=True)
    assert re.search(r"^  init +create the Heroku Connect tables", top.stdout, re.M)


# --- the mount on an init-made schema -----------------------------------------

def test_mount_shows_an_init_made_schema(pg, emu, schema_name, mounts):
    init(pg.url, schema_name, "--objects", "Account,Customer_Record__c", emu=emu)
    s = ft.quote_ident(schema_name)
    sync_sql(pg.url, f"""
        INSERT INTO {s}.account (sfid, name, industry, annualrevenue, numberofemployees,
            systemmodstamp, isdeleted, createddate)
        VALUES ('001000000000001AAA', 'Acme', 'Energy', 1500000.5, 120,
                '2023-10-01 12:34:56', false, '2023-01-01 00:00:00');
        INSERT INTO {s}.customer_record__c (sfid, name, tags__c, systemmodstamp, isdeleted)
        VALUES ('a01000000000001AAA', 'CR-1', 'Gold;Silver', '2023-10-01 12:34:56', false)""")
    m = mounts(pg.url, schema_name)
    assert sorted(os.listdir(m.mountpoint)) == ["account", "customer_record__c"]
    with open(m.path("account", "001000000000001AAA.json")) as f:
        rec = json.load(f)
    assert rec["name"] == "Acme" and rec["annualrevenue"] == 1500000.5
    assert rec["numberofemployees"] == 120 and rec["systemmodstamp"] == "2023-10-01T12:34:56Z"
    assert "billingstreet" in rec and "_hc_lastop" not in rec
    assert os.getxattr(m.path("account", "001000000000001AAA.json"),
                       "user.forcefs.state") == b"SYNCED"
    with open(m.path("customer_record__c", "a01000000000001AAA.json")) as f:
        assert json.load(f)["tags__c"] == "Gold;Silver"
