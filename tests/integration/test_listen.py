"""Where keel listens: several --listen addresses at once, Unix sockets
for a proxy on the same machine (mode, stale files, a live one refused,
removed at exit), and systemd socket activation: the sockets passed in are
served instead of bound, so a client that connects while keel restarts is
answered by the next keel."""

import json
import os
import re
import signal
import socket
import stat
import subprocess
import threading

import pytest

from conftest import EXIT_TIMEOUT, KEEL_BIN, REQ_TIMEOUT, START_TIMEOUT, app_dir, poll_until
from tlscerts import Pki


def curl_unix(path, url="http://localhost/"):
    return subprocess.run(["curl", "-sS", "--max-time", str(int(REQ_TIMEOUT)), "--unix-socket", str(path), url],
                          capture_output=True, text=True, timeout=REQ_TIMEOUT + 5)


def test_unix_socket_serves_and_is_removed_at_exit(keel, tmp_path):
    path = tmp_path / "keel.sock"
    s = keel(app_dir("tls"), "--listen", f"unix:{path}")
    s.wait_log(rf"ready: http://127\.0\.0\.1:\d+ unix:{re.escape(str(path))} ")
    r = curl_unix(path)
    assert r.returncode == 0 and r.stdout == "hello over http\n", r.stderr
    assert stat.S_ISSOCK(path.stat().st_mode)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666
    assert s.get("/").status == 200  # the TCP listener beside it
    # a Unix socket's client has no address: as nginx's fastcgi_params give it
    r = curl_unix(path, "http://localhost/env.php")
    assert r.returncode == 0, r.stderr
    env = json.loads(r.stdout)
    assert (env["REMOTE_ADDR"], env["REMOTE_PORT"], env["SERVER_ADDR"], env["SERVER_PORT"]) == (
        "unix:", "", f"unix:{path}", "")
    s.proc.send_signal(signal.SIGTERM)
    assert s.wait_exit() == 0
    assert not path.exists()


def test_server_port_is_each_connections_own(keel):
    """With two listeners SERVER_PORT is the connection's, asked once per
    connection and remembered: keep-alive connections to both ports,
    interleaved, each see their own port on every request."""
    import http.client

    s = keel(app_dir("tls"), "--listen", "127.0.0.1:0")
    line = s.wait_log(r"ready: http://127\.0\.0\.1:\d+ http://127\.0\.0\.1:\d+")
    ports = [int(p) for p in re.findall(r"http://127\.0\.0\.1:(\d+)", line)[:2]]
    assert ports[0] != ports[1]
    conns = [(port, http.client.HTTPConnection("127.0.0.1", port, timeout=REQ_TIMEOUT)) for port in ports * 6]
    try:
        for _ in range(4):
            for port, c in conns:
                c.request("GET", "/env.php")
                r = c.getresponse()
                env = json.loads(r.read())
                assert r.status == 200
                assert (env["SERVER_ADDR"], env["SERVER_PORT"]) == ("127.0.0.1", str(port))
                assert env["REMOTE_PORT"] == str(c.sock.getsockname()[1])
    finally:
        for _, c in conns:
            c.close()


def test_a_stale_unix_socket_is_replaced_and_a_live_one_refused(keel, tmp_path):
    path = tmp_path / "keel.sock"
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(path))
    stale.close()  # the file stays, nothing accepts on it
    s = keel(app_dir("tls"), "--listen", f"unix:{path}")
    assert curl_unix(path).returncode == 0

    other = tmp_path / "other.sock"
    live = socket.socket(socket.AF_UNIX)
    live.bind(str(other))
    live.listen(1)
    try:
        r = subprocess.run([KEEL_BIN, "serve", "--root", str(app_dir("tls")), "--admin", "off", "--listen",
                            f"unix:{other}"], capture_output=True, text=True, timeout=EXIT_TIMEOUT * 3)
        assert r.returncode == 2 and "in use" in r.stderr and str(other) in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1
    finally:
        live.close()
    plain = tmp_path / "file"
    plain.write_text("data")
    r = subprocess.run([KEEL_BIN, "serve", "--root", str(app_dir("tls")), "--admin", "off", "--listen",
                        f"unix:{plain}"], capture_output=True, text=True, timeout=EXIT_TIMEOUT * 3)
    assert r.returncode == 2 and "not a socket" in r.stderr, r.stderr
    assert plain.read_text() == "data"


# ---------------------------------------------------------------- socket activation


class Activated:
    """keel started the way a service manager starts it: the listening
    sockets at descriptors 3, 4, ..., LISTEN_FDS their count and LISTEN_PID
    keel's own pid (a shell sets it, then execs keel in its place)."""

    def __init__(self, socks, args):
        self.lines = []
        self.cond = threading.Condition()

        def place():
            for i, sk in enumerate(socks):
                os.dup2(sk.fileno(), 3 + i)

        n = len(socks)
        self.proc = subprocess.Popen(
            ["sh", "-c", 'LISTEN_PID=$$ exec "$@"', "sh", KEEL_BIN, "serve", "--admin", "off", "--workers", "1", *args],
            env={**os.environ, "LISTEN_FDS": str(n), "LISTEN_FDNAMES": ":".join(["keel"] * n)},
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            preexec_fn=place, pass_fds=tuple(range(3, 3 + n)), start_new_session=True)
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for raw in iter(self.proc.stderr.readline, b""):
            with self.cond:
                self.lines.append(raw.decode(errors="replace"))
                self.cond.notify_all()

    def wait_log(self, pattern, timeout=START_TIMEOUT):
        rx = re.compile(pattern)
        return poll_until(lambda: next((l for l in list(self.lines) if rx.search(l)), None), timeout,
                          what=f"log line {pattern!r}: {''.join(self.lines)}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(EXIT_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(EXIT_TIMEOUT)
        return self.proc.returncode


def listening(host="127.0.0.1"):
    s = socket.socket()
    s.bind((host, 0))
    s.listen(128)
    return s


def send_get(port, path="/"):
    c = socket.create_connection(("127.0.0.1", port), timeout=REQ_TIMEOUT * 3)
    c.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
    return c


def read_all(c):
    data = b""
    while chunk := c.recv(65536):
        data += chunk
    c.close()
    return data


def test_socket_activation_uses_the_passed_sockets_and_a_restart_loses_no_connection(tmp_path):
    pki = Pki(tmp_path / "pki")
    cert, key = pki.leaf("localhost")
    plain, tls = listening(), listening()
    port, tls_port = plain.getsockname()[1], tls.getsockname()[1]
    args = ["--root", str(app_dir("tls")), "--listen", f"127.0.0.1:{port}", "--listen", f"https://127.0.0.1:{tls_port}",
            "--tls-cert", str(cert), "--tls-key", str(key)]
    running = []
    try:
        # a client that connects before keel runs waits in the socket's queue
        early = send_get(port)
        k = Activated([plain, tls], args)
        running.append(k)
        k.wait_log(rf"ready: http://127\.0\.0\.1:{port} https://127\.0\.0\.1:{tls_port} ")
        assert read_all(early).startswith(b"HTTP/1.1 200")
        # PHP does not see the variables (the zygote and its workers would
        # take the sockets for theirs)
        assert k.stop() == 0
        # while no keel runs, a client connects and sends its request
        waiting = send_get(port)
        k2 = Activated([plain, tls], args)
        running.append(k2)
        reply = read_all(waiting)
        assert reply.startswith(b"HTTP/1.1 200") and reply.endswith(b"hello over http\n"), reply
        r = subprocess.run(["curl", "-sS", "--cacert", str(pki.root), "--resolve", f"localhost:{tls_port}:127.0.0.1",
                            f"https://localhost:{tls_port}/"], capture_output=True, text=True, timeout=REQ_TIMEOUT)
        assert r.stdout == "hello over https\n", r.stderr
        assert k2.stop() == 0
    finally:
        for k in running:
            k.stop()
        plain.close()
        tls.close()


def test_socket_activation_with_systemd_socket_activate(tmp_path):
    """systemd's own tool passes the socket (LISTEN_FDS, LISTEN_PID,
    LISTEN_FDNAMES) and execs keel on the first connection."""
    tool = "/usr/bin/systemd-socket-activate"
    if not os.path.exists(tool):
        pytest.skip("systemd-socket-activate is not installed")
    probe = listening()
    port = probe.getsockname()[1]
    probe.close()
    p = subprocess.Popen([tool, "-l", f"127.0.0.1:{port}", "--fdname=http", KEEL_BIN, "serve", "--root",
                          str(app_dir("tls")), "--admin", "off", "--workers", "1", "--listen", f"127.0.0.1:{port}"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         start_new_session=True)
    try:
        def connected():
            try:
                return send_get(port)
            except OSError:
                return None

        c = poll_until(connected, START_TIMEOUT, what="systemd-socket-activate listening")
        reply = read_all(c)
        assert reply.startswith(b"HTTP/1.1 200") and reply.endswith(b"hello over http\n"), reply
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(EXIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    err = p.stderr.read().decode(errors="replace")
    assert "socket activation" not in err, err  # nothing unmatched or malformed
    assert "cannot listen" not in err, err


DEPLOY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "deploy")


def test_the_socket_unit_is_one_systemd_accepts_for_the_service():
    """deploy/keel.socket with deploy/keel.service: systemd-analyze verify
    finds nothing in the two (scripts/check-units.sh, `make units`), and
    the socket unit holds exactly the addresses deploy/keel.conf has keel
    listen on, so none is closed unmatched and none bound twice."""
    p = subprocess.run([os.path.join(DEPLOY, "..", "scripts", "check-units.sh"), KEEL_BIN], capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "keel.socket" in p.stdout, p.stdout
    with open(os.path.join(DEPLOY, "keel.socket")) as f:
        streams = re.findall(r"^ListenStream=(\S+)", f.read(), flags=re.M)
    with open(os.path.join(DEPLOY, "keel.conf")) as f:
        listens = re.findall(r"^listen\s*=\s*(\S+)", f.read(), flags=re.M)
    assert streams and [re.sub(r"^https?://", "", a) for a in listens] == streams, (listens, streams)
