"""Slow clients and large responses: past 1 MiB a response is buffered in an
unlinked file in --spool-dir, so the worker is free for other requests while
the client reads, up to --spool-max per response."""
import os
import socket
import time
from pathlib import Path

import requests

from conftest import REQ_TIMEOUT, app_dir

SIZE = 50 * (1 << 20)


def read_response(sock, deadline):
    """Reads one HTTP response (Content-Length or chunked framing is not
    parsed: the body is counted up to the connection's close)."""
    data = bytearray()
    sock.settimeout(5)
    while time.monotonic() < deadline:
        chunk = sock.recv(1 << 20)
        if not chunk:
            break
        data += chunk
        head, sep, body = bytes(data[:4096]).partition(b"\r\n\r\n")
        if sep and b"content-length: 52428800" in head.lower() and len(data) - len(head) - 4 >= SIZE:
            break
    return bytes(data)


def test_slow_client_does_not_hold_the_worker(keel, tmp_path):
    s = keel(app_dir("spool"), "--spool-dir", str(tmp_path), workers=1)
    slow = socket.socket()
    # a small receive window: the client reads nothing for now
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.connect(("127.0.0.1", s.port))
    slow.sendall(b"GET /big.php HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    slow.settimeout(REQ_TIMEOUT)
    assert slow.recv(16).startswith(b"HTTP/1.1 200")
    # the only worker produced its 50 MiB into the front's buffer and is
    # free: another request is answered while the first client still waits
    t0 = time.monotonic()
    r = requests.get(s.url + "/quick.php", timeout=REQ_TIMEOUT)
    assert r.status_code == 200 and r.text == "quick\n"
    assert time.monotonic() - t0 < REQ_TIMEOUT
    # and the slow client still gets every byte
    data = read_response(slow, time.monotonic() + 60)
    slow.close()
    head, _, body = data.partition(b"\r\n\r\n")
    assert len(body) + 12 >= SIZE, (len(body), head[:200])
    assert body.count(b"y") >= SIZE - 16


def spooled_bytes(pid, spool_dir):
    """Bytes the front holds in its (unlinked) spool files under spool_dir."""
    total = 0
    fd_dir = Path(f"/proc/{pid}/fd")
    for fd in fd_dir.iterdir():
        try:
            target = os.readlink(fd)
            if target.startswith(str(spool_dir) + "/keel.response.") and target.endswith(" (deleted)"):
                total += os.stat(fd).st_size
        except OSError:
            continue
    return total


def test_spool_stops_at_spool_max(keel, tmp_path):
    """Past --spool-max the front stops reading the worker, which waits for
    the client as it does without a spool: the only worker stays busy, so
    another request waits --max-wait for it and gets 503."""
    cap = 4 << 20
    s = keel(app_dir("spool"), "--spool-dir", str(tmp_path), "--spool-max", "4M", "--max-wait", "2s", workers=1)
    slow = socket.socket()
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.connect(("127.0.0.1", s.port))
    try:
        slow.sendall(b"GET /big.php HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        slow.settimeout(REQ_TIMEOUT)
        assert slow.recv(16).startswith(b"HTTP/1.1 200")
        r = s.get("/quick.php", timeout=REQ_TIMEOUT)
        assert r.status == 503, (r.status, r.body[:200])
        # What the front holds of the response stays near the cap (files
        # grow in powers of two), far from the 50 MiB the script writes.
        assert spooled_bytes(s.pid, tmp_path) <= 4 * cap
        # Reading lets the worker go on, and every byte arrives.
        data = read_response(slow, time.monotonic() + 60)
    finally:
        slow.close()
    head, _, body = data.partition(b"\r\n\r\n")
    assert len(body) + 12 >= SIZE, (len(body), head[:200])
    assert body.count(b"y") >= SIZE - 16
    r = requests.get(s.url + "/quick.php", timeout=REQ_TIMEOUT)
    assert r.status_code == 200 and r.text == "quick\n"
