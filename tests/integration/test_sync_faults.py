"""docs/sync.md "Failure modes": nothing queued is lost and nothing is sent twice, whatever
fails: Salesforce answering 500s, timing out, locking rows or losing answers after it
committed, the engine killed with SIGKILL, PostgreSQL restarted in the middle of a push.

Each test checks the result in Salesforce through the emulator's REST API: every updated
record carries its new value, every inserted record exists exactly once.
"""
import os
import random
import subprocess
import tempfile
import time

import pytest

import forcefs_harness as ft
from sync_harness import (Engine, Org, queue_empty, rows, run_sync, sql, synced_schema,
                               wait_queue_empty)


def write_edits(url, schema, updates, inserts, tag):
    """Runs `updates` UPDATEs (Description) and `inserts` INSERTs as separate user
    transactions from one psql session; returns the ids updated."""
    q = ft.quote_ident(schema)
    ids = [int(i) for i in sql(url, f"SELECT id FROM {q}.account WHERE sfid IS NOT NULL "
                                    f"ORDER BY id LIMIT {updates}")]
    lines = [f"UPDATE {q}.account SET description = '{tag}-{i}' WHERE id = {i};" for i in ids]
    lines += [f"INSERT INTO {q}.account (name, industry) VALUES ('{tag}-new-{n}', 'Energy');"
              for n in range(inserts)]
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write("\n".join(lines))
        path = f.name
    try:
        subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", path],
                       check=True, stdout=subprocess.DEVNULL)
    finally:
        os.unlink(path)
    return ids


def bulk_edits(url, schema, updates, inserts, tag):
    """The same edits as two statements (a big push, quickly queued): the inserts first,
    so that they are among the first calls a crash can cut short."""
    q = ft.quote_ident(schema)
    ids = [int(i) for i in sql(url, f"SELECT id FROM {q}.account WHERE sfid IS NOT NULL "
                                    f"ORDER BY id LIMIT {updates}")]
    sql(url, f"INSERT INTO {q}.account (name, industry) SELECT '{tag}-new-' || n, 'Energy' "
             f"FROM generate_series(0, {inserts - 1}) n")
    sql(url, f"UPDATE {q}.account SET description = '{tag}-' || id "
             f"WHERE id IN (SELECT id FROM {q}.account WHERE sfid IS NOT NULL "
             f"ORDER BY id LIMIT {updates})")
    return ids


def assert_exactly_once(org, url, schema, ids, inserts, tag):
    """Every update is in Salesforce, every insert exists once, nothing else was created."""
    q = ft.quote_ident(schema)
    assert queue_empty(url, schema)
    states = dict(r.split("|") for r in sql(url, f"SELECT state, count(*) FROM "
                                                 f"{q}._trigger_log GROUP BY state"))
    assert set(states) == {"SUCCESS"}, states
    sf = {r["Id"]: r for r in org.query("SELECT Id, Name, Description FROM Account")}
    local = {r["id"]: r for r in rows(url, f"SELECT id, sfid, name FROM {q}.account")}
    wrong = [i for i in ids if sf[local[i]["sfid"]]["Description"] != f"{tag}-{i}"]
    assert not wrong, "%d updates missing in Salesforce, e.g. row %d" % (len(wrong), wrong[0])
    new = [r for r in sf.values() if r["Name"].startswith(f"{tag}-new-")]
    names = sorted(r["Name"] for r in new)
    assert len(names) == inserts, "%d records for %d inserts" % (len(names), inserts)
    assert len(set(names)) == inserts, "duplicates in Salesforce"
    mine = {r["sfid"] for r in local.values() if r["name"].startswith(f"{tag}-new-")}
    assert mine == {r["Id"] for r in new}
    # Salesforce and the table hold the same records
    assert set(sf) == {r["sfid"] for r in local.values()}


@pytest.fixture
def org_1000():
    o = Org(counts="Account=820,Contact=0,Customer_Record__c=0", fault_seed=5)
    yield o
    o.stop()


def test_1000_edits_with_injected_faults_arrive_exactly_once(pg, org_1000, schema_name,
                                                             workdir):
    org = org_1000
    synced_schema(org, pg.url, schema_name, objects="Account")
    org.faults(
        {"match": "/composite/sobjects", "fault": "slow", "delay_ms": 1500,
         "probability": 0.05},
        {"match": "/composite/sobjects", "fault": "http500", "probability": 0.1},
        {"match": "/composite/sobjects", "fault": "unable_to_lock_row", "probability": 0.1},
        {"match": "/composite/sobjects", "fault": "drop_after_commit", "probability": 0.1},
        {"match": "/composite/sobjects", "fault": "drop_before_commit", "probability": 0.05},
        seed=11)
    e = Engine(org, pg.url, schema_name, workdir, args=["--timeout", "1"],
               env={"FORCEFS_SYNC_BATCH_SIZE": "10"})
    e.wait_log("leading the sync")
    ids = write_edits(pg.url, schema_name, 800, 200, "f")
    wait_queue_empty(pg.url, schema_name, timeout=150)
    log = e.stop()
    fired = {r["fault"]: r["fired"] for r in org.control("faults", method="GET")["rules"]}
    assert all(n > 0 for n in fired.values()), fired
    org.clear_faults()
    run_sync(org, pg.url, schema_name)  # the echo of every change comes back: no push
    assert_exactly_once(org, pg.url, schema_name, ids, 200, "f")
    assert "retry" in log


@pytest.fixture
def org_10000():
    o = Org(counts="Account=10000,Contact=0,Customer_Record__c=0", fault_seed=3)
    yield o
    o.stop()


def test_sigkill_at_random_points_during_10000_record_push_exactly_once(
        pg, org_10000, schema_name, workdir):
    org = org_10000
    synced_schema(org, pg.url, schema_name, objects="Account")
    seed = int(os.environ.get("FORCEFS_TEST_SEED", time.time()))
    rnd = random.Random(seed)
    ids = bulk_edits(pg.url, schema_name, 9500, 500, "k")
    q = ft.quote_ident(schema_name)

    def done():
        return int(sql(pg.url, f"SELECT count(*) FROM {q}._trigger_log "
                               "WHERE state = 'SUCCESS'")[0])
    for n in range(3):
        before = done()
        e = Engine(org, pg.url, schema_name, workdir, name="sync%d" % n)
        # kill it at a random point after it wrote back its first answers
        ft.wait_for(lambda: done() > before or queue_empty(pg.url, schema_name), timeout=60,
                    interval=0.05, what="the push to progress (seed %d)" % seed)
        time.sleep(rnd.uniform(0, 1.0))
        e.kill()
        e.log.close()
        assert not ft.SANITIZER_ERRORS.search(e.read_log())
    assert not queue_empty(pg.url, schema_name), "killed too late to test anything"
    run_sync(org, pg.url, schema_name, timeout=300)
    log = run_sync(org, pg.url, schema_name)
    assert "pushed" not in log, "a second run pushed again (seed %d):\n%s" % (seed, log)
    assert_exactly_once(org, pg.url, schema_name, ids, 500, "k")


def test_postgres_restart_mid_push_exactly_once(pg, org_1000, schema_name, workdir):
    org = org_1000
    synced_schema(org, pg.url, schema_name, objects="Account")
    ids = bulk_edits(pg.url, schema_name, 800, 200, "r")
    org.faults({"match": "/composite/sobjects", "fault": "slow", "delay_ms": 150})
    e = Engine(org, pg.url, schema_name, workdir, env={"FORCEFS_SYNC_BATCH_SIZE": "50"})
    e.wait_log("leading the sync")
    time.sleep(1.0)  # 20 calls of 50 records, 150 ms each: the push is half done
    assert not queue_empty(pg.url, schema_name)
    pg.restart(immediate=True)
    e.wait_log("leading again when the database answers", timeout=30)
    wait_queue_empty(pg.url, schema_name, timeout=120)
    log = e.stop()
    assert "queued again" in log  # the claim in flight was reclaimed
    org.clear_faults()
    run_sync(org, pg.url, schema_name)
    assert_exactly_once(org, pg.url, schema_name, ids, 200, "r")
