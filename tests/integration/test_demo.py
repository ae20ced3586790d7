"""The README's demo command works: it mounts a browsable sample org and cleans up."""
import json
import os
import subprocess

import forcefs_test as ft


def test_demo_mounts_sample_org_and_stop_cleans_up(workdir):
    mp = os.path.join(workdir, "demo")
    demo = os.path.join(ft.REPO, "scripts", "demo")
    r = subprocess.run([demo, mp], capture_output=True, text=True, timeout=300)
    try:
        assert r.returncode == 0, r.stdout + r.stderr
        assert "scripts/demo stop" in r.stdout
        assert ft.is_mounted(mp)
        assert sorted(os.listdir(mp)) == ["account", "contact", "customer_record__c"]
        accounts = [n for n in os.listdir(os.path.join(mp, "account")) if n.endswith(".json")]
        assert len(accounts) > 500
        with open(os.path.join(mp, "account", accounts[0])) as f:
            assert json.load(f)["sfid"] + ".json" == accounts[0]
    finally:
        stop = subprocess.run([demo, "stop"], capture_output=True, text=True, timeout=120)
    assert stop.returncode == 0, stop.stderr
    assert not ft.is_mounted(mp)
    assert not os.path.exists(mp)
    assert not os.path.exists(os.path.join(ft.REPO, ".demo"))
