"""Reload: generation N+1 (new zygote, fresh PHP and OPcache, the code as it
is now) takes over from generation N without failing a request.

`keel reload --admin HOST:PORT` (POST /reload) and SIGHUP start the new
generation; when its workers are ready new requests go to it, N's idle
workers leave, its busy ones finish their request, then N's zygote exits
and OPcache's shared memory with it. A generation that cannot start leaves
N serving and `keel reload` fails with the reason. An application calling
opcache_reset() gets a new generation instead of an in-place reset, at most
one per 2 s.

OPcache runs with validate_timestamps=0 throughout, so a changed file can
only become visible through a reload. Every wait is on a condition with a
deadline.
"""

import os
import re
import signal
import subprocess
import threading
import time
import urllib.parse
from datetime import datetime
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
    copy_app,
    descendants_of,
    pid_alive,
    poll_until,
    proc_stat,
    wait_pids_gone,
)

NO_REVALIDATE = ("-d", "opcache.validate_timestamps=0")
RELOAD_TIMEOUT = START_TIMEOUT  # a reload waits for a whole generation to start
LOG_TS_RE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+)Z ")
VERSION_RE = re.compile(r"^version=(\S+) pid=(\d+) zygote=(\d+)$")


# ---------------------------------------------------------------- helpers


def aged(path):
    """Gives path an mtime an hour back, so OPcache's file_update_protection
    does not keep it out of the cache."""
    t = time.time() - 3600
    os.utime(path, (t, t))


def app(name, dest):
    root = copy_app(name, dest)
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            aged(Path(dirpath) / f)
    return root


def set_version(root, version):
    p = Path(root) / "version.php"
    p.write_text(f"<?php return '{version}';\n")
    aged(p)


def start(keel, root, *args, workers=2):
    s = keel(root, "--admin", "127.0.0.1:0", *NO_REVALIDATE, *args, workers=workers)
    s.admin = s.admin_port()
    return s


def status(s):
    r = requests.get(f"http://127.0.0.1:{s.admin}/status", timeout=REQ_TIMEOUT)
    assert r.status_code == 200, r.text
    return r.json()


def keel_reload(s):
    """Runs `keel reload --admin ...`: (exit status, stdout, stderr)."""
    p = subprocess.run(
        [KEEL_BIN, "reload", "--admin", f"127.0.0.1:{s.admin}"],
        capture_output=True,
        text=True,
        timeout=RELOAD_TIMEOUT,
    )
    return p.returncode, p.stdout, p.stderr


def version(s, target="/", session=None):
    """(version, worker pid, zygote pid) of one request to target; asserts 200."""
    r = (session or requests).get(s.url + target, timeout=REQ_TIMEOUT)
    assert r.status_code == 200, (target, r.status_code, r.text[:300])
    m = VERSION_RE.match(r.text.strip())
    assert m, r.text
    return m.group(1), int(m.group(2)), int(m.group(3))


def versions_from_every_worker(s, workers, tmp_path, tries=10):
    """{worker pid: versions it served} until every worker answered GET /.
    An idle front hands sequential requests to the same worker, so each round
    holds one worker busy (hold.php) and asks for / beside it, which then
    goes to another worker."""
    seen = {}
    for i in range(tries):
        v, pid, _z = version(s)
        seen.setdefault(pid, set()).add(v)
        release = Path(tmp_path) / f"vr-{time.monotonic_ns()}"
        q = "file=" + urllib.parse.quote(str(release), safe="/") + f"&max={HOLD_MAX:.0f}"
        held = s.stream("/hold.php?" + q, timeout=HOLD_MAX + REQ_TIMEOUT)
        try:
            held.read_until(b"\n")
            v, pid, _z = version(s)
            seen.setdefault(pid, set()).add(v)
            release.write_text("go")
            held.read_all()
        finally:
            held.close()
        if len(seen) >= workers:
            break
    return seen


def generation_pids(st, number):
    """(zygote pid, [worker pids]) of generation `number` in a /status document."""
    zyg = [g["zygote_pid"] for g in st["generations"] if g["number"] == number]
    workers = [w["pid"] for w in st["workers"] if w["generation"] == number]
    return (zyg[0] if zyg else None), workers


def starttime(pid):
    try:
        data = Path(f"/proc/{pid}/stat").read_text(errors="replace")
    except OSError:
        return None
    return int(data[data.rindex(")") + 2 :].split()[19])


def opcache_segment(zygote_pid):
    """(device, inode) of the zygote's OPcache shared memory: the shared
    anonymous mapping (/dev/zero (deleted)) PHP creates in MINIT."""
    best = None
    for line in Path(f"/proc/{zygote_pid}/maps").read_text().splitlines():
        f = line.split(None, 5)
        if len(f) == 6 and f[1].endswith("s") and f[5].startswith("/dev/zero"):
            lo, hi = (int(x, 16) for x in f[0].split("-"))
            if best is None or hi - lo > best[0]:
                best = (hi - lo, (f[3], f[4]))
    assert best is not None, f"no shared /dev/zero mapping in zygote {zygote_pid}'s maps"
    return best[1]


def processes_mapping(segment):
    """Pids of every process that maps the given (device, inode) segment."""
    dev, inode = segment
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            text = Path(f"/proc/{name}/maps").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            f = line.split(None, 5)
            if len(f) == 6 and f[3] == dev and f[4] == inode and f[5].startswith("/dev/zero"):
                found.append(int(name))
                break
    return found


def assert_generation_gone(s, zygote, workers, segment, timeout=EXIT_TIMEOUT):
    """Generation's zygote and workers have exited and nothing maps its
    OPcache segment any more."""
    pids = {p: starttime(p) for p in [zygote, *workers]}
    left = wait_pids_gone({p: t for p, t in pids.items() if t is not None}, timeout)
    assert not left, f"old generation processes still alive: {left}"
    poll_until(lambda: not processes_mapping(segment), timeout, what="the old OPcache segment to be released")


def log_time(line):
    m = LOG_TS_RE.match(line)
    return datetime.fromisoformat(m.group(1)).timestamp() if m else None


def lines_matching(s, pattern):
    rx = re.compile(pattern)
    return [l for l in s.log_text().splitlines() if rx.search(l)]


# ---------------------------------------------------------------- keel reload


def test_keel_reload_serves_changed_code_only_after_reload(keel, tmp_path):
    root = app("reload", tmp_path / "app")
    s = start(keel, root, workers=2)

    st = status(s)
    assert st["generation"] == 1
    assert [g["number"] for g in st["generations"]] == [1]
    old_zygote, old_workers = generation_pids(st, 1)
    assert len(old_workers) == 2
    segment = opcache_segment(old_zygote)

    seen = versions_from_every_worker(s, 2, tmp_path)
    assert set().union(*seen.values()) == {"v1"}

    # Deploy: the file changes on disk. Without a reload every worker goes
    # on serving what its generation compiled.
    set_version(root, "v2")
    seen = versions_from_every_worker(s, 2, tmp_path)
    assert len(seen) == 2, f"expected answers from both workers, got {seen}"
    assert set().union(*seen.values()) == {"v1"}, "changed code visible without a reload"

    rc, out, err = keel_reload(s)
    assert rc == 0, (rc, out, err)
    assert out.strip() == "2", (out, err)

    s.wait_log(r"reload \(admin request\): starting generation 2")
    s.wait_log(r"generation 2 is serving \(.*\); generation 1 drains")
    # `keel reload` answers once generation 2 serves: every request from now on sees v2.
    for _ in range(6):
        v, pid, zyg = version(s)
        assert v == "v2"
        assert zyg != old_zygote and pid not in old_workers

    s.wait_log(r"generation 1 is gone", timeout=EXIT_TIMEOUT)
    assert_generation_gone(s, old_zygote, old_workers, segment)
    st = status(s)
    assert st["generation"] == 2
    assert [(g["number"], g["state"]) for g in st["generations"]] == [(2, "active")]
    assert st["reloads"] == {"ok": 1, "failed": 0}
    assert {w["generation"] for w in st["workers"]} == {2}
    assert s.proc.poll() is None


def test_sighup_reloads(keel, tmp_path):
    root = app("reload", tmp_path / "app")
    s = start(keel, root, workers=2)
    zyg1, workers1 = generation_pids(status(s), 1)
    segment = opcache_segment(zyg1)
    assert version(s)[0] == "v1"

    set_version(root, "v2")
    assert version(s)[0] == "v1"
    os.kill(s.pid, signal.SIGHUP)
    s.wait_log(r"reload \(SIGHUP\): starting generation 2")
    s.wait_log(r"generation 2 is serving \(.*\); generation 1 drains", timeout=RELOAD_TIMEOUT)
    v, _pid, zyg = version(s)
    assert (v, zyg != zyg1) == ("v2", True)
    s.wait_log(r"generation 1 is gone", timeout=EXIT_TIMEOUT)
    assert_generation_gone(s, zyg1, workers1, segment)
    assert status(s)["generation"] == 2


def test_busy_worker_finishes_its_request_while_old_generation_drains(keel, tmp_path):
    root = app("reload", tmp_path / "app")
    s = start(keel, root, workers=2)
    zyg1, workers1 = generation_pids(status(s), 1)
    segment = opcache_segment(zyg1)

    release = tmp_path / "release"
    q = "file=" + urllib.parse.quote(str(release), safe="/") + f"&max={HOLD_MAX:.0f}"
    held = s.stream("/hold.php?" + q, timeout=HOLD_MAX + REQ_TIMEOUT)
    try:
        first = held.read_until(b"\n")
        busy = int(re.match(rb"first pid=(\d+) zygote=(\d+)\n", first).group(1))
        assert busy in workers1, (first, workers1)
        idle = [p for p in workers1 if p != busy]

        set_version(root, "v2")
        rc, out, err = keel_reload(s)
        assert (rc, out.strip()) == (0, "2"), (rc, out, err)

        # New requests go to generation 2 although generation 1 still runs one.
        v, _pid, zyg = version(s)
        assert v == "v2" and zyg != zyg1
        # Generation 1's idle worker leaves; its busy one and its zygote stay.
        assert not wait_pids_gone({p: starttime(p) for p in idle if starttime(p)}, EXIT_TIMEOUT)
        st = status(s)
        assert st["generation"] == 2
        states = {g["number"]: g["state"] for g in st["generations"]}
        assert states.get(1) == "draining", st["generations"]
        assert pid_alive(zyg1) and pid_alive(busy)
        assert processes_mapping(segment), "OPcache segment released while a request of its generation runs"
        assert not lines_matching(s, r"generation 1 is gone")

        # The held request completes normally on its old worker.
        release.write_text("go")
        body = held.read_all(timeout=REQ_TIMEOUT)
        assert held.status == 200
        assert body.endswith(b"second\n"), body
    finally:
        held.close()

    s.wait_log(r"generation 1 is gone", timeout=EXIT_TIMEOUT)
    assert_generation_gone(s, zyg1, workers1, segment)
    assert [g["number"] for g in status(s)["generations"]] == [2]


# ---------------------------------------------------------------- failed reloads


def test_worker_script_syntax_error_keeps_old_generation(keel, tmp_path):
    root = app("reload_worker", tmp_path / "app")
    s = start(keel, root, "--worker", str(root / "worker.php"), "--classic-workers", "1",
              "--max-consecutive-failures", "2", workers=2)
    zyg1, _ = generation_pids(status(s), 1)
    assert version(s)[0] == "v1"

    good = (root / "worker.php").read_text()
    (root / "worker.php").write_text("<?php\n$v = require __DIR__ . '/version.php'\nthis is not php;\n")
    aged(root / "worker.php")
    set_version(root, "v2")

    rc, out, err = keel_reload(s)
    assert rc == 1, (rc, out, err)
    assert out == ""
    assert "keel reload: failed:" in err and "failed to boot 2 times in a row" in err, err
    s.wait_log(r"generation 2 failed to start: ")
    s.wait_log(r"generation 1 keeps serving")

    # Generation 1 never stopped: its workers booted v1 and go on serving it.
    for _ in range(4):
        v, _pid, zyg = version(s)
        assert (v, zyg) == ("v1", zyg1)
    st = status(s)
    assert st["generation"] == 1
    assert st["reloads"] == {"ok": 0, "failed": 1}
    poll_until(lambda: [g["number"] for g in status(s)["generations"]] == [1], EXIT_TIMEOUT,
               what="the failed generation 2 to be gone")

    # Fixed: the next reload goes through.
    (root / "worker.php").write_text(good)
    aged(root / "worker.php")
    rc, out, err = keel_reload(s)
    assert (rc, out.strip()) == (0, "3"), (rc, out, err)
    assert version(s)[0] == "v2"
    assert status(s)["reloads"] == {"ok": 1, "failed": 1}


def test_php_failing_to_start_keeps_old_generation(keel, tmp_path):
    root = app("reload", tmp_path / "app")
    preload = root / "preload.php"
    s = start(keel, root, "-d", f"opcache.preload={preload}", "-d", "opcache.preload_user=root", workers=2)
    zyg1, _ = generation_pids(status(s), 1)
    assert version(s)[0] == "v1"

    # A preload script that does not compile: PHP itself cannot start.
    preload.write_text("<?php\nfunction broken( {\n")
    set_version(root, "v2")
    rc, out, err = keel_reload(s)
    assert rc != 0, (rc, out, err)
    assert "keel reload: failed:" in err and "PHP failed to start" in err, err
    s.wait_log(r"generation 2 failed to start: PHP failed to start")
    s.wait_log(r"generation 1 keeps serving")
    for _ in range(4):
        v, _pid, zyg = version(s)
        assert (v, zyg) == ("v1", zyg1)
    assert status(s)["generation"] == 1
    assert status(s)["reloads"]["failed"] == 1


def php_string(text):
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def test_php_failure_is_the_reason_even_when_the_zygote_exit_is_seen_first(keel, tmp_path):
    """A zygote whose PHP cannot start writes why on its control socket and
    exits. A front slow to run (a busy machine) finds the message and the
    SIGCHLD waiting together, and its event loop may hand it the signal
    first; the reason reported must still be PHP's, not "the zygote exited".

    The test forces that ordering: the new zygote's preload script waits
    for the test before it fails, the front is stopped (SIGSTOP) meanwhile,
    and it is continued only once the zygote is a zombie it has not reaped,
    so both events are pending in the same loop turn."""
    root = app("reload", tmp_path / "app")
    preload = root / "preload.php"
    started, go = tmp_path / "preload-started", tmp_path / "preload-go"
    s = start(keel, root, "-d", f"opcache.preload={preload}", "-d", "opcache.preload_user=root", workers=1)
    zyg1, _ = generation_pids(status(s), 1)
    assert version(s)[0] == "v1"

    (root / "broken.php").write_text("<?php\nfunction broken( {\n")
    preload.write_text(
        "<?php\n"
        f"file_put_contents({php_string(str(started))}, 'started');\n"
        f"for ($i = 0; $i < {int(HOLD_MAX * 100)} && !file_exists({php_string(str(go))}); $i++) usleep(10000);\n"
        "require __DIR__ . '/broken.php';\n")
    reload = subprocess.Popen([KEEL_BIN, "reload", "--admin", f"127.0.0.1:{s.admin}"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    stopped = False
    try:
        poll_until(started.exists, RELOAD_TIMEOUT, what="generation 2's preload script to start")
        zyg2 = [p for p in descendants_of(s.pid) if p != zyg1 and proc_stat(p)[1] == s.pid]
        assert len(zyg2) == 1, (zyg1, descendants_of(s.pid))
        os.kill(s.pid, signal.SIGSTOP)
        stopped = True
        go.write_text("go")
        poll_until(lambda: (proc_stat(zyg2[0]) or ("?",))[0] == "Z", EXIT_TIMEOUT,
                   what="generation 2's zygote to have written and exited (a zombie the stopped front has not reaped)")
    finally:
        if stopped:
            os.kill(s.pid, signal.SIGCONT)
    try:
        out, err = reload.communicate(timeout=RELOAD_TIMEOUT)
    finally:
        reload.kill()
    assert reload.returncode == 1, (reload.returncode, out, err)
    assert "keel reload: failed: PHP failed to start: " in err, err + s.log_text()
    line = s.wait_log(r"generation 2 failed to start: ")
    assert "PHP failed to start: " in line and "the zygote exited" not in line, s.log_text()
    s.wait_log(r"generation 1 keeps serving")
    v, _pid, zyg = version(s)
    assert (v, zyg) == ("v1", zyg1)
    st = status(s)
    assert st["generation"] == 1 and st["reloads"] == {"ok": 0, "failed": 1}, st


# ---------------------------------------------------------------- opcache_reset()


def test_opcache_reset_starts_a_new_generation_rate_limited(keel, tmp_path):
    root = app("reload", tmp_path / "app")
    s = start(keel, root, workers=2)
    zyg1, _ = generation_pids(status(s), 1)
    assert version(s)[0] == "v1"
    set_version(root, "v2")

    t0 = time.monotonic()
    r = requests.get(s.url + "/reset.php", timeout=REQ_TIMEOUT)
    assert r.status_code == 200 and r.text.startswith("reset=true"), r.text
    s.wait_log(r"generation 1: the application called opcache_reset\(\); a new generation takes over instead")
    s.wait_log(r"reload \(opcache_reset\(\) called\): starting generation 2")
    s.wait_log(r"generation 2 is serving", timeout=RELOAD_TIMEOUT)
    # The reset took effect as a new generation: fresh OPcache, current code.
    v, _pid, zyg2 = version(s)
    assert v == "v2" and zyg2 != zyg1

    # More resets right away are within 2 s of the first: no new generation,
    # and no in-place reset either (what generation 2 cached stays cached).
    for _ in range(5):
        assert requests.get(s.url + "/reset.php", timeout=REQ_TIMEOUT).status_code == 200
    burst_end = time.monotonic()
    c = requests.get(s.url + "/cached.php", timeout=REQ_TIMEOUT).json()
    assert c["zygote"] == zyg2
    assert c["cached"] is True, c
    assert c["manual_restarts"] == 0 and c["oom_restarts"] == 0 and c["hash_restarts"] == 0, c
    if burst_end - t0 < 1.8:
        st = status(s)
        assert st["generation"] == 2, "a second generation started within 2 s of the first opcache_reset()"
        assert len(lines_matching(s, r"called opcache_reset\(\)")) == 1

    # Past the interval, a reset call does start the next generation.
    def third():
        requests.get(s.url + "/reset.php", timeout=REQ_TIMEOUT)
        return status(s)["generation"] == 3

    poll_until(third, 5.0 * SCALE, interval=0.1, what="opcache_reset() to start generation 3 after 2 s")
    times = [log_time(l) for l in lines_matching(s, r"the application called opcache_reset\(\)")]
    assert len(times) == 2, times
    # keel's rate limit counts whole milliseconds of its monotonic clock and
    # the log stamps whole milliseconds of the wall clock: 2,000 ms apart
    # in keel's count can read as 1.998 s between the two lines.
    assert times[1] - times[0] >= 1.998, f"two opcache_reset() swaps {times[1] - times[0]:.3f}s apart"
    assert status(s)["reloads"]["failed"] == 0


# ---------------------------------------------------------------- reload under load


@pytest.mark.parametrize("recycling", [(), ("--max-requests", "3")], ids=["steady", "recycling"])
def test_reloads_under_load_fail_no_request(keel, tmp_path, recycling):
    """With recycling, replacement workers are starting at every moment, so
    reloads also retire workers that may be taking a request from the
    queue before the front has heard from them."""
    root = app("reload", tmp_path / "app")
    s = start(keel, root, *recycling, workers=2)
    reloads = 5
    threads_n = 4
    stop = threading.Event()
    errors = []
    results = [[] for _ in range(threads_n)]  # per thread: versions in order
    lock = threading.Lock()

    def hammer(i):
        sess = requests.Session()  # keep-alive across reloads
        while not stop.is_set():
            try:
                r = sess.get(s.url + "/", timeout=REQ_TIMEOUT)
            except requests.RequestException as e:
                with lock:
                    errors.append(f"thread {i}: {e!r}")
                continue
            m = VERSION_RE.match(r.text.strip())
            if r.status_code != 200 or not m:
                with lock:
                    errors.append(f"thread {i}: {r.status_code} {r.text[:200]!r}")
                continue
            results[i].append(int(m.group(1)[1:]))

    threads = [threading.Thread(target=hammer, args=(i,), daemon=True) for i in range(threads_n)]
    for t in threads:
        t.start()
    try:
        poll_until(lambda: all(results), REQ_TIMEOUT, what="every client thread to get an answer")
        for n in range(2, reloads + 2):
            st = status(s)
            old_zyg, old_workers = generation_pids(st, st["generation"])
            segment = opcache_segment(old_zyg)
            set_version(root, f"v{n}")
            rc, out, err = keel_reload(s)
            assert (rc, out.strip()) == (0, str(n)), (rc, out, err)
            # Visible at once to a new client, and soon to every loaded one.
            assert version(s)[0] == f"v{n}"
            marks = [len(r) for r in results]
            poll_until(lambda: all(len(r) > m and r[-1] == n for r, m in zip(results, marks)),
                       REQ_TIMEOUT, what=f"every client thread to see v{n}")
            s.wait_log(rf"generation {n - 1} is gone", timeout=EXIT_TIMEOUT)
            assert_generation_gone(s, old_zyg, old_workers, segment)
    finally:
        stop.set()
        for t in threads:
            t.join(REQ_TIMEOUT + 5)
    assert not errors, errors[:10]
    total = sum(len(r) for r in results)
    assert total > 50, total
    for r in results:
        assert r == sorted(r), "a client saw an older version after a newer one"
    st = status(s)
    assert st["generation"] == reloads + 1
    assert [g["number"] for g in st["generations"]] == [reloads + 1]
    assert st["reloads"] == {"ok": reloads, "failed": 0}
    assert st["worker_crashes"] == 0


# ---------------------------------------------------------------- --warmup


def test_warmup_request_gates_every_generation(keel, tmp_path):
    """--warmup: a generation serves only after its warm-up request answered
    below 500; one whose warm-up fails is abandoned and the old one goes on."""
    root = app("reload", tmp_path / "app")
    (root / "warm.php").write_text(
        "<?php file_put_contents(__DIR__ . '/warmed-' . getmypid(), 'x');\n"
        "if (file_exists(__DIR__ . '/break-warmup')) { http_response_code(500); }\n"
        "echo 'warm';\n")
    s = start(keel, root, "--warmup", "/warm.php")
    s.wait_log(r"generation 1: warm-up request GET /warm\.php")
    # the warm-up ran in a worker of generation 1 before it served
    assert list(root.glob("warmed-*")), "the warm-up script did not run"
    code, out, err = keel_reload(s)
    assert code == 0, (code, out, err)
    assert out.strip() == "2"
    s.wait_log(r"generation 2: warm-up request GET /warm\.php")
    (root / "break-warmup").write_text("x")
    code, out, err = keel_reload(s)
    assert code == 1, (code, out, err)
    assert "warm-up request GET /warm.php answered 500" in err, err
    assert status(s)["generation"] == 2
    r = requests.get(s.url + "/version.php", timeout=REQ_TIMEOUT)
    assert r.status_code == 200
