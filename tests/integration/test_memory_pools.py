"""Pools that breathe inside the budget: --workers is a pool's minimum and
--max-workers its ceiling; workers start when requests wait (at a rate
that doubles per round) and a worker above the minimum idle past
--max-idle-time exits without a replacement. A pool never grows past what
the memory budget allows with the figures of now (a real cgroup v1 limit
here), and /status says its size and why it last changed.
"""

import concurrent.futures
import os
import re
import subprocess
import threading

import requests

from conftest import REQ_TIMEOUT, SCALE, app_dir, pid_alive, poll_until
from memcg import MIB, cg_keel, group_value, memcg  # noqa: F401 (fixtures)

APP = app_dir("memory_container")
SMALL_OPCACHE = ("-d", "opcache.memory_consumption=16", "-d", "opcache.interned_strings_buffer=4")
GREW_RE = r"pool: classic workers of generation 1 grew from (\d+) to (\d+): (\d+) requests waiting \(--max-workers (\d+)\)"
SHRANK_RE = (r"pool: classic workers of generation 1 shrank from (\d+) to (\d+): worker \d+ \(pid (\d+)\) was idle "
             r"([\d.]+)s, past --max-idle-time ([\d.]+)s")


def start(keel, *args, workers):
    s = keel(APP, "--admin", "127.0.0.1:0", *args, workers=workers)
    s.admin = f"http://127.0.0.1:{s.admin_port()}"
    return s


def status(s):
    r = requests.get(s.admin + "/status", timeout=REQ_TIMEOUT)
    assert r.status_code == 200, r.text
    return r.json()


def pool(s):
    (p,) = [p for p in status(s)["pools"] if p["generation"] == status(s)["generation"]]
    return p


def burst(s, n, ms):
    """n requests for slow.php at once; returns the pids that answered."""
    def one(_):
        r = requests.get(f"{s.url}/slow.php?ms={ms}", timeout=REQ_TIMEOUT * 3)
        assert r.status_code == 200, (r.status_code, r.text[:200])
        return r.json()["pid"]

    with concurrent.futures.ThreadPoolExecutor(n) as ex:
        return list(ex.map(one, range(n)))


class Watch:
    """Polls the pool's size while something runs: the largest seen."""

    def __init__(self, s):
        self.s, self.largest, self.stop = s, 0, threading.Event()
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.stop.is_set():
            p = pool(self.s)
            self.largest = max(self.largest, p["size"] + 0)
            self.stop.wait(0.05)

    def finish(self):
        self.stop.set()
        self.t.join(REQ_TIMEOUT)
        return self.largest


def test_a_burst_grows_the_pool_and_idle_time_shrinks_it_back(keel):
    s = start(keel, "--max-workers", "8", "--max-idle-time", "1s", workers=2)
    p = pool(s)
    assert (p["size"], p["min"], p["max"], p["last_change"]) == (2, 2, 8, None), p
    watch = Watch(s)
    pids = burst(s, 32, 400)
    largest = watch.finish()
    assert 2 < len(set(pids)) <= 8, set(pids)
    assert largest <= 8, largest
    grew = [tuple(map(int, m.groups())) for m in map(lambda l: re.search(GREW_RE, l), s.log_text().splitlines()) if m]
    assert grew, s.log_text()
    # each round starts from where the last one ended, at most doubling
    size, rate = 2, 1
    for frm, to, waiting, ceiling in grew:
        assert frm == size and ceiling == 8 and waiting > 0, grew
        assert 0 < to - frm <= rate, grew
        size, rate = to, rate * 2
    assert size == max(p for _, p, _, _ in grew) <= 8

    # idle above the minimum past --max-idle-time: they go, not replaced
    back = poll_until(lambda: (lambda p: p if p["size"] == 2 and p["starting"] == 0 else None)(pool(s)), 10 * SCALE,
                      interval=0.2, what="the pool to shrink back to its minimum")
    assert back["last_change"]["what"].startswith("shrank from 3 to 2: "), back
    shrank = [m for m in map(lambda l: re.search(SHRANK_RE, l), s.log_text().splitlines()) if m]
    assert len(shrank) == size - 2, (size, [m.group(0) for m in shrank])
    for m in shrank:
        assert float(m.group(4)) >= 1.0 and m.group(5) == "1.0", m.group(0)  # (to a tenth)
        poll_until(lambda: not pid_alive(int(m.group(3))), 10 * SCALE, what=f"worker {m.group(3)} to exit")
    st = status(s)
    assert len([w for w in st["workers"] if w["state"] == "idle"]) == 2, st["workers"]
    assert st["recycles"] == {k: 0 for k in st["recycles"]}, "shrinking is not recycling"
    r = requests.get(s.admin + "/metrics", timeout=REQ_TIMEOUT).text
    assert f'keel_pool_changes_total{{direction="grew"}} {size - 2}' in r, r
    assert f'keel_pool_changes_total{{direction="shrank"}} {size - 2}' in r, r
    assert 'keel_pool_workers{generation="1",mode="classic"} 2' in r, r
    assert pool(s)["size"] == 2


def test_a_fixed_pool_by_default(keel):
    s = start(keel, "--max-idle-time", "100ms", workers=2)
    assert pool(s)["max"] == 2
    pids = burst(s, 8, 200)
    assert len(set(pids)) == 2
    assert "grew from" not in s.log_text() and "shrank from" not in s.log_text()


def test_the_pool_grows_only_as_far_as_the_budget_allows_now(memcg, cg_keel):
    """300 MiB, 32 MiB a worker: the budget has room for a few. The pool
    grows to that and says why it stays; files on tmpfs charged to the
    container later take room, and the next burst grows less."""
    g = memcg(300 * MIB)
    s = cg_keel(g, APP, *SMALL_OPCACHE, "-d", "memory_limit=32M", "--max-workers", "16", "--max-idle-time", "500ms",
                workers=1)
    budget = s.wait_log(r"memory budget: ")
    room = int(re.search(r"room for (\d+) workers?\)", budget).group(1))
    assert 2 <= room < 16, budget
    s.wait_log(r"pool: 1 to 16 classic workers: .* do not fit the memory budget: the pool grows only as far as it "
               r"allows")
    watch = Watch(s)
    burst(s, 24, 300)
    largest = watch.finish()
    assert largest == room, (largest, room)
    line = s.wait_log(r"stays at \d+ with \d+ requests waiting: no room in the memory budget")
    assert f"stays at {room} " in line, line

    poll_until(lambda: pool(s)["size"] == 1, 10 * SCALE, interval=0.2, what="the pool back to 1")
    # 64 MiB of files on /dev/shm, written from inside the container
    blob = f"/dev/shm/keel-pools-{g.name}.bin"
    subprocess.run(["/bin/sh", "-c", f'echo $$ > "{g}/cgroup.procs" && exec dd if=/dev/zero of="{blob}" bs=1M '
                    "count=64 status=none"], check=True, timeout=REQ_TIMEOUT)
    try:
        # the next look (every 5 s) sees them: the budget has two workers less
        poll_until(lambda: status(s)["memory"]["shmem"]["files_bytes"] >= 60 * MIB, 12 * SCALE, interval=0.2,
                   what="the files counted")
        watch = Watch(s)
        burst(s, 24, 300)
        smaller = watch.finish()
        assert smaller == room - 2, (smaller, room)
    finally:
        subprocess.run(["rm", "-f", blob], check=True)
    assert group_value(g, "memory.oom_control", "oom_kill") == 0


def test_max_workers_auto(memcg, cg_keel):
    g = memcg(300 * MIB)
    s = cg_keel(g, APP, *SMALL_OPCACHE, "-d", "memory_limit=32M", "--max-workers", "auto", workers=1)
    budget = s.wait_log(r"memory budget: ")
    room = int(re.search(r"room for (\d+) workers?\)", budget).group(1))
    line = s.wait_log(r"--max-workers auto: \d+ ")
    want = min(room, 4 * os.cpu_count())
    assert re.search(rf"--max-workers auto: {want} \({os.cpu_count()} CPUs x 4, ", line), line
    assert pool(s)["max"] == want
