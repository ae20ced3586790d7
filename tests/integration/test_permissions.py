"""Permissions under -o allow_other (docs/configuration.md, "Who can read and change records"):
forcefs checks every caller against the owner and modes it shows (-o uid=, gid=, umask=);
a refused write changes nothing and logs one line with the caller's uid."""
import os
import subprocess

import forcefs_harness as ft

ACME = "001000000000001AAA.json"
NOBODY = 65534


def as_nobody(*argv):
    def drop():
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
    return subprocess.run(list(argv), preexec_fn=drop, cwd="/", capture_output=True,
                          text=True, timeout=30)


def mount_for_others(pg, sample, mounts, workdir, *options):
    os.chmod(workdir, 0o755)  # mkdtemp makes it 0700: others could not reach the mount
    return mounts(pg.url, sample, ("allow_other",) + options)


def acme_name(pg, sample):
    return ft.row(pg.url, sample, "account", "sfid = '001000000000001AAA'")["name"]


def test_other_users_read_but_cannot_change_records(pg, sample, mounts, workdir):
    m = mount_for_others(pg, sample, mounts, workdir)
    path = m.path("account", ACME)
    st = os.stat(path)
    assert (st.st_uid, st.st_gid, st.st_mode & 0o7777) == (os.getuid(), os.getgid(), 0o644)
    assert os.stat(m.path("account")).st_mode & 0o7777 == 0o755
    mark = ft.trigger_log_mark(pg.url, sample)

    r = as_nobody("cat", path)
    assert r.returncode == 0 and '"Acme"' in r.stdout
    r = as_nobody("sed", "-i", "s/Acme/Pwned/", path)
    assert r.returncode != 0 and "Permission denied" in r.stderr
    r = as_nobody("sh", "-c", f"echo '{{}}' > {path}")
    assert r.returncode != 0 and "Permission denied" in r.stderr
    r = as_nobody("truncate", "-s", "0", path)
    assert r.returncode != 0
    r = as_nobody("touch", m.path("account", "new.json"))
    assert r.returncode != 0
    r = as_nobody("mv", path, m.path("account", "x.json"))
    assert r.returncode != 0

    assert acme_name(pg, sample) == "Acme"
    assert ft.trigger_log_since(pg.url, sample, mark) == []
    with open(path) as f:
        assert '"Acme"' in f.read()
    refused = [line for line in m.read_log().splitlines() if "permission denied" in line]
    assert refused and all(f"uid {NOBODY} " in line for line in refused)
    assert any("may not change" in line for line in refused)


def test_umask_hides_records_from_other_users(pg, sample, mounts, workdir):
    m = mount_for_others(pg, sample, mounts, workdir, "umask=077")
    path = m.path("account", ACME)
    assert os.stat(path).st_mode & 0o7777 == 0o600
    assert os.stat(m.path("account")).st_mode & 0o7777 == 0o700
    r = as_nobody("cat", path)
    assert r.returncode != 0 and "Permission denied" in r.stderr
    r = as_nobody("ls", m.path("account"))
    assert r.returncode != 0 and "Permission denied" in r.stderr
    r = as_nobody("ls", m.path(".by"))
    assert r.returncode != 0
    with open(path) as f:  # the owner (root here) still reads
        assert '"Acme"' in f.read()


def test_the_chosen_owner_may_edit(pg, sample, mounts, workdir):
    m = mount_for_others(pg, sample, mounts, workdir, f"uid={NOBODY}", f"gid={NOBODY}")
    path = m.path("account", ACME)
    st = os.stat(path)
    assert (st.st_uid, st.st_gid) == (NOBODY, NOBODY)
    r = as_nobody("sed", "-i", "s/\"Acme\"/\"Acme Rockets\"/", path)
    assert r.returncode == 0, r.stderr
    ft.wait_for(lambda: acme_name(pg, sample) == "Acme Rockets", what="nobody's edit saved")


def test_bad_owner_options_are_refused(pg, sample, workdir):
    for bad in ("umask=1777", "umask=9", "uid=-1"):
        mnt = os.path.join(workdir, "m-" + bad.replace("=", "-"))
        os.mkdir(mnt)
        r = ft.run_forcefs("mount", mnt, "-f", "--schema", sample, "-o", bad,
                           env={"DATABASE_URL": pg.url})
        assert r.returncode != 0 and not ft.is_mounted(mnt)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and "invalid" in lines[0], r.stderr
