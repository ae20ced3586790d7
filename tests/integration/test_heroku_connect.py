"""docs/contract.md §6 / issue 3 item 6: on a database whose capture triggers Heroku Connect
installed, forcefs's writes are captured exactly as a Rails app's writes are, and a
read-only mapping refuses writes. Also: two mounts of one database see each other."""
import json
import os

import forcefs_harness as ft

ACME = "001000000000001AAA.json"


def heroku_connect_schema(pg, schema):
    """What a Heroku Connect add-on leaves: its system tables (with _hcmeta), its
    triggers, no forcefs metadata."""
    ft.create_schema(pg.url, schema, {
        "account": [("name", "varchar(255)"), ("industry", "varchar(255)")],
        "lead": [("lastname", "varchar(80)")]}, readonly_tables=("lead",))
    s = ft.quote_ident(schema)
    ft.psql(pg.url, f"""
        CREATE TABLE {s}._hcmeta (id serial PRIMARY KEY, hcver integer, org_id varchar(50),
                                  details text);
        INSERT INTO {s}._hcmeta (hcver, org_id) VALUES (3, '00D000000000001AAA');
        SET xmlbinary = 'hex';
        INSERT INTO {s}.account (sfid, name, industry, systemmodstamp, isdeleted)
        VALUES ('001000000000001AAA', 'Acme', 'Energy', '2023-10-01 12:34:56', false),
               ('001000000000002AAA', 'Globex', 'Energy', '2023-10-01 12:34:56', false);
        INSERT INTO {s}.lead (sfid, lastname) VALUES ('00Q000000000001AAA', 'Lee');""")


def test_forcefs_write_is_captured_like_a_rails_write(pg, schema_name, mounts):
    heroku_connect_schema(pg, schema_name)
    s = ft.quote_ident(schema_name)
    m = mounts(pg.url, schema_name)
    # forcefs changes Acme's industry through the mount...
    p = m.path("account", ACME)
    with open(p) as f:
        text = f.read()
    mark = ft.trigger_log_mark(pg.url, schema_name)
    with open(p, "w") as f:
        f.write(text.replace('"industry": "Energy"', '"industry": "Water"'))
    ours = ft.trigger_log_since(pg.url, schema_name, mark)
    # ...and a Rails app (a plain user session) changes Globex's the same way.
    mark = ft.trigger_log_mark(pg.url, schema_name)
    ft.psql(pg.url, f"UPDATE {s}.account SET industry = 'Water' WHERE sfid = '001000000000002AAA'")
    rails = ft.trigger_log_since(pg.url, schema_name, mark)
    assert [(a, t, st, v) for a, t, _, st, v in ours] == \
        [(a, t, st, v) for a, t, _, st, v in rails] == \
        [("UPDATE", "account", "NEW", {"industry": "Water"})]
    for sfid in ("001000000000001AAA", "001000000000002AAA"):
        assert ft.row(pg.url, schema_name, "account", f"sfid = '{sfid}'")["_hc_lastop"] == "PENDING"


def test_insert_through_the_mount_is_logged_like_a_rails_insert(pg, schema_name, mounts):
    heroku_connect_schema(pg, schema_name)
    m = mounts(pg.url, schema_name)
    mark = ft.trigger_log_mark(pg.url, schema_name)
    with open(m.path("account", "new.json"), "w") as f:
        json.dump({"name": "Initech", "industry": "Software"}, f)
    log = ft.trigger_log_since(pg.url, schema_name, mark)
    assert len(log) == 1
    action, table, record_id, state, values = log[0]
    assert (action, table, state) == ("INSERT", "account", "NEW")
    assert values["name"] == "Initech" and values["sfid"] is None
    assert values["id"] == str(record_id)


def test_read_only_mapping_is_0444_and_refuses_writes(pg, schema_name, mounts):
    heroku_connect_schema(pg, schema_name)
    m = mounts(pg.url, schema_name)
    p = m.path("lead", "00Q000000000001AAA.json")
    assert os.stat(p).st_mode & 0o777 == 0o444
    try:
        open(p, "w")
        raise AssertionError("a read-only mapping accepted a write")
    except OSError as e:
        assert e.errno == 30  # EROFS


def test_a_write_through_one_mount_shows_in_another_within_a_second(pg, sample, mounts):
    a = mounts(pg.url, sample, name="a")
    b = mounts(pg.url, sample, name="b")
    pb = b.path("account", ACME)
    with open(pb) as f:
        assert json.load(f)["name"] == "Acme"
    pa = a.path("account", ACME)
    with open(pa) as f:
        text = f.read()
    with open(pa, "w") as f:
        f.write(text.replace('"name": "Acme"', '"name": "Acme From A"'))

    def seen():
        with open(pb) as f:
            return json.load(f)["name"] == "Acme From A"
    ft.wait_for(seen, timeout=1.0, what="mount b to see mount a's write")
