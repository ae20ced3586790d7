"""The org's records: ids, validation from the describe, transactions.

Thread safety: every public method takes ``self.lock`` (re-entrant).
Records are immutable dicts (each write stores a new dict), so readers can
keep references to them (query cursors, bulk results) without copying.

Errors: record-level failures raise errors.RecordError; a record id that
does not exist raises RecordNotFound (callers choose NOT_FOUND or
INVALID_CROSS_REFERENCE_KEY, as the real endpoints differ).
"""

import re
import threading

from . import org
from .errors import ApiError, RecordError, entity_is_deleted
from . import fieldtypes

EMAIL_RE = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")

SYSTEM_FIELDS = ("Id", "IsDeleted", "CreatedDate", "CreatedById",
                 "LastModifiedDate", "LastModifiedById", "SystemModstamp")

#: (child object, reference field) pairs whose children are deleted with
#: their parent (Contact.AccountId behaves like this in real orgs); other
#: lookups to a deleted parent are cleared.
CASCADE_DELETE = {("Contact", "AccountId")}

#: Objects the API user can read but not write.
READ_ONLY_OBJECTS = {"User"}


class RecordNotFound(Exception):
    pass


class MultipleMatches(Exception):
    def __init__(self, ids):
        super().__init__("%d records match" % len(ids))
        self.ids = ids


class ObjectDef:
    """One sObject's describe data with case-insensitive field lookup."""

    def __init__(self, d):
        self.name = d["name"]
        self.label = d["label"]
        self.label_plural = d.get("labelPlural", d["label"] + "s")
        self.key_prefix = d["keyPrefix"]
        self.custom = d.get("custom", self.name.endswith("__c"))
        self.fields = d["fields"]
        self.by_lower = {f["name"].lower(): f for f in self.fields}
        self.writable = self.name not in READ_ONLY_OBJECTS
        self.unique_fields = [f["name"] for f in self.fields
                              if f["unique"] and f["type"] != "id"]
        self.compound = {}
        for f in self.fields:
            if f.get("compoundFieldName"):
                self.compound.setdefault(f["compoundFieldName"], []).append(f)

    def field(self, name):
        return self.by_lower.get(name.lower())

    def storable_fields(self):
        return [f for f in self.fields if f["type"] not in ("address", "location")]


def _key(value):
    """Comparison key for unique / external id values (case-insensitive)."""
    return value.lower() if isinstance(value, str) else value


class Tx:
    """Undo log of one unit of work (an allOrNone batch, or one record)."""

    def __init__(self):
        self.undo = []          # (obj, id, previous record or None)
        self.touched = {}       # (obj, id) -> True, in order

    def note(self, obj, rid, old):
        self.undo.append((obj, rid, old))
        self.touched[(obj, rid)] = True


class Store:
    def __init__(self, clock, object_dicts=None):
        self.lock = threading.RLock()
        self.clock = clock
        self.defs = {}
        for d in object_dicts or org.objects():
            od = ObjectDef(d)
            self.defs[od.name] = od
        self.defs_lower = {k.lower(): v for k, v in self.defs.items()}
        self.prefix_to_def = {d.key_prefix: d for d in self.defs.values()}
        self.validation_rules = []
        self.journal = None          # callable(list of (obj, record)) or None
        self.listeners = []          # callables([(ObjectDef, old, new)]) per commit
        self.deleted_log_start = None  # earliest deletedDate still available
        self._tx = None
        self.clear()

    # ------------------------------------------------------------------
    # state
    # ------------------------------------------------------------------
    def clear(self):
        with self.lock:
            self.records = {name: {} for name in self.defs}
            self.unique = {(name, f): {} for name, d in self.defs.items()
                           for f in d.unique_fields}
            self.seq = {}

    def object_def(self, name):
        return self.defs_lower.get(name.lower()) if name else None

    def load_records(self, obj, records):
        """Bulk-load trusted records (seed data, --data file)."""
        with self.lock:
            d = self.defs[obj]
            table = self.records[obj]
            for rec in records:
                table[rec["Id"]] = rec
                self._index_add(d, rec)
                self._bump_seq(rec["Id"])

    def seed_demo(self, counts=None):
        with self.lock:
            self.clear()
            self.load_records("User", org.users())
            for obj, recs in org.demo_records(counts).items():
                self.load_records(obj, recs)

    def seed_empty(self):
        with self.lock:
            self.clear()
            self.load_records("User", org.users())

    def _bump_seq(self, rid):
        prefix = rid[:3]
        seq = 0
        for c in rid[5:15]:
            seq = seq * 62 + org._B62.index(c)
        if seq + 1 > self.seq.get(prefix, 1):
            self.seq[prefix] = seq + 1

    def new_id(self, prefix):
        n = self.seq.get(prefix, 1)
        self.seq[prefix] = n + 1
        return org.make_id(prefix, n)

    def counts(self):
        with self.lock:
            out = {}
            for name, table in self.records.items():
                deleted = sum(1 for r in table.values() if r["IsDeleted"])
                out[name] = {"records": len(table) - deleted,
                             "deleted": deleted}
            return out

    # ------------------------------------------------------------------
    # indexes
    # ------------------------------------------------------------------
    def _index_add(self, d, rec):
        if rec.get("IsDeleted"):
            return
        for f in d.unique_fields:
            v = rec.get(f)
            if v is not None:
                self.unique[(d.name, f)][_key(v)] = rec["Id"]

    def _index_remove(self, d, rec):
        for f in d.unique_fields:
            v = rec.get(f)
            if v is not None:
                idx = self.unique[(d.name, f)]
                if idx.get(_key(v)) == rec["Id"]:
                    del idx[_key(v)]

    def _put(self, d, rec):
        """Store a new version of a record (the only mutation primitive)."""
        table = self.records[d.name]
        old = table.get(rec["Id"])
        if self._tx is not None:
            self._tx.note(d.name, rec["Id"], old)
        if old is not None:
            self._index_remove(d, old)
        table[rec["Id"]] = rec
        self._index_add(d, rec)

    # ------------------------------------------------------------------
    # transactions
    # ------------------------------------------------------------------
    def begin(self):
        """Start a unit of work; returns the Tx. Caller holds self.lock."""
        if self._tx is not None:
            raise RuntimeError("nested transaction")
        self._tx = Tx()
        return self._tx

    def commit(self):
        tx, self._tx = self._tx, None
        if self.journal and tx.touched:
            changed = [(obj, self.records[obj][rid]) for obj, rid in tx.touched]
            self.journal(changed)
        if self.listeners and tx.touched:
            first = {}
            for obj, rid, old in tx.undo:
                first.setdefault((obj, rid), old)
            changes = [(self.defs[obj], first[(obj, rid)], self.records[obj][rid])
                       for obj, rid in tx.touched]
            for fn in self.listeners:
                fn(changes)

    def rollback(self):
        tx, self._tx = self._tx, None
        for obj, rid, old in reversed(tx.undo):
            d = self.defs[obj]
            cur = self.records[obj].get(rid)
            if cur is not None:
                self._index_remove(d, cur)
            if old is None:
                self.records[obj].pop(rid, None)
            else:
                self.records[obj][rid] = old
                self._index_add(d, old)

    # ------------------------------------------------------------------
    # reads
    # ------------------------------------------------------------------
    def scan(self, obj, include_deleted=False):
        with self.lock:
            recs = list(self.records[obj].values())
        if include_deleted:
            return recs
        return [r for r in recs if not r["IsDeleted"]]

    def find(self, rid):
        """(ObjectDef, record) for an id of any object, or (None, None)."""
        norm = org.normalize_id(rid) if isinstance(rid, str) else None
        if norm is None:
            return None, None
        d = self.prefix_to_def.get(norm[:3])
        if d is None:
            return None, None
        with self.lock:
            return d, self.records[d.name].get(norm)

    def get(self, obj, rid):
        """Live record or raise RecordNotFound / ENTITY_IS_DELETED."""
        norm = org.normalize_id(rid)
        with self.lock:
            rec = self.records[obj].get(norm) if norm else None
        if rec is None:
            raise RecordNotFound(rid)
        if rec["IsDeleted"]:
            raise entity_is_deleted()
        return rec

    def match_external(self, obj, field, value):
        """Ids of live records whose `field` equals `value` (case-insensitive)."""
        d = self.defs[obj]
        with self.lock:
            if field == "Id":
                norm = org.normalize_id(value)
                rec = self.records[obj].get(norm) if norm else None
                return [rec["Id"]] if rec and not rec["IsDeleted"] else []
            if (obj, field) in self.unique:
                rid = self.unique[(obj, field)].get(_key(value))
                return [rid] if rid else []
            f = d.field(field)
            want = _key(fieldtypes.from_json(f, value))
            return [r["Id"] for r in self.records[obj].values()
                    if not r["IsDeleted"] and r.get(field) is not None
                    and _key(r[field]) == want]

    # ------------------------------------------------------------------
    # input conversion
    # ------------------------------------------------------------------
    def convert_json(self, d, body):
        """JSON body -> {FieldName: python value}; call-level errors raise.

        Keys are matched case-insensitively; ``attributes`` is ignored.
        Unknown fields answer INVALID_FIELD, values of the wrong JSON type
        JSON_PARSER_ERROR (both for the whole request, as Salesforce does).
        """
        if not isinstance(body, dict):
            raise ApiError(400, "JSON_PARSER_ERROR",
                           "Cannot deserialize instance of %s from %s value"
                           % (d.name, "START_ARRAY" if isinstance(body, list)
                              else "VALUE_STRING"))
        out = {}
        for k, v in body.items():
            if k == "attributes":
                continue
            f = d.field(k)
            if f is None:
                raise ApiError(400, "INVALID_FIELD",
                               "No such column '%s' on sobject of type %s"
                               % (k, d.name))
            if f["type"] in ("address", "location"):
                out[f["name"]] = v
            else:
                out[f["name"]] = fieldtypes.from_json(f, v)
        return out

    # ------------------------------------------------------------------
    # validation
    # ------------------------------------------------------------------
    def _check_writable(self, d, values, creating):
        if not d.writable:
            raise RecordError("INSUFFICIENT_ACCESS_OR_READONLY",
                              "insufficient access rights on entity: %s" % d.name)
        bad = []
        for name in values:
            f = d.field(name)
            if name == "Id":
                continue
            ok = f["createable"] if creating else f["updateable"]
            if not ok:
                bad.append(f["name"])
        if bad:
            raise RecordError(
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                "Unable to create/update fields: %s. Please check the security "
                "settings of this field and verify that it is read/write for "
                "your profile or permission set." % ", ".join(bad), bad)

    def _check_reference(self, f, value):
        norm = org.normalize_id(value)
        if norm is None:
            raise RecordError("MALFORMED_ID",
                              "%s: id value of incorrect type: %s"
                              % (f["label"], value), [f["name"]])
        targets = [self.defs[t] for t in f["referenceTo"] if t in self.defs]
        allowed = {t.key_prefix for t in targets}
        if "Group" in f["referenceTo"]:
            allowed.add("00G")
        if norm[:3] not in allowed:
            raise RecordError("FIELD_INTEGRITY_EXCEPTION",
                              "%s: id value of incorrect type: %s"
                              % (f["label"], value), [f["name"]])
        td = self.prefix_to_def.get(norm[:3])
        target = self.records[td.name].get(norm) if td else None
        if target is None:
            raise RecordError("INVALID_CROSS_REFERENCE_KEY",
                              "invalid cross reference id", [f["name"]])
        if target["IsDeleted"]:
            raise RecordError("ENTITY_IS_DELETED", "entity is deleted",
                              [f["name"]])
        return norm

    def _check_value(self, f, value):
        """Validate and normalise one supplied non-null value."""
        t = f["type"]
        label = f["label"]
        if t in ("reference",):
            return self._check_reference(f, value)
        if t in fieldtypes.STRING_TYPES and t not in ("id",):
            if f["length"] and len(value) > f["length"]:
                raise RecordError(
                    "STRING_TOO_LONG",
                    "%s: data value too large: %s (max length=%d)"
                    % (label, value if len(value) <= 100 else value[:100] + "...",
                       f["length"]), [f["name"]])
            if t == "email" and value != "" and not EMAIL_RE.match(value):
                raise RecordError("INVALID_EMAIL_ADDRESS",
                                  "%s: invalid email address: %s"
                                  % (label, value), [f["name"]])
            if t == "picklist" and f["restrictedPicklist"]:
                active = {p["value"] for p in f["picklistValues"] if p["active"]}
                if value not in active:
                    raise RecordError(
                        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                        "%s: bad value for restricted picklist field: %s"
                        % (label, value), [f["name"]])
            if t == "multipicklist":
                parts = [p.strip() for p in value.split(";") if p.strip()]
                if f["restrictedPicklist"]:
                    active = {p["value"] for p in f["picklistValues"]
                              if p["active"]}
                    for p in parts:
                        if p not in active:
                            raise RecordError(
                                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                                "%s: bad value for restricted picklist "
                                "field: %s" % (label, p), [f["name"]])
                seen = []
                for p in parts:
                    if p not in seen:
                        seen.append(p)
                return ";".join(seen) if seen else None
            return value
        if t in fieldtypes.NUMBER_TYPES:
            scale = f["scale"]
            v = round(value, scale) if scale or f["precision"] else value
            if f["precision"]:
                int_digits = f["precision"] - scale
                if abs(v) >= 10 ** int_digits:
                    raise RecordError(
                        "NUMBER_OUTSIDE_VALID_RANGE",
                        "%s: value outside of valid range on numeric field: %s"
                        % (label, value), [f["name"]])
            return float(v)
        if t == "int":
            if f["digits"] and abs(value) >= 10 ** f["digits"]:
                raise RecordError(
                    "NUMBER_OUTSIDE_VALID_RANGE",
                    "%s: value outside of valid range on numeric field: %s"
                    % (label, value), [f["name"]])
            return value
        return value

    def _apply_rules(self, d, rec):
        for rule in self.validation_rules:
            if rule["object"].lower() != d.name.lower():
                continue
            f = d.field(rule["field"])
            if f is None:
                continue
            v = rec.get(f["name"])
            text = "" if v is None else (
                fieldtypes.to_csv(f["type"], v))
            hit = False
            if "value" in rule:
                want = rule["value"]
                if isinstance(want, bool):
                    want = "true" if want else "false"
                hit = (v is None and want is None) or (
                    v is not None and want is not None and text == str(want))
            if "regex" in rule and rule["regex"] is not None:
                hit = hit or re.search(rule["regex"], text) is not None
            if hit:
                raise RecordError("FIELD_CUSTOM_VALIDATION_EXCEPTION",
                                  rule["message"], [f["name"]])

    def _check_unique(self, d, rec):
        for fname in d.unique_fields:
            v = rec.get(fname)
            if v is None:
                continue
            other = self.unique[(d.name, fname)].get(_key(v))
            if other is not None and other != rec["Id"]:
                raise RecordError(
                    "DUPLICATE_VALUE",
                    "duplicate value found: %s duplicates value on record "
                    "with id: %s" % (fname, other[:15]), [])

    def _derive(self, d, rec):
        if d.name == "Contact":
            first, last = rec.get("FirstName"), rec.get("LastName")
            rec["Name"] = " ".join(x for x in (first, last) if x) or None
        if d.field("Name") and d.field("Name")["defaultedOnCreate"] \
                and d.field("Name")["createable"] and rec.get("Name") in (None, ""):
            rec["Name"] = rec["Id"]

    def _validated(self, d, values, old, user):
        """New record dict from `old` (None = create) plus `values`."""
        creating = old is None
        self._check_writable(d, values, creating)
        # Salesforce stores an empty string as null.
        values = {k: (None if v == "" and d.field(k)["type"]
                      in fieldtypes.STRING_TYPES else v)
                  for k, v in values.items()}
        if creating:
            rec = {}
            for f in d.storable_fields():
                rec[f["name"]] = None
            for f in d.storable_fields():
                if f["defaultValue"] is not None:
                    rec[f["name"]] = f["defaultValue"]
                elif f["type"] == "boolean":
                    rec[f["name"]] = False
                elif f["type"] in ("picklist", "multipicklist"):
                    for p in f["picklistValues"]:
                        if p["defaultValue"] and p["active"]:
                            rec[f["name"]] = p["value"]
        else:
            rec = dict(old)
        missing = []
        for name, value in values.items():
            f = d.field(name)
            if value is None:
                if f["type"] == "boolean":
                    rec[name] = False
                    continue
                if not f["nillable"]:
                    missing.append(name)
                rec[name] = None
                continue
            rec[name] = value
        if creating:
            for f in d.storable_fields():
                if (f["createable"] and not f["nillable"]
                        and not f["defaultedOnCreate"]
                        and rec.get(f["name"]) in (None, "")
                        and f["name"] not in missing):
                    missing.append(f["name"])
        if missing:
            raise RecordError("REQUIRED_FIELD_MISSING",
                              "Required fields are missing: [%s]"
                              % ", ".join(missing), missing)
        for name, value in values.items():
            if value is not None:
                rec[name] = self._check_value(d.field(name), value)
        now = self.clock.now()
        if creating:
            rec["Id"] = self.new_id(d.key_prefix)
            rec["IsDeleted"] = False
            rec["CreatedDate"] = now
            rec["CreatedById"] = user
            if "OwnerId" in rec and rec["OwnerId"] is None:
                rec["OwnerId"] = user
        rec["LastModifiedDate"] = now
        rec["LastModifiedById"] = user
        rec["SystemModstamp"] = now
        self._derive(d, rec)
        self._apply_rules(d, rec)
        self._check_unique(d, rec)
        return rec

    # ------------------------------------------------------------------
    # writes (caller holds self.lock and an open transaction)
    # ------------------------------------------------------------------
    def create(self, d, values, user):
        if "Id" in values and values["Id"] is not None:
            raise RecordError("INVALID_FIELD",
                              "cannot specify Id in an insert call", ["Id"])
        values = {k: v for k, v in values.items() if k != "Id"}
        rec = self._validated(d, values, None, user)
        self._put(d, rec)
        return rec["Id"]

    def update(self, d, rid, values, user):
        norm = org.normalize_id(rid)
        old = self.records[d.name].get(norm) if norm else None
        if old is None:
            raise RecordNotFound(rid)
        if old["IsDeleted"]:
            raise entity_is_deleted()
        values = {k: v for k, v in values.items() if k != "Id"}
        rec = self._validated(d, values, old, user)
        self._put(d, rec)
        return rec["Id"]

    def delete(self, d, rid, user):
        if not d.writable:
            raise RecordError("INSUFFICIENT_ACCESS_OR_READONLY",
                              "insufficient access rights on entity: %s" % d.name)
        norm = org.normalize_id(rid)
        old = self.records[d.name].get(norm) if norm else None
        if old is None:
            raise RecordNotFound(rid)
        if old["IsDeleted"]:
            raise entity_is_deleted()
        now = self.clock.now()
        self._delete_one(d, old, now, user)

    def undelete(self, d, rid, user):
        """Restores a record from the recycle bin (IsDeleted back to false)."""
        norm = org.normalize_id(rid)
        old = self.records[d.name].get(norm) if norm else None
        if old is None:
            raise RecordNotFound(rid)
        if not old["IsDeleted"]:
            raise RecordError("UNDELETE_FAILED", "Entity is not in the recycle bin")
        rec = dict(old)
        rec["IsDeleted"] = False
        now = self.clock.now()
        rec["LastModifiedDate"] = now
        rec["LastModifiedById"] = user
        rec["SystemModstamp"] = now
        self._check_unique(d, rec)
        self._put(d, rec)
        return rec["Id"]

    def _delete_one(self, d, old, now, user):
        rec = dict(old)
        rec["IsDeleted"] = True
        rec["LastModifiedDate"] = now
        rec["LastModifiedById"] = user
        rec["SystemModstamp"] = now
        self._put(d, rec)
        # children: cascade or clear the lookup
        for cd in self.defs.values():
            for f in cd.fields:
                if f["type"] != "reference" or d.name not in f["referenceTo"]:
                    continue
                if f["name"] in ("CreatedById", "LastModifiedById", "OwnerId"):
                    continue
                for child in list(self.records[cd.name].values()):
                    if child["IsDeleted"] or child.get(f["name"]) != old["Id"]:
                        continue
                    if (cd.name, f["name"]) in CASCADE_DELETE:
                        self._delete_one(cd, child, now, user)
                    else:
                        c = dict(child)
                        c[f["name"]] = None
                        c["SystemModstamp"] = now
                        self._put(cd, c)

    def upsert(self, d, ext_field, ext_value, values, user):
        """Returns (id, created). Raises MultipleMatches on >1 match."""
        ids = self.match_external(d.name, ext_field, ext_value)
        if len(ids) > 1:
            raise MultipleMatches(ids)
        values = {k: v for k, v in values.items() if k != "Id"}
        if ids:
            values = {k: v for k, v in values.items() if k != ext_field}
            return self.update(d, ids[0], values, user), False
        if ext_field == "Id":
            raise RecordNotFound(ext_value)
        f = d.field(ext_field)
        values = dict(values)
        values[f["name"]] = fieldtypes.from_json(f, ext_value)
        return self.create(d, values, user), True

    # ------------------------------------------------------------------
    # replication
    # ------------------------------------------------------------------
    def updated_ids(self, obj, start, end):
        with self.lock:
            recs = list(self.records[obj].values())
        hits = [r for r in recs if not r["IsDeleted"]
                and start <= r["SystemModstamp"] < end]
        hits.sort(key=lambda r: (r["SystemModstamp"], r["Id"]))
        return [r["Id"] for r in hits]

    def deleted_records(self, obj, start, end):
        with self.lock:
            recs = list(self.records[obj].values())
        hits = [r for r in recs if r["IsDeleted"]
                and start <= r["SystemModstamp"] < end]
        hits.sort(key=lambda r: (r["SystemModstamp"], r["Id"]))
        return [(r["Id"], r["SystemModstamp"]) for r in hits]
