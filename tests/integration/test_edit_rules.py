"""docs/contract.md §5: inserts, deletes, merges and conflicts, renames, scratch files."""
import errno
import json
import os
import subprocess

import pytest

import forcefs_harness as ft

ACME = "001000000000001AAA.json"
GLOBEX = "001000000000002AAA.json"


read = ft.read_text
write = ft.write_text


def expect_errno(code, fn, *args):
    with pytest.raises(OSError) as e:
        fn(*args)
    assert e.value.errno == code, e.value
    return e.value


def test_insert_by_cp_creates_a_local_record_and_the_name_keeps_resolving(pg, sample, mounts,
                                                                           workdir):
    m = mounts(pg.url, sample)
    src = os.path.join(workdir, "new-contact.json")
    write(src, json.dumps({"lastname": "Newman"}))
    mark = ft.trigger_log_mark(pg.url, sample)
    subprocess.run(["cp", src, m.path("contact", "new.json")], check=True)
    r = ft.row(pg.url, sample, "contact", "lastname = 'Newman'")
    assert r["sfid"] is None and r["_hc_lastop"] == "PENDING"
    log = ft.trigger_log_since(pg.url, sample, mark)
    assert [(a, t, rid) for a, t, rid, _, _ in log] == [("INSERT", "contact", r["id"])]
    local = "local-%d.json" % r["id"]
    names = os.listdir(m.path("contact"))
    assert local in names and "new.json" not in names
    assert json.loads(read(m.path("contact", "new.json")))["lastname"] == "Newman"
    assert read(m.path("contact", "new.json")) == read(m.path("contact", local))
    assert os.stat(m.path("contact", "new.json")).st_ino == os.stat(m.path("contact", local)).st_ino


def test_cp_of_an_existing_record_to_a_new_name_inserts_a_copy(pg, sample, mounts):
    m = mounts(pg.url, sample)
    subprocess.run(["cp", m.path("account", ACME), m.path("account", "copy.json")], check=True)
    rows = ft.psql(pg.url, f"SELECT count(*) FROM {ft.quote_ident(sample)}.account "
                           "WHERE name = 'Acme'")
    assert rows == ["2"]
    copy = json.loads(read(m.path("account", "copy.json")))
    assert copy["sfid"] is None and copy["name"] == "Acme" and copy["systemmodstamp"] is None


def test_empty_new_file_is_not_inserted(pg, sample, mounts):
    m = mounts(pg.url, sample)
    open(m.path("contact", "empty.json"), "w").close()
    assert ft.psql(pg.url, f"SELECT count(*) FROM {ft.quote_ident(sample)}.contact") == ["1"]
    assert "empty.json" in os.listdir(m.path("contact"))


def test_rm_without_allow_delete_is_eperm_and_logged(pg, sample, mounts):
    m = mounts(pg.url, sample)
    expect_errno(errno.EPERM, os.unlink, m.path("account", ACME))
    assert os.path.exists(m.path("account", ACME))
    assert "allow_delete" in m.read_log()
    assert ft.row(pg.url, sample, "account", "sfid = '001000000000001AAA'") is not None


def test_rm_with_allow_delete_deletes_and_queues(pg, sample, mounts):
    m = mounts(pg.url, sample, options=["allow_delete"])
    mark = ft.trigger_log_mark(pg.url, sample)
    os.unlink(m.path("account", ACME))
    # The delete waits delete_delay (2 s) for the name to be written again.
    ft.wait_for(lambda: ft.row(pg.url, sample, "account", "sfid = '001000000000001AAA'") is None,
                timeout=6, what="the delete")
    log = ft.trigger_log_since(pg.url, sample, mark)
    assert [(a, s) for a, _, _, s, _ in log] == [("DELETE", "NEW")]
    assert ACME not in os.listdir(m.path("account"))
    assert not os.path.exists(m.path("account", ACME))


def test_rm_of_scratch_files_always_works(pg, sample, mounts):
    m = mounts(pg.url, sample)
    for name in ("4913", ".x.swp", "x~", "sedAbc123", "#x#"):
        write(m.path("account", name), "scratch")
        assert read(m.path("account", name)) == "scratch"
        os.unlink(m.path("account", name))
        assert not os.path.exists(m.path("account", name))
    assert ft.psql(pg.url, f"SELECT count(*) FROM {ft.quote_ident(sample)}._trigger_log") == ["0"]


def test_scratch_files_never_touch_the_database(pg, sample, mounts):
    m = mounts(pg.url, sample)
    mark = ft.trigger_log_mark(pg.url, sample)
    write(m.path("account", ".notes.swp"), "{not json")
    os.rename(m.path("account", ".notes.swp"), m.path("account", "notes~"))
    assert read(m.path("account", "notes~")) == "{not json"
    assert "notes~" in os.listdir(m.path("account"))
    assert ft.trigger_log_since(pg.url, sample, mark) == []


def test_three_way_merge_keeps_a_concurrent_change_to_another_field(pg, sample, mounts):
    m = mounts(pg.url, sample)
    p = m.path("account", ACME)
    mine = read(p).replace('"name": "Acme"', '"name": "Acme Rockets"')
    ft.psql(pg.url, f"UPDATE {ft.quote_ident(sample)}.account SET industry = 'Water' "
                    "WHERE sfid = '001000000000001AAA'")
    write(p, mine)  # still says "industry": "Energy"
    r = ft.row(pg.url, sample, "account", "sfid = '001000000000001AAA'")
    assert r["name"] == "Acme Rockets" and r["industry"] == "Water"


def test_same_field_conflict_is_estale_and_changes_nothing(pg, sample, mounts, workdir):
    m = mounts(pg.url, sample)
    p = m.path("account", ACME)
    mine = read(p).replace('"name": "Acme"', '"name": "Mine"')
    ft.psql(pg.url, f"UPDATE {ft.quote_ident(sample)}.account SET name = 'Theirs' "
                    "WHERE sfid = '001000000000001AAA'")
    src = os.path.join(workdir, "mine.json")
    write(src, mine)
    mark = ft.trigger_log_mark(pg.url, sample)
    tmp = m.path("account", "mine.tmp")
    subprocess.run(["cp", src, tmp], check=True)
    expect_errno(errno.ESTALE, os.rename, tmp, p)
    assert ft.row(pg.url, sample, "account", "sfid = '001000000000001AAA'")["name"] == "Theirs"
    assert ft.trigger_log_since(pg.url, sample, mark) == []
    assert read(tmp) == mine  # the user's content is intact
    assert read(src) == mine
    errors = read(m.path("account", ".errors"))
    assert errors.startswith(ACME + "\tforcefs\tfield \"name\" was changed in the database")
    assert b"field \"name\"" in os.getxattr(p, "user.forcefs.error")
    assert "field \"name\"" in m.read_log()


def test_error_is_cleared_by_the_next_good_write(pg, sample, mounts):
    m = mounts(pg.url, sample)
    p = m.path("account", ACME)
    good = read(p)
    expect_errno(errno.EINVAL, write, p, good.replace('"numberofemployees": 120',
                                                      '"numberofemployees": "many"'))
    assert ACME in read(m.path("account", ".errors"))
    write(p, good.replace('"numberofemployees": 120', '"numberofemployees": 121'))
    assert read(m.path("account", ".errors")) == ""
    with pytest.raises(OSError) as e:
        os.getxattr(p, "user.forcefs.error")
    assert e.value.errno == errno.ENODATA


def test_renaming_a_record_to_another_record_name_is_eperm(pg, sample, mounts):
    m = mounts(pg.url, sample)
    expect_errno(errno.EPERM, os.rename, m.path("account", ACME), m.path("account", GLOBEX))
    expect_errno(errno.EPERM, os.rename, m.path("account", ACME), m.path("account", "x.json"))
    assert read(m.path("account", GLOBEX))


def test_renaming_across_directories_is_exdev(pg, sample, mounts):
    m = mounts(pg.url, sample)
    expect_errno(errno.EXDEV, os.rename, m.path("account", ACME), m.path("contact", ACME))


def test_mkdir_is_eperm(pg, sample, mounts):
    m = mounts(pg.url, sample)
    expect_errno(errno.EPERM, os.mkdir, m.path("account", "sub"))
    expect_errno(errno.EPERM, os.mkdir, m.path("newobject"))


def test_chmod_chown_utimens_succeed_and_change_nothing(pg, sample, mounts):
    m = mounts(pg.url, sample)
    p = m.path("account", ACME)
    mark = ft.trigger_log_mark(pg.url, sample)
    before = os.stat(p)
    os.chmod(p, 0o600)
    os.chown(p, 0, 0)
    os.utime(p, (0, 0))
    after = os.stat(p)
    assert after.st_mode == before.st_mode and after.st_mtime == before.st_mtime
    assert ft.trigger_log_since(pg.url, sample, mark) == []


def test_read_only_object_refuses_writes_with_erofs(pg, schema_name, mounts):
    ft.create_schema(pg.url, schema_name, {"lead": [("name", "varchar(80)")]},
                     readonly_tables=("lead",))
    s = ft.quote_ident(schema_name)
    ft.psql(pg.url, f"SET xmlbinary='hex'; INSERT INTO {s}.lead (sfid, name) "
                    "VALUES ('00Q000000000001AAA', 'L')")
    m = mounts(pg.url, schema_name)
    p = m.path("lead", "00Q000000000001AAA.json")
    expect_errno(errno.EROFS, open, p, "w")
    expect_errno(errno.EROFS, open, m.path("lead", "new.json"), "w")


def test_each_write_reads_back_at_once_and_reverting_an_edit_is_saved(pg, sample, mounts):
    # The mount shows the row as the UPDATE left it, right at close: a read that
    # follows sees it, and the next write is merged against it. Writing the original
    # content back after an edit must therefore reach the database too.
    m = mounts(pg.url, sample)
    p = m.path("account", "001000000000001AAA.json")
    with open(p, "rb") as f:
        orig = f.read()
    edited = orig.replace(b'"name": "Acme"', b'"name": "Acme Rockets"')
    for i in range(6):
        want, name = (edited, "Acme Rockets") if i % 2 == 0 else (orig, "Acme")
        with open(p, "wb") as f:
            f.write(want)
        with open(p, "rb") as f:
            assert f.read() == want, "iteration %d" % i
        assert os.stat(p).st_size == len(want)
        assert ft.row(pg.url, sample, "account", "sfid = '001000000000001AAA'")["name"] == name
