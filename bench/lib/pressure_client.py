#!/usr/bin/python3
"""Sends exactly N GET requests with T threads (keep-alive, one connection
per thread) and checks every response body.

Usage: pressure_client.py URL N THREADS EXPECTED_BODY

Prints one JSON object: requests sent, correct (200 and body == EXPECTED),
wrong (with the first few examples), elapsed seconds, the zygote pids seen
(X-Zygote header: one per generation) and, per zygote, the highest
X-OPcache-Restarts value seen (restarts OPcache did in place in that
generation). Exit status 0 when every response was correct.
"""
import http.client
import json
import sys
import threading
import time
import urllib.parse


def main(argv):
    if len(argv) != 4:
        sys.stderr.write(__doc__)
        return 2
    url, n, threads, expected = urllib.parse.urlsplit(argv[0]), int(argv[1]), int(argv[2]), argv[3]
    path = (url.path or "/") + (("?" + url.query) if url.query else "")
    lock = threading.Lock()
    state = {"next": 0, "correct": 0, "wrong": 0, "examples": [], "zygotes": {}}

    def take():
        with lock:
            if state["next"] >= n:
                return False
            state["next"] += 1
            return True

    def worker():
        conn = None
        while take():
            status, body, headers, err = None, b"", {}, None
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
                conn.request("GET", path)
                r = conn.getresponse()
                status, body, headers = r.status, r.read(), dict(r.getheaders())
                if (r.getheader("connection") or "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as e:
                # keel keeps client connections open across generation
                # swaps, so any transport error is a failure: no retry.
                err = repr(e)
                if conn is not None:
                    conn.close()
                conn = None
            ok = err is None and status == 200 and body.decode("latin-1").strip() == expected
            with lock:
                if ok:
                    state["correct"] += 1
                    z = headers.get("X-Zygote", "?")
                    rs = int(headers.get("X-OPcache-Restarts", "0") or 0)
                    if rs >= state["zygotes"].get(z, (-1, ""))[0]:
                        state["zygotes"][z] = (rs, headers.get("X-OPcache-Restart-Kinds", ""))
                else:
                    state["wrong"] += 1
                    if len(state["examples"]) < 5:
                        state["examples"].append(err or f"{status} {body[:200]!r}")
        if conn is not None:
            conn.close()

    t0 = time.monotonic()
    ts = [threading.Thread(target=worker) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    elapsed = time.monotonic() - t0
    out = {
        "requests": state["next"],
        "correct": state["correct"],
        "wrong": state["wrong"],
        "wrong_examples": state["examples"],
        "elapsed_s": round(elapsed, 2),
        "req_per_s": round(state["next"] / elapsed, 1) if elapsed else None,
        "generations_seen": len(state["zygotes"]),
        "in_place_restarts_per_generation": {z: kinds for z, (_n, kinds) in state["zygotes"].items()},
        "in_place_restarts_total": sum(n for n, _k in state["zygotes"].values()),
    }
    print(json.dumps(out))
    return 0 if state["correct"] == n and state["next"] == n else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
