"""Process behaviour: startup line, --data persistence, shutdown."""

import os
import re
import signal

from emutestlib import Client, start_emulator


def test_startup_prints_base_url_and_binds_loopback(emulator):
    assert re.match(r"^http://127\.0\.0\.1:\d+$", emulator.url)


def test_data_file_persists_records_across_restart(tmp_root):
    path = os.path.join(tmp_root, "org.json")
    emu = start_emulator("--seed", "empty", "--data", path)
    try:
        c = Client(emu.url)
        c.login()
        rid = c.post("sobjects/Account", {"Name": "Persistent Ünïcode",
                                          "External_ID__c": "persist-1"}).json()["id"]
        rt = c.login()["refresh_token"]
    finally:
        assert emu.stop() == 0
    assert os.path.exists(path)
    emu = start_emulator("--seed", "demo", "--data", path)      # file wins over seed
    try:
        c = Client(emu.url)
        form = {"grant_type": "refresh_token", "client_id": "forcefs-test",
                "client_secret": "forcefs-test", "refresh_token": rt}
        r = c.post("/services/oauth2/token", auth=False, form=form)
        assert r.status == 200                  # refresh tokens survive a restart
        c.token = r.json()["access_token"]
        rec = c.get("sobjects/Account/" + rid).json()
        assert rec["Name"] == "Persistent Ünïcode"
        assert c.query("SELECT COUNT() FROM Account").json()["totalSize"] == 1
        # a new record gets a new id, not a reused one
        rid2 = c.post("sobjects/Account", {"Name": "Second"}).json()["id"]
        assert rid2 > rid
        c.delete("sobjects/Account/" + rid)
    finally:
        # killed without a clean shutdown: the journal still has every write
        emu.proc.kill()
        emu.proc.wait()
    emu = start_emulator("--data", path)
    try:
        c = Client(emu.url)
        c.login()
        assert c.get("sobjects/Account/" + rid2).json()["Name"] == "Second"
        dead = c.query("SELECT Id, IsDeleted FROM Account WHERE Id = '%s'" % rid,
                       all=True).json()
        assert dead["records"][0]["IsDeleted"] is True
    finally:
        assert emu.stop(signal.SIGINT) == 0


def test_counts_option_sizes_the_demo_org():
    emu = start_emulator("--counts", "Account=50,Contact=7,Customer_Record__c=0")
    try:
        c = Client(emu.url)
        c.login()
        n = {o: c.query("SELECT COUNT() FROM %s" % o, all=True).json()["totalSize"]
             for o in ("Account", "Contact", "Customer_Record__c")}
        assert n == {"Account": 50, "Contact": 7, "Customer_Record__c": 0}
    finally:
        assert emu.stop() == 0
