"""getUpdated / getDeleted."""

import datetime
import urllib.parse

from emutestlib import fixture


def _iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _now(client):
    s = client.control("GET", "clock").json()["now"]
    return datetime.datetime.strptime(s[:19], "%Y-%m-%dT%H:%M:%S")


def _window(client, kind, obj, start, end):
    q = urllib.parse.urlencode({"start": _iso(start), "end": _iso(end)})
    return client.get("sobjects/%s/%s/?%s" % (obj, kind, q))


def test_get_updated_returns_ids_in_window_and_latest_date_covered(client):
    now = _now(client)
    rid = client.post("sobjects/Account", {"Name": "Updated window"}).json()["id"]
    client.control("POST", "clock", {"advance_ms": 61000})
    r = _window(client, "updated", "Account", now - datetime.timedelta(minutes=5),
                now + datetime.timedelta(days=1))
    assert r.status == 200, r
    body = r.json()
    assert set(body) == set(fixture("sobject__get_updated_success_response.json"))
    assert rid in body["ids"]
    latest = body["latestDateCovered"]
    assert latest.endswith(":00.000+0000")
    assert latest[:16] <= (now + datetime.timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M")
    # a window that ends before the write does not list it
    r = _window(client, "updated", "Account", now - datetime.timedelta(minutes=5),
                now - datetime.timedelta(minutes=2))
    assert rid not in r.json()["ids"]


def test_get_deleted_returns_deleted_records_with_dates(client):
    now = _now(client)
    rid = client.post("sobjects/Account", {"Name": "To delete"}).json()["id"]
    assert client.delete("sobjects/Account/" + rid).status == 204
    client.control("POST", "clock", {"advance_ms": 61000})
    r = _window(client, "deleted", "Account", now - datetime.timedelta(minutes=5),
                now + datetime.timedelta(hours=1))
    assert r.status == 200, r
    body = r.json()
    real = fixture("sobject__get_deleted_success_response.json")
    assert set(body) == set(real)
    assert set(body["deletedRecords"][0]) == set(real["deletedRecords"][0])
    mine = [d for d in body["deletedRecords"] if d["id"] == rid]
    assert len(mine) == 1 and mine[0]["deletedDate"].endswith("+0000")
    assert body["earliestDateAvailable"] <= body["latestDateCovered"]
    # the deleted record is no longer in getUpdated
    r = _window(client, "updated", "Account", now - datetime.timedelta(minutes=5),
                now + datetime.timedelta(hours=1))
    assert rid not in r.json()["ids"]


def test_replication_window_errors(client):
    now = _now(client)
    day = datetime.timedelta(days=1)
    for kind, start, end in (
            ("updated", now, now - day),                    # start after end
            ("updated", now, now),                          # < 1 minute
            ("updated", now - 31 * day, now),               # > 30 days ago
            ("deleted", now - 16 * day, now)):              # > 15 days ago
        r = _window(client, kind, "Account", start, end)
        assert r.status == 400, (kind, start, end, r)
        assert r.json()[0]["errorCode"] == "INVALID_REPLICATION_DATE"
    assert _window(client, "updated", "Account", now - 29 * day, now).status == 200
    assert _window(client, "deleted", "Account", now - 14 * day, now).status == 200
    r = client.get("sobjects/Account/updated/?start=yesterday&end=today")
    assert r.json()[0]["errorCode"] == "INVALID_REPLICATION_DATE"
    r = client.get("sobjects/Nope__c/updated/?start=x&end=y")
    assert r.status == 404


def test_replication_id_limit_answers_exceeded_id_limit(client):
    now = _now(client)
    for i in range(3):
        client.post("sobjects/Contact", {"LastName": "Limit %d" % i})
    client.control("POST", "clock", {"advance_ms": 61000})
    client.control("POST", "limits", {"replication_id_limit": 2})
    r = _window(client, "updated", "Contact", now - datetime.timedelta(minutes=2),
                now + datetime.timedelta(hours=1))
    assert (r.status, r.json()[0]["errorCode"]) == (400, "EXCEEDED_ID_LIMIT")
    assert client.control("GET", "limits").json()["replication_id_limit"] == 2
