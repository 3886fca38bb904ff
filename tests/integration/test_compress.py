"""Compression (--compress, on by default): gzip by nginx's rules for PHP
and static answers, decoded here and compared with what was sent without
it; precompressed .gz/.br siblings of static files; PHP's own
zlib.output_compression left alone; streaming kept streaming.
"""

import gzip
import os
import socket
import zlib
from pathlib import Path

import pytest

from conftest import REQ_TIMEOUT, KeelServer, Release, copy_app, get

GZ = {"Accept-Encoding": "gzip, deflate, br"}


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    d = copy_app("compress", tmp_path_factory.mktemp("compress") / "app")
    # a precompressed sibling whose content differs, so serving it shows
    (d / "site.css").write_text("body { color: red }\n" * 200)
    (d / "site.css.gz").write_bytes(gzip.compress(b"/* from site.css.gz */\n" + b"body{color:red}\n" * 10))
    (d / "site.css.br").write_bytes(b"pretend-brotli-bytes")
    # a sibling that leads out of the root must never be served
    outside = d.parent / "outside-secret"
    outside.write_bytes(gzip.compress(b"SECRET outside the root\n"))
    (d / "escape.css").write_text("p { margin: 0 }\n" * 100)
    os.symlink(outside, d / "escape.css.gz")
    return d


@pytest.fixture(scope="module")
def s(root):
    srv = KeelServer(root, ("--admin", "off"), workers=2)
    srv.start()
    yield srv
    srv.stop()
    assert srv.sanitizer_errors() == []


def plain(s, target, **kw):
    """The same target without compression asked for: the reference bytes."""
    r = get(s.port, target, **kw)
    assert "content-encoding" not in r.headers
    return r


def test_php_page_is_gzipped_and_decodes_to_the_same(s):
    ref = plain(s, "/page.php")
    assert ref.headers["vary"] == "Accept-Encoding"  # told apart by caches even when not compressed
    r = get(s.port, "/page.php", headers=GZ)
    assert r.status == 200
    assert r.headers["content-encoding"] == "gzip" and r.headers["vary"] == "Accept-Encoding"
    assert gzip.decompress(r.body) == ref.body
    assert len(r.body) < len(ref.body) / 4


def test_static_file_is_gzipped_with_a_weak_etag(s):
    ref = plain(s, "/style.css")
    r = get(s.port, "/style.css", headers=GZ)
    assert r.headers["content-encoding"] == "gzip"
    assert gzip.decompress(r.body) == ref.body == (s_root(s) / "style.css").read_bytes()
    assert r.headers["etag"] == "W/" + ref.headers["etag"]
    assert "accept-ranges" not in r.headers
    # the weak tag revalidates
    again = get(s.port, "/style.css", headers={**GZ, "If-None-Match": r.headers["etag"]})
    assert again.status == 304


def s_root(s):
    return Path(s.root)


@pytest.mark.parametrize("target,why", [
    ("/page.php?n=5", "below 512 bytes"),
    ("/pixel.png", "not a compressible type"),
    ("/typed.php?type=image/jpeg", "not a compressible type (PHP)"),
    ("/typed.php?type=text/event-stream", "an event stream"),
    ("/typed.php?type=text/plain&cc=no-transform", "Cache-Control: no-transform"),
    ("/status.php?s=500", "a status nginx does not compress"),
    ("/status.php?s=201", "a status nginx does not compress"),
])
def test_not_compressed(s, target, why):
    r = get(s.port, target, headers=GZ)
    assert "content-encoding" not in r.headers, why
    assert r.body == plain(s, target).body


@pytest.mark.parametrize("target", ["/typed.php?type=application/json", "/typed.php?type=image/svg%2Bxml",
                                    "/typed.php?type=application/problem%2Bjson", "/status.php?s=404"])
def test_compressible_types_and_statuses(s, target):
    r = get(s.port, target, headers=GZ)
    assert r.headers.get("content-encoding") == "gzip", target
    assert gzip.decompress(r.body) == plain(s, target).body


def test_range_head_and_http10_are_not_compressed(s):
    r = get(s.port, "/style.css", headers={**GZ, "Range": "bytes=0-99"})
    assert r.status == 206 and "content-encoding" not in r.headers and len(r.body) == 100
    assert r.body == (s_root(s) / "style.css").read_bytes()[:100]
    r = get(s.port, "/page.php", method="HEAD", headers=GZ)
    assert r.status == 200 and "content-encoding" not in r.headers
    raw = b"GET /page.php HTTP/1.0\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n"
    r = get(s.port, "/page.php", raw=raw)
    assert "content-encoding" not in r.headers


def test_accept_encoding_is_read_as_written(s):
    assert "content-encoding" not in get(s.port, "/page.php", headers={"Accept-Encoding": "gzip;q=0, br"}).headers
    assert "content-encoding" not in get(s.port, "/page.php", headers={"Accept-Encoding": "identity"}).headers
    assert get(s.port, "/page.php", headers={"Accept-Encoding": "*"}).headers["content-encoding"] == "gzip"


def test_php_own_encoding_is_left_alone(s):
    r = get(s.port, "/encoded.php", headers=GZ)
    assert r.headers["content-encoding"] == "gzip"
    assert gzip.decompress(r.body) == b"already gzipped by PHP\n" * 500  # once, not twice


def test_zlib_output_compression_keeps_working(root):
    srv = KeelServer(root, ("--admin", "off", "-d", "zlib.output_compression=1"), workers=1)
    srv.start()
    try:
        r = get(srv.port, "/page.php", headers={"Accept-Encoding": "gzip"})
        assert r.headers["content-encoding"] == "gzip"
        body = gzip.decompress(r.body)
        assert body.startswith(b"line 0: keel compresses") and body.count(b"\n") == 400
        assert r.headers["vary"] == "Accept-Encoding"
    finally:
        srv.stop()


def dechunk(data):
    """The chunks complete so far of a chunked body."""
    out, pos = b"", 0
    while True:
        nl = data.find(b"\r\n", pos)
        if nl < 0:
            return out
        size = int(data[pos:nl], 16)
        if len(data) < nl + 2 + size + 2:
            return out
        out += data[nl + 2:nl + 2 + size]
        pos = nl + 2 + size + 2


def test_streaming_stays_streaming(s, tmp_path):
    """flush() still reaches the client: the gzip stream is flushed with
    each piece PHP flushes, and decodes before the script goes on."""
    rel = Release(tmp_path)
    c = socket.create_connection(("127.0.0.1", s.port), timeout=REQ_TIMEOUT)
    try:
        c.sendall(f"GET /stream.php?{rel.query} HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n".encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            more = c.recv(65536)
            assert more, buf
            buf += more
        head, _, raw = buf.partition(b"\r\n\r\n")
        assert b"content-encoding: gzip" in head.lower() and b"transfer-encoding: chunked" in head.lower()
        want = b"first part of the stream\n" * 100
        while True:
            text = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(dechunk(raw))
            if text == want:
                break
            assert len(text) < len(want) and want.startswith(text), text[:80]
            more = c.recv(65536)
            assert more, "closed before the first part"
            raw += more
        rel.fire()
        while not raw.endswith(b"0\r\n\r\n"):
            more = c.recv(65536)
            assert more
            raw += more
        assert gzip.decompress(dechunk(raw)) == want + b"second part\n" * 100
    finally:
        c.close()


def test_precompressed_sibling(s):
    r = get(s.port, "/site.css", headers={"Accept-Encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip"
    assert gzip.decompress(r.body).startswith(b"/* from site.css.gz */")
    r = get(s.port, "/site.css", headers={"Accept-Encoding": "br, gzip"})
    assert r.headers["content-encoding"] == "br" and r.body == b"pretend-brotli-bytes"
    r = get(s.port, "/site.css")
    assert "content-encoding" not in r.headers and r.body == (s_root(s) / "site.css").read_bytes()


def test_sibling_out_of_the_root_is_never_served(s):
    r = get(s.port, "/escape.css", headers={"Accept-Encoding": "gzip"})
    assert r.status == 200 and b"SECRET" not in r.body
    body = gzip.decompress(r.body) if r.headers.get("content-encoding") == "gzip" else r.body
    assert body == (s_root(s) / "escape.css").read_bytes()
    # and it is not reachable by its own name either
    assert get(s.port, "/escape.css.gz").status in (403, 404)


def test_compress_off(root):
    srv = KeelServer(root, ("--admin", "off", "--compress", "off"), workers=1)
    srv.start()
    try:
        for target in ("/page.php", "/style.css", "/site.css"):
            r = get(srv.port, target, headers=GZ)
            assert "content-encoding" not in r.headers and "vary" not in r.headers, target
        assert get(srv.port, "/site.css", headers=GZ).body == (root / "site.css").read_bytes()
    finally:
        srv.stop()
