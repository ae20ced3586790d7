"""Salesforce error values and the three wire envelopes.

* ApiError: a call-level failure, rendered as the REST array envelope
  ``[{"message": ..., "errorCode": ..., "fields": [...]}]`` with an HTTP status.
* RecordError: a record-level failure, rendered inside collection results as
  ``{"statusCode": ..., "message": ..., "fields": [...]}`` (and, for the
  single-record endpoints, turned into an ApiError with the same code).
* OAuthError: ``{"error": ..., "error_description": ...}`` from the token
  endpoint.
"""


class ApiError(Exception):
    """A call-level error answered with the REST array envelope."""

    def __init__(self, status, code, message, fields=None):
        super().__init__("%s: %s" % (code, message))
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields

    def body(self):
        item = {"message": self.message, "errorCode": self.code}
        if self.fields is not None:
            item["fields"] = list(self.fields)
        return [item]


class RecordError(Exception):
    """A record-level error (statusCode envelope inside results)."""

    def __init__(self, code, message, fields=(), status=400):
        super().__init__("%s: %s" % (code, message))
        self.code = code
        self.message = message
        self.fields = list(fields)
        # HTTP status used when this error ends a single-record call.
        self.status = status

    def item(self):
        return {"statusCode": self.code, "message": self.message,
                "fields": list(self.fields)}

    def as_api_error(self):
        return ApiError(self.status, self.code, self.message, self.fields)


class OAuthError(Exception):
    def __init__(self, error, description, status=400):
        super().__init__("%s: %s" % (error, description))
        self.error = error
        self.description = description
        self.status = status

    def body(self):
        return {"error": self.error, "error_description": self.description}


# --- constructors with the message texts of the real service -------------

def not_found(message="The requested resource does not exist"):
    return ApiError(404, "NOT_FOUND", message)


def session_invalid():
    return ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")


def limit_exceeded():
    return ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")


def malformed_query(message):
    return ApiError(400, "MALFORMED_QUERY", message)


def json_parser_error(message):
    return ApiError(400, "JSON_PARSER_ERROR", message)


def no_such_column(field, obj):
    return ApiError(400, "INVALID_FIELD",
                    "No such column '%s' on sobject of type %s" % (field, obj))


def bad_external_id_field(name):
    return not_found("Provided external ID field does not exist or is not "
                     "accessible: %s" % name)


def entity_is_deleted(fields=()):
    return RecordError("ENTITY_IS_DELETED", "entity is deleted", fields,
                       status=404)


def rolled_back():
    return RecordError(
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        "Record rolled back because not all records were valid and the "
        "request was using AllOrNone header")


def unable_to_lock_row():
    return RecordError("UNABLE_TO_LOCK_ROW",
                       "unable to obtain exclusive access to this record")


#: Every errorCode/statusCode this emulator can emit (tests check that each
#: one is a real Salesforce code).
CODES = {
    "ALL_OR_NONE_OPERATION_ROLLED_BACK", "DUPLICATE_EXTERNAL_ID",
    "DUPLICATE_VALUE", "ENTITY_IS_DELETED", "EXCEEDED_ID_LIMIT",
    "FIELD_CUSTOM_VALIDATION_EXCEPTION", "FIELD_INTEGRITY_EXCEPTION",
    "INSUFFICIENT_ACCESS_OR_READONLY", "INVALID_CROSS_REFERENCE_KEY",
    "INVALID_EMAIL_ADDRESS", "INVALID_FIELD", "INVALID_FIELD_FOR_INSERT_UPDATE",
    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "INVALID_QUERY_LOCATOR",
    "INVALID_REPLICATION_DATE", "INVALID_SESSION_ID", "INVALID_TYPE",
    "INVALID_TYPE_ON_FIELD_IN_RECORD", "INVALID_AUTH_HEADER",
    "JSON_PARSER_ERROR", "MALFORMED_ID", "MALFORMED_QUERY", "MISSING_ARGUMENT",
    "NUMBER_OUTSIDE_VALID_RANGE", "REQUEST_LIMIT_EXCEEDED",
    "REQUIRED_FIELD_MISSING", "SERVER_UNAVAILABLE", "STRING_TOO_LONG",
    "UNABLE_TO_LOCK_ROW", "UNKNOWN_EXCEPTION", "INVALID_QUERY_FILTER_OPERATOR",
    "METHOD_NOT_ALLOWED",
    # REST/Bulk-only codes that are not in the SOAP enumerations:
    "NOT_FOUND", "JOB_NOT_COMPLETE", "INVALIDJOB", "INVALIDENTITY",
    "INVALIDJOBSTATE",
    "API_ERROR",
}
