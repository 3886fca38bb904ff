"""A busy pool: requests queue up to --max-queue, wait at most --max-wait,
and past either limit get 503 with Retry-After."""

import time

import requests

from conftest import REQ_TIMEOUT, SCALE, app_dir, first_to_answer, hold_worker

PROMPT = 3.0 * SCALE  # "promptly": a rejection does not wait for the worker


def assert_retry_after(resp):
    ra = resp.headers.get("retry-after")
    assert ra, f"503 without Retry-After: {resp.headers}"
    assert ra.isdigit() or "GMT" in ra, ra


def test_queue_full_gives_503(keel, release):
    s = keel(app_dir("queue"), "--max-queue", "1", workers=1)
    held, rel, _ = hold_worker(s, release)
    second = s.stream("/quick.php?n=2")
    third = s.stream("/quick.php?n=3")
    try:
        t0 = time.monotonic()
        rejected = first_to_answer([second, third], timeout=PROMPT)
        assert time.monotonic() - t0 < PROMPT
        queued = third if rejected is second else second
        assert rejected.status == 503, rejected.buf[:300]
        assert_retry_after(rejected)
        # the other one is waiting, not answered
        assert queued.status is None and not queued.has_data_pending()

        rel.fire()
        assert held.read_all().endswith(b"second\n")
        body = queued.read_all(timeout=REQ_TIMEOUT)
        assert queued.status == 200
        assert body.startswith(b"quick pid=")
    finally:
        rel.fire()
        for st in (held, second, third):
            st.close()
    # and the pool is usable again
    r = requests.get(s.url + "/quick.php", timeout=REQ_TIMEOUT)
    assert r.status_code == 200


def test_queue_zero_rejects_at_once(keel, release):
    s = keel(app_dir("queue"), "--max-queue", "0", workers=1)
    held, rel, _ = hold_worker(s, release)
    try:
        t0 = time.monotonic()
        r = s.get("/quick.php", timeout=PROMPT)
        assert time.monotonic() - t0 < PROMPT
        assert r.status == 503
        assert_retry_after(r)
    finally:
        rel.fire()
        held.read_all()
        held.close()
    assert requests.get(s.url + "/quick.php", timeout=REQ_TIMEOUT).status_code == 200


def test_max_wait_gives_503(keel, release):
    s = keel(app_dir("queue"), "--max-queue", "10", "--max-wait", "300ms", workers=1)
    held, rel, _ = hold_worker(s, release)
    try:
        t0 = time.monotonic()
        r = s.get("/quick.php", timeout=REQ_TIMEOUT)
        waited = time.monotonic() - t0
        assert r.status == 503, r.body[:300]
        assert_retry_after(r)
        assert waited >= 0.25, f"answered after {waited:.3f}s: it did not wait for --max-wait"
        assert waited < PROMPT + 0.3, f"answered after {waited:.3f}s, long past --max-wait 300ms"
    finally:
        rel.fire()
    body = held.read_all()
    held.close()
    assert held.status == 200
    assert body.endswith(b"second\n")
    assert requests.get(s.url + "/quick.php", timeout=REQ_TIMEOUT).status_code == 200


def test_queued_requests_all_served_after_release(keel, release):
    s = keel(app_dir("queue"), "--max-queue", "10", workers=1)
    held, rel, _ = hold_worker(s, release)
    waiting = [s.stream(f"/quick.php?i={i}") for i in range(5)]
    try:
        for w in waiting:
            assert not w.has_data_pending()
        rel.fire()
        assert held.read_all().endswith(b"second\n")
        for w in waiting:
            body = w.read_all(timeout=REQ_TIMEOUT)
            assert w.status == 200
            assert body.startswith(b"quick pid=")
    finally:
        rel.fire()
        held.close()
        for w in waiting:
            w.close()


def test_slow_upload_does_not_hold_a_worker(keel):
    """The front reads a request body completely before taking a worker: a
    client that stalls half-way through its body does not block others."""
    import socket

    s = keel(app_dir("queue"), workers=1)
    slow = socket.create_connection(("127.0.0.1", s.port), timeout=REQ_TIMEOUT)
    try:
        slow.sendall(b"POST /quick.php HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n"
                     b"Content-Type: application/octet-stream\r\n\r\n" + b"a" * 400)
        # the only worker must still be free for others, again and again
        for i in range(3):
            r = requests.get(s.url + f"/quick.php?i={i}", timeout=PROMPT)
            assert r.status_code == 200
        # and the slow request completes once its body does
        slow.sendall(b"b" * 600)
        slow.settimeout(REQ_TIMEOUT)
        got = b""
        while b"quick pid=" not in got:
            chunk = slow.recv(65536)
            assert chunk, got
            got += chunk
        assert got.startswith(b"HTTP/1.1 200")
    finally:
        slow.close()


def test_clients_abandoning_queued_and_running_requests(keel, release, tmp_path):
    """Clients that hang up while queued or while their script runs leave
    the server healthy: the worker is freed and later requests are served."""
    s = keel(app_dir("queue"), "--max-queue", "10", workers=1)
    held, rel, _ = hold_worker(s, release)
    abandoned = [s.stream(f"/quick.php?gone={i}") for i in range(3)]
    for a in abandoned:
        a.close()
    held.close()  # the running request's client goes away too
    rel.fire()
    for i in range(3):
        r = requests.get(s.url + f"/quick.php?after={i}", timeout=REQ_TIMEOUT)
        assert r.status_code == 200
        assert r.text.startswith("quick pid=")
    assert s.proc.poll() is None


def test_at_most_n_scripts_run_at_once(keel, release):
    """--workers 3: three held scripts start, a fourth waits for a free
    worker and runs as soon as one is released."""
    s = keel(app_dir("queue"), workers=3)
    rels = [release() for _ in range(4)]
    streams = [s.stream("/hold.php?" + r.query) for r in rels]
    try:
        started = []
        for _ in range(3):
            st = first_to_answer([x for x in streams if x not in started], timeout=REQ_TIMEOUT)
            st.read_until(b"first", timeout=REQ_TIMEOUT)
            started.append(st)
        (waiting,) = [x for x in streams if x not in started]
        assert waiting.status is None and not waiting.has_data_pending()
        pids = {st.read_until(b"\n").split(b"pid=")[1].split()[0] for st in started}
        assert len(pids) == 3  # three distinct workers
        # free one: the waiting one runs now
        first_rel = rels[streams.index(started[0])]
        first_rel.fire()
        assert started[0].read_all().endswith(b"second\n")
        assert waiting.read_until(b"first", timeout=REQ_TIMEOUT).startswith(b"first pid=")
    finally:
        for r in rels:
            r.fire()
        for st in streams:
            try:
                st.read_all()
            except AssertionError:
                pass
            st.close()


def test_timed_out_requests_free_their_queue_slot(keel, release):
    """--max-queue 1 --max-wait 300ms: after a queued request times out, the
    next one can queue again (it too waits ~300ms) instead of being refused
    at once because of a stale slot."""
    s = keel(app_dir("queue"), "--max-queue", "1", "--max-wait", "300ms", workers=1)
    held, rel, _ = hold_worker(s, release)
    try:
        for _ in range(3):
            t0 = time.monotonic()
            r = s.get("/quick.php", timeout=REQ_TIMEOUT)
            waited = time.monotonic() - t0
            assert r.status == 503
            assert waited >= 0.25, f"refused after {waited:.3f}s: the queue slot was not freed"
    finally:
        rel.fire()
    assert held.read_all().endswith(b"second\n")
    held.close()
    assert requests.get(s.url + "/quick.php", timeout=REQ_TIMEOUT).status_code == 200
