"""Graceful shutdown on SIGTERM/SIGINT, the --shutdown-timeout bound, and
no orphans when the front process is killed outright."""

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
    REQ_TIMEOUT,
    SANITIZED,
    SCALE,
    app_dir,
    describe_pids,
    first_to_answer,
    proc_stat,
    raw_exchange,
    wait_pids_gone,
)

SHUTDOWN_LOG = re.compile(r"(?i)(shutting|shutdown|drain|terminat|stopping|sigterm|sigint|signal)")


def connect_refused(port):
    s = socket.socket()
    s.settimeout(1.0)
    try:
        s.connect(("127.0.0.1", port))
    except ConnectionRefusedError:
        return True
    except OSError:
        return False
    finally:
        s.close()
    return False


def wait_shutdown_began(s, timeout, log_from):
    """Bounded wait for a sign that keel acted on the signal: its listener
    closed, a log line about shutting down, or its exit. Returns whether one
    was seen (keel is not required to show any while draining)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if s.proc.poll() is not None or connect_refused(s.port):
            return True
        if any(SHUTDOWN_LOG.search(l.replace(s.root, "")) for l in s.log_lines[log_from:]):
            return True
        time.sleep(0.02)
    return False


def busy_server(keel, release, *args, workers=2):
    s = keel(app_dir("shutdown"), *args, workers=workers)
    # make sure workers exist and answer
    for _ in range(workers * 2):
        assert requests.get(s.url + "/", timeout=REQ_TIMEOUT).status_code == 200
    rel = release()
    held = s.stream("/hold.php?" + rel.query)
    held.read_until(b"first", timeout=REQ_TIMEOUT)
    return s, held, rel


def test_sigterm_lets_inflight_request_finish(keel, release):
    s, held, rel = busy_server(keel, release)
    try:
        family = s.descendants()
        assert len(family) >= 2, f"expected a zygote and workers below keel: {describe_pids(family)}"

        n = len(s.log_lines)
        s.proc.send_signal(signal.SIGTERM)
        wait_shutdown_began(s, 3.0 * SCALE, n)
        assert s.proc.poll() is None, "keel exited with a request still in flight"

        rel.fire()
        body = held.read_all(timeout=REQ_TIMEOUT)
        assert held.status == 200
        assert body.startswith(b"first pid=") and body.endswith(b"second\n"), body
    finally:
        rel.fire()
        held.close()

    assert s.wait_exit(EXIT_TIMEOUT) == 0, s.log_text()
    left = wait_pids_gone(family, EXIT_TIMEOUT)
    assert not left, f"processes left after shutdown: {describe_pids(left)}"
    assert connect_refused(s.port), "still accepting connections after exit"


def test_sigterm_idle_exits_zero(keel):
    s = keel(app_dir("shutdown"), workers=3)
    for _ in range(3):
        assert requests.get(s.url + "/", timeout=REQ_TIMEOUT).status_code == 200
    family = s.descendants()
    assert len(family) >= 2, describe_pids(family)
    s.proc.send_signal(signal.SIGTERM)
    assert s.wait_exit(EXIT_TIMEOUT) == 0, s.log_text()
    left = wait_pids_gone(family, EXIT_TIMEOUT)
    assert not left, f"processes left after shutdown: {describe_pids(left)}"
    assert connect_refused(s.port)


def test_sigint_is_graceful_too(keel, release):
    s, held, rel = busy_server(keel, release)
    try:
        family = s.descendants()
        n = len(s.log_lines)
        s.proc.send_signal(signal.SIGINT)
        wait_shutdown_began(s, 3.0 * SCALE, n)
        assert s.proc.poll() is None, "keel exited with a request still in flight"
        rel.fire()
        body = held.read_all(timeout=REQ_TIMEOUT)
        assert body.endswith(b"second\n"), body
    finally:
        rel.fire()
        held.close()
    assert s.wait_exit(EXIT_TIMEOUT) == 0, s.log_text()
    left = wait_pids_gone(family, EXIT_TIMEOUT)
    assert not left, describe_pids(left)


def test_shutdown_timeout_bounds_the_wait(keel, release):
    """A request that never finishes does not keep keel alive past
    --shutdown-timeout."""
    s, held, rel = busy_server(keel, release, "--shutdown-timeout", "500ms")
    try:
        family = s.descendants()
        t0 = time.monotonic()
        s.proc.send_signal(signal.SIGTERM)
        # The held script would wait far longer (HOLD_MAX); keel must stop
        # it soon after the 500ms grace.
        s.wait_exit(0.5 + 3.0 * SCALE)
        elapsed = time.monotonic() - t0
        assert elapsed >= 0.4, f"exited after {elapsed:.2f}s, before the 500ms grace was over"
        left = wait_pids_gone(family, EXIT_TIMEOUT)
        assert not left, f"processes left after shutdown: {describe_pids(left)}"
        # the held client is not left hanging either
        rest = held.read_to_eof(timeout=REQ_TIMEOUT)
        assert b"second" not in rest
    finally:
        rel.fire()
        held.close()


def test_no_orphans_after_front_sigkill(keel, release):
    s, held, rel = busy_server(keel, release, workers=3)
    try:
        family = s.descendants()
        assert len(family) >= 2, describe_pids(family)
        # the zygote (a direct child) and at least one grandchild
        children = [p for p in family if proc_stat(p) and proc_stat(p)[1] == s.pid]
        assert children, describe_pids(family)
        assert any(p not in children for p in family), f"no workers below the zygote: {describe_pids(family)}"

        s.proc.kill()
        s.proc.wait(EXIT_TIMEOUT)
        left = wait_pids_gone(family, 10.0 * SCALE)
        assert not left, f"orphans after SIGKILL of keel: {describe_pids(left)}"
    finally:
        rel.fire()
        held.close()


def test_sigterm_finishes_queued_requests_too(keel, release):
    """A request already accepted and waiting for a worker is in flight as
    well: it is served, not dropped, during a graceful shutdown."""
    s, held, rel = busy_server(keel, release, "--max-queue", "1", workers=1)
    # Two requests for one queue slot: the one refused with 503 shows the
    # other is parsed and queued (no guessing how long that takes).
    a, b = s.stream("/?queued=a"), s.stream("/?queued=b")
    try:
        rejected = first_to_answer([a, b], timeout=3.0 * SCALE)
        assert rejected.status == 503
        queued = b if rejected is a else a
        family = s.descendants()
        n = len(s.log_lines)
        s.proc.send_signal(signal.SIGTERM)
        wait_shutdown_began(s, 3.0 * SCALE, n)
        rel.fire()
        assert held.read_all(timeout=REQ_TIMEOUT).endswith(b"second\n")
        body = queued.read_all(timeout=REQ_TIMEOUT)
        assert queued.status == 200, (queued.status, body[:200])
        assert body.startswith(b"shutdown-app-index")
    finally:
        rel.fire()
        for st in (held, a, b):
            st.close()
    assert s.wait_exit(EXIT_TIMEOUT) == 0, s.log_text()
    assert not wait_pids_gone(family, EXIT_TIMEOUT)


def test_idle_keepalive_connection_does_not_delay_exit(keel):
    """An idle keep-alive connection is not an in-flight request: keel does
    not wait the (default 30s) shutdown timeout for it."""
    s = keel(app_dir("shutdown"), workers=1)
    idle = socket.create_connection(("127.0.0.1", s.port), timeout=REQ_TIMEOUT)
    try:
        idle.sendall(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{s.port}\r\n\r\n".encode())
        got = b""
        while b"shutdown-app-index" not in got:
            chunk = idle.recv(65536)
            assert chunk, got
            got += chunk
        assert got.startswith(b"HTTP/1.1 200")
        t0 = time.monotonic()
        s.proc.send_signal(signal.SIGTERM)
        assert s.wait_exit(EXIT_TIMEOUT) == 0
        assert time.monotonic() - t0 < EXIT_TIMEOUT
        # the idle connection was closed, not left dangling
        idle.settimeout(REQ_TIMEOUT)
        try:
            rest = idle.recv(65536)
        except ConnectionResetError:
            rest = b""
        assert rest == b""
    finally:
        idle.close()


def test_workers_do_not_outlive_their_zygote(keel):
    """The zygote's workers are its children: if it is SIGKILLed, none of
    them is left running."""
    s = keel(app_dir("shutdown"), workers=3)
    for _ in range(3):
        assert requests.get(s.url + "/", timeout=REQ_TIMEOUT).status_code == 200
    family = s.descendants()
    zygotes = [p for p in family if proc_stat(p) and proc_stat(p)[1] == s.pid]
    assert len(zygotes) == 1, describe_pids(family)
    workers = {p: st for p, st in family.items() if p not in zygotes}
    assert workers, describe_pids(family)
    os.kill(zygotes[0], signal.SIGKILL)
    left = wait_pids_gone(workers, 10.0 * SCALE)
    assert not left, f"workers left running after their zygote died: {describe_pids(left)}"


@pytest.mark.skipif(not SANITIZED, reason="needs the AddressSanitizer build, whose LeakSanitizer checks at exit")
def test_front_and_zygote_free_what_they_allocate(keel, release, monkeypatch):
    """The front lives as long as the service. Run with LeakSanitizer on,
    through the paths traffic takes (keep-alive and closed connections,
    HTTP/2, static files, a 404, a malformed request, a large body, a
    client leaving mid-request, a reload), then stopped: nothing the front
    or a zygote allocated may be left (the keel fixture fails on any
    sanitizer report). Workers leave with _exit and are not checked."""
    monkeypatch.setenv("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
    s = keel(app_dir("static"), "--admin", "off", workers=2)
    with requests.Session() as sess:
        for _ in range(20):
            assert sess.get(s.url + "/", timeout=REQ_TIMEOUT).status_code == 200
            assert sess.get(s.url + "/style.css", timeout=REQ_TIMEOUT).status_code == 200
    for _ in range(5):
        r = requests.get(s.url + "/", headers={"Connection": "close"}, timeout=REQ_TIMEOUT)
        assert r.status_code == 200
    assert requests.get(s.url + "/missing.php", timeout=REQ_TIMEOUT).status_code == 404
    h2 = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--http2-prior-knowledge", s.url + "/"],
                        capture_output=True, text=True, timeout=REQ_TIMEOUT)
    assert h2.stdout == "200", h2
    assert raw_exchange(s.port, b"GET / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n").startswith(b"HTTP/1.1 400")
    big = requests.post(s.url + "/", data=b"x" * (100 * 1024), timeout=REQ_TIMEOUT)
    assert big.status_code == 200
    rel = release()
    held = s.stream("/hold.php?" + rel.query)
    held.read_until(b"first", timeout=REQ_TIMEOUT)
    held.close()  # the client leaves mid-request
    rel.fire()
    s.proc.send_signal(signal.SIGHUP)
    s.wait_log(r"generation 1 is gone", timeout=EXIT_TIMEOUT)
    assert requests.get(s.url + "/", timeout=REQ_TIMEOUT).status_code == 200
    s.proc.send_signal(signal.SIGTERM)
    assert s.wait_exit(EXIT_TIMEOUT) == 0, s.log_text()
    assert "LeakSanitizer" not in s.log_text(), s.log_text()
