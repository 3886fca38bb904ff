#!/usr/bin/python3
"""Reloads and recycling under hostile traffic: keel in worker mode serves
bench/hello-worker while clients send GETs, POSTs with bodies up to 100 KB
(past 64 KiB a body follows the request on the worker's own socket) and
requests they abandon (half-close or reset), keel reloads every few seconds
and recycles each worker after a few requests. Every answered request must
be a 200, and keel must log no request lost with its worker.

    bench/reload_chaos.py [--duration 30] [--reload-every 2] [--max-requests 30]
                          [--workers 3] [--clients 12] [--keel build/keel]

Prints the counts and exits 0 when nothing was lost, 1 otherwise, 2 for
usage errors. Traffic goes to 127.0.0.1 only, for a bounded duration.
"""

import argparse
import os
import random
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

import requests

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--duration", type=float, default=30)
    p.add_argument("--reload-every", type=float, default=2)
    p.add_argument("--max-requests", type=int, default=30)
    p.add_argument("--workers", type=int, default=3)
    p.add_argument("--clients", type=int, default=12)
    p.add_argument("--keel", default=os.path.join(REPO, "build", "keel"))
    a = p.parse_args()
    if a.duration <= 0 or a.duration > 600 or a.reload_every <= 0 or a.clients < 1 or a.workers < 1:
        p.error("--duration must be in (0, 600], the others positive")
    return a


def start(a):
    root = os.path.join(REPO, "bench", "hello-worker")
    proc = subprocess.Popen(
        [a.keel, "serve", "--root", root, "--worker", os.path.join(root, "worker.php"), "--workers", str(a.workers),
         "--max-requests", str(a.max_requests), "--listen", "127.0.0.1:0", "--admin", "off"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    log = []
    ready = threading.Event()
    port = []

    def drain():
        for line in proc.stderr:
            log.append(line)
            m = re.search(r"ready: http://127\.0\.0\.1:(\d+)", line)
            if m and not port:
                port.append(int(m.group(1)))
                ready.set()

    threading.Thread(target=drain, daemon=True).start()
    if not ready.wait(30):
        proc.kill()
        sys.exit("keel did not start:\n" + "".join(log))
    return proc, port[0], log


def client(port, seed, end, counts, lock):
    r = random.Random(seed)
    url = f"http://127.0.0.1:{port}/"
    with requests.Session() as s:
        while time.monotonic() < end:
            kind = r.random()
            try:
                if kind < 0.15:  # a request its client abandons
                    c = socket.create_connection(("127.0.0.1", port), timeout=10)
                    c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                    time.sleep(r.random() * 0.005)
                    if r.random() < 0.5:
                        c.shutdown(socket.SHUT_WR)
                    else:
                        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    c.close()
                    key = "abandoned"
                elif kind < 0.3:
                    body = b"x=" + b"y" * r.randint(0, 100_000)
                    key = "ok" if s.post(url, data=body, timeout=10).status_code == 200 else "not_200"
                else:
                    key = "ok" if s.get(url, timeout=10).status_code == 200 else "not_200"
            except requests.RequestException:
                key = "errors"
            with lock:
                counts[key] += 1


def main():
    a = parse_args()
    proc, port, log = start(a)
    counts = {"ok": 0, "not_200": 0, "errors": 0, "abandoned": 0}
    lock = threading.Lock()
    end = time.monotonic() + a.duration
    threads = [threading.Thread(target=client, args=(port, i, end, counts, lock)) for i in range(a.clients)]
    for t in threads:
        t.start()
    reloads = 0
    while time.monotonic() + a.reload_every < end:
        time.sleep(a.reload_every)  # the pace of the reloads, not synchronisation
        proc.send_signal(signal.SIGHUP)
        reloads += 1
    for t in threads:
        t.join()
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        code = "killed after 30 s"
    lost = [line.strip() for line in log if "lost during a request" in line or "lost with a request" in line]
    print(f"requests answered 200: {counts['ok']}, other statuses: {counts['not_200']}, "
          f"client errors: {counts['errors']}, abandoned on purpose: {counts['abandoned']}")
    print(f"reloads: {reloads}, worker recycles: {sum('recycling worker' in l for l in log)}, keel exit: {code}")
    for line in lost[:5]:
        print("  " + line)
    bad = counts["not_200"] + counts["errors"] + len(lost) + (code != 0)
    print("result: " + ("nothing lost" if bad == 0 else "FAILED"))
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
