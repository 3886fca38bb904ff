"""Real cgroup v1 memory limits for keel's integration tests.

`memcg(limit)` makes a child group of the memory cgroup this test runs in,
with that limit, removed at the end once every process has left it;
`cg_keel(group, root, *args)` starts keel from a shell that first moves
itself into the group, so keel and everything it starts are charged to it
and killed by the kernel past its limit, as in a container. Both skip the
test where there is no writable v1 memory controller (not root).
"""

import os
import uuid
from pathlib import Path

import pytest

from conftest import EXIT_TIMEOUT, KeelServer, KeelStartError, poll_until

MIB = 1 << 20


def own_memory_cgroup():
    """The v1 memory cgroup directory this process is in, or None."""
    try:
        text = Path("/proc/self/cgroup").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3 and "memory" in parts[1].split(","):
            d = Path("/sys/fs/cgroup/memory" + parts[2].rstrip("/"))
            return d if (d / "memory.limit_in_bytes").exists() else None
    return None


def group_value(group, name, key=None):
    """A figure of the group: a file's number, or `key`'s in a "key value" file."""
    text = (Path(group) / name).read_text()
    if key is None:
        return int(text.split()[0])
    for line in text.splitlines():
        k, _, v = line.partition(" ")
        if k == key:
            return int(v)
    raise KeyError(f"{key} not in {name}: {text!r}")


def oom_kills(group):
    """Processes the kernel's OOM killer killed in the group so far."""
    return group_value(group, "memory.oom_control", "oom_kill")


@pytest.fixture
def memcg():
    """Factory: memcg(limit_bytes) -> a fresh child memory cgroup (v1) with
    that limit, removed at the end (after every process has left it)."""
    base = own_memory_cgroup()
    if base is None or os.geteuid() != 0 or not os.access(base, os.W_OK):
        pytest.skip("needs root and a writable cgroup v1 memory controller")
    made = []

    def make(limit):
        d = base / f"keel-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        d.mkdir()
        made.append(d)
        (d / "memory.limit_in_bytes").write_text(str(limit))
        assert int((d / "memory.limit_in_bytes").read_text()) == limit
        return d

    yield make
    for d in made:
        poll_until(lambda: not (d / "cgroup.procs").read_text().strip(), EXIT_TIMEOUT,
                   what=f"processes to leave {d}")
        # tmpfs files written from inside stay charged to it; they are the
        # tests' to remove first, and the group cannot go before
        d.rmdir()


@pytest.fixture
def cg_keel():
    """Factory: cg_keel(group, root, *args, workers=N, expect_start=True,
    env=None): keel exec'd from a shell that first moves itself into
    `group`, with an admin listener on a free port."""
    servers = []

    def make(group, root, *args, workers=2, expect_start=True, env=None):
        s = KeelServer(root, ("--admin", "127.0.0.1:0", *args), workers=workers, env=env)
        s.args = ["/bin/sh", "-c", f'echo $$ > "{group}/cgroup.procs" && exec "$0" "$@"', *s.args]
        servers.append(s)
        if expect_start:
            s.start()
            s.admin = f"http://127.0.0.1:{s.admin_port()}"
        else:
            with pytest.raises(KeelStartError):
                s.start()
        return s

    yield make
    for s in servers:
        s.stop()
