"""Bulk API 2.0: query jobs and ingest jobs (CSV).

Jobs run lazily: a job is processed the first time it is looked at after
its delay (``--bulk-delay-ms``, also settable through the control endpoint)
has passed.  Before that it reports UploadComplete, then InProgress for the
second half of the delay.  A delay of 0 completes a job on its first poll.
"""

import base64
import csv
import io
import threading
import time

from . import fieldtypes, org, soql
from .errors import ApiError, RecordError
from .store import MultipleMatches, RecordNotFound
from .wire import Response

DEFAULT_MAX_RECORDS = 50000
DELIMITERS = {"COMMA": ",", "TAB": "\t", "SEMICOLON": ";", "PIPE": "|",
              "CARET": "^", "BACKQUOTE": "`"}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
INGEST_OPS = ("insert", "update", "upsert", "delete", "hardDelete")
TERMINAL = ("JobComplete", "Failed", "Aborted")


class _Err(ApiError):
    """Bulk API 2.0 error bodies put errorCode first."""

    def body(self):
        return [{"errorCode": self.code, "message": self.message}]


def _err(status, code, message):
    return _Err(status, code, message)


def _csv_text(rows, delimiter, line_ending):
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator=line_ending,
                   quoting=csv.QUOTE_ALL)
    w.writerows(rows)
    return buf.getvalue()


def _error_text(e):
    if e.fields:
        return "%s:%s:%s --" % (e.code, e.message, ",".join(e.fields))
    return "%s:%s:--" % (e.code, e.message)


class Job:
    def __init__(self, kind, jid, info, created_mono):
        self.kind = kind              # "query" | "ingest"
        self.id = jid
        self.info = info              # public job info (ordered dict)
        self.created = created_mono
        self.closed_at = None         # ingest: when UploadComplete was set
        self.query = None
        self.rows = None              # query results (records)
        self.uploads = []             # ingest: raw CSV texts
        self.success = []             # ingest result rows
        self.failed = []
        self.unprocessed = []
        self.header = None


class Bulk:
    def __init__(self, app, delay_ms=0):
        self.app = app
        self.lock = threading.Lock()
        self.jobs = {}
        self.n = 0
        self.delay = delay_ms / 1000.0

    # ------------------------------------------------------------------
    def _new_id(self):
        self.n += 1
        return org.make_id("750", self.n)

    def _base_info(self, req, jid, operation, obj, extra=()):
        now = fieldtypes.format_datetime(self.app.store.clock.now())
        info = {"id": jid, "operation": operation, "object": obj,
                "createdById": req.user, "createdDate": now,
                "systemModstamp": now}
        info.update(extra)
        return info

    def _get(self, kind, jid):
        with self.lock:
            job = self.jobs.get(jid)
        if job is None or job.kind != kind:
            raise _err(404, "NOT_FOUND", "The requested resource does not exist")
        return job

    def _touch(self, job):
        job.info["systemModstamp"] = fieldtypes.format_datetime(
            self.app.store.clock.now())

    def reset(self):
        with self.lock:
            self.jobs.clear()

    # ------------------------------------------------------------------
    # query jobs
    # ------------------------------------------------------------------
    def create_query(self, req):
        body = req.json()
        if not isinstance(body, dict):
            raise _err(400, "INVALIDJOB", "Invalid job definition")
        op = body.get("operation", "query")
        if op not in ("query", "queryAll"):
            raise _err(400, "INVALIDJOB", "Invalid operation: %s" % op)
        text = body.get("query")
        if not text:
            raise _err(400, "INVALIDJOB", "Query is required")
        if body.get("contentType", "CSV") != "CSV":
            raise _err(400, "INVALIDJOB", "Only CSV content type is supported")
        delim = body.get("columnDelimiter", "COMMA")
        ending = body.get("lineEnding", "LF")
        if delim not in DELIMITERS or ending not in LINE_ENDINGS:
            raise _err(400, "INVALIDJOB", "Invalid columnDelimiter or lineEnding")
        parsed = soql.parse(text, self.app.store,
                            today=self.app.store.clock.now().date())
        if parsed.count:
            raise _err(400, "API_ERROR", "Aggregate queries are not supported "
                       "in Bulk Query")
        if any(f["type"] in ("address", "location", "base64")
               for f in parsed.fields):
            raise _err(400, "API_ERROR",
                       "Selecting compound data not supported in Bulk Query")
        with self.lock:
            jid = self._new_id()
        info = self._base_info(req, jid, op, parsed.obj.name, {
            "state": "UploadComplete", "concurrencyMode": "Parallel",
            "contentType": "CSV", "apiVersion": float(req.version),
            "lineEnding": ending, "columnDelimiter": delim})
        job = Job("query", jid, info, time.monotonic())
        job.query = parsed
        with self.lock:
            self.jobs[jid] = job
        return Response.json(200, dict(info))

    def _advance(self, job):
        """Move a job along its states according to the delay."""
        with self.lock:
            if job.info["state"] in TERMINAL or job.info["state"] == "Open":
                return
            start = job.closed_at if job.kind == "ingest" else job.created
            elapsed = time.monotonic() - start
            if elapsed < self.delay:
                if elapsed >= self.delay / 2 and job.info["state"] != "InProgress":
                    job.info["state"] = "InProgress"
                    self._touch(job)
                return
            t0 = time.monotonic()
            if job.kind == "query":
                self._run_query(job)
            else:
                self._run_ingest(job)
            ms = int((time.monotonic() - t0) * 1000)
            job.info["state"] = "Failed" if job.info.get("errorMessage") \
                else "JobComplete"
            job.info["_ms"] = ms
            self._touch(job)

    def _run_query(self, job):
        q = job.query
        recs = self.app.store.scan(q.obj.name, include_deleted=(
            job.info["operation"] == "queryAll"))
        job.rows = q.run(recs)

    def _query_info(self, job):
        self._advance(job)
        info = {k: v for k, v in job.info.items() if not k.startswith("_")}
        info["jobType"] = "V2Query"
        info["numberRecordsProcessed"] = len(job.rows or [])
        info["retries"] = 0
        info["totalProcessingTime"] = job.info.get("_ms", 0)
        info["isPkChunkingSupported"] = True
        return info

    def query_job(self, req, jid):
        job = self._get("query", jid)
        if req.method == "DELETE":
            with self.lock:
                self.jobs.pop(jid, None)
            return Response.empty(204)
        if req.method == "PATCH":
            body = req.json()
            if not isinstance(body, dict) or body.get("state") != "Aborted":
                raise _err(400, "INVALIDJOBSTATE", "Invalid state")
            with self.lock:
                if job.info["state"] not in TERMINAL:
                    job.info["state"] = "Aborted"
                    self._touch(job)
        return Response.json(200, self._query_info(job))

    def list_jobs(self, req, kind):
        with self.lock:
            jobs = [j for j in self.jobs.values() if j.kind == kind]
        infos = [self._query_info(j) if kind == "query" else self._ingest_info(j)
                 for j in jobs]
        return Response.json(200, {"done": True, "records": infos,
                                   "nextRecordsUrl": None})

    def query_results(self, req, jid):
        job = self._get("query", jid)
        self._advance(job)
        state = job.info["state"]
        if state != "JobComplete":
            raise _err(412 if state not in ("Failed", "Aborted") else 400,
                       "JOB_NOT_COMPLETE",
                       "can only download query results of successfully "
                       "completed bulk job with status: JOB_COMPLETE. Current "
                       "status: %s" % {"UploadComplete": "UPLOAD_COMPLETE",
                                       "InProgress": "IN_PROGRESS",
                                       "Failed": "FAILED",
                                       "Aborted": "ABORTED"}.get(state, state))
        loc = req.param("locator")
        start = 0
        if loc and loc != "null":
            try:
                pad = "=" * (-len(loc) % 4)
                start = int(base64.b64decode(loc + pad).decode())
            except (ValueError, UnicodeDecodeError):
                raise _err(400, "INVALID_QUERY_LOCATOR", "Invalid locator: %s" % loc)
        mx = req.param("maxRecords")
        try:
            size = int(mx) if mx else DEFAULT_MAX_RECORDS
        except ValueError:
            raise _err(400, "INVALIDJOB", "Invalid maxRecords: %s" % mx)
        size = max(1, size)
        rows = job.rows[start:start + size]
        fields = job.query.fields
        out = [[f["name"] for f in fields]]
        for r in rows:
            out.append([fieldtypes.to_csv(f["type"], r.get(f["name"]))
                        for f in fields])
        text = _csv_text(out, DELIMITERS[job.info["columnDelimiter"]],
                         LINE_ENDINGS[job.info["lineEnding"]])
        nxt = start + size
        locator = "null" if nxt >= len(job.rows) else \
            base64.b64encode(str(nxt).encode()).decode().rstrip("=")
        return Response(200, text.encode("utf-8"), "text/csv",
                        [("Sforce-Locator", locator),
                         ("Sforce-NumberOfRecords", str(len(rows)))])

    # ------------------------------------------------------------------
    # ingest jobs
    # ------------------------------------------------------------------
    def create_ingest(self, req):
        body = req.json()
        if not isinstance(body, dict):
            raise _err(400, "INVALIDJOB", "Invalid job definition")
        d = self.app.store.object_def(body.get("object") or "")
        if d is None:
            raise _err(400, "INVALIDENTITY", "Entity '%s' is not supported by "
                       "the Bulk API." % body.get("object"))
        op = body.get("operation")
        if op not in INGEST_OPS:
            raise _err(400, "INVALIDJOB", "Invalid operation: %s" % op)
        ext = body.get("externalIdFieldName")
        extra = {}
        if op == "upsert":
            if not ext:
                raise _err(400, "INVALIDJOB", "External ID was blank for %s. "
                           "An External ID must be specified for upsert."
                           % d.name)
            f = d.field(ext)
            if f is None or not (f["externalId"] or f["name"] == "Id"):
                raise _err(400, "INVALIDJOB", "The field %s is not an external "
                           "id field of %s" % (ext, d.name))
            extra["externalIdFieldName"] = f["name"]
        if body.get("contentType", "CSV") != "CSV":
            raise _err(400, "INVALIDJOB", "Only CSV content type is supported")
        delim = body.get("columnDelimiter", "COMMA")
        ending = body.get("lineEnding", "LF")
        if delim not in DELIMITERS or ending not in LINE_ENDINGS:
            raise _err(400, "INVALIDJOB", "Invalid columnDelimiter or lineEnding")
        with self.lock:
            jid = self._new_id()
        extra.update({"state": "Open", "concurrencyMode": "Parallel",
                      "contentType": "CSV", "apiVersion": float(req.version),
                      "contentUrl": "services/data/v%s/jobs/ingest/%s/batches"
                      % (req.version, jid),
                      "lineEnding": ending, "columnDelimiter": delim})
        info = self._base_info(req, jid, op, d.name, extra)
        job = Job("ingest", jid, info, time.monotonic())
        with self.lock:
            self.jobs[jid] = job
        return Response.json(200, dict(info))

    def _ingest_info(self, job):
        self._advance(job)
        info = {k: v for k, v in job.info.items() if not k.startswith("_")}
        info["jobType"] = "V2Ingest"
        info["numberRecordsProcessed"] = len(job.success) + len(job.failed)
        info["numberRecordsFailed"] = len(job.failed)
        info["retries"] = 0
        info["totalProcessingTime"] = job.info.get("_ms", 0)
        info["apiActiveProcessingTime"] = job.info.get("_ms", 0)
        info["apexProcessingTime"] = 0
        return info

    def upload(self, req, jid):
        job = self._get("ingest", jid)
        with self.lock:
            if job.info["state"] != "Open":
                raise _err(409, "INVALIDJOBSTATE",
                           "Job is not in Open state: %s" % job.info["state"])
            try:
                job.uploads.append(req.body.decode("utf-8-sig"))
            except UnicodeDecodeError:
                raise _err(400, "INVALIDJOB", "The CSV data is not valid UTF-8")
        return Response.empty(201)

    def ingest_job(self, req, jid):
        job = self._get("ingest", jid)
        if req.method == "DELETE":
            with self.lock:
                self.jobs.pop(jid, None)
            return Response.empty(204)
        if req.method == "PATCH":
            body = req.json()
            want = body.get("state") if isinstance(body, dict) else None
            with self.lock:
                cur = job.info["state"]
                if want == "UploadComplete" and cur == "Open":
                    job.info["state"] = "UploadComplete"
                    job.closed_at = time.monotonic()
                elif want == "Aborted" and cur not in TERMINAL:
                    job.info["state"] = "Aborted"
                    job.unprocessed = self._parse_rows(job)[1] \
                        if job.uploads else []
                else:
                    raise _err(400, "INVALIDJOBSTATE",
                               "Cannot change job state from %s to %s"
                               % (cur, want))
                self._touch(job)
        return Response.json(200, self._ingest_info(job))

    def _parse_rows(self, job):
        delim = DELIMITERS[job.info["columnDelimiter"]]
        header, rows = None, []
        for text in job.uploads:
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
            h = next(reader, None)
            if h is None:
                continue
            if header is None:
                header = h
            elif [x.lower() for x in h] != [x.lower() for x in header]:
                raise ValueError("InvalidBatch : all uploads of a job must have "
                                 "the same header")
            rows.extend(r for r in reader if r)
        return header, rows

    def _run_ingest(self, job):
        store = self.app.store
        d = store.object_def(job.info["object"])
        try:
            header, rows = self._parse_rows(job)
        except (csv.Error, ValueError) as e:
            job.info["errorMessage"] = str(e)
            return
        if header is None:
            job.info["errorMessage"] = "InvalidBatch : No data found"
            return
        job.header = header
        fields = []
        for name in header:
            f = d.field(name.strip())
            if f is None:
                job.info["errorMessage"] = ("InvalidBatch : Field name not "
                                            "found : %s" % name)
                job.unprocessed = rows
                return
            fields.append(f)
        op = job.info["operation"]
        user = job.info["createdById"]
        ext = job.info.get("externalIdFieldName")
        for row in rows:
            row = row + [""] * (len(fields) - len(row))
            rid = ""
            for f, cell in zip(fields, row):
                if f["name"] == "Id" and cell:
                    rid = cell
            try:
                values = {}
                for f, cell in zip(fields, row):
                    if cell == "":
                        continue
                    if cell == "#N/A":
                        values[f["name"]] = None
                    else:
                        values[f["name"]] = fieldtypes.from_csv(f, cell)
                with store.lock:
                    store.begin()
                    try:
                        rid, created = self._apply(d, op, values, ext, user)
                    except BaseException:
                        store.rollback()
                        raise
                    store.commit()
                job.success.append([rid, "true" if created else "false"] + row)
            except RecordError as e:
                job.failed.append([rid if op != "insert" else "",
                                   _error_text(e)] + row)
            except (RecordNotFound, MultipleMatches) as e:
                if isinstance(e, MultipleMatches):
                    err = RecordError("DUPLICATE_EXTERNAL_ID",
                                      "more than one record found for external "
                                      "id field: [%s]" % ", ".join(e.ids), [ext])
                else:
                    err = RecordError("INVALID_CROSS_REFERENCE_KEY",
                                      "invalid cross reference id", [])
                job.failed.append([rid, _error_text(err)] + row)
            except ApiError as e:
                err = RecordError(e.code, e.message, e.fields or [])
                job.failed.append([rid, _error_text(err)] + row)

    def _apply(self, d, op, values, ext, user):
        store = self.app.store
        if op == "insert":
            return store.create(d, values, user), True
        if op == "upsert":
            value = values.get(ext)
            if value is None:
                raise RecordError("MISSING_ARGUMENT", "%s not specified" % ext,
                                  [ext])
            return store.upsert(d, ext, str(value), values, user)
        rid = values.get("Id")
        if not rid:
            raise RecordError("MISSING_ARGUMENT",
                              "Id not specified in an %s call" % op, ["Id"])
        norm = org.normalize_id(rid)
        if norm is None or norm[:3] != d.key_prefix:
            raise RecordError("MALFORMED_ID", "malformed id %s" % rid, ["Id"])
        if op == "update":
            return store.update(d, norm, values, user), False
        if set(values) - {"Id"}:
            raise RecordError("INVALID_FIELD", "Only Id may be given in a "
                              "delete call", [])
        store.delete(d, norm, user)
        return norm, False

    def ingest_results(self, req, jid, which):
        job = self._get("ingest", jid)
        self._advance(job)
        header = job.header or (self._safe_header(job))
        delim = DELIMITERS[job.info["columnDelimiter"]]
        ending = LINE_ENDINGS[job.info["lineEnding"]]
        if which == "successfulResults":
            rows = [["sf__Id", "sf__Created"] + header] + job.success
        elif which == "failedResults":
            rows = [["sf__Id", "sf__Error"] + header] + job.failed
        else:
            rows = [header] + job.unprocessed
        return Response(200, _csv_text(rows, delim, ending).encode("utf-8"),
                        "text/csv")

    def _safe_header(self, job):
        try:
            header, _ = self._parse_rows(job)
        except (csv.Error, ValueError):
            header = None
        return header or []
