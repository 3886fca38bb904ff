"""Never OOM-killed: keel watches its container's usage against the cgroup
limit (a real cgroup v1 child group here; v2 is covered by the unit tests
on sample files) and acts before the kernel does, in order, each step
logged with the figures: it recycles the worker that grew most (its
replacement once it has exited), holds pools at their minimum, and sheds
new PHP requests with 503 and Retry-After while static files and requests
in flight go on.
"""

import http.client
import os
import re
import shutil
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
import requests

from conftest import REQ_TIMEOUT, SCALE, app_dir, pid_alive, poll_until
from memcg import MIB, cg_keel, group_value, memcg, oom_kills  # noqa: F401 (fixtures)

APP = app_dir("memory_container")
LIMIT = 256 * MIB
SMALL_OPCACHE = ("-d", "opcache.memory_consumption=16", "-d", "opcache.interned_strings_buffer=4")
# four worker-mode workers that may each grow to 512 MiB: 2 GiB that a
# 256 MiB container cannot hold; the budget says so, and keel starts anyway
OVERCOMMITTED = ("--worker", str(APP / "worker.php"), "--classic-workers", "1", "-d", "memory_limit=512M",
                 "--allow-overcommit", *SMALL_OPCACHE)


def status(s):
    r = requests.get(s.admin + "/status", timeout=REQ_TIMEOUT)
    assert r.status_code == 200, r.text
    return r.json()


class Load:
    """`clients` keep-alive connections sending GET target until stopped;
    a 503 is taken as a client would (it waits Retry-After, at most 0.2 s
    here, and goes on). Every answer and every connection error is kept."""

    def __init__(self, port, target, clients):
        self.port, self.target = port, target
        self.codes = Counter()
        self.retry_after = Counter()
        self.errors = []
        self.pids = set()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(clients)]
        for t in self.threads:
            t.start()

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQ_TIMEOUT)
        while not self.stop.is_set():
            try:
                conn.request("GET", self.target)
                r = conn.getresponse()
                body = r.read()
            except (OSError, http.client.HTTPException) as e:
                self.errors.append(repr(e))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQ_TIMEOUT)
                continue
            self.codes[r.status] += 1
            if r.status == 200 and body.startswith(b"{"):
                self.pids.add(int(re.search(rb'"pid":(\d+)', body).group(1)))
            if r.status == 503:
                self.retry_after[r.getheader("Retry-After")] += 1
                self.stop.wait(0.2)
        conn.close()

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(REQ_TIMEOUT * 2)


def test_growing_workers_are_recycled_before_the_kernel_kills_anything(memcg, cg_keel):
    g = memcg(LIMIT)
    s = cg_keel(g, APP, *OVERCOMMITTED, workers=4)
    s.wait_log(r"does not fit the memory limit; starting anyway")
    # each request keeps 256 KiB in its worker: 8 clients pass the limit in
    # a few seconds if nothing is done
    load = Load(s.port, "/?kb=256&ms=20", clients=8)
    try:
        poll_until(lambda: status(s)["recycles"]["pressure"] >= 4, 60 * SCALE, interval=0.2,
                   what="four workers recycled for memory pressure")
        # static files and the admin go on meanwhile
        assert requests.get(s.url + "/static.txt", timeout=REQ_TIMEOUT).status_code == 200
    finally:
        load.finish()
    assert oom_kills(g) == 0, s.log_text()
    assert not load.errors, f"{len(load.errors)} connection errors: {load.errors[:5]}"
    assert set(load.codes) <= {200, 503}, load.codes
    assert load.codes[200] > 100, load.codes
    assert set(load.retry_after) <= {"2"}, load.retry_after
    st = status(s)
    assert st["state"] == "serving" and st["memory"]["oom_kills"] == 0, st["memory"]
    assert st["worker_crashes"] == 0, st

    # the log says what keel did, with the figures
    level = s.wait_log(r"memory pressure: .* past --pressure-recycle 85%")
    m = re.search(r"memory pressure: (\d+(?:\.\d)? \w+) of the 256 MiB limit in use \((\d+)\.(\d)%; usage .* less .* of "
                  r"inactive file cache\), past --pressure-recycle 85%", level)
    assert m and int(m.group(2)) >= 85, level
    picks = re.findall(r"memory pressure: .*; recycling worker (\d+) \(pid (\d+)\), which grew (\d+(?:\.\d)? \w+) since "
                       r"its first request \(to .* private\), the most of (\d+); its replacement starts once it has "
                       r"exited", s.log_text())
    recycled = re.findall(r"recycling worker (\d+) \(pid (\d+)\): pressure; ", s.log_text())
    assert len(picks) >= 4 and len(recycled) == st["recycles"]["pressure"], (picks, recycled)
    assert {(w, p) for w, p, _, _ in picks} == set(recycled)
    # recycled workers went, and were replaced: the pool is whole again
    for _, pid in recycled:
        poll_until(lambda: not pid_alive(int(pid)), 10 * SCALE, what=f"recycled worker {pid} to exit")
    pools = poll_until(lambda: (lambda p: p if p["size"] == 4 and p["starting"] == 0 else None)(
        [p for p in status(s)["pools"] if p["mode"] == "worker"][0]), 10 * SCALE, what="the pool to be whole")
    assert pools["min"] == 4
    assert len(load.pids) > 4, "no replacement ever answered"
    assert group_value(g, "memory.max_usage_in_bytes") <= LIMIT


def test_without_the_guard_the_same_load_is_oom_killed(memcg, cg_keel):
    """The load above does pass the limit: with the three steps off, the
    kernel kills. (What keel's guard prevents, shown.)"""
    g = memcg(LIMIT)
    s = cg_keel(g, APP, *OVERCOMMITTED, "--pressure-recycle", "0", "--pressure-hold", "0", "--pressure-shed", "0",
                workers=4)
    load = Load(s.port, "/?kb=256&ms=20", clients=8)
    try:
        poll_until(lambda: oom_kills(g) > 0, 60 * SCALE, interval=0.2, what="the kernel's OOM killer")
    finally:
        load.finish()
    line = s.wait_log(r"the kernel's OOM killer killed \d+ process(es)? in keel's memory cgroup ", timeout=5 * SCALE)
    assert str(g) in line, line
    assert status(s)["memory"]["oom_kills"] >= 1


@pytest.fixture
def shm_dir():
    if not Path("/dev/shm").is_dir():
        pytest.skip("no /dev/shm")
    d = Path("/dev/shm") / f"keel-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    d.mkdir()
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_files_in_memory_hold_the_pool_then_shed_php_while_static_files_go_on(memcg, cg_keel, shm_dir):
    """When what fills the container is not a worker (files on tmpfs), no
    recycle helps: keel says so, holds the pool at its minimum, and sheds
    new PHP requests until the memory is back."""
    g = memcg(LIMIT)
    s = cg_keel(g, APP, *SMALL_OPCACHE, "-d", "memory_limit=32M", "--max-workers", "4", workers=2)
    shed = None
    for i in range(400):
        r = requests.get(f"{s.url}/cache.php", params={"dir": str(shm_dir), "kb": 1024, "ms": 50},
                         timeout=REQ_TIMEOUT)
        if r.status_code == 503:
            shed = r
            break
        assert r.status_code == 200, (i, r.status_code, r.text[:200])
    assert shed is not None, "never shed: " + s.log_text()
    assert shed.headers["Retry-After"] == "2"
    assert oom_kills(g) == 0
    st = status(s)
    assert st["memory"]["pressure"]["level"] == "shed", st["memory"]
    assert st["memory"]["pressure"]["percent"] >= 95, st["memory"]
    assert st["memory"]["shed_requests"] >= 1
    assert st["memory"]["shmem"]["files_bytes"] >= 150 * MIB, st["memory"]
    # static files go on; PHP is refused while it lasts
    assert requests.get(s.url + "/static.txt", timeout=REQ_TIMEOUT).status_code == 200
    assert requests.get(s.url + "/slow.php?ms=0", timeout=REQ_TIMEOUT).status_code == 503
    # (written before the first 503, but read from keel's stderr by
    # another thread of this test: waited for, not looked up once)
    s.wait_log(r"memory pressure: .* past --pressure-hold 90%: no worker starts beyond each pool's minimum")
    s.wait_log(r"memory pressure: .*; no worker grew 4 MiB or more since its first request, so recycling one "
               r"would free nothing \(the application's tmpfs files and shared memory: \d")
    s.wait_log(r"error .* memory pressure: .* past --pressure-shed 95%: new PHP requests get 503 with "
               r"Retry-After while static files and requests in flight go on")
    assert status(s)["recycles"]["pressure"] == 0

    # the files go: so does the pressure
    shutil.rmtree(shm_dir / "app-cache")
    s.wait_log(r"memory pressure eased: ", timeout=5 * SCALE)
    poll_until(lambda: requests.get(s.url + "/slow.php?ms=0", timeout=REQ_TIMEOUT).status_code == 200, 5 * SCALE,
               what="PHP requests answered again")
    assert status(s)["memory"]["pressure"]["level"] == "none"
    assert oom_kills(g) == 0
