#!/usr/bin/python3
"""PSS of a server's PHP worker processes, per worker.

Usage: worker_pss.py --comm NAME [--busiest N] [--detail] ROOT_PID...

Looks at the process trees under ROOT_PID... (as pss.py does), keeps the
processes whose name (/proc/PID/comm) is NAME, leaving out the roots
themselves (php-fpm's master has the same name as its children), and
prints "<total MB> <count> <MB per worker>" for them.

--busiest N  keep only the N of them that used the most CPU time (utime +
             stime). keel in worker mode also runs a small classic pool
             (--classic-workers, at least 1) whose processes have the same
             name; under a load that only reaches the worker script, the
             worker-mode processes are the busy ones. The others are
             reported on stderr with their PSS.
--detail     one line per kept process on stderr (pid, Pss kB, CPU ticks)
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pss import comm, cpu_ticks, pss_kb, tree  # noqa: E402


def main(argv):
    name, busiest, detail, roots = None, None, False, []
    it = iter(argv)
    try:
        for a in it:
            if a == "--comm":
                name = next(it)
            elif a == "--busiest":
                busiest = int(next(it))
            elif a == "--detail":
                detail = True
            else:
                roots.append(int(a))
    except (StopIteration, ValueError):
        roots = []
    if name is None or not roots:
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2

    procs = []
    for pid in tree(roots):
        if pid in roots or comm(pid) != name:
            continue
        kb = pss_kb(pid)
        if kb is not None:
            procs.append((pid, kb, cpu_ticks(pid)))
    if busiest is not None:
        procs.sort(key=lambda p: p[2], reverse=True)
        for pid, kb, ticks in procs[busiest:]:
            sys.stderr.write(f"  left out (idle, other pool): {pid:>7} {kb:>8} kB  {ticks} ticks\n")
        procs = procs[:busiest]
    if not procs:
        sys.stderr.write(f"worker_pss.py: no process named {name!r} under {roots}\n")
        return 1
    if detail:
        for pid, kb, ticks in procs:
            sys.stderr.write(f"  {pid:>7} {kb:>8} kB  {ticks} ticks\n")
    total = sum(kb for _, kb, _ in procs) / 1024
    print(f"{total:.1f} {len(procs)} {total / len(procs):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
