"""docs/contract.md §7 / docs/sync.md: `forcefs sync` and `forcefs status` against the emulator.

Each test makes a schema with `forcefs init` from the emulator's describe, loads it with
`forcefs sync --once`, and checks what arrives in Salesforce through the emulator's REST
API, and what arrives in the mount through the files. Fault, crash and restart tests are
in test_sync_faults.py.
"""
import json
import os
import subprocess
import threading
import time

import pytest

import forcefs_harness as ft
from sync_harness import (Engine, Org, queue_empty, rows, run_sync, sql, status,
                               synced_schema, time_until, wait_queue_empty)


@pytest.fixture
def org():
    o = Org()
    yield o
    o.stop()


@pytest.fixture
def world(pg, org, schema_name):
    """An emulator org and a schema loaded from it."""
    synced_schema(org, pg.url, schema_name)

    class World:
        pass
    w = World()
    w.org, w.url, w.schema = org, pg.url, schema_name
    w.q = ft.quote_ident(schema_name)
    return w


@pytest.fixture
def engine(world, workdir):
    started = []

    def start(name="sync", **kw):
        e = Engine(world.org, world.url, world.schema, workdir, name=name, **kw)
        started.append(e)
        e.wait_log("leading the sync")
        return e

    yield start
    for e in started:
        if e.proc.poll() is None:
            e.stop()


def an_account(w, offset=0):
    return rows(w.url, f"SELECT id, sfid, name FROM {w.q}.account WHERE sfid IS NOT NULL "
                       f"ORDER BY id OFFSET {offset} LIMIT 1")[0]


def sf_field(w, obj, sfid, field):
    return w.org.record(obj, sfid, field)[field]


# --- the mount and the engine together ------------------------------------------------

def test_vim_edit_in_mount_reaches_salesforce(world, engine, mounts):
    engine()
    m = mounts(world.url, world.schema)
    acct = an_account(world)
    path = m.path("account", acct["sfid"] + ".json")
    start = time.monotonic()
    subprocess.run(["vim", "--clean", "-es", "-c", r'/^  "name": /s/: .*,$/: "Edited In Vim",/',
                    "-c", "wq", path], check=True, timeout=30)
    ft.wait_for(lambda: sf_field(world, "Account", acct["sfid"], "Name") == "Edited In Vim",
                timeout=10, what="the edit in Salesforce")
    assert time.monotonic() - start < 5
    # the answer is written back right after the call
    ft.wait_for(lambda: rows(world.url, f"SELECT state, action, sf_result FROM "
                                        f"{world.q}._trigger_log") ==
                [{"state": "SUCCESS", "action": "UPDATE", "sf_result": 1}], timeout=5,
                what="the write-back")
    ft.wait_for(lambda: os.getxattr(path, "user.forcefs.state") in (b"UPDATED", b"SYNCED"),
                timeout=5, what="the file's sync state")


def test_salesforce_edit_changes_mounted_file(world, engine, mounts):
    engine()
    m = mounts(world.url, world.schema)
    acct = an_account(world, 3)
    path = m.path("account", acct["sfid"] + ".json")
    with open(path) as f:
        assert json.load(f)["phone"] != "555-0100"
    world.org.edit("Account", acct["sfid"], Phone="555-0100")

    def changed():
        with open(path) as f:
            return json.load(f)["phone"] == "555-0100"
    # poll interval 1 s + the mount's watcher
    assert time_until(changed, timeout=10, what="the file to change") < 1 + 2
    # a change made in Salesforce is not sent back
    assert sql(world.url, f"SELECT count(*) FROM {world.q}._trigger_log") == ["0"]


def test_cp_creates_record_and_file_gets_sfid_name(world, engine, mounts):
    engine()
    m = mounts(world.url, world.schema)
    acct = an_account(world, 1)
    before = set(os.listdir(m.path("account")))
    subprocess.run(["cp", m.path("account", acct["sfid"] + ".json"),
                    m.path("account", "copy.json")], check=True)

    def new_names():
        return set(n for n in os.listdir(m.path("account")) if n.endswith(".json")) - before
    names = ft.wait_for(lambda: [n for n in new_names() if not n.startswith("local-")],
                        timeout=10, what="the copy's sfid name")
    assert len(names) == 1 and not new_names() - set(names)
    sfid = names[0][:-len(".json")]
    copy = world.org.record("Account", sfid, "Name", "External_ID__c")
    original = world.org.record("Account", acct["sfid"], "Name", "External_ID__c")
    assert copy["Name"] == original["Name"]
    # the copy got an external id of its own (it upserts on it), not the original's
    assert copy["External_ID__c"] and copy["External_ID__c"] != original["External_ID__c"]
    with open(m.path("account", "copy.json")) as f:
        assert json.load(f)["sfid"] == sfid
    assert len(world.org.query(f"SELECT Id FROM Account WHERE Name = '{original['Name']}'"
                               .replace("\\", "\\\\"))) == 2


def test_rm_with_allow_delete_deletes_in_salesforce(world, engine, mounts):
    engine()
    m = mounts(world.url, world.schema, options=["allow_delete"])
    acct = an_account(world, 2)
    os.unlink(m.path("account", acct["sfid"] + ".json"))
    ft.wait_for(lambda: not world.org.query(f"SELECT Id FROM Account WHERE Id = '{acct['sfid']}'"),
                timeout=10, what="the delete in Salesforce")
    ft.wait_for(lambda: rows(world.url, f"SELECT state, action FROM {world.q}._trigger_log")
                == [{"state": "SUCCESS", "action": "DELETE"}], timeout=5, what="the write-back")
    time.sleep(1.5)  # a pull that sees the deleted record does not bring it back
    assert not os.path.exists(m.path("account", acct["sfid"] + ".json"))


def test_mv_of_an_edited_copy_keeps_the_salesforce_record_and_its_contacts(
        world, engine, mounts, workdir):
    # docs/editing.md "Deleting": mv from another filesystem removes the target first;
    # with allow_delete that must still be an update of the same record, or Salesforce
    # would delete the account and cascade-delete its contacts.
    engine()
    m = mounts(world.url, world.schema, options=["allow_delete"])
    contacts = world.org.query("SELECT Id, AccountId FROM Contact")
    acct = next(a for a in rows(world.url, f"SELECT sfid FROM {world.q}.account "
                                           "WHERE sfid IS NOT NULL ORDER BY id")
                if any(c["AccountId"] == a["sfid"] for c in contacts))
    path = m.path("account", acct["sfid"] + ".json")
    copy = os.path.join(workdir, "edit.json")
    subprocess.run(["cp", path, copy], check=True)
    with open(copy) as f:
        record = json.load(f)
    record["name"] = "Renamed by mv"
    with open(copy, "w") as f:
        json.dump(record, f, indent=2)
    subprocess.run(["mv", copy, path], check=True)
    ft.wait_for(lambda: world.org.record("Account", acct["sfid"], "Name")["Name"]
                == "Renamed by mv", timeout=10, what="the update in Salesforce")
    time.sleep(3)  # past delete_delay: nothing is deleted later either
    assert world.org.query("SELECT Id, AccountId FROM Contact") == contacts
    actions = rows(world.url, f"SELECT action FROM {world.q}._trigger_log")
    assert [r["action"] for r in actions] == ["UPDATE"]
    assert sql(world.url, f"SELECT count(*) FROM {world.q}.account WHERE sfid = "
                          f"'{acct['sfid']}'") == ["1"]


def test_validation_failure_shows_in_errors_xattrs_status_and_fixed_edit_clears_it(
        world, engine, mounts):
    world.org.control("validation-rule", {"object": "Account", "field": "Industry",
                                          "value": "Tobacco",
                                          "message": "We do not sell to tobacco companies"})
    engine()
    m = mounts(world.url, world.schema)
    acct = an_account(world, 4)
    name = acct["sfid"] + ".json"
    path = m.path("account", name)

    def set_field(key, value):
        with open(path) as f:
            data = json.load(f)
        data[key] = value
        with open(path, "w") as f:
            json.dump(data, f, indent=2, sort_keys=True)
            f.write("\n")

    set_field("industry", "Tobacco")
    ft.wait_for(lambda: os.getxattr(path, "user.forcefs.state") == b"FAILED", timeout=10,
                what="the record to fail")
    assert b"tobacco" in os.getxattr(path, "user.forcefs.error")
    with open(m.path("account", ".errors")) as f:
        errors = f.read()
    assert name + "\tsalesforce\t" in errors and "tobacco" in errors
    st = status(world.url, world.schema)
    account = [o for o in st["objects"] if o["table"] == "account"][0]
    assert account["failed"] == 1
    assert [f["file"] for f in st["failed"]] == [name]
    assert "tobacco" in st["failed"][0]["message"]
    err = json.loads(rows(world.url, f"SELECT _hc_err FROM {world.q}.account "
                                     f"WHERE id = {acct['id']}")[0]["_hc_err"])
    assert err["op"] == "UPDATE" and err["src"] == "SFDC" and "tobacco" in err["msg"]
    assert sf_field(world, "Account", acct["sfid"], "Industry") != "Tobacco"

    # another record is not held up by the failed one
    other = an_account(world, 5)
    sql(world.url, f"UPDATE {world.q}.account SET phone = '555-0111' WHERE id = {other['id']}")
    ft.wait_for(lambda: sf_field(world, "Account", other["sfid"], "Phone") == "555-0111",
                timeout=10, what="another record's edit")

    set_field("industry", "Energy")
    ft.wait_for(lambda: sf_field(world, "Account", acct["sfid"], "Industry") == "Energy",
                timeout=10, what="the fixed edit")
    ft.wait_for(lambda: os.getxattr(path, "user.forcefs.state") in (b"UPDATED", b"SYNCED"),
                timeout=10, what="the failure to clear")
    with open(m.path("account", ".errors")) as f:
        assert name not in f.read()
    assert status(world.url, world.schema)["failed"] == []
    ft.wait_for(lambda: sql(world.url, f"SELECT state FROM {world.q}._trigger_log "
                                       f"WHERE record_id = {acct['id']} ORDER BY id")
                == ["MERGED", "SUCCESS"], timeout=5, what="the failed change merged")


# --- conflicts -------------------------------------------------------------------------

def test_concurrent_edits_to_different_fields_keep_both(world):
    acct = an_account(world, 6)
    sql(world.url, f"UPDATE {world.q}.account SET phone = '555-0122' WHERE id = {acct['id']}")
    world.org.edit("Account", acct["sfid"], Website="https://changed.example.com")
    run_sync(world.org, world.url, world.schema)
    rec = world.org.record("Account", acct["sfid"], "Phone", "Website")
    assert rec == {"Phone": "555-0122", "Website": "https://changed.example.com"}
    run_sync(world.org, world.url, world.schema)  # the echo of the push comes back
    row = rows(world.url, f"SELECT phone, website FROM {world.q}.account "
                          f"WHERE id = {acct['id']}")[0]
    assert row == {"phone": "555-0122", "website": "https://changed.example.com"}
    assert sql(world.url, f"SELECT count(*) FROM {world.q}._trigger_log") == ["1"]


def test_same_field_conflict_local_change_wins_without_flip_flop(world, workdir):
    """docs/sync.md: a field with an unprocessed local change is never overwritten by a
    pull; the local value is sent and then stays on both sides."""
    acct = an_account(world, 7)
    sql(world.url, f"UPDATE {world.q}.account SET description = 'local' "
                   f"WHERE id = {acct['id']}")
    world.org.edit("Account", acct["sfid"], Description="remote", Phone="555-0133")

    # The push cannot get through: the pull runs while the local change is queued.
    world.org.faults({"match": "PATCH /composite/sobjects", "fault": "drop_before_commit"})
    run_sync(world.org, world.url, world.schema, env={"FORCEFS_SYNC_ATTEMPTS": "2"}, expect=1)
    row = rows(world.url, f"SELECT description, phone, _hc_lastop FROM {world.q}.account "
                          f"WHERE id = {acct['id']}")[0]
    assert row == {"description": "local", "phone": "555-0133", "_hc_lastop": "PENDING"}

    world.org.clear_faults()
    seen_local, seen_sf = set(), set()
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            seen_local.add(sql(world.url, f"SELECT description FROM {world.q}.account "
                                          f"WHERE id = {acct['id']}")[0])
            seen_sf.add(sf_field(world, "Account", acct["sfid"], "Description"))
            time.sleep(0.02)
    t = threading.Thread(target=sample)
    t.start()
    e = Engine(world.org, world.url, world.schema, workdir)
    try:
        ft.wait_for(lambda: "local" in seen_sf, timeout=10, what="the local value in SF")
        time.sleep(2.5)  # two more polls: nothing changes back
    finally:
        stop.set()
        t.join()
        e.stop()
    assert seen_local == {"local"}
    assert seen_sf <= {"remote", "local"}
    assert sf_field(world, "Account", acct["sfid"], "Description") == "local"
    assert sf_field(world, "Account", acct["sfid"], "Phone") == "555-0133"
    # exactly one push for the record; the pulls sent nothing back
    assert sql(world.url, f"SELECT state FROM {world.q}._trigger_log") == ["SUCCESS"]


# --- engines, limits, budget, status -------------------------------------------------

def test_two_engines_standby_takes_over_within_5_seconds(world, workdir):
    a = Engine(world.org, world.url, world.schema, workdir, name="a")
    a.wait_log("leading the sync")
    b = Engine(world.org, world.url, world.schema, workdir, name="b")
    b.wait_log("standing by")
    st = status(world.url, world.schema)
    assert st["engine"]["running"]
    a.kill()
    took = time_until(lambda: "leading the sync" in b.read_log(), timeout=10,
                      what="the standby to lead")
    assert took < 5
    acct = an_account(world, 8)
    sql(world.url, f"UPDATE {world.q}.account SET phone = '555-0144' WHERE id = {acct['id']}")
    ft.wait_for(lambda: sf_field(world, "Account", acct["sfid"], "Phone") == "555-0144",
                timeout=10, what="the new leader's push")
    b.stop()
    a.log.close()


def test_api_limit_reached_and_recovered(world, engine):
    e = engine()
    limit = world.org.control("limits", method="GET")["limit"]
    world.org.control("limits", {"used": limit})
    acct = an_account(world, 9)
    sql(world.url, f"UPDATE {world.q}.account SET phone = '555-0155' WHERE id = {acct['id']}")
    e.wait_log("API request limit is reached", timeout=10)
    time.sleep(1)
    assert not queue_empty(world.url, world.schema)
    world.org.control("limits", {"reset": True})
    ft.wait_for(lambda: sf_field(world, "Account", acct["sfid"], "Phone") == "555-0155",
                timeout=10, what="the push after the limit window")
    wait_queue_empty(world.url, world.schema)
    st = status(world.url, world.schema)
    account = [o for o in st["objects"] if o["table"] == "account"][0]
    assert account["api_calls_today"] > 0 and st["api_calls_today"] >= account["api_calls_today"]


def test_daily_api_budget_keeps_changes_queued(world):
    spent = status(world.url, world.schema)["api_calls_today"]
    acct = an_account(world, 10)
    sql(world.url, f"UPDATE {world.q}.account SET phone = '555-0166' WHERE id = {acct['id']}")
    log = run_sync(world.org, world.url, world.schema, "--max-daily-api-calls", str(spent),
                   expect=1)
    assert "daily API budget" in log
    assert status(world.url, world.schema)["api_calls_today"] == spent
    assert not queue_empty(world.url, world.schema)
    run_sync(world.org, world.url, world.schema)
    assert sf_field(world, "Account", acct["sfid"], "Phone") == "555-0166"


def test_sigterm_finishes_the_call_in_flight_and_exits_0(world, workdir):
    sql(world.url, f"UPDATE {world.q}.contact SET title = 'Title ' || id")
    n = int(sql(world.url, f"SELECT count(*) FROM {world.q}.contact")[0])
    world.org.faults({"match": "PATCH /composite/sobjects", "fault": "slow", "delay_ms": 1500})
    e = Engine(world.org, world.url, world.schema, workdir,
               env={"FORCEFS_SYNC_BATCH_SIZE": "10"})
    e.wait_log("leading the sync")
    time.sleep(0.7)  # the first call is in flight
    e.stop()  # exit 0 checked here
    done = int(sql(world.url, f"SELECT count(*) FROM {world.q}._trigger_log "
                              "WHERE state = 'SUCCESS'")[0])
    queued = int(sql(world.url, f"SELECT count(*) FROM {world.q}._trigger_log "
                                "WHERE state = 'NEW'")[0])
    assert done == 10 and queued == n - 10
    world.org.clear_faults()
    run_sync(world.org, world.url, world.schema)
    assert queue_empty(world.url, world.schema)
    titles = {r["Id"]: r["Title"] for r in world.org.query("SELECT Id, Title FROM Contact")}
    local = rows(world.url, f"SELECT sfid, title FROM {world.q}.contact")
    assert all(titles[r["sfid"]] == r["title"] for r in local)


def test_initial_load_uses_bulk_api_above_threshold(pg, org, schema_name):
    org.control("stats", method="DELETE")
    synced_schema(org, pg.url, schema_name, env={"FORCEFS_SYNC_BULK_THRESHOLD": "30"})
    stats = org.stats()["by_endpoint"]
    assert stats.get("POST /jobs/query", 0) == 2  # Account, Contact (40 records each)
    # Customer_Record__c (20 records) was paged; each object was counted first
    assert stats.get("GET /queryAll", 0) == 3 + 1
    q = ft.quote_ident(schema_name)
    live = {r["Id"] for r in org.query("SELECT Id FROM Account")}
    assert set(sql(pg.url, f"SELECT sfid FROM {q}.account")) == live
    assert queue_empty(pg.url, schema_name)


def test_status_text_lists_objects_and_failures(world):
    world.org.control("validation-rule", {"object": "Contact", "field": "Title",
                                          "value": "Bad", "message": "Title is bad"})
    sql(world.url, f"UPDATE {world.q}.contact SET title = 'Bad' "
                   f"WHERE id = (SELECT min(id) FROM {world.q}.contact)")
    run_sync(world.org, world.url, world.schema)
    proc = subprocess.run([ft.forcefs_binary(), "status", "--schema", world.schema],
                          env=dict(os.environ, DATABASE_URL=world.url), capture_output=True,
                          text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "no sync engine running" in out
    for obj in ("Account", "Contact", "Customer_Record__c"):
        assert obj in out
    assert "failed records" in out and "Title is bad" in out and "contact/" in out


def test_mapping_upsert_field_makes_a_retried_insert_create_one_record(world, workdir):
    mapping = os.path.join(workdir, "mapping.json")
    with open(mapping, "w") as f:
        json.dump({"mappings": [{"object_name": "Account", "config": {
            "access": "read_write", "sf_polling_seconds": 10, "upsert_field": "External_ID__c",
            "fields": {"Id": {}, "Name": {}, "Phone": {}, "External_ID__c": {},
                       "SystemModstamp": {}, "IsDeleted": {}}}}]}, f)
    sql(world.url, f"INSERT INTO {world.q}.account (name, external_id__c) "
                   "VALUES ('Mapped Co', 'map-ext-1')")
    # Salesforce commits the upsert and the answer is lost: the retry must not duplicate.
    world.org.faults({"match": "PATCH /composite/sobjects", "fault": "drop_after_commit",
                      "count": 1})
    run_sync(world.org, world.url, world.schema, "--mapping", mapping)
    assert world.org.control("faults", method="GET")["fired_total"] == 1
    found = world.org.query("SELECT Id, Name FROM Account WHERE External_ID__c = 'map-ext-1'")
    assert [r["Name"] for r in found] == ["Mapped Co"]
    row = rows(world.url, f"SELECT sfid, _hc_lastop FROM {world.q}.account "
                          "WHERE external_id__c = 'map-ext-1'")[0]
    assert row["sfid"] == found[0]["Id"] and row["_hc_lastop"] in ("INSERTED", "SYNCED")
    # A copy that keeps the upsert key would overwrite the original: refused.
    sql(world.url, f"INSERT INTO {world.q}.account (name, external_id__c) "
                   "VALUES ('Mapped Co copy', 'map-ext-1')")
    run_sync(world.org, world.url, world.schema, "--mapping", mapping)
    failed = status(world.url, world.schema)["failed"]
    assert len(failed) == 1 and "map-ext-1" in failed[0]["message"]
    assert len(world.org.query("SELECT Id FROM Account WHERE External_ID__c = 'map-ext-1'")) == 1


def test_pull_of_more_than_one_copy_piece_lands_whole(world):
    """The pulled rows go to Postgres by COPY in 1 MiB pieces (PQputCopyData takes an int):
    40 accounts of 30000 characters each (1.2 MB) must arrive byte for byte."""
    sfids = sql(world.url, f"SELECT sfid FROM {world.q}.account WHERE sfid IS NOT NULL "
                           f"ORDER BY sfid")[:40]
    assert len(sfids) == 40
    texts = {}
    for i, sfid in enumerate(sfids):
        texts[sfid] = ("%02d \t\\ \u00e9 " % i) + "x" * 29990
        world.org.edit("Account", sfid, Description=texts[sfid])
    run_sync(world.org, world.url, world.schema)
    got = {r["sfid"]: r["description"] for r in
           rows(world.url, f"SELECT sfid, description FROM {world.q}.account")
           if r["sfid"] in texts}
    assert got == texts
