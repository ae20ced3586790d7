"""sObject Collections."""

from emutestlib import fixture


def _acc(name, **kw):
    return dict({"attributes": {"type": "Account"}, "Name": name}, **kw)


def test_collections_create_returns_per_record_results(client):
    r = client.post("composite/sobjects", {"allOrNone": False, "records": [
        _acc("Coll 1"),
        {"attributes": {"type": "Contact"}, "LastName": "Coll"},
        _acc("Coll bad", Rating="Tepid")]})
    assert r.status == 200
    res = r.json()
    assert len(res) == 3
    assert res[0]["success"] and res[0]["id"].startswith("001") and res[0]["errors"] == []
    assert res[1]["success"] and res[1]["id"].startswith("003")
    assert res[2] == {"success": False, "errors": [{
        "statusCode": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "message": "Account Rating: bad value for restricted picklist field: Tepid",
        "fields": ["Rating"]}]}
    assert set(fixture("sobject__create_success_response.json")) == set(res[0])
    assert client.get("sobjects/Account/" + res[0]["id"]).status == 200


def test_collections_update_reports_per_record_errors_without_id(client):
    ids = [x["id"] for x in client.post("composite/sobjects", {"records": [
        _acc("U1"), _acc("U2"), _acc("U3")]}).json()]
    r = client.patch("composite/sobjects", {"allOrNone": False, "records": [
        dict(_acc("U1 renamed"), id=ids[0]),
        {"attributes": {"type": "Account"}, "id": ids[1], "Name": None},
        {"attributes": {"type": "Account"}, "id": ids[2], "Website": "w" * 300},
        {"attributes": {"type": "Account"}, "Name": "no id"},
        {"attributes": {"type": "Account"}, "id": "0015g00000ZZZZZAAA", "Phone": "1"},
        {"attributes": {"type": "Account"}, "id": "junk", "Phone": "1"}]})
    assert r.status == 200
    res = r.json()
    assert res[0] == {"id": ids[0], "success": True, "errors": []}
    codes = [x["errors"][0]["statusCode"] for x in res[1:]]
    assert codes == ["REQUIRED_FIELD_MISSING", "STRING_TOO_LONG", "MISSING_ARGUMENT",
                     "INVALID_CROSS_REFERENCE_KEY", "MALFORMED_ID"]
    for x in res[1:]:
        assert "id" not in x and x["success"] is False
        assert set(x["errors"][0]) == {"statusCode", "message", "fields"}
    assert client.get("sobjects/Account/" + ids[0]).json()["Name"] == "U1 renamed"
    assert client.get("sobjects/Account/" + ids[1]).json()["Name"] == "U2"


def test_collections_all_or_none_rolls_back_everything(client):
    before = client.query("SELECT COUNT() FROM Account").json()["totalSize"]
    r = client.post("composite/sobjects", {"allOrNone": True, "records": [
        _acc("AON 1", External_ID__c="aon-1"), _acc("AON 2", Rating="Nope"),
        _acc("AON 3")]})
    assert r.status == 200
    res = r.json()
    assert res[1]["errors"][0]["statusCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    for x in (res[0], res[2]):
        assert x == {"success": False, "errors": [{
            "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
            "message": "Record rolled back because not all records were valid and "
                       "the request was using AllOrNone header", "fields": []}]}
    assert client.query("SELECT COUNT() FROM Account").json()["totalSize"] == before
    # the rolled-back external id is free again
    r = client.post("composite/sobjects", {"allOrNone": True, "records": [
        _acc("AON 1", External_ID__c="aon-1")]})
    assert r.json()[0]["success"] is True
    # allOrNone update rollback restores old values
    rid = r.json()[0]["id"]
    r = client.patch("composite/sobjects", {"allOrNone": True, "records": [
        dict(_acc("AON changed"), id=rid), dict(_acc("x" * 300), id=rid)]})
    assert [x["success"] for x in r.json()] == [False, False]
    assert client.get("sobjects/Account/" + rid).json()["Name"] == "AON 1"


def test_collections_upsert_reports_created_flags(client):
    recs = [{"attributes": {"type": "Contact"}, "External_ID__c": "cu-%d" % i,
             "LastName": "Up %d" % i} for i in range(3)]
    r = client.patch("composite/sobjects/Contact/External_ID__c",
                     {"allOrNone": False, "records": recs})
    assert r.status == 200
    first = r.json()
    assert [x["created"] for x in first] == [True, True, True]
    recs[0]["LastName"] = "Changed"
    recs.append({"attributes": {"type": "Contact"}, "LastName": "no ext"})
    r = client.patch("composite/sobjects/Contact/External_ID__c",
                     {"allOrNone": False, "records": recs})
    res = r.json()
    assert [x.get("created") for x in res[:3]] == [False, False, False]
    assert [x["id"] for x in res[:3]] == [x["id"] for x in first]
    assert res[3]["success"] is False and "id" not in res[3]
    assert client.get("sobjects/Contact/" + first[0]["id"]).json()["LastName"] == "Changed"
    a = client.post("sobjects/Customer_Record__c", {"Legacy_Code__c": "CU-DUP"}).json()
    client.post("sobjects/Customer_Record__c", {"Legacy_Code__c": "CU-DUP"})
    r = client.patch("composite/sobjects/Customer_Record__c/Legacy_Code__c", {
        "records": [{"attributes": {"type": "Customer_Record__c"},
                     "Legacy_Code__c": "CU-DUP", "Score__c": 1}]})
    assert r.json()[0]["errors"][0]["statusCode"] == "DUPLICATE_EXTERNAL_ID"
    assert a["success"]
    r = client.patch("composite/sobjects/Contact/Nope__c", {"records": []})
    assert r.status == 404


def test_collections_delete_with_ids_and_all_or_none(client):
    ids = [x["id"] for x in client.post("composite/sobjects", {"records": [
        _acc("Del 1"), _acc("Del 2")]}).json()]
    r = client.delete("composite/sobjects?ids=%s,0015g00000ZZZZZAAA&allOrNone=true"
                      % ids[0])
    res = r.json()
    assert res[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert res[1]["errors"][0]["statusCode"] == "INVALID_CROSS_REFERENCE_KEY"
    assert client.get("sobjects/Account/" + ids[0]).status == 200
    r = client.delete("composite/sobjects?ids=%s,%s&allOrNone=false" % tuple(ids))
    assert r.json() == [{"id": i, "success": True, "errors": []} for i in ids]
    r = client.delete("composite/sobjects?ids=%s" % ids[0])
    assert r.json()[0]["errors"][0]["statusCode"] == "ENTITY_IS_DELETED"


def test_collections_reject_more_than_200_records(client):
    r = client.post("composite/sobjects", {"records": [_acc("x")] * 201})
    assert r.status == 400
    assert r.json()[0]["errorCode"] == "EXCEEDED_ID_LIMIT"
    assert r.json()[0]["message"] == ("record limit reached. cannot submit more than "
                                      "200 records into this call")
    ids = ",".join(["0015g0000000001AAA"] * 201)
    assert client.delete("composite/sobjects?ids=" + ids).status == 400
    assert len(client.post("composite/sobjects",
                           {"records": [_acc("ok %d" % i) for i in range(200)]}).json()) == 200


def test_collections_call_level_errors(client):
    r = client.post("composite/sobjects", {"records": [{"Name": "no type"}]})
    assert (r.status, r.json()[0]["errorCode"]) == (400, "INVALID_TYPE")
    r = client.post("composite/sobjects", {"records": [_acc("x", Bogus__c=1)]})
    assert (r.status, r.json()[0]["errorCode"]) == (400, "INVALID_FIELD")
    r = client.post("composite/sobjects", {"records": [_acc("x", AnnualRevenue="lots")]})
    assert (r.status, r.json()[0]["errorCode"]) == (400, "JSON_PARSER_ERROR")


def test_collections_retrieve(client):
    rid = client.post("sobjects/Account", {"Name": "Retrieve me"}).json()["id"]
    r = client.get("composite/sobjects/Account?ids=%s,0015g00000ZZZZZAAA&fields=Id,Name"
                   % rid)
    assert r.status == 200
    res = r.json()
    assert res[0]["Name"] == "Retrieve me" and res[1] is None


def test_concurrent_writes_are_consistent(client):
    import threading
    before = client.query("SELECT COUNT() FROM Contact").json()["totalSize"]
    errors = []

    def worker(n):
        try:
            for k in range(5):
                recs = [{"attributes": {"type": "Contact"}, "LastName": "T%d-%d-%d" % (n, k, i),
                         "External_ID__c": "conc-%d-%d-%d" % (n, k, i)} for i in range(20)]
                r = client.patch("composite/sobjects/Contact/External_ID__c",
                                 {"allOrNone": True, "records": recs})
                assert r.status == 200 and all(x["success"] for x in r.json()), r
                q = client.query("SELECT COUNT() FROM Contact WHERE LastName LIKE 'T%d-%%'" % n)
                assert q.json()["totalSize"] == 20 * (k + 1)
        except Exception as e:          # reported in the main thread
            errors.append(e)
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert client.query("SELECT COUNT() FROM Contact").json()["totalSize"] == before + 800
