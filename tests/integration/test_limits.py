"""What a client may send and hold: --max-body, --max-header-size,
--body-timeout and --min-body-rate, --max-connections, accept() out of
descriptors, Range amplification, and requests malformed enough to be
refused with 400 (strict parsing has its own file, test_http_strict.py)."""

import hashlib
import os
import select
import socket
import time
import urllib.parse

import pytest
import requests

import h2raw
from conftest import (REQ_TIMEOUT, SCALE, KeelServer, RawResponse, app_dir, deadline_after, poll_until,
                      raw_exchange)


@pytest.fixture
def server(keel):
    return keel(app_dir("limits"), "--max-body", "1K", workers=1)


def body_url(s, marker):
    return "/body.php?marker=" + urllib.parse.quote(str(marker), safe="/")


def test_body_over_limit_is_413_and_script_never_runs(server, tmp_path):
    marker = tmp_path / "ran-big"
    payload = os.urandom(4096)
    r = RawResponse(server.port, body_url(server, marker), method="POST", body=payload,
                    headers={"Content-Type": "application/octet-stream"})
    try:
        r.read_headers()
    finally:
        r.close()
    assert r.status == 413
    assert not marker.exists(), "the script ran despite the 413"
    # and a request after it is fine
    ok = requests.post(server.url + body_url(server, tmp_path / "ran-after"), data=b"x" * 10, timeout=REQ_TIMEOUT)
    assert ok.status_code == 200
    assert (tmp_path / "ran-after").exists()
    assert not marker.exists()


def test_chunked_body_over_limit_is_413(server, tmp_path):
    """Without Content-Length the limit still holds (the body is counted as
    it arrives)."""
    marker = tmp_path / "ran-chunked"
    chunk = os.urandom(512)
    body = b"".join(b"200\r\n" + chunk + b"\r\n" for _ in range(8)) + b"0\r\n\r\n"
    head = (
        f"POST {body_url(server, marker)} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        "Transfer-Encoding: chunked\r\nContent-Type: application/octet-stream\r\n\r\n"
    ).encode()
    data = raw_exchange(server.port, head + body)
    assert data.startswith(b"HTTP/1.1 413"), data[:200]
    assert not marker.exists(), "the script ran despite the limit"


def test_body_under_limit_reaches_script(server, tmp_path):
    marker = tmp_path / "ran-small"
    payload = os.urandom(512)
    r = requests.post(server.url + body_url(server, marker), data=payload,
                      headers={"Content-Type": "application/octet-stream"}, timeout=REQ_TIMEOUT)
    assert r.status_code == 200, r.text
    assert r.json() == {"len": 512, "sha1": hashlib.sha1(payload).hexdigest()}
    assert marker.exists()


def test_body_exactly_at_limit(server, tmp_path):
    payload = os.urandom(1024)
    r = requests.post(server.url + body_url(server, tmp_path / "m"), data=payload,
                      headers={"Content-Type": "application/octet-stream"}, timeout=REQ_TIMEOUT)
    assert r.status_code == 200, r.text
    assert r.json()["len"] == 1024


def test_body_one_byte_over_limit(server, tmp_path):
    marker = tmp_path / "ran-1025"
    r = requests.post(server.url + body_url(server, marker), data=os.urandom(1025),
                      headers={"Content-Type": "application/octet-stream"}, timeout=REQ_TIMEOUT)
    assert r.status_code == 413
    assert not marker.exists()


def chunked_post(s, marker, payload, chunk=100):
    head = (
        f"POST {body_url(s, marker)} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        "Transfer-Encoding: chunked\r\nContent-Type: application/octet-stream\r\n\r\n"
    ).encode()
    body = b"".join(b"%x\r\n%s\r\n" % (len(payload[i:i + chunk]), payload[i:i + chunk])
                    for i in range(0, len(payload), chunk))
    return raw_exchange(s.port, head + body + b"0\r\n\r\n")


def test_chunked_body_exactly_at_limit(server, tmp_path):
    """libh2o refused a chunked body of exactly its limit (413) where a
    Content-Length body of the same size passes."""
    payload = os.urandom(1024)
    data = chunked_post(server, tmp_path / "m", payload)
    assert data.startswith(b"HTTP/1.1 200"), data[:200]
    assert b'"len":1024' in data


def test_chunked_body_one_byte_over_limit(server, tmp_path):
    marker = tmp_path / "ran"
    data = chunked_post(server, marker, os.urandom(1025))
    assert data.startswith(b"HTTP/1.1 413"), data[:200]
    assert not marker.exists()


@pytest.mark.parametrize("size,status", [(1024, 200), (1025, 413)])
def test_body_limit_over_http2(server, tmp_path, size, status):
    marker = tmp_path / "ran"
    c = h2raw.H2Conn(server.port, timeout=REQ_TIMEOUT)
    try:
        c.request(1, server.port, body_url(server, marker), method="POST", end_stream=False,
                  extra=[("content-type", "application/octet-stream")])
        c.data(1, os.urandom(size), end_stream=True)
        assert c.response(1) == status
    finally:
        c.close()
    assert marker.exists() == (status == 200)


# ------------------------------------------------------------ request heads


@pytest.fixture(scope="module")
def small_heads(module_keel):
    return module_keel(app_dir("limits"), "--max-header-size", "4K", workers=1)


def head_with(target, header_bytes):
    return (f"GET {target} HTTP/1.1\r\nHost: x\r\nX-Big: ".encode() + b"a" * header_bytes +
            b"\r\nConnection: close\r\n\r\n")


def test_head_over_the_default_limit_is_400(plain_server, tmp_path):
    """nginx takes 8 KiB a line and 32 KiB in all by default; libh2o took
    408 KB. The default is 32K."""
    marker = tmp_path / "ran"
    data = raw_exchange(plain_server.port, head_with(body_url(plain_server, marker), 40 * 1024))
    assert data.startswith(b"HTTP/1.1 400"), data[:200]
    assert not marker.exists()
    ok = raw_exchange(plain_server.port, head_with(body_url(plain_server, marker), 20 * 1024))
    assert ok.startswith(b"HTTP/1.1 200"), ok[:200]


def test_head_over_max_header_size_is_400_and_closes(small_heads, tmp_path):
    marker = tmp_path / "ran"
    data = raw_exchange(small_heads.port, head_with(body_url(small_heads, marker), 5000))
    assert data.startswith(b"HTTP/1.1 400"), data[:200]
    assert b"connection: close" in data.lower()
    assert not marker.exists()
    ok = raw_exchange(small_heads.port, head_with(body_url(small_heads, marker), 3000))
    assert ok.startswith(b"HTTP/1.1 200"), ok[:200]


def test_unfinished_head_over_the_limit_is_refused_at_once(small_heads):
    """A head that has passed the limit is refused when it does, not once
    it ends or times out."""
    r = RawResponse(small_heads.port, "/", raw=b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 5000)
    try:
        r.read_headers(timeout=REQ_TIMEOUT)
    finally:
        r.close()
    assert r.status == 400


def test_head_over_max_header_size_over_http2_is_400(small_heads, tmp_path):
    """HPACK lets a few bytes stand for large fields: the limit is on the
    decoded head. The stream gets 400; the connection goes on."""
    marker = tmp_path / "ran"
    c = h2raw.H2Conn(small_heads.port, timeout=REQ_TIMEOUT)
    try:
        c.request(1, small_heads.port, body_url(small_heads, marker), extra=[("x-big", "a" * 5000)])
        assert c.response(1) == 400
        c.request(3, small_heads.port, body_url(small_heads, marker), extra=[("x-big", "a" * 3000)])
        assert c.response(3) == 200
    finally:
        c.close()


# ------------------------------------------------------------ slow bodies

BODY_TIMEOUT = 1.0 * SCALE


@pytest.fixture(scope="module")
def body_clock(module_keel):
    # 1 s, extended by a second per 100 bytes
    return module_keel(app_dir("limits"), "--body-timeout", f"{int(BODY_TIMEOUT * 1000)}ms", "--min-body-rate",
                       "100", workers=1)


def trickle(sock, data, every, until):
    """Sends data a byte every `every` seconds until until() or the end."""
    for i in range(len(data)):
        if until():
            return
        try:
            sock.sendall(data[i:i + 1])
        except (BrokenPipeError, ConnectionResetError):
            return
        time.sleep(every)  # the pace of the body under test, not a wait for keel


def test_trickled_body_gets_408_and_the_connection_closes(body_clock, tmp_path):
    """A byte a second held a connection for as long as the client liked
    (HTTP/2), or was cut silently after libh2o's 10 s (HTTP/1)."""
    marker = tmp_path / "ran"
    r = RawResponse(body_clock.port, "/", raw=(
        f"POST {body_url(body_clock, marker)} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n").encode())
    try:
        started = time.monotonic()
        trickle(r.sock, b"x" * 1000, 0.1, lambda: r.has_data_pending())
        rest = r.read_to_eof(timeout=REQ_TIMEOUT)
        took = time.monotonic() - started
    finally:
        r.close()
    assert r.status == 408, r.buf[:200]
    assert r.headers.get("connection") == "close"
    assert r.eof and rest.startswith(b"Request Timeout")
    # well before libh2o's own 10 s
    assert took < 5 * SCALE
    assert not marker.exists()


def test_trickled_chunked_body_gets_408(body_clock, tmp_path):
    """Chunk sizes and extensions are not body: they earn no time."""
    marker = tmp_path / "ran"
    r = RawResponse(body_clock.port, "/", raw=(
        f"POST {body_url(body_clock, marker)} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        "1;" + "e" * 200).encode())
    try:
        trickle(r.sock, b"e" * 100000, 0.005, lambda: r.has_data_pending())
        r.read_headers(timeout=REQ_TIMEOUT)
    finally:
        r.close()
    assert r.status == 408
    assert not marker.exists()


def test_body_at_the_minimum_rate_is_not_cut(body_clock, tmp_path):
    """Past --body-timeout, a body that keeps coming at --min-body-rate
    goes on: 300 bytes at 150 a second (the limit earns 100)."""
    marker = tmp_path / "ran"
    r = RawResponse(body_clock.port, "/", raw=(
        f"POST {body_url(body_clock, marker)} HTTP/1.1\r\nHost: x\r\nContent-Length: 300\r\n"
        "Connection: close\r\n\r\n").encode())
    try:
        for _ in range(20):
            r.sock.sendall(b"y" * 15)
            time.sleep(0.1)  # the pace of the body
        body = r.read_all()
    finally:
        r.close()
    assert r.status == 200, r.buf[:300]
    assert b'"len":300' in body
    assert marker.exists()


def test_trickled_body_over_http2_gets_408(body_clock, tmp_path):
    """Over HTTP/2 the stream gets 408; the connection serves on."""
    marker = tmp_path / "ran"
    c = h2raw.H2Conn(body_clock.port, timeout=REQ_TIMEOUT)
    try:
        c.request(1, body_clock.port, body_url(body_clock, marker), method="POST", end_stream=False,
                  extra=[("content-length", "1000")])
        end = deadline_after(BODY_TIMEOUT + REQ_TIMEOUT)
        answer = None
        while answer is None and time.monotonic() < end:
            c.data(1, b"x")
            for f in c.pending(0.1):
                if f.stream_id == 1 and f.type in (h2raw.HEADERS, h2raw.RST_STREAM):
                    answer = h2raw.status_of(f.payload) if f.type == h2raw.HEADERS else ("reset", f.payload)
        assert answer == 408
        c.request(3, body_clock.port, body_url(body_clock, tmp_path / "after"))
        assert c.response(3) == 200
    finally:
        c.close()
    assert not marker.exists()


# ------------------------------------------------------------ connections


def test_max_connections_stops_accepting_until_one_closes(keel):
    s = keel(app_dir("limits"), "--max-connections", "2", workers=1)
    held = [socket.create_connection(("127.0.0.1", s.port), timeout=REQ_TIMEOUT) for _ in range(2)]
    try:
        s.wait_log(r"warn .*2 client connections open \(--max-connections\)")
        third = RawResponse(s.port, "/body.php")
        try:
            # keel is not reading its listener: the request waits in the
            # kernel's queue, unanswered
            readable, _, _ = select.select([third.sock], [], [], 0.5 * SCALE)
            assert not readable, third.sock.recv(200)
            held.pop().close()
            third.read_headers(timeout=REQ_TIMEOUT)
            assert third.status == 200
        finally:
            third.close()
    finally:
        for h in held:
            h.close()


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_accept_out_of_descriptors_backs_off(tmp_path):
    """With `ulimit -n` reached, accept() fails at once on every wakeup:
    the front spun at a full CPU. It rests the listener instead, and serves
    again once descriptors free up."""
    s = KeelServer(app_dir("limits"), workers=1)
    s.args = ["prlimit", "--nofile=256:256", "--", *s.args]
    clients = []
    try:
        s.start()  # prlimit execs keel: the same pid
        for _ in range(300):
            clients.append(socket.create_connection(("127.0.0.1", s.port), timeout=REQ_TIMEOUT))
        s.wait_log(r"warn .*accept: Too many open files")
        before = cpu_seconds(s.pid)
        window = 1.0
        time.sleep(window)  # the window CPU time is measured over
        used = cpu_seconds(s.pid) - before
        assert used < 0.25 * window, f"the front used {used:.2f}s of CPU in {window}s"
        for c in clients:
            c.close()
        clients = []
        ok = poll_until(lambda: raw_exchange(s.port, b"GET /body.php HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                                             timeout=REQ_TIMEOUT).startswith(b"HTTP/1.1 200"),
                        REQ_TIMEOUT, what="keel to serve again")
        assert ok
    finally:
        for c in clients:
            c.close()
        s.stop()


# ------------------------------------------------------------ Range


@pytest.fixture(scope="module")
def big_file_server(module_keel, tmp_path_factory):
    root = tmp_path_factory.mktemp("range-root")
    (root / "big.bin").write_bytes(os.urandom(1024 * 1024))
    return module_keel(root, workers=1)


def range_head(s, ranges):
    r = RawResponse(s.port, "/big.bin", headers={"Range": "bytes=" + ",".join(ranges)})
    try:
        r.read_headers()
    finally:
        r.close()
    return r


def test_overlapping_ranges_do_not_amplify(big_file_server):
    """200 ranges of the whole file made a 200 MB answer from a 1 MB file;
    parts that add up to more than the file get the file, as nginx does."""
    r = range_head(big_file_server, ["0-"] * 200)
    assert r.status == 200
    assert int(r.headers["content-length"]) == 1024 * 1024
    r = range_head(big_file_server, ["0-600000", "400000-"])
    assert r.status == 200


def test_too_many_small_ranges_get_the_whole_file(big_file_server):
    r = range_head(big_file_server, [f"{i * 10}-{i * 10}" for i in range(201)])
    assert r.status == 200
    assert int(r.headers["content-length"]) == 1024 * 1024


def test_ordinary_multipart_ranges_still_work(big_file_server):
    r = range_head(big_file_server, ["0-9", "100-199", "-10"])
    assert r.status == 206
    assert r.headers["content-type"].startswith("multipart/byteranges")


# ------------------------------------------------------------ malformed requests


@pytest.fixture(scope="module")
def plain_server(module_keel):
    return module_keel(app_dir("limits"), workers=1)


@pytest.mark.parametrize(
    "raw",
    [
        b"GARBAGE\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nThis header has no colon\r\n\r\n",
        b"GET / HTTX/1.1\r\nHost: x\r\n\r\n",
        b"GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n",
        b"GET\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nBad\x01Name: v\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost : x\r\n\r\n",
        # RFC 9112 3.2: an HTTP/1.1 request without Host, or with two, is 400
        b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n",
        # RFC 9112 6.3 / RFC 9110 8.6: conflicting Content-Length values are an
        # unrecoverable framing error (the request-smuggling classic)
        b"POST /body.php HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 5\r\nConnection: close\r\n\r\nabcde",
        b"POST /body.php HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 5\r\n\r\nabcde",
    ],
    ids=["garbage", "no-colon", "bad-version", "extra-token", "no-target", "bad-content-length", "ctl-in-name",
         "space-before-colon", "no-host", "two-hosts", "conflicting-content-length", "content-length-list"],
)
def test_malformed_request_gets_400(plain_server, raw):
    s = plain_server
    data = raw_exchange(s.port, raw)
    assert data.startswith(b"HTTP/1.1 400"), data[:200]
    # still serving
    r = requests.post(s.url + "/body.php", data=b"abc", timeout=REQ_TIMEOUT)
    assert r.status_code == 200
    assert r.json()["len"] == 3
