#!/usr/bin/python3
"""Benchmark of forcefs against its baselines on this machine (docs/contract.md
"Performance", docs/performance.md). scripts/bench runs this file.

    scripts/bench [--records N] [--runs K] [--json FILE] [--section NAME ...]

Run as root (it mounts a tmpfs and drops the page cache). It builds if needed
(scripts/setup), starts a throwaway PostgreSQL cluster (tools/pgtmp.py), loads N
Account records (tools/demo_org.py, Heroku Connect layout), mounts forcefs (the
release build in build/), copies the same files to a tmpfs and serves them from
memfs (bench/memfs.c, a minimal in-memory FUSE filesystem: the FUSE limit of this
machine), then measures each section on all three and prints one table: times,
ratios of forcefs to each baseline, the target and PASS/MISS. Everything it started
is stopped and removed on exit, also on Ctrl-C or failure.

Cold means freshly mounted (forcefs and memfs are unmounted and mounted again) and,
for tmpfs, right after `echo 3 > /proc/sys/vm/drop_caches` (tmpfs has no cold state:
its files live in the page cache). Warm means the same command run again at once.
Each measurement is taken --runs times; the table shows the median.

Sections are functions registered with @section; each takes the Bench and returns
rows: `read` (listing, grep -r, cat, peak memory, against memfs and tmpfs), `read1m`
(each read once, against memfs: made for `--records 1000000 --section read1m`, which
stays under 15 minutes where `read` would take most of an hour), `views`
(`ls .by/account/industry/<value>/` against `grep -l` over the same files) and `write`
(sed -i over 1,000 records and rsync of 10,000 prepared files, against the same on
memfs, which is the floor any FUSE filesystem pays for those tools' requests, on tmpfs,
and one psql UPDATE per record) and `sync` (forcefs sync against the Salesforce
emulator holding the same records: the initial load into an empty schema next to paging
the records through the query API, a push of 10,000 changed records and its records per
API call, the latency from close() in the mount to Salesforce and from a Salesforce edit
to the file, polling and then streaming Change Data Capture events, a burst of 10,000
Salesforce changes both ways, and the idle API calls of a streamed object).

Options for trying changes: --forcefs PATH (another build of forcefs, never an ASan
one), --memfs PATH, --forcefs-options OPTS (extra -o for the forcefs mounts),
--no-build (use build/ as it is), --keep (leave the temporary directory; the mounts
and the cluster are still stopped).
"""
import argparse
import contextlib
import datetime
import json
import os
import random
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tools"))

import pgtmp  # noqa: E402
from emulator_process import EmulatorProcess  # noqa: E402

SCHEMA = "salesforce"
OBJECT = "Account"
OBJECT_DIR = "account"  # the table name, which is the directory name
TARGETS = ("forcefs", "memfs", "tmpfs")
DEFAULT_FORCEFS = os.path.join(REPO, "build", "forcefs")


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


# --- rows and targets ----------------------------------------------------------------


class Ratio:
    """forcefs must be within `limit` times the baseline."""

    def __init__(self, baseline, limit):
        self.baseline, self.limit = baseline, limit

    def describe(self, unit):
        return "<= %gx %s" % (self.limit, self.baseline)

    def check(self, values):
        base = values.get(self.baseline)
        if values.get("forcefs") is None or not base:
            return None
        return values["forcefs"] / base <= self.limit


class Below:
    """forcefs's value must be under `limit` (in the row's unit)."""

    def __init__(self, limit):
        self.limit = limit

    def describe(self, unit):
        return "< %g %s" % (self.limit, unit)

    def check(self, values):
        if values.get("forcefs") is None:
            return None
        return values["forcefs"] < self.limit


class Above:
    """forcefs's value must be at least `limit` (in the row's unit)."""

    def __init__(self, limit):
        self.limit = limit

    def describe(self, unit):
        return ">= %g %s" % (self.limit, unit)

    def check(self, values):
        if values.get("forcefs") is None:
            return None
        return values["forcefs"] >= self.limit


class Row:
    def __init__(self, section, operation, unit, values, target=None, samples=None, note=""):
        self.section = section
        self.operation = operation
        self.unit = unit
        self.values = values  # target name -> number or None
        self.target = target
        self.samples = samples or {}
        self.note = note

    def ratio(self, baseline):
        f, b = self.values.get("forcefs"), self.values.get(baseline)
        return f / b if f is not None and b else None

    def result(self):
        if not self.target:
            return None
        ok = self.target.check(self.values)
        return None if ok is None else ("PASS" if ok else "MISS")

    def as_json(self):
        return {
            "section": self.section,
            "operation": self.operation,
            "unit": self.unit,
            "values": self.values,
            "ratio_memfs": self.ratio("memfs"),
            "ratio_tmpfs": self.ratio("tmpfs"),
            "ratio_psql": self.ratio("psql"),
            "target": self.target.describe(self.unit) if self.target else None,
            "result": self.result(),
            "note": self.note,
            "samples": self.samples,
        }


def fmt_value(v, unit):
    if v is None:
        return "-"
    if unit == "MB":
        return "%.1f MB" % v
    if unit == "ms":
        return "%.3f ms" % v
    if unit == "rec/call":
        return "%.1f" % v
    if unit == "calls":
        return "%.0f" % v
    return "%.3f s" % v


def fmt_ratio(r):
    return "-" if r is None else "%.2fx" % r


def print_table(rows, out=sys.stdout):
    header = ("operation", "forcefs", "memfs", "tmpfs", "psql", "ff/memfs", "ff/tmpfs",
              "ff/psql", "target", "result")
    lines = [header]
    for r in rows:
        lines.append((r.operation, fmt_value(r.values.get("forcefs"), r.unit),
                      fmt_value(r.values.get("memfs"), r.unit),
                      fmt_value(r.values.get("tmpfs"), r.unit),
                      fmt_value(r.values.get("psql"), r.unit), fmt_ratio(r.ratio("memfs")),
                      fmt_ratio(r.ratio("tmpfs")), fmt_ratio(r.ratio("psql")),
                      r.target.describe(r.unit) if r.target else "(info)",
                      r.result() or "-"))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for n, line in enumerate(lines):
        cells = [line[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(line[1:8], widths[1:8])]
        cells += [line[8].ljust(widths[8]), line[9]]
        print("  ".join(cells).rstrip(), file=out)
        if n == 0:
            print("  ".join("-" * w for w in widths), file=out)
    notes = [r for r in rows if r.note]
    if notes:
        print(file=out)
        for r in notes:
            print("%s: %s" % (r.operation, r.note), file=out)


# --- the file systems under test -----------------------------------------------------


def mounted(path):
    path = os.path.realpath(path)
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4] == path for line in f)


def mounts_under(path):
    path = os.path.realpath(path).rstrip("/") + "/"
    with open("/proc/self/mountinfo") as f:
        return [line.split()[4] for line in f if (line.split()[4] + "/").startswith(path)]


def drop_caches():
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")


class FuseMount:
    """A FUSE file system process (forcefs or memfs) serving one mount point."""

    def __init__(self, name, argv, mountpoint, log_path, env=None):
        self.name, self.argv, self.mountpoint = name, argv, mountpoint
        self.log_path, self.env = log_path, env
        self.proc = None
        os.makedirs(mountpoint, exist_ok=True)

    @property
    def dir(self):
        return os.path.join(self.mountpoint, OBJECT_DIR)

    def mount(self):
        env = dict(os.environ)
        env.update(self.env or {})
        with open(self.log_path, "a") as logf:
            self.proc = subprocess.Popen(self.argv, stdout=logf, stderr=subprocess.STDOUT,
                                         env=env, start_new_session=True)
        deadline = time.monotonic() + 120
        while not mounted(self.mountpoint):
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited %s before mounting; its log (%s):\n%s" % (
                    self.name, self.proc.returncode, self.log_path, self.log_tail()))
            if time.monotonic() > deadline:
                raise RuntimeError("%s did not mount within 120 s" % self.name)
            time.sleep(0.01)

    def unmount(self):
        if mounted(self.mountpoint):
            r = subprocess.run(["fusermount3", "-u", self.mountpoint], capture_output=True)
            if r.returncode != 0:
                subprocess.run(["fusermount3", "-u", "-z", self.mountpoint],
                               capture_output=True)
        if self.proc and self.proc.poll() is None:
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
        self.proc = None

    def cold(self):
        self.unmount()
        self.mount()

    def status(self, field):
        """A field of /proc/PID/status in MB (VmHWM, VmRSS), or None."""
        if not self.proc:
            return None
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024.0
        return None

    def log_tail(self, lines=20):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""


class Tmpfs:
    """The same files on a tmpfs: the kernel's own page cache, no FUSE."""

    name = "tmpfs"

    def __init__(self, mountpoint):
        self.mountpoint = mountpoint
        os.makedirs(mountpoint, exist_ok=True)

    @property
    def dir(self):
        return os.path.join(self.mountpoint, OBJECT_DIR)

    def mount(self):
        subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0755", "forcefs-bench",
                        self.mountpoint], check=True)

    def unmount(self):
        if mounted(self.mountpoint):
            if subprocess.run(["umount", self.mountpoint], capture_output=True).returncode:
                subprocess.run(["umount", "-l", self.mountpoint], capture_output=True)

    def cold(self):
        drop_caches()  # no real effect on tmpfs files: they are the page cache

    def status(self, field):
        return None


# --- measuring -----------------------------------------------------------------------


def run_timed(cmd):
    """Wall time in seconds of a shell command (exit status 0 or 1 accepted, for grep)."""
    t0 = time.perf_counter()
    r = subprocess.run(["bash", "-c", "set -o pipefail; " + cmd], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - t0
    if r.returncode not in (0, 1):
        raise RuntimeError("%s: exit %d: %s" % (cmd, r.returncode, r.stderr.strip()[-300:]))
    return elapsed, r.stdout


def cat_ms(path):
    """What `cat FILE` asks of the file system (open, read to EOF, close), in ms.

    Timed inside this process: starting a cat process costs about a millisecond by
    itself on this machine, more than the file system's part."""
    t0 = time.perf_counter_ns()
    fd = os.open(path, os.O_RDONLY)
    while os.read(fd, 131072):
        pass
    os.close(fd)
    return (time.perf_counter_ns() - t0) / 1e6


def median(xs):
    return statistics.median(xs) if xs else None


def percentile(xs, p):
    if not xs:
        return None
    xs = sorted(xs)
    k = (len(xs) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


class Bench:
    def __init__(self, args, tmp):
        self.args = args
        self.tmp = tmp
        self.url = None
        self.targets = {}  # name -> FuseMount or Tmpfs, in TARGETS order
        self.names = []  # record file names (no .errors), sorted

    def target_dirs(self):
        return {name: t.dir for name, t in self.targets.items()}


SECTIONS = {}


def section(name, description):
    def register(fn):
        SECTIONS[name] = (fn, description)
        return fn
    return register


# --- section: read ---------------------------------------------------------------------

READ_COMMANDS = (
    ("ls -f | wc -l", "ls -f {dir} | wc -l"),
    ("ls -l", "ls -l {dir} > /dev/null"),
    ("grep -r -c Energy", "grep -r -c Energy {dir} > /dev/null"),
)
CATS_PER_RUN = 200


def measure_command(b, label, template):
    """Cold and warm times of one command on every target, --runs times, interleaved."""
    cold = {t: [] for t in b.targets}
    warm = {t: [] for t in b.targets}
    outputs = {}
    for run in range(b.args.runs):
        for name, target in b.targets.items():
            cmd = template.format(dir=target.dir)
            target.cold()
            t, out = run_timed(cmd)
            cold[name].append(t)
            t, out2 = run_timed(cmd)
            warm[name].append(t)
            outputs.setdefault(name, out.strip())
        log("  %s, run %d: %s" % (label, run + 1, ", ".join(
            "%s %.3f/%.3f s" % (n, cold[n][-1], warm[n][-1]) for n in b.targets)))
    if len(set(outputs.values())) > 1:
        log("  warning: %s printed different results: %s" % (label, outputs))
    return cold, warm


def measure_cats(b):
    """Single cats of different records right after a fresh mount, each file once."""
    first = {t: [] for t in b.targets}
    rest = {t: [] for t in b.targets}
    for run in range(b.args.runs):
        sample = random.Random(run).sample(b.names, min(CATS_PER_RUN + 1, len(b.names)))
        for name, target in b.targets.items():
            target.cold()
            times = [cat_ms(os.path.join(target.dir, f)) for f in sample]
            first[name].append(times[0])
            rest[name].extend(times[1:])
        log("  cat, run %d: %s" % (run + 1, ", ".join(
            "%s first %.2f ms, median %.3f ms" % (n, first[n][-1], median(rest[n][-len(
                sample) + 1:])) for n in b.targets)))
    return first, rest


def peak_memory(b):
    """VmHWM of a fresh forcefs (and memfs) mount after the whole read workload once."""
    peaks = {}
    for name, target in b.targets.items():
        if not isinstance(target, FuseMount):
            continue
        target.cold()
        for _, template in READ_COMMANDS:
            run_timed(template.format(dir=target.dir))
            run_timed(template.format(dir=target.dir))
        for f in random.Random(99).sample(b.names, min(CATS_PER_RUN, len(b.names))):
            cat_ms(os.path.join(target.dir, f))
        peaks[name] = target.status("VmHWM")
    return peaks


@section("read", "listing, grep -r and cat, cold and warm; the mount's peak memory")
def read_section(b):
    rows = []
    for label, template in READ_COMMANDS:
        cold, warm = measure_command(b, label, template)
        for kind, samples in (("cold", cold), ("warm", warm)):
            rows.append(Row("read", "%s %s" % (label, kind), "s",
                            {t: median(s) for t, s in samples.items()}, Ratio("memfs", 1.5),
                            samples))
    first, rest = measure_cats(b)
    rows.append(Row("read", "cat 1 record, 1st after mount", "ms",
                    {t: median(s) for t, s in first.items()}, Below(1.0), first,
                    note="median over runs of the first cat after each fresh mount "
                    "(includes whatever the mount loads on first use)"))
    rows.append(Row("read", "cat 1 record cold, median", "ms",
                    {t: median(s) for t, s in rest.items()}, Below(1.0),
                    {t: [round(x, 4) for x in s] for t, s in rest.items()}))
    rows.append(Row("read", "cat 1 record cold, p99", "ms",
                    {t: percentile(s, 99) for t, s in rest.items()}, Below(1.0),
                    note="%d different records per fresh mount, each read once, %d runs "
                    "pooled" % (CATS_PER_RUN, b.args.runs)))
    peaks = peak_memory(b)
    rows.append(Row("read", "peak memory (VmHWM)", "MB",
                    {"forcefs": peaks.get("forcefs"), "memfs": peaks.get("memfs"),
                     "tmpfs": None}, Below(100),
                    note="VmHWM of a fresh mount after the whole read workload once; "
                    "memfs holds every file in memory"))
    return rows


# --- section: read1m --------------------------------------------------------------------

READ1M_RANDOM_READS = 1000


def read1m_pass(b, target, sample):
    """One fresh mount: the first read, random reads, ls -f, ls -l, then the peak memory;
    a second fresh mount: grep -r cold and warm, then the peak memory again."""
    v = {}
    target.cold()
    times = [cat_ms(os.path.join(target.dir, f)) for f in sample]
    v["first"], v["reads"] = times[0], times[1:]
    v["ls -f"] = run_timed("ls -f %s | wc -l" % shlex.quote(target.dir))[0]
    v["ls -l"] = run_timed("ls -l %s > /dev/null" % shlex.quote(target.dir))[0]
    v["peak"] = target.status("VmHWM")
    target.cold()
    grep = "grep -r -c Energy %s > /dev/null" % shlex.quote(target.dir)
    v["grep cold"] = run_timed(grep)[0]
    v["grep warm"] = run_timed(grep)[0]
    v["peak grep"] = target.status("VmHWM")
    log("  %s: first read %.2f ms, reads median %.3f ms, ls -f %.1f s, ls -l %.1f s, "
        "VmHWM %.0f MB; grep -r cold %.1f s, warm %.1f s, VmHWM %.0f MB" % (
            target.name, v["first"], median(v["reads"]), v["ls -f"], v["ls -l"],
            v["peak"] or 0, v["grep cold"], v["grep warm"], v["peak grep"] or 0))
    return v


@section("read1m", "the read path once, sized for --records 1000000 (about 15 minutes in "
         "all): first and random reads, ls -f, ls -l and peak memory on a fresh mount; cold "
         "and warm grep -r on another; against memfs (3600 s timeouts, keep_cache)")
def read1m_section(b):
    sample = random.Random(1000).sample(b.names, min(READ1M_RANDOM_READS + 1, len(b.names)))
    results = {name: read1m_pass(b, target, sample) for name, target in b.targets.items()
               if isinstance(target, FuseMount)}

    def values(key, fn=lambda x: x):
        return {t: fn(v[key]) for t, v in results.items()}

    n = len(b.names)
    rows = [
        Row("read1m", "cat 1 record, 1st after mount", "ms", values("first"), Below(1.0)),
        Row("read1m", "random reads after mount, median", "ms", values("reads", median),
            Below(1.0), note="%d different records read once each on a fresh mount, "
            "before any listing" % (len(sample) - 1)),
        Row("read1m", "random reads after mount, p99", "ms",
            values("reads", lambda x: percentile(x, 99)), Below(1.0)),
        Row("read1m", "ls -f | wc -l cold", "s", values("ls -f"), Ratio("memfs", 1.5)),
        Row("read1m", "ls -l cold", "s", values("ls -l"), Ratio("memfs", 1.5)),
        Row("read1m", "peak memory after ls -f, ls -l, reads", "MB", values("peak"),
            Below(150), note="VmHWM after %d random reads, ls -f and ls -l of %d records "
            "on a fresh mount; memfs holds every file in memory" % (len(sample), n)),
        Row("read1m", "grep -r -c Energy cold", "s", values("grep cold"),
            Ratio("memfs", 1.5)),
        Row("read1m", "grep -r -c Energy warm", "s", values("grep warm"),
            Ratio("memfs", 1.5)),
        Row("read1m", "peak memory after grep -r", "MB", values("peak grep"), Below(150),
            note="VmHWM of a fresh mount after a cold and a warm grep -r"),
    ]
    return rows


# --- section: views ---------------------------------------------------------------------


class FasterThan:
    """forcefs's time must be at most 1/`factor` of the baseline's (`what`, in seconds)."""

    def __init__(self, factor, what, baseline):
        self.factor, self.what, self.baseline = factor, what, baseline

    def describe(self, unit):
        return ">= %gx faster than %s (%.3f s)" % (self.factor, self.what, self.baseline)

    def check(self, values):
        if values.get("forcefs") is None or not self.baseline:
            return None
        return values["forcefs"] * self.factor <= self.baseline


@section("views", "records by value: ls .by/account/industry/<value>/ next to grep -l over "
         "the account files (docs/views.md)")
def views_section(b):
    forcefs = b.targets["forcefs"]
    value = psql_value(b, "SELECT industry FROM %s.account WHERE industry IS NOT NULL "
                          "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1" % SCHEMA)
    pattern = shlex.quote('"industry": "%s"' % value).replace("{", "{{").replace("}", "}}")
    grep = "grep -rlF --include='*.json' %s {dir} | wc -l" % pattern
    ls = "ls %s | wc -l" % shlex.quote(os.path.join(forcefs.mountpoint, ".by", OBJECT_DIR,
                                                    "industry", value))
    times = {"grep cold": [], "grep warm": [], "ls cold": [], "ls warm": []}
    counts = set()
    for run in range(b.args.runs):
        for label, cmd in (("grep", grep.format(dir=forcefs.dir)), ("ls", ls)):
            forcefs.cold()
            t, out = run_timed(cmd)
            times[label + " cold"].append(t)
            counts.add(out.strip())
            t, out = run_timed(cmd)
            times[label + " warm"].append(t)
            counts.add(out.strip())
        log("  run %d: %s" % (run + 1, ", ".join("%s %.3f s" % (k, v[-1])
                                                for k, v in times.items())))
    if len(counts) != 1:
        raise RuntimeError("ls .by and grep -l found different records: %s" % counts)
    count = next(iter(counts))
    rows = []
    for kind in ("cold", "warm"):
        baseline = median(times["grep " + kind])
        rows.append(Row("views", "ls .by/account/industry/<value>/ %s" % kind, "s",
                        {"forcefs": median(times["ls " + kind])},
                        FasterThan(20, "grep -l on forcefs", baseline),
                        {"forcefs": times["ls " + kind], "grep": times["grep " + kind]},
                        note="%s records have industry \"%s\"; grep -rl over the account "
                        "files of the same mount took %.3f s %s" % (
                            count, value,
                            baseline, kind)))
    return rows


# --- section: write ---------------------------------------------------------------------

SED_RECORDS = 1000
RSYNC_RECORDS = 10000
# Appends a character to every record's name: each run changes every record it touches.
SED_SCRIPT = r's/"name": "\([^"]*\)"/"name": "\1!"/'


def psql_updates(b, sfids, tag):
    """The baseline: one UPDATE per record, each its own transaction, in one psql session
    (the capture triggers run, as they do for forcefs's writes)."""
    path = os.path.join(b.tmp, "updates.sql")
    with open(path, "w") as f:
        for sfid in sfids:
            f.write("UPDATE %s.account SET name = left(name, 240) || '%s' WHERE sfid = '%s';\n"
                    % (SCHEMA, tag, sfid))
    t, _ = run_timed("psql -X -q -v ON_ERROR_STOP=1 -d '%s' -f %s > /dev/null" % (b.url, path))
    return t


def prepare_rsync_source(b, names, tag):
    """A directory of prepared files: the current records with a changed name."""
    src = os.path.join(b.tmp, "prepared-%s" % tag)
    os.makedirs(src, exist_ok=True)
    forcefs_dir = b.targets["forcefs"].dir
    for n in names:
        with open(os.path.join(forcefs_dir, n)) as f:
            rec = json.load(f)
        rec["name"] = (rec["name"] or "")[:240] + tag
        with open(os.path.join(src, n), "w") as f:
            f.write(json.dumps(rec, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    return src


@section("write", "sed -i over 1,000 records and rsync of 10,000 prepared files, next to "
         "memfs (the same tool through FUSE with nothing behind it: the floor), tmpfs and one "
         "psql UPDATE per record")
def write_section(b):
    write_targets = dict(b.targets)  # forcefs, memfs, tmpfs
    rows = []
    sed_names = b.names[:SED_RECORDS]
    listing = os.path.join(b.tmp, "sed-files")
    samples = {"forcefs": [], "memfs": [], "tmpfs": [], "psql": []}
    for run in range(b.args.runs):
        for name, target in write_targets.items():
            with open(listing, "w") as f:
                f.write("".join(os.path.join(target.dir, n) + "\n" for n in sed_names))
            t, _ = run_timed("xargs -a %s sed -i '%s'" % (listing, SED_SCRIPT))
            samples[name].append(t)
        samples["psql"].append(psql_updates(b, [n[:-5] for n in sed_names], "s%d" % run))
        log("  sed -i, run %d: %s" % (run + 1, ", ".join(
            "%s %.3f s" % (n, s[-1]) for n, s in samples.items())))
    rows.append(Row("write", "sed -i, %d records" % len(sed_names), "s",
                    {n: median(s) for n, s in samples.items()}, Ratio("psql", 1.5), samples,
                    note="records/s: " + ", ".join(
                        "%s %.0f" % (n, len(sed_names) / median(s)) for n, s in samples.items())))

    rsync_names = b.names[:RSYNC_RECORDS]
    samples = {"forcefs": [], "memfs": [], "tmpfs": [], "psql": []}
    for run in range(b.args.runs):
        src = prepare_rsync_source(b, rsync_names, "r%d" % run)
        for name, target in write_targets.items():
            t, _ = run_timed("rsync -a %s/ %s/" % (src, target.dir))
            samples[name].append(t)
        samples["psql"].append(psql_updates(b, [n[:-5] for n in rsync_names], "p%d" % run))
        shutil.rmtree(src)
        log("  rsync, run %d: %s" % (run + 1, ", ".join(
            "%s %.3f s" % (n, s[-1]) for n, s in samples.items())))
    # Every prepared change must have reached the database.
    _, out = run_timed("psql -X -A -t -d '%s' -c \"SELECT count(*) FROM %s.account WHERE "
                       "name LIKE '%%r%dp%d'\"" % (b.url, SCHEMA, b.args.runs - 1,
                                                   b.args.runs - 1))
    if int(out.strip() or 0) != len(rsync_names):
        raise RuntimeError("only %s of %d rsync'd changes reached the database" % (
            out.strip(), len(rsync_names)))
    rows.append(Row("write", "rsync, %d prepared files" % len(rsync_names), "s",
                    {n: median(s) for n, s in samples.items()}, Ratio("psql", 1.5), samples,
                    note="records/s: " + ", ".join(
                        "%s %.0f" % (n, len(rsync_names) / median(s))
                        for n, s in samples.items())))
    return rows


# --- section: sync ----------------------------------------------------------------------

SYNC_PUSH_RECORDS = 10000
SYNC_POLL_SECONDS = 2
SYNC_LATENCY_SAMPLES = 40
SYNC_PULL_SAMPLES = 15
SYNC_STREAM_SAMPLES = 40
SYNC_BURST_RECORDS = 10000
SYNC_IDLE_SECONDS = 60
SYNC_IDLE_SAFETY = 10  # the idle measurement's safety poll, scaled to the default 600 s
SYNC_SCHEMA = "bench_load"  # the initial load goes into an empty schema of its own
SF_CREDENTIALS = {"SF_CLIENT_ID": "forcefs-test", "SF_CLIENT_SECRET": "forcefs-test",
                  "SF_USERNAME": "test@example.com", "SF_PASSWORD": "forcefs-test"}
# Heroku Connect's get_xmlbinary() reads pg_settings (0.7 ms a call, twice per row the
# engine writes); the same answer from current_setting() costs microseconds.
FAST_XMLBINARY = ("CREATE OR REPLACE FUNCTION public.get_xmlbinary() RETURNS varchar "
                  "LANGUAGE sql STABLE AS $$ SELECT current_setting('xmlbinary')::varchar $$")


class Emulator:
    """scripts/sf-emulator with the same Account records tools/demo_org.py loaded."""

    def __init__(self, b):
        import http.client
        import urllib.parse
        self.http, self.parse = http.client, urllib.parse
        self.process = EmulatorProcess(
            "--seed", "demo", "--api-limit", "10000000", "--counts",
            "%s=%d,Contact=0,Customer_Record__c=0" % (OBJECT, b.args.records),
            log_path=os.path.join(b.tmp, "emulator.log"), new_session=True)
        self.url = self.process.url
        u = urllib.parse.urlsplit(self.url)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
        form = urllib.parse.urlencode(dict(grant_type="password", client_id="forcefs-test",
                                           client_secret="forcefs-test",
                                           username="test@example.com",
                                           password="forcefs-test"))
        self.token = self.request("POST", "/services/oauth2/token", form,
                                  "application/x-www-form-urlencoded")["access_token"]

    def request(self, method, path, body=None, content_type="application/json"):
        headers = {"Content-Type": content_type}
        if getattr(self, "token", None):
            headers["Authorization"] = "Bearer " + self.token
        self.conn.request(method, path, body, headers)
        resp = self.conn.getresponse()
        data = resp.read()
        if resp.status >= 300:
            raise RuntimeError("emulator: %s %s: %d %s" % (method, path, resp.status,
                                                           data[:200]))
        return json.loads(data) if data else None

    def control(self, name, body=None, method="POST"):
        return self.request(method, "/__emulator/" + name,
                            json.dumps(body) if body is not None else None)

    def page_all(self, fields):
        """Pages every record through queryAll without writing them anywhere."""
        path = "/services/data/v60.0/queryAll?q=" + self.parse.quote(
            "SELECT %s FROM %s" % (",".join(fields), OBJECT))
        n = 0
        while path:
            page = self.request("GET", path)
            n += len(page["records"])
            path = None if page["done"] else page["nextRecordsUrl"]
        return n

    def bulk_update(self, sfids, field, values):
        """One Bulk API 2.0 update job, as another integration would run it; returns when
        the job is complete."""
        job = self.request("POST", "/services/data/v60.0/jobs/ingest", json.dumps(
            {"object": OBJECT, "operation": "update"}))
        csv = "Id,%s\n" % field + "".join("%s,%s\n" % (i, v) for i, v in zip(sfids, values))
        self.request("PUT", "/services/data/v60.0/jobs/ingest/%s/batches" % job["id"], csv,
                     "text/csv")
        self.request("PATCH", "/services/data/v60.0/jobs/ingest/%s" % job["id"],
                     json.dumps({"state": "UploadComplete"}))
        while True:
            info = self.request("GET", "/services/data/v60.0/jobs/ingest/%s" % job["id"])
            if info["state"] in ("JobComplete", "Failed", "Aborted"):
                break
            time.sleep(0.05)
        if info["state"] != "JobComplete" or info.get("numberRecordsFailed"):
            raise RuntimeError("the bulk update job ended %s: %r" % (info["state"], info))

    def field(self, sfid, name):
        return self.request("GET", "/services/data/v60.0/sobjects/%s/%s?fields=%s"
                            % (OBJECT, sfid, name))[name]

    def stop(self):
        self.process.stop(timeout=30)
        self.process.stderr.close()


def sync_env(b, emu):
    env = dict(os.environ)
    for k in ("SF_REFRESH_TOKEN", "SF_INSTANCE_URL", "SF_ACCESS_TOKEN", "SF_API_VERSION",
              "HEROKUCONNECT_SCHEMA", "FORCEFS_MAPPING"):
        env.pop(k, None)
    env.update(SF_CREDENTIALS, SF_LOGIN_URL=emu.url, DATABASE_URL=b.url)
    return env


def psql_value(b, sql):
    """Runs one statement (no shell in between) and returns its output."""
    r = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", b.url,
                        "-c", sql], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("psql: %s" % r.stderr.strip()[-300:])
    return r.stdout.strip()


def queued(b, schema):
    return int(psql_value(b, "SELECT count(*) FROM %s._trigger_log WHERE state IN "
                             "('NEW', 'PENDING')" % schema))


def wait_until(predicate, timeout, what, interval=0.01):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError("timed out after %d s waiting for %s" % (timeout, what))
        time.sleep(interval)


def sync_once(b, env, schema):
    """Wall time of `forcefs sync --once` (its log goes to sync-once.log)."""
    with open(os.path.join(b.tmp, "sync-once.log"), "a") as logf:
        t0 = time.perf_counter()
        r = subprocess.run([b.args.forcefs, "sync", "--once", "--schema", schema], env=env,
                           stdout=logf, stderr=logf)
        t = time.perf_counter() - t0
    if r.returncode != 0:
        raise RuntimeError("forcefs sync --once exited %d (see %s)" % (r.returncode,
                                                                    logf.name))
    return t


def initial_load(b, emu, env):
    """`forcefs sync --once` into an empty schema made by forcefs init; seconds."""
    subprocess.run([b.args.forcefs, "init", "--objects", OBJECT, "--schema", SYNC_SCHEMA],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    t = sync_once(b, env, SYNC_SCHEMA)
    n = int(psql_value(b, "SELECT count(*) FROM %s.account" % SYNC_SCHEMA))
    live = emu.control("state", method="GET")["objects"][OBJECT]["records"]
    if n != live:
        raise RuntimeError("the initial load wrote %d rows for %d records" % (n, live))
    return t


def push_latency(b, emu, names, samples):
    """close() of an edited file in the mount -> the value in Salesforce, seconds each."""
    out = []
    target = b.targets["forcefs"]
    for i, name in enumerate(names[:samples]):
        path = os.path.join(target.dir, name)
        with open(path) as f:
            rec = json.load(f)
        rec["phone"] = "555-%04d" % i
        text = json.dumps(rec, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        with open(path, "w") as f:
            f.write(text)
        t0 = time.perf_counter()  # close() returned: the change is committed and queued
        wait_until(lambda: emu.field(rec["sfid"], "Phone") == rec["phone"], 30,
                   "an edit of %s in Salesforce" % name, interval=0.005)
        out.append(time.perf_counter() - t0)
    return out


def pull_latency(b, emu, names, samples, pause=SYNC_POLL_SECONDS, tag="Pulled"):
    """An edit in Salesforce (another user) -> the mounted file shows it, seconds each."""
    out = []
    target = b.targets["forcefs"]
    for i, name in enumerate(names[-samples:]):
        path = os.path.join(target.dir, name)
        value = "%s %d" % (tag, i)
        t0 = time.perf_counter()
        emu.control("edit", {"object": OBJECT, "id": name[:-5], "values": {"Phone": value}})

        def shown():
            with open(path) as f:
                return '"phone": "%s"' % value in f.read()
        wait_until(shown, SYNC_POLL_SECONDS + 30, "%s to change" % name)
        out.append(time.perf_counter() - t0)
        time.sleep(random.Random(i).uniform(0, pause))  # not in step with polls
    return out


def burst(b, emu, tag):
    """SYNC_BURST_RECORDS records changed in Salesforce at once (a Bulk API update job of
    another integration) -> every change in the table; seconds from the job's end."""
    sfids = psql_value(b, "SELECT string_agg(sfid, ',' ORDER BY id) FROM (SELECT sfid, id "
                          "FROM %s.account WHERE sfid IS NOT NULL ORDER BY id LIMIT %d) q"
                          % (SCHEMA, SYNC_BURST_RECORDS)).split(",")
    values = ["%s-%d" % (tag, i) for i in range(len(sfids))]
    emu.bulk_update(sfids, "Phone", values)
    t0 = time.perf_counter()
    wait_until(lambda: int(psql_value(b, "SELECT count(*) FROM %s.account WHERE phone LIKE "
                                         "'%s-%%'" % (SCHEMA, tag))) == len(sfids), 1800,
               "the burst %s in the table" % tag, 0.1)
    return time.perf_counter() - t0, len(sfids)


def stop_engine(engine):
    if engine and engine.poll() is None:
        engine.terminate()
        try:
            engine.wait(timeout=60)
        except subprocess.TimeoutExpired:
            engine.kill()
            engine.wait()


def idle_calls(b, emu, env):
    """REST API calls of an idle streamed object, per day at the default safety poll:
    measured over SYNC_IDLE_SECONDS with the safety poll at SYNC_IDLE_SAFETY s, then
    scaled to 600 s (the getDeleted pass of a streamed object runs every 6 hours)."""
    log_path = os.path.join(b.tmp, "sync-idle.log")
    with open(log_path, "w") as logf:
        engine = subprocess.Popen([b.args.forcefs, "sync", "--schema", SCHEMA,
                                   "--poll-interval", "1", "--safety-poll",
                                   str(SYNC_IDLE_SAFETY)], env=env, stdout=logf,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until(lambda: "%s: streaming changes" % OBJECT in open(log_path).read(), 120,
                   "the idle engine to stream", 0.2)
        # The last change before going idle is a single one, more than the 5 s overlap
        # after the burst: otherwise every window poll re-reads the burst's last 5 s
        # (docs/sync.md "Known limits").
        time.sleep(6)
        sfid = psql_value(b, "SELECT sfid FROM %s.account WHERE sfid IS NOT NULL "
                             "ORDER BY id LIMIT 1" % SCHEMA)
        emu.control("edit", {"object": OBJECT, "id": sfid, "values": {"Phone": "idle"}})
        wait_until(lambda: psql_value(b, "SELECT phone FROM %s.account WHERE sfid = '%s'"
                                         % (SCHEMA, sfid)) == "idle", 60, "the last edit")
        time.sleep(2 * SYNC_IDLE_SAFETY)  # a safety poll moves the cursor past it
        emu.control("stats", method="DELETE")
        time.sleep(SYNC_IDLE_SECONDS)
        stats = emu.control("stats", method="GET")["by_endpoint"]
    finally:
        stop_engine(engine)
    rest = {k: n for k, n in stats.items()
            if not k.startswith("POST /cometd") and "oauth2" not in k}
    polls = rest.get("GET /queryAll", 0) + rest.get("GET /queryAll/{locator}", 0)
    per_poll = polls / max(1, SYNC_IDLE_SECONDS // SYNC_IDLE_SAFETY)
    other = sum(rest.values()) - polls
    return per_poll * 86400 / 600 + 4 + other * 86400 / SYNC_IDLE_SECONDS, rest


@section("sync", "forcefs sync against the Salesforce emulator: initial load next to "
         "paging the same records, push of 10,000 changed records, latency both ways, "
         "polling and streaming (Change Data Capture)")
def sync_section(b):
    emu = Emulator(b)
    engine = None
    rows = []
    try:
        env = sync_env(b, emu)
        fields = psql_value(b, "SELECT string_agg(field, ',') FROM %s._forcefs_fields WHERE "
                               "object = '%s'" % (SCHEMA, OBJECT)).split(",")
        t0 = time.perf_counter()
        paged = emu.page_all(fields)
        t_page = time.perf_counter() - t0
        log("  paging %d records through queryAll: %.1f s" % (paged, t_page))
        t_load = initial_load(b, emu, env)
        log("  initial load: %.1f s" % t_load)
        rows.append(Row("sync", "initial load, %d records" % paged, "s", {"forcefs": t_load},
                        Below(2 * t_page), note="paging the same records (%d fields) through "
                        "queryAll without writing them: %.2f s, so %.1fx; target 2x"
                        % (len(fields), t_page, t_load / t_page)))
        # The same with a get_xmlbinary() that does not scan pg_settings (docs/sync.md).
        psql_value(b, "TRUNCATE %s.account; DROP TABLE %s._forcefs_sync" % (SYNC_SCHEMA,
                                                                           SYNC_SCHEMA))
        original = psql_value(b, "SELECT pg_get_functiondef('public.get_xmlbinary()'::"
                                 "regprocedure)")
        psql_value(b, FAST_XMLBINARY)
        try:
            t_fast = sync_once(b, env, SYNC_SCHEMA)
        finally:
            psql_value(b, original)
        rows.append(Row("sync", "initial load, current_setting()", "s", {"forcefs": t_fast},
                        Below(2 * t_page), note="the same load with get_xmlbinary() as "
                        "SELECT current_setting('xmlbinary'): %.1fx the paging"
                        % (t_fast / t_page)))

        # The engine on the mounted schema: it first catches up with what the write
        # section queued, then the measurements start.
        engine_log = open(os.path.join(b.tmp, "sync.log"), "w")
        engine = subprocess.Popen([b.args.forcefs, "sync", "--schema", SCHEMA,
                                   "--poll-interval", str(SYNC_POLL_SECONDS),
                                   "--no-streaming"], env=env,
                                  stdout=engine_log, stderr=subprocess.STDOUT,
                                  start_new_session=True)
        wait_until(lambda: "initial load of %s" % OBJECT in open(engine_log.name).read()
                   and queued(b, SCHEMA) == 0, 1800, "the engine to catch up", 0.5)
        log("  engine caught up")

        emu.control("stats", method="DELETE")
        ids = psql_value(b, "SELECT count(*) FROM %s.account" % SCHEMA)
        n_push = min(int(ids), SYNC_PUSH_RECORDS)
        t0 = time.perf_counter()
        psql_value(b, "UPDATE %s.account SET description = 'bench push ' || id WHERE id IN "
                      "(SELECT id FROM %s.account ORDER BY id LIMIT %d)"
                      % (SCHEMA, SCHEMA, SYNC_PUSH_RECORDS))
        t_committed = time.perf_counter()
        wait_until(lambda: queued(b, SCHEMA) == 0, 1800, "the push", 0.05)
        t_push = time.perf_counter() - t_committed
        stats = emu.control("stats", method="GET")["by_endpoint"]
        calls = sum(n for k, n in stats.items() if k.startswith("PATCH /composite/sobjects"))
        per_call = n_push / calls if calls else None
        log("  push: %.1f s, %d calls (%s rows in the table; UPDATE %.1f s)" % (
            t_push, calls, ids, t_committed - t0))
        rows.append(Row("sync", "push %d changed records" % n_push, "s",
                        {"forcefs": t_push}, None, note="from the UPDATE's commit to the last "
                        "answer written back; %.0f records/s" % (n_push / t_push)))
        rows.append(Row("sync", "push: records per API call", "rec/call",
                        {"forcefs": per_call}, Above(190), note="%d sObject Collections calls"
                        % calls))

        wait_until(lambda: "pulled %s" % OBJECT in open(engine_log.name).read(), 120,
                   "the echo of the push", 0.5)
        lat = push_latency(b, emu, b.names, SYNC_LATENCY_SAMPLES)
        rows.append(Row("sync", "close() -> Salesforce, p50", "s",
                        {"forcefs": percentile(lat, 50)}, Below(1.0),
                        {"forcefs": [round(x, 4) for x in lat]}))
        rows.append(Row("sync", "close() -> Salesforce, p99", "s",
                        {"forcefs": percentile(lat, 99)}, Below(3.0),
                        note="%d edits of different records through the mount, each written "
                        "with open/write/close; Heroku Connect needs 10 s at best" % len(lat)))
        lat = pull_latency(b, emu, b.names, SYNC_PULL_SAMPLES)
        rows.append(Row("sync", "Salesforce -> file, p50", "s",
                        {"forcefs": percentile(lat, 50)}, Below(SYNC_POLL_SECONDS + 1),
                        {"forcefs": [round(x, 4) for x in lat]}))
        rows.append(Row("sync", "Salesforce -> file, max", "s", {"forcefs": max(lat)},
                        Below(SYNC_POLL_SECONDS + 1), note="%d edits made in Salesforce by "
                        "another user at random moments, poll interval %d s, no streaming"
                        % (len(lat), SYNC_POLL_SECONDS)))
        t_poll_burst, n_burst = burst(b, emu, "poll")
        log("  burst of %d changes, polling: %.1f s" % (n_burst, t_poll_burst))

        # Streaming (docs/sync.md "Streaming"): the same with Change Data Capture events
        # and the safety poll at its default 10 minutes.
        stop_engine(engine)
        stream_log = os.path.join(b.tmp, "sync-stream.log")
        with open(stream_log, "w") as logf:
            engine = subprocess.Popen([b.args.forcefs, "sync", "--schema", SCHEMA,
                                       "--poll-interval", str(SYNC_POLL_SECONDS)], env=env,
                                      stdout=logf, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        wait_until(lambda: "%s: streaming changes" % OBJECT in open(stream_log).read(), 120,
                   "the engine to stream", 0.2)
        time.sleep(3)  # its catch-up poll
        lat = pull_latency(b, emu, b.names, SYNC_STREAM_SAMPLES, pause=0.5, tag="Streamed")
        rows.append(Row("sync", "Salesforce -> file, streaming, p50", "s",
                        {"forcefs": percentile(lat, 50)}, Below(0.5),
                        {"forcefs": [round(x, 4) for x in lat]}))
        rows.append(Row("sync", "Salesforce -> file, streaming, p99", "s",
                        {"forcefs": percentile(lat, 99)}, Below(2.0), note="%d edits made "
                        "in Salesforce by another user; safety poll 600 s, so every change "
                        "came through a change event" % len(lat)))
        t_stream_burst, _ = burst(b, emu, "stream")
        log("  burst of %d changes, streaming: %.1f s" % (n_burst, t_stream_burst))
        rows.append(Row("sync", "burst of %d Salesforce changes, streaming" % n_burst, "s",
                        {"forcefs": t_stream_burst}, Below(2 * t_poll_burst),
                        note="a Bulk API update job of another integration, from its end "
                        "to the last change in the table; the same burst polled (interval "
                        "%d s): %.1f s, so %.2fx; target 2x"
                        % (SYNC_POLL_SECONDS, t_poll_burst, t_stream_burst / t_poll_burst)))
        stop_engine(engine)
        per_day, rest = idle_calls(b, emu, env)
        rows.append(Row("sync", "idle REST API calls per object per day, streaming",
                        "calls", {"forcefs": per_day}, Below(150),
                        note="%d s idle with the safety poll at %d s (%s), scaled to the "
                        "default 600 s, plus 4 getDeleted passes; polling every 60 s costs "
                        "1,584"
                        % (SYNC_IDLE_SECONDS, SYNC_IDLE_SAFETY,
                           ", ".join("%s %d" % kv for kv in sorted(rest.items())) or
                           "no calls")))
    finally:
        stop_engine(engine)
        emu.stop()
    return rows


# --- setup, teardown ---------------------------------------------------------------------


def is_asan(binary):
    out = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
    return "libasan" in out or "libubsan" in out


def machine_info():
    info = {"nproc": os.cpu_count(), "kernel": os.uname().release}
    try:
        with open("/proc/cpuinfo") as f:
            models = [line.split(":", 1)[1].strip() for line in f
                      if line.startswith("model name")]
        info["cpu"] = models[0] if models else None
        with open("/proc/meminfo") as f:
            info["mem_mb"] = int(f.readline().split()[1]) // 1024
        info["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
    except OSError:
        pass
    try:
        info["fuse"] = subprocess.run(["pkg-config", "--modversion", "fuse3"],
                                      capture_output=True, text=True).stdout.strip()
    except OSError:
        pass
    return info


def source_version():
    """The commit built, and whether the sources had changes not committed yet."""
    try:
        commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--", "src",
                                "meson.build", "bench/memfs.c", "bench/meson.build"], capture_output=True,
                               text=True).stdout.strip()
    except OSError:
        return None
    return commit + ("+uncommitted" if dirty else "")


def interrupt(signum, frame):
    raise KeyboardInterrupt


def defer(stack, fn, *args):
    """Registers a clean-up step; once cleaning up starts, signals are ignored so that a
    second Ctrl-C cannot leave mounts or the cluster behind."""
    def step():
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        fn(*args)
    stack.callback(step)


def setup(b, stack):
    args = b.args
    # The cluster: its directory's parents must be traversable by postgres.
    cluster = pgtmp.Cluster(os.path.join(b.tmp, "pg"))
    defer(stack, cluster.stop, "immediate")
    log("starting PostgreSQL")
    cluster.create()
    b.url = cluster.url
    log("loading %d %s records" % (args.records, OBJECT))
    t0 = time.monotonic()
    subprocess.run([sys.executable, os.path.join(REPO, "tools", "demo_org.py"), b.url,
                    "--schema", SCHEMA, "--count", "%s=%d" % (OBJECT, args.records),
                    "--objects", OBJECT], check=True, stdout=subprocess.DEVNULL)
    log("  loaded in %.1f s" % (time.monotonic() - t0))

    forcefs_argv = [args.forcefs, "mount", os.path.join(b.tmp, "forcefs"), "-f", "--schema",
                    SCHEMA]
    if args.forcefs_options:
        forcefs_argv += ["-o", args.forcefs_options]
    forcefs = FuseMount("forcefs", forcefs_argv, os.path.join(b.tmp, "forcefs"),
                        os.path.join(b.tmp, "forcefs.log"), env={"DATABASE_URL": b.url})
    tmpfs = Tmpfs(os.path.join(b.tmp, "tmpfs"))
    memfs = FuseMount("memfs", [args.memfs, tmpfs.mountpoint, os.path.join(b.tmp, "memfs")],
                      os.path.join(b.tmp, "memfs"), os.path.join(b.tmp, "memfs.log"))
    # Unmounted in reverse: memfs, then the tmpfs it was loaded from, then forcefs.
    defer(stack, forcefs.unmount)
    defer(stack, tmpfs.unmount)
    defer(stack, memfs.unmount)

    forcefs.mount()
    tmpfs.mount()
    log("copying the mount to tmpfs (rsync -a)")
    t0 = time.monotonic()
    subprocess.run(["rsync", "-a", forcefs.dir, tmpfs.mountpoint + "/"], check=True)
    log("  copied in %.1f s" % (time.monotonic() - t0))
    memfs.mount()
    b.targets = {"forcefs": forcefs, "memfs": memfs, "tmpfs": tmpfs}
    b.names = sorted(n for n in os.listdir(tmpfs.dir) if n.endswith(".json"))
    if not b.names:
        raise RuntimeError("no record files in %s" % forcefs.dir)
    # The three must serve the same bytes.
    for n in random.Random(7).sample(b.names, min(50, len(b.names))):
        contents = set()
        for t in b.targets.values():
            with open(os.path.join(t.dir, n), "rb") as f:
                contents.add(f.read())
        if len(contents) != 1:
            raise RuntimeError("%s differs between forcefs, memfs and tmpfs" % n)
    log("%d record files; forcefs at %s, memfs at %s, tmpfs at %s" % (
        len(b.names), forcefs.mountpoint, memfs.mountpoint, tmpfs.mountpoint))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="sections: " + ", ".join(
                                    "%s (%s)" % (n, d) for n, (_, d) in SECTIONS.items()))
    p.add_argument("--records", type=int, default=100000, metavar="N")
    p.add_argument("--runs", type=int, default=3, metavar="K")
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    p.add_argument("--section", action="append", choices=sorted(SECTIONS),
                   help="run only these sections (default: all)")
    p.add_argument("--forcefs", default=DEFAULT_FORCEFS)
    p.add_argument("--memfs", default=os.path.join(REPO, "build", "bench", "memfs"))
    p.add_argument("--forcefs-options", default="", metavar="OPTS")
    p.add_argument("--no-build", action="store_true")
    p.add_argument("--keep", action="store_true")
    args = p.parse_args()
    if os.geteuid() != 0:
        p.error("run as root: it mounts a tmpfs and drops the page cache")
    if args.records < 1 or args.runs < 1:
        p.error("--records and --runs must be at least 1")

    version = source_version()
    if not args.no_build:
        log("building (scripts/setup)")
        subprocess.run([os.path.join(REPO, "scripts", "setup")], check=True)
    for binary in (args.forcefs, args.memfs):
        if not os.access(binary, os.X_OK):
            p.error("%s is missing: run scripts/setup" % binary)
    if is_asan(args.forcefs):
        p.error("%s is a sanitizer build: benchmark a release build" % args.forcefs)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, interrupt)
    tmp = tempfile.mkdtemp(prefix="forcefs-bench-")
    os.chmod(tmp, 0o755)
    b = Bench(args, tmp)
    rows = []
    load_start = open("/proc/loadavg").read().split()[:3]
    started = time.monotonic()
    try:
        with contextlib.ExitStack() as stack:
            defer(stack, remove_tmp, tmp, args.keep)
            setup(b, stack)
            for name in args.section or list(SECTIONS):
                fn, description = SECTIONS[name]
                log("section %s: %s" % (name, description))
                rows += fn(b)
    except KeyboardInterrupt:
        log("interrupted; cleaned up")
        return 130
    except (RuntimeError, OSError, subprocess.CalledProcessError) as e:
        log("failed (cleaned up): %s" % e)
        return 1
    elapsed = time.monotonic() - started

    info = machine_info()
    info["loadavg_start"] = load_start
    info["source"] = version
    print("forcefs benchmark: %d %s records (%d files), %d runs, median shown; %s cores, "
          "Linux %s, load %s; %s %s; %.0f s" % (
              args.records, OBJECT, len(b.names), args.runs, info["nproc"], info["kernel"],
              "/".join(load_start), args.forcefs, version if args.forcefs == DEFAULT_FORCEFS
              else "", elapsed))
    print()
    print_table(rows)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
                       "records": args.records, "files": len(b.names), "runs": args.runs,
                       "forcefs_options": args.forcefs_options, "machine": info,
                       "seconds": round(elapsed, 1), "rows": [r.as_json() for r in rows]},
                      f, indent=2)
            f.write("\n")
    return 0


def remove_tmp(tmp, keep):
    left = mounts_under(tmp)
    if left:
        log("not removing %s: still mounted: %s" % (tmp, ", ".join(left)))
    elif keep:
        log("kept %s" % tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
