"""A worker that dies mid-request: the client gets 502, a new worker takes
its place, the server keeps serving."""

import os
import signal
import urllib.parse

import requests

from conftest import EXIT_TIMEOUT, REQ_TIMEOUT, app_dir, pid_alive, poll_until, wait_pids_gone


def crash_url(s, pidfile):
    return s.url + "/crash.php?pidfile=" + urllib.parse.quote(str(pidfile), safe="/")


def test_worker_crash_gives_502_and_is_replaced(keel, tmp_path):
    s = keel(app_dir("crash"), workers=1)
    before = int(requests.get(s.url + "/pid.php", timeout=REQ_TIMEOUT).text)

    pidfile = tmp_path / "crashed.pid"
    r = requests.get(crash_url(s, pidfile), timeout=REQ_TIMEOUT)
    assert r.status_code == 502, (r.status_code, r.text[:200])
    crashed = int(pidfile.read_text())
    assert crashed == before  # with one worker, the crash took out the only one

    # The only worker is dead: answering at all needs a replacement.
    poll_until(lambda: not pid_alive(crashed), EXIT_TIMEOUT, what=f"crashed worker {crashed} to be gone")
    for _ in range(3):
        ok = requests.get(s.url + "/pid.php", timeout=REQ_TIMEOUT)
        assert ok.status_code == 200
        assert int(ok.text) != crashed
    assert s.proc.poll() is None


def test_repeated_crashes(keel, tmp_path):
    s = keel(app_dir("crash"), workers=2)
    for i in range(5):
        r = requests.get(crash_url(s, tmp_path / f"c{i}.pid"), timeout=REQ_TIMEOUT)
        assert r.status_code == 502
    seen = set()
    for _ in range(6):
        ok = requests.get(s.url + "/pid.php", timeout=REQ_TIMEOUT)
        assert ok.status_code == 200
        seen.add(int(ok.text))
    crashed = {int((tmp_path / f"c{i}.pid").read_text()) for i in range(5)}
    assert not (seen & crashed)


def test_exit_is_not_a_crash(keel):
    s = keel(app_dir("crash"), workers=1)
    r = requests.get(s.url + "/exit.php", timeout=REQ_TIMEOUT)
    assert r.status_code == 200
    assert r.text == "clean-exit-output\n"


def test_crash_after_headers_truncates_visibly(keel):
    """When the worker dies after part of the body went out, the client must
    not be handed what looks like a complete response, nor be left hanging."""
    from conftest import RawResponse, _decode_chunked

    s = keel(app_dir("crash"), workers=1)
    r = RawResponse(s.port, "/crash_after_flush.php")
    try:
        raw_body = r.read_to_eof(timeout=REQ_TIMEOUT)
    finally:
        r.close()
    assert r.status == 200  # headers were already sent
    assert b"never-sent" not in raw_body
    if "chunked" in r.headers.get("transfer-encoding", "").lower():
        assert b"partial-output" in raw_body
        try:
            _data, complete = _decode_chunked(raw_body)
        except AssertionError:
            complete = False  # a malformed chunk: the client sees an error, fine
        assert not complete, "a truncated response ended with a clean last-chunk"
    else:
        assert "content-length" not in r.headers or int(r.headers["content-length"]) != len(raw_body)
    ok = requests.get(s.url + "/pid.php", timeout=REQ_TIMEOUT)
    assert ok.status_code == 200


def test_requests_queued_behind_a_crash_are_served(keel, tmp_path):
    """With one worker, requests waiting while it crashes are served by its
    replacement, not dropped."""
    import concurrent.futures

    s = keel(app_dir("crash"), workers=1)

    def fetch(path):
        return requests.get(s.url + path, timeout=REQ_TIMEOUT).status_code

    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        crash = ex.submit(fetch, "/crash.php?pidfile=" + urllib.parse.quote(str(tmp_path / "c.pid"), safe="/"))
        quick = [ex.submit(fetch, f"/pid.php?i={i}") for i in range(6)]
        assert crash.result() == 502
        assert [f.result() for f in quick] == [200] * 6


def test_workers_killed_from_outside_are_replaced(keel):
    from conftest import proc_stat

    s = keel(app_dir("crash"), workers=2)
    for _ in range(4):
        assert requests.get(s.url + "/pid.php", timeout=REQ_TIMEOUT).status_code == 200
    family = s.descendants()
    workers = {p: st for p, st in family.items() if proc_stat(p) and proc_stat(p)[1] != s.pid}
    assert workers, f"no workers found below the zygote: {family}"
    for p in workers:
        os.kill(p, signal.SIGKILL)
    assert not wait_pids_gone(workers, EXIT_TIMEOUT)
    for _ in range(4):
        r = requests.get(s.url + "/pid.php", timeout=REQ_TIMEOUT)
        assert r.status_code == 200
        assert int(r.text) not in workers
    assert s.proc.poll() is None
