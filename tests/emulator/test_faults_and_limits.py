"""API usage limit and runtime fault injection."""

import http.client
import socket
import time
import urllib.parse

import pytest


def test_limit_info_header_on_every_data_response(client):
    used = client.control("GET", "limits").json()["used"]
    r = client.get("sobjects")
    assert r.headers["Sforce-Limit-Info"] == "api-usage=%d/15000" % (used + 1)
    r = client.get("sobjects/Nope/describe")           # errors carry it too
    assert r.headers["Sforce-Limit-Info"] == "api-usage=%d/15000" % (used + 2)
    r = client.query("SELECT Id FROM Account LIMIT 1")
    assert r.headers["Sforce-Limit-Info"].startswith("api-usage=%d/" % (used + 3))
    assert "Sforce-Limit-Info" not in client.get("/services/data/", auth=False).headers


def test_request_limit_exceeded_answers_403(client):
    client.control("POST", "limits", {"used": 9, "limit": 10})
    assert client.get("sobjects").status == 200
    r = client.get("sobjects")
    assert r.status == 403
    assert r.json() == [{"message": "TotalRequests Limit exceeded.",
                         "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
    assert r.headers["Sforce-Limit-Info"] == "api-usage=10/10"
    client.control("POST", "limits", {"reset": True})
    assert client.get("sobjects").status == 200
    assert client.get("limits").json()["DailyApiRequests"]["Max"] == 15000


def test_fault_http500_and_http503_fire_count_times(client):
    r = client.control("POST", "faults", {"rules": [
        {"match": "GET /sobjects", "fault": "http503", "count": 2},
        {"match": "PATCH /composite/sobjects", "fault": "http500", "count": 1}]})
    assert r.status == 200
    assert [client.get("sobjects").status for _ in range(3)] == [503, 503, 200]
    assert client.get("sobjects/Account/describe").status == 200   # rule 1 spent
    r = client.patch("composite/sobjects", {"records": []})
    assert r.status == 500 and r.json()[0]["errorCode"] == "UNKNOWN_EXCEPTION"
    assert client.patch("composite/sobjects", {"records": []}).status == 200
    st = client.control("GET", "faults").json()
    assert [x["fired"] for x in st["rules"]] == [2, 1]


def test_fault_slow_delays_response(client):
    client.control("POST", "faults", {"rules": [
        {"match": "GET /query", "fault": "slow", "delay_ms": 400, "count": 1}]})
    t = time.monotonic()
    assert client.query("SELECT Id FROM Account LIMIT 1").status == 200
    assert time.monotonic() - t >= 0.4
    t = time.monotonic()
    client.query("SELECT Id FROM Account LIMIT 1")
    assert time.monotonic() - t < 0.4


def test_fault_unable_to_lock_row_fails_records_without_applying(client):
    rid = client.post("sobjects/Account", {"Name": "Locked"}).json()["id"]
    client.control("POST", "faults", {"rules": [
        {"match": "PATCH /composite/sobjects", "fault": "unable_to_lock_row", "count": 1},
        {"match": "PATCH /sobjects", "fault": "unable_to_lock_row", "count": 1}]})
    r = client.patch("composite/sobjects", {"records": [
        {"attributes": {"type": "Account"}, "id": rid, "Name": "Changed"}]})
    assert r.status == 200
    assert r.json() == [{"success": False, "errors": [{
        "statusCode": "UNABLE_TO_LOCK_ROW",
        "message": "unable to obtain exclusive access to this record", "fields": []}]}]
    r = client.patch("sobjects/Account/" + rid, {"Name": "Changed"})
    assert r.status == 400 and r.json()[0]["errorCode"] == "UNABLE_TO_LOCK_ROW"
    assert client.get("sobjects/Account/" + rid).json()["Name"] == "Locked"
    assert client.patch("sobjects/Account/" + rid, {"Name": "Changed"}).status == 204


def test_drop_after_commit_applies_write_but_sends_no_response(client):
    client.control("POST", "faults", {"rules": [
        {"match": "PATCH /composite/sobjects/Account/External_ID__c",
         "fault": "drop_after_commit", "count": 1}]})
    body = {"records": [{"attributes": {"type": "Account"},
                         "External_ID__c": "lost-response-1", "Name": "Lost"}]}
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError,
                        http.client.IncompleteRead, OSError)):
        client.patch("composite/sobjects/Account/External_ID__c", body)
    # the change landed; the retry is an update of the same record
    q = client.query("SELECT Id FROM Account WHERE External_ID__c = 'lost-response-1'")
    assert q.json()["totalSize"] == 1
    r = client.patch("composite/sobjects/Account/External_ID__c", body).json()
    assert r[0]["created"] is False and r[0]["id"] == q.json()["records"][0]["Id"]


def test_drop_before_commit_sends_nothing_and_changes_nothing(client):
    client.control("POST", "faults", {"rules": [
        {"match": "POST /sobjects/Account", "fault": "drop_before_commit", "count": 1}]})
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError, OSError)):
        client.post("sobjects/Account", {"Name": "Never", "External_ID__c": "never-1"})
    q = client.query("SELECT Id FROM Account WHERE External_ID__c = 'never-1'")
    assert q.json()["totalSize"] == 0


def test_fault_expire_token_forces_401(client):
    client.control("POST", "faults", {"rules": [
        {"match": "*", "fault": "expire_token", "count": 1}]})
    r = client.get("sobjects")
    assert r.status == 401 and r.json()[0]["errorCode"] == "INVALID_SESSION_ID"
    client.login()
    assert client.get("sobjects").status == 200


def test_fault_request_limit_and_oauth_faults(client):
    client.control("POST", "faults", {"rules": [
        {"match": "GET /limits", "fault": "request_limit", "count": 1},
        {"match": "POST /services/oauth2/token", "fault": "http503", "count": 1}]})
    r = client.get("limits")
    assert r.status == 403 and r.json()[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    r = client.post("/services/oauth2/token", auth=False, form={"grant_type": "password"})
    assert r.status == 503


def test_fault_probability_is_reproducible_with_seed(client):
    def run():
        client.control("POST", "faults", {"seed": 7, "rules": [
            {"match": "GET /sobjects", "fault": "http500", "probability": 0.5}]})
        return [client.get("sobjects").status for _ in range(20)]
    a, b = run(), run()
    assert a == b
    assert 500 in a and 200 in a


def test_fault_rules_are_validated(client):
    for rules in ([{"fault": "meteor"}], [{"fault": "http500", "probability": 2}],
                  [{"fault": "http500", "count": -1}], "nope"):
        r = client.control("POST", "faults", {"rules": rules})
        assert r.status == 400, rules
    assert client.control("DELETE", "faults").json()["rules"] == []


def test_client_disconnect_prints_no_traceback(emulator, client):
    u = urllib.parse.urlsplit(emulator.url)
    for payload in (b"POST /services/data/v60.0/composite/sobjects HTTP/1.1\r\n"
                    b"Host: x\r\nContent-Length: 1000\r\n\r\n{\"rec",
                    b"GET /services/data/ HTTP/1.1\r\nHost: x\r\n\r\n", b"GE"):
        s = socket.create_connection((u.hostname, u.port))
        s.sendall(payload)
        s.close()
    s = socket.create_connection((u.hostname, u.port))
    s.sendall(b"GET /services/data/ HTTP/1.1\r\nHost: x\r\n\r\n")
    s.shutdown(socket.SHUT_WR)
    s.recv(10)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    s.close()                                   # RST while the answer is in flight
    time.sleep(0.3)
    assert client.get("sobjects").status == 200
    assert "Traceback" not in emulator.stderr_text()
