"""PHP as an application sees it: superglobals, headers, status codes,
cookies, errors, ini settings."""

import hashlib
import json
import os
import subprocess
import time
import urllib.parse

import pytest
import requests

from conftest import HOLD_MAX, REQ_TIMEOUT, SCALE, app_dir, poll_until, raw_exchange


@pytest.fixture(scope="module")
def sessions(tmp_path_factory):
    return tmp_path_factory.mktemp("sessions")


@pytest.fixture(scope="module")
def server(module_keel, sessions):
    return module_keel(app_dir("php"), "-d", "memory_limit=77M", "-d", "precision=11",
                       "-d", f"session.save_path={sessions}", workers=2)


def url(server, path):
    return server.url + path


def test_get_params(server):
    r = requests.get(url(server, "/vars.php"), params=[("a", "1"), ("b[]", "x"), ("b[]", "y"), ("sp", "a b&c")],
                     timeout=REQ_TIMEOUT)
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["GET"] == {"a": "1", "b": ["x", "y"], "sp": "a b&c"}
    assert d["REQUEST_METHOD"] == "GET"
    assert d["POST"] == []


def test_post_urlencoded_form(server):
    r = requests.post(url(server, "/vars.php?q=1"), data={"name": "keel", "n": "2", "u": "é&="}, timeout=REQ_TIMEOUT)
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["REQUEST_METHOD"] == "POST"
    assert d["POST"] == {"name": "keel", "n": "2", "u": "é&="}
    assert d["GET"] == {"q": "1"}
    assert d["CONTENT_TYPE"].startswith("application/x-www-form-urlencoded")
    assert int(d["CONTENT_LENGTH"]) == len(r.request.body)
    assert d["input"] == r.request.body  # php://input is still readable


def test_raw_body_via_php_input(server):
    payload = json.dumps({"k": [1, 2, 3]}).encode()
    r = requests.put(url(server, "/vars.php"), data=payload, headers={"Content-Type": "application/json"},
                     timeout=REQ_TIMEOUT)
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["REQUEST_METHOD"] == "PUT"
    assert d["input"] == payload.decode()
    assert d["CONTENT_TYPE"] == "application/json"


def test_large_post_body(server):
    payload = os.urandom(3 * 1024 * 1024 + 17)
    r = requests.post(url(server, "/bodyhash.php"), data=payload, headers={"Content-Type": "application/octet-stream"},
                      timeout=REQ_TIMEOUT * 3)
    assert r.status_code == 200, r.text[:300]
    assert r.json() == {"len": len(payload), "sha1": hashlib.sha1(payload).hexdigest()}


def test_cookies(server):
    r = requests.get(url(server, "/vars.php"), headers={"Cookie": "c1=v1; session=abc123"}, timeout=REQ_TIMEOUT)
    assert r.status_code == 200
    assert r.json()["COOKIE"] == {"c1": "v1", "session": "abc123"}


def test_request_headers_reach_server_vars(server):
    r = requests.get(url(server, "/vars.php"), headers={"X-Custom-Thing": "hello-there", "User-Agent": "keel-it/1"},
                     timeout=REQ_TIMEOUT)
    h = r.json()["HTTP"]
    assert h.get("HTTP_X_CUSTOM_THING") == "hello-there"
    assert h.get("HTTP_USER_AGENT") == "keel-it/1"
    assert h.get("HTTP_HOST") == f"127.0.0.1:{server.port}"


def test_header_and_response_code(server):
    r = requests.get(url(server, "/headers.php"), timeout=REQ_TIMEOUT)
    assert r.status_code == 404
    assert r.headers.get("X-Keel-Test") == "header-value-1"
    assert r.headers.get("Content-Type") == "text/x-keel; charset=utf-8"
    assert r.text == "custom-not-found-body\n"


@pytest.mark.parametrize("code", [201, 403, 410, 503])
def test_status_codes(server, code):
    r = requests.get(url(server, f"/status.php?code={code}"), timeout=REQ_TIMEOUT)
    assert r.status_code == code
    assert r.text == "status-body\n"


def test_redirect(server):
    r = requests.get(url(server, "/redirect.php"), allow_redirects=False, timeout=REQ_TIMEOUT)
    assert r.status_code == 302
    assert r.headers["Location"] == "/target-of-redirect"


def test_setcookie(server):
    r = server.get("/cookie.php")
    assert r.status == 200
    cookies = [v for k, v in r.header_list if k.lower() == "set-cookie"]
    assert any(c.startswith("flavour=oatmeal-raisin") and "httponly" in c.lower() for c in cookies), cookies
    assert any(c.startswith("second=two") for c in cookies), cookies
    assert len(cookies) == 2, cookies


def test_uncaught_exception_is_500_and_server_survives(server):
    r = requests.get(url(server, "/throw.php"), timeout=REQ_TIMEOUT)
    assert r.status_code == 500
    for _ in range(4):  # every worker still answers
        ok = requests.get(url(server, "/vars.php?after=throw"), timeout=REQ_TIMEOUT)
        assert ok.status_code == 200
        assert ok.json()["GET"] == {"after": "throw"}


def test_fatal_error_is_500(server):
    r = requests.get(url(server, "/fatal.php"), timeout=REQ_TIMEOUT)
    assert r.status_code == 500
    assert "after-fatal" not in r.text
    ok = requests.get(url(server, "/vars.php?after=fatal"), timeout=REQ_TIMEOUT)
    assert ok.status_code == 200


def test_exit_is_not_an_error(server):
    r = requests.get(url(server, "/exit.php"), timeout=REQ_TIMEOUT)
    assert r.status_code == 200
    assert r.text == "before-exit\n"


def test_d_ini_values_visible(server):
    r = requests.get(url(server, "/ini.php?keys=memory_limit,precision"), timeout=REQ_TIMEOUT)
    assert r.json() == {"memory_limit": "77M", "precision": "11"}


def test_php_ini_file(keel, tmp_path):
    ini = tmp_path / "custom.ini"
    ini.write_text("max_input_vars = 1234\nprecision = 9\n")
    s = keel(app_dir("php"), "--php-ini", str(ini), workers=1)
    r = requests.get(s.url + "/ini.php?keys=max_input_vars,precision", timeout=REQ_TIMEOUT)
    assert r.json() == {"max_input_vars": "1234", "precision": "9"}


def test_sapi_name(server):
    r = requests.get(url(server, "/sapi.php"), timeout=REQ_TIMEOUT)
    assert r.text == "fpm-fcgi"


@pytest.mark.parametrize("n", [0, 1, 70000, 5 * 1024 * 1024 + 3])
def test_response_bodies_of_any_size(server, n):
    r = requests.get(url(server, f"/big.php?n={n}"), timeout=REQ_TIMEOUT * 3)
    assert r.status_code == 200
    expected = (bytes(range(256)) * (n // 256 + 1))[:n]
    assert len(r.content) == n
    assert r.content == expected


def test_keepalive_many_requests_on_one_connection(server):
    with requests.Session() as sess:
        for i in range(20):
            r = sess.get(url(server, f"/vars.php?i={i}"), timeout=REQ_TIMEOUT)
            assert r.status_code == 200
            assert r.json()["GET"] == {"i": str(i)}


# ------------------------------------------------------------ classic mode: no leaks


def test_nothing_leaks_between_requests(keel):
    """One worker, so every request lands on the same process: whatever a
    request defines must be gone for the next one."""
    s = keel(app_dir("classic"), workers=1)
    polluting = requests.get(s.url + "/state.php?define=yes&x=abc", headers={"X-Leak": "from-first"},
                             timeout=REQ_TIMEOUT)
    assert polluting.status_code == 200, polluting.text
    first = polluting.json()
    assert first["static"] == 1
    assert first["get_x_seen"] == "abc"
    assert first["server_header_seen"] == "from-first"
    for _ in range(3):
        r = requests.get(s.url + "/state.php", timeout=REQ_TIMEOUT)
        assert r.status_code == 200, r.text
        d = r.json()
        assert d["static"] == 1, d
        assert d["global_seen"] is None, d
        assert d["function_seen"] is False, d
        assert d["constant_seen"] is False, d
        assert d["class_seen"] is False, d
        assert d["get_x_seen"] is None, d
        assert d["server_header_seen"] is None, d
        assert d["ini_seen"] == first["ini_seen"], d  # ini_set() is undone too


# ------------------------------------------------------------ more of what PHP apps rely on


def test_cgi_server_variables(server):
    r = requests.get(url(server, "/server.php"), headers={"X-Probe": "p1"}, timeout=REQ_TIMEOUT)
    d = r.json()
    assert d["REMOTE_ADDR"] == "127.0.0.1"
    assert str(d["SERVER_PORT"]) == str(server.port)
    assert d["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert d["REQUEST_METHOD"] == "GET"
    assert d["HTTPS"] in (None, "", "off")
    assert os.path.realpath(d["DOCUMENT_ROOT"]) == os.path.realpath(app_dir("php"))
    assert d["getallheaders"] is not None, "getallheaders() missing"
    hdrs = {k.lower(): v for k, v in d["getallheaders"].items()}
    assert hdrs.get("x-probe") == "p1"


def test_repeated_response_headers(server):
    r = server.get("/multiheader.php")
    assert r.status == 200
    multi = [v for k, v in r.header_list if k.lower() == "x-multi"]
    assert sorted(multi) == ["one", "two"] or multi == ["one, two"], multi
    replaced = [v for k, v in r.header_list if k.lower() == "x-replaced"]
    assert replaced == ["new"]


def test_head_on_php_has_no_body(server):
    r = server.stream("/vars.php", method="HEAD")
    try:
        rest = r.read_to_eof()
    finally:
        r.close()
    assert r.status == 200
    assert r.headers.get("content-type", "").startswith("application/json")
    assert rest == b"", rest[:200]


def test_http10_request(server):
    data = raw_exchange(server.port, b"GET /status.php?code=200 HTTP/1.0\r\n\r\n")
    assert data.startswith(b"HTTP/1."), data[:100]
    assert data.split(b" ", 2)[1] == b"200"
    assert data.endswith(b"status-body\n"), data[-100:]


def test_pipelined_requests(server):
    raw = (b"GET /vars.php?n=1 HTTP/1.1\r\nHost: x\r\n\r\n"
           b"GET /vars.php?n=2 HTTP/1.1\r\nHost: x\r\n\r\n"
           b"GET /vars.php?n=3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = raw_exchange(server.port, raw)
    assert data.count(b"HTTP/1.1 200") == 3, data[:500]
    i1, i2, i3 = (data.find(b'"n":"%d"' % n) for n in (1, 2, 3))
    assert 0 < i1 < i2 < i3, data


def test_many_repeats_of_headers_the_front_copies(server):
    # Content-Length, Transfer-Encoding, Expect and Upgrade are copied by the
    # front for PHP; past four of them in one request the copy buffer once
    # overflowed and took the front down.
    ups = "".join(f"Upgrade: u{i}\r\n" for i in range(6))
    raw = (f"POST /vars.php HTTP/1.1\r\nHost: x\r\n{ups}Content-Type: application/x-www-form-urlencoded\r\n"
           "Content-Length: 3\r\nConnection: close\r\n\r\nx=1").encode()
    data = raw_exchange(server.port, raw)
    assert data.startswith(b"HTTP/1.1 200"), data[:300]
    seen = json.loads(data.partition(b"\r\n\r\n")[2])
    assert seen["POST"] == {"x": "1"}
    assert seen["HTTP"]["HTTP_CONTENT_LENGTH"] == "3"
    assert seen["HTTP"]["HTTP_UPGRADE"] == ", ".join(f"u{i}" for i in range(6))
    assert requests.get(url(server, "/status.php"), timeout=REQ_TIMEOUT).status_code == 200


def test_multipart_upload(server):
    content = os.urandom(20000)
    r = requests.post(url(server, "/upload.php"), data={"field": "value"},
                      files={"up": ("report.bin", content, "application/octet-stream")}, timeout=REQ_TIMEOUT)
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["POST"] == {"field": "value"}
    f = d["files"]["up"]
    assert f == {"name": "report.bin", "size": len(content), "error": 0, "uploaded": True,
                 "sha1": hashlib.sha1(content).hexdigest()}


def test_session_round_trip(server):
    with requests.Session() as sess:
        a = sess.get(url(server, "/session.php"), timeout=REQ_TIMEOUT)
        assert a.status_code == 200
        assert "PHPSESSID" in a.cookies
        b = sess.get(url(server, "/session.php"), timeout=REQ_TIMEOUT)
        assert b.json() == {"n": 2, "id": a.json()["id"]}


def test_memory_limit_exhaustion_is_500(server):
    r = requests.get(url(server, "/memory.php"), timeout=REQ_TIMEOUT * 2)
    assert r.status_code == 500
    assert "survived" not in r.text
    assert requests.get(url(server, "/status.php"), timeout=REQ_TIMEOUT).status_code == 200


def test_error_log_goes_to_keel_log(server):
    tag = f"t{time.monotonic_ns()}"
    r = requests.get(url(server, f"/errorlog.php?tag={tag}"), timeout=REQ_TIMEOUT)
    assert r.status_code == 200
    server.wait_log(f"keel-it-error-log-{tag}")


def test_uncaught_exception_is_logged(server):
    requests.get(url(server, "/throw.php"), timeout=REQ_TIMEOUT)
    server.wait_log("uncaught-boom")


def test_fastcgi_finish_request(server, tmp_path):
    rel = tmp_path / "release"
    marker = tmp_path / "marker"
    q = urllib.parse.urlencode({"file": str(rel), "marker": str(marker), "max": f"{HOLD_MAX:.0f}"})
    # The whole response arrives while the script is still waiting.
    r = requests.get(url(server, "/finish.php?" + q), timeout=REQ_TIMEOUT)
    assert r.status_code == 200
    assert r.text == "finished-early\n"
    assert not marker.exists()
    rel.write_text("go")
    poll_until(marker.exists, REQ_TIMEOUT, what="finish.php to carry on after fastcgi_finish_request")
    poll_until(lambda: marker.read_text() == "released", REQ_TIMEOUT, what="the marker's content")


def test_max_execution_time(keel):
    s = keel(app_dir("php"), "-d", "max_execution_time=1", workers=1)
    t0 = time.monotonic()
    r = requests.get(s.url + f"/spin.php?max={10 * SCALE:.0f}", timeout=REQ_TIMEOUT * 2)
    elapsed = time.monotonic() - t0
    assert r.status_code == 500, (r.status_code, r.text[:200])
    assert "spun-to-the-end" not in r.text
    assert elapsed < 6 * SCALE, elapsed
    assert requests.get(s.url + "/status.php", timeout=REQ_TIMEOUT).status_code == 200


D_VALUES = [
    "error_reporting=E_ALL & ~E_DEPRECATED",
    "include_path=.:/usr/share/php:/opt/keel lib",
    "date.timezone=Europe/Paris",
    "user_agent=Mozilla/5.0 keel",
    "highlight.comment=#FF8000",
    "arg_separator.output=&amp;",
    "precision=-1",
    "default_charset=ISO-8859-15",
    "auto_detect_line_endings=1",
]


def test_d_values_parse_like_php_cli(keel):
    """-d values reach PHP exactly as `php -d` would give them (php-cli is
    the oracle for quoting, constants and expressions)."""
    args = []
    for kv in D_VALUES:
        args += ["-d", kv]
    s = keel(app_dir("php"), *args, workers=1)
    keys = [kv.split("=", 1)[0] for kv in D_VALUES]
    got = requests.get(s.url + "/ini.php", params={"keys": ",".join(keys)}, timeout=REQ_TIMEOUT).json()
    code = "$o = []; foreach (explode(',', $argv[1]) as $k) { $o[$k] = ini_get($k); } echo json_encode($o);"
    php = "/usr/bin/php" if os.path.exists("/usr/bin/php") else "php"
    oracle = subprocess.run([php, "-n", *args, "-r", code, ",".join(keys)], capture_output=True,
                            timeout=REQ_TIMEOUT)
    want = json.loads(oracle.stdout)
    for kv, key in zip(D_VALUES, keys):
        assert got[key] == want[key], f"-d {kv}: keel gives {got[key]!r}, php -d gives {want[key]!r}"


def test_chunked_request_body(server):
    parts = [os.urandom(n) for n in (5, 3000, 1, 70000)]
    body = b"".join(b"%x\r\n" % len(p) + p + b"\r\n" for p in parts) + b"0\r\n\r\n"
    head = (b"POST /bodyhash.php HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            b"Transfer-Encoding: chunked\r\nContent-Type: application/octet-stream\r\n\r\n")
    data = raw_exchange(server.port, head + body)
    assert data.startswith(b"HTTP/1.1 200"), data[:200]
    whole = b"".join(parts)
    got = json.loads(data.split(b"\r\n\r\n", 1)[1])
    assert got == {"len": len(whole), "sha1": hashlib.sha1(whole).hexdigest()}


def test_expect_100_continue(server):
    from conftest import RawResponse

    payload = b"0123456789" * 10
    r = RawResponse(server.port, "/bodyhash.php", method="POST",
                    raw=(b"POST /bodyhash.php HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                         b"Content-Length: %d\r\nExpect: 100-continue\r\n\r\n" % len(payload)))
    try:
        r.read_headers()
        assert r.status == 100, r.status_line
        # the interim response is done; send the body and read the real one
        r.buf = r.buf[r._body_start:]
        r.status = None
        r.headers = {}
        r.sock.sendall(payload)
        body = r.read_all()
    finally:
        r.close()
    assert r.status == 200
    assert json.loads(body) == {"len": len(payload), "sha1": hashlib.sha1(payload).hexdigest()}


def test_large_and_many_response_headers(server):
    r = server.get("/bigheader.php?n=16000&count=60")
    assert r.status == 200
    assert r.headers.get("x-big") == "h" * 16000
    for i in range(60):
        assert r.headers.get(f"x-h{i}") == f"v{i}"
    assert r.body == b"ok"


def test_many_concurrent_clients(keel):
    import concurrent.futures

    s = keel(app_dir("php"), workers=4)

    def client(n):
        out = []
        with requests.Session() as sess:
            for i in range(5):
                r = sess.get(s.url + f"/vars.php?c={n}&i={i}", timeout=REQ_TIMEOUT * 2)
                out.append((r.status_code, r.json()["GET"] == {"c": str(n), "i": str(i)}))
        return out

    with concurrent.futures.ThreadPoolExecutor(40) as ex:
        results = [x for f in [ex.submit(client, n) for n in range(40)] for x in f.result()]
    assert results == [(200, True)] * 200


def test_output_from_shutdown_functions_and_destructors(server):
    r = requests.get(url(server, "/shutdownfn.php"), timeout=REQ_TIMEOUT)
    assert r.status_code == 200
    assert r.text == "main-body\nfrom-shutdown-function\nfrom-destructor\n"


def test_ob_gzhandler(server):
    expected = "".join(f"line {i} of a compressible response\n" for i in range(2000))
    raw = server.get("/gzip.php", headers={"Accept-Encoding": "gzip"})
    assert raw.status == 200
    assert raw.headers.get("content-encoding") == "gzip"
    assert raw.headers.get("x-before-output") == "yes"
    import gzip

    assert gzip.decompress(raw.body).decode() == expected
    plain = server.get("/gzip.php")
    assert "content-encoding" not in plain.headers
    assert plain.body.decode() == expected
