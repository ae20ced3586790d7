"""--data FILE: the org's state as JSON, plus an append-only journal.

FILE holds a snapshot; FILE.journal holds one JSON line per committed record
version since that snapshot, so a write is durable as soon as its response
is sent, even if the emulator is killed.  Loading replays the journal and
writes a fresh snapshot.  A clean shutdown also writes a snapshot.
"""

import json
import os
import threading

from . import fieldtypes

FORMAT = "sfemu-data-1"
COMPACT_AFTER = 20000     # journal lines before a new snapshot is written


def _encode(d, rec):
    out = {}
    for f in d.storable_fields():
        out[f["name"]] = fieldtypes.to_store(f["type"], rec.get(f["name"]))
    return out


def _decode(d, data):
    rec = {}
    for f in d.storable_fields():
        rec[f["name"]] = fieldtypes.from_store(f["type"], data.get(f["name"]))
    return rec


class Persistence:
    def __init__(self, path, store, auth):
        self.path = path
        self.journal_path = path + ".journal"
        self.store = store
        self.auth = auth
        self.lock = threading.Lock()
        self.jfile = None
        self.jlines = 0

    def exists(self):
        return os.path.exists(self.path) or os.path.exists(self.journal_path)

    def load(self):
        """Load snapshot + journal into the store. Returns False if absent."""
        if not self.exists():
            return False
        store = self.store
        with store.lock:
            store.clear()
            data = {}
            if os.path.exists(self.path):
                with open(self.path, encoding="utf-8") as fh:
                    data = json.load(fh)
                if data.get("format") != FORMAT:
                    raise ValueError("%s: not an emulator data file" % self.path)
            tables = {}
            for obj, recs in data.get("records", {}).items():
                d = store.object_def(obj)
                if d is None:
                    continue
                tables[d.name] = {r["Id"]: _decode(d, r) for r in recs}
            if os.path.exists(self.journal_path):
                with open(self.journal_path, encoding="utf-8") as fh:
                    for line in fh:
                        try:
                            entry = json.loads(line)
                        except ValueError:
                            break      # a torn last line from a crash
                        d = store.object_def(entry["o"])
                        if d is None:
                            continue
                        rec = _decode(d, entry["r"])
                        tables.setdefault(d.name, {})[rec["Id"]] = rec
            for obj, table in tables.items():
                store.load_records(obj, table.values())
            for prefix, n in data.get("seq", {}).items():
                store.seq[prefix] = max(store.seq.get(prefix, 1), n)
            start = data.get("deleted_log_start")
            store.deleted_log_start = fieldtypes.parse_datetime(start) if start else None
            self.auth.load(data.get("auth", {}))
        return True

    def attach(self):
        """Journal every commit from now on."""
        self.snapshot()
        self.store.journal = self.append

    def append(self, changes):
        """Called by the store (under its lock) after each commit."""
        with self.lock:
            if self.jfile is None:
                self.jfile = open(self.journal_path, "a", encoding="utf-8")
            for obj, rec in changes:
                d = self.store.defs[obj]
                self.jfile.write(json.dumps({"o": obj, "r": _encode(d, rec)},
                                            ensure_ascii=False) + "\n")
                self.jlines += 1
            self.jfile.flush()
            big = self.jlines >= COMPACT_AFTER
        if big:
            self.snapshot()

    def snapshot(self):
        store = self.store
        with store.lock, self.lock:
            data = {"format": FORMAT, "records": {}, "seq": dict(store.seq),
                    "deleted_log_start": fieldtypes.format_datetime_z(
                        store.deleted_log_start) if store.deleted_log_start else None,
                    "auth": self.auth.dump()}
            for obj, table in store.records.items():
                d = store.defs[obj]
                data["records"][obj] = [_encode(d, r) for r in table.values()]
            tmp = self.path + ".tmp"
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump(data, fh, ensure_ascii=False, separators=(",", ":"))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
            if self.jfile is not None:
                self.jfile.close()
                self.jfile = None
            with open(self.journal_path, "w"):
                pass
            self.jlines = 0

    def close(self):
        self.snapshot()
        with self.lock:
            if self.jfile is not None:
                self.jfile.close()
                self.jfile = None
