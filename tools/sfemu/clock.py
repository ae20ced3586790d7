"""The store's clock: injectable, monotonic, millisecond precision.

Every timestamp the emulator writes (CreatedDate, LastModifiedDate,
SystemModstamp, deletedDate, job times) comes from one Clock, so tests can
freeze it (to produce ties), move it forward (to test replication windows)
or run it at second precision (what real orgs show: ``.000``).
"""

import datetime
import threading
import time


def _utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


class Clock:
    """now() never goes backwards, whatever the wall clock does."""

    def __init__(self, source=None, precision="ms"):
        self._source = source or _utcnow
        self._lock = threading.Lock()
        self._last = None
        self._frozen = None
        self._offset = datetime.timedelta(0)
        self.precision = precision

    def _truncate(self, dt):
        if self.precision == "s":
            return dt.replace(microsecond=0)
        return dt.replace(microsecond=dt.microsecond // 1000 * 1000)

    def now(self):
        with self._lock:
            if self._frozen is not None:
                t = self._frozen
            else:
                t = self._source() + self._offset
            t = self._truncate(t)
            if self._last is not None and t < self._last:
                t = self._truncate(self._last)
                if t < self._last:
                    # after a switch to second precision: round up, so the
                    # clock neither goes back nor shows milliseconds
                    t += datetime.timedelta(seconds=1)
            self._last = t
            return t

    def freeze(self, at=None):
        """Stop the clock at `at` (default: now; never before the last
        timestamp handed out, as the clock is monotonic)."""
        with self._lock:
            base = at if at is not None else self._source() + self._offset
            if self._last is not None and base < self._last:
                base = self._last
            self._frozen = self._truncate(base)

    def unfreeze(self):
        with self._lock:
            if self._frozen is not None:
                # Continue from the frozen instant instead of jumping back.
                real = self._source()
                if self._frozen > real:
                    self._offset = self._frozen - real
            self._frozen = None

    def advance(self, delta):
        """Move the clock forward by a timedelta (frozen or running)."""
        with self._lock:
            if self._frozen is not None:
                self._frozen = self._truncate(self._frozen + delta)
            else:
                self._offset += delta

    def set_precision(self, precision):
        if precision not in ("ms", "s"):
            raise ValueError("precision must be 'ms' or 's'")
        with self._lock:
            self.precision = precision

    def state(self):
        with self._lock:
            return {"frozen": self._frozen is not None,
                    "offset_seconds": self._offset.total_seconds(),
                    "precision": self.precision}

    def monotonic(self):
        return time.monotonic()
