#!/usr/bin/python3
"""CPU time used so far by whole process trees.

Usage: cpu.py [--alone] PID...

Prints the user + system CPU time, in microseconds, of every given PID and
all of its descendants (found as pss.py finds them), summed. Taken before
and after a measured run and divided by the requests served, it gives a
server's CPU per request: a figure that does not depend on how the
scheduler happened to place the server and the load generator on a shared
machine, as req/s does. The servers measured keep their processes for the
whole run (php-fpm pm = static, nginx's worker, keel's front and workers);
time of a process that exits during the run would be lost.

--alone counts the given processes (all their threads) without their
descendants: keel's front without its zygotes and workers.
"""
import os
import sys

from pss import cpu_ticks, tree


def main(argv):
    args = argv[1:]
    alone = bool(args) and args[0] == "--alone"
    if alone:
        args = args[1:]
    roots = [int(a) for a in args if a.isdigit()]
    if not roots or len(roots) != len(args):
        print(f"usage: {argv[0]} [--alone] PID...", file=sys.stderr)
        return 2
    ticks = sum(cpu_ticks(pid) for pid in (roots if alone else tree(roots)))
    print(ticks * 1_000_000 // os.sysconf("SC_CLK_TCK"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
