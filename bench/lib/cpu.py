#!/usr/bin/python3
"""CPU time used so far by whole process trees.

Usage: cpu.py PID...

Prints the user + system CPU time, in microseconds, of every given PID and
all of its descendants (found as pss.py finds them), summed. Taken before
and after a measured run and divided by the requests served, it gives a
server's CPU per request: a figure that does not depend on how the
scheduler happened to place the server and the load generator on a shared
machine, as req/s does. The servers measured keep their processes for the
whole run (php-fpm pm = static, nginx's worker, keel's front and workers);
time of a process that exits during the run would be lost.
"""
import os
import sys

from pss import cpu_ticks, tree


def main(argv):
    roots = [int(a) for a in argv[1:] if a.isdigit()]
    if not roots or len(roots) != len(argv) - 1:
        print(f"usage: {argv[0]} PID...", file=sys.stderr)
        return 2
    ticks = sum(cpu_ticks(pid) for pid in tree(roots))
    print(ticks * 1_000_000 // os.sysconf("SC_CLK_TCK"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
