#!/usr/bin/python3
"""Proportional set size (PSS) of whole process trees.

Usage: pss.py [--list | --detail] PID...
       pss.py --sharers PATH_PREFIX...

Sums the `Pss:` line of /proc/<pid>/smaps_rollup over every given PID and
all of its descendants, and prints "<total MB> <process count>". MB here is
1024 * 1024 bytes (the kernel reports kB), as `free -m` counts.

PSS rather than RSS: pages shared between processes (libphp's text, the
OPcache segment, copy-on-write pages a forked worker still shares with its
parent) are split between the sharers, so adding PSS over a tree counts
every page of the tree once. Summing RSS would count them once per process.

--list    print the PIDs of the trees (one per line) instead, so shell code
          can kill a whole tree without its own /proc walk
--detail  also print one line per process to stderr (pid, Pss kB, comm)
--sharers print how many running processes map a file whose path starts
          with one of the prefixes. Such processes take their share of the
          pages of those files, so a server's PSS reads lower while they
          run; a benchmark reports this instead of silently under-counting.

Descendants are found from the ppid field of /proc/*/stat, so a process
that re-parented itself away (double fork, setsid + exit of the parent)
is not counted. nginx and php-fpm keep their workers as direct children;
if a server ever escapes its tree, its total here is low: check the
per-process lines of --detail against `ps -ef`.
"""
import os
import sys


def parent_map():
    """{pid: ppid} for every process we can still read."""
    parents = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read().decode("ascii", "replace")
        except OSError:
            continue  # exited between listdir and open
        # comm (field 2) may hold spaces and parentheses; everything after
        # the last ')' is well-formed: state, ppid, ...
        fields = stat[stat.rfind(")") + 2 :].split()
        parents[int(name)] = int(fields[1])
    return parents


def tree(roots):
    """The roots plus all their descendants, in a stable order."""
    children = {}
    for pid, ppid in parent_map().items():
        children.setdefault(ppid, []).append(pid)
    seen, order, stack = set(), [], list(reversed(roots))
    while stack:
        pid = stack.pop()
        if pid in seen or not os.path.exists(f"/proc/{pid}"):
            continue
        seen.add(pid)
        order.append(pid)
        stack.extend(sorted(children.get(pid, []), reverse=True))
    return order


def cpu_ticks(pid):
    """utime + stime of one process in clock ticks, 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode("ascii", "replace")
    except OSError:
        return 0
    # after ")": state(0) ppid(1) ... utime(11) stime(12)
    fields = stat[stat.rfind(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])


def pss_kb(pid):
    """Pss of one process in kB, or None when it is gone or unreadable."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return "?"


def sharers(prefixes):
    """Number of processes (other than this one) mapping a matching file."""
    count = 0
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        paths = set()
        try:
            with open(f"/proc/{name}/maps") as f:
                for line in f:
                    # address perms offset dev inode [path]; anonymous
                    # mappings have no path.
                    fields = line.split(None, 5)
                    if len(fields) == 6:
                        paths.add(fields[5].strip())
        except OSError:
            continue
        if any(p.startswith(prefixes) for p in paths):
            count += 1
    return count


def main(argv):
    mode = "pss"
    args = []
    for a in argv:
        if a in ("--list", "--detail", "--sharers"):
            mode = a[2:]
        else:
            args.append(a)
    if mode == "sharers":
        prefixes = tuple(os.path.realpath(a) if os.path.exists(a) else a for a in args if a)
        if not prefixes:
            sys.stderr.write("usage: pss.py --sharers PATH_PREFIX...\n")
            return 2
        print(sharers(prefixes))
        return 0
    try:
        roots = [int(a) for a in args]
    except ValueError:
        roots = []
    if not roots:
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2

    pids = tree(roots)
    if mode == "list":
        for pid in pids:
            print(pid)
        return 0

    total = 0
    counted = 0
    for pid in pids:
        kb = pss_kb(pid)
        if kb is None:
            continue
        total += kb
        counted += 1
        if mode == "detail":
            sys.stderr.write(f"  {pid:>7} {kb:>8} kB  {comm(pid)}\n")
    if counted == 0:
        sys.stderr.write("pss.py: none of the processes could be read\n")
        return 1
    print(f"{total / 1024:.1f} {counted}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
