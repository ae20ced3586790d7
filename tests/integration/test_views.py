"""The read-only views (docs/views.md) against SQL ground truth: .by (values and
relationships), .history and .changes."""
import errno
import hashlib
import json
import os
import time

import pytest

import forcefs_test as ft

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
