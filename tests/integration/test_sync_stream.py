"""docs/sync.md "Streaming": Change Data Capture events as doorbells.

Every engine here runs with the safety window poll at an hour (`--safety-poll 3600`), so a
change made in Salesforce that reaches the database within seconds can only have come
through a change event. The emulator's long polls last 3 s so that dropped clients are
noticed quickly.
"""
import os
import subprocess
import time

import pytest

import forcefs_harness as ft
from sync_harness import Engine, Org, rows, sql, status, synced_schema

SAFETY = ["--safety-poll", "3600"]


def start_org(extra=()):
    return Org(extra=["--cometd-timeout-ms", "3000", *extra])


@pytest.fixture
def org():
    o = start_org()
    yield o
    o.stop()


class World:
    pass


def make_world(pg, org, schema_name):
    synced_schema(org, pg.url, schema_name)
    w = World()
    w.org, w.url, w.schema = org, pg.url, schema_name
    w.q = ft.quote_ident(schema_name)
    return w


@pytest.fixture
def world(pg, org, schema_name):
    return make_world(pg, org, schema_name)


@pytest.fixture
def engine(world, workdir):
    started = []

    def start(name="sync", args=SAFETY, wait=("Account: streaming changes",), **kw):
        e = Engine(world.org, world.url, world.schema, workdir, name=name, args=args, **kw)
        started.append(e)
        e.wait_log("leading the sync")
        for text in wait:
            e.wait_log(text)
        return e

    yield start
    for e in started:
        if e.proc.poll() is None:
            e.stop()


def account(w, offset=0):
    return rows(w.url, f"SELECT id, sfid, name, phone FROM {w.q}.account "
                       f"WHERE sfid IS NOT NULL ORDER BY id OFFSET {offset} LIMIT 1")[0]


def phone_of(w, sfid):
    out = sql(w.url, f"SELECT coalesce(phone, '<null>') FROM {w.q}.account "
                     f"WHERE sfid = '{sfid}'")
    return out[0] if out else None


def state(w, obj="Account"):
    return rows(w.url, f"SELECT replay_id, stream_state, stream_note, events_today "
                       f"FROM {w.q}._forcefs_sync WHERE object = '{obj}'")[0]


def wait_phone(w, sfid, value, timeout=10):
    ft.wait_for(lambda: phone_of(w, sfid) == value, timeout=timeout,
                what="phone %r for %s (now %r)" % (value, sfid, phone_of(w, sfid)))


def test_edit_create_delete_undelete_arrive_through_events(world, engine):
    e = engine()
    a = account(world, 2)
    t0 = time.monotonic()
    world.org.edit("Account", a["sfid"], Phone="555-0199")
    wait_phone(world, a["sfid"], "555-0199")
    assert time.monotonic() - t0 < 5
    # a create
    new = world.org.control("edit", {"object": "Account",
                                     "values": {"Name": "Streamed Start-up"}})["id"]
    ft.wait_for(lambda: sql(world.url, f"SELECT name FROM {world.q}.account "
                                       f"WHERE sfid = '{new}'") == ["Streamed Start-up"],
                timeout=10, what="the created record")
    # a delete, then an undelete
    world.org.control("edit", {"object": "Account", "id": new, "delete": True})
    ft.wait_for(lambda: phone_of(world, new) is None, timeout=10, what="the row to go")
    world.org.control("edit", {"object": "Account", "id": new, "undelete": True})
    ft.wait_for(lambda: sql(world.url, f"SELECT name FROM {world.q}.account "
                                       f"WHERE sfid = '{new}'") == ["Streamed Start-up"],
                timeout=10, what="the undeleted record")
    st = state(world)
    assert st["stream_state"] == "streaming" and st["events_today"] >= 4
    cdc = world.org.control("cdc", method="GET")
    assert st["replay_id"] == cdc["latest_replay_id"]
    # nothing went back to Salesforce
    assert sql(world.url, f"SELECT count(*) FROM {world.q}._trigger_log") == ["0"]
    s = status(world.url, world.schema)
    acc = next(o for o in s["objects"] if o["object"] == "Account")
    assert acc["stream"] == "streaming" and acc["events_today"] >= 4
    assert acc["replay_id"] == cdc["latest_replay_id"]
    assert acc["replay_age_seconds"] is not None and acc["replay_age_seconds"] < 60
    log = e.stop()
    assert "change event" in log


def test_object_without_cdc_polls(pg, schema_name, workdir):
    org = start_org(["--cdc-objects", "Account,Customer_Record__c"])
    try:
        w = make_world(pg, org, schema_name)
        e = Engine(org, w.url, w.schema, workdir, args=SAFETY, poll=1)
        e.wait_log("Contact: not streaming")
        e.wait_log("Account: streaming changes")
        c = rows(w.url, f"SELECT sfid FROM {w.q}.contact WHERE sfid IS NOT NULL LIMIT 1")[0]
        org.edit("Contact", c["sfid"], Title="Polled Title")
        ft.wait_for(lambda: sql(w.url, f"SELECT title FROM {w.q}.contact WHERE sfid = "
                                       f"'{c['sfid']}'") == ["Polled Title"],
                    timeout=10, what="the polled change")
        st = state(w, "Contact")
        assert st["stream_state"] == "polling"
        assert "does not exist {/data/ContactChangeEvent}" in st["stream_note"]
        text = subprocess.run([ft.forcefs_binary(), "status", "--schema", w.schema],
                              env=dict(os.environ, DATABASE_URL=w.url), capture_output=True,
                              text=True, timeout=30).stdout
        lines = {ln.split()[0]: ln for ln in text.splitlines() if ln.strip()}
        assert "CHANGES" in text and "REPLAY AGE" in text and "EVENTS" in text
        assert " streaming " in lines["Account"] and " polling " in lines["Contact"]
        assert "polling: /meta/subscribe refused: 400::The channel" in text
        log = e.stop()
        assert log.count("Contact: not streaming") == 1
    finally:
        org.stop()


def test_sigkill_mid_stream_resumes_from_stored_replay_id(world, engine, workdir):
    e = engine()
    a, b, c = account(world, 0), account(world, 1), account(world, 2)
    world.org.edit("Account", a["sfid"], Phone="first")
    wait_phone(world, a["sfid"], "first")
    before = state(world)
    assert before["events_today"] == 1
    e.kill()
    # changes while no engine runs
    world.org.edit("Account", b["sfid"], Phone="second")
    world.org.edit("Account", c["sfid"], Phone="third")
    world.org.edit("Account", a["sfid"], Phone="fourth")
    stats_before = world.org.stats()["by_endpoint"]
    e2 = Engine(world.org, world.url, world.schema, workdir, name="sync2", args=SAFETY,
                env={"FORCEFS_SYNC_STREAM_GRACE_MS": "600000"})
    try:
        e2.wait_log("Account: streaming changes")
        wait_phone(world, b["sfid"], "second")
        wait_phone(world, c["sfid"], "third")
        wait_phone(world, a["sfid"], "fourth")
        ft.wait_for(lambda: state(world)["events_today"] == 4, timeout=10,
                    what="the replayed events counted")
        # exactly the three missed events were replayed, the first one not again
        time.sleep(1.5)
        after = state(world)
        assert after["events_today"] == 4
        assert after["replay_id"] == world.org.control("cdc", method="GET")["latest_replay_id"]
        # each event was one by-Id fetch at most; no window poll of Account ran
        by = world.org.stats()["by_endpoint"]
        fetched = by.get("GET /queryAll", 0) - stats_before.get("GET /queryAll", 0)
        assert 1 <= fetched <= 3 + 2, by   # + the catch-up polls of the two other objects
    finally:
        e2.stop()


def test_expired_replay_id_polls_from_cursor_then_streams(world, engine, workdir):
    e = engine()
    a, b = account(world, 0), account(world, 1)
    world.org.edit("Account", a["sfid"], Phone="before-expiry")
    wait_phone(world, a["sfid"], "before-expiry")
    e.stop()
    world.org.edit("Account", b["sfid"], Phone="while-down")
    # 73 hours later (emulator clock): the stored replay id is past the 72 h retention
    world.org.control("clock", {"advance_ms": 73 * 3600 * 1000})
    e2 = Engine(world.org, world.url, world.schema, workdir, name="sync2", args=SAFETY)
    try:
        e2.wait_log("is no longer available")
        wait_phone(world, b["sfid"], "while-down")   # the window poll from the cursor
        e2.wait_log("Account: streaming changes")
        world.org.edit("Account", a["sfid"], Phone="after-expiry")
        wait_phone(world, a["sfid"], "after-expiry", timeout=5)
    finally:
        e2.stop()


def test_gap_events(world, engine):
    engine()
    a, b = account(world, 0), account(world, 1)
    # changes that make no event (the object is deselected meanwhile) ...
    world.org.control("cdc", {"deselect": ["Account"]})
    world.org.edit("Account", a["sfid"], Phone="gap-named")
    world.org.edit("Account", b["sfid"], Phone="gap-overflow")
    world.org.control("cdc", {"select": ["Account"]})
    time.sleep(1)
    assert phone_of(world, a["sfid"]) != "gap-named"
    # ... a gap event naming a record fetches it
    world.org.control("cdc", {"gap": {"object": "Account", "type": "GAP_UPDATE",
                                      "ids": [a["sfid"]]}})
    wait_phone(world, a["sfid"], "gap-named")
    assert phone_of(world, b["sfid"]) != "gap-overflow"
    # ... an overflow names none: a window poll
    world.org.control("cdc", {"gap": {"object": "Account", "type": "GAP_OVERFLOW"}})
    wait_phone(world, b["sfid"], "gap-overflow")


def test_unknown_client_mid_session_handshakes_again(world, engine):
    e = engine()
    a, b = account(world, 0), account(world, 1)
    world.org.edit("Account", a["sfid"], Phone="known")
    wait_phone(world, a["sfid"], "known")
    # the server forgets every client; a change right away is replayed after the new
    # handshake (subscribed from the last replay id received)
    world.org.control("cdc", {"drop_clients": True})
    world.org.edit("Account", b["sfid"], Phone="after-forget")
    e.wait_log("403::Unknown client")
    wait_phone(world, b["sfid"], "after-forget")
    world.org.edit("Account", a["sfid"], Phone="new-session")
    wait_phone(world, a["sfid"], "new-session")
    assert "handshaking again" in e.read_log()


def quiet_stats(w):
    """The emulator's call counts once the engine's catch-up polls are over."""
    last = None
    for _ in range(100):
        now = w.org.stats()["by_endpoint"]
        if now == last:
            return now
        last = now
        time.sleep(0.5)
    raise AssertionError("the engine never went quiet: %r" % now)


def test_echo_of_own_push_is_dropped(world, engine):
    engine(wait=("Account: streaming changes", "Contact: streaming changes",
                 "Customer_Record__c: streaming changes"))
    a = account(world, 4)
    quiet_stats(world)
    before = world.org.stats()["by_endpoint"].get("GET /queryAll", 0)
    events_before = state(world)["events_today"]
    sql(world.url, f"UPDATE {world.q}.account SET phone = 'pushed-here' WHERE id = {a['id']}")
    ft.wait_for(lambda: world.org.record("Account", a["sfid"], "Phone")["Phone"] ==
                "pushed-here", timeout=10, what="the push")
    # the event of our own write arrives and is counted, but nothing is fetched for it
    ft.wait_for(lambda: state(world)["events_today"] == events_before + 1, timeout=10,
                what="the echo event")
    time.sleep(1)
    assert world.org.stats()["by_endpoint"].get("GET /queryAll", 0) == before
    assert phone_of(world, a["sfid"]) == "pushed-here"
    assert sql(world.url, f"SELECT count(*) FROM {world.q}._trigger_log") == ["1"]


def test_local_pending_change_is_not_overwritten_by_an_event(world, engine):
    engine()
    a = account(world, 5)
    # Salesforce refuses the local change for now: it stays in the queue as FAILED
    world.org.control("validation-rule", {"object": "Account", "field": "Name",
                                          "value": "Local Name", "message": "not yet"})
    sql(world.url, f"UPDATE {world.q}.account SET phone = 'local-wins', "
                   f"name = 'Local Name' WHERE id = {a['id']}")
    ft.wait_for(lambda: sql(world.url, f"SELECT _hc_lastop FROM {world.q}.account "
                                       f"WHERE id = {a['id']}") == ["FAILED"],
                timeout=10, what="the refused push")
    # Salesforce changes the same field and another one
    world.org.edit("Account", a["sfid"], Phone="salesforce-loses", Website="https://x.test")
    ft.wait_for(lambda: sql(world.url, f"SELECT website FROM {world.q}.account "
                                       f"WHERE id = {a['id']}") == ["https://x.test"],
                timeout=10, what="the other field from the event")
    assert phone_of(world, a["sfid"]) == "local-wins"
    assert sql(world.url, f"SELECT name FROM {world.q}.account WHERE id = {a['id']}") == \
        ["Local Name"]
    # the rule goes, the change is retried: Salesforce ends with the local value
    world.org.control("validation-rule", method="DELETE")
    sql(world.url, f"UPDATE {world.q}._trigger_log SET state = 'NEW' WHERE state = 'FAILED'")
    ft.wait_for(lambda: world.org.record("Account", a["sfid"], "Phone")["Phone"] ==
                "local-wins", timeout=15, what="the local value in Salesforce")
    time.sleep(1)
    assert phone_of(world, a["sfid"]) == "local-wins"


def test_org_api_usage_past_90_percent_pushes_only(world, engine):
    e = engine()
    a, b = account(world, 6), account(world, 7)
    limit = world.org.control("limits", method="GET")["limit"]
    # the org has used 95% of its allowance: the next answer says so
    world.org.control("limits", {"used": limit * 95 // 100})
    sql(world.url, f"UPDATE {world.q}.account SET phone = 'pushed-anyway' WHERE id = {a['id']}")
    e.wait_log("over 90%")
    ft.wait_for(lambda: world.org.record("Account", a["sfid"], "Phone")["Phone"] ==
                "pushed-anyway", timeout=10, what="the push past 90%")
    # a change in Salesforce is not fetched meanwhile
    world.org.edit("Account", b["sfid"], Phone="waits-for-budget")
    time.sleep(2)
    assert phone_of(world, b["sfid"]) != "waits-for-budget"
    # usage back down (a new day): the next answer says so, and the object catches up
    world.org.control("limits", {"used": 0})
    sql(world.url, f"UPDATE {world.q}.account SET phone = 'pushed-again' WHERE id = {a['id']}")
    e.wait_log("pulling as usual")
    wait_phone(world, b["sfid"], "waits-for-budget")


def test_org_api_usage_past_70_percent_lengthens_the_safety_poll(world, engine):
    e = engine()
    a = account(world, 6)
    limit = world.org.control("limits", method="GET")["limit"]
    world.org.control("limits", {"used": limit * 75 // 100})
    sql(world.url, f"UPDATE {world.q}.account SET phone = 'at-75' WHERE id = {a['id']}")
    e.wait_log("over 70%")
    b = account(world, 8)
    world.org.edit("Account", b["sfid"], Phone="still-streamed")
    wait_phone(world, b["sfid"], "still-streamed")


def test_no_streaming_polls_only(world, engine):
    e = engine(args=SAFETY + ["--no-streaming"], wait=())
    a = account(world, 3)
    world.org.edit("Account", a["sfid"], Phone="polled-only")
    wait_phone(world, a["sfid"], "polled-only")     # the 1 s poll
    assert "POST /cometd" not in world.org.stats()["by_endpoint"]
    assert "streaming changes" not in e.read_log()


@pytest.mark.parametrize("args,env,message", [
    (["--safety-poll", "0"], {}, "--safety-poll takes a whole number from 1 to 86400"),
    ([], {"FORCEFS_STREAMING": "yes"}, "FORCEFS_STREAMING takes 0 or 1"),
])
def test_streaming_usage_errors(world, args, env, message):
    import subprocess
    from sync_harness import engine_env
    proc = subprocess.run([ft.forcefs_binary(), "sync", "--schema", world.schema, *args],
                          env=engine_env(world.org, world.url, env), capture_output=True,
                          text=True, timeout=30)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr
    assert proc.stderr.count("\n") == 1


@pytest.mark.parametrize("streaming", [True, False])
def test_streamed_object_skips_the_ten_minute_delete_pass(world, engine, streaming):
    # safety poll every second, so that polls happen during the test
    if streaming:
        e = engine(args=["--safety-poll", "1"],
                   wait=("Account: streaming changes", "Contact: streaming changes",
                         "Customer_Record__c: streaming changes"))
    else:
        e = engine(args=["--no-streaming"], wait=())
    time.sleep(2)
    # the last getDeleted pass was 20 minutes ago: a polled object runs one now
    sql(world.url, f"UPDATE {world.q}._forcefs_sync "
                   f"SET deleted_checked_at = now() - interval '20 minutes'")
    world.org.control("stats", method="DELETE")
    time.sleep(3)
    by = world.org.stats()["by_endpoint"]
    assert by.get("GET /queryAll", 0) >= 3, by    # each object polled at least once
    assert by.get("GET /sobjects/{sobject}/deleted", 0) == (0 if streaming else 3), by
    e.stop()


def test_expired_session_mid_stream_logs_in_again(world, engine):
    e = engine()
    a, b = account(world, 0), account(world, 1)
    world.org.edit("Account", a["sfid"], Phone="before-expiry")
    wait_phone(world, a["sfid"], "before-expiry")
    world.org.control("expire-tokens", {})
    world.org.edit("Account", b["sfid"], Phone="after-expiry")
    wait_phone(world, b["sfid"], "after-expiry")
    # the stream thread logged in again (a third login: the engine's, the stream's, again)
    ft.wait_for(lambda: e.read_log().count("logged in to Salesforce") >= 3, timeout=10,
                what="the new login")


def test_event_allocation_spent_falls_back_to_polling(world, engine):
    e = engine(args=["--safety-poll", "3600"])
    world.org.control("cdc", {"allocation": 0})
    a = account(world, 2)
    world.org.edit("Account", a["sfid"], Phone="polled-instead")
    e.wait_log("Organization total events daily limit exceeded")
    wait_phone(world, a["sfid"], "polled-instead")   # the 1 s poll meanwhile
    assert state(world)["stream_state"] == "polling"


def test_cometd_outage_backs_off_then_streams_again(world, engine):
    e = engine()
    world.org.faults({"match": "POST /cometd", "fault": "http503", "count": 3})
    a = account(world, 3)
    world.org.edit("Account", a["sfid"], Phone="through-outage")
    e.wait_log("streaming stopped")
    e.wait_log("streaming again")
    wait_phone(world, a["sfid"], "through-outage")
    b = account(world, 4)
    world.org.edit("Account", b["sfid"], Phone="after-outage")
    wait_phone(world, b["sfid"], "after-outage", timeout=5)
    assert state(world)["stream_state"] == "streaming"


def test_sigkill_during_a_stream_of_events_applies_each_exactly_once(world, engine, workdir):
    import random
    import threading
    e = engine()
    accts = rows(world.url, f"SELECT sfid FROM {world.q}.account WHERE sfid IS NOT NULL "
                            f"ORDER BY id")
    rounds = 20
    start_events = state(world)["events_today"]

    def edits():
        for r in range(rounds):
            for a in accts:
                world.org.edit("Account", a["sfid"], Phone="r%d-%s" % (r, a["sfid"][-4:]))
    t = threading.Thread(target=edits)
    t.start()
    ft.wait_for(lambda: state(world)["events_today"] > start_events, timeout=10,
                what="the first events applied")
    time.sleep(random.Random(11).uniform(0.1, 0.5))
    e.kill()                                   # somewhere in the middle of the events
    mid = state(world)["events_today"] - start_events
    t.join()
    e2 = Engine(world.org, world.url, world.schema, workdir, name="sync2", args=SAFETY)
    try:
        total = rounds * len(accts)
        try:
            ft.wait_for(lambda: state(world)["events_today"] >= start_events + total,
                        timeout=30, what="every event applied")
        except AssertionError:
            raise AssertionError("%d of %d events (%d before the kill):\n%s" % (
                state(world)["events_today"] - start_events, total, mid,
                e2.read_log()[-4000:]))
        time.sleep(1)
        assert state(world)["events_today"] == start_events + total   # none twice
        assert 0 < mid < total, mid                # the kill did cut the stream
        final = {a["sfid"]: "r%d-%s" % (rounds - 1, a["sfid"][-4:]) for a in accts}
        got = {r["sfid"]: r["phone"] for r in rows(
            world.url, f"SELECT sfid, phone FROM {world.q}.account WHERE sfid IS NOT NULL")}
        assert got == final
        assert state(world)["replay_id"] == \
            world.org.control("cdc", method="GET")["latest_replay_id"]
    finally:
        e2.stop()
