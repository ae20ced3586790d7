"""Ids (15 -> 18 checksum) and the deterministic demo org (org.py API)."""

import datetime
import json
import re
import time

from emutestlib import RESTFORCE, fixture

from sfemu import org

REAL_IDS = ["003q000000KvQ1tAAF", "001M000001FgVKlIAN", "00190000001pPvHAAU",
            "001D000000IRFmaIAH", "005R0000000UyrWIAS", "a00D0000008pQRAIA2",
            "0018a00001rBqb8AAC", "001R00000033I6AIAU", "003RM0000068xV6YAI",
            "012000000000000AAA"]


def _fixture_ids():
    ids = set()
    for p in RESTFORCE.glob("*.json"):
        for m in re.finditer(r'"([0-9A-Za-z]{18})"', p.read_text()):
            ids.add(m.group(1))
    return ids


def test_to_18_matches_real_ids():
    fixture("sobject__get_updated_success_response.json")   # skip without fixtures
    from_fixtures = {i for i in _fixture_ids() if i[:3] in (
        "001", "003", "005", "00D", "012", "a00", "701", "00E") or i.startswith("a0")}
    assert len(from_fixtures) >= 10
    for rid in sorted(from_fixtures | set(REAL_IDS)):
        assert org.to_18(rid[:15]) == rid, rid
        assert org.to_18(rid) == rid
        assert org.normalize_id(rid.lower()) == rid
        assert org.normalize_id(rid[:15]) == rid


def test_to_18_rejects_bad_input():
    for bad in ("", "001", "001M000001FgVK!", "001M000001FgVKlIA"):
        try:
            org.to_18(bad)
        except ValueError:
            continue
        raise AssertionError(bad)
    assert org.normalize_id("001M000001FgVKlZAN") is None     # Z marks a digit
    assert org.normalize_id("001m000001fgvklIAN") == "001M000001FgVKlIAN"


def test_make_id_is_deterministic_and_checksummed():
    a = org.make_id("001", 1)
    assert a == org.make_id("001", 1) and len(a) == 18 and a.startswith("001")
    assert org.to_18(a[:15]) == a
    ids = [org.make_id("a01", n) for n in range(1, 5000)]
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)          # id order is creation order
    assert org.ORG_ID.startswith("00D") and len(org.ORG_ID) == 18


def test_objects_api_lists_account_contact_customer_record():
    objs = {o["name"]: o for o in org.objects()}
    assert {"Account", "Contact", "Customer_Record__c"} <= set(objs)
    assert objs["Customer_Record__c"]["keyPrefix"] == "a01"
    for o in objs.values():
        for f in o["fields"]:
            for k in ("name", "type", "length", "precision", "scale", "nillable",
                      "createable", "updateable", "defaultedOnCreate",
                      "calculated", "externalId", "unique", "picklistValues",
                      "restrictedPicklist", "referenceTo"):
                assert k in f, (o["name"], f["name"], k)


def test_demo_records_are_deterministic_and_realistic():
    a = org.demo_records()
    assert a == org.demo_records()
    assert {k: len(v) for k, v in a.items()} == {
        "Account": 1000, "Contact": 3000, "Customer_Record__c": 1000}
    objs = {o["name"]: o for o in org.objects()}
    for name, recs in a.items():
        fields = {f["name"] for f in objs[name]["fields"] if f["type"] != "address"}
        for r in recs[:50]:
            assert set(r) == fields
            assert len(r["Id"]) == 18 and org.to_18(r["Id"][:15]) == r["Id"]
            assert r["CreatedDate"] <= r["LastModifiedDate"] <= r["SystemModstamp"]
            assert isinstance(r["SystemModstamp"], datetime.datetime)
            assert r["SystemModstamp"].tzinfo is None
    accounts = a["Account"]
    account_ids = {r["Id"] for r in accounts}
    linked = [c for c in a["Contact"] if c["AccountId"]]
    assert len(linked) > 2500 and all(c["AccountId"] in account_ids for c in linked)
    text = json.dumps([r["Name"] for r in accounts] +
                      [r["LastName"] for r in a["Contact"]], ensure_ascii=False)
    for ch in ("é", "ü", "日本"):
        assert ch in text, ch
    created = [r["CreatedDate"] for r in accounts]
    assert (max(created) - min(created)).days > 2 * 365
    assert any(r["Industry"] is None for r in accounts)
    assert any(len(r["Description"] or "") > 5000 for r in accounts)
    assert any(r["IsDeleted"] for r in accounts)
    assert all("@" in c["Email"] for c in a["Contact"] if c["Email"])
    assert any(isinstance(r["Signup_Date__c"], datetime.date)
               for r in a["Customer_Record__c"])


def test_demo_records_counts_override_is_fast():
    t = time.monotonic()
    big = org.demo_records({"Account": 100000, "Contact": 10, "Customer_Record__c": 10})
    took = time.monotonic() - t
    assert len(big["Account"]) == 100000
    assert len({r["Id"] for r in big["Account"]}) == 100000
    assert took < 15, took
    # record i keeps its values whatever the count (dates are spread anew)
    small = org.demo_records()["Account"]
    assert [(r["Id"], r["Name"], r["Industry"]) for r in big["Account"][:1000]] == \
        [(r["Id"], r["Name"], r["Industry"]) for r in small]


def test_demo_records_pass_the_describe_validation():
    from sfemu import clock, store
    from sfemu.errors import RecordError
    s = store.Store(clock.Clock())
    s.seed_demo()
    for obj in ("Account", "Contact", "Customer_Record__c"):
        d = s.defs[obj]
        for r in s.records[obj].values():
            for f in d.storable_fields():
                v = r[f["name"]]
                if v is None or f["type"] in ("id", "datetime", "date", "boolean"):
                    continue
                if f["type"] == "reference" and f["name"] not in ("AccountId", "Account__c"):
                    continue
                try:
                    assert s._check_value(f, v) == v, (obj, f["name"], v)
                except RecordError as e:
                    raise AssertionError((obj, r["Id"], f["name"], str(e)))
            for f in d.storable_fields():
                if not f["nillable"]:
                    assert r[f["name"]] is not None, (obj, f["name"])
