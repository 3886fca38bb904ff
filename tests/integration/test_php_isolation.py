"""PHP code must not reach keel's plumbing: a worker holds nothing of
keel's that a program it starts would inherit (nor what keel itself was
started with), and it can write no claim slot but its own."""

import json
import os

import pytest

from conftest import KeelServer, app_dir

APP = app_dir("hostile")


def get_json(s, target):
    r = s.get(target)
    assert r.status == 200, (r.status, r.body[:300])
    return json.loads(r.body)


# ---------------------------------------------------------------- descriptors


@pytest.fixture
def keel_with_extra_fd(tmp_path):
    """keel started with descriptor 9 open on a file (as a careless shell
    or service manager might leave one): yields (server, that file)."""
    secret = tmp_path / "secret"
    secret.write_text("not for PHP")
    s = KeelServer(APP, ["--admin", "off"], workers=1)
    # sh opens fd 9 and execs keel in its place: keel's pid is the shell's.
    s.args = ["/bin/sh", "-c", 'exec 9<"$1"; shift; exec "$@"', "sh", str(secret)] + s.args
    try:
        s.start()
        yield s, secret
    finally:
        s.stop()
    assert not s.sanitizer_errors(), s.sanitizer_errors()


def test_keel_and_what_php_starts_get_none_of_keels_descriptors(keel_with_extra_fd):
    s, secret = keel_with_extra_fd
    seen = get_json(s, "/fds.php")
    root = str(APP) + "/"
    # The worker: every descriptor above 2 is close-on-exec, but the script
    # file PHP itself holds open while it runs it.
    own = {int(fd): v for fd, v in seen["own"].items()}
    leaks = {fd: v for fd, v in own.items() if fd > 2 and not v["cloexec"] and not v["target"].startswith(root)}
    assert not leaks, f"descriptors of the worker a program it starts inherits: {leaks}"
    assert str(secret) not in [v["target"] for v in own.values()], f"the worker holds keel's inherited fd 9: {own}"
    # A process PHP starts: stdin, stdout, stderr, and nothing of keel's.
    child = {int(fd): target for fd, target in seen["child"].items()}
    assert {0, 1, 2} <= set(child), child
    assert child[0] == "/dev/null", child
    extra = {fd: t for fd, t in child.items() if fd > 2 and not t.startswith(root)}
    assert not extra, f"a process PHP started inherited keel's descriptors: {extra}"
    # keel's stderr is not handed to it either: its stdout and stderr are pipes
    assert child[2].startswith("pipe:"), child


# ---------------------------------------------------------------- claim slots


def test_a_worker_maps_only_its_own_claim_slot(keel, tmp_path):
    s = keel(APP, "--admin", "off", workers=2)
    page = os.sysconf("SC_PAGE_SIZE")
    pids = set()
    for _ in range(20):
        seen = get_json(s, "/maps.php")
        assert seen["claims"] == [page], f"worker {seen['pid']} maps {seen['claims']} of the claim slots"
        pids.add(seen["pid"])
        if len(pids) == 2:
            break
