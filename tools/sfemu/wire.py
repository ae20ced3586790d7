"""Transport-neutral request and response objects."""

import json
import urllib.parse

from .errors import ApiError


class Request:
    def __init__(self, method, target, headers, body, base_url):
        self.method = method.upper()
        parts = urllib.parse.urlsplit(target)
        self.path = parts.path or "/"
        self.raw_query = parts.query
        self.query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
        self.headers = headers          # case-insensitive .get()
        self.body = body or b""
        self.base_url = base_url
        self.version = None             # "60.0" once routed under /services/data
        self.user = None                # user id once authenticated
        self.token = None
        self.lock_fault = False         # unable_to_lock_row fault is active

    def param(self, name, default=None):
        v = self.query.get(name)
        return v[0] if v else default

    def header(self, name, default=None):
        v = self.headers.get(name)
        return default if v is None else v

    def json(self):
        """Parsed JSON body, or ApiError JSON_PARSER_ERROR."""
        try:
            text = self.body.decode("utf-8")
        except UnicodeDecodeError:
            raise ApiError(400, "JSON_PARSER_ERROR",
                           "Invalid UTF-8 start byte in request body")
        if not text.strip():
            raise ApiError(400, "JSON_PARSER_ERROR",
                           "No content to map due to end-of-input")
        try:
            return json.loads(text)
        except ValueError as e:
            raise ApiError(400, "JSON_PARSER_ERROR",
                           "Unexpected character in request body at [line:%d, "
                           "column:%d]" % (getattr(e, "lineno", 1),
                                           getattr(e, "colno", 1)))

    def form(self):
        text = self.body.decode("utf-8", "replace")
        if self.raw_query and not text:
            text = self.raw_query
        return {k: v[0] for k, v in urllib.parse.parse_qs(
            text, keep_blank_values=True).items()}


JSON_TYPE = "application/json;charset=UTF-8"


class Response:
    def __init__(self, status, body=b"", content_type=None, headers=None):
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = list(headers or [])
        self.drop = False               # close the connection, send nothing

    @classmethod
    def json(cls, status, obj, headers=None):
        body = json.dumps(obj, ensure_ascii=False, separators=(",", ":"),
                          allow_nan=False).encode("utf-8")
        return cls(status, body, JSON_TYPE, headers)

    @classmethod
    def empty(cls, status, headers=None):
        return cls(status, b"", None, headers)

    @classmethod
    def error(cls, err):
        headers = []
        if err.status == 401:
            headers.append(("WWW-Authenticate", "Token"))
        return cls.json(err.status, err.body(), headers)

    def header(self, name, value):
        self.headers.append((name, value))
        return self
