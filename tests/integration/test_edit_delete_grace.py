"""docs/editing.md "Deleting": with -o allow_delete, rm hides a record and its delete
waits delete_delay (2 s); a file created or renamed onto the name meanwhile is the
record's new content (same id and sfid, one UPDATE, no DELETE). Only a delete still
armed when the delay ends is committed; an unmount or a crash before then keeps the
record."""
import errno
import json
import os
import shutil
import signal
import subprocess
import time

import pytest

import forcefs_harness as ft

ACME = "001000000000001AAA.json"
ACME_WHERE = "sfid = '001000000000001AAA'"


def read(path):
    with open(path, "rb") as f:
        return f.read()


def count(pg, schema, table):
    return int(ft.psql(pg.url, f"SELECT count(*) FROM {ft.quote_ident(schema)}.{table}")[0])


class Ctx:
    pass


def start(pg, sample, mounts, workdir, options=("allow_delete",)):
    ctx = Ctx()
    ctx.m = mounts(pg.url, sample, options=list(options))
    ctx.schema = sample
    ctx.path = ctx.m.path("account", ACME)
    ctx.original = read(ctx.path)
    ctx.row = ft.row(pg.url, sample, "account", ACME_WHERE)
    ctx.accounts = count(pg, sample, "account")
    ctx.mark = ft.trigger_log_mark(pg.url, sample)
    # An edited copy outside the mount (another filesystem: mv copies, then unlinks).
    ctx.saved = os.path.join(workdir, "saved.json")
    with open(ctx.saved, "wb") as f:
        f.write(ctx.original.replace(b'"name": "Acme"', b'"name": "Acme Rockets"'))
    return ctx


@pytest.fixture
def acct(pg, sample, mounts, workdir):
    return start(pg, sample, mounts, workdir)


def assert_updated_in_place(pg, ctx):
    """Same row (id, sfid), one UPDATE queued, no DELETE, row count unchanged, also
    after the delete delay has passed."""
    time.sleep(3)  # past delete_delay and a watcher pass
    row = ft.row(pg.url, ctx.schema, "account", ACME_WHERE)
    assert row is not None and row["id"] == ctx.row["id"] and row["name"] == "Acme Rockets"
    log = ft.trigger_log_since(pg.url, ctx.schema, ctx.mark)
    assert [(a, t, r) for a, t, r, _, _ in log] == [("UPDATE", "account", ctx.row["id"])], log
    assert log[0][4] == {"name": "Acme Rockets"}
    assert count(pg, ctx.schema, "account") == ctx.accounts
    assert json.loads(read(ctx.path))["name"] == "Acme Rockets"
    assert ACME in os.listdir(ctx.m.path("account"))


def test_mv_from_another_filesystem_updates_the_record_in_place(pg, acct):
    subprocess.run(["mv", acct.saved, acct.path], check=True)
    assert not os.path.exists(acct.saved)
    assert_updated_in_place(pg, acct)


def test_rm_then_writing_the_name_again_is_an_update(pg, acct):
    subprocess.run(f"rm '{acct.path}' && cat '{acct.saved}' > '{acct.path}'", shell=True,
                   check=True)
    assert_updated_in_place(pg, acct)


def test_rm_then_rename_onto_the_name_is_an_update(pg, acct):
    tmp = acct.m.path("account", ".acme.json.tmp")
    shutil.copyfile(acct.saved, tmp)
    os.unlink(acct.path)
    os.rename(tmp, acct.path)
    assert_updated_in_place(pg, acct)


def test_rm_alone_deletes_when_the_delay_ends(pg, acct):
    os.unlink(acct.path)
    # Hidden at once, deleted only after the delay.
    assert not os.path.exists(acct.path)
    assert ACME not in os.listdir(acct.m.path("account"))
    assert ft.row(pg.url, acct.schema, "account", ACME_WHERE) is not None
    start = time.monotonic()
    ft.wait_for(lambda: ft.row(pg.url, acct.schema, "account", ACME_WHERE) is None,
                timeout=6, what="the delete")
    assert time.monotonic() - start >= 1.5
    log = ft.trigger_log_since(pg.url, acct.schema, acct.mark)
    assert [(a, s) for a, _, _, s, _ in log] == [("DELETE", "NEW")]
    assert not os.path.exists(acct.path)
    assert count(pg, acct.schema, "account") == acct.accounts - 1


def test_delete_delay_zero_deletes_at_once(pg, sample, mounts, workdir):
    ctx = start(pg, sample, mounts, workdir, options=("allow_delete", "delete_delay=0"))
    os.unlink(ctx.path)
    assert ft.row(pg.url, sample, "account", ACME_WHERE) is None
    log = ft.trigger_log_since(pg.url, sample, ctx.mark)
    assert [a for a, _, _, _, _ in log] == ["DELETE"]


def test_an_invalid_file_put_back_fails_and_keeps_the_record(pg, acct):
    with open(acct.saved, "w") as f:
        f.write('{"name": ')
    r = subprocess.run(["mv", acct.saved, acct.path], capture_output=True, text=True)
    assert r.returncode == 1, r
    assert os.path.exists(acct.saved)  # mv keeps its source when the copy fails
    time.sleep(3)
    assert ft.row(pg.url, acct.schema, "account", ACME_WHERE) == acct.row
    assert ft.trigger_log_since(pg.url, acct.schema, acct.mark) == []
    assert read(acct.path) == acct.original
    lines = read(acct.m.path("account", ".errors")).decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith(ACME + "\tforcefs\t"), lines


def assert_kept(pg, ctx):
    assert ft.row(pg.url, ctx.schema, "account", ACME_WHERE) == ctx.row
    assert ft.trigger_log_since(pg.url, ctx.schema, ctx.mark) == []


def test_unmount_within_the_delay_keeps_the_record(pg, acct, mounts):
    os.unlink(acct.path)
    log = acct.m.unmount()
    assert "not deleted" in log and ACME in log
    time.sleep(2.5)
    assert_kept(pg, acct)
    m = mounts(pg.url, acct.schema, options=["allow_delete"], name="again")
    assert read(m.path("account", ACME)) == acct.original


def test_sigterm_within_the_delay_keeps_the_record(pg, acct):
    os.unlink(acct.path)
    acct.m.signal(signal.SIGTERM)
    log = acct.m.wait_exit()
    assert "not deleted" in log
    time.sleep(2.5)
    assert_kept(pg, acct)


def test_sigkill_within_the_delay_keeps_the_record(pg, acct):
    os.unlink(acct.path)
    acct.m.kill()
    time.sleep(2.5)
    assert_kept(pg, acct)


def test_rm_on_a_read_only_mount_is_erofs(pg, sample, mounts, workdir):
    ctx = start(pg, sample, mounts, workdir, options=("ro", "allow_delete"))
    with pytest.raises(OSError) as e:
        os.unlink(ctx.path)
    assert e.value.errno == errno.EROFS
    time.sleep(2.5)
    assert_kept(pg, ctx)
    assert os.path.exists(ctx.path)


def test_rm_in_a_read_only_mapping_is_erofs(pg, schema_name, mounts):
    ft.create_schema(pg.url, schema_name, {"lead": [("name", "varchar(80)")]},
                     readonly_tables=("lead",))
    s = ft.quote_ident(schema_name)
    ft.psql(pg.url, f"SET xmlbinary='hex'; INSERT INTO {s}.lead (sfid, name) "
                    "VALUES ('00Q000000000001AAA', 'L')")
    m = mounts(pg.url, schema_name, options=["allow_delete"])
    p = m.path("lead", "00Q000000000001AAA.json")
    with pytest.raises(OSError) as e:
        os.unlink(p)
    assert e.value.errno == errno.EROFS
    time.sleep(2.5)
    assert os.path.exists(p)
    assert count(pg, schema_name, "lead") == 1


def test_delete_delay_out_of_range_is_a_usage_error(pg, sample, workdir):
    mnt = os.path.join(workdir, "bad")
    os.makedirs(mnt)
    r = ft.run_forcefs("mount", mnt, "-f", "--schema", sample, "--db", pg.url, "-o",
                       "allow_delete,delete_delay=-1")
    assert r.returncode == 2, r
    assert "delete_delay" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_rm_then_an_empty_file_keeps_the_record(pg, acct):
    os.unlink(acct.path)
    open(acct.path, "w").close()  # touch: created, never written
    ft.wait_for(lambda: read(acct.path) == acct.original, timeout=6,
                what="the record to show again")
    time.sleep(2.5)
    assert_kept(pg, acct)
    lines = read(acct.m.path("account", ".errors")).decode().splitlines()
    assert len(lines) == 1 and "emptied" in lines[0] and "nothing was saved" in lines[0]


def test_a_refused_delete_shows_the_record_again_with_the_reason(pg, acct):
    s = ft.quote_ident(acct.schema)
    ft.psql(pg.url, f"""
        CREATE FUNCTION {s}.no_deletes() RETURNS trigger LANGUAGE plpgsql AS
            $$ BEGIN RAISE EXCEPTION 'accounts are never deleted here'; END $$;
        CREATE TRIGGER no_deletes BEFORE DELETE ON {s}.account
            FOR EACH ROW EXECUTE FUNCTION {s}.no_deletes();""")
    os.unlink(acct.path)
    ft.wait_for(lambda: os.path.exists(acct.path), timeout=6, what="the record to show again")
    assert read(acct.path) == acct.original
    assert_kept(pg, acct)
    lines = read(acct.m.path("account", ".errors")).decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith(ACME + "\tforcefs\trm was not done: "), lines
    assert "accounts are never deleted here" in lines[0]
    assert "rm was not done" in acct.m.read_log()
