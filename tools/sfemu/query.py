"""query / queryAll with server-side cursors (nextRecordsUrl)."""

import re
import threading
import time

from . import org, render, soql
from .errors import ApiError, malformed_query
from .wire import Response

DEFAULT_BATCH = 2000
MIN_BATCH = 200
MAX_BATCH = 2000
CURSOR_IDLE_SECONDS = 15 * 60


def batch_size(req):
    """Page size from Sforce-Query-Options: batchSize=N (clamped 200..2000)."""
    opts = req.header("Sforce-Query-Options") or ""
    m = re.search(r"batchSize\s*=\s*(\d+)", opts, re.I)
    if not m:
        return DEFAULT_BATCH
    return max(MIN_BATCH, min(MAX_BATCH, int(m.group(1))))


class Cursors:
    """Open query locators (01g...) holding a snapshot of the result rows."""

    def __init__(self, max_open=10, idle_seconds=CURSOR_IDLE_SECONDS):
        self.lock = threading.Lock()
        self.max_open = max_open
        self.idle = idle_seconds
        self.open = {}            # locator -> dict
        self.n = 0

    def create(self, obj_def, fields, rows, batch):
        with self.lock:
            self._expire()
            while len(self.open) >= self.max_open:
                oldest = min(self.open, key=lambda k: self.open[k]["used"])
                del self.open[oldest]
            self.n += 1
            loc = org.make_id("01g", self.n)
            self.open[loc] = {"obj": obj_def, "fields": fields, "rows": rows,
                              "batch": batch, "used": time.monotonic()}
            return loc

    def get(self, loc):
        with self.lock:
            self._expire()
            c = self.open.get(loc)
            if c is not None:
                c["used"] = time.monotonic()
            return c

    def close(self, loc):
        with self.lock:
            self.open.pop(loc, None)

    def _expire(self):
        now = time.monotonic()
        for k in [k for k, c in self.open.items() if now - c["used"] > self.idle]:
            del self.open[k]

    def count(self):
        with self.lock:
            self._expire()
            return len(self.open)


def _page(app, req, obj_def, fields, rows, start, batch, loc):
    end = start + batch
    page = rows[start:end]
    out = {"totalSize": len(rows), "done": end >= len(rows)}
    if end < len(rows):
        if loc is None:
            loc = app.cursors.create(obj_def, fields, rows, batch)
        out["nextRecordsUrl"] = "/services/data/v%s/query/%s-%d" % (
            req.version, loc, end)
    out["records"] = [render.record_json(obj_def, r, fields, req.version)
                      for r in page]
    return Response.json(200, out)


def run_query(app, req, include_deleted):
    q = req.param("q")
    if q is None or not q.strip():
        raise malformed_query("A query string has to be specified")
    parsed = soql.parse(q, app.store, today=app.store.clock.now().date())
    rows = parsed.run(app.store.scan(parsed.obj.name,
                                     include_deleted=include_deleted))
    if parsed.count:
        return Response.json(200, {"totalSize": len(rows), "done": True,
                                   "records": []})
    return _page(app, req, parsed.obj, parsed.fields, rows, 0,
                 batch_size(req), None)


def query(app, req):
    return run_query(app, req, include_deleted=False)


def query_all(app, req):
    return run_query(app, req, include_deleted=True)


def query_more(app, req, locator):
    m = re.match(r"^(01g[0-9A-Za-z]{12}(?:[0-9A-Za-z]{3})?)-(\d+)$", locator)
    c = app.cursors.get(m.group(1)) if m else None
    if c is None:
        raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    start = int(m.group(2))
    if start >= len(c["rows"]) or start < 0:
        raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    return _page(app, req, c["obj"], c["fields"], c["rows"], start,
                 c["batch"], m.group(1))
