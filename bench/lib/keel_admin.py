#!/usr/bin/python3
"""Questions to a running keel's admin listener, for the benchmark scripts.

Usage: keel_admin.py ADMIN_PORT status
       keel_admin.py ADMIN_PORT field PATH          e.g. opcache.generation_swaps
       keel_admin.py ADMIN_PORT wait-alone N SECONDS

status      prints /status as it is
field       prints one value of /status (dotted path; missing prints "-")
wait-alone  waits (polling, bounded by SECONDS) until generation N is the
            only generation left and is active, and every process of the
            generations listed before is gone; exits 1 at the deadline
"""
import json
import sys
import time
import urllib.request


def status(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=5) as r:
        return json.load(r)


def field(doc, path):
    for part in path.split("."):
        if not isinstance(doc, dict) or part not in doc:
            return "-"
        doc = doc[part]
    return doc


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            st = f.read()
    except OSError:
        return False
    return st[st.rfind(")") + 2] != "Z"


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    port, cmd = argv[0], argv[1]
    if cmd == "status":
        print(json.dumps(status(port), indent=2))
        return 0
    if cmd == "field" and len(argv) == 3:
        print(field(status(port), argv[2]))
        return 0
    if cmd == "wait-alone" and len(argv) == 4:
        n, deadline = int(argv[2]), time.monotonic() + float(argv[3])
        old = set()
        while True:
            st = status(port)
            for g in st["generations"]:
                if g["number"] != n and g["zygote_pid"] > 0:
                    old.add(g["zygote_pid"])
            for w in st["workers"]:
                if w["generation"] != n:
                    old.add(w["pid"])
            gens = [(g["number"], g["state"]) for g in st["generations"]]
            if gens == [(n, "active")] and not any(alive(p) for p in old):
                return 0
            if time.monotonic() > deadline:
                sys.stderr.write(f"keel_admin.py: generations still {gens}\n")
                return 1
            time.sleep(0.05)
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
