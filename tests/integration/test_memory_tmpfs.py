"""Files that are memory, in a real container limit (a cgroup v1 child
group): the cgroup's shared-memory figure reported and split (OPcache's
segment and keel's own counted once, as theirs), counted in the budget,
warned when it grows; every memory-backed mount the workers see listed,
and when one grows, the directories that grew most named, with how much
and how fast, in the log, /status and /metrics.
"""

import concurrent.futures
import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
import requests

from conftest import REQ_TIMEOUT, SCALE, app_dir, poll_until
from memcg import MIB, cg_keel, group_value, memcg  # noqa: F401 (fixtures)

APP = app_dir("memory_container")
SIZE = r"(\d+(?:\.\d)? (?:B|KiB|MiB|GiB|TiB))"
UNITS = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}
SMALL_OPCACHE = ("-d", "opcache.memory_consumption=32", "-d", "opcache.interned_strings_buffer=4")


def size_bytes(text):
    num, unit = text.split()
    return float(num) * UNITS[unit]


def status(s):
    r = requests.get(s.admin + "/status", timeout=REQ_TIMEOUT)
    assert r.status_code == 200, r.text
    return r.json()


def metrics(s):
    r = requests.get(s.admin + "/metrics", timeout=REQ_TIMEOUT)
    assert r.status_code == 200, r.text
    out = {}
    for line in r.text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            out[name] = float(value)
    return out


@pytest.fixture
def shm_dir():
    if not Path("/dev/shm").is_dir():
        pytest.skip("no /dev/shm")
    d = Path("/dev/shm") / f"keel-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    d.mkdir()
    yield d
    shutil.rmtree(d, ignore_errors=True)


def write_cache(s, shm_dir, count, kb=64, threads=4):
    def one(_):
        r = requests.get(f"{s.url}/cache.php", params={"dir": str(shm_dir), "kb": kb}, timeout=REQ_TIMEOUT)
        return r.status_code

    with concurrent.futures.ThreadPoolExecutor(threads) as ex:
        codes = list(ex.map(one, range(count)))
    assert codes == [200] * count, sorted(set(codes))


def test_shared_memory_of_the_container_is_reported_split_and_warned(memcg, cg_keel, shm_dir):
    g = memcg(512 * MIB)
    s = cg_keel(g, APP, *SMALL_OPCACHE, workers=2)
    before = poll_until(lambda: (lambda d: d if "shmem" in d["memory"] else None)(status(s)), REQ_TIMEOUT,
                        what="the shared memory figure in /status")
    sh = before["memory"]["shmem"]
    assert sh["source"] == "cgroup v1 memory.stat total_shmem", sh
    # the parts add up, and OPcache's segment (resident in the zygote and
    # its workers) is OPcache's, not the application's
    assert sh["total_bytes"] == sh["opcache_bytes"] + sh["keel_bytes"] + sh["files_bytes"], sh
    assert sh["opcache_bytes"] > 0, sh
    assert sh["files_bytes"] < 4 * MIB, sh

    # 400 requests write 64 KiB each into the application's cache on /dev/shm: 25 MiB
    write_cache(s, shm_dir, 400)
    charged = group_value(g, "memory.stat", "total_shmem")
    assert charged >= 25 * MIB, charged
    line = s.wait_log(r"shared memory of the application \(tmpfs files and shm charged to cgroup ", timeout=15 * SCALE)
    m = re.search(r"charged to cgroup (\S+)\) grew " + SIZE + r" in [\d.]+ (?:s|min) to " + SIZE + r" \(from " + SIZE
                  + r"; cgroup v1 memory.stat total_shmem, less OPcache's " + SIZE
                  + r"\): it counts against the container's memory limit", line)
    assert m, line
    assert m.group(1) == str(g), line
    assert size_bytes(m.group(3)) >= size_bytes(m.group(2)) >= 16 * MIB, line

    seen = []
    after = poll_until(lambda: (lambda d: seen.append(d["memory"]["shmem"]) or (
        d if d["memory"]["shmem"]["files_bytes"] >= 24 * MIB else None))(status(s)),
                       12 * SCALE, interval=0.5, what="/status to count the 25 MiB of files")
    sh = after["memory"]["shmem"]
    assert sh["total_bytes"] == sh["opcache_bytes"] + sh["keel_bytes"] + sh["files_bytes"], sh
    # what the kernel charged, within what OPcache may have touched meanwhile
    assert abs(sh["total_bytes"] - group_value(g, "memory.stat", "total_shmem")) < 8 * MIB, sh
    mt = metrics(s)
    assert mt['keel_memory_shmem_bytes{part="files"}'] >= 24 * MIB
    assert mt['keel_memory_shmem_bytes{part="total"}'] >= mt['keel_memory_shmem_bytes{part="files"}']

    # where: the mount, then the directory that grew, with its rate
    line = s.wait_log(r"tmpfs /dev/shm grew to ", timeout=10 * SCALE)
    assert re.search(r"tmpfs /dev/shm grew to " + SIZE + r" \(from " + SIZE + r" in [\d.]+ (s|min)\): files there "
                     r"count against the container's memory limit", line), line
    cache = shm_dir / "app-cache"
    line = s.wait_log(re.escape(str(cache)) + r" grew ")
    m = re.search(re.escape(str(cache)) + r" grew " + SIZE + r" in ([\d.]+) (s|min): files on tmpfs count against the "
                  r"container's memory limit \(it holds " + SIZE + r"\)", line)
    assert m, line
    assert 20 * MIB <= size_bytes(m.group(1)) <= size_bytes(m.group(4)), line
    shm = [t for t in status(s)["tmpfs"] if t["path"] == "/dev/shm"]
    assert len(shm) == 1 and shm[0]["fstype"] == "tmpfs", shm
    grew = shm[0]["last_growth"]
    assert grew["bytes"] >= 16 * MIB and grew["over_seconds"] > 0, grew
    named = {d["path"]: d for d in grew["grew_most"]}
    assert str(cache) in named and named[str(cache)]["grew_bytes"] >= 20 * MIB, grew
    assert mt['keel_tmpfs_used_bytes{path="/dev/shm"}'] >= 0

    requests.get(f"{s.url}/cache.php", params={"dir": str(shm_dir), "rm": 1}, timeout=REQ_TIMEOUT)
    assert not cache.exists()


def test_the_budget_counts_files_in_memory_once(memcg, cg_keel, shm_dir):
    """40 MiB of files on /dev/shm charged to the container before keel
    starts: the budget's tmpfs share is those 40 MiB, not OPcache's segment
    as well (it is shared memory too, and counted as opcache)."""
    g = memcg(512 * MIB)
    blob = shm_dir / "preloaded.bin"
    subprocess.run(["/bin/sh", "-c", f'echo $$ > "{g}/cgroup.procs" && exec dd if=/dev/zero of="{blob}" bs=1M '
                    "count=40 status=none"], check=True, timeout=REQ_TIMEOUT)
    assert group_value(g, "memory.stat", "total_shmem") >= 40 * MIB
    s = cg_keel(g, APP, *SMALL_OPCACHE, workers=1)
    line = s.wait_log(r"memory budget: ")
    m = re.search(r"opcache " + SIZE + r" \+ .* \+ tmpfs " + SIZE + r" \+ reserve", line)
    assert m, line
    assert size_bytes(m.group(1)) == 36 * MIB, line
    assert 39 * MIB <= size_bytes(m.group(2)) <= 44 * MIB, line
    blob.unlink()
