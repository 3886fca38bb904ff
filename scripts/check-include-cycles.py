#!/usr/bin/python3
"""Fails when two files, or two folders, of src/ depend on each other in a circle.

A file's module is its path without the extension (src/front/pool.c and
src/front/pool.h are one module). Module A depends on module B when a file
of A includes a header of B ("dir/name.h", relative to src/); a folder
depends on another when one of its modules does. Any cycle in either graph
is printed and the script exits 1; a tree without one exits 0.
Run by `make test` so the shape of the tree cannot quietly come back.
"""
import re
import sys
from pathlib import Path

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def graph(src):
    edges = {}
    for f in sorted(list(src.rglob("*.c")) + list(src.rglob("*.h"))):
        mod = f.relative_to(src).with_suffix("").as_posix()
        deps = edges.setdefault(mod, set())
        for inc in INCLUDE.findall(f.read_text(errors="replace")):
            target = Path(inc).with_suffix("").as_posix()
            if (src / inc).exists() and target != mod:
                deps.add(target)
    return edges


def cycles(edges):
    """Every strongly connected component of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def folders(edges):
    """The same graph between the folders of src/ (front, worker, ...)."""
    up = {}
    for mod, deps in edges.items():
        top = mod.split("/")[0]
        up.setdefault(top, set()).update(d.split("/")[0] for d in deps if d.split("/")[0] != top)
    return up


def report(graph_edges, what):
    found = cycles(graph_edges)
    for comp in found:
        members = set(comp)
        print(f"include cycle among {what}: " + ", ".join(comp), file=sys.stderr)
        for m in comp:
            inside = sorted(d for d in graph_edges[m] if d in members)
            print(f"  {m} -> {', '.join(inside)}", file=sys.stderr)
    return len(found)


def main():
    src = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "src")
    edges = graph(src)
    up = folders(edges)
    if report(edges, "files") + report(up, "folders"):
        return 1
    print(f"no include cycles among {len(edges)} modules and {len(up)} folders of {src}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
