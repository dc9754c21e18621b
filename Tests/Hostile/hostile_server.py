#!/usr/bin/env python3
"""A misbehaving HTTP server for fault drills: a reverse proxy in front of one emulator (Graph, Autotask or
ConnectWise) that passes traffic through faithfully, except that it injects one named fault into matching answers.

    hostile_server.py --upstream http://127.0.0.1:PORT --fault NAME [--match SUBSTRING] [--times N]
                      [--port 0] [--trap-port 0] [--trap-log FILE] [--lifetime 600]

It prints one line, `hostile port=P trap=T fault=NAME`, then serves until killed (or --lifetime seconds pass).
Besides the proxy it listens on a "trap" port that answers nothing useful and appends every byte it receives to
--trap-log: a client that follows a link or a redirect to the trap has sent its request (and its credentials) to
another server than the one it was configured with. Each request is logged on stderr as `REQ`, each injected fault
as `INJECT`, each trap connection as `TRAP` (paths and sizes only, never headers or bodies); each REQ and INJECT line
carries its running count, and past the first 1,000 only every 1,000th is logged, so the log stays small; on SIGTERM
the server logs `TOTAL requests=N injected=M` and exits.

The listener uses raw sockets so the malformed answers are written byte for byte. Only 127.0.0.1 is ever bound or
contacted. Every loop is bounded: floods stop after 64 MiB or 20 s, and the server exits by itself after --lifetime.

Faults (each applies to the first --times matching answers; by default to all of them); --match is a
case-insensitive substring of the request's path and query (default: every request):
  passthrough                  no fault; answers are only rewritten to name the proxy instead of the upstream
  retry-after:VALUE            429 with `Retry-After: VALUE` (nan, inf, 1e300, -5, garbage, an HTTP date, …);
                               the request is not forwarded
  threshold:VALUE              Autotask's ThresholdInformation answers currentTimeframeRequestCount VALUE
  threshold-limit:VALUE        … externalRequestThreshold VALUE (and a count of 0)
  threshold-timeframe:VALUE    … requestThresholdTimeframe VALUE (and a count of 0)
                               (VALUE is written verbatim into the JSON; only paths with ThresholdInformation match)
  next-link-elsewhere          a page's next link (Graph @odata.nextLink, replacing a lone @odata.deltaLink;
                               Autotask pageDetails.nextPageUrl; ConnectWise `Link: <…>; rel="next"`) set to the
                               same path on the trap port
  delta-link-elsewhere         a Graph page's @odata.deltaLink moved to the trap port (followed by the next run)
  redirect-elsewhere[:CODE]    CODE (default 307) with `Location:` the same path on the trap port; not forwarded
  next-link-loop               a page whose next link is the page itself, forever
  next-link-endless            a page whose next link is "the next page" (a new URL each time) that answers the same
                               items again, forever (Graph and Autotask: a `hostile_page=N` query parameter the proxy
                               strips; ConnectWise: page=N is read upstream as page 1)
  flood-blank-lines            endless CRLF before any status line
  flood-1xx                    endless `HTTP/1.1 100 Continue` interim answers
  flood-headers                a status line, then endless `X-Pad:` header lines
  flood-trailers               the real body chunked, then endless trailer lines after the last chunk
  te-and-cl                    the real body chunked, with both Transfer-Encoding: chunked and a Content-Length
                               (the unchunked length)
  signed-chunk[:+|:-]          the real body chunked, its first chunk's size written with a sign (`-5`, default, or `+5`)
After a flood or a framing fault the connection is closed.
"""
import argparse
import http.client
import json
import os
import signal
import re
import socket
import socketserver
import sys
import threading
import time
import urllib.parse

LOOPBACK = "127.0.0.1"
FLOOD_BYTES = 64 << 20          # a flood stops after this many bytes…
FLOOD_SECONDS = 20.0            # …or this long, whichever comes first
MAX_HEADER_LINES = 200
MAX_LINE = 65536
MAX_BODY = 64 << 20
MAX_REQUESTS_PER_CONNECTION = 100_000
IDLE_SECONDS = 30.0             # a keep-alive connection idle this long is closed
UPSTREAM_SECONDS = 60.0
TRAP_BYTES = 1 << 20            # what the trap records of one connection at most
TRAP_SECONDS = 5.0
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
              "content-length", "expect"}
REASONS = {100: "Continue", 200: "OK", 302: "Found", 307: "Temporary Redirect", 308: "Permanent Redirect",
           404: "Not Found", 429: "Too Many Requests"}
ENDLESS = "hostile_page"
LOG_ALL = 1000                  # REQ and INJECT lines logged each; past that, every LOG_ALL-th
LOG_WIDTH = 300


def log(*parts):
    print(" ".join(str(part) for part in parts)[:LOG_WIDTH], file=sys.stderr, flush=True)


def log_counted(kind, number, *parts):
    if number <= LOG_ALL or number % LOG_ALL == 0:
        log(kind, number, *parts)


class Budget:
    """How many answers the fault may still be injected into (None: always), and how many it was."""

    def __init__(self, times):
        self.left = times
        self.injected = 0
        self.lock = threading.Lock()

    def take(self):
        with self.lock:
            if self.left is not None:
                if self.left <= 0:
                    return False
                self.left -= 1
            self.injected += 1
            return self.injected


class Request:
    def __init__(self, method, target, version, headers, body):
        self.method, self.target, self.version, self.headers, self.body = method, target, version, headers, body
        self.force_close = False

    def header(self, name):
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None

    @property
    def path(self):
        """The origin-form target (path and query), also when the client sent an absolute URL."""
        if self.target.startswith("http://") or self.target.startswith("https://"):
            parts = urllib.parse.urlsplit(self.target)
            return parts.path + ("?" + parts.query if parts.query else "")
        return self.target

    @property
    def wants_close(self):
        connection = (self.header("Connection") or "").lower()
        return self.force_close or "close" in connection or (self.version == "HTTP/1.0" and "keep-alive" not in connection)


class BadRequest(Exception):
    pass


def read_line(reader):
    line = reader.readline(MAX_LINE)
    if len(line) >= MAX_LINE and not line.endswith(b"\n"):
        raise BadRequest("line too long")
    return line


def read_request(reader, on_expect):
    """Reads one request; None when the client closed the connection before starting one."""
    line = b""
    for _ in range(16):                      # tolerate a few empty lines before the request line
        line = read_line(reader)
        if not line:
            return None
        if line.strip():
            break
    parts = line.decode("latin-1").strip().split(" ")
    if len(parts) != 3:
        raise BadRequest("bad request line")
    method, target, version = parts
    headers = []
    for _ in range(MAX_HEADER_LINES + 1):
        line = read_line(reader)
        if not line:
            raise BadRequest("connection closed in the headers")
        if line in (b"\r\n", b"\n"):
            break
        if len(headers) >= MAX_HEADER_LINES:
            raise BadRequest("too many header lines")
        name, _, value = line.decode("latin-1").partition(":")
        headers.append((name.strip(), value.strip()))
    request = Request(method, target, version, headers, b"")
    if (request.header("Expect") or "").lower() == "100-continue":
        on_expect()
    if "chunked" in (request.header("Transfer-Encoding") or "").lower():
        body = bytearray()
        for _ in range(1_000_000):
            size = int(read_line(reader).split(b";")[0].strip() or b"0", 16)
            if size < 0 or len(body) + size > MAX_BODY:
                raise BadRequest("bad chunk")
            if size == 0:
                for _ in range(MAX_HEADER_LINES):
                    if read_line(reader) in (b"\r\n", b"\n", b""):
                        break
                break
            body += reader.read(size)
            read_line(reader)
        request.body = bytes(body)
    elif request.header("Content-Length") is not None:
        length = int(request.header("Content-Length"))
        if length < 0 or length > MAX_BODY:
            raise BadRequest("bad Content-Length")
        request.body = reader.read(length)
        if len(request.body) != length:
            raise BadRequest("connection closed in the body")
    return request


def chunked(body):
    if not body:
        return b"0\r\n\r\n"
    return b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n"


def with_query(path, **changes):
    """`path` with query parameters set (a value of None removes it), keeping the others in order."""
    split = urllib.parse.urlsplit(path)
    pairs = urllib.parse.parse_qsl(split.query, keep_blank_values=True)
    names = {name.lower() for name in changes}
    kept = [(k, v) for k, v in pairs if k.lower() not in names]
    kept += [(k, str(v)) for k, v in changes.items() if v is not None]
    query = urllib.parse.urlencode(kept, safe="$(),'/:@", quote_via=urllib.parse.quote)
    return split.path + ("?" + query if query else "")


def query_value(path, name):
    for key, value in urllib.parse.parse_qsl(urllib.parse.urlsplit(path).query, keep_blank_values=True):
        if key.lower() == name.lower():
            return value
    return None


def service_of(path):
    lower = path.lower()
    if "/atservicesrest" in lower:
        return "autotask"
    if "/apis/3.0" in lower:
        return "connectwise"
    return "graph"


class Hostile:
    def __init__(self, arguments):
        self.upstream = urllib.parse.urlsplit(arguments.upstream)
        if self.upstream.scheme != "http" or self.upstream.hostname != LOOPBACK or not self.upstream.port:
            raise SystemExit("--upstream must be http://127.0.0.1:PORT")
        self.upstream_port = self.upstream.port
        name, _, self.argument = arguments.fault.partition(":")
        self.fault = name
        if name not in FAULTS:
            raise SystemExit("unknown fault %r; faults: %s" % (name, ", ".join(sorted(FAULTS))))
        self.match = (arguments.match or "").lower()
        self.budget = Budget(arguments.times)
        self.trap_log = arguments.trap_log
        self.port = None
        self.trap_port = None
        self.requests = 0
        self.lock = threading.Lock()

    # Addresses

    @property
    def base(self):
        return "http://%s:%d" % (LOOPBACK, self.port)

    @property
    def trap_base(self):
        return "http://%s:%d" % (LOOPBACK, self.trap_port)

    def rewrite(self, data):
        """Names the proxy wherever the upstream named itself (plain and JSON-escaped URLs)."""
        if isinstance(data, str):
            return self.rewrite(data.encode("latin-1")).decode("latin-1")
        for scheme in (b"http://", b"http:\\/\\/"):
            data = re.sub(re.escape(scheme + LOOPBACK.encode()) + b":%d(?!\\d)" % self.upstream_port,
                          (scheme + LOOPBACK.encode() + b":%d" % self.port).replace(b"\\", b"\\\\"), data)
        return data

    def matches(self, request):
        return not self.match or self.match in request.path.lower()

    # Upstream

    def forward(self, request, upstream, path=None):
        """The upstream's answer to the request: status, reason, headers (hop-by-hop removed), whole body.

        `upstream` is the client connection's keep-alive connection to the upstream (a one-element list, None at
        first). A reused connection the upstream had closed before the request reached it is opened again once."""
        for attempt in range(2):
            reused = upstream[0] is not None
            if not reused:
                upstream[0] = http.client.HTTPConnection(LOOPBACK, self.upstream_port, timeout=UPSTREAM_SECONDS)
            connection = upstream[0]
            try:
                connection.putrequest(request.method, path or request.path, skip_host=True, skip_accept_encoding=True)
                for name, value in request.headers:
                    if name.lower() not in HOP_BY_HOP:
                        connection.putheader(name, value)
                if request.body or request.method in ("POST", "PUT", "PATCH"):
                    connection.putheader("Content-Length", str(len(request.body)))
                connection.endheaders(request.body or None)
                answer = connection.getresponse()
                body = answer.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                connection.close()
                upstream[0] = None
                if reused and attempt == 0:
                    continue
                raise
            except Exception:
                connection.close()
                upstream[0] = None
                raise
            if answer.will_close:
                connection.close()
                upstream[0] = None
            headers = [(k, self.rewrite(v)) for k, v in answer.getheaders() if k.lower() not in HOP_BY_HOP]
            return answer.status, answer.reason, headers, self.rewrite(body)


def write_answer(sock, status, reason, headers, body, close):
    head = ["HTTP/1.1 %d %s" % (status, reason or REASONS.get(status, "Unknown"))]
    head += ["%s: %s" % (k, v) for k, v in headers]
    if status >= 200 and status not in (204, 304):
        head.append("Content-Length: %d" % len(body))
    if close:
        head.append("Connection: close")
    sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)


def flood(sock, head, unit):
    """Writes `head`, then `unit` over and over until FLOOD_BYTES or FLOOD_SECONDS, or the client stops reading."""
    block = unit * max(1, 65536 // len(unit))
    sent = 0
    started = time.monotonic()
    sock.settimeout(5.0)
    try:
        sock.sendall(head)
        sent += len(head)
        while sent < FLOOD_BYTES and time.monotonic() - started < FLOOD_SECONDS:
            sock.sendall(block)
            sent += len(block)
        outcome = "limit reached"
    except OSError as error:
        outcome = "client stopped reading (%s)" % type(error).__name__
    return "flooded %d bytes in %.1f s, %s" % (sent, time.monotonic() - started, outcome)


# MARK: Faults

def relink(hostile, request, status, headers, body, mode):
    """The answer with its next (or delta) link changed by `mode`; None when the answer has no link to change."""
    if status != 200:
        return None
    try:
        document = json.loads(body)
    except ValueError:
        return None
    path = request.path
    own = hostile.base + path
    service = service_of(path)
    if service == "graph" and isinstance(document, dict) and ("value" in document or "@odata.context" in document):
        next_link = document.get("@odata.nextLink")
        delta_link = document.get("@odata.deltaLink")
        if mode == "delta-link-elsewhere":
            if not delta_link:
                return None
            split = urllib.parse.urlsplit(delta_link)
            link = hostile.trap_base + split.path + ("?" + split.query if split.query else "")
            key = "@odata.deltaLink"
        else:
            if mode == "next-link-elsewhere":
                if next_link:
                    split = urllib.parse.urlsplit(next_link)
                    link = hostile.trap_base + split.path + ("?" + split.query if split.query else "")
                else:
                    link = hostile.trap_base + path
            elif mode == "next-link-loop":
                link = own
            else:  # next-link-endless
                page = int(query_value(path, ENDLESS) or "0") + 1
                link = hostile.base + with_query(path, **{ENDLESS: page})
            key = "@odata.nextLink"
        rebuilt = {}
        for name, value in document.items():
            if name in ("@odata.nextLink", "@odata.deltaLink"):
                if key not in rebuilt:
                    rebuilt[key] = link
                continue
            rebuilt[name] = value
        if key not in rebuilt:
            rebuilt[key] = link
        return headers, json.dumps(rebuilt, separators=(",", ":")).encode()
    if service == "autotask" and isinstance(document, dict) and isinstance(document.get("pageDetails"), dict):
        if mode == "delta-link-elsewhere":
            return None
        if mode == "next-link-elsewhere":
            link = hostile.trap_base + path
        elif mode == "next-link-loop":
            link = own
        else:
            page = int(query_value(path, ENDLESS) or "0") + 1
            link = hostile.base + with_query(path, **{ENDLESS: page})
        document["pageDetails"]["nextPageUrl"] = link
        return headers, json.dumps(document, separators=(",", ":")).encode()
    if service == "connectwise" and isinstance(document, list) and request.method == "GET":
        if mode == "delta-link-elsewhere":
            return None
        page = int(query_value(path, "page") or "1")
        if mode == "next-link-elsewhere":
            link = hostile.trap_base + with_query(path, page=page + 1)
        elif mode == "next-link-loop":
            link = own
        else:
            link = hostile.base + with_query(path, page=page + 1)
        kept = [(k, v) for k, v in headers if k.lower() != "link"]
        return kept + [("Link", "<%s>; rel=\"next\"" % link)], body
    return None


def answer_429(hostile, request, sock):
    service = service_of(request.path)
    if service == "graph":
        body = {"error": {"code": "TooManyRequests", "message": "Please retry again later.",
                          "innerError": {"code": "429", "message": "Please retry after", "status": "429"}}}
    elif service == "autotask":
        body = {"errors": ["Too many requests; retry later."]}
    else:
        body = {"code": "TooManyRequests", "message": "Too many requests; retry later.", "errors": None}
    write_answer(sock, 429, None, [("Content-Type", "application/json"), ("Retry-After", hostile.argument)],
                 json.dumps(body).encode(), request.wants_close)
    return "429 Retry-After: %s" % hostile.argument


def answer_threshold(hostile, request, sock):
    values = {"limit": "10000", "timeframe": "60", "count": "0"}
    values[{"threshold": "count", "threshold-limit": "limit", "threshold-timeframe": "timeframe"}[hostile.fault]] = hostile.argument
    body = ('{"externalRequestThreshold":%(limit)s,"requestThresholdTimeframe":%(timeframe)s,'
            '"currentTimeframeRequestCount":%(count)s}' % values).encode()
    write_answer(sock, 200, None, [("Content-Type", "application/json; charset=utf-8")], body, request.wants_close)
    return body.decode()


def answer_redirect(hostile, request, sock):
    code = int(hostile.argument or "307")
    location = hostile.trap_base + request.path
    write_answer(sock, code, None, [("Location", location)], b"", request.wants_close)
    return "%d Location: %s" % (code, location)


# name -> (needs the upstream's answer first, applies to this request?, what to do)
# An action returns (description, keep the connection open) or None when the answer did not fit the fault.

def threshold_path(request):
    return "thresholdinformation" in request.path.lower()


def before(action, applies=lambda request: True):
    def run(hostile, request, sock, answer):
        return action(hostile, request, sock), not request.wants_close
    return False, applies, run


def after_relink(mode):
    def run(hostile, request, sock, answer):
        status, reason, headers, body = answer
        changed = relink(hostile, request, status, headers, body, mode)
        if changed is None or not hostile.budget.take():
            return None
        headers, body = changed
        write_answer(sock, status, reason, headers, body, request.wants_close)
        return "%s: %s" % (mode, describe_link(headers, body)), not request.wants_close
    return True, lambda request: True, run


def describe_link(headers, body):
    for name, value in headers:
        if name.lower() == "link":
            return value
    match = re.search(rb'"(@odata\.(?:next|delta)Link|nextPageUrl)":"([^"]*)"', body)
    return (match.group(1) + b" " + match.group(2)).decode("latin-1") if match else "?"


def flood_action(kind):
    def run(hostile, request, sock, answer):
        if kind == "flood-blank-lines":
            outcome = flood(sock, b"", b"\r\n")
        elif kind == "flood-1xx":
            outcome = flood(sock, b"", b"HTTP/1.1 100 Continue\r\n\r\n")
        elif kind == "flood-headers":
            outcome = flood(sock, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n",
                            b"X-Pad: " + b"p" * 56 + b"\r\n")
        else:  # flood-trailers
            status, reason, headers, body = answer
            head = ["HTTP/1.1 %d %s" % (status, reason)] + ["%s: %s" % (k, v) for k, v in headers]
            head += ["Trailer: X-Trailer", "Transfer-Encoding: chunked"]
            start = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
            start += (b"%x\r\n" % len(body) + body + b"\r\n" if body else b"") + b"0\r\n"
            outcome = flood(sock, start, b"X-Trailer: " + b"t" * 52 + b"\r\n")
        return outcome, False
    return kind == "flood-trailers", lambda request: True, run


def framing_action(kind):
    def run(hostile, request, sock, answer):
        status, reason, headers, body = answer
        head = ["HTTP/1.1 %d %s" % (status, reason)] + ["%s: %s" % (k, v) for k, v in headers]
        if kind == "te-and-cl":
            head += ["Transfer-Encoding: chunked", "Content-Length: %d" % len(body)]
            wire = chunked(body)
            what = "Transfer-Encoding: chunked and Content-Length: %d over %d chunked bytes" % (len(body), len(wire))
        else:
            sign = hostile.argument or "-"
            first, rest = body[:5], body[5:]
            head += ["Transfer-Encoding: chunked"]
            wire = b"%s%x\r\n" % (sign.encode(), len(first)) + first + b"\r\n" + chunked(rest)
            what = "first chunk size written %s%x" % (sign, len(first))
        head.append("Connection: close")
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + wire)
        return what, False
    return True, lambda request: True, run


FAULTS = {
    "passthrough": None,
    "retry-after": before(answer_429),
    "threshold": before(answer_threshold, threshold_path),
    "threshold-limit": before(answer_threshold, threshold_path),
    "threshold-timeframe": before(answer_threshold, threshold_path),
    "redirect-elsewhere": before(answer_redirect),
    "next-link-elsewhere": after_relink("next-link-elsewhere"),
    "delta-link-elsewhere": after_relink("delta-link-elsewhere"),
    "next-link-loop": after_relink("next-link-loop"),
    "next-link-endless": after_relink("next-link-endless"),
    "flood-blank-lines": flood_action("flood-blank-lines"),
    "flood-1xx": flood_action("flood-1xx"),
    "flood-headers": flood_action("flood-headers"),
    "flood-trailers": flood_action("flood-trailers"),
    "te-and-cl": framing_action("te-and-cl"),
    "signed-chunk": framing_action("signed-chunk"),
}


class ProxyHandler(socketserver.BaseRequestHandler):
    def handle(self):
        hostile = self.server.hostile
        sock = self.request
        sock.settimeout(IDLE_SECONDS)
        reader = sock.makefile("rb")
        self.upstream = [None]
        try:
            for number in range(1, MAX_REQUESTS_PER_CONNECTION + 1):
                try:
                    request = read_request(reader, lambda: sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n"))
                except (BadRequest, ValueError) as error:
                    log("BAD", str(error))
                    write_answer(sock, 400, "Bad Request", [], b"", True)
                    return
                if request is None:
                    return
                if number == MAX_REQUESTS_PER_CONNECTION:
                    request.force_close = True      # the last answer on this connection says so
                if not self.serve(hostile, request, sock):
                    return
        except OSError:
            return
        finally:
            if self.upstream[0] is not None:
                self.upstream[0].close()
            try:
                reader.close()
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def serve(self, hostile, request, sock):
        with hostile.lock:
            hostile.requests += 1
            count = hostile.requests
        log_counted("REQ", count, request.method, request.path)
        spec = FAULTS[hostile.fault]
        matched = spec is not None and hostile.matches(request) and spec[1](request)
        upstream_path = None
        if matched and hostile.fault == "next-link-endless":
            if query_value(request.path, ENDLESS) is not None:
                upstream_path = with_query(request.path, **{ENDLESS: None})
            elif service_of(request.path) == "connectwise" and int(query_value(request.path, "page") or "1") > 1:
                upstream_path = with_query(request.path, page=1)
        if matched and not spec[0]:
            injected = hostile.budget.take()
            if not injected:
                matched = False
            else:
                what, keep = spec[2](hostile, request, sock, None)
                log_counted("INJECT", injected, hostile.fault, "->", what, "<-", request.method, request.path)
                return keep
        try:
            answer = hostile.forward(request, self.upstream, upstream_path)
        except (OSError, http.client.HTTPException) as error:
            log("UPSTREAM", "failed:", error)
            write_answer(sock, 502, "Bad Gateway", [], b"", True)
            return False
        if matched:
            if hostile.fault in ("next-link-elsewhere", "delta-link-elsewhere", "next-link-loop", "next-link-endless"):
                done = spec[2](hostile, request, sock, answer)      # takes from the budget when the answer fits
            elif hostile.budget.take():
                done = spec[2](hostile, request, sock, answer)
            else:
                done = None
            if done is not None:
                what, keep = done
                log_counted("INJECT", hostile.budget.injected, hostile.fault, "->", what, "<-", request.method, request.path)
                return keep
        status, reason, headers, body = answer
        write_answer(sock, status, reason, headers, body, request.wants_close)
        return not request.wants_close


class TrapHandler(socketserver.BaseRequestHandler):
    """Records every byte a client sends (it should never send any), then answers 404 and closes."""

    def handle(self):
        sock = self.request
        received = bytearray()
        started = time.monotonic()
        sock.settimeout(1.0)
        try:
            while len(received) < TRAP_BYTES and time.monotonic() - started < TRAP_SECONDS:
                try:
                    data = sock.recv(65536)
                except socket.timeout:
                    if b"\r\n\r\n" in received:
                        break
                    continue
                if not data:
                    break
                received += data
                self.server.record(data)
            sock.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        except OSError:
            pass
        finally:
            first = bytes(received).split(b"\r\n", 1)[0].decode("latin-1")[:200]
            log("TRAP", "received %d bytes" % len(received), first)


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class TrapServer(Server):
    def __init__(self, address, handler, path):
        super().__init__(address, handler)
        self.path = path
        self.write_lock = threading.Lock()
        if path:
            open(path, "wb").close()

    def record(self, data):
        if self.path:
            with self.write_lock, open(self.path, "ab") as handle:
                handle.write(data)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--upstream", required=True, help="http://127.0.0.1:PORT of the emulator behind the proxy")
    parser.add_argument("--fault", required=True)
    parser.add_argument("--match", help="inject only into answers to paths containing this (case-insensitive)")
    parser.add_argument("--times", type=int, help="inject into this many answers at most (default: always)")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--trap-port", type=int, default=0)
    parser.add_argument("--trap-log", help="append every byte the trap receives to this file (created empty)")
    parser.add_argument("--lifetime", type=float, default=600, help="exit after this many seconds (default 600)")
    arguments = parser.parse_args()
    hostile = Hostile(arguments)

    trap = TrapServer((LOOPBACK, arguments.trap_port), TrapHandler, arguments.trap_log)
    proxy = Server((LOOPBACK, arguments.port), ProxyHandler)
    proxy.hostile = hostile
    hostile.port = proxy.server_address[1]
    hostile.trap_port = trap.server_address[1]
    threading.Thread(target=trap.serve_forever, daemon=True).start()
    watchdog = threading.Timer(arguments.lifetime, lambda: os._exit(0))
    watchdog.daemon = True
    watchdog.start()
    def finish(*_):
        log("TOTAL requests=%d injected=%d" % (hostile.requests, hostile.budget.injected))
        os._exit(0)
    signal.signal(signal.SIGTERM, finish)
    print("hostile port=%d trap=%d fault=%s" % (hostile.port, hostile.trap_port, arguments.fault), flush=True)
    try:
        proxy.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
