"""Responses are framed by keel, not by PHP: whatever a script announces or
prints, one request gets one well-framed response, and the next response
on the same keep-alive connection is never the tail of the one before.

- A body longer than the script's Content-Length is cut at that length
  (the rest never reaches the client) and the connection closes.
- A body shorter than it ends the response in error: the connection
  closes, so the client sees it truncated.
- A 1xx status from PHP cannot end a response: 502.
- HEAD gets the Content-Length a GET would (when the script announces it)
  or none, never a false 0.
- An HTTP/1.0 response of unknown length closes its connection.

Every exchange is on one raw keep-alive connection, read by its framing.
"""

import socket
import time

import pytest

from conftest import REQ_TIMEOUT, app_dir, deadline_after


@pytest.fixture(scope="module")
def server(module_keel):
    return module_keel(app_dir("framing"), workers=2)


class Conn:
    """One keep-alive HTTP/1.x connection; responses read by their framing."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=REQ_TIMEOUT)
        self.buf = b""
        self.eof = False

    def close(self):
        self.sock.close()

    def request(self, method, target, version="HTTP/1.1", headers=()):
        lines = [f"{method} {target} {version}", "Host: 127.0.0.1", *headers]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())

    def _fill(self, end):
        remaining = end - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"deadline passed; buffered {self.buf[:300]!r}")
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise TimeoutError(f"deadline passed; buffered {self.buf[:300]!r}")
        except ConnectionResetError:
            data = b""
        if not data:
            self.eof = True
        self.buf += data
        return bool(data)

    def head(self):
        """(status, {lower-case name: value}) of the next response head."""
        end = deadline_after(REQ_TIMEOUT)
        while b"\r\n\r\n" not in self.buf:
            if self.eof:
                raise AssertionError(f"connection closed before a response head: {self.buf!r}")
            self._fill(end)
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        return status, headers

    def take(self, n):
        """Exactly n body bytes, or what came before the server closed."""
        end = deadline_after(REQ_TIMEOUT)
        while len(self.buf) < n and not self.eof:
            self._fill(end)
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def rest_until_close(self):
        """Everything until the server closes the connection (bounded)."""
        end = deadline_after(REQ_TIMEOUT)
        while not self.eof:
            try:
                self._fill(end)
            except TimeoutError:
                raise AssertionError(f"the connection stayed open; extra bytes so far: {self.buf!r}")
        data, self.buf = self.buf, b""
        return data

    def get_ping(self):
        """GET /ping.php on this connection: its answer must be the next response."""
        self.request("GET", "/ping.php")
        status, h = self.head()
        body = self.take(int(h["content-length"]))
        return status, body


@pytest.fixture
def conn(server):
    c = Conn(server.port)
    yield c
    c.close()


@pytest.mark.parametrize("case", ["cl_long", "cl_long_flush"])
def test_body_longer_than_content_length_is_cut_and_the_connection_closes(server, conn, case):
    conn.request("GET", f"/frame.php?c={case}")
    status, h = conn.head()
    assert status == 200
    assert h.get("content-length") == "2", h
    assert "transfer-encoding" not in h, h
    assert conn.take(2) == b"ab"
    # Nothing past the announced length, in particular no second response.
    assert conn.rest_until_close() == b""
    server.wait_log(rf"GET /frame\.php\?c={case}: the script sent more than its Content-Length")


@pytest.mark.parametrize("case,sent", [("cl_short", b"abc"), ("cl_short_flush", b"abcdef")])
def test_body_shorter_than_content_length_closes_the_connection(server, conn, case, sent):
    conn.request("GET", f"/frame.php?c={case}")
    status, h = conn.head()
    assert status == 200
    assert h.get("content-length") == "100", h
    # The client sees the body cut short: the server closes, rather than
    # leaving the next response to be read as its tail.
    assert conn.rest_until_close() == sent
    server.wait_log(rf"GET /frame\.php\?c={case}: the script sent less than its Content-Length")


def test_exact_content_length_keeps_the_connection(conn):
    conn.request("GET", "/frame.php?c=cl_exact")
    status, h = conn.head()
    assert (status, h.get("content-length"), conn.take(3)) == (200, "3", b"abc")
    assert conn.get_ping() == (200, b"ok\n")


def test_exact_content_length_flushed_to_the_end(conn):
    for _ in range(3):
        conn.request("GET", "/frame.php?c=cl_exact_flushed")
        status, h = conn.head()
        assert (status, h.get("content-length"), conn.take(6)) == (200, "6", b"abcdef")
    assert conn.get_ping() == (200, b"ok\n")


@pytest.mark.parametrize("case", ["code_100", "code_101", "code_103", "status_header_100"])
def test_1xx_status_from_php_is_502(server, conn, case):
    conn.request("GET", f"/frame.php?c={case}")
    status, h = conn.head()
    assert status == 502, (status, h)
    assert b"Bad Gateway" in conn.take(int(h["content-length"]))
    assert "upgrade" not in h
    # The connection is still in step: the next answer is the next response.
    assert conn.get_ping() == (200, b"ok\n")
    server.wait_log(rf"GET /frame\.php\?c={case}: the script set a 1xx status")


def test_flush_before_output_lets_the_script_set_the_status(conn):
    conn.request("GET", "/frame.php?c=flush_then_204")
    status, h = conn.head()
    assert status == 204, (status, h)
    assert "transfer-encoding" not in h and "content-length" not in h, h
    assert conn.get_ping() == (200, b"ok\n")


def test_head_has_the_length_of_get_or_none(conn):
    conn.request("GET", "/frame.php?c=len52")
    status, h = conn.head()
    assert (status, h.get("content-length")) == (200, "52")
    assert len(conn.take(52)) == 52
    # PHP prints nothing for HEAD: without a length from the script there
    # is none to give (as nginx + PHP-FPM), never a false 0.
    conn.request("HEAD", "/frame.php?c=len52")
    status, h = conn.head()
    assert status == 200
    assert "content-length" not in h, h
    assert "transfer-encoding" not in h, h
    # A length the script announces is the length a GET gets.
    conn.request("HEAD", "/frame.php?c=cl_exact")
    status, h = conn.head()
    assert (status, h.get("content-length")) == (200, "3")
    assert conn.get_ping() == (200, b"ok\n")


def test_http10_response_of_unknown_length_closes_its_connection(conn):
    conn.request("GET", "/frame.php?c=stream", version="HTTP/1.0", headers=["Connection: keep-alive"])
    status, h = conn.head()
    assert status == 200
    if "content-length" not in h:
        # No chunked coding in HTTP/1.0: the end of the body is the close.
        assert h.get("connection", "").lower() == "close", h
        assert conn.rest_until_close() == b"part 0\npart 1\npart 2\n"
    else:
        assert conn.take(int(h["content-length"])) == b"part 0\npart 1\npart 2\n"
