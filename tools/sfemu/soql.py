"""A SOQL subset: parser and evaluator.

Grammar (keywords are case-insensitive):

    query   := SELECT (COUNT() | field {, field}) FROM object
               [WHERE cond] [ORDER BY item {, item}] [LIMIT n] [OFFSET n]
    cond    := term {AND term} | term {OR term}      -- mixing needs ( )
    term    := NOT term | ( cond ) | field op value
             | field [NOT] IN ( value {, value} ) | field LIKE 'pattern'
             | field INCLUDES|EXCLUDES ( 'a;b' {, ...} )
    op      := = | != | <> | < | <= | > | >=
    value   := 'string' | number | true | false | null | 2023-10-01
             | 2023-10-01T12:34:56[.sss](Z|+hh:mm|+hhmm)
             | TODAY | YESTERDAY | TOMORROW | LAST_N_DAYS:n | NEXT_N_DAYS:n
    item    := field [ASC|DESC] [NULLS FIRST|LAST]

Errors carry the real service's codes and message layout
(``\\n<query>\\n<caret>\\nERROR at Row:1:Column:N\\n<text>``).
"""

import datetime
import re

from . import org
from .errors import ApiError
from . import fieldtypes

_TOKEN_RE = re.compile(r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^'\\]|\\.)*')
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2}(?![\dT]))
  | (?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+))
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*(?::\d+)?)
  | (?P<op>!=|<>|<=|>=|=|<|>)
  | (?P<punct>[(),])
""", re.X)

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f",
            "'": "'", '"': '"', "\\": "\\", "_": "\\_", "%": "\\%"}

KEYWORDS = {"select", "from", "where", "and", "or", "not", "in", "like",
            "order", "by", "asc", "desc", "nulls", "first", "last", "limit",
            "offset", "includes", "excludes", "true", "false", "null",
            "count"}

_DATE_LITERALS = {"today", "yesterday", "tomorrow", "last_n_days",
                  "next_n_days"}


class Token:
    __slots__ = ("kind", "text", "pos")

    def __init__(self, kind, text, pos):
        self.kind, self.text, self.pos = kind, text, pos

    def kw(self):
        return self.text.lower() if self.kind == "ident" else None


class Query:
    """A parsed query, ready to run against a list of records."""

    def __init__(self):
        self.obj = None             # store.ObjectDef
        self.fields = []            # field dicts, in select order
        self.count = False
        self.where = None           # callable(record) -> bool, or None
        self.order = []             # (field dict, desc, nulls_first)
        self.limit = None
        self.offset = 0

    def run(self, records):
        rows = records
        if self.where is not None:
            w = self.where
            rows = [r for r in rows if w(r)]
        if self.order:
            rows = sort_records(rows, self.order)
        if self.offset:
            rows = rows[self.offset:]
        if self.limit is not None:
            rows = rows[:self.limit]
        return rows


def sort_records(rows, order):
    rows = list(rows)
    for f, desc, nulls_first in reversed(order):
        name = f["name"]
        strings = f["type"] in fieldtypes.STRING_TYPES and f["type"] not in (
            "id", "reference")
        nulls = [r for r in rows if r.get(name) is None]
        vals = [r for r in rows if r.get(name) is not None]
        if strings:
            vals.sort(key=lambda r: r[name].lower(), reverse=desc)
        else:
            vals.sort(key=lambda r: r[name], reverse=desc)
        rows = nulls + vals if nulls_first else vals + nulls
    return rows


class Parser:
    def __init__(self, text, store, today=None):
        self.text = text
        self.store = store
        self.today = today or datetime.date.today()
        self.toks = self._tokenize(text)
        self.i = 0

    # --- errors -------------------------------------------------------
    def error(self, code, pos, message):
        before = self.text[:pos]
        row = before.count("\n") + 1
        line_start = before.rfind("\n") + 1
        col = pos - line_start + 1
        line_end = self.text.find("\n", pos)
        line = self.text[line_start:line_end if line_end >= 0 else None]
        caret = " " * (col - 1) + "^"
        return ApiError(400, code, "\n%s\n%s\nERROR at Row:%d:Column:%d\n%s"
                        % (line, caret, row, col, message))

    def unexpected(self, tok):
        if tok.kind == "eof":
            return self.error("MALFORMED_QUERY", tok.pos,
                              "unexpected token: <EOF>")
        return self.error("MALFORMED_QUERY", tok.pos,
                          "unexpected token: %s" % tok.text)

    # --- tokens -------------------------------------------------------
    def _tokenize(self, text):
        toks = []
        pos = 0
        while pos < len(text):
            m = _TOKEN_RE.match(text, pos)
            if not m:
                raise self.error("MALFORMED_QUERY", pos,
                                 "unexpected token: %s" % text[pos:].split()[0][:40])
            kind = m.lastgroup
            if kind != "ws":
                toks.append(Token(kind, m.group(), pos))
            pos = m.end()
        toks.append(Token("eof", "", len(text)))
        return toks

    def peek(self, k=0):
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def next(self):
        t = self.toks[self.i]
        if t.kind != "eof":
            self.i += 1
        return t

    def accept_kw(self, *words):
        t = self.peek()
        if t.kw() in words:
            self.i += 1
            return t
        return None

    def expect_kw(self, word):
        t = self.next()
        if t.kw() != word:
            raise self.unexpected(t)
        return t

    def expect_punct(self, p):
        t = self.next()
        if t.text != p:
            raise self.unexpected(t)
        return t

    # --- grammar ------------------------------------------------------
    def parse(self):
        q = Query()
        self.expect_kw("select")
        select_toks = []
        if self.peek().kw() == "count" and self.peek(1).text == "(":
            self.next()
            self.expect_punct("(")
            self.expect_punct(")")
            q.count = True
        else:
            while True:
                t = self.next()
                if t.kind != "ident" or t.kw() in ("from",):
                    raise self.unexpected(t)
                select_toks.append(t)
                if self.peek().text == ",":
                    self.next()
                    continue
                break
        self.expect_kw("from")
        ot = self.next()
        if ot.kind != "ident" or ot.kw() in KEYWORDS:
            raise self.unexpected(ot)
        d = self.store.object_def(ot.text)
        if d is None or "." in ot.text:
            raise self.error(
                "INVALID_TYPE", ot.pos,
                "sObject type '%s' is not supported. If you are attempting to "
                "use a custom object, be sure to append the '__c' after the "
                "entity name. Please reference your WSDL or the describe call "
                "for the appropriate names." % ot.text)
        q.obj = d
        seen = set()
        for t in select_toks:
            f = self.resolve(t)
            if f["name"] in seen:
                raise self.error("MALFORMED_QUERY", t.pos,
                                 "duplicate field selected: %s" % f["name"])
            seen.add(f["name"])
            q.fields.append(f)
        if self.accept_kw("where"):
            q.where = self.parse_cond()
        if self.accept_kw("order"):
            self.expect_kw("by")
            while True:
                t = self.next()
                if t.kind != "ident":
                    raise self.unexpected(t)
                f = self.resolve(t)
                if f["type"] in ("address", "location", "multipicklist") or (
                        f["type"] == "textarea" and f["length"] > 255):
                    raise self.error(
                        "INVALID_FIELD", t.pos,
                        "field '%s' can not be sorted in a query call"
                        % f["name"])
                desc = False
                if self.accept_kw("desc"):
                    desc = True
                else:
                    self.accept_kw("asc")
                nulls_first = not desc
                if self.accept_kw("nulls"):
                    w = self.next()
                    if w.kw() not in ("first", "last"):
                        raise self.unexpected(w)
                    nulls_first = w.kw() == "first"
                q.order.append((f, desc, nulls_first))
                if self.peek().text == ",":
                    self.next()
                    continue
                break
        if self.accept_kw("limit"):
            q.limit = self.parse_int()
        if self.accept_kw("offset"):
            q.offset = self.parse_int()
            if q.offset > 2000:
                raise self.error("NUMBER_OUTSIDE_VALID_RANGE",
                                 self.toks[self.i - 1].pos,
                                 "Maximum SOQL offset allowed is 2000")
        t = self.peek()
        if t.kind != "eof":
            raise self.unexpected(t)
        return q

    def parse_int(self):
        t = self.next()
        if t.kind != "number" or not t.text.isdigit():
            raise self.unexpected(t)
        return int(t.text)

    def resolve(self, tok):
        """Field dict for an identifier token (allows an Object. prefix)."""
        d = self._obj_for_resolve()
        name = tok.text
        parts = name.split(".")
        if len(parts) == 2 and parts[0].lower() == d.name.lower():
            name = parts[1]
        elif len(parts) > 1:
            raise self.error(
                "INVALID_FIELD", tok.pos,
                "Didn't understand relationship '%s' in field path. If you are "
                "attempting to use a custom relationship, be sure to append "
                "the '__r' after the custom relationship name. Please "
                "reference your WSDL or the describe call for the appropriate "
                "names." % parts[0])
        f = d.field(name)
        if f is None:
            raise self.error(
                "INVALID_FIELD", tok.pos,
                "No such column '%s' on entity '%s'. If you are attempting to "
                "use a custom field, be sure to append the '__c' after the "
                "custom field name. Please reference your WSDL or the describe "
                "call for the appropriate names." % (name, d.name))
        return f

    def _obj_for_resolve(self):
        return self._obj

    # conditions -------------------------------------------------------
    def parse_cond(self):
        first = self.parse_term()
        t = self.peek()
        joiner = t.kw()
        if joiner not in ("and", "or"):
            return first
        terms = [first]
        while self.peek().kw() == joiner:
            self.next()
            terms.append(self.parse_term())
        other = self.peek()
        if other.kw() in ("and", "or"):
            # SOQL requires parentheses when AND and OR are mixed.
            raise self.unexpected(other)
        if joiner == "and":
            return lambda r: all(c(r) for c in terms)
        return lambda r: any(c(r) for c in terms)

    def parse_term(self):
        t = self.peek()
        if t.kw() == "not":
            self.next()
            inner = self.parse_term()
            return lambda r: not inner(r)
        if t.text == "(":
            self.next()
            c = self.parse_cond()
            self.expect_punct(")")
            return c
        ft = self.next()
        if ft.kind != "ident" or ft.kw() in KEYWORDS:
            raise self.unexpected(ft)
        f = self.resolve(ft)
        if f["type"] in ("address", "location") or (
                f["type"] == "textarea" and f["length"] > 255):
            raise self.error("INVALID_FIELD", ft.pos,
                             "field '%s' can not be filtered in a query call"
                             % f["name"])
        op = self.next()
        kw = op.kw()
        if kw == "not":
            self.expect_kw("in")
            vals = self.parse_list(f)
            return _in(f, vals, negate=True)
        if kw == "in":
            return _in(f, self.parse_list(f), negate=False)
        if kw == "like":
            vt = self.next()
            if vt.kind != "string":
                raise self.unexpected(vt)
            return _like(f, _unquote(vt.text))
        if kw in ("includes", "excludes"):
            if f["type"] != "multipicklist":
                raise self.error("INVALID_QUERY_FILTER_OPERATOR", op.pos,
                                 "includes or excludes operator only valid "
                                 "on multipicklist field")
            self.expect_punct("(")
            groups = []
            while True:
                vt = self.next()
                if vt.kind != "string":
                    raise self.unexpected(vt)
                groups.append({p.strip() for p in _unquote(vt.text).split(";")})
                if self.peek().text == ",":
                    self.next()
                    continue
                break
            self.expect_punct(")")
            return _includes(f, groups, kw == "excludes")
        if op.kind != "op":
            raise self.unexpected(op)
        vt = self.next()
        value = self.literal(f, vt)
        return _compare(f, op.text, value)

    def parse_list(self, f):
        self.expect_punct("(")
        vals = []
        while True:
            vt = self.next()
            vals.append(self.literal(f, vt))
            if self.peek().text == ",":
                self.next()
                continue
            break
        self.expect_punct(")")
        return vals

    def literal(self, f, vt):
        """Typed value for a literal compared with field f.

        Returns a plain value, None for null, or a ("range", lo, hi) tuple
        for date literals such as TODAY.
        """
        t = f["type"]
        kw = vt.kw()
        if kw == "null":
            return None
        where = "value of filter criterion for field '%s' must be of type %s " \
                "and should %sbe enclosed in quotes"

        def wrong(tname, quoted):
            return self.error("INVALID_FIELD", vt.pos,
                              where % (f["name"], tname, "" if quoted else "not "))
        if t in ("datetime", "date"):
            tname = "dateTime" if t == "datetime" else "date"
            base = kw.split(":")[0] if kw else None
            if vt.kind == "ident" and base in _DATE_LITERALS:
                return self.date_range(vt, t)
            if t == "datetime" and vt.kind == "datetime":
                dt = fieldtypes.parse_datetime(vt.text)
                if dt is None:
                    raise self.error("MALFORMED_QUERY", vt.pos,
                                     "line 1:%d no viable alternative at "
                                     "character '%s'" % (vt.pos, vt.text))
                return dt
            if t == "date" and vt.kind == "date":
                dd = fieldtypes.parse_date(vt.text)
                if dd is None:
                    raise self.unexpected(vt)
                return dd
            if vt.kind in ("datetime", "date", "string", "number") or kw in (
                    "true", "false"):
                raise wrong(tname, False)
            raise self.unexpected(vt)
        if t == "boolean":
            if kw in ("true", "false"):
                return kw == "true"
            if vt.kind in ("string", "number", "date", "datetime"):
                raise wrong("boolean", False)
            raise self.unexpected(vt)
        if t in ("int", "double", "currency", "percent"):
            if vt.kind == "number":
                return float(vt.text) if t != "int" else (
                    int(vt.text) if re.match(r"^[+-]?\d+$", vt.text)
                    else float(vt.text))
            if vt.kind in ("string", "date", "datetime") or kw in ("true", "false"):
                raise wrong("double" if t != "int" else "int", False)
            raise self.unexpected(vt)
        # string-like, id, reference
        if vt.kind == "string":
            s = _unquote(vt.text)
            if t in ("id", "reference"):
                norm = org.normalize_id(s)
                if norm is None:
                    raise self.error("INVALID_QUERY_FILTER_OPERATOR", vt.pos,
                                     "invalid ID field: %s" % s)
                return norm
            return s
        if vt.kind in ("number", "date", "datetime") or kw in ("true", "false"):
            raise wrong("string", True)
        raise self.unexpected(vt)

    def date_range(self, vt, ftype):
        parts = vt.text.lower().split(":")
        base = parts[0]
        n = None
        if base in ("last_n_days", "next_n_days"):
            if len(parts) != 2:
                raise self.unexpected(vt)
            n = int(parts[1])
        elif len(parts) != 1:
            raise self.unexpected(vt)
        today = self.today
        one = datetime.timedelta(days=1)
        if base == "today":
            lo, hi = today, today + one
        elif base == "yesterday":
            lo, hi = today - one, today
        elif base == "tomorrow":
            lo, hi = today + one, today + 2 * one
        elif base == "last_n_days":
            lo, hi = today - n * one, today + one
        else:
            lo, hi = today + one, today + (n + 1) * one
        if ftype == "datetime":
            lo = datetime.datetime.combine(lo, datetime.time())
            hi = datetime.datetime.combine(hi, datetime.time())
        return ("range", lo, hi)


def _unquote(text):
    body = text[1:-1]
    out = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            out.append(_ESCAPES.get(body[i + 1], body[i + 1]))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _norm(f, v):
    if isinstance(v, str) and f["type"] not in ("id", "reference"):
        return v.lower()
    return v


def _compare(f, op, value):
    name = f["name"]
    if isinstance(value, tuple) and value and value[0] == "range":
        _, lo, hi = value

        def in_range(r):
            v = r.get(name)
            return v is not None and lo <= v < hi
        if op == "=":
            return in_range
        if op in ("!=", "<>"):
            return lambda r: not in_range(r)
        bound = {">": ("ge", hi), ">=": ("ge", lo), "<": ("lt", lo),
                 "<=": ("lt", hi)}[op]
        kind, b = bound
        if kind == "ge":
            return lambda r: r.get(name) is not None and r[name] >= b
        return lambda r: r.get(name) is not None and r[name] < b
    if value is None:
        if op == "=":
            return lambda r: r.get(name) is None
        if op in ("!=", "<>"):
            return lambda r: r.get(name) is not None
        return lambda r: False
    want = _norm(f, value)
    if f["type"] in ("int", "double", "currency", "percent"):
        want = float(want)

    def get(r):
        v = r.get(name)
        return None if v is None else _norm(f, v)
    if op == "=":
        return lambda r: get(r) == want
    if op in ("!=", "<>"):
        return lambda r: get(r) != want
    if op == "<":
        return lambda r: (lambda v: v is not None and v < want)(get(r))
    if op == "<=":
        return lambda r: (lambda v: v is not None and v <= want)(get(r))
    if op == ">":
        return lambda r: (lambda v: v is not None and v > want)(get(r))
    return lambda r: (lambda v: v is not None and v >= want)(get(r))


def _in(f, vals, negate):
    name = f["name"]
    plain = {_norm(f, v) for v in vals if v is not None}
    if f["type"] in ("int", "double", "currency", "percent"):
        plain = {float(v) for v in plain}
    has_null = any(v is None for v in vals)

    def test(r):
        v = r.get(name)
        if v is None:
            return has_null
        return _norm(f, v) in plain
    if negate:
        return lambda r: not test(r)
    return test


def _like(f, pattern):
    name = f["name"]
    rx = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            rx.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        rx.append(".*" if c == "%" else "." if c == "_" else re.escape(c))
        i += 1
    cre = re.compile("^" + "".join(rx) + "$", re.S | re.I)
    return lambda r: r.get(name) is not None and cre.match(str(r[name])) is not None


def _includes(f, groups, negate):
    name = f["name"]

    def test(r):
        v = r.get(name)
        have = set(p.strip() for p in v.split(";")) if v else set()
        return any(g <= have for g in groups)
    if negate:
        return lambda r: not test(r)
    return test


def parse(text, store, today=None):
    """Parse SOQL text against the store's object definitions."""
    p = Parser(text, store, today)
    # The FROM clause decides how select-list fields resolve, so find the
    # object first (without consuming tokens), then parse for real.
    p._obj = _peek_object(p)
    return p.parse()


def _peek_object(p):
    toks = p.toks
    for i, t in enumerate(toks):
        if t.kw() == "from" and i + 1 < len(toks):
            ot = toks[i + 1]
            if ot.kind == "ident":
                d = p.store.object_def(ot.text)
                if d is not None:
                    return d
                raise p.error(
                    "INVALID_TYPE", ot.pos,
                    "sObject type '%s' is not supported. If you are "
                    "attempting to use a custom object, be sure to append "
                    "the '__c' after the entity name. Please reference your "
                    "WSDL or the describe call for the appropriate names."
                    % ot.text)
            break
    # no FROM: let the grammar report the error
    p.expect_kw("select")
    while p.peek().kind != "eof" and p.peek().kw() != "from":
        p.next()
    raise p.unexpected(p.peek())
