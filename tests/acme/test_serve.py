"""`keel serve` with --acme-domain against pebble: the front answers the
CA's HTTP-01 and TLS-ALPN-01 validations itself, serves what it obtains
over HTTPS without a reload, renews a short-lived certificate while clients
keep connecting (none fails), refuses HTTPS for a name whose certificate
does not exist yet, and logs and retries a refused challenge."""

import os
import re
import socket
import ssl
import subprocess
import threading
import time

import pytest

from conftest import EXIT_TIMEOUT, ISSUE_TIMEOUT, REPO, SCALE, START_TIMEOUT, Proc, free_port

KEEL_BIN = os.environ.get("KEEL_BIN") or str(REPO / "build" / "keel")
APP = REPO / "tests" / "acme" / "app"


class Keel(Proc):
    """keel serve on the ports pebble validates on."""

    def __init__(self, env, domains, http=True, tls=True, extra=(), environ=None):
        args = [KEEL_BIN, "serve", "--root", APP, "--workers", "1", "--admin", "off", "--acme-directory",
                env.pebble.directory, "--acme-ca-root", env.pebble.ca_root, "--state-dir", env.state]
        if http:
            args += ["--listen", f"127.0.0.1:{env.http_port}"]
        if tls:
            args += ["--listen", f"https://127.0.0.1:{env.tls_port}"]
        for d in domains:
            args += ["--acme-domain", d]
        super().__init__("keel", [*args, *extra], env=environ)
        self.wait_line(r"ready: ", START_TIMEOUT, stream="err")


@pytest.fixture
def serve_env(acme_env, tmp_path):
    """pebble validating on two free ports, which keel then binds. Yields an
    object with start(validity_seconds=None) and keel(domains, ...)."""
    started = []

    class Env:
        def start(self, validity_seconds=None):
            # the fixture's own listening sockets are closed: keel binds
            # their ports instead (pebble only connects to them)
            self.acme = acme_env.start(validity_seconds)
            self.http_port = self.acme.http.getsockname()[1]
            self.tls_port = self.acme.tls.getsockname()[1]
            self.acme.http.close()
            self.acme.tls.close()
            self.pebble = self.acme.pebble
            self.state = tmp_path / "state"
            return self

        def keel(self, domains, **kw):
            k = Keel(self, domains, **kw)
            started.append(k)
            return k

    yield Env()
    errors = []
    for k in started:
        k.stop()
        errors += k.sanitizer_errors()
    if errors:
        pytest.fail("sanitizer reports from keel:\n" + "\n".join(errors))


def https_context(env, tmp_path):
    roots = tmp_path / "pebble-roots.pem"
    roots.write_bytes(env.pebble.roots_pem())
    return ssl.create_default_context(cafile=str(roots))


def https_get(env, ctx, name, path="/"):
    """A fresh connection (so a fresh handshake) to keel's TLS port for
    name, verified against pebble's root: (status line, body, serial)."""
    with socket.create_connection(("127.0.0.1", env.tls_port), timeout=10 * SCALE) as raw:
        with ctx.wrap_socket(raw, server_hostname=name) as t:
            t.sendall(f"GET {path} HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while chunk := t.recv(65536):
                data += chunk
            serial = t.getpeercert()["serialNumber"]
    head, _, body = data.partition(b"\r\n\r\n")
    return head.split(b"\r\n", 1)[0].decode(), body, serial


def test_http01_through_keel_serve(serve_env, tmp_path):
    env = serve_env.start()
    k = env.keel(["web.keel.test,www.web.keel.test"])
    k.wait_line(r"acme: web\.keel\.test: certificate issued", ISSUE_TIMEOUT, stream="err")
    k.wait_line(r"https: serving the certificate for web\.keel\.test", 5 * SCALE, stream="err")
    assert k.matching(r"acme: web\.keel\.test: answering http-01", stream="err")
    assert not k.matching(r"answering tls-alpn-01", stream="err")
    ctx = https_context(env, tmp_path)
    for name in ("web.keel.test", "www.web.keel.test"):
        status, body, _ = https_get(env, ctx, name)
        assert status == "HTTP/1.1 200 OK" and body == b"served by keel over https\n", (status, body)
    # HTTP/2 over the issued certificate, as a browser would
    roots = tmp_path / "pebble-roots.pem"
    r = subprocess.run(["curl", "-sS", "--http2", "-w", "\n%{http_version}", "--cacert", str(roots), "--resolve",
                        f"web.keel.test:{env.tls_port}:127.0.0.1", f"https://web.keel.test:{env.tls_port}/"],
                       capture_output=True, text=True, timeout=30)
    assert r.stdout == "served by keel over https\n\n2", r.stderr
    assert k.terminate() == 0


def test_tls_alpn01_through_keel_serve(serve_env, tmp_path):
    env = serve_env.start()
    k = env.keel(["alpn.keel.test"], http=False)
    k.wait_line(r"acme: alpn\.keel\.test: certificate issued", ISSUE_TIMEOUT, stream="err")
    assert k.matching(r"acme: alpn\.keel\.test: answering tls-alpn-01", stream="err")
    k.wait_line(r"https: serving the certificate for alpn\.keel\.test", 5 * SCALE, stream="err")
    status, body, _ = https_get(env, https_context(env, tmp_path), "alpn.keel.test")
    assert status == "HTTP/1.1 200 OK" and body == b"served by keel over https\n"
    assert k.terminate() == 0


def test_renewal_while_clients_connect_loses_no_request(serve_env, tmp_path):
    """A 21 s certificate renews 14 s in; a client opening a new connection
    for every request all along sees the old serial, then the new one, and
    never a failure."""
    env = serve_env.start(validity_seconds=21)
    k = env.keel(["short.keel.test"])
    k.wait_line(r"https: serving the certificate for short\.keel\.test", ISSUE_TIMEOUT, stream="err")
    ctx = https_context(env, tmp_path)
    results = []  # (ok, serial or error)
    stop = threading.Event()

    def client():
        while not stop.is_set():
            try:
                status, body, serial = https_get(env, ctx, "short.keel.test")
                results.append((status == "HTTP/1.1 200 OK" and body == b"served by keel over https\n", serial))
            except (OSError, ssl.SSLError) as e:
                results.append((False, repr(e)))

    threads = [threading.Thread(target=client) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        i, _ = k.wait_line(r"acme: short\.keel\.test: renewing the certificate", 30 * SCALE, stream="err")
        k.wait_line(r"https: serving the certificate for short\.keel\.test", ISSUE_TIMEOUT, stream="err", start=i)
        # keep going a little past the swap, counted in requests, not time
        seen = len(results)
        end = time.monotonic() + 20 * SCALE
        while len(results) < seen + 20 and time.monotonic() < end:
            time.sleep(0.05)  # polling a bounded condition
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    failures = [r for r in results if not r[0]]
    assert not failures, failures[:5]
    serials = []
    for _, s in results:
        if not serials or serials[-1] != s:
            serials.append(s)
    assert len(set(serials)) >= 2, serials  # the renewed certificate was served
    assert len(results) >= 40, len(results)
    assert k.terminate() == 0


def test_refused_challenge_is_logged_retried_and_https_waits_for_it(serve_env, tmp_path):
    env = serve_env.start()
    # pebble's DNS points the name where nothing listens: every validation fails
    env.pebble.dns("/add-a", {"host": "late.keel.test.", "addresses": ["127.0.0.2"]})
    k = env.keel(["late.keel.test"], tls=True,
                 environ={"KEEL_ACME_RETRY_FIRST_MS": "1000", "KEEL_ACME_RETRY_MAX_MS": "2000"})
    i, m = k.wait_line(r"acme: late\.keel\.test: challenge refused: (.*); next attempt in (\S+)", ISSUE_TIMEOUT,
                       stream="err")
    assert "connection" in m.group(1).lower(), m.group(0)
    assert m.group(2) == "1.0s"
    _, m2 = k.wait_line(r"acme: late\.keel\.test: challenge refused: .*; next attempt in (\S+)", ISSUE_TIMEOUT,
                        stream="err", start=i + 1)
    assert m2.group(1) == "2.0s"
    # HTTPS for the name is refused clearly meanwhile, and said so in the log
    out = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{env.tls_port}", "-servername",
                          "late.keel.test"], input=b"", capture_output=True, timeout=30)
    text = (out.stdout + out.stderr).decode(errors="replace")
    assert "unrecognized name" in text, text
    k.wait_line(r"https: no certificate for late\.keel\.test yet", 5 * SCALE, stream="err")
    # the record is put right: the next attempt succeeds and is served
    env.pebble.dns("/clear-a", {"host": "late.keel.test."})
    k.wait_line(r"https: serving the certificate for late\.keel\.test", ISSUE_TIMEOUT, stream="err")
    status, _, _ = https_get(env, https_context(env, tmp_path), "late.keel.test")
    assert status == "HTTP/1.1 200 OK"
    assert k.terminate() == 0


def test_bad_acme_configuration_is_one_line_and_exit_2(tmp_path):
    https = ["--listen", f"https://127.0.0.1:{free_port()}"]
    for args, want in (
        ([*https, "--acme-domain", "*.wild.keel.test"], "--acme-domain"),
        ([*https, "--acme-domain", "x.keel.test", "--acme-ca-root", str(tmp_path / "missing.pem")], "missing.pem"),
        # nowhere to answer a challenge
        (["--listen", f"unix:{tmp_path}/k.sock", "--acme-domain", "x.keel.test"], "--acme-domain"),
    ):
        r = subprocess.run([KEEL_BIN, "serve", "--root", str(APP), "--admin", "off", "--state-dir",
                            str(tmp_path / "s"), *args],
                           capture_output=True, text=True, timeout=EXIT_TIMEOUT * 3)
        lines = r.stderr.strip().splitlines()
        assert r.returncode == 2 and len(lines) == 1 and want in lines[0], (args, r.stderr)
