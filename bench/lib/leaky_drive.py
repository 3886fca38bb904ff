#!/usr/bin/python3
"""Drives keel serving examples/leaky and reports what its memory governance
did (used by bench/leaky.sh).

    leaky_drive.py --url http://127.0.0.1:P --admin http://127.0.0.1:A --pid KEEL_PID
                   --log KEEL_LOG --requests 50000 --threads 8 --workers 4
                   --ceiling-bytes 67108864 --leak-bytes 4096 [--interval 0.5]

- Sends exactly --requests GETs to / on --threads keep-alive connections
  (http.client, one connection per thread), and counts every status that
  is not 200, and every connection error, as a failure (no retries).
- Every --interval seconds it sums Private_Clean + Private_Dirty from
  /proc/PID/smaps_rollup over keel's worker processes ("keel: worker"
  below the keel process) — measured here, not taken from keel.
- At the end it reads /metrics (recycles by reason, per-worker growth
  estimates) and keel's log (one "memory grows" line per leaking worker),
  and compares the estimates with the known leak per request.

Prints a report; exit status 1 if any request did not get a 200.
"""

import argparse
import http.client
import os
import re
import statistics
import sys
import threading
import time
import urllib.parse
import urllib.request

GROWS_RE = re.compile(r"worker (\d+) \(pid (\d+)\) memory grows (\d+) bytes per request since request (\d+) "
                      r"\((\d+) samples; (\w+) mode")
RECYCLE_RE = re.compile(r"recycling worker \d+ \(pid \d+\): (\w+); (\d+) requests, private memory ([\d.]+ \w+)")


def children_map():
    kids, comm = {}, {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                data = f.read().decode("latin-1")
        except OSError:
            continue
        pid = int(name)
        comm[pid] = data[data.index("(") + 1 : data.rindex(")")]
        ppid = int(data[data.rindex(")") + 2 :].split()[1])
        kids.setdefault(ppid, []).append(pid)
    return kids, comm


def worker_pids(root):
    kids, comm = children_map()
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        for c in kids.get(p, []):
            todo.append(c)
            if comm.get(c) == "keel: worker":
                out.append(c)
    return out


def private_bytes(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            text = f.read()
    except OSError:
        return None
    total = 0
    for line in text.splitlines():
        if line.startswith(("Private_Clean:", "Private_Dirty:")):
            total += int(line.split()[1]) * 1024
    return total


def mib(n):
    return f"{n / 1048576:.1f} MiB"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--admin", required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--requests", type=int, default=50000)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--ceiling-bytes", type=int, required=True)
    ap.add_argument("--leak-bytes", type=int, required=True)
    ap.add_argument("--interval", type=float, default=0.5)
    a = ap.parse_args()

    u = urllib.parse.urlsplit(a.url)
    lock = threading.Lock()
    state = {"next": 0, "ok": 0, "bad": {}, "errors": 0}

    def take():
        with lock:
            if state["next"] >= a.requests:
                return False
            state["next"] += 1
            return True

    def client():
        conn = None
        while take():
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
                conn.request("GET", "/")
                r = conn.getresponse()
                r.read()
                status = r.status
                if r.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as e:  # every connection error counts as a failed request
                status = f"error: {type(e).__name__}"
                if conn is not None:
                    conn.close()
                conn = None
            with lock:
                if status == 200:
                    state["ok"] += 1
                else:
                    state["bad"][status] = state["bad"].get(status, 0) + 1
        if conn is not None:
            conn.close()

    samples = []  # (t, total private, count, max single)
    stop = threading.Event()

    def sampler():
        while not stop.is_set():
            t = time.monotonic()
            figures = [b for b in (private_bytes(p) for p in worker_pids(a.pid)) if b is not None]
            if figures:
                samples.append((t, sum(figures), len(figures), max(figures)))
            stop.wait(a.interval)

    st = threading.Thread(target=sampler, daemon=True)
    st.start()
    t0 = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(a.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    stop.set()
    st.join()

    with urllib.request.urlopen(a.admin + "/metrics", timeout=10) as r:
        metrics = r.read().decode()
    recycles = {m.group(1): int(float(m.group(2)))
                for m in re.finditer(r'^keel_worker_recycles_total\{reason="(\w+)"\} (\S+)$', metrics, re.M)}
    live_growth = {}
    for m in re.finditer(r'^keel_worker_memory_growth_bytes_per_request\{pid="(\d+)",[^}]*mode="(\w+)"[^}]*\} (\S+)$',
                         metrics, re.M):
        if m.group(2) == "worker":
            live_growth[int(m.group(1))] = float(m.group(3))
    with urllib.request.urlopen(a.admin + "/status", timeout=10) as r:
        status_text = r.read().decode()
    total_m = re.search(r'"requests_total": (\d+)', status_text)

    with open(a.log, errors="replace") as f:
        log = f.read()
    grows = [(int(m.group(2)), int(m.group(3)), int(m.group(4)), int(m.group(5))) for m in GROWS_RE.finditer(log)
             if m.group(6) == "worker"]
    recycle_lines = [(m.group(1), int(m.group(2)), m.group(3)) for m in RECYCLE_RE.finditer(log)]

    bad_total = sum(state["bad"].values())
    known = a.leak_bytes
    ceiling_total = a.ceiling_bytes * a.workers
    peak = max(samples, key=lambda s: s[1]) if samples else None
    peak_single = max((s[3] for s in samples), default=0)

    print(f"requests sent:              {a.requests} on {a.threads} keep-alive connections in {elapsed:.1f} s "
          f"({a.requests / elapsed:.0f} req/s)")
    print(f"answered 200:               {state['ok']}")
    print(f"non-200 / errors:           {bad_total}" + (f" {state['bad']}" if bad_total else ""))
    print(f"keel requests_total:        {total_m.group(1) if total_m else '?'}")
    print(f"memory samples:             {len(samples)} (every {a.interval} s, smaps_rollup Private_Clean+Private_Dirty "
          f"of every 'keel: worker' process)")
    if peak:
        print(f"max total private memory:   {mib(peak[1])} over {peak[2]} worker processes "
              f"(ceiling {mib(a.ceiling_bytes)} x {a.workers} workers = {mib(ceiling_total)}; "
              f"{100.0 * peak[1] / ceiling_total:.0f}% of it)")
        print(f"max single worker private:  {mib(peak_single)} (ceiling {mib(a.ceiling_bytes)})")
        print(f"last sample total:          {mib(samples[-1][1])} over {samples[-1][2]} processes")
    print("recycles (from /metrics):   " + ", ".join(f"{k}={v}" for k, v in recycles.items()))
    if recycle_lines:
        per = [n for r, n, _ in recycle_lines if r == "memory"]
        if per:
            print(f"memory recycles after:      {min(per)}..{max(per)} requests (median {statistics.median(per):.0f}); "
                  f"private memory at recycle: {', '.join(sorted({p for r, _, p in recycle_lines if r == 'memory'}))}")
    print(f"known leak per request:     {known} bytes (LEAK_BYTES; plus a 16-byte array slot)")
    if grows:
        ests = [g[1] for g in grows]
        med = statistics.median(ests)
        print(f"leak warnings in the log:   {len(grows)} (one per leaking worker process)")
        print(f"  estimates:                {min(ests)}..{max(ests)} bytes/request, median {med:.0f} "
              f"(error {100.0 * (med - known) / known:+.1f}%); first at request {min(g[2] for g in grows)} "
              f"with {min(g[3] for g in grows)} samples")
    else:
        print("leak warnings in the log:   none")
    if live_growth:
        vals = sorted(live_growth.values())
        med = statistics.median(vals)
        print("/metrics growth (live):     " + ", ".join(f"{v:.0f}" for v in vals)
              + f" bytes/request; median {med:.0f} (error {100.0 * (med - known) / known:+.1f}%)")
    return 1 if bad_total else 0


if __name__ == "__main__":
    sys.exit(main())
