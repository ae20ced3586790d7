"""An object with more rows than one page of the names cursor (10,000): listings are
complete and exact, rows deleted elsewhere go and the rest stay findable by name, and
the first read after mounting reads one indexed row, never the whole listing."""
import errno
import json
import os
import signal
import subprocess
import time

import pytest

import forcefs_harness as ft

ROWS = 25000


def sfid(i):
    return "001%012dAAA" % i


def schema_of_accounts(pg, schema_name, rows):
    """A schema whose account table holds `rows` rows, Account 1 .. Account `rows`."""
    ft.create_schema(pg.url, schema_name, {"account": [("name", "varchar(255)")]})
    s = ft.quote_ident(schema_name)
    ft.psql(pg.url, f"""
        INSERT INTO {s}.account (sfid, name, systemmodstamp, isdeleted)
        SELECT '001' || lpad(i::text, 12, '0') || 'AAA', 'Account ' || i,
               '2024-01-01 00:00:00', false
        FROM generate_series(1, {rows}) AS i;
    """)
    return schema_name


@pytest.fixture
def big(pg, schema_name):
    return schema_of_accounts(pg, schema_name, ROWS)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def test_listing_longer_than_one_fetch_is_complete_and_sizes_are_exact(pg, big, mounts):
    m = mounts(pg.url, big)
    names = os.listdir(m.path("account"))
    records = sorted(n for n in names if n.endswith(".json"))
    assert records == sorted(sfid(i) + ".json" for i in range(1, ROWS + 1))
    for i in (1, 9999, 10000, 10001, 20000, ROWS):
        p = m.path("account", sfid(i) + ".json")
        data = read(p)
        assert json.loads(data)["name"] == "Account %d" % i
        assert os.stat(p).st_size == len(data)


def test_rows_deleted_elsewhere_go_and_the_rest_stay_found_by_name(pg, big, mounts):
    m = mounts(pg.url, big)
    assert len(os.listdir(m.path("account"))) == ROWS + 1  # and .errors
    gone = (2, 10001, 24999)
    ft.psql(pg.url, f"DELETE FROM {ft.quote_ident(big)}.account WHERE id IN "
                    "(SELECT id FROM " + ft.quote_ident(big) + ".account WHERE sfid IN (" +
                    ",".join("'%s'" % sfid(i) for i in gone) + "))")
    ft.wait_for(lambda: len(os.listdir(m.path("account"))) == ROWS + 1 - len(gone),
                timeout=5, what="the deleted rows to go")
    listed = set(os.listdir(m.path("account")))
    for i in gone:
        assert sfid(i) + ".json" not in listed
        assert not os.path.exists(m.path("account", sfid(i) + ".json"))
    # Names next to the deleted ones (and far from them) are still found by name.
    for i in (1, 3, 10000, 10002, 24998, ROWS):
        data = read(m.path("account", sfid(i) + ".json"))
        assert json.loads(data)["name"] == "Account %d" % i


def statements_since(pg, offset, schema):
    """The server log's statements on `schema` since `offset`, each with its parameters."""
    with open(pg.log, errors="replace") as f:
        f.seek(offset)
        text = f.read()
    statements = []
    for line in text.splitlines():
        if schema in line:
            statements.append(line)
        elif "DETAIL:  parameters:" in line and statements:
            statements[-1] += " " + line
    print("\n".join(statements))
    return statements


def test_first_read_after_mounting_reads_one_indexed_row(pg, big, mounts):
    # Every statement of the mount's connections goes to the server log.
    url = pg.url + "?options=-c%20log_statement%3Dall"
    offset = os.path.getsize(pg.log)
    m = mounts(url, big)
    p = m.path("account", sfid(12345) + ".json")
    data = read(p)
    assert json.loads(data)["name"] == "Account 12345"
    assert os.stat(p).st_size == len(data)
    time.sleep(1.2)  # two watcher passes
    lines = statements_since(pg, offset, big)
    assert any("sfid = $1" in line and sfid(12345) in line for line in lines), lines
    # Neither the names listing (a cursor) nor the sizes listing (every row from an id).
    assert not any("forcefs_names" in line for line in lines), lines
    assert not any("id >= $1" in line for line in lines), lines
    # A listing afterwards reads the names once, through the cursor.
    assert len(os.listdir(m.path("account"))) == ROWS + 1
    lines = statements_since(pg, offset, big)
    assert sum("DECLARE forcefs_names" in line for line in lines) == 1, lines


def grep_count(directory):
    out = subprocess.run(["grep", "-r", "-c", "Account", directory], capture_output=True,
                         text=True, check=True).stdout
    return sorted(out.splitlines())


def test_grep_after_the_kernel_evicted_its_inodes_fetches_in_batches(pg, big, mounts):
    # A small content cache, so that most records are not in it after a pass: the next
    # pass rests on the kernel's pages, until the kernel drops them with the inodes.
    url = pg.url + "?options=-c%20log_statement%3Dall"
    m = mounts(url, big, options=["cache_size=1"])
    d = m.path("account")
    first = grep_count(d)
    assert len(first) == ROWS + 1
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("2\n")  # dentries and inodes: the kernel sends FORGET for each
    offset = os.path.getsize(pg.log)
    assert grep_count(d) == first
    fetches = [line for line in statements_since(pg, offset, big) if "ANY($1" in line]
    # One query per batch of 256 records (~100), not one per file (25,000).
    assert len(fetches) <= ROWS // 100, len(fetches)


LISTING_ROWS = 100000


@pytest.fixture
def huge(pg, schema_name):
    return schema_of_accounts(pg, schema_name, LISTING_ROWS)


def names_cursor_open(url):
    """Whether a mount is still reading a names listing (its cursor's transaction)."""
    rows = ft.psql(url, "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                        "'forcefs mount' AND state IN ('active', 'idle in transaction') "
                        "AND query LIKE '%forcefs_names%'")
    return int(rows[0]) > 0


def test_cold_listing_answers_before_the_last_row_arrives(pg, huge, mounts):
    # issue 9: a cold listing does not wait for the whole object; the names load in a
    # thread of their own while readdir sends the ones that have arrived.
    m = mounts(pg.url, huge)
    with os.scandir(m.path("account")) as it:
        first = next(it).name
        still_loading = names_cursor_open(pg.url)
        names = [first] + [e.name for e in it]
    assert still_loading, "the first entries waited for the whole names load"
    records = sorted(n for n in names if n.endswith(".json"))
    assert records == sorted(sfid(i) + ".json" for i in range(1, LISTING_ROWS + 1))
    assert ".errors" in names and len(names) == LISTING_ROWS + 1
    # Listed again once loaded: the same names, from memory.
    assert sorted(os.listdir(m.path("account"))) == sorted(names)


def test_sigterm_during_a_cold_listing_exits_cleanly(pg, huge, mounts):
    # The names load outlives the FUSE loop: the mount waits for it before the
    # notifier it may still tell things to stops, then exits 0 with no sanitizer report.
    m = mounts(pg.url, huge)
    with os.scandir(m.path("account")) as it:
        next(it)
        assert names_cursor_open(pg.url)
        m.signal(signal.SIGTERM)
        try:
            for _ in it:
                pass
        except OSError:
            pass  # the mount went away under the listing
    m.wait_exit(0)


def test_same_size_change_to_an_evicted_record_is_not_stale(pg, big, mounts):
    # The mount evicted the record's bytes while the kernel kept its pages (long
    # timeouts, keep_cache): a change of the same size must still reach the reader.
    m = mounts(pg.url, big, ["cache_size=1"])
    p = m.path("account", sfid(7) + ".json")
    assert json.loads(read(p))["name"] == "Account 7"
    for i in range(100, 12100):  # ~1.8 MB of other records through a 1 MiB cache
        read(m.path("account", sfid(i) + ".json"))
    ft.psql(pg.url, f"UPDATE {ft.quote_ident(big)}.account SET name = 'Account 8' "
                    f"WHERE sfid = '{sfid(7)}'")

    def shows_the_change():
        try:
            return json.loads(read(p))["name"] == "Account 8"
        except OSError as e:
            # A read whose open trusted the kernel's pages while the change landed gets
            # EIO once, never torn bytes (fs_tree_read); the next open reads anew.
            assert e.errno == errno.EIO, e
            return False

    ft.wait_for(shows_the_change, timeout=5, what="the same-size change")
    data = read(p)
    assert json.loads(data)["name"] == "Account 8"
    assert os.stat(p).st_size == len(data)
