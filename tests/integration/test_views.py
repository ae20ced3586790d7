"""The read-only views (docs/views.md) against SQL ground truth: .by (values and
relationships), .history and .changes."""
import errno
import hashlib
import json
import os
import time

import pytest

import forcefs_harness as ft

N_ACCOUNTS = 3000
N_CONTACTS = 5000
LONG = "long " * 70  # 350 bytes: named with a hash
INDUSTRIES = ["Energy", "Retail Banking", "Café ☕ 東京", "a/b", "/", ".", "..", ".hidden",
              "100%", "", None, LONG, "line\nbreak", "%41"]


def sql_literal(v):
    return "NULL" if v is None else "'" + v.replace("'", "''") + "'"


def encode(v):
    """docs/views.md, "Naming values", for strings."""
    if v is None:
        return "%null"
    if v == "":
        return "%empty"
    out = []
    for i, ch in enumerate(v):
        o = ord(ch)
        if ch in "%/" or o < 0x20 or o == 0x7f or (i == 0 and ch == "."):
            out.append("%%%02X" % o)
        else:
            out.append(ch)
    name = "".join(out)
    if len(name.encode()) > 200:
        return None  # shortened: checked by shortened()
    return name


def shortened(name, v):
    return (len(name.encode()) <= 200 and name.endswith("%~" + hashlib.md5(v.encode()).hexdigest()[:16])
            and v.startswith(name[:name.index("%~")]))


def q(url, sql):
    """One JSON value computed by SQL."""
    return json.loads(ft.psql(url, sql)[0])


@pytest.fixture
def big(pg, schema_name):
    ft.create_schema(pg.url, schema_name, {
        "account": [("name", "varchar(255)"), ("industry", "varchar(400)"),
                    ("numberofemployees", "integer"), ("active__c", "boolean"),
                    ("annualrevenue", "double precision"), ("lastmodifieddate", "timestamp")],
        "contact": [("lastname", "varchar(80)"), ("accountid", "varchar(18)")]})
    s = ft.quote_ident(schema_name)
    industries = "ARRAY[" + ", ".join(sql_literal(v) for v in INDUSTRIES) + "]::text[]"
    ft.psql(pg.url, f"""
        SET xmlbinary = 'hex';
        INSERT INTO {s}.account (sfid, name, industry, numberofemployees, active__c,
            annualrevenue, lastmodifieddate, systemmodstamp, isdeleted)
        SELECT '001' || lpad(i::text, 12, '0') || 'AAA', 'Account ' || i,
               ({industries})[1 + i % {len(INDUSTRIES)}], i % 7, i % 2 = 0,
               CASE WHEN i % 3 = 0 THEN NULL ELSE (i % 5) * 1.5 END,
               '2024-01-01 00:00:00'::timestamp + (i % 4) * interval '1 day 0.12 seconds',
               '2024-01-01', false
        FROM generate_series(1, {N_ACCOUNTS}) i;
        UPDATE {s}.account SET isdeleted = true WHERE id % 500 = 0;
        INSERT INTO {s}.contact (sfid, lastname, accountid, systemmodstamp, isdeleted)
        SELECT '003' || lpad(i::text, 12, '0') || 'AAA', 'Contact ' || i,
               CASE WHEN i % 7 = 0 THEN NULL
                    ELSE '001' || lpad((1 + i % 40)::text, 12, '0') || 'AAA' END,
               '2024-01-01', false
        FROM generate_series(1, {N_CONTACTS}) i;
        INSERT INTO {s}.contact (lastname, accountid) VALUES ('Local', '001000000000001AAA');
    """)
    return schema_name


def names_where(url, schema, table, where):
    rows = q(url, f"""SELECT coalesce(json_agg(CASE WHEN sfid IS NULL THEN 'local-' || id || '.json'
                      ELSE sfid || '.json' END ORDER BY id), '[]')
                      FROM {ft.quote_ident(schema)}.{ft.quote_ident(table)}
                      WHERE isdeleted IS NOT TRUE AND {where}""")
    return sorted(rows)


def test_by_lists_objects_fields_and_distinct_values(pg, big, mounts):
    m = mounts(pg.url, big)
    assert "by" not in "".join(os.listdir(m.mountpoint))  # not listed in the root
    assert sorted(os.listdir(m.path(".by"))) == ["account", "contact"]
    assert sorted(os.listdir(m.path(".by", "account"))) == sorted(
        ["sfid", "systemmodstamp", "createddate", "name", "industry", "numberofemployees",
         "active__c", "annualrevenue", "lastmodifieddate"])
    truth = q(pg.url, f"SELECT json_agg(DISTINCT industry) FROM {ft.quote_ident(big)}.account "
                      "WHERE isdeleted IS NOT TRUE")
    listed = os.listdir(m.path(".by", "account", "industry"))
    expected = sorted(encode(v) for v in truth if v != LONG)
    assert sorted(n for n in listed if "%~" not in n) == expected
    long_names = [n for n in listed if "%~" in n]
    assert len(long_names) == 1 and shortened(long_names[0], LONG)
    for name in ("%null", "%empty", "%2F", "%2E", "%2E.", "%2Ehidden", "a%2Fb", "100%25",
                 "line%0Abreak", "%2541", "Café ☕ 東京"):
        assert name in listed
    assert sorted(os.listdir(m.path(".by", "account", "active__c"))) == ["false", "true"]
    assert sorted(os.listdir(m.path(".by", "account", "numberofemployees"))) == \
        [str(i) for i in range(7)]
    assert sorted(os.listdir(m.path(".by", "account", "annualrevenue"))) == \
        ["%null", "0", "1.5", "3", "4.5", "6"]
    assert sorted(os.listdir(m.path(".by", "account", "lastmodifieddate"))) == \
        ["2024-01-01T00:00:00Z", "2024-01-02T00:00:00.120Z", "2024-01-03T00:00:00.240Z",
         "2024-01-04T00:00:00.360Z"]


def test_each_value_lists_exactly_the_matching_records(pg, big, mounts):
    m = mounts(pg.url, big)
    field = m.path(".by", "account", "industry")
    for name in os.listdir(field):
        value = next(v for v in INDUSTRIES if encode(v) == name or
                     (v == LONG and "%~" in name))
        where = "industry IS NULL" if value is None else f"industry = {sql_literal(value)}"
        assert sorted(os.listdir(os.path.join(field, name))) == \
            names_where(pg.url, big, "account", where), name
    for name, where in (("3", "numberofemployees = 3"), ("true", "active__c"),
                        ("%null", "annualrevenue IS NULL"), ("4.5", "annualrevenue = 4.5"),
                        ("2024-01-02T00:00:00.120Z",
                         "lastmodifieddate = '2024-01-02 00:00:00.12'")):
        col = where.split()[0]
        assert sorted(os.listdir(m.path(".by", "account", col, name))) == \
            names_where(pg.url, big, "account", where), name


def test_relationship_view_lists_an_accounts_contacts_and_links_resolve(pg, big, mounts):
    m = mounts(pg.url, big)
    sfid = "001000000000001AAA"
    d = m.path(".by", "contact", "accountid", sfid)
    names = sorted(os.listdir(d))
    assert names == names_where(pg.url, big, "contact", f"accountid = '{sfid}'")
    assert any(n.startswith("local-") for n in names) and len(names) > 100
    for name in names[:20] + names[-3:]:
        link = os.path.join(d, name)
        assert os.readlink(link) == "../../../../contact/" + name
        with open(link, "rb") as f, open(m.path("contact", name), "rb") as g:
            assert f.read() == g.read()
        assert json.load(open(link))["accountid"] == sfid
    assert os.lstat(os.path.join(d, names[0])).st_size == len("../../../../contact/" + names[0])
    # Every account with contacts has its directory; one without has none.
    assert len(os.listdir(m.path(".by", "contact", "accountid"))) == 41  # 40 + %null
    assert not os.path.exists(m.path(".by", "contact", "accountid", "001000000000999AAA"))


def test_names_no_value_has_are_not_found(pg, big, mounts):
    m = mounts(pg.url, big)
    base = m.path(".by", "account")
    for path in (("industry", "%45nergy"),      # not the canonical name of "Energy"
                 ("industry", "%2f"),           # lower-case escape
                 ("industry", "%"), ("industry", "Nope"),
                 ("numberofemployees", "abc"),  # not an integer at all
                 ("numberofemployees", "03"),   # 3 is named "3"
                 ("numberofemployees", "99"),
                 ("nosuchfield",), ("industry", "Energy", "001000000000002AAA.json"),
                 ("industry", "Energy", "whatever.txt")):
        assert not os.path.exists(os.path.join(base, *path)), path
    assert not os.path.exists(m.path(".by", "nosuchobject"))
    # deleted rows are in no view
    assert not os.path.exists(m.path(".by", "account", "name", "Account 500"))
    assert os.path.isdir(m.path(".by", "account", "name", "Account 501"))


def test_a_field_with_more_values_than_the_limit_lists_none_but_each_is_reachable(pg, big, mounts):
    s = ft.quote_ident(big)
    ft.psql(pg.url, f"SET xmlbinary = 'hex'; INSERT INTO {s}.contact (sfid, lastname) "
                    "SELECT '003' || lpad(i::text, 12, '0') || 'BBB', 'Many ' || i "
                    "FROM generate_series(1, 10500) i")
    m = mounts(pg.url, big)
    assert os.listdir(m.path(".by", "contact", "lastname")) == []
    assert os.listdir(m.path(".by", "contact", "lastname", "Many 10321")) == \
        ["003000000010321BBB.json"]
    assert len(os.listdir(m.path(".by", "contact", "accountid"))) == 41


def test_views_follow_changes_within_a_second(pg, big, mounts):
    m = mounts(pg.url, big)
    s = ft.quote_ident(big)
    d = m.path(".by", "account", "industry", "Fresh Value")
    assert not os.path.exists(d)
    ft.psql(pg.url, f"UPDATE {s}.account SET industry = 'Fresh Value' WHERE id IN (7, 8)")
    start = time.monotonic()
    ft.wait_for(lambda: os.path.isdir(d) and len(os.listdir(d)) == 2, timeout=5,
                what="the new value")
    assert time.monotonic() - start < 1.0
    assert sorted(os.listdir(d)) == names_where(pg.url, big, "account", "id IN (7, 8)")
    ft.psql(pg.url, f"UPDATE {s}.account SET industry = 'Other' WHERE id = 7")
    start = time.monotonic()
    ft.wait_for(lambda: len(os.listdir(d)) == 1, timeout=5, what="the record leaving")
    assert time.monotonic() - start < 1.0


def test_views_refuse_writes_with_erofs(pg, big, mounts):
    m = mounts(pg.url, big)
    d = m.path(".by", "contact", "accountid", "001000000000001AAA")
    link = os.path.join(d, os.listdir(d)[0])
    attempts = [
        lambda: open(os.path.join(d, "new.json"), "w"),
        lambda: os.mkdir(os.path.join(d, "sub")),
        lambda: os.mkdir(m.path(".by", "contact", "newfield")),
        lambda: os.unlink(link),
        lambda: os.rmdir(d),
        lambda: os.rename(link, os.path.join(d, "x.json")),
        lambda: os.symlink("x", os.path.join(d, "y.json")),
        lambda: os.rename(m.path("contact", "003000000000001AAA.json"), os.path.join(d, "z")),
        lambda: os.chmod(d, 0o777),
    ]
    for attempt in attempts:
        with pytest.raises(OSError) as e:
            attempt()
        assert e.value.errno == errno.EROFS
    assert os.path.exists(m.path("contact", "003000000000001AAA.json"))


# --- .history -------------------------------------------------------------------------

ACME = "001000000000001AAA"


def init_history(url, schema):
    run = ft.run_forcefs("init", "--history", "--schema", schema, env={"DATABASE_URL": url})
    assert not ft.SANITIZER_ERRORS.search(run.stderr), run.stderr
    assert run.returncode == 0, run.stderr
    return run.stdout


def history_rows(url, schema, where="true"):
    return q(url, f"""SELECT coalesce(json_agg(json_build_object(
                          'id', id, 'table', table_name, 'record_id', record_id, 'sfid', sfid,
                          'action', action, 'source', source, 'fields', fields,
                          'at', to_char(changed_at AT TIME ZONE 'UTC',
                                        'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ORDER BY id), '[]')
                      FROM {ft.quote_ident(schema)}._forcefs_history WHERE {where}""")


def read(path):
    with open(path, "rb") as f:
        return f.read()


@pytest.fixture
def hc(pg, schema_name):
    """A schema as Heroku Connect makes it (with _hcmeta), then given history by
    `forcefs init --history`."""
    ft.create_schema(pg.url, schema_name, {
        "account": [("name", "varchar(255)"), ("industry", "varchar(255)"),
                    ("annualrevenue", "double precision")],
        "contact": [("lastname", "varchar(80)"), ("accountid", "varchar(18)")]})
    s = ft.quote_ident(schema_name)
    ft.psql(pg.url, f"""
        CREATE TABLE {s}._hcmeta (id serial PRIMARY KEY, hcver integer);
        SET xmlbinary = 'hex';
        INSERT INTO {s}.account (sfid, name, industry, annualrevenue, systemmodstamp, isdeleted)
        SELECT '001' || lpad(i::text, 12, '0') || 'AAA', 'Account ' || i, 'Energy', i * 1.5,
               '2024-01-01', false FROM generate_series(1, 2000) i;
        INSERT INTO {s}.contact (sfid, lastname, accountid)
        VALUES ('003000000000001AAA', 'Doe', '{ACME}');""")
    return schema_name


def hc_catalog(url, schema):
    """Heroku Connect's functions and triggers, and its tables' rows."""
    s = ft.quote_ident(schema)
    return (ft.psql(url, f"SELECT p.proname, p.prosrc, p.xmin FROM pg_proc p WHERE "
                         f"p.pronamespace = '{s}'::regnamespace AND p.proname LIKE 'hc%' "
                         "OR p.proname LIKE 'tlog%' ORDER BY 1"),
            ft.psql(url, f"SELECT c.relname, t.tgname, t.xmin FROM pg_trigger t JOIN pg_class c "
                         f"ON c.oid = t.tgrelid WHERE c.relnamespace = '{s}'::regnamespace "
                         "AND t.tgname NOT LIKE '\\_forcefs\\_history%' ORDER BY 1, 2"),
            ft.psql(url, f"SELECT count(*) FROM {s}._trigger_log"),
            ft.psql(url, f"SELECT * FROM {s}._hcmeta"))


def test_init_history_upgrades_a_heroku_connect_schema_and_leaves_its_layout_alone(pg, hc):
    before = hc_catalog(pg.url, hc)
    out = init_history(pg.url, hc)
    assert out.splitlines() == ["account: history trigger created",
                                "contact: history trigger created",
                                f'schema "{hc}" keeps the history of its records in '
                                "_forcefs_history"]
    assert hc_catalog(pg.url, hc) == before
    assert sorted(ft.psql(pg.url, f"SELECT c.relname || ' ' || t.tgname FROM pg_trigger t JOIN "
                                  f"pg_class c ON c.oid = t.tgrelid WHERE t.tgname LIKE "
                                  f"'\\_forcefs\\_history%' AND "
                                  f"c.relnamespace = '{ft.quote_ident(hc)}'::regnamespace")) == \
        ["account _forcefs_history_delete", "account _forcefs_history_insert",
         "account _forcefs_history_update", "contact _forcefs_history_delete",
         "contact _forcefs_history_insert", "contact _forcefs_history_update"]
    state = ft.psql(pg.url, "SELECT p.xmin FROM pg_proc p WHERE proname = '_forcefs_history_log'"
                            f" AND pronamespace = '{ft.quote_ident(hc)}'::regnamespace")
    assert init_history(pg.url, hc).splitlines()[:2] == ["account: history already kept",
                                                         "contact: history already kept"]
    assert ft.psql(pg.url, "SELECT p.xmin FROM pg_proc p WHERE proname = '_forcefs_history_log'"
                           f" AND pronamespace = '{ft.quote_ident(hc)}'::regnamespace") == state
    run = ft.run_forcefs("init", "--history", "--objects", "Account", "--schema", hc,
                         env={"DATABASE_URL": pg.url})
    assert run.returncode == 2 and run.stderr.startswith("forcefs: init: --history only")
    assert "--history" in ft.run_forcefs("init", "--help").stdout
    run = ft.run_forcefs("init", "--history", "--schema", "nosuchschema",
                         env={"DATABASE_URL": pg.url})
    assert run.returncode == 1 and 'schema "nosuchschema" does not exist' in run.stderr
    # plain init still refuses the schema
    run = ft.run_forcefs("init", "--objects", "Account", "--schema", hc,
                         env={"DATABASE_URL": pg.url})
    assert run.returncode == 1 and "managed by Heroku Connect" in run.stderr


def test_history_of_edits_through_the_mount_psql_and_a_delete(pg, hc, mounts):
    init_history(pg.url, hc)
    s = ft.quote_ident(hc)
    m = mounts(pg.url, hc)
    assert sorted(os.listdir(m.path(".history"))) == ["account", "contact"]
    assert os.listdir(m.path(".history", "account")) == []
    p = m.path("account", ACME + ".json")
    v0 = read(p)
    with open(p, "w") as f:
        f.write(v0.decode().replace('"industry": "Energy"', '"industry": "Water"'))
    v1 = ft.wait_for(lambda: read(p) if b'"Water"' in read(p) else None, what="the edit")
    ft.psql(pg.url, f"UPDATE {s}.account SET name = 'Acme Renamed' WHERE sfid = '{ACME}'")
    d = m.path(".history", "account", ACME)
    truth = history_rows(pg.url, hc, f"sfid = '{ACME}'")
    assert [(r["action"], r["source"], r["fields"]) for r in truth] == [
        ("UPDATE", "mount", ["industry"]), ("UPDATE", "database", ["name"])]
    names = os.listdir(d)
    assert sorted(names) == [r["at"] + ".json" for r in truth]
    assert [read(os.path.join(d, n)) for n in sorted(names)] == [v0, v1]
    v2 = ft.wait_for(lambda: read(p) if b"Acme Renamed" in read(p) else None, what="rename")
    # a delete keeps the history, and the last version is the record as it was
    ft.psql(pg.url, f"DELETE FROM {s}.account WHERE sfid = '{ACME}'")
    ft.wait_for(lambda: not os.path.exists(p), what="the delete")
    truth = history_rows(pg.url, hc, f"sfid = '{ACME}'")
    assert truth[-1]["action"] == "DELETE" and truth[-1]["source"] == "database"
    names = sorted(os.listdir(d))
    assert names == [r["at"] + ".json" for r in truth]
    assert read(os.path.join(d, names[-1])) == v2
    assert os.listdir(m.path(".history", "account")) == [ACME]
    st = os.stat(os.path.join(d, names[0]))
    assert st.st_size == len(v0) and st.st_mode & 0o777 == 0o444
    for attempt in (lambda: open(os.path.join(d, names[0]), "w"),
                    lambda: open(os.path.join(d, "new.json"), "w"),
                    lambda: os.unlink(os.path.join(d, names[0])),
                    lambda: os.mkdir(os.path.join(d, "x"))):
        with pytest.raises(OSError) as e:
            attempt()
        assert e.value.errno == errno.EROFS
    assert not os.path.exists(os.path.join(d, "2000-01-01T00:00:00.000000Z.json"))
    assert not os.path.exists(m.path(".history", "account", "001000000000002AAA"))
    # a deleted record is re-created by copying its last version back
    import shutil
    shutil.copyfile(os.path.join(d, names[-1]), m.path("account", "restored.json"))
    assert ft.psql(pg.url, f"SELECT name, industry FROM {s}.account WHERE sfid IS NULL") == \
        ["Acme Renamed|Water"]


def test_history_records_what_matters_once_per_transaction(pg, hc, mounts):
    init_history(pg.url, hc)
    s = ft.quote_ident(hc)
    sfid = "001000000000002AAA"
    # the sync engine's session: a marker write settled in the same transaction
    ft.psql(pg.url, f"""SET xmlbinary = 'hex'; BEGIN;
        UPDATE {s}.account SET name = 'Marker~' WHERE sfid = '{sfid}';
        UPDATE {s}.account SET name = 'Pulled', industry = 'Oil' WHERE sfid = '{sfid}';
        COMMIT;""")
    # a write that changes only the bookkeeping columns is not a version
    ft.psql(pg.url, f"SET xmlbinary = 'hex'; UPDATE {s}.account SET _hc_lastop = 'SYNCED' "
                    f"WHERE sfid = '{sfid}'")
    # a writer whose session would print doubles short
    ft.psql(pg.url, f"SET extra_float_digits = 0; UPDATE {s}.account SET "
                    f"annualrevenue = 0.1::float8 + 0.2::float8 WHERE sfid = '{sfid}'")
    m = mounts(pg.url, hc)
    expected = read(m.path("account", sfid + ".json"))
    ft.psql(pg.url, f"UPDATE {s}.account SET name = 'Later' WHERE sfid = '{sfid}'")
    truth = history_rows(pg.url, hc, f"sfid = '{sfid}'")
    assert [(r["source"], r["fields"]) for r in truth] == [
        ("salesforce", ["industry", "name"]), ("database", ["annualrevenue"]),
        ("database", ["name"])]
    d = m.path(".history", "account", sfid)
    versions = [read(os.path.join(d, n)) for n in sorted(os.listdir(d))]
    assert b"Marker~" not in b"".join(versions)
    assert json.loads(versions[0])["name"] == "Account 2"
    assert versions[2] == expected and b"0.30000000000000004" in expected
    # an INSERT is no earlier version
    ft.psql(pg.url, f"INSERT INTO {s}.contact (lastname) VALUES ('New')")
    assert os.listdir(m.path(".history", "contact")) == []


def test_views_are_absent_without_history(pg, big, mounts):
    m = mounts(pg.url, big)
    assert os.path.isdir(m.path(".by"))
    assert not os.path.exists(m.path(".history"))
    assert not os.path.exists(m.path(".changes"))


def test_init_keeps_history_sync_writes_are_salesforce_and_old_history_is_pruned(
        pg, schema_name, mounts):
    from sync_harness import Org, run_sync, synced_schema
    org = Org()
    try:
        synced_schema(org, pg.url, schema_name)  # forcefs init, then sync --once
        s = ft.quote_ident(schema_name)
        # the initial load is a first copy, not changes: nothing recorded
        assert ft.psql(pg.url, f"SELECT count(*) FROM {s}._forcefs_history") == ["0"]
        assert int(ft.psql(pg.url, f"SELECT count(*) FROM {s}.account")[0]) > 0
        ft.psql(pg.url, f"SET xmlbinary = 'hex'; INSERT INTO {s}.account (sfid, name) "
                        "VALUES ('001000000000777AAA', 'Pulled later')")
        assert ft.psql(pg.url, f"SELECT action, source FROM {s}._forcefs_history") == \
            ["INSERT|salesforce"]
        sfid = ft.psql(pg.url, f"SELECT sfid FROM {s}.account WHERE sfid IS NOT NULL "
                               "ORDER BY id LIMIT 1")[0]
        # versions of the other records, to be aged below
        ft.psql(pg.url, f"SET xmlbinary = 'hex'; UPDATE {s}.account SET name = name || '!' "
                        f"WHERE sfid <> '{sfid}'")
        m = mounts(pg.url, schema_name)
        before = read(m.path("account", sfid + ".json"))
        org.edit("Account", sfid, Name="Changed In Salesforce")
        run_sync(org, pg.url, schema_name)
        truth = history_rows(pg.url, schema_name, f"sfid = '{sfid}' AND old IS NOT NULL")
        assert [(r["source"], "name" in r["fields"]) for r in truth] == [("salesforce", True)]
        d = m.path(".history", "account", sfid)
        assert os.listdir(d) == [truth[0]["at"] + ".json"]
        assert read(os.path.join(d, os.listdir(d)[0])) == before
        # age everything but the last change: 40 and 20 days old
        ft.psql(pg.url, f"UPDATE {s}._forcefs_history SET changed_at = now() - interval "
                        f"'40 days' WHERE id < {truth[0]['id']} AND id % 2 = 0;"
                        f"UPDATE {s}._forcefs_history SET changed_at = now() - interval "
                        f"'20 days' WHERE id < {truth[0]['id']} AND id % 2 = 1")
        total = int(ft.psql(pg.url, f"SELECT count(*) FROM {s}._forcefs_history")[0])
        old40 = int(ft.psql(pg.url, f"SELECT count(*) FROM {s}._forcefs_history WHERE "
                                    "changed_at < now() - interval '30 days'")[0])
        log = run_sync(org, pg.url, schema_name)  # default: 30 days
        assert "pruned %d history rows older than 30 days" % old40 in log
        assert int(ft.psql(pg.url, f"SELECT count(*) FROM {s}._forcefs_history")[0]) == \
            total - old40
        old20 = int(ft.psql(pg.url, f"SELECT count(*) FROM {s}._forcefs_history WHERE "
                                    "changed_at < now() - interval '10 days'")[0])
        assert old20 > 0
        log = run_sync(org, pg.url, schema_name, "--history-days", "10")
        assert "pruned %d history rows older than 10 days" % old20 in log
        assert ft.psql(pg.url, f"SELECT count(*) FROM {s}._forcefs_history WHERE "
                               "changed_at < now() - interval '10 days'") == ["0"]
        assert str(truth[0]["id"]) in ft.psql(pg.url, f"SELECT id FROM {s}._forcefs_history")
        assert os.listdir(d) == [truth[0]["at"] + ".json"]
        run = ft.run_forcefs("sync", "--once", "--history-days", "0", env={"DATABASE_URL": pg.url})
        assert run.returncode == 2 and "--history-days takes a whole number" in run.stderr
    finally:
        org.stop()


# --- .changes -------------------------------------------------------------------------

def expected_lines(url, schema, after_id):
    return [{"time": r["at"], "object": r["table"],
             "record": r["sfid"] or "local-%d" % r["record_id"], "sfid": r["sfid"],
             "id": r["record_id"], "action": r["action"].lower(), "fields": r["fields"],
             "who": r["source"]}
            for r in history_rows(url, schema, f"id > {after_id}")]


class Reader:
    """Reads a file the way `tail -f` does: read to EOF, wait, read again."""

    def __init__(self, path):
        self.f = open(path, "rb")
        self.buf = b""

    def lines(self):
        while True:
            chunk = self.f.read(65536)
            if not chunk:
                break
            self.buf += chunk
        return [json.loads(line) for line in self.buf.decode().splitlines()]


def test_changes_feed_every_reader_the_same_lines_from_the_end(pg, hc, mounts):
    import select
    import subprocess
    init_history(pg.url, hc)
    s = ft.quote_ident(hc)
    m = mounts(pg.url, hc)
    feed = m.path(".changes")
    st = os.stat(feed)
    assert st.st_mode & 0o777 == 0o444 and st.st_size == 0
    ft.psql(pg.url, f"UPDATE {s}.account SET name = 'Before' WHERE id = 3")
    ft.wait_for(lambda: os.stat(feed).st_size > 0, what="the first line")
    with open(feed, "rb") as f:  # opened fresh: starts at the current end
        assert f.read() == b""
    mark = int(ft.psql(pg.url, f"SELECT max(id) FROM {s}._forcefs_history")[0])
    a, b = Reader(feed), Reader(feed)
    tail = subprocess.Popen(["tail", "-f", feed], stdout=subprocess.PIPE)
    try:
        time.sleep(0.3)  # tail has read to the end
        ft.psql(pg.url, f"UPDATE {s}.account SET industry = 'Water' WHERE sfid = '{ACME}'")
        start = time.monotonic()
        ft.wait_for(lambda: len(a.lines()) == 1, timeout=5, what="the line")
        assert time.monotonic() - start < 1.0
        p = m.path("account", "001000000000002AAA.json")
        text = read(p).decode()
        with open(p, "w") as f:
            f.write(text.replace('"name": "Account 2"', '"name": "Edited"'))
        ft.psql(pg.url, f"SET xmlbinary = 'hex'; UPDATE {s}.account SET industry = 'Gas', "
                        f"systemmodstamp = now() WHERE id = 4")
        ft.psql(pg.url, f"INSERT INTO {s}.contact (lastname) VALUES ('Local \"quoted\" ☕')")
        ft.psql(pg.url, f"DELETE FROM {s}.account WHERE id = 5")
        want = expected_lines(pg.url, hc, mark)
        assert [(w["who"], w["action"], w["object"]) for w in want] == [
            ("database", "update", "account"), ("mount", "update", "account"),
            ("salesforce", "update", "account"), ("database", "insert", "contact"),
            ("database", "delete", "account")]
        ft.wait_for(lambda: len(a.lines()) == len(want) and len(b.lines()) == len(want),
                    timeout=5, what="every line")
        assert a.lines() == b.lines() == want
        assert want[1]["fields"] == ["name"] and want[2]["fields"] == ["industry",
                                                                       "systemmodstamp"]
        assert want[3]["record"].startswith("local-") and want[3]["sfid"] is None
        out = b""
        deadline = time.monotonic() + 5
        while out.count(b"\n") < len(want) and time.monotonic() < deadline:
            if select.select([tail.stdout], [], [], 0.2)[0]:
                out += os.read(tail.stdout.fileno(), 65536)
        assert [json.loads(line) for line in out.decode().splitlines()] == want
        # a reader opened now starts after all of them
        c = Reader(feed)
        assert c.lines() == []
        c.f.close()
        assert os.stat(feed).st_size >= len(b"".join(json.dumps(w).encode() for w in want))
    finally:
        tail.terminate()
        tail.wait()
        a.f.close()
        b.f.close()
    for attempt in (lambda: open(feed, "w"), lambda: open(feed, "a"), lambda: os.unlink(feed),
                    lambda: os.truncate(feed, 0)):
        with pytest.raises(OSError) as e:
            attempt()
        assert e.value.errno in (errno.EROFS, errno.EPERM, errno.EACCES), e.value
