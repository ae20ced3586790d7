"""The JSON control endpoint under /__emulator (no auth, not counted).

Every call is documented in docs/emulator.md.
"""

import datetime
import json
import re

from . import fieldtypes, render
from .errors import ApiError, RecordError
from .faults import FaultError
from .store import RecordNotFound
from .wire import Response


class ControlError(Exception):
    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


def _body(req):
    if not req.body.strip():
        return {}
    try:
        data = json.loads(req.body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise ControlError("body is not valid JSON: %s" % e)
    if not isinstance(data, dict):
        raise ControlError("body must be a JSON object")
    return data


def _int(data, key):
    v = data.get(key)
    if v is None:
        return None
    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
        raise ControlError("%s must be a non-negative integer" % key)
    return v


def state(app):
    clock = app.clock.state()
    clock["now"] = fieldtypes.format_datetime(app.clock.now())
    return {
        "objects": app.store.counts(),
        "api": app.limits.state(),
        "faults": app.faults.describe(),
        "validation_rules": list(app.store.validation_rules),
        "tokens": {"access": len(app.auth.access),
                   "refresh": sum(1 for t in app.auth.refresh.values()
                                  if not t["revoked"])},
        "clock": clock,
        "cursors": app.cursors.count(),
        "bulk": {"jobs": len(app.bulk.jobs),
                 "delay_ms": int(app.bulk.delay * 1000)},
        "replication_id_limit": app.replication_id_limit,
        "deleted_log_start": fieldtypes.format_datetime(
            app.store.deleted_log_start) if app.store.deleted_log_start else None,
        "persistent": app.persist is not None,
    }


def _reset(app, data):
    seed = data.get("seed")
    if seed not in (None, "demo", "empty"):
        raise ControlError("seed must be 'demo' or 'empty'")
    counts = data.get("counts")
    if counts is not None and not isinstance(counts, dict):
        raise ControlError("counts must be an object")
    if not data.get("keep_records"):
        try:
            app.seed_store(seed, counts)
        except ValueError as e:
            raise ControlError(str(e))
    app.store.validation_rules = []
    app.faults.clear()
    app.limits.set(used=0, limit=app.api_limit)
    app.cursors = type(app.cursors)()
    app.bulk.reset()
    app.bulk.delay = app.initial_bulk_delay_ms / 1000.0
    app.stats.reset()
    app.replication_id_limit = 600000
    app.clock.unfreeze()
    app.clock.set_precision(app.initial_precision)
    app.auth.restore_fixed_refresh()
    app.auth.users.reset()
    app.auth.rotate_refresh = False
    app.streaming.reset()
    if app.persist is not None:
        app.persist.snapshot()
    return state(app)


def _faults(app, req):
    if req.method == "GET":
        return app.faults.describe()
    if req.method == "DELETE":
        app.faults.clear()
        return app.faults.describe()
    data = _body(req)
    try:
        if "rules" in data:
            app.faults.set_rules(data["rules"], data.get("seed"))
        elif "seed" in data:
            app.faults.reseed(data["seed"])
        else:
            raise ControlError("body needs 'rules' (a list) and/or 'seed'")
    except FaultError as e:
        raise ControlError(str(e))
    return app.faults.describe()


def _validation_rule(app, req):
    rules = app.store.validation_rules
    if req.method == "GET":
        return {"rules": list(rules)}
    if req.method == "DELETE":
        app.store.validation_rules = []
        return {"rules": []}
    data = _body(req)
    if data.get("clear"):
        app.store.validation_rules = []
        return {"rules": []}
    d = app.store.object_def(data.get("object") or "")
    if d is None:
        raise ControlError("object: unknown sObject %r" % data.get("object"))
    f = d.field(data.get("field") or "")
    if f is None:
        raise ControlError("field: no field %r on %s" % (data.get("field"), d.name))
    if "value" not in data and "regex" not in data:
        raise ControlError("give 'value' (forbidden value) or 'regex'")
    rule = {"object": d.name, "field": f["name"],
            "message": data.get("message") or "Validation failed for %s" % f["name"]}
    if "value" in data:
        rule["value"] = data["value"]
    if "regex" in data:
        try:
            re.compile(data["regex"])
        except re.error as e:
            raise ControlError("regex: %s" % e)
        rule["regex"] = data["regex"]
    if data.get("replace", True):
        app.store.validation_rules = [rule]
    else:
        app.store.validation_rules = rules + [rule]
    return {"rules": list(app.store.validation_rules)}


def _limits(app, req):
    if req.method == "POST":
        data = _body(req)
        if data.get("reset"):
            app.limits.set(used=0, limit=app.api_limit)
        app.limits.set(used=_int(data, "used"), limit=_int(data, "limit"))
        if _int(data, "replication_id_limit") is not None:
            app.replication_id_limit = data["replication_id_limit"]
        if _int(data, "max_cursors") is not None:
            app.cursors.max_open = max(1, data["max_cursors"])
    out = app.limits.state()
    out["replication_id_limit"] = app.replication_id_limit
    out["max_cursors"] = app.cursors.max_open
    return out


def _clock(app, req):
    if req.method == "POST":
        data = _body(req)
        if "precision" in data:
            try:
                app.clock.set_precision(data["precision"])
            except ValueError as e:
                raise ControlError(str(e))
        if "freeze" in data and data["freeze"] not in (None, False):
            at = None
            if isinstance(data["freeze"], str):
                at = fieldtypes.parse_datetime(data["freeze"])
                if at is None:
                    raise ControlError("freeze: not an ISO-8601 datetime")
            app.clock.freeze(at)
        if data.get("unfreeze"):
            app.clock.unfreeze()
        adv = data.get("advance_ms")
        if adv is not None:
            if not isinstance(adv, (int, float)) or adv < 0:
                raise ControlError("advance_ms must be a non-negative number")
            app.clock.advance(datetime.timedelta(milliseconds=adv))
    out = app.clock.state()
    out["now"] = fieldtypes.format_datetime(app.clock.now())
    return out


def _edit(app, req):
    """A change made "in Salesforce" by another user, outside the API."""
    data = _body(req)
    d = app.store.object_def(data.get("object") or "")
    if d is None:
        raise ControlError("object: unknown sObject %r" % data.get("object"))
    values = data.get("values") or {}
    store = app.store
    try:
        conv = store.convert_json(d, values)
        with store.lock:
            store.begin()
            try:
                if data.get("delete"):
                    store.delete(d, data.get("id") or "", app.ui_user)
                    rid = data.get("id")
                elif data.get("undelete"):
                    rid = store.undelete(d, data.get("id") or "", app.ui_user)
                elif data.get("id"):
                    rid = store.update(d, data["id"], conv, app.ui_user)
                else:
                    rid = store.create(d, conv, app.ui_user)
            except BaseException:
                store.rollback()
                raise
            store.commit()
    except RecordError as e:
        raise ControlError(json.dumps(e.item()))
    except ApiError as e:
        raise ControlError(json.dumps(e.body()))
    except RecordNotFound:
        raise ControlError("no record %s" % data.get("id"), 404)
    if data.get("delete"):
        return {"id": rid, "record": None}
    rec = store.get(d.name, rid)
    return {"id": rid, "record": render.record_json(d, rec, d.fields, "60.0")}


def _purge(app):
    store = app.store
    with store.lock:
        removed = 0
        for table in store.records.values():
            for rid in [k for k, r in table.items() if r["IsDeleted"]]:
                del table[rid]
                removed += 1
        store.deleted_log_start = app.clock.now()
    if app.persist is not None:
        app.persist.snapshot()
    return {"purged": removed}


def handle(app, req):
    path = req.path.rstrip("/")
    name = path[len("/__emulator"):].lstrip("/")
    m = req.method
    if name == "state" and m == "GET":
        out = state(app)
    elif name == "reset" and m == "POST":
        out = _reset(app, _body(req))
    elif name == "faults" and m in ("GET", "POST", "DELETE"):
        out = _faults(app, req)
    elif name == "expire-tokens" and m == "POST":
        data = _body(req)
        if data.get("token"):
            out = {"expired": int(app.auth.expire(data["token"]))}
        else:
            out = {"expired": app.auth.expire_all()}
    elif name == "revoke-refresh-token" and m == "POST":
        data = _body(req)
        out = {"revoked": app.auth.revoke_refresh(data.get("refresh_token"))}
    elif name == "jwt-certificate" and m in ("POST", "DELETE"):
        pem = _body(req).get("pem") if m == "POST" else None
        if m == "POST" and not isinstance(pem, str):
            raise ControlError("pem must be the certificate or public key as PEM text")
        try:
            app.auth.set_jwt_certificate(pem)
        except ValueError as e:
            raise ControlError("not a PEM certificate or public key: %s" % e)
        out = {"configured": pem is not None}
    elif name == "refresh-rotation" and m == "POST":
        rotate = _body(req).get("rotate")
        if not isinstance(rotate, bool):
            raise ControlError("rotate must be true or false")
        app.auth.rotate_refresh = rotate
        out = {"rotate": rotate}
    elif name in ("device", "authorize") and m == "POST":
        def fail(msg):
            raise ControlError(msg)
        flows = app.auth.users
        out = (flows.control_device if name == "device" else flows.control_authorize)(
            _body(req), fail)
    elif name in ("validation-rule", "validation-rules") and m in ("GET", "POST", "DELETE"):
        out = _validation_rule(app, req)
    elif name == "limits" and m in ("GET", "POST"):
        out = _limits(app, req)
    elif name == "stats" and m == "GET":
        out = app.stats.dump()
    elif name == "stats" and m == "DELETE":
        app.stats.reset()
        out = app.stats.dump()
    elif name == "clock" and m in ("GET", "POST"):
        out = _clock(app, req)
    elif name == "bulk" and m in ("GET", "POST"):
        if m == "POST":
            v = _int(_body(req), "delay_ms")
            if v is not None:
                app.bulk.delay = v / 1000.0
        out = {"delay_ms": int(app.bulk.delay * 1000), "jobs": len(app.bulk.jobs)}
    elif name == "edit" and m == "POST":
        out = _edit(app, req)
    elif name == "cdc" and m == "GET":
        out = app.streaming.state()
    elif name == "cdc" and m == "POST":
        def fail(msg):
            raise ControlError(msg)
        out = app.streaming.control(_body(req), app.store, fail)
    elif name == "purge-deleted" and m == "POST":
        out = _purge(app)
    elif name == "snapshot" and m == "POST":
        if app.persist is None:
            raise ControlError("not started with --data", 409)
        app.persist.snapshot()
        out = {"saved": app.persist.path}
    else:
        raise ControlError("no control call %s %s" % (m, req.path), 404)
    return Response.json(200, out)
