"""Fault injection rules, switchable at runtime, with a seeded RNG.

A rule is a dict:
  match        "[METHOD ]PATH": METHOD (or "*") and a path prefix, matched
               against the full path (/services/data/v60.0/composite/sobjects)
               and the path below the version (/composite/sobjects).
               A PATH containing "*" is a glob instead of a prefix.
  fault        http500 | http503 | slow | unable_to_lock_row |
               drop_after_commit | drop_before_commit | expire_token |
               request_limit
  count        how many times it may fire (default: unlimited)
  probability  chance of firing on a matching request (default 1.0)
  after        let this many matching requests through first (default 0)
  delay_ms     for "slow": how long to wait before answering (default 1000)
"""

import fnmatch
import random
import re
import threading

FAULTS = ("http500", "http503", "slow", "unable_to_lock_row",
          "drop_after_commit", "drop_before_commit", "expire_token",
          "request_limit")

_VERSION_RE = re.compile(r"^/services/data/v\d+\.\d+")


class FaultError(ValueError):
    pass


def _check_rule(rule):
    if not isinstance(rule, dict):
        raise FaultError("each rule must be an object")
    if rule.get("fault") not in FAULTS:
        raise FaultError("fault must be one of: %s" % ", ".join(FAULTS))
    m = rule.get("match", "*")
    if not isinstance(m, str) or not m.strip():
        raise FaultError("match must be a non-empty string")
    for k in ("count", "after", "delay_ms"):
        v = rule.get(k)
        if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 0):
            raise FaultError("%s must be a non-negative integer" % k)
    p = rule.get("probability", 1.0)
    if not isinstance(p, (int, float)) or isinstance(p, bool) or not 0 <= p <= 1:
        raise FaultError("probability must be a number from 0 to 1")
    unknown = set(rule) - {"match", "fault", "count", "probability", "after",
                           "delay_ms"}
    if unknown:
        raise FaultError("unknown rule keys: %s" % ", ".join(sorted(unknown)))


def _parse_match(m):
    parts = m.strip().split(None, 1)
    if len(parts) == 2:
        return parts[0].upper(), parts[1]
    if parts[0].startswith("/") or "*" in parts[0]:
        return "*", parts[0]
    return parts[0].upper(), "*"


def _path_matches(pattern, path):
    if pattern == "*":
        return True
    if "*" in pattern:
        return fnmatch.fnmatchcase(path, pattern)
    p = pattern.rstrip("/")
    return path == p or path.startswith(p + "/") or path.rstrip("/") == p


class Faults:
    def __init__(self, seed=None):
        self.lock = threading.Lock()
        self.rng = random.Random(seed)
        self.seed = seed
        self.rules = []
        self.fired = []          # most recent firings (for /__emulator/state)
        self.fired_total = 0

    def set_rules(self, rules, seed=None):
        if not isinstance(rules, list):
            raise FaultError("rules must be a list")
        for r in rules:
            _check_rule(r)
        with self.lock:
            if seed is not None:
                self.seed = seed
                self.rng = random.Random(seed)
            self.rules = [dict(r, _seen=0, _fired=0) for r in rules]

    def clear(self):
        with self.lock:
            self.rules = []

    def reseed(self, seed):
        with self.lock:
            self.seed = seed
            self.rng = random.Random(seed)

    def describe(self):
        with self.lock:
            return {
                "seed": self.seed,
                "rules": [{k: v for k, v in r.items() if not k.startswith("_")}
                          | {"seen": r["_seen"], "fired": r["_fired"]}
                          for r in self.rules],
                "fired_total": self.fired_total,
                "recent": list(self.fired[-20:]),
            }

    def pick(self, method, path):
        """Faults to apply to a request: (delay_ms, terminal fault or None)."""
        short = _VERSION_RE.sub("", path) or "/"
        delay = 0
        with self.lock:
            for i, r in enumerate(self.rules):
                m, pat = _parse_match(r.get("match", "*"))
                if m not in ("*", method):
                    continue
                if not (_path_matches(pat, path) or _path_matches(pat, short)):
                    continue
                r["_seen"] += 1
                if r["_seen"] <= (r.get("after") or 0):
                    continue
                if r.get("count") is not None and r["_fired"] >= r["count"]:
                    continue
                if self.rng.random() >= r.get("probability", 1.0):
                    continue
                r["_fired"] += 1
                self.fired_total += 1
                self.fired.append({"rule": i, "fault": r["fault"],
                                   "method": method, "path": path})
                del self.fired[:-100]
                if r["fault"] == "slow":
                    delay += r.get("delay_ms", 1000)
                    continue
                return delay, r["fault"]
        return delay, None
