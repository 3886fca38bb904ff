"""The data-driven cases of cases.py: one request to each server, compared."""

import pytest

import httpraw
from cases import CASES
import compare
from diffharness import assert_same, both

EXPECT_100_WAIT = 5.0  # how long the client waits for "100 Continue" before sending anyway


def probe_next(conn):
    """Sends GET /_ping.php on the connection the case used. A server that
    wrote stray bytes after a response (e.g. a body after 204/304/HEAD)
    desynchronises the connection, which this detects. A connection the
    server closed is fine (connection management is not compared)."""
    if conn.eof:
        return "closed"
    try:
        conn.send(httpraw.build_request("GET", "/_ping.php"))
        r = conn.read_response("GET", timeout=10)
    except (httpraw.ConnectionClosed, BrokenPipeError, ConnectionResetError):
        return "closed"
    except (AssertionError, TimeoutError, ValueError) as e:
        return f"broken: {e}"
    if (r.status, r.body) != (200, b"ok\n"):
        return f"broken: next response {r.status} {r.body[:100]!r}"
    return "ok"


def send_case(server, c):
    method = c["method"]
    timeout = c.get("timeout", 30)
    if c.get("raw") is not None:
        data = c["raw"]
    else:
        data = httpraw.build_request(method, c["target"], c.get("headers"), c.get("body", b""),
                                     version=c.get("version", "HTTP/1.1"),
                                     default_headers=c.get("default_headers", True), chunked=c.get("chunked"))
    with httpraw.Conn(server.port, timeout=timeout) as conn:
        if c.get("expect100"):
            head, _, body = data.partition(b"\r\n\r\n")
            conn.send(head + b"\r\n\r\n")
            interim = None
            # Bounded wait for the interim answer; like curl, send the
            # body anyway when it does not come.
            if conn.wait_for_bytes(12, EXPECT_100_WAIT) and conn.buf.startswith(b"HTTP/1.1 100"):
                interim = conn.read_response(method, timeout=timeout, stop_at_interim=True)
            conn.send(body)
            resp = conn.read_response(method, hash_body=c.get("hash", False), timeout=timeout)
            if interim:
                resp.interim = interim.interim + resp.interim
        else:
            conn.send(data)
            resp = conn.read_response(method, hash_body=c.get("hash", False), timeout=timeout)
        if resp.framing != "close":
            resp.next_request = probe_next(conn)
        return resp


@pytest.mark.parametrize("c", CASES, ids=[c["id"] for c in CASES])
def test_case(srv, c):
    pair = srv.get(c.get("profile", "default"))
    ref, keel = both(pair, lambda s: send_case(s, c))
    diffs, errors = compare.diff_responses(ref, keel, pair.ref.port, pair.keel.port, static=c.get("static", False))
    a, b = getattr(ref, "next_request", "closed"), getattr(keel, "next_request", "closed")
    if a.startswith("broken") or b.startswith("broken"):
        diffs.append(("next_request_on_connection", a, b))
    assert_same(c["id"], diffs, errors)
