"""The access log (--access-log, --access-log-format): what a line says
of each kind of request (static, classic, worker mode), the figures only
keel knows, that the admin listeners stay out of it, that a log nobody
reads never stops the server, and reopening on SIGUSR1. Its combined
format is compared with nginx's own lines in
tests/differential/test_diff_proxy_log.py.
"""

import json
import os
import re
import signal
import socket
import subprocess
import time

import pytest
import requests

from conftest import (
    EXIT_TIMEOUT,
    KEEL_BIN,
    REQ_TIMEOUT,
    SCALE,
    START_TIMEOUT,
    KeelServer,
    Release,
    app_dir,
    get,
    poll_until,
)

COMBINED_RE = re.compile(
    r'^(?P<addr>\S+) - (?P<user>\S+) \[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] '
    r'"(?P<request>[^"]*)" (?P<status>\d{3}) (?P<bytes>\d+) "(?P<referer>[^"]*)" "(?P<ua>[^"]*)"$')


@pytest.fixture
def servers():
    started = []
    yield started
    errors = []
    for s in started:
        s.stop()
        errors += s.sanitizer_errors()
    assert not errors, "\n".join(errors)


def serve(servers, log, *args, workers=1, fmt="json"):
    s = KeelServer(app_dir("accesslog"), ("--admin", "127.0.0.1:0", "--access-log", str(log),
                                          "--access-log-format", fmt, *args), workers=workers)
    servers.append(s)
    s.start()
    return s


def lines(path):
    return path.read_text(errors="replace").splitlines() if path.exists() else []


def wait_entry(path, predicate, timeout=REQ_TIMEOUT, json_lines=True):
    """The first line (parsed as JSON unless json_lines is false) that
    predicate accepts, waiting for it."""
    found = []

    def look():
        for line in lines(path):
            v = json.loads(line) if json_lines else line
            if predicate(v):
                found.append(v)
                return True
        return False

    poll_until(look, timeout, what=f"a matching line in {path}")
    return found[0]


def test_json_lines_for_static_classic_and_refusals(servers, tmp_path):
    log = tmp_path / "access.log"
    s = serve(servers, log)
    r = requests.get(s.url + "/alloc.php?mb=4", headers={"User-Agent": "ua-1", "Referer": "http://r/"},
                     timeout=REQ_TIMEOUT)
    pid = int(r.text.split("pid=")[1])
    e = wait_entry(log, lambda v: v["uri"] == "/alloc.php?mb=4")
    assert e["pool"] == "classic" and e["worker_pid"] == pid and e["generation"] == 1
    assert (e["method"], e["protocol"], e["status"], e["body_bytes_sent"]) == ("GET", "HTTP/1.1", 200, len(r.content))
    assert (e["user_agent"], e["referer"], e["remote_addr"], e["remote_user"]) == ("ua-1", "http://r/", "127.0.0.1",
                                                                                   None)
    assert e["host"] == f"127.0.0.1:{s.port}"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", e["time"])
    # the script took 4 MiB of the Zend heap at its peak
    assert e["zend_peak_bytes"] >= 4 << 20
    assert e["wait_ms"] >= 0 and e["php_ms"] > 0
    # PHP's time is within the request's, as the front saw it (ms rounding)
    assert e["php_ms"] <= e["request_time"] * 1000 + 1
    # the worker's first request: no earlier figure to compare with
    assert e["private_change_bytes"] is None
    requests.get(s.url + "/alloc.php?mb=1&again", timeout=REQ_TIMEOUT)
    e2 = wait_entry(log, lambda v: v["uri"] == "/alloc.php?mb=1&again")
    assert isinstance(e2["private_change_bytes"], int)

    r = requests.get(s.url + "/file.txt", timeout=REQ_TIMEOUT)
    e = wait_entry(log, lambda v: v["uri"] == "/file.txt")
    assert e["pool"] == "static" and e["status"] == 200 and e["body_bytes_sent"] == len(r.content)
    for k in ("worker_pid", "generation", "wait_ms", "php_ms", "zend_peak_bytes", "private_change_bytes"):
        assert e[k] is None, (k, e)
    get(s.port, "/.env")
    e = wait_entry(log, lambda v: v["uri"] == "/.env")
    assert e["status"] == 403 and e["pool"] == "static"
    # Basic credentials name the user, as nginx's $remote_user
    requests.get(s.url + "/file.txt?u", auth=("alice", "secret"), timeout=REQ_TIMEOUT)
    assert wait_entry(log, lambda v: v["uri"] == "/file.txt?u")["remote_user"] == "alice"


def test_worker_mode_shows_a_leaking_route(servers, tmp_path):
    log = tmp_path / "access.log"
    root = app_dir("accesslog")
    s = serve(servers, log, "--worker", str(root / "worker.php"))
    for i in range(3):  # past the worker's first request and its warm-up
        requests.get(s.url + f"/ok?warm={i}", timeout=REQ_TIMEOUT)
    requests.get(s.url + "/leak?kb=4096", timeout=REQ_TIMEOUT)
    requests.get(s.url + "/ok?after", timeout=REQ_TIMEOUT)
    leak = wait_entry(log, lambda v: v["uri"] == "/leak?kb=4096")
    ok = wait_entry(log, lambda v: v["uri"] == "/ok?after")
    assert leak["pool"] == ok["pool"] == "worker"
    assert leak["worker_pid"] == ok["worker_pid"] and leak["generation"] == 1
    # 4 MiB kept for good: the worker's private memory grew by about that
    assert leak["private_change_bytes"] >= 3 << 20, leak
    assert abs(ok["private_change_bytes"]) < 1 << 20, ok


def test_wait_for_a_worker_is_counted(servers, tmp_path, release):
    log = tmp_path / "access.log"
    s = serve(servers, log, workers=1)
    admin = f"http://127.0.0.1:{s.admin_port()}"
    rel = release()
    a = s.stream("/hold.php?" + rel.query)
    poll_until(lambda: requests.get(admin + "/status", timeout=REQ_TIMEOUT).json()["in_flight"] == 1, REQ_TIMEOUT,
               what="the held request running")
    b = s.stream("/index.php?waiting")
    poll_until(lambda: requests.get(admin + "/status", timeout=REQ_TIMEOUT).json()["in_flight"] == 2, REQ_TIMEOUT,
               what="the second request waiting")
    waiting_since = time.monotonic()
    rel.fire()
    released = time.monotonic()
    assert a.read_all().startswith(b"held") and b.read_all().startswith(b"accesslog")
    e = wait_entry(log, lambda v: v["uri"] == "/index.php?waiting")
    # with one worker it could not have been taken before the release
    assert e["wait_ms"] >= (released - waiting_since) * 1000 - 1, e
    assert e["worker_pid"] is not None and e["php_ms"] is not None


def test_client_gone_before_the_answer_is_499(servers, tmp_path, release):
    log = tmp_path / "access.log"
    s = serve(servers, log, workers=1)
    admin = f"http://127.0.0.1:{s.admin_port()}"
    rel = release()
    c = socket.create_connection(("127.0.0.1", s.port), timeout=REQ_TIMEOUT)
    c.sendall(f"GET /hold.php?{rel.query}&gone HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    poll_until(lambda: requests.get(admin + "/status", timeout=REQ_TIMEOUT).json()["in_flight"] == 1, REQ_TIMEOUT,
               what="the request running")
    c.close()
    e = wait_entry(log, lambda v: v["uri"].endswith("&gone"))
    assert e["status"] == 499 and e["body_bytes_sent"] == 0
    rel.fire()


def test_combined_by_default_and_admin_is_not_logged(servers, tmp_path):
    log = tmp_path / "access.log"
    s = KeelServer(app_dir("accesslog"), ("--admin", "127.0.0.1:0", "--metrics", "127.0.0.1:0", "--access-log",
                                          str(log)), workers=1)
    servers.append(s)
    s.start()
    admin = f"http://127.0.0.1:{s.admin_port()}"
    assert requests.get(admin + "/status", timeout=REQ_TIMEOUT).status_code == 200
    assert requests.get(admin + "/healthz", timeout=REQ_TIMEOUT).status_code == 200
    metrics = int(re.search(r"metrics: http://127\.0\.0\.1:(\d+)", s.wait_log(r"metrics: http")).group(1))
    assert requests.get(f"http://127.0.0.1:{metrics}/metrics", timeout=REQ_TIMEOUT).status_code == 200
    requests.get(s.url + "/file.txt?last", headers={"User-Agent": 'a "quoted" agent'}, timeout=REQ_TIMEOUT)
    line = wait_entry(log, lambda v: "/file.txt?last" in v, json_lines=False)
    m = COMBINED_RE.match(line)
    assert m, line
    assert (m["addr"], m["user"], m["request"], m["status"], m["referer"], m["ua"]) == (
        "127.0.0.1", "-", "GET /file.txt?last HTTP/1.1", "200", "-", "a \\x22quoted\\x22 agent")
    assert not any("/status" in l or "/healthz" in l or "/metrics" in l for l in lines(log)), lines(log)


def test_line_is_out_within_a_second(servers, tmp_path):
    """The writer gets each batch within KEEL_ACCESS_FLUSH_MS (100 ms) of
    the response; a second is the promise."""
    log = tmp_path / "access.log"
    s = serve(servers, log)
    for i in range(3):
        requests.get(s.url + f"/file.txt?n={i}", timeout=REQ_TIMEOUT)
        wait_entry(log, lambda v, i=i: v["uri"] == f"/file.txt?n={i}", timeout=1.0 * SCALE)


def test_trusted_proxy_client_in_the_log(servers, tmp_path):
    log = tmp_path / "access.log"
    s = serve(servers, log, "--trusted-proxy", "127.0.0.0/8")
    requests.get(s.url + "/file.txt?proxied", headers={"X-Forwarded-For": "198.51.100.23, 127.0.0.9"},
                 timeout=REQ_TIMEOUT)
    assert wait_entry(log, lambda v: v["uri"] == "/file.txt?proxied")["remote_addr"] == "198.51.100.23"


def test_reopened_on_sigusr1(servers, tmp_path):
    log = tmp_path / "access.log"
    s = serve(servers, log)
    requests.get(s.url + "/file.txt?before", timeout=REQ_TIMEOUT)
    wait_entry(log, lambda v: v["uri"] == "/file.txt?before")
    rotated = tmp_path / "access.log.1"
    os.rename(log, rotated)
    s.proc.send_signal(signal.SIGUSR1)
    s.wait_log(r"SIGUSR1: reopening the access log")
    poll_until(lambda: log.exists(), REQ_TIMEOUT, what="the access log reopened")
    requests.get(s.url + "/file.txt?after", timeout=REQ_TIMEOUT)
    wait_entry(log, lambda v: v["uri"] == "/file.txt?after")
    assert [json.loads(l)["uri"] for l in lines(rotated)] == ["/file.txt?before"]
    assert oct(log.stat().st_mode & 0o777) == "0o640"


def test_a_log_nobody_reads_never_stops_serving(tmp_path):
    """stdout is a pipe nobody reads: once its buffer is full the writer
    thread waits, and the event loop serves on, keeping the lines."""
    proc = subprocess.Popen([KEEL_BIN, "serve", "--root", str(app_dir("accesslog")), "--listen", "127.0.0.1:0",
                             "--workers", "1", "--admin", "off", "--access-log", "-"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        port = None
        for raw in proc.stderr:
            m = re.search(rb"ready: http://127\.0\.0\.1:(\d+)", raw)
            if m:
                port = int(m.group(1))
                break
        assert port, "no ready line"
        n = 600
        ua = "u" * 400  # ~500 bytes a line: 300 KB, past a pipe's 64 KB
        session = requests.Session()
        for i in range(n):
            r = session.get(f"http://127.0.0.1:{port}/file.txt?i={i}", headers={"User-Agent": ua},
                            timeout=REQ_TIMEOUT)
            assert r.status_code == 200
        # now read: every line is there, none lost
        got = 0
        for raw in proc.stdout:
            got += b"/file.txt?i=" in raw
            if got == n:
                break
        assert got == n
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(EXIT_TIMEOUT) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_unwritable_log_is_refused_before_binding(tmp_path):
    p = subprocess.run([KEEL_BIN, "serve", "--root", str(app_dir("accesslog")), "--listen", "127.0.0.1:0", "--admin",
                        "off", "--access-log", str(tmp_path / "no" / "such" / "dir.log")],
                       capture_output=True, text=True, timeout=EXIT_TIMEOUT)
    assert p.returncode == 2
    err = p.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("keel: --access-log ") and "No such file or directory" in err[0], err
    p = subprocess.run([KEEL_BIN, "serve", "--root", str(app_dir("accesslog")), "--access-log-format", "xml"],
                       capture_output=True, text=True, timeout=EXIT_TIMEOUT)
    assert p.returncode == 2 and "expected combined or json" in p.stderr


@pytest.mark.parametrize("fmt", ["json", "combined"])
def test_every_listener_is_logged_and_probed(servers, tmp_path, fmt):
    """An https:// and a unix: listener beside the cleartext one: each
    request is logged whichever it came in on, a Unix socket's client as
    nginx writes it ("unix:"), and --health-path answers on all three."""
    from tlscerts import Pki

    pki = Pki(tmp_path / "pki")
    cert, key = pki.leaf("localhost")
    log, sock = tmp_path / "access.log", tmp_path / "keel.sock"
    s = serve(servers, log, "--listen", "https://127.0.0.1:0", "--listen", f"unix:{sock}", "--tls-cert", str(cert),
              "--tls-key", str(key), "--health-path", "/_ready", fmt=fmt)
    tls = int(re.search(r"ready: .*https://127\.0\.0\.1:(\d+)", s.wait_log(r"ready: ")).group(1))

    def curl(url, *args):
        r = subprocess.run(["curl", "-sS", "--max-time", str(int(REQ_TIMEOUT)), "-o", "/dev/null", "-w",
                            "%{http_code}", *args, url], capture_output=True, text=True, timeout=REQ_TIMEOUT + 5)
        assert r.returncode == 0, r.stderr
        return int(r.stdout)

    https = ["--cacert", str(pki.root), "--resolve", f"localhost:{tls}:127.0.0.1"]
    assert curl(f"https://localhost:{tls}/file.txt?over=tls", *https) == 200
    assert curl("http://localhost/file.txt?over=unix", "--unix-socket", str(sock)) == 200
    assert curl(f"{s.url}/file.txt?over=tcp") == 200
    for over, addr in (("tls", "127.0.0.1"), ("unix", "unix:"), ("tcp", "127.0.0.1")):
        if fmt == "json":
            e = wait_entry(log, lambda v: v["uri"] == f"/file.txt?over={over}")
            assert (e["remote_addr"], e["status"]) == (addr, 200), e
        else:
            line = wait_entry(log, lambda v: f"/file.txt?over={over} " in v, json_lines=False)
            m = COMBINED_RE.match(line)
            assert m and (m["addr"], m["status"]) == (addr, "200"), line
    # the probe on every listener, without PHP, and not in the access log's way
    assert curl(f"https://localhost:{tls}/_ready", *https) == 200
    assert curl("http://localhost/_ready", "--unix-socket", str(sock)) == 200
    assert curl(f"{s.url}/_ready") == 200
