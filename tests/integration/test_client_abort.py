"""A script that does not ignore user aborts sees the client leave while it
runs: an HTTP/1 client closing its connection, an HTTP/2 client resetting
its stream."""

import socket
import struct
import time

import pytest

from conftest import REQ_TIMEOUT, app_dir, poll_until

APP = app_dir("hostile")


def hpack_int(value, prefix_bits, first):
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first | value])
    out = [first | limit]
    value -= limit
    while value >= 128:
        out.append(value % 128 + 128)
        value //= 128
    out.append(value)
    return bytes(out)


def hpack_literal(index, value):
    """A header as a literal without indexing, its name from HPACK's static
    table (RFC 7541, appendix A), no Huffman coding."""
    v = value.encode()
    return hpack_int(index, 4, 0x00) + hpack_int(len(v), 7, 0x00) + v


def h2_frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def h2_request_then_reset(port, method, target, body, timeout=REQ_TIMEOUT):
    """Sends one request on stream 1 over HTTP/2 (prior knowledge), waits
    for the first bytes of the response body, resets the stream and keeps
    the connection open. Returns the socket (for the caller to close)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    head = (hpack_literal(2, method) + b"\x86" + hpack_literal(4, target) + hpack_literal(1, f"127.0.0.1:{port}")
            + hpack_literal(28, str(len(body))) + hpack_literal(31, "application/json"))
    END_STREAM, END_HEADERS = 0x1, 0x4
    sock.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + h2_frame(4, 0, 0)
                 + h2_frame(1, END_HEADERS | (0 if body else END_STREAM), 1, head)
                 + (h2_frame(0, END_STREAM, 1, body) if body else b""))
    buf = b""
    end = time.monotonic() + timeout
    while True:
        sock.settimeout(max(0.01, end - time.monotonic()))
        data = sock.recv(65536)
        assert data, f"connection closed before any response body: {buf!r}"
        buf += data
        pos, body_seen = 0, False
        while len(buf) - pos >= 9:
            length, kind, flags = int.from_bytes(buf[pos:pos + 3], "big"), buf[pos + 3], buf[pos + 4]
            if len(buf) - pos < 9 + length:
                break
            if kind == 4 and not flags & 1:  # SETTINGS: acknowledged
                sock.sendall(h2_frame(4, 1, 0))
            body_seen |= kind == 0 and length > 0
            pos += 9 + length
        buf = buf[pos:]
        if body_seen:
            break
    sock.sendall(h2_frame(3, 0, 1, struct.pack(">I", 8)))  # RST_STREAM, CANCEL
    return sock


@pytest.fixture(scope="module")
def abort_server(module_keel):
    return module_keel(APP, "--admin", "off", workers=2)


@pytest.mark.parametrize("protocol,method", [("http1", "GET"), ("http1", "PUT"), ("http2", "GET"), ("http2", "PUT")])
def test_a_script_sees_the_client_leave(abort_server, tmp_path, protocol, method):
    """A script that does not ignore user aborts ends at its first write
    after the client left (HTTP/1: closed the connection; HTTP/2: reset the
    stream), as under PHP-FPM, and connection_aborted() says so: also when
    the request has a body the script never read (PHP reads a PUT's body
    only when asked)."""
    s = abort_server
    record = tmp_path / "record"
    target = f"/abort.php?f={record}"
    body = b'{"unread": true}' if method == "PUT" else b""
    if protocol == "http1":
        r = s.stream(target, method=method, body=body, headers={"Content-Type": "application/json"} if body else {})
        r.read_until(b"xxxx")
        r.close()
    else:
        sock = h2_request_then_reset(s.port, method, target, body)
    try:
        text = poll_until(lambda: "shutdown" in (record.read_text() if record.exists() else "") and record.read_text(),
                          REQ_TIMEOUT, what="the script to end")
    finally:
        if protocol == "http2":
            sock.close()
    assert "shutdown aborted=1" in text, text[-300:]
    assert "\nend\n" not in text, "the script ran to its end after the client left"


def pids_answering(server, target, threads=8, rounds=4):
    """The worker pids that answer target to a few concurrent clients."""
    from concurrent.futures import ThreadPoolExecutor

    def one(_):
        r = server.get(target + "?ms=20")
        assert r.status == 200, r.status
        return int(r.body.split()[0])

    with ThreadPoolExecutor(threads) as pool:
        return set(pool.map(one, range(threads * rounds)))


@pytest.mark.parametrize("mode", ["classic", "worker"])
def test_clients_leaving_together_cost_no_worker(keel, mode):
    """Many clients dropping their requests at once (as a load generator
    does when it stops): a worker may finish one abandoned request and take
    the next abandoned one before the front has read its socket. Its frames
    for each belong to a request it was given, so no worker is taken for a
    forger and killed. And the room the abandoned requests leave in the
    queue goes to those waiting in the front, though no worker is busy to
    free any: every worker answers again at once, not after --max-wait."""
    args = ["--admin", "off"]
    target = "/pid.php"
    if mode == "worker":
        args += ["--worker", str(APP / "worker.php")]
        target = "/any"
    s = keel(APP, *args, workers=4)
    before = poll_until(lambda: (lambda p: p if len(p) == 4 else None)(pids_answering(s, target)), REQ_TIMEOUT,
                        what="four workers to answer")
    linger_rst = struct.pack("ii", 1, 0)
    for _ in range(150):
        socks = [socket.create_connection(("127.0.0.1", s.port)) for _ in range(32)]
        for sock in socks:
            sock.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        for sock in socks:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger_rst)
            sock.close()
    # Each worker's frames arrive in order: once a worker answers a new
    # request, what it wrote for the abandoned ones has been read.
    seen = set()

    def all_answered():
        assert "not given" not in s.log_text(), s.log_text()[-2000:]
        seen.update(pids_answering(s, target, rounds=1))
        return before <= seen

    poll_until(all_answered, REQ_TIMEOUT, what="every worker to answer again")
    assert " lost: " not in s.log_text(), s.log_text()[-2000:]
