"""The README's demo command works: it mounts a browsable sample org and cleans up."""
import json
import os
import re
import subprocess
import urllib.request

import pytest

import forcefs_harness as ft


def emulator_state(url):
    with urllib.request.urlopen(url + "/__emulator/state", timeout=10) as resp:
        return json.loads(resp.read())


def alive(pid):
    """Whether process `pid` runs (a zombie waiting for its reaper does not)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def mount_log_tail(state, lines=40):
    """The end of the demo mount's log: why a command failed, for the report."""
    try:
        with open(os.path.join(state, "forcefs.log"), errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError as e:
        return "no mount log: %s" % e


def try_lines(demo_output):
    """The shell commands the demo prints under "Try:", continuation lines joined and
    comments dropped, in order."""
    lines, on = [], False
    for line in demo_output.splitlines():
        if line.startswith("Try:"):
            on = True
        elif on and line.startswith("  "):
            if lines and lines[-1].endswith("\\"):
                lines[-1] = lines[-1][:-1] + line.strip()
            else:
                lines.append(line.strip())
        elif on and line.startswith("The database:"):
            break
    return [re.sub(r"\s+# .*$", "", cmd) for cmd in lines]


def test_demo_mounts_sample_org_and_stop_cleans_up(workdir):
    mp = os.path.join(workdir, "demo")
    demo = os.path.join(ft.REPO, "scripts", "demo")
    state = os.path.join(ft.REPO, ".demo")
    r = subprocess.run([demo, mp], capture_output=True, text=True, timeout=300, cwd=ft.REPO)
    emulator_pid = None
    try:
        assert r.returncode == 0, r.stdout + r.stderr
        assert "scripts/demo stop" in r.stdout
        assert ft.is_mounted(mp)
        assert sorted(os.listdir(mp)) == ["account", "contact", "customer_record__c"]
        accounts = [n for n in os.listdir(os.path.join(mp, "account")) if n.endswith(".json")]
        assert len(accounts) > 500
        with open(os.path.join(mp, "account", accounts[0])) as f:
            assert json.load(f)["sfid"] + ".json" == accounts[0]

        # The emulator is up, serves the org the mount shows, and keeps it in .demo/.
        with open(os.path.join(state, "emulator.pid")) as f:
            emulator_pid = int(f.read())
        with open(os.path.join(state, "sf_url")) as f:
            sf_url = f.read().strip()
        assert alive(emulator_pid)
        assert sf_url in r.stdout
        emu = emulator_state(sf_url)
        assert emu["persistent"]
        assert emu["objects"]["Account"]["records"] == len(accounts)
        assert os.path.exists(os.path.join(state, "org.json"))
        # The schema was made by forcefs init, not by the loader.
        assert "demo: init: account: created" in r.stdout
        assert 'demo: init: schema "salesforce" is ready' in r.stdout

        # Every "Try:" line runs as printed: the demo installed what they use.
        commands = try_lines(r.stdout)
        assert len(commands) >= 12 and any(c.startswith("getfattr") for c in commands)
        for cmd in commands:
            t = subprocess.run(["bash", "-c", cmd], cwd=ft.REPO,
                               capture_output=True, text=True, timeout=60)
            assert t.returncode == 0, (cmd, t.stdout, t.stderr, mount_log_tail(state))
            if cmd.startswith("getfattr"):
                assert 'user.forcefs.state="' in t.stdout, t.stdout
            if cmd.startswith("grep -l"):
                assert int(t.stdout) > 0
    finally:
        stop = subprocess.run([demo, "stop"], capture_output=True, text=True, timeout=120)
    assert stop.returncode == 0, stop.stderr
    assert not ft.is_mounted(mp)
    assert not os.path.exists(mp)
    assert not os.path.exists(state)
    assert emulator_pid is not None and not alive(emulator_pid)
    with pytest.raises(OSError):
        emulator_state(sf_url)
