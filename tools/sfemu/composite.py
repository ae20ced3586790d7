"""sObject Collections: /composite/sobjects create, update, upsert, delete,
retrieve.  At most 200 records a call; HTTP 200 with one result per record;
``allOrNone`` rolls every record back when one fails."""

from . import org, render
from .errors import (ApiError, RecordError, json_parser_error, not_found,
                     rolled_back, unable_to_lock_row)
from .store import MultipleMatches, RecordNotFound
from .wire import Response

MAX_RECORDS = 200


def _too_many():
    return ApiError(400, "EXCEEDED_ID_LIMIT",
                    "record limit reached. cannot submit more than %d records "
                    "into this call" % MAX_RECORDS)


def _bool(v):
    if isinstance(v, bool):
        return v
    return str(v).lower() == "true"


def _parse_body(req):
    body = req.json()
    if not isinstance(body, dict):
        raise json_parser_error("Cannot deserialize instance of "
                                "SObjectCollectionRequest from START_ARRAY value")
    recs = body.get("records")
    if not isinstance(recs, list):
        raise ApiError(400, "INVALID_FIELD",
                       "The request must have a records array")
    if len(recs) > MAX_RECORDS:
        raise _too_many()
    return _bool(body.get("allOrNone", False)), recs


def _record_type(app, rec, forced=None):
    """ObjectDef of one collection record (call-level errors raise)."""
    if not isinstance(rec, dict):
        raise json_parser_error("Cannot deserialize instance of SObject from "
                                "non-object value")
    attrs = rec.get("attributes")
    tname = attrs.get("type") if isinstance(attrs, dict) else None
    if not tname:
        raise ApiError(400, "INVALID_TYPE", "Must send a concrete entity type.")
    d = app.store.object_def(tname)
    if d is None:
        raise ApiError(400, "INVALID_TYPE",
                       "sObject type '%s' is not supported." % tname)
    if forced is not None and d is not forced:
        raise ApiError(400, "INVALID_TYPE",
                       "sObject type '%s' does not match the type in the URL: %s"
                       % (d.name, forced.name))
    return d


def _prepare(app, recs, forced=None):
    """Convert every record first: bad JSON types fail the whole call."""
    out = []
    for rec in recs:
        d = _record_type(app, rec, forced)
        out.append((d, rec, app.store.convert_json(d, rec)))
    return out


def _run(app, req, items, op, all_or_none):
    """Apply op(item) -> (id, created) per item; build the result list."""
    store = app.store
    results = []
    with store.lock:
        if req.lock_fault:
            err = unable_to_lock_row()
            return [{"success": False, "errors": [err.item()]} for _ in items]
        if all_or_none:
            store.begin()
        failed = False
        for item in items:
            if not all_or_none:
                store.begin()
            try:
                rid, created = op(item)
            except RecordError as e:
                failed = True
                results.append({"success": False, "errors": [e.item()]})
                if not all_or_none:
                    store.rollback()
                continue
            except BaseException:
                store.rollback()
                raise
            if not all_or_none:
                store.commit()
            res = {"id": rid, "success": True, "errors": []}
            if created is not None:
                res["created"] = created
            results.append(res)
        if all_or_none:
            if failed:
                store.rollback()
                results = [r if not r["success"] else
                           {"success": False, "errors": [rolled_back().item()]}
                           for r in results]
            else:
                store.commit()
    return results


def _id_error(d, rid):
    return RecordError("MALFORMED_ID", "%s ID: id value of incorrect type: %s"
                       % (d.label, rid), ["Id"])


def create(app, req):
    all_or_none, recs = _parse_body(req)
    items = _prepare(app, recs)

    def op(item):
        d, _, values = item
        return app.store.create(d, values, req.user), None
    return Response.json(200, _run(app, req, items, op, all_or_none))


def update(app, req):
    all_or_none, recs = _parse_body(req)
    items = _prepare(app, recs)

    def op(item):
        d, raw, values = item
        rid = values.get("Id")
        if not rid:
            raise RecordError("MISSING_ARGUMENT",
                              "Id not specified in an update call", [])
        norm = org.normalize_id(rid)
        if norm is None:
            raise RecordError("MALFORMED_ID", "malformed id %s" % rid, [])
        if norm[:3] != d.key_prefix:
            raise _id_error(d, rid)
        try:
            return app.store.update(d, norm, values, req.user), None
        except RecordNotFound:
            raise RecordError("INVALID_CROSS_REFERENCE_KEY",
                              "invalid cross reference id", [])
    return Response.json(200, _run(app, req, items, op, all_or_none))


def upsert(app, req, sobject, field):
    d = app.store.object_def(sobject)
    if d is None:
        raise not_found()
    f = d.field(field)
    if f is None or not (f["externalId"] or f["name"] == "Id"):
        raise ApiError(404, "NOT_FOUND",
                       "Provided external ID field does not exist or is not "
                       "accessible: %s" % field)
    all_or_none, recs = _parse_body(req)
    items = _prepare(app, recs, forced=d)

    def op(item):
        _, raw, values = item
        key = next((k for k in raw if k.lower() == f["name"].lower()), None)
        value = raw.get(key) if key else None
        if value is None or value == "":
            raise RecordError("MISSING_ARGUMENT",
                              "%s not specified" % f["name"], [f["name"]])
        try:
            return app.store.upsert(d, f["name"], str(value), values, req.user)
        except MultipleMatches as e:
            raise RecordError("DUPLICATE_EXTERNAL_ID",
                              "%s: more than one record found for external id "
                              "field: [%s]" % (f["label"], ", ".join(e.ids)),
                              [f["name"]])
        except RecordNotFound:
            raise RecordError("INVALID_CROSS_REFERENCE_KEY",
                              "invalid cross reference id", [])
    return Response.json(200, _run(app, req, items, op, all_or_none))


def delete(app, req):
    raw = req.param("ids")
    if not raw:
        raise ApiError(400, "MISSING_ARGUMENT", "ids parameter is required")
    ids = [i.strip() for i in raw.split(",") if i.strip()]
    if len(ids) > MAX_RECORDS:
        raise _too_many()
    all_or_none = _bool(req.param("allOrNone", "false"))

    def op(rid):
        norm = org.normalize_id(rid)
        if norm is None:
            raise RecordError("MALFORMED_ID", "malformed id %s" % rid, [])
        d = app.store.prefix_to_def.get(norm[:3])
        if d is None:
            raise RecordError("INVALID_CROSS_REFERENCE_KEY",
                              "invalid cross reference id", [])
        try:
            app.store.delete(d, norm, req.user)
        except RecordNotFound:
            raise RecordError("INVALID_CROSS_REFERENCE_KEY",
                              "invalid cross reference id", [])
        return norm, None
    return Response.json(200, _run(app, req, ids, op, all_or_none))


def _retrieve_args(req):
    """ids and fields: from the query string (GET) or the JSON body (POST, up to 2000)."""
    if req.method == "GET":
        ids = [i.strip() for i in (req.param("ids") or "").split(",") if i.strip()]
        names = [n.strip() for n in (req.param("fields") or "").split(",") if n.strip()]
        return ids, names
    body = req.json()
    ids = body.get("ids") if isinstance(body, dict) else None
    names = body.get("fields") if isinstance(body, dict) else None
    if not isinstance(ids, list) or not isinstance(names, list) or \
            not all(isinstance(x, str) for x in ids + names):
        raise ApiError(400, "JSON_PARSER_ERROR",
                       "ids and fields must be arrays of strings")
    return ids, names


def retrieve(app, req, sobject):
    d = app.store.object_def(sobject)
    if d is None:
        raise not_found()
    ids, names = _retrieve_args(req)
    if not ids or not names:
        raise ApiError(400, "MISSING_ARGUMENT",
                       "ids and fields parameters are required")
    if len(ids) > 2000:
        raise _too_many()
    fields = []
    for n in names:
        f = d.field(n)
        if f is None:
            raise ApiError(400, "INVALID_FIELD",
                           "No such column '%s' on entity '%s'." % (n, d.name))
        fields.append(f)
    out = []
    for rid in ids:
        norm = org.normalize_id(rid)
        rec = None
        if norm and norm[:3] == d.key_prefix:
            with app.store.lock:
                rec = app.store.records[d.name].get(norm)
        if rec is None or rec["IsDeleted"]:
            out.append(None)
        else:
            out.append(render.record_json(d, rec, fields, req.version))
    return Response.json(200, out)
