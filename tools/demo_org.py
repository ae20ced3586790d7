#!/usr/bin/python3
"""Loads the demo org (tools/sfemu/org.py) into a database in the Heroku Connect layout.

    demo_org.py DATABASE_URL [--schema salesforce] [--count Object=N ...] [--data-only]

Used by scripts/demo and scripts/bench. The rows are written as the sync engine
writes them (xmlbinary=hex), so they arrive SYNCED and nothing is queued. With
--data-only the tables must exist already (scripts/demo makes them with
`forcefs init`): only the records are copied in, no DDL is run.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import hcschema  # noqa: E402
from sfemu import org  # noqa: E402

DEMO_OBJECTS = ("Account", "Contact", "Customer_Record__c")


def load(url, schema="salesforce", counts=None, objects=DEMO_OBJECTS, data_only=False):
    described = [o for o in org.objects() if o["name"] in objects]
    if not data_only:
        sql = [hcschema.system_sql(schema)]
        for obj in described:
            sql.append(hcschema.object_sql(schema, obj))
        sql.append(hcschema.forcefs_fields_sql(schema, described))
        hcschema.psql(url, "\n".join(sql))
    records = org.demo_records(counts)
    for obj in described:
        hcschema.copy_records(url, schema, obj, records.get(obj["name"], []))
    hcschema.psql(url, "ANALYZE")
    return {o["name"]: len(records.get(o["name"], [])) for o in described}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("url")
    p.add_argument("--schema", default="salesforce")
    p.add_argument("--count", action="append", default=[], metavar="OBJECT=N")
    p.add_argument("--objects", default=",".join(DEMO_OBJECTS))
    p.add_argument("--data-only", action="store_true",
                   help="copy the records into tables that exist already; no DDL")
    a = p.parse_args()
    counts = {k: int(v) for k, v in (c.split("=", 1) for c in a.count)} or None
    loaded = load(a.url, a.schema, counts, tuple(a.objects.split(",")), a.data_only)
    print(", ".join("%s: %d" % kv for kv in loaded.items()))


if __name__ == "__main__":
    main()
