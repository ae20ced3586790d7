"""The /__emulator control endpoint."""


def test_control_state_stats_and_reset(client):
    st = client.control("GET", "state").json()
    for key in ("objects", "api", "faults", "validation_rules", "tokens", "clock",
                "cursors", "bulk"):
        assert key in st
    assert st["objects"]["Account"]["records"] > 900
    client.control("DELETE", "stats")
    client.get("sobjects")
    client.get("sobjects")
    client.query("SELECT Id FROM Account LIMIT 1")
    client.patch("composite/sobjects", {"records": []})
    stats = client.control("GET", "stats").json()
    assert stats["by_endpoint"]["GET /sobjects"] == 2
    assert stats["by_endpoint"]["GET /query"] == 1
    assert stats["by_endpoint"]["PATCH /composite/sobjects"] == 1
    assert stats["total"] == 4 and stats["by_status"]["200"] == 4
    # empty seed, then back to the demo org
    client.post("sobjects/Account", {"Name": "Temp"})
    r = client.control("POST", "reset", {"seed": "empty"})
    assert r.json()["objects"]["Account"] == {"records": 0, "deleted": 0}
    assert client.query("SELECT COUNT() FROM Contact").json()["totalSize"] == 0
    assert client.get("sobjects/Account/describe").status == 200
    r = client.control("POST", "reset", {})
    assert r.json()["objects"]["Account"]["records"] > 900
    assert client.query("SELECT COUNT() FROM Account WHERE Name = 'Temp'").json()[
        "totalSize"] == 0


def test_control_clock_freeze_gives_ties_and_advance(client):
    r = client.control("POST", "clock", {"freeze": True})
    now = r.json()["now"]
    # the clock never goes backwards: freezing in the past stops it at "now"
    r = client.control("POST", "clock", {"freeze": "2020-01-01T00:00:00Z"})
    assert r.json()["now"] == now and r.json()["frozen"] is True
    ids = [x["id"] for x in client.post("composite/sobjects", {"records": [
        {"attributes": {"type": "Account"}, "Name": "Tie %d" % i} for i in range(3)]}).json()]
    stamps = {client.get("sobjects/Account/" + i).json()["SystemModstamp"] for i in ids}
    assert len(stamps) == 1                     # same instant: ties
    client.control("POST", "clock", {"advance_ms": 1})
    client.patch("sobjects/Account/" + ids[0], {"Phone": "1"})
    later = client.get("sobjects/Account/" + ids[0]).json()["SystemModstamp"]
    assert later > stamps.pop()
    r = client.control("POST", "clock", {"unfreeze": True, "precision": "s"})
    assert r.json()["frozen"] is False and r.json()["now"] >= now
    client.patch("sobjects/Account/" + ids[1], {"Phone": "2"})
    assert client.get("sobjects/Account/" + ids[1]).json()["SystemModstamp"].endswith(
        ".000+0000")


def test_system_modstamp_increases_on_every_write(client):
    rid = client.post("sobjects/Account", {"Name": "Stamp"}).json()["id"]
    client.control("POST", "clock", {"freeze": True})
    seen = []
    for i in range(5):
        client.control("POST", "clock", {"advance_ms": 2})
        client.patch("sobjects/Account/" + rid, {"Phone": str(i)})
        rec = client.get("sobjects/Account/" + rid).json()
        assert rec["LastModifiedDate"] == rec["SystemModstamp"]
        seen.append(rec["SystemModstamp"])
    assert seen == sorted(seen) and len(set(seen)) == 5


def test_control_edit_changes_records_as_another_user(client):
    used = client.control("GET", "limits").json()["used"]
    r = client.control("POST", "edit", {"object": "Account",
                                        "values": {"Name": "From the UI"}})
    assert r.status == 200
    rid = r.json()["id"]
    rec = r.json()["record"]
    assert rec["LastModifiedById"] != rec["OwnerId"] or rec["Name"] == "From the UI"
    r = client.control("POST", "edit", {"object": "Account", "id": rid,
                                        "values": {"Rating": "Bad"}})
    assert r.status == 400 and "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" in r.json()["error"]
    r = client.control("POST", "edit", {"object": "Account", "id": rid, "delete": True})
    assert r.status == 200
    assert client.control("GET", "limits").json()["used"] == used


def test_control_purge_deleted_empties_recycle_bin(fresh):
    client = fresh
    dead = client.query("SELECT COUNT() FROM Account WHERE IsDeleted = true",
                        all=True).json()["totalSize"]
    assert dead > 0
    r = client.control("POST", "purge-deleted").json()
    assert r["purged"] >= dead
    assert client.query("SELECT COUNT() FROM Account WHERE IsDeleted = true",
                        all=True).json()["totalSize"] == 0
    client.control("POST", "reset", {})


def test_control_rejects_unknown_calls_and_bad_json(client):
    assert client.control("GET", "nothing").status == 404
    r = client.request("POST", "/__emulator/faults", raw=b"{oops", auth=False)
    assert r.status == 400 and "error" in r.json()
