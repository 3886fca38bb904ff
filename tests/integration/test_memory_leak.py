"""A leak estimate that holds across recycling: what /status and /metrics
publish is absent, never 0, until a worker has the samples the log's
warning needs, and each pool's estimate (the median of its workers',
those that left included) stays right through the recycles that start
every worker's series again.
"""

import http.client
import json
import os
import threading

import pytest
import requests

from conftest import REPO, REQ_TIMEOUT, poll_until
from memcg import MIB, cg_keel, memcg, oom_kills  # noqa: F401 (fixtures)

LEAKY = REPO / "examples" / "leaky" / "public"
LEAK = 16384

pytestmark = pytest.mark.skipif(
    os.environ.get("KEEL_SANITIZED") == "1",
    reason="under AddressSanitizer a worker's resident memory also holds the sanitizer's shadow memory and "
           "quarantine, so its growth per request is not the application's")


def start(keel, monkeypatch, *args, workers):
    monkeypatch.setenv("LEAK_BYTES", str(LEAK))
    s = keel(LEAKY, "--admin", "127.0.0.1:0", "--worker", str(LEAKY / "worker.php"), *args, workers=workers)
    s.admin = f"http://127.0.0.1:{s.admin_port()}"
    return s


def status(s):
    r = requests.get(s.admin + "/status", timeout=REQ_TIMEOUT)
    assert r.status_code == 200
    return r.json()


def send(s, n):
    with requests.Session() as sess:
        for _ in range(n):
            assert sess.get(s.url + "/", timeout=REQ_TIMEOUT).status_code == 200


def test_a_worker_without_enough_samples_publishes_nothing(keel, monkeypatch):
    s = start(keel, monkeypatch, workers=1)
    send(s, 60)  # 10 samples past the 50-request warm-up
    st = poll_until(lambda: (lambda d: d if d["requests_total"] == 60 else None)(status(s)), REQ_TIMEOUT,
                    what="60 requests counted")
    (w,) = [w for w in st["workers"] if w["mode"] == "worker"]
    # no estimate is not "no growth"
    assert w["growth_bytes_per_request"] is None and w["growth_samples"] == 10, w
    assert st["leak"]["worker"] is None, st["leak"]
    text = requests.get(s.admin + "/metrics", timeout=REQ_TIMEOUT).text
    assert f'keel_worker_memory_growth_bytes_per_request{{pid="{w["pid"]}"' not in text
    assert 'keel_memory_growth_bytes_per_request{mode="worker"}' not in text

    send(s, 10)  # 20 samples: the warning's bar is 16
    st = poll_until(lambda: (lambda d: d if d["requests_total"] == 70 else None)(status(s)), REQ_TIMEOUT,
                    what="70 requests counted")
    (w,) = [w for w in st["workers"] if w["mode"] == "worker"]
    assert w["growth_samples"] == 20, w
    assert abs(w["growth_bytes_per_request"] - LEAK) <= 0.05 * LEAK, w
    assert abs(st["leak"]["worker"]["growth_bytes_per_request"] - LEAK) <= 0.05 * LEAK, st["leak"]
    # the classic pool served nothing: nothing is published for it
    assert st["leak"]["classic"] is None
    text = requests.get(s.admin + "/metrics", timeout=REQ_TIMEOUT).text
    assert f'keel_worker_memory_growth_bytes_per_request{{pid="{w["pid"]}"' in text
    assert 'keel_memory_growth_bytes_per_request{mode="worker"}' in text


def test_the_pools_estimate_holds_across_recycling(memcg, cg_keel):
    """Workers recycled every ~1,000 requests (a 24 MiB ceiling, 16 KiB a
    request), in a container of 512 MiB: every replacement starts its
    series again, and shows no figure of its own for its first 66
    requests; the pool's stays."""
    g = memcg(512 * MIB)
    s = cg_keel(g, LEAKY, "--worker", str(LEAKY / "worker.php"), "--max-worker-memory", "24M", workers=2,
                env={"LEAK_BYTES": str(LEAK)})
    seen = {"pool": [], "fresh_null": 0, "worker_values": []}
    stop = threading.Event()

    def poll():
        conn = http.client.HTTPConnection("127.0.0.1", int(s.admin.rsplit(":", 1)[1]), timeout=REQ_TIMEOUT)
        while not stop.is_set():
            conn.request("GET", "/status")
            d = json.loads(conn.getresponse().read())
            if d["recycles"]["memory"] >= 1:
                seen["pool"].append(d["leak"]["worker"])
            for w in d["workers"]:
                if w["mode"] != "worker":
                    continue
                if w["growth_bytes_per_request"] is None:
                    seen["fresh_null"] += w["requests"] > 0
                else:
                    seen["worker_values"].append(w["growth_bytes_per_request"])
            stop.wait(0.02)

    t = threading.Thread(target=poll, daemon=True)
    t.start()
    try:
        threads = [threading.Thread(target=send, args=(s, 1500)) for _ in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    finally:
        stop.set()
        t.join(REQ_TIMEOUT)
    st = status(s)
    assert st["recycles"]["memory"] >= 3, st["recycles"]
    assert seen["pool"], "no /status seen after a recycle"
    # after the first recycle, the pool's estimate is always there and right
    bad = [p for p in seen["pool"] if p is None or abs(p["growth_bytes_per_request"] - LEAK) > 0.05 * LEAK]
    assert not bad, bad[:5]
    assert max(p["workers"] for p in seen["pool"]) >= 3, "the estimates of workers that left were not kept"
    # and what each worker showed was an estimate or nothing, never a 0
    assert seen["worker_values"] and min(seen["worker_values"]) > 0.5 * LEAK, min(seen["worker_values"])
    assert seen["fresh_null"] > 0, "no worker was seen without an estimate yet"
    assert oom_kills(g) == 0
