"""The generation's request queue: requests wait in it for the next free
worker, and the front can still take back the ones no worker has taken:
when their client leaves, when --max-wait runs out (test_queue.py), and
when a reload retires the generation."""

import hashlib
import os
import signal
import subprocess
import urllib.parse

import pytest
import requests

from conftest import REQ_TIMEOUT, app_dir, hold_worker, poll_until


# the admin listener on a port of its own, not the default one another
# server on this machine may hold
OWN_ADMIN = ("--admin", "127.0.0.1:0")


def waiting_count(s):
    st = requests.get(f"http://127.0.0.1:{s.admin_port()}/status", timeout=REQ_TIMEOUT).json()
    return st["queue"]["classic"]


def mark_url(path):
    return "/mark.php?file=" + urllib.parse.quote(str(path), safe="/")


@pytest.mark.parametrize("protocol", ["http/1.1", "h2"])
def test_a_request_abandoned_while_waiting_never_runs(keel, release, tmp_path, protocol):
    """The front hears at once that a client closed its connection (HTTP/1)
    or reset it (HTTP/2); a request of it still waiting is taken back, not
    run."""
    s = keel(app_dir("queue"), "--max-queue", "10", *OWN_ADMIN, workers=1)
    held, rel, _ = hold_worker(s, release)
    gone_mark, kept_mark = tmp_path / "gone", tmp_path / "kept"
    http = ["--http2-prior-knowledge"] if protocol == "h2" else ["--http1.1"]
    gone = subprocess.Popen(["curl", "-s", "-o", "/dev/null", *http, s.url + mark_url(gone_mark)])
    kept = None
    try:
        poll_until(lambda: waiting_count(s) == 1, timeout=REQ_TIMEOUT, what="the abandoned request to wait")
        kept = s.stream(mark_url(kept_mark))
        poll_until(lambda: waiting_count(s) == 2, timeout=REQ_TIMEOUT, what="both requests to wait")
        gone.kill()
        gone.wait(timeout=REQ_TIMEOUT)
        poll_until(lambda: waiting_count(s) == 1, timeout=REQ_TIMEOUT, what="the abandoned request to be taken back")
        rel.fire()
        assert held.read_all().endswith(b"second\n")
        # one worker, requests in order: the kept one ran after the place
        # where the abandoned one stood
        assert kept.read_all(timeout=REQ_TIMEOUT).startswith(b"marked pid=")
        assert kept_mark.exists()
        assert not gone_mark.exists(), "a request whose client left before it started was run"
    finally:
        gone.kill()
        gone.wait(timeout=REQ_TIMEOUT)
        rel.fire()
        held.close()
        if kept is not None:
            kept.close()


def test_waiting_requests_move_to_the_new_generation_on_reload(keel, release):
    s = keel(app_dir("queue"), "--max-queue", "10", *OWN_ADMIN, workers=1)
    held, rel, held_pid = hold_worker(s, release)
    waiting = [s.stream(f"/quick.php?i={i}") for i in range(3)]
    try:
        poll_until(lambda: waiting_count(s) == 3, timeout=REQ_TIMEOUT, what="three requests to wait")
        os.kill(s.pid, signal.SIGHUP)
        s.wait_log(r"generation 2 is serving")
        # served by generation 2 while generation 1's only worker is still held
        for w in waiting:
            body = w.read_all(timeout=REQ_TIMEOUT)
            assert w.status == 200
            pid = int(body.split(b"pid=")[1].split()[0])
            assert pid != held_pid
        assert not held.has_data_pending()
        rel.fire()
        assert held.read_all().endswith(b"second\n")
    finally:
        rel.fire()
        held.close()
        for w in waiting:
            w.close()


@pytest.mark.parametrize("size", [60 * 1024, 64 * 1024, 70 * 1024])
def test_bodies_around_the_queue_message_limit_arrive_whole(keel, size):
    """Up to 64 KiB of parameters and body travel in the queue message;
    larger bodies follow on the worker's socket once it has taken the
    request. Both arrive byte for byte."""
    s = keel(app_dir("php"), workers=1)
    payload = os.urandom(size)
    r = requests.post(s.url + "/bodyhash.php", data=payload, headers={"Content-Type": "application/octet-stream"},
                      timeout=REQ_TIMEOUT)
    assert r.status_code == 200, r.text[:300]
    assert r.json() == {"len": size, "sha1": hashlib.sha1(payload).hexdigest()}
