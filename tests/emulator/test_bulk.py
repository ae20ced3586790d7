"""Bulk API 2.0 query and ingest jobs."""

import csv
import io
import time


def _csv(text):
    return list(csv.reader(io.StringIO(text)))


def _wait(client, path, states=("JobComplete", "Failed", "Aborted")):
    for _ in range(200):
        info = client.get(path).json()
        if info["state"] in states:
            return info
        time.sleep(0.02)
    raise AssertionError(info)


def test_bulk_query_job_returns_csv_with_locator_paging(client):
    r = client.post("jobs/query", {"operation": "queryAll", "query":
                                   "SELECT Id, Name, CreatedDate, AnnualRevenue, "
                                   "Active__c FROM Account ORDER BY Id",
                                   "contentType": "CSV", "columnDelimiter": "COMMA",
                                   "lineEnding": "LF"})
    assert r.status == 200, r
    job = r.json()
    assert job["state"] == "UploadComplete" and job["object"] == "Account"
    assert job["id"].startswith("750") and job["apiVersion"] == 60.0
    info = _wait(client, "jobs/query/" + job["id"])
    assert info["state"] == "JobComplete" and info["jobType"] == "V2Query"
    total = info["numberRecordsProcessed"]
    assert total >= 1000
    rows, locator, pages = [], None, 0
    while True:
        path = "jobs/query/%s/results?maxRecords=400" % job["id"]
        if locator:
            path += "&locator=" + locator
        r = client.get(path)
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("text/csv")
        page = _csv(r.text)
        assert page[0] == ["Id", "Name", "CreatedDate", "AnnualRevenue", "Active__c"]
        assert int(r.headers["Sforce-NumberOfRecords"]) == len(page) - 1
        rows += page[1:]
        pages += 1
        locator = r.headers["Sforce-Locator"]
        if locator == "null":
            break
    assert len(rows) == total and pages == (total + 399) // 400
    assert rows == sorted(rows)
    assert rows[0][2].endswith(".000Z") and rows[0][4] in ("true", "false")
    assert any(row[3] == "" for row in rows)          # nulls are empty cells
    assert client.delete("jobs/query/" + job["id"]).status == 204
    assert client.get("jobs/query/" + job["id"]).status == 404


def test_bulk_query_results_before_completion_answer_412(client):
    client.control("POST", "bulk", {"delay_ms": 1200})
    job = client.post("jobs/query", {"operation": "query",
                                     "query": "SELECT Id FROM Contact"}).json()
    r = client.get("jobs/query/%s/results" % job["id"])
    assert r.status == 412
    assert r.json() == [{"errorCode": "JOB_NOT_COMPLETE", "message":
                         "can only download query results of successfully completed "
                         "bulk job with status: JOB_COMPLETE. Current status: "
                         "UPLOAD_COMPLETE"}]
    time.sleep(0.7)
    assert client.get("jobs/query/" + job["id"]).json()["state"] == "InProgress"
    assert _wait(client, "jobs/query/" + job["id"])["state"] == "JobComplete"
    assert client.get("jobs/query/%s/results" % job["id"]).status == 200


def test_bulk_query_rejects_bad_soql_and_compound_fields(client):
    r = client.post("jobs/query", {"operation": "query", "query": "SELECT Nope FROM Account"})
    assert (r.status, r.json()[0]["errorCode"]) == (400, "INVALID_FIELD")
    r = client.post("jobs/query", {"operation": "query",
                                   "query": "SELECT BillingAddress FROM Account"})
    assert (r.status, r.json()[0]["errorCode"]) == (400, "API_ERROR")


def test_bulk_ingest_insert_reports_successful_and_failed_results(client):
    job = client.post("jobs/ingest", {"object": "Contact", "operation": "insert",
                                      "contentType": "CSV", "lineEnding": "LF"}).json()
    assert job["state"] == "Open"
    assert job["contentUrl"] == "services/data/v60.0/jobs/ingest/%s/batches" % job["id"]
    data = ("LastName,FirstName,Email,Birthdate,HasOptedOutOfEmail\n"
            "Bulk,One,one@example.com,1980-01-02,true\n"
            "\"Bülk, Two\",Zwei,two@example.com,,false\n"
            ",Missing,three@example.com,,\n"
            "Bad,Email,not-an-email,,\n"
            "Bad,Date,four@example.com,1980-13-45,\n")
    r = client.request("PUT", "jobs/ingest/%s/batches" % job["id"], raw=data,
                       headers={"Content-Type": "text/csv"})
    assert (r.status, r.raw) == (201, b"")
    r = client.patch("jobs/ingest/" + job["id"], {"state": "UploadComplete"})
    assert r.status == 200 and r.json()["state"] in ("UploadComplete", "JobComplete")
    info = _wait(client, "jobs/ingest/" + job["id"])
    assert info["state"] == "JobComplete" and info["jobType"] == "V2Ingest"
    assert (info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (5, 3)
    ok = _csv(client.get("jobs/ingest/%s/successfulResults" % job["id"]).text)
    assert ok[0] == ["sf__Id", "sf__Created", "LastName", "FirstName", "Email",
                     "Birthdate", "HasOptedOutOfEmail"]
    assert [row[1] for row in ok[1:]] == ["true", "true"]
    rec = client.get("sobjects/Contact/" + ok[2][0]).json()
    assert rec["LastName"] == "Bülk, Two" and rec["Birthdate"] is None
    bad = _csv(client.get("jobs/ingest/%s/failedResults" % job["id"]).text)
    assert bad[0][:2] == ["sf__Id", "sf__Error"]
    errors = [row[1] for row in bad[1:]]
    assert errors[0].startswith("REQUIRED_FIELD_MISSING:Required fields are missing: "
                                "[LastName]:LastName")
    assert errors[1].startswith("INVALID_EMAIL_ADDRESS:")
    assert errors[2].startswith("INVALID_TYPE_ON_FIELD_IN_RECORD:")
    un = _csv(client.get("jobs/ingest/%s/unprocessedrecords" % job["id"]).text)
    assert un == [["LastName", "FirstName", "Email", "Birthdate", "HasOptedOutOfEmail"]]


def test_bulk_ingest_upsert_update_delete(client):
    def run(op, text, **extra):
        job = client.post("jobs/ingest", dict({"object": "Account", "operation": op},
                                              **extra)).json()
        client.request("PUT", "jobs/ingest/%s/batches" % job["id"], raw=text,
                       headers={"Content-Type": "text/csv"})
        client.patch("jobs/ingest/" + job["id"], {"state": "UploadComplete"})
        info = _wait(client, "jobs/ingest/" + job["id"])
        ok = _csv(client.get("jobs/ingest/%s/successfulResults" % job["id"]).text)
        return info, ok
    info, ok = run("upsert", "External_ID__c,Name,NumberOfEmployees\n"
                   "bulk-up-1,Bulk Up 1,10\nbulk-up-2,Bulk Up 2,20\n",
                   externalIdFieldName="External_ID__c")
    assert info["numberRecordsFailed"] == 0 and [r[1] for r in ok[1:]] == ["true", "true"]
    ids = [r[0] for r in ok[1:]]
    info, ok = run("upsert", "External_ID__c,Name\nbulk-up-1,Bulk Up 1b\n",
                   externalIdFieldName="External_ID__c")
    assert ok[1][:2] == [ids[0], "false"]
    info, ok = run("update", "Id,Phone,Website\n%s,555-0100,#N/A\n" % ids[1])
    rec = client.get("sobjects/Account/" + ids[1]).json()
    assert rec["Phone"] == "555-0100" and rec["Website"] is None
    assert rec["NumberOfEmployees"] == 20          # empty/absent cells do not change
    info, ok = run("delete", "Id\n%s\n%s\n" % tuple(ids))
    assert info["numberRecordsProcessed"] == 2 and info["numberRecordsFailed"] == 0
    assert client.get("sobjects/Account/" + ids[0]).status == 404


def test_bulk_ingest_job_errors(client):
    r = client.post("jobs/ingest", {"object": "Nope", "operation": "insert"})
    assert r.status == 400 and r.json()[0]["errorCode"] == "INVALIDENTITY"
    r = client.post("jobs/ingest", {"object": "Account", "operation": "upsert"})
    assert r.status == 400 and r.json()[0]["errorCode"] == "INVALIDJOB"
    job = client.post("jobs/ingest", {"object": "Account", "operation": "insert"}).json()
    client.request("PUT", "jobs/ingest/%s/batches" % job["id"], raw="Name,Bogus\nx,y\n")
    client.patch("jobs/ingest/" + job["id"], {"state": "UploadComplete"})
    info = _wait(client, "jobs/ingest/" + job["id"])
    assert info["state"] == "Failed" and "Bogus" in info["errorMessage"]
    r = client.request("PUT", "jobs/ingest/%s/batches" % job["id"], raw="Name\nx\n")
    assert r.status == 409
    aborted = client.post("jobs/ingest", {"object": "Account", "operation": "insert"}).json()
    client.request("PUT", "jobs/ingest/%s/batches" % aborted["id"], raw="Name\nA\nB\n")
    r = client.patch("jobs/ingest/" + aborted["id"], {"state": "Aborted"})
    assert r.json()["state"] == "Aborted"
    un = _csv(client.get("jobs/ingest/%s/unprocessedrecords" % aborted["id"]).text)
    assert un == [["Name"], ["A"], ["B"]]
    lst = client.get("jobs/ingest").json()
    assert lst["done"] is True and any(j["id"] == job["id"] for j in lst["records"])
