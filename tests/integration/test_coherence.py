"""Changes made in Postgres by anyone else show through the mount within 1 second,
never stale or torn, and the mount survives PostgreSQL going away."""
import errno
import json
import os
import time

import pytest

import forcefs_test as ft

ACME = "001000000000001AAA.json"


def read(path):
    with open(path, "rb") as f:
        return f.read()


def wait_visible(predicate, what):
    start = time.monotonic()
    ft.wait_for(predicate, timeout=5, what=what)
    return time.monotonic() - start


def test_user_update_in_psql_is_visible_within_a_second(pg, sample, mounts):
    m = mounts(pg.url, sample)
    p = m.path("account", ACME)
    before = read(p)
    assert json.loads(before)["name"] == "Acme"
    ft.psql(pg.url, f"UPDATE {ft.quote_ident(sample)}.account SET name = 'Acme Renamed "
                    "Corporation' WHERE sfid = '001000000000001AAA'")
    took = wait_visible(lambda: json.loads(read(p))["name"] == "Acme Renamed Corporation",
                        "the rename")
    assert took < 1.0
    data = read(p)
    assert os.stat(p).st_size == len(data)
    assert data.endswith(b"}\n")


def test_sync_write_with_new_systemmodstamp_is_visible(pg, sample, mounts):
    m = mounts(pg.url, sample)
    p = m.path("account", ACME)
    read(p)
    ft.psql(pg.url, f"SET xmlbinary = 'hex'; UPDATE {ft.quote_ident(sample)}.account "
                    "SET industry = 'Water', systemmodstamp = '2025-01-01 00:00:00' "
                    "WHERE sfid = '001000000000001AAA'")
    took = wait_visible(lambda: json.loads(read(p))["industry"] == "Water", "the pull")
    assert took < 1.5
    assert os.stat(p).st_mtime == 1735689600


def test_insert_elsewhere_appears_and_negative_lookup_is_forgotten(pg, sample, mounts):
    m = mounts(pg.url, sample)
    new = m.path("contact", "003000000000009AAA.json")
    assert not os.path.exists(new)  # caches a negative entry
    ft.psql(pg.url, f"INSERT INTO {ft.quote_ident(sample)}.contact (sfid, lastname) "
                    "VALUES ('003000000000009AAA', 'New')")
    wait_visible(lambda: os.path.exists(new), "the new record")
    assert "003000000000009AAA.json" in os.listdir(m.path("contact"))
    assert json.loads(read(new))["lastname"] == "New"


def test_hard_delete_elsewhere_disappears(pg, sample, mounts):
    m = mounts(pg.url, sample)
    p = m.path("contact", "003000000000001AAA.json")
    assert os.path.exists(p)
    ft.psql(pg.url, f"SET xmlbinary = 'hex'; DELETE FROM {ft.quote_ident(sample)}.contact")
    wait_visible(lambda: not os.path.exists(p), "the delete")
    assert os.listdir(m.path("contact")) == [".errors"]


def test_soft_delete_by_sync_hides_the_record(pg, sample, mounts):
    m = mounts(pg.url, sample)
    p = m.path("account", ACME)
    read(p)
    ft.psql(pg.url, f"SET xmlbinary = 'hex'; UPDATE {ft.quote_ident(sample)}.account SET "
                    "isdeleted = true, systemmodstamp = now() WHERE sfid = '001000000000001AAA'")
    wait_visible(lambda: ACME not in os.listdir(m.path("account")), "the soft delete")


def test_open_file_keeps_its_snapshot_while_the_row_changes(pg, sample, mounts):
    m = mounts(pg.url, sample)
    p = m.path("account", ACME)
    with open(p, "rb") as f:
        head = f.read(10)
        ft.psql(pg.url, f"UPDATE {ft.quote_ident(sample)}.account SET description = "
                        f"repeat('x', 5000) WHERE sfid = '001000000000001AAA'")
        time.sleep(1.0)
        rest = f.read()
    whole = head + rest
    assert json.loads(whole)["description"] == 'First "quoted"'
    wait_visible(lambda: len(json.loads(read(p))["description"]) == 5000, "the change")


def test_database_down_answers_eio_then_recovers(pg, sample, mounts):
    m = mounts(pg.url, sample)
    os.listdir(m.path("account"))  # loaded; contact is not
    pg.stop("fast")
    try:
        with pytest.raises(OSError) as e:
            os.listdir(m.path("contact"))
        assert e.value.errno == errno.EIO
        assert "database" in m.read_log()
    finally:
        pg.start()
    names = ft.wait_for(lambda: _try_listdir(m.path("contact")), timeout=10,
                        what="recovery")
    assert "003000000000001AAA.json" in names
    assert json.loads(read(m.path("account", ACME)))["name"] == "Acme"


def _try_listdir(path):
    try:
        return os.listdir(path)
    except OSError:
        return None
