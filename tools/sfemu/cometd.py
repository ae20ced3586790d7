"""Streaming API: Change Data Capture events over CometD (Bayeux long polling).

Endpoint ``/cometd/<version>`` (POST, a JSON array of Bayeux messages), as
Salesforce's Streaming API: /meta/handshake, /meta/subscribe with
``ext.replay``, /meta/connect long polls, /meta/unsubscribe and
/meta/disconnect. Every record change the store commits (create, update,
delete, undelete) becomes one change event on ``/data/<Object>ChangeEvent``
(custom objects ``/data/<Name>__ChangeEvent``) when the object is selected for
Change Data Capture. Events are kept 72 hours (store clock); gap events are
injected through ``/__emulator/cdc``. Documented in docs/emulator.md
("Streaming: Change Data Capture over CometD").

Thread safety: one lock and condition; a long poll waits on the condition.
Store commits call ``publish`` with the store lock held; nothing here takes
the store lock while holding this one.
"""

import datetime
import json
import secrets
import threading
import time
import urllib.parse

from . import fieldtypes
from .wire import Response

DEFAULT_TIMEOUT_MS = 110000          # advice.timeout: Salesforce's socket timeout
DEFAULT_CLIENT_TIMEOUT_MS = 40000    # reconnect timeout: client forgotten after it
DEFAULT_RETENTION_HOURS = 72
DEFAULT_ALLOCATION = 50000           # delivered events per UTC day
MIN_VERSION = 37.0
MAX_EVENTS_PER_CONNECT = 1000
COOKIE = "BAYEUX_BROWSER"
CDC_OBJECTS = ("Account", "Contact", "Customer_Record__c")

_local = threading.local()


def set_origin(origin):
    """The changeOrigin of the changes the current request thread makes."""
    _local.origin = origin


def request_origin(req, version):
    """changeOrigin of a REST request: com/salesforce/api/rest/V[;client=X]."""
    out = "com/salesforce/api/rest/%s" % version
    opts = req.header("Sforce-Call-Options") or ""
    for part in opts.split(","):
        k, _, v = part.strip().partition("=")
        if k.strip().lower() == "client" and v.strip():
            out += ";client=" + v.strip()
    return out


def channel_of(obj):
    if obj.endswith("__c"):
        return "/data/%s__ChangeEvent" % obj[:-3]
    return "/data/%sChangeEvent" % obj


def _epoch_ms(dt):
    return int((dt - datetime.datetime(1970, 1, 1)).total_seconds() * 1000)


class Client:
    def __init__(self, cid, cookie, now):
        self.id = cid
        self.cookie = cookie
        self.subs = {}           # channel -> position (index of last event seen)
        self.last_seen = now
        self.connects = 0
        self.polling = 0         # connects in flight


class Streaming:
    def __init__(self, app):
        self.app = app
        self.cond = threading.Condition()
        self.initial_timeout_ms = DEFAULT_TIMEOUT_MS
        self.initial_selected = set(CDC_OBJECTS)
        self.reset()

    def reset(self):
        """Back to the launch settings: no events, no clients."""
        with self.cond:
            self.timeout_ms = self.initial_timeout_ms
            self.client_timeout_ms = DEFAULT_CLIENT_TIMEOUT_MS
            self.retention = datetime.timedelta(hours=DEFAULT_RETENTION_HOURS)
            self.selected = set(self.initial_selected)
            self.events = []         # {"replay", "channel", "at", "data"}
            # Replay ids only grow, also across a restart or a reset (a client's
            # stored id must never name a newer event): start from the wall clock, µs.
            self.next_replay = max(int(time.time() * 1000000),
                                   getattr(self, "next_replay", 0))
            self.commit_number = 10000000000
            self.clients = {}
            self.allocation = DEFAULT_ALLOCATION
            self.delivered = 0
            self.delivered_day = None
            self.published = 0
            self.cond.notify_all()

    # ------------------------------------------------------------------
    # publishing
    # ------------------------------------------------------------------
    def _expire(self):
        cutoff = self.app.clock.now() - self.retention
        n = 0
        while n < len(self.events) and self.events[n]["at"] < cutoff:
            n += 1
        if n:
            del self.events[:n]
            for c in self.clients.values():
                for ch in c.subs:
                    c.subs[ch] = max(-1, c.subs[ch] - n)
        return n

    def _append(self, obj, payload, at):
        replay = self.next_replay
        self.next_replay += 1
        ch = channel_of(obj)
        self.events.append({
            "replay": replay, "channel": ch, "at": at,
            "data": {"schema": "forcefs-emulator-%s" % obj.lower(),
                     "payload": payload, "event": {"replayId": replay}}})
        self.published += 1

    def publish(self, changes):
        """Store commit hook: changes = [(ObjectDef, old or None, new)]."""
        origin = getattr(_local, "origin", None) or ""
        with self.cond:
            self.commit_number += 1
            tx_key = secrets.token_hex(16)
            seq = 0
            for d, old, new in changes:
                if d.name not in self.selected:
                    continue
                seq += 1
                payload = self._payload(d, old, new, origin, tx_key, seq)
                if payload is not None:
                    self._append(d.name, payload, new["SystemModstamp"])
            self._expire()
            self.cond.notify_all()

    def _payload(self, d, old, new, origin, tx_key, seq):
        if old is None:
            ctype = "CREATE"
        elif new["IsDeleted"] and not old["IsDeleted"]:
            ctype = "DELETE"
        elif old["IsDeleted"] and not new["IsDeleted"]:
            ctype = "UNDELETE"
        elif new["IsDeleted"]:
            return None
        else:
            ctype = "UPDATE"
        changed, nulled, body = [], [], {}
        for f in d.storable_fields():
            name = f["name"]
            if name in ("Id", "IsDeleted", "SystemModstamp"):
                continue
            v = new.get(name)
            if ctype in ("CREATE", "UNDELETE"):
                if v is not None:
                    body[name] = fieldtypes.to_json(f["type"], v)
            elif ctype == "UPDATE":
                if old.get(name) != v:
                    changed.append(name)
                    if v is None:
                        nulled.append(name)
                    body[name] = fieldtypes.to_json(f["type"], v)
        header = {
            "entityName": d.name, "recordIds": [new["Id"]],
            "changeType": ctype, "changeOrigin": origin,
            "transactionKey": tx_key, "sequenceNumber": seq,
            "commitTimestamp": _epoch_ms(new["SystemModstamp"]),
            "commitNumber": self.commit_number,
            "commitUser": new.get("LastModifiedById") or "",
            "changedFields": changed, "nulledFields": nulled,
            "diffFields": []}
        out = {"ChangeEventHeader": header}
        out.update(body)
        return out

    def gap(self, obj, ctype, ids):
        """Publishes a gap event (GAP_CREATE, GAP_UPDATE, GAP_DELETE,
        GAP_UNDELETE, GAP_OVERFLOW) naming `ids`; returns its replay id."""
        now = self.app.clock.now()
        with self.cond:
            self.commit_number += 1
            header = {
                "entityName": obj, "recordIds": list(ids), "changeType": ctype,
                "changeOrigin": "", "transactionKey": secrets.token_hex(16),
                "sequenceNumber": 1, "commitTimestamp": _epoch_ms(now),
                "commitNumber": self.commit_number, "commitUser": "",
                "changedFields": [], "nulledFields": [], "diffFields": []}
            self._append(obj, {"ChangeEventHeader": header}, now)
            self.cond.notify_all()
            return self.next_replay - 1

    # ------------------------------------------------------------------
    # the endpoint
    # ------------------------------------------------------------------
    def handle(self, req):
        path = req.path.rstrip("/")
        version = path[len("/cometd"):].lstrip("/")
        if not version:
            return _http_error(400, "API version in the URI is mandatory. URI "
                               "format: '/cometd/60.0'")
        try:
            v = float(version)
        except ValueError:
            v = 0.0
        if v < MIN_VERSION or "/" in version:
            return _http_error(400, "Unsupported API version. Only API versions "
                               "'37.0' and later are supported. URI format: "
                               "'/cometd/60.0'")
        if req.method != "POST":
            return _http_error(400, "Only POST is supported")
        h = req.header("Authorization") or ""
        scheme, _, token = h.strip().partition(" ")
        if not h or scheme.lower() not in ("bearer", "oauth"):
            return _http_error(401, "401::Request requires authentication")
        user = self.app.auth.check(token.strip())
        try:
            msgs = json.loads(req.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return _http_error(400, "400::Invalid message: not JSON")
        if isinstance(msgs, dict):
            msgs = [msgs]
        if not isinstance(msgs, list) or not all(isinstance(m, dict) for m in msgs):
            return _http_error(400, "400::Invalid message: not a message array")
        cookie = _cookie(req, COOKIE)
        out, headers = [], []
        for m in msgs:
            ch = m.get("channel")
            if user is None:
                out.append(self._auth_failed(m))
            elif ch == "/meta/handshake":
                reply, new_cookie = self._handshake(m)
                out.append(reply)
                if new_cookie:
                    headers.append(("Set-Cookie", "%s=%s; Path=/; HttpOnly"
                                    % (COOKIE, new_cookie)))
            elif ch in ("/meta/connect", "/meta/subscribe", "/meta/unsubscribe",
                        "/meta/disconnect"):
                out.extend(self._client_call(m, cookie))
            else:
                out.append(_fail(m, "403::Publish denied"))
        return Response.json(200, out, headers)

    def _auth_failed(self, m):
        if m.get("channel") == "/meta/handshake":
            r = _fail(m, "403::Handshake denied", {"reconnect": "none"})
            r["ext"] = {"sfdc": {"failureReason": "401::Authentication invalid"}}
            return r
        return _fail(m, "401::Authentication invalid",
                     {"reconnect": "none", "interval": 0})

    def _advice(self):
        return {"interval": 0, "timeout": self.timeout_ms, "reconnect": "retry"}

    def _handshake(self, m):
        types = m.get("supportedConnectionTypes") or []
        if "long-polling" not in types:
            return _fail(m, "400::Invalid connection type %s"
                         % ",".join(str(t) for t in types)), None
        cid = secrets.token_urlsafe(20)
        cookie = secrets.token_hex(12)
        with self.cond:
            self._sweep()
            self.clients[cid] = Client(cid, cookie, time.monotonic())
        r = {"channel": "/meta/handshake", "version": "1.0",
             "minimumVersion": "1.0", "supportedConnectionTypes": ["long-polling"],
             "clientId": cid, "successful": True, "advice": self._advice(),
             "ext": {"replay": True, "payload.format": True}}
        if "id" in m:
            r["id"] = m["id"]
        return r, cookie

    def _sweep(self):
        """Forgets clients that did not come back within the reconnect timeout."""
        now = time.monotonic()
        limit = self.client_timeout_ms / 1000.0
        for cid in [k for k, c in self.clients.items()
                    if not c.polling and now - c.last_seen > limit]:
            del self.clients[cid]

    def _client_call(self, m, cookie):
        cid = m.get("clientId")
        with self.cond:
            self._sweep()
            c = self.clients.get(cid)
            if c is None:
                return [_fail(m, "403::Unknown client",
                              {"reconnect": "handshake", "interval": 0})]
            if cookie != c.cookie:
                return [_fail(m, "400::Client %s has established a session, but "
                              "no %s cookie present" % (cid, COOKIE))]
            c.last_seen = time.monotonic()
            ch = m["channel"]
            if ch == "/meta/subscribe":
                return [self._subscribe(c, m)]
            if ch == "/meta/unsubscribe":
                sub = m.get("subscription")
                c.subs.pop(sub, None)
                r = _ok(m)
                r["subscription"] = sub
                return [r]
            if ch == "/meta/disconnect":
                del self.clients[cid]
                return [_ok(m)]
        return self._connect(c, m)

    def _channel_objects(self, sub):
        if sub == "/data/ChangeEvents":
            return set(self.selected)
        for name in self.selected:
            if channel_of(name) == sub:
                return {name}
        return set()

    def _subscribe(self, c, m):
        sub = m.get("subscription")
        if not sub:
            return _fail(m, "400::Channel name not specified")
        if not isinstance(sub, str) or not sub.startswith("/"):
            return _fail(m, "400::Channel subscriptions must start with a leading '/'")
        if not self._channel_objects(sub):
            r = _fail(m, "400::The channel you requested to subscribe to does "
                      "not exist {%s}" % sub)
            r["subscription"] = sub
            return r
        replay = ((m.get("ext") or {}).get("replay") or {}).get(sub, -1)
        self._expire()
        chans = self._channels(sub)
        if replay == -1:
            pos = len(self.events) - 1
        elif replay == -2:
            pos = -1
        else:
            pos = None
            if isinstance(replay, int) and not isinstance(replay, bool):
                for i, e in enumerate(self.events):
                    if e["replay"] == replay and e["channel"] in chans:
                        pos = i
                        break
            if pos is None:
                r = _fail(m, "400::The replayId {%s} you provided was invalid.  "
                          "Please provide a valid ID, -2 to replay all events, "
                          "or -1 to replay only new events." % replay)
                r["subscription"] = sub
                return r
        c.subs[sub] = pos
        r = _ok(m)
        r["subscription"] = sub
        return r

    def _channels(self, sub):
        return {channel_of(o) for o in self._channel_objects(sub)}

    def _pending(self, c):
        """Events for `c` after its positions, moving them (lock held)."""
        out = []
        for sub, pos in list(c.subs.items()):
            chans = self._channels(sub)
            last = pos
            for i in range(pos + 1, len(self.events)):
                if len(out) >= MAX_EVENTS_PER_CONNECT:
                    break
                e = self.events[i]
                last = i
                if e["channel"] in chans:
                    out.append((i, sub, e))
            c.subs[sub] = last
        out.sort(key=lambda t: t[0])
        return out

    def _day_budget_spent(self):
        day = self.app.clock.now().date()
        if self.delivered_day != day:
            self.delivered_day = day
            self.delivered = 0
        return self.delivered >= self.allocation

    def _connect(self, c, m):
        if m.get("connectionType") not in (None, "long-polling"):
            return [_fail(m, "400::Invalid connection type %s" % m.get("connectionType"))]
        deadline = time.monotonic() + self.timeout_ms / 1000.0
        with self.cond:
            first = c.connects == 0
            c.connects += 1
            c.polling += 1
            try:
                while True:
                    if c.id not in self.clients:
                        return [_fail(m, "403::Unknown client",
                                      {"reconnect": "handshake", "interval": 0})]
                    if self._day_budget_spent():
                        return [_fail(m, "403::Organization total events daily "
                                      "limit exceeded", {"reconnect": "none"})]
                    self._expire()
                    room = self.allocation - self.delivered
                    pending = self._pending(c)
                    if len(pending) > room:
                        # undelivered events stay for a later connect
                        for i, sub, _ in pending[room:]:
                            c.subs[sub] = min(c.subs[sub], i - 1)
                        pending = pending[:room]
                    left = deadline - time.monotonic()
                    if pending or first or left <= 0:
                        break
                    self.cond.wait(min(left, 1.0))
                self.delivered += len(pending)
                r = _ok(m)
                r["advice"] = self._advice()
                out = [r]
                for _, sub, e in pending:
                    out.append({"clientId": c.id, "channel": e["channel"],
                                "data": e["data"]})
                return out
            finally:
                c.polling -= 1
                c.last_seen = time.monotonic()

    # ------------------------------------------------------------------
    # control (/__emulator/cdc)
    # ------------------------------------------------------------------
    def state(self):
        with self.cond:
            self._expire()
            return {"selected": sorted(self.selected),
                    "events": len(self.events),
                    "latest_replay_id": self.next_replay - 1,
                    "published": self.published,
                    "clients": len(self.clients),
                    "timeout_ms": self.timeout_ms,
                    "client_timeout_ms": self.client_timeout_ms,
                    "retention_hours": self.retention.total_seconds() / 3600,
                    "allocation": self.allocation,
                    "delivered_today": self.delivered}

    def control(self, data, store, error):
        """POST /__emulator/cdc; `error(msg)` raises the control error."""
        for key in ("select", "deselect"):
            names = data.get(key)
            if names is None:
                continue
            if not isinstance(names, list):
                error("%s must be a list of object names" % key)
            for n in names:
                d = store.object_def(n) if isinstance(n, str) else None
                if d is None:
                    error("%s: unknown sObject %r" % (key, n))
                with self.cond:
                    if key == "select":
                        self.selected.add(d.name)
                    else:
                        self.selected.discard(d.name)
        for key in ("timeout_ms", "client_timeout_ms", "allocation"):
            v = data.get(key)
            if v is None:
                continue
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                error("%s must be a non-negative integer" % key)
            setattr(self, key, v)
        if data.get("retention_hours") is not None:
            v = data["retention_hours"]
            if not isinstance(v, (int, float)) or v <= 0:
                error("retention_hours must be a positive number")
            self.retention = datetime.timedelta(hours=v)
        if data.get("drop_clients"):
            with self.cond:
                self.clients.clear()
                self.cond.notify_all()
        out = {}
        g = data.get("gap")
        if g is not None:
            if not isinstance(g, dict):
                error("gap must be an object")
            d = store.object_def(g.get("object") or "")
            if d is None:
                error("gap.object: unknown sObject %r" % g.get("object"))
            ctype = g.get("type") or "GAP_UPDATE"
            if ctype not in ("GAP_CREATE", "GAP_UPDATE", "GAP_DELETE",
                             "GAP_UNDELETE", "GAP_OVERFLOW"):
                error("gap.type must be GAP_CREATE, GAP_UPDATE, GAP_DELETE, "
                      "GAP_UNDELETE or GAP_OVERFLOW")
            ids = g.get("ids") or []
            if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
                error("gap.ids must be a list of record ids")
            out["replay_id"] = self.gap(d.name, ctype, ids)
        st = self.state()
        st.update(out)
        return st


def _cookie(req, name):
    for part in (req.header("Cookie") or "").split(";"):
        k, _, v = part.strip().partition("=")
        if k == name:
            return urllib.parse.unquote(v)
    return None


def _ok(m):
    r = {"channel": m.get("channel"), "successful": True}
    if m.get("clientId"):
        r["clientId"] = m["clientId"]
    if "id" in m:
        r["id"] = m["id"]
    return r


def _fail(m, error, advice=None):
    r = {"channel": m.get("channel"), "successful": False, "error": error}
    if m.get("clientId"):
        r["clientId"] = m["clientId"]
    if "id" in m:
        r["id"] = m["id"]
    if advice:
        r["advice"] = advice
    return r


def _http_error(status, message):
    return Response.json(status, [{"successful": False, "error": message}])
