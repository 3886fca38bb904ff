"""Framing of PHP responses whose script gets it wrong, compared with
nginx + php-fpm on one keep-alive connection (app/frame.php).

Content-Length is compared here, unlike in the other cases, where the
script announced one (nginx and keel both keep it) and for HEAD (the
length a GET would get, or none). How each body ends (complete, cut by a
close, or never) and whether the connection is still in step afterwards
(a GET /_ping.php gets its own answer, or the server closed) are compared
too; keeping or closing the connection is each server's choice.
"""

import time

import pytest

import httpraw
from diffharness import assert_same, both

BODY_WAIT = 5.0  # how long a body that never completes is waited for


def observe(server, method, target):
    """What a client sees of one response and of the next one on the same
    connection."""
    out = {}
    with httpraw.Conn(server.port, timeout=10) as conn:
        conn.send(httpraw.build_request(method, target))
        deadline = time.monotonic() + 10
        _version, status, reason, headers = conn._read_head(deadline)
        out["status"], out["reason"] = status, reason
        cl = [v for k, v in headers if k.lower() == "content-length"]
        out["header:content-length"] = cl[-1] if cl else "<absent>"
        body = bytearray()
        if method == "HEAD" or status in (204, 304) or status < 200:
            out["body_end"] = "none"
        elif cl:
            try:
                conn._read_exact(int(cl[-1]), time.monotonic() + BODY_WAIT, body.extend)
                out["body_end"] = "complete"
            except httpraw.ConnectionClosed:
                body.extend(conn.buf)
                conn.buf.clear()
                out["body_end"] = "cut by a close"
            except TimeoutError:
                body.extend(conn.buf)
                conn.buf.clear()
                out["body_end"] = "never ends (the connection stays open)"
        else:
            # chunked: the decoded body, as the other cases compare it
            while True:
                size = int(conn._read_line(deadline).split(b";")[0], 16)
                if size == 0:
                    while conn._read_line(deadline) != b"":
                        pass
                    break
                conn._read_exact(size, deadline, body.extend)
                conn._read_line(deadline)
            out["body_end"] = "complete"
        out["body"] = bytes(body)
        out["next_request"] = next_request(conn, out["body_end"])
    return out


def next_request(conn, body_end):
    if body_end != "complete" and body_end != "none":
        return "closed" if conn.eof else "out of step"
    if conn.eof:
        return "in step"
    try:
        conn.send(httpraw.build_request("GET", "/_ping.php"))
        r = conn.read_response("GET", timeout=10)
    except (httpraw.ConnectionClosed, BrokenPipeError, ConnectionResetError):
        return "in step"  # closed: nothing can be misread
    except (AssertionError, TimeoutError, ValueError) as e:
        return f"out of step: {e}"
    return "in step" if (r.status, r.body) == (200, b"ok\n") else f"out of step: next answer {r.status} {r.body[:80]!r}"


CASES = [
    ("frame_cl_long", "GET", "cl_long"),
    ("frame_cl_long_flush", "GET", "cl_long_flush"),
    ("frame_cl_short", "GET", "cl_short"),
    ("frame_cl_short_flush", "GET", "cl_short_flush"),
    ("frame_cl_exact", "GET", "cl_exact"),
    ("frame_cl_invalid", "GET", "cl_bad"),
    ("frame_head_no_length", "HEAD", "len52"),
    ("frame_head_announced_length", "HEAD", "cl_exact"),
    ("frame_code_100", "GET", "code_100"),
    ("frame_code_101", "GET", "code_101"),
    ("frame_code_103", "GET", "code_103"),
    ("frame_status_header_100", "GET", "status_header_100"),
]


@pytest.mark.parametrize("case_id,method,c", CASES, ids=[c[0] for c in CASES])
def test_framing(srv, case_id, method, c):
    pair = srv.get("default")
    ref, keel = both(pair, lambda s: observe(s, method, f"/frame.php?c={c}"))
    if c == "cl_bad":
        # No valid length from the script: each server frames the body
        # its own way (nginx chunks, keel counts), which is not compared.
        ref.pop("header:content-length")
        keel.pop("header:content-length")
    if ref["status"] != keel["status"]:
        ref.pop("reason"), keel.pop("reason")
    diffs = [(k, ref[k], keel[k]) for k in ref if ref[k] != keel[k]]
    assert_same(case_id, diffs)
