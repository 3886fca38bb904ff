"""HTTP-level behaviour that needs more than one request per connection:
keep-alive, pipelining, per-request reset of the working directory, and the
full $_SERVER key set."""

import json

import pytest

import httpraw
from diffharness import assert_same, both
import compare


def exchange_many(server, requests, pipelined=False, reconnect_on_close=False, timeout=30):
    """requests: [(method, request_bytes)]. Returns (responses, reused)
    where reused says whether every request went over the first connection."""
    out = []
    reused = True
    conn = httpraw.Conn(server.port, timeout=timeout)
    try:
        if pipelined:
            conn.send(b"".join(data for _, data in requests))
            for method, _ in requests:
                out.append(conn.read_response(method, timeout=timeout))
            return out, reused
        for method, data in requests:
            if conn.eof and reconnect_on_close:
                conn.close()
                conn = httpraw.Conn(server.port, timeout=timeout)
                reused = False
            conn.send(data)
            out.append(conn.read_response(method, timeout=timeout))
            if out[-1].framing == "close" or (out[-1].header("connection", "") or "").lower() == "close":
                conn.eof = conn.eof or True  # the server said it closes
        return out, reused
    finally:
        conn.close()


def req(method, target, headers=None, body=b"", **kw):
    return method, httpraw.build_request(method, target, headers, body, **kw)


def compare_list(case_id, pair, refs, keels):
    assert len(refs) == len(keels)
    diffs, errors = [], []
    for i, (a, b) in enumerate(zip(refs, keels)):
        d, e = compare.diff_responses(a, b, pair.ref.port, pair.keel.port)
        diffs += [(f"#{i}:{k}", x, y) for k, x, y in d]
        errors += e
    assert_same(case_id, diffs, errors)


KEEPALIVE_SEQ = [
    req("GET", "/dump.php?n=1"),
    req("POST", "/dump.php?n=2", [("Content-Type", "application/x-www-form-urlencoded")], b"p=2"),
    req("GET", "/out.php?c=cookie_multi"),
    req("HEAD", "/out.php?c=replace"),
    req("GET", "/style.css"),
    req("GET", "/missing/front?n=6"),
    req("GET", "/out.php?c=204"),
    req("GET", "/out.php?c=large_1m"),
    req("GET", "/dump.php?n=9"),
]


def test_keepalive_sequence(srv):
    pair = srv.get("default")
    (refs, ref_reused), (keels, keel_reused) = both(pair, lambda s: exchange_many(s, KEEPALIVE_SEQ))
    # Both keep one connection for all nine requests.
    assert (ref_reused, keel_reused) == (True, True)
    # The same client port for every request on the connection, on both.
    for name, rs in (("reference", refs), ("keel", keels)):
        ports = {json.loads(r.body)["server"]["REMOTE_PORT"] for r in rs if r.body and r.body.startswith(b"{")}
        assert len(ports) == 1, f"{name}: REMOTE_PORT changed on one connection: {ports}"
    compare_list("keepalive_sequence", pair, refs, keels)


def test_keepalive_http10(srv):
    pair = srv.get("default")
    seq = [req("GET", f"/dump.php?n={i}", [("Connection", "keep-alive")], version="HTTP/1.0") for i in range(3)]
    (refs, _), (keels, _) = both(pair, lambda s: exchange_many(s, seq, reconnect_on_close=True))
    compare_list("keepalive_http10", pair, refs, keels)


@pytest.mark.parametrize("name,seq", [
    ("pipeline_gets", [req("GET", f"/dump.php?p={i}") for i in range(4)]),
    ("pipeline_mixed", [req("GET", "/dump.php?p=1"),
                        req("POST", "/dump.php?p=2", [("Content-Type", "application/x-www-form-urlencoded")], b"a=1&b=2"),
                        req("HEAD", "/dump.php?p=3"),
                        req("GET", "/style.css"),
                        req("PUT", "/dump.php?p=5", [("Content-Type", "text/plain")], b"put"),
                        req("GET", "/out.php?c=status_404")]),
    ("pipeline_chunked_body", [req("POST", "/dump.php?p=1", [("Content-Type", "application/x-www-form-urlencoded")],
                                   chunked=[b"a=1", b"&b=2"]),
                               req("GET", "/dump.php?p=2")]),
    ("pipeline_big_then_small", [req("GET", "/big.php?mb=2"), req("GET", "/dump.php?p=2")]),
])
def test_pipelining(srv, name, seq):
    pair = srv.get("default")
    (refs, _), (keels, _) = both(pair, lambda s: exchange_many(s, seq, pipelined=True))
    compare_list(name, pair, refs, keels)


def test_cwd_resets_between_requests(srv):
    """Request A chdir()s to /tmp; request B on the same keep-alive
    connection must see its own script directory. Repeated so that both
    workers of each server serve an A."""
    pair = srv.get("default")
    seq = []
    for _ in range(4):
        seq += [req("GET", "/chdir.php"), req("GET", "/cwd.php"), req("GET", "/sub/cwd.php")]
    (refs, _), (keels, _) = both(pair, lambda s: exchange_many(s, seq))
    for name, rs in (("reference", refs), ("keel", keels)):
        for r in rs[1::3]:
            assert json.loads(r.body)["cwd"] == str(srv.app), f"{name}: {r.body!r}"
    compare_list("cwd_reset_keepalive", pair, refs, keels)


@pytest.mark.parametrize("name,rq", [
    ("keyset_get", req("GET", "/dump.php")),
    ("keyset_post", req("POST", "/dump.php", [("Content-Type", "application/x-www-form-urlencoded")], b"a=1")),
    ("keyset_path_info", req("GET", "/dump.php/extra?q=1")),
    ("keyset_auth_basic", req("GET", "/dump.php", [("Authorization", "Basic dXNlcjpwYXNz")])),
    ("keyset_auth_digest", req("GET", "/dump.php", [("Authorization", 'Digest username="u", realm="r"')])),
    ("keyset_front_controller", req("GET", "/not/here")),
    ("keyset_http10", req("GET", "/dump.php", version="HTTP/1.0")),
])
def test_server_key_set(srv, name, rq):
    """Which $_SERVER keys exist, compared as sets (values are compared by
    the other cases). USER/HOME are dropped (php-fpm pool environment, see
    compare.normalise_server)."""
    pair = srv.get("default")
    (refs, _), (keels, _) = both(pair, lambda s: exchange_many(s, [rq]))
    keys = []
    for r in (refs[0], keels[0]):
        server = json.loads(r.body)["server"]
        for k in ("USER", "HOME"):
            server.pop(k, None)
        keys.append(set(server))
    diffs = [(f"key:{k}", "present" if k in keys[0] else "<absent>", "present" if k in keys[1] else "<absent>")
             for k in sorted(keys[0] ^ keys[1])]
    assert_same(name, diffs)


def test_static_conditional_own_validators(srv):
    """Each server must answer 304 to its own ETag and Last-Modified."""
    pair = srv.get("default")

    def run(s):
        first = httpraw.exchange(s.port, "GET", "/style.css")
        etag, lm = first.header("etag"), first.header("last-modified")
        out = [first]
        out.append(httpraw.exchange(s.port, "GET", "/style.css", [("If-None-Match", etag or '"none"')]))
        out.append(httpraw.exchange(s.port, "GET", "/style.css", [("If-Modified-Since", lm or "x")]))
        out.append(httpraw.exchange(s.port, "GET", "/style.css", [("If-None-Match", '"not-it"')]))
        out.append(httpraw.exchange(s.port, "HEAD", "/style.css", [("If-None-Match", etag or '"none"')]))
        return out

    refs, keels = both(pair, run)
    diffs, errors = [], []
    for i, (a, b) in enumerate(zip(refs, keels)):
        d, e = compare.diff_responses(a, b, pair.ref.port, pair.keel.port, static=True)
        diffs += [(f"#{i}:{k}", x, y) for k, x, y in d]
        errors += e
    assert_same("static_conditional_own_validators", diffs, errors)
