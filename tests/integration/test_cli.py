"""docs/contract.md §2: commands, help, version, exit codes and one-line errors."""
import os
import re
import subprocess

import pytest

import forcefs_harness as ft


def test_help_lists_commands_and_exits_0():
    r = ft.run_forcefs("--help")
    assert r.returncode == 0
    assert "mount" in r.stdout


def test_version_prints_version():
    r = ft.run_forcefs("--version")
    assert r.returncode == 0
    assert re.fullmatch(r"forcefs \d+\.\d+\.\d+\n"
                        r"libfuse 3\.\d+\.\d+, libpq \d+\.\d+, libcurl \d+\.\d+\.\d+, "
                        r"cJSON \d+\.\d+\.\d+\n", r.stdout), r.stdout


def test_mount_help_describes_options():
    r = ft.run_forcefs("mount", "--help")
    assert r.returncode == 0
    for opt in ("-o ro", "allow_delete", "objects=", "--db", "--schema", "-f"):
        assert opt in r.stdout


def help_mount_options():
    r = ft.run_forcefs("mount", "--help")
    assert r.returncode == 0
    return [m.group(1) for m in re.finditer(r"^  -o ([a-z_]+)(?:=\S*)?  ", r.stdout, re.M)]


def configuration_md_mount_options():
    text = open(os.path.join(ft.REPO, "docs", "configuration.md")).read()
    section = text.split("## Mount options (`-o`)", 1)[1].split("\n## ", 1)[0]
    names = []
    for row in section.splitlines():
        if not row.startswith("| `"):
            continue
        first = row.split("|")[1]
        if "standard FUSE options" in row:
            continue
        names += re.findall(r"`([a-z_]+)(?:=[^`]*)?`", first)
    return names


def man_page_mount_options():
    text = open(os.path.join(ft.REPO, "docs", "forcefs.1")).read()
    names = []
    for line in text.splitlines():
        m = re.match(r'^\.BI? \\-o "? ?([a-z_]+)', line)
        if m:
            names.append(m.group(1))
            names += re.findall(r'", ([a-z_]+)=', line)
    return names


def test_mount_options_are_the_same_in_help_configuration_md_and_man_page():
    """--help is printed from the one option table (src/cmd/mount_options.c)."""
    names = help_mount_options()
    assert len(names) == len(set(names)) and "batch_size" in names and "ro" in names
    assert sorted(configuration_md_mount_options()) == sorted(names)
    assert sorted(man_page_mount_options()) == sorted(names)


@pytest.mark.parametrize("value,message", [
    ("batch_size=0", "batch_size must be 1..10000"),
    ("batch_size=10001", "batch_size must be 1..10000"),
    ("watch_interval=0.01", "watch_interval must be 0.05..3600"),
    ("watch_interval=3601", "watch_interval must be 0.05..3600"),
    ("entry_timeout=-1", "entry_timeout must be >= 0"),
    ("attr_timeout=-0.5", "attr_timeout must be >= 0"),
    ("cache_size=lots", "cache_size=lots"),
])
def test_mount_option_out_of_range_is_one_line_naming_it(workdir, value, message):
    mp = os.path.join(workdir, "m")
    os.mkdir(mp)
    r = ft.run_forcefs("mount", mp, "-f", "-o", "ro," + value)
    assert r.returncode == 2
    assert message in one_line_error(r)
    assert not ft.is_mounted(mp)


@pytest.mark.parametrize("command", ["mount", "init", "sync", "status"])
def test_shared_arguments_are_one_line_errors_and_one_help_text(command, workdir):
    """--db, --schema, --help and getopt's errors come from src/cmd/cmd_args.c."""
    r = ft.run_forcefs(command, "--bogus")
    assert r.returncode == 2
    assert one_line_error(r) == (f'forcefs: {command}: unknown option "--bogus": '
                                 f"see forcefs {command} --help")
    r = ft.run_forcefs(command, "--db")
    assert r.returncode == 2
    assert one_line_error(r) == f"forcefs: {command}: --db needs a value: see forcefs {command} --help"
    r = ft.run_forcefs(command, "--help")
    assert r.returncode == 0
    text = re.sub(r"\s+", " ", r.stdout)
    assert ("--db URL database URL without a password (default: DATABASE_URL, then "
            "HEROKUCONNECT_URL); the password comes from PGPASSWORD or ~/.pgpass") in text
    assert "--schema NAME schema (default: HEROKUCONNECT_SCHEMA, then salesforce)" in text


def test_unknown_command_is_a_usage_error():
    r = ft.run_forcefs("frobnicate")
    assert r.returncode == 2
    assert r.stderr.startswith("forcefs: ")
    assert len(r.stderr.strip().splitlines()) == 1


def test_no_command_is_a_usage_error():
    r = ft.run_forcefs()
    assert r.returncode == 2


def one_line_error(r):
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("forcefs: ")
    return lines[0]


def no_db_env():
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "HEROKUCONNECT_URL")}
    return env


def test_mount_without_database_names_both_variables(workdir):
    mp = os.path.join(workdir, "m")
    os.mkdir(mp)
    r = subprocess.run([ft.forcefs_binary(), "mount", mp, "-f"], capture_output=True,
                       text=True, env=no_db_env(), timeout=20)
    assert r.returncode == 1
    line = one_line_error(r)
    assert "DATABASE_URL" in line and "HEROKUCONNECT_URL" in line
    assert not ft.is_mounted(mp)


def test_heroku_connect_url_is_used_when_database_url_is_absent(pg, sample, workdir):
    env = no_db_env()
    env["HEROKUCONNECT_URL"] = pg.url
    mp = os.path.join(workdir, "hc")
    os.mkdir(mp)
    proc = subprocess.Popen([ft.forcefs_binary(), "mount", mp, "-f", "--schema", sample],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        ft.wait_for(lambda: ft.is_mounted(mp), what="mount via HEROKUCONNECT_URL")
        assert sorted(os.listdir(mp)) == ["account", "contact"]
    finally:
        subprocess.run(["fusermount3", "-u", mp])
        assert proc.wait(timeout=15) == 0


def test_db_flag_with_password_is_refused(workdir):
    mp = os.path.join(workdir, "m")
    os.mkdir(mp)
    r = ft.run_forcefs("mount", mp, "-f", "--db", "postgresql://u:secret@127.0.0.1/x")
    assert r.returncode == 2
    line = one_line_error(r)
    assert "password" in line
    assert "secret" not in r.stderr
    assert not ft.is_mounted(mp)


def test_unreachable_database_is_one_clear_line(workdir):
    mp = os.path.join(workdir, "m")
    os.mkdir(mp)
    port = ft.pgtmp.free_port()
    r = ft.run_forcefs("mount", mp, "-f",
                       env={"DATABASE_URL": "postgresql://postgres@127.0.0.1:%d/x" % port})
    assert r.returncode == 1
    assert "cannot connect to the database" in one_line_error(r)
    assert not ft.is_mounted(mp)


def test_wrong_database_name_is_one_clear_line(pg, workdir):
    mp = os.path.join(workdir, "m")
    os.mkdir(mp)
    url = pg.url.rsplit("/", 1)[0] + "/no_such_db"
    r = ft.run_forcefs("mount", mp, "-f", env={"DATABASE_URL": url})
    assert r.returncode == 1
    assert "no_such_db" in one_line_error(r)
    assert not ft.is_mounted(mp)


def test_malformed_database_url_is_refused(workdir):
    mp = os.path.join(workdir, "m")
    os.mkdir(mp)
    r = ft.run_forcefs("mount", mp, "-f", env={"DATABASE_URL": "postgresql://[oops"})
    assert r.returncode == 1
    assert "DATABASE_URL" in one_line_error(r)


def test_missing_schema_names_the_fix(pg, workdir):
    mp = os.path.join(workdir, "m")
    os.mkdir(mp)
    r = ft.run_forcefs("mount", mp, "-f", "--schema", "nope",
                       env={"DATABASE_URL": pg.url})
    assert r.returncode == 1
    line = one_line_error(r)
    assert '"nope" does not exist' in line and "--schema" in line
    assert not ft.is_mounted(mp)


def test_schema_from_environment(pg, sample, workdir):
    mp = os.path.join(workdir, "m")
    os.mkdir(mp)
    env = dict(os.environ, DATABASE_URL=pg.url, HEROKUCONNECT_SCHEMA=sample)
    proc = subprocess.Popen([ft.forcefs_binary(), "mount", mp, "-f"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        ft.wait_for(lambda: ft.is_mounted(mp), what="mount")
        assert sorted(os.listdir(mp)) == ["account", "contact"]
    finally:
        subprocess.run(["fusermount3", "-u", mp])
        assert proc.wait(timeout=15) == 0


def test_missing_mount_point(pg, sample, workdir):
    mp = os.path.join(workdir, "absent")
    r = ft.run_forcefs("mount", mp, "-f", "--schema", sample, env={"DATABASE_URL": pg.url})
    assert r.returncode == 1
    assert "No such file or directory" in one_line_error(r)


def test_mount_point_that_is_a_file(pg, sample, workdir):
    mp = os.path.join(workdir, "file")
    open(mp, "w").close()
    r = ft.run_forcefs("mount", mp, "-f", "--schema", sample, env={"DATABASE_URL": pg.url})
    assert r.returncode == 1
    assert "not a directory" in one_line_error(r)


def test_busy_mount_point_is_refused(pg, sample, mounts):
    m = mounts(pg.url, sample)
    r = ft.run_forcefs("mount", m.mountpoint, "-f", "--schema", sample,
                       env={"DATABASE_URL": pg.url})
    assert r.returncode == 1
    assert "already mounted" in one_line_error(r)
    assert sorted(os.listdir(m.mountpoint)) == ["account", "contact"]


def test_unknown_object_in_objects_option(pg, sample, workdir):
    mp = os.path.join(workdir, "m")
    os.mkdir(mp)
    r = ft.run_forcefs("mount", mp, "-f", "--schema", sample, "-o", "objects=account,nope",
                       env={"DATABASE_URL": pg.url})
    assert r.returncode == 2
    assert '"nope"' in one_line_error(r)
    assert not ft.is_mounted(mp)


def test_unknown_mount_option_is_a_usage_error(pg, sample, workdir):
    mp = os.path.join(workdir, "m")
    os.mkdir(mp)
    r = ft.run_forcefs("mount", mp, "-f", "--schema", sample, "-o", "frobnicate",
                       env={"DATABASE_URL": pg.url})
    assert r.returncode == 2
    assert not ft.is_mounted(mp)


def test_daemonizes_without_f_and_unmounts_cleanly(pg, sample, workdir):
    mp = os.path.join(workdir, "bg")
    os.mkdir(mp)
    r = ft.run_forcefs("mount", mp, "--schema", sample, env={"DATABASE_URL": pg.url})
    assert r.returncode == 0, r.stderr
    try:
        assert ft.is_mounted(mp)
        assert sorted(os.listdir(mp)) == ["account", "contact"]
    finally:
        subprocess.run(["fusermount3", "-u", mp], check=True)
    ft.wait_for(lambda: subprocess.run(["pgrep", "-f", "forcefs mount " + mp],
                                       capture_output=True).returncode != 0,
                what="the daemon to exit")
