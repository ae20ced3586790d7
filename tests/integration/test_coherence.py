"""Changes made in Postgres by anyone else show through the mount within 1 second,
never stale or torn, and the mount survives PostgreSQL going away."""
import errno
import json
import os
import time

import pytest

import forcefs_harness as ft

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


def watcher_scans(statements):
    """The statements of the watcher's periodic pass that scan a whole table."""
    return [s for s in statements if s.startswith("SELECT count(*)")]


def test_watcher_scans_nothing_while_the_database_is_quiet(pg, sample, mounts, logged):
    # The periodic pass counts each loaded table (docs/performance.md, "The watcher"):
    # at a million rows that is a core's worth of work every interval, for nothing
    # when no transaction has ended since the last pass.
    m = mounts(logged, sample, ["watch_interval=0.1"])
    p = m.path("account", ACME)
    assert json.loads(read(p))["name"] == "Acme"  # account is loaded and watched
    time.sleep(0.5)  # the passes that follow the load
    offset = os.path.getsize(pg.log)
    time.sleep(1.5)  # 15 intervals, nobody writing
    quiet = ft.statements_since(pg, offset)
    assert any("pg_current_snapshot()" in s for s in quiet), quiet  # the watcher looked
    assert watcher_scans(quiet) == [], quiet

    offset = os.path.getsize(pg.log)
    ft.psql(pg.url, f"UPDATE {ft.quote_ident(sample)}.account SET name = 'Acme Quiet' "
                    "WHERE sfid = '001000000000001AAA'")
    took = wait_visible(lambda: json.loads(read(p))["name"] == "Acme Quiet", "the rename")
    assert took < 1.0
    # A commit anywhere makes the next pass a whole one again.
    ft.wait_for(lambda: watcher_scans(ft.statements_since(pg, offset)), timeout=3,
                what="a whole pass after the commit")


def test_hard_delete_is_seen_after_a_quiet_spell(pg, sample, mounts):
    # Deletes leave no trigger-log row when the trigger is bypassed: only the count
    # catches them, so the pass after a quiet spell must still count.
    m = mounts(pg.url, sample, ["watch_interval=0.1"])
    assert ACME in os.listdir(m.path("account"))
    time.sleep(0.5)
    ft.psql(pg.url, f"SET session_replication_role = replica; DELETE FROM "
                    f"{ft.quote_ident(sample)}.account WHERE sfid = '001000000000001AAA'")
    wait_visible(lambda: ACME not in os.listdir(m.path("account")), "the deleted record gone")


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


# --- long kernel cache lifetimes (entry_timeout = attr_timeout = 3600 by default) ---
# The kernel keeps names, attributes and pages for an hour; every change the mount
# learns of is pushed to it, so these must still see changes within a second.

def test_warm_reader_sees_a_change_made_elsewhere_within_a_second(pg, sample, mounts):
    m = mounts(pg.url, sample)
    d = m.path("account")
    # Warm every cache: names, attributes and pages of every record.
    for _ in range(2):
        for name in os.listdir(d):
            if name.endswith(".json"):
                read(os.path.join(d, name))
                os.stat(os.path.join(d, name))
    p = m.path("account", ACME)
    before = read(p)
    ft.psql(pg.url, f"UPDATE {ft.quote_ident(sample)}.account SET description = "
                    "'a much longer description than before, so the size changes' "
                    "WHERE sfid = '001000000000001AAA'")
    took = wait_visible(lambda: read(p) != before, "the change through warm caches")
    assert took < 1.0
    data = read(p)
    assert json.loads(data)["description"].startswith("a much longer")
    assert os.stat(p).st_size == len(data)  # the attribute cache was told too


def test_changes_racing_warm_reads_never_show_stale_or_torn_bytes(pg, sample, mounts):
    m = mounts(pg.url, sample)
    p = m.path("account", ACME)
    s = ft.quote_ident(sample)
    for i in range(20):
        value = "v%d-" % i + "x" * (i * 7)
        ft.psql(pg.url, f"UPDATE {s}.account SET description = '{value}' "
                        "WHERE sfid = '001000000000001AAA'")
        # Read as fast as possible while the invalidation is on its way: every read is
        # one whole version, and within a second it is the new one.
        deadline = time.monotonic() + 1.0
        while True:
            data = read(p)
            doc = json.loads(data)  # never torn
            if doc["description"] == value:
                break
            assert time.monotonic() < deadline, "stale after 1 s: %r" % doc["description"]
        assert os.stat(p).st_size == len(data)


def test_sfid_given_by_sync_replaces_a_cached_negative_lookup(pg, sample, mounts):
    m = mounts(pg.url, sample)
    d = m.path("account")
    local = [n for n in os.listdir(d) if n.startswith("local-")][0]
    new = os.path.join(d, "001000000000009AAA.json")
    assert not os.path.exists(new)  # the kernel now holds a negative entry
    local_id = local[len("local-"):-len(".json")]
    ft.psql(pg.url, f"SET xmlbinary = 'hex'; UPDATE {ft.quote_ident(sample)}.account "
                    f"SET sfid = '001000000000009AAA', systemmodstamp = now() "
                    f"WHERE id = {local_id}")
    took = wait_visible(lambda: os.path.exists(new), "the record under its sfid")
    assert took < 1.0
    assert json.loads(read(new))["name"] == "Not Synced Yet"
    assert "001000000000009AAA.json" in os.listdir(d)


def test_names_past_the_negative_bound_are_not_cached(pg, sample, mounts):
    m = mounts(pg.url, sample)
    d = m.path("contact")
    os.listdir(d)
    # 4096 negative entries are remembered per directory; look up more than that.
    for i in range(4200):
        assert not os.path.exists(os.path.join(d, "003%012dAAA.json" % (i + 100)))
    last = "003%012dAAA.json" % (4199 + 100)
    ft.psql(pg.url, f"INSERT INTO {ft.quote_ident(sample)}.contact (sfid, lastname) "
                    f"VALUES ('{last[:-5]}', 'Late')")
    first = "003%012dAAA.json" % 100
    ft.psql(pg.url, f"INSERT INTO {ft.quote_ident(sample)}.contact (sfid, lastname) "
                    f"VALUES ('{first[:-5]}', 'Early')")
    wait_visible(lambda: os.path.exists(os.path.join(d, last)), "a record past the bound")
    wait_visible(lambda: os.path.exists(os.path.join(d, first)), "a remembered record")
    assert json.loads(read(os.path.join(d, first)))["lastname"] == "Early"


def test_errors_file_size_is_exact_right_after_a_refused_write(pg, sample, mounts):
    m = mounts(pg.url, sample)
    errors = m.path("account", ".errors")
    assert os.stat(errors).st_size == 0
    p = m.path("account", ACME)
    with pytest.raises(OSError) as e:
        with open(p, "w") as f:
            f.write('{"name": 42}\n')
    assert e.value.errno == errno.EINVAL
    text = read(errors)
    assert text.startswith(ACME.encode())
    assert os.stat(errors).st_size == len(text)
