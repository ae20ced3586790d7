"""HTTP/1.1 server (keep-alive, Content-Length) and the command line."""

import argparse
import gzip
import http.server
import signal
import socket
import sys
import threading
import traceback

from .app import Emulator
from .wire import Request, Response

_QUIET_ERRORS = (ConnectionResetError, BrokenPipeError, ConnectionAbortedError,
                 TimeoutError, socket.timeout)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sfemu/1"
    timeout = 300             # idle keep-alive connections are closed after it

    def version_string(self):
        return self.server_version

    def handle(self):
        try:
            super().handle()
        except _QUIET_ERRORS:
            self.close_connection = True

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("sf-emulator: %s %s\n" % (self.address_string(),
                                                       fmt % args))

    def _read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    break
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    # trailers end with an empty line
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            body = b"".join(chunks)
        else:
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n > 0 else b""
        if (self.headers.get("Content-Encoding") or "").lower() == "gzip" and body:
            body = gzip.decompress(body)
        return body

    def _serve(self):
        try:
            body = self._read_body()
        except (ValueError, OSError, EOFError):
            self.close_connection = True
            return
        req = Request(self.command, self.path, self.headers, body,
                      self.server.base_url)
        try:
            resp = self.server.app.handle(req)
        except Exception:                       # a bug: show it, answer 500
            traceback.print_exc()
            resp = Response.json(500, [{"message": "An unexpected error "
                                        "occurred in the emulator",
                                        "errorCode": "UNKNOWN_EXCEPTION"}])
        if resp.drop:
            # The change (if any) is applied; the client gets no response.
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        data = resp.body or b""
        headers = list(resp.headers)
        accept = (self.headers.get("Accept-Encoding") or "").lower()
        if "gzip" in accept and len(data) >= 1024:
            data = gzip.compress(data, 5)
            headers.append(("Content-Encoding", "gzip"))
            headers.append(("Vary", "Accept-Encoding"))
        self.send_response(resp.status)
        if resp.content_type and resp.status != 204:
            self.send_header("Content-Type", resp.content_type)
        for k, v in headers:
            self.send_header(k, v)
        if resp.status not in (204, 304):
            self.send_header("Content-Length", str(len(data)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and resp.status not in (204, 304):
            self.wfile.write(data)
        self.wfile.flush()

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _serve


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, _QUIET_ERRORS):
            return
        super().handle_error(request, client_address)


def _counts(text):
    out = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        name, _, n = part.partition("=")
        out[name.strip()] = int(n)
    return out


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="sf-emulator",
        description="Local emulator of the Salesforce REST API used by forcefs.")
    p.add_argument("--port", type=int, default=0,
                   help="TCP port on 127.0.0.1 (0 or omitted: a free port)")
    p.add_argument("--data", metavar="FILE",
                   help="load the org from FILE if it exists and keep it there")
    p.add_argument("--seed", choices=("demo", "empty"), default="demo",
                   help="initial records when there is no --data file")
    p.add_argument("--counts", metavar="OBJ=N,...",
                   help="demo record counts, e.g. Account=100000,Contact=0")
    p.add_argument("--token-lifetime", type=float, default=7200.0,
                   metavar="SECONDS", help="access token lifetime")
    p.add_argument("--api-limit", type=int, default=15000,
                   help="daily API request allowance")
    p.add_argument("--fault-seed", type=int, default=None,
                   help="seed for the fault-injection RNG")
    p.add_argument("--bulk-delay-ms", type=int, default=0,
                   help="time a Bulk API job takes to complete")
    p.add_argument("--clock-precision", choices=("ms", "s"), default="ms",
                   help="timestamp precision of the store's clock")
    p.add_argument("--cometd-timeout-ms", type=int, default=None,
                   help="CometD /meta/connect long-poll timeout (advice)")
    p.add_argument("--cdc-objects", metavar="OBJ,...", default=None,
                   help="objects selected for Change Data Capture "
                        "(default Account,Contact,Customer_Record__c)")
    p.add_argument("--jwt-cert", metavar="FILE",
                   help="the connected app's certificate (or public key, PEM) that "
                        "JWT bearer assertions are verified with")
    p.add_argument("--verbose", action="store_true",
                   help="log every request to stderr")
    args = p.parse_args(argv)
    try:
        args.counts = _counts(args.counts)
    except ValueError:
        p.error("--counts: expected OBJ=N,OBJ=N")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        app = Emulator(seed=args.seed, counts=args.counts or None,
                       token_lifetime=args.token_lifetime,
                       api_limit=args.api_limit, fault_seed=args.fault_seed,
                       bulk_delay_ms=args.bulk_delay_ms,
                       clock_precision=args.clock_precision,
                       data_path=args.data)
        if args.jwt_cert:
            with open(args.jwt_cert, "rb") as f:
                app.auth.set_jwt_certificate(f.read())
    except (OSError, ValueError) as e:
        sys.stderr.write("sf-emulator: %s\n" % e)
        return 1
    try:
        server = Server(("127.0.0.1", args.port), Handler)
    except OSError as e:
        sys.stderr.write("sf-emulator: cannot listen on 127.0.0.1:%d: %s\n"
                         % (args.port, e.strerror or e))
        return 1
    if args.cometd_timeout_ms is not None:
        app.streaming.initial_timeout_ms = max(0, args.cometd_timeout_ms)
        app.streaming.reset()
    if args.cdc_objects is not None:
        names = {n.strip() for n in args.cdc_objects.split(",") if n.strip()}
        unknown = [n for n in names if app.store.object_def(n) is None]
        if unknown:
            sys.stderr.write("sf-emulator: --cdc-objects: unknown sObject %s\n"
                             % ", ".join(sorted(unknown)))
            return 1
        app.streaming.initial_selected = {app.store.object_def(n).name for n in names}
        app.streaming.reset()
    server.app = app
    server.verbose = args.verbose
    server.base_url = "http://127.0.0.1:%d" % server.server_address[1]

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    sys.stdout.write(server.base_url + "\n")
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        app.close()
    return 0
