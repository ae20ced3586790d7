"""Field values: parsing wire input, rendering JSON and CSV output.

Python representation of values (the same as org.demo_records()):
string-like types -> str, boolean -> bool, int -> int, double/currency/
percent -> float, date -> datetime.date, datetime -> naive UTC
datetime.datetime (millisecond precision), time -> datetime.time.
"""

import datetime
import math
import re

from .errors import ApiError, RecordError

STRING_TYPES = frozenset(("string", "picklist", "multipicklist", "combobox",
                          "textarea", "phone", "url", "email",
                          "encryptedstring", "id", "reference", "base64"))
NUMBER_TYPES = frozenset(("double", "currency", "percent"))

_DT_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"(Z|[+-]\d{2}:?\d{2})?$")
_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_TIME_RE = re.compile(r"^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z?$")
_NUM_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_datetime(text, require_zone=True):
    """Parse an ISO-8601 datetime into a naive UTC datetime (ms precision).

    Accepts 2023-10-01T12:34:56Z, ...56.000Z, ...56+0000, ...56-08:00.
    Returns None when the text is not such a datetime.
    """
    if not isinstance(text, str):
        return None
    m = _DT_RE.match(text)
    if not m:
        return None
    y, mo, d, h, mi, s, frac, zone = m.groups()
    if zone is None and require_zone:
        return None
    try:
        ms = int((frac or "0")[:3].ljust(3, "0"))
        dt = datetime.datetime(int(y), int(mo), int(d), int(h), int(mi),
                               int(s), ms * 1000)
    except ValueError:
        return None
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset = datetime.timedelta(hours=int(digits[:2]),
                                    minutes=int(digits[2:]))
        dt = dt - sign * offset
    return dt


def parse_date(text):
    if not isinstance(text, str):
        return None
    m = _DATE_RE.match(text)
    if not m:
        return None
    try:
        return datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def parse_time(text):
    if not isinstance(text, str):
        return None
    m = _TIME_RE.match(text)
    if not m:
        return None
    try:
        ms = int((m.group(4) or "0")[:3].ljust(3, "0"))
        return datetime.time(int(m.group(1)), int(m.group(2)),
                             int(m.group(3)), ms * 1000)
    except ValueError:
        return None


def format_datetime(dt):
    """2023-10-01T12:34:56.000+0000 (REST JSON form)."""
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03d+0000" % (
        dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second,
        dt.microsecond // 1000)


def format_datetime_z(dt):
    """2023-10-01T12:34:56.000Z (Bulk API CSV form)."""
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (
        dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second,
        dt.microsecond // 1000)


def format_time(t):
    return "%02d:%02d:%02d.%03dZ" % (t.hour, t.minute, t.second,
                                     t.microsecond // 1000)


def to_json(ftype, value):
    """Python value -> JSON-ready value for a REST response."""
    if value is None:
        return None
    if ftype == "datetime":
        return format_datetime(value)
    if ftype == "date":
        return value.isoformat()
    if ftype == "time":
        return format_time(value)
    return value


def to_csv(ftype, value):
    """Python value -> CSV cell text (Bulk API 2.0)."""
    if value is None:
        return ""
    if ftype == "datetime":
        return format_datetime_z(value)
    if ftype == "date":
        return value.isoformat()
    if ftype == "time":
        return format_time(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_store(ftype, value):
    """Python value -> JSON-serialisable value for the --data file."""
    if value is None:
        return None
    if ftype == "datetime":
        return format_datetime_z(value)
    if ftype in ("date", "time"):
        return value.isoformat()
    return value


def from_store(ftype, value):
    if value is None:
        return None
    if ftype == "datetime":
        return parse_datetime(value)
    if ftype == "date":
        return parse_date(value)
    if ftype == "time":
        return parse_time(value.rstrip("Z"))
    return value


_JAVA_TYPE = {"double": "double", "currency": "double", "percent": "double",
              "int": "int", "boolean": "boolean", "date": "date",
              "datetime": "datetime", "time": "time"}


def _json_token(value):
    if isinstance(value, bool):
        return "VALUE_" + ("TRUE" if value else "FALSE")
    if isinstance(value, str):
        return "VALUE_STRING"
    if isinstance(value, int):
        return "VALUE_NUMBER_INT"
    if isinstance(value, float):
        return "VALUE_NUMBER_FLOAT"
    if isinstance(value, dict):
        return "START_OBJECT"
    return "START_ARRAY"


def _parser_error(ftype, value):
    shown = value if isinstance(value, (str, int, float)) else ""
    return ApiError(
        400, "JSON_PARSER_ERROR",
        "Cannot deserialize instance of %s from %s value %s or request may "
        "be missing a required field" % (_JAVA_TYPE.get(ftype, "string"),
                                         _json_token(value), shown))


def from_json(field, value):
    """JSON input value -> Python value for a field, or raise ApiError.

    Mirrors the lenient Jackson coercions Salesforce applies (numbers given
    as strings, booleans given as "true"/"false", numbers to text fields);
    anything else is a JSON_PARSER_ERROR for the whole request.
    """
    ftype = field["type"]
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        raise _parser_error(ftype, value)
    if ftype in STRING_TYPES:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return repr(value) if isinstance(value, float) else str(value)
        return value
    if ftype == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise _parser_error(ftype, value)
    if ftype == "int":
        if isinstance(value, bool):
            raise _parser_error(ftype, value)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.match(r"^[+-]?\d+$", value.strip()):
            return int(value)
        raise _parser_error(ftype, value)
    if ftype in NUMBER_TYPES:
        if isinstance(value, bool):
            raise _parser_error(ftype, value)
        if isinstance(value, (int, float)) and math.isfinite(value):
            return float(value)
        if isinstance(value, str) and _NUM_RE.match(value.strip()):
            return float(value)
        raise _parser_error(ftype, value)
    if ftype == "date":
        d = parse_date(value) if isinstance(value, str) else None
        if d is None:
            raise _parser_error(ftype, value)
        return d
    if ftype == "datetime":
        dt = parse_datetime(value, require_zone=False) if isinstance(value, str) else None
        if dt is None:
            raise _parser_error(ftype, value)
        return dt
    if ftype == "time":
        t = parse_time(value) if isinstance(value, str) else None
        if t is None:
            raise _parser_error(ftype, value)
        return t
    raise _parser_error(ftype, value)


def from_csv(field, text):
    """CSV cell -> Python value, or raise RecordError (Bulk row error).

    An empty cell means "not given"; callers handle ``#N/A`` (set null)
    before calling this.
    """
    ftype = field["type"]
    bad = RecordError("INVALID_TYPE_ON_FIELD_IN_RECORD",
                      "%s: value not of required type: %s"
                      % (field["label"], text), [field["name"]])
    if ftype in STRING_TYPES:
        return text
    if ftype == "boolean":
        low = text.strip().lower()
        if low in ("true", "1", "yes"):
            return True
        if low in ("false", "0", "no"):
            return False
        raise bad
    if ftype == "int":
        if re.match(r"^[+-]?\d+$", text.strip()):
            return int(text)
        raise bad
    if ftype in NUMBER_TYPES:
        if _NUM_RE.match(text.strip()):
            return float(text)
        raise bad
    if ftype == "date":
        d = parse_date(text.strip())
        if d is None:
            dt = parse_datetime(text.strip())
            if dt is None:
                raise bad
            d = dt.date()
        return d
    if ftype == "datetime":
        dt = parse_datetime(text.strip(), require_zone=False)
        if dt is None:
            raise bad
        return dt
    if ftype == "time":
        t = parse_time(text.strip())
        if t is None:
            raise bad
        return t
    raise bad
