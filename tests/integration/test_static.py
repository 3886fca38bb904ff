"""Files served by the front process: types, validators, conditional
requests, ranges, HEAD."""

import email.utils
import os
import time

import pytest

from conftest import HOLD_MAX, REQ_TIMEOUT, copy_app


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return copy_app("static", tmp_path_factory.mktemp("static") / "root")


@pytest.fixture(scope="module")
def server(module_keel, root):
    return module_keel(root, workers=1)


@pytest.mark.parametrize(
    "name,ctype",
    [
        ("style.css", "text/css"),
        ("pixel.png", "image/png"),
        ("page.html", "text/html"),
        ("range.txt", "text/plain"),
    ],
)
def test_content_type_and_body(server, root, name, ctype):
    r = server.get("/" + name)
    assert r.status == 200
    assert r.headers.get("content-type", "").split(";")[0].strip() == ctype
    assert r.body == (root / name).read_bytes()


def test_validators_present(server, root):
    r = server.get("/style.css")
    assert r.status == 200
    assert r.headers.get("etag"), r.headers
    lm = r.headers.get("last-modified")
    assert lm, r.headers
    parsed = email.utils.parsedate_to_datetime(lm).timestamp()
    assert abs(parsed - int(os.stat(root / "style.css").st_mtime)) <= 1


def test_if_none_match_304(server):
    etag = server.get("/style.css").headers["etag"]
    r = server.get("/style.css", headers={"If-None-Match": etag})
    assert r.status == 304
    assert r.body == b""
    other = server.get("/style.css", headers={"If-None-Match": '"not-the-etag"'})
    assert other.status == 200
    assert b"static-css-marker" in other.body


def test_if_none_match_list_304(server):
    etag = server.get("/style.css").headers["etag"]
    r = server.get("/style.css", headers={"If-None-Match": f'"other", {etag}'})
    assert r.status == 304


def test_percent_encoded_file_name(server, root):
    r = server.get("/with%20space.txt")
    assert r.status == 200
    assert r.body == (root / "with space.txt").read_bytes()


def test_if_modified_since_304(server):
    lm = server.get("/page.html").headers["last-modified"]
    r = server.get("/page.html", headers={"If-Modified-Since": lm})
    assert r.status == 304
    assert r.body == b""
    old = email.utils.formatdate(time.time() - 10 * 365 * 86400, usegmt=True)
    r = server.get("/page.html", headers={"If-Modified-Since": old})
    assert r.status == 200
    assert b"static-html-marker" in r.body


@pytest.mark.parametrize(
    "spec,start,end",
    [
        ("bytes=10-19", 10, 19),
        ("bytes=0-0", 0, 0),
        ("bytes=240-", 240, None),
        ("bytes=-5", None, None),
    ],
)
def test_range(server, root, spec, start, end):
    data = (root / "range.txt").read_bytes()
    size = len(data)
    if start is None:  # suffix range
        start, end = size - 5, size - 1
    elif end is None:
        end = size - 1
    r = server.get("/range.txt", headers={"Range": spec})
    assert r.status == 206
    assert r.body == data[start : end + 1]
    assert r.headers.get("content-range") == f"bytes {start}-{end}/{size}"


def test_unsatisfiable_range(server, root):
    size = (root / "range.txt").stat().st_size
    r = server.get("/range.txt", headers={"Range": f"bytes={size + 100}-{size + 200}"})
    assert r.status == 416


def test_head_has_headers_and_no_body(server, root):
    size = (root / "style.css").stat().st_size
    r = server.stream("/style.css", method="HEAD")
    try:
        rest = r.read_to_eof()
    finally:
        r.close()
    assert r.status == 200
    assert r.headers.get("content-type", "").startswith("text/css")
    assert int(r.headers.get("content-length", "-1")) == size
    assert r.headers.get("etag")
    assert r.headers.get("last-modified")
    assert rest == b"", f"HEAD response carried a body: {rest[:100]!r}"


def test_changed_file_is_served_fresh(keel, tmp_path):
    root = copy_app("static", tmp_path / "root")
    s = keel(root, workers=1)
    first = s.get("/page.html")
    assert first.status == 200
    # Replace the file the way deploys do (write + rename), with a new mtime.
    new = tmp_path / "root" / "page.html.new"
    new.write_text("<p>second-version-marker</p>\n")
    t = time.time() + 5
    os.utime(new, (t, t))
    os.rename(new, root / "page.html")
    second = s.get("/page.html")
    assert second.status == 200
    assert second.body == b"<p>second-version-marker</p>\n"
    assert second.headers.get("etag") != first.headers.get("etag")
    # the old validator no longer matches
    again = s.get("/page.html", headers={"If-None-Match": first.headers["etag"]})
    assert again.status == 200


def test_static_served_while_all_workers_busy(keel, tmp_path, release):
    """Files are served by the front: they do not wait for a PHP worker."""
    root = copy_app("static", tmp_path / "root")
    s = keel(root, workers=1)
    rel = release()
    held = s.stream("/hold.php?" + rel.query)
    try:
        held.read_until(b"first", timeout=REQ_TIMEOUT)
        t0 = time.monotonic()
        r = s.get("/style.css", timeout=REQ_TIMEOUT)
        assert r.status == 200
        assert b"static-css-marker" in r.body
        # Answered well before the held script could time out: it did not
        # wait for the only worker.
        assert time.monotonic() - t0 < HOLD_MAX / 2
    finally:
        rel.fire()
        try:
            assert b"second" in held.read_all(timeout=REQ_TIMEOUT)
        finally:
            held.close()


def test_if_none_match_takes_precedence_over_if_modified_since(server):
    """RFC 9110 13.2.2: a non-matching If-None-Match means 200, whatever
    If-Modified-Since says."""
    lm = server.get("/style.css").headers["last-modified"]
    r = server.get("/style.css", headers={"If-None-Match": '"not-it"', "If-Modified-Since": lm})
    assert r.status == 200
    assert b"static-css-marker" in r.body


def test_large_file_and_range_inside_it(keel, tmp_path):
    root = copy_app("static", tmp_path / "root")
    data = os.urandom(6 * 1024 * 1024 + 11)
    (root / "big.bin").write_bytes(data)
    s = keel(root, workers=1)
    r = s.get("/big.bin", timeout=REQ_TIMEOUT * 3)
    assert r.status == 200
    assert r.body == data
    r = s.get("/big.bin", headers={"Range": "bytes=4000000-4000099"})
    assert r.status == 206
    assert r.body == data[4000000:4000100]
