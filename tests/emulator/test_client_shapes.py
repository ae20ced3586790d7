"""Answers a client library written against Salesforce notices (issue 10, item 5):
the identity URL's standard fields, the Master record type in describe, Id in a record
GET with ?fields=, sObject Collections retrieve by POST, and the standard keys of
/limits. Each is checked against Salesforce's documentation (help.salesforce.com
"Identity URLs", REST API Developer Guide "Limits", "Get Records With a Request Body
Using sObject Collections", "Get Field Values from a Standard Object Record").
"""

import pytest

IDENTITY_KEYS = {
    "id", "asserted_user", "user_id", "organization_id", "username", "nick_name",
    "display_name", "email", "email_verified", "first_name", "last_name", "timezone",
    "photos", "addr_street", "addr_city", "addr_state", "addr_country", "addr_zip",
    "mobile_phone", "mobile_phone_verified", "is_lightning_login_user", "status", "urls",
    "active", "user_type", "language", "locale", "utcOffset", "last_modified_date",
    "is_app_installed"}
URL_KEYS = {"enterprise", "metadata", "partner", "rest", "sobjects", "search", "query",
            "recent", "tooling_soap", "tooling_rest", "profile", "feeds", "groups", "users",
            "feed_items", "feed_elements", "custom_domain"}


def test_identity_url_has_the_standard_fields(client, emulator):
    ident = client.login()["id"]
    path = ident[len(emulator.url):]
    body = client.get(path).json()
    assert IDENTITY_KEYS <= set(body), IDENTITY_KEYS - set(body)
    assert URL_KEYS <= set(body["urls"]), URL_KEYS - set(body["urls"])
    assert body["username"] == "test@example.com" and body["id"] == ident
    assert set(body["photos"]) == {"picture", "thumbnail"}
    assert body["urls"]["rest"] == emulator.url + "/services/data/v{version}/"
    body = client.get(path + "?version=60.0").json()
    assert body["urls"]["sobjects"] == emulator.url + "/services/data/v60.0/sobjects/"
    assert "{version}" not in body["urls"]["partner"]


def test_describe_master_record_type_fields(client):
    infos = client.get("sobjects/Account/describe").json()["recordTypeInfos"]
    assert infos == [{
        "active": True, "available": True, "defaultRecordTypeMapping": True,
        "developerName": "Master", "master": True, "name": "Master",
        "recordTypeId": "012000000000000AAA",
        "urls": {"layout": "/services/data/v60.0/sobjects/Account/describe/layouts/"
                           "012000000000000AAA"}}]


def any_account(client):
    return client.query("SELECT Id FROM Account LIMIT 2").json()["records"]


def test_record_get_with_fields_includes_id(client):
    rid = any_account(client)[0]["Id"]
    body = client.get("sobjects/Account/%s?fields=Name,Industry" % rid).json()
    assert list(body) == ["attributes", "Name", "Industry", "Id"]
    assert body["Id"] == rid
    body = client.get("sobjects/Account/%s?fields=Id,Name" % rid).json()
    assert list(body) == ["attributes", "Id", "Name"]


def test_collections_retrieve_by_post(client):
    ids = [r["Id"] for r in any_account(client)]
    r = client.post("composite/sobjects/Account",
                    {"ids": ids + ["001000000000000AAA"], "fields": ["Id", "Name"]})
    assert r.status == 200, r
    body = r.json()
    assert [x["Id"] for x in body[:2]] == ids and body[2] is None
    assert client.get("composite/sobjects/Account?ids=%s&fields=Id,Name"
                      % ",".join(ids)).json() == body[:2]
    r = client.post("composite/sobjects/Account", {"ids": ids, "fields": ["Nope"]})
    assert r.status == 400 and r.json()[0]["errorCode"] == "INVALID_FIELD"
    r = client.post("composite/sobjects/Account", {"ids": "x", "fields": ["Name"]})
    assert r.status == 400


@pytest.mark.parametrize("key", [
    "DailyApiRequests", "DailyAsyncApexExecutions", "DailyBulkApiBatches",
    "DailyBulkV2QueryJobs", "DailyBulkV2QueryFileStorageMB", "DailyDurableStreamingApiEvents",
    "DailyStreamingApiEvents", "DailyGenericStreamingApiEvents", "DailyWorkflowEmails",
    "DataStorageMB", "FileStorageMB", "DurableStreamingApiConcurrentClients",
    "HourlyAsyncReportRuns", "HourlyPublishedPlatformEvents", "MassEmail", "SingleEmail",
    "StreamingApiConcurrentClients", "ConcurrentSyncReportRuns", "PermissionSets"])
def test_limits_has_the_standard_keys(client, key):
    body = client.get("limits").json()
    assert set(body[key]) >= {"Max", "Remaining"}, body[key]
    assert body[key]["Remaining"] <= body[key]["Max"]
