"""The daily API request allowance reported in Sforce-Limit-Info."""

import threading


class ApiLimits:
    def __init__(self, limit=15000):
        self.lock = threading.Lock()
        self.limit = int(limit)
        self.used = 0

    def charge(self):
        """Count one API call. Returns False when the allowance is spent."""
        with self.lock:
            if self.used >= self.limit:
                return False
            self.used += 1
            return True

    def header(self):
        with self.lock:
            return "api-usage=%d/%d" % (self.used, self.limit)

    def set(self, used=None, limit=None):
        with self.lock:
            if used is not None:
                self.used = max(0, int(used))
            if limit is not None:
                self.limit = max(0, int(limit))

    def state(self):
        with self.lock:
            return {"used": self.used, "limit": self.limit}
