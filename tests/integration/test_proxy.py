"""Behind a load balancer (--trusted-proxy): what PHP sees when a trusted
proxy forwards the client's address, scheme, host and port, and that
nobody else can. X-Forwarded-For's walk is compared with nginx's real_ip
module in tests/differential/test_diff_proxy_log.py; the parsers'
corners are in tests/unit/front/test_forwarded.c.
"""

import json
import subprocess

import pytest
import requests

from conftest import EXIT_TIMEOUT, KEEL_BIN, REQ_TIMEOUT, KeelServer, app_dir


@pytest.fixture(scope="module")
def trusting():
    """keel trusting 127.0.0.1 (the tests' own address) and 10.0.0.0/8."""
    s = KeelServer(app_dir("proxy"), ("--admin", "off", "--trusted-proxy", "127.0.0.1", "--trusted-proxy",
                                      "10.0.0.0/8"), workers=1)
    s.start()
    yield s
    s.stop()
    assert s.sanitizer_errors() == []


@pytest.fixture(scope="module")
def distrusting():
    """keel trusting only an address the tests never come from."""
    s = KeelServer(app_dir("proxy"), ("--admin", "off", "--trusted-proxy", "192.0.2.1"), workers=1)
    s.start()
    yield s
    s.stop()


def seen(s, headers):
    r = requests.get(s.url + "/server.php", headers=headers, timeout=REQ_TIMEOUT)
    assert r.status_code == 200, r.text
    return r.json()


def test_forwarded_for_sets_the_client(trusting):
    v = seen(trusting, {"X-Forwarded-For": "203.0.113.50, 10.1.2.3"})
    assert (v["REMOTE_ADDR"], v["REMOTE_PORT"]) == ("203.0.113.50", "")
    v = seen(trusting, {"X-Forwarded-For": "[2001:db8::7]:4711"})
    assert (v["REMOTE_ADDR"], v["REMOTE_PORT"]) == ("2001:db8::7", "4711")
    # the header itself is passed on as it came
    assert v["HTTP_X_FORWARDED_FOR"] == "[2001:db8::7]:4711"
    v = seen(trusting, {"Forwarded": 'for="[2001:db8::9]:8443";proto=https, for=10.9.9.9'})
    assert (v["REMOTE_ADDR"], v["REMOTE_PORT"], v["HTTPS"], v["SERVER_PORT"]) == ("2001:db8::9", "8443", "on", "443")


def test_scheme_host_port(trusting):
    v = seen(trusting, {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "shop.example", "Host": "internal:8080"})
    assert (v["HTTPS"], v["REQUEST_SCHEME"], v["SERVER_NAME"], v["SERVER_PORT"]) == ("on", "https", "shop.example",
                                                                                      "443")
    # the Host header stays the client's (an application reads it, or the forwarded one, as it is told)
    assert v["HTTP_HOST"] == "internal:8080"
    v = seen(trusting, {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "shop.example:8443"})
    assert (v["SERVER_NAME"], v["SERVER_PORT"]) == ("shop.example", "8443")
    v = seen(trusting, {"X-Forwarded-Proto": "https", "X-Forwarded-Port": "9443"})
    assert v["SERVER_PORT"] == "9443"
    v = seen(trusting, {"X-Forwarded-Proto": "http"})
    assert (v["HTTPS"], v["REQUEST_SCHEME"], v["SERVER_PORT"]) == (None, "http", "80")
    # a host that could not be a SERVER_NAME is ignored
    v = seen(trusting, {"X-Forwarded-Host": "evil.example/x"})
    assert v["SERVER_NAME"] == "127.0.0.1"


def test_disagreeing_headers_are_both_ignored(trusting):
    v = seen(trusting, {"X-Forwarded-For": "203.0.113.1", "Forwarded": "for=198.51.100.1"})
    assert v["REMOTE_ADDR"] == "127.0.0.1"
    trusting.wait_log(r"X-Forwarded-For and Forwarded naming different clients; neither is believed")


def test_untrusted_peers_change_nothing(distrusting):
    plain = seen(distrusting, {})
    v = seen(distrusting, {"X-Forwarded-For": "203.0.113.50", "X-Forwarded-Proto": "https",
                           "X-Forwarded-Host": "shop.example", "X-Forwarded-Port": "8443",
                           "Forwarded": "for=198.51.100.1;proto=https"})
    assert v["REMOTE_ADDR"] == "127.0.0.1" and v["REMOTE_PORT"].isdigit()
    for k in ("HTTPS", "REQUEST_SCHEME", "SERVER_NAME", "SERVER_PORT"):
        assert v[k] == plain[k], k


def test_without_the_option_nothing_changes(tmp_path):
    s = KeelServer(app_dir("proxy"), ("--admin", "off"), workers=1)
    s.start()
    try:
        v = seen(s, {"X-Forwarded-For": "203.0.113.50", "X-Forwarded-Proto": "https"})
        assert (v["REMOTE_ADDR"], v["HTTPS"]) == ("127.0.0.1", None)
    finally:
        s.stop()


def curl_unix(path, headers):
    cmd = ["curl", "-sS", "--max-time", str(int(REQ_TIMEOUT)), "--unix-socket", str(path)]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    r = subprocess.run(cmd + ["http://localhost/server.php"], capture_output=True, text=True, timeout=REQ_TIMEOUT + 5)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.mark.parametrize("trust_unix", [True, False])
def test_a_proxy_on_a_unix_socket_is_trusted_with_unix(tmp_path, trust_unix):
    """--trusted-proxy unix: trusts the clients of unix: listeners (a proxy
    on the same machine), as nginx's set_real_ip_from unix:; without it
    their headers are just headers. Clients of TCP listeners are judged by
    the ranges alone, and the access log shows the client believed."""
    sock, log = tmp_path / "keel.sock", tmp_path / "access.log"
    args = ["--admin", "off", "--listen", f"unix:{sock}", "--access-log", str(log)]
    if trust_unix:
        args += ["--trusted-proxy", "unix:"]
    s = KeelServer(app_dir("proxy"), tuple(args), workers=1)
    s.start()
    try:
        v = curl_unix(sock, {"X-Forwarded-For": "203.0.113.50, 198.51.100.7", "X-Forwarded-Proto": "https"})
        if trust_unix:
            assert (v["REMOTE_ADDR"], v["REMOTE_PORT"], v["HTTPS"], v["SERVER_PORT"]) == ("198.51.100.7", "", "on",
                                                                                          "443")
        else:
            assert (v["REMOTE_ADDR"], v["REMOTE_PORT"], v["HTTPS"]) == ("unix:", "", None)
        # the TCP listener beside it: 127.0.0.1 is in no range
        v = seen(s, {"X-Forwarded-For": "203.0.113.50", "X-Forwarded-Proto": "https"})
        assert (v["REMOTE_ADDR"], v["HTTPS"]) == ("127.0.0.1", None)
    finally:
        s.stop()
    first = log.read_text().splitlines()[0]
    assert first.startswith("198.51.100.7 - - [" if trust_unix else "unix: - - ["), first


@pytest.mark.parametrize("value", ["10.0.0.1/8", "10.0.0.0/33", "example.com", "fe80::/129", ""])
def test_bad_ranges_are_refused(value):
    p = subprocess.run([KEEL_BIN, "serve", "--root", str(app_dir("proxy")), "--trusted-proxy", value],
                       capture_output=True, text=True, timeout=EXIT_TIMEOUT)
    assert p.returncode == 2
    err = p.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("keel: option --trusted-proxy: expected an address or a range"), err
