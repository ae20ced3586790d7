"""One scripts/sf-emulator process on a free loopback port.

The one way the integration tests (tests/integration/forcefs_harness.py,
sync_harness.py), the emulator's own tests (tests/emulator/emutestlib.py) and the
benchmark (bench/bench.py) start, talk to and stop the emulator. FORCEFS_SF_EMULATOR
names another copy of scripts/sf-emulator.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.environ.get("FORCEFS_SF_EMULATOR", os.path.join(REPO, "scripts", "sf-emulator"))


class EmulatorProcess:
    """scripts/sf-emulator ARGS... listening on 127.0.0.1 (its URL in .url).

    What it writes on stderr goes to `log_path`, or to a temporary file, never to a
    pipe nobody reads (a busy emulator would block on it); stderr_text() reads it back.
    """

    def __init__(self, *args, log_path=None, new_session=False):
        self.stderr = open(log_path, "w+b") if log_path else tempfile.TemporaryFile()
        self.proc = subprocess.Popen([sys.executable, SCRIPT, "--port", "0", *args],
                                     stdout=subprocess.PIPE, stderr=self.stderr,
                                     start_new_session=new_session)
        line = self.proc.stdout.readline().decode().strip()
        if not line.startswith("http://"):
            self.proc.kill()
            self.proc.wait()
            self.proc.stdout.close()
            raise RuntimeError("sf-emulator did not start: %r %s" % (line, self.stderr_text()))
        self.url = line

    def control(self, name, body=None, method="POST", timeout=30):
        """Calls the /__emulator control endpoint (docs/emulator.md); returns its JSON."""
        data = json.dumps(body or {}).encode() if method == "POST" else None
        req = urllib.request.Request(self.url + "/__emulator/" + name, data=data,
                                     method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return json.loads(resp.read())

    def stderr_text(self):
        self.stderr.flush()
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", "replace")

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Sends `sig` and waits (SIGKILL after `timeout` s); returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self.proc.stdout.closed:
            self.proc.stdout.close()
        return self.proc.returncode
