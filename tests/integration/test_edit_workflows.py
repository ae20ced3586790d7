"""docs/editing.md "Emptied files": a record whose last writer closes it empty, or with
content that was never committed, shows the record again (the database's bytes), and
the user is told in .errors and the log that nothing was saved. An open writer still
sees its own pending bytes until it closes."""
import errno
import json
import os
import subprocess
import time

import pytest

import forcefs_harness as ft

ACME = "001000000000001AAA.json"


@pytest.fixture
def acct(pg, sample, mounts):
    m = mounts(pg.url, sample)
    path = m.path("account", ACME)
    with open(path, "rb") as f:
        original = f.read()

    class Ctx:
        pass
    ctx = Ctx()
    ctx.m, ctx.path, ctx.original, ctx.schema = m, path, original, sample
    ctx.errors = m.path("account", ".errors")
    ctx.mark = ft.trigger_log_mark(pg.url, sample)
    ctx.row = ft.row(pg.url, sample, "account", "sfid = '001000000000001AAA'")
    return ctx


def read(path):
    with open(path, "rb") as f:
        return f.read()


def assert_record_shown_again(pg, ctx, words):
    """The file shows the database's bytes, nothing was written, .errors says why."""
    assert read(ctx.path) == ctx.original
    assert os.stat(ctx.path).st_size == len(ctx.original)
    assert ft.row(pg.url, ctx.schema, "account", "sfid = '001000000000001AAA'") == ctx.row
    assert ft.trigger_log_since(pg.url, ctx.schema, ctx.mark) == []
    lines = read(ctx.errors).decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith(ACME + "\tforcefs\t"), lines
    assert words in lines[0] and "nothing was saved" in lines[0]
    assert words in os.getxattr(ctx.path, "user.forcefs.error").decode()
    assert words in ctx.m.read_log()


def shown_again_after_the_grace_period(pg, acct, words):
    # A writer may still follow (`truncate -s 0 f; cat x >> f` works): for about 2 s
    # the file is empty, then it is the record again.
    start = time.monotonic()
    ft.wait_for(lambda: read(acct.path) == acct.original, timeout=6,
                what="the record to show again")
    assert time.monotonic() - start < 4
    assert_record_shown_again(pg, acct, words)


def test_jq_into_the_same_file_shows_the_record_again(pg, acct):
    # The classic mistake: the shell truncates f before jq reads it.
    r = subprocess.run(f"jq . '{acct.path}' > '{acct.path}'", shell=True)
    assert r.returncode == 0  # jq read an empty file and wrote nothing
    shown_again_after_the_grace_period(pg, acct, "emptied and nothing was written")


def test_redirect_then_append_in_separate_opens_still_saves(pg, acct):
    text = acct.original.replace(b'"name": "Acme"', b'"name": "Acme Rockets"')
    subprocess.run(f": > '{acct.path}'", shell=True, check=True)
    with open(acct.path, "ab") as f:
        f.write(text)
    assert ft.row(pg.url, acct.schema, "account",
                  "sfid = '001000000000001AAA'")["name"] == "Acme Rockets"
    assert read(acct.path) == text


def test_shell_redirect_of_nothing_shows_the_record_again(pg, acct):
    subprocess.run(f": > '{acct.path}'", shell=True, check=True)
    shown_again_after_the_grace_period(pg, acct, "emptied and nothing was written")


def test_truncate_alone_shows_the_record_again(pg, acct):
    subprocess.run(["truncate", "-s", "0", acct.path], check=True)
    assert read(acct.path) == b""  # within the grace period
    shown_again_after_the_grace_period(pg, acct, "emptied and nothing was written")


def test_truncate_call_to_a_prefix_shows_the_record_again(pg, acct):
    os.truncate(acct.path, 100)  # truncate(2): no open, so no close will commit it
    assert read(acct.path) == acct.original[:100]
    shown_again_after_the_grace_period(pg, acct, "cut short and nothing was written")


def test_truncate_command_to_a_prefix_is_refused_at_close(pg, acct):
    # truncate(1) opens the file: its close commits the 100 bytes, which are not a record.
    r = subprocess.run(["truncate", "-s", "100", acct.path], capture_output=True, text=True)
    assert r.returncode != 0 and "Invalid argument" in r.stderr
    assert read(acct.path) == acct.original
    assert ft.trigger_log_since(pg.url, acct.schema, acct.mark) == []
    assert read(acct.errors).decode().startswith(ACME + "\tforcefs\t")


def test_truncate_then_append_within_the_grace_period_still_saves(pg, acct):
    text = acct.original.replace(b'"name": "Acme"', b'"name": "Acme Rockets"')
    subprocess.run(["truncate", "-s", "0", acct.path], check=True)
    with open(acct.path, "ab") as f:
        f.write(text)
    r = ft.row(pg.url, acct.schema, "account", "sfid = '001000000000001AAA'")
    assert r["name"] == "Acme Rockets"
    time.sleep(2.6)  # past the grace period: nothing is dropped any more
    assert read(acct.path) == text
    assert read(acct.errors) == b""


def test_invalid_write_shows_the_record_again_with_the_reason(pg, acct):
    with pytest.raises(OSError) as e:
        with open(acct.path, "w") as f:
            f.write('{"name": 42}\n')
    assert e.value.errno == errno.EINVAL
    assert read(acct.path) == acct.original
    assert ft.trigger_log_since(pg.url, acct.schema, acct.mark) == []
    lines = read(acct.errors).decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith(ACME + "\tforcefs\t")
    assert '"name"' in lines[0]


def test_an_open_writer_sees_its_own_empty_file_until_it_closes(pg, acct):
    text = acct.original.replace(b'"name": "Acme"', b'"name": "Acme Rockets"')
    fd = os.open(acct.path, os.O_RDWR)
    try:
        os.ftruncate(fd, 0)
        assert os.fstat(fd).st_size == 0
        assert os.pread(fd, 100, 0) == b""          # its own pending bytes
        os.pwrite(fd, text, 0)
    finally:
        os.close(fd)
    assert read(acct.path) == text
    assert ft.row(pg.url, acct.schema, "account",
                  "sfid = '001000000000001AAA'")["name"] == "Acme Rockets"
    assert read(acct.errors) == b""


def test_a_good_write_after_an_emptied_close_clears_the_error(pg, acct):
    subprocess.run(f": > '{acct.path}'", shell=True, check=True)
    ft.wait_for(lambda: read(acct.errors) != b"", timeout=6, what="the .errors line")
    text = acct.original.replace(b'"name": "Acme"', b'"name": "Acme Rockets"')
    with open(acct.path, "wb") as f:
        f.write(text)
    assert read(acct.errors) == b""
    assert read(acct.path) == text
    assert json.loads(text)["name"] == "Acme Rockets"
