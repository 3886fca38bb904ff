"""flush() reaches the client while the script is still running."""

import requests

from conftest import REQ_TIMEOUT, app_dir


def test_flush_reaches_client_before_script_ends(keel, release):
    s = keel(app_dir("stream"), workers=1)
    rel = release()
    r = s.stream("/hold.php?" + rel.query)
    try:
        got = r.read_until(b"first", timeout=REQ_TIMEOUT)
        assert r.status == 200
        # The script cannot have finished: its release file does not exist yet.
        assert not rel.path.exists()
        assert b"second" not in got and b"timeout" not in got
        rel.fire()
        body = r.read_all(timeout=REQ_TIMEOUT)
        assert body.startswith(b"first pid=")
        assert body.endswith(b"second\n"), body
    finally:
        r.close()


def test_streaming_with_requests_client(keel, release):
    """The same through an ordinary HTTP client reading a streamed body."""
    s = keel(app_dir("stream"), workers=1)
    rel = release()
    with requests.get(s.url + "/hold.php?" + rel.query, stream=True, timeout=REQ_TIMEOUT) as resp:
        assert resp.status_code == 200
        lines = resp.iter_lines(chunk_size=1)
        first = next(lines)
        assert first.startswith(b"first pid="), first
        assert not rel.path.exists()
        rel.fire()
        rest = b"\n".join(lines)
        assert rest == b"second", rest


def test_two_streams_in_parallel(keel, release):
    """Two workers hold two streams open at once; each is released on its own."""
    s = keel(app_dir("stream"), workers=2)
    rel_a, rel_b = release(), release()
    a = s.stream("/hold.php?" + rel_a.query)
    b = s.stream("/hold.php?" + rel_b.query)
    try:
        a.read_until(b"first", timeout=REQ_TIMEOUT)
        b.read_until(b"first", timeout=REQ_TIMEOUT)
        rel_b.fire()
        assert b.read_all(timeout=REQ_TIMEOUT).endswith(b"second\n")
        rel_a.fire()
        assert a.read_all(timeout=REQ_TIMEOUT).endswith(b"second\n")
    finally:
        a.close()
        b.close()
