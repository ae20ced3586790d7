"""sObject resources: describe, single-record CRUD, upsert, replication."""

import datetime

from . import fieldtypes, org, render
from .errors import (ApiError, RecordError, bad_external_id_field,
                     not_found, unable_to_lock_row)
from .store import MultipleMatches, RecordNotFound
from .wire import Response

UPDATED_WINDOW_DAYS = 30
DELETED_WINDOW_DAYS = 15


def sobject_def(app, name):
    d = app.store.object_def(name)
    if d is None:
        raise not_found()
    return d


# --------------------------------------------------------------------------
# directory and metadata
# --------------------------------------------------------------------------

def resources(app, req):
    v = "/services/data/v" + req.version
    names = ["tooling", "metadata", "eclair", "folders", "prechatForms",
             "contact-tracing", "domino", "event", "chatter", "payments",
             "tabs", "appMenu", "quickActions", "queryAll", "commerce",
             "wave", "iot", "analytics", "search", "identity", "composite",
             "parameterizedSearch", "fingerprint", "theme", "nouns", "recent",
             "licensing", "limits", "async-queries", "query", "match",
             "emailConnect", "compactLayouts", "knowledgeManagement",
             "sobjects", "actions", "support", "jobs"]
    out = {}
    for n in sorted(names):
        out[n] = "%s/%s" % (v, n)
    out["identity"] = "%s/id/%s/%s" % (req.base_url, org.ORG_ID, req.user)
    return Response.json(200, out)


def describe_global(app, req):
    return Response.json(200, render.describe_global(app.store, req.version,
                                                     req.base_url))


def describe(app, req, sobject):
    d = sobject_def(app, sobject)
    return Response.json(200, render.describe(app.store, d, req.version,
                                              req.base_url))


# The standard keys of GET /limits, with a Developer Edition org's allocations: what
# a client library that reads them finds (resources_limits.htm). Only DailyApiRequests
# moves; the others are reported full.
STANDARD_LIMITS = {
    "ActiveScratchOrgs": 3, "AnalyticsExternalDataSizeMB": 40960,
    "ConcurrentAsyncGetReportInstances": 200, "ConcurrentEinsteinDataInsightsStoryCreation": 5,
    "ConcurrentEinsteinDiscoveryStoryCreation": 2, "ConcurrentSyncReportRuns": 20,
    "DailyAnalyticsDataflowJobExecutions": 60, "DailyAnalyticsUploadedFilesSizeMB": 51200,
    "DailyAsyncApexExecutions": 250000, "DailyAsyncApexTests": 500,
    "DailyBulkApiBatches": 15000, "DailyBulkV2QueryFileStorageMB": 976562,
    "DailyBulkV2QueryJobs": 10000, "DailyDeliveredPlatformEvents": 10000,
    "DailyDurableGenericStreamingApiEvents": 10000, "DailyDurableStreamingApiEvents": 10000,
    "DailyEinsteinDataInsightsStoryCreation": 1000,
    "DailyEinsteinDiscoveryPredictAPICalls": 50000,
    "DailyEinsteinDiscoveryPredictionsByCDC": 500000,
    "DailyEinsteinDiscoveryStoryCreation": 100, "DailyFunctionsApiCallLimit": 235000,
    "DailyGenericStreamingApiEvents": 10000, "DailyScratchOrgs": 6,
    "DailyStandardVolumePlatformEvents": 10000, "DailyStreamingApiEvents": 10000,
    "DailyWorkflowEmails": 1000, "DataStorageMB": 5,
    "DurableStreamingApiConcurrentClients": 20, "FileStorageMB": 20,
    "HourlyAsyncReportRuns": 1200, "HourlyDashboardRefreshes": 200,
    "HourlyDashboardResults": 5000, "HourlyDashboardStatuses": 999999999,
    "HourlyLongTermIdMapping": 100000, "HourlyManagedContentPublicRequests": 50000,
    "HourlyODataCallout": 10000, "HourlyPublishedPlatformEvents": 50000,
    "HourlyPublishedStandardVolumePlatformEvents": 1000, "HourlyShortTermIdMapping": 100000,
    "HourlySyncReportRuns": 500, "HourlyTimeBasedWorkflow": 50, "MassEmail": 10,
    "MonthlyEinsteinDiscoveryStoryCreation": 500,
    "MonthlyPlatformEventsUsageEntitlement": 0, "Package2VersionCreates": 6,
    "Package2VersionCreatesWithoutValidation": 500, "PermissionSets": 1500,
    "PrivateConnectOutboundCalloutHourlyLimitMB": 0, "SingleEmail": 15,
    "StreamingApiConcurrentClients": 20,
}


def limits(app, req):
    used = app.limits.state()
    out = {k: {"Max": v, "Remaining": v} for k, v in STANDARD_LIMITS.items()}
    out["DailyApiRequests"] = {"Max": used["limit"],
                               "Remaining": max(0, used["limit"] - used["used"])}
    return Response.json(200, dict(sorted(out.items())))


# --------------------------------------------------------------------------
# sObject basic info and create
# --------------------------------------------------------------------------

def sobject_root(app, req, sobject):
    d = sobject_def(app, sobject)
    if req.method == "GET":
        recent = []
        return Response.json(200, {
            "objectDescribe": render.global_entry(d, req.version, req.base_url),
            "recentItems": recent})
    return create(app, req, d)


def _write(app, req, fn):
    """Run fn() in a transaction under the store lock; map errors."""
    store = app.store
    with store.lock:
        if req.lock_fault:
            raise unable_to_lock_row().as_api_error()
        store.begin()
        try:
            result = fn()
        except BaseException:
            store.rollback()
            raise
        store.commit()
        return result


def create(app, req, d):
    values = app.store.convert_json(d, req.json())
    try:
        rid = _write(app, req, lambda: app.store.create(d, values, req.user))
    except RecordError as e:
        raise e.as_api_error()
    url = render.record_url(req.version, d.name, rid)
    return Response.json(201, {"id": rid, "success": True, "errors": []},
                         [("Location", url)])


# --------------------------------------------------------------------------
# by id
# --------------------------------------------------------------------------

def _select_fields(d, req):
    """The fields of ?fields=, and Id after them when not asked for: Salesforce always
    answers with the record's Id."""
    spec = req.param("fields")
    if not spec:
        return d.fields
    out = []
    for name in spec.split(","):
        name = name.strip()
        f = d.field(name)
        if f is None:
            raise ApiError(400, "INVALID_FIELD",
                           "No such column '%s' on entity '%s'. If you are "
                           "attempting to use a custom field, be sure to "
                           "append the '__c' after the custom field name. "
                           "Please reference your WSDL or the describe call "
                           "for the appropriate names." % (name, d.name))
        if f not in out:
            out.append(f)
    if not any(f["name"] == "Id" for f in out):
        out.append(d.field("Id"))
    return out


def _get_live(app, d, rid):
    try:
        return app.store.get(d.name, rid)
    except RecordNotFound:
        raise not_found()
    except RecordError as e:
        raise e.as_api_error()


def record(app, req, sobject, key):
    d = sobject_def(app, sobject)
    norm = org.normalize_id(key)
    if norm is None:
        # Not an id: Salesforce reads the segment as an external id field.
        raise bad_external_id_field(key)
    if norm[:3] != d.key_prefix:
        raise not_found()
    if req.method == "GET":
        rec = _get_live(app, d, norm)
        return Response.json(200, render.record_json(d, rec, _select_fields(d, req),
                                                     req.version))
    if req.method == "PATCH":
        values = app.store.convert_json(d, req.json())
        try:
            _write(app, req, lambda: app.store.update(d, norm, values, req.user))
        except RecordNotFound:
            raise not_found()
        except RecordError as e:
            raise e.as_api_error()
        return Response.empty(204)
    # DELETE
    try:
        _write(app, req, lambda: app.store.delete(d, norm, req.user))
    except RecordNotFound:
        raise not_found()
    except RecordError as e:
        raise e.as_api_error()
    return Response.empty(204)


# --------------------------------------------------------------------------
# by external id
# --------------------------------------------------------------------------

def _ext_field(d, name):
    f = d.field(name)
    if f is None or not (f["externalId"] or f["name"] == "Id"):
        raise bad_external_id_field(name)
    return f


def _multiple(req, d, ids):
    return Response.json(300, [render.record_url(req.version, d.name, i)
                               for i in ids])


def by_external_id(app, req, sobject, field, value):
    d = sobject_def(app, sobject)
    f = _ext_field(d, field)
    if req.method == "GET":
        ids = app.store.match_external(d.name, f["name"], value)
        if not ids:
            raise not_found()
        if len(ids) > 1:
            return _multiple(req, d, ids)
        rec = _get_live(app, d, ids[0])
        return Response.json(200, render.record_json(d, rec, _select_fields(d, req),
                                                     req.version))
    if req.method == "DELETE":
        ids = app.store.match_external(d.name, f["name"], value)
        if not ids:
            raise not_found()
        if len(ids) > 1:
            return _multiple(req, d, ids)
        try:
            _write(app, req, lambda: app.store.delete(d, ids[0], req.user))
        except RecordNotFound:
            raise not_found()
        except RecordError as e:
            raise e.as_api_error()
        return Response.empty(204)
    # PATCH = upsert
    values = app.store.convert_json(d, req.json())
    if f["name"] in values:
        given = values.pop(f["name"])
        if given is not None and str(given).lower() != value.lower():
            raise ApiError(400, "INVALID_FIELD",
                           "The value of %s in the request body does not match "
                           "the value in the URL" % f["name"])
    update_only = (req.param("updateOnly") or "").lower() == "true"

    def run():
        if update_only and not app.store.match_external(d.name, f["name"], value):
            raise RecordNotFound(value)
        return app.store.upsert(d, f["name"], value, values, req.user)
    try:
        rid, created = _write(app, req, run)
    except MultipleMatches as e:
        return _multiple(req, d, e.ids)
    except RecordNotFound:
        raise not_found()
    except RecordError as e:
        raise e.as_api_error()
    new_shape = float(req.version) >= 46.0
    url = render.record_url(req.version, d.name, rid)
    if created:
        body = {"id": rid, "success": True, "errors": []}
        if new_shape:
            body["created"] = True
        return Response.json(201, body, [("Location", url)])
    if new_shape:
        return Response.json(200, {"id": rid, "success": True, "errors": [],
                                   "created": False})
    return Response.empty(204)


# --------------------------------------------------------------------------
# getUpdated / getDeleted
# --------------------------------------------------------------------------

def _floor_minute(dt):
    return dt.replace(second=0, microsecond=0)


def _window(app, req, days):
    start_s, end_s = req.param("start"), req.param("end")
    for name, val in (("start", start_s), ("end", end_s)):
        if not val:
            raise ApiError(400, "MISSING_ARGUMENT",
                           "Missing required parameter: %s" % name)
    start = fieldtypes.parse_datetime(start_s, require_zone=False)
    end = fieldtypes.parse_datetime(end_s, require_zone=False)
    if start is None or end is None:
        raise ApiError(400, "INVALID_REPLICATION_DATE",
                       "Unable to parse date: %s" % (start_s if start is None
                                                     else end_s))
    start, end = _floor_minute(start), _floor_minute(end)
    now = app.store.clock.now()
    if end - start < datetime.timedelta(minutes=1):
        raise ApiError(400, "INVALID_REPLICATION_DATE",
                       "startDate must chronologically precede endDate by "
                       "more than one minute")
    oldest = _floor_minute(now - datetime.timedelta(days=days))
    if start < oldest:
        raise ApiError(400, "INVALID_REPLICATION_DATE",
                       "startDate cannot be more than %d days ago" % days)
    latest = min(end, _floor_minute(now))
    return start, latest, now


def updated(app, req, sobject):
    d = sobject_def(app, sobject)
    start, latest, _ = _window(app, req, UPDATED_WINDOW_DAYS)
    ids = app.store.updated_ids(d.name, start, latest) if latest > start else []
    if len(ids) > app.replication_id_limit:
        raise ApiError(400, "EXCEEDED_ID_LIMIT",
                       "More than %d ids in the date range; narrow the range"
                       % app.replication_id_limit)
    return Response.json(200, {"ids": ids, "latestDateCovered":
                               fieldtypes.format_datetime(latest)})


def deleted(app, req, sobject):
    d = sobject_def(app, sobject)
    start, latest, now = _window(app, req, DELETED_WINDOW_DAYS)
    earliest = _floor_minute(now - datetime.timedelta(days=DELETED_WINDOW_DAYS))
    purged = app.store.deleted_log_start
    if purged is not None and purged > earliest:
        earliest = _floor_minute(purged)
    lo = max(start, earliest)
    recs = app.store.deleted_records(d.name, lo, latest) if latest > lo else []
    if len(recs) > app.replication_id_limit:
        raise ApiError(400, "EXCEEDED_ID_LIMIT",
                       "More than %d ids in the date range; narrow the range"
                       % app.replication_id_limit)
    return Response.json(200, {
        "deletedRecords": [{"id": rid, "deletedDate":
                            fieldtypes.format_datetime(when)}
                           for rid, when in recs],
        "earliestDateAvailable": fieldtypes.format_datetime(earliest),
        "latestDateCovered": fieldtypes.format_datetime(latest)})
