"""The emulator: routing, authentication, API limits, faults, statistics.

Emulator.handle(Request) -> Response is independent of the HTTP server, so
it can also be driven in-process.
"""

import re
import threading
import time
import urllib.parse

from . import bulk, cometd, composite, control, identity, org, query, rest
from .clock import Clock
from .errors import ApiError, OAuthError, limit_exceeded, not_found, \
    session_invalid
from .faults import Faults
from .limits import ApiLimits
from .oauth import Auth
from .store import Store
from .wire import Response

MIN_VERSION = 20
MAX_VERSION = 66
DEFAULT_REPLICATION_ID_LIMIT = 600000
_SEASONS = ("Winter", "Spring", "Summer")


def versions():
    out = []
    for v in range(MIN_VERSION, MAX_VERSION + 1):
        i = v - 20
        out.append({"label": "%s '%02d" % (_SEASONS[i % 3], 11 + i // 3),
                    "url": "/services/data/v%d.0" % v, "version": "%d.0" % v})
    return out


_VERSIONS = {v["version"] for v in versions()}

# (methods, regex below /services/data/vXX.X, handler, template, lock-aware)
_ROUTES = [
    ("GET", r"/?", rest.resources, "/", False),
    ("GET", r"/sobjects/?", rest.describe_global, "/sobjects", False),
    ("GET", r"/limits/?", rest.limits, "/limits", False),
    ("GET", r"/query/?", query.query, "/query", False),
    ("GET", r"/query/(?P<locator>[^/]+)/?", query.query_more,
     "/query/{locator}", False),
    ("GET", r"/queryAll/?", query.query_all, "/queryAll", False),
    ("GET", r"/queryAll/(?P<locator>[^/]+)/?", query.query_more,
     "/queryAll/{locator}", False),
    ("GET", r"/sobjects/(?P<sobject>\w+)/describe/?", rest.describe,
     "/sobjects/{sobject}/describe", False),
    ("GET", r"/sobjects/(?P<sobject>\w+)/updated/?", rest.updated,
     "/sobjects/{sobject}/updated", False),
    ("GET", r"/sobjects/(?P<sobject>\w+)/deleted/?", rest.deleted,
     "/sobjects/{sobject}/deleted", False),
    ("GET POST", r"/sobjects/(?P<sobject>\w+)/?", rest.sobject_root,
     "/sobjects/{sobject}", True),
    ("GET PATCH DELETE", r"/sobjects/(?P<sobject>\w+)/(?P<key>[^/]+)/?",
     rest.record, "/sobjects/{sobject}/{id}", True),
    ("GET PATCH DELETE",
     r"/sobjects/(?P<sobject>\w+)/(?P<field>[^/]+)/(?P<value>[^/]+)/?",
     rest.by_external_id, "/sobjects/{sobject}/{field}/{value}", True),
    ("POST", r"/composite/sobjects/?", composite.create,
     "/composite/sobjects", True),
    ("PATCH", r"/composite/sobjects/?", composite.update,
     "/composite/sobjects", True),
    ("DELETE", r"/composite/sobjects/?", composite.delete,
     "/composite/sobjects", True),
    ("GET POST", r"/composite/sobjects/(?P<sobject>\w+)/?", composite.retrieve,
     "/composite/sobjects/{sobject}", False),
    ("PATCH", r"/composite/sobjects/(?P<sobject>\w+)/(?P<field>[^/]+)/?",
     composite.upsert, "/composite/sobjects/{sobject}/{field}", True),
    ("POST", r"/jobs/query/?", lambda app, req: app.bulk.create_query(req),
     "/jobs/query", False),
    ("GET", r"/jobs/query/?", lambda app, req: app.bulk.list_jobs(req, "query"),
     "/jobs/query", False),
    ("GET", r"/jobs/query/(?P<jid>\w+)/results/?",
     lambda app, req, jid: app.bulk.query_results(req, jid),
     "/jobs/query/{id}/results", False),
    ("GET PATCH DELETE", r"/jobs/query/(?P<jid>\w+)/?",
     lambda app, req, jid: app.bulk.query_job(req, jid),
     "/jobs/query/{id}", False),
    ("POST", r"/jobs/ingest/?", lambda app, req: app.bulk.create_ingest(req),
     "/jobs/ingest", False),
    ("GET", r"/jobs/ingest/?", lambda app, req: app.bulk.list_jobs(req, "ingest"),
     "/jobs/ingest", False),
    ("PUT", r"/jobs/ingest/(?P<jid>\w+)/batches/?",
     lambda app, req, jid: app.bulk.upload(req, jid),
     "/jobs/ingest/{id}/batches", False),
    ("GET", r"/jobs/ingest/(?P<jid>\w+)/(?P<which>successfulResults|"
     r"failedResults|unprocessedrecords|unprocessedRecords)/?",
     lambda app, req, jid, which: app.bulk.ingest_results(req, jid, which),
     "/jobs/ingest/{id}/{results}", False),
    ("GET PATCH DELETE", r"/jobs/ingest/(?P<jid>\w+)/?",
     lambda app, req, jid: app.bulk.ingest_job(req, jid),
     "/jobs/ingest/{id}", False),
]
_COMPILED = [(set(m.split()), re.compile(r + "$"), h, t, la)
             for m, r, h, t, la in _ROUTES]
_DATA_RE = re.compile(r"^/services/data/v(\d+\.\d+)(/.*)?$")


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.by_endpoint = {}
            self.by_status = {}
            self.total = 0
            self.started = time.time()

    def count(self, key):
        with self.lock:
            self.total += 1
            self.by_endpoint[key] = self.by_endpoint.get(key, 0) + 1

    def status(self, code):
        with self.lock:
            k = str(code)
            self.by_status[k] = self.by_status.get(k, 0) + 1

    def dump(self):
        with self.lock:
            return {"total": self.total,
                    "by_endpoint": dict(sorted(self.by_endpoint.items())),
                    "by_status": dict(sorted(self.by_status.items()))}


class Emulator:
    def __init__(self, seed="demo", counts=None, token_lifetime=7200.0,
                 api_limit=15000, fault_seed=None, bulk_delay_ms=0,
                 clock=None, clock_precision="ms", data_path=None):
        self.seed = seed
        self.counts = counts
        self.api_limit = api_limit
        self.clock = clock or Clock(precision=clock_precision)
        self.initial_precision = self.clock.precision
        self.store = Store(self.clock)
        self.auth = Auth(token_lifetime)
        self.limits = ApiLimits(api_limit)
        self.faults = Faults(fault_seed)
        self.cursors = query.Cursors()
        self.bulk = bulk.Bulk(self, bulk_delay_ms)
        self.initial_bulk_delay_ms = bulk_delay_ms
        self.stats = Stats()
        self.streaming = cometd.Streaming(self)
        self.store.listeners.append(self.streaming.publish)
        self.replication_id_limit = DEFAULT_REPLICATION_ID_LIMIT
        self.persist = None
        self.ui_user = org.users()[2]["Id"]
        if data_path:
            from .persist import Persistence
            self.persist = Persistence(data_path, self.store, self.auth)
            if not self.persist.load():
                self.seed_store()
            self.persist.attach()
        else:
            self.seed_store()

    def seed_store(self, seed=None, counts=None):
        seed = seed or self.seed
        if seed == "demo":
            self.store.seed_demo(counts if counts is not None else self.counts)
        else:
            self.store.seed_empty()
        self.store.deleted_log_start = None

    def close(self):
        if self.persist is not None:
            self.persist.close()

    # ------------------------------------------------------------------
    def route(self, req):
        """(handler, groups, template, lock_aware) for a request, or errors."""
        m = _DATA_RE.match(req.path)
        if not m:
            return None
        req.version = m.group(1)
        rest_path = m.group(2) or "/"
        allowed = None
        for methods, rx, handler, template, lock_aware in _COMPILED:
            mm = rx.match(rest_path)
            if not mm:
                continue
            if req.method not in methods:
                if allowed is None:
                    allowed = (methods, template)
                continue
            groups = {k: urllib.parse.unquote(v) for k, v in mm.groupdict().items()}
            return handler, groups, template, lock_aware
        if allowed is not None:
            return ("405", allowed)
        return ("404", None)

    def handle(self, req):
        cometd.set_origin(None)
        if req.path.startswith("/__emulator"):
            try:
                return control.handle(self, req)
            except control.ControlError as e:
                return Response.json(e.status, {"error": str(e)})
        routed = self.route(req)
        if routed is not None:
            cometd.set_origin(cometd.request_origin(req, req.version))
        key = self._stats_key(req, routed)
        self.stats.count(key)
        delay, fault = self.faults.pick(req.method, req.path)
        if delay:
            time.sleep(delay / 1000.0)
        if fault == "http500":
            resp = Response.json(500, [{
                "message": "An unexpected error occurred. Please include this "
                           "ErrorId if you contact support: 1375294210-47293 "
                           "(-1589347762)",
                "errorCode": "UNKNOWN_EXCEPTION"}])
        elif fault == "http503":
            resp = Response.json(503, [{"message": "Server is unavailable",
                                        "errorCode": "SERVER_UNAVAILABLE"}])
        elif fault == "request_limit":
            resp = Response.error(limit_exceeded())
            resp.header("Sforce-Limit-Info", self.limits.header())
        elif fault == "drop_before_commit":
            resp = Response.empty(500)
            resp.drop = True
        else:
            if fault == "expire_token":
                self.auth.expire_all()
            if fault == "unable_to_lock_row":
                req.lock_fault = True
            resp = self._dispatch(req, routed)
            if fault == "drop_after_commit":
                resp.drop = True
        if not resp.drop:
            self.stats.status(resp.status)
        return resp

    def _stats_key(self, req, routed):
        if routed is None:
            p = req.path
            if p.startswith("/services/oauth2/"):
                return "%s %s" % (req.method, p.rstrip("/"))
            if p.rstrip("/") == "/services/data":
                return "GET /services/data"
            if p.startswith("/cometd"):
                return "%s /cometd" % req.method
            return "%s (unknown)" % req.method
        if isinstance(routed[0], str):
            return "%s (unknown)" % req.method
        return "%s %s" % (req.method, routed[2])

    def _dispatch(self, req, routed):
        path = req.path
        try:
            if routed is None:
                if path == "/cometd" or path.startswith("/cometd/"):
                    return self.streaming.handle(req)
                if path.rstrip("/") == "/services/oauth2/token" and req.method == "POST":
                    body = self.auth.token_request(req.form(), req.headers,
                                                   req.base_url)
                    return Response.json(200, body, [("Cache-Control", "no-cache,no-store")])
                if path.rstrip("/") == "/services/oauth2/authorize" and req.method == "GET":
                    return self.auth.users.authorize(req)
                if path.rstrip("/") == "/services/oauth2/revoke" and req.method == "POST":
                    self.auth.revoke_request(req.form())
                    return Response.empty(200)
                if path.rstrip("/") == "/services/data" and req.method == "GET":
                    return Response.json(200, versions())
                if path.startswith("/id/") and req.method == "GET":
                    return self._identity(req)
                raise not_found()
            if req.version not in _VERSIONS:
                raise not_found()
            user = self._authenticate(req)
            req.user = user
        except OAuthError as e:
            return Response.json(e.status, e.body(),
                                 [("Cache-Control", "no-cache,no-store")])
        except ApiError as e:
            return Response.error(e)
        # authenticated call under /services/data/vXX.X
        if not self.limits.charge():
            resp = Response.error(limit_exceeded())
        else:
            try:
                if routed[0] == "405":
                    methods, _ = routed[1]
                    raise ApiError(405, "METHOD_NOT_ALLOWED",
                                   "HTTP Method '%s' not allowed. Allowed are %s"
                                   % (req.method, ",".join(sorted(methods))))
                if routed[0] == "404":
                    raise not_found()
                handler, groups, _, lock_aware = routed
                if req.lock_fault and not lock_aware:
                    raise ApiError(400, "UNABLE_TO_LOCK_ROW",
                                   "unable to obtain exclusive access to this record")
                resp = handler(self, req, **groups)
            except ApiError as e:
                resp = Response.error(e)
        resp.header("Sforce-Limit-Info", self.limits.header())
        return resp

    def _authenticate(self, req):
        h = req.header("Authorization")
        if not h:
            raise session_invalid()
        scheme, _, token = h.strip().partition(" ")
        if scheme.lower() not in ("bearer", "oauth"):
            raise ApiError(401, "INVALID_AUTH_HEADER", "INVALID_HEADER_TYPE")
        user = self.auth.check(token.strip())
        if user is None:
            raise session_invalid()
        req.token = token.strip()
        return user

    def _identity(self, req):
        user = self._authenticate(req)
        return Response.json(200, identity.identity(req, user))
