"""query / queryAll: SOQL subset, paging, value encoding, errors."""

import re

from emutestlib import fixture

DT_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$")


def _all_pages(client, soql, all=False, batch=None):
    headers = {"Sforce-Query-Options": "batchSize=%d" % batch} if batch else None
    r = client.query(soql, all=all, headers=headers)
    assert r.status == 200, r
    pages = [r.json()]
    while not pages[-1]["done"]:
        r = client.get(pages[-1]["nextRecordsUrl"])
        assert r.status == 200, r
        pages.append(r.json())
    return pages


def test_query_returns_records_with_attributes_and_typed_values(client):
    r = client.query("SELECT Id, Name, CreatedDate, SystemModstamp, Industry, "
                     "AnnualRevenue, NumberOfEmployees, Active__c, IsDeleted, "
                     "BillingAddress FROM Account ORDER BY Id LIMIT 300")
    assert r.status == 200
    body = r.json()
    real = fixture("sobject__query_paginated_last_page_response.json")
    assert list(body) == list(real)
    assert body["totalSize"] == 300 and body["done"] is True
    recs = body["records"]
    for rec in recs:
        assert list(rec)[0] == "attributes"
        assert rec["attributes"] == {"type": "Account", "url":
                                     "/services/data/v60.0/sobjects/Account/" + rec["Id"]}
        assert list(rec)[1:] == ["Id", "Name", "CreatedDate", "SystemModstamp",
                                 "Industry", "AnnualRevenue", "NumberOfEmployees",
                                 "Active__c", "IsDeleted", "BillingAddress"]
        assert DT_RE.match(rec["CreatedDate"]) and DT_RE.match(rec["SystemModstamp"])
        assert isinstance(rec["Active__c"], bool) and rec["IsDeleted"] is False
        assert rec["AnnualRevenue"] is None or isinstance(rec["AnnualRevenue"], float)
        assert rec["NumberOfEmployees"] is None or isinstance(rec["NumberOfEmployees"], int)
    assert any(rec["Industry"] is None for rec in recs)
    addr = next(rec["BillingAddress"] for rec in recs if rec["BillingAddress"])
    assert set(addr) == {"city", "country", "geocodeAccuracy", "latitude",
                         "longitude", "postalCode", "state", "street"}
    r = client.query("SELECT Id, Birthdate FROM Contact WHERE Birthdate != null LIMIT 1")
    assert re.match(r"^\d{4}-\d{2}-\d{2}$", r.json()["records"][0]["Birthdate"])


def test_query_pages_with_next_records_url(client):
    pages = _all_pages(client, "SELECT Id FROM Contact", batch=500)
    total = pages[0]["totalSize"]
    assert total > 2900 and len(pages) == (total + 499) // 500
    first = fixture("sobject__query_paginated_first_page_response.json")
    assert list(pages[0]) == list(first)
    for p in pages[:-1]:
        assert len(p["records"]) == 500 and p["done"] is False
        m = re.match(r"^/services/data/v60\.0/query/(01g[0-9A-Za-z]{15})-(\d+)$",
                     p["nextRecordsUrl"])
        assert m, p["nextRecordsUrl"]
    assert "nextRecordsUrl" not in pages[-1] and pages[-1]["done"] is True
    ids = [r["Id"] for p in pages for r in p["records"]]
    assert len(ids) == total == len(set(ids))
    # default batch is 2000
    r = client.query("SELECT Id FROM Contact").json()
    assert len(r["records"]) == 2000 and r["nextRecordsUrl"].endswith("-2000")


def test_batch_size_is_clamped_to_200_2000(client):
    small = client.query("SELECT Id FROM Contact",
                         headers={"Sforce-Query-Options": "batchSize=10"}).json()
    assert len(small["records"]) == 200
    big = client.query("SELECT Id FROM Contact",
                       headers={"Sforce-Query-Options": "batchSize=5000"}).json()
    assert len(big["records"]) == 2000


def test_query_excludes_deleted_and_query_all_includes_them(client):
    live = client.query("SELECT COUNT() FROM Account").json()["totalSize"]
    every = client.query("SELECT COUNT() FROM Account", all=True).json()["totalSize"]
    assert every > live
    dead = client.query("SELECT Id, IsDeleted FROM Account WHERE IsDeleted = true",
                        all=True).json()
    assert dead["totalSize"] == every - live
    assert all(r["IsDeleted"] is True for r in dead["records"])
    assert client.query("SELECT Id FROM Account WHERE IsDeleted = true").json()[
        "totalSize"] == 0
    # queryAll pages keep going through /query/ locators
    pages = _all_pages(client, "SELECT Id FROM Account", all=True, batch=200)
    assert sum(len(p["records"]) for p in pages) == every


def test_query_where_datetime_literal_forms(client):
    counts = set()
    for lit in ("2025-01-01T00:00:00Z", "2025-01-01T00:00:00.000Z",
                "2025-01-01T00:00:00+0000", "2025-01-01T00:00:00.000+00:00",
                "2024-12-31T16:00:00-08:00"):
        r = client.query("SELECT Id FROM Account WHERE SystemModstamp >= %s" % lit)
        assert r.status == 200, r
        counts.add(r.json()["totalSize"])
    assert len(counts) == 1 and 0 < counts.pop() < 1000
    r = client.query("SELECT Id, SystemModstamp FROM Account WHERE SystemModstamp > "
                     "2024-06-01T00:00:00Z AND SystemModstamp <= 2025-06-01T00:00:00Z "
                     "ORDER BY SystemModstamp ASC, Id ASC").json()
    keys = [(x["SystemModstamp"], x["Id"]) for x in r["records"]]
    assert keys == sorted(keys) and keys
    assert all("2024-06-01" < k[0] <= "2025-06-01T00:00:00.000+0000" for k in keys)


def test_query_where_and_or_parentheses_and_operators(client):
    def n(where, obj="Account"):
        r = client.query("SELECT Id FROM %s WHERE %s" % (obj, where))
        assert r.status == 200, (where, r)
        return r.json()["totalSize"]
    total = n("Id != null")
    energy = n("Industry = 'Energy'")
    assert energy == n("Industry = 'energy'")          # case-insensitive
    nulls = n("Industry = null")
    assert n("Industry = 'Energy' OR Industry = null") == energy + nulls
    assert n("(Industry = 'Energy' OR Industry = null) AND Rating = 'Hot'") <= energy + nulls
    assert n("NOT Industry = 'Energy'") == total - energy
    assert n("Industry IN ('Energy', 'Banking')") == energy + n("Industry = 'Banking'")
    assert n("NumberOfEmployees >= 100") + n("NumberOfEmployees < 100") + \
        n("NumberOfEmployees = null") == total
    assert n("Name LIKE 'acme%'") == n("Name LIKE 'Acme%'") > 0
    assert n("Active__c = true") + n("Active__c = false") == total
    assert n("Birthdate < 1960-01-01", "Contact") > 0
    assert n("Tags__c INCLUDES ('Gold')", "Customer_Record__c") > 0
    one = client.query("SELECT Id FROM Account LIMIT 1").json()["records"][0]["Id"]
    assert n("Id = '%s'" % one) == 1 and n("Id = '%s'" % one[:15]) == 1
    assert n("CreatedDate = LAST_N_DAYS:30") >= 0


def test_query_order_by_and_limit(client):
    r = client.query("SELECT Name, NumberOfEmployees FROM Account "
                     "ORDER BY NumberOfEmployees DESC NULLS LAST, Name LIMIT 20").json()
    assert r["totalSize"] == 20
    emp = [x["NumberOfEmployees"] for x in r["records"]]
    assert emp == sorted(emp, reverse=True) and None not in emp
    r = client.query("SELECT Id, Industry FROM Account ORDER BY Industry LIMIT 5").json()
    assert r["records"][0]["Industry"] is None             # ASC: nulls first
    r = client.query("SELECT Id FROM Account ORDER BY Id LIMIT 10 OFFSET 5").json()
    base = client.query("SELECT Id FROM Account ORDER BY Id LIMIT 15").json()
    assert [x["Id"] for x in r["records"]] == [x["Id"] for x in base["records"]][5:]


def test_count_query_returns_total_size_only(client):
    r = client.query("SELECT COUNT() FROM Contact WHERE AccountId != null").json()
    assert r["done"] is True and r["records"] == [] and r["totalSize"] > 2500


def test_malformed_query_answers_400_malformed_query(client):
    for q in ("SELECT Id FROM Account WHERE", "SELEKT Id FROM Account",
              "SELECT Id FROM Account WHERE Name = 'x' AND Type = 'y' OR Rating = 'Hot'",
              "SELECT Id, FROM Account", "SELECT Id FROM Account LIMIT x",
              "SELECT Id FROM Account WHERE SystemModstamp > 2023-10-01T12:34:56 0000"):
        r = client.query(q)
        assert r.status == 400, q
        body = r.json()
        assert body[0]["errorCode"] == "MALFORMED_QUERY", (q, body)
        assert "ERROR at Row:1:Column:" in body[0]["message"]
    assert client.get("query?q=").json()[0]["errorCode"] == "MALFORMED_QUERY"


def test_unknown_field_answers_400_invalid_field(client):
    r = client.query("SELECT Id, Nope__c FROM Account")
    assert r.status == 400
    body = r.json()
    assert set(body[0]) == set(fixture("sobject__query_error_response.json")[0])
    assert body[0]["errorCode"] == "INVALID_FIELD"
    assert "No such column 'Nope__c' on entity 'Account'" in body[0]["message"]
    assert "\n           ^\nERROR at Row:1:Column:12\n" in body[0]["message"]
    r = client.query("SELECT Id FROM Account WHERE CreatedDate > '2020-01-01'")
    assert r.json()[0]["errorCode"] == "INVALID_FIELD"
    assert "must be of type dateTime and should not be enclosed in quotes" in \
        r.json()[0]["message"]


def test_unknown_object_answers_400_invalid_type(client):
    r = client.query("SELECT Id FROM Nope__c")
    assert r.status == 400
    assert r.json()[0]["errorCode"] == "INVALID_TYPE"
    assert "sObject type 'Nope__c' is not supported" in r.json()[0]["message"]


def test_invalid_query_locator(client):
    r = client.get("query/01g5g0000000999AAA-2000")
    assert (r.status, r.json()[0]["errorCode"]) == (400, "INVALID_QUERY_LOCATOR")


def test_open_cursors_are_limited_like_salesforce(client):
    client.control("POST", "limits", {"max_cursors": 2})
    urls = [client.query("SELECT Id FROM Contact").json()["nextRecordsUrl"]
            for _ in range(3)]
    assert client.get(urls[0]).status == 400          # evicted (oldest)
    assert client.get(urls[2]).status == 200
