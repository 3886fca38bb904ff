"""Behind a proxy, and the access log: keel with --trusted-proxy and
--access-log against nginx + php-fpm with

    set_real_ip_from 127.0.0.1; set_real_ip_from 10.0.0.0/8;
    set_real_ip_from 2001:db8::/32;
    real_ip_header X-Forwarded-For; real_ip_recursive on;
    access_log FILE combined;

The client address PHP sees (REMOTE_ADDR, REMOTE_PORT) must be nginx's for
every X-Forwarded-For case, and each access log line must be the line
nginx wrote for the same request, byte for byte but for the time (the two
servers answer at different moments; its format is checked apart).
"""

import json
import re
import time
import uuid

import pytest

import httpraw
from diffharness import both

TRUSTED = ["127.0.0.1", "10.0.0.0/8", "2001:db8::/32"]
LINE_TIME_RE = re.compile(rb"^([^ ]+ - [^ ]+ )\[(\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})\]( .*)$")


def pair_of(srv):
    log = srv.work / "keel-proxy-access.log"
    ref_log = srv.work / "nginx-proxy-access.log"
    keel_args = ["--access-log", str(log)]
    for t in TRUSTED:
        keel_args += ["--trusted-proxy", t]
    nginx = "".join(f"    set_real_ip_from {t};\n" for t in TRUSTED)
    nginx += ("    real_ip_header X-Forwarded-For;\n    real_ip_recursive on;\n"
              f"    access_log {ref_log} combined;\n")
    pair = srv.custom_pair("proxy-log", keel_args, nginx)
    return pair, {"keel": log, "reference": ref_log}


def remote(resp):
    """(REMOTE_ADDR, REMOTE_PORT); the port of the connection itself (the
    peer is believed) differs per connection, and is only checked to be one."""
    assert resp.status == 200, (resp.status, resp.body[:300])
    server = json.loads(resp.body)["server"]
    addr, port = server.get("REMOTE_ADDR", "<absent>"), server.get("REMOTE_PORT", "<absent>")
    if addr == "127.0.0.1":
        assert re.fullmatch(r"\d+", port), port
        port = "<the connection's>"
    return addr, port


# (X-Forwarded-For header values, in request order)
XFF_CASES = {
    "one": ["203.0.113.7"],
    "chain": ["198.51.100.1, 203.0.113.7, 10.1.1.1, 10.2.2.2"],
    "all_trusted": ["10.9.9.9, 10.1.1.1"],
    "spaces": ["198.51.100.1 203.0.113.7 ,, "],
    "two_headers": ["203.0.113.7", "198.51.100.9, 10.1.1.1"],
    "two_headers_trusted": ["10.3.3.3", "10.1.1.1"],
    "garbage_middle": ["203.0.113.7, junk, 10.1.1.1"],
    "garbage_only": ["unknown"],
    "leading_comma": [",203.0.113.7"],
    "leading_comma_space": [", 203.0.113.7"],
    "with_port": ["203.0.113.7:4711"],
    "bad_port": ["1.2.3.4:99999"],
    "ipv6": ["2606:4700::1"],
    "ipv6_trusted_chain": ["2606:4700::1, 2001:db8::5"],
    "ipv6_bracket_port": ["[2606:4700::1]:443"],
    "ipv6_brackets_only": ["[2606:4700::1]"],
    "empty": [""],
}


@pytest.mark.parametrize("case", sorted(XFF_CASES))
def test_real_ip_from_x_forwarded_for(srv, case):
    pair, _logs = pair_of(srv)
    headers = [("X-Forwarded-For", v) for v in XFF_CASES[case]]
    ref, keel = both(pair, lambda s: httpraw.exchange(s.port, "GET", "/dump.php", headers))
    assert remote(keel) == remote(ref), (case, XFF_CASES[case])
    # The header itself reaches PHP as it came, on both (a repeated one
    # keel joins, where php-fpm keeps the last: docs/compatibility.md).
    if len(XFF_CASES[case]) == 1:
        a, b = json.loads(ref.body)["server"], json.loads(keel.body)["server"]
        assert a.get("HTTP_X_FORWARDED_FOR") == b.get("HTTP_X_FORWARDED_FOR")


def test_no_header_is_the_peer(srv):
    pair, _logs = pair_of(srv)
    ref, keel = both(pair, lambda s: httpraw.exchange(s.port, "GET", "/dump.php"))
    assert remote(keel)[0] == remote(ref)[0] == "127.0.0.1"


# Requests whose answers are the same bytes from both servers, framed
# alike (nginx counts a chunked body's framing in $body_bytes_sent, and
# chunks what PHP sends without a Content-Length where keel sends one),
# so each field of the line can be compared: (method, target, headers,
# version).
LOG_REQUESTS = [
    ("GET", "/out.php?c=content_length_set", [], "HTTP/1.1"),
    ("GET", "/style.css", [("Referer", "http://localhost/page")], "HTTP/1.1"),
    ("HEAD", "/static/file.txt", [], "HTTP/1.1"),
    ("GET", "/static/file.txt", [("User-Agent", 'quote " back \\ tab\tend')], "HTTP/1.1"),
    # UTF-8, and a byte that is not (surrogateescape: a raw 0xff)
    ("GET", "/static/file.txt", [("User-Agent", "caf\xe9 \u20ac \udcff")], "HTTP/1.1"),
    ("GET", "/static/data.json?q=%22x%22&a=b%20c", [("Referer", "")], "HTTP/1.1"),
    ("GET", "/static/file.txt", [("Authorization", "Basic YWxpY2U6c2VjcmV0")], "HTTP/1.1"),
    ("GET", "/static/file.txt", [("X-Forwarded-For", "203.0.113.9, 10.0.0.1")], "HTTP/1.1"),
    ("GET", "/static/file.txt", [], "HTTP/1.0"),
    ("GET", "/out.php?c=content_length_set", [("User-Agent", "")], "HTTP/1.1"),
]


def raw(method, target, headers, version):
    return httpraw.build_request(method, target, headers, version=version)


def lines_after_mark(path, mark, n, timeout=30.0):
    """The n lines after the one naming mark, once they are all written."""
    end = time.monotonic() + timeout
    while True:
        lines = path.read_bytes().splitlines() if path.exists() else []
        at = [i for i, line in enumerate(lines) if mark in line]
        if at and len(lines) - at[0] - 1 >= n or time.monotonic() >= end:
            return lines[at[0] + 1:] if at else []
        time.sleep(0.02)  # polling interval of a bounded condition wait


def test_access_log_lines_are_nginx_combined(srv):
    pair, logs = pair_of(srv)
    # a line of its own first: what the log holds from other tests ends there
    mark = f"mark-{uuid.uuid4().hex}".encode()
    both(pair, lambda s: httpraw.exchange(s.port, "GET", "/static/file.txt?" + mark.decode()))

    def run(s):
        out = []
        for method, target, headers, version in LOG_REQUESTS:
            with httpraw.Conn(s.port) as c:
                c.send(raw(method, target, headers, version))
                out.append(c.read_response(method=method))
        return out

    refs, keels = both(pair, run)
    for i, (a, b) in enumerate(zip(refs, keels)):
        assert (a.status, a.body_len) == (b.status, b.body_len), (LOG_REQUESTS[i], a, b)
    n = len(LOG_REQUESTS)
    got = {name: lines_after_mark(path, mark, n) for name, path in logs.items()}
    assert len(got["keel"]) == n and len(got["reference"]) == n, got
    for i, (ref_line, keel_line) in enumerate(zip(got["reference"], got["keel"])):
        m_ref, m_keel = LINE_TIME_RE.match(ref_line), LINE_TIME_RE.match(keel_line)
        assert m_ref and m_keel, (ref_line, keel_line)
        assert m_keel.group(1) + m_keel.group(3) == m_ref.group(1) + m_ref.group(3), (
            LOG_REQUESTS[i], ref_line, keel_line)
    # the client behind the trusted proxy, in both
    assert got["keel"][7].startswith(b"203.0.113.9 - - [")
