"""Live and ready, as orchestrators ask: GET /healthz and /readyz on the
admin listener, --health-path on the public one, the read-only --metrics
listener, and every transition: booting, failing and retried, serving, a
failed reload, SIGTERM with --drain-delay.

Every check is real HTTP to a real keel; waits are polls with deadlines.
"""

import os
import re
import signal
import subprocess
from pathlib import Path

import pytest
import requests

from conftest import (
    EXIT_TIMEOUT,
    HOLD_MAX,
    KEEL_BIN,
    REQ_TIMEOUT,
    SCALE,
    START_TIMEOUT,
    KeelServer,
    Release,
    app_dir,
    copy_app,
    get,
    poll_until,
)


def admin(s):
    return f"http://127.0.0.1:{s.admin_port()}"


def probe(url):
    """(status, body) of one probe, or (None, why) when nothing answers."""
    try:
        r = requests.get(url, timeout=REQ_TIMEOUT)
    except requests.RequestException as e:
        return None, str(e)
    return r.status_code, r.text


def unready_server(root, *args, workers=1):
    """keel started only until it accepts (a generation may not serve)."""
    s = KeelServer(root, ("--admin", "127.0.0.1:0", *args), workers=workers)
    s.start(until_ready=False)
    return s


@pytest.fixture
def servers():
    started = []
    yield started
    errors = []
    for s in started:
        s.stop()
        errors += s.sanitizer_errors()
    assert not errors, "\n".join(errors)


# ---------------------------------------------------------------- serving


def test_probes_while_serving(servers):
    s = KeelServer(app_dir("health"), ("--admin", "127.0.0.1:0", "--health-path", "/_ready"), workers=1)
    servers.append(s)
    s.start()
    a = admin(s)
    assert probe(a + "/healthz") == (200, "live\n")
    assert probe(a + "/readyz") == (200, "ready: generation 1 serves\n")
    # On the public port the front answers, not PHP (whose front
    # controller takes every other path).
    r = get(s.port, "/_ready")
    assert (r.status, r.body) == (200, b"ready: generation 1 serves\n")
    assert r.headers["cache-control"] == "no-store"
    assert get(s.port, "/_ready?from=lb").status == 200
    r = get(s.port, "/_ready", method="HEAD")
    assert r.status == 200 and r.headers["content-length"] == str(len("ready: generation 1 serves\n"))
    # Anything else is the application's, the path's neighbours included.
    for target in ("/_ready/", "/_readyz", "/x/../_ready"):
        r = get(s.port, target)
        assert r.status == 200 and r.body.startswith(b"health-app php"), (target, r.status, r.body)
    r = get(s.port, "/_ready", method="POST", body=b"x")
    assert r.status == 405 and r.headers["allow"] == "GET, HEAD"
    # Without --health-path the path is the application's.
    s2 = KeelServer(app_dir("health"), ("--admin", "off"), workers=1)
    servers.append(s2)
    s2.start()
    assert get(s2.port, "/_ready").body.startswith(b"health-app php")


def test_probes_need_no_token_but_the_rest_does(servers, tmp_path):
    token = tmp_path / "token"
    token.write_text("t0ken-for-tests\n")
    token.chmod(0o600)
    s = KeelServer(app_dir("health"), ("--admin", "127.0.0.1:0", "--admin-token", str(token)), workers=1)
    servers.append(s)
    s.start()
    a = admin(s)
    assert probe(a + "/healthz")[0] == 200
    assert probe(a + "/readyz")[0] == 200
    assert requests.get(a + "/status", timeout=REQ_TIMEOUT).status_code == 401
    assert requests.get(a + "/metrics", timeout=REQ_TIMEOUT).status_code == 401
    ok = requests.get(a + "/status", headers={"Authorization": "Bearer t0ken-for-tests"}, timeout=REQ_TIMEOUT)
    assert ok.status_code == 200


def test_metrics_listener_is_read_only(servers, tmp_path):
    s = KeelServer(app_dir("health"), ("--admin", "127.0.0.1:0", "--metrics", "127.0.0.1:0"), workers=1)
    servers.append(s)
    s.start()
    line = s.wait_log(r"metrics: http://127\.0\.0\.1:\d+ ")
    port = re.search(r":(\d+) ", line).group(1)
    m = f"http://127.0.0.1:{port}"
    r = requests.get(m + "/metrics", headers={"Host": "10.20.30.40:9181"}, timeout=REQ_TIMEOUT)
    assert r.status_code == 200 and "keel_requests_total" in r.text
    assert probe(m + "/healthz") == (200, "live\n")
    assert probe(m + "/readyz") == (200, "ready: generation 1 serves\n")
    # nothing that changes state, nothing else
    r = requests.post(m + "/reload", headers={"Content-Type": "application/json"}, timeout=REQ_TIMEOUT)
    assert r.status_code == 404
    assert requests.get(m + "/status", timeout=REQ_TIMEOUT).status_code == 404
    assert requests.post(m + "/metrics", timeout=REQ_TIMEOUT).status_code == 405
    assert "generation 2" not in s.log_text()
    # the admin listener is untouched
    assert requests.get(admin(s) + "/status", timeout=REQ_TIMEOUT).status_code == 200


def test_metrics_address_in_use_is_refused(tmp_path):
    import socket

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    try:
        port = taken.getsockname()[1]
        p = subprocess.run([KEEL_BIN, "serve", "--root", str(app_dir("health")), "--listen", "127.0.0.1:0",
                            "--admin", "off", "--metrics", f"127.0.0.1:{port}"],
                           capture_output=True, text=True, timeout=EXIT_TIMEOUT)
    finally:
        taken.close()
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("keel: --metrics: "), p.stderr


# ---------------------------------------------------------------- starting


def test_live_and_not_ready_while_the_first_generation_boots(servers, tmp_path):
    rel = Release(tmp_path)
    s = unready_server(app_dir("health"), "--health-path", "/_ready", "--warmup", "/warmup.php?" + rel.query)
    servers.append(s)
    a = admin(s)
    # the warm-up holds generation 1 starting
    s.wait_log(r"generation 1: warm-up request")
    assert probe(a + "/healthz") == (200, "live\n")
    assert probe(a + "/readyz") == (503, "not ready: generation 1 is starting\n")
    r = get(s.port, "/_ready")
    assert (r.status, r.body) == (503, b"not ready: generation 1 is starting\n")
    assert "ready: http" not in s.log_text()
    # static files are served meanwhile; PHP waits for the generation
    r = get(s.port, "/hello.txt")
    assert (r.status, r.body) == (200, b"static hello\n")
    waiting = s.stream("/app-path")
    rel.fire()
    poll_until(lambda: probe(a + "/readyz")[0] == 200, START_TIMEOUT, what="ready once generation 1 serves")
    assert get(s.port, "/_ready").status == 200
    body = waiting.read_all()
    assert waiting.status == 200 and body.startswith(b"health-app php"), (waiting.status, body)
    waiting.close()


def test_failing_first_generation_stays_up_and_is_retried(servers, tmp_path):
    root = copy_app("worker_restartfail", tmp_path / "root")
    (root / "fail-boot.flag").write_text("x")
    s = unready_server(root, "--worker", str(root / "worker.php"), "--max-consecutive-failures", "2",
                       "--health-path", "/_ready")
    servers.append(s)
    a = admin(s)
    s.wait_log(r"generation 1 failed to start: the worker script .* failed to boot 2 times in a row")
    s.wait_log(r"no generation serves \(1 failed to start in a row\): generation 2 starts in 100 ms")
    # retried with the pool's backoff, and keel is still there
    s.wait_log(r"no generation serves \(2 failed to start in a row\): generation 3 starts in 200 ms")
    assert s.proc.poll() is None
    assert probe(a + "/healthz") == (200, "live\n")
    status, body = probe(a + "/readyz")
    assert status == 503 and re.match(r"not ready: (generation \d+ is starting, after \d+ that failed|"
                                      r"\d+ generations in a row failed to start; the next starts in \d+ ms)\n$",
                                      body), body
    assert get(s.port, "/_ready").status == 503
    # PHP requests are answered, not left hanging
    r = get(s.port, "/")
    assert r.status == 503 and "retry-after" in r.headers
    # fixed: the next try serves
    (root / "fail-boot.flag").unlink()
    poll_until(lambda: probe(a + "/readyz")[0] == 200, 15 * SCALE, what="ready after the fix")
    r = get(s.port, "/")
    assert r.status == 200 and r.body.startswith(b"worker "), r.body
    s.wait_log(r"ready: http://127\.0\.0\.1:\d+ ")


def test_reload_while_failing_starts_at_once(servers, tmp_path):
    """The operator fixes the code and reloads: no waiting out the backoff."""
    root = copy_app("worker_restartfail", tmp_path / "root")
    (root / "fail-boot.flag").write_text("x")
    s = unready_server(root, "--worker", str(root / "worker.php"), "--max-consecutive-failures", "1")
    servers.append(s)
    # Let the backoff grow to seconds: 100, 200, 400, 800 ms, 1.6 s.
    s.wait_log(r"\(5 failed to start in a row\): generation 6 starts in 1600 ms", timeout=20 * SCALE)
    (root / "fail-boot.flag").unlink()
    p = subprocess.run([KEEL_BIN, "reload", "--admin", f"127.0.0.1:{s.admin_port()}"], capture_output=True,
                       text=True, timeout=START_TIMEOUT)
    assert p.returncode == 0, (p.stdout, p.stderr, s.log_text())
    assert re.fullmatch(r"\d+\n", p.stdout), p.stdout
    assert probe(admin(s) + "/readyz")[0] == 200


def test_budget_that_cannot_fit_still_exits(tmp_path):
    """A configuration that can never work is refused, not retried."""
    s = KeelServer(app_dir("health"), ("--admin", "off", "-d", "memory_limit=100G"), workers=1000)
    s.start(until_ready=False)
    try:
        assert s.wait_exit() == 2
        assert "does not fit" in s.log_text()
    finally:
        s.stop()


# ---------------------------------------------------------------- reloads


def test_failed_reload_stays_ready(servers, tmp_path):
    root = copy_app("worker_restartfail", tmp_path / "root")
    s = KeelServer(root, ("--admin", "127.0.0.1:0", "--worker", str(root / "worker.php"),
                          "--max-consecutive-failures", "1", "--health-path", "/_ready"), workers=1)
    servers.append(s)
    s.start()
    a = admin(s)
    (root / "fail-boot.flag").write_text("x")
    r = requests.post(a + "/reload", headers={"Content-Type": "application/json"}, timeout=START_TIMEOUT)
    assert r.status_code == 500, r.text
    assert probe(a + "/readyz") == (200, "ready: generation 1 serves\n")
    assert get(s.port, "/_ready").status == 200
    assert get(s.port, "/").body.startswith(b"worker ")


def test_serving_generation_dies_then_ready_again(servers):
    s = KeelServer(app_dir("health"), ("--admin", "127.0.0.1:0",), workers=1)
    servers.append(s)
    s.start()
    a = admin(s)
    zygote = requests.get(a + "/status", timeout=REQ_TIMEOUT).json()["generations"][0]["zygote_pid"]
    os.kill(zygote, signal.SIGKILL)
    s.wait_log(r"generation 1 died; starting a new one")
    poll_until(lambda: probe(a + "/readyz") == (200, "ready: generation 2 serves\n"), START_TIMEOUT,
               what="generation 2 serving")


# ---------------------------------------------------------------- stopping


def test_sigterm_drain_delay_not_ready_but_serving(servers):
    s = KeelServer(app_dir("health"), ("--admin", "127.0.0.1:0", "--health-path", "/_ready",
                                       "--drain-delay", f"{int(4 * SCALE)}s"), workers=1)
    servers.append(s)
    s.start()
    a = admin(s)
    keepalive = requests.Session()
    assert keepalive.get(s.url + "/first", timeout=REQ_TIMEOUT).status_code == 200
    s.proc.send_signal(signal.SIGTERM)
    s.wait_log(r"SIGTERM: not ready; serving on for --drain-delay")
    # not ready at once, on both listeners ...
    assert probe(a + "/readyz") == (503, "not ready: stopping\n")
    assert get(s.port, "/_ready").status == 503
    assert probe(a + "/healthz") == (200, "live\n")
    # ... while new connections and kept-alive ones are still served
    assert get(s.port, "/during").body.startswith(b"health-app php")
    assert keepalive.get(s.url + "/again", timeout=REQ_TIMEOUT).text.startswith("health-app php")
    assert "--drain-delay over" not in s.log_text()
    # then the drain, as without the delay
    s.wait_log(r"--drain-delay over: stopping", timeout=10 * SCALE)
    assert s.wait_exit(EXIT_TIMEOUT) == 0


def test_second_sigterm_skips_the_delay(servers):
    s = KeelServer(app_dir("health"), ("--admin", "127.0.0.1:0", "--drain-delay", "10m"), workers=1)
    servers.append(s)
    s.start()
    s.proc.send_signal(signal.SIGTERM)
    s.wait_log(r"SIGTERM: not ready")
    s.proc.send_signal(signal.SIGTERM)
    assert s.wait_exit(EXIT_TIMEOUT) == 0
    assert "SIGTERM: stopping" in s.log_text()


def test_sigint_and_no_delay_stop_at_once(servers):
    s = KeelServer(app_dir("health"), ("--admin", "off", "--drain-delay", "10m"), workers=1)
    servers.append(s)
    s.start()
    s.proc.send_signal(signal.SIGINT)
    assert s.wait_exit(EXIT_TIMEOUT) == 0
    assert "not ready; serving on" not in s.log_text()
