"""What a client sends on a keep-alive connection while its request is still
being answered: the front keeps such a connection in its event loop
(src/front/read_park.c), so bytes that arrive mid-request must wait for
their turn, and an end of stream means the client left, as nginx takes it
for a FastCGI request."""

import socket

import requests

from conftest import REQ_TIMEOUT, RawResponse, app_dir, deadline_after, poll_until

KEEP_ALIVE = "Host: x\r\n"


def held_request(s, rel):
    """Opens a keep-alive connection whose first request holds a worker;
    returns it once the script's first line has arrived."""
    raw = f"GET /hold.php?{rel.query} HTTP/1.1\r\n{KEEP_ALIVE}\r\n".encode()
    held = RawResponse(s.port, "/hold.php", raw=raw)
    held.read_until(b"first", timeout=REQ_TIMEOUT)
    return held


def read_to_eof(resp):
    end = deadline_after(REQ_TIMEOUT)
    while not resp.eof:
        resp._recv(end)
    return resp.buf


def static_get(path, close=False):
    extra = "Connection: close\r\n" if close else ""
    return f"GET {path} HTTP/1.1\r\n{KEEP_ALIVE}{extra}\r\n".encode()


def test_request_sent_during_another_is_answered_after_it(keel, release):
    s = keel(app_dir("static"), workers=1)
    rel = release()
    held = held_request(s, rel)
    try:
        held.sock.sendall(static_get("/style.css", close=True))
        rel.fire()
        data = read_to_eof(held)
    finally:
        held.close()
    first, css = data.find(b"second\n"), data.find(b"static-css-marker")
    assert data.count(b"HTTP/1.1 200") == 2, data[:600]
    assert 0 < first < css, data[:600]


def test_many_requests_sent_during_another_are_all_answered_in_order(keel, release):
    # More bytes than the front buffers for a busy connection, so it must
    # also stop reading and pick the rest up from the socket afterwards.
    s = keel(app_dir("static"), workers=1)
    rel = release()
    held = held_request(s, rel)
    n = 2000
    raw = b"".join(static_get(f"/page.html?n={i}") for i in range(n)) + static_get("/style.css", close=True)
    assert len(raw) > 64 * 1024  # well past what the front buffers (8 KiB)
    try:
        held.sock.sendall(raw)
        rel.fire()
        data = read_to_eof(held)
    finally:
        held.close()
    assert data.count(b"HTTP/1.1 200") == n + 2, data.count(b"HTTP/1.1 200")
    assert data.find(b"second\n") < data.find(b"static-css-marker"), data[-600:]


def test_a_client_that_closes_its_side_mid_request_is_gone(keel, release):
    """An end of stream while the request runs (a half-close included, as
    nginx counts it) closes the connection at once, without waiting for the
    script; the worker is free again afterwards."""
    s = keel(app_dir("static"), workers=1)
    rel = release()
    held = held_request(s, rel)
    try:
        held.sock.shutdown(socket.SHUT_WR)
        # the script still holds its worker: only the front can close this
        data = read_to_eof(held)
    finally:
        held.close()
    assert data.startswith(b"HTTP/1.1 200") and b"first pid=" in data and b"second" not in data, data
    rel.fire()
    r = requests.get(s.url + "/", timeout=REQ_TIMEOUT)
    assert r.status_code == 200
    assert r.text == "static-app-front-controller\n"


def test_client_gone_during_a_request_leaves_the_server_serving(keel, release):
    s = keel(app_dir("static"), workers=1)
    rel = release()
    held = held_request(s, rel)
    held.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    held.close()  # reset, not a clean close
    rel.fire()
    r = requests.get(s.url + "/", timeout=REQ_TIMEOUT)
    assert r.status_code == 200
    assert r.text == "static-app-front-controller\n"


def test_bytes_arriving_while_a_request_waits_leave_it_whole(keel, release):
    """A request waiting for a worker points into its connection's input
    buffer (method, path, headers). What the client pipelines meanwhile
    must not move that buffer: the request would then read freed memory
    when a worker takes it (AddressSanitizer's run of this test reports
    it; the plain run checks both answers)."""
    s = keel(app_dir("static"), "--admin", "127.0.0.1:0", workers=1)
    admin = f"http://127.0.0.1:{s.admin_port()}"
    rel = release()
    held = held_request(s, rel)  # the only worker is busy
    done = release()
    done.fire()  # the waiting request's hold.php returns as soon as it runs
    first = f"GET /hold.php?{done.query} HTTP/1.1\r\n{KEEP_ALIVE}\r\n".encode()
    # A second request whose head straddles two sends. The front reads
    # the first send (12,300 bytes) into a buffer it grows to 16 KiB,
    # leaving under 4 KiB free; libh2o moves such a buffer before its next
    # read, which the second send, arriving while the first request waits,
    # would make it do.
    pad = b"X-Pad: " + b"a" * 20000 + b"\r\n"
    second = b"GET /style.css HTTP/1.1\r\n" + KEEP_ALIVE.encode() + b"Connection: close\r\n" + pad + b"\r\n"
    split = 12300 - len(first)
    c = RawResponse(s.port, "/hold.php", raw=first + second[:split])
    try:
        def waiting():
            return requests.get(admin + "/status", timeout=REQ_TIMEOUT).json()["queue"]["classic"] == 1
        poll_until(waiting, REQ_TIMEOUT, what="the pipelined connection's request to wait for the worker")
        c.sock.sendall(second[split:])
        rel.fire()
        data = read_to_eof(c)
    finally:
        c.close()
        held.close()
    assert data.count(b"HTTP/1.1 200") == 2, data[:600]
    assert b"second\n" in data and b"static-css-marker" in data, data[:600]
