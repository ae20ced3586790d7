"""The Heroku Connect database layout (docs/contract.md §6), as SQL, for test fixtures and the demo.

This is the layout a Heroku Connect add-on creates: per mapped object a table with
the system columns and indexes, the status (BEFORE) and logger (AFTER) triggers, and
per schema `_trigger_log`, `_trigger_log_archive`, the notify trigger, plus
`public.get_xmlbinary()` and the hstore extension. Written from the facts collected
in shared/reference/heroku-connect.md (§1.2-§2.2); `forcefs init` builds the same
layout in C and the tests compare the two.

Identifiers are always quoted with quote_ident(); values never appear in DDL.
"""

import datetime
import io
import os
import subprocess

SYSTEM_FIELDS = {"Id": "sfid", "IsDeleted": "isdeleted", "SystemModstamp": "systemmodstamp",
                 "CreatedDate": "createddate"}
SKIPPED_TYPES = {"address", "location", "base64"}


def quote_ident(name):
    return '"' + name.replace('"', '""') + '"'


def pg_type(field):
    """The column type Heroku Connect uses for a Salesforce field (docs/contract.md §6)."""
    t = field["type"]
    length = field.get("length") or 0
    if t in ("id", "reference"):
        return "varchar(18)"
    if t == "multipicklist":
        return "varchar(4099)"
    if t == "textarea":
        return "text" if length > 4096 else "varchar(%d)" % max(length, 1)
    if t in ("string", "picklist", "email", "phone", "url", "combobox", "encryptedstring"):
        return "varchar(%d)" % max(length, 1)
    if t == "boolean":
        return "boolean"
    if t == "int":
        return "integer"
    if t == "long":
        return "bigint"
    if t in ("double", "currency", "percent"):
        return "double precision"
    if t == "date":
        return "date"
    if t == "datetime":
        return "timestamp"
    if t == "time":
        return "time"
    return "text"  # an unknown type: text never refuses what Salesforce sends


def column_name(field):
    return SYSTEM_FIELDS.get(field["name"], field["name"].lower())


def mapped_fields(obj):
    return [f for f in obj["fields"] if f["type"] not in SKIPPED_TYPES]


def system_sql(schema):
    s = quote_ident(schema)
    notify_channel = "%s.hc_trigger_log" % schema
    log_columns = """
        id serial PRIMARY KEY, txid bigint, created_at timestamptz DEFAULT now(),
        updated_at timestamptz DEFAULT now(), processed_at timestamptz, processed_tx bigint,
        state varchar(8), action varchar(7), table_name varchar(128), record_id integer,
        sfid varchar(18), old text, "values" text, sf_result integer, sf_message text"""
    return f"""
CREATE EXTENSION IF NOT EXISTS hstore WITH SCHEMA public;
CREATE SCHEMA IF NOT EXISTS {s};
DO $do$ BEGIN
  -- Heroku Connect's own copy (or another role's) is never replaced.
  IF to_regprocedure('public.get_xmlbinary()') IS NULL THEN
    CREATE FUNCTION public.get_xmlbinary() RETURNS varchar AS $$
DECLARE xmlbin varchar;
BEGIN
  xmlbin := current_setting('xmlbinary');
  RETURN xmlbin;
END; $$ LANGUAGE plpgsql;
  END IF;
END $do$;
CREATE TABLE IF NOT EXISTS {s}._trigger_log ({log_columns});
CREATE TABLE IF NOT EXISTS {s}._trigger_log_archive (
        id integer NOT NULL PRIMARY KEY, txid bigint, created_at timestamptz,
        updated_at timestamptz, processed_at timestamptz, processed_tx bigint,
        state varchar(8), action varchar(7), table_name varchar(128), record_id integer,
        sfid varchar(18), old text, "values" text, sf_result integer, sf_message text);
CREATE INDEX IF NOT EXISTS _trigger_log_idx_created_at ON {s}._trigger_log (created_at);
CREATE INDEX IF NOT EXISTS _trigger_log_idx_state_id ON {s}._trigger_log (state, id);
CREATE INDEX IF NOT EXISTS _trigger_log_idx_state_table_name ON {s}._trigger_log
        (state, table_name) WHERE state IN ('NEW', 'PENDING');
CREATE INDEX IF NOT EXISTS _trigger_log_archive_idx_created_at ON {s}._trigger_log_archive (created_at);
CREATE INDEX IF NOT EXISTS _trigger_log_archive_idx_record_id ON {s}._trigger_log_archive (record_id);
CREATE INDEX IF NOT EXISTS _trigger_log_archive_idx_state_table_name ON {s}._trigger_log_archive
        (state, table_name) WHERE state = 'FAILED';
CREATE OR REPLACE FUNCTION {s}.tlog_notify_trigger() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify({sql_literal(notify_channel)}, 'ping');
  RETURN NEW;
END; $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS tlog_insert_trigger ON {s}._trigger_log;
CREATE TRIGGER tlog_insert_trigger AFTER INSERT ON {s}._trigger_log
        FOR EACH ROW EXECUTE PROCEDURE {s}.tlog_notify_trigger();
"""


def sql_literal(text):
    return "'" + text.replace("'", "''") + "'"


def table_sql(schema, table, columns):
    """columns: list of (column name, SQL type) besides the system columns."""
    s, t = quote_ident(schema), quote_ident(table)
    system = {"sfid", "isdeleted", "systemmodstamp", "createddate", "id", "_hc_lastop",
              "_hc_err"}
    cols = ["id serial PRIMARY KEY", "sfid varchar(18)", "systemmodstamp timestamp",
            "isdeleted boolean", "createddate timestamp", "_hc_lastop varchar(32)",
            "_hc_err text"]
    cols += ["%s %s" % (quote_ident(c), typ) for c, typ in columns if c not in system]
    return f"""
CREATE TABLE {s}.{t} (
    {(','+chr(10)+'    ').join(cols)});
CREATE UNIQUE INDEX {quote_ident('hcu_idx_%s_sfid' % table)} ON {s}.{t} (sfid);
CREATE INDEX {quote_ident('hc_idx_%s_systemmodstamp' % table)} ON {s}.{t} (systemmodstamp);
"""


def triggers_sql(schema, table, readonly=False):
    s, t = quote_ident(schema), quote_ident(table)
    status_fn = quote_ident("hc_%s_status" % table)
    logger_fn = quote_ident("hc_%s_logger" % table)
    state = "READONLY" if readonly else "NEW"
    return f"""
CREATE OR REPLACE FUNCTION {s}.{status_fn}() RETURNS trigger AS $$
BEGIN
  IF (public.get_xmlbinary() = 'base64') THEN  -- a user's write
    NEW._hc_lastop = 'PENDING';
    NEW._hc_err = NULL;
    RETURN NEW;
  END IF;
  -- the sync engine's write
  IF (TG_OP = 'UPDATE' AND NEW._hc_lastop IS NOT NULL
      AND NEW._hc_lastop IS DISTINCT FROM OLD._hc_lastop) THEN
    RETURN NEW;
  END IF;
  NEW._hc_lastop = 'SYNCED';
  NEW._hc_err = NULL;
  RETURN NEW;
END; $$ LANGUAGE plpgsql;
CREATE TRIGGER {quote_ident('hc_%s_status_trigger' % table)} BEFORE INSERT OR UPDATE ON {s}.{t}
    FOR EACH ROW EXECUTE PROCEDURE {s}.{status_fn}();

CREATE OR REPLACE FUNCTION {s}.{logger_fn}() RETURNS trigger AS $$
DECLARE
  trigger_row {s}._trigger_log;
  excluded_cols text[] = ARRAY['_hc_lastop', '_hc_err']::text[];
BEGIN
  trigger_row = ROW();
  trigger_row.id = nextval(pg_get_serial_sequence({sql_literal(quote_ident(schema) + '._trigger_log')}, 'id'));
  trigger_row.action = TG_OP::text;
  trigger_row.table_name = TG_TABLE_NAME::text;
  trigger_row.txid = txid_current();
  trigger_row.created_at = clock_timestamp();
  trigger_row.updated_at = trigger_row.created_at;
  trigger_row.state = '{state}';
  IF (TG_OP = 'DELETE') THEN
    trigger_row.record_id = OLD.id;
    trigger_row.old = hstore(OLD.*) - excluded_cols;
    IF (OLD.sfid IS NOT NULL) THEN
      trigger_row.sfid = OLD.sfid;
    ELSE
      trigger_row.state = 'IGNORE';
    END IF;
  ELSEIF (TG_OP = 'INSERT') THEN
    trigger_row.record_id = NEW.id;
    trigger_row.values = hstore(NEW.*) - excluded_cols;
  ELSEIF (TG_OP = 'UPDATE') THEN
    trigger_row.record_id = NEW.id;
    trigger_row.old = hstore(OLD.*) - excluded_cols;
    trigger_row.values = (hstore(NEW.*) - hstore(trigger_row.old)) - excluded_cols;
    IF (trigger_row.values::hstore = ''::hstore) THEN
      trigger_row.state = 'IGNORE';
    END IF;
    trigger_row.sfid = OLD.sfid;
  END IF;
  INSERT INTO {s}._trigger_log VALUES (trigger_row.*);
  RETURN NULL;
END; $$ LANGUAGE plpgsql;
CREATE TRIGGER {quote_ident('hc_%s_logtrigger' % table)} AFTER INSERT OR UPDATE OR DELETE ON {s}.{t}
    FOR EACH ROW WHEN (public.get_xmlbinary()::text = 'base64'::text)
    EXECUTE PROCEDURE {s}.{logger_fn}();
"""


def object_sql(schema, obj, readonly=False):
    table = obj["name"].lower()
    columns = [(column_name(f), pg_type(f)) for f in mapped_fields(obj)]
    return table_sql(schema, table, columns) + triggers_sql(schema, table, readonly)


def psql(url, sql, stdin=None, sync_session=False, bulk_load=False):
    """Runs SQL through psql; with sync_session the writes look like the sync engine's."""
    env = dict(os.environ)
    env["PGOPTIONS"] = "-c client_min_messages=warning"
    if sync_session:
        env["PGOPTIONS"] += " -c xmlbinary=hex"
    if bulk_load:
        # A bulk load of synced rows: the capture triggers have nothing to capture.
        env["PGOPTIONS"] += " -c session_replication_role=replica"
    args = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql]
    subprocess.run(args, check=True, input=stdin, env=env, stdout=subprocess.DEVNULL)


def _copy_value(value):
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    text = str(value)
    return (text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))


def copy_records(url, schema, obj, records):
    """Loads records (Salesforce field names -> values) as synced rows, with COPY."""
    fields = mapped_fields(obj)
    names = [f["name"] for f in fields]
    cols = ", ".join(quote_ident(column_name(f)) for f in fields) + ", _hc_lastop"
    buf = io.StringIO()
    for rec in records:
        buf.write("\t".join(_copy_value(rec.get(n)) for n in names))
        buf.write("\tSYNCED\n")
    table = "%s.%s" % (quote_ident(schema), quote_ident(obj["name"].lower()))
    psql(url, "COPY %s (%s) FROM STDIN" % (table, cols), stdin=buf.getvalue().encode(),
         sync_session=True, bulk_load=True)


# Salesforce field metadata, kept by forcefs (standalone mode) for validation (docs/contract.md §6).
# `forcefs init` creates and fills the same table; the mount reads it when present.
FORCEFS_FIELDS_DDL = """
CREATE TABLE IF NOT EXISTS {s}._forcefs_fields (
    object varchar(128) NOT NULL,          -- Salesforce object API name, e.g. Account
    field varchar(128) NOT NULL,           -- field API name, e.g. AnnualRevenue
    "column" varchar(128) NOT NULL,        -- column in the object's table, e.g. annualrevenue
    type varchar(40) NOT NULL,             -- Salesforce field type, e.g. currency
    length integer NOT NULL DEFAULT 0,
    precision integer NOT NULL DEFAULT 0,
    scale integer NOT NULL DEFAULT 0,
    nillable boolean NOT NULL,
    createable boolean NOT NULL,
    updateable boolean NOT NULL,
    defaulted_on_create boolean NOT NULL,
    calculated boolean NOT NULL,
    external_id boolean NOT NULL,
    picklist_values text[],                -- active values; NULL unless a picklist
    restricted boolean NOT NULL DEFAULT false,  -- restricted picklist
    PRIMARY KEY (object, field)
);
"""


def forcefs_fields_sql(schema, objects):
    """DDL plus one INSERT per mapped field of each described object."""
    s = quote_ident(schema)
    out = [FORCEFS_FIELDS_DDL.format(s=s)]
    for obj in objects:
        for f in mapped_fields(obj):
            picklist = None
            if f["type"] in ("picklist", "multipicklist", "combobox"):
                values = [p["value"] for p in f.get("picklistValues", []) if p.get("active", True)]
                picklist = "ARRAY[%s]::text[]" % ", ".join(sql_literal(v) for v in values) \
                    if values else "ARRAY[]::text[]"
            row = [sql_literal(obj["name"]), sql_literal(f["name"]), sql_literal(column_name(f)),
                   sql_literal(f["type"]), str(int(f.get("length") or 0)),
                   str(int(f.get("precision") or 0)), str(int(f.get("scale") or 0))]
            row += ["true" if f.get(k) else "false" for k in (
                "nillable", "createable", "updateable", "defaultedOnCreate", "calculated",
                "externalId")]
            row += [picklist or "NULL", "true" if f.get("restrictedPicklist") else "false"]
            out.append("INSERT INTO %s._forcefs_fields VALUES (%s) ON CONFLICT DO NOTHING;"
                       % (s, ", ".join(row)))
    return "\n".join(out)
