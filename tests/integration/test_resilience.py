"""Resilience: what keel does when PHP misbehaves.

- OPcache under pressure (an app that keeps invalidating and recompiling
  templates with anonymous classes, in a small cache): keel starts a new
  generation instead of letting OPcache reset in place, and says which
  settings would hold the application.
- A worker killed mid-request costs that request (502), never the server;
  with --retry-idempotent a GET that got no byte is retried once on
  another worker, a POST is not.
- Core dumps are off unless --core-dir, and then land only there, at most 3.
- --request-timeout answers 504 and logs the PHP backtrace before the
  worker is ended; --slow-request logs the same backtrace and lets the
  request finish.
- A worker the zygote cannot fork (out of processes) is asked for again,
  with a delay, while the rest of the pool serves; the pool is whole again
  once processes can be had.

Every check goes over real HTTP to a real keel; waits are on conditions
with deadlines.
"""

import os
import re
import resource
import socket
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest
import requests

from conftest import (
    EXIT_TIMEOUT,
    REQ_TIMEOUT,
    SCALE,
    START_TIMEOUT,
    KeelServer,
    copy_app,
    pid_alive,
    poll_until,
)



# ---------------------------------------------------------------- helpers


def start(keel, root, *args, workers=2):
    s = keel(root, "--admin", "127.0.0.1:0", *args, workers=workers)
    s.admin = s.admin_port()
    return s


def admin_get(s, path):
    r = requests.get(f"http://127.0.0.1:{s.admin}{path}", timeout=REQ_TIMEOUT)
    assert r.status_code == 200, (path, r.status_code, r.text[:300])
    return r


def status(s):
    return admin_get(s, "/status").json()


def worker_pids(s):
    return {w["pid"] for w in status(s)["workers"]}


def q(path):
    return urllib.parse.quote(str(path), safe="/")


def pid_of(s):
    r = requests.get(s.url + "/pid.php", timeout=REQ_TIMEOUT)
    assert r.status_code == 200, r.text
    return int(r.text)


def core_files(directory):
    d = Path(directory)
    if not d.is_dir():
        return set()
    return {p.name for p in d.iterdir() if p.name == "core" or p.name.startswith("core.")}


class core_limit_raised:
    """Raises this process's soft RLIMIT_CORE to its hard limit while keel
    starts, so keel inherits a limit that would allow dumps: whether one is
    written is then keel's doing, not the test runner's environment."""

    def __enter__(self):
        self.saved = resource.getrlimit(resource.RLIMIT_CORE)
        resource.setrlimit(resource.RLIMIT_CORE, (self.saved[1], self.saved[1]))
        return self

    def __exit__(self, *exc):
        resource.setrlimit(resource.RLIMIT_CORE, self.saved)


def core_pattern_or_skip():
    pattern = Path("/proc/sys/kernel/core_pattern").read_text().strip()
    if pattern.startswith("|"):
        pytest.skip(f"kernel.core_pattern pipes cores to a program ({pattern!r}): no core file lands in a directory")
    if "/" in pattern:
        pytest.skip(f"kernel.core_pattern is an absolute path ({pattern!r}): cores never land in the worker's directory")
    if resource.getrlimit(resource.RLIMIT_CORE)[1] == 0:
        pytest.skip("the hard RLIMIT_CORE is 0 here: no process may dump core")
    return pattern


# ---------------------------------------------------------------- OPcache pressure


def test_opcache_pressure_swaps_generation_instead_of_resetting(keel, tmp_path):
    root = copy_app("resilience_pressure", tmp_path / "app")
    s = start(
        keel,
        root,
        "-d", "opcache.memory_consumption=16",
        "-d", "opcache.interned_strings_buffer=1",
        "-d", "opcache.max_wasted_percentage=5",
        workers=2,
    )
    import hashlib

    want = "n=200 md5=" + hashlib.md5("".join(f"<li>tpl{i}:{i}</li>" for i in range(200)).encode()).hexdigest()
    sess = requests.Session()

    def swapped():
        r = sess.get(s.url + "/", timeout=REQ_TIMEOUT)
        assert r.status_code == 200, r.text[:300]
        assert r.text.strip() == want
        return any("rather than letting OPcache reset in place" in l for l in s.log_text().splitlines())

    poll_until(swapped, 30 * SCALE, interval=0, what="keel to swap the generation for OPcache's sake")
    line = s.wait_log(
        r"generation 1: OPcache .*; starting a new generation rather than letting OPcache reset in place\. "
        r"Settings that would hold this application: -d opcache\.memory_consumption=\d+ "
        r"-d opcache\.interned_strings_buffer=\d+ -d opcache\.max_accelerated_files=\d+"
    )
    s.wait_log(r"reload \(OPcache .*\): starting generation 2")
    s.wait_log(r"generation 2 is serving", timeout=START_TIMEOUT)
    s.wait_log(r"generation 1 is gone", timeout=EXIT_TIMEOUT)

    # The new generation serves the same application correctly.
    r = sess.get(s.url + "/", timeout=REQ_TIMEOUT)
    assert r.status_code == 200 and r.text.strip() == want

    def with_opcache():
        st = status(s)
        return st if "opcache" in st else None

    st = poll_until(with_opcache, REQ_TIMEOUT, interval=0.1, what="/status to carry OPcache figures")
    assert st["opcache"]["generation_swaps"] >= 1, st["opcache"]
    assert st["generation"] >= 2
    assert st["worker_crashes"] == 0
    metrics = admin_get(s, "/metrics").text
    m = re.search(r"^keel_opcache_generation_swaps_total (\d+)$", metrics, re.M)
    assert m and int(m.group(1)) >= 1, metrics
    for name in ("keel_opcache_memory_bytes", "keel_opcache_interned_strings_bytes", "keel_opcache_cached_keys",
                 "keel_opcache_restarts_total"):
        assert re.search(rf"^{name}(\{{.*\}})? \d+$", metrics, re.M), (name, metrics)
    assert "reset in place" in line


# ---------------------------------------------------------------- crashes


@pytest.mark.parametrize("sig", [9, pytest.param(11, marks=pytest.mark.skipif(
    os.environ.get("KEEL_SANITIZED") == "1",
    reason="AddressSanitizer catches the SIGSEGV itself and reports it, so the worker does not die of the signal"))])
def test_worker_killed_mid_request(keel, tmp_path, sig):
    s = start(keel, copy_app("resilience", tmp_path / "app"), workers=2)
    before = worker_pids(s)
    pidfile = tmp_path / "crashed.pid"
    r = requests.get(f"{s.url}/crash.php?sig={sig}&pidfile={q(pidfile)}", timeout=REQ_TIMEOUT)
    assert r.status_code == 502, (r.status_code, r.text[:200])
    crashed = int(pidfile.read_text())
    assert crashed in before
    # the crash is logged with the signal, the request line, the request
    # count, the worker's age and its memory
    s.wait_log(rf"worker \d+ \(pid {crashed}\) killed by signal {sig} \([^)]*\) during \"GET /crash\.php\?[^\"]*\" "
               rf"after \d+ requests, age [\d.]+s, private memory ")
    poll_until(lambda: not pid_alive(crashed), EXIT_TIMEOUT, what="the crashed worker to be gone")

    # The pool is whole again, with a new process in place of the dead one.
    def replaced():
        pids = worker_pids(s)
        return pids if len(pids) == 2 and crashed not in pids else None

    pids = poll_until(replaced, EXIT_TIMEOUT, what="a replacement worker")
    assert pids - before, "no new worker pid"
    for _ in range(4):
        assert pid_of(s) != crashed
    st = status(s)
    assert st["worker_crashes"] == 1
    assert s.proc.poll() is None


def test_retry_idempotent_get_gets_200_post_gets_502(keel, tmp_path):
    s = start(keel, copy_app("resilience", tmp_path / "app"), "--retry-idempotent", workers=2)

    marker = tmp_path / "get.marker"
    r = requests.get(f"{s.url}/crash_once.php?marker={q(marker)}", timeout=REQ_TIMEOUT)
    assert r.status_code == 200, (r.status_code, r.text[:200])
    m = re.fullmatch(r"ok pid=(\d+) crashed=(\d+) method=GET\n", r.text)
    assert m, r.text
    served, crashed = int(m.group(1)), int(m.group(2))
    assert served != crashed, "the retry ran on the worker that had died"
    s.wait_log(rf"worker \d+ \(pid {crashed}\) killed by signal 9")
    s.wait_log(r"retrying GET /crash_once\.php\S* on another worker")

    marker = tmp_path / "post.marker"
    r = requests.post(f"{s.url}/crash_once.php?marker={q(marker)}", data=b"x=1", timeout=REQ_TIMEOUT)
    assert r.status_code == 502, (r.status_code, r.text[:200])
    crashed_post = int(marker.read_text())
    s.wait_log(rf"worker \d+ \(pid {crashed_post}\) killed by signal 9")
    assert not [l for l in s.log_text().splitlines() if re.search(r"retrying POST", l)]
    # The same POST again now passes (the marker exists): nothing was stuck.
    r = requests.post(f"{s.url}/crash_once.php?marker={q(marker)}", data=b"x=1", timeout=REQ_TIMEOUT)
    assert r.status_code == 200 and "method=POST" in r.text
    assert status(s)["worker_crashes"] == 2


def test_without_retry_idempotent_a_get_gets_502(keel, tmp_path):
    s = start(keel, copy_app("resilience", tmp_path / "app"), workers=2)
    marker = tmp_path / "get.marker"
    r = requests.get(f"{s.url}/crash_once.php?marker={q(marker)}", timeout=REQ_TIMEOUT)
    assert r.status_code == 502
    assert "retrying" not in s.log_text()


# ---------------------------------------------------------------- core dumps


@pytest.mark.skipif(os.environ.get("KEEL_SANITIZED") == "1",
                    reason="AddressSanitizer handles SIGSEGV itself and never lets the kernel dump core")
def test_no_core_dump_by_default(keel, tmp_path):
    core_pattern_or_skip()
    root = copy_app("resilience", tmp_path / "app")
    with core_limit_raised():
        s = start(keel, root, workers=1)
    keel_cwd = os.readlink(f"/proc/{s.pid}/cwd")
    cwd_before = core_files(keel_cwd)
    worker = pid_of(s)
    # Where a core would go is the crashing worker's directory.
    worker_cwd = os.readlink(f"/proc/{worker}/cwd")
    limits = Path(f"/proc/{worker}/limits").read_text()
    assert re.search(r"^Max core file size\s+0\s+0\s", limits, re.M), limits

    pidfile = tmp_path / "segv.pid"
    r = requests.get(f"{s.url}/crash.php?sig=11&pidfile={q(pidfile)}", timeout=REQ_TIMEOUT)
    assert r.status_code == 502
    crashed = int(pidfile.read_text())
    line = s.wait_log(rf"worker \d+ \(pid {crashed}\) killed by signal 11")
    # The worker has been reaped (the zygote reported its status): any core
    # file would have been written by now.
    poll_until(lambda: not pid_alive(crashed), EXIT_TIMEOUT, what="the crashed worker to be gone")
    assert pid_of(s) != crashed
    assert not core_files(root), core_files(root)
    assert not core_files(worker_cwd), worker_cwd
    assert core_files(keel_cwd) == cwd_before, keel_cwd
    assert "dumped core" not in s.log_text()
    assert line


def segfault(s, tmp_path, n):
    pidfile = tmp_path / f"segv-{n}.pid"
    r = requests.get(f"{s.url}/crash.php?sig=11&pidfile={q(pidfile)}", timeout=REQ_TIMEOUT)
    assert r.status_code == 502, (r.status_code, r.text[:200])
    pid = int(pidfile.read_text())
    s.wait_log(rf"worker \(pid {pid}\) dumped core: ")
    return pid


def test_core_dir_receives_the_dump_and_keeps_three(keel, tmp_path):
    core_pattern_or_skip()
    root = copy_app("resilience", tmp_path / "app")
    cores = tmp_path / "cores"
    cores.mkdir()
    with core_limit_raised():
        # A small OPcache keeps each dump small (its shared memory is in it).
        s = start(keel, root, "--core-dir", str(cores), "-d", "opcache.memory_consumption=16", workers=1)
    keel_cwd = os.readlink(f"/proc/{s.pid}/cwd")
    cwd_before = core_files(keel_cwd)

    first = segfault(s, tmp_path, 0)
    assert core_files(cores) == {f"core.{first}"}
    assert (cores / f"core.{first}").stat().st_size > 0
    assert not core_files(root)

    crashed = [first] + [segfault(s, tmp_path, n) for n in range(1, 5)]
    # The zygote logs the dump, then prunes the directory.
    kept = poll_until(lambda: len(core_files(cores)) <= 3 and core_files(cores), EXIT_TIMEOUT,
                      what="the core directory to be pruned to 3")
    assert kept <= {f"core.{p}" for p in crashed}
    assert not core_files(root), "a core file landed in the application root"
    assert core_files(keel_cwd) == cwd_before
    assert status(s)["worker_crashes"] == 5
    assert s.proc.poll() is None


def test_core_dir_keeps_the_newest_three(keel, tmp_path):
    """The cores kept are those of the three latest crashes: the one being
    investigated is never the one thrown away."""
    core_pattern_or_skip()
    root = copy_app("resilience", tmp_path / "app")
    cores = tmp_path / "cores"
    cores.mkdir()
    with core_limit_raised():
        s = start(keel, root, "--core-dir", str(cores), "-d", "opcache.memory_consumption=16", workers=1)
    crashed = [segfault(s, tmp_path, n) for n in range(5)]
    poll_until(lambda: len(core_files(cores)) <= 3, EXIT_TIMEOUT, what="the core directory to be pruned to 3")
    assert core_files(cores) == {f"core.{p}" for p in crashed[-3:]}, (crashed, sorted(core_files(cores)))


# ---------------------------------------------------------------- timeouts


def backtrace_after(s, header_re, timeout=REQ_TIMEOUT):
    """The log line matching header_re and the indented frame lines after it."""
    s.wait_log(header_re, timeout=timeout)
    lines = s.log_text().splitlines()
    i = next(k for k, l in enumerate(lines) if re.search(header_re, l))
    frames = []
    for l in lines[i + 1 :]:
        if not l.startswith("  "):
            break
        frames.append(l)
    return lines[i], frames


def test_request_timeout_gives_504_with_backtrace(keel, tmp_path):
    root = copy_app("resilience", tmp_path / "app")
    s = start(keel, root, "--request-timeout", "1s", workers=1)
    worker = pid_of(s)
    t0 = time.monotonic()
    r = requests.get(s.url + "/slow.php?s=8", timeout=REQ_TIMEOUT)
    elapsed = time.monotonic() - t0
    assert r.status_code == 504, (r.status_code, r.text[:200])
    assert 1.0 <= elapsed < 6.0, elapsed

    s.wait_log(rf"request timeout \(over --request-timeout\): ending worker \d+ \(pid {worker}\), GET /slow\.php")
    header, frames = backtrace_after(s, rf"worker \d+ \(pid {worker}\) is running:")
    slow = str(root / "slow.php")
    assert f"  inner() {slow}:2" in frames, (header, frames)
    assert f"  outer() {slow}:3" in frames, frames
    assert any(f.startswith(f"  {{main}}() {slow}:") for f in frames), frames
    # The backtrace comes before the worker is ended.
    log = s.log_text().splitlines()
    bt_at = next(k for k, l in enumerate(log) if re.search(rf"\(pid {worker}\) is running:", l))
    gone = [k for k, l in enumerate(log) if re.search(rf"\(pid {worker}\) (killed by signal|exited)", l)]
    assert all(k > bt_at for k in gone), gone

    poll_until(lambda: not pid_alive(worker), EXIT_TIMEOUT, what="the timed-out worker to be ended")
    new = pid_of(s)
    assert new != worker
    r = requests.get(s.url + "/slow.php?s=0", timeout=REQ_TIMEOUT)
    assert r.status_code == 200 and r.text.endswith("end\n")


def test_slow_request_logs_backtrace_and_completes(keel, tmp_path):
    root = copy_app("resilience", tmp_path / "app")
    s = start(keel, root, "--slow-request", "300ms", workers=1)
    worker = pid_of(s)
    t0 = time.monotonic()
    r = requests.get(s.url + "/slow.php?s=1", timeout=REQ_TIMEOUT)
    elapsed = time.monotonic() - t0
    assert r.status_code == 200, (r.status_code, r.text[:200])
    # The sleep was not cut short by the backtrace, and the output is whole.
    assert elapsed >= 1.0, elapsed
    assert r.text == f"start pid={worker}\n" + "x" * 1000 + "\nend\n"

    s.wait_log(rf"slow request \(over --slow-request\): worker \d+ \(pid {worker}\), GET /slow\.php")
    header, frames = backtrace_after(s, rf"worker \d+ \(pid {worker}\) is running:")
    slow = str(root / "slow.php")
    assert f"  inner() {slow}:2" in frames, (header, frames)
    assert f"  outer() {slow}:3" in frames, frames
    # The same worker goes on serving.
    assert pid_of(s) == worker
    assert pid_alive(worker)
    st = status(s)
    assert st["worker_crashes"] == 0


# ---------------------------------------------------------------- no process to fork

PIDS_ROOT = Path("/sys/fs/cgroup/pids")


@pytest.fixture
def pids_cgroup():
    """A fresh child of the cgroup v1 pids controller, removed at the end."""
    if os.geteuid() != 0 or not (PIDS_ROOT / "cgroup.procs").exists() or not os.access(PIDS_ROOT, os.W_OK):
        pytest.skip("needs root and a writable cgroup v1 pids controller")
    d = PIDS_ROOT / f"keel-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    d.mkdir()
    yield d
    poll_until(lambda: not (d / "cgroup.procs").read_text().strip(), EXIT_TIMEOUT,
               what=f"processes to leave {d}")
    d.rmdir()


def in_cgroup(s, group):
    """s, set to start inside `group`, so the zygote's forks count there."""
    s.args = ["/bin/sh", "-c", f'echo $$ > "{group}/cgroup.procs" && exec "$0" "$@"', *s.args]
    return s


def live_worker_pids(s):
    return {w["pid"] for w in status(s)["workers"] if w["pid"] > 0 and pid_alive(w["pid"])}


def test_a_worker_that_cannot_be_forked_is_asked_for_again(tmp_path, pids_cgroup):
    s = in_cgroup(KeelServer(copy_app("resilience", tmp_path / "app"), ("--admin", "127.0.0.1:0"), workers=2),
                  pids_cgroup)
    try:
        s.start()
        s.admin = s.admin_port()
        before = poll_until(lambda: live_worker_pids(s) if len(live_worker_pids(s)) == 2 else None,
                            START_TIMEOUT, what="two workers")
        # From now on the group holds no more processes than it has, less the
        # worker about to die: its replacement cannot be forked.
        in_group = int((pids_cgroup / "pids.current").read_text())
        (pids_cgroup / "pids.max").write_text(str(in_group - 1))
        victim = min(before)
        os.kill(victim, 9)
        s.wait_log(r"cannot start worker \d+: fork: Resource temporarily unavailable")
        s.wait_log(r"generation \d+ could not start a classic worker; trying again in \d+ ms")
        # The worker left serves every request meanwhile.
        for _ in range(5):
            assert pid_of(s) == max(before)

        (pids_cgroup / "pids.max").write_text("max")
        after = poll_until(lambda: live_worker_pids(s) if len(live_worker_pids(s)) == 2 else None,
                           EXIT_TIMEOUT + 10, what="the pool to be whole again")
        assert victim not in after and max(before) in after
        assert s.proc.poll() is None
        r = requests.get(s.url + "/pid.php", timeout=REQ_TIMEOUT)
        assert r.status_code == 200
    finally:
        s.stop()


def test_no_worker_can_be_forked_at_startup_keel_waits_until_it_can(tmp_path, pids_cgroup):
    """Room for the front and the zygote only: generation 1 gives up on its
    workers, keel stays up and not ready, and serves once processes can be
    forked again (a later try, with the pool's backoff)."""
    (pids_cgroup / "pids.max").write_text("2")
    s = in_cgroup(KeelServer(copy_app("resilience", tmp_path / "app"),
                             ("--admin", "127.0.0.1:0", "--max-consecutive-failures", "3"), workers=2), pids_cgroup)
    try:
        s.start(until_ready=False)
        s.wait_log(r"failed to start: PHP workers failed to start 3 times in a row "
                   r"\(last: the zygote could not start a worker process\)", timeout=START_TIMEOUT)
        s.wait_log(r"no generation serves \(1 failed to start in a row\)")
        text = s.log_text()
        assert re.search(r"cannot start worker \d+: fork: Resource temporarily unavailable", text), text
        assert s.proc.poll() is None
        admin = f"http://127.0.0.1:{s.admin_port()}"
        assert requests.get(admin + "/readyz", timeout=REQ_TIMEOUT).status_code == 503
        (pids_cgroup / "pids.max").write_text("max")
        poll_until(lambda: requests.get(admin + "/readyz", timeout=REQ_TIMEOUT).status_code == 200,
                   START_TIMEOUT, what="ready once workers can be forked")
        assert requests.get(s.url + "/pid.php", timeout=REQ_TIMEOUT).status_code == 200
    finally:
        s.stop()


def test_request_timeout_counts_from_when_a_worker_takes_the_request(keel, tmp_path):
    """As php-fpm's request_terminate_timeout: the time a request waits for
    a worker is not running time. With one worker and a 3 s timeout, a 2 s
    request queued behind another 2 s one runs to its end."""
    from concurrent.futures import ThreadPoolExecutor

    root = copy_app("resilience", tmp_path / "app")
    s = start(keel, root, "--request-timeout", "3s", "--max-wait", "20s", workers=1)
    busy = lambda: [w for w in admin_get(s, "/status").json()["workers"] if w["state"] == "busy"]
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(requests.get, s.url + "/slow.php?s=2", timeout=20 * SCALE)
        poll_until(lambda: len(busy()) == 1, REQ_TIMEOUT, what="the worker running the first request")
        second = requests.get(s.url + "/slow.php?s=2", timeout=20 * SCALE)
        for r in (first.result(), second):
            assert r.status_code == 200 and r.text.endswith("end\n"), (r.status_code, r.text[:200], s.log_text())
    assert "request timeout" not in s.log_text(), s.log_text()


def test_request_timeout_still_ends_requests_whose_clients_left(keel, tmp_path):
    """Two clients ask for a 60 s script and hang up: their workers run on
    for nobody, and --request-timeout must still end them, or every other
    request waits for a worker until --max-wait gives it 503."""
    root = copy_app("resilience", tmp_path / "app")
    s = start(keel, root, "--request-timeout", "1s", "--max-wait", "8s", workers=2)
    clients = []
    for _ in range(2):
        c = socket.create_connection(("127.0.0.1", s.port), timeout=REQ_TIMEOUT)
        c.sendall(b"GET /slow.php?s=60 HTTP/1.1\r\nHost: x\r\n\r\n")
        clients.append(c)
    busy = lambda: [w for w in admin_get(s, "/status").json()["workers"] if w["state"] == "busy"]
    poll_until(lambda: len(busy()) == 2, REQ_TIMEOUT, what="both workers running the slow script")
    for c in clients:
        c.close()
    r = requests.get(s.url + "/slow.php?s=0", timeout=20 * SCALE)
    assert r.status_code == 200 and r.text.endswith("end\n"), (r.status_code, r.text[:200], s.log_text())
    ended = re.findall(r"request timeout \(over --request-timeout\): ending worker", s.log_text())
    assert len(ended) == 2, s.log_text()
