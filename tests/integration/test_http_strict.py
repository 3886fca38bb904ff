"""Strict HTTP/1 parsing, as nginx parses: requests a proxy in front of
keel could read differently (request smuggling), or that would hand PHP
names it must not trust, are refused before any PHP runs. Each request is
written byte for byte on a raw socket. The same cases run against nginx in
tests/differential (cases.py, "strict_*")."""

import json
import os
import time
import urllib.parse

import pytest
import requests

import h2raw
from conftest import REQ_TIMEOUT, RawResponse, app_dir, raw_exchange


@pytest.fixture(scope="module")
def server(module_keel):
    return module_keel(app_dir("strict"), workers=1)


def still_serving(s):
    r = requests.post(s.url + "/body.php", data=b"abc", timeout=REQ_TIMEOUT)
    assert r.status_code == 200
    assert r.json()["len"] == 3


def marker_query(path):
    return "marker=" + urllib.parse.quote(str(path), safe="/")


def status_of(data):
    line = data.split(b"\r\n", 1)[0]
    assert line.startswith(b"HTTP/1.1 "), data[:200]
    return int(line.split()[1])


def exchange(s, raw):
    """Sends raw bytes; returns (status of the first response, everything
    received until keel closed the connection)."""
    data = raw_exchange(s.port, raw)
    return status_of(data), data


# ------------------------------------------------------------ header lines


@pytest.mark.parametrize("fold", [b"  folded\r\n", b"\tfolded\r\n"], ids=["space", "tab"])
def test_obs_fold_is_400(server, tmp_path, fold):
    """RFC 9112 5.2: a line that starts with whitespace continues the
    previous one (obs-fold); nginx refuses it. keel handed PHP a header
    with an empty name."""
    marker = tmp_path / "ran"
    raw = (f"GET /vars.php?{marker_query(marker)} HTTP/1.1\r\nHost: x\r\nX-A: a\r\n".encode() + fold +
           b"Connection: close\r\n\r\n")
    status, data = exchange(server, raw)
    assert status == 400, data[:300]
    assert not marker.exists(), "PHP ran"
    still_serving(server)


def test_trailing_spaces_are_not_part_of_a_value(server):
    """nginx drops a value's trailing spaces, so "chunked " names chunked."""
    raw = (b"POST /body.php HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked  \r\nConnection: close\r\n\r\n"
           b"3\r\nabc\r\n0\r\n\r\n")
    status, data = exchange(server, raw)
    assert status == 200, data[:300]
    assert json.loads(data.partition(b"\r\n\r\n")[2])["len"] == 3


def test_empty_header_name_over_http2_is_400(server, tmp_path):
    """HPACK can carry a field with an empty name, which libh2o let through
    and PHP got as "HTTP_" (found by tests/fuzz/fuzz_request); nginx
    refuses it."""
    marker = tmp_path / "ran"
    c = h2raw.H2Conn(server.port, timeout=REQ_TIMEOUT)
    try:
        c.request(1, server.port, f"/vars.php?{marker_query(marker)}", extra=[("", "x")])
        assert c.response(1) == 400
    finally:
        c.close()
    assert not marker.exists()


# ------------------------------------------------------------ transfer codings


@pytest.mark.parametrize("codings", [("chunked", "chunked"), ("gzip", "chunked"), ("chunked", "identity")],
                         ids=["chunked-twice", "gzip-then-chunked", "chunked-then-identity"])
def test_two_transfer_encoding_headers_are_400(server, tmp_path, codings):
    """Two Transfer-Encoding headers: nginx refuses the duplicate whatever
    the values; a proxy that reads only one of them frames the body
    differently from keel."""
    marker = tmp_path / "ran"
    raw = (f"POST /body.php?{marker_query(marker)} HTTP/1.1\r\nHost: x\r\n"
           f"Transfer-Encoding: {codings[0]}\r\nTransfer-Encoding: {codings[1]}\r\nConnection: close\r\n\r\n"
           "0\r\n\r\n").encode()
    status, data = exchange(server, raw)
    assert status == 400, data[:300]
    assert not marker.exists()
    still_serving(server)


@pytest.mark.parametrize("coding", ["gzip", "gzip, chunked", "identity", ""])
def test_unknown_transfer_coding_is_501(server, tmp_path, coding):
    """RFC 9112 6.1: a coding the server does not understand is 501; keel
    decodes chunked only."""
    marker = tmp_path / "ran"
    raw = (f"POST /body.php?{marker_query(marker)} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: {coding}\r\n"
           "Content-Type: text/plain\r\n\r\n0\r\n\r\n").encode()
    status, data = exchange(server, raw)
    assert status == 501, data[:300]
    head = data.partition(b"\r\n\r\n")[0].lower()
    assert b"connection: close" in head
    assert not marker.exists()
    still_serving(server)


def test_transfer_encoding_in_http10_is_400(server, tmp_path):
    """HTTP/1.0 has no transfer codings (RFC 9112 6.1); nginx: 400."""
    marker = tmp_path / "ran"
    raw = (f"POST /body.php?{marker_query(marker)} HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
           "3\r\nabc\r\n0\r\n\r\n").encode()
    status, data = exchange(server, raw)
    assert status == 400, data[:300]
    assert not marker.exists()


# ------------------------------------------------------------ chunk sizes


def test_chunk_size_0x5_does_not_smuggle_a_request(server, tmp_path):
    """picohttpparser read "0x5" as a last chunk of size 0 with an
    extension, so what a proxy took for chunk data became a second request
    on the connection. Hex digits only: 400, and nothing after it runs."""
    smuggled = tmp_path / "smuggled"
    raw = (b"POST /body.php HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"0x5\r\n\r\n" +
           f"GET /vars.php?{marker_query(smuggled)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    status, data = exchange(server, raw)
    assert status == 400, data[:300]
    assert data.count(b"HTTP/1.1 ") == 1, data
    assert not smuggled.exists(), "the smuggled request ran"
    still_serving(server)


@pytest.mark.parametrize("body", [
    b"5x\r\nhello\r\n0\r\n\r\n",
    b" 5\r\nhello\r\n0\r\n\r\n",
    b"+5\r\nhello\r\n0\r\n\r\n",
    b"5\r\nhelloXX\r\n0\r\n\r\n",
    b"5\r\nhello\r\r\n0\r\n\r\n",
    b"10000000000000000\r\nhello\r\n0\r\n\r\n",
], ids=["trailing-garbage", "leading-space", "plus", "data-overrun", "cr-cr-lf", "overflow"])
def test_malformed_chunks_are_400(server, tmp_path, body):
    marker = tmp_path / "ran"
    raw = (f"POST /body.php?{marker_query(marker)} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
           "Connection: close\r\n\r\n").encode() + body
    status, data = exchange(server, raw)
    assert status == 400, data[:300]
    assert not marker.exists()


@pytest.mark.parametrize("body", [
    b"5;name=value\r\nhello\r\n0\r\n\r\n",
    b"5 \r\nhello\r\n0\r\n\r\n",
    b"5\nhello\n0\n\n",
    b"00005\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n",
], ids=["extension", "space-before-end", "bare-lf", "zeros-and-trailer"])
def test_chunks_nginx_accepts(server, body):
    raw = b"POST /body.php HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + body
    status, data = exchange(server, raw)
    assert status == 200, data[:300]
    assert json.loads(data.partition(b"\r\n\r\n")[2])["len"] == 5


# ------------------------------------------------------------ Host


@pytest.mark.parametrize("host", [b"evil.com/../x", b"a..b", b"a b", b"", b":8080", b"."],
                         ids=["slash", "dot-dot", "space", "empty", "port-only", "dot"])
def test_invalid_host_is_400(server, tmp_path, host):
    """nginx's Host check: SERVER_NAME and HTTP_HOST come from it."""
    marker = tmp_path / "ran"
    raw = (f"GET /vars.php?{marker_query(marker)} HTTP/1.1\r\n".encode() + b"Host: " + host +
           b"\r\nConnection: close\r\n\r\n")
    status, data = exchange(server, raw)
    assert status == 400, data[:300]
    assert not marker.exists()


@pytest.mark.parametrize("host", ["example.com", "example.com:8080", "[::1]:8080", "b\u00fccher.example"])
def test_valid_host_reaches_php(server, host):
    raw = (b"GET /vars.php HTTP/1.1\r\nHost: " + host.encode() + b"\r\nConnection: close\r\n\r\n")
    status, data = exchange(server, raw)
    assert status == 200, data[:300]
    seen = json.loads(data.partition(b"\r\n\r\n")[2])
    assert seen["HTTP"]["HTTP_HOST"] == host


def test_invalid_authority_over_http2_is_400(server, tmp_path):
    marker = tmp_path / "ran"
    c = h2raw.H2Conn(server.port, timeout=REQ_TIMEOUT)
    try:
        c.request(1, server.port, f"/vars.php?{marker_query(marker)}", authority="evil.com/../x")
        assert c.response(1) == 400
        # the connection goes on
        c.request(3, server.port, "/vars.php")
        assert c.response(3) == 200
    finally:
        c.close()
    assert not marker.exists()


# ------------------------------------------------------------ versions


@pytest.mark.parametrize("version", [b"HTTP/2.0", b"HTTP/3.0", b"HTTP/10.0", b"HTTP/2.x"])
def test_http_major_version_above_1_is_505(server, tmp_path, version):
    marker = tmp_path / "ran"
    raw = (f"GET /vars.php?{marker_query(marker)} ".encode() + version + b"\r\nHost: x\r\n\r\n")
    status, data = exchange(server, raw)
    assert status == 505, data[:300]
    assert b"connection: close" in data.partition(b"\r\n\r\n")[0].lower()
    assert not marker.exists()
    still_serving(server)


def test_505_comes_as_soon_as_the_version_says_so(server):
    """As nginx: without waiting for the rest of the head."""
    r = RawResponse(server.port, "/", raw=b"GET /vars.php HTTP/2")
    try:
        r.read_headers()
    finally:
        r.close()
    assert r.status == 505


def test_http2_preface_still_starts_http2(server):
    c = h2raw.H2Conn(server.port, timeout=REQ_TIMEOUT)
    try:
        c.request(1, server.port, "/vars.php")
        assert c.response(1) == 200
    finally:
        c.close()


# ------------------------------------------------------------ If-Range


def page(s):
    return (app_dir("strict") / "page.txt").read_bytes()


def validators(s):
    r = s.get("/page.txt")
    assert r.status == 200
    return r.headers["etag"], r.headers["last-modified"]


def test_range_with_current_if_range_is_partial(server):
    etag, date = validators(server)
    for validator in (etag, date):
        r = server.get("/page.txt", headers={"Range": "bytes=0-9", "If-Range": validator})
        assert r.status == 206, validator
        assert r.body == page(server)[:10]


@pytest.mark.parametrize("if_range", ['"0-0"', "W/{etag}", "Thu, 01 Jan 1970 00:00:00 GMT", "garbage"],
                         ids=["other-etag", "weak-etag", "other-date", "garbage"])
def test_range_with_stale_if_range_is_the_whole_file(server, if_range):
    """RFC 9110 13.1.5: when If-Range does not match, the Range is ignored
    and the whole (changed) file is sent, never parts of it spliced into a
    copy the client has of another version."""
    etag, _ = validators(server)
    r = server.get("/page.txt", headers={"Range": "bytes=0-9", "If-Range": if_range.format(etag=etag)})
    assert r.status == 200
    assert r.body == page(server)
