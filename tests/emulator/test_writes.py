"""Single-record create / read / update / delete and upsert."""

import http.client
import urllib.parse

from emutestlib import Client, fixture


def test_create_returns_201_with_id_and_location(client):
    r = client.post("sobjects/Account", {"Name": "Créé par test", "Industry": "Energy"})
    assert r.status == 201
    body = r.json()
    assert set(body) == set(fixture("sobject__create_success_response.json"))
    assert body["success"] is True and body["errors"] == []
    rid = body["id"]
    assert len(rid) == 18 and rid.startswith("001")
    assert r.headers["Location"] == "/services/data/v60.0/sobjects/Account/" + rid
    rec = client.get("sobjects/Account/" + rid).json()
    assert rec["Name"] == "Créé par test" and rec["OwnerId"].startswith("005")
    assert rec["CreatedDate"] == rec["LastModifiedDate"] == rec["SystemModstamp"]
    assert rec["Active__c"] is True           # default value


def test_get_patch_delete_record_roundtrip(client):
    rid = client.post("sobjects/Contact", {"LastName": "Round", "FirstName": "Trip"}).json()["id"]
    rec = client.get("sobjects/Contact/" + rid).json()
    real = fixture("sobject__sobject_find_success_response.json")
    assert list(rec)[0] == list(real)[0] == "attributes"
    assert rec["Name"] == "Trip Round"
    r = client.patch("sobjects/Contact/" + rid, {"Title": "CTO", "Email": "trip@example.com"})
    assert (r.status, r.raw) == (204, b"")
    after = client.get("sobjects/Contact/%s?fields=Title,Email,SystemModstamp,"
                       "LastModifiedDate" % rid).json()
    assert after["Title"] == "CTO" and after["Email"] == "trip@example.com"
    assert list(after) == ["attributes", "Title", "Email", "SystemModstamp",
                           "LastModifiedDate", "Id"]  # Salesforce adds the Id
    assert after["SystemModstamp"] > rec["SystemModstamp"] or \
        after["SystemModstamp"] == rec["SystemModstamp"]
    assert (client.delete("sobjects/Contact/" + rid).status) == 204
    for method in ("GET", "PATCH", "DELETE"):
        r = client.request(method, "sobjects/Contact/" + rid,
                           {"Title": "x"} if method == "PATCH" else None)
        assert r.status == 404
        assert r.json() == [{"message": "entity is deleted",
                             "errorCode": "ENTITY_IS_DELETED", "fields": []}]


def test_get_unknown_id_and_non_id_segment_answer_404(client):
    r = client.get("sobjects/Account/0015g00000ZZZZZAAA")
    assert (r.status, r.json()[0]["errorCode"]) == (404, "NOT_FOUND")
    r = client.get("sobjects/Account/23foo")
    real = fixture("sobject__sobject_find_error_response.json")
    assert r.status == 404
    assert r.json() == [{"message": real[0]["message"], "errorCode": "NOT_FOUND"}]
    r = client.patch("sobjects/Account/0015g00000ZZZZZAAA", {"Name": "x"})
    assert r.status == 404


def test_upsert_creates_201_then_updates_200_or_204(client):
    path = "sobjects/Customer_Record__c/External_ID__c/upsert-test-0001"
    r = client.patch(path, {"Name": "Upserted", "Status__c": "Active"})
    assert r.status == 201
    created = r.json()
    assert created["created"] is True and created["success"] is True
    r = client.patch(path, {"Amount__c": 12.5})
    assert r.status == 200
    assert r.json() == {"id": created["id"], "success": True, "errors": [],
                        "created": False}
    old = Client(client.url, client.token, version="45.0")
    r = old.patch(path, {"Amount__c": 13.5})
    assert (r.status, r.raw) == (204, b"")
    assert fixture("sobject__upsert_updated_success_response.json") is None
    r = old.patch("sobjects/Customer_Record__c/External_ID__c/upsert-test-0002",
                  {"Name": "Old API"})
    assert r.status == 201
    assert set(r.json()) == set(fixture("sobject__upsert_created_success_response.json"))
    rec = client.get("sobjects/Customer_Record__c/External_ID__c/UPSERT-TEST-0001").json()
    assert rec["Amount__c"] == 13.5 and rec["Id"] == created["id"]
    r = client.patch("sobjects/Account/External_ID__c/nope-upd?updateOnly=true",
                     {"Name": "x"})
    assert r.status == 404


def test_upsert_multiple_matches_answers_300_with_urls(client):
    a = client.post("sobjects/Customer_Record__c", {"Legacy_Code__c": "DUP-1"}).json()["id"]
    b = client.post("sobjects/Customer_Record__c", {"Legacy_Code__c": "dup-1"}).json()["id"]
    r = client.patch("sobjects/Customer_Record__c/Legacy_Code__c/DUP-1", {"Name": "x"})
    assert r.status == 300
    real = fixture("sobject__upsert_multiple_error_response.json")
    assert all(isinstance(u, str) for u in real)
    assert sorted(r.json()) == sorted(
        "/services/data/v60.0/sobjects/Customer_Record__c/" + i for i in (a, b))
    assert client.get("sobjects/Customer_Record__c/Legacy_Code__c/DUP-1").status == 300


def test_upsert_bad_external_id_field_answers_404(client):
    r = client.patch("sobjects/Account/Namez/foo", {"Name": "x"})
    assert r.status == 404
    real = fixture("sobject__upsert_error_response.json")
    assert r.json() == [{"message": real[0]["message"], "errorCode": "NOT_FOUND"}]
    r = client.delete("sobjects/Account/rid/foo")
    assert r.json() == fixture("sobject__delete_error_response.json")


def test_upsert_by_id_field_updates_existing(client):
    rid = client.post("sobjects/Account", {"Name": "By Id"}).json()["id"]
    r = client.patch("sobjects/Account/Id/" + rid, {"Phone": "123"})
    assert r.status == 200 and r.json()["created"] is False
    assert client.get("sobjects/Account/" + rid).json()["Phone"] == "123"


def test_delete_account_cascades_contacts_and_clears_lookups(client):
    acc = client.post("sobjects/Account", {"Name": "Parent"}).json()["id"]
    con = client.post("sobjects/Contact", {"LastName": "Child", "AccountId": acc}).json()["id"]
    cr = client.post("sobjects/Customer_Record__c", {"Account__c": acc}).json()["id"]
    before = client.get("sobjects/Customer_Record__c/" + cr).json()
    assert client.delete("sobjects/Account/" + acc).status == 204
    assert client.get("sobjects/Contact/" + con).json()[0]["errorCode"] == "ENTITY_IS_DELETED"
    after = client.get("sobjects/Customer_Record__c/" + cr).json()
    assert after["Account__c"] is None
    assert after["SystemModstamp"] >= before["SystemModstamp"]
    dead = client.query("SELECT Id, IsDeleted FROM Contact WHERE Id = '%s'" % con,
                        all=True).json()
    assert dead["records"][0]["IsDeleted"] is True


def test_fifteen_char_ids_are_accepted(client):
    rid = client.post("sobjects/Account", {"Name": "Fifteen"}).json()["id"]
    assert client.get("sobjects/Account/" + rid[:15]).json()["Id"] == rid
    con = client.post("sobjects/Contact", {"LastName": "L", "AccountId": rid[:15]}).json()["id"]
    assert client.get("sobjects/Contact/" + con).json()["AccountId"] == rid


def test_record_values_roundtrip_types(client):
    body = {"Name": "Types", "Status__c": "On Hold", "Amount__c": 1234.567,
            "Score__c": "42.5", "Visits__c": 3, "Signup_Date__c": "2024-02-29",
            "Last_Contact__c": "2024-03-01T10:20:30.123+01:00",
            "Tags__c": "Gold;Priority", "Email__c": "a.b+c@example.org",
            "Notes__c": "multi\nline ✓ 日本"}
    rid = client.post("sobjects/Customer_Record__c", body).json()["id"]
    rec = client.get("sobjects/Customer_Record__c/" + rid).json()
    assert rec["Amount__c"] == 1234.57              # rounded to scale 2
    assert rec["Score__c"] == 42.5 and rec["Visits__c"] == 3.0
    assert rec["Signup_Date__c"] == "2024-02-29"
    assert rec["Last_Contact__c"] == "2024-03-01T09:20:30.123+0000"
    assert rec["Notes__c"] == "multi\nline ✓ 日本" and rec["Tags__c"] == "Gold;Priority"
    client.patch("sobjects/Customer_Record__c/" + rid, {"Notes__c": ""})
    assert client.get("sobjects/Customer_Record__c/" + rid).json()["Notes__c"] is None
    # Name defaults to the record id when not given
    rid2 = client.post("sobjects/Customer_Record__c", {}).json()["id"]
    assert client.get("sobjects/Customer_Record__c/" + rid2).json()["Name"] == rid2


def test_keep_alive_connection_serves_several_requests(client):
    u = urllib.parse.urlsplit(client.url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    try:
        for _ in range(5):
            conn.request("GET", client.api + "/sobjects/Account/describe",
                         headers={"Authorization": "Bearer " + client.token})
            r = conn.getresponse()
            data = r.read()
            assert r.status == 200
            assert int(r.getheader("Content-Length")) == len(data)
            assert r.getheader("Connection") != "close"
        conn.request("PATCH", client.api + "/sobjects/Account/0015g0000000001AAA",
                     body=b'{"Phone":"555"}', headers={
                         "Authorization": "Bearer " + client.token,
                         "Content-Type": "application/json"})
        r = conn.getresponse()
        assert (r.status, r.read()) == (204, b"")
        conn.request("GET", "/services/data/")
        assert conn.getresponse().read().startswith(b"[")
    finally:
        conn.close()
