"""docs/contract.md §3 and §4 through a real mount: the tree, stat, .errors, xattrs, options."""
import calendar
import errno
import json
import os
import signal
import stat
import subprocess
import time

import pytest

import forcefs_harness as ft

ACME = "001000000000001AAA.json"
GLOBEX = "001000000000002AAA.json"


def ts(text):
    return calendar.timegm(time.strptime(text, "%Y-%m-%d %H:%M:%S"))


def test_objects_are_directories_and_system_tables_are_hidden(pg, sample, mounts):
    s = ft.quote_ident(sample)
    ft.psql(pg.url, f"CREATE TABLE {s}._private (id serial, sfid varchar(18));"
                    f"CREATE TABLE {s}.no_sfid (id serial, name text);")
    m = mounts(pg.url, sample)
    assert sorted(os.listdir(m.mountpoint)) == ["account", "contact"]
    st = os.stat(m.path("account"))
    assert stat.S_ISDIR(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o755
    assert st.st_uid == os.getuid()


def test_records_are_named_by_sfid_and_deleted_rows_are_hidden(pg, sample, mounts):
    m = mounts(pg.url, sample)
    local_id = ft.psql(pg.url, f"SELECT id FROM {ft.quote_ident(sample)}.account "
                               "WHERE sfid IS NULL")[0]
    names = sorted(os.listdir(m.path("account")))
    assert names == sorted([".errors", ACME, GLOBEX, "local-%s.json" % local_id])
    assert "001000000000003AAA.json" not in names
    with pytest.raises(FileNotFoundError):
        os.stat(m.path("account", "001000000000003AAA.json"))


def test_record_file_is_jq_sorted_json(pg, sample, mounts):
    m = mounts(pg.url, sample)
    with open(m.path("account", ACME), "rb") as f:
        data = f.read()
    assert data == (
        b'{\n'
        b'  "active__c": true,\n'
        b'  "annualrevenue": 1500000.5,\n'
        b'  "createddate": "2023-01-01T00:00:00Z",\n'
        b'  "description": "First \\"quoted\\"",\n'
        b'  "industry": "Energy",\n'
        b'  "lastmodifieddate": null,\n'
        b'  "name": "Acme",\n'
        b'  "numberofemployees": 120,\n'
        b'  "sfid": "001000000000001AAA",\n'
        b'  "systemmodstamp": "2023-10-01T12:34:56Z"\n'
        b'}\n')
    jq = subprocess.run(["jq", "-S", "."], input=data, capture_output=True, check=True)
    assert jq.stdout == data


def test_size_is_exact_and_mtime_is_systemmodstamp(pg, sample, mounts):
    m = mounts(pg.url, sample)
    for name in (ACME, GLOBEX):
        st = os.stat(m.path("account", name))
        with open(m.path("account", name), "rb") as f:
            assert st.st_size == len(f.read())
        assert stat.S_IMODE(st.st_mode) == 0o644 and stat.S_ISREG(st.st_mode)
    assert os.stat(m.path("account", ACME)).st_mtime == ts("2023-10-01 12:34:56")
    assert os.stat(m.path("account", GLOBEX)).st_mtime_ns == \
        ts("2024-02-03 04:05:06") * 10**9 + 789 * 10**6


def test_listing_with_attributes_matches_stat(pg, sample, mounts):
    m = mounts(pg.url, sample)
    with os.scandir(m.path("account")) as it:
        for entry in it:
            assert entry.is_file()
            assert entry.stat().st_size == os.stat(entry.path).st_size
    out = subprocess.run(["ls", "-l", m.path("account")], capture_output=True, text=True,
                         check=True).stdout
    assert ACME in out


def test_inode_numbers_are_stable(pg, sample, mounts):
    m = mounts(pg.url, sample)
    first = os.stat(m.path("account", ACME)).st_ino
    listed = {e.name: e.inode() for e in os.scandir(m.path("account"))}
    assert listed[ACME] == first
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("2\n")  # forget dentries and inodes: the kernel must look up again
    assert os.stat(m.path("account", ACME)).st_ino == first
    assert os.stat(m.path("account", GLOBEX)).st_ino != first


def test_reading_twice_gives_identical_bytes(pg, sample, mounts):
    m = mounts(pg.url, sample)
    reads = []
    for _ in range(2):
        with open(m.path("account", GLOBEX), "rb") as f:
            reads.append(f.read())
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
    assert reads[0] == reads[1]


def test_local_record_without_sfid_shows_as_local_id(pg, sample, mounts):
    m = mounts(pg.url, sample)
    local_id = ft.psql(pg.url, f"SELECT id FROM {ft.quote_ident(sample)}.account "
                               "WHERE sfid IS NULL")[0]
    with open(m.path("account", "local-%s.json" % local_id)) as f:
        rec = json.load(f)
    assert rec["sfid"] is None and rec["name"] == "Not Synced Yet"


def test_hidden_columns_are_not_in_the_file(pg, sample, mounts):
    m = mounts(pg.url, sample)
    with open(m.path("account", ACME)) as f:
        rec = json.load(f)
    for hidden in ("id", "isdeleted", "_hc_lastop", "_hc_err"):
        assert hidden not in rec


def test_xattrs_show_state_id_and_no_error(pg, sample, mounts):
    m = mounts(pg.url, sample)
    p = m.path("account", ACME)
    row_id = ft.psql(pg.url, f"SELECT id FROM {ft.quote_ident(sample)}.account "
                             "WHERE sfid = '001000000000001AAA'")[0]
    assert os.getxattr(p, "user.forcefs.state") == b"SYNCED"
    assert os.getxattr(p, "user.forcefs.id") == row_id.encode()
    with pytest.raises(OSError) as e:
        os.getxattr(p, "user.forcefs.error")
    assert e.value.errno == errno.ENODATA
    assert sorted(os.listxattr(p)) == ["user.forcefs.id", "user.forcefs.state"]


def test_setting_or_removing_other_xattrs_is_not_supported(pg, sample, mounts):
    m = mounts(pg.url, sample)
    p = m.path("account", ACME)
    with pytest.raises(OSError) as e:
        os.setxattr(p, "user.other", b"x")
    assert e.value.errno == errno.ENOTSUP
    with pytest.raises(OSError) as e:
        os.removexattr(p, "user.other")
    assert e.value.errno == errno.ENOTSUP


def test_sync_failure_shows_in_errors_file_and_xattrs(pg, sample, mounts):
    s = ft.quote_ident(sample)
    ft.psql(pg.url, f"""SET xmlbinary = 'hex';
        UPDATE {s}.account SET _hc_lastop = 'FAILED',
          _hc_err = '{{"op":"UPDATE","src":"SFDC","msg":"Name: value too long"}}'
        WHERE sfid = '001000000000002AAA'""")
    m = mounts(pg.url, sample)
    with open(m.path("account", ".errors")) as f:
        text = f.read()
    assert text == GLOBEX + "\tsalesforce\tName: value too long\n"
    st = os.stat(m.path("account", ".errors"))
    assert st.st_size == len(text.encode()) and stat.S_IMODE(st.st_mode) == 0o444
    p = m.path("account", GLOBEX)
    assert os.getxattr(p, "user.forcefs.state") == b"FAILED"
    assert os.getxattr(p, "user.forcefs.error") == b"Name: value too long"


def test_errors_file_is_empty_without_errors(pg, sample, mounts):
    m = mounts(pg.url, sample)
    with open(m.path("contact", ".errors")) as f:
        assert f.read() == ""


def test_row_whose_sfid_is_not_a_file_name_is_skipped_and_reported(pg, sample, mounts):
    s = ft.quote_ident(sample)
    row = ft.psql(pg.url, f"SET xmlbinary = 'hex'; INSERT INTO {s}.contact "
                          "(sfid, lastname) VALUES ('a/b', 'Slash') RETURNING id")[0]
    m = mounts(pg.url, sample)
    assert sorted(os.listdir(m.path("contact"))) == [".errors", "003000000000001AAA.json"]
    with open(m.path("contact", ".errors")) as f:
        errors = f.read()
    assert errors == 'row-%s\tforcefs\tsfid "a/b" cannot be a file name; the record is ' \
                     'not shown\n' % row
    assert "cannot be a file name" in m.read_log()


def test_objects_option_shows_a_subset(pg, sample, mounts):
    m = mounts(pg.url, sample, options=["objects=contact"])
    assert os.listdir(m.mountpoint) == ["contact"]


def test_objects_option_accepts_several_names(pg, sample, mounts):
    m = mounts(pg.url, sample, options=["objects=contact,account", "ro"])
    assert sorted(os.listdir(m.mountpoint)) == ["account", "contact"]


def test_read_only_mount_shows_0444_and_refuses_writes(pg, sample, mounts):
    m = mounts(pg.url, sample, options=["ro"])
    p = m.path("account", ACME)
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o444
    with pytest.raises(OSError) as e:
        open(p, "w")
    assert e.value.errno == errno.EROFS


def test_heroku_connect_read_only_mapping_is_0444(pg, schema_name, mounts):
    ft.create_schema(pg.url, schema_name, {"lead": [("name", "varchar(80)")],
                                           "task": [("subject", "varchar(80)")]},
                     readonly_tables=("lead",))
    s = ft.quote_ident(schema_name)
    ft.psql(pg.url, f"SET xmlbinary='hex'; INSERT INTO {s}.lead (sfid, name) VALUES "
                    f"('00Q000000000001AAA', 'L'); INSERT INTO {s}.task (sfid, subject) "
                    "VALUES ('00T000000000001AAA', 'T')")
    m = mounts(pg.url, schema_name)
    assert stat.S_IMODE(os.stat(m.path("lead", "00Q000000000001AAA.json")).st_mode) == 0o444
    assert stat.S_IMODE(os.stat(m.path("task", "00T000000000001AAA.json")).st_mode) == 0o644


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_unmounts_cleanly(pg, sample, mounts, sig):
    m = mounts(pg.url, sample)
    assert os.listdir(m.path("account"))
    m.signal(sig)
    m.wait_exit(0)


def test_fusermount_unmount_ends_the_process(pg, sample, mounts):
    m = mounts(pg.url, sample)
    os.listdir(m.path("account"))
    log = m.unmount()
    assert "unmounting" in log


def test_odd_column_types_render_and_mount_keeps_working(pg, schema_name, mounts):
    ft.create_schema(pg.url, schema_name, {"odd": [
        ("u", "uuid"), ("j", "jsonb"), ("arr", "integer[]"), ("iv", "interval"),
        ("n", "numeric(12,4)"), ("b", "bytea"), ("tz", "timestamptz"), ("t", "time"),
        ("d", "date"), ("f4", "real"), ("f8", "double precision"), ("i2", "smallint"),
        ("i8", "bigint"), ("ch", "char(3)"), ("inet", "inet"), ("money", "money")]})
    s = ft.quote_ident(schema_name)
    ft.psql(pg.url, f"""SET xmlbinary = 'hex'; INSERT INTO {s}.odd (sfid, u, j, arr, iv, n, b,
        tz, t, d, f4, f8, i2, i8, ch, inet, money) VALUES ('a01000000000001AAA',
        '6ba7b810-9dad-11d1-80b4-00c04fd430c8', '{{"k": [1, 2]}}', '{{1,2,3}}', '1 day 02:03:04',
        12.5000, '\\x00ff', '2023-10-01 14:34:56.5+02', '12:34:56', '2023-10-01', 0.1, 'NaN',
        -32768, 9223372036854775807, 'ab', '10.0.0.1/32', 12.34)""")
    m = mounts(pg.url, schema_name)
    with open(m.path("odd", "a01000000000001AAA.json"), "rb") as f:
        data = f.read()
    rec = json.loads(data)
    assert rec["u"] == "6ba7b810-9dad-11d1-80b4-00c04fd430c8"
    assert rec["j"] == '{"k": [1, 2]}'
    assert rec["arr"] == "{1,2,3}"
    assert rec["n"] == 12.5 and b'"n": 12.5,' in data
    assert rec["b"] == "\\x00ff"
    assert rec["tz"] == "2023-10-01T12:34:56.500Z"
    assert rec["t"] == "12:34:56" and rec["d"] == "2023-10-01"
    assert rec["f4"] == 0.1 and rec["f8"] == "NaN"
    assert rec["i2"] == -32768 and b'"i8": 9223372036854775807' in data
    assert rec["ch"] == "ab " and rec["inet"] == "10.0.0.1"  # Postgres prints /32 hosts bare
    assert isinstance(rec["money"], str)
    assert os.stat(m.path("odd", "a01000000000001AAA.json")).st_size == len(data)
    jq = subprocess.run(["jq", "-S", "."], input=data, capture_output=True, check=True)
    from_jq = json.loads(jq.stdout)
    del from_jq["i8"], rec["i8"]  # jq 1.6 reads numbers as doubles: 2^63-1 does not survive
    assert from_jq == rec
