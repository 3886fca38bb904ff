#!/usr/bin/python3
"""Reads the output of `wrk --latency` and prints one line of figures.

Usage: wrk_parse.py FILE

Output (space separated, for `read` in shell):
    <req/s> <p50 ms> <p99 ms> <requests> <non-2xx/3xx> <socket errors>

wrk prints latencies with their own unit (us, ms, s); they are all turned
into milliseconds here so the table compares like with like. The "Non-2xx
or 3xx responses" and "Socket errors" lines only appear when non-zero, so
their absence means 0. Exits 1 if the run produced no figures at all
(wrk failed to connect, crashed, was killed).
"""
import re
import sys

UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}


def to_ms(text):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m|h)", text)
    if not m:
        raise ValueError(f"unexpected latency {text!r}")
    return float(m.group(1)) * UNIT_MS[m.group(2)]


def parse(text):
    out = {"rps": None, "p50": None, "p99": None, "requests": None, "non2xx": 0, "errors": 0}
    for line in text.splitlines():
        words = line.split()
        if not words:
            continue
        if words[0] == "Requests/sec:":
            out["rps"] = float(words[1])
        elif words[0] == "50%" and len(words) == 2:
            out["p50"] = to_ms(words[1])
        elif words[0] == "99%" and len(words) == 2:
            out["p99"] = to_ms(words[1])
        elif len(words) >= 2 and words[1] == "requests" and words[0].isdigit():
            # "  123456 requests in 10.00s, 20.00MB read"
            out["requests"] = int(words[0])
        elif line.strip().startswith("Non-2xx or 3xx responses:"):
            out["non2xx"] = int(words[-1])
        elif words[0] == "Socket" and words[1] == "errors:":
            # "Socket errors: connect 0, read 3, write 0, timeout 12"
            out["errors"] = sum(int(n) for n in re.findall(r"\d+", line))
    return out


def main(argv):
    if len(argv) != 1:
        sys.stderr.write("usage: wrk_parse.py FILE\n")
        return 2
    with open(argv[0], errors="replace") as f:
        r = parse(f.read())
    if r["rps"] is None or r["p99"] is None:
        sys.stderr.write(f"wrk_parse.py: no Requests/sec or 99% line in {argv[0]}\n")
        return 1
    print(f"{r['rps']:.2f} {r['p50']:.3f} {r['p99']:.3f} {r['requests'] or 0} {r['non2xx']} {r['errors']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
