"""The optimistic commit (docs/editing.md, "When a write reaches the database"): a write to a
record nobody changed since the mount served it is one UPDATE applied only at the row
version that was served (no BEGIN, no SELECT ... FOR UPDATE, no COMMIT); a record
changed elsewhere in between falls back to the lock-and-merge path, which keeps the
other change or refuses a conflict as before. Evidence: the server's statement log
(log_statement=all on the mount's connections) and the capture triggers' _trigger_log."""
import errno
import os
import re
import subprocess

import pytest

import forcefs_harness as ft

ACME = "001000000000001AAA.json"
ACME_WHERE = "sfid = '001000000000001AAA'"


read = ft.read_text
write = ft.write_text
statements_since = ft.statements_since


def account_writes(statements):
    """The statements that lock or write an account row, or open or close a transaction."""
    return [s for s in statements
            if s.startswith(("BEGIN", "COMMIT", "ROLLBACK")) or "FOR UPDATE" in s
            or (s.startswith("UPDATE ") and s.split(" SET ")[0].endswith(('.account', '."account"')))]


def acme_log_rows(pg, sample, mark):
    return [r for r in ft.trigger_log_since(pg.url, sample, mark) if r[1] == "account"]


def test_write_to_a_current_record_is_one_update_at_the_served_version(pg, sample, mounts,
                                                                       logged):
    m = mounts(logged, sample)
    p = m.path("account", ACME)
    served = read(p)
    xmin = ft.psql(pg.url, f"SELECT xmin FROM {ft.quote_ident(sample)}.account "
                           f"WHERE {ACME_WHERE}")[0]
    mark = ft.trigger_log_mark(pg.url, sample)
    offset = os.path.getsize(pg.log)
    write(p, served.replace('"name": "Acme"', '"name": "Acme Rockets"'))
    writes = account_writes(statements_since(pg, offset))
    assert len(writes) == 1, writes
    assert "AND xmin = $" in writes[0] and "RETURNING" in writes[0], writes
    assert f"'{xmin}'" in writes[0], writes  # the version the mount served
    assert ft.row(pg.url, sample, "account", ACME_WHERE)["name"] == "Acme Rockets"
    logged_rows = acme_log_rows(pg, sample, mark)
    assert [(r[0], r[3], r[4]) for r in logged_rows] == [
        ("UPDATE", "NEW", {"name": "Acme Rockets"})], logged_rows
    assert ft.row(pg.url, sample, "account", ACME_WHERE)["_hc_lastop"] == "PENDING"
    assert json_name(read(p)) == "Acme Rockets"

    # A second write without reading again (an editor saving twice) is optimistic too:
    # the version came back with the first UPDATE.
    offset = os.path.getsize(pg.log)
    write(p, served.replace('"name": "Acme"', '"name": "Acme Rockets Two"'))
    writes = account_writes(statements_since(pg, offset))
    assert len(writes) == 1 and "AND xmin = $" in writes[0], writes
    assert ft.row(pg.url, sample, "account", ACME_WHERE)["name"] == "Acme Rockets Two"
    assert len(acme_log_rows(pg, sample, mark)) == 2


def test_sed_in_place_over_records_is_one_update_each(pg, sample, mounts, logged):
    m = mounts(logged, sample)
    d = m.path("account")
    files = [os.path.join(d, n) for n in sorted(os.listdir(d)) if n.endswith(".json")]
    mark = ft.trigger_log_mark(pg.url, sample)
    offset = os.path.getsize(pg.log)
    # Records with a number of employees get 7; the others (null) are left as they are.
    numbered = [f for f in files if re.search(r'"numberofemployees": [0-9]', read(f))]
    subprocess.run(["sed", "-i", "s/\"numberofemployees\": [0-9][0-9]*/\"numberofemployees\": 7/"]
                   + files, check=True)
    writes = account_writes(statements_since(pg, offset))
    assert writes and all("AND xmin = $" in s for s in writes), writes
    changed = acme_log_rows(pg, sample, mark)
    assert len(writes) == len(changed) == len(numbered) >= 2, (writes, changed, numbered)
    assert ft.psql(pg.url, f"SELECT count(*) FROM {ft.quote_ident(sample)}.account "
                           "WHERE numberofemployees = 7") == [str(len(changed))]


def test_change_elsewhere_between_read_and_write_falls_back_and_merges(pg, sample, mounts,
                                                                       logged):
    m = mounts(logged, sample)
    p = m.path("account", ACME)
    mine = read(p).replace('"name": "Acme"', '"name": "Acme Rockets"')
    ft.psql(pg.url, f"UPDATE {ft.quote_ident(sample)}.account SET industry = 'Water' "
                    f"WHERE {ACME_WHERE}")
    mark = ft.trigger_log_mark(pg.url, sample)
    offset = os.path.getsize(pg.log)
    write(p, mine)  # still says "industry": "Energy"
    writes = account_writes(statements_since(pg, offset))
    # The UPDATE at the served version matched nothing; then the lock-and-merge path.
    assert "AND xmin = $" in writes[0], writes
    assert writes[1] == "BEGIN" and "FOR UPDATE" in writes[2], writes
    assert writes[3].startswith("UPDATE ") and "AND xmin = $" not in writes[3], writes
    assert writes[4] == "COMMIT" and len(writes) == 5, writes
    r = ft.row(pg.url, sample, "account", ACME_WHERE)
    assert r["name"] == "Acme Rockets" and r["industry"] == "Water"
    logged_rows = acme_log_rows(pg, sample, mark)
    assert [(r[0], r[4]) for r in logged_rows] == [("UPDATE", {"name": "Acme Rockets"})]


def test_conflict_after_change_elsewhere_is_still_estale(pg, sample, mounts, logged, workdir):
    m = mounts(logged, sample)
    p = m.path("account", ACME)
    mine = read(p).replace('"name": "Acme"', '"name": "Mine"')
    ft.psql(pg.url, f"UPDATE {ft.quote_ident(sample)}.account SET name = 'Theirs' "
                    f"WHERE {ACME_WHERE}")
    src = os.path.join(workdir, "mine.json")
    write(src, mine)
    tmp = m.path("account", "mine.tmp")
    subprocess.run(["cp", src, tmp], check=True)
    mark = ft.trigger_log_mark(pg.url, sample)
    offset = os.path.getsize(pg.log)
    with pytest.raises(OSError) as e:
        os.rename(tmp, p)
    assert e.value.errno == errno.ESTALE
    writes = account_writes(statements_since(pg, offset))
    assert "AND xmin = $" in writes[0] and "FOR UPDATE" in writes[2], writes
    assert ft.row(pg.url, sample, "account", ACME_WHERE)["name"] == "Theirs"
    assert ft.trigger_log_since(pg.url, sample, mark) == []
    assert read(m.path("account", ".errors")).startswith(
        ACME + "\tforcefs\tfield \"name\" was changed in the database")


def test_refused_value_is_refused_by_the_merge_path_and_writes_nothing(pg, sample, mounts,
                                                                       logged):
    m = mounts(logged, sample)
    p = m.path("account", ACME)
    served = read(p)
    mark = ft.trigger_log_mark(pg.url, sample)
    offset = os.path.getsize(pg.log)
    with pytest.raises(OSError) as e:
        write(p, served.replace('"numberofemployees": 120', '"numberofemployees": "many"'))
    assert e.value.errno == errno.EINVAL
    # Nothing was sent at the served version: the refusal is the lock path's, as before.
    writes = account_writes(statements_since(pg, offset))
    assert not any("xmin" in s for s in writes), writes
    assert ft.trigger_log_since(pg.url, sample, mark) == []
    assert ft.row(pg.url, sample, "account", ACME_WHERE)["numberofemployees"] == 120


def json_name(text):
    import json
    return json.loads(text)["name"]
