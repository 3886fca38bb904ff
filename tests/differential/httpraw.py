"""A raw-socket HTTP/1.x client for the differential tests.

The harness must control the exact bytes on the wire (header order,
duplicates, odd whitespace, chunked bodies, HTTP/1.0, pipelining,
Expect: 100-continue), so requests are built by hand and responses parsed
by hand. Every read is bounded by a deadline; nothing here sleeps.
"""

import hashlib
import socket
import ssl
import time

DEFAULT_TIMEOUT = 20.0


class Response:
    def __init__(self):
        self.version = None  # "HTTP/1.1"
        self.status = None  # int
        self.reason = None  # str, as sent
        self.headers = []  # [(name, value)] in wire order, names as sent
        self.body = b""  # decoded body (None when hashed)
        self.body_len = 0
        self.body_md5 = None  # set only when the body was hashed
        self.framing = None  # "length" | "chunked" | "close" | "none"
        self.interim = []  # [(status, reason, headers)] for 1xx answers
        self.trailers = []

    def header(self, name, default=None):
        """The last value of a header (case-insensitive), or default."""
        found = default
        for k, v in self.headers:
            if k.lower() == name.lower():
                found = v
        return found

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def __repr__(self):
        return f"<Response {self.status} {self.reason!r} {self.framing} {self.body_len}B>"


class ConnectionClosed(Exception):
    pass


class Conn:
    """One TCP connection to 127.0.0.1:port. Several requests/responses may
    be exchanged on it (keep-alive, pipelining)."""

    def __init__(self, port, timeout=DEFAULT_TIMEOUT, tls=False):
        self.port = port
        self.timeout = timeout
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if tls:
            # both sides serve the same test certificate; what is compared
            # is HTTP, so it is not verified here
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            ctx.set_alpn_protocols(["http/1.1"])
            self.sock = ctx.wrap_socket(self.sock, server_hostname="localhost")
        self.buf = bytearray()
        self.eof = False

    # ------------------------------------------------------------ plumbing
    def send(self, data):
        self.sock.sendall(data)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _fill(self, deadline):
        """Reads more bytes into buf; returns False at EOF."""
        if self.eof:
            return False
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"deadline passed; buffered {bytes(self.buf[:300])!r}")
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(262144)
        except socket.timeout:
            raise TimeoutError(f"deadline passed; buffered {bytes(self.buf[:300])!r}")
        except ConnectionResetError:
            data = b""
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def wait_for_bytes(self, n, timeout):
        """Waits until at least n bytes are buffered (or EOF, or timeout).
        Returns True when they are."""
        deadline = time.monotonic() + timeout
        while len(self.buf) < n:
            try:
                if not self._fill(deadline):
                    return False
            except TimeoutError:
                return False
        return True

    def _read_line(self, deadline):
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                line = bytes(self.buf[: i + 1])
                del self.buf[: i + 1]
                return line.rstrip(b"\r\n")
            if not self._fill(deadline):
                raise ConnectionClosed(f"EOF while reading a line; buffered {bytes(self.buf)!r}")

    def _read_exact(self, n, deadline, sink):
        while n > 0:
            if not self.buf:
                if not self._fill(deadline):
                    raise ConnectionClosed(f"EOF with {n} body bytes missing")
            take = min(n, len(self.buf))
            sink(bytes(self.buf[:take]))
            del self.buf[:take]
            n -= take

    def _read_head(self, deadline):
        line = self._read_line(deadline)
        while line == b"":  # tolerate stray CRLF between responses
            line = self._read_line(deadline)
        parts = line.decode("latin-1").split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/"):
            raise AssertionError(f"not a status line: {line!r}")
        version, status = parts[0], int(parts[1])
        reason = parts[2] if len(parts) > 2 else ""
        headers = []
        while True:
            h = self._read_line(deadline)
            if h == b"":
                break
            name, _, value = h.decode("latin-1").partition(":")
            headers.append((name, value.strip(" \t")))
        return version, status, reason, headers

    # ------------------------------------------------------------ responses
    def read_response(self, method="GET", hash_body=False, timeout=None, stop_at_interim=False):
        """Reads one response (skipping and recording 1xx interim answers).

        hash_body: compute md5 and length of the body instead of keeping it
        (for the 50 MB response)."""
        deadline = time.monotonic() + (timeout or self.timeout)
        resp = Response()
        while True:
            version, status, reason, headers = self._read_head(deadline)
            if 100 <= status < 200 and status != 101:
                resp.interim.append((status, reason, headers))
                if stop_at_interim:
                    return resp
                continue
            break
        resp.version, resp.status, resp.reason, resp.headers = version, status, reason, headers
        md5 = hashlib.md5()
        chunks = []

        def sink(data):
            resp.body_len += len(data)
            if hash_body:
                md5.update(data)
            else:
                chunks.append(data)

        te = ",".join(resp.header_all("transfer-encoding")).lower()
        cl = resp.header("content-length")
        if method == "HEAD" or status in (204, 304):
            resp.framing = "none"
        elif "chunked" in te:
            resp.framing = "chunked"
            while True:
                size_line = self._read_line(deadline)
                size = int(size_line.split(b";")[0].strip(), 16)
                if size == 0:
                    while True:
                        t = self._read_line(deadline)
                        if t == b"":
                            break
                        resp.trailers.append(t)
                    break
                self._read_exact(size, deadline, sink)
                crlf = self._read_line(deadline)
                if crlf != b"":
                    raise AssertionError(f"chunk not followed by CRLF: {crlf!r}")
        elif cl is not None:
            resp.framing = "length"
            self._read_exact(int(cl), deadline, sink)
        else:
            resp.framing = "close"
            while True:
                if self.buf:
                    sink(bytes(self.buf))
                    self.buf.clear()
                if not self._fill(deadline):
                    break
        if hash_body:
            resp.body = None
            resp.body_md5 = md5.hexdigest()
        else:
            resp.body = b"".join(chunks)
            resp.body_md5 = None
        return resp


# ------------------------------------------------------------------ requests

DEFAULT_HEADERS = [("Host", "localhost"), ("User-Agent", "keel-differential/1"), ("Accept", "*/*")]


def build_request(method, target, headers=None, body=b"", version="HTTP/1.1",
                  default_headers=True, content_length=True, chunked=None, raw_head=None):
    """Builds the request bytes.

    headers: list of (name, value) pairs, or raw header lines (str) sent
    verbatim (for odd whitespace). Defaults (Host etc.) come first unless a
    header of the same name is given or default_headers is False.
    chunked: list of byte chunks -> Transfer-Encoding: chunked body.
    raw_head: the complete head as bytes, sent as is (body appended)."""
    if raw_head is not None:
        return raw_head + body
    headers = list(headers or [])
    names = set()
    for h in headers:
        if isinstance(h, tuple):
            names.add(h[0].lower())
        else:
            names.add(h.split(":", 1)[0].strip().lower())
    lines = [f"{method} {target} {version}"]
    if default_headers:
        for k, v in DEFAULT_HEADERS:
            if k.lower() not in names:
                lines.append(f"{k}: {v}")
    for h in headers:
        lines.append(f"{h[0]}: {h[1]}" if isinstance(h, tuple) else h)
    if chunked is not None:
        lines.append("Transfer-Encoding: chunked")
        payload = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunked if c) + b"0\r\n\r\n"
    else:
        payload = body or b""
        if content_length and (body or method in ("POST", "PUT", "PATCH")) and "content-length" not in names:
            lines.append(f"Content-Length: {len(payload)}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogateescape")
    return head + payload


def exchange(port, method, target, headers=None, body=b"", hash_body=False, timeout=None, tls=False, **kw):
    """One request on a fresh connection (TLS when tls), one response."""
    data = build_request(method, target, headers, body, **kw)
    with Conn(port, timeout=timeout or DEFAULT_TIMEOUT, tls=tls) as c:
        c.send(data)
        return c.read_response(method=method, hash_body=hash_body)
