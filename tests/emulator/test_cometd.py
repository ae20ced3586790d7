"""Streaming API: Change Data Capture over CometD (docs/emulator.md)."""

import http.cookiejar
import json
import threading
import time
import urllib.request

import pytest

COMETD = "/cometd/60.0"
ACC = "/data/AccountChangeEvent"


class Bayeux:
    """A minimal long-polling Bayeux client with a cookie jar."""

    def __init__(self, client, cookies=True):
        self.client = client
        self.jar = http.cookiejar.CookieJar()
        handlers = [urllib.request.HTTPCookieProcessor(self.jar)] if cookies else []
        self.opener = urllib.request.build_opener(*handlers)
        self.client_id = None
        self.n = 0

    def send(self, *msgs, token=None, path=COMETD):
        body = []
        for m in msgs:
            self.n += 1
            m = dict(m, id=str(self.n))
            if self.client_id and m["channel"] != "/meta/handshake":
                m.setdefault("clientId", self.client_id)
            body.append(m)
        req = urllib.request.Request(
            self.client.url + path, data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json",
                     "Authorization": "Bearer " + (token or self.client.token)})
        try:
            with self.opener.open(req, timeout=30) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def handshake(self):
        st, out = self.send({"channel": "/meta/handshake", "version": "1.0",
                             "supportedConnectionTypes": ["long-polling"]})
        assert st == 200 and out[0]["successful"], out
        self.client_id = out[0]["clientId"]
        return out[0]

    def subscribe(self, channel, replay=-1):
        st, out = self.send({"channel": "/meta/subscribe", "subscription": channel,
                             "ext": {"replay": {channel: replay}}})
        assert st == 200, out
        return out[0]

    def connect(self):
        st, out = self.send({"channel": "/meta/connect",
                             "connectionType": "long-polling"})
        assert st == 200, out
        return out[0], out[1:]

    def events(self, want=1, deadline=10.0):
        got = []
        end = time.time() + deadline
        while len(got) < want and time.time() < end:
            meta, evs = self.connect()
            assert meta["successful"], meta
            got.extend(evs)
        return got


@pytest.fixture
def cdc(client):
    r = client.control("POST", "cdc", {"timeout_ms": 1000})
    assert r.status == 200, r
    yield client
    client.control("POST", "reset", {"keep_records": True})


def edit(client, **body):
    r = client.control("POST", "edit", body)
    assert r.status == 200, r
    return r.json()


def account_id(client):
    return client.query("SELECT Id FROM Account LIMIT 1").json()["records"][0]["Id"]


def test_handshake_shape_and_cookie(cdc):
    b = Bayeux(cdc)
    hs = b.handshake()
    assert hs["channel"] == "/meta/handshake" and hs["version"] == "1.0"
    assert hs["supportedConnectionTypes"] == ["long-polling"]
    assert hs["advice"] == {"interval": 0, "timeout": 1000, "reconnect": "retry"}
    assert hs["ext"]["replay"] is True
    assert [c.name for c in b.jar] == ["BAYEUX_BROWSER"]


def test_default_timeout_is_salesforce_socket_timeout(client):
    b = Bayeux(client)
    assert b.handshake()["advice"]["timeout"] == 110000


def test_missing_cookie_is_refused(cdc):
    b = Bayeux(cdc, cookies=False)
    b.handshake()
    out = b.subscribe(ACC)
    assert not out["successful"]
    assert out["error"] == ("400::Client %s has established a session, but no "
                            "BAYEUX_BROWSER cookie present" % b.client_id)


def test_version_and_auth_errors(cdc):
    b = Bayeux(cdc)
    st, out = b.send({"channel": "/meta/handshake"}, path="/cometd")
    assert st == 400 and "API version in the URI is mandatory" in out[0]["error"]
    st, out = b.send({"channel": "/meta/handshake"}, path="/cometd/36.0")
    assert st == 400 and "Only API versions '37.0' and later" in out[0]["error"]
    st, out = b.send({"channel": "/meta/handshake", "version": "1.0",
                      "supportedConnectionTypes": ["long-polling"]}, token="nope")
    assert st == 200 and out[0]["error"] == "403::Handshake denied"
    assert out[0]["ext"]["sfdc"]["failureReason"] == "401::Authentication invalid"
    assert out[0]["advice"]["reconnect"] == "none"
    st, out = b.send({"channel": "/meta/handshake", "version": "1.0",
                      "supportedConnectionTypes": ["websocket"]})
    assert out[0]["error"] == "400::Invalid connection type websocket"


def test_unknown_client(cdc):
    b = Bayeux(cdc)
    b.client_id = "nosuchclient"
    meta, _ = b.connect()
    assert meta["error"] == "403::Unknown client"
    assert meta["advice"]["reconnect"] == "handshake"


def test_dropped_clients_must_handshake_again(cdc):
    b = Bayeux(cdc)
    b.handshake()
    assert b.subscribe(ACC)["successful"]
    cdc.control("POST", "cdc", {"drop_clients": True})
    meta, _ = b.connect()
    assert meta["error"] == "403::Unknown client"


def test_update_event_shape(cdc):
    b = Bayeux(cdc)
    b.handshake()
    assert b.subscribe(ACC)["successful"]
    b.connect()        # the first connect answers at once
    rid = account_id(cdc)
    r = cdc.patch("sobjects/Account/" + rid, {"Industry": "Energy", "Phone": None},
                  headers={"Sforce-Call-Options": "client=forcefs-test"})
    assert r.status == 204, r
    evs = b.events(1)
    assert len(evs) == 1
    e = evs[0]
    assert e["channel"] == ACC and e["clientId"] == b.client_id
    p = e["data"]["payload"]
    h = p["ChangeEventHeader"]
    assert h["entityName"] == "Account" and h["recordIds"] == [rid]
    assert h["changeType"] == "UPDATE"
    assert h["changeOrigin"] == "com/salesforce/api/rest/60.0;client=forcefs-test"
    assert h["commitUser"] == "0055g0000000002AAA"
    assert "Industry" in h["changedFields"] and "LastModifiedDate" in h["changedFields"]
    assert "SystemModstamp" not in h["changedFields"]
    assert p["Industry"] == "Energy"
    for k in ("transactionKey", "sequenceNumber", "commitTimestamp", "commitNumber",
              "nulledFields", "diffFields"):
        assert k in h
    assert isinstance(e["data"]["event"]["replayId"], int)
    rec = cdc.get("sobjects/Account/%s?fields=SystemModstamp" % rid).json()
    assert h["commitTimestamp"] % 1000 == int(rec["SystemModstamp"][20:23])


def test_nulled_fields_and_ui_origin(cdc):
    b = Bayeux(cdc)
    b.handshake()
    b.subscribe(ACC)
    b.connect()
    rid = account_id(cdc)
    edit(cdc, object="Account", id=rid, values={"Phone": "+1 555 0100"})
    edit(cdc, object="Account", id=rid, values={"Phone": None})
    evs = b.events(2)
    h = evs[1]["data"]["payload"]["ChangeEventHeader"]
    assert h["nulledFields"] == ["Phone"] and h["changeOrigin"] == ""
    assert evs[1]["data"]["payload"]["Phone"] is None
    assert evs[1]["data"]["event"]["replayId"] > evs[0]["data"]["event"]["replayId"]


def test_create_delete_undelete(cdc):
    b = Bayeux(cdc)
    b.handshake()
    b.subscribe(ACC)
    b.connect()
    rid = edit(cdc, object="Account", values={"Name": "Streamed Ltd"})["id"]
    edit(cdc, object="Account", id=rid, delete=True)
    edit(cdc, object="Account", id=rid, undelete=True)
    evs = b.events(3)
    types = [e["data"]["payload"]["ChangeEventHeader"]["changeType"] for e in evs]
    assert types == ["CREATE", "DELETE", "UNDELETE"]
    assert evs[0]["data"]["payload"]["Name"] == "Streamed Ltd"
    assert "IsDeleted" not in evs[0]["data"]["payload"]
    assert cdc.get("sobjects/Account/" + rid).status == 200


def test_long_poll_waits_then_delivers(cdc):
    cdc.control("POST", "cdc", {"timeout_ms": 5000})
    b = Bayeux(cdc)
    b.handshake()
    b.subscribe(ACC)
    b.connect()
    rid = account_id(cdc)
    threading.Timer(0.5, lambda: edit(cdc, object="Account", id=rid,
                                      values={"Phone": "42"})).start()
    t0 = time.time()
    meta, evs = b.connect()
    took = time.time() - t0
    assert meta["successful"] and len(evs) == 1
    assert 0.3 < took < 3, took
    t0 = time.time()
    meta, evs = b.connect()
    assert meta["successful"] and evs == [] and time.time() - t0 >= 4.5


def test_replay_minus_two_and_stored_id(cdc):
    rid = account_id(cdc)
    for v in ("1", "2", "3"):
        edit(cdc, object="Account", id=rid, values={"Phone": v})
    b = Bayeux(cdc)
    b.handshake()
    assert b.subscribe(ACC, -2)["successful"]
    evs = b.events(3)
    phones = [e["data"]["payload"]["Phone"] for e in evs][-3:]
    assert phones == ["1", "2", "3"]
    second = evs[-2]["data"]["event"]["replayId"]
    b2 = Bayeux(cdc)
    b2.handshake()
    assert b2.subscribe(ACC, second)["successful"]
    evs = b2.events(1)
    assert [e["data"]["payload"]["Phone"] for e in evs] == ["3"]


def test_invalid_and_expired_replay_id(cdc):
    rid = account_id(cdc)
    edit(cdc, object="Account", id=rid, values={"Phone": "old"})
    b = Bayeux(cdc)
    b.handshake()
    b.subscribe(ACC, -2)
    old = b.events(1)[-1]["data"]["event"]["replayId"]
    out = b.subscribe(ACC, 999999)
    assert not out["successful"]
    assert out["error"] == ("400::The replayId {999999} you provided was invalid.  "
                            "Please provide a valid ID, -2 to replay all events, or "
                            "-1 to replay only new events.")
    cdc.control("POST", "clock", {"advance_ms": 73 * 3600 * 1000})
    out = b.subscribe(ACC, old)
    assert not out["successful"] and "{%d}" % old in out["error"]
    assert b.subscribe(ACC, -1)["successful"]


def test_unselected_object_is_refused(cdc):
    cdc.control("POST", "cdc", {"deselect": ["Contact"]})
    b = Bayeux(cdc)
    b.handshake()
    out = b.subscribe("/data/ContactChangeEvent")
    assert not out["successful"]
    assert out["error"] == ("400::The channel you requested to subscribe to does not "
                            "exist {/data/ContactChangeEvent}")
    custom = b.subscribe("/data/Customer_Record__ChangeEvent")
    assert custom["successful"], custom
    st = cdc.control("GET", "cdc").json()
    assert "Contact" not in st["selected"] and "Customer_Record__c" in st["selected"]


def test_no_events_for_unselected_object(cdc):
    cdc.control("POST", "cdc", {"deselect": ["Account"]})
    before = cdc.control("GET", "cdc").json()["published"]
    edit(cdc, object="Account", id=account_id(cdc), values={"Phone": "7"})
    assert cdc.control("GET", "cdc").json()["published"] == before


def test_gap_event(cdc):
    b = Bayeux(cdc)
    b.handshake()
    b.subscribe(ACC)
    b.connect()
    rid = account_id(cdc)
    r = cdc.control("POST", "cdc", {"gap": {"object": "Account", "type": "GAP_UPDATE",
                                            "ids": [rid]}})
    assert r.status == 200 and r.json()["replay_id"] > 0
    evs = b.events(1)
    h = evs[0]["data"]["payload"]["ChangeEventHeader"]
    assert h["changeType"] == "GAP_UPDATE" and h["recordIds"] == [rid]
    assert set(evs[0]["data"]["payload"]) == {"ChangeEventHeader"}
    bad = cdc.control("POST", "cdc", {"gap": {"object": "Account", "type": "UPDATE"}})
    assert bad.status == 400


def test_daily_allocation(cdc):
    cdc.control("POST", "cdc", {"allocation": 1})
    b = Bayeux(cdc)
    b.handshake()
    b.subscribe(ACC)
    b.connect()
    rid = account_id(cdc)
    edit(cdc, object="Account", id=rid, values={"Phone": "a"})
    edit(cdc, object="Account", id=rid, values={"Phone": "b"})
    assert len(b.events(1)) == 1
    meta, evs = b.connect()
    assert meta["error"] == "403::Organization total events daily limit exceeded"
    assert evs == []


def test_cometd_calls_are_not_api_calls(cdc):
    used = cdc.control("GET", "limits").json()["used"]
    b = Bayeux(cdc)
    b.handshake()
    b.subscribe(ACC)
    b.connect()
    assert cdc.control("GET", "limits").json()["used"] == used
    assert cdc.control("GET", "stats").json()["by_endpoint"]["POST /cometd"] >= 3


def test_replay_ids_grow_across_a_reset(cdc):
    rid = account_id(cdc)
    edit(cdc, object="Account", id=rid, values={"Phone": "before"})
    before = cdc.control("GET", "cdc").json()["latest_replay_id"]
    cdc.control("POST", "reset", {"keep_records": True})
    b = Bayeux(cdc)
    b.handshake()
    out = b.subscribe(ACC, before)          # the old id is gone with the reset
    assert not out["successful"] and "replayId" in out["error"]
    edit(cdc, object="Account", id=rid, values={"Phone": "after"})
    assert cdc.control("GET", "cdc").json()["latest_replay_id"] > before


def test_cdc_objects_option(tmp_root):
    from emutestlib import SCRIPT
    import subprocess
    r = subprocess.run([str(SCRIPT), "--port", "0", "--cdc-objects", "Account,Nope"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert r.stderr == "sf-emulator: --cdc-objects: unknown sObject Nope\n"
