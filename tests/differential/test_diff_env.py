"""Behaviour observed through side effects and across requests:
fastcgi_finish_request(), client aborts, max_execution_time, sessions,
memory_limit recovery."""

import json
import time

import pytest

import httpraw
from diffharness import assert_same, both, compare_pair, token
import compare

SIDE_TIMEOUT = 30.0


def wait_side(srv, tok, timeout=SIDE_TIMEOUT):
    """Waits (bounded) for the script's side-effect file; returns its JSON."""
    path = srv.side / f"{tok}.json"
    end = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() >= end:
            return {"<side file>": "never written"}
        time.sleep(0.02)  # polling interval of a bounded condition wait
    return json.loads(path.read_text())


def side_diffs(a, b):
    out = []
    for k in sorted(set(a) | set(b)):
        if a.get(k, "<absent>") != b.get(k, "<absent>"):
            out.append((f"side:{k}", a.get(k, "<absent>"), b.get(k, "<absent>")))
    return out


def test_finish_request(srv):
    pair = srv.get("default")

    def run(s):
        tok = token(s.name)
        r = httpraw.exchange(s.port, "GET", "/finish.php", [("X-Token", tok)])
        return r, wait_side(srv, tok)

    (ref, ref_side), (keel, keel_side) = both(pair, run)
    assert ref_side.get("continued") is True, ref_side
    diffs, errors = compare.diff_responses(ref, keel, pair.ref.port, pair.keel.port)
    assert_same("finish_request", diffs + side_diffs(ref_side, keel_side), errors)


def test_finish_request_keepalive_next(srv):
    """After fastcgi_finish_request() the connection serves the next request."""
    pair = srv.get("default")

    def run(s):
        tok = token(s.name)
        with httpraw.Conn(s.port) as c:
            c.send(httpraw.build_request("GET", "/finish.php", [("X-Token", tok)]))
            a = c.read_response()
            c.send(httpraw.build_request("GET", "/cwd.php"))
            b = c.read_response()
        return [a, b], wait_side(srv, tok)

    (refs, rs), (keels, ks) = both(pair, run)
    diffs, errors = [], []
    for i, (a, b) in enumerate(zip(refs, keels)):
        d, e = compare.diff_responses(a, b, pair.ref.port, pair.keel.port)
        diffs += [(f"#{i}:{k}", x, y) for k, x, y in d]
        errors += e
    assert_same("finish_request_keepalive_next", diffs + side_diffs(rs, ks), errors)


@pytest.mark.parametrize("ignore", ["1", "0"])
def test_client_abort(srv, ignore):
    """The client reads the first 128 KiB and closes; the script keeps
    flushing and records connection_aborted()/connection_status()."""
    pair = srv.get("default")

    def run(s):
        tok = token(s.name)
        c = httpraw.Conn(s.port, timeout=20)
        c.send(httpraw.build_request("GET", f"/abort.php?ignore={ignore}", [("X-Token", tok)]))
        got = c.wait_for_bytes(128 * 1024, 20)
        c.close()
        return got, wait_side(srv, tok)

    (ref_got, ref_side), (keel_got, keel_side) = both(pair, run)
    assert ref_got and keel_got, (ref_got, keel_got)
    assert_same(f"client_abort_ignore{ignore}", side_diffs(ref_side, keel_side))


@pytest.mark.parametrize("ignore", ["1", "0"])
def test_client_abort_unread_body(srv, ignore):
    """As test_client_abort, for a PUT whose body the script never reads
    (PHP reads a PUT's body only when asked): the unread body must not hide
    that the client left."""
    pair = srv.get("default")

    def run(s):
        tok = token(s.name)
        c = httpraw.Conn(s.port, timeout=20)
        c.send(httpraw.build_request("PUT", f"/abort.php?ignore={ignore}",
                                     [("X-Token", tok), ("Content-Type", "application/json")], b'{"unread": 1}'))
        got = c.wait_for_bytes(128 * 1024, 20)
        c.close()
        return got, wait_side(srv, tok)

    (ref_got, ref_side), (keel_got, keel_side) = both(pair, run)
    assert ref_got and keel_got, (ref_got, keel_got)
    assert ref_side.get("shutdown_aborted") == 1, ref_side
    assert_same(f"client_abort_unread_body_ignore{ignore}", side_diffs(ref_side, keel_side))


def test_max_execution_time(srv):
    pair = srv.get("overrides")  # max_execution_time=1

    def run(s):
        tok = token(s.name)
        r = httpraw.exchange(s.port, "GET", "/slow.php?s=4", [("X-Token", tok)], timeout=30)
        return r, wait_side(srv, tok)

    (ref, rs), (keel, ks) = both(pair, run)
    diffs, errors = compare.diff_responses(ref, keel, pair.ref.port, pair.keel.port)
    assert ref.status == 500, ref
    assert_same("max_execution_time", diffs + side_diffs(rs, ks), errors)


def test_max_execution_time_display(srv):
    pair = srv.get("display")

    def run(s):
        tok = token(s.name)
        # set_time_limit() per request, as apps do.
        return httpraw.exchange(s.port, "GET", "/slow.php?s=0.2", [("X-Token", tok)], timeout=30)

    ref, keel = both(pair, run)
    diffs, errors = compare.diff_responses(ref, keel, pair.ref.port, pair.keel.port)
    # The loop counter differs run to run; compare the shape only.
    diffs = [d for d in diffs if d[0] != "body"]
    assert ref.body.startswith(b"finished ") and keel.body.startswith(b"finished "), (ref.body, keel.body)
    assert_same("slow_script_completes", diffs, errors)


def test_session_across_requests(srv):
    pair = srv.get("default")

    def run(s):
        out = []
        first = httpraw.exchange(s.port, "GET", "/session.php?v=a")
        out.append(first)
        cookie = (first.header("set-cookie") or "").split(";")[0]
        for v in ("b", "c"):
            out.append(httpraw.exchange(s.port, "GET", f"/session.php?v={v}", [("Cookie", cookie)]))
        # A different client (no cookie) starts over.
        out.append(httpraw.exchange(s.port, "GET", "/session.php?v=z"))
        return out

    refs, keels = both(pair, run)
    diffs, errors = [], []
    for i, (a, b) in enumerate(zip(refs, keels)):
        d, e = compare.diff_responses(a, b, pair.ref.port, pair.keel.port)
        diffs += [(f"#{i}:{k}", x, y) for k, x, y in d]
        errors += e
    assert json.loads(refs[2].body)["n"] == 3
    assert_same("session_across_requests", diffs, errors)


@pytest.mark.parametrize("profile", ["overrides", "display"])
def test_memory_limit_then_next_request(srv, profile):
    """Exceeding memory_limit fails that request (500 with display_errors
    off); the next requests, on the same connection and on new ones, work."""
    pair = srv.get(profile)

    def run(s):
        out = []
        with httpraw.Conn(s.port, timeout=30) as c:
            c.send(httpraw.build_request("GET", "/mem.php" if profile == "overrides" else "/error.php?c=memory"))
            out.append(c.read_response())
            if not c.eof and out[-1].framing != "close":
                c.send(httpraw.build_request("GET", "/cwd.php"))
                out.append(c.read_response())
            else:
                out.append(httpraw.exchange(s.port, "GET", "/cwd.php"))
        for _ in range(3):  # reaches both workers
            out.append(httpraw.exchange(s.port, "GET", "/dump.php?after=mem"))
        return out

    refs, keels = both(pair, run)
    diffs, errors = [], []
    for i, (a, b) in enumerate(zip(refs, keels)):
        d, e = compare.diff_responses(a, b, pair.ref.port, pair.keel.port)
        diffs += [(f"#{i}:{k}", x, y) for k, x, y in d]
        errors += e
    assert [r.status for r in keels[1:]] == [200] * 4
    assert_same(f"memory_limit_{profile}", diffs, errors)


def test_flush_streams_before_end(srv):
    """flush() content arrives; both servers deliver the same parts."""
    pair = srv.get("default")
    ref, keel = both(pair, lambda s: httpraw.exchange(s.port, "GET", "/flush.php"))
    compare_pair("flush_stream_content", pair, ref, keel)
