"""Bounds on what users can make the mount hold (docs/configuration.md, "Bounds"): files
that are not records, per directory and in all, and the bytes in them. Past a bound the
operation answers ENOSPC, logs one line, and changes nothing."""
import errno
import os
import subprocess

import pytest

import forcefs_harness as ft

ACME = "001000000000001AAA.json"


def create(path):
    with open(path, "w"):
        pass


def refused_with_enospc(fn, *args):
    with pytest.raises(OSError) as e:
        fn(*args)
    assert e.value.errno == errno.ENOSPC
    return e


def test_scratch_files_are_bounded_per_directory_and_in_all(pg, sample, mounts):
    m = mounts(pg.url, sample, ("max_scratch_per_dir=3", "max_scratch_files=5"))
    mark = ft.trigger_log_mark(pg.url, sample)
    for name in ("a.tmp", "b.tmp", "c.tmp"):
        create(m.path("account", name))
    refused_with_enospc(create, m.path("account", "d.tmp"))
    assert not os.path.exists(m.path("account", "d.tmp"))
    create(m.path("contact", "x.tmp"))
    create(m.path("contact", "y.tmp"))
    refused_with_enospc(create, m.path("contact", "z.tmp"))
    # A record renamed to a scratch name (an editor's backup) counts too.
    with pytest.raises(OSError) as e:
        os.rename(m.path("account", ACME), m.path("account", ACME + "~"))
    assert e.value.errno == errno.ENOSPC
    assert os.path.exists(m.path("account", ACME))
    # Room again once one is gone.
    os.unlink(m.path("account", "a.tmp"))
    create(m.path("account", "d.tmp"))
    # Writing to records is not affected by the bound on other files.
    with open(m.path("account", ACME)) as f:
        text = f.read()
    with open(m.path("account", ACME), "w") as f:
        f.write(text.replace('"Acme"', '"Acme 2"'))
    assert ft.row(pg.url, sample, "account", "sfid = '001000000000001AAA'")["name"] == "Acme 2"
    assert len(ft.trigger_log_since(pg.url, sample, mark)) == 1
    lines = [l for l in m.read_log().splitlines() if "max_scratch" in l]
    assert any("max_scratch_per_dir=3" in l for l in lines), m.read_log()
    assert any("max_scratch_files=5" in l for l in lines), m.read_log()


def test_bytes_in_scratch_files_are_bounded(pg, sample, mounts):
    m = mounts(pg.url, sample, ("max_pending=1",))
    chunk = b"x" * (600 * 1024)
    with open(m.path("account", "a.tmp"), "wb") as f:
        f.write(chunk)
    f = open(m.path("account", "b.tmp"), "wb", buffering=0)
    refused_with_enospc(f.write, chunk)
    f.close()
    assert os.path.getsize(m.path("account", "b.tmp")) == 0
    refused_with_enospc(os.truncate, m.path("account", "b.tmp"), 2 * 1024 * 1024)
    assert os.path.getsize(m.path("account", "a.tmp")) == len(chunk)
    os.unlink(m.path("account", "a.tmp"))
    with open(m.path("account", "b.tmp"), "wb") as f:
        f.write(chunk)
    assert os.path.getsize(m.path("account", "b.tmp")) == len(chunk)
    assert any("max_pending=1 MiB" in l for l in m.read_log().splitlines())


def test_editors_work_under_small_bounds(pg, sample, mounts):
    m = mounts(pg.url, sample, ("max_scratch_per_dir=1", "max_pending=1"))
    path = m.path("account", ACME)
    subprocess.run(["sed", "-i", 's/"Acme"/"Acme Rockets"/', path], check=True)
    assert ft.row(pg.url, sample, "account", "sfid = '001000000000001AAA'")["name"] == \
        "Acme Rockets"


def test_bad_bound_is_refused(pg, sample, workdir):
    mnt = os.path.join(workdir, "m")
    os.mkdir(mnt)
    r = ft.run_forcefs("mount", mnt, "-f", "--schema", sample, "-o", "max_pending=2000000",
                       env={"DATABASE_URL": pg.url})
    assert r.returncode != 0 and not ft.is_mounted(mnt)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "max_pending" in lines[0], r.stderr
