"""docs/contract.md §5 and §5.1: bad input gets a clear one-line error, changes nothing, and the mount
keeps working; faults never leave a record half-written."""
import errno
import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest

import forcefs_harness as ft

sys.path.insert(0, os.path.join(ft.REPO, "tools"))
import hcschema  # noqa: E402

REC = "003000000000001AAA.json"

COLUMNS = [
    ("lastname", "varchar(80) NOT NULL"), ("firstname", "varchar(40)"),
    ("email", "varchar(80)"), ("leadsource", "varchar(255)"),
    ("numberofvisits__c", "integer"), ("bignumber__c", "bigint"),
    ("score__c", "double precision"), ("birthdate", "date"),
    ("lastcontact__c", "timestamp"), ("donotcall", "boolean"), ("description", "text"),
]

FIELDS = [  # Salesforce metadata for _forcefs_fields: name, type, length, extra
    ("Id", "id", 18, {"nillable": False, "createable": False, "updateable": False}),
    ("LastName", "string", 80, {"nillable": False}),
    ("FirstName", "string", 40, {}),
    ("Email", "email", 80, {}),
    ("LeadSource", "picklist", 255, {"restrictedPicklist": True,
                                     "picklistValues": [{"value": v, "active": True}
                                                        for v in ("Web", "Phone", "Other")]}),
    ("NumberOfVisits__c", "int", 0, {}), ("BigNumber__c", "double", 0, {}),
    ("Score__c", "double", 0, {}), ("Birthdate", "date", 0, {}),
    ("LastContact__c", "datetime", 0, {}), ("DoNotCall", "boolean", 0, {"nillable": False,
                                                                          "defaultedOnCreate": True}),
    ("Description", "textarea", 32000, {}),
    ("SystemModstamp", "datetime", 0, {"createable": False, "updateable": False}),
]


@pytest.fixture
def strict(pg, schema_name, mounts):
    ft.create_schema(pg.url, schema_name, {"contact": COLUMNS})
    fields = []
    for name, ftype, length, extra in FIELDS:
        f = {"name": name, "type": ftype, "length": length, "nillable": True,
             "createable": True, "updateable": True, "defaultedOnCreate": False}
        f.update(extra)
        fields.append(f)
    hcschema.psql(pg.url, hcschema.forcefs_fields_sql(schema_name, [
        {"name": "Contact", "fields": fields}]))
    s = ft.quote_ident(schema_name)
    ft.psql(pg.url, f"""SET xmlbinary = 'hex';
        INSERT INTO {s}.contact (sfid, lastname, firstname, email, leadsource,
          numberofvisits__c, bignumber__c, score__c, birthdate, lastcontact__c, donotcall,
          systemmodstamp, isdeleted)
        VALUES ('003000000000001AAA', 'Doe', 'Jane', 'jane@example.com', 'Web', 3,
          9007199254740993, 0.5, '1990-01-02', '2023-10-01 12:34:56', false,
          '2023-10-01 12:34:56', false)""")
    m = mounts(pg.url, schema_name)

    class Ctx:
        pass
    c = Ctx()
    c.m, c.schema, c.url = m, schema_name, pg.url
    c.path = m.path("contact", REC)
    with open(c.path, "rb") as f:
        c.original = f.read()
    c.mark = ft.trigger_log_mark(pg.url, schema_name)
    return c


def edit(original, **changes):
    rec = json.loads(original)
    rec.update(changes)
    return (json.dumps(rec, indent=2, sort_keys=True) + "\n").encode()


def write_bytes(path, data):
    with open(path, "wb") as f:
        f.write(data)


def assert_refused(c, data, code, message_part):
    with pytest.raises(OSError) as e:
        write_bytes(c.path, data)
    assert e.value.errno == code, e.value
    assert ft.trigger_log_since(c.url, c.schema, c.mark) == []
    with open(c.path, "rb") as f:
        assert f.read() == c.original
    errors = open(c.m.path("contact", ".errors")).read()
    line = errors.strip().splitlines()
    assert len(line) == 1, errors
    name, source, message = line[0].split("\t")
    assert (name, source) == (REC, "forcefs")
    assert message_part in message, message
    assert os.getxattr(c.path, "user.forcefs.error").decode() == message
    assert f"{REC}: " in c.m.read_log()
    # The mount keeps working: a good write of the same record goes through.
    good = edit(c.original, firstname="Janet")
    write_bytes(c.path, good)
    assert ft.row(c.url, c.schema, "contact", "id > 0")["firstname"] == "Janet"
    assert open(c.m.path("contact", ".errors")).read() == ""
    return message


BAD = [
    ("invalid_json", lambda o: o[:-3], errno.EINVAL, "invalid JSON"),
    ("array", lambda o: b"[1, 2]\n", errno.EINVAL, "expected a JSON object, got an array"),
    ("scalar", lambda o: b"42\n", errno.EINVAL, "expected a JSON object"),
    ("duplicate_key", lambda o: o.replace(b'"firstname": "Jane"',
                                          b'"firstname": "Jane",\n  "firstname": "X"'),
     errno.EINVAL, 'duplicate key "firstname"'),
    ("unknown_field", lambda o: edit(o, nickname="JJ"), errno.EINVAL, 'unknown field "nickname"'),
    ("wrong_type", lambda o: edit(o, numberofvisits__c="lots"), errno.EINVAL,
     'field "numberofvisits__c"'),
    ("string_too_long", lambda o: edit(o, firstname="x" * 41), errno.EINVAL,
     'field "firstname"'),
    ("not_null", lambda o: edit(o, lastname=None), errno.EINVAL, 'field "lastname"'),
    ("integer_overflow", lambda o: edit(o, numberofvisits__c=3000000000), errno.EINVAL,
     "out of range"),
    ("malformed_date", lambda o: edit(o, birthdate="1990-02-30"), errno.EINVAL,
     'field "birthdate"'),
    ("malformed_timestamp", lambda o: edit(o, lastcontact__c="yesterday"), errno.EINVAL,
     'field "lastcontact__c"'),
    ("changing_sfid", lambda o: edit(o, sfid="003000000000009AAA"), errno.EINVAL,
     'field "sfid" is read-only'),
    ("changing_systemmodstamp", lambda o: edit(o, systemmodstamp="2030-01-01T00:00:00Z"),
     errno.EINVAL, 'field "systemmodstamp" is read-only'),
    ("restricted_picklist", lambda o: edit(o, leadsource="Carrier Pigeon"), errno.EINVAL,
     'field "leadsource"'),
    ("bad_email", lambda o: edit(o, email="not an email"), errno.EINVAL, 'field "email"'),
    ("nul_byte", lambda o: o.replace(b'"Jane"', b'"Ja\\u0000ne"'), errno.EINVAL, "NUL"),
    ("raw_nul_byte", lambda o: o.replace(b'"Jane"', b'"Ja\x00ne"'), errno.EINVAL, "NUL"),
    ("invalid_utf8", lambda o: o.replace(b'"Jane"', b'"Ja\xffne"'), errno.EINVAL, "UTF-8"),
    ("deep_nesting", lambda o: o.replace(b'"Jane"', b"[" * 100 + b"]" * 100), errno.EINVAL,
     "nesting"),
    ("object_value", lambda o: edit(o, firstname={"a": 1}), errno.EINVAL, 'field "firstname"'),
    ("sql_injection_field_name", lambda o: edit(o, **{'lastname" = \'x\'; DROP TABLE contact; --': 1}),
     errno.EINVAL, "unknown field"),
]


@pytest.mark.parametrize("name,make,code,message", BAD, ids=[b[0] for b in BAD])
def test_bad_content_is_refused_and_changes_nothing(strict, name, make, code, message):
    assert_refused(strict, make(strict.original), code, message)


def test_content_over_one_mebibyte_is_efbig(strict):
    big = edit(strict.original, description="x" * (1024 * 1024))
    with pytest.raises(OSError) as e:
        write_bytes(strict.path, big)
    assert e.value.errno == errno.EFBIG
    assert ft.trigger_log_since(strict.url, strict.schema, strict.mark) == []
    write_bytes(strict.path, edit(strict.original, firstname="Janet"))
    assert ft.row(strict.url, strict.schema, "contact", "id > 0")["firstname"] == "Janet"


def test_sql_injection_values_are_stored_as_text(strict):
    evil = "Robert'); DROP TABLE contact; --"
    write_bytes(strict.path, edit(strict.original, firstname=evil[:40]))
    r = ft.row(strict.url, strict.schema, "contact", "id > 0")
    assert r["firstname"] == evil[:40]


def test_int8_and_unicode_survive_a_round_trip(strict):
    data = edit(strict.original, firstname="Zoë 日本 \"q\" \\ \t")
    write_bytes(strict.path, data.replace(b'"bignumber__c": 9007199254740993',
                                          b'"bignumber__c": 9007199254740993'))
    r = ft.row(strict.url, strict.schema, "contact", "id > 0")
    assert r["firstname"] == "Zoë 日本 \"q\" \\ \t"
    assert r["bignumber__c"] == 9007199254740993
    assert b"9007199254740993" in open(strict.path, "rb").read()


def test_missing_required_field_on_insert(strict):
    with pytest.raises(OSError) as e:
        write_bytes(strict.m.path("contact", "new.json"), b'{"firstname": "NoLast"}')
    assert e.value.errno == errno.EINVAL
    assert ft.psql(strict.url, f"SELECT count(*) FROM {ft.quote_ident(strict.schema)}.contact") \
        == ["1"]
    assert 'new.json\tforcefs\tfield "lastname" is required' in \
        open(strict.m.path("contact", ".errors")).read()
    write_bytes(strict.m.path("contact", "new.json"), b'{"lastname": "Fixed"}')
    assert ft.psql(strict.url, f"SELECT count(*) FROM {ft.quote_ident(strict.schema)}.contact") \
        == ["2"]


def test_odd_file_names(strict):
    d = strict.m.path("contact")
    long_name = "n" * 250 + ".json"  # 255 bytes
    write_bytes(os.path.join(d, long_name), b'{"lastname": "Long"}')
    assert os.path.exists(os.path.join(d, long_name))
    with pytest.raises(OSError) as e:
        open(os.path.join(d, "n" * 251 + ".json"), "w")
    assert e.value.errno == errno.ENAMETOOLONG
    write_bytes(os.path.join(d, "new\nline.json"), b'{"lastname": "Newline"}')
    assert ft.psql(strict.url, f"SELECT lastname FROM {ft.quote_ident(strict.schema)}.contact "
                               "ORDER BY id") == ["Doe", "Long", "Newline"]
    with pytest.raises(OSError) as e:
        open(os.path.join(d, ".."), "w")
    assert e.value.errno in (errno.EISDIR, errno.EEXIST)


def test_write_while_database_is_down_is_eio_and_the_same_save_works_later(pg, strict):
    data = edit(strict.original, firstname="Later")
    pg.stop("fast")
    try:
        with pytest.raises(OSError) as e:
            write_bytes(strict.path, data)
        assert e.value.errno == errno.EIO
    finally:
        pg.start()

    def save():
        try:
            write_bytes(strict.path, data)
            return True
        except OSError:
            return False
    ft.wait_for(save, timeout=15, what="the save to work again")
    assert ft.row(strict.url, strict.schema, "contact", "id > 0")["firstname"] == "Later"


def test_sigkill_during_a_commit_leaves_the_row_old_or_new_never_mixed(pg, strict):
    s = ft.quote_ident(strict.schema)
    ft.psql(pg.url, f"""CREATE FUNCTION {s}.slow() RETURNS trigger AS $$
        BEGIN PERFORM pg_sleep(0.3); RETURN NEW; END; $$ LANGUAGE plpgsql;
        CREATE TRIGGER slow BEFORE UPDATE ON {s}.contact FOR EACH ROW EXECUTE PROCEDURE {s}.slow();""")
    data = edit(strict.original, firstname="Killed", lastname="Midway")
    m = strict.m
    writer = subprocess.Popen([sys.executable, "-c",
                               "import sys; open(sys.argv[1], 'wb').write(sys.stdin.buffer.read())",
                               strict.path], stdin=subprocess.PIPE, stderr=subprocess.DEVNULL)
    writer.stdin.write(data)
    writer.stdin.close()
    # The UPDATE takes 0.3 s inside the transaction: kill the mount somewhere in it.
    time.sleep(random.Random(7).uniform(0.05, 0.25))
    m.proc.send_signal(signal.SIGKILL)
    m.proc.wait()
    writer.wait(timeout=10)
    m.kill()
    time.sleep(0.5)  # the server notices the dead connection and rolls back
    r = ft.row(pg.url, strict.schema, "contact", "id > 0")
    assert (r["firstname"], r["lastname"]) in (("Jane", "Doe"), ("Killed", "Midway"))
    log = ft.trigger_log_since(pg.url, strict.schema, strict.mark)
    assert len(log) <= 1
    if log:
        assert log[0][4] == {"firstname": "Killed", "lastname": "Midway"}
