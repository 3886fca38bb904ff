#!/usr/bin/python3
"""The load of bench/oom.sh: CLIENTS keep-alive connections sending GET
URL for SECONDS. A 503 is taken as a client would: it waits Retry-After
(at most 0.2 s here) and goes on.

Usage: oom_drive.py URL SECONDS CLIENTS

Prints one JSON object: answers by status, Retry-After values seen with
503, connection errors (resets, closed connections) with a few examples,
and how many processes answered. Exit 0 always: the caller judges.
"""
import http.client
import json
import re
import sys
import threading
import time
import urllib.parse
from collections import Counter


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    url, seconds, clients = urllib.parse.urlsplit(argv[0]), float(argv[1]), int(argv[2])
    path = (url.path or "/") + (("?" + url.query) if url.query else "")
    codes, retry, errors, pids = Counter(), Counter(), [], set()
    lock = threading.Lock()
    end = time.monotonic() + seconds

    def run():
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        while time.monotonic() < end:
            try:
                conn.request("GET", path)
                r = conn.getresponse()
                body = r.read()
            except (OSError, http.client.HTTPException) as e:
                with lock:
                    errors.append(repr(e))
                conn.close()
                conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
                continue
            with lock:
                codes[r.status] += 1
                m = re.search(rb'"pid":(\d+)', body)
                if m:
                    pids.add(int(m.group(1)))
                if r.status == 503:
                    retry[r.getheader("Retry-After")] += 1
            if r.status == 503:
                time.sleep(0.2)
        conn.close()

    threads = [threading.Thread(target=run) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"codes": {str(k): v for k, v in sorted(codes.items())},
                      "retry_after": dict(retry), "errors": len(errors), "error_examples": errors[:3],
                      "processes": len(pids)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
