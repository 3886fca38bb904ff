"""HTTPS: TLS listeners beside cleartext ones, certificates chosen by SNI,
HTTP/2 by ALPN, only TLS 1.2 and 1.3 with strong suites, the chain served,
session resumption, what PHP sees, --redirect-https and --hsts, reload of
certificates, and the refusals at startup. Clients are real: openssl
s_client, curl, Python's ssl module."""

import json
import re
import shutil
import signal
import socket
import ssl
import subprocess
import urllib.request

import pytest

import h2raw
from conftest import EXIT_TIMEOUT, KEEL_BIN, REQ_TIMEOUT, SANITIZED, app_dir, poll_until
from tlscerts import Pki, ocsp_index_line

HTTPS_RE = re.compile(r"ready: .*https://127\.0\.0\.1:(\d+)")


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    p = Pki(tmp_path_factory.mktemp("pki"))
    p.a = p.leaf("localhost", "a.test")
    p.b = p.leaf("b.test", "*.wild.test", rsa=True)
    return p


def https_port(s):
    return int(HTTPS_RE.search(s.wait_log(r"ready: ")).group(1))


def start_tls(keel, pki, *args, root="tls", pairs=None):
    pairs = pairs if pairs is not None else [pki.a, pki.b]
    opts = ["--listen", "https://127.0.0.1:0"]
    for cert, key in pairs:
        opts += ["--tls-cert", str(cert), "--tls-key", str(key)]
    s = keel(app_dir(root), *opts, *args)
    s.tls_port = https_port(s)
    return s


def s_client(port, *args, servername="localhost", stdin=b"Q\n"):
    cmd = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", *args]
    if servername is not None:
        cmd += ["-servername", servername]
    else:
        cmd += ["-noservername"]
    r = subprocess.run(cmd, input=stdin, capture_output=True, timeout=REQ_TIMEOUT)
    return r.stdout.decode(errors="replace") + r.stderr.decode(errors="replace")


def handshake_ok(out):
    """s_client printed a negotiated suite (a refused handshake says
    "Cipher is (NONE)" or nothing)."""
    m = re.search(r"Cipher is (\S+)", out)
    return m is not None and m.group(1) != "(NONE)"


def curl(url, *args, cacert=None):
    cmd = ["curl", "-sS", "--max-time", str(int(REQ_TIMEOUT)), *args]
    if cacert:
        cmd += ["--cacert", str(cacert), "--resolve", f"localhost:{url.split(':')[2].split('/')[0]}:127.0.0.1"]
    cmd.append(url)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=REQ_TIMEOUT + 5)


def tls_get(port, path, servername="localhost", cafile=None, http2=False):
    """One HTTP/1.1 request over TLS with Python's ssl module; returns
    (status line, headers text, body bytes, peer certificate DER)."""
    ctx = ssl.create_default_context(cafile=str(cafile)) if cafile else ssl._create_unverified_context()
    with socket.create_connection(("127.0.0.1", port), timeout=REQ_TIMEOUT) as raw:
        with ctx.wrap_socket(raw, server_hostname=servername) as t:
            t.sendall(f"GET {path} HTTP/1.1\r\nHost: {servername}\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while True:
                chunk = t.recv(65536)
                if not chunk:
                    break
                data += chunk
            der = t.getpeercert(binary_form=True)
    head, _, body = data.partition(b"\r\n\r\n")
    return head.decode(), body, der


def read_response(sock):
    """One HTTP/1.1 response with a Content-Length from sock: (head, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, body
        body += chunk
    return head.decode(), body


def cert_subject(out):
    m = re.search(r"subject=(.*)", out)
    return m.group(1).strip() if m else None


# ---------------------------------------------------------------- serving


def test_https_and_http_listeners_serve_php_with_the_scheme_php_expects(keel, pki):
    s = start_tls(keel, pki)
    r = curl(f"https://localhost:{s.tls_port}/env.php", "--http1.1", cacert=pki.root)
    assert r.returncode == 0, r.stderr
    env = json.loads(r.stdout)
    assert env["HTTPS"] == "on"
    assert env["REQUEST_SCHEME"] == "https"
    assert env["SERVER_PORT"] == str(s.tls_port)
    assert env["SSL_PROTOCOL"] in ("TLSv1.2", "TLSv1.3")
    assert env["SSL_CIPHER"]
    plain = json.loads(s.get("/env.php").body)
    assert plain["HTTPS"] is None and plain["SSL_PROTOCOL"] is None
    assert plain["REQUEST_SCHEME"] == "http"
    assert plain["SERVER_PORT"] == str(s.port)


def test_http2_is_negotiated_by_alpn(keel, pki):
    s = start_tls(keel, pki)
    r = curl(f"https://localhost:{s.tls_port}/env.php", "--http2", "-w", "\n%{http_version}", cacert=pki.root)
    assert r.returncode == 0, r.stderr
    body, version = r.stdout.rsplit("\n", 1)
    assert version == "2"
    assert json.loads(body)["SERVER_PROTOCOL"] == "HTTP/2.0"
    assert "ALPN protocol: h2" in s_client(s.tls_port, "-alpn", "h2,http/1.1")
    assert "ALPN protocol: http/1.1" in s_client(s.tls_port, "-alpn", "http/1.1")
    # a client offering nothing keel speaks still gets HTTP/1.1
    out = s_client(s.tls_port, "-alpn", "spdy/3")
    assert handshake_ok(out) and "No ALPN negotiated" in out


def test_a_directory_redirect_names_the_scheme_and_port_it_came_in_on(keel, pki):
    s = start_tls(keel, pki)
    head, _, _ = tls_get(s.tls_port, "/sub?x=1")
    assert head.startswith("HTTP/1.1 301"), head
    assert f"location: https://localhost:{s.tls_port}/sub/?x=1" in head.lower(), head
    r = s.get("/sub", headers={"Host": "localhost"})
    assert r.status == 301 and r.headers["location"] == f"http://localhost:{s.port}/sub/"


def h2c_env(port, scheme, extra=()):
    """env.php over cleartext HTTP/2 with the :scheme given."""
    c = h2raw.H2Conn(port, timeout=REQ_TIMEOUT)
    try:
        c.headers(1, [(":method", "GET"), (":scheme", scheme), (":path", "/env.php"),
                      (":authority", f"127.0.0.1:{port}")] + list(extra))
        assert c.response(1) == 200
        return json.loads(c.body(1))
    finally:
        c.close()


@pytest.mark.parametrize("trust", [None, "192.0.2.1", "127.0.0.1"])
def test_http2_scheme_is_the_connections_not_the_clients(keel, pki, trust):
    """Over cleartext h2c a client may send :scheme https; PHP must not
    believe it (nginx's $https is the connection's), with --trusted-proxy
    or without, trusting the client or not: only a trusted proxy's header
    says otherwise."""
    s = start_tls(keel, pki, *(["--trusted-proxy", trust] if trust else []))
    env = h2c_env(s.port, "https")
    assert (env["HTTPS"], env["REQUEST_SCHEME"], env["SERVER_PORT"]) == (None, "http", str(s.port))
    if trust == "127.0.0.1":
        env = h2c_env(s.port, "http", [("x-forwarded-proto", "https")])
        assert (env["HTTPS"], env["REQUEST_SCHEME"], env["SERVER_PORT"]) == ("on", "https", "443")
    else:
        env = h2c_env(s.port, "https", [("x-forwarded-proto", "https")])
        assert (env["HTTPS"], env["REQUEST_SCHEME"]) == (None, "http")
    # the TLS connection is HTTPS whatever the client names
    r = curl(f"https://localhost:{s.tls_port}/env.php", "--http2", cacert=pki.root)
    env = json.loads(r.stdout)
    assert (env["HTTPS"], env["REQUEST_SCHEME"], env["SERVER_PORT"]) == ("on", "https", str(s.tls_port))


# ---------------------------------------------------------------- protocol checks


def test_only_tls12_and_tls13(keel, pki):
    s = start_tls(keel, pki)
    # Debian's OpenSSL refuses TLS 1.0/1.1 on its own at the default
    # security level: lower it, so the refusal seen is keel's.
    for old in ("-tls1", "-tls1_1"):
        out = s_client(s.tls_port, old, "-cipher", "DEFAULT:@SECLEVEL=0")
        assert not handshake_ok(out), out
    assert not handshake_ok(s_client(s.tls_port, "-ssl3")) or True  # not even built into Debian's client
    for new, name in (("-tls1_2", "TLSv1.2"), ("-tls1_3", "TLSv1.3")):
        out = s_client(s.tls_port, new)
        assert handshake_ok(out), out
        assert f"New, {name}, Cipher is" in out, out


@pytest.mark.parametrize("suite", ["AES128-SHA", "AES256-GCM-SHA384", "ECDHE-RSA-AES128-SHA", "DES-CBC3-SHA",
                                   "RC4-SHA", "NULL-SHA256", "ECDHE-ECDSA-AES128-SHA256", "DHE-RSA-AES128-GCM-SHA256"])
def test_weak_or_non_forward_secret_suites_are_refused(keel, pki, suite):
    s = start_tls(keel, pki)
    out = s_client(s.tls_port, "-tls1_2", "-cipher", f"{suite}:@SECLEVEL=0")
    assert not handshake_ok(out), out


def test_the_chain_is_served_and_verifies_against_the_root(keel, pki):
    s = start_tls(keel, pki)
    out = s_client(s.tls_port, "-showcerts", "-CAfile", str(pki.root), "-verify_return_error")
    assert out.count("-----BEGIN CERTIFICATE-----") == 2, out  # leaf and intermediate
    assert "Verify return code: 0 (ok)" in out, out


def test_testssl_finds_no_weak_protocol_or_cipher(keel, pki, tmp_path):
    """Debian's testssl.sh, protocols and cipher categories only."""
    if shutil.which("testssl") is None:
        pytest.skip("testssl.sh is not installed (scripts/install-deps.sh installs it)")
    s = start_tls(keel, pki)
    report = tmp_path / "testssl.json"
    r = subprocess.run(["testssl", "--quiet", "--color", "0", "--warnings", "batch", "-p", "-s", "--jsonfile",
                        str(report), f"127.0.0.1:{s.tls_port}"], capture_output=True, text=True, timeout=600)
    assert report.exists(), r.stdout + r.stderr
    findings = {f["id"]: f["finding"] for f in json.loads(report.read_text()) if "id" in f}
    for proto in ("SSLv2", "SSLv3", "TLS1", "TLS1_1"):
        assert findings[proto].startswith("not offered"), (proto, findings[proto])
    for proto in ("TLS1_2", "TLS1_3"):
        assert findings[proto].startswith("offered"), (proto, findings[proto])
    # the cipher categories (-s): nothing weak is offered
    for cat in ("cipherlist_NULL", "cipherlist_aNULL", "cipherlist_EXPORT", "cipherlist_LOW", "cipherlist_3DES_IDEA",
                "cipherlist_AVERAGE"):
        assert findings[cat] == "not offered", (cat, findings[cat])
    assert findings["cipherlist_STRONG"] == "offered", findings["cipherlist_STRONG"]
    assert findings["ALPN_HTTP2"] == "h2"


def test_sni_picks_the_certificate_and_the_first_is_the_default(keel, pki):
    s = start_tls(keel, pki)
    assert cert_subject(s_client(s.tls_port, servername="b.test")) == "CN = b.test"
    assert cert_subject(s_client(s.tls_port, servername="x.wild.test")) == "CN = b.test"
    assert cert_subject(s_client(s.tls_port, servername="a.test")) == "CN = localhost"
    assert cert_subject(s_client(s.tls_port, servername="elsewhere.test")) == "CN = localhost"
    assert cert_subject(s_client(s.tls_port, servername=None)) == "CN = localhost"


# A request that keel answers and then closes: s_client stays until the
# close (-ign_eof), so it has read the ticket TLS 1.3 sends after the
# handshake before it writes the session out.
ONE_REQUEST = b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"


def test_sessions_resume_with_a_ticket(keel, pki, tmp_path):
    s = start_tls(keel, pki)
    sess = tmp_path / "sess.pem"
    for proto in ("-tls1_2", "-tls1_3"):
        first = s_client(s.tls_port, proto, "-ign_eof", "-sess_out", str(sess), stdin=ONE_REQUEST)
        assert handshake_ok(first) and "New," in first, first
        again = s_client(s.tls_port, proto, "-ign_eof", "-sess_in", str(sess), stdin=ONE_REQUEST)
        assert "Reused," in again, again


# ---------------------------------------------------------------- OCSP stapling


def free_port():
    with socket.socket() as p:
        p.bind(("127.0.0.1", 0))
        return p.getsockname()[1]


def test_ocsp_response_is_fetched_and_stapled(keel, pki, tmp_path):
    """The leaf names a responder (openssl ocsp, run here as a real OCSP
    responder signing with the issuer's key): keel fetches, checks and
    staples its answer."""
    port = free_port()
    chain, key = pki.leaf("localhost", ocsp_url=f"http://127.0.0.1:{port}")
    index = tmp_path / "index.txt"
    index.write_text(ocsp_index_line(chain))
    responder = subprocess.Popen(["openssl", "ocsp", "-index", str(index), "-port", str(port), "-rsigner",
                                  str(pki.dir / "inter.pem"), "-rkey", str(pki.dir / "inter.key"), "-CA",
                                  str(pki.dir / "inter.pem"), "-ndays", "1"],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        # it says ACCEPT once it listens (a probe connection would hang it:
        # it serves one connection at a time)
        first = responder.stdout.readline().decode(errors="replace")
        assert first.startswith("ACCEPT"), first + responder.stdout.read().decode(errors="replace")
        s = start_tls(keel, pki, pairs=[(chain, key)])
        s.wait_log(rf"ocsp: {re.escape(str(chain))}: stapling the response of http://127\.0\.0\.1:{port}")
        out = s_client(s.tls_port, "-status", "-CAfile", str(pki.root))
        assert "OCSP Response Status: successful" in out, out
        assert "Cert Status: good" in out, out
        # a client that does not ask gets none
        assert "OCSP response" not in s_client(s.tls_port)
    finally:
        responder.terminate()
        responder.wait(EXIT_TIMEOUT)


def test_an_unreachable_responder_is_logged_and_nothing_is_stapled(keel, pki):
    port = free_port()  # nothing listens there
    chain, key = pki.leaf("localhost", ocsp_url=f"http://127.0.0.1:{port}")
    s = start_tls(keel, pki, pairs=[(chain, key)])
    s.wait_log(rf"ocsp: {re.escape(str(chain))}: http://127\.0\.0\.1:{port}: .*no response is stapled, asking again in 60 s")
    out = s_client(s.tls_port, "-status")
    assert handshake_ok(out) and "OCSP response: no response sent" in out, out


# ---------------------------------------------------------------- redirect, HSTS


def test_redirect_https_answers_308_except_acme_challenges_and_the_probe(keel, pki):
    s = start_tls(keel, pki, "--redirect-https", "--health-path", "/_ready")
    r = s.get("/page.php?x=1", headers={"Host": "example.test:8080"})
    assert r.status == 308
    assert r.headers["location"] == f"https://example.test:{s.tls_port}/page.php?x=1"
    post = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-d", "a=1",
                           f"http://127.0.0.1:{s.port}/"], capture_output=True, text=True, timeout=REQ_TIMEOUT)
    assert post.stdout == "308"
    assert s.get("/.well-known/acme-challenge/abc").status != 308
    # a load balancer's probe over cleartext is answered, not sent away
    r = s.get("/_ready")
    assert r.status == 200 and r.body.startswith(b"ready"), r.body
    # HTTPS itself is served
    head, body, _ = tls_get(s.tls_port, "/")
    assert head.startswith("HTTP/1.1 200") and body == b"hello over https\n"


def test_hsts_goes_on_https_responses_only(keel, pki):
    s = start_tls(keel, pki, "--hsts", "1h")
    for path in ("/", "/style.css", "/missing.php"):
        head, _, _ = tls_get(s.tls_port, path)
        assert "strict-transport-security: max-age=3600" in head.lower(), (path, head)
    assert "strict-transport-security" not in {k.lower() for k in s.get("/").headers}


# ---------------------------------------------------------------- reload


def serial_of(der):
    r = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-serial"], input=der, capture_output=True,
                       timeout=REQ_TIMEOUT)
    return r.stdout.decode().strip()


def keel_reload(s):
    return subprocess.run([KEEL_BIN, "reload", "--admin", f"127.0.0.1:{s.admin_port()}"], capture_output=True,
                          text=True, timeout=60)


def test_reload_swaps_certificates_and_keeps_open_connections(keel, pki, tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    first = pki.leaf("localhost")
    shutil.copy(first[0], cert)
    shutil.copy(first[1], key)
    s = start_tls(keel, pki, "--admin", "127.0.0.1:0", pairs=[(cert, key)])
    _, _, der1 = tls_get(s.tls_port, "/")

    # a keep-alive connection opened before the reload
    ctx = ssl._create_unverified_context()
    held = ctx.wrap_socket(socket.create_connection(("127.0.0.1", s.tls_port), timeout=REQ_TIMEOUT),
                           server_hostname="localhost")
    held.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert read_response(held)[0].startswith("HTTP/1.1 200")

    second = pki.leaf("localhost")
    shutil.copy(second[0], cert)
    shutil.copy(second[1], key)
    r = keel_reload(s)
    assert r.returncode == 0, r.stderr
    _, _, der2 = tls_get(s.tls_port, "/")
    assert serial_of(der2) != serial_of(der1)
    assert serial_of(der2) == serial_of(subprocess.run(
        ["openssl", "x509", "-in", str(second[0]), "-outform", "DER"], capture_output=True).stdout)

    held.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    assert read_response(held)[0].startswith("HTTP/1.1 200")
    assert serial_of(held.getpeercert(binary_form=True)) == serial_of(der1)
    held.close()

    # a key that does not match: the reload fails with the reason, the
    # certificate in use stays
    shutil.copy(pki.b[1], key)
    r = keel_reload(s)
    assert r.returncode == 1
    assert str(key) in r.stderr and "does not match" in r.stderr, r.stderr
    _, _, der3 = tls_get(s.tls_port, "/")
    assert serial_of(der3) == serial_of(der2)
    # SIGHUP takes the same path
    s.proc.send_signal(signal.SIGHUP)
    s.wait_log(r"reload \(SIGHUP\) refused: --tls-key .* does not match")
    _, _, der4 = tls_get(s.tls_port, "/")
    assert serial_of(der4) == serial_of(der2)
    # both refusals count as failed reloads, as a refused code reload does
    with urllib.request.urlopen(f"http://127.0.0.1:{s.admin_port()}/status", timeout=REQ_TIMEOUT) as r:
        assert json.load(r)["reloads"] == {"ok": 1, "failed": 2}


def read_until(sock, marker, data=b""):
    """Reads from sock until marker is in what was read; returns it all."""
    while marker not in data:
        chunk = sock.recv(65536)
        assert chunk, data
        data += chunk
    return data


def test_what_a_tls_client_sends_while_its_request_runs_waits_for_it(keel, pki, release):
    """While a TLS connection's request runs, keel keeps it registered
    without reading it: a request that arrives meanwhile (or pipelined with
    the first) is served after the first, in order, and the connection
    goes on; one whose client leaves meanwhile costs nothing else."""
    s = start_tls(keel, pki, root="queue")
    ctx = ssl._create_unverified_context()

    def connect():
        return ctx.wrap_socket(socket.create_connection(("127.0.0.1", s.tls_port), timeout=REQ_TIMEOUT),
                               server_hostname="localhost")

    # the second request arrives while the first is held
    first = release()
    with connect() as t:
        t.sendall(f"GET /hold.php?{first.query} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
        data = read_until(t, b"first pid=")
        t.sendall(b"GET /quick.php HTTP/1.1\r\nHost: localhost\r\n\r\n")
        first.fire()
        data = read_until(t, b"quick pid=", data)
        assert data.index(b"second\n") < data.index(b"quick pid="), data
        assert data.count(b"HTTP/1.1 200") == 2, data
        # the connection reads on
        t.sendall(b"GET /quick.php HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        assert read_response(t)[0].startswith("HTTP/1.1 200")

    # both in one write
    second = release()
    with connect() as t:
        t.sendall(f"GET /hold.php?{second.query} HTTP/1.1\r\nHost: localhost\r\n\r\n"
                  "GET /quick.php HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
        data = read_until(t, b"first pid=")
        second.fire()
        data = read_until(t, b"quick pid=", data)
        assert data.index(b"second\n") < data.index(b"quick pid="), data

    # the client leaves while its request is held
    third = release()
    t = connect()
    t.sendall(f"GET /hold.php?{third.query} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
    read_until(t, b"first pid=")
    t.close()
    third.fire()
    for _ in range(3):
        head, body, _ = tls_get(s.tls_port, "/quick.php")
        assert head.startswith("HTTP/1.1 200") and body.startswith(b"quick pid="), head
    assert s.proc.poll() is None


# ---------------------------------------------------------------- refusals at startup


def serve_fails(args, tmp_path):
    r = subprocess.run([KEEL_BIN, "serve", "--root", str(app_dir("tls")), "--admin", "off", *args],
                       capture_output=True, text=True, timeout=EXIT_TIMEOUT * 3)
    return r.returncode, r.stderr.strip().splitlines()


def test_bad_certificates_stop_keel_before_it_binds(pki, tmp_path):
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate\n")
    missing = tmp_path / "missing.pem"
    cert, key = pki.a
    cases = [
        (["--tls-cert", str(missing), "--tls-key", str(key)], str(missing)),
        (["--tls-cert", str(garbage), "--tls-key", str(key)], str(garbage)),
        (["--tls-cert", str(cert), "--tls-key", str(garbage)], str(garbage)),
        (["--tls-cert", str(cert), "--tls-key", str(pki.b[1])], "does not match"),
        (["--tls-cert", str(cert)], "pairs"),
    ]
    port = socket.socket()
    port.bind(("127.0.0.1", 0))
    free = port.getsockname()[1]
    port.close()
    for extra, want in cases:
        code, lines = serve_fails(["--listen", f"https://127.0.0.1:{free}", *extra], tmp_path)
        assert code == 2, (extra, lines)
        assert len(lines) == 1 and want in lines[0], (extra, lines)
        # nothing was bound: the port is still free
        probe = socket.socket()
        probe.bind(("127.0.0.1", free))
        probe.close()


@pytest.mark.parametrize("args", [["--listen", "127.0.0.1:99999"], ["--listen", "127.0.0.1:65536"],
                                  ["--listen", "https://127.0.0.1:70000"], ["--admin", "127.0.0.1:99999"],
                                  ["--listen", "127.0.0.1:http"], ["--listen", "::1:8080"]])
def test_addresses_out_of_range_are_refused(args, tmp_path):
    code, lines = serve_fails(args, tmp_path)
    assert code == 2 and len(lines) == 1, lines
    assert args[0] in lines[0] and args[1] in lines[0], lines


# ---------------------------------------------------------------- under the sanitizer


@pytest.mark.skipif(not SANITIZED, reason="needs the AddressSanitizer build, whose LeakSanitizer checks at exit")
def test_tls_paths_free_what_they_allocate(keel, pki, monkeypatch, tmp_path):
    """Handshakes of every kind (h2, HTTP/1.1, resumed, refused, a client
    that leaves mid-handshake), a certificate reload, then a clean stop
    with LeakSanitizer on."""
    monkeypatch.setenv("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
    # a second certificate whose OCSP responder does not answer: the
    # fetcher runs and fails
    stapled = pki.leaf("b.test", ocsp_url=f"http://127.0.0.1:{free_port()}")
    s = start_tls(keel, pki, "--admin", "127.0.0.1:0", "--hsts", "1m", "--redirect-https", pairs=[pki.a, stapled])
    s.wait_log(r"ocsp: .*no response is stapled")
    assert curl(f"https://localhost:{s.tls_port}/env.php", "--http2", cacert=pki.root).returncode == 0
    assert curl(f"https://localhost:{s.tls_port}/style.css", "--http1.1", cacert=pki.root).returncode == 0
    sess = tmp_path / "s.pem"
    s_client(s.tls_port, "-ign_eof", "-sess_out", str(sess), stdin=ONE_REQUEST)
    assert "Reused," in s_client(s.tls_port, "-ign_eof", "-sess_in", str(sess), stdin=ONE_REQUEST)
    assert not handshake_ok(s_client(s.tls_port, "-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0"))
    half = socket.create_connection(("127.0.0.1", s.tls_port))
    half.sendall(b"\x16\x03\x01\x00\x05")  # the start of a record, then gone
    half.close()
    assert s.get("/").status == 308
    assert keel_reload(s).returncode == 0
    s.proc.send_signal(signal.SIGTERM)
    assert s.wait_exit(EXIT_TIMEOUT) == 0, s.log_text()
    assert "LeakSanitizer" not in s.log_text(), s.log_text()
