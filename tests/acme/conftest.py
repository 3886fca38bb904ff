"""Machinery for the ACME client's integration tests.

Everything is real: Debian's `pebble` ACME server issues the certificates,
`pebble-challtestsrv` is its DNS (every test name resolves to 127.0.0.1
unless a test says otherwise), and keel's ACME client runs inside
`keel-acme-responder` (tests/acme/responder.c), which answers pebble's
HTTP-01 and TLS-ALPN-01 validations on listening sockets this file opens
and passes in. Certificates are inspected with the `openssl` command.

Waits are on a condition with a deadline (a line on a pipe, a port
accepting), never a fixed sleep used as synchronisation.
"""

import atexit
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
RESPONDER = os.environ.get("KEEL_ACME_RESPONDER") or str(REPO / "build" / "tests" / "acme" / "keel-acme-responder")
SANITIZED = os.environ.get("KEEL_SANITIZED") == "1"
SCALE = 3.0 if SANITIZED else 1.0

START_TIMEOUT = 20.0 * SCALE  # a process from spawn to ready
ISSUE_TIMEOUT = 60.0 * SCALE  # an order from start to certificate
EXIT_TIMEOUT = 10.0 * SCALE


def deadline_after(seconds):
    return time.monotonic() + seconds


def free_port():
    """A port nothing listens on right now (pebble binds its own)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening_socket():
    """A listening socket on 127.0.0.1 that a child process can inherit."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    s.set_inheritable(True)
    return s


def wait_port(port, timeout, proc=None, what="port"):
    end = deadline_after(timeout)
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            pass
        if proc is not None and proc.proc.poll() is not None:
            raise AssertionError(f"{proc.name} exited with {proc.proc.returncode}:\n{proc.text()}")
        if time.monotonic() >= end:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} {port}")
        time.sleep(0.05)


def wait_directory(url, ca_file, timeout, proc):
    """Waits for an ACME directory at url served with a certificate ca_file
    signed, while proc lives."""
    context = ssl.create_default_context(cafile=str(ca_file))
    end = deadline_after(timeout)
    while True:
        if proc.proc.poll() is not None:
            raise AssertionError(f"{proc.name} exited with {proc.proc.returncode}:\n{proc.text()}")
        try:
            with urllib.request.urlopen(url, timeout=2, context=context) as r:
                if r.status == 200 and "newOrder" in json.loads(r.read()):
                    return
        except (OSError, ValueError):
            pass
        if time.monotonic() >= end:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for the ACME directory {url}")
        time.sleep(0.05)


# ---------------------------------------------------------------- processes

_ALL = []


@atexit.register
def _stop_leftovers():
    for p in _ALL:
        try:
            p.stop()
        except Exception:
            pass


class Proc:
    """A child process whose stdout and stderr lines are collected as they
    arrive, so a test can wait for a line."""

    def __init__(self, name, args, env=None, pass_fds=()):
        self.name = name
        self.args = [str(a) for a in args]
        self.lines = {"out": [], "err": []}
        self._cond = threading.Condition()
        _ALL.append(self)
        self.proc = subprocess.Popen(
            self.args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            pass_fds=pass_fds,
            env={**os.environ, **(env or {})},
        )
        self.pid = self.proc.pid
        self._threads = []
        for key, stream in (("out", self.proc.stdout), ("err", self.proc.stderr)):
            t = threading.Thread(target=self._drain, args=(stream, self.lines[key]), daemon=True)
            t.start()
            self._threads.append(t)

    def _drain(self, stream, sink):
        for raw in iter(stream.readline, b""):
            with self._cond:
                sink.append(raw.decode("utf-8", errors="replace").rstrip("\n"))
                self._cond.notify_all()
        stream.close()
        with self._cond:
            self._cond.notify_all()

    def text(self):
        with self._cond:
            return "\n".join(self.lines["out"] + ["--- stderr ---"] + self.lines["err"])

    def count(self, stream="out"):
        with self._cond:
            return len(self.lines[stream])

    def wait_line(self, pattern, timeout, stream="out", start=0):
        """Waits for a line matching the regex at index >= start; returns
        (index, match)."""
        rx = re.compile(pattern)
        end = deadline_after(timeout)
        with self._cond:
            while True:
                lines = self.lines[stream]
                for i in range(start, len(lines)):
                    m = rx.search(lines[i])
                    if m:
                        return i, m
                if self.proc.poll() is not None and all(not t.is_alive() for t in self._threads):
                    raise AssertionError(
                        f"{self.name} exited ({self.proc.returncode}) without a line matching {pattern!r}:\n"
                        + self.text()
                    )
                remaining = end - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"{self.name}: no line matching {pattern!r} within {timeout:.0f}s:\n" + self.text())
                self._cond.wait(min(remaining, 0.2))

    def wait_lines(self, pattern, count, timeout, stream="out"):
        """Waits until `count` lines match the regex; returns the first
        `count` of them (the lines, not matches)."""
        rx = re.compile(pattern)
        found = []
        start = 0
        end = deadline_after(timeout)
        while len(found) < count:
            i, _ = self.wait_line(pattern, max(end - time.monotonic(), 0.01), stream, start)
            with self._cond:
                found.append(self.lines[stream][i])
            start = i + 1
        assert all(rx.search(l) for l in found)
        return found

    def matching(self, pattern, stream="out"):
        rx = re.compile(pattern)
        with self._cond:
            return [m for m in (rx.search(l) for l in self.lines[stream]) if m]

    def terminate(self, timeout=EXIT_TIMEOUT):
        """SIGTERM, then the exit status."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{self.name} did not exit within {timeout:.0f}s after SIGTERM")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5 * SCALE)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        for t in self._threads:
            t.join(5)

    def sanitizer_errors(self):
        with self._cond:
            return [
                l
                for l in self.lines["err"]
                if "ERROR: AddressSanitizer" in l or "runtime error:" in l or "ERROR: LeakSanitizer" in l
            ]


# ---------------------------------------------------------------- a test PKI for pebble's own listener


def openssl(*args, cwd=None, input=None):
    r = subprocess.run(["openssl", *map(str, args)], cwd=cwd, input=input, capture_output=True)
    if r.returncode != 0:
        raise AssertionError(f"openssl {' '.join(map(str, args))} failed:\n{r.stderr.decode(errors='replace')}")
    return r.stdout.decode(errors="replace")


def make_listener_pki(d):
    """A CA and a certificate for localhost/127.0.0.1 signed by it: Debian's
    pebble ships no certificate for its own HTTPS listener. Returns
    (ca_pem, cert_pem, key_pem) paths."""
    d.mkdir(parents=True, exist_ok=True)
    ca_key, ca_pem = d / "ca.key", d / "ca.pem"
    key, csr, pem = d / "pebble.key", d / "pebble.csr", d / "pebble.pem"
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", ca_key,
            "-out", ca_pem, "-days", "2", "-subj", "/CN=keel test CA")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", csr,
            "-subj", "/CN=localhost")
    ext = d / "ext.cnf"
    ext.write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", csr, "-CA", ca_pem, "-CAkey", ca_key, "-CAcreateserial", "-out", pem, "-days",
            "2", "-extfile", ext)
    return ca_pem, pem, key


# ---------------------------------------------------------------- pebble and its DNS


class Pebble:
    """pebble-challtestsrv (DNS only) and pebble, validating challenges on
    http_port and tls_port of whatever a test name resolves to."""

    def __init__(self, workdir, http_port, tls_port, validity_seconds=None, env=None):
        self.workdir = workdir
        self.ca_root, cert, key = make_listener_pki(workdir / "pki")
        # pebble exits when its ports are taken; free_port() can race with
        # another program, so a failed start is retried with new ports.
        for attempt in range(3):
            self.dns_port = free_port()
            self.dns_mgmt_port = free_port()
            self.acme_port = free_port()
            self.mgmt_port = free_port()
            self.challtestsrv = Proc(
                "pebble-challtestsrv",
                [
                    "pebble-challtestsrv",
                    "-dns01", f"127.0.0.1:{self.dns_port}",
                    "-management", f"127.0.0.1:{self.dns_mgmt_port}",
                    "-http01", "", "-https01", "", "-tlsalpn01", "",
                    "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "",
                ],
            )
            config = {
                "pebble": {
                    "listenAddress": f"127.0.0.1:{self.acme_port}",
                    "managementListenAddress": f"127.0.0.1:{self.mgmt_port}",
                    "certificate": str(cert),
                    "privateKey": str(key),
                    "httpPort": http_port,
                    "tlsPort": tls_port,
                    "ocspResponderURL": "",
                    "externalAccountBindingRequired": False,
                }
            }
            if validity_seconds is not None:
                config["pebble"]["certificateValidityPeriod"] = validity_seconds
            cfg = workdir / "pebble-config.json"
            cfg.write_text(json.dumps(config))
            self.pebble = Proc(
                "pebble",
                ["pebble", "-config", cfg, "-dnsserver", f"127.0.0.1:{self.dns_port}"],
                env={"PEBBLE_VA_NOSLEEP": "1", **(env or {})},
            )
            try:
                wait_port(self.dns_mgmt_port, START_TIMEOUT, self.challtestsrv, "pebble-challtestsrv management")
                # Another program may have taken a port between free_port()
                # and pebble's bind (pebble then exits): only pebble's own
                # directory, over its certificate, says it is pebble there.
                wait_directory(f"https://127.0.0.1:{self.acme_port}/dir", self.ca_root, START_TIMEOUT, self.pebble)
                if self.challtestsrv.proc.poll() is not None:
                    raise AssertionError(f"pebble-challtestsrv exited:\n{self.challtestsrv.text()}")
                break
            except AssertionError:
                self.stop()
                if attempt == 2:
                    raise
        self.directory = f"https://127.0.0.1:{self.acme_port}/dir"

    def dns(self, path, body):
        """POSTs to pebble-challtestsrv's management API (/add-a, /clear-a, ...)."""
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.dns_mgmt_port}{path}", data=json.dumps(body).encode(), method="POST"
        )
        with urllib.request.urlopen(req, timeout=10) as r:
            assert r.status == 200, f"{path}: HTTP {r.status}"

    def roots_pem(self):
        """pebble's issuing root, for verifying the chains it issues."""
        import ssl

        ctx = ssl.create_default_context(cafile=str(self.ca_root))
        with urllib.request.urlopen(f"https://127.0.0.1:{self.mgmt_port}/roots/0", context=ctx, timeout=10) as r:
            return r.read()

    def stop(self):
        for p in (getattr(self, "pebble", None), getattr(self, "challtestsrv", None)):
            if p is not None:
                p.stop()


# ---------------------------------------------------------------- the responder


class Responder(Proc):
    """keel-acme-responder with keel's ACME client, on sockets this test opened."""

    def __init__(self, pebble, state_dir, domains, http=None, tls=None, extra=(), env=None):
        if not os.path.exists(RESPONDER):
            pytest.fail(f"{RESPONDER} not built (set KEEL_ACME_RESPONDER)")
        args = [RESPONDER, "--acme-directory", pebble.directory, "--acme-ca-root", pebble.ca_root, "--state-dir",
                state_dir]
        for d in domains:
            args += ["--acme-domain", d]
        fds = []
        if http is not None:
            args += ["--http-fd", http.fileno()]
            fds.append(http.fileno())
        if tls is not None:
            args += ["--tls-fd", tls.fileno()]
            fds.append(tls.fileno())
        args += list(extra)
        super().__init__("keel-acme-responder", args, env=env, pass_fds=fds)
        self.wait_line(r"^ready$", START_TIMEOUT)

    def certificates(self):
        """Every certificate line so far, as dicts."""
        out = []
        for m in self.matching(r"^certificate (\S+) (.*)$"):
            fields = dict(kv.split("=", 1) for kv in m.group(2).split(" "))
            fields["name"] = m.group(1)
            out.append(fields)
        return out

    def wait_certificate(self, timeout=ISSUE_TIMEOUT, start=0):
        i, m = self.wait_line(r"^certificate (\S+) (.*)$", timeout, start=start)
        fields = dict(kv.split("=", 1) for kv in m.group(2).split(" "))
        fields["name"] = m.group(1)
        return i, fields


def cert_text(path):
    return openssl("x509", "-in", path, "-noout", "-text")


def cert_field(path, *flags):
    return openssl("x509", "-in", path, "-noout", *flags).strip()


def verify_chain(chain_path, root_pem, workdir):
    """openssl verify: the leaf in chain_path against pebble's root, with
    the rest of the chain as untrusted intermediates."""
    pems = re.findall(rb"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n?", Path(chain_path).read_bytes(),
                      re.S)
    leaf, rest = workdir / "leaf.pem", workdir / "rest.pem"
    root = workdir / "root.pem"
    leaf.write_bytes(pems[0])
    rest.write_bytes(b"".join(pems[1:]))
    root.write_bytes(root_pem)
    args = ["verify", "-CAfile", root]
    if len(pems) > 1:
        args += ["-untrusted", rest]
    return openssl(*args, leaf)


def fd_flags(pid):
    """{fd: (flags, target)} of a live process, from /proc."""
    out = {}
    for name in os.listdir(f"/proc/{pid}/fd"):
        try:
            flags = int(re.search(r"flags:\s*(\d+)", Path(f"/proc/{pid}/fdinfo/{name}").read_text()).group(1), 8)
            target = os.readlink(f"/proc/{pid}/fd/{name}")
        except (FileNotFoundError, ProcessLookupError):
            continue
        out[int(name)] = (flags, target)
    return out


@pytest.fixture
def acme_env(tmp_path):
    """Yields start(validity_seconds=None, pebble_env=None) -> (pebble, http
    socket, tls socket); stops everything afterwards and fails on sanitizer
    reports from the responders started through `responder`."""
    started = []
    sockets = []

    class Env:
        def start(self, validity_seconds=None, pebble_env=None):
            self.http = listening_socket()
            self.tls = listening_socket()
            sockets.extend([self.http, self.tls])
            self.pebble = Pebble(tmp_path, self.http.getsockname()[1], self.tls.getsockname()[1], validity_seconds,
                                 pebble_env)
            started.append(self.pebble)
            return self

        def responder(self, domains, http=True, tls=True, state_dir=None, extra=()):
            r = Responder(self.pebble, state_dir or (tmp_path / "state"), domains, self.http if http else None,
                          self.tls if tls else None, extra)
            started.append(r)
            return r

    yield Env()
    errors = []
    for p in reversed(started):
        p.stop()
        if isinstance(p, Responder):
            errors += p.sanitizer_errors()
    for s in sockets:
        s.close()
    if errors:
        pytest.fail("sanitizer reports from keel-acme-responder:\n" + "\n".join(errors))
