#!/usr/bin/python3
"""Throwaway PostgreSQL clusters for the demo, the tests and the benchmark.

PostgreSQL refuses to run as root, so when started by root the cluster runs as the
`postgres` system user (created by Debian's postgresql package). The cluster lives in
a temporary directory, listens on 127.0.0.1 on a free port and on a Unix socket in
that directory, and trusts local connections: it is for tests, never for data.

    pgtmp.py start DIR    # creates and starts a cluster in DIR, prints its URL
    pgtmp.py stop DIR     # stops it (the caller removes DIR)
    pgtmp.py restart DIR [--immediate]
"""
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import time


def bindir():
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(os.path.join(candidate, "initdb")):
            return candidate
    raise SystemExit("pgtmp: PostgreSQL server binaries not found: install postgresql")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_as_owner(cmd, **kw):
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    return subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, **kw)


class Cluster:
    def __init__(self, directory):
        self.dir = os.path.abspath(directory)
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "postgres.log")
        self.port_file = os.path.join(self.dir, "port")

    @property
    def port(self):
        with open(self.port_file) as f:
            return int(f.read())

    @property
    def url(self):
        return "postgresql://postgres@127.0.0.1:%d/forcefs" % self.port

    def create(self):
        os.makedirs(self.dir, exist_ok=True)
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        os.chmod(self.dir, 0o755)
        _run_as_owner([os.path.join(bindir(), "initdb"), "-D", self.data, "-U", "postgres",
                       "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])
        with open(self.port_file, "w") as f:
            f.write(str(free_port()))
        self.start()
        subprocess.run(["psql", "-q", "-X", "-d", self.url.replace("/forcefs", "/postgres"),
                        "-c", "CREATE DATABASE forcefs"], check=True,
                       stdout=subprocess.DEVNULL)

    def start(self):
        opts = ("-c listen_addresses=127.0.0.1 -c port=%d -c unix_socket_directories=%s "
                "-c fsync=off -c full_page_writes=off -c max_connections=200 "
                "-c shared_buffers=128MB" % (self.port, self.dir))
        # The server's log file must be writable by the server's user.
        _run_as_owner([os.path.join(bindir(), "pg_ctl"), "-D", self.data, "-l", self.log,
                       "-o", opts, "-w", "-t", "60", "start"])

    def stop(self, mode="fast"):
        if not os.path.exists(os.path.join(self.data, "postmaster.pid")):
            return
        try:
            _run_as_owner([os.path.join(bindir(), "pg_ctl"), "-D", self.data, "-m", mode,
                           "-w", "-t", "60", "stop"])
        except subprocess.CalledProcessError:
            pass

    def restart(self, immediate=False):
        self.stop("immediate" if immediate else "fast")
        self.start()


def main(argv):
    if len(argv) < 3 or argv[1] not in ("start", "stop", "restart"):
        print(__doc__, file=sys.stderr)
        return 2
    cluster = Cluster(argv[2])
    try:
        if argv[1] == "start":
            cluster.create()
            print(cluster.url, flush=True)
        elif argv[1] == "stop":
            cluster.stop()
        else:
            cluster.restart(immediate="--immediate" in argv)
    except subprocess.CalledProcessError as e:
        why = (e.stderr or b"").decode(errors="replace").strip().splitlines()
        print("pgtmp: %s failed: %s" % (argv[1], why[-1] if why else e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
