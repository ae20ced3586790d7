"""docs/operations.md: forcefs installed like a system tool: `meson install`, the
systemd units, bash completion, fstab (`mount -t fuse.forcefs`) and the Debian package."""
import glob
import os
import re
import shutil
import subprocess
import tempfile

import pytest

import forcefs_harness as ft

UNITS = ("forcefs-mount@.service", "forcefs-sync@.service")


@pytest.fixture(scope="module")
def installed():
    """`meson install --destdir` of a release build (prefix /usr/local)."""
    build = os.path.join(ft.REPO, "build")
    dest = tempfile.mkdtemp(prefix="forcefs-install-")
    r = subprocess.run(["meson", "install", "-C", build, "--destdir", dest, "--quiet"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    yield dest
    shutil.rmtree(dest, ignore_errors=True)


def installed_files(dest):
    return sorted(os.path.relpath(p, dest) for p in glob.glob(dest + "/**", recursive=True)
                  if os.path.isfile(p))


def test_meson_install_puts_binary_man_page_completion_and_units_in_place(installed):
    files = installed_files(installed)
    assert "usr/local/bin/forcefs" in files
    assert "usr/local/share/man/man1/forcefs.1" in files
    assert any(re.fullmatch(r"usr/(local/)?share/bash-completion/completions/forcefs", f)
               for f in files), files
    for unit in UNITS:
        assert "usr/local/lib/systemd/system/" + unit in files
    assert not any("sfemu" in f or "emulator" in f for f in files)  # a test tool only
    r = subprocess.run([os.path.join(installed, "usr/local/bin/forcefs"), "--version"],
                       capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("forcefs ")


def test_units_run_the_installed_binary_from_an_environment_file(installed):
    for unit in UNITS:
        text = open(os.path.join(installed, "usr/local/lib/systemd/system", unit)).read()
        assert "EnvironmentFile=/etc/forcefs/%i.conf" in text
        assert re.search(r"^ExecStart=/usr/local/bin/forcefs (mount|sync) ", text, re.M)
        assert "Restart=on-failure" in text and "KillSignal=SIGTERM" in text
    mount = open(os.path.join(installed, "usr/local/lib/systemd/system", UNITS[0])).read()
    assert " -f " in mount  # in the foreground, so systemd supervises it


@pytest.mark.skipif(not shutil.which("systemd-analyze"),
                    reason="systemd-analyze is not installed (package systemd)")
def test_units_pass_systemd_analyze_verify(installed, tmp_path):
    # verify checks that ExecStart's program exists: point it at this build's binary.
    for unit in UNITS:
        text = open(os.path.join(installed, "usr/local/lib/systemd/system", unit)).read()
        (tmp_path / unit).write_text(text.replace("/usr/local/bin/forcefs",
                                                  ft.forcefs_binary()))
        r = subprocess.run(["systemd-analyze", "verify", "--man=no", str(tmp_path / unit)],
                           capture_output=True, text=True)
        assert r.returncode == 0 and not r.stderr.strip(), unit + ": " + r.stderr


# --- bash completion -------------------------------------------------------------

def complete(words):
    """Runs the completion function in bash for `words` (the last one being completed)."""
    script = os.path.join(ft.REPO, "contrib", "bash-completion", "forcefs")
    quoted = " ".join("'%s'" % w for w in words)
    cmd = (f"source '{script}'; COMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}; "
           "_forcefs; printf '%s\\n' \"${COMPREPLY[@]}\"")
    env = dict(os.environ, PATH=os.path.dirname(ft.forcefs_binary()) + ":" + os.environ["PATH"])
    r = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    return [line for line in r.stdout.splitlines() if line]


def test_completion_completes_commands():
    assert complete(["forcefs", "mo"]) == ["mount"]
    assert complete(["forcefs", "s"]) == ["sync", "status"]


def test_completion_completes_mount_options_from_help():
    assert complete(["forcefs", "mount", "-o", "allow_"]) == ["allow_delete", "allow_other",
                                                             "allow_root"]
    assert complete(["forcefs", "mount", "-o", "ro,cache"]) == ["ro,cache_size"]


def test_completion_completes_command_options():
    assert "--once" in complete(["forcefs", "sync", "--o"])
    assert complete(["forcefs", "status", "--j"]) == ["--json"]
    assert complete(["forcefs", "login", "--dev"]) == ["--device"]
    assert complete(["forcefs", "lo"]) == ["login", "logout"]


def test_completion_completes_stored_aliases_for_logout(tmp_path):
    d = tmp_path / "forcefs"
    d.mkdir(mode=0o700)
    for alias in ("dev", "prod"):
        (d / ("login-%s.json" % alias)).write_text("{}")
    old = os.environ.get("XDG_CONFIG_HOME")
    os.environ["XDG_CONFIG_HOME"] = str(tmp_path)
    try:
        assert complete(["forcefs", "logout", ""]) == ["dev", "prod"]
    finally:
        os.environ["XDG_CONFIG_HOME"] = old


def test_completion_offers_object_names_of_mounted_trees(pg, sample, mounts):
    m = mounts(pg.url, sample)
    # Other forcefs mounts on this machine may add their objects; each name comes once.
    got = complete(["forcefs", "mount", "-o", "objects=acc"])
    assert "objects=account" in got and len(got) == len(set(got))
    assert all(g.startswith("objects=acc") for g in got)


# --- fstab: mount -t fuse.forcefs SCHEMA MOUNTPOINT -o db=URL,... ------------------

FSTAB_SESSION = r"""
set -u
# mount(8) runs helpers with its own PATH (/usr/local/sbin:/usr/local/bin:/usr/sbin:...):
# in this private mount namespace /usr/local/bin holds just forcefs, as if installed.
mount --bind "$BIN_DIR" /usr/local/bin || exit 90
mount -T "$FSTAB" "$MP" || exit 91
echo "mounted: $(findmnt -n -o SOURCE,FSTYPE "$MP")"
echo "objects: $(ls "$MP" | tr '\n' ' ')"
echo "has-record: $(ls "$MP/account" | grep -c '^001000000000001AAA.json$')"
if (echo x > "$MP/account/001000000000001AAA.json") 2>/dev/null; then echo "write: allowed"
else echo "write: refused"; fi
umount "$MP" || exit 92
for i in $(seq 100); do pgrep -f "forcefs .*$MP" >/dev/null || break; sleep 0.1; done
pgrep -f "forcefs .*$MP" >/dev/null && echo "daemon: still running" || echo "daemon: exited"
"""


def test_fstab_line_mounts_the_schema_and_umount_stops_it(pg, sample, workdir):
    """A real fstab line through mount(8): mount -T FSTAB MOUNTPOINT runs mount.fuse3,
    which runs `forcefs SCHEMA MOUNTPOINT -o db=...` with mount's own PATH."""
    mp = os.path.join(workdir, "fstab-mp")
    os.mkdir(mp)
    bin_dir = os.path.join(workdir, "usr-local-bin")
    os.mkdir(bin_dir)
    os.symlink(ft.forcefs_binary(), os.path.join(bin_dir, "forcefs"))
    fstab = os.path.join(workdir, "fstab")
    with open(fstab, "w") as f:
        f.write("# forcefs test\n")
        f.write(f"{sample} {mp} fuse.forcefs db={pg.url},ro,_netdev,nofail,"
                "x-systemd.automount 0 0\n")
    env = dict(os.environ, BIN_DIR=bin_dir, FSTAB=fstab, MP=mp)
    env.pop("DATABASE_URL", None)
    r = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", FSTAB_SESSION],
                       capture_output=True, text=True, env=env, timeout=90)
    assert r.returncode == 0, r.stdout + r.stderr
    out = dict(line.split(": ", 1) for line in r.stdout.splitlines())
    assert out["mounted"].split() == [f"forcefs:{sample}", "fuse.forcefs"]
    assert out["objects"].split() == ["account", "contact"]
    assert out["has-record"] == "1"
    assert out["write"] == "refused"  # ro reached forcefs
    assert out["daemon"] == "exited"
    assert not ft.is_mounted(mp)  # the namespace's mount never leaked out


def test_fstab_form_through_mount_fuse3_directly(pg, sample, workdir):
    """The argument shape mount.fuse3 passes: SCHEMA MOUNTPOINT -o db=...,_netdev,..."""
    mp = os.path.join(workdir, "fstab-direct")
    os.mkdir(mp)
    env = dict(os.environ, PATH=os.path.dirname(ft.forcefs_binary()) + ":" + os.environ["PATH"])
    env.pop("DATABASE_URL", None)
    r = subprocess.run(["mount.fuse3", sample, mp, "-t", "fuse.forcefs", "-o",
                        f"db={pg.url},ro,_netdev,nofail,x-systemd.automount"],
                       capture_output=True, text=True, env=env, timeout=60)
    try:
        assert r.returncode == 0, r.stderr
        assert ft.is_mounted(mp)
        assert sorted(os.listdir(mp)) == ["account", "contact"]
    finally:
        u = subprocess.run(["umount", mp], capture_output=True, text=True)
    assert u.returncode == 0, u.stderr
    ft.wait_for(lambda: not ft.is_mounted(mp), timeout=10, what="the unmount")
    ft.wait_for(lambda: not subprocess.run(["pgrep", "-f", "forcefs.*" + mp],
                                           capture_output=True).stdout,
                timeout=10, what="the forcefs process to exit")


def test_fstab_form_refuses_a_password_in_db_without_printing_it(pg, sample, workdir):
    mp = os.path.join(workdir, "fstab-pw")
    os.mkdir(mp)
    url = pg.url.replace("postgres@", "postgres:s3cr3t-pw@")
    r = ft.run_forcefs(sample, mp, "-o", f"db={url},ro")
    assert r.returncode == 2
    assert "db= must not carry a password" in r.stderr
    assert "s3cr3t-pw" not in r.stdout + r.stderr
    assert not ft.is_mounted(mp)


def test_fstab_form_in_the_foreground_takes_other_options(pg, sample, mounts, workdir):
    mp = os.path.join(workdir, "fstab-fg")
    os.mkdir(mp)
    proc = subprocess.Popen([ft.forcefs_binary(), sample, mp, "-f", "-o",
                             f"db={pg.url},objects=account,comment=x"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        ft.wait_for(lambda: ft.is_mounted(mp), timeout=15, what="the mount")
        assert os.listdir(mp) == ["account"]
    finally:
        subprocess.run(["fusermount3", "-u", mp])
        assert proc.wait(timeout=15) == 0, proc.stdout.read()


# --- the Debian package ----------------------------------------------------------

@pytest.mark.skipif(not shutil.which("dpkg-buildpackage"),
                    reason="dpkg-dev is not installed (scripts/setup --test installs it)")
def test_debian_package_builds_and_its_binary_runs(tmp_path):
    src = tmp_path / "src"
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ft.REPO,
                           capture_output=True, text=True, check=True).stdout.split("\n")
    for rel in filter(None, files):
        if rel.startswith("build") or not os.path.isfile(os.path.join(ft.REPO, rel)):
            continue
        os.makedirs(src / os.path.dirname(rel), exist_ok=True)
        shutil.copy2(os.path.join(ft.REPO, rel), src / rel)
    r = subprocess.run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=src,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    debs = [d for d in glob.glob(str(tmp_path / "forcefs_*_*.deb"))]
    assert len(debs) == 1 and re.search(r"forcefs_\d+\.\d+\.\d+_[a-z0-9]+\.deb$", debs[0])
    contents = subprocess.run(["dpkg-deb", "-c", debs[0]], capture_output=True, text=True,
                              check=True).stdout
    for path in ("./usr/bin/forcefs", "./usr/share/man/man1/forcefs.1.gz",
                 "./usr/share/bash-completion/completions/forcefs",
                 "./usr/lib/systemd/system/forcefs-mount@.service",
                 "./usr/lib/systemd/system/forcefs-sync@.service"):
        assert path in contents
    assert "sfemu" not in contents and "sf-emulator" not in contents
    root = tmp_path / "root"
    subprocess.run(["dpkg-deb", "-x", debs[0], str(root)], check=True)
    v = subprocess.run([str(root / "usr/bin/forcefs"), "--version"], capture_output=True,
                       text=True)
    assert v.returncode == 0 and v.stdout.startswith("forcefs ")
    if shutil.which("lintian"):
        lint = subprocess.run(["lintian", "--tag-display-limit", "0", debs[0]],
                              capture_output=True, text=True)
        errors = [line for line in lint.stdout.splitlines() if line.startswith("E:")]
        assert not errors, lint.stdout
