"""HTTPS against nginx + php-fpm configured for TLS: what PHP sees over a
TLS connection (HTTPS=on, REQUEST_SCHEME=https, SERVER_PORT the TLS
listener's, SSL_PROTOCOL and SSL_CIPHER as mod_ssl names them and the
reference passes them) and what the client gets, compared with the same
normalisation as every other case; and the same server over cleartext,
where none of those appear."""

import json

import pytest

import compare
import httpraw
from diffharness import assert_same, both

CASES = [
    ("GET", "/dump.php?a=1", [("Host", "localhost")], b""),
    ("POST", "/dump.php", [("Host", "localhost"), ("Content-Type", "application/x-www-form-urlencoded")], b"x=1&y=2"),
    ("GET", "/sub/", [("Host", "localhost")], b""),
    ("GET", "/static/file.txt", [("Host", "localhost")], b""),
    ("GET", "/nowhere/at/all", [("Host", "localhost")], b""),
]


@pytest.mark.parametrize("method,target,headers,body", CASES, ids=[f"{m} {t}" for m, t, _, _ in CASES])
def test_tls_request(srv, method, target, headers, body):
    pair = srv.tls_pair()
    ref, keel = both(pair, lambda s: httpraw.exchange(s.tls_port, method, target, headers, body, tls=True))
    diffs, errors = compare.diff_responses(ref, keel, pair.ref.tls_port, pair.keel.tls_port,
                                           static=target.startswith("/static/"))
    assert_same(f"tls {method} {target}", diffs, errors)


def test_php_sees_https_over_tls_and_not_over_cleartext(srv):
    pair = srv.tls_pair()
    ref, keel = both(pair, lambda s: httpraw.exchange(s.tls_port, "GET", "/dump.php", [("Host", "localhost")], tls=True))
    for side, r, port in (("reference", ref, pair.ref.tls_port), ("keel", keel, pair.keel.tls_port)):
        server = json.loads(r.body)["server"]
        assert server["HTTPS"] == "on", side
        assert server["REQUEST_SCHEME"] == "https", side
        assert server["SERVER_PORT"] == str(port), side
        assert server["SSL_PROTOCOL"] in ("TLSv1.2", "TLSv1.3"), side
    a, b = (json.loads(x.body)["server"] for x in (ref, keel))
    assert (a["SSL_PROTOCOL"], a["SSL_CIPHER"]) == (b["SSL_PROTOCOL"], b["SSL_CIPHER"])
    ref, keel = both(pair, lambda s: httpraw.exchange(s.port, "GET", "/dump.php", [("Host", "localhost")]))
    for r in (ref, keel):
        server = json.loads(r.body)["server"]
        assert "HTTPS" not in server and "SSL_PROTOCOL" not in server
        assert server["REQUEST_SCHEME"] == "http"
