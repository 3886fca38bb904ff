#!/usr/bin/python3
"""One burst for bench/burst.sh: N slow requests at once.

Usage: burst_drive.py URL N

Opens N connections, each sending one GET URL (Connection: close) at the
same moment (a barrier releases them together), and prints one JSON
object: how many got a 200, the others (status or error), the time from
the release to the last answer ("absorb_s") and to the median one, and
how many processes answered (the body is the answering pid). Exit 1 if
any request failed.
"""
import http.client
import json
import statistics
import sys
import threading
import time
import urllib.parse


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    url, n = urllib.parse.urlsplit(argv[0]), int(argv[1])
    path = (url.path or "/") + (("?" + url.query) if url.query else "")
    barrier = threading.Barrier(n + 1)
    done, bad, pids = [], [], set()
    lock = threading.Lock()

    def one():
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
        try:
            conn.connect()
        except OSError as e:
            barrier.wait()
            with lock:
                bad.append(repr(e))
            return
        barrier.wait()
        try:
            conn.request("GET", path, headers={"Connection": "close"})
            r = conn.getresponse()
            body = r.read()
            with lock:
                if r.status == 200:
                    done.append(time.monotonic())
                    pids.add(body.strip())
                else:
                    bad.append(r.status)
        except (OSError, http.client.HTTPException) as e:
            with lock:
                bad.append(repr(e))
        finally:
            conn.close()

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.monotonic()
    for t in threads:
        t.join()
    times = sorted(d - t0 for d in done)
    print(json.dumps({
        "ok": len(done),
        "bad": bad[:10],
        "bad_count": len(bad),
        "absorb_s": round(times[-1], 3) if times else None,
        "median_s": round(statistics.median(times), 3) if times else None,
        "processes": len(pids),
    }))
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
