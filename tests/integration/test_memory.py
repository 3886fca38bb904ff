"""Memory governance: recycling (request count with jitter, soft and hard
memory ceilings, ttl, idle ttl), the leak estimate, the memory budget and
`--workers auto` under a real cgroup v1 limit, memory-backed temporary
directories, and the admin listener's /status and /metrics.

Every check talks to a real keel over 127.0.0.1; the figures keel reports
are compared with what the PHP side says (getmypid(), request counts) and
with what the test itself sent. Waits are on conditions with deadlines.
"""

import concurrent.futures
import math
import os
import re
import shutil
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
import requests

from conftest import (
    EXIT_TIMEOUT,
    REPO,
    REQ_TIMEOUT,
    SCALE,
    app_dir,
    pid_alive,
    poll_until,
)
from memcg import cg_keel, memcg  # noqa: F401 (fixtures)

APP = app_dir("memory")
LEAKY_ROOT = REPO / "examples" / "leaky" / "public"

MIB = 1 << 20
UNITS = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}
SIZE = r"(\d+(?:\.\d)? (?:B|KiB|MiB|GiB|TiB))"
BUDGET_RE = re.compile(
    r"memory budget: limit " + SIZE + r" \((.*?)\); needed " + SIZE + r" = opcache " + SIZE + r" \+ front " + SIZE
    + r" \+ zygote " + SIZE + r" \+ (\d+) workers? x " + SIZE + r" \+ tmpfs " + SIZE + r" \+ reserve " + SIZE
    + r"; (fits|does not fit) \(room for (\d+) workers?\)"
)
# The rounded figure is for people; the exact byte count after it is the one
# tests compare ("24.0 MiB" may be 24.02 MiB, past a 24 MiB ceiling).
RECYCLE_RE = (r"recycling worker (\d+) \(pid (\d+)\): {reason}; (\d+) requests, private memory " + SIZE
              + r" \((\d+) bytes\), age (\d+)s")
METRIC_NAME_RE = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
LABEL_NAME_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
SAMPLE_RE = re.compile(r"^([^\s{]+)(\{.*\})?\s+(\S+)(?:\s+(-?\d+))?$")
LABEL_PAIR_RE = re.compile(r'\s*([^=\s]+)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,|$)')


# ---------------------------------------------------------------- helpers


def size_bytes(text):
    """'8.4 MiB' -> bytes (as keel formats: one decimal at most)."""
    num, unit = text.split()
    return float(num) * UNITS[unit]


def size_range(text):
    """The interval of byte counts keel may have printed as `text`
    (rounded to one decimal, or exact for whole units)."""
    num, unit = text.split()
    v, u = float(num), UNITS[unit]
    slack = 0.05 * u if "." in num else (0.05 * u if u >= UNITS["GiB"] else 0)
    return v * u - slack, v * u + slack


def with_admin(args):
    return ("--admin", "127.0.0.1:0", *args)


def admin_url(s):
    if not getattr(s, "admin", None):
        s.admin = f"http://127.0.0.1:{s.admin_port()}"
    return s.admin


def start(keel, root, *args, workers=2):
    """keel with an admin listener on a free port (never the default 9180)."""
    s = keel(root, *with_admin(args), workers=workers)
    admin_url(s)
    return s


def start_worker_mode(keel, root, script, *args, workers=1, classic=1):
    return start(keel, root, "--worker", str(Path(root) / script), "--classic-workers", str(classic), *args,
                 workers=workers)


def status(s):
    r = requests.get(admin_url(s) + "/status", timeout=REQ_TIMEOUT)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    return r.json()


def metrics_text(s):
    r = requests.get(admin_url(s) + "/metrics", timeout=REQ_TIMEOUT)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("text/plain"), r.headers
    return r.text


def parse_labels(text):
    """'{a="1",b="x"}' -> {'a': '1', 'b': 'x'}, strictly."""
    assert text.startswith("{") and text.endswith("}"), text
    inner = text[1:-1]
    labels = {}
    pos = 0
    while pos < len(inner):
        m = LABEL_PAIR_RE.match(inner, pos)
        assert m, f"bad label set {text!r} at {inner[pos:]!r}"
        name, value = m.group(1), m.group(2)
        assert LABEL_NAME_RE.match(name), f"bad label name {name!r}"
        assert name not in labels, f"label {name} twice in {text!r}"
        labels[name] = re.sub(r"\\(.)", lambda x: {"n": "\n"}.get(x.group(1), x.group(1)), value)
        pos = m.end()
    return labels


def parse_metrics(text):
    """Parses Prometheus text exposition format 0.0.4 and checks it:
    every sample's metric has a TYPE line before its first sample, at most
    one TYPE and one HELP line per metric, metric and label names are
    valid, values parse as floats, no series appears twice, and all lines
    of one metric form a single group (as the format requires).

    Returns (types, samples) with samples {(name, frozenset(labels)): value}."""
    assert text.endswith("\n"), "the exposition must end with a newline"
    types, helps, samples = {}, {}, {}
    group_order = []  # metric names in the order their groups appear
    problems = []
    for n, line in enumerate(text.split("\n")[:-1], 1):
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                name = parts[2]
                assert METRIC_NAME_RE.match(name), f"line {n}: bad metric name {name!r}"
                if parts[1] == "TYPE":
                    assert len(parts) == 4 and parts[3] in ("counter", "gauge", "histogram", "summary", "untyped"), \
                        f"line {n}: bad TYPE line {line!r}"
                    assert name not in types, f"line {n}: second TYPE line for {name}"
                    assert not any(k[0] == name for k in samples), f"line {n}: TYPE for {name} after its samples"
                    types[name] = parts[3]
                else:
                    assert name not in helps, f"line {n}: second HELP line for {name}"
                    helps[name] = parts[3] if len(parts) == 4 else ""
                if not group_order or group_order[-1] != name:
                    group_order.append(name)
            continue
        assert line.strip(), f"line {n}: empty line"
        m = SAMPLE_RE.match(line)
        assert m, f"line {n}: not a sample: {line!r}"
        name, labels_text, value = m.group(1), m.group(2), m.group(3)
        assert METRIC_NAME_RE.match(name), f"line {n}: bad metric name {name!r}"
        assert name in types, f"line {n}: sample of {name} without a TYPE line before it"
        labels = parse_labels(labels_text) if labels_text else {}
        try:
            v = float(value)
        except ValueError:
            raise AssertionError(f"line {n}: value {value!r} is not a float")
        key = (name, frozenset(labels.items()))
        assert key not in samples, f"line {n}: series {name}{labels_text or ''} twice"
        samples[key] = v
        if not group_order or group_order[-1] != name:
            group_order.append(name)
    split = sorted(name for name, c in Counter(group_order).items() if c > 1)
    if split:
        problems.append(f"lines of these metrics are not grouped together (the format requires one group per "
                        f"metric): {split}; order of groups: {group_order}")
    return types, samples, problems


def metric(samples, name, **labels):
    key = (name, frozenset({k: str(v) for k, v in labels.items()}.items()))
    assert key in samples, f"no sample {name}{labels}; have {sorted(k for k in samples if k[0] == name)}"
    return samples[key]


def worker_series(samples, name):
    """{pid: (labels, value)} for a per-worker metric."""
    out = {}
    for (n, labels), v in samples.items():
        if n == name:
            d = dict(labels)
            out[int(d["pid"])] = (d, v)
    return out


def get_json(s, target, session=None):
    r = (session or requests).get(s.url + target, timeout=REQ_TIMEOUT)
    assert r.status_code == 200, (target, r.status_code, r.text[:300])
    return r.json()


def drive(s, target, total, threads):
    """Sends `total` GETs on `threads` keep-alive connections. Returns a list
    of (status, parsed JSON or text) in completion order; never raises for
    a non-200 answer."""

    def run(count):
        out = []
        with requests.Session() as sess:
            for _ in range(count):
                r = sess.get(s.url + target, timeout=REQ_TIMEOUT)
                try:
                    body = r.json()
                except ValueError:
                    body = r.text
                out.append((r.status_code, body))
        return out

    shares = [total // threads + (1 if i < total % threads else 0) for i in range(threads)]
    with concurrent.futures.ThreadPoolExecutor(threads) as ex:
        results = list(ex.map(run, shares))
    return [x for part in results for x in part]


def log_matches(s, pattern):
    rx = re.compile(pattern)
    return [m for m in (rx.search(l) for l in s.log_text().splitlines()) if m]


def budget_line(s):
    m = BUDGET_RE.search(s.wait_log(r"memory budget: "))
    assert m, "budget line does not have the documented shape:\n" + s.log_text()
    return m


# ---------------------------------------------------------------- recycling by request count


def test_max_requests_with_jitter_spreads_and_loses_nothing(keel):
    s = start(keel, APP, "--max-requests", "20", "--max-requests-jitter", "10", workers=4)
    first = {w["pid"] for w in status(s)["workers"]}
    results = drive(s, "/pid.php", 200, threads=4)
    bad = [(st, b) for st, b in results if st != 200]
    assert not bad, f"{len(bad)} of 200 requests failed: {bad[:5]}"
    served = Counter(b["pid"] for _, b in results)
    assert sum(served.values()) == 200

    st = poll_until(lambda: (lambda d: d if d["requests_total"] == 200 else None)(status(s)), REQ_TIMEOUT,
                    what="requests_total to reach 200")
    recycled = {int(m.group(2)): int(m.group(3)) for m in log_matches(s, RECYCLE_RE.format(reason="requests"))}
    assert st["recycles"]["requests"] == len(recycled), (st["recycles"], recycled)
    # 200 requests over 4 workers with limits of 10..20: at least 200/20 - 4 = 6 recycles.
    assert len(recycled) >= 6, recycled
    assert set(served) - first, "no request was served by a replacement worker"
    for pid, n in recycled.items():
        assert 10 <= n <= 20, f"worker pid {pid} was recycled after {n} requests, outside [10, 20]"

    alive_at_end = {w["pid"] for w in st["workers"] if w["state"] not in ("closed", "exited")}
    outside = {pid: n for pid, n in served.items() if pid not in alive_at_end and not 10 <= n <= 20}
    assert not outside, (
        f"processes that were recycled served a request count outside [10, 20] (pid: requests answered, as "
        f"seen by the client): {outside}; keel's recycle log says {recycled}")
    for pid, n in served.items():
        assert n <= 20, f"pid {pid} answered {n} requests, past --max-requests 20"
    # The jitter spreads the draws: recycled workers did not all stop at one count.
    assert len(set(recycled.values())) > 1, f"every worker was recycled after the same count: {recycled}"
    # The logged count is what the process actually served.
    for pid, n in recycled.items():
        assert served[pid] == n, f"pid {pid}: keel logged {n} requests, the client saw it answer {served[pid]}"
    for pid in recycled:
        poll_until(lambda: not pid_alive(pid), EXIT_TIMEOUT, what=f"recycled worker {pid} to exit")

    _, samples, _ = parse_metrics(metrics_text(s))
    assert metric(samples, "keel_worker_recycles_total", reason="requests") == len(recycled)


# ---------------------------------------------------------------- memory ceilings


def test_soft_memory_ceiling_recycles_without_failing_a_request(keel):
    ceiling = 24 * MIB
    s = start_worker_mode(keel, APP, "worker.php", "--max-worker-memory", "24M", workers=2)
    results = drive(s, "/retain?bytes=1048576", 120, threads=4)  # each request keeps 1 MiB
    bad = [(st, b) for st, b in results if st != 200]
    assert not bad, f"{len(bad)} of 120 requests failed: {bad[:5]}"

    lines = log_matches(s, RECYCLE_RE.format(reason="memory"))
    assert len(lines) >= 3, "expected several memory recycles:\n" + s.log_text()
    for m in lines:
        exact = int(m.group(5))
        assert exact > ceiling, f"recycled at or below the ceiling: {m.group(0)}"
        lo, hi = size_range(m.group(4))
        assert lo <= exact <= hi, f"the rounded figure does not render the exact one: {m.group(0)}"
    st = status(s)
    assert st["recycles"]["memory"] == len(lines), (st["recycles"], len(lines))
    assert st["recycles"]["memory_hard"] == 0 and st["worker_crashes"] == 0, st
    by_pid = Counter(b["pid"] for _, b in results)
    assert len(by_pid) > 2, f"only {len(by_pid)} worker processes answered: {by_pid}"
    for m in lines:
        pid = int(m.group(2))
        poll_until(lambda: not pid_alive(pid), EXIT_TIMEOUT, what=f"memory-recycled worker {pid} to exit")
    _, samples, _ = parse_metrics(metrics_text(s))
    assert metric(samples, "keel_worker_recycles_total", reason="memory") == len(lines)


def test_hard_memory_ceiling_kills_the_request_with_503_and_keeps_serving(keel):
    s = start(keel, APP, "--max-worker-memory-hard", "64M", "-d", "memory_limit=512M", workers=1)
    victim = get_json(s, "/pid.php")["pid"]
    keel_pid = s.pid
    t0 = time.monotonic()
    r = requests.get(s.url + "/hog.php?mb=128&max=15", timeout=REQ_TIMEOUT * 2)
    elapsed = time.monotonic() - t0
    assert r.status_code == 503, (r.status_code, r.text[:200])
    assert "survived" not in r.text
    assert elapsed < 10 * SCALE, f"the kill took {elapsed:.1f}s"

    line = s.wait_log(rf"worker \d+ \(pid {victim}\) killed: private memory ")
    m = re.search(rf"killed: private memory {SIZE} \((\d+) bytes\) is past --max-worker-memory-hard 64 MiB after "
                  rf"(\d+) requests", line)
    assert m, line
    assert int(m.group(2)) > 64 * MIB, line
    lo, hi = size_range(m.group(1))
    assert lo <= int(m.group(2)) <= hi, line
    assert int(m.group(3)) == 1, line  # it had served /pid.php before the hog
    poll_until(lambda: not pid_alive(victim), EXIT_TIMEOUT, what="the killed worker to be gone")

    assert pid_alive(keel_pid)
    after = poll_until(lambda: (lambda r: r if r.status_code == 200 else None)(
        requests.get(s.url + "/pid.php", timeout=REQ_TIMEOUT)), REQ_TIMEOUT, what="a 200 after the kill")
    assert after.json()["pid"] != victim
    st = status(s)
    assert st["recycles"]["memory_hard"] == 1, st["recycles"]
    assert st["state"] == "serving"
    _, samples, _ = parse_metrics(metrics_text(s))
    assert metric(samples, "keel_worker_recycles_total", reason="memory_hard") == 1


def test_hard_memory_kill_is_a_recycle_not_a_crash(keel):
    """keel kills the worker itself; counting that as a crash as well would
    page whoever alerts on keel_worker_crashes_total for a limit doing its job
    (keel already leaves recycled workers out of the crash count)."""
    s = start(keel, APP, "--max-worker-memory-hard", "64M", "-d", "memory_limit=512M", workers=1)
    r = requests.get(s.url + "/hog.php?mb=128&max=15", timeout=REQ_TIMEOUT * 2)
    assert r.status_code == 503
    line = s.wait_log(r"killed: private memory .* is past --max-worker-memory-hard")
    pid = int(re.search(r"\(pid (\d+)\)", line).group(1))
    poll_until(lambda: not pid_alive(pid), EXIT_TIMEOUT, what="the killed worker to be gone")
    assert get_json(s, "/pid.php")["pid"] != pid  # the replacement answers, so the exit was processed
    st = status(s)
    assert st["recycles"]["memory_hard"] == 1
    assert st["worker_crashes"] == 0, (
        f"the memory_hard kill was also counted as a crash: worker_crashes={st['worker_crashes']}; log:\n"
        + s.log_text())


# ---------------------------------------------------------------- ttl and idle ttl


def test_ttl_recycles_an_old_worker(keel):
    s = start(keel, APP, "--ttl", "1s", workers=1)
    first = get_json(s, "/pid.php")["pid"]
    line = s.wait_log(rf"recycling worker \d+ \(pid {first}\): ttl; ", timeout=10 * SCALE)
    m = re.search(RECYCLE_RE.format(reason="ttl"), line)
    assert m and int(m.group(3)) == 1 and int(m.group(6)) >= 1, line
    poll_until(lambda: get_json(s, "/pid.php")["pid"] != first, 10 * SCALE, interval=0.1,
               what="a new worker after the ttl")
    poll_until(lambda: not pid_alive(first), EXIT_TIMEOUT, what="the old worker to exit")
    st = status(s)
    assert st["recycles"]["ttl"] >= 1 and st["recycles"]["idle"] == 0, st["recycles"]
    _, samples, _ = parse_metrics(metrics_text(s))
    assert metric(samples, "keel_worker_recycles_total", reason="ttl") >= st["recycles"]["ttl"]


def test_idle_ttl_spares_a_busy_worker_and_recycles_an_idle_one(keel):
    s = start(keel, APP, "--idle-ttl", "1s", workers=1)
    pid = get_json(s, "/pid.php")["pid"]
    # Requests every 50 ms for 2.5 s: never idle for a second.
    with requests.Session() as sess:
        end = time.monotonic() + 2.5
        while time.monotonic() < end:
            assert get_json(s, "/pid.php", session=sess)["pid"] == pid, "a busy worker was replaced"
            time.sleep(0.05)  # pacing of the traffic, not synchronisation
    assert status(s)["recycles"]["idle"] == 0
    line = s.wait_log(rf"recycling worker \d+ \(pid {pid}\): idle; ", timeout=10 * SCALE)
    assert re.search(RECYCLE_RE.format(reason="idle"), line), line
    poll_until(lambda: not pid_alive(pid), EXIT_TIMEOUT, what="the idle worker to exit")
    assert get_json(s, "/pid.php")["pid"] != pid
    st = status(s)
    assert st["recycles"]["idle"] >= 1 and st["recycles"]["ttl"] == 0, st["recycles"]


# ---------------------------------------------------------------- leak estimate


@pytest.mark.skipif(os.environ.get("KEEL_SANITIZED") == "1",
                    reason="under AddressSanitizer a worker's resident memory also holds the sanitizer's shadow "
                           "memory and quarantine, so its growth per request is not the application's")
@pytest.mark.parametrize("leak", [4096, 16384])
def test_leak_warning_and_estimate_for_a_leaky_worker(keel, monkeypatch, leak):
    monkeypatch.setenv("LEAK_BYTES", str(leak))
    s = start_worker_mode(keel, LEAKY_ROOT, "worker.php", workers=1)
    pid = None
    with requests.Session() as sess:
        for i in range(120):
            d = get_json(s, "/", session=sess)
            pid = pid or d["pid"]
            assert d["pid"] == pid and d["leak_bytes_per_request"] == leak
    line = s.wait_log(rf"worker \d+ \(pid {pid}\) memory grows ")
    m = re.search(r"memory grows (\d+) bytes per request since request (\d+) \((\d+) samples; worker mode, script "
                  r"(\S+)\)", line)
    assert m, line
    est, since, nsamples, script = float(m.group(1)), int(m.group(2)), int(m.group(3)), m.group(4)
    assert abs(est - leak) <= 0.25 * leak, f"estimate {est} vs known {leak}: {line}"
    assert since > 50 and nsamples >= 16, line
    assert script == str(LEAKY_ROOT / "worker.php")

    # Once per worker: more requests, no second line.
    with requests.Session() as sess:
        for _ in range(40):
            get_json(s, "/", session=sess)
    st = poll_until(lambda: (lambda d: d if d["requests_total"] == 160 else None)(status(s)), REQ_TIMEOUT,
                    what="requests_total 160")
    assert len(log_matches(s, rf"\(pid {pid}\) memory grows ")) == 1
    w = [w for w in st["workers"] if w["pid"] == pid]
    assert len(w) == 1 and w[0]["mode"] == "worker" and w[0]["requests"] == 160, st["workers"]
    assert abs(w[0]["growth_bytes_per_request"] - leak) <= 0.25 * leak, w
    _, samples, _ = parse_metrics(metrics_text(s))
    g = worker_series(samples, "keel_worker_memory_growth_bytes_per_request")[pid][1]
    assert abs(g - leak) <= 0.25 * leak, g


@pytest.mark.skipif(os.environ.get("KEEL_SANITIZED") == "1",
                    reason="under AddressSanitizer a worker's resident memory also holds the sanitizer's shadow "
                           "memory and quarantine, so its growth per request is not the application's")
def test_no_leak_warning_for_a_steady_worker(keel):
    s = start_worker_mode(keel, APP, "worker.php", workers=1)
    with requests.Session() as sess:
        pids = {get_json(s, "/steady", session=sess)["pid"] for _ in range(150)}
    assert len(pids) == 1
    (pid,) = pids
    st = poll_until(lambda: (lambda d: d if d["requests_total"] == 150 else None)(status(s)), REQ_TIMEOUT,
                    what="requests_total 150")
    w = [w for w in st["workers"] if w["pid"] == pid][0]
    assert abs(w["growth_bytes_per_request"]) <= 256, w
    assert not log_matches(s, r"memory grows "), s.log_text()


# ---------------------------------------------------------------- /status and /metrics


def test_status_figures_are_true(keel):
    t0 = time.monotonic()
    s = start(keel, APP, workers=2)
    served = Counter()
    for _ in range(30):
        served[get_json(s, "/pid.php")["pid"]] += 1  # a new connection each time
    st = poll_until(lambda: (lambda d: d if d["requests_total"] == 30 else None)(status(s)), REQ_TIMEOUT,
                    what="requests_total to reach 30")
    # Admin requests are not PHP requests: asking again changes nothing.
    st = status(s)
    assert st["requests_total"] == 30
    assert st["version"] and st["state"] == "serving" and st["generation"] == 1
    assert [g["number"] for g in st["generations"]] == [1] and st["generations"][0]["state"] == "active"
    assert pid_alive(st["generations"][0]["zygote_pid"])
    assert st["in_flight"] == 0 and st["queue"] == {"classic": 0, "worker": 0}
    assert st["recycles"] == {"requests": 0, "memory": 0, "memory_hard": 0, "ttl": 0, "idle": 0, "pressure": 0}
    assert st["worker_crashes"] == 0 and st["reloads"] == {"ok": 0, "failed": 0}
    assert st["tmpfs"] == [] or all({"path", "used_bytes"} <= set(t) for t in st["tmpfs"])

    workers = st["workers"]
    assert len(workers) == 2 and {w["mode"] for w in workers} == {"classic"}
    assert len({w["id"] for w in workers}) == 2
    assert set(served) <= {w["pid"] for w in workers}, (served, workers)
    for w in workers:
        assert w["generation"] == 1 and w["state"] == "idle"
        assert w["requests"] == served.get(w["pid"], 0), (w, served)
        assert 0 <= w["age_seconds"] <= time.monotonic() - t0 + 1
        if w["requests"]:
            assert w["private_bytes"] > 0 and w["zend_peak_bytes"] > 0, w
    assert sum(w["requests"] for w in workers) == 30

    mem = st["memory"]
    b = budget_line(s)
    lo, hi = size_range(b.group(1))
    assert lo <= mem["limit_bytes"] <= hi, (mem, b.group(0))
    assert mem["limit_source"] == b.group(2)
    assert mem["budget_fits"] is True and b.group(11) == "fits"
    lo, hi = size_range(b.group(3))
    assert lo <= mem["budget_bytes"] <= hi
    assert mem["budget_max_workers"] == int(b.group(12))
    assert 0 < mem["current_bytes"]


def test_status_in_worker_mode(keel):
    s = start_worker_mode(keel, APP, "worker.php", workers=1, classic=1)
    with requests.Session() as sess:
        answers = [get_json(s, "/anything", session=sess) for _ in range(25)]
    pid = answers[0]["pid"]
    assert {a["pid"] for a in answers} == {pid} and answers[-1]["count"] == 25
    classic_pid = get_json(s, "/pid.php")["pid"]
    st = poll_until(lambda: (lambda d: d if d["requests_total"] == 26 else None)(status(s)), REQ_TIMEOUT,
                    what="requests_total 26")
    by_pid = {w["pid"]: w for w in st["workers"]}
    assert by_pid[pid]["mode"] == "worker" and by_pid[pid]["requests"] == 25
    assert by_pid[classic_pid]["mode"] == "classic" and by_pid[classic_pid]["requests"] == 1


def test_metrics_format_and_values(keel):
    s = start(keel, APP, workers=2)
    served = Counter(get_json(s, "/pid.php")["pid"] for _ in range(17))
    poll_until(lambda: status(s)["requests_total"] == 17, REQ_TIMEOUT, what="requests_total 17")
    text = metrics_text(s)
    st = status(s)
    types, samples, problems = parse_metrics(text)

    expected_types = {
        "keel_requests_total": "counter", "keel_queue_depth": "gauge", "keel_worker_recycles_total": "counter",
        "keel_worker_crashes_total": "counter", "keel_reloads_total": "counter", "keel_generation": "gauge",
        "keel_memory_limit_bytes": "gauge", "keel_memory_used_bytes": "gauge", "keel_memory_budget_bytes": "gauge",
        "keel_tmpfs_used_bytes": "gauge", "keel_worker_requests_total": "counter",
        "keel_worker_private_memory_bytes": "gauge", "keel_worker_zend_peak_memory_bytes": "gauge",
        "keel_worker_memory_growth_bytes_per_request": "gauge", "keel_worker_age_seconds": "gauge",
    }
    for name, t in expected_types.items():
        assert types.get(name) == t, (name, types.get(name))
    assert metric(samples, "keel_requests_total") == 17 == st["requests_total"]
    assert metric(samples, "keel_queue_depth", mode="classic") == 0
    assert metric(samples, "keel_queue_depth", mode="worker") == 0
    for reason in ("requests", "memory", "memory_hard", "ttl", "idle", "pressure"):
        assert metric(samples, "keel_worker_recycles_total", reason=reason) == 0
    assert metric(samples, "keel_worker_crashes_total") == 0
    assert metric(samples, "keel_reloads_total", outcome="ok") == 0
    assert metric(samples, "keel_reloads_total", outcome="failed") == 0
    assert metric(samples, "keel_generation") == 1
    assert metric(samples, "keel_memory_limit_bytes") == st["memory"]["limit_bytes"]
    assert metric(samples, "keel_memory_budget_bytes") == st["memory"]["budget_bytes"]
    assert metric(samples, "keel_memory_used_bytes") > 0

    by_pid = {w["pid"]: w for w in st["workers"]}
    for name in ("keel_worker_requests_total", "keel_worker_private_memory_bytes",
                 "keel_worker_zend_peak_memory_bytes", "keel_worker_memory_growth_bytes_per_request",
                 "keel_worker_age_seconds"):
        series = worker_series(samples, name)
        if name == "keel_worker_memory_growth_bytes_per_request":
            # 17 requests are short of an estimate: no sample, rather than a 0 that reads as "no growth"
            assert types.get(name) == "gauge" and series == {}, series
            assert all(w["growth_bytes_per_request"] is None for w in by_pid.values()), by_pid
            continue
        assert set(series) == set(by_pid), (name, series, by_pid)
        for pid, (labels, _v) in series.items():
            assert labels == {"pid": str(pid), "generation": "1", "mode": "classic", "state": "idle"}, labels
    reqs = worker_series(samples, "keel_worker_requests_total")
    for pid, w in by_pid.items():
        assert reqs[pid][1] == w["requests"] == served.get(pid, 0)
        assert worker_series(samples, "keel_worker_private_memory_bytes")[pid][1] == w["private_bytes"]
        assert worker_series(samples, "keel_worker_zend_peak_memory_bytes")[pid][1] == w["zend_peak_bytes"]
    # Checked last so every value check above has run: the grouping rule.
    assert not problems, "\n".join(problems) + "\n\n" + text


# ---------------------------------------------------------------- the budget under a cgroup v1 limit


LIMIT_300M = 300 * MIB
V1_SOURCE = "cgroup v1 memory.limit_in_bytes"


def check_budget_arithmetic(m, workers=None):
    """The needed figure is the sum of its parts (within display rounding)."""
    parts = [m.group(i) for i in (4, 5, 6, 9, 10)]
    n = int(m.group(7))
    if workers is not None:
        assert n == workers, m.group(0)
    lo = sum(size_range(p)[0] for p in parts) + n * size_range(m.group(8))[0]
    hi = sum(size_range(p)[1] for p in parts) + n * size_range(m.group(8))[1]
    nlo, nhi = size_range(m.group(3))
    assert nlo <= hi and lo <= nhi, f"needed {m.group(3)} is not the sum of its parts: {m.group(0)}"


def room_from_line(m):
    """The worker count the logged figures allow: floor((limit - fixed) / per-worker),
    as the interval the display rounding leaves."""
    llo, lhi = size_range(m.group(1))
    flo = sum(size_range(m.group(i))[0] for i in (4, 5, 6, 9, 10))
    fhi = sum(size_range(m.group(i))[1] for i in (4, 5, 6, 9, 10))
    plo, phi = size_range(m.group(8))
    return max(0, math.floor((llo - fhi) / phi)), max(0, math.floor((lhi - flo) / plo))


def test_budget_refuses_a_pool_that_does_not_fit_the_cgroup(memcg, cg_keel):
    g = memcg(LIMIT_300M)
    s = cg_keel(g, APP, "-d", "memory_limit=128M", workers=8, expect_start=False)
    assert s.proc.returncode == 2, s.log_text()
    log = s.log_text()
    assert "ready:" not in log
    err = [l for l in log.splitlines() if " error " in l and "memory budget:" in l]
    assert len(err) == 1, log
    m = BUDGET_RE.search(err[0])
    assert m, err[0]
    assert m.group(1) == "300 MiB" and m.group(2) == V1_SOURCE, err[0]
    assert m.group(7) == "8" and m.group(8) == "128 MiB" and m.group(10) == "64 MiB", err[0]
    assert m.group(11) == "does not fit"
    check_budget_arithmetic(m, workers=8)
    lo, hi = room_from_line(m)
    assert lo <= int(m.group(12)) <= hi, (lo, hi, err[0])
    assert "--allow-overcommit" in err[0]


def test_allow_overcommit_starts_anyway(memcg, cg_keel):
    g = memcg(LIMIT_300M)
    s = cg_keel(g, APP, "-d", "memory_limit=128M", "--allow-overcommit", workers=8)
    m = budget_line(s)
    assert m.group(11) == "does not fit" and m.group(2) == V1_SOURCE
    s.wait_log(r"warn .*does not fit the memory limit; starting anyway \(--allow-overcommit\)")
    assert get_json(s, "/pid.php")["pid"]
    st = status(s)
    assert len(st["workers"]) == 8
    assert st["memory"]["limit_bytes"] == LIMIT_300M and st["memory"]["limit_source"] == V1_SOURCE
    assert st["memory"]["budget_fits"] is False
    # The group really holds keel and its processes.
    procs = {int(p) for p in (g / "cgroup.procs").read_text().split()}
    assert s.pid in procs and {w["pid"] for w in st["workers"]} <= procs
    assert 0 < st["memory"]["current_bytes"] <= LIMIT_300M


def test_workers_auto_under_a_cgroup_limit(memcg, cg_keel):
    g = memcg(LIMIT_300M)
    s = cg_keel(g, APP, "-d", "memory_limit=32M", workers="auto")
    auto = s.wait_log(r"--workers auto: \d+ ")
    n = int(re.search(r"--workers auto: (\d+) \((\d+) CPUs, memory limit (.*)\)", auto).group(1))
    assert re.search(rf"--workers auto: {n} \({os.cpu_count()} CPUs, memory limit {re.escape(V1_SOURCE)}\)", auto), auto
    m = budget_line(s)
    assert m.group(1) == "300 MiB" and m.group(2) == V1_SOURCE and m.group(8) == "32 MiB"
    check_budget_arithmetic(m, workers=n)
    lo, hi = room_from_line(m)
    room = int(m.group(12))
    assert lo <= room <= hi, (lo, hi, m.group(0))
    assert n == min(2 * os.cpu_count(), room), (n, room, m.group(0))
    assert 1 <= n < 2 * os.cpu_count() or room >= 2 * os.cpu_count(), "the limit should have bounded the count"
    assert m.group(11) == "fits"
    st = status(s)
    assert len(st["workers"]) == n and st["memory"]["budget_max_workers"] == room
    assert get_json(s, "/pid.php")["pid"] in {w["pid"] for w in st["workers"]}


def test_workers_auto_with_no_room_is_refused(memcg, cg_keel):
    """Not even one worker fits: --workers auto does not start a pool the
    limit cannot hold; it is refused like any other, with the arithmetic."""
    g = memcg(LIMIT_300M)
    s = cg_keel(g, APP, "-d", "memory_limit=128M", workers="auto", expect_start=False)
    assert s.proc.returncode == 2, s.log_text()
    log = s.log_text()
    assert "ready:" not in log
    err = [l for l in log.splitlines() if " error " in l and "memory budget:" in l]
    assert len(err) == 1, log
    m = BUDGET_RE.search(err[0])
    assert m, err[0]
    assert m.group(11) == "does not fit" and m.group(12) == "0", err[0]


# ---------------------------------------------------------------- memory-backed temporary directories


@pytest.fixture
def shm_dir():
    if not Path("/dev/shm").is_dir():
        pytest.skip("no /dev/shm")
    d = Path("/dev/shm") / f"keel-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    d.mkdir()
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_tmpfs_reported_and_growth_warned(keel, shm_dir):
    s = start(keel, APP, "-d", f"sys_temp_dir={shm_dir}", workers=1)
    s.wait_log(rf"tmpfs: /dev/shm \({re.escape(str(shm_dir))}\) is memory-backed and counts against the memory limit")
    before = [t for t in status(s)["tmpfs"] if t["path"] == "/dev/shm"]
    assert len(before) == 1, status(s)["tmpfs"]
    _, samples, _ = parse_metrics(metrics_text(s))
    assert metric(samples, "keel_tmpfs_used_bytes", path="/dev/shm") == before[0]["used_bytes"]

    d = get_json(s, "/tmpwrite.php?mb=20&name=blob.bin")
    assert d["temp_dir"] == str(shm_dir) and d["size"] == 20 * MIB
    t_written = time.monotonic()
    line = s.wait_log(r"tmpfs /dev/shm grew to ", timeout=10 * SCALE)
    waited = time.monotonic() - t_written
    assert waited <= 7 * SCALE, f"the growth warning took {waited:.1f}s"
    m = re.search(rf"tmpfs /dev/shm grew to {SIZE} \(from {SIZE} in [\d.]+ (s|min)\): files there count against ", line)
    assert m and size_bytes(m.group(1)) - size_bytes(m.group(2)) >= 16 * MIB, line
    # ... and where: the directory that grew, by how much and in how long
    where = s.wait_log(rf"{re.escape(str(shm_dir))} grew ")
    m = re.search(rf"{re.escape(str(shm_dir))} grew {SIZE} in [\d.]+ (s|min): files on tmpfs count against ", where)
    assert m and size_bytes(m.group(1)) >= 19 * MIB, where
    poll_until(lambda: [t for t in status(s)["tmpfs"] if t["path"] == "/dev/shm"
                        and t["used_bytes"] >= before[0]["used_bytes"] + 19 * MIB], 10 * SCALE,
               interval=0.2, what="/status tmpfs to show the 20 MB file")
    _, samples, _ = parse_metrics(metrics_text(s))
    assert metric(samples, "keel_tmpfs_used_bytes", path="/dev/shm") >= before[0]["used_bytes"] + 19 * MIB
    get_json(s, "/tmpwrite.php?rm=1&name=blob.bin")
    assert not (shm_dir / "blob.bin").exists()


def process_tree(pid):
    """pid and its descendants, from /proc's children lists."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").iterdir():
            todo += [int(c) for c in (task / "children").read_text().split()]
    return out


def test_libcurl_is_mapped_only_where_it_is_used(keel, tmp_path):
    """libcurl and the libraries it needs (GnuTLS, Kerberos, LDAP, ...) are
    loaded by the front only for ACME or OCSP stapling: a server using
    neither maps none of them, in the front, the zygote or its workers
    (unless PHP itself loads curl as an extension)."""
    root = tmp_path / "root"
    root.mkdir()
    (root / "index.php").write_text("<?php echo json_encode(['curl' => extension_loaded('curl')]);")
    s = keel(root, workers=2)
    r = requests.get(s.url + "/", timeout=REQ_TIMEOUT)
    assert r.status_code == 200, r.text
    php_has_curl = r.json()["curl"]
    pids = process_tree(s.proc.pid)
    assert len(pids) >= 4, pids  # the front, a zygote, two workers
    mapping = {p: [line.split()[-1] for line in Path(f"/proc/{p}/maps").read_text().splitlines()
                   if "libcurl" in line or "libgnutls" in line or "libldap" in line] for p in pids}
    assert mapping[s.proc.pid] == [], mapping
    if not php_has_curl:
        assert all(found == [] for found in mapping.values()), mapping
