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

from pss import tree


def cpu_ticks(pid):
    """utime + stime of one process in clock ticks, 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode("ascii", "replace")
    except OSError:
        return 0
    # fields after comm: state(3) ppid(4) ... utime(14) stime(15)
    fields = stat[stat.rfind(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])


def main(argv):
    try:
        roots = [int(a) for a in argv[1:]]
    except ValueError:
        print(f"usage: {argv[0]} PID...", file=sys.stderr)
        return 2
    if not roots:
        print(f"usage: {argv[0]} PID...", file=sys.stderr)
        return 2
    ticks = sum(cpu_ticks(pid) for pid in tree(roots))
    print(ticks * 1_000_000 // os.sysconf("SC_CLK_TCK"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
